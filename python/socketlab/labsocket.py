"""The lab's _socket: the low-level module under the standard library's socket.py.

The bootstrap installs this module as _socket before socket.py is first imported, so
socket.py (create_connection, create_server, makefile, the context manager) runs unchanged
on top of it, and every socket a program makes goes to the lab through the gateway. Errors
are the ones Linux raises: ConnectionRefusedError with errno.ECONNREFUSED, socket.gaierror,
TimeoutError("timed out"), ConnectionResetError, BrokenPipeError.
"""

import errno as _errno
import os as _os
import struct as _struct
import time as _time

import _socket as _real

from . import session as _session
from . import wire as _wire

# Constants and the functions that need no network come from the system's module.
for _name in dir(_real):
    if _name.isupper() or _name in (
            "htons", "htonl", "ntohs", "ntohl", "inet_aton", "inet_ntoa", "inet_pton",
            "inet_ntop", "getservbyname", "getservbyport", "getprotobyname", "has_ipv6",
            "CMSG_LEN", "CMSG_SPACE", "if_nameindex", "if_nametoindex", "if_indextoname"):
        globals()[_name] = getattr(_real, _name)
del _name
# What a system's module may lack (Pyodide's has no SO_REUSEADDR), with Linux's numbers.
for _name, _value in (("SO_REUSEADDR", 2), ("SO_REUSEPORT", 15)):
    globals().setdefault(_name, _value)
del _name, _value

error = OSError
timeout = TimeoutError
herror = _real.herror
gaierror = _real.gaierror
has_ipv6 = True

_defaulttimeout = None


def getdefaulttimeout():
    return _defaulttimeout


def setdefaulttimeout(value):
    global _defaulttimeout
    _defaulttimeout = _check_timeout(value)


def _check_timeout(value):
    if value is None:
        return None
    value = float(value)
    if value < 0:
        raise ValueError("Timeout value out of range")
    return value


def _oserror(name, text=None):
    return _session.oserror(name, text)


# Descriptors. A lab socket has a number of its own that no real file uses: natively a
# descriptor open on /dev/null is held for it, so select can tell lab sockets from the real
# descriptors (standard input) it may be given beside them.

_fds = {}       # fd -> _State
_accepted = {}  # fd -> (_State) made by _accept, taken by socket(fileno=fd)
_next_fd = [1000]


def _alloc_fd():
    try:
        return _os.open(_os.devnull, _os.O_RDONLY)
    except (OSError, AttributeError):
        _next_fd[0] += 1
        return _next_fd[0]


def _free_fd(fd):
    _fds.pop(fd, None)
    if fd < 1000:
        try:
            _os.close(fd)
        except OSError:
            pass


def lab_state(fd):
    """The lab socket behind descriptor fd, or None (select uses it)."""
    return _fds.get(fd)



def _loopback_local(local, remote):
    """A connection to the learner's own loopback is local there too, as on Linux: the gateway
    names the dialer by its lab address, and socket.socketpair compares the two ends."""
    rhost, _, _ = remote.rpartition(":")
    lhost, _, lport = local.rpartition(":")
    rhost, lhost = rhost.strip("[]"), lhost.strip("[]")
    if (rhost.startswith("127.") or rhost == "::1") and lhost != rhost:
        return ("[%s]:%s" if ":" in rhost else "%s:%s") % (rhost, lport)
    return local

class _State:
    """What a socket is in the lab, shared by its duplicates."""

    def __init__(self, family, type):
        self.family, self.type = family, type
        self.obj = None        # Conn, Listener or Packet once opened
        self.connecting = None  # a Conn whose non-blocking connect is under way
        self.bound = None      # the local address asked for, as "host:port"
        self.peer = None       # a UDP socket's peer set by connect()
        self.opts = {}
        self.refs = 1
        self.closed = False


def _hostport(addr):
    """"10.10.1.2:41000" -> ("10.10.1.2", 41000)."""
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), int(port or 0)


