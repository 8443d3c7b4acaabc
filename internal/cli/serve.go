package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"socketlab/gateway"
	"socketlab/internal/memreturn"
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
	go memreturn.Run(ctx, 30*time.Second, log) // after a burst, resident memory comes back down
	listen, _ := netip.ParseAddrPort(ln.Addr().String())
	here := listen
	if listen.Addr().IsUnspecified() { // every address: on this machine, loopback is one
		here = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), listen.Port())
	}
	fmt.Fprintf(stdout, "socketlab is running: open http://%s/\n", here)
	if opts.Class != nil {
		n := classroomNotice{code: opts.Class.Code(), listen: listen, ownAddrs: interfaceAddrs}
		if err := n.write(stdout); err != nil {
			log.Warn("cannot list the addresses learners can use", "err", err)
		}
		join := n.joinURL(here.Addr())
		if urls, err := n.urls(); err == nil && len(urls) > 0 {
			join = urls[0]
		}
		if err := s.Classroom.SetJoinURL(join); err != nil {
			log.Warn("the teacher's view will show no QR code", "err", err)
		}
		fmt.Fprintf(stdout, "The teacher's view, on this machine (keep the URL to yourself: it holds the teacher's key): http://%s/teacher#key=%s\n", here, s.Classroom.TeacherKey())
		if opts.State != nil {
			fmt.Fprintf(stdout, "The roster and progress are kept in %s.\n", opts.State.Path())
		}
	}

	go warmCells(ctx, s, stdout, log)

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

// showFirstBuild prints, while ctx lasts, how far the standard library has got when it is
// being compiled (a first start): the line the page shows in a cell's status, at most every
// firstBuildEvery and when it has changed.
// firstBuildEvery is how often the terminal may say how far a first start has got. At 5 s a
// build of the standard library that took 5 to 11 s on a quiet machine (the toolchain at
// GOGC=400) showed one count only, which says nothing about progress; a minute-long build on
// a busy machine prints about sixty lines, once.
const firstBuildEvery = time.Second

func showFirstBuild(ctx context.Context, s *gateway.Server, stdout io.Writer) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var shown string
	var at time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		p := s.Build.Progress()
		text := p.String()
		if text == "" || text == shown || (time.Since(at) < firstBuildEvery && p.Done < p.Total) {
			continue
		}
		fmt.Fprintln(stdout, text)
		shown, at = text, time.Now()
	}
}

// warmCells compiles the lesson cells and logs one line when they are ready (how many were
// compiled, how many came from the cache), and a line for each cell that failed; meanwhile
// the terminal shows how far a first start's standard library build has got.
func warmCells(ctx context.Context, s *gateway.Server, stdout io.Writer, log *slog.Logger) {
	log.Info("compiling the lesson cells in the background (the first time takes a minute)")
	wctx, warmed := context.WithCancel(ctx)
	defer warmed()
	go showFirstBuild(wctx, s, stdout)
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
