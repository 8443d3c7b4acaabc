package overlay

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func goroot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// fakeGOROOT copies the installed package net (without tests) and VERSION into a temporary
// GOROOT, then lets edit change it.
func fakeGOROOT(t *testing.T, edit func(net string)) string {
	t.Helper()
	real := goroot(t)
	root := t.TempDir()
	net := filepath.Join(root, "src", "net")
	if err := os.MkdirAll(net, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(real, "src", "net", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(net, filepath.Base(f)), b, 0o644)
	}
	if b, err := os.ReadFile(filepath.Join(real, "VERSION")); err == nil {
		os.WriteFile(filepath.Join(root, "VERSION"), b, 0o644)
	}
	edit(net)
	return root
}

// rewrite replaces old by new in a file of the fake package net.
func rewrite(t *testing.T, net, name, old, new string) {
	t.Helper()
	p := filepath.Join(net, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q: the installed toolchain differs from what this test expects", name, old)
	}
	os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644)
}

// When the toolchain's package net changes shape, the native overlay says which file changed
// instead of producing a package that does not compile.
func TestNativeOverlayNeedsKnownShape(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, net string)
		want string // in the error; "" for success
	}{
		{"as installed", func(t *testing.T, net string) {}, ""},
		{"no fake network", func(t *testing.T, net string) {
			os.Remove(filepath.Join(net, "net_fake.go"))
		}, "no net_fake.go"},
		{"lookup renamed", func(t *testing.T, net string) {
			rewrite(t, net, "lookup_unix.go", "func (r *Resolver) lookupHost(", "func (r *Resolver) lookupHostNamed(")
		}, "net/lookup_unix.go"},
		{"probe changed", func(t *testing.T, net string) {
			rewrite(t, net, "ipsock_posix.go", `case "js", "wasip1":`, `case "wasip1", "js":`)
		}, "net/ipsock_posix.go"},
		{"constraint moved to the file name", func(t *testing.T, net string) {
			rewrite(t, net, "sockopt_fake.go", "//go:build js || wasip1\n", "")
			os.Rename(filepath.Join(net, "sockopt_fake.go"), filepath.Join(net, "sockopt_fake_js.go"))
		}, "net/sockopt_fake_js.go: expected one //go:build line, found 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeGOROOT(t, func(net string) { tt.edit(t, net) })
			files, err := FilesFor(root, "linux")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("FilesFor: %v", err)
			case tt.want == "":
				if len(files) == 0 {
					t.Error("no files")
				}
			case err == nil:
				t.Errorf("FilesFor succeeded; want an error about %q", tt.want)
			case !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "toolchain changed"):
				t.Errorf("FilesFor: %v; want an error naming %q that says the toolchain changed", err, tt.want)
			}
		})
	}
}

func TestFilesFor(t *testing.T) {
	root := goroot(t)
	js, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := js["syscall/tables_js.go"]; !ok {
		t.Error("the js overlay has no errno wording patch")
	}
	linux, err := FilesFor(root, "linux")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"syscall/tables_js.go", "net/http/roundtrip_js.go"} {
		if _, ok := linux[p]; ok {
			t.Errorf("the linux overlay has %s, which only js needs", p)
		}
	}
	for _, p := range []string{"net/net_fake.go", "net/socketlab.go", "net/fd_fake.go", "net/fd_js_lab.go", "net/lookup_unix.go"} {
		b, ok := linux[p]
		if !ok {
			t.Errorf("the linux overlay has no %s", p)
			continue
		}
		if !bytes.Contains(b, []byte("//go:build linux")) && p != "net/lookup_unix.go" {
			t.Errorf("%s: no build line for linux", p)
		}
	}
	if b := linux["net/fd_unix.go"]; !bytes.Equal(bytes.TrimSpace(b[bytes.LastIndex(b, []byte("\n\n"))+2:]), []byte("package net")) {
		t.Errorf("net/fd_unix.go is not emptied: %q", b)
	}
	if _, err := FilesFor(root, "plan9"); err == nil || !strings.Contains(err.Error(), "GOOS=plan9") {
		t.Errorf("FilesFor(plan9): err = %v, want one naming the GOOS", err)
	}
}

// A native program built with the overlay has the lab's package net: without the runtime
// every socket fails with ENOSYS, through the usual error types, and nothing reaches the
// kernel's network.
func TestNativeNetBuilds(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the native overlay is for linux")
	}
	if testing.Short() {
		t.Skip("compiles package net and net/http for the overlay")
	}
	root := goroot(t)
	files, err := FilesFor(root, "linux")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	replace := map[string]string{}
	for p, b := range files {
		dst := filepath.Join(dir, "overlay", filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(root, "src", filepath.FromSlash(p))] = dst
	}
	b, _ := json.Marshal(map[string]any{"Replace": replace})
	os.WriteFile(filepath.Join(dir, "overlay.json"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module prog\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
)

func show(err error) {
	fmt.Println(err, errors.Is(err, syscall.ENOSYS))
}

func main() {
	_, err := net.Dial("tcp", "127.0.0.1:1")
	show(err)
	_, err = net.Listen("tcp", "127.0.0.1:0")
	show(err)
	_, err = http.Get("http://127.0.0.1:1/")
	show(err)
	show(http.ListenAndServe("127.0.0.1:0", nil))
}
`), 0o644)
	cmd := exec.Command("go", "build", "-overlay", filepath.Join(dir, "overlay.json"), "-o", "prog", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build with the native overlay: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "prog")).CombinedOutput()
	if err != nil {
		t.Fatalf("running: %v\n%s", err, out)
	}
	const why = "this program has no lab runtime: build it with socketlab true"
	want := "dial tcp 127.0.0.1:1: connect: " + why + "\n" +
		"listen tcp 127.0.0.1:0: bind: " + why + "\n" +
		"Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: connect: " + why + "\n" +
		"listen tcp 127.0.0.1:0: bind: " + why + "\n"
	if string(out) != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}
