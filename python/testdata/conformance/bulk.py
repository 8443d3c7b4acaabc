# 10 MiB each way through an echo server, checked with SHA-256. Args: HOST PORT (echo).
# One thread: a selector says when the socket takes more and when it has bytes, so the
# program runs where threads do not (Pyodide in a page) as well as on CPython.
import hashlib
import selectors
import socket
import sys

SIZE = 10 << 20
data = bytes((i * 7 + i // 251) & 0xFF for i in range(1 << 16)) * (SIZE >> 16)
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
sock.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
view = memoryview(data)
sent = 0
h = hashlib.sha256()
got = 0
buf = bytearray(65536)
done = False
while not done:
    for key, mask in sel.select():
        if mask & selectors.EVENT_WRITE and sent < len(data):
            try:
                sent += sock.send(view[sent:sent + 65536])
            except BlockingIOError:
                pass
            if sent == len(data):
                sock.shutdown(socket.SHUT_WR)
                sel.modify(sock, selectors.EVENT_READ)
        if mask & selectors.EVENT_READ:
            try:
                n = sock.recv_into(buf)
            except BlockingIOError:
                continue
            if n == 0:
                done = True
                break
            h.update(buf[:n])
            got += n
sel.close()
sock.close()
print("sent", len(data), hashlib.sha256(data).hexdigest())
print("got ", got, h.hexdigest())
