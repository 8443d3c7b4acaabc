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
print("在 %d 号端口提供 HTTP 服务" % server.server_address[1], flush=True)
for _ in range(3):
    server.handle_request()
server.server_close()
print("已响应 3 个请求")
