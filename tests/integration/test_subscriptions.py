#!/usr/bin/env python3
"""Event subscriptions: the event stream delivered to subscribed systems, signed
(Standard Webhooks), at least once, with retries, dead letters and pausing."""
import collections
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import LEADROUTED, DaemonTestCase, free_port, main, make_conf, wait_for
from webhook_sink import Sink

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET2 = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24hIQ=="


def subs_section(rx, subs, backoff="100ms", max_backoff="1s", timeout="500ms"):
    lines = ["notify:", "  backoff: %s" % backoff, "  max_backoff: %s" % max_backoff,
             "  timeout: %s" % timeout, "subscriptions:"]
    for s in subs:
        s = dict(s)
        s.setdefault("secrets", [SECRET])
        s.setdefault("events", ["*"])
        s["url"] = rx.url("/" + s["id"]) if "url" not in s else s["url"]
        lines.append("  - " + json.dumps(s))
    return "\n".join(lines) + "\n"


class SubsTestCase(DaemonTestCase):

    subs = [{"id": "crm"}]
    section = {}
    daemon_conf = {}        # more make_conf() keywords (redis_timeout …)

    def setUp(self):
        # Every body is checked against its JSON Schema (docs/schemas/events), every
        # signature against the secret, whatever the test itself looks at.
        self.rx = Sink(secrets=[SECRET])
        self.addCleanup(self.rx.close)
        self.addCleanup(self.rx.assert_all_verified)
        self.addCleanup(self.rx.assert_all_valid)
        self.conf_overrides = dict(self.daemon_conf,
                                   extra=subs_section(self.rx, self.subs, **self.section))
        super().setUp()

    def sub_status(self, sid, d=None):
        """The subscription as GET /v1/subscriptions shows it; None while that fails
        (a 503 while Redis is away)."""
        r = (d or self.d).get("/v1/subscriptions")
        if r.status != 200:
            return None
        return {s["id"]: s for s in r.json["subscriptions"]}[sid]

    def caught_up(self, sid, d=None):
        """Nothing left to send: every entry read, none pending, none waiting to retry."""
        st = self.sub_status(sid, d)
        return st is not None and (st["unread"], st["pending"], st["retrying"]) == (0, 0, 0) and st

    def bodies(self, path):
        return [json.loads(r["body"]) for r in self.rx.got(path)]

    def wait_types(self, path, types, timeout=10):
        def have():
            got = [b["type"] for b in self.bodies(path)]
            return all(t in got for t in types) and got
        return wait_for(have, timeout=timeout, what="events %s at %s" % (types, path))


class DeliveryTests(SubsTestCase):

    subs = [{"id": "crm"}, {"id": "only-assigned", "events": ["lead.assigned"]}]

    def test_lead_events_arrive_signed_with_the_snapshot(self):
        r = self.d.post("/v1/leads", {"email": "ana@x.de", "country": "DE", "company": "Acme",
                                      "crm_id": "1501", "source": "hubspot"})
        self.assertEqual(r.status, 201, r)
        lead = r.json["id"]
        self.wait_types("/crm", ["lead.received", "lead.assigned"])
        for req in self.rx.got("/crm"):
            h = req["headers"]
            self.assertTrue(req["verified"], h)
            body = json.loads(req["body"])
            self.assertEqual(h["webhook-id"], "msg_lr_" + body["data"]["event_id"])
            self.assertEqual(set(body), {"type", "timestamp", "data"})
        got = {b["type"]: b for b in self.bodies("/crm")}
        a = got["lead.assigned"]["data"]
        self.assertEqual(a["lead"], lead)
        self.assertEqual(a["rep"], r.json["owner"])
        self.assertEqual(a["owner"], r.json["owner"])
        self.assertEqual(a["crm_id"], "1501")
        self.assertEqual(a["source"], "hubspot")
        self.assertEqual(a["company"], "Acme")
        self.assertEqual(a["pool"], "emea")
        self.assertEqual(a["rule"], "emea")
        self.assertNotIn("contact", a)
        self.assertIn("first_touch", a["clocks"])
        self.assertEqual(got["lead.received"]["data"]["seq"], 1)
        self.assertEqual(a["seq"], 2)
        # The filtered subscription got only what it asked for.
        self.wait_types("/only-assigned", ["lead.assigned"])
        time.sleep(0.3)
        self.assertEqual([b["type"] for b in self.bodies("/only-assigned")], ["lead.assigned"])

    def test_lifecycle_and_rep_events(self):
        r = self.d.post("/v1/leads", {"email": "b@x.de", "country": "DE"})
        lead, owner = r.json["id"], r.json["owner"]
        self.assertEqual(self.d.post("/v1/leads/%s/touch" % lead,
                                     {"rep": owner, "channel": "call"}).status, 200)
        self.d.set_status("cy", "away")
        t = self.wait_types("/crm", ["lead.touched", "rep.status_changed"])
        got = {b["type"]: b["data"] for b in self.bodies("/crm")}
        self.assertEqual(got["lead.touched"]["rep"], owner)
        self.assertTrue(got["lead.touched"]["first"])
        self.assertEqual(got["lead.touched"]["seq"], 3)
        self.assertEqual(got["rep.status_changed"]["rep"], "cy")
        self.assertEqual(got["rep.status_changed"]["status"], "away")
        self.assertEqual(got["rep.status_changed"]["previous"], "available")


