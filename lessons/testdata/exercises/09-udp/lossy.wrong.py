# A timeout, but no second try: it gives up after the first silence.
#
# fails: output contains "server time is" => the output does not contain "server time is"
# fails: sent at least 2 datagrams to time.lab:37 => sent 1 datagram to time.lab:37
# fails: exit 0 => the program exited with status 1
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b"", ("time.lab", 37))
try:
    data, _ = s.recvfrom(1024)
except TimeoutError:
    print("no answer")
    sys.exit(1)
print("server time is", int.from_bytes(data, "big"))
