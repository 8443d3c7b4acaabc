import ftplib
import io

ftp = ftplib.FTP("ftp.lab", timeout=10)
ftp.login("student", "socketlab")
ftp.cwd("/home/student/work/")
print(ftp.storbinary("STOR notes.txt", io.BytesIO(b"hello from me\n")))
ftp.quit()
