import socket

with socket.create_connection(("daytime.lab", 13)) as s:
    line = s.makefile("rb").readline()
print("daytime.lab 说：%r" % line.decode())
