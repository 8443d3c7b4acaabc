# P12: a time server that waits on its listening socket with select, a second at a time,
# saying so, until a client comes; the 4 bytes are packed by hand with shifts.
import select
import socket
import time

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 8037))
s.listen(5)
print("listening on port 8037", flush=True)
while True:
    readable, _, _ = select.select([s], [], [], 1.0)
    if s in readable:
        break
    print("still waiting", flush=True)
conn, addr = s.accept()
t = int(time.time()) + 2208988800
conn.sendall(bytes([(t >> 24) & 0xFF, (t >> 16) & 0xFF, (t >> 8) & 0xFF, t & 0xFF]))
conn.close()
s.close()
print("served one client")
