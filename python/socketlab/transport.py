"""Transports carry whole wire frames between a program and the gateway.

A transport has three methods, all blocking:

    send(frame)      sends one frame (bytes) as one message
    recv(timeout)    returns the next frame as bytes, or None when timeout seconds (None:
                     no limit) pass first; raises OSError when the gateway is gone
    close()

Natively the transport is WebSocketTransport below: a WebSocket client (RFC 6455) over a real
TCP socket, written with the standard library. In a page it is a channel to the JavaScript
side of the worker (see docs/python.md); the session above does not know which it has.
"""

import base64
import hashlib
import os
import struct
import time
from urllib.parse import urlsplit

import _socket as _real  # the system's sockets, taken before the lab's replace them

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocketTransport:
    """A WebSocket client to the gateway's /ws, binary messages only."""

    def __init__(self, url, timeout=15.0):
        u = urlsplit(url)
        if u.scheme != "ws":
            raise OSError("the lab gateway's URL must start with ws://, not %r" % url)
        host, port = u.hostname or "127.0.0.1", u.port or 80
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        infos = _real.getaddrinfo(host, port, 0, _real.SOCK_STREAM)
        fam, typ, proto, _, addr = infos[0]
        self.sock = _real.socket(fam, typ, proto)
        self.sock.settimeout(timeout)
        self.sock.connect(addr)
        self.sock.setsockopt(_real.IPPROTO_TCP, _real.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16))
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (path, host, port, key.decode())).encode()
        self.sock.sendall(req)
        self.buf = bytearray()
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("the lab gateway closed the connection during the handshake")
            self.buf += chunk
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise OSError("the lab gateway refused the WebSocket: " + lines[0])
        want = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        if headers.get("sec-websocket-accept") != want:
            raise OSError("the lab gateway's WebSocket handshake does not check out")
        self.sock.settimeout(None)
        self.closed = False
        self.frags = []

    def send(self, payload, opcode=2):
        n = len(payload)
        if n < 126:
            head = struct.pack(">BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            head = struct.pack(">BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack(">BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        self.sock.sendall(head + mask + _mask(payload, mask))

    def _fill(self, n, deadline):
        """Reads until the buffer holds n bytes; False when the deadline passes first."""
        while len(self.buf) < n:
            if deadline is None:
                self.sock.settimeout(None)
            else:
                # Past the deadline one read still takes what has already arrived.
                self.sock.settimeout(max(0.0, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(max(65536, n - len(self.buf)))
            except (TimeoutError, BlockingIOError):
                return False
            if not chunk:
                raise ConnectionResetError("the lab gateway closed the connection")
            self.buf += chunk
        return True

    def recv(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            # A frame is only taken from the buffer once all of it is there, so a timeout
            # never leaves half a frame behind.
            if not self._fill(2, deadline):
                return None
            b0, b1 = self.buf[0], self.buf[1]
            n, off = b1 & 0x7F, 2
            if n == 126:
                if not self._fill(4, deadline):
                    return None
                n, off = struct.unpack_from(">H", self.buf, 2)[0], 4
            elif n == 127:
                if not self._fill(10, deadline):
                    return None
                n, off = struct.unpack_from(">Q", self.buf, 2)[0], 10
            if b1 & 0x80:
                raise OSError("the lab gateway sent a masked WebSocket frame")
            if not self._fill(off + n, deadline):
                return None
            payload = bytes(self.buf[off:off + n])
            del self.buf[:off + n]
            op = b0 & 0x0F
            if op == 8:
                self.closed = True
                raise ConnectionResetError("the lab gateway closed the WebSocket")
            if op == 9:
                self.send(payload, opcode=10)
                continue
            if op == 10:
                continue
            self.frags.append(payload)
            if b0 & 0x80:
                msg = b"".join(self.frags)
                self.frags = []
                return msg

    def close(self):
        try:
            if not self.closed:
                self.send(struct.pack(">H", 1000), opcode=8)
        except OSError:
            pass
        self.closed = True
        self.sock.close()


def _mask(payload, mask):
    n = len(payload)
    if n == 0:
        return b""
    m = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ m).to_bytes(n, "big")
