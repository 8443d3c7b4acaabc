"""A program's session with the lab gateway: its streams, their credit, and its events.

The session has no thread of its own. A call that must wait (recv, accept, connect, select)
reads frames from the transport itself and applies them until what it waits for has
happened: the "pump". When several threads wait at once one of them pumps and the others
sleep on the condition variable until a frame changes something. So the same code runs
where threads exist (CPython natively) and where they do not (Pyodide in a worker).
"""

import base64
import itertools
import errno as _errno
import json
import os
import sys
import threading
import time
from collections import deque

from . import wire

WINDOW = 256 << 10          # the credit each stream grants the gateway
CREDIT_BATCH = WINDOW // 4  # bytes read before they are returned as credit
MAX_QUEUE = 128             # connections waiting in a listener's queue
MAX_DATAGRAMS = 256
MAX_QUEUED_BYTES = 1 << 20
MAX_DATAGRAM = 65507


# The subclass OSError picks for an errno, named here rather than left to OSError: in a page
# (Pyodide) the errno module says Linux's numbers, which its C library does not know
# (page.py), so OSError(111, ...) would not become ConnectionRefusedError there.
_CLASSES = {
    "ECONNREFUSED": ConnectionRefusedError, "ECONNRESET": ConnectionResetError,
    "ECONNABORTED": ConnectionAbortedError, "EPIPE": BrokenPipeError, "ETIMEDOUT": TimeoutError,
    "EAGAIN": BlockingIOError, "EINPROGRESS": BlockingIOError, "EALREADY": BlockingIOError,
    "EACCES": PermissionError,
}


def oserror(name, text=None):
    """OSError for errno name, as the system raises it (ConnectionRefusedError, ...)."""
    no = getattr(_errno, name)
    return _CLASSES.get(name, OSError)(no, text or os.strerror(no))


def close_error(code, reason):
    """The exception a program sees for a CLOSE code: Linux's own words for the codes Linux
    has, the gateway's reason for the lab's own (policy, limits)."""
    name = wire.CODE_ERRNO.get(code, "EIO")
    if code in (wire.REFUSED, wire.RESET, wire.TIMEOUT, wire.ADDR_IN_USE, wire.HOST_UNREACH,
                wire.NET_UNREACH, wire.ADDR_NOT_AVAIL, wire.DENIED) or not reason:
        return oserror(name)
    return oserror(name, reason)


class Events:
    """Writes socket events, one JSON object a line, as labnet does (event/event.go)."""

    def __init__(self, dest):
        self.f = None
        if not dest:
            return
        try:
            if dest.startswith("fd:"):
                fd = int(dest[3:])
                if fd <= 2:
                    raise ValueError
                self.f = os.fdopen(fd, "ab", buffering=0)
            else:
                self.f = open(dest, "ab", buffering=0)
        except (ValueError, OSError) as e:
            sys.stderr.write("socketlab: SOCKETLAB_EVENTS=%s: %s; socket events are not recorded\n" % (dest, e))
            self.f = None

    def write(self, ev):
        if self.f is not None:
            self.f.write(json.dumps(ev, separators=(",", ":")).encode() + b"\n")


ORDER = ("t", "stream", "kind", "addr", "local", "remote", "n", "data", "addrs", "micros", "host", "code", "error", "text")


