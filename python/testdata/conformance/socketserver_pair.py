# A socketserver server and a client in one program, over the machine's own loopback.
import socket
import socketserver
import threading


class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())


srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Upper)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
for i in range(3):
    with socket.create_connection(("127.0.0.1", port)) as c:
        f = c.makefile("rwb")
        f.write(b"hello number %d\n" % i)
        f.flush()
        print(f.readline())
        f.close()
srv.shutdown()
srv.server_close()
print("done")
