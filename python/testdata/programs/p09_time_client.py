# P9: an RFC 868 time client over TCP: 4 bytes, seconds since 1900, big-endian.
import socket
import struct
import sys
import time

TIME1970 = 2208988800


def gettime(host, port=37):
    s = socket.create_connection((host, port))
    data = b""
    while len(data) < 4:
        chunk = s.recv(4 - len(data))
        if not chunk:
            raise EOFError("the server closed after %d bytes" % len(data))
        data += chunk
    s.close()
    return struct.unpack("!I", data)[0] - TIME1970


host = sys.argv[1] if len(sys.argv) > 1 else "time.lab"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 37
t = gettime(host, port)
print("server time is", time.ctime(t))
print("local clock is", int(time.time() - t), "seconds off")
