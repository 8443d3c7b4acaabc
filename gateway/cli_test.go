package gateway

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestMainFlags(t *testing.T) {
	tests := []struct {
		args   []string
		env    map[string]string
		status int
		stderr string
	}{
		{[]string{"--addr", "0.0.0.0:8080"}, nil, 2, "not a loopback address"},
		{[]string{"--addr", "nonsense"}, nil, 2, "is not host:port"},
		{[]string{"--no-such-flag"}, nil, 2, "flag provided but not defined"},
		{[]string{"extra"}, nil, 2, `unexpected argument "extra"`},
		{[]string{"--allow", "10.0.0.0/33:80"}, nil, 2, "invalid value"},
		{nil, map[string]string{"SOCKETLAB_ADDR": "0.0.0.0:1"}, 2, "not a loopback address"},
		{[]string{"-h"}, nil, 0, "usage: socketlab"},
		{[]string{"--log-format", "xml"}, nil, 2, `--log-format "xml": write text or json`},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		status := Main(tt.args, func(k string) string { return tt.env[k] }, &out, &errb)
		if status != tt.status || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("socketlab %q: status %d, stderr %q; want %d and %q", tt.args, status, errb.String(), tt.status, tt.stderr)
		}
	}
}

func TestNewLogger(t *testing.T) {
	var text bytes.Buffer
	log, err := newLogger("text", false, &text)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("lab service listening", "service", "echo.lab", "port", 7)
	if !regexp.MustCompile(`^time=\d\d:\d\d:\d\d level=INFO msg="lab service listening" service=echo.lab port=7\n$`).Match(text.Bytes()) {
		t.Errorf("text log %q; want the time of day, the level, the message and the attributes", text.String())
	}

	var js bytes.Buffer
	if log, err = newLogger("json", true, &js); err != nil {
		t.Fatal(err)
	}
	log.Info("compiled a lesson cell") // --quiet: not shown
	log.Warn("a lesson cell does not build", "cell", 3)
	var rec map[string]any
	if err := json.Unmarshal(js.Bytes(), &rec); err != nil {
		t.Fatalf("json log %q: %v; want one record, the warning", js.String(), err)
	}
	if rec["level"] != "WARN" || rec["msg"] != "a lesson cell does not build" || rec["cell"] != 3.0 || rec["time"] == nil {
		t.Errorf("json record %v", rec)
	}

	if _, err := newLogger("xml", false, &js); err == nil {
		t.Error(`newLogger("xml") succeeded`)
	}
}
