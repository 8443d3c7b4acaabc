package runner

import "testing"

func TestRelayURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ws://127.0.0.1:8080/ws", "ws://127.0.0.1:8080/ws"},
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws"},
		{"http://127.0.0.1:8080/", "ws://127.0.0.1:8080/ws"},
		{"localhost:9090", "ws://localhost:9090/ws"},
		{"wss://example.com/ws", ""},
		{"ws:///ws", ""},
	}
	for _, tt := range tests {
		got, err := RelayURL(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("RelayURL(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("RelayURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
