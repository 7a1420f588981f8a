"""tools/scriptcost replays the route call of a lead as a new person's each
time: every replay routes (no error, no "decide again" answer) and runs the
same commands the first call ran."""

import os
import re
import subprocess
import sys
import unittest

import harness  # noqa: F401 (skips the module without redis-server and a daemon)

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "scriptcost")


class ScriptCostTests(unittest.TestCase):

    def test_each_replay_routes_a_new_persons_lead(self):
        p = subprocess.run([sys.executable, TOOL, "--calls", "200"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120,
                           env=dict(os.environ, LEADROUTED=harness.LEADROUTED))
        self.assertEqual(p.returncode, 0, p.stderr)
        out = dict(re.findall(r"^(\S+?)=(\S+)", p.stdout, re.M))
        self.assertRegex(p.stdout, r"(?m)^call=fcall route_[0-9a-f]{12} calls=200 errors=0 not_routed=0$")
        calls = {m.group(1): float(m.group(2)) for m in
                 re.finditer(r"^redis_us_per_call\{(\w+)\}=\S+ calls_per_call=(\S+)$",
                             p.stdout, re.M)}
        # One route call each, and what routing a new person's lead writes:
        # the lead, its identities, its events, its deadlines.
        self.assertEqual(calls["fcall"], 1.0, p.stdout)
        self.assertEqual(calls["hset"], 2.0, p.stdout)       # the rotation, the lead
        self.assertEqual(calls["set"], 2.0, p.stdout)        # its email and phone
        self.assertEqual(calls["xadd"], 2.0, p.stdout)       # received, assigned
        self.assertIn("zadd", calls)
        self.assertNotIn("first_error", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