def _join(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


_WILDCARDS = ("", "0.0.0.0", "::")
_IPPROTO_IPV6 = getattr(_real, "IPPROTO_IPV6", 41)
_IPV6_V6ONLY = getattr(_real, "IPV6_V6ONLY", 26)


def _twin_of(st, host, port):
    """The program's own listener on every address of the other family and the same port,
    when st (on every address too) may share the port with it as on Linux: the IPv6 one of
    the two is IPV6_V6ONLY. None when there is none."""
    if host not in _WILDCARDS or port == 0:
        return None
    for other in list(_fds.values()) + list(_accepted.values()):
        ln = other.obj
        if other is st or other.closed or other.family == st.family or not isinstance(ln, _session.Listener):
            continue
        if ln.closed or getattr(ln, "twin", False) or not other.bound or not other.bound.endswith(":%d" % port):
            continue
        if other.bound.rsplit(":", 1)[0].strip("[]") not in _WILDCARDS:
            continue
        v6 = st if st.family == _real.AF_INET6 else other
        if v6.opts.get((_IPPROTO_IPV6, _IPV6_V6ONLY)):
            return ln
    return None


def _is_ip(host):
    for fam in (_real.AF_INET, _real.AF_INET6):
        try:
            _real.inet_pton(fam, host)
            return True
        except (OSError, ValueError):
            pass
    return False


def _network(family):
    return {_real.AF_INET: "ip4", _real.AF_INET6: "ip6"}.get(family, "ip")


def _resolve(host, family):
    """Lab addresses of host, looked up at the gateway unless host is an address."""
    if _is_ip(host):
        return [host]
    try:
        addrs = _session.get().lookup(_network(family), host)
    except _session.NoHost as e:
        if e.code == _wire.NO_HOST:
            raise gaierror(EAI_NONAME, "Name or service not known") from None
        raise gaierror(EAI_AGAIN, "Temporary failure in name resolution") from None
    if family == _real.AF_INET:
        addrs = [a for a in addrs if ":" not in a]
    elif family == _real.AF_INET6:
        addrs = [a for a in addrs if ":" in a]
    if not addrs:
        raise gaierror(EAI_NONAME, "Name or service not known")
    return addrs


def _sockaddr(family, what, address):
    """Checks a Python address for family: (host, port) for AF_INET."""
    if family == _real.AF_INET6:
        if not isinstance(address, tuple) or not 2 <= len(address) <= 4:
            raise TypeError("%s(): AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])" % what)
    elif not isinstance(address, tuple) or len(address) != 2:
        raise TypeError("%s(): AF_INET address must be tuple, not %s" % (what, type(address).__name__))
    host, port = address[0], address[1]
    if isinstance(host, (bytes, bytearray)):
        host = host.decode("idna")
    if not isinstance(host, str):
        raise TypeError("str, bytes or bytearray expected, not %s" % type(host).__name__)
    if not isinstance(port, int):
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(port).__name__)
    if not 0 <= port <= 65535:
        raise OverflowError("%s(): port must be 0-65535." % what)
    return host, port


def _pyaddr(family, addr):
    if not addr:
        return ("0.0.0.0", 0) if family != _real.AF_INET6 else ("::", 0, 0, 0)
    host, port = _hostport(addr)
    if family == _real.AF_INET6:
        return (host or "::", port, 0, 0)
    if host in ("", "::"):
        host = "0.0.0.0"  # a listener on every address, as an IPv4 socket names it
    return (host, port)


