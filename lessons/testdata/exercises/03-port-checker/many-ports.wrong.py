# Checks every port but exits with the first one's result only, so the failure of a
# later port is lost.
#
# fails: exit 1 => the program exited with status 0
import argparse
import socket
import sys


def check_server(address, port):
    s = socket.socket()
    s.settimeout(5)
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
parser.add_argument("-p", "--port", default="80")
options = parser.parse_args()
results = [check_server(options.address, int(p)) for p in options.port.split(",")]
sys.exit(not results[0])
