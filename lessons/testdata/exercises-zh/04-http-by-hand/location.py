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
    f = s.makefile("rb")
    lines = []
    while True:
        line = f.readline().decode("latin-1").rstrip("\r\n")
        if not line:
            break
        lines.append(line)
version, status, message = lines[0].split(None, 2)
print("HTTP 响应的第一行：%s" % lines[0])
if status == "301":
    for line in lines[1:]:
        if line.lower().startswith("location:"):
            print(line)
if status in ("200", "301"):
    print("成功：状态码是 %s" % status)
    sys.exit(0)
print("状态码是 %s" % status)
sys.exit(1)
