package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"socketlab/gateway"
)

// serve serves until ctx ends: it listens first, so the pages answer at once, and compiles the
// lesson cells in the background.
func serve(ctx context.Context, addr string, opts *gateway.Options, stdout io.Writer) error {
	log := opts.Logger
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another socketlab running? try --addr 127.0.0.1:9090)", addr, err)
	}
	s, err := gateway.New(opts)
	if err != nil {
		ln.Close()
		return err
	}
	defer s.Close()
	for _, svc := range s.Lab.Services() {
		log.Info("lab service listening", "service", svc.Name, "proto", svc.Proto, "port", svc.Port, "listen", svc.Listen)
	}
	srv := s.NewHTTPServer(ctx) // sessions end with the server: their contexts derive from ctx
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "socketlab is running: open http://%s/\n", ln.Addr())
	if opts.Class != nil {
		fmt.Fprintf(stdout, "classroom mode: the join code is %s\n", opts.Class.Code())
	}

	go warmCells(ctx, s, log)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	// Programs' sessions are no longer the HTTP server's: end them too, letting each
	// connection send what its program wrote.
	s.Relay.Close(sctx)
	return err
}

// warmCells compiles the lesson cells and logs one line when they are ready (how many were
// compiled, how many came from the cache), and a line for each cell that failed.
func warmCells(ctx context.Context, s *gateway.Server, log *slog.Logger) {
	log.Info("compiling the lesson cells in the background (the first time takes a minute)")
	sum := s.Warm(ctx, func(done, total int, err error) {
		if err != nil {
			log.Warn("a lesson cell does not build", "cell", done, "cells", total, "err", err)
		}
	})
	if ctx.Err() != nil {
		return
	}
	log.Info("lesson cells ready", "cells", sum.Cells, "compiled", sum.Compiled, "from_cache", sum.Cached,
		"failed", sum.Failed, "took", sum.Took.Round(100*time.Millisecond))
}
