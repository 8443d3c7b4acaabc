import socket

with socket.create_connection(("web.lab", 80)) as s:
    s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
    reply = b""
    while True:
        data = s.recv(512)
        if not data:
            break
        reply += data
print(reply.decode())
