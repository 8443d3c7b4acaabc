package lab

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestHandlerLabsJSON(t *testing.T) {
	n := startLab(t, nil)
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/labs.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /labs.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var got []struct {
		Name   string     `json:"name"`
		Proto  string     `json:"proto"`
		Port   int        `json:"port"`
		Addr   netip.Addr `json:"addr"`
		Listen string     `json:"listen"`
		About  string     `json:"about"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("labs.json does not parse: %v\n%s", err, body)
	}
	want := n.Services()
	if len(got) != len(want) {
		t.Fatalf("labs.json lists %d services; want %d", len(got), len(want))
	}
	for i, s := range want {
		g := got[i]
		if g.Name != s.Name || g.Proto != s.Proto || g.Port != s.Port || g.Addr != s.Addr || g.Listen != s.Listen || g.About != s.About {
			t.Errorf("entry %d: %+v; want %+v", i, g, s)
		}
	}
	// The example from the issue, field for field.
	if !strings.Contains(string(body), `"name": "time.lab",
    "proto": "udp",
    "port": 37,
    "addr": "10.10.0.37",
    "listen": "127.0.0.1:`) {
		t.Errorf("labs.json has no time.lab udp entry in the documented shape:\n%s", body)
	}

	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"HEAD", "/labs.json", 200},
		{"POST", "/labs.json", 405},
		{"GET", "/labs", 404},
		{"GET", "/", 404},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d; want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
	}
}
