"""A person, not a form fill: behaviour that accumulates and decays, MQL as a
moment, nurture until then, repeats that join the open lead, and a closed
lead's person coming back to their previous owner."""

import json
import threading
import time

from harness import DaemonTestCase, main

SCORING = """\
scoring:
  fit:
    - {name: senior-title, when: {title: {contains: [vp, director]}}, points: 20}
  behavior:
    demo_request: 40
    pricing_page: 25
    webinar: 15
    content_download: 10
  mql: 50
  grades: {A: 70, B: 50, C: 20, D: 0}
"""

HOLD = SCORING + "  hold_below_mql: true\n"
DECAY = SCORING + "  decay: {half_life: 30d}\n"
EXPIRE = SCORING + "  decay: {expire_after: 90d}\n"

DAY = 86400000


def events_of(d, lead_id):
    return d.get("/v1/leads/" + lead_id).json["events"]


def types(events):
    return [e["type"] for e in events]


class AccumulationTests(DaemonTestCase):
    """Separate leads (join off): the person's score still accumulates."""

    conf_overrides = {"extra": SCORING}

    def test_behaviour_accumulates_across_a_persons_events(self):
        first = self.d.lead(email="jo@acme.example", country="US", event="content_download")
        second = self.d.lead(email="JO@acme.example ", country="US", event="pricing_page")
        self.assertEqual(first["score"], 10)
        self.assertEqual(second["score"], 35)
        self.assertEqual(second["person"], first["person"])
        self.assertEqual([(b["reason"], b["points"]) for b in second["score_breakdown"]],
                         [("event:content_download", 10), ("event:pricing_page", 25)])
        self.assertEqual(second["score_breakdown"][0]["at"], first["received_at"])

    def test_a_different_person_starts_from_nothing(self):
        self.d.lead(email="a@acme.example", event="demo_request")
        other = self.d.lead(email="b@acme.example", event="content_download")
        self.assertEqual(other["score"], 10)

    def test_fit_comes_from_the_latest_attributes(self):
        self.d.lead(email="vp@acme.example", title="VP Sales", event="webinar")
        later = self.d.lead(email="vp@acme.example", event="pricing_page")
        # The title came with the first form only; it still counts.
        self.assertEqual(later["score"], 20 + 15 + 25)
        self.assertNotIn("title", later["fields"])   # the lead keeps what it was sent

    def test_crossing_the_threshold_is_an_event(self):
        a = self.d.lead(email="m@acme.example", event="pricing_page")
        self.assertFalse(a["mql"])
        b = self.d.lead(email="m@acme.example", event="pricing_page")
        self.assertTrue(b["mql"])
        self.assertEqual(types(events_of(self.d, b["id"]))[:2], ["received", "became_mql"])
        self.assertNotIn("became_mql", types(events_of(self.d, a["id"])))
        c = self.d.lead(email="m@acme.example", event="content_download")
        self.assertNotIn("became_mql", types(events_of(self.d, c["id"])))
        stream = self.redis.cmd("XRANGE", "lr:events", "-", "+")
        became = [e for e in stream if e[1][1] == "became_mql"]
        self.assertEqual(len(became), 1)
        fields = dict(zip(became[0][1][::2], became[0][1][1::2]))
        self.assertEqual((fields["lead"], fields["score"]), (b["id"], "50"))
        metrics = self.d.get("/metrics").raw
        self.assertIn("people_became_mql_total 1", metrics)

    def test_identities_link_and_any_one_finds_the_person(self):
        a = self.d.lead(email="li@acme.example", event="content_download")
        b = self.d.lead(email="li@acme.example", phone="+49 30 1234567", event="webinar")
        c = self.d.lead(phone="+4930 1234567", event="pricing_page")
        d = self.d.lead(crm_id="0031x00000AbCd", phone="+49301234567", event="webinar")
        e = self.d.lead(crm_id="0031x00000AbCd", event="content_download")
        self.assertEqual({a["person"], b["person"], c["person"], d["person"], e["person"]},
                         {a["person"]})
        self.assertEqual(e["score"], 10 + 15 + 25 + 15 + 10)
        person = self.redis.cmd("HGETALL", "lr:person:" + a["person"])
        person = dict(zip(person[::2], person[1::2]))
        self.assertEqual(len(person["ids"].split(",")), 3)        # email, phone, crm id
        # Each identity seen with a known one is linked, and the history says so.
        self.assertEqual([events_of(self.d, x["id"])[0].get("linked") for x in (a, b, c, d, e)],
                         [None, "phone", None, "crm", None])
        other = self.d.lead(email="someone@else.example", event="webinar")
        mixed = self.d.lead(email="someone@else.example", phone="+49301234567")
        self.assertEqual(mixed["person"], other["person"])
        self.assertEqual(events_of(self.d, mixed["id"])[0].get("not_linked"), "phone")
        self.assertEqual(person["leads"].split(","), [x["id"] for x in (a, b, c, d, e)])
        # A CRM id keeps its case: another case is another record.
        f = self.d.lead(crm_id="0031x00000abcd", event="content_download")
        self.assertNotEqual(f["person"], a["person"])

    def test_a_person_with_one_lead_has_no_record_until_the_second(self):
        first = self.d.lead(email="one@acme.example", phone="+1 555 0100", event="webinar")
        whos = [self.redis.cmd("GET", k) for k in self.redis.cmd("KEYS", "lr:who:*")]
        self.assertEqual(whos, [first["person"] + "|" + first["id"]] * 2)
        self.assertEqual(self.redis.cmd("KEYS", "lr:person:*"), [])
        second = self.d.lead(phone="+15550100", event="webinar")
        self.assertEqual(second["person"], first["person"])
        self.assertEqual(second["score"], 30)      # the first lead's behaviour counted
        whos = [self.redis.cmd("GET", k) for k in self.redis.cmd("KEYS", "lr:who:*")]
        self.assertEqual(whos, [first["person"]] * 2)
        record = self.redis.cmd("HGETALL", "lr:person:" + first["person"])
        record = dict(zip(record[::2], record[1::2]))
        self.assertEqual(record["leads"], first["id"] + "," + second["id"])
        self.assertEqual(len(record["ids"].split(",")), 2)
        self.assertEqual([b["p"] for b in json.loads(record["behavior"])], [15, 15])

    def test_a_crm_id_alone_names_a_person(self):
        a = self.d.lead(crm_id=501, event="pricing_page")
        b = self.d.lead(crm_id="501", event="pricing_page")
        self.assertEqual(a["person"], b["person"])
        self.assertEqual(b["score"], 50)
        r = self.d.post("/v1/leads", {"crm_id": "  ", "event": "webinar"})
        self.assertError(r, 422, "invalid_field", "crm_id")

    def test_simulate_reads_the_person_and_writes_nothing(self):
        self.d.lead(email="s@acme.example", event="pricing_page")
        before = self.redis_keys()
        sim = self.d.post("/v1/route/simulate", {"email": "s@acme.example", "event": "pricing_page"})
        self.assertEqual(sim.status, 200, sim)
        self.assertEqual(sim.json["score"], 50)
        self.assertTrue(sim.json["mql"])
        self.assertEqual(self.redis_keys(), before)


