"""The lab's select module: select.select over lab sockets, and over real descriptors
(standard input, pipes) beside them.

Only select() is offered, so selectors.DefaultSelector is SelectSelector and socketserver
and the rest wait through here.
"""

import time as _time

import select as _real

from . import labsocket as _ls
from . import session as _session

error = OSError
PIPE_BUF = getattr(_real, "PIPE_BUF", 4096)

# Real descriptors are looked at this often while lab sockets are waited for beside them.
_MIXED_POLL = 0.02


def _fd(obj):
    if isinstance(obj, int):
        fd = obj
    else:
        try:
            fd = obj.fileno()
        except AttributeError:
            raise TypeError("argument must be an int, or have a fileno() method.") from None
        if not isinstance(fd, int):
            raise TypeError("fileno() returned a non-integer")
    if fd < 0:
        raise ValueError("file descriptor cannot be a negative integer (%d)" % fd)
    return fd


def _readable(st):
    obj = st.obj
    if st.closed:
        return True
    if obj is None:
        c = st.connecting
        return c is not None and c.open_err is not None
    return obj.readable()


def _writable(st):
    obj = st.obj
    if st.closed or obj is None and st.connecting is None:
        return True
    if obj is None:
        c = st.connecting
        return c.ready or c.open_err is not None
    if isinstance(obj, _session.Conn):
        return obj.writable()
    return not isinstance(obj, _session.Listener)


def _select(rlist, wlist, xlist, timeout=None):
    if timeout is not None:
        timeout = float(timeout)
        if timeout < 0:
            raise ValueError("timeout must be non-negative")
    rl, wl, xl = list(rlist), list(wlist), list(xlist)
    lab, real = [], ([], [], [])
    for i, lst in enumerate((rl, wl, xl)):
        for obj in lst:
            fd = _fd(obj)
            st = _ls.lab_state(fd)
            if st is None:
                real[i].append(obj)
            else:
                lab.append((i, obj, st))
    if not lab:
        return _real.select(real[0], real[1], real[2], timeout)
    deadline = None if timeout is None else _time.monotonic() + timeout
    s = _session._session
    while True:
        got = ([], [], [])

        def ready():
            for g in got:
                g.clear()
            for i, obj, st in lab:
                if (i == 0 and _readable(st)) or (i == 1 and _writable(st)):
                    got[i].append(obj)
            return any(got)

        any_real = any(real)
        step = deadline
        if any_real:
            step = _time.monotonic() + _MIXED_POLL
            if deadline is not None:
                step = min(step, deadline)
        if s is None:
            s = _session._session
        if s is not None:
            with s.cv:
                s.wait(ready, step)
                ready()
        elif not ready() and not any_real:
            # No lab socket has been opened yet, so none can become ready.
            if deadline is None:
                raise OSError("select() on lab sockets that are not connected would wait forever")
            _time.sleep(max(0.0, deadline - _time.monotonic()))
        elif not any(got):
            _time.sleep(max(0.0, step - _time.monotonic()))
        if any_real:
            r = _real.select(real[0], real[1], real[2], 0)
            for i in range(3):
                got[i].extend(r[i])
        if any(got) or (deadline is not None and _time.monotonic() >= deadline):
            return [o for o in rl if o in got[0]], [o for o in wl if o in got[1]], [o for o in xl if o in got[2]]


class _Select:
    """select(rlist, wlist, xlist[, timeout]) -> (rlist, wlist, xlist), over lab sockets"""

    def __call__(self, rlist, wlist, xlist, timeout=None):
        return _select(rlist, wlist, xlist, timeout)


# An object that is called, not a function: selectors keeps select.select as a class
# attribute, where a function would be bound as a method (and so would a functools.partial
# from Python 3.14 on).
select = _Select()
