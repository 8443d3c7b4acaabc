// Package overlay holds the standard-library changes that let an unmodified Go program use
// the lab's sockets. Files returns them for js/wasm, FilesFor for js/wasm or linux, in the
// form the build service hands to `go build -overlay`. docs/architecture.md explains the
// design; native.go explains the linux variant.
package overlay

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

//go:embed net/*.go
var netFiles embed.FS

// Files returns the overlay for learner builds: paths relative to $GOROOT/src mapped to the
// content that replaces or adds that file. Some entries are patched copies of the toolchain's
// own files, so the overlay follows the installed Go version.
func Files(goroot string) (map[string][]byte, error) {
	return FilesFor(goroot, "js")
}

// FilesFor returns the overlay for learner builds for goos: "js" (js/wasm, as Files) or
// "linux" (a native program whose package net is the lab's, see native.go).
func FilesFor(goroot, goos string) (map[string][]byte, error) {
	switch goos {
	case "js":
		return jsFiles(goroot)
	case "linux":
		return linuxFiles(goroot)
	}
	return nil, fmt.Errorf("overlay: no lab network for GOOS=%s; learner programs build for js (the browser) or linux", goos)
}

func jsFiles(goroot string) (map[string][]byte, error) {
	read := toolchainReader(goroot)
	out := map[string][]byte{}
	for _, name := range []string{"net_fake.go", "socketlab.go"} {
		b, err := netFiles.ReadFile("net/" + name)
		if err != nil {
			return nil, err
		}
		out["net/"+name] = b
	}

	lookup, err := read("net/lookup_unix.go")
	if err != nil {
		return nil, err
	}
	if lookup, err = patchLookup(lookup); err != nil {
		return nil, err
	}
	out["net/lookup_unix.go"] = lookup
	for _, name := range []string{"sockopt_fake.go", "tcpsockopt_stub.go"} {
		b, err := read("net/" + name)
		if err != nil {
			return nil, err
		}
		if out["net/"+name], err = patchSockopts(name, b); err != nil {
			return nil, err
		}
	}

	tables, err := read("syscall/tables_js.go")
	if err != nil {
		return nil, err
	}
	if tables, err = linuxWording(tables); err != nil {
		return nil, err
	}
	out["syscall/tables_js.go"] = tables

	rt, err := read("net/http/roundtrip.go")
	if err != nil {
		return nil, err
	}
	if rt, err = replaceOnce(rt, "//go:build !js", "//go:build js && wasm"); err != nil {
		return nil, fmt.Errorf("overlay: net/http/roundtrip.go: %w", err)
	}
	out["net/http/roundtrip_js.go"] = rt
	return out, nil
}

// toolchainReader reads files of the toolchain at goroot, relative to $GOROOT/src.
func toolchainReader(goroot string) func(rel string) ([]byte, error) {
	src := filepath.Join(goroot, "src")
	return func(rel string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(rel)))
		if err != nil {
			return nil, fmt.Errorf("overlay: reading the toolchain's %s: %w", rel, err)
		}
		return b, nil
	}
}

// patchLookup sends host and address lookups to the lab: names like time.lab exist only there.
func patchLookup(b []byte) ([]byte, error) {
	hooks := []struct{ sig, hook string }{
		{
			"func (r *Resolver) lookupHost(ctx context.Context, host string) (addrs []string, err error) {",
			"\n\tif labDriver != nil {\n\t\treturn labLookupHost(ctx, host)\n\t}",
		},
		{
			"func (r *Resolver) lookupIP(ctx context.Context, network, host string) (addrs []IPAddr, err error) {",
			"\n\tif labDriver != nil {\n\t\treturn labLookupIP(ctx, network, host)\n\t}",
		},
	}
	var err error
	for _, h := range hooks {
		if b, err = replaceOnce(b, h.sig, h.sig+h.hook); err != nil {
			return nil, fmt.Errorf("overlay: net/lookup_unix.go: %w", err)
		}
	}
	return b, nil
}

// patchSockopts lets lab sockets accept TCP options (keep-alive, no-delay) as Linux does; the
// fake network refuses them with ENOPROTOOPT. The gateway's own sockets keep their defaults.
func patchSockopts(name string, b []byte) ([]byte, error) {
	var err error
	switch name {
	case "sockopt_fake.go":
		b, err = replaceOnce(b, "func setKeepAlive(fd *netFD, keepalive bool) error {\n\treturn syscall.ENOPROTOOPT\n}",
			"func setKeepAlive(fd *netFD, keepalive bool) error {\n\treturn labSockopt(fd)\n}")
	case "tcpsockopt_stub.go":
		if n := bytes.Count(b, []byte("\treturn syscall.ENOPROTOOPT\n")); n < 4 {
			err = fmt.Errorf("expected the TCP option stubs, found %d; the toolchain changed", n)
		}
		b = bytes.ReplaceAll(b, []byte("\treturn syscall.ENOPROTOOPT\n"), []byte("\treturn labSockopt(fd)\n"))
		b = bytes.Replace(b, []byte("\t\"syscall\"\n"), nil, 1) // no longer used there
	}
	if err != nil {
		return nil, fmt.Errorf("overlay: net/%s: %w", name, err)
	}
	return b, nil
}

var errnoString = regexp.MustCompile(`(?m)^(\s+E[A-Z0-9]+:\s+")([A-Z])([a-z])`)

// linuxWording lowercases the errno strings of js/wasm ("Connection refused") to the wording
// Linux uses ("connection refused"), so programs print what they would print natively.
func linuxWording(b []byte) ([]byte, error) {
	if !bytes.Contains(b, []byte("var errorstr = [...]string{")) {
		return nil, fmt.Errorf("overlay: syscall/tables_js.go has no errorstr table; the toolchain changed")
	}
	return errnoString.ReplaceAllFunc(b, func(m []byte) []byte {
		m = bytes.Clone(m)
		i := bytes.IndexByte(m, '"') + 1
		m[i] = m[i] - 'A' + 'a'
		return m
	}), nil
}

func replaceOnce(b []byte, old, new string) ([]byte, error) {
	if n := bytes.Count(b, []byte(old)); n != 1 {
		return nil, fmt.Errorf("expected %q once, found it %d times; the toolchain changed", old, n)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1), nil
}
