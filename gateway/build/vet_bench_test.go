package build_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"socketlab"
	"socketlab/gateway/build"
	"socketlab/gateway/build/overlay"
	"socketlab/lessons"
)

// BenchmarkVet measures what go vet adds to a Run, in CPU time: each lesson cell of the
// gateway's own lessons, made new by a comment (so that no cache answers), is built and then
// vetted as the page asks for it, with the gateway's runtime, overlay and prelude. It reports
// the CPU time of each per cell (build-cpu-ms, vet-cpu-ms) and vet's share of the two.
//
//	go test ./gateway/build -run '^$' -bench Vet -benchtime 1x
func BenchmarkVet(b *testing.B) {
	goroot, err := build.GOROOT()
	if err != nil {
		b.Fatal(err)
	}
	files, err := overlay.Files(goroot)
	if err != nil {
		b.Fatal(err)
	}
	ls, err := lessons.Default()
	if err != nil {
		b.Fatal(err)
	}
	var cells []string
	for _, l := range ls {
		for _, c := range l.Cells {
			if c.Lang != "python" && len(cells) < 8 {
				cells = append(cells, c.Source)
			}
		}
	}
	svc, err := build.New(&build.Options{
		CacheDir: b.TempDir(),
		Runtime:  socketlab.Runtime,
		Require:  socketlab.ThirdParty,
		GoSum:    socketlab.ThirdPartySum(),
		Overlay:  files,
		Prelude:  []byte(socketlab.Prelude),
		Timeout:  5 * time.Minute,
		Logf:     b.Logf,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Once each first: the standard library and vet's facts about it in the Go build cache.
	for _, src := range cells {
		if r, err := svc.Build(ctx, []byte(src)); err == nil && r.OK {
			svc.Vet(ctx, []byte(src))
		}
	}
	var buildCPU, vetCPU time.Duration
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, src := range cells {
			src := fmt.Sprintf("%s\n// run %d %d %d\n", src, time.Now().UnixNano(), i, j)
			r, err := svc.Build(ctx, []byte(src))
			if err != nil || !r.OK {
				b.Fatalf("build of cell %d: %v %+v", j, err, r)
			}
			v, err := svc.Vet(ctx, []byte(src))
			if err != nil {
				b.Fatalf("vet of cell %d: %v", j, err)
			}
			buildCPU += r.CPU
			vetCPU += v.CPU
			n++
		}
	}
	b.ReportMetric(float64(buildCPU.Milliseconds())/float64(n), "build-cpu-ms")
	b.ReportMetric(float64(vetCPU.Milliseconds())/float64(n), "vet-cpu-ms")
	b.ReportMetric(100*float64(vetCPU)/float64(buildCPU+vetCPU), "vet-%")
}
