import argparse
import socket
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("-a", "--address", default="time.lab")
parser.add_argument("-p", "--port", type=int, default=37)
o = parser.parse_args()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(3):
    s.sendto(b"", (o.address, o.port))
    try:
        data, _ = s.recvfrom(1024)
    except TimeoutError:
        continue
    t = int.from_bytes(data, "big") - 2208988800
    print("服务器时间：" + time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(t)))
    sys.exit(0)
print("试了 3 次都没有应答")
sys.exit(1)
