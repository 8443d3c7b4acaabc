# Listen and accept a client from outside: prints "listening" and the port on stderr, takes
# one connection, answers a line in upper case. Args: none.
import socket
import sys

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
print("reuse", srv.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0)
srv.bind(("", 0))
srv.listen()
print("listening on", srv.getsockname()[0])
sys.stdout.flush()
sys.stderr.write("PORT %d\n" % srv.getsockname()[1])
sys.stderr.flush()
conn, addr = srv.accept()
with conn:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("nodelay", conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0)
    f = conn.makefile("rwb")
    line = f.readline()
    print("got", line)
    f.write(line.upper())
    f.flush()
    f.close()
srv.close()
