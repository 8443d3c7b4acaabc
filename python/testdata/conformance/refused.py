# Connecting where nothing listens: ConnectionRefusedError with ECONNREFUSED, and connect_ex's
# errno. Args: HOST PORT of a closed port.
import errno
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
try:
    socket.create_connection((host, port), timeout=5)
except ConnectionRefusedError as e:
    print(type(e).__name__, e.errno == errno.ECONNREFUSED, e)
s = socket.socket()
print("connect_ex:", errno.errorcode[s.connect_ex((host, port))])
s.close()
try:
    socket.getaddrinfo("no-such-host.invalid", 80)
except socket.gaierror as e:
    print("gaierror", e.errno == socket.EAI_NONAME, e)