class socket:
    """A lab socket with the C-level API that socket.py's socket class builds on."""

    __slots__ = ("_st", "_fd", "_timeout")

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is not None:
            st = _accepted.pop(fileno, None) or _fds.get(fileno)
            if st is None:
                raise _oserror("EBADF")
            self._st, self._fd = st, fileno
            _fds[fileno] = st
        else:
            family = _real.AF_INET if family == -1 else int(family)
            type = _real.SOCK_STREAM if type == -1 else int(type)
            base = type & ~(getattr(_real, "SOCK_NONBLOCK", 0) | getattr(_real, "SOCK_CLOEXEC", 0))
            if family not in (_real.AF_INET, _real.AF_INET6):
                raise _oserror("EAFNOSUPPORT", "Address family not supported by protocol "
                               "(the lab has AF_INET and AF_INET6 sockets)")
            if base not in (_real.SOCK_STREAM, _real.SOCK_DGRAM):
                raise _oserror("EPROTONOSUPPORT", "Protocol not supported (the lab has SOCK_STREAM and SOCK_DGRAM sockets)")
            self._st = _State(family, base)
            self._fd = _alloc_fd()
            _fds[self._fd] = self._st
        self._timeout = _defaulttimeout
        if type != -1 and int(type) & getattr(_real, "SOCK_NONBLOCK", 0):
            self._timeout = 0.0

    # Attributes

    @property
    def family(self):
        return self._st.family

    @property
    def type(self):
        return self._st.type

    @property
    def proto(self):
        return 0

    @property
    def timeout(self):
        return self._timeout

    def fileno(self):
        return self._fd

    def settimeout(self, value):
        self._timeout = _check_timeout(value)

    def gettimeout(self):
        return self._timeout

    def setblocking(self, flag):
        self._timeout = None if flag else 0.0

    def getblocking(self):
        return self._timeout != 0.0

    # Helpers

    def _live(self):
        if self._fd == -1 or self._st.closed:
            raise _oserror("EBADF")
        return self._st

    def _deadline(self):
        return None if self._timeout is None else _time.monotonic() + self._timeout

    def _wait(self, s, ready):
        """Waits with s.cv held; raises as the socket's timeout says when it is not ready."""
        if not s.wait(ready, self._deadline()):
            if self._timeout == 0.0:
                raise _oserror("EAGAIN")
            raise TimeoutError("timed out")

    def _local_for_open(self):
        return self._st.bound or ""

    # Opening

    def bind(self, address):
        st = self._live()
        host, port = _sockaddr(st.family, "bind", address)
        if st.obj is not None or st.bound is not None:
            raise _oserror("EINVAL")
        if host not in ("", "0.0.0.0", "::", "localhost") and not _is_ip(host):
            host = _resolve(host, st.family)[0]
        st.bound = _join(host, port) if host else ":%d" % port
        if st.type == _real.SOCK_DGRAM:
            self._open_udp("")
            return
        try:
            self._open_listener()
        except OSError as e:
            twin = _twin_of(st, host, port) if e.errno == _errno.EADDRINUSE else None
            if twin is None:
                raise
            # Linux lets an IPv6 socket that is IPV6_V6ONLY share a port with an IPv4 one on
            # every address (asyncio.start_server and socketserver with host None or "" do
            # this). The lab has one listener per port, which the first socket holds: this
            # one is its twin, which has the port but never receives a connection.
            ln = _session.Listener(twin.s, 0)
            ln.ready, ln.local, ln.host, ln.twin = True, twin.local, twin.host, True
            st.bound, st.obj = _join(host or ("::" if st.family == _real.AF_INET6 else "0.0.0.0"), port), ln

    def _open_listener(self):
        st = self._st
        s = _session.get()
        ln = _session.Listener(s, s.new_id())
        with s.cv:
            s.objs[ln.id] = ln
            s.send(_wire.CONNECT, ln.id, _wire.connect(_wire.KIND_LISTEN, _session.WINDOW, "tcp", st.bound or "", ""))
            s.wait(lambda: ln.ready or ln.open_err is not None)
            if not ln.ready:
                s.objs.pop(ln.id, None)
                st.bound = None
                raise ln.open_err or s.err
            s.emit(stream=ln.id, kind="listen", local=ln.local, host=ln.host)
        st.obj = ln

    def _open_udp(self, remote):
        st = self._st
        s = _session.get()
        pk = _session.Packet(s, s.new_id())
        with s.cv:
            s.objs[pk.id] = pk
            s.send(_wire.CONNECT, pk.id, _wire.connect(_wire.KIND_UDP, 0, "udp", st.bound or "", remote))
            s.wait(lambda: pk.ready or pk.open_err is not None)
            if not pk.ready:
                s.objs.pop(pk.id, None)
                raise pk.open_err or s.err
            s.emit(stream=pk.id, kind="bind", local=pk.local, remote=pk.remote, addr=s.name(pk.remote), host=pk.host)
        st.obj = pk
        return pk

    def listen(self, backlog=128):
        st = self._live()
        if st.type != _real.SOCK_STREAM:
            raise _oserror("EOPNOTSUPP")
        if st.obj is None:
            st.bound = st.bound or ":0"
            self._open_listener()
        elif not isinstance(st.obj, _session.Listener):
            raise _oserror("EINVAL")

    def connect(self, address):
        err = self._connect(address)
        if err:
            raise err

    def connect_ex(self, address):
        err = self._connect(address)
        return err.errno if err else 0

    def _connect(self, address):
        """Returns the OSError a connect ends with, or None."""
        st = self._live()
        host, port = _sockaddr(st.family, "connect", address)
        if host == "":
            host = "127.0.0.1" if st.family == _real.AF_INET else "::1"
        ip = _resolve(host, st.family)[0]
        remote = _join(ip, port)
        if st.type == _real.SOCK_DGRAM:
            if st.obj is None:
                self._open_udp(remote)
            else:
                st.obj.peer = remote
            st.peer = remote
            return None
        return self._dial(st, host, ip, port, remote)

    def _dial(self, st, host, ip, port, remote):
        if isinstance(st.obj, _session.Conn):
            return _oserror("EISCONN")
        if st.connecting is not None:
            return self._finish_connect(st)
        local = st.bound or ""
        if isinstance(st.obj, _session.Listener):  # bound, never listened: give the port back
            st.obj.closed = True
            st.obj.s.objs.pop(st.obj.id, None)
            st.obj.s.send(_wire.CLOSE, st.obj.id, _wire.close())
            st.obj = None
        s = _session.get()
        c = _session.Conn(s, s.new_id(), _join(host, port) if not _is_ip(host) else s.name(remote))
        with s.cv:
            s.objs[c.id] = c
            s.emit(stream=c.id, kind="dial", addr=c.addr, remote=remote)
            s.send(_wire.CONNECT, c.id, _wire.connect(_wire.KIND_DIAL, _session.WINDOW, "tcp", local, remote))
        st.connecting = c
        if self._timeout == 0.0:
            return _oserror("EINPROGRESS")
        return self._finish_connect(st)

    def _finish_connect(self, st):
        c = st.connecting
        s = c.s
        with s.cv:
            if not s.wait(lambda: c.ready or c.open_err is not None, self._deadline()):
                if self._timeout == 0.0:
                    return _oserror("EALREADY")
                st.connecting = None
                s.objs.pop(c.id, None)
                s.send(_wire.CLOSE, c.id, _wire.close(_wire.CLOSED, "the program gave up"))
                raise TimeoutError("timed out")
            st.connecting = None
            if not c.ready:
                s.objs.pop(c.id, None)
                return c.open_err or s.err
        st.obj = c
        return None

    def _conn(self):
        st = self._live()
        if st.connecting is not None:
            err = self._finish_connect(st)
            if err:
                raise err
        if not isinstance(st.obj, _session.Conn):
            raise _oserror("ENOTCONN")
        return st.obj

    def _accept(self):
        st = self._live()
        ln = st.obj
        if not isinstance(ln, _session.Listener):
            raise _oserror("EINVAL")
        s = ln.s
        with s.cv:
            self._wait(s, ln.readable)
            if ln.queue:
                c = ln.queue.popleft()
            else:
                raise ln.err or s.err or _oserror("EBADF")
        nst = _State(st.family, _real.SOCK_STREAM)
        nst.obj = c
        fd = _alloc_fd()
        _accepted[fd] = nst
        return fd, _pyaddr(st.family, c.remote)

    # Streams

    def send(self, data, flags=0):
        if self._live().type == _real.SOCK_DGRAM:
            return self._sendto(data, self._udp_peer())
        return self._send(memoryview(data).cast("B"), all=False)

    def sendall(self, data, flags=0):
        if self._live().type == _real.SOCK_DGRAM:
            self._sendto(data, self._udp_peer())
            return None
        self._send(memoryview(data).cast("B"), all=True)
        return None

    def _send(self, view, all):
        st = self._live()
        if st.obj is None and st.connecting is None:
            raise _oserror("EPIPE")  # as Linux answers a send on a stream never connected
        c = self._conn()
        s = c.s
        written = 0
        with s.cv:
            while written < len(view) or (written == 0 and len(view) == 0):
                if len(view) == 0:
                    err = c.write_err()
                    if err:
                        raise err
                    return 0
                try:
                    self._wait(s, c.writable)
                except (TimeoutError, BlockingIOError):
                    if written and not all:
                        return written
                    raise
                err = c.write_err()
                if err:
                    raise err
                n = min(len(view) - written, c.credit, _wire.MAX_DATA)
                chunk = bytes(view[written:written + n])
                c.credit -= n
                s.emit(stream=c.id, kind="send", addr=c.addr, n=n, data=chunk)
                s.send(_wire.DATA, c.id, chunk)
                written += n
        return written

    def recv(self, bufsize, flags=0):
        if bufsize < 0:
            raise ValueError("negative buffersize in recv")
        st = self._live()
        if st.type == _real.SOCK_DGRAM:
            return self._recvfrom(bufsize)[0]
        c = self._conn()
        s = c.s
        with s.cv:
            if bufsize == 0:
                return b""
            self._wait(s, c.readable)
            if c.rbuf and flags & _real.MSG_PEEK:
                return bytes(c.rbuf[:bufsize])
            if c.rbuf:
                return c.take(bufsize)
            if c.rfin or c.rshut:
                return b""
            if c.closed:
                raise _oserror("EBADF")
            err = c.err if c.err is not None and c.err.errno != _errno.EPIPE else s.err
            if err is None:
                return b""
            raise err

    def recv_into(self, buffer, nbytes=0, flags=0):
        view = memoryview(buffer).cast("B")
        n = nbytes or len(view)
        data = self.recv(n, flags)
        view[:len(data)] = data
        return len(data)

    def recvfrom(self, bufsize, flags=0):
        st = self._live()
        if st.type == _real.SOCK_STREAM:
            return self.recv(bufsize, flags), None
        data, frm = self._recvfrom(bufsize)
        return data, _pyaddr(st.family, frm)

    def recvfrom_into(self, buffer, nbytes=0, flags=0):
        view = memoryview(buffer).cast("B")
        data, addr = self.recvfrom(nbytes or len(view), flags)
        view[:len(data)] = data
        return len(data), addr

    def shutdown(self, how):
        c = self._conn()
        s = c.s
        if how not in (_real.SHUT_RD, _real.SHUT_WR, _real.SHUT_RDWR):
            raise _oserror("EINVAL")
        with s.cv:
            if how in (_real.SHUT_WR, _real.SHUT_RDWR) and not c.wfin and c.err is None:
                c.wfin = True
                s.emit(stream=c.id, kind="fin-sent", addr=c.addr)
                s.send(_wire.FIN, c.id)
            if how in (_real.SHUT_RD, _real.SHUT_RDWR) and not c.rshut:
                c.rshut = True
                c.unread()
                c.give_credit(force=True)
            s.cv.notify_all()

    # UDP

    def _udp(self):
        st = self._live()
        if st.obj is None:
            return self._open_udp("")
        return st.obj

    def _udp_peer(self):
        st = self._live()
        if st.peer is None:
            raise _oserror("EDESTADDRREQ")
        return st.peer

    def sendto(self, data, flags_or_addr, addr=None):
        address = flags_or_addr if addr is None else addr
        st = self._live()
        if st.type != _real.SOCK_DGRAM:
            if st.obj is not None:
                raise _oserror("EISCONN")
            raise _oserror("EPIPE")
        host, port = _sockaddr(st.family, "sendto", address)
        if host == "":
            host = "127.0.0.1"
        ip = _resolve(host, st.family)[0]
        return self._sendto(data, _join(ip, port))

    def _sendto(self, data, to):
        data = bytes(data)
        if len(data) > _session.MAX_DATAGRAM:
            raise _oserror("EMSGSIZE")
        pk = self._udp()
        s = pk.s
        with s.cv:
            s.poll()
            err = pk.failed or s.err
            if pk.closed:
                raise _oserror("EBADF")
            if err:
                raise err
            if pk.err is not None:
                err, pk.err = pk.err, None
                raise err
            s.emit(stream=pk.id, kind="sendto", addr=s.name(to), remote=to, n=len(data), data=data)
            s.send(_wire.DATAGRAM, pk.id, _wire.datagram(to, data))
        return len(data)

    def _recvfrom(self, bufsize):
        pk = self._udp()
        s = pk.s
        with s.cv:
            self._wait(s, pk.readable)
            if pk.err is not None:
                err, pk.err = pk.err, None
                raise err
            if pk.queue:
                frm, data = pk.queue.popleft()
                pk.queued -= len(data)
                return data[:bufsize], frm
            raise pk.failed or s.err or _oserror("EBADF")

    # Names

    def getsockname(self):
        st = self._live()
        obj = st.obj or st.connecting
        if obj is not None and obj.local:
            return _pyaddr(st.family, _loopback_local(obj.local, getattr(obj, "remote", "")))
        return _pyaddr(st.family, st.bound and st.bound.lstrip(":") and st.bound)

    def getpeername(self):
        st = self._live()
        c = st.connecting
        if c is not None:
            # A connect under way: what the gateway said already counts, and a blocking
            # socket (socket.socketpair's, made non-blocking to connect and blocking again)
            # waits for the answer, which its peer's accept says is coming.
            with c.s.cv:
                c.s.poll()
            if c.ready or (self._timeout != 0.0 and c.open_err is None):
                self._finish_connect(st)
        if isinstance(st.obj, _session.Conn):
            return _pyaddr(st.family, st.obj.remote)
        if st.type == _real.SOCK_DGRAM and (st.peer or (st.obj and st.obj.remote)):
            return _pyaddr(st.family, st.peer or st.obj.remote)
        raise _oserror("ENOTCONN")

    # Options

    def setsockopt(self, level, optname, value, optlen=None):
        st = self._live()
        st.opts[(level, optname)] = value

    def getsockopt(self, level, optname, buflen=None):
        st = self._live()
        if (level, optname) == (_real.SOL_SOCKET, _real.SO_ERROR):
            v = 0
            c = st.connecting
            if c is not None and c.open_err is not None:
                v = c.open_err.errno
                st.connecting = None
            elif c is not None and c.ready:
                st.obj, st.connecting = c, None
            elif isinstance(st.obj, _session.Packet) and st.obj.err is not None:
                v, st.obj.err = st.obj.err.errno, None
        elif (level, optname) == (_real.SOL_SOCKET, _real.SO_TYPE):
            v = st.type
        else:
            v = st.opts.get((level, optname), 0)
        if isinstance(v, (bytes, bytearray)):
            return bytes(v) if buflen else _struct.unpack("i", bytes(v)[:4])[0]
        if buflen:
            return _struct.pack("i", int(v)).ljust(buflen, b"\0")[:buflen]
        return int(v)

    # Ending

    def close(self):
        if self._fd == -1:
            return
        fd, self._fd = self._fd, -1
        st = self._st
        _free_fd(fd)
        st.refs -= 1
        if st.refs > 0 or st.closed:
            return
        st.closed = True
        if st.connecting is not None:
            c = st.connecting
            with c.s.cv:
                c.s.objs.pop(c.id, None)
                c.s.send(_wire.CLOSE, c.id, _wire.close())
            return
        obj = st.obj
        if obj is None:
            return
        s = obj.s
        linger = st.opts.get((_real.SOL_SOCKET, _real.SO_LINGER))
        reset = isinstance(linger, (bytes, bytearray)) and _struct.unpack("ii", bytes(linger)[:8]) [0] != 0 \
            and _struct.unpack("ii", bytes(linger)[:8])[1] == 0
        with s.cv:
            try:
                s.poll()
                _close_obj(s, obj, reset)
            except OSError:
                pass
            s.cv.notify_all()

    def detach(self):
        fd = self._fd
        self._fd = -1
        return fd

    def dup(self):
        st = self._live()
        st.refs += 1
        fd = _alloc_fd()
        _fds[fd] = st
        return fd

    def __del__(self):
        # A socket nobody holds any more is closed, as CPython closes its descriptor.
        try:
            self.close()
        except Exception:
            pass


