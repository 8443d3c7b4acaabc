import argparse
import socket

parser = argparse.ArgumentParser()
parser.add_argument("-a", "--address", default="localhost:5000")
host, _, port = parser.parse_args().address.rpartition(":")
with socket.create_connection((host, int(port))) as s:
    replies = s.makefile("rb")
    print("Received from server:", replies.readline().decode().strip())
    while True:
        try:
            line = input()
        except EOFError:
            line = "bye"
        s.sendall(line.encode() + b"\n")
        print("Received from server:", replies.readline().decode().strip())
        if line == "bye":
            break
