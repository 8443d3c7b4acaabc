"""The lab's wire protocol (docs/protocol.md): frames and their payloads.

A frame is a type byte, a 4-byte big-endian stream id and a payload. Strings are a 2-byte
length and UTF-8 bytes; numbers are big-endian.
"""

import struct

VERSION = 1

HELLO, CONNECT, CONNECTED, DATA, CONTINUE, FIN, CLOSE, ACCEPT, DATAGRAM, LOOKUP, ANSWER, ERROR = range(1, 13)

KIND_DIAL, KIND_LISTEN, KIND_UDP = 1, 2, 3

MAX_FRAME = (1 << 16) + 1024
MAX_DATA = 1 << 16
HEADER = struct.Struct(">BI")

# Close codes and the errno names a program sees for them.
CLOSED, REFUSED, RESET, TIMEOUT, HOST_UNREACH, NET_UNREACH, ADDR_IN_USE, ADDR_NOT_AVAIL, \
    POLICY, NO_HOST, LIMIT, INVALID, PROTOCOL, SHUTDOWN, MSG_TOO_LONG, DENIED = range(16)

CODE_ERRNO = {
    REFUSED: "ECONNREFUSED", RESET: "ECONNRESET", TIMEOUT: "ETIMEDOUT",
    HOST_UNREACH: "EHOSTUNREACH", NET_UNREACH: "ENETUNREACH", ADDR_IN_USE: "EADDRINUSE",
    ADDR_NOT_AVAIL: "EADDRNOTAVAIL", POLICY: "EACCES", LIMIT: "ENOBUFS", INVALID: "EINVAL",
    PROTOCOL: "EPROTO", SHUTDOWN: "ECONNABORTED", MSG_TOO_LONG: "EMSGSIZE", DENIED: "EACCES",
}


def code_name(code):
    """The code as the wire view names it: Go's errno text ("connection refused")."""
    import errno as _errno
    import os
    if code == CLOSED:
        return "closed"
    if code == NO_HOST:
        return "no such host"
    name = CODE_ERRNO.get(code)
    if name is None:
        return "code %d" % code
    text = os.strerror(getattr(_errno, name))
    return text[:1].lower() + text[1:]


def frame(t, stream, payload=b""):
    return HEADER.pack(t, stream) + payload


def decode(msg):
    if len(msg) < 5:
        raise ValueError("a frame of %d bytes is shorter than its header" % len(msg))
    t, stream = HEADER.unpack_from(msg)
    return t, stream, memoryview(msg)[5:]


def s(text):
    b = text.encode()[:0xFFFF]
    return struct.pack(">H", len(b)) + b


class Reader:
    def __init__(self, p):
        self.p, self.i = bytes(p), 0

    def u8(self):
        self.i += 1
        return self.p[self.i - 1]

    def u16(self):
        self.i += 2
        return struct.unpack_from(">H", self.p, self.i - 2)[0]

    def u32(self):
        self.i += 4
        return struct.unpack_from(">I", self.p, self.i - 4)[0]

    def str(self):
        n = self.u16()
        self.i += n
        if self.i > len(self.p):
            raise ValueError("a string runs past the end of its frame")
        return self.p[self.i - n:self.i].decode("utf-8", "replace")

    def rest(self):
        return self.p[self.i:]


def hello(info):
    return struct.pack(">H", VERSION) + s(info)


def connect(kind, window, network, local, remote):
    return struct.pack(">BI", kind, window) + s(network) + s(local) + s(remote)


def close(code=CLOSED, reason=""):
    return bytes([code]) + s(reason)


def credit(n):
    return struct.pack(">I", n)


def datagram(addr, data):
    return s(addr) + bytes(data)


def lookup(network, host):
    return s(network) + s(host)


def parse_connected(p):
    r = Reader(p)
    return {"window": r.u32(), "local": r.str(), "remote": r.str(), "micros": r.u32(), "host": r.str()}


def parse_accept(p):
    r = Reader(p)
    return {"stream": r.u32(), "window": r.u32(), "local": r.str(), "remote": r.str()}


def parse_close(p):
    r = Reader(p)
    return r.u8(), r.str()


def parse_datagram(p):
    r = Reader(p)
    return r.str(), r.rest()


def parse_answer(p):
    r = Reader(p)
    return [r.str() for _ in range(r.u16())]


def parse_hello(p):
    r = Reader(p)
    return r.u16(), r.str()
