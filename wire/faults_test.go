package wire

import "testing"

func TestFaultsInURL(t *testing.T) {
	tests := []struct{ url, spec, want string }{
		{"ws://127.0.0.1:1/ws", "", "ws://127.0.0.1:1/ws"},
		{"", "segment=1", ""},
		{"ws://127.0.0.1:1/ws", "segment=1,delay=200ms", "ws://127.0.0.1:1/ws?faults=segment=1,delay=200ms"},
		{"ws://127.0.0.1:1/ws?learner=a", "loss=0.5 & x", "ws://127.0.0.1:1/ws?learner=a&faults=loss=0.5%20%26%20x"},
	}
	for _, tt := range tests {
		if got := WithFaults(tt.url, tt.spec); got != tt.want {
			t.Errorf("WithFaults(%q, %q) = %q, want %q", tt.url, tt.spec, got, tt.want)
		}
	}
}
