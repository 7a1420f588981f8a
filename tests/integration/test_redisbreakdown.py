"""tools/redisbreakdown: Redis's time per route call, by script function and
by command and key kind, from the SLOWLOG of a real daemon's run."""

import os
import re
import subprocess
import sys

from harness import DaemonTestCase, main

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                    "redisbreakdown")


class RedisBreakdownTest(DaemonTestCase):

    def tool(self, *args):
        p = subprocess.run([sys.executable, TOOL, "--port", str(self.redis.port)] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_each_route_call_and_what_it_wrote(self):
        self.d.lead(email="warm@example.com", country="DE")     # the plan, once
        rc, out, err = self.tool("--start")
        self.assertEqual((rc, out), (0, ""), err)
        for n in range(8):
            self.d.lead(email="b%d@example.com" % n, country="DE")
        rc, out, err = self.tool("--prefix", "lr", "--top", "40")
        self.assertEqual(rc, 0, err)
        # 8 calls, or 9 when the plan changed meanwhile (a rep's day turned):
        # a call answered "send the plan" and the lead sent again with it.
        calls = int(re.search(r"(?m)^breakdown_calls\{fcall:route\}=(\d+)$", out).group(1))
        self.assertIn(calls, (8, 9), out)
        per = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in re.finditer(
            r"(?m)^breakdown_us_per_route\{(.+)\}=(\S+) calls_per_route=(\S+)$", out)}
        # Each new lead: its hash, the deadlines of its first touch, its
        # owner's index, its two events; the script's time holds theirs.
        for key in ("hset{lead}", "zadd{deadlines}", "zadd{ix:owner}", "pexpire{lead}"):
            self.assertAlmostEqual(per[key][1] * calls, 8, 1, (key, out))
        self.assertAlmostEqual(per["xadd{events}"][1] * calls, 16, 1, out)
        self.assertGreater(per["fcall:route"][0], per["hset{lead}"][0])
        self.assertNotIn("slowlog", out)
        # Logging is back to Redis's default once read.
        self.assertEqual(self.redis.cmd("CONFIG", "GET", "slowlog-log-slower-than")[1], "10000")

    def test_no_redis_is_an_error_that_says_where(self):
        p = subprocess.run([sys.executable, TOOL, "--port", "1"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot reach Redis at 127.0.0.1:1", p.stderr)

    def test_nothing_logged_is_an_error_that_says_so(self):
        self.assertEqual(self.tool("--start")[0], 0)
        rc, out, err = self.tool("--prefix", "lr")
        self.assertEqual(rc, 1)
        self.assertIn("the slowlog holds no fcall:route", err)


if __name__ == "__main__":
    main()
