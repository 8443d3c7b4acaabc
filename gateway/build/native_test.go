package build

import (
	"context"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// A service for the host builds executables; build tags reach the runtime's files.
func TestNativeTarget(t *testing.T) {
	tagged := fstest.MapFS{
		"labrt/tagged/on.go":  {Data: []byte("//go:build labtag\n\npackage tagged\n\nconst On = \"tag-on\"\n")},
		"labrt/tagged/off.go": {Data: []byte("//go:build !labtag\n\npackage tagged\n\nconst On = \"tag-off\"\n")},
	}
	prelude := []byte("package main\n\nimport \"socketlab/labrt/tagged\"\n\nfunc labTag() string { return tagged.On }\n")
	src := []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, lab\", labTag()) }\n")
	cache := t.TempDir()

	tests := []struct {
		name         string
		goos, goarch string
		tags         []string
		want         string
	}{
		{"host with tag", runtime.GOOS, runtime.GOARCH, []string{"labtag"}, "hello, lab tag-on\n"},
		{"host without tag", runtime.GOOS, runtime.GOARCH, nil, "hello, lab tag-off\n"},
	}
	hashes := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(t, func(o *Options) {
				o.CacheDir = cache // one cache for every target: the entries must not mix
				o.Runtime, o.Modules, o.Overlay, o.Prelude = tagged, nil, nil, prelude
				o.GOOS, o.GOARCH, o.Tags = tt.goos, tt.goarch, tt.tags
			})
			r, err := s.Build(context.Background(), src)
			if err != nil || !r.OK {
				t.Fatalf("Build: %v %+v", err, r)
			}
			if other, seen := hashes[r.Hash]; seen {
				t.Fatalf("hash %s is shared with %q", r.Hash, other)
			}
			hashes[r.Hash] = tt.name
			if _, ok := s.WasmPath(r.Hash); ok {
				t.Error("WasmPath finds a native program")
			}
			path, ok := s.ProgramPath(r.Hash)
			if !ok {
				t.Fatalf("ProgramPath(%s) found nothing", r.Hash)
			}
			out, err := exec.Command(path).CombinedOutput()
			if err != nil || string(out) != tt.want {
				t.Errorf("running the program: %q, %v; want %q", out, err, tt.want)
			}
			again, err := s.Build(context.Background(), src)
			if err != nil || !again.Cached || again.Hash != r.Hash {
				t.Errorf("second Build: %+v, %v; want the cached result", again, err)
			}
		})
	}
}

func TestTargetOptions(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Options)
		want string // in the error; "" for none
	}{
		{"only GOOS", func(o *Options) { o.GOOS = "linux" }, "set both"},
		{"bad GOARCH", func(o *Options) { o.GOOS, o.GOARCH = "linux", "amd64 -x" }, "set both"},
		{"bad tag", func(o *Options) { o.Tags = []string{"a,b"} }, "not a build tag"},
		{"default", func(o *Options) {}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &Options{CacheDir: t.TempDir(), Logf: t.Logf}
			tt.edit(o)
			s, err := New(o)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want == "":
				if s.goos != "js" || s.goarch != "wasm" {
					t.Errorf("target %s/%s, want js/wasm", s.goos, s.goarch)
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Errorf("New: err = %v, want one that says %q", err, tt.want)
			}
		})
	}
}
