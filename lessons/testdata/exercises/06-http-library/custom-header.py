import http.client
import json

conn = http.client.HTTPConnection("web.lab", 80, timeout=10)
body = json.dumps({"text": "Hello World"})
conn.request("POST", "/post", body=body, headers={"Content-Type": "application/json", "X-Lesson": "6"})
echo = json.loads(conn.getresponse().read())
conn.close()
print("json:", echo["json"])
for name, value in sorted(echo["headers"].items()):
    print("header %s: %s" % (name, value))