class DecayTests(DaemonTestCase):
    """Decay with a past planted in the person's record: what the script reads back."""

    conf_overrides = {"extra": DECAY}

    def plant(self, lead, past):
        self.redis.cmd("HSET", "lr:person:" + lead["person"], "behavior", json.dumps(past))

    def test_the_definitions_publish_the_decay(self):
        scoring = self.d.get("/v1/definitions").json["scoring"]
        self.assertEqual(scoring["decay"], {"half_life_ms": 30 * DAY, "expire_after_ms": None})
        self.assertIs(scoring["hold_below_mql"], False)

    def test_points_halve_every_half_life_and_the_breakdown_says_so(self):
        self.d.lead(email="d@acme.example", event="webinar")
        first = self.d.lead(email="d@acme.example", event="webinar")   # now with a record
        now = int(time.time() * 1000)
        self.plant(first, [{"r": "event:demo_request", "p": 40, "at": now - 30 * DAY},
                           {"r": "event:pricing_page", "p": 25, "at": now - 60 * DAY},
                           {"r": "event:webinar", "p": 15, "at": now - 365 * DAY}])
        lead = self.d.lead(email="d@acme.example", event="content_download")
        got = [(b["reason"], b["points"], b["earned"]) for b in lead["score_breakdown"]]
        # 40 after one half-life is 20; 25 after two is 6; 15 after a year rounds to 0: gone.
        self.assertEqual(got, [("event:demo_request", 20, 40), ("event:pricing_page", 6, 25),
                               ("event:content_download", 10, 10)])
        self.assertEqual(lead["score"], 36)
        kept = json.loads(self.redis.cmd("HGET", "lr:person:" + lead["person"], "behavior"))
        self.assertEqual([k["r"] for k in kept],
                         ["event:demo_request", "event:pricing_page", "event:content_download"])


