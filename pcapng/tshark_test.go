package pcapng

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tsharkPath finds tshark. Under CI=true a missing tshark fails the test, elsewhere it skips.
func tsharkPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is not installed; CI must install it (Debian: apt-get install tshark)")
		}
		t.Skip("tshark is not installed (Debian: apt-get install tshark); skipping the check that Wireshark reads our files")
	}
	return path
}

// Expert info severities as tshark prints them in _ws.expert.severity.
const (
	severityWarn  = 6291456
	severityError = 8388608
)

// TestTshark writes labRun as a file and has tshark read it: nothing malformed, every
// checksum good, no expert errors, no complaint about sequence numbers, and the HTTP
// request and response, the FTP commands and replies, the FTP data connection found
// through PASV, and the UDP time query all dissected.
func TestTshark(t *testing.T) {
	tshark := tsharkPath(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "run.pcapng")
	var buf bytes.Buffer
	if err := Write(&buf, labRun(), &Options{Start: runStart}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		args = append([]string{"-r", file, "-n",
			"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"}, args...)
		cmd := exec.Command(tshark, args...)
		cmd.Env = append(os.Environ(), "HOME="+dir) // no personal Wireshark preferences
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}

	verbose := run("-V")
	for _, bad := range []string{"Malformed", "Checksum Status: Bad", "checksum status: Bad", "Expert Info (Error"} {
		if strings.Contains(verbose, bad) {
			t.Errorf("tshark -V says %q:\n%s", bad, context(verbose, bad))
		}
	}
	if n := strings.Count(verbose, "[Checksum Status: Good]"); n != len(mustRead(t, buf.Bytes()).packets) {
		t.Errorf("%d good TCP or UDP checksums, want one per packet (%d)", n, len(mustRead(t, buf.Bytes()).packets))
	}

	fields := []string{"frame.number", "_ws.col.Protocol", "_ws.expert.severity", "_ws.expert.message", "tcp.analysis.flags",
		"http.request.method", "http.request.uri", "http.host", "http.response.code", "http.content_length",
		"ftp.request.command", "ftp.request.arg", "ftp.response.code", "ftp-data.command",
		"udp.srcport", "udp.dstport", "udp.length", "time.time", "_ws.malformed"}
	args := []string{"-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	rows := map[string][]string{} // field -> the values in every frame that has it
	for _, line := range strings.Split(strings.TrimRight(run(args...), "\n"), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) != len(fields) {
			t.Fatalf("tshark printed %d fields, want %d: %q", len(cols), len(fields), line)
		}
		for i, v := range cols {
			if v != "" {
				rows[fields[i]] = append(rows[fields[i]], v)
			}
		}
	}
	if v := rows["_ws.malformed"]; len(v) > 0 {
		t.Errorf("malformed frames: %v", v)
	}
	if v := rows["tcp.analysis.flags"]; len(v) > 0 {
		t.Errorf("tshark's TCP analysis flags frames (sequence or ACK problems): %v", v)
	}
	for _, sev := range rows["_ws.expert.severity"] {
		for _, s := range strings.Split(sev, ",") {
			n, _ := strconv.Atoi(s)
			if n >= severityError {
				t.Errorf("expert info of severity error: %v", rows["_ws.expert.message"])
			}
		}
	}
	var warnings []string
	for _, msg := range rows["_ws.expert.message"] {
		for _, m := range strings.Split(msg, ",") {
			if strings.Contains(m, "reset") || strings.Contains(m, "RST") {
				warnings = append(warnings, m)
			}
		}
	}
	if len(warnings) != 1 {
		t.Errorf("%d resets noted, want 1 (the refused connect): %v", len(warnings), warnings)
	}

	check := func(field string, want ...string) {
		t.Helper()
		if got := rows[field]; !slices.Equal(got, want) {
			t.Errorf("tshark's %s: %q, want %q", field, got, want)
		}
	}
	check("http.request.method", "GET")
	check("http.request.uri", "/")
	check("http.host", "web.lab")
	check("http.response.code", "200")
	check("http.content_length", "3240")
	check("ftp.request.command", "USER", "PASS", "TYPE", "PASV", "RETR", "QUIT")
	check("ftp.request.arg", "anonymous", "lab@", "I", "hello")
	check("ftp.response.code", "220", "331", "230", "200", "227", "150", "226", "221")
	check("ftp-data.command", "RETR hello") // the data connection, tied to its PASV and RETR
	check("udp.srcport", "50000", "37")
	check("udp.dstport", "37", "50000")
	check("udp.length", "8", "12")
	check("time.time", "3918198896") // the TIME reply: 2024-02-29 12:34:56 UTC
}

func mustRead(t *testing.T, b []byte) *capture {
	t.Helper()
	c, err := readCapture(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// context shows the lines around the first occurrence of s.
func context(text, s string) string {
	i := strings.Index(text, s)
	start := strings.LastIndex(text[:max(i-400, 0)+1], "\n")
	end := min(len(text), i+400)
	return text[max(start, 0):end]
}
