# Mixes up the types: 1 is a menu, 0 a text file, so it follows the first menu instead.
#
# fails: sent "/welcome.txt\r\n" to gopher.lab:70 => do not contain
# fails: output contains "Welcome to gopher.lab" => the output does not contain
import socket


def fetch(host, port, selector):
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(selector.encode() + b"\r\n")
        return s.makefile("rb").read().decode("utf-8", "replace")


for line in fetch("gopher.lab", 70, "").splitlines():
    if line.startswith("1"):
        fields = line[1:].split("\t")
        print(fetch(fields[2], int(fields[3]), fields[1]).splitlines()[0])
        break
