import socket

with socket.create_connection(("web.lab", 80)) as sock:
    f = sock.makefile("rb")
    sock.sendall(b"GET /hello.txt HTTP/1.0\r\nHost: web.lab\r\n\r\n")
    sock.shutdown(socket.SHUT_WR)
    while f.readline().rstrip(b"\r\n") != b"":
        pass
    body = f.read()
print(len(body), "bytes of body:")
print(body.decode(), end="")
