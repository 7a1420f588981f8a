"""The manual pages (docs/man/) read clean to groff and mandoc: no warning from
`groff -man -ww -z` nor from `mandoc -Tlint` (tools/deps test installs both)."""
import glob
import os
import shutil
import subprocess
import sys
import unittest

TOP = os.environ.get("LEADROUTE_SRCDIR") or \
	os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = sorted(glob.glob(os.path.join(TOP, "docs", "man", "*.[1-8]")))


class ManPageTests(unittest.TestCase):

	def run_tool(self, args):
		tool = shutil.which(args[0])
		self.assertIsNotNone(tool, "%s is missing: tools/deps test installs it" % args[0])
		return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
		    universal_newlines=True)

	def test_there_are_pages(self):
		self.assertIn(os.path.join(TOP, "docs", "man", "leadctl.1"), PAGES)

	def test_groff_warns_of_nothing(self):
		for page in PAGES:
			p = self.run_tool(["groff", "-man", "-ww", "-z", page])
			self.assertEqual((p.returncode, p.stdout), (0, ""), page)

	def test_mandoc_lint_is_clean(self):
		for page in PAGES:
			p = self.run_tool(["mandoc", "-Tlint", "-Wall", page])
			self.assertEqual((p.returncode, p.stdout), (0, ""), page)


if __name__ == "__main__":
	unittest.main(verbosity=2)
