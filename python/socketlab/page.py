"""The lab's sockets in a page: Pyodide in a Web Worker (static/python-worker.js).

The worker's JavaScript offers a host object, js.socketlabHost, over the rings it shares with
the network worker (docs/python.md): send(frame), recv(ms), close(), sleep(ms), event(line).
RingTransport is the session's transport over it; prepare() installs the lab's modules ahead
of a run, and run() runs a cell's program as `python3 main.py ARGS...` would.
"""

import errno
import os
import sys
import time
import traceback
import types

import js

from . import install, session

PROGRAM = "main.py"  # sys.argv[0], as `python3 main.py` gives it
HOME = "/home/learner"  # the program's directory and working directory


class RingTransport:
    """The session's transport in a page: whole frames through the shared rings."""

    def __init__(self):
        self.host = js.socketlabHost
        self.closed = False

    def send(self, frame):
        why = self.host.send(frame)
        if why:
            raise ConnectionResetError(errno.ECONNRESET, "the lab gateway closed the connection: " + why)

    def recv(self, timeout=None):
        r = self.host.recv(-1 if timeout is None else max(0.0, timeout * 1000.0))
        if r is None:
            return None
        if isinstance(r, str):
            raise ConnectionResetError(errno.ECONNRESET, "the lab gateway closed the connection: " + r)
        return r.to_bytes()

    def close(self):
        if not self.closed:
            self.closed = True
            self.host.close()


class _Sink:
    """The events' file: each write is one JSON line, which goes to the page's wire view."""

    def write(self, b):
        js.socketlabHost.event(b.decode("utf-8"))


class PageEvents(session.Events):
    def __init__(self, dest=None):
        self.f = _Sink()


def _sleep(secs):
    secs = float(secs)
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    js.socketlabHost.sleep(secs * 1000.0)


# Linux's numbers and words for the errors the lab raises. Pyodide's C library numbers them
# its own way (ECONNREFUSED is 14 there), so a program would print "[Errno 14]" where python3
# on Linux prints "[Errno 111]". The errno module is given Linux's numbers for these, and
# os.strerror their words. EBADF, EINVAL and EACCES are left alone: the file system raises
# them too, with the C library's numbers, and those must still compare equal.
LINUX_ERRNO = {
    "EAGAIN": (11, "Resource temporarily unavailable"),
    "EWOULDBLOCK": (11, "Resource temporarily unavailable"),
    "EPIPE": (32, "Broken pipe"),
    "EPROTO": (71, "Protocol error"),
    "EDESTADDRREQ": (89, "Destination address required"),
    "EMSGSIZE": (90, "Message too long"),
    "EPROTONOSUPPORT": (93, "Protocol not supported"),
    "EOPNOTSUPP": (95, "Operation not supported"),
    "EAFNOSUPPORT": (97, "Address family not supported by protocol"),
    "EADDRINUSE": (98, "Address already in use"),
    "EADDRNOTAVAIL": (99, "Cannot assign requested address"),
    "ENETUNREACH": (101, "Network is unreachable"),
    "ECONNABORTED": (103, "Software caused connection abort"),
    "ECONNRESET": (104, "Connection reset by peer"),
    "ENOBUFS": (105, "No buffer space available"),
    "EISCONN": (106, "Transport endpoint is already connected"),
    "ENOTCONN": (107, "Transport endpoint is not connected"),
    "ETIMEDOUT": (110, "Connection timed out"),
    "ECONNREFUSED": (111, "Connection refused"),
    "EHOSTUNREACH": (113, "No route to host"),
    "EALREADY": (114, "Operation already in progress"),
    "EINPROGRESS": (115, "Operation now in progress"),
}


def _linux_errno():
    import errno
    words = {}
    for name, (no, text) in LINUX_ERRNO.items():
        setattr(errno, name, no)
        errno.errorcode[no] = name
        words[no] = text
    strerror = os.strerror

    def linux_strerror(code):
        return words.get(code) or strerror(code)
    os.strerror = linux_strerror


def _forget_real_sockets(real):
    """Drops the modules Pyodide imported at its start over the real socket module (asyncio,
    for its WebLoop), so that a program imports them afresh over the lab's."""
    for name, m in list(sys.modules.items()):
        if name.startswith(("pyodide", "_pyodide", "socketlab")) or m is None:
            continue
        if name == "asyncio" or name.startswith("asyncio.") or any(
                v is real for v in getattr(m, "__dict__", {}).values()):
            del sys.modules[name]


def _selector_asyncio():
    """asyncio as on Linux: a selector event loop over the lab's select. Pyodide runs a loop
    of its own on the browser's (its WebLoop), which cannot block, and marks it running.

    There are no threads in the page, so what asyncio hands its default executor (a thread
    pool), getaddrinfo above all, runs at once instead; the lab's lookups block the loop for
    a moment, as they would in the thread."""
    import asyncio.base_events
    import asyncio.events
    asyncio.events._set_running_loop(None)
    base = asyncio.base_events.BaseEventLoop
    threaded = base.run_in_executor

    def run_in_executor(self, executor, func, *args):
        if executor is not None:
            return threaded(self, executor, func, *args)
        self._check_closed()
        fut = self.create_future()
        try:
            fut.set_result(func(*args))
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as e:
            fut.set_exception(e)
        return fut
    base.run_in_executor = run_in_executor


def prepare():
    """Puts the lab's _socket and select in place, before a program imports socket."""
    _linux_errno()
    real = sys.modules.get("socket")
    install(RingTransport)
    _forget_real_sockets(real)
    session.Events = PageEvents
    _selector_asyncio()
    time.sleep = _sleep


def _status(e):
    """The exit status python3 gives for a SystemExit, printing what it prints."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def run(source, args):
    """Runs a program's source as python3 main.py ARGS... does; returns its exit status."""
    # The file is written out, as python3 would read it, so that tracebacks quote its lines.
    path = os.path.join(HOME, PROGRAM)
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    os.chdir(HOME)
    sys.argv = [PROGRAM] + [str(a) for a in args]
    sys.path[0:0] = [HOME]
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    status = 0
    try:
        code = compile(source, path, "exec")
    except SyntaxError as e:
        # As python3 prints an error in the file it was given: no traceback above it.
        traceback.print_exception(type(e), e, None)
        status = 1
    else:
        try:
            exec(code, main.__dict__)
        except SystemExit as e:
            status = _status(e)
        except BaseException as e:
            tb = e.__traceback__.tb_next  # from the program's own first frame
            traceback.print_exception(type(e), e, tb)
            status = 130 if isinstance(e, KeyboardInterrupt) else 1
    _end()
    return status


def _end():
    """What a process's exit does: atexit, the streams flushed, the sockets closed."""
    try:
        import atexit
        atexit._run_exitfuncs()
    except Exception:
        pass
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    s = session._session
    if s is not None:
        try:
            s.tr.close()
        except OSError:
            pass
