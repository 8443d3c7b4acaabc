package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"socketlab/event"
	"socketlab/gateway"
	"socketlab/internal/cli"
)

// TestWireViewEndpoints runs a real program (an HTTP GET and an RFC 868 query) with its events
// recorded (socketlab run --events, through the gateway under test), then posts the events
// as the page does: the annotations name the HTTP status line and the decoded time, and the
// capture opens in tshark.
func TestWireViewEndpoints(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	s, err := gateway.New(&gateway.Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	prog := filepath.Join(dir, "prog.go")
	os.WriteFile(prog, []byte(`package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
)

func main() {
	resp, err := http.Get("http://web.lab/status/404")
	if err != nil {
		panic(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	c, err := net.Dial("tcp", "time.lab:37")
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(c)
	fmt.Println(resp.StatusCode, len(b))
}
`), 0o644)
	eventsFile := filepath.Join(dir, "events.jsonl")
	var out, errb bytes.Buffer
	if status := cli.Main([]string{"run", "--gateway", srv.URL, "--events", eventsFile, "--cache-dir", cache, prog}, os.Getenv, strings.NewReader(""), &out, &errb); status != 0 || out.String() != "404 4\n" {
		t.Fatalf("program: status %d, stdout %q, stderr %q", status, out.String(), errb.String())
	}
	var events []event.Event
	raw, _ := os.ReadFile(eventsFile)
	for line := range strings.Lines(string(raw)) {
		var e event.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	body, _ := json.Marshal(map[string]any{"events": events})

	resp, err := http.Post(srv.URL+"/api/annotate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ann struct {
		Messages []struct {
			Event   int
			Summary string
			Notes   []struct {
				Event, Off, Len int
				Label           string
			}
		}
	}
	json.NewDecoder(resp.Body).Decode(&ann)
	resp.Body.Close()
	var summaries []string
	for _, m := range ann.Messages {
		if m.Event < 0 || m.Event >= len(events) {
			t.Errorf("annotation placed on event %d of %d", m.Event, len(events))
			continue
		}
		if k := events[m.Event].Kind; k != "send" && k != "recv" {
			t.Errorf("annotation %q placed on a %s event", m.Summary, k)
		}
		summaries = append(summaries, m.Summary)
		// Each note lies on the bytes of the event it names: the status code reads 404 in
		// the read that returned the whole response.
		for _, n := range m.Notes {
			if n.Event < 0 || n.Event >= len(events) || n.Off < 0 || n.Off+n.Len > len(events[n.Event].Data) {
				t.Errorf("note %q of %q at %d+%d of event %d: outside its bytes", n.Label, m.Summary, n.Off, n.Len, n.Event)
				continue
			}
			if b := string(events[n.Event].Data[n.Off : n.Off+n.Len]); n.Label == "status code" && b != "404" {
				t.Errorf("the status code note of %q marks %q", m.Summary, b)
			}
		}
	}
	all := strings.Join(summaries, "\n")
	t.Logf("annotations:\n%s", all)
	for _, want := range []string{"GET /status/404 HTTP/1.1", "404 Not Found", "time " + time.Now().UTC().Format("2006-01-02")} {
		if !strings.Contains(all, want) {
			t.Errorf("annotations lack %q:\n%s", want, all)
		}
	}

	resp, err = http.Post(srv.URL+"/api/export.pcapng", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	capture, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(capture, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Fatalf("export: %d, %d bytes not starting with a section header", resp.StatusCode, len(capture))
	}
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is missing; .ci/run installs it (apt-get install tshark)")
		}
		t.Skip("no tshark: apt-get install tshark to check the capture")
	}
	file := filepath.Join(dir, "run.pcapng")
	os.WriteFile(file, capture, 0o644)
	text, err := exec.Command(tshark, "-r", file).CombinedOutput()
	if err != nil || !strings.Contains(string(text), "GET /status/404") || strings.Contains(strings.ToLower(string(text)), "malformed") {
		t.Errorf("tshark: %v\n%s", err, text)
	}

	// A run that is not JSON gets a clear error.
	resp, _ = http.Post(srv.URL+"/api/annotate", "application/json", strings.NewReader("not json"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad run: %d", resp.StatusCode)
	}
	resp.Body.Close()
}
