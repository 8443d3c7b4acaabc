# ftplib to an FTP server: log in, list, fetch a file in passive mode. Args: HOST PORT.
import ftplib
import hashlib
import sys

ftp = ftplib.FTP()
print(ftp.connect(sys.argv[1], int(sys.argv[2]), timeout=10)[:3])
print(ftp.login())
names = ftp.nlst()
print(names)
for name in names:
    chunks = []
    try:
        ftp.retrbinary("RETR " + name, chunks.append)
    except ftplib.error_perm as e:
        print(name, "error", str(e)[:3])
        continue
    data = b"".join(chunks)
    print(name, len(data), hashlib.sha256(data).hexdigest()[:16])
print(ftp.quit())
