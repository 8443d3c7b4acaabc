package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

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
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		status := Main(tt.args, func(k string) string { return tt.env[k] }, strings.NewReader(""), &out, &errb)
		if status != tt.status || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("socketlab %q: status %d, stderr %q; want %d and %q", tt.args, status, errb.String(), tt.status, tt.stderr)
		}
	}
}

// TestUsage compares the usage text of socketlab and socketlab run with the golden files in
// testdata: a flag added, renamed or reworded shows up here. go test -update rewrites them.
func TestUsage(t *testing.T) {
	tests := []struct {
		args   []string
		golden string
	}{
		{[]string{"-h"}, "usage.golden"},
		{[]string{"run", "-h"}, "run-usage.golden"},
		{[]string{"check", "-h"}, "check-usage.golden"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if status := Main(tt.args, func(string) string { return "" }, strings.NewReader(""), &out, &errb); status != 0 {
			t.Errorf("socketlab %q: status %d, want 0", tt.args, status)
		}
		if out.Len() > 0 {
			t.Errorf("socketlab %q wrote %q to stdout; the usage goes to stderr", tt.args, out.String())
		}
		golden := filepath.Join("testdata", tt.golden)
		if *update {
			if err := os.WriteFile(golden, errb.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if errb.String() != string(want) {
			t.Errorf("socketlab %q usage:\n%s\nwant (%s; go test -update rewrites it):\n%s", tt.args, errb.String(), golden, want)
		}
	}
}

// TestBadInputShowsUsage: a bad command line exits 2 with the usage after the error.
func TestBadInputShowsUsage(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"extra"}, {"run"}, {"run", "--no-such-flag", "x.go"}} {
		var out, errb bytes.Buffer
		status := Main(args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
		first := "usage: socketlab [flags]"
		if args[0] == "run" {
			first = "usage: socketlab run [flags]"
		}
		if status != 2 || !strings.Contains(errb.String(), first) {
			t.Errorf("socketlab %q: status %d, stderr %q; want 2 and the usage", args, status, errb.String())
		}
	}
}
