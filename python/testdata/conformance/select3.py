# select over three sockets: three connections to an echo server, answers read as they come.
# Args: HOST PORT (echo).
import select
import socket
import sys

addr = (sys.argv[1], int(sys.argv[2]))
socks = [socket.create_connection(addr) for _ in range(3)]
for i, s in enumerate(reversed(socks)):
    s.sendall(b"message %d\n" % i)
    s.shutdown(socket.SHUT_WR)
got = {s: b"" for s in socks}
open_ = list(socks)
rounds = 0
while open_:
    r, w, x = select.select(open_, [], [], 5)
    if not r:
        print("select timed out")
        break
    rounds += 1
    for s in r:
        b = s.recv(100)
        if b:
            got[s] += b
        else:
            open_.remove(s)
            s.close()
print(sorted(got.values()))
print("idle select:", select.select([], [], [], 0.1))
