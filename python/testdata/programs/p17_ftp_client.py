# P17: an FTP client: the banner, a login, a directory, its names, each file fetched in
# binary mode, and raw commands.
import ftplib

ftp = ftplib.FTP("ftp.lab", timeout=10)
print(ftp.getwelcome()[:3])
print(ftp.login("student", "socketlab"))
ftp.cwd("/home/student/work/")
names = ftp.nlst()
print(names)
for name in names:
    print("Downloading..." + name)
    data = []
    ftp.retrbinary("RETR " + name, data.append)
    print(" ", sum(len(d) for d in data), "bytes")
print(ftp.sendcmd("STAT").splitlines()[-1])
ftp.cwd("/home/student")
print(ftp.sendcmd("PWD"))
ftp.quit()
