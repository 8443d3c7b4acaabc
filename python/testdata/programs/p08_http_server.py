# P8: a file-serving HTTP server on port 8000, for as many requests as its argument says.
import http.server
import os
import sys

with open("index.html", "w") as f:
    f.write("<h1>served from a lab program</h1>\n")
count = int(sys.argv[1]) if len(sys.argv) > 1 else -1
server = http.server.HTTPServer(("", 8000), http.server.SimpleHTTPRequestHandler)
print("serving on port", server.server_address[1])
sys.stdout.flush()
while count != 0:
    server.handle_request()
    count -= 1
server.server_close()
os.remove("index.html")
