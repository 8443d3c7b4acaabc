import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 51423))
s.listen(1)
print("Server is running on port 51423; press Ctrl-C to terminate.", flush=True)
while True:
    conn, addr = s.accept()
    with conn:
        f = conn.makefile("rw", encoding="utf-8", newline="")
        f.write("Welcome, %s:%d\r\n" % addr)
        f.write("Please enter a string:\r\n")
        f.flush()
        line = f.readline().rstrip("\r\n")
        f.write("You entered %d characters and %d words.\r\n" % (len(line), len(line.split())))
        f.flush()
