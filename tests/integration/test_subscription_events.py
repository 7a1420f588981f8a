#!/usr/bin/env python3
"""Every event type a subscription can ask for, produced for real (routing,
the lifecycle, clocks running out, escalations, reps) and delivered: each body
is checked against its JSON Schema in docs/schemas/events and its signature
against the secret."""
import json
import time

from harness import DaemonTestCase, main, wait_for
from webhook_sink import Sink

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

REPS = """\
  - {id: ana, name: Ana Ruiz}
  - {id: ben, name: Ben Okafor}
  - {id: cy, name: Cy Young}
  - {id: dee, name: Dee Long}
"""

ALL_TYPES = {
    "lead.received", "lead.assigned", "lead.queued", "lead.reassigned", "lead.nurtured",
    "lead.re_engaged", "lead.became_mql", "lead.touched", "lead.accepted", "lead.rejected",
    "lead.stage_changed", "lead.erased",
    "sla.reminder", "sla.breached", "escalation.level", "escalation.acknowledged",
    "escalation.resolved", "rep.status_changed",
}


class EveryTypeTests(DaemonTestCase):

    def setUp(self):
        self.rx = Sink(secrets=[SECRET])
        self.addCleanup(self.rx.close)
        self.addCleanup(self.rx.assert_all_verified)
        self.addCleanup(self.rx.assert_all_valid)
        extra = """\
escalation:
  - {after: 1s, reassign: next_available}
scoring:
  behavior:
    demo_request: 40
    webinar: 15
  mql: 50
  grades: {A: 70, B: 50, C: 0}
subscriptions:
  - {id: all, url: "%s", secrets: ["%s"], events: ["*"], contact: true}
""" % (self.rx.url("/all"), SECRET)
        rules = """\
  - name: nurture-students
    when:
      title: student
    nurture: true
  - name: emea
    when:
      country: [DE, FR, GB]
    pool: emea
  - name: default
    pool: amer
"""
        # A person's repeat joins their open lead (re_engaged).
        self.conf_overrides = dict(reps=REPS, extra=extra, rules=rules, route="1s",
                                   first_touch="2s", ft_extra={"remind_before": "1s"},
                                   join="30d")
        super().setUp()

    def types(self):
        return {b["type"] for b in self.rx.events("/all")}

    def test_every_type_is_delivered_and_valid(self):
        # Routing: assigned, queued (amer's reps away), nurtured.
        a = self.d.lead(email="a@x.de", country="DE", title="CTO")
        self.d.set_status("cy", "away")
        self.d.set_status("dee", "away")
        q = self.d.lead(email="q@x.com", country="US")
        self.assertEqual(q["status"], "queued")
        self.d.lead(email="n@x.de", country="DE", title="student")
        # The lifecycle: touched, accepted, stage_changed; another lead rejected.
        self.assertEqual(self.d.post("/v1/leads/%s/touch" % a["id"],
                                     {"rep": a["owner"], "channel": "call"}).status, 200)
        self.assertEqual(self.d.post("/v1/leads/%s/accept" % a["id"],
                                     {"rep": a["owner"]}).status, 200)
        r = self.d.post("/v1/leads/%s/stage" % a["id"], {"stage": "sql", "by": "ae-jo"})
        self.assertEqual(r.status, 200, r)
        r = self.d.post("/v1/leads/%s/stage" % a["id"],
                        {"stage": "opportunity", "by": "ae-jo", "amount": 12500.5})
        self.assertEqual(r.status, 200, r)
        b = self.d.lead(email="b@x.de", country="DE")
        r = self.d.post("/v1/leads/%s/reject" % b["id"], {"rep": b["owner"], "reason": "wrong_title"})
        self.assertEqual(r.status, 200, r)
        # The person: a webinar (15), then a demo request (+40) re-engages their
        # open lead and crosses the MQL threshold (50).
        e = self.d.lead(email="e@x.de", country="DE", event="webinar")
        r = self.d.post("/v1/leads", {"email": "e@x.de", "event": "demo_request", "source": "web"})
        self.assertEqual((r.status, r.json["id"]), (200, e["id"]), r)
        # Clocks: a reminder, then the breach of an untouched lead; its levels
        # fire and reassign it; acknowledged. The queued lead's route clock
        # breaches too and is resolved when cy comes back and takes it.
        c = self.d.lead(email="c@x.de", country="DE")
        wait_for(lambda: {"sla.reminder", "sla.breached", "escalation.level",
                          "lead.reassigned"} <= self.types(), timeout=10,
                 what="reminder, breach, level and reassignment")
        escs = self.d.get("/v1/escalations?status=open").json["escalations"]
        mine = [e for e in escs if e["lead"] == c["id"]]
        self.assertTrue(mine, escs)
        self.assertEqual(self.d.post("/v1/escalations/%s/ack" % mine[0]["id"],
                                     {"by": "maria"}).status, 200)
        self.d.set_status("cy", "available")
        wait_for(lambda: {"escalation.acknowledged", "escalation.resolved"} <= self.types(),
                 timeout=10, what="acknowledged and resolved")
        # The person erased.
        self.assertEqual(self.d.delete("/v1/subjects", {"email": "n@x.de"}).status, 200)
        wait_for(lambda: ALL_TYPES <= self.types(), timeout=10,
                 what="every type (missing: %s)" % (ALL_TYPES - self.types()))
        # Per lead, seq only grows in the order the events happened.
        by_lead = {}
        for ev in self.rx.events("/all"):
            if "seq" in ev["data"]:
                by_lead.setdefault(ev["data"]["lead"], []).append(
                    (ev["data"]["seq"], ev["data"]["event_id"]))
        for lead, seqs in by_lead.items():
            ordered = sorted(seqs, key=lambda s: [int(x) for x in s[1].split("-")])
            self.assertEqual([s for s, _ in ordered], sorted(s for s, _ in ordered), lead)
            self.assertEqual(len({s for s, _ in seqs}), len(seqs), lead)
        got = {ev["type"]: ev["data"] for ev in self.rx.events("/all")
               if ev["type"] != "lead.stage_changed" or ev["data"]["to_stage"] == "opportunity"}
        self.assertEqual(got["lead.stage_changed"]["amount"], 12500.5)
        self.assertEqual(got["lead.rejected"]["reason"], "wrong_title")
        self.assertEqual(got["lead.reassigned"]["from"], got["lead.reassigned"]["previous_owner"])
        assigned = [ev["data"] for ev in self.rx.events("/all")
                    if ev["type"] == "lead.assigned" and ev["data"]["lead"] == a["id"]]
        self.assertEqual(assigned[0]["contact"]["email"], "a@x.de")
        self.assertEqual(assigned[0]["rep"], a["owner"])
        # What the person did this time beside the lead's own event, source and score.
        back = got["lead.re_engaged"]
        self.assertEqual(back["lead"], e["id"])
        self.assertEqual((back["rep"], back["new_event"], back["new_source"], back["new_score"]),
                         (e["owner"], "demo_request", "web", 55))
        self.assertEqual((back["event"], back["score"], back["grade"]), ("webinar", 55, "B"))
        mql = got["lead.became_mql"]
        self.assertEqual((mql["lead"], mql["rep"], mql["new_score"]), (e["id"], e["owner"], 55))
        self.assertEqual(mql["seq"], back["seq"] + 1)


if __name__ == "__main__":
    main()
