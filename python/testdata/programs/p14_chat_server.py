# P14: the chat server: one client; print what it says, answer with a line typed here.
import socket

s = socket.socket()
s.bind(("", 5000))
s.listen(2)
print("waiting on port 5000", flush=True)
conn, addr = s.accept()
print("connection from", addr[0], flush=True)
while True:
    data = conn.recv(1024).decode()
    if not data:
        break
    print("from connected user:", data, flush=True)
    conn.send(input("-> ").encode())
conn.close()
s.close()
