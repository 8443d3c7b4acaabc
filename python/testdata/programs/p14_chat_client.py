# P14: the chat client: send typed lines until "bye", printing each answer.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
s = socket.socket()
s.connect((host, 5000))
message = input("-> ")
while message.strip() != "bye":
    s.send(message.encode())
    print("Received from server:", s.recv(1024).decode())
    message = input("-> ")
s.close()