class RetryTests(SubsTestCase):

    subs = [{"id": "crm", "events": ["lead.assigned"], "attempts": 3}]

    def test_failures_retry_with_the_same_id_and_bytes(self):
        self.rx.plan("/crm", 500, 503)
        self.d.post("/v1/leads", {"email": "c@x.de", "country": "DE"})
        reqs = self.rx.wait(3, "/crm")
        self.assertEqual(len({r["headers"]["webhook-id"] for r in reqs}), 1)
        self.assertEqual(len({r["body"] for r in reqs}), 1)
        wait_for(lambda: self.redis.cmd("ZCARD", "lr:sub:crm:retry") == 0, what="retry set empty")

    def test_a_4xx_is_a_dead_letter_at_once_and_can_be_retried(self):
        self.rx.plan("/crm", 422)
        self.d.post("/v1/leads", {"email": "d@x.de", "country": "DE"})
        wait_for(lambda: self.redis.cmd("ZCARD", "lr:sub:crm:dead") == 1, what="a dead letter")
        self.assertEqual(len(self.rx.got("/crm")), 1)


class ApiTests(SubsTestCase):

    subs = [{"id": "crm", "events": ["lead.assigned"], "attempts": 1},
            {"id": "slow", "events": ["lead.assigned"], "pause_after": "1s"}]

    def status(self, sid):
        r = self.d.get("/v1/subscriptions")
        self.assertEqual(r.status, 200, r)
        return {s["id"]: s for s in r.json["subscriptions"]}[sid]

    def test_status_shows_each_subscription(self):
        self.d.post("/v1/leads", {"email": "e@x.de", "country": "DE"})
        wait_for(lambda: self.status("crm")["last_success_at"], what="a success recorded")
        st = self.status("crm")
        self.assertEqual(st["state"], "active")
        self.assertEqual(st["events"], ["lead.assigned"])
        self.assertEqual(st["url"], "http://127.0.0.1:%d/…" % self.rx.port)
        self.assertEqual(st["dead_letters"], 0)
        self.assertIsNone(st["last_error"])
        self.assertError(self.d.get("/v1/subscriptions/nope/dead_letters"), 404, "not_found")

    def test_dead_letters_list_retry_and_purge(self):
        self.rx.plan("/crm", 500, 500)
        self.d.post("/v1/leads", {"email": "f@x.de", "country": "DE"})
        self.d.post("/v1/leads", {"email": "g@x.de", "country": "DE"})
        wait_for(lambda: self.status("crm")["dead_letters"] == 2, what="two dead letters")
        r = self.d.get("/v1/subscriptions/crm/dead_letters?limit=1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["total"], 2)
        dl = r.json["dead_letters"][0]
        self.assertEqual(dl["type"], "lead.assigned")
        self.assertEqual(dl["attempts"], 1)
        self.assertIn("HTTP 500", dl["last_error"])
        self.assertEqual(dl["body"]["type"], "lead.assigned")
        self.assertEqual(r.json["next_cursor"], "1")
        st = self.status("crm")
        self.assertEqual(st["state"], "failing")
        self.assertIn("HTTP 500", st["last_error"])
        # One back: delivered (the receiver answers 200 now), with the same id and bytes.
        sent = {q["headers"]["webhook-id"]: q["body"] for q in self.rx.got("/crm")}
        r = self.d.post("/v1/subscriptions/crm/dead_letters/%s/retry" % dl["id"])
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["retried"], 1)
        reqs = self.rx.wait(3, "/crm")
        self.assertEqual(reqs[2]["body"], sent[reqs[2]["headers"]["webhook-id"]])
        wait_for(lambda: self.status("crm")["dead_letters"] == 1, what="one dead letter left")
        # Its delivery is settled (the job gone) just after the receiver answered.
        wait_for(lambda: self.status("crm")["retrying"] == 0, what="the retried one settled")
        self.assertError(self.d.post("/v1/subscriptions/crm/dead_letters/1-1/retry"), 404,
                         "not_found")
        self.assertError(self.d.delete("/v1/subscriptions/crm/dead_letters?before=yesterday"), 400,
                         "invalid_parameter", "before")
        # Purge: only those failed before a time, then all.
        r = self.d.delete("/v1/subscriptions/crm/dead_letters?before=2020-01-01T00:00:00Z")
        self.assertEqual(r.json["purged"], 0)
        r = self.d.delete("/v1/subscriptions/crm/dead_letters")
        self.assertEqual((r.status, r.json["purged"]), (200, 1), r)
        self.assertEqual(self.status("crm")["dead_letters"], 0)
        self.assertEqual(self.redis.cmd("KEYS", "lr:sub:crm:job:*"), [])

    def test_a_subscription_failing_too_long_is_paused_then_resumed(self):
        self.rx.plan("/slow", *([503] * 30))
        self.d.post("/v1/leads", {"email": "h@x.de", "country": "DE"})
        wait_for(lambda: self.status("slow")["state"] == "paused", timeout=15, what="paused")
        self.assertEqual(len(self.d.events("subscription_paused")), 1)
        n = len(self.rx.got("/slow"))
        time.sleep(1.5)
        self.assertEqual(len(self.rx.got("/slow")), n, "attempts while paused")
        self.assertIn('leadrouted_subscription_paused{subscription="slow"} 1',
                      self.d.get("/metrics").raw)
        self.d.post("/v1/leads", {"email": "i@x.de", "country": "DE"})
        st = self.status("slow")
        self.assertGreaterEqual(st["backlog"], 1)
        self.assertIsNotNone(st["oldest_undelivered_at"])
        with self.rx.lock:
            self.rx.plans["/slow"].clear()
        r = self.d.post("/v1/subscriptions/slow/resume")
        self.assertEqual((r.status, r.json["was_paused"]), (200, True), r)
        wait_for(lambda: self.status("slow")["state"] == "active" and
                 self.status("slow")["backlog"] == 0, timeout=15, what="caught up")
        ids = {q["headers"]["webhook-id"] for q in self.rx.got("/slow")
               if True}
        self.assertEqual(len(ids), 2)