def _close_obj(s, obj, reset):
    if isinstance(obj, _session.Conn):
        gone = obj.err is not None and obj.err.errno != _errno.EPIPE
        obj.closed = True
        obj.unread()
        s.objs.pop(obj.id, None)
        if gone or s.err is not None:
            return
        kind, code = ("reset-sent", _wire.RESET) if reset else ("close", _wire.CLOSED)
        s.emit(stream=obj.id, kind=kind, addr=obj.addr)
        s.send(_wire.CLOSE, obj.id, _wire.close(code))
    elif isinstance(obj, _session.Listener) and getattr(obj, "twin", False):
        obj.closed = True  # the lab never knew it: nothing to tell the gateway
    elif isinstance(obj, _session.Listener):
        obj.closed = True
        for c in obj.queue:
            c.closed = True
            s.objs.pop(c.id, None)
            s.emit(stream=c.id, kind="reset-sent", addr=c.addr)
            s.send(_wire.CLOSE, c.id, _wire.close(_wire.RESET))
        obj.queue.clear()
        s.objs.pop(obj.id, None)
        if s.err is None:
            s.emit(stream=obj.id, kind="close", addr=obj.local)
            s.send(_wire.CLOSE, obj.id, _wire.close())
    else:
        obj.closed = True
        obj.queue.clear()
        s.objs.pop(obj.id, None)
        if s.err is None and obj.failed is None:
            s.emit(stream=obj.id, kind="close", addr=obj.local)
            s.send(_wire.CLOSE, obj.id, _wire.close())


