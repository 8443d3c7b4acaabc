#!/usr/bin/env python3
"""test.py: fetch sample.txt from ftp.lab and count its lines and bytes."""

from ftplib import FTP

with FTP("ftp.lab") as ftp:
    print(ftp.getwelcome())
    ftp.login("student", "socketlab")
    ftp.cwd("/home/student/work")
    data = bytearray()
    ftp.retrbinary("RETR sample.txt", data.extend)

print(len(data.splitlines()), "lines,", len(data), "bytes")
