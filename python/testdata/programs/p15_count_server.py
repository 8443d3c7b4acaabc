# P15: the welcome / character-count server on port 51423, for as many clients as its
# argument says (forever without one).
import socket
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else -1
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 51423))
s.listen(1)
print("Server is running on port 51423; press Ctrl-C to terminate.")
sys.stdout.flush()
while count != 0:
    conn, addr = s.accept()
    with conn:
        f = conn.makefile("rw", newline="")
        f.write("Welcome, %s\r\n" % (addr,))
        f.write("Please enter a string:\r\n")
        f.flush()
        line = f.readline().rstrip("\r\n")
        f.write("You entered %d characters.\r\n" % len(line))
        f.close()
    count -= 1
