# P2: a TCP port checker. Exit status 0 when the port answers, 1 when not.
import argparse
import socket
import sys


def check_server(address, port):
    s = socket.socket()
    print("Attempting to connect to %s on port %s" % (address, port))
    try:
        s.connect((address, port))
        print("Connected to %s on port %s" % (address, port))
        return True
    except OSError as e:
        print("Connection to %s on port %s failed: %s" % (address, port, e))
        return False
    finally:
        s.close()


parser = argparse.ArgumentParser(description="TCP port checker")
parser.add_argument("-a", "--address", default="localhost")
parser.add_argument("-p", "--port", type=int, default=80)
options = parser.parse_args()
print("options: %s" % options)
check = check_server(options.address, options.port)
print("check_server returned %s" % check)
sys.exit(not check)
