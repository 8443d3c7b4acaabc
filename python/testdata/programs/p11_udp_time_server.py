# P11: the RFC 868 time server over UDP: each datagram gets the 4-byte time back at its
# sender's address. It answers as many as its argument says (forever without one).
import socket
import struct
import sys
import time

count = int(sys.argv[1]) if len(sys.argv) > 1 else -1
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", 8037))
print("waiting for datagrams on port 8037", flush=True)
while count != 0:
    data, addr = s.recvfrom(1024)
    print("a %d-byte datagram from %s" % (len(data), addr[0]), flush=True)
    s.sendto(struct.pack("!I", int(time.time()) + 2208988800), addr)
    count -= 1
s.close()
