# P1: a stream socket to a web server: send a request, read the first 20 bytes, close.
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("web.lab", 80))
sent = s.send(b"GET / HTTP/1.0\r\n\r\n")
print("sent", sent, "bytes")
print(s.recv(20))
s.close()
try:
    s.send(b"again")
except OSError as e:
    print("a closed socket cannot be used again:", e)