class ExpiryTests(DaemonTestCase):

    conf_overrides = {"extra": EXPIRE}

    def test_points_count_whole_until_they_expire(self):
        self.d.lead(email="x@acme.example", event="webinar")
        first = self.d.lead(email="x@acme.example", event="webinar")
        now = int(time.time() * 1000)
        self.redis.cmd("HSET", "lr:person:" + first["person"], "behavior", json.dumps([
            {"r": "event:demo_request", "p": 40, "at": now - 89 * DAY},
            {"r": "event:pricing_page", "p": 25, "at": now - 91 * DAY}]))
        lead = self.d.lead(email="x@acme.example", event="content_download")
        self.assertEqual(lead["score"], 50)
        self.assertTrue(lead["mql"])


class HoldTests(DaemonTestCase):
    """hold_below_mql: a person below the threshold waits in nurture; crossing it routes."""

    conf_overrides = {"extra": HOLD, "join": "30d"}

    def test_held_until_the_person_becomes_an_mql_then_routed_with_clocks(self):
        lead = self.d.lead(email="h@acme.example", country="DE", event="pricing_page")
        self.assertEqual((lead["status"], lead["rule"], lead["owner"]),
                         ("nurture", "hold_below_mql", None))
        self.assertNotIn("first_touch", lead["clocks"])
        again = self.d.post("/v1/leads", {"email": "h@acme.example", "event": "webinar"})
        self.assertEqual(again.status, 200, again)
        self.assertTrue(again.json["re_engaged"])
        got = again.json
        self.assertEqual(got["id"], lead["id"])
        self.assertEqual(got["status"], "nurture")          # 40: still below 50
        third = self.d.post("/v1/leads", {"email": "h@acme.example", "event": "content_download"})
        got = third.json
        self.assertEqual(got["id"], lead["id"])
        self.assertEqual((got["status"], got["owner"], got["rule"]), ("assigned", "ana", "emea"))
        self.assertEqual(got["score"], 50)
        self.assertEqual(got["stage"], "mql")
        self.assertTrue(got["clocks"]["first_touch"]["running"])
        self.assertEqual(types(events_of(self.d, lead["id"])),
                         ["received", "nurture", "re_engaged", "re_engaged", "became_mql",
                          "assigned"])
        self.assertEqual(self.redis.cmd("HGET", "lr:rep_open", "ana"), "1")
        self.assertIsNotNone(self.redis.cmd("ZSCORE", "lr:deadlines", "first_touch:" + lead["id"]))
        # The scorecard sees a sales lead in stage mql from the moment it was routed.
        overall = self.d.get("/v1/scorecard").json["overall"]
        self.assertEqual((overall["leads_received"], overall["sales_leads"],
                          overall["leads_routed"], overall["stages"]["mql"]), (1, 1, 1, 1))

    def test_a_person_already_qualified_is_routed_at_once(self):
        lead = self.d.lead(email="q@acme.example", country="DE", event="demo_request",
                           title="Director")
        self.assertEqual((lead["status"], lead["owner"]), ("assigned", "ana"))
        self.assertEqual(types(events_of(self.d, lead["id"])),
                         ["received", "became_mql", "assigned"])


