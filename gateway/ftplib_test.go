package gateway

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"socketlab/gateway/lab"
)

// TestFTPLibraryAgainstLab talks to ftp.lab with github.com/jlaffaye/ftp directly, the client
// library learners use: the lab server and the library agree on login, listing and a passive
// download. (Learner programs use the same library through the gateway; see TestRun.)
func TestFTPLibraryAgainstLab(t *testing.T) {
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr, _, ok := ln.Resolve("tcp", "ftp.lab", 21)
	if !ok {
		t.Fatal("no ftp.lab")
	}
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login("student", lab.FTPStudentPassword); err != nil {
		t.Fatal(err)
	}
	names, err := c.NameList("/home/student/work")
	if err != nil || !strings.Contains(strings.Join(names, " "), "sample.txt") {
		t.Fatalf("NameList = %v, %v", names, err)
	}
	r, err := c.Retr("/home/student/work/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil || len(b) == 0 {
		t.Errorf("RETR sample.txt: %d bytes, %v", len(b), err)
	}
}
