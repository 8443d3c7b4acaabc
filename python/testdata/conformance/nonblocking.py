# A non-blocking connect as event loops do it: EINPROGRESS, select for writing, SO_ERROR;
# then a refused one. Args: HOST PORT (echo) CLOSEDHOST CLOSEDPORT.
import errno
import select
import socket
import sys


def attempt(addr):
    s = socket.socket()
    s.setblocking(False)
    print("connect_ex:", errno.errorcode.get(s.connect_ex(addr), 0))
    r, w, x = select.select([], [s], [], 5)
    print("writable:", w == [s])
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    print("SO_ERROR:", errno.errorcode.get(err, 0))
    return s, err


s, err = attempt((sys.argv[1], int(sys.argv[2])))
s.send(b"ping")
r, _, _ = select.select([s], [], [], 5)
print("readable:", r == [s], s.recv(10, socket.MSG_PEEK), s.recv(10))
s.close()
s, err = attempt((sys.argv[3], int(sys.argv[4])))
s.close()
u = socket.socket()
try:
    u.send(b"x")
except OSError as e:
    print("send unconnected:", type(e).__name__, e.errno)
try:
    u.recv(1)
except OSError as e:
    print("recv unconnected:", type(e).__name__, e.errno)
try:
    u.getpeername()
except OSError as e:
    print("getpeername unconnected:", e)
u.close()
