# 数到了三，却还在一直服务下去，所以既不会说“已响应”，也不会结束。
#
# fails: output contains "已响应 3 个请求" => the output does not contain "已响应 3 个请求"
# fails: exit 0 => the program did not exit
import functools
import http.server
import os
import tempfile

site = tempfile.mkdtemp()
with open(os.path.join(site, "notes.txt"), "w") as f:
    f.write("notes from the lab.\n")
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=site)
server = http.server.HTTPServer(("", 8000), handler)
print("在 %d 号端口提供 HTTP 服务" % server.server_address[1], flush=True)
server.serve_forever()
print("已响应 3 个请求")
