"""socketlab's lab network for Python programs: a socket module whose sockets are the lab's.

install() puts the lab's _socket and select in place of the system's, before the standard
library's socket.py is imported, so unmodified programs use the lab.
"""

import os
import sys


def install(transport_factory=None):
    """Makes `import socket` give lab sockets. Natively the transport is a WebSocket to
    $SOCKETLAB_GATEWAY; a page passes a factory of its own."""
    # Normally nothing has imported them yet; if a site hook did, they are imported afresh.
    for name in ("socket", "selectors"):
        sys.modules.pop(name, None)
    import select as real_select  # noqa: F401 (the lab's select waits on it for real descriptors)
    from . import session, transport

    if transport_factory is None:
        url = os.environ.get("SOCKETLAB_GATEWAY", "")
        if url:
            def transport_factory():
                return transport.WebSocketTransport(url)
    session.transport_factory = transport_factory
    from . import labselect, labsocket
    sys.modules["_socket"] = labsocket
    sys.modules["select"] = labselect
    import socket  # noqa: F401 (the standard library's socket.py, now over the lab)