class Session:
    def __init__(self, transport, events=None):
        self.tr = transport
        self.events = events or Events(None)
        self.started = time.monotonic()
        self.cv = threading.Condition(threading.Lock())
        self.wlock = threading.Lock()
        self.pumping = False
        self.err = None
        self.ids = itertools.count(1, 2)  # odd stream ids; next() is atomic under the GIL
        self.objs = {}    # stream id -> Conn, Listener, Packet or Lookup
        self.names = {}   # address -> name, from lookups, for the wire view
        self.tr.send(wire.frame(wire.HELLO, 0, wire.hello("socketlab-python")))
        msg = self.tr.recv(15.0)
        if msg is None:
            raise OSError(_errno.ETIMEDOUT, "the lab gateway did not answer HELLO")
        t, sid, p = wire.decode(msg)
        if t == wire.CLOSE:
            raise OSError(_errno.EPROTO, wire.parse_close(p)[1])
        if t != wire.HELLO:
            raise OSError(_errno.EPROTO, "the lab gateway answered HELLO with frame type %d" % t)
        version, self.learner = wire.parse_hello(p)
        if version != wire.VERSION:
            raise OSError(_errno.EPROTO, "the gateway speaks protocol version %d, this program %d" % (version, wire.VERSION))
        # The lab's faults on this session, when the gateway's HELLO names any (after the
        # learner): told once, on stream 0, as labnet tells them, so checks can see them.
        r = wire.Reader(p)
        r.u16()
        r.str()
        self.faults = r.str() if r.rest() else ""
        if self.faults:
            self.emit(stream=0, kind="faults", text=self.faults)

    # Events

    def emit(self, **ev):
        if self.events.f is None:
            return
        ev["t"] = round((time.monotonic() - self.started) * 1000, 3)
        if "data" in ev:
            ev["data"] = base64.b64encode(bytes(ev["data"])).decode()
        out = {k: ev[k] for k in ORDER if ev.get(k)}
        out.setdefault("stream", ev.get("stream", 0))
        out.setdefault("t", ev["t"])
        self.events.write({k: out[k] for k in ORDER if k in out})

    def name(self, addr):
        host, _, port = addr.rpartition(":")
        n = self.names.get(host.strip("[]"))
        return "%s:%s" % (n, port) if n else addr

    # Frames out

    def send(self, t, sid, payload=b""):
        if self.err is not None:
            raise self.err
        try:
            with self.wlock:
                self.tr.send(wire.frame(t, sid, payload))
        except OSError as e:
            with self.cv:
                self.fail(e)
            raise self.err

    def new_id(self):
        return next(self.ids)

    # Waiting

    def wait(self, ready, deadline=None):
        """Waits, with cv held, until ready() or the session fails; False when the deadline
        (time.monotonic()) passes first."""
        while True:
            if ready() or self.err is not None:
                return True
            timeout = None
            if deadline is not None:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    return ready()
            if self.pumping:
                self.cv.wait(timeout)
                continue
            self.pump(timeout)

    def poll(self):
        """Applies the frames that have already arrived, without waiting (cv held), so that
        what the gateway said before (a FIN, a UDP error) is known and told in order."""
        while not self.pumping and self.err is None:
            if not self.pump(0):
                return

    def pump(self, timeout):
        """Reads one frame from the transport, waiting up to timeout (None: for ever), with cv
        held and released meanwhile so that other threads wait on cv, and applies it. It
        returns False when no frame came."""
        self.pumping = True
        self.cv.release()
        msg, err = None, None
        try:
            msg = self.tr.recv(timeout)
        except OSError as e:
            err = e
        finally:
            self.cv.acquire()
            self.pumping = False
        if err is not None:
            self.fail(err)
        elif msg is not None:
            try:
                self.dispatch(msg)
            except (ValueError, IndexError, OSError) as e:
                self.fail(OSError(_errno.EPROTO, "the gateway sent a bad frame: %s" % e))
        self.cv.notify_all()
        return msg is not None

    def dispatch(self, msg):
        t, sid, p = wire.decode(msg)
        if sid == 0:
            if t == wire.CLOSE:
                code, reason = wire.parse_close(p)
                raise OSError(_errno.ECONNRESET, "the gateway ended the session: " + reason)
            return
        obj = self.objs.get(sid)
        if obj is not None:
            obj.handle(t, p)

    def fail(self, err):
        """Ends the session (cv held): every socket sees the error."""
        if self.err is not None:
            return
        self.err = ConnectionResetError(_errno.ECONNRESET, "the connection to the lab gateway was lost: %s" % err)
        for obj in list(self.objs.values()):
            obj.fail(self.err)
        self.objs.clear()
        try:
            self.tr.close()
        except OSError:
            pass
        self.cv.notify_all()

    # Lookups

    def lookup(self, network, host):
        sid = self.new_id()
        lk = Lookup()
        with self.cv:
            self.objs[sid] = lk
            self.emit(stream=sid, kind="lookup", addr=host)
            self.send(wire.LOOKUP, sid, wire.lookup(network, host))
            self.wait(lambda: lk.done)
            self.objs.pop(sid, None)
            if lk.addrs is None:
                err = lk.err or self.err
                self.emit(stream=sid, kind="error", addr=host, error=str(getattr(err, "strerror", err) or err))
                raise err
            for a in lk.addrs:
                self.names[a] = host
            self.emit(stream=sid, kind="answer", addr=host, addrs=lk.addrs)
            return lk.addrs