def dup(fd):
    st = _fds.get(fd)
    if st is None:
        raise _oserror("EBADF")
    st.refs += 1
    nfd = _alloc_fd()
    _fds[nfd] = st
    return nfd


def close(fd):
    st = _fds.get(fd)
    if st is None:
        raise _oserror("EBADF")
    socket(fileno=fd).close()


# Names


_SERVICES = {"echo": 7, "discard": 9, "daytime": 13, "ftp": 21, "ssh": 22, "telnet": 23,
             "smtp": 25, "time": 37, "domain": 53, "gopher": 70, "http": 80, "pop3": 110,
             "https": 443}


def _port(port, socktype):
    if port is None:
        return 0
    if isinstance(port, int):
        return port
    if isinstance(port, bytes):
        port = port.decode()
    if not isinstance(port, str):
        raise OSError("Int or String expected")
    if port.isdigit():
        return int(port)
    try:
        return _real.getservbyname(port, "udp" if socktype == _real.SOCK_DGRAM else "tcp")
    except (OSError, AttributeError):
        if port in _SERVICES:
            return _SERVICES[port]
        raise gaierror(EAI_SERVICE, "Servname not supported for ai_socktype") from None


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    p = _port(port, type)
    if isinstance(host, bytes):
        host = host.decode("idna")
    if host is None:
        passive = flags & _real.AI_PASSIVE
        addrs = []
        if family in (0, _real.AF_INET6):
            addrs.append("::" if passive else "::1")
        if family in (0, _real.AF_INET):
            addrs.append("0.0.0.0" if passive else "127.0.0.1")
    else:
        addrs = _resolve(host, family)
    types = [(type, proto or {_real.SOCK_STREAM: 6, _real.SOCK_DGRAM: 17}.get(type, 0))] if type else \
        [(_real.SOCK_STREAM, 6), (_real.SOCK_DGRAM, 17), (_real.SOCK_RAW, 0)]
    out = []
    for a in addrs:
        if ":" in a:
            fam, sa = _real.AF_INET6, (a, p, 0, 0)
        else:
            fam, sa = _real.AF_INET, (a, p)
        if family and fam != family:
            continue
        canon = host if flags & _real.AI_CANONNAME and not out else ""
        for t, pr in types:
            out.append((fam, t, pr, canon, sa))
    if not out:
        raise gaierror(EAI_ADDRFAMILY, "Address family for hostname not supported")
    return out


def gethostbyname(host):
    if isinstance(host, bytes):
        host = host.decode("idna")
    return _resolve(host, _real.AF_INET)[0]


def gethostbyname_ex(host):
    return host, [], _resolve(host, _real.AF_INET)


def gethostname():
    return "localhost"


def gethostbyaddr(host):
    if not _is_ip(host):
        try:
            addrs = _resolve(host, 0)
        except gaierror:
            raise herror(1, "Unknown host") from None
        return host, [], addrs
    s = _session._session
    name = s.names.get(host) if s is not None else None
    if host in ("127.0.0.1", "::1"):
        name = "localhost"
    if name is None:
        raise herror(1, "Unknown host")
    return name, [], [host]


def getnameinfo(sockaddr, flags):
    host, port = sockaddr[0], sockaddr[1]
    name = host
    if not flags & _real.NI_NUMERICHOST:
        try:
            name = gethostbyaddr(host)[0]
        except herror:
            if flags & _real.NI_NAMEREQD:
                raise gaierror(EAI_NONAME, "Name or service not known") from None
    return name, str(port)
