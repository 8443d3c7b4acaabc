package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/event"
	"socketlab/gateway"
	"socketlab/gateway/faults"
	"socketlab/internal/runner"
)

// The lab's faults, end to end: real programs under `socketlab run --faults`, each showing
// one fault on the real sockets.

const oneReadClient = `package main

import (
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	conn, err := net.Dial("tcp", "time.lab:37")
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 64)
	var n int
	if len(os.Args) > 1 && os.Args[1] == "full" {
		n, err = io.ReadFull(conn, buf[:4])
	} else {
		n, err = conn.Read(buf) // assumes one read is the whole answer
	}
	fmt.Println("read", n, err)
}
`

const resetClient = `package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

func main() {
	conn, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	fmt.Fprint(conn, "hello, lab\n")
	b, err := io.ReadAll(conn)
	fmt.Printf("%q reset: %v\n", b, errors.Is(err, syscall.ECONNRESET))
}
`

const timeoutClient = `package main

import (
	"fmt"
	"net"
	"time"
)

func main() {
	start := time.Now()
	_, err := net.DialTimeout("tcp", "echo.lab:7", time.Second)
	ne, ok := err.(net.Error)
	fmt.Println("timeout:", ok && ne.Timeout(), "waited a second:", time.Since(start) >= time.Second)
}
`

const slowClient = `package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

func main() {
	start := time.Now()
	conn, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	connected := time.Since(start)
	fmt.Fprint(conn, strings.Repeat("x", 400))
	conn.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(conn)
	fmt.Println(len(b), err, connected.Milliseconds()/100, time.Since(start).Milliseconds()/100)
}
`

// udpClient asks echo.lab for 8 numbers, one at a time, waiting a while for each answer.
const udpClient = `package main

import (
	"fmt"
	"net"
	"time"
)

func main() {
	c, err := net.Dial("udp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 64)
	for i := 0; i < 8; i++ {
		fmt.Fprintf(c, "%d", i)
		c.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			fmt.Println(i, "no answer")
			continue
		}
		fmt.Println(i, "answer", string(buf[:n]))
	}
}
`

func TestRunFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs learner programs; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("no go command in PATH: socketlab run needs it")
	}
	cache, dir := t.TempDir(), t.TempDir()
	run := func(t *testing.T, spec, src string, args ...string) (string, []event.Event) {
		t.Helper()
		events := filepath.Join(t.TempDir(), "events.jsonl")
		flags := []string{"--events", events}
		if spec != "" {
			flags = append(flags, "--faults", spec)
		}
		stdout, stderr, status := runProgramCase(t, cache, dir, runCase{src: src, flags: flags, args: args})
		if status != 0 {
			t.Fatalf("--faults %q: status %d, stdout %q, stderr:\n%s", spec, status, stdout, stderr)
		}
		return stdout, readEvents(t, events)
	}

	t.Run("segment=1 breaks a one-read client, not io.ReadFull", func(t *testing.T) {
		if out, _ := run(t, "", oneReadClient); out != "read 4 <nil>\n" {
			t.Errorf("on a clean network: %q, want one read of all 4 bytes", out)
		}
		out, events := run(t, "segment=1", oneReadClient)
		if out != "read 1 <nil>\n" {
			t.Errorf("under segment=1: %q, want a short read of 1 byte", out)
		}
		if len(events) == 0 || events[0].Kind != event.Faults || !regexp.MustCompile(`^segment=1,seed=\d+$`).MatchString(events[0].Text) {
			t.Errorf("the first event is %+v, want the faults in force with the seed the gateway picked", events[:min(len(events), 1)])
		}
		if recvs := kinds(events, event.Recv); len(recvs) != 1 || recvs[0].N != 1 || recvs[0].Fault != "segment=1" {
			t.Errorf("recv events %+v, want one of 1 byte marked segment=1", recvs)
		}
		out, events = run(t, "segment=1", oneReadClient, "full")
		if out != "read 4 <nil>\n" {
			t.Errorf("io.ReadFull under segment=1: %q, want all 4 bytes", out)
		}
		recvs := kinds(events, event.Recv)
		if len(recvs) != 4 {
			t.Errorf("%d recv events under segment=1, want 4 of a byte each: %+v", len(recvs), recvs)
		}
		for _, e := range recvs {
			if e.N != 1 || e.Fault != "segment=1" {
				t.Errorf("recv %+v, want 1 byte marked segment=1", e)
			}
		}
	})

	t.Run("reset-after gives ECONNRESET", func(t *testing.T) {
		// 11 bytes go out, so the reset comes after 4 of the echo.
		out, events := run(t, "reset-after=15", resetClient)
		if out != "\"hell\" reset: true\n" {
			t.Errorf("stdout %q, want the first 4 bytes of the echo and then ECONNRESET", out)
		}
		if r := kinds(events, event.Reset); len(r) != 1 || !strings.Contains(r[0].Error, "reset-after=15") {
			t.Errorf("reset events %+v, want one that names reset-after=15", r)
		}
	})

	t.Run("delay and rate slow the real exchange", func(t *testing.T) {
		// Tenths of a second: the connect and the whole exchange.
		var conn, total int
		out, _ := run(t, "delay=300ms", slowClient)
		if _, err := fmt.Sscanf(out, "400 <nil> %d %d", &conn, &total); err != nil || conn < 6 || total < 12 {
			t.Errorf("under delay=300ms: %q, want 400 bytes, a connect of 0.6s or more (a delay each way) and 1.2s in all", out)
		}
		out, _ = run(t, "rate=1000", slowClient)
		if _, err := fmt.Sscanf(out, "400 <nil> %d %d", &conn, &total); err != nil || total < 4 {
			t.Errorf("under rate=1000: %q, want 400 bytes taking 0.4s or more (the echo comes back as it goes out)", out)
		}
		out, _ = run(t, "", slowClient)
		if _, err := fmt.Sscanf(out, "400 <nil> %d %d", &conn, &total); err != nil || total > 5 {
			t.Errorf("on a clean network: %q, want 400 bytes in well under half a second", out)
		}
	})

	t.Run("blackhole makes a dial time out", func(t *testing.T) {
		if out, _ := run(t, "blackhole", timeoutClient); out != "timeout: true waited a second: true\n" {
			t.Errorf("stdout %q, want a timeout after the program's second", out)
		}
	})

	t.Run("loss=1 drops every datagram", func(t *testing.T) {
		out, events := run(t, "loss=1", udpClient)
		if strings.Contains(out, " answer ") || strings.Count(out, "no answer") != 8 {
			t.Errorf("stdout %q, want 8 lines of no answer", out)
		}
		drops := kinds(events, event.Drop)
		if len(drops) != 8 || len(kinds(events, event.RecvFrom)) != 0 {
			t.Errorf("%d drops and %d recvfrom events, want 8 and none", len(drops), len(kinds(events, event.RecvFrom)))
		}
		for _, d := range drops {
			if d.Fault != event.FaultLossSent || d.N != 1 {
				t.Errorf("drop %+v, want a 1-byte datagram marked %s", d, event.FaultLossSent)
			}
		}
	})

	t.Run("the same seed gives the same run", func(t *testing.T) {
		const spec = "loss=0.4,dup=0.3,reorder=0.3,seed=7"
		out1, ev1 := run(t, spec, udpClient)
		out2, ev2 := run(t, spec, udpClient)
		if out1 != out2 {
			t.Errorf("two runs with %s printed\n%s\nand\n%s", spec, out1, out2)
		}
		// Each direction's events come in the same order; how the two directions interleave
		// is the real network's timing.
		for _, way := range []string{"out", "in"} {
			s1, s2 := outline(ev1, way), outline(ev2, way)
			if !slices.Equal(s1, s2) {
				t.Errorf("two runs with %s had different events %s:\n%s\nand\n%s", spec, way, strings.Join(s1, "\n"), strings.Join(s2, "\n"))
			}
		}
		if !strings.Contains(out1, "no answer") || len(kinds(ev1, event.Drop)) == 0 {
			t.Errorf("the faults did nothing visible under %s:\n%s", spec, out1)
		}
	})

	t.Run("the gateway's own faults, with a run's added", func(t *testing.T) {
		sp, err := faults.Parse("segment=1")
		if err != nil {
			t.Fatal(err)
		}
		s, err := gateway.New(&gateway.Options{CacheDir: cache, Faults: sp})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		srv := httptest.NewServer(s)
		defer srv.Close()
		out, _, status := runProgramCase(t, cache, dir, runCase{src: oneReadClient, flags: []string{"--gateway", srv.URL}})
		if status != 0 || out != "read 1 <nil>\n" {
			t.Errorf("under the gateway's segment=1: status %d, %q; want a short read", status, out)
		}
		out, _, status = runProgramCase(t, cache, dir, runCase{src: resetClient, flags: []string{"--gateway", srv.URL, "--faults", "reset-after=15"}})
		// Both directions count towards the 15 bytes, and under segment=1 they cross at
		// once: the echo stops somewhere in the first 11 bytes.
		var echo string
		if _, err := fmt.Sscanf(out, "%q reset: true\n", &echo); status != 0 || err != nil || len(echo) >= 11 || !strings.HasPrefix("hello, lab\n", echo) {
			t.Errorf("the run's reset-after=15 on top: status %d, %q; want part of the echo, then ECONNRESET", status, out)
		}
	})

	t.Run("a bad spec is refused with what to write", func(t *testing.T) {
		_, stderr, status := runProgramCase(t, cache, dir, runCase{src: oneReadClient, flags: []string{"--faults", "loss=1.5"}})
		if status != 2 || !strings.Contains(stderr, "loss=1.5: a probability between 0 and 1, such as loss=0.3") {
			t.Errorf("status %d, stderr %q; want 2 and the reason", status, stderr)
		}
	})
}

