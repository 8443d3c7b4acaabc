"""Runs a Python program with the lab's sockets: python3 boot.py FILE.py [ARGS...]."""

import os
import runpy
import sys


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: boot.py FILE.py [ARGS...]\n")
        sys.exit(2)
    import socketlab
    socketlab.install()
    path = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    runpy.run_path(path, run_name="__main__")


main()
