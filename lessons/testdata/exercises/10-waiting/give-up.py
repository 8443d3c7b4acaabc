import select
import socket
import struct
import time

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 8037))
s.listen(5)
print("listening on port 8037", flush=True)
quiet = 0
while quiet < 5:
    readable, _, _ = select.select([s], [], [], 1.0)
    if not readable:
        quiet += 1
        print("still waiting", flush=True)
        continue
    quiet = 0
    conn, addr = s.accept()
    print("connection from %s:%d" % addr, flush=True)
    conn.sendall(struct.pack("!I", int(time.time()) + 2208988800))
    conn.close()
print("no client for 5 seconds, giving up")
