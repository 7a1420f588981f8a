"""build-aux/embed-lua: each script gets the libraries it names, the build
refuses what would fail in Redis, and a script's error lines are its own."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

TOP = os.environ.get("LEADROUTE_SRCDIR") or \
	os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMBED = os.path.join(TOP, "build-aux", "embed-lua")
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

LIBS = {
	"keys": "local P = ARGV[1]\nlocal function key(...) return P .. ':' .. table.concat({...}, ':') end\n",
	"events": "-- uses: keys\nlocal function record(id) return key('lead', id) end\n",
}


def embed(scripts, libs=LIBS, rows=None):
	"""Run the embedder on scripts {name: text}; (exit code, C text, stderr)."""
	with tempfile.TemporaryDirectory() as d:
		os.mkdir(os.path.join(d, "lib"))
		for name, text in libs.items():
			with open(os.path.join(d, "lib", name + ".lua"), "w") as f:
				f.write(text)
		for name, text in scripts.items():
			with open(os.path.join(d, name + ".lua"), "w") as f:
				f.write(text)
		with open(os.path.join(d, "scripts.def"), "w") as f:
			for name in (rows if rows is not None else scripts):
				f.write("SCRIPT(%s, %s)\n" % (name.upper(), name))
		p = subprocess.run(["sh", EMBED, d, os.path.join(d, "scripts.def")],
		    stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
		return p.returncode, p.stdout, p.stderr


def lua_of(c_text, name):
	"""The Lua text of lua_src_NAME in the embedder's C output."""
	body = c_text.split("const char lua_src_%s[] =\n" % name, 1)[1].split("\n;", 1)[0]
	lines = [m.group(1) for m in re.finditer(r'^\t"(.*)\\n"$', body, re.M)]
	return "\n".join(re.sub(r'\\(.)', r'\1', l) for l in lines) + "\n"


class EmbedLuaTests(unittest.TestCase):
	def test_script_gets_the_libraries_it_names_and_theirs_once(self):
		rc, out, err = embed({"touch": "-- uses: keys, events\nreturn record(key('x'))\n"})
		self.assertEqual(rc, 0, err)
		lua = lua_of(out, "touch")
		self.assertEqual(lua.count("function key(...)"), 1)
		self.assertEqual(lua.count("function record(id)"), 1)
		# keys before events (events uses keys), both after the script's own lines
		self.assertLess(lua.index("function key("), lua.index("function record("))
		self.assertLess(lua.index("return record(key('x'))"), lua.index("function key("))

	def test_script_that_names_nothing_gets_nothing(self):
		rc, out, err = embed({"plain": "return 1\n"})
		self.assertEqual(rc, 0, err)
		self.assertEqual(lua_of(out, "plain"), "return 1\n")

	def test_unknown_library_fails_the_build(self):
		rc, _, err = embed({"s": "-- uses: keys, nosuch\nreturn key('x')\n"})
		self.assertNotEqual(rc, 0)
		self.assertIn('unknown library "nosuch"', err)

	def test_name_taken_from_a_library_not_named_fails_the_build(self):
		rc, _, err = embed({"s": "-- uses: keys\nreturn record('x')\n"})
		self.assertNotEqual(rc, 0)
		self.assertIn("record comes from library events", err)

	def test_library_named_but_unused_fails_the_build(self):
		rc, _, err = embed({"s": "-- uses: keys, events\nreturn key('x')\n"})
		self.assertNotEqual(rc, 0)
		self.assertIn("names library events but uses nothing from it", err)

	def test_library_cycle_fails_the_build(self):
		libs = {"a": "-- uses: b\nlocal function fa() return fb() end\n",
		    "b": "-- uses: a\nlocal function fb() return fa() end\n"}
		rc, _, err = embed({"s": "-- uses: a\nreturn fa()\n"}, libs=libs)
		self.assertNotEqual(rc, 0)
		self.assertIn("library cycle", err)

	def test_script_without_a_row_fails_the_build(self):
		rc, _, err = embed({"s": "return 1\n", "stray": "return 2\n"}, rows=["s"])
		self.assertNotEqual(rc, 0)
		self.assertRegex(err, r"/stray\.lua is no script of \S+scripts\.def "
		    r"\(add a row SCRIPT\(ID, stray\)\)\n$")

	def test_row_without_a_script_fails_the_build(self):
		rc, _, err = embed({"s": "return 1\n"}, rows=["s", "gone"])
		self.assertNotEqual(rc, 0)
		self.assertRegex(err, r"scripts\.def: no \S+/gone\.lua for script gone\n$")

	def test_redis_reports_an_error_at_the_scripts_own_line(self):
		try:
			import harness
		except SystemExit:
			self.skipTest("needs redis-server and a built daemon")
		rc, out, err = embed({"s": "-- uses: events\nlocal k = record('x')\nerror('boom ' .. k)\n"})
		self.assertEqual(rc, 0, err)
		with tempfile.TemporaryDirectory() as d:
			r = harness.Redis(d)
			try:
				with self.assertRaises(RuntimeError) as cm:
					r.cmd("EVAL", lua_of(out, "s"), "0", "P")
			finally:
				r.stop()
		self.assertIn("user_script:3: boom P:lead:x", str(cm.exception))


if __name__ == "__main__":
	unittest.main(verbosity=2)
