# P3: check a web server by hand: a raw GET, the first line of the answer, its status.
import argparse
import socket
import sys


def check_webserver(address, port, resource):
    if not resource.startswith("/"):
        resource = "/" + resource
    request = "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (resource, address)
    print("HTTP request:")
    print("|||%s|||" % request)
    s = socket.socket()
    print("Attempting to connect to %s on port %s" % (address, port))
    try:
        s.connect((address, port))
        print("Connected to %s on port %s" % (address, port))
        s.send(request.encode())
        rsp = s.recv(100)
        print("Received 100 bytes of HTTP response")
    except OSError as e:
        print("Connection to %s on port %s failed: %s" % (address, port, e))
        return False
    finally:
        s.close()
    line = rsp.decode("latin-1").splitlines()[0]
    print("First line of HTTP response: %s" % line)
    version, status, message = line.split(None, 2)
    print("Version: %s, Status: %s, Message: %s" % (version, status, message))
    if status in ("200", "301"):
        print("Success - status was %s" % status)
        return True
    print("Status was %s" % status)
    return False


parser = argparse.ArgumentParser(description="HTTP server checker")
parser.add_argument("-a", "--address", default="localhost")
parser.add_argument("-p", "--port", type=int, default=80)
parser.add_argument("-r", "--resource", default="index.html")
options = parser.parse_args()
check = check_webserver(options.address, options.port, options.resource)
print("check_webserver returned %s" % check)
sys.exit(not check)
