# Puts the header in the JSON body instead of the request's headers.
#
# fails: sent "X-Lesson: 6\r\n" to web.lab:80 => do not contain "X-Lesson: 6\r\n"
import http.client
import json

conn = http.client.HTTPConnection("web.lab", 80, timeout=10)
body = json.dumps({"text": "Hello World", "X-Lesson": 6})
conn.request("POST", "/post", body=body, headers={"Content-Type": "application/json"})
echo = json.loads(conn.getresponse().read())
conn.close()
print("json:", echo["json"])
