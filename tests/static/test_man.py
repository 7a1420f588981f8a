"""The manual pages: leadrouted.yaml(5) has an item for every config key and
none the daemon does not know, leadrouted(8) one for every command-line
option, make install installs every page, and groff and mandoc read each
page in docs/man/ without a warning."""
import glob
import os
import re
import shutil
import subprocess
import unittest

TOP = os.environ.get("LEADROUTE_SRCDIR") or \
	os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN = os.path.join(TOP, "docs", "man")
CORE = os.path.join(TOP, "daemon", "core")


def read(*path):
	with open(os.path.join(TOP, *path)) as f:
		return f.read()


def key_table():
	"""The key table's rows (daemon/core/conf_keys.c): path -> kind."""
	rows = re.findall(r'\{\s*\.path\s*=\s*"([^"]+)",\s*\.kind\s*=\s*(CK_\w+)',
	    read("daemon", "core", "conf_keys.c"))
	return dict(rows)


def parser_key_names():
	"""Every key name a section's parser allows: the strings of the arrays
	daemon/core/*.c hands to confread_check_keys, and the contract's terms
	(conf_contract.c builds that list from contract.c's table). Maps each
	name to where it was found."""
	names = {}
	for path in sorted(glob.glob(os.path.join(CORE, "*.c"))):
		with open(path) as f:
			src = f.read()
		rel = os.path.relpath(path, TOP)
		for call in re.finditer(r"confread_check_keys\(((?:[^()]|\([^()]*\))*)\)", src):
			last = call.group(1).rsplit(",", 1)[-1]
			# The function the call is in starts at the last "{" in column 0.
			start = src.rfind("\n{\n", 0, call.start())
			for ident in re.findall(r"[A-Za-z_]\w*", last):
				arrays = list(re.finditer(r"\b%s\[[^\]]*\]\s*=\s*\{(.*?)\};" % ident,
				    src[start:call.start()], re.S)) or \
				    list(re.finditer(r"^static const char \*const %s\[\]\s*=\s*\{(.*?)\};"
				    % ident, src, re.S | re.M))
				if not arrays:
					continue
				line = src.count("\n", 0, call.start()) + 1
				for name in re.findall(r'"([^"]+)"', arrays[-1].group(1)):
					names.setdefault(name, "%s:%d" % (rel, line))
	for term in re.findall(r'\[TERM_\w+\]\s*=\s*\{\s*\.id\s*=\s*"([^"]+)"',
	    read("daemon", "core", "contract.c")):
		names.setdefault(term, "daemon/core/contract.c")
	return names


def page_items(text):
	"""The .TP items' tags of a page's text, as plain text; an italic placeholder
	(\\fIgrade\\fP) reads as *."""
	items = []
	lines = text.splitlines()
	for i, line in enumerate(lines[:-1]):
		if line.strip() != ".TP":
			continue
		tag = re.sub(r"^\.(B|BI|BR|I|IR)\s+", "", lines[i + 1])
		tag = re.sub(r"\\f[IP]?I(.*?)\\f[PRB]", "*", tag)
		tag = tag.replace("\\-", "-").replace("\\&", "").replace('"', "")
		items.append((i + 2, re.sub(r"\\f[BIPR]", "", tag).strip()))
	return items


def leaf(path):
	"""The last name of a key's path: reps[].max_open -> max_open."""
	return re.split(r"\.|\[\]\.?", path)[-1]


def section(text, name):
	"""The lines of one .SH section of a page."""
	m = re.search(r"^\.SH %s\n(.*?)(?=^\.SH |\Z)" % re.escape(name), text, re.S | re.M)
	return m.group(1) if m else ""