class RetryAfterTests(SubsTestCase):

    subs = [{"id": "crm", "events": ["lead.assigned"]}]
    section = {"backoff": "50ms", "max_backoff": "10s"}

    def test_retry_after_holds_the_subscription(self):
        self.rx.plan("/crm", (429, {"Retry-After": "2"}))
        self.d.post("/v1/leads", {"email": "j@x.de", "country": "DE"})
        self.rx.wait(1, "/crm")
        t0 = time.time()
        self.d.post("/v1/leads", {"email": "k@x.de", "country": "DE"})
        reqs = self.rx.wait(3, "/crm", timeout=10)
        self.assertGreaterEqual(reqs[1]["at"] - reqs[0]["at"], 1.8)
        self.assertGreaterEqual(reqs[1]["at"] - t0, 1.5)


class PrivacyAndFilterTests(SubsTestCase):

    subs = [{"id": "full", "contact": True, "events": ["lead.assigned", "lead.erased"]},
            {"id": "amer", "pools": ["amer"], "events": ["lead.received"]},
            {"id": "plain", "events": ["lead.received"]}]

    def test_contact_only_where_allowed_and_filters(self):
        self.d.post("/v1/leads", {"email": "Ann@X.de", "country": "DE", "first_name": "Ann",
                                  "phone": "+4930123456"})
        self.d.post("/v1/leads", {"email": "us@x.com", "country": "US"})
        # Deliveries run in parallel: the two leads' events may come in either order.
        full = {json.loads(q["body"])["data"]["contact"]["email"]: json.loads(q["body"])["data"]
                for q in self.rx.wait(2, "/full")}
        self.assertEqual(set(full), {"ann@x.de", "us@x.com"})
        data = full["ann@x.de"]
        self.assertEqual(data["contact"]["first_name"], "Ann")
        self.rx.wait(2, "/plain")
        self.assertTrue(all(b"@" not in q["body"] for q in self.rx.got("/plain")))
        self.rx.wait(1, "/amer")
        time.sleep(0.3)
        self.assertEqual([json.loads(q["body"])["data"]["pool"] for q in self.rx.got("/amer")],
                         ["amer"])

    def test_erasure_is_told_with_the_id_only(self):
        lead = self.d.lead(email="gone@x.de", country="DE")["id"]
        self.rx.wait(1, "/full")
        self.assertEqual(self.d.delete("/v1/subjects", {"email": "gone@x.de"}).status, 200)
        def erased():
            return [json.loads(q["body"]) for q in self.rx.got("/full")
                    if json.loads(q["body"])["type"] == "lead.erased"]
        ev = wait_for(erased, what="lead.erased")[0]
        self.assertEqual(ev["data"], {"event_id": ev["data"]["event_id"], "lead": lead})


LEAD_TYPES = ["lead.received", "lead.assigned"]


class DurabilityCase(SubsTestCase):

    persist = True      # Redis keeps an append-only file: it may be restarted
    subs = [{"id": "crm", "events": LEAD_TYPES}]

    def attempts(self, path):
        """The requests at path by webhook-id."""
        by_id = collections.defaultdict(list)
        for q in self.rx.got(path):
            by_id[q["headers"]["webhook-id"]].append(q)
        return by_id

    def all_there(self, path, n, d=None, each=1):
        """Caught up, and n distinct webhook-ids at the receiver, each sent at least each times."""
        by_id = self.attempts(path)
        return (len(by_id) >= n and min(len(r) for r in by_id.values()) >= each and
                self.caught_up("crm", d))

    def assert_delivered(self, path, leads, types):
        """What reached path, checked: {webhook-id: [requests]}, one webhook-id per
        event of the leads of these types, each sent with the same bytes every
        time, and nothing else."""
        by_id = self.attempts(path)
        for wid, reqs in by_id.items():
            self.assertEqual(len({q["body"] for q in reqs}), 1,
                             "%s sent with different bodies" % wid)
            self.assertEqual(wid, "msg_lr_" + reqs[0]["event"]["data"]["event_id"])
        events = collections.Counter((reqs[0]["event"]["data"]["lead"], reqs[0]["event"]["type"])
                                     for reqs in by_id.values())
        self.assertEqual(set(events), {(lead, t) for lead in leads for t in types})
        self.assertEqual(max(events.values()), 1, "an event under two webhook-ids: %s" % events)
        return by_id

    def pending(self):
        """The group's pending entries: [[id, consumer, idle ms, deliveries]]."""
        return self.redis.cmd("XPENDING", "lr:events", "sub:crm", "-", "+", "100")


