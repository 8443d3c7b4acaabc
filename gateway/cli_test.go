package gateway

import (
	"bytes"
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
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		status := Main(tt.args, func(k string) string { return tt.env[k] }, &out, &errb)
		if status != tt.status || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("socketlab %q: status %d, stderr %q; want %d and %q", tt.args, status, errb.String(), tt.status, tt.stderr)
		}
	}
}
