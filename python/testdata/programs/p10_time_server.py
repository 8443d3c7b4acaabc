# P10: an RFC 868 time server over TCP: accept, send the 4-byte time, close. It serves as
# many clients as its argument says (forever without one).
import socket
import struct
import sys
import time

count = int(sys.argv[1]) if len(sys.argv) > 1 else -1
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 8037))
s.listen(5)
print("listening on port 8037")
while count != 0:
    conn, addr = s.accept()
    print("connection from", addr)
    conn.sendall(struct.pack("!I", int(time.time()) + 2208988800))
    conn.close()
    count -= 1
