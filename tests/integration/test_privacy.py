"""Personal data: keyed hashes in logs, erasure of a person with tombstones, retention."""

import signal

import harness
from harness import DaemonTestCase, wait_for

PERSON = {"email": "Grace.Hopper@Navy.example", "phone": "+1 202 555 0199",
          "first_name": "Grace", "last_name": "Hopper", "company": "Navy", "country": "DE"}


class PrivacyTests(DaemonTestCase):

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        # (sticky= is the last key of leads:, so retention rides along.)
        self.d = self.new_daemon(extra="pii:\n  tombstone_ttl: 2d\n", sticky="0s\n  retention: 30d")

    def entries_about(self, ids):
        """Stream entries (events and escalation feed) that name one of these leads."""
        n = 0
        for k in ("lr:events", "lr:escalation_events"):
            for _, fields in self.redis.cmd("XRANGE", k, "-", "+"):
                kv = dict(zip(fields[::2], fields[1::2]))
                n += kv.get("lead") in ids or any('"lead":"%s"' % i in kv.get("data", "")
                                                  for i in ids)
        return n

    def dump(self):
        """Every key and value in Redis as one text (streams and hashes included)."""
        out = []
        for k in self.redis_keys():
            kind = self.redis.cmd("TYPE", k)
            out.append(k)
            if kind == "string":
                out.append(self.redis.cmd("GET", k))
            elif kind == "hash":
                out.extend(self.redis.cmd("HGETALL", k))
            elif kind == "set":
                out.extend(self.redis.cmd("SMEMBERS", k))
            elif kind == "zset":
                out.extend(self.redis.cmd("ZRANGE", k, "0", "-1"))
            elif kind == "list":
                out.extend(self.redis.cmd("LRANGE", k, "0", "-1"))
            elif kind == "stream":
                for _, fields in self.redis.cmd("XRANGE", k, "-", "+"):
                    out.extend(fields)
        return "\n".join(str(x) for x in out)

    def test_logs_carry_a_keyed_hash_never_the_email(self):
        lead = self.d.lead(**PERSON)
        self.d.post("/v1/leads", {"email": "x", "phone": "nope"})
        self.d.stop()
        log = self.d.log()
        self.assertNotIn("grace", log.lower())
        self.assertNotIn("5550199", log.replace(" ", ""))
        assigned = [e for e in self.d.events("lead_assigned") if e["lead"] == lead["id"]][0]
        self.assertRegex(assigned["subject"], r"^h:[0-9a-f]{32}$")
        # The same hash names the lead's person (with one lead: and that lead), for erasure.
        self.assertEqual(self.redis.cmd("GET", "lr:who:" + assigned["subject"][2:]),
                         lead["person"] + "|" + lead["id"])

    def test_the_debug_flag_logs_raw_values(self):
        self.d.stop()
        d = self.new_daemon(extra="pii:\n  log_raw: true\n")
        d.lead(**PERSON)
        wait_for(lambda: d.events("lead_assigned"), what="the log line")
        self.assertEqual(d.events("lead_assigned")[0]["subject"], "grace.hopper@navy.example")

    def test_the_hash_is_the_same_across_daemons_and_restarts(self):
        a = self.d.lead(email="same@x.com", country="DE")
        d2 = self.new_daemon(name="other")
        b = d2.lead(email="SAME@x.com", country="DE")
        line = lambda d, lead: [e for e in d.events("lead_assigned") if e["lead"] == lead["id"]]
        ha = wait_for(lambda: line(self.d, a), what="a's log line")[0]["subject"]
        hb = wait_for(lambda: line(d2, b), what="b's log line")[0]["subject"]
        self.assertEqual(ha, hb)

    def test_erasure_removes_every_trace_and_leaves_a_tombstone(self):
        first = self.d.lead(**PERSON)                     # assigned
        self.d.post("/v1/leads/%s/touch" % first["id"], {"rep": first["owner"], "channel": "call"})
        self.d.post("/v1/leads/%s/reject" % first["id"],
                    {"rep": first["owner"], "reason": "other", "note": "Grace asked us to stop"})
        for rep in ("ana", "ben", "cy", "dee"):
            self.d.set_status(rep, "away")
        queued = self.d.lead(**dict(PERSON, email="grace.hopper@navy.example", event_id="form-9"))
        self.assertEqual(queued["status"], "queued")
        other = self.d.lead(email="someone@else.example", country="DE")
        before = self.dump()
        self.assertIn("Grace", before)
        entries = self.entries_about({first["id"], queued["id"]})
        self.assertGreaterEqual(entries, 4)     # received, assigned, touched, rejected, …
        r = self.d.delete("/v1/subjects", {"email": "GRACE.HOPPER@navy.example", "phone": "+12025550199"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["leads_erased"], 2)
        self.assertEqual(r.json["stream_entries_erased"], entries)
        self.assertEqual(self.entries_about({first["id"], queued["id"]}), 0)
        after = self.dump()
        for trace in ("Grace", "Hopper", "grace", "navy", "5550199", first["id"], queued["id"]):
            self.assertNotIn(trace, after, trace)
        self.assertIn(other["id"], after)
        self.assertEqual(self.d.get("/v1/leads/" + first["id"]).status, 404)
        self.assertIsNone(self.redis.cmd("ZSCORE", "lr:pool:emea:queue", queued["id"]))
        self.assertEqual(self.redis.cmd("ZCARD", "lr:pool:emea:queue"), 1)    # the other lead
        # A late retry of the webhook cannot bring them back, nor a new form.
        r = self.d.post("/v1/leads", dict(PERSON, event_id="form-9"))
        self.assertError(r, 410, "subject_erased")
        r = self.d.post("/v1/leads", {"phone": "+1 (202) 555-0199"})
        self.assertError(r, 410, "subject_erased")
        tombs = [k for k in self.redis_keys() if k.startswith("lr:tomb:")]
        self.assertEqual(len(tombs), 2)
        ttl = self.redis.cmd("PTTL", tombs[0])
        self.assertTrue(2 * 86400000 - 60000 < ttl <= 2 * 86400000, ttl)
        self.assertIn("leadrouted_leads_tombstoned_total 2", self.d.get("/metrics").raw)

    def test_erasure_frees_the_owners_slot(self):
        lead = self.d.lead(**PERSON)
        reps = {r["id"]: r for r in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual(reps[lead["owner"]]["open_leads"], 1)
        self.assertEqual(self.d.delete("/v1/subjects", {"email": PERSON["email"]}).status, 200)
        reps = {r["id"]: r for r in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual(reps[lead["owner"]]["open_leads"], 0)

    def test_erasure_input_is_checked(self):
        self.assertError(self.d.delete("/v1/subjects", {}), 422, "missing_field")
        self.assertError(self.d.delete("/v1/subjects", {"email": 5}), 422, "invalid_field", "email")
        self.assertError(self.d.delete("/v1/subjects", {"phone": "call me"}), 422, "invalid_field", "phone")
        r = self.d.delete("/v1/subjects", {"email": "nobody@x.com"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["leads_erased"], 0)

    def test_lead_records_expire_after_the_retention_period(self):
        lead = self.d.lead(**PERSON)
        ttl = self.redis.cmd("PTTL", "lr:lead:" + lead["id"])
        self.assertTrue(30 * 86400000 - 60000 < ttl <= 30 * 86400000, ttl)
        self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": lead["owner"], "channel": "call"})
        self.assertGreater(self.redis.cmd("PTTL", "lr:lead:" + lead["id"]), 0)
        # Scorecard aggregates keep counts, never a person.
        self.d.get("/v1/scorecard")
        for k in self.redis_keys():
            if k.startswith("lr:sc:") and self.redis.cmd("TYPE", k) == "hash":
                text = " ".join(self.redis.cmd("HGETALL", k))
                self.assertNotIn("grace", text.lower())


if __name__ == "__main__":
    harness.main()
