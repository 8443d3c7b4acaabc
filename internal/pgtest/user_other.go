//go:build !unix

package pgtest

import "os/exec"

// account is the user PostgreSQL's programs run as: on Windows, always this one.
type account struct{ uid, gid int }

func runAs() (*account, error) { return nil, nil }

func (a *account) runs(*exec.Cmd) {}
