# P11: the RFC 868 time client over UDP: an empty datagram out, 4 bytes back.
import socket
import struct
import sys
import time

host = sys.argv[1] if len(sys.argv) > 1 else "time.lab"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 37
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"", (host, port))
data, addr = s.recvfrom(1024)
t = struct.unpack("!I", data)[0] - 2208988800
print("%d bytes from %s" % (len(data), addr[0]))
print("server time is", time.ctime(t))
print("local clock is", int(time.time() - t), "seconds off")
