# P4: an HTTP/1.0 request by hand, everything the server sends copied out until it closes.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "web.lab"
path = sys.argv[2] if len(sys.argv) > 2 else "/hello.txt"
s = socket.create_connection((host, 80))
s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
reply = b""
while True:
    chunk = s.recv(1024)
    if not chunk:
        break
    reply += chunk
s.close()
head, _, body = reply.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode())
sys.stdout.write(body.decode())
