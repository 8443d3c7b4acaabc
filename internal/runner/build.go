package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"socketlab"
	"socketlab/gateway/build"
	"socketlab/gateway/build/overlay"
)

// A Builder compiles learner programs for this machine with the native overlay.
type Builder struct {
	bs *build.Service
}

// NativeBuilder returns a Builder keeping compiled programs in cacheDir. An empty cacheDir
// is the build service's default, the one `socketlab run` uses.
func NativeBuilder(cacheDir string) (*Builder, error) {
	goroot, err := build.GOROOT()
	if err != nil {
		return nil, fmt.Errorf("finding the Go toolchain (socketlab run compiles the program with it): %w", err)
	}
	files, err := overlay.FilesFor(goroot, runtime.GOOS)
	if err != nil {
		return nil, err
	}
	bs, err := build.New(&build.Options{
		CacheDir: cacheDir,
		GOOS:     runtime.GOOS,
		GOARCH:   runtime.GOARCH,
		Tags:     []string{"socketlab"},
		Runtime:  socketlab.Runtime,
		Require:  socketlab.ThirdParty,
		GoSum:    socketlab.ThirdPartySum(),
		Overlay:  files,
		Prelude:  []byte(socketlab.Prelude),
		Timeout:  5 * time.Minute, // a cold cache compiles the standard library
		Logf:     func(string, ...any) {},
	})
	if err != nil {
		return nil, err
	}
	return &Builder{bs: bs}, nil
}

// Build compiles src and returns the executable's path. When src does not compile the path
// is empty and res holds the diagnostics; err is for a build that could not run.
func (b *Builder) Build(ctx context.Context, src []byte) (path string, res *build.Result, err error) {
	res, err = b.bs.Build(ctx, src)
	if err != nil {
		return "", nil, err
	}
	if !res.OK {
		return "", res, nil
	}
	path, ok := b.bs.ProgramPath(res.Hash)
	if !ok {
		return "", res, errors.New("the build left no program; try again")
	}
	return path, res, nil
}
