# P13 with asyncio: the time client as a coroutine.
import asyncio
import struct
import time


async def gettime(host, port=37):
    reader, writer = await asyncio.open_connection(host, port)
    data = await reader.readexactly(4)
    writer.close()
    await writer.wait_closed()
    return struct.unpack("!I", data)[0] - 2208988800


t = asyncio.run(gettime("time.lab"))
print("time difference is", round(time.time() - t), "seconds")
