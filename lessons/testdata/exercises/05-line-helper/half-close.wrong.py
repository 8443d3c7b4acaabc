# Half-closes only after reading the answer, when it no longer tells the server anything.
#
# fails: fin-sent before first recv on stream to web.lab:80 => the first recv came before the first fin-sent
import socket

with socket.create_connection(("web.lab", 80)) as sock:
    f = sock.makefile("rb")
    sock.sendall(b"GET /hello.txt HTTP/1.0\r\nHost: web.lab\r\n\r\n")
    while f.readline().rstrip(b"\r\n") != b"":
        pass
    body = f.read()
    sock.shutdown(socket.SHUT_WR)
print(len(body), "bytes of body:")
print(body.decode(), end="")
