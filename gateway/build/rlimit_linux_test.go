package build

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// A build and every process it starts run at a low priority, so that the relay keeps the CPU
// it needs while builds run: the niceness is set on the go command and inherited by what it
// starts, like the limits.
func TestBuildsYieldTheCPU(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 5 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	s := &Service{memory: 1 << 30}
	if err := s.setLimits(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if n := niceOf(t, cmd.Process.Pid); n != buildNice {
		t.Errorf("the build runs at niceness %d, want %d", n, buildNice)
	}
}

// niceOf reads a process's niceness from /proc (the 19th field of stat).
func niceOf(t *testing.T, pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	n, err := strconv.Atoi(fields[16]) // stat's fields 3.. follow the command's name
	if err != nil {
		t.Fatal(err)
	}
	return n
}
