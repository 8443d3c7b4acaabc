# Timeouts: a recv that waits too long raises TimeoutError (socket.timeout), the socket stays
# usable, and a non-blocking recv raises BlockingIOError. Args: HOST PORT (echo).
import socket
import sys
import time

s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
print("timeout", s.gettimeout())
s.settimeout(0.3)
t0 = time.monotonic()
try:
    s.recv(10)
except socket.timeout as e:
    waited = time.monotonic() - t0
    print(type(e).__name__, e, isinstance(e, TimeoutError), 0.25 < waited < 2)
s.sendall(b"ping")
print(s.recv(10))
s.setblocking(False)
print("blocking", s.getblocking(), s.gettimeout())
try:
    s.recv(10)
except BlockingIOError as e:
    print("BlockingIOError", e.errno)
s.close()
socket.setdefaulttimeout(2.5)
print(socket.socket().gettimeout())
