import json
import urllib.request

with urllib.request.urlopen("http://web.lab/get?lesson=16", timeout=10) as r:
    echo = json.loads(r.read())
print("lesson:", echo["args"]["lesson"][0])
