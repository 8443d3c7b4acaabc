# 等了三次，却只发了一次：丢掉的请求再也没有重发。
#
# fails: sent 3 datagrams to discard.lab:9 => sent 1 datagram to discard.lab:9
import argparse
import socket
import sys

parser = argparse.ArgumentParser()
parser.add_argument("-a", "--address", default="time.lab")
parser.add_argument("-p", "--port", type=int, default=37)
o = parser.parse_args()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b"", (o.address, o.port))
for _ in range(3):
    try:
        data, _ = s.recvfrom(1024)
        print("收到 %d 个字节" % len(data))
        sys.exit(0)
    except TimeoutError:
        pass
print("试了 3 次都没有应答")
sys.exit(1)