class KillDuringDeliveryTests(DurabilityCase):
    """kill -9 with attempts under way, then the same daemon again: on the same
    address it is the same consumer (host:port), which reads its own pending
    entries first."""

    section = {"timeout": "10s"}

    def new_daemon(self, name=None, start=True, **overrides):
        d = super().new_daemon(name=name, start=False, **overrides)
        with open(d.conf_path) as f:
            text = f.read()
        d.write_conf(text.replace("listen: 127.0.0.1:0\n",
                                  "listen: 127.0.0.1:%d\n" % free_port(), 1))
        if start:
            d.start()
        return d

    def test_kill_9_mid_delivery_then_restart_delivers_every_event(self):
        self.rx.plan("/crm", *[("hang", 8)] * 4)
        leads = [self.d.lead(email="k%d@x.de" % i, country="DE")["id"] for i in range(4)]
        self.rx.wait(4, "/crm")     # four attempts waiting for their answer
        self.assertEqual(self.d.stop(signal.SIGKILL), -signal.SIGKILL)
        killed_at = time.time()
        hung = {q["headers"]["webhook-id"] for q in self.rx.got("/crm") if q["answer"] != 200}
        self.assertEqual(len(hung), 4)
        left = {"msg_lr_" + p[0] for p in self.pending()}
        self.assertLessEqual(hung, left)     # never answered: still pending in the group
        self.d.start()
        wait_for(lambda: self.all_there("/crm", 8), timeout=10, what="every event delivered")
        by_id = self.assert_delivered("/crm", leads, LEAD_TYPES)
        for wid in hung:
            self.assertTrue([q for q in by_id[wid] if q["at"] >= killed_at and q["answer"] == 200],
                            "%s not sent again after the restart" % wid)
        # Sent again at once from this consumer's own pending entries, none claimed.
        self.assertEqual(self.d.events("subscription_claimed"), [])
        self.assertEqual(self.pending(), [])
        self.assertEqual(self.sub_status("crm")["dead_letters"], 0)


class KillDuringRetryTests(DurabilityCase):
    """kill -9 during an attempt leased from the retry set: the lease (timeout +
    redis.timeout + 1 s) runs out and the event is sent again, the same bytes."""

    subs = [{"id": "crm", "events": ["lead.assigned"]}]
    section = {"timeout": "1s"}
    daemon_conf = {"redis_timeout": "500ms"}

    def test_kill_9_during_a_retry_then_the_lease_runs_out(self):
        self.rx.plan("/crm", 500, ("hang", 5))
        lead = self.d.lead(email="l@x.de", country="DE")["id"]
        self.rx.wait(2, "/crm")     # the second attempt, from the retry set, hangs
        self.assertEqual(self.d.stop(signal.SIGKILL), -signal.SIGKILL)
        (eid,) = self.redis.cmd("ZRANGE", "lr:sub:crm:retry", "0", "-1")
        # Killed mid-attempt: the job still shows the first failure, and its lease.
        self.assertEqual(self.redis.cmd("HMGET", "lr:sub:crm:job:" + eid, "attempts", "last_error"),
                         ["2", "HTTP 500: no"])
        self.assertGreater(int(self.redis.cmd("ZSCORE", "lr:sub:crm:retry", eid)),
                           int(time.time() * 1000))
        self.d.start()      # another address: another consumer, the retry set is everyone's
        reqs = wait_for(lambda: self.caught_up("crm") and len(self.rx.got("/crm")) >= 3 and
                        self.rx.got("/crm"), timeout=10, what="the event delivered")
        by_id = self.assert_delivered("/crm", [lead], ["lead.assigned"])
        self.assertEqual(len(by_id["msg_lr_" + eid]), 3, reqs)
        self.assertEqual(self.redis.cmd("KEYS", "lr:sub:crm:job:*"), [])
        self.assertEqual(self.sub_status("crm")["state"], "active")


class RedisRestartTests(DurabilityCase):
    """Redis stopped and started again (with its append-only file) while attempts
    wait for their answers and more events wait unread in the stream."""

    subs = [{"id": "crm", "events": LEAD_TYPES, "max_in_flight": 2}]
    section = {"timeout": "3s"}
    daemon_conf = {"redis_timeout": "500ms"}

    def test_redis_restarted_mid_delivery_loses_no_event(self):
        self.rx.plan("/crm", ("hang", 1.5), ("hang", 1.5))
        leads = [self.d.lead(email="r%d@x.de" % i, country="DE")["id"] for i in range(5)]
        self.rx.wait(2, "/crm")
        st = self.sub_status("crm")
        # Two attempts under way (max_in_flight); the other eight lead events
        # wait, read (pending) or not.
        self.assertGreaterEqual(st["pending"], 2, st)
        self.assertGreaterEqual(st["pending"] + st["unread"], 10, st)
        self.redis.stop()
        time.sleep(2)   # the two hanging attempts are answered while Redis is away
        self.redis.start()
        # An answer that came while Redis was away left its entry pending (the
        # acknowledgement failed). The daemon reads its own pending entries again
        # as it reconnects, so none waits for a claim (timeout + redis.timeout
        # + 10 s, 13.5 s here).
        back = time.monotonic()
        wait_for(lambda: self.all_there("/crm", 10), timeout=30, what="every event delivered")
        self.assertLess(time.monotonic() - back, 10)
        self.assert_delivered("/crm", leads, LEAD_TYPES)
        self.assertEqual(self.pending(), [])
        self.assertEqual(self.sub_status("crm")["dead_letters"], 0)
        reconnects = re.search(r"^leadrouted_redis_reconnects_total (\d+)$",
                               self.d.get("/metrics").raw, re.M)
        self.assertGreaterEqual(int(reconnects.group(1)), 1)


