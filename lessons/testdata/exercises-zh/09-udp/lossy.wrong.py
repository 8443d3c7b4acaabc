# 有超时，却没有第二次尝试：第一次没有应答就放弃了。
#
# fails: output contains "服务器时间：" => the output does not contain "服务器时间："
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
    print("没有应答")
    sys.exit(1)
print("服务器时间：%d" % int.from_bytes(data, "big"))
