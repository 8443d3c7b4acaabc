# Counts to three but keeps serving forever, so it never says so nor ends.
#
# fails: output contains "served 3 requests" => the output does not contain "served 3 requests"
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
print("Serving HTTP on port", server.server_address[1], flush=True)
server.serve_forever()
print("served 3 requests")
