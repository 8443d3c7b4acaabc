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


def prepare():
    """Puts the lab's _socket and select in place, before a program imports socket."""
    install(RingTransport)
    session.Events = PageEvents
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
