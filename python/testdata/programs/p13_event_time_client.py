# P13: the time client in callback style, on selectors: a non-blocking connect, then
# handlers for "connected" and "readable" until the server closes.
import selectors
import socket
import struct
import time

sel = selectors.DefaultSelector()


class TimeClient:
    def __init__(self, host, port):
        self.data = b""
        self.sock = socket.socket()
        self.sock.setblocking(False)
        self.sock.connect_ex((host, port))
        sel.register(self.sock, selectors.EVENT_WRITE, self.handle_connect)

    def handle_connect(self):
        err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, "connect failed")
        print("connected")
        sel.modify(self.sock, selectors.EVENT_READ, self.handle_read)

    def handle_read(self):
        chunk = self.sock.recv(8)
        if chunk:
            self.data += chunk
            return
        self.handle_close()

    def handle_close(self):
        sel.unregister(self.sock)
        self.sock.close()
        t = struct.unpack("!I", self.data)[0] - 2208988800
        print("time difference is", round(time.time() - t), "seconds")


client = TimeClient("time.lab", 37)
while sel.get_map():
    for key, _ in sel.select(timeout=5):
        key.data()
print("done")
