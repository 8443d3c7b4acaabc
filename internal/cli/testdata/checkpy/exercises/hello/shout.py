import sys

print("HELLO,", input(), sys.argv[1:])
sys.exit(2)
