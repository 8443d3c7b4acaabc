//go:build !linux || socketlab_portable

package relay

import "net"

// Without splice(2) a busy stream reads into a pooled buffer instead (see splice_linux.go).

const pipeSize = 256 << 10

type splicer struct{}

func newSplicer(*net.TCPConn, *wsConn) *splicer { return nil }

func (*splicer) fill(int) (int, bool, error)                  { return 0, false, nil }
func (*splicer) release()                                     {}
func (*wsConn) spliceMessages(*splicer, uint32, int) error    { return net.ErrClosed }
func (*wsConn) spliceBinary(*splicer, []byte, int, int) error { return net.ErrClosed }
