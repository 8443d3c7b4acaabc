#!/usr/bin/env python3
"""Drive the lab servers with Python's standard clients and print what they saw as JSON.

The Go tests (clients_test.go) run this and check the results; it asserts nothing itself.

    labclients.py ftp HOST PORT
    labclients.py http HOST PORT
    labclients.py oneshot HOST TCPPORT UDPPORT

"oneshot" is for time and daytime: read what the TCP server sends before it closes, then
send one empty datagram and read the answer.
"""

import base64
import ftplib
import http.client
import io
import json
import socket
import sys
import urllib.error
import urllib.request


def ftp(host, port):
    out = {}
    with ftplib.FTP(timeout=10) as f:
        f.connect(host, port)
        out["welcome"] = f.getwelcome()
        out["login"] = f.login("student", "socketlab")
        out["pwd_cmd"] = f.sendcmd("PWD")
        out["pwd"] = f.pwd()
        out["cwd"] = f.cwd("work")
        out["nlst"] = f.nlst()
        data = bytearray()
        out["retr"] = f.retrbinary("RETR hello", data.extend)
        out["hello"] = base64.b64encode(bytes(data)).decode()
        lines = []
        f.retrlines("RETR sample.txt", lines.append)
        out["sample_lines"] = lines
        out["stat"] = f.sendcmd("STAT")
        out["syst"] = f.sendcmd("SYST")
        out["stor"] = f.storbinary("STOR /home/student/upload.txt", io.BytesIO(b"from python\n"))
        back = bytearray()
        f.retrbinary("RETR /home/student/upload.txt", back.extend)
        out["upload_back"] = back.decode()
        out["size"] = f.size("hello.c")
        out["quit"] = f.quit()
    with ftplib.FTP(timeout=10) as f:
        f.connect(host, port)
        out["anon_login"] = f.login()
        out["anon_nlst"] = f.nlst("/home/student/work")
        try:
            f.storbinary("STOR /home/student/x.txt", io.BytesIO(b"x"))
            out["anon_stor"] = "accepted"
        except ftplib.error_perm as e:
            out["anon_stor"] = str(e)
    return out


def http_(host, port):
    out = {}
    base = "http://%s:%d" % (host, port)
    with urllib.request.urlopen(base + "/get?lesson=http", timeout=10) as r:
        out["get_status"] = r.status
        out["get"] = json.loads(r.read())
    with urllib.request.urlopen(base + "/docs", timeout=10) as r:  # follows the 301
        out["docs_url"] = r.url
        out["docs_status"] = r.status
    try:
        urllib.request.urlopen(base + "/missing", timeout=10)
        out["missing"] = 200
    except urllib.error.HTTPError as e:
        out["missing"] = e.code

    conn = http.client.HTTPConnection(host, port, timeout=10)
    body = json.dumps({"name": "socketlab", "numbers": [1, 2, 3]})
    conn.request("POST", "/post", body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    out["post_status"] = r.status
    out["post"] = json.loads(r.read())
    first_sock = conn.sock
    conn.request("HEAD", "/")
    r = conn.getresponse()
    out["head_status"] = r.status
    out["head_length"] = r.getheader("Content-Length")
    out["head_body"] = r.read().decode()
    out["same_connection"] = conn.sock is first_sock and first_sock is not None
    conn.close()
    return out


def recv_all(s):
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk


def one_shot(host, tcp_port, udp_port):
    with socket.create_connection((host, tcp_port), timeout=10) as s:
        tcp = recv_all(s)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(10)
        u.sendto(b"", (host, udp_port))
        udp, _ = u.recvfrom(1024)
    return {"tcp": base64.b64encode(tcp).decode(), "udp": base64.b64encode(udp).decode()}


def main():
    what, host, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
    run = {"ftp": ftp, "http": http_, "oneshot": one_shot}[what]
    print(json.dumps(run(host, *ports)))


if __name__ == "__main__":
    main()
