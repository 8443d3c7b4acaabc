import functools
import http.server
import os
import tempfile

site = tempfile.mkdtemp()
with open(os.path.join(site, "index.html"), "w") as f:
    f.write("<!DOCTYPE html>\n<title>lab</title>\n<h1>Served from a lab program</h1>\n")
with open(os.path.join(site, "notes.txt"), "w") as f:
    f.write("notes from the lab.\n")
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=site)
server = http.server.HTTPServer(("", 8000), handler)
print("Serving HTTP on port", server.server_address[1], flush=True)
for _ in range(3):
    server.handle_request()
server.server_close()
print("served 3 requests")