class JoinTests(DaemonTestCase):
    """Repeats join the person's open lead: one slot, one set of clocks."""

    conf_overrides = {"extra": SCORING, "join": "30d"}

    def test_four_forms_make_one_lead_with_one_slot_and_one_clock(self):
        first = self.d.lead(email="f@acme.example", country="DE", event="content_download")
        due = first["clocks"]["first_touch"]["due_at"]
        for ev in ("webinar", "content_download", "pricing_page"):
            r = self.d.post("/v1/leads", {"email": "f@acme.example", "event": ev,
                                          "company": "Acme"})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["id"], first["id"])
            self.assertEqual(r.headers["location"], "/v1/leads/" + first["id"])
        lead = self.d.get("/v1/leads/" + first["id"]).json
        self.assertEqual(types(lead["events"]), ["received", "assigned", "re_engaged",
                                                 "re_engaged", "re_engaged", "became_mql"])
        self.assertEqual(lead["events"][4]["event"], "pricing_page")
        self.assertEqual(lead["score"], 10 + 15 + 10 + 25)
        self.assertEqual(lead["fields"]["company"], "Acme")      # the latest attributes
        self.assertEqual(lead["fields"]["event"], "content_download")   # its own event stays
        self.assertEqual(lead["clocks"]["first_touch"]["due_at"], due)
        self.assertEqual(self.redis.cmd("HGET", "lr:rep_open", "ana"), "1")
        self.assertEqual(len(self.redis.cmd("KEYS", "lr:lead:*")), 1)
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 1)
        stream = [e[1][1] for e in self.redis.cmd("XRANGE", "lr:events", "-", "+")]
        self.assertEqual(stream.count("re_engaged"), 3)
        self.assertEqual(stream.count("received"), 1)
        self.assertIn("leads_re_engaged_total 3", self.d.get("/metrics").raw)

    def test_the_scorecard_counts_people_and_leads_both(self):
        for ev in ("content_download", "webinar", "pricing_page"):
            self.d.post("/v1/leads", {"email": "s1@acme.example", "country": "DE", "event": ev})
        self.d.lead(email="s2@acme.example", country="DE")
        r = self.d.lead(email="s3@acme.example", country="DE")
        self.d.post("/v1/leads/%s/reject" % r["id"], {"rep": r["owner"], "reason": "duplicate"})
        self.d.lead(email="s3@acme.example", country="DE")      # closed: a second lead
        overall = self.d.get("/v1/scorecard").json["overall"]
        self.assertEqual((overall["leads_received"], overall["people_received"],
                          overall["re_engaged"], overall["became_mql"]), (4, 3, 2, 1))
        csv = self.d.get("/v1/scorecard?format=csv").raw.splitlines()
        self.assertTrue(csv[0].endswith(",people_received,re_engaged,became_mql"), csv[0])
        self.assertTrue(csv[1].endswith(",3,2,1"), csv[1])

    def test_a_replayed_event_id_is_a_replay_not_another_re_engagement(self):
        first = self.d.lead(email="r@acme.example", country="DE")
        body = {"email": "r@acme.example", "event": "webinar", "event_id": "ev-1"}
        a = self.d.post("/v1/leads", body)
        b = self.d.post("/v1/leads", body)
        self.assertEqual((a.status, b.status), (200, 200))
        self.assertEqual(a.json["id"], first["id"])
        self.assertEqual(b.json["id"], first["id"])
        self.assertNotIn("re_engaged", b.json)
        self.assertEqual(types(events_of(self.d, first["id"])).count("re_engaged"), 1)

    def test_a_closed_lead_is_not_joined(self):
        first = self.d.lead(email="c@acme.example", country="DE")
        r = self.d.post("/v1/leads/%s/reject" % first["id"],
                        {"rep": "ana", "reason": "wrong_company_size"})
        self.assertEqual(r.status, 200, r)
        again = self.d.lead(email="c@acme.example", country="DE", event="demo_request")
        self.assertNotEqual(again["id"], first["id"])
        self.assertEqual(again["person"], first["person"])

    def test_a_recycled_lead_is_not_joined(self):
        first = self.d.lead(email="rc@acme.example", country="DE")
        r = self.d.post("/v1/leads/%s/reject" % first["id"], {"rep": "ana", "reason": "bad_timing"})
        self.assertEqual((r.status, r.json["status"]), (200, "nurture"), r)
        again = self.d.lead(email="rc@acme.example", country="DE", event="demo_request")
        self.assertNotEqual(again["id"], first["id"])
        self.assertEqual(again["status"], "assigned")

    def test_parallel_events_of_one_person_make_one_lead(self):
        results = []

        def send(i):
            results.append(self.d.post("/v1/leads", {"email": "p@acme.example",
                                                     "country": "DE", "event": "webinar"}))
        threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(r.status for r in results), [200] * 11 + [201])
        self.assertEqual(len({r.json["id"] for r in results}), 1)
        lead = self.d.get("/v1/leads/" + results[0].json["id"]).json
        self.assertEqual(types(lead["events"]).count("re_engaged"), 11)
        self.assertEqual(lead["score"], 12 * 15)
        # One daemon lets one person's leads through one at a time: no race to retry.
        self.assertNotIn("person_decisions_retried_total 1", self.d.get("/metrics").raw)

    def test_two_daemons_racing_for_one_person_make_one_lead(self):
        d2 = self.new_daemon(extra=SCORING, join="30d")
        results = []

        def send(i):
            results.append((self.d, d2)[i % 2].post("/v1/leads", {
                "email": "race@acme.example", "country": "DE", "event": "webinar"}))
        threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(r.status for r in results), [200] * 15 + [201])
        self.assertEqual(len({r.json["id"] for r in results}), 1)
        lead = self.d.get("/v1/leads/" + results[0].json["id"]).json
        self.assertEqual(lead["score"], 16 * 15)
        self.assertEqual(self.redis.cmd("HGET", "lr:rep_open", "ana"), "1")

    def test_outside_the_window_a_repeat_is_a_new_lead(self):
        d = self.new_daemon(extra=SCORING, join="1s")
        self.d.stop()
        first = d.lead(email="w@acme.example", country="DE")
        time.sleep(1.1)
        again = d.lead(email="w@acme.example", country="DE")
        self.assertNotEqual(again["id"], first["id"])


