# P7: open a URL in one call; then just the response's headers.
import urllib.request

with urllib.request.urlopen("http://web.lab/hello.txt") as r:
    print(r.read().decode().splitlines()[0])
with urllib.request.urlopen("http://web.lab/hello.txt") as r:
    print("Content-Type:", r.info()["Content-Type"])
