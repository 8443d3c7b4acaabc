# Waits for clients with a selector, but holds each whole conversation in the accept handler:
# the loop cannot accept the next client until it ends, so still one at a time.
#
# fails: concurrent 3 => at most 1 connection was answered at a time
import selectors
import socket

sel = selectors.DefaultSelector()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 8100))
s.listen(5)
s.setblocking(False)
print("greeting on port 8100", flush=True)


def handle_accept():
    conn, addr = s.accept()
    conn.setblocking(True)
    with conn:
        f = conn.makefile("rwb")
        f.write(b"hello, who are you?\r\n")
        f.flush()
        name = f.readline().decode().strip()
        f.write(("nice to meet you, %s\r\n" % name).encode())
        f.flush()
    print("served", name, flush=True)


sel.register(s, selectors.EVENT_READ, handle_accept)
while True:
    for key, _ in sel.select():
        key.data()
