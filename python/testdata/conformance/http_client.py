# http.client and urllib.request to a web server. Args: HOST PORT.
import hashlib
import http.client
import sys
import urllib.request

host, port = sys.argv[1], int(sys.argv[2])
c = http.client.HTTPConnection(host, port, timeout=10)
c.request("GET", "/")
r = c.getresponse()
body = r.read()
print(r.status, r.reason, r.getheader("Content-Type"), len(body), hashlib.sha256(body).hexdigest()[:16])
c.request("GET", "/no/such/page")
r = c.getresponse()
r.read()
print(r.status, r.reason)
c.close()
with urllib.request.urlopen("http://%s:%d/" % (host, port), timeout=10) as r:
    body = r.read()
    print(r.status, len(body), hashlib.sha256(body).hexdigest()[:16])
try:
    urllib.request.urlopen("http://%s:%d/no/such/page" % (host, port), timeout=10)
except urllib.error.HTTPError as e:
    print("HTTPError", e.code)
