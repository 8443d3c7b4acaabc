import socket
import struct


def gettime(host, port=37):
    with socket.create_connection((host, port), timeout=10) as s:
        data = b""
        while len(data) < 4:
            chunk = s.recv(4 - len(data))
            if not chunk:
                raise EOFError("closed early")
            data += chunk
    return struct.unpack("!I", data)[0] - 2208988800


a = gettime("time.lab", 37)
b = gettime("localhost", 8037)
print("两台服务器相差 %d 秒" % (b - a))
