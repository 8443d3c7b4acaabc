# Counts the spaces, not the words.
#
# fails: sent "你输入了 10 个字符、2 个单词。\r\n" => do not contain
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 51423))
s.listen(1)
print("服务器运行在 51423 端口上；按 Ctrl-C 终止。", flush=True)
while True:
    conn, addr = s.accept()
    with conn:
        f = conn.makefile("rw", encoding="utf-8", newline="")
        f.write("欢迎，%s:%d\r\n" % addr)
        f.write("请输入一个字符串：\r\n")
        f.flush()
        line = f.readline().rstrip("\r\n")
        f.write("你输入了 %d 个字符、%d 个单词。\r\n" % (len(line), line.count(" ")))
        f.flush()
