"""tools/writefloor: a real daemon's writes, read back from its Redis's
append-only file and replayed alone into a private Redis, give the same
keys; and what it refuses, it says why."""

import io
import os
import re
import subprocess
import sys
import tempfile

import resp
from harness import DaemonTestCase, main

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                    "writefloor")


def tool(*args):
    p = subprocess.run([sys.executable, TOOL] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def figures(out):
    return {m.group(1): m.group(2) for m in re.finditer(r"(floor_\w+)=(\S+)", out)}


def commands(data):
    """The number of RESP commands in data."""
    f, n = io.BytesIO(data), 0
    while f.tell() < len(data):
        resp.read(f, None)
        n += 1
    return n


class WriteFloorTest(DaemonTestCase):

    persist = True

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        manifest = os.path.join(self.redis.dir, "appendonlydir", "appendonly.aof.manifest")
        with open(manifest) as f:
            incr = re.findall(r"(?m)^file (\S+) seq \d+ type i$", f.read())
        self.assertEqual(len(incr), 1, "one incr part (no rewrite)")
        self.aof = os.path.join(self.redis.dir, "appendonlydir", incr[0])
        # Past the FLUSHALL: the replay starts from an empty Redis of its own.
        self.start = os.path.getsize(self.aof)
        self.daemons = []
        self.d = self.new_daemon()

    def test_the_replay_holds_the_daemons_keys(self):
        for n in range(6):
            self.d.lead(email="w%d@example.com" % n, country="DE", company="Floor %d" % n)
        self.d.stop()
        keys = self.redis.cmd("DBSIZE")
        with open(self.aof, "rb") as f:
            f.seek(self.start)
            written = f.read()
        rc, out, err = tool("--leads", "6", "--from", str(self.start), self.aof)
        self.assertEqual(rc, 0, err)
        got = figures(out)
        self.assertEqual(int(got["floor_keys"]), keys, out)
        self.assertEqual(int(got["floor_commands"]), commands(written), out)
        self.assertEqual(int(got["floor_aof_bytes_per_lead"]), round(len(written) / 6), out)
        self.assertGreaterEqual(float(got["floor_redis_cpu_us_per_lead"]), 0)
        # Each lead: its hash, its events, its indexes, its clocks, ...
        self.assertGreater(float(got["floor_commands_per_lead"]), 8, out)

    def test_by_kind_splits_every_write_once(self):
        for n in range(4):
            self.d.lead(email="k%d@example.com" % n, country="DE", company="Kind %d" % n)
        self.d.stop()
        rc, out, err = tool("--leads", "4", "--from", str(self.start), "--by-kind", "lr",
                            self.aof)
        self.assertEqual(rc, 0, err)
        rows = {m.group(1): (float(m.group(2)), float(m.group(3)), float(m.group(4)))
                for m in re.finditer(r"(?m)^floor_us_per_lead\{(.+)\}=(\S+) "
                                     r"commands_per_lead=(\S+) aof_bytes_per_lead=(\S+)$", out)}
        # Each new lead: one hash, two events, its deadlines, its owner's index.
        self.assertEqual(rows["hset{lead}"][1], 1.0, out)
        self.assertEqual(rows["xadd{events}"][1], 2.0, out)
        self.assertEqual(rows["zadd{deadlines}"][1], 1.0, out)
        self.assertEqual(rows["zadd{ix:owner}"][1], 1.0, out)
        # A script's MULTI and EXEC go together (a MULTI alone would nest).
        self.assertNotIn("multi", rows)
        self.assertEqual(round(rows["multi+exec"][1] * 4) % 2, 0, out)
        # Every write in one kind: the kinds' commands add up to the whole.
        total = figures(out)
        self.assertAlmostEqual(sum(r[1] for r in rows.values()),
                               float(total["floor_commands_per_lead"]), delta=0.01 * len(rows))
        self.assertAlmostEqual(sum(r[2] for r in rows.values()),
                               float(total["floor_aof_bytes_per_lead"]), delta=len(rows))
        # The dearest first.
        us = [r[0] for r in rows.values()]
        self.assertEqual(us, sorted(us, reverse=True), out)

    def test_from_a_later_command_replays_only_the_rest(self):
        self.d.lead(email="first@example.com", country="DE")
        self.d.stop()
        mid = os.path.getsize(self.aof)
        self.redis.cmd("SET", "after", "1")
        self.redis.cmd("HSET", "after:h", "a", "1", "b", "2")
        rc, out, err = tool("--leads", "1", "--from", str(mid), self.aof)
        self.assertEqual(rc, 0, err)
        self.assertEqual((figures(out)["floor_keys"], figures(out)["floor_commands"]),
                         ("2", "2"), out)

    def test_refusals_say_why(self):
        self.d.stop()
        size = os.path.getsize(self.aof)
        self.assertEqual(tool("--leads", "0", self.aof)[0::2],
                         (1, "tools/writefloor: --leads takes a number of leads above 0: 0\n"))
        self.assertEqual(tool("--leads", "1", "/nonexistent/aof")[0::2],
                         (1, "tools/writefloor: cannot read /nonexistent/aof: "
                             "No such file or directory\n"))
        self.assertEqual(tool("--leads", "1", "--from", str(size), self.aof)[0::2],
                         (1, "tools/writefloor: --from %d is outside %s (%d bytes)\n"
                          % (size, self.aof, size)))
        rc, _, err = tool("--leads", "1", "--from", str(self.start + 1), self.aof)
        self.assertEqual(rc, 1)
        self.assertIn("holds no Redis commands at byte %d" % (self.start + 1), err)

    def test_a_command_that_fails_on_replay_fails_the_floor(self):
        with tempfile.NamedTemporaryFile(suffix=".aof") as f:
            f.write(resp.encode(["SET", "k", "text"]) + resp.encode(["INCR", "k"]))
            f.flush()
            rc, out, err = tool("--leads", "1", f.name)
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("tools/writefloor: 1 of 2 commands failed on replay, the first: "
                      "ERR value is not an integer", err)


if __name__ == "__main__":
    main()