// TestFaultsOnAcceptedStreams runs a server under segment=1 and talks to it from a plain TCP
// client on the gateway host: the client's reads see the server's bytes in pieces, and the
// server's one read gets one byte of the client's single write.
func TestFaultsOnAcceptedStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs learner programs; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("no go command in PATH: socketlab run needs it")
	}
	const server = `package main

import (
	"fmt"
	"net"
)

func main() {
	ln, err := net.Listen("tcp", ":7000")
	if err != nil {
		panic(err)
	}
	c, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	fmt.Println("server read", n)
	c.Write([]byte("hello"))
	c.Close()
}
`
	cache := t.TempDir()
	b, err := runner.NativeBuilder(cache)
	if err != nil {
		t.Fatal(err)
	}
	prog, res, err := b.Build(context.Background(), []byte(server))
	if err != nil || prog == "" {
		t.Fatalf("build: %v %+v", err, res)
	}
	wsURL, shutdown, err := runner.ServeLocal(context.Background(), cache)
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown()
	p, err := runner.Start(prog, &runner.Options{Gateway: wsURL + "?learner=pieces", Faults: "segment=1"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.Ready(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	var host string
	p.WaitFor(time.Second, func(o *runner.Outcome) bool {
		for _, e := range o.Events {
			if e.Kind == event.Listen {
				host = e.Host
			}
		}
		return host != ""
	})
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	var reads []string
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			reads = append(reads, string(buf[:n]))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %q: %v", reads, err)
		}
	}
	if strings.Join(reads, "") != "hello" || len(reads) < 2 {
		t.Errorf("the client read %q, want hello in several pieces", reads)
	}
	o, err := p.Finish(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.Output, "server read 1\n") {
		t.Errorf("the server printed %q, want a read of 1 byte of the client's 3", o.Output)
	}
	var sends []string
	for _, e := range kinds(o.Events, event.Send) {
		if e.Fault != "segment=1" {
			t.Errorf("send %+v is not marked segment=1", e)
		}
		sends = append(sends, string(e.Data))
	}
	if !slices.Equal(sends, []string{"h", "e", "l", "l", "o"}) {
		t.Errorf("send events %q, want one per 1-byte segment", sends)
	}
}

func readEvents(t *testing.T, file string) []event.Event {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var es []event.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e event.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		es = append(es, e)
	}
	return es
}

func kinds(events []event.Event, k event.Kind) []event.Event {
	var out []event.Event
	for _, e := range events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// outline is what a run's datagrams did one way ("out" from the program, "in" to it),
// without the times and addresses that change from run to run.
func outline(events []event.Event, way string) []string {
	var s []string
	for _, e := range events {
		out := e.Kind == event.SendTo || e.Kind == event.Drop && e.Fault == event.FaultLossSent
		in := e.Kind == event.RecvFrom || e.Kind == event.Drop && e.Fault != event.FaultLossSent
		if way == "out" && out || way == "in" && in {
			s = append(s, fmt.Sprintf("%d %s %q %s", e.Stream, e.Kind, e.Data, e.Fault))
		}
	}
	return s
}

func TestGatewayFaultsFlag(t *testing.T) {
	var out, errb bytes.Buffer
	status := Main([]string{"--faults", "segment=0"}, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	if status != 2 || !strings.Contains(errb.String(), "segment=0: a whole number of at least 1, such as segment=1") {
		t.Errorf("socketlab --faults segment=0: status %d, stderr %q; want 2 and what to write", status, errb.String())
	}
}
