#!/usr/bin/env python3
"""Event subscriptions: the event stream delivered to subscribed systems, signed
(Standard Webhooks), at least once, with retries, dead letters and pausing."""
import json
import time

from harness import DaemonTestCase, main, wait_for
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

    def setUp(self):
        # Every body is checked against its JSON Schema (docs/schemas/events), every
        # signature against the secret, whatever the test itself looks at.
        self.rx = Sink(secrets=[SECRET])
        self.addCleanup(self.rx.close)
        self.addCleanup(self.rx.assert_all_verified)
        self.addCleanup(self.rx.assert_all_valid)
        self.conf_overrides = dict(extra=subs_section(self.rx, self.subs, **self.section))
        super().setUp()

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
        a = self.rx.wait(1, "/full")[0]
        data = json.loads(a["body"])["data"]
        self.assertEqual(data["contact"]["email"], "ann@x.de")
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


if __name__ == "__main__":
    main()
