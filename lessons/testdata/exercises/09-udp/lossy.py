import socket
import sys
import time

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for attempt in range(5):
    s.sendto(b"", ("time.lab", 37))
    try:
        data, _ = s.recvfrom(1024)
    except TimeoutError:
        continue
    t = int.from_bytes(data, "big") - 2208988800
    print("server time is", time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(t)))
    sys.exit(0)
print("no answer after 5 tries")
sys.exit(1)