class Lookup:
    def __init__(self):
        self.done, self.addrs, self.err = False, None, None

    def handle(self, t, p):
        self.done = True
        if t == wire.ANSWER:
            self.addrs = wire.parse_answer(p)
        elif t == wire.CLOSE:
            code, reason = wire.parse_close(p)
            self.err = NoHost(code, reason)
        else:
            self.err = OSError(_errno.EPROTO, "unexpected frame type %d for a lookup" % t)

    def fail(self, err):
        self.done, self.err = True, err


class NoHost(Exception):
    """A lookup the gateway could not answer; the socket module makes it a gaierror."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code, self.reason = code, reason


class Conn:
    """One TCP connection: dialed, or accepted from a listener."""

    def __init__(self, session, sid, addr=""):
        self.s, self.id, self.addr = session, sid, addr
        self.local = self.remote = ""
        self.ready = False
        self.open_err = None
        self.rbuf = bytearray()
        self.later = []      # the peer's FIN/close/reset, told after the unread bytes
        self.unacked = 0
        self.rfin = False
        self.rshut = False
        self.err = None      # reset, or the session lost; EPIPE after an orderly close
        self.credit = 0
        self.wfin = False
        self.closed = False

    def handle(self, t, p):
        s = self.s
        if t == wire.CONNECTED:
            m = wire.parse_connected(p)
            self.ready, self.credit = True, m["window"]
            self.local, self.remote = m["local"], m["remote"]
            s.emit(stream=self.id, kind="connected", addr=self.addr, local=self.local, remote=self.remote, micros=m["micros"])
        elif t == wire.DATA:
            if len(self.rbuf) + self.unacked + len(p) > WINDOW:
                raise OSError(_errno.EPROTO, "the gateway sent more than the stream's window")
            if self.closed or self.rshut:
                self.unacked += len(p)
                self.give_credit()
                return
            self.rbuf += p
        elif t == wire.CONTINUE:
            self.credit += wire.Reader(p).u32()
        elif t == wire.FIN:
            self.rfin = True
            self.tell(dict(stream=self.id, kind="fin-recv", addr=self.addr))
        elif t == wire.CLOSE:
            code, reason = wire.parse_close(p)
            s.objs.pop(self.id, None)
            if not self.ready:
                self.open_err = close_error(code, reason)
                s.emit(stream=self.id, kind="error", addr=self.addr, error=reason, code=wire.code_name(code))
            elif code == wire.CLOSED:
                self.rfin = True
                if self.err is None:
                    self.err = oserror("EPIPE")
                self.tell(dict(stream=self.id, kind="close", addr=self.addr))
            else:
                self.err = close_error(code, reason)
                self.tell(dict(stream=self.id, kind="reset", addr=self.addr, error=reason, code=wire.code_name(code)))

    def tell(self, ev):
        if self.rbuf or self.later:
            self.later.append(ev)
        else:
            self.s.emit(**ev)

    def fail(self, err):
        if self.err is None or self.err.errno == _errno.EPIPE:
            self.err = err
        if not self.ready and self.open_err is None:
            self.open_err = err

    def give_credit(self, force=False):
        if self.unacked >= CREDIT_BATCH or (force and self.unacked):
            n, self.unacked = self.unacked, 0
            self.s.send(wire.CONTINUE, self.id, wire.credit(n))

    def readable(self):
        return bool(self.rbuf) or self.rfin or self.rshut or self.closed or \
            (self.err is not None and self.err.errno != _errno.EPIPE) or self.s.err is not None

    def take(self, n):
        """Up to n bytes of what is queued (cv held, something queued)."""
        data = bytes(self.rbuf[:n])
        del self.rbuf[:len(data)]
        self.unacked += len(data)
        self.s.emit(stream=self.id, kind="recv", addr=self.addr, n=len(data), data=data)
        if not self.rbuf and self.later:
            for ev in self.later:
                self.s.emit(**ev)
            self.later = []
        self.give_credit()
        return data

    def unread(self):
        if self.rbuf:
            data = bytes(self.rbuf)
            self.rbuf.clear()
            self.unacked += len(data)
            self.s.emit(stream=self.id, kind="recv", addr=self.addr, n=len(data), data=data)
        for ev in self.later:
            self.s.emit(**ev)
        self.later = []

    def write_err(self):
        if self.wfin:
            return oserror("EPIPE")
        if self.err is not None:
            return self.err
        return self.s.err

    def writable(self):
        return self.credit > 0 or self.write_err() is not None


class Listener:
    def __init__(self, session, sid):
        self.s, self.id = session, sid
        self.local = self.host = ""
        self.ready = False
        self.open_err = None
        self.queue = deque()
        self.err = None
        self.closed = False
        self.twin = False  # shares its port with another of the program's listeners (labsocket)

    def handle(self, t, p):
        s = self.s
        if t == wire.CONNECTED:
            m = wire.parse_connected(p)
            self.ready, self.local, self.host = True, m["local"], m["host"]
        elif t == wire.ACCEPT:
            m = wire.parse_accept(p)
            c = Conn(s, m["stream"], m["remote"])
            c.ready, c.credit, c.local, c.remote = True, m["window"], m["local"], m["remote"]
            if self.closed or len(self.queue) >= MAX_QUEUE:
                s.send(wire.CLOSE, c.id, wire.close(wire.RESET))
                return
            s.objs[c.id] = c
            self.queue.append(c)
            s.emit(stream=c.id, kind="accept", addr=c.remote, local=c.local, remote=c.remote)
        elif t == wire.CLOSE:
            code, reason = wire.parse_close(p)
            s.objs.pop(self.id, None)
            if not self.ready:
                self.open_err = close_error(code, reason)
                s.emit(stream=self.id, kind="error", addr="listen", error=reason, code=wire.code_name(code))
            else:
                self.err = close_error(code, reason)

    def fail(self, err):
        if not self.ready and self.open_err is None:
            self.open_err = err
        if self.err is None:
            self.err = err

    def readable(self):
        return bool(self.queue) or self.err is not None or self.closed or self.s.err is not None


class Packet:
    """A UDP socket."""

    def __init__(self, session, sid):
        self.s, self.id = session, sid
        self.local = self.remote = self.host = ""
        self.ready = False
        self.open_err = None
        self.queue = deque()
        self.queued = 0
        self.err = None     # an asynchronous error for the next call
        self.failed = None  # the socket is gone
        self.closed = False
        self.peer = ""      # the peer set by connect() after the socket opened

    def handle(self, t, p):
        s = self.s
        if t == wire.CONNECTED:
            m = wire.parse_connected(p)
            self.ready, self.local, self.remote, self.host = True, m["local"], m["remote"], m["host"]
        elif t == wire.DATAGRAM:
            addr, data = wire.parse_datagram(p)
            s.emit(stream=self.id, kind="recvfrom", addr=s.name(addr), remote=addr, n=len(data), data=data)
            peer = self.remote or self.peer
            if self.closed or (peer and addr != peer):
                return
            if len(self.queue) >= MAX_DATAGRAMS or self.queued + len(data) > MAX_QUEUED_BYTES:
                s.emit(stream=self.id, kind="drop", addr=s.name(addr), n=len(data))
                return
            self.queue.append((addr, data))
            self.queued += len(data)
        elif t in (wire.ERROR, wire.CLOSE):
            code, reason = wire.parse_close(p)
            err = close_error(code, reason)
            s.emit(stream=self.id, kind="error", addr=s.name(self.remote), error=reason, code=wire.code_name(code))
            if not self.ready:
                self.open_err = err
                s.objs.pop(self.id, None)
            elif t == wire.CLOSE:
                self.failed = err
                s.objs.pop(self.id, None)
            elif self.remote or self.peer:
                self.err = err

    def fail(self, err):
        if not self.ready and self.open_err is None:
            self.open_err = err
        self.failed = err

    def readable(self):
        return bool(self.queue) or self.err is not None or self.failed is not None or self.closed or self.s.err is not None


# The one session of this program, opened on first use.

_session = None
_lock = threading.Lock()
transport_factory = None  # set by the bootstrap: () -> transport


def get():
    global _session
    with _lock:
        if _session is not None and _session.err is None:
            return _session
        if transport_factory is None:
            raise OSError(_errno.ENETUNREACH, "the lab gateway is not configured for this program")
        try:
            tr = transport_factory()
        except OSError as e:
            raise OSError(_errno.ENETUNREACH, "cannot reach the lab gateway: %s" % e) from None
        try:
            _session = Session(tr, Events(os.environ.get("SOCKETLAB_EVENTS")))
        except OSError as e:
            tr.close()
            raise OSError(_errno.ENETUNREACH, "cannot start a session with the lab gateway: %s" % e) from None
        return _session
