# 每个端口都检查了，退出状态却只看第一个端口的结果，
# 后面端口的失败就这样丢掉了。
#
# fails: exit 1 => the program exited with status 0
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
results = [check_server(options.address, int(p)) for p in options.port.split(",")]
sys.exit(not results[0])
