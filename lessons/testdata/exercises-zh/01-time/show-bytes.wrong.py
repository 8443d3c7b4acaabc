# 把字节打印成一列十进制数，而不是十六进制。
#
# fails: output matches "^([0-9a-f]{2} ){3}[0-9a-f]{2}$" (一行用十六进制表示的四个字节，以空格分隔，例如 "ec c2 0a 80") => the output does not show 一行用十六进制表示的四个字节
import socket
import time

SECONDS_FROM_1900_TO_1970 = 2208988800

with socket.create_connection(("time.lab", 37)) as sock:
    data = b""
    while len(data) < 4:
        chunk = sock.recv(4 - len(data))
        if not chunk:
            raise EOFError("the server closed early")
        data += chunk
print(list(data))
server = int.from_bytes(data, "big") - SECONDS_FROM_1900_TO_1970
print("服务器时间：" + time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(server)))
print("本机时钟相差 %d 秒" % (int(time.time()) - server))
