# Logs in anonymously, which may not upload: the server refuses the STOR with a 550 and
# ftplib raises error_perm before any byte of the file is sent.
#
# fails: sent "hello from me" => the bytes sent in all do not contain
# fails: output contains "226" => the output does not contain "226"
# fails: exit 0 => the program exited with status 1
import ftplib
import io

ftp = ftplib.FTP("ftp.lab", timeout=10)
ftp.login()
ftp.cwd("/home/student/work/")
print(ftp.storbinary("STOR notes.txt", io.BytesIO(b"hello from me\n")))
ftp.quit()
