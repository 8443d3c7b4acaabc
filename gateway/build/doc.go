// Package build compiles a learner's single-file Go program to js/wasm with the local Go
// toolchain and serves the result. With [Options.GOOS] and [Options.GOARCH] it builds native
// executables instead, for running learner programs outside the browser (socketlab run).
//
// The entry points are [New], which checks the toolchain and lays out a build workspace,
// [Service.Build], which turns source into a wasm file (or compile diagnostics), and
// [Service.Handler], which serves POST /api/build and GET /wasm/HASH.wasm.
//
// # How a build runs
//
// All builds of one service share a workspace module named "socketlab": a go.mod written by
// the service, the runtime files from [Options.Runtime], and the replacement standard-library
// files from [Options.Overlay], passed to the compiler with go build -overlay. Each program gets
// its own directory below cell/ holding main.go (the learner's file) and prelude.go
// ([Options.Prelude]); nothing else is there, and the directory is removed after the build.
// The compiler runs with GOOS=js GOARCH=wasm (or the target of the options), cgo off,
// GOPROXY=off, GOTOOLCHAIN=local and a Go build cache of the service's own ([Options.GoCache]),
// so the standard library compiled with the overlay is reused between builds.
//
// The first program with a given set of imports is built by go build (with -work, to keep
// the import configuration of its link). Later programs that import the same packages are
// compiled and linked by the toolchain's compiler and linker directly, with that
// configuration and go build's flags: the go command's loading, hashing and cache checks of
// some two hundred packages were about 40% of the CPU time of a build whose packages but its
// own come from the cache. A program that fails on that path (a compile error, an archive
// the Go build cache no longer holds) is built by go build, which answers as before.
//
// Results are cached by a SHA-256 over everything that decides the output: the source, the
// runtime files, the overlay, the prelude, the toolchain version, the target and the build
// tags, so builds for different targets never share an entry. Identical source is answered
// from the cache without running the compiler, and identical requests in flight share one
// build.
//
// # Caveats
//
// Imports are checked before compiling: by default only the standard library is allowed, minus
// packages that reach past the lab (unsafe, syscall, os/exec, ...). Nothing in the learner's
// file runs at build time: cgo is off, go generate is never run and modules are not downloaded.
// The learner's file may hold no //go: directive that reaches past the program
// (//go:wasmimport, //go:linkname, ...). The build is bounded in time (the compiler's whole
// process group is killed), and on Linux each of its processes in memory, CPU time and file
// size ([Options.Memory], [Options.CPU], [Options.MaxFile]); a build that runs into one of
// these is a Result naming the limit. The Go build cache and the compiled programs are
// trimmed to their caps, and each client address has a budget of compile time
// ([Options.Budget], [WithClient]).
package build
