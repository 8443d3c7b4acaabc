# P6: the standard library's HTTP client: a GET's status, and a JSON POST echoed back.
import http.client
import json

conn = http.client.HTTPConnection("web.lab", 80, timeout=10)
try:
    conn.request("GET", "/")
    r = conn.getresponse()
    print("response status:", r.status)
    r.read()
    conn.request("POST", "/post", body=json.dumps({"text": "Hello World"}),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    echoed = json.loads(r.read())
    print(sorted(echoed))
    print("json:", echoed["json"])
    print("HTTP connection closed successfully")
except (OSError, http.client.HTTPException) as e:
    print("HTTP connection failed:", e)
finally:
    conn.close()
