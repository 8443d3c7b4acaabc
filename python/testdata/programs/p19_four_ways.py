# P19: one page fetched four ways, from raw sockets up to the one-call opener.
import http.client
import socket
import urllib.request

HOST, PATH = "web.lab", "/hello.txt"


def raw():
    s = socket.create_connection((HOST, 80))
    s.sendall(b"GET " + PATH.encode() + b" HTTP/1.0\r\nHost: " + HOST.encode() + b"\r\n\r\n")
    reply = b""
    while chunk := s.recv(4096):
        reply += chunk
    s.close()
    return reply.partition(b"\r\n\r\n")[2]


def helper():
    with socket.create_connection((HOST, 80)) as s, s.makefile("rwb") as f:
        f.write(b"GET " + PATH.encode() + b" HTTP/1.0\r\nHost: " + HOST.encode() + b"\r\n\r\n")
        f.flush()
        while f.readline() not in (b"\r\n", b"\n", b""):
            pass
        return f.read()


def library():
    c = http.client.HTTPConnection(HOST, 80)
    c.request("GET", PATH)
    body = c.getresponse().read()
    c.close()
    return body


def opener():
    with urllib.request.urlopen("http://" + HOST + PATH) as r:
        return r.read()


bodies = {}
for way in (raw, helper, library, opener):
    bodies[way.__name__] = way()
    print("%-8s %d bytes" % (way.__name__, len(bodies[way.__name__])))
print("all the same:", len(set(bodies.values())) == 1)