class TwoDaemonDeliveryTests(DurabilityCase):

    persist = False

    def test_two_daemons_deliver_every_event_once(self):
        d2 = self.new_daemon(**self.conf_overrides)
        leads = [(self.d, d2)[i % 2].lead(email="t%d@x.de" % i, country="DE")["id"]
                 for i in range(20)]
        wait_for(lambda: self.all_there("/crm", 40), timeout=10, what="every event delivered")
        by_id = self.assert_delivered("/crm", leads, LEAD_TYPES)
        dups = {wid: len(reqs) for wid, reqs in by_id.items() if len(reqs) > 1}
        self.assertEqual(dups, {}, "sent twice with nothing killed")
        # Under load one daemon may deliver everything: it has no line, it delivered 0.
        found = [re.search(r'^leadrouted_subscription_delivered_total\{subscription="crm"\} '
                           r'(\d+)$', d.get("/metrics").raw, re.M) for d in (self.d, d2)]
        counts = [int(m.group(1)) if m else 0 for m in found]
        self.assertEqual(sum(counts), 40, counts)
        self.assertEqual(self.pending(), [])


class ClaimTests(DurabilityCase):
    """A daemon killed -9 with entries read and not delivered, never started
    again: the other daemon claims them (XAUTOCLAIM) once they have been
    pending for its notify.timeout + redis.timeout + 10 s, looking every 5 s.
    SLOW: this class takes about 12 s (up to 17 s)."""

    persist = False
    # The first daemon waits 30 s for an answer, so its attempts are still
    # under way when it is killed; the second, which claims, has 300 ms.
    section = {"timeout": "30s"}
    daemon_conf = {"redis_timeout": "500ms"}

    def test_the_other_daemon_claims_what_a_killed_one_left(self):
        d1 = self.d
        self.rx.plan("/crm", *[("hang", 20)] * 6)
        leads = [d1.lead(email="c%d@x.de" % i, country="DE")["id"] for i in range(3)]
        self.rx.wait(6, "/crm")
        left = self.pending()
        self.assertEqual(len(left), 6, left)
        self.assertEqual(len({p[1] for p in left}), 1, left)
        # Not a sync: d2 looks at once and then every 5 s; a second past the reads,
        # its look at 10 s finds them pending for its 10.8 s.
        time.sleep(1.0)
        fast = dict(self.daemon_conf, extra=subs_section(self.rx, self.subs, timeout="300ms"))
        d2 = self.new_daemon(**fast)
        self.assertEqual(d1.stop(signal.SIGKILL), -signal.SIGKILL)
        wait_for(lambda: self.all_there("/crm", 6, d2, each=2), timeout=30,
                 what="the killed daemon's entries claimed and delivered")
        self.assert_delivered("/crm", leads, LEAD_TYPES)
        claimed = sum(int(e["entries"]) for e in d2.events("subscription_claimed"))
        self.assertEqual(claimed, 6)
        self.assertEqual(self.pending(), [])
        self.assertEqual(self.sub_status("crm", d2)["dead_letters"], 0)


class ReceiverFailureCase(SubsTestCase):
    """Receivers that fail: each failure is a recorded attempt (log line, the
    subscription's last_error, the retry set or the dead letters) and changes
    nothing about the lead."""

    def sub_status(self, sid, d=None):
        # Redis stays up here: GET /v1/subscriptions must answer.
        r = (d or self.d).get("/v1/subscriptions")
        self.assertEqual(r.status, 200, r)
        return {s["id"]: s for s in r.json["subscriptions"]}[sid]

    def new_lead(self, **fields):
        """A lead, and what it looks like (API, Redis hash, its entries in the event
        stream) before any attempt."""
        lead = self.d.lead(**dict(dict(email="f@x.de", country="DE"), **fields))["id"]
        return lead, self.lead_state(lead)

    def lead_state(self, lead):
        r = self.d.get("/v1/leads/" + lead)
        self.assertEqual(r.status, 200, r)
        flat = self.redis.cmd("HGETALL", "lr:lead:" + lead)
        stream = [(eid, dict(zip(kv[::2], kv[1::2])))
                  for eid, kv in self.redis.cmd("XRANGE", "lr:events", "-", "+")]
        return {"api": r.json, "hash": dict(zip(flat[::2], flat[1::2])),
                "stream": [(eid, kv["type"]) for eid, kv in stream if kv.get("lead") == lead]}

    def assert_lead_unchanged(self, lead, before):
        after = self.lead_state(lead)
        self.assertEqual((after["api"]["owner"], after["api"]["status"]),
                         (before["api"]["owner"], before["api"]["status"]))
        self.assertEqual(after, before)

    def failures(self, sid):
        return [(e["attempt"], e["error"], e["next"]) for e in self.d.events("subscription_failed")
                if e["subscription"] == sid]

    def dead_letters(self, sid, n=1):
        wait_for(lambda: self.sub_status(sid)["dead_letters"] == n, what="%d dead letter(s)" % n)
        r = self.d.get("/v1/subscriptions/%s/dead_letters" % sid)
        self.assertEqual(r.status, 200, r)
        return r.json["dead_letters"]

    def assert_same_event(self, path, n):
        """n attempts at path, all of one event with the same bytes."""
        reqs = self.rx.wait(n, path)
        self.assertEqual(len(reqs), n, reqs)
        self.assertEqual(len({q["headers"]["webhook-id"] for q in reqs}), 1)
        self.assertEqual(len({q["body"] for q in reqs}), 1)
        return reqs


