# Asks for /hello.txt without the empty line that ends the request, and reads only once.
#
# fails: sent "GET /hello.txt HTTP/1.0\r\n\r\n" to web.lab:80 => do not contain
# fails: output contains "Hello from web.lab!" => the output does not contain "Hello from web.lab!"
# fails: exit 0 => the program
import socket

s = socket.create_connection(("web.lab", 80))
s.settimeout(2)
s.sendall(b"GET /hello.txt HTTP/1.0\r\n")
print(s.recv(512).decode())
