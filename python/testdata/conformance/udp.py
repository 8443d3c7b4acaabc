# UDP keeps datagram boundaries, truncates to the buffer, and a connected socket's recv.
# Args: HOST PORT (a UDP echo server).
import socket
import sys

addr = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for size in (1, 10, 1000, 8000):
    s.sendto(b"x" * size, addr)
for _ in range(4):
    data, frm = s.recvfrom(65535)
    print("datagram of", len(data))
s.sendto(b"0123456789" * 10, addr)
data, _ = s.recvfrom(10)
print("truncated to", data)
s.sendto(b"next", addr)
print("then", s.recvfrom(100)[0])
try:
    s.sendto(b"y" * 70000, addr)
except OSError as e:
    print("too long:", e)
s.close()
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(5)
c.connect(addr)
c.send(b"connected")
print(c.recv(100))
c.close()
