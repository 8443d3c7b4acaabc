import socket
import threading

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 8100))
s.listen(5)
print("greeting on port 8100", flush=True)


def serve(conn):
    with conn:
        f = conn.makefile("rwb")
        f.write(b"hello, who are you?\r\n")
        f.flush()
        name = f.readline().decode().strip()
        f.write(("nice to meet you, %s\r\n" % name).encode())
        f.flush()
    print("served", name, flush=True)


while True:
    conn, addr = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