class BadReceiverTests(ReceiverFailureCase):

    subs = [{"id": "redirect", "events": ["lead.assigned"], "attempts": 2},
            {"id": "refuses", "events": ["lead.assigned"], "attempts": 5},
            {"id": "slow", "events": ["lead.assigned"], "attempts": 2},
            {"id": "flood", "events": ["lead.assigned"], "attempts": 2}]
    section = {"timeout": "300ms", "backoff": "50ms"}

    def test_a_redirect_is_not_followed_it_is_a_failed_attempt(self):
        elsewhere = self.rx.url("/elsewhere")
        self.rx.plan("/redirect", (301, {"Location": elsewhere}), (302, {"Location": elsewhere}))
        lead, before = self.new_lead()
        (dl,) = self.dead_letters("redirect")
        self.assertEqual((dl["attempts"], dl["last_error"]), (2, "HTTP 302: no"))
        self.assertEqual(self.failures("redirect"), [("1", "HTTP 301: no", "retry"),
                                                      ("2", "HTTP 302: no", "dead_letter")])
        # The log line's own name is event=; the event's id is event_id=.
        self.assertEqual({(e["event_id"], e["type"]) for e in self.d.events("subscription_failed")
                          if e["subscription"] == "redirect"}, {(dl["id"], "lead.assigned")})
        self.assertEqual(self.rx.got("/elsewhere"), [])
        st = self.sub_status("redirect")
        self.assertEqual((st["state"], st["last_error"], st["retrying"]),
                         ("failing", "HTTP 302: no", 0))
        self.assert_same_event("/redirect", 2)
        self.assert_lead_unchanged(lead, before)

    def test_a_4xx_refusal_is_a_dead_letter_at_once_with_the_answer(self):
        # 404 with a long answer: its first 200 bytes are kept.
        self.rx.plan("/refuses", ("body", 404, 300), 422)
        lead, before = self.new_lead()
        (dl,) = self.dead_letters("refuses")
        self.assertEqual((dl["attempts"], dl["last_error"]), (1, "HTTP 404: " + "x" * 200))
        self.assertEqual(self.sub_status("refuses")["last_error"], "HTTP 404: " + "x" * 200)
        second, _ = self.new_lead(email="g@x.de")
        dls = self.dead_letters("refuses", 2)
        self.assertEqual([(d["attempts"], d["last_error"]) for d in dls],
                         [(1, "HTTP 404: " + "x" * 200), (1, "HTTP 422: no")])
        # One attempt each (attempts: 5), none waiting to be retried.
        self.assertEqual(self.sub_status("refuses")["retrying"], 0)
        self.assertEqual(len(self.rx.got("/refuses")), 2)
        self.assertEqual([d["body"]["data"]["lead"] for d in dls], [lead, second])
        self.assertEqual(self.failures("refuses")[0][2], "dead_letter")
        self.assert_lead_unchanged(lead, before)

    def test_an_answer_that_is_not_utf8_is_recorded_readable(self):
        # Latin-1 text, and UTF-8 whose first 200 bytes end inside a character:
        # each byte that starts no character becomes "?". Raw, they made the
        # status script's JSON unreadable: GET /v1/subscriptions answered 503.
        self.rx.plan("/refuses", ("body", 422, "Erreur : accès refusé".encode("latin-1")),
                     ("body", 422, ("x" + "é" * 150).encode()))
        lead, before = self.new_lead()
        second, _ = self.new_lead(email="g@x.de")
        dls = self.dead_letters("refuses", 2)
        latin, cut = "HTTP 422: Erreur : acc?s refus?", "HTTP 422: x" + "é" * 99 + "?"
        self.assertEqual(sorted(d["last_error"] for d in dls), sorted([latin, cut]))
        self.assertIn(self.sub_status("refuses")["last_error"], (latin, cut))
        self.assertEqual(sorted(f[1] for f in self.failures("refuses")), sorted([latin, cut]))
        self.assertEqual(self.d.get("/metrics").status, 200)
        self.assert_lead_unchanged(lead, before)

    def test_a_receiver_slower_than_notify_timeout_times_out(self):
        self.rx.plan("/slow", ("hang", 1.5), ("hang", 1.5))
        lead, before = self.new_lead()
        (dl,) = self.dead_letters("slow")
        self.assertEqual((dl["attempts"], dl["last_error"]), (2, "timed out after 300ms"))
        self.assertEqual(self.failures("slow"), [("1", "timed out after 300ms", "retry"),
                                                 ("2", "timed out after 300ms", "dead_letter")])
        got = [int(e["ms"]) for e in self.d.events("subscription_failed")
               if e["subscription"] == "slow"]
        self.assertTrue(all(290 <= ms < 1400 for ms in got), got)
        self.assert_same_event("/slow", 2)
        self.assert_lead_unchanged(lead, before)

    def rss_peak_kib(self):
        with open("/proc/%d/status" % self.d.proc.pid) as f:
            return int(re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M).group(1))

    def test_a_flood_of_an_answer_is_cut_off(self):
        peak = self.rss_peak_kib()
        # 10 MB with a 200: the status is what counts, delivered.
        self.rx.plan("/flood", ("body", 200, 10 << 20))
        lead, before = self.new_lead()
        wait_for(lambda: self.sub_status("flood")["last_success_at"], what="the flood delivered")
        st = self.sub_status("flood")
        self.assertEqual((st["state"], st["last_error"], st["retrying"], st["dead_letters"]),
                         ("active", None, 0, 0))
        self.assertEqual(len(self.rx.got("/flood")), 1)
        # 10 MB with a 500: a failed attempt, retried, then a dead letter (attempts: 2).
        self.rx.plan("/flood", ("body", 500, 10 << 20), ("body", 500, 10 << 20))
        second, _ = self.new_lead(email="h@x.de")
        (dl,) = self.dead_letters("flood")
        cut = "HTTP 500 (answer cut off at 64 KiB): " + "x" * 200
        self.assertEqual((dl["attempts"], dl["last_error"]), (2, cut))
        self.assertEqual(self.failures("flood"), [("1", cut, "retry"), ("2", cut, "dead_letter")])
        # Never read whole, never held: the daemon answers, and its memory did not
        # grow by the floods.
        t0 = time.monotonic()
        self.assertEqual(self.d.get("/healthz").status, 200)
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertLess(self.rss_peak_kib() - peak, 4096)
        self.assert_lead_unchanged(lead, before)

    def test_failures_leave_the_lead_as_it_was(self):
        # Every subscription fails the lead's event its own way; retried from the
        # dead letters, purged: none of it touches the lead or writes an event.
        self.rx.plan("/redirect", 307, 308)
        self.rx.plan("/refuses", 410)
        self.rx.plan("/slow", ("hang", 1), ("hang", 1))
        self.rx.plan("/flood", 500, ("body", 503, 1 << 20))
        lead, before = self.new_lead()
        for sid in ("redirect", "refuses", "slow", "flood"):
            self.dead_letters(sid)
        self.assert_lead_unchanged(lead, before)
        self.rx.plan("/refuses", 400)
        r = self.d.post("/v1/subscriptions/refuses/dead_letters/retry")
        self.assertEqual((r.status, r.json["retried"]), (202, 1), r)
        self.assertEqual(self.dead_letters("refuses")[0]["last_error"], "HTTP 400: no")
        self.assertEqual(self.d.delete("/v1/subscriptions/slow/dead_letters").json["purged"], 1)
        r = self.d.post("/v1/subscriptions/flood/dead_letters/retry")
        self.assertEqual(r.status, 202, r)
        wait_for(lambda: self.sub_status("flood")["dead_letters"] == 0 and
                 self.caught_up("flood"), what="the flood subscription's retry delivered")
        self.assertEqual(self.sub_status("flood")["state"], "active")
        self.assert_lead_unchanged(lead, before)
        got = self.d.get("/v1/leads/" + lead).json
        self.assertEqual([e["type"] for e in got["events"]], ["received", "assigned"])