class RestartTests(DaemonTestCase):

    # The harness writes join= as leads.join_window's value: the next key rides along.
    conf_overrides = {"extra": SCORING,
                      "join": "30d\n  restart_first_touch_on: [demo_request]"}

    def test_higher_intent_restarts_the_first_touch(self):
        lead = self.d.lead(email="t@acme.example", country="DE", event="content_download")
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(self.d.get("/v1/leads/" + lead["id"]).json["clocks"]["first_touch"]["running"])
        # Another download does not ask for a new answer; a demo request does.
        self.d.post("/v1/leads", {"email": "t@acme.example", "event": "content_download"})
        self.assertFalse(self.d.get("/v1/leads/" + lead["id"]).json["clocks"]["first_touch"]["running"])
        r = self.d.post("/v1/leads", {"email": "t@acme.example", "event": "demo_request"})
        self.assertEqual(r.status, 200, r)
        clock = r.json["clocks"]["first_touch"]
        self.assertTrue(clock["running"])
        self.assertGreater(clock["due_at"], lead["clocks"]["first_touch"]["due_at"])
        history = events_of(self.d, lead["id"])
        self.assertEqual(types(history)[-2:], ["re_engaged", "became_mql"])
        self.assertEqual(history[-2].get("restarts"), "assigned")
        self.assertNotIn("restarts", history[-3])
        self.assertEqual(self.redis.cmd("HGET", "lr:rep_open", "ana"), "0")   # no new slot


class StickyTests(DaemonTestCase):
    """A closed lead's person coming back goes to the previous owner when sticky is on."""

    conf_overrides = {"extra": SCORING, "join": "30d", "sticky": "30d"}

    def test_a_closed_leads_person_comes_back_to_the_previous_owner(self):
        first = self.d.lead(email="b@acme.example", country="DE")
        self.assertEqual(first["owner"], "ana")
        self.d.lead(email="other@acme.example", country="DE")      # ben is next in rotation
        r = self.d.post("/v1/leads/%s/reject" % first["id"],
                        {"rep": "ana", "reason": "wrong_company_size"})
        self.assertEqual(r.status, 200, r)
        back = self.d.lead(email="b@acme.example", country="DE", event="demo_request")
        self.assertNotEqual(back["id"], first["id"])
        self.assertEqual(back["owner"], "ana")
        trace = self.redis.cmd("HGET", "lr:lead:" + back["id"], "trace")
        self.assertTrue(trace.startswith("sticky|%s|ana=chosen" % first["id"]), trace)


if __name__ == "__main__":
    main()
