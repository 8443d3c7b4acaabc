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
try:
    print(ftp.storbinary("STOR notes.txt", io.BytesIO(b"hello from me\n")))
except ftplib.error_perm as e:
    # Said in a line of its own: an uncaught error's traceback would name the run's temporary
    # folder, whose random digits could hold the "226" this solution must not print.
    print("refused:", e)
    raise SystemExit(1)
ftp.quit()
