//go:build !linux

package build

// niced runs f: only Linux sets a thread's priority of its own.
func niced(f func() error) error { return f() }
