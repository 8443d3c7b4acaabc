# 读两次而不是一次：还是在猜字节会被怎样切开。
#
# fails: output matches "[A-Z][a-z]+day, [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-UTC" (完整的一行 daytime 文字，从星期几一直到 "-UTC"，例如 "Monday, December 7, 2026 02:50:18-UTC") => the output does not show 完整的一行 daytime 文字
import socket

with socket.create_connection(("daytime.lab", 13)) as s:
    data = s.recv(1024)
    data += s.recv(1024)
print("daytime.lab 说：%r" % data.decode())
