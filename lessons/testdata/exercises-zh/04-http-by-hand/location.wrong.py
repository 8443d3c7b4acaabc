# 按 "location:" 找这个首部，服务器写的却是 "Location:"。首部的名字不区分大小写，
# 所以应该先用 .lower() 转成小写再比较。
#
# fails: output contains "Location: /docs/" => the output does not contain "Location: /docs/"
import argparse
import socket
import sys

parser = argparse.ArgumentParser()
parser.add_argument("-a", "--address", default="localhost")
parser.add_argument("-p", "--port", type=int, default=80)
parser.add_argument("-r", "--resource", default="index.html")
o = parser.parse_args()
resource = o.resource if o.resource.startswith("/") else "/" + o.resource
with socket.create_connection((o.address, o.port), timeout=5) as s:
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (resource, o.address)).encode())
    rsp = s.recv(100).decode("latin-1")
lines = rsp.split("\r\n")
version, status, message = lines[0].split(None, 2)
for line in lines[1:]:
    if line.startswith("location:"):
        print(line)
if status in ("200", "301"):
    print("成功：状态码是 %s" % status)
    sys.exit(0)
sys.exit(1)
