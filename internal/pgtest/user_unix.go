//go:build unix

package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// account is the user PostgreSQL's programs run as.
type account struct{ uid, gid int }

// runAs is the user PostgreSQL runs as: this one (nil), unless it is root, which PostgreSQL
// refuses: then postgres, or nobody.
func runAs() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &account{uid, gid}, nil
	}
	return nil, fmt.Errorf("running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as: it refuses root")
}

// runs makes cmd run as a, when a is not nil.
func (a *account) runs(cmd *exec.Cmd) {
	if a != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}}
	}
}
