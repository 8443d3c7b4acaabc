package cli

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
)

// classroomNotice is what a teacher reads at start in classroom mode: the join code, every
// URL learners on other machines can open (when the gateway listens beyond loopback) or what
// to pass so that they can (when it does not), and a QR code of the first URL for phones and
// tablets. listen is the address the gateway listens on; ownAddrs lists this machine's
// addresses (interfaceAddrs in the command, fixed ones in tests).
type classroomNotice struct {
	code     string
	listen   netip.AddrPort
	ownAddrs func() ([]netip.Addr, error)
}

// joinURL is the join page at host:port with the code filled in.
func (n classroomNotice) joinURL(a netip.Addr) string {
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(a.String(), strconv.Itoa(int(n.listen.Port()))), Path: "/join",
		RawQuery: url.Values{"code": {n.code}}.Encode()}
	return u.String()
}

// urls are the join URLs learners on other machines can use, best first (IPv4 before
// IPv6), or none when the gateway listens on loopback only.
func (n classroomNotice) urls() ([]string, error) {
	l := n.listen.Addr().Unmap()
	switch {
	case l.IsLoopback():
		return nil, nil
	case !l.IsUnspecified():
		return []string{n.joinURL(l)}, nil
	}
	addrs, err := n.reachable()
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, a := range addrs {
		urls = append(urls, n.joinURL(a))
	}
	return urls, nil
}

// reachable are this machine's addresses that another machine could reach: no loopback, no
// link-local, IPv4 first.
func (n classroomNotice) reachable() ([]netip.Addr, error) {
	all, err := n.ownAddrs()
	if err != nil {
		return nil, fmt.Errorf("listing this machine's addresses: %w", err)
	}
	var out []netip.Addr
	for _, a := range all {
		a = a.Unmap().WithZone("")
		if a.IsValid() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsUnspecified() && !a.IsMulticast() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b netip.Addr) int {
		switch {
		case a.Is4() == b.Is4():
			return 0
		case a.Is4():
			return -1
		}
		return 1
	})
	return out, nil
}

// write prints the notice to w.
func (n classroomNotice) write(w io.Writer) error {
	fmt.Fprintf(w, "classroom mode: the join code is %s\n", n.code)
	port := strconv.Itoa(int(n.listen.Port()))
	if n.listen.Addr().Unmap().IsLoopback() {
		fmt.Fprintf(w, "Only this machine can reach the lab: it listens on %s. Open %s here.\n", n.listen, n.joinURL(n.listen.Addr()))
		fmt.Fprintf(w, "For learners on other machines, start socketlab again with --addr 0.0.0.0:%s --expose", port)
		if addrs, err := n.reachable(); err == nil && len(addrs) > 0 {
			fmt.Fprintf(w, "\n(or --addr %s --expose for this machine's address on that network alone)", net.JoinHostPort(addrs[0].String(), port))
		}
		fmt.Fprintln(w)
		return nil
	}
	urls, err := n.urls()
	if err != nil {
		return err
	}
	if len(urls) == 0 {
		fmt.Fprintf(w, "This machine has no address another machine could reach (only loopback and link-local): connect it to the classroom's network and start socketlab again.\n")
		return nil
	}
	fmt.Fprintln(w, "Learners open one of these (the code is filled in):")
	for _, u := range urls {
		fmt.Fprintf(w, "  %s\n", u)
	}
	q, err := qrcode.New(urls[0], qrcode.Medium)
	if err != nil {
		return fmt.Errorf("making the QR code of %s: %w", urls[0], err)
	}
	fmt.Fprintf(w, "or scan this with a phone or tablet (%s):\n", urls[0])
	// Light blocks on a dark terminal: the code's light modules are drawn, its dark ones are
	// the background.
	fmt.Fprint(w, q.ToSmallString(false))
	return nil
}

// interfaceAddrs lists the addresses of this machine's interfaces that are up.
func interfaceAddrs() ([]netip.Addr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				out = append(out, p.Addr())
			}
		}
	}
	return out, nil
}
