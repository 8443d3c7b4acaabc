# P5: a line-oriented helper over a socket, and an HTTP/1.0 client on it that half-closes
# after its request. Args: COMMAND HOST[:PORT] DOCUMENT.
import socket
import sys


class LineSocket:
    def __init__(self, sock):
        self.sock = sock
        self.f = sock.makefile("rb")

    def writeline(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def readline(self):
        line = self.f.readline()
        if not line:
            raise EOFError("the server closed the connection")
        return line.rstrip(b"\r\n").decode("latin-1")

    def read(self, n=-1):
        return self.f.read(n)


def http(command, hostport, document):
    host, _, port = hostport.partition(":")
    try:
        port = int(port or 80)
    except ValueError:
        raise ValueError("bad port in %r" % hostport) from None
    s = socket.create_connection((host, port))
    ls = LineSocket(s)
    ls.writeline("%s %s HTTP/1.0" % (command, document))
    ls.writeline("Host: %s" % host)
    ls.writeline("")
    s.shutdown(socket.SHUT_WR)
    version, status, reason = ls.readline().split(" ", 2)
    if not version.startswith("HTTP/"):
        raise ValueError("not an HTTP answer: %r" % version)
    if not status.isdigit():
        raise ValueError("the status %r is not a number" % status)
    headers = {}
    while True:
        line = ls.readline()
        if not line:
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = ls.read()
    s.close()
    return int(status), reason, headers, body


status, reason, headers, body = http(*sys.argv[1:4])
print(status, reason)
print("content-type:", headers.get("content-type"))
print("body:", len(body), "bytes")
sys.exit(0 if status == 200 else 1)
