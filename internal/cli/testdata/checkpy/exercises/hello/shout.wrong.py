# Forgets to shout.
#
# fails: output contains "HELLO" => the output does not contain "HELLO"
import sys

print("hello,", input(), sys.argv[1:])
sys.exit(2)
