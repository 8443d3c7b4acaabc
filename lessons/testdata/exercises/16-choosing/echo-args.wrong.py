# Prints the whole list the server echoes, not the value in it.
#
# fails: output contains "lesson: 16" => the output does not contain "lesson: 16"
import json
import urllib.request

with urllib.request.urlopen("http://web.lab/get?lesson=16", timeout=10) as r:
    echo = json.loads(r.read())
print("lesson:", echo["args"]["lesson"])
