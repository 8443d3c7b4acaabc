# asyncio streams: a client to an echo server, and a server of its own with a client.
# Args: HOST PORT (echo).
import asyncio
import socket
import sys


async def upper(reader, writer):
    line = await reader.readline()
    writer.write(line.upper())
    await writer.drain()
    writer.close()


async def main():
    r, w = await asyncio.open_connection(sys.argv[1], int(sys.argv[2]))
    w.write(b"hello asyncio\n")
    await w.drain()
    print(await r.readline())
    w.close()
    await w.wait_closed()

    server = await asyncio.start_server(upper, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"shout this\n")
        print(await r.read())
        w.close()

    # A server on every address (host None), as servers are often started: asyncio opens a
    # socket for each family the machine has, on one port (the IPv6 one IPV6_V6ONLY).
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = await asyncio.start_server(upper, None, port)
    async with server:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"every address\n")
        print(await r.read())
        w.close()
    print("done")


asyncio.run(main())
