"""build-aux/embed-lua: the scripts as one Redis function library, each
script using the libraries it names; the build refuses what would fail in
Redis; the libraries' top-level values are fresh on every call; and a
script's error line can be told as its own."""
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


def library_of(c_text, version="v1"):
	"""The library text in the embedder's C output, with its version in."""
	body = c_text.split("const char lua_library[] =\n", 1)[1].split("\n;", 1)[0]
	lines = [m.group(1) for m in re.finditer(r'^\t"(.*)\\n"$', body, re.M)]
	return ("\n".join(re.sub(r'\\(.)', r'\1', l) for l in lines) + "\n").replace("@V@", version)


def first_line(c_text, name):
	"""The library line of script name's line 1."""
	return int(re.search(r"const int lua_line_%s = (\d+);" % name, c_text).group(1))


def redis_or_skip(test):
	try:
		import harness
	except SystemExit:
		test.skipTest("needs redis-server and a built daemon")
	return harness


class EmbedLuaTests(unittest.TestCase):
	def test_each_library_once_before_the_scripts(self):
		rc, out, err = embed({"touch": "-- uses: keys, events\nreturn record(key('x'))\n",
		    "plain": "return 1\n"})
		self.assertEqual(rc, 0, err)
		lua = library_of(out)
		self.assertTrue(lua.startswith("#!lua name=leadroute_v1\n"), lua[:80])
		self.assertEqual(lua.count("function key(...)"), 1)
		self.assertEqual(lua.count("function record(id)"), 1)
		# keys before events (events uses keys), both before the scripts
		self.assertLess(lua.index("function key("), lua.index("function record("))
		self.assertLess(lua.index("function record("), lua.index("return record(key('x'))"))
		self.assertIn("redis.register_function('touch_v1', function(keys, args) lr_begin(keys, args) "
		    "-- uses: keys, events\nreturn record(key('x'))\nend)\n", lua)
		self.assertIn("redis.register_function('plain_v1', function(keys, args) lr_begin(keys, args) "
		    "return 1\nend)\n", lua)
		self.assertEqual(lua.splitlines()[first_line(out, "plain") - 1][-8:], "return 1")

	def test_a_top_level_value_must_fit_on_its_line(self):
		libs = dict(LIBS, multi="local T = {\n  a = 1,\n}\nlocal function t() return T end\n")
		rc, _, err = embed({"s": "-- uses: multi\nreturn t()\n"}, libs=libs)
		self.assertNotEqual(rc, 0)
		self.assertIn("multi.lua:1: a top-level value must fit on its line", err)

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

	def test_in_redis_values_are_fresh_each_call_and_errors_map_to_the_script(self):
		harness = redis_or_skip(self)
		libs = dict(LIBS, seen="-- uses: keys\nlocal SEEN = {}\n"
		    "local function see(x) SEEN[#SEEN + 1] = x return #SEEN .. P end\n")
		rc, out, err = embed({"s": "-- uses: events\nlocal k = record('x')\nerror('boom ' .. k)\n",
		    "t": "-- uses: seen\nreturn see(ARGV[2])\n"}, libs=libs)
		self.assertEqual(rc, 0, err)
		with tempfile.TemporaryDirectory() as d:
			r = harness.Redis(d)
			try:
				self.assertEqual(r.cmd("FUNCTION", "LOAD", library_of(out)), "leadroute_v1")
				# A library's table starts empty on every call; ARGV is the call's.
				self.assertEqual(r.cmd("FCALL", "t_v1", "0", "P", "a"), "1P")
				self.assertEqual(r.cmd("FCALL", "t_v1", "0", "Q", "b"), "1Q")
				with self.assertRaises(RuntimeError) as cm:
					r.cmd("FCALL", "s_v1", "0", "P")
			finally:
				r.stop()
		m = re.search(r"user_function:(\d+): boom P:lead:x", str(cm.exception))
		self.assertIsNotNone(m, str(cm.exception))
		self.assertEqual(int(m.group(1)) - first_line(out, "s") + 1, 3)

	def test_in_redis_a_value_kept_across_calls_keeps_what_calls_put_in_it(self):
		harness = redis_or_skip(self)
		libs = dict(LIBS, memo="-- uses: keys\nlocal MEMO = {}	-- kept across calls\n"
		    "local FRESH = {}\n"
		    "local function note(x) MEMO[#MEMO + 1] = x FRESH[#FRESH + 1] = x "
		    "return #MEMO .. '/' .. #FRESH .. P end\n")
		rc, out, err = embed({"t": "-- uses: memo\nreturn note(ARGV[2])\n"}, libs=libs)
		self.assertEqual(rc, 0, err)
		# Set once where the library loads, not in lr_begin.
		lib = library_of(out)
		sets = [l for l in lib.splitlines() if l.startswith("MEMO = {}")]
		self.assertEqual(len(sets), 1, lib)
		self.assertLess(lib.index(sets[0]), lib.index("local function lr_begin"))
		self.assertIn("-- (at load) MEMO = {}", lib)
		with tempfile.TemporaryDirectory() as d:
			r = harness.Redis(d)
			try:
				self.assertEqual(r.cmd("FUNCTION", "LOAD", lib), "leadroute_v1")
				self.assertEqual(r.cmd("FCALL", "t_v1", "0", "P", "a"), "1/1P")
				self.assertEqual(r.cmd("FCALL", "t_v1", "0", "Q", "b"), "2/1Q")
				# Loaded again, the library starts over.
				r.cmd("FUNCTION", "LOAD", "REPLACE", lib)
				self.assertEqual(r.cmd("FCALL", "t_v1", "0", "P", "c"), "1/1P")
			finally:
				r.stop()


if __name__ == "__main__":
	unittest.main(verbosity=2)
