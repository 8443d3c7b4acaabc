package build

import (
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// A coding is a Content-Encoding the gateway sends compiled programs in. Each is kept in a
// twin file beside the wasm file (HASH.wasm.zst, HASH.wasm.gz), written the first time a
// client asks for that coding and served from then on (Warm writes both for the lesson
// cells' programs).
//
// The build does not compress: every program used to get a gzip twin (the standard library's
// level 5, 190 ms of CPU for a 10.7 MB net/http program) before the learner's Run was
// answered, whichever coding the browser would ask for. Now the one the browser asks for is
// written when it asks: zstd where it can (55 ms, 2.82 MB; Chromium asks for it on HTTPS and
// on loopback), else gzip at level 7 (143 ms, 2.95 MB; the page's budget for such a program
// is 3 MB). In a compile storm this took the gateway from 0.84-0.87x the throughput of plain
// go build to 1.1x (docs/PERFORMANCE.md).
type coding struct {
	name, ext string
	writer    func(io.Writer) (io.WriteCloser, error)
}

var (
	zstdCoding = &coding{"zstd", ".zst", func(w io.Writer) (io.WriteCloser, error) {
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	}}
	gzipCoding = &coding{"gzip", ".gz", func(w io.Writer) (io.WriteCloser, error) {
		return gzip.NewWriterLevel(w, gzipLevel)
	}}
)

// compress writes src to dst in the coding.
func (c *coding) compress(dst io.Writer, src io.Reader) error {
	zw, err := c.writer(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(zw, src); err != nil {
		zw.Close()
		return err
	}
	return zw.Close()
}

// gzipLevel is klauspost/compress's level 7: for a 10.7 MB net/http program it gives 2.95 MB
// in 143 ms here, where its level 6 reaches 3.00 MB (the budget) and the standard library's
// level 5 gives 2.94 MB in 190 ms.
const gzipLevel = 7

// codingFor picks what to send a client whose Accept-Encoding is header: zstd if it admits
// it, else gzip, else nil (the wasm file as it is).
func codingFor(header string) *coding {
	switch {
	case accepts(header, "zstd"):
		return zstdCoding
	case accepts(header, "gzip"):
		return gzipCoding
	}
	return nil
}

// compressions counts the twins written since the gateway started.
var compressions atomic.Int64

// compressFile writes src compressed by c into dst, as batch work (batch.go).
func compressFile(c *coding, src, dst string) error {
	compressions.Add(1)
	return batch(func() error {
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		err = c.compress(out, in)
		if err2 := out.Close(); err == nil {
			err = err2
		}
		return err
	})
}

// AcceptsGzip reports whether an Accept-Encoding header admits gzip; the gateway's static
// assets are served by the same rule.
func AcceptsGzip(header string) bool { return accepts(header, "gzip") }

// accepts reports whether an Accept-Encoding header admits the content coding name: named
// with a q above 0, or admitted by "*" when the header does not name it.
func accepts(header, name string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		c, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		c = strings.ToLower(strings.TrimSpace(c))
		if c != name && c != "*" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				q, _ = strconv.ParseFloat(v, 64)
			}
		}
		if c == name {
			return q > 0
		}
		star = q > 0
	}
	return star
}

// compressAll writes the program's twins in every coding, where they are missing.
func (s *Service) compressAll(hash string) {
	path, ok := s.WasmPath(hash)
	if !ok {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	for _, c := range []*coding{zstdCoding, gzipCoding} {
		if tw, _ := s.twin(c, path, fi); tw != nil {
			tw.Close()
		}
	}
}
