package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"socketlab/gateway"
)

// serve serves until ctx ends: it listens first, so the pages answer at once, and compiles the
// lesson cells in the background.
func serve(ctx context.Context, addr string, opts *gateway.Options, stdout io.Writer, logf func(string, ...any)) error {
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
		opts.Logf("lab: %-12s %s/%-5d listens on %s", svc.Name, svc.Proto, svc.Port, svc.Listen)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Sessions end with the server: their contexts derive from this one.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "socketlab is running: open http://%s/\n", ln.Addr())
	if opts.Class != nil {
		fmt.Fprintf(stdout, "classroom mode: the join code is %s\n", opts.Class.Code())
	}

	go func() {
		start := time.Now()
		logf("compiling the lesson cells in the background (the first time takes a minute)...")
		s.Warm(ctx, func(done, total int, err error) {
			if err != nil {
				logf("cell %d/%d: %v", done, total, err)
				return
			}
			opts.Logf("compiled lesson cell %d/%d", done, total)
		})
		if ctx.Err() == nil {
			logf("lesson cells ready in %s", time.Since(start).Round(100*time.Millisecond))
		}
	}()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	// Programs' sessions are no longer the HTTP server's: end them too, letting each
	// connection send what its program wrote.
	s.Relay.Close(sctx)
	return err
}
