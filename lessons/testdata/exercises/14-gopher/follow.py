import socket


def fetch(host, port, selector):
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(selector.encode() + b"\r\n")
        return s.makefile("rb").read().decode("utf-8", "replace")


for line in fetch("gopher.lab", 70, "").splitlines():
    if line.startswith("0"):
        _, selector, host, port = line[1:].split("\t")[:4]
        print(fetch(host, int(port), selector).splitlines()[0])
        break
