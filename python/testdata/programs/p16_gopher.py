# P16: a Gopher client: send a selector and CRLF, copy the answer out until the server closes.
import socket
import sys

if len(sys.argv) < 2:
    sys.exit("usage: %s HOST [SELECTOR]" % sys.argv[0])
host = sys.argv[1]
selector = sys.argv[2] if len(sys.argv) > 2 else ""
s = socket.create_connection((host, 70))
s.sendall(selector.encode() + b"\r\n")
s.shutdown(socket.SHUT_WR)
while True:
    buf = s.recv(2048)
    if not buf:
        break
    sys.stdout.write(buf.decode("utf-8", "replace"))
s.close()
