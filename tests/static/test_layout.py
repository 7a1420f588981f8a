"""The daemon's rooms keep their one-way arrows and no include circle (tools/layout)."""
import os
import subprocess
import sys

top = os.environ.get("LEADROUTE_SRCDIR") or \
	os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
result = subprocess.run([sys.executable, os.path.join(top, "tools", "layout"), "--check"],
    stdout=subprocess.PIPE, universal_newlines=True)
print(result.stdout, end="")
if result.returncode != 0:
	print("test_layout: an upward arrow or an include circle (see above)")
	print("0 passed, 1 failed")
	sys.exit(1)
print("1 passed, 0 failed")
