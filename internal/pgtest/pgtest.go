// Package pgtest starts a real PostgreSQL server for a test: Debian's postgresql package's
// initdb and pg_ctl, a cluster in a temporary folder, listening on a loopback port of its own,
// stopped when the test ends. PostgreSQL refuses to run as root, so a test running as root
// runs it as the postgres user (or nobody).
//
// Without PostgreSQL the test is skipped with a message saying how to install it, except in
// CI (CI=true), where .ci/run installs it and a missing server fails the test.
package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// Bin finds the folder of PostgreSQL's server programs (initdb, pg_ctl, postgres): $PGBIN,
// Debian's /usr/lib/postgresql/VERSION/bin (the newest), or initdb in PATH.
func Bin() string {
	if b := os.Getenv("PGBIN"); b != "" {
		return b
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Server is a running PostgreSQL.
type Server struct {
	// URL connects to its database "socketlab" as the user "socketlab", over TCP on loopback.
	URL  string
	Addr string // host:port
	dir  string
	bin  string
	user *account // nil: this process's user
}

// Start starts a PostgreSQL server for t, stopped and removed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Bin()
	if bin == "" {
		const msg = "PostgreSQL is not installed (apt-get install postgresql, or set $PGBIN to the folder of initdb and pg_ctl)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI must run this test: .ci/run installs it")
		}
		t.Skip(msg)
	}
	s, err := start(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func start(bin string) (*Server, error) {
	user, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "socketlab-pg-")
	if err != nil {
		return nil, err
	}
	if user != nil {
		if err := os.Chown(dir, user.uid, user.gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	s := &Server{dir: dir, bin: bin, user: user}
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", "socketlab", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c max_connections=100", port, dir)
	if out, err := s.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	if out, err := s.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "socketlab", "socketlab"); err != nil {
		s.Stop()
		return nil, fmt.Errorf("createdb: %v\n%s", err, out)
	}
	s.URL = fmt.Sprintf("postgres://socketlab@%s/socketlab?sslmode=disable", s.Addr)
	return s, nil
}

// run runs one of PostgreSQL's programs as the server's user.
func (s *Server) run(prog string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, prog)
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath(prog); err == nil {
			path = p
		}
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	s.user.runs(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.Bytes(), err
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		return out.Bytes(), fmt.Errorf("%s took more than two minutes", prog)
	}
}

// Stop stops the server at once and removes its folder.
func (s *Server) Stop() {
	s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
