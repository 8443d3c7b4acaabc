package overlay

import (
	"bytes"
	"fmt"
	"go/build"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// A native learner program (GOOS=linux) gets the same lab network as one in the browser: its
// package net is built from the js/wasm file set, where every socket is opened by net_fake.go,
// and net_fake.go is ours. The overlay does that file by file, from the installed toolchain:
//
//   - a file that package net uses on linux but not on js (fd_unix.go, sock_posix.go, ...) is
//     replaced by an empty file of package net;
//   - a file that it uses on js but not on linux (fd_fake.go, sockopt_fake.go, the _stub files,
//     ...) gets a build line that includes linux; a file whose name ties it to js (fd_js.go)
//     is added again under a name that does not;
//   - lookups are sent to the lab as on js, and the few places in the shared files that ask
//     runtime.GOOS whether the network is the fake one are told it is.
//
// The rest of the standard library stays native: os, syscall (whose errno strings already
// have Linux's wording), net/http (which dials through net). The toolchain's files are read at build time,
// so a patch release keeps working; when they change shape the overlay fails and says which
// file changed.

// netGoFiles returns the Go files package net is built from for goos/goarch with cgo off, as
// the toolchain at goroot would choose them.
func netGoFiles(goroot, goos, goarch string) ([]string, error) {
	ctx := build.Default
	ctx.GOROOT = goroot
	ctx.GOOS, ctx.GOARCH = goos, goarch
	ctx.CgoEnabled = false
	ctx.BuildTags = nil
	ctx.ReleaseTags = releaseTags(goroot)
	pkg, err := ctx.ImportDir(filepath.Join(goroot, "src", "net"), 0)
	if err != nil {
		return nil, fmt.Errorf("overlay: listing the toolchain's package net for %s/%s: %w", goos, goarch, err)
	}
	return pkg.GoFiles, nil
}

// releaseTags are the go1.N tags of the toolchain at goroot, read from its VERSION file; the
// toolchain may be newer than the program that builds the overlay.
func releaseTags(goroot string) []string {
	b, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return build.Default.ReleaseTags
	}
	first, _, _ := strings.Cut(string(b), "\n")
	m := regexp.MustCompile(`^go1\.(\d+)`).FindStringSubmatch(first)
	if m == nil {
		return build.Default.ReleaseTags
	}
	minor, _ := strconv.Atoi(m[1])
	var tags []string
	for i := 1; i <= minor; i++ {
		tags = append(tags, "go1."+strconv.Itoa(i))
	}
	return tags
}

func linuxFiles(goroot string) (map[string][]byte, error) {
	read := toolchainReader(goroot)
	jsList, err := netGoFiles(goroot, "js", "wasm")
	if err != nil {
		return nil, err
	}
	linuxList, err := netGoFiles(goroot, "linux", runtime.GOARCH)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(jsList, "net_fake.go") || !slices.Contains(jsList, "fd_fake.go") {
		return nil, fmt.Errorf("overlay: the toolchain's package net has no net_fake.go or fd_fake.go for js/wasm; " +
			"the toolchain changed and the native lab network needs a new overlay (build for js/wasm meanwhile)")
	}

	out := map[string][]byte{}
	for _, name := range linuxList {
		if !slices.Contains(jsList, name) {
			out["net/"+name] = []byte("// Left out of learner programs: their sockets are the lab's (net_fake.go).\n\npackage net\n")
		}
	}
	for _, name := range jsList {
		if slices.Contains(linuxList, name) {
			continue
		}
		var b []byte
		if name == "net_fake.go" {
			b, err = netFiles.ReadFile("net/" + name)
		} else {
			b, err = read("net/" + name)
		}
		if err != nil {
			return nil, err
		}
		if name == "sockopt_fake.go" || name == "tcpsockopt_stub.go" {
			if b, err = patchSockopts(name, b); err != nil {
				return nil, err
			}
		}
		if b, err = alsoLinux(b); err != nil {
			return nil, fmt.Errorf("overlay: net/%s: %w", name, err)
		}
		out["net/"+linuxName(name)] = b
	}
	b, err := netFiles.ReadFile("net/socketlab.go")
	if err != nil {
		return nil, err
	}
	if out["net/socketlab.go"], err = alsoLinux(b); err != nil {
		return nil, fmt.Errorf("overlay: net/socketlab.go: %w", err)
	}

	lookup, err := read("net/lookup_unix.go")
	if err != nil {
		return nil, err
	}
	if out["net/lookup_unix.go"], err = patchLookup(lookup); err != nil {
		return nil, err
	}
	ipsock, err := read("net/ipsock_posix.go")
	if err != nil {
		return nil, err
	}
	if out["net/ipsock_posix.go"], err = patchIPSock(ipsock); err != nil {
		return nil, err
	}
	return out, nil
}

var buildLine = regexp.MustCompile(`(?m)^//go:build (.+)$`)

// alsoLinux widens a file's build constraint so that linux builds it too.
func alsoLinux(b []byte) ([]byte, error) {
	m := buildLine.FindAllSubmatchIndex(b, -1)
	if len(m) != 1 {
		return nil, fmt.Errorf("expected one //go:build line, found %d; the toolchain changed", len(m))
	}
	expr := string(b[m[0][2]:m[0][3]])
	var out bytes.Buffer
	out.Write(b[:m[0][0]])
	fmt.Fprintf(&out, "//go:build linux || (%s)", expr)
	out.Write(b[m[0][1]:])
	return out.Bytes(), nil
}

// linuxName is name, or, when its suffix ties it to another system (fd_js.go), a name
// without that tie: the go command honours such a suffix whatever the build line says.
func linuxName(name string) string {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = "linux", runtime.GOARCH
	ctx.OpenFile = func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("package net\n")), nil
	}
	if ok, err := ctx.MatchFile(".", name); err == nil && !ok {
		return strings.TrimSuffix(name, ".go") + "_lab.go"
	}
	return name
}

// patchIPSock makes the shared IP socket code treat linux as it treats js: both address
// families are offered by the lab (there is no kernel to probe), and a dial to the wildcard
// address goes to the learner's own machine.
func patchIPSock(b []byte) ([]byte, error) {
	for _, p := range []struct{ old, new string }{
		{"\tcase \"js\", \"wasip1\":\n\t\t// Both ipv4 and ipv6 are faked", "\tcase \"js\", \"wasip1\", \"linux\":\n\t\t// Both ipv4 and ipv6 are faked"},
		{"\tcase \"aix\", \"windows\", \"openbsd\", \"js\", \"wasip1\":\n", "\tcase \"aix\", \"windows\", \"openbsd\", \"js\", \"wasip1\", \"linux\":\n"},
	} {
		var err error
		if b, err = replaceOnce(b, p.old, p.new); err != nil {
			return nil, fmt.Errorf("overlay: net/ipsock_posix.go: %w", err)
		}
	}
	return b, nil
}
