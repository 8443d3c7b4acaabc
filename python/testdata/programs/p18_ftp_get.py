# P18: fetch one file by anonymous FTP and save it under a local name.
import argparse
import ftplib

parser = argparse.ArgumentParser(description="FTP file retriever")
parser.add_argument("-s", "--server", required=True)
parser.add_argument("-r", "--remote", required=True)
parser.add_argument("-l", "--local", required=True)
a = parser.parse_args()
ftp = ftplib.FTP(a.server, timeout=10)
ftp.login()
with open(a.local, "wb") as f:
    ftp.retrbinary("RETR " + a.remote, f.write)
ftp.quit()
print("saved", a.remote, "as", a.local)
