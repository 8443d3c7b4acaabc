package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"socketlab/gateway"
	"socketlab/gateway/classroom"
)

// TestStateFlag: --state needs --class; a damaged state file stops the command with an error
// naming the file and what to do.
func TestStateFlag(t *testing.T) {
	var out, errOut strings.Builder
	if status := Main([]string{"--state", t.TempDir()}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); status != 2 || !strings.Contains(errOut.String(), "--class") {
		t.Errorf("--state without --class: exit %d, %q", status, errOut.String())
	}
	bad := t.TempDir()
	file := filepath.Join(bad, classroom.StateFile)
	os.WriteFile(file, []byte(strings.Repeat("x", 8192)), 0o600)
	errOut.Reset()
	if status := Main([]string{"--class", "auto", "--state", bad, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); status != 1 || !strings.Contains(errOut.String(), file) || !strings.Contains(errOut.String(), "move it away") {
		t.Errorf("a damaged state file: exit %d, %q", status, errOut.String())
	}
}

// cacheDir is a build cache for a gateway that serve starts: the lesson cells' warm-up may
// still be writing to it for a moment after serve returns, so it is removed when it is done.
func cacheDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "socketlab-cache-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove %s", dir)
	})
	return dir
}

var teacherURL = regexp.MustCompile(`teacher's view.*: (http://\S+/teacher)#key=([0-9a-f]+)`)

// TestTeacherURLWorks: in classroom mode with --state the command prints the teacher's view
// with its key, and the key opens the view, which knows the join URL for its QR code.
func TestTeacherURLWorks(t *testing.T) {
	dir := t.TempDir()
	class, state, err := openClass("auto", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, "127.0.0.1:0", &gateway.Options{CacheDir: cacheDir(t), Class: class, State: state, Logger: slog.New(slog.DiscardHandler)}, out)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var m []string
	for deadline := time.Now().Add(time.Minute); m == nil; m = teacherURL.FindStringSubmatch(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no teacher's view after a minute:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), filepath.Join(dir, classroom.StateFile)) {
		t.Errorf("the notice does not say where the class is kept:\n%s", out.String())
	}
	req, _ := http.NewRequest("GET", strings.TrimSuffix(m[1], "/teacher")+"/api/teacher/view", nil)
	req.Header.Set(classroom.KeyHeader, m[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v classroom.View
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the printed teacher's URL: %d %v", resp.StatusCode, err)
	}
	if v.Code != state.Code() || !strings.Contains(out.String(), "the join code is "+v.Code) || !strings.Contains(v.JoinURL, "/join?code="+v.Code) || !strings.HasPrefix(v.JoinQR, "data:image/png;base64,") {
		t.Errorf("the view: code %q, join URL %q, QR %.40q\n%s", v.Code, v.JoinURL, v.JoinQR, out.String())
	}
}

// TestStateDatabaseUnreachable: --state with a PostgreSQL URL nobody answers stops the command
// with an error that says so, without the URL's password.
func TestStateDatabaseUnreachable(t *testing.T) {
	var out, errOut strings.Builder
	status := Main([]string{"--class", "k7m-qx2-r9d", "--state", "postgres://teacher:s3cret@127.0.0.1:1/socketlab?connect_timeout=2", "--addr", "127.0.0.1:0"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if status != 1 || !strings.Contains(errOut.String(), "cannot reach the database") || strings.Contains(errOut.String(), "s3cret") {
		t.Errorf("an unreachable database: exit %d, %q", status, errOut.String())
	}
}