class UnreachableReceiverTests(ReceiverFailureCase):

    section = {"timeout": "2s", "backoff": "50ms"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Bound and never listening: a connection there is refused, and no other
        # socket of the test gets the port meanwhile.
        cls.closed = socket.socket()
        cls.closed.bind(("127.0.0.1", 0))
        cls.refused_port = cls.closed.getsockname()[1]
        cls.subs = [{"id": "nohost", "events": ["lead.assigned"], "attempts": 2,
                     "url": "http://nonexistent.invalid/hook"},
                    {"id": "refused", "events": ["lead.assigned"], "attempts": 2,
                     "url": "http://127.0.0.1:%d/hook" % cls.refused_port},
                    {"id": "drops", "events": ["lead.assigned"], "attempts": 2}]

    @classmethod
    def tearDownClass(cls):
        cls.closed.close()
        super().tearDownClass()

    def test_a_host_that_resolves_nowhere(self):
        # .invalid never resolves (RFC 6761), unless a resolver here makes things up.
        t0 = time.monotonic()
        try:
            socket.getaddrinfo("nonexistent.invalid", 80)
            self.skipTest("nonexistent.invalid resolves here")
        except socket.gaierror:
            pass
        if time.monotonic() - t0 > 1.0:
            self.skipTest("name lookups here take %.1f s to fail" % (time.monotonic() - t0))
        lead, before = self.new_lead()
        (dl,) = self.dead_letters("nohost")
        self.assertEqual((dl["attempts"], dl["last_error"]),
                         (2, "Could not resolve host: nonexistent.invalid"))
        self.assertEqual([f[1] for f in self.failures("nohost")],
                         ["Could not resolve host: nonexistent.invalid"] * 2)
        self.assertEqual(self.sub_status("nohost")["last_error"],
                         "Could not resolve host: nonexistent.invalid")
        self.assert_lead_unchanged(lead, before)

    def test_a_refused_connection(self):
        lead, before = self.new_lead()
        (dl,) = self.dead_letters("refused")
        self.assertEqual(dl["attempts"], 2)
        refused = r"^Failed to connect to 127\.0\.0\.1 port %d.*: Couldn't connect to server$" % \
            self.refused_port
        self.assertRegex(dl["last_error"], refused)
        self.assertEqual([f[2] for f in self.failures("refused")], ["retry", "dead_letter"])
        self.assertRegex(self.sub_status("refused")["last_error"], refused)
        self.assert_lead_unchanged(lead, before)

    def test_a_connection_closed_without_an_answer(self):
        self.rx.plan("/drops", "drop", "drop")
        lead, before = self.new_lead()
        (dl,) = self.dead_letters("drops")
        self.assertEqual((dl["attempts"], dl["last_error"]), (2, "Empty reply from server"))
        self.assertEqual(self.sub_status("drops")["last_error"], "Empty reply from server")
        self.assert_same_event("/drops", 2)
        self.assert_lead_unchanged(lead, before)


class SubscriptionConfigTests(unittest.TestCase):
    """Subscriptions the config check refuses, each error with its file, line and path."""

    GOOD = {"id": "crm", "url": "https://hooks.example.com/x", "secrets": [SECRET, SECRET2],
            "events": ["lead.assigned"], "pools": ["emea"], "max_in_flight": 1}

    def check(self, *subs, test=True):
        """leadrouted -t (test=False: the daemon itself) on the test config with these
        subscriptions (None drops a key): (exit status, stderr lines, the line of
        each subscription)."""
        items = "".join("  - %s\n" % json.dumps({k: v for k, v in dict(self.GOOD, **s).items()
                                                  if v is not None}) for s in subs)
        text = make_conf(None, extra="subscriptions:\n" + items)
        first = text[:text.index("subscriptions:\n")].count("\n") + 2
        tmp = tempfile.mkdtemp(prefix="leadroute-subs-conf-")
        self.addCleanup(lambda: __import__("shutil").rmtree(tmp, ignore_errors=True))
        path = os.path.join(tmp, "subs.yaml")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([LEADROUTED] + (["-t"] if test else []) + ["-c", path],
                           capture_output=True, text=True, timeout=10)
        lines = [l.replace(path, "FILE") for l in p.stderr.splitlines()]
        return p.returncode, lines, list(range(first, first + len(subs)))

    def test_a_good_subscription_passes(self):
        rc, err, _ = self.check({}, {"id": "all", "events": ["*"], "secrets": [SECRET]})
        self.assertEqual((rc, err), (0, []))

    def test_every_bad_subscription_is_reported(self):
        rc, err, at = self.check(
            {"id": "ftp", "url": "ftp://x"},
            {"id": "nohost", "url": "http://"},
            {"id": "type", "events": ["lead.assigned", "lead.exploded"]},
            {"id": "nosecret", "secrets": None},
            {"id": "three", "secrets": [SECRET, SECRET2, SECRET]},
            {"id": "whsec", "secrets": ["whsec_not*base64"]},
            {"id": "short", "secrets": ["whsec_c2hvcnQ="]},
            {"id": "pool", "pools": ["emea", "apac"]},
            {"id": "ftp", "url": "https://hooks.example.com/y"},
            {"id": "mif", "max_in_flight": 0})
        self.assertEqual(rc, 1)
        self.assertEqual(err, [
            'FILE:%d: subscriptions[0].url: expected an http:// or https:// URL, got "ftp://x"'
            % at[0],
            'FILE:%d: subscriptions[1].url: the URL "http://" has no host' % at[1],
            'FILE:%d: subscriptions[2].events: unknown event type "lead.exploded" '
            '(docs/notifications.md lists them)' % at[2],
            'FILE:%d: subscriptions[3]: missing "secrets": a list of one whsec_ key '
            '(two while rotating)' % at[3],
            'FILE:%d: subscriptions[4].secrets: expected a list of one or two whsec_ keys' % at[4],
            'FILE:%d: subscriptions[5].secrets[0]: expected whsec_ and 16 to 64 bytes in base64'
            % at[5],
            'FILE:%d: subscriptions[6].secrets[0]: expected whsec_ and 16 to 64 bytes in base64'
            % at[6],
            'FILE:%d: subscriptions[7].pools: unknown pool "apac"' % at[7],
            'FILE:%d: subscriptions[8]: duplicate subscription id "ftp" (first on line %d)'
            % (at[8], at[0]),
            'FILE:%d: subscriptions[9].max_in_flight: expected a whole number from 1 to 256'
            % at[9],
            "FILE: 10 errors",
        ])

    def test_the_daemon_does_not_start_with_a_bad_subscription(self):
        rc, err, at = self.check({"url": "ftp://x"}, test=False)
        self.assertEqual(rc, 1)
        self.assertIn('FILE:%d: subscriptions[0].url: expected an http:// or https:// URL, '
                      'got "ftp://x"' % at[0], err)
        self.assertIn("not starting", "\n".join(err))


if __name__ == "__main__":
    main()
