import selectors
import socket

sel = selectors.DefaultSelector()


class Greeting:
    """One client: greet it, read its name when it comes, answer, close."""

    def __init__(self, conn):
        self.conn = conn
        self.data = b""
        conn.sendall(b"hello, who are you?\r\n")
        sel.register(conn, selectors.EVENT_READ, self.handle_read)

    def handle_read(self):
        chunk = self.conn.recv(100)
        self.data += chunk
        if chunk and not self.data.endswith(b"\n"):
            return  # the rest of the name is still on its way
        name = self.data.decode().strip()
        sel.unregister(self.conn)
        self.conn.sendall(("nice to meet you, %s\r\n" % name).encode())
        self.conn.close()
        print("served", name, flush=True)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 8100))
s.listen(5)
s.setblocking(False)
print("greeting on port 8100", flush=True)


def handle_accept():
    conn, addr = s.accept()
    Greeting(conn)


sel.register(s, selectors.EVENT_READ, handle_accept)
while True:
    for key, _ in sel.select():
        key.data()
