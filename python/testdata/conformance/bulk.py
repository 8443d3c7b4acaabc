# 10 MiB each way through an echo server, checked with SHA-256. Args: HOST PORT (echo).
import hashlib
import socket
import sys
import threading

SIZE = 10 << 20
data = bytes((i * 7 + i // 251) & 0xFF for i in range(1 << 16)) * (SIZE >> 16)
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))


def send():
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)


t = threading.Thread(target=send)
t.start()
h = hashlib.sha256()
got = 0
buf = bytearray(65536)
while True:
    n = sock.recv_into(buf)
    if n == 0:
        break
    h.update(buf[:n])
    got += n
t.join()
sock.close()
print("sent", len(data), hashlib.sha256(data).hexdigest())
print("got ", got, h.hexdigest())