class ConfigPageTests(unittest.TestCase):
	def setUp(self):
		with open(os.path.join(MAN, "leadrouted.yaml.5")) as f:
			self.items = page_items(section(f.read(), "KEYS"))
		self.keys = [k for _, k in self.items]
		self.table = key_table()

	def test_the_table_is_read(self):
		# A parser that read nothing would pass everything below.
		self.assertGreater(len(self.table), 50)
		self.assertEqual(self.table["http.max_body"], "CK_SIZE")
		self.assertEqual(self.table["reps"], "CK_LIST")
		self.assertGreater(len(parser_key_names()), 100)

	def test_every_key_of_the_table_has_an_item(self):
		missing = sorted(set(self.table) - set(self.keys))
		self.assertEqual(missing, [], "keys of daemon/core/conf_keys.c without an item "
		    "in docs/man/leadrouted.yaml.5: %s" % ", ".join(missing))

	def test_every_item_is_a_key_the_daemon_knows(self):
		# A key of the table, or a key inside a section that its own function
		# parses (CK_LIST: reps[].id, scoring.decay.half_life) whose name that
		# function allows; a placeholder (*) stands for the user's names.
		lists = [p for p, kind in self.table.items() if kind == "CK_LIST"]
		names = parser_key_names()
		unknown = []
		for line, key in self.items:
			if key in self.table:
				continue
			owner = [p for p in lists if key.startswith(p + ".") or key.startswith(p + "[]")]
			if not owner or (leaf(key) != "*" and leaf(key) not in names):
				unknown.append("line %d: %s" % (line, key))
		self.assertEqual(unknown, [], "items of docs/man/leadrouted.yaml.5 that are not "
		    "config keys: %s" % "; ".join(unknown))

	def test_every_key_a_section_allows_has_an_item(self):
		leaves = set(leaf(k) for k in self.keys)
		missing = sorted("%s (%s)" % (n, where) for n, where in parser_key_names().items()
		    if n not in leaves)
		self.assertEqual(missing, [], "keys the config's parsers allow that no item of "
		    "docs/man/leadrouted.yaml.5 names: %s" % ", ".join(missing))

	def test_no_key_has_two_items(self):
		twice = sorted(set(k for k in self.keys if self.keys.count(k) > 1))
		self.assertEqual(twice, [])


class DaemonPageTests(unittest.TestCase):
	def test_every_option_has_an_item_and_no_other(self):
		optstring = re.search(r'getopt\(argc, argv, "([^"]+)"\)',
		    read("daemon", "main.c")).group(1)
		options = set(optstring.replace(":", ""))
		with open(os.path.join(MAN, "leadrouted.8")) as f:
			text = section(f.read(), "OPTIONS")
		documented = set()
		for _, tag in page_items(text):
			documented.update(re.findall(r"^-(\w)\b", tag))
		self.assertEqual(sorted(options - documented), [],
		    "options of daemon/main.c's getopt without an item under OPTIONS in leadrouted.8")
		self.assertEqual(sorted(documented - options), [],
		    "items under OPTIONS in leadrouted.8 that getopt does not take")


class InstallTests(unittest.TestCase):
	def test_make_install_installs_every_page(self):
		m = re.search(r"^dist_man_MANS\s*=((?:.*\\\n)*.*)$", read("Makefile.am"), re.M)
		self.assertIsNotNone(m, "Makefile.am has no dist_man_MANS")
		listed = set(m.group(1).replace("\\\n", " ").split())
		pages = set(os.path.relpath(p, TOP) for p in glob.glob(os.path.join(MAN, "*.[1-8]")))
		self.assertEqual(sorted(pages - listed), [], "pages not in dist_man_MANS")
		self.assertEqual(sorted(listed - pages), [], "dist_man_MANS names missing pages")


def pages():
	return sorted(glob.glob(os.path.join(MAN, "*.[1-8]")))


class LintTests(unittest.TestCase):
	@unittest.skipIf(shutil.which("groff") is None, "needs groff (tools/deps test installs it)")
	def test_groff_reads_every_page_without_a_warning(self):
		for page in pages():
			p = subprocess.run(["groff", "-man", "-ww", "-z", page], stdout=subprocess.PIPE,
			    stderr=subprocess.STDOUT, universal_newlines=True)
			self.assertEqual((p.returncode, p.stdout), (0, ""), page)

	@unittest.skipIf(shutil.which("mandoc") is None, "needs mandoc (tools/deps test installs it)")
	def test_mandoc_lint_finds_nothing(self):
		for page in pages():
			p = subprocess.run(["mandoc", "-Tlint", page], stdout=subprocess.PIPE,
			    stderr=subprocess.STDOUT, universal_newlines=True)
			self.assertEqual((p.returncode, p.stdout), (0, ""), page)


if __name__ == "__main__":
	unittest.main(verbosity=2)
