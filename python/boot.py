"""Runs a Python program with the lab's sockets: python3 boot.py [--argv0 NAME] FILE.py [ARGS...].

The program sees itself as python3 FILE.py would show it: sys.argv[0] is the file as the user
named it (NAME, which defaults to FILE.py), its directory is first on sys.path, and a
traceback starts at its own code.
"""

import os
import sys
import traceback
import types


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: boot.py FILE.py [ARGS...]\n")
        sys.exit(2)
    args = sys.argv[1:]
    argv0 = None
    if args[0] == "--argv0" and len(args) > 2:
        argv0, args = args[1], args[2:]
    import socketlab
    socketlab.install()
    path = args[0]
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec")
    sys.argv = [argv0 or path] + args[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    except SystemExit:
        raise
    except BaseException as e:
        tb = e.__traceback__.tb_next  # from the program's own first frame
        traceback.print_exception(type(e), e, tb)
        sys.stderr.flush()
        os._exit(130 if isinstance(e, KeyboardInterrupt) else 1)


main()
