import argparse
import socket
import sys


def check_server(address, port):
    s = socket.socket()
    s.settimeout(5)
    print("正在连接 %s 的 %s 号端口" % (address, port))
    try:
        s.connect((address, port))
        print("已连接到 %s 的 %s 号端口" % (address, port))
        return True
    except OSError as e:
        print("连接 %s 的 %s 号端口失败：%s" % (address, port, e))
        return False
    finally:
        s.close()


parser = argparse.ArgumentParser(description="TCP port checker")
parser.add_argument("-a", "--address", default="localhost")
parser.add_argument("-p", "--port", default="80")
options = parser.parse_args()
ok = True
for port in options.port.split(","):
    if not check_server(options.address, int(port)):
        ok = False
sys.exit(0 if ok else 1)
