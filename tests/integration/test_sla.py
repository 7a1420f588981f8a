"""SLA deadlines: a breach escalates exactly once, met deadlines produce nothing."""

import time

from harness import DaemonTestCase, main, wait_for
from test_leads import ms


class SlaTests(DaemonTestCase):

    conf_overrides = {"route": "1s", "first_touch": "1s"}

    def escalations(self, query=""):
        r = self.d.get("/v1/escalations" + query)
        self.assertEqual(r.status, 200, r)
        return r.json

    def wait_escalations(self, n, query=""):
        return wait_for(lambda: len(self.escalations(query)["escalations"]) >= n and
                        self.escalations(query)["escalations"], timeout=5,
                        what="%d escalation(s)" % n)

    def test_queued_lead_escalates_at_route_deadline(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        lead = self.d.lead(email="r@x.com", country="DE")
        esc = self.wait_escalations(1)
        time.sleep(1.2)	# a later claim must not fire it again
        self.assertEqual(len(self.escalations()["escalations"]), 1)
        e = esc[0]
        self.assertEqual((e["lead"], e["clock"], e["pool"], e["owner"], e["status"]),
                         (lead["id"], "route", "emea", None, "open"))
        self.assertEqual(e["due_at"], lead["clocks"]["route"]["due_at"])
        self.assertLess(ms(e["breached_at"]) - ms(e["due_at"]), 1000)
        self.assertGreaterEqual(ms(e["breached_at"]), ms(e["due_at"]))
        events = self.d.get("/v1/leads/" + lead["id"]).json["events"]
        self.assertEqual([x["type"] for x in events], ["received", "queued", "escalated"])
        self.assertEqual(events[2]["clock"], "route")
        breaches = wait_for(lambda: self.d.events("sla_breached"), what="the sla_breached line")
        self.assertEqual([(b["lead"], b["clock"]) for b in breaches], [(lead["id"], "route")])

    def test_untouched_lead_escalates_at_first_touch_deadline(self):
        lead = self.d.lead(email="f@x.com", country="DE")
        e = self.wait_escalations(1)[0]
        self.assertEqual((e["lead"], e["clock"], e["pool"], e["owner"]),
                         (lead["id"], "first_touch", "emea", "ana"))
        self.assertEqual(e["due_at"], lead["clocks"]["first_touch"]["due_at"])
        self.assertLess(ms(e["breached_at"]) - ms(e["due_at"]), 1000)

    def test_met_deadlines_produce_nothing(self):
        touched = self.d.lead(email="t@x.com", country="DE")
        self.d.post("/v1/leads/%s/touch" % touched["id"], {"rep": "ana"})
        self.d.set_status("cy", "away")
        self.d.set_status("dee", "away")
        queued = self.d.lead(email="q@x.com", country="US")
        self.d.set_status("cy", "available")       # assigned before its route deadline ...
        self.d.post("/v1/leads/%s/touch" % queued["id"], {"rep": "cy"})  # ... and touched
        time.sleep(2.2)
        self.assertEqual(self.escalations()["escalations"], [])
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 0)

    def test_escalation_goes_to_stream_and_metrics(self):
        lead = self.d.lead(email="s@x.com", country="DE")
        self.wait_escalations(1)
        entries = self.redis.cmd("XRANGE", "lr:events", "-", "+")
        kinds = [dict(zip(f[::2], f[1::2])) for _, f in entries]
        esc = [k for k in kinds if k["type"] == "escalated"]
        self.assertEqual(len(esc), 1)
        self.assertEqual((esc[0]["lead"], esc[0]["clock"]), (lead["id"], "first_touch"))
        feed = self.redis.cmd("XRANGE", "lr:escalation_events", "-", "+")
        self.assertEqual([dict(zip(f[::2], f[1::2]))["type"] for _, f in feed], ["escalated"])
        metrics = self.d.get("/metrics").raw
        self.assertIn('leadrouted_sla_breaches_total 1\n', metrics)

    def test_list_is_newest_first_and_pages(self):
        leads = [self.d.lead(email="p%d@x.com" % i, country="DE") for i in range(5)]
        self.wait_escalations(5)
        page1 = self.escalations("?limit=2")
        self.assertEqual(len(page1["escalations"]), 2)
        self.assertIsNotNone(page1["next_cursor"])
        page2 = self.escalations("?limit=2&cursor=" + page1["next_cursor"])
        page3 = self.escalations("?limit=2&cursor=" + page2["next_cursor"])
        self.assertEqual(len(page3["escalations"]), 1)
        self.assertIsNone(page3["next_cursor"])
        ids = [int(e["id"]) for p in (page1, page2, page3) for e in p["escalations"]]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(len(set(ids)), 5)
        self.assertEqual({e["lead"] for p in (page1, page2, page3) for e in p["escalations"]},
                         {l["id"] for l in leads})

    def test_list_filters_by_lead(self):
        leads = [self.d.lead(email="l%d@x.com" % i, country="DE") for i in range(3)]
        self.wait_escalations(3)
        one = self.escalations("?lead=" + leads[1]["id"])
        self.assertEqual([e["lead"] for e in one["escalations"]], [leads[1]["id"]])
        self.assertIsNone(one["next_cursor"])

    def test_list_parameter_errors(self):
        for q, field in (("?limit=0", "limit"), ("?limit=501", "limit"), ("?limit=x", "limit"),
                         ("?cursor=abc", "cursor"), ("?lead=nope", "lead"),
                         ("?status=late", "status"), ("?pool=a%20b", "pool")):
            self.assertError(self.d.get("/v1/escalations" + q), 400, "invalid_parameter", field)


if __name__ == "__main__":
    main()
