# 两次问的都是 time.lab：第二个地址根本没用上。
#
# fails: received exactly 4 bytes from time.lab:37 => received 8 bytes from time.lab:37
# fails: received exactly 4 bytes from localhost:8037 => received 0 bytes from localhost:8037
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


a = gettime("time.lab")
b = gettime("time.lab")
print("两台服务器相差 %d 秒" % (b - a))
