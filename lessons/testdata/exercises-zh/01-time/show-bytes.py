import socket
import time

SECONDS_FROM_1900_TO_1970 = 2208988800


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("the server closed after %d bytes" % len(data))
        data += chunk
    return data


with socket.create_connection(("time.lab", 37)) as sock:
    data = recv_exactly(sock, 4)
print(data.hex(" "))
server = int.from_bytes(data, "big") - SECONDS_FROM_1900_TO_1970
print("服务器时间：" + time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(server)))
print("本机时钟相差 %d 秒" % (int(time.time()) - server))
