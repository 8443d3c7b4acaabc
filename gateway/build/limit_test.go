package build

import (
	"strings"
	"testing"
	"time"
)

// What a build's output says decides which limit the learner is told of, in words.
func TestLimitHit(t *testing.T) {
	s := &Service{memory: 1 << 30, cpu: 60 * time.Second, maxFile: 256 << 20}
	for _, tc := range []struct {
		name, text string
		cpu        time.Duration
		limit      string
		says       string
	}{
		{"runtime out of memory", "# cmd/link/internal/ld\nfatal error: runtime: cannot allocate memory", 0, LimitMemory, "the linker used more than 1 GiB"},
		{"allocation refused", "runtime: out of memory: cannot allocate 1073741824-byte block (8388608 in use)\nfatal error: out of memory", 0, LimitMemory, "asked for 1 GiB more with 8 MiB in use"},
		{"linker crash under the limit", "# command-line-arguments\nlink: unexpected fault address\nfatal error: fault\n[signal SIGSEGV: segmentation violation code=0x1]", 0, LimitMemory, "the linker crashed building this program, most likely because it needed more than the 1 GiB"},
		{"file too large", "write /tmp/x: file too large", 0, LimitDisk, "larger than 256 MiB"},
		{"cpu", "signal: killed", 59 * time.Second, LimitCPU, "more than 1m0s of CPU time"},
		{"killed early is not the cpu limit", "signal: killed", time.Second, "", ""},
		{"a compile error is no limit", "./prog.go:3:1: syntax error: non-declaration statement outside function body", 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limit, msg := s.limitHit(tc.text, tc.cpu)
			if limit != tc.limit || !strings.Contains(msg, tc.says) {
				t.Errorf("limitHit = %q, %q; want %q saying %q", limit, msg, tc.limit, tc.says)
			}
		})
	}
}
