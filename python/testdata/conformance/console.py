# Standard input, arguments, the exit status and a traceback, as python3 gives them.
import sys

name = input("name? ")
print("hello,", name, sys.argv[1:], sys.argv[0])
print("__name__ is", __name__)
if len(sys.argv) > 1 and sys.argv[1] == "fail":
    {}["missing"]
sys.exit(int(sys.stdin.readline() or 0))
