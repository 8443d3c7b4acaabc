# Reads twice instead of once: still a guess at how the bytes are cut.
#
# fails: output matches "[A-Z][a-z]+day, [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-UTC" (the whole daytime line, from the name of the day to "-UTC", like "Monday, December 7, 2026 02:50:18-UTC") => the output does not show the whole daytime line
import socket

with socket.create_connection(("daytime.lab", 13)) as s:
    data = s.recv(1024)
    data += s.recv(1024)
print("daytime.lab says", repr(data.decode()))
