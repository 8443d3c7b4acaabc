# Half-close: send, shut the sending side, and read the echo to EOF; the socket can still
# be read after SHUT_WR, and writing after it is a BrokenPipeError. Args: HOST PORT (echo).
import socket
import sys

with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as s:
    s.sendall(b"one line\nand another\n")
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(7)
        if not b:
            break
        got += b
    print(repr(got))
    print("after EOF:", repr(s.recv(10)))
    try:
        s.send(b"more")
    except BrokenPipeError as e:
        print("BrokenPipeError", e.errno)
