# Prints the bytes as a list of numbers, not as hex.
#
# fails: output matches "^([0-9a-f]{2} ){3}[0-9a-f]{2}$" (a line of the four bytes in hex, separated by spaces, like "ec c2 0a 80") => the output does not show a line of the four bytes in hex
import socket
import time

SECONDS_FROM_1900_TO_1970 = 2208988800

with socket.create_connection(("time.lab", 37)) as sock:
    data = b""
    while len(data) < 4:
        chunk = sock.recv(4 - len(data))
        if not chunk:
            raise EOFError("the server closed early")
        data += chunk
print(list(data))
server = int.from_bytes(data, "big") - SECONDS_FROM_1900_TO_1970
print("server time is", time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(server)))
print("local clock is %d seconds off" % (int(time.time()) - server))
