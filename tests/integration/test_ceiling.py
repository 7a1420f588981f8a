"""tools/ceiling, the bare reference of tools/bench --ceiling: its answers and
the keys its one script writes, so that the ratio it prints rests on a
reference that does the work it claims.

The binary comes from $CEILING (set by `make check`); without it the module
fails rather than skips: make builds it with everything else.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from harness import Redis, main

CEILING = os.environ.get("CEILING") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "ceiling")

if not os.access(CEILING, os.X_OK):
    print("FAIL: no built tools/ceiling at %s" % CEILING, file=sys.stderr)
    sys.exit(1)

LEAD = {"email": "ada@example.com", "first_name": "Ada", "company": "Engines Ltd",
        "employees": 42, "tags": ["not", "kept"]}


class CeilingTests(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ceiling-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.redis = Redis(self.tmp)
        self.addCleanup(self.redis.stop)
        self.proc = subprocess.Popen([CEILING, "-p", "0", "-r", self.redis.url],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop)
        first = self.proc.stdout.readline()
        m = re.fullmatch(r"port=(\d+)\n", first)
        self.assertIsNotNone(m, "first line %r; stderr: %s" % (first, self.proc.stderr.read()
                                                               if not first else ""))
        self.port = int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def post(self, body, path="/v1/leads"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            c.request("POST", path, data, {"Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, json.loads(r.read())
        finally:
            c.close()

    def test_new_lead_answers_201_with_the_head_rep(self):
        status, body = self.post(LEAD)
        self.assertEqual(status, 201)
        self.assertEqual(body["owner"], "ana")
        self.assertRegex(body["id"], r"^[0-9a-f]{16}$")

    def test_same_email_again_answers_200_with_the_first_lead(self):
        _, first = self.post(LEAD)
        status, again = self.post(dict(LEAD, first_name="Augusta"))
        self.assertEqual(status, 200)
        self.assertEqual(again, first)
        self.assertEqual(self.redis.cmd("HGET", "ceil:load", "ben"), None)

    def test_lead_with_only_a_phone_is_keyed_by_it(self):
        status, body = self.post({"phone": "+44 20 7946 0000"})
        self.assertEqual(status, 201)
        self.assertEqual(self.redis.cmd("GET", "ceil:idem:+44 20 7946 0000"), body["id"])

    def test_lead_without_email_or_phone_answers_400(self):
        self.assertEqual(self.post({"first_name": "Ada"})[0], 400)
        self.assertEqual(self.post({"email": 7})[0], 400)
        self.assertEqual(self.post(b"not json")[0], 400)
        self.assertEqual(self.post([LEAD])[0], 400)
        self.assertEqual(self.redis.cmd("EXISTS", "ceil:load", "ceil:events"), 0)

    def test_other_paths_answer_404(self):
        self.assertEqual(self.post(LEAD, path="/v1/other")[0], 404)

    def test_script_writes_the_lead_hash(self):
        _, body = self.post(LEAD)
        fields = self.redis.cmd("HGETALL", "ceil:lead:" + body["id"])
        self.assertEqual(dict(zip(fields[::2], fields[1::2])), {
            "owner": "ana", "email": "ada@example.com", "first_name": "Ada",
            "company": "Engines Ltd", "employees": "42"})

    def test_script_sets_the_idempotency_key_for_an_hour(self):
        _, body = self.post(LEAD)
        self.assertEqual(self.redis.cmd("GET", "ceil:idem:ada@example.com"), body["id"])
        self.assertTrue(3590 <= self.redis.cmd("TTL", "ceil:idem:ada@example.com") <= 3600)

    def test_script_rotates_the_reps_and_counts_their_load(self):
        self.post(LEAD)
        _, second = self.post(dict(LEAD, email="grace@example.com"))
        self.assertEqual(second["owner"], "ben")
        self.assertEqual(self.redis.cmd("LRANGE", "ceil:reps", "0", "-1"),
                         ["cleo", "dev", "ana", "ben"])
        self.assertEqual(self.redis.cmd("HGETALL", "ceil:load"), ["ana", "1", "ben", "1"])

    def test_script_adds_the_deadline_five_minutes_on(self):
        before = int(time.time() * 1000)
        _, body = self.post(LEAD)
        after = int(time.time() * 1000)
        due = int(self.redis.cmd("ZSCORE", "ceil:deadlines", body["id"]))
        self.assertTrue(before + 300000 <= due <= after + 300000, due)

    def test_script_adds_one_assigned_event(self):
        _, body = self.post(LEAD)
        entries = self.redis.cmd("XRANGE", "ceil:events", "-", "+")
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0][1], ["type", "lead.assigned", "id", body["id"],
                                         "owner", "ana"])

    def test_sigterm_exits_cleanly(self):
        self.post(LEAD)
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(10), 0)
        self.assertEqual(self.proc.stderr.read(), "")


if __name__ == "__main__":
    main()
