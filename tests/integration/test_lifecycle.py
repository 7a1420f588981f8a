"""The hand-off contract: stages, accept/reject with reasons, touches and the
cadence, stage moves with their clocks, inbound events, shared definitions."""

import time

import harness
from harness import DaemonTestCase, main, wait_for

NURTURE_RULES = """\
  - name: students
    when: {source: [student-fair]}
    nurture: true
  - name: emea
    when:
      country: [DE, FR, GB]
    pool: emea
  - name: default
    pool: amer
"""

REJECT_THEN = {
    "wrong_title": "recycled", "wrong_company_size": "disqualified", "bad_timing": "recycled",
    "no_contact_info": "disqualified", "duplicate": "disqualified", "competitor": "disqualified",
    "student_or_job_seeker": "disqualified", "other": "recycled",
}


class LifecycleTests(DaemonTestCase):

    conf_overrides = {"rules": NURTURE_RULES}

    def new_lead(self, **kw):
        fields = dict(email="l%d@x.com" % time.monotonic_ns(), country="DE")
        fields.update(kw)
        return self.d.lead(**fields)

    def act(self, lead, action, body, status=200, **kw):
        r = self.d.post("/v1/leads/%s/%s" % (lead["id"], action), body, **kw)
        self.assertEqual(r.status, status, r)
        return r.json

    def history(self, lead):
        return self.d.get("/v1/leads/" + lead["id"]).json["events"]

    # Arrival

    def test_leads_arrive_in_their_entry_stage(self):
        self.assertEqual(self.new_lead()["stage"], "mql")
        pql = self.new_lead(stage="pql")
        self.assertEqual(pql["stage"], "pql")
        self.assertEqual(self.d.get("/v1/leads/" + pql["id"]).json["stage"], "pql")
        nurtured = self.new_lead(source="student-fair")
        self.assertEqual((nurtured["status"], nurtured["stage"]), ("nurture", None))
        r = self.d.post("/v1/leads", {"email": "s@x.com", "stage": "sql"})
        self.assertError(r, 422, "invalid_field", "stage")
        self.assertIn("mql, pql, eql", r.json["error"]["message"])
        self.assertEqual(len(self.redis.cmd("KEYS", "lr:lead:*")), 3)

    # Accept

    def test_owner_accepts_and_only_the_owner(self):
        lead = self.new_lead()
        self.assertEqual(lead["owner"], "ana")
        r = self.d.post("/v1/leads/%s/accept" % lead["id"], {"rep": "ben"})
        self.assertError(r, 409, "not_owner", "rep")
        out = self.act(lead, "accept", {"rep": "ana", "note": "good fit"})
        self.assertEqual((out["stage"], out["stage_by"], out["status"]), ("sal", "ana", "assigned"))
        self.assertIsNotNone(out["decided_at"])
        ev = self.history(lead)[-1]
        self.assertEqual((ev["type"], ev["from"], ev["to"], ev["by"], ev["note"]),
                         ("accepted", "mql", "sal", "ana", "good fit"))
        r = self.d.post("/v1/leads/%s/accept" % lead["id"], {"rep": "ana"})
        self.assertError(r, 409, "stage_conflict", "stage")
        self.assertEqual(r.json["error"]["stage"], "sal")
        self.assertEqual(r.json["error"]["allowed"], ["sql", "recycled", "disqualified"])
        r = self.d.post("/v1/leads/%s/accept" % lead["id"], {})
        self.assertError(r, 422, "missing_field", "rep")
        r = self.d.post("/v1/leads/01HZZZZZZZZZZZZZZZZZZZZZZZ/accept", {"rep": "ana"})
        self.assertError(r, 404, "not_found")

    def test_a_refused_move_says_since_when_and_by_whom(self):
        """The stage script's refusal names the stage, when it was entered and
        by whom (what a Slack message shows: "already accepted by ana at 14:02")."""
        lead = self.new_lead()
        fn = harness.script_function(self.redis, "stage")
        self.assertIsNotNone(fn, "the daemon loaded no stage function")
        self.act(lead, "accept", {"rep": "ana"})
        at = self.redis.cmd("HGET", "lr:lead:" + lead["id"], "stage_at")

        def stage(action, who, to, frm):
            return self.redis.cmd("FCALL", fn, "1", "lr:seq", "lr", str(int(time.time() * 1000)),
                                  "1000", lead["id"], action, who, to, frm, "open", "", "", "",
                                  "0", "", "60000")
        self.assertEqual(stage("accept", "ana", "sal", ",mql,pql,eql,"),
                         ["conflict", "sal", at, "ana"])
        lead = self.new_lead()      # in the stage it arrived in: nobody moved it there
        at = self.redis.cmd("HGET", "lr:lead:" + lead["id"], "stage_at")
        self.assertIsNotNone(at)
        self.assertEqual(stage("stage", "x", "won", ",opportunity,"), ["conflict", "mql", at, ""])

    def test_queued_lead_cannot_be_accepted(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        lead = self.new_lead()
        r = self.d.post("/v1/leads/%s/accept" % lead["id"], {"rep": "ana"})
        self.assertError(r, 409, "no_owner", "rep")

    # Reject

    def test_every_reject_reason_goes_where_configured(self):
        for reason, then in REJECT_THEN.items():
            lead = self.new_lead()
            body = {"rep": lead["owner"], "reason": reason}
            if reason == "other":
                r = self.d.post("/v1/leads/%s/reject" % lead["id"], body)
                self.assertError(r, 422, "missing_field", "note")
                body["note"] = "asked to be called next year"
            out = self.act(lead, "reject", body)
            self.assertEqual(out["stage"], then, reason)
            self.assertEqual(out["reject_reason"], reason)
            self.assertEqual(out["status"], "nurture" if then == "recycled" else "closed")
            ev = self.history(lead)[-1]
            self.assertEqual((ev["type"], ev["reason"], ev["to"]), ("rejected", reason, then))

    def test_reject_needs_a_known_reason(self):
        lead = self.new_lead()
        for body, code in (({"rep": "ana"}, "missing_field"),
                           ({"rep": "ana", "reason": "meh"}, "invalid_field"),
                           ({"rep": "ana", "reason": 7}, "invalid_field")):
            r = self.d.post("/v1/leads/%s/reject" % lead["id"], body)
            self.assertError(r, 422, code, "reason")
            self.assertEqual(r.json["error"]["valid"], list(REJECT_THEN))
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["stage"], "mql")

    def test_reject_frees_the_owner_and_stops_the_clocks(self):
        lead = self.new_lead()
        self.assertEqual(self.redis.cmd("HGET", "lr:rep_open", "ana"), "1")
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 1)   # first_touch
        self.act(lead, "reject", {"rep": "ana", "reason": "duplicate"})
        self.assertEqual(self.redis.cmd("HGET", "lr:rep_open", "ana"), "0")
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 0)
        clock = self.d.get("/v1/leads/" + lead["id"]).json["clocks"]["first_touch"]
        self.assertFalse(clock["running"])
        self.assertFalse(clock["breached"])
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        self.assertError(r, 409, "lead_closed")

    # Touches and the cadence

    def test_every_touch_is_recorded_with_channel_and_outcome(self):
        lead = self.new_lead()
        out = self.act(lead, "touch", {"rep": "ana", "channel": "call", "outcome": "voicemail"})
        self.assertTrue(out["first_touch"])
        out = self.act(lead, "touch", {"rep": "ana", "channel": "email"})
        self.assertFalse(out["first_touch"])
        self.assertEqual(out["touches"], 2)
        self.assertEqual(out["cadence"]["touches"], 2)
        self.assertEqual(out["cadence"]["required"], 6)
        self.assertFalse(out["cadence"]["complete"])
        touches = [e for e in self.history(lead) if e["type"] == "touched"]
        self.assertEqual([(t["channel"], t.get("outcome")) for t in touches],
                         [("call", "voicemail"), ("email", None)])
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana", "outcome": "bad word!"})
        self.assertError(r, 422, "invalid_field", "outcome")

    def test_unresponsive_needs_the_full_cadence(self):
        lead = self.new_lead()
        self.act(lead, "accept", {"rep": "ana"})
        self.act(lead, "stage", {"stage": "sql", "by": "ana"})
        body = {"stage": "lost", "by": "ana", "reason": "unresponsive"}
        for n in range(5):
            self.act(lead, "touch", {"rep": "ana", "channel": "call"})
        r = self.d.post("/v1/leads/%s/stage" % lead["id"], body)
        self.assertError(r, 409, "cadence_incomplete", "reason")
        self.assertEqual((r.json["error"]["touches"], r.json["error"]["required"]), (5, 6))
        out = self.act(lead, "touch", {"rep": "ana", "channel": "email"})
        self.assertTrue(out["cadence"]["complete"])
        out = self.act(lead, "stage", body)
        self.assertEqual((out["stage"], out["lost_reason"], out["status"]),
                         ("lost", "unresponsive", "closed"))
        # Other loss reasons need no cadence.
        other = self.new_lead()
        self.act(other, "accept", {"rep": other["owner"]})
        self.act(other, "stage", {"stage": "sql", "by": "ana"})
        out = self.act(other, "stage", {"stage": "lost", "by": "ana", "reason": "no_budget"})
        self.assertEqual(out["stage"], "lost")

    # Stage moves

    def test_the_whole_funnel_with_amounts(self):
        lead = self.new_lead()
        self.act(lead, "accept", {"rep": "ana"})
        self.act(lead, "stage", {"stage": "sql", "by": "ana"})
        r = self.d.post("/v1/leads/%s/stage" % lead["id"], {"stage": "opportunity", "by": "ae1"})
        self.assertError(r, 422, "missing_field", "amount")
        for bad in (-1, "10", 1.234, 1e14):
            r = self.d.post("/v1/leads/%s/stage" % lead["id"],
                            {"stage": "opportunity", "by": "ae1", "amount": bad})
            self.assertError(r, 422, "invalid_field", "amount")
        out = self.act(lead, "stage", {"stage": "opportunity", "by": "ae1", "amount": 12500.5})
        self.assertEqual((out["stage"], out["amount"], out["stage_by"]),
                         ("opportunity", 12500.5, "ae1"))
        out = self.act(lead, "stage", {"stage": "won", "by": "ae1"})
        self.assertEqual((out["stage"], out["amount"], out["status"]), ("won", 12500.5, "closed"))
        moves = [(e["type"], e["from"], e["to"], e["by"]) for e in self.history(lead)
                 if e["type"] in ("accepted", "stage")]
        self.assertEqual(moves, [("accepted", "mql", "sal", "ana"), ("stage", "sal", "sql", "ana"),
                                 ("stage", "sql", "opportunity", "ae1"),
                                 ("stage", "opportunity", "won", "ae1")])
        stamps = [e["at"] for e in self.history(lead) if e["type"] == "stage"]
        self.assertEqual(stamps, sorted(stamps))
        # A won deal is final.
        r = self.d.post("/v1/leads/%s/stage" % lead["id"], {"stage": "lost", "by": "ae1",
                                                            "reason": "no_budget"})
        self.assertError(r, 409, "stage_conflict", "stage")
        self.assertEqual(r.json["error"]["allowed"], [])

    def test_refused_moves_name_the_allowed_ones(self):
        lead = self.new_lead()
        cases = [("sql", ["sal", "recycled", "disqualified"]),
                 ("opportunity", ["sal", "recycled", "disqualified"]),
                 ("won", ["sal", "recycled", "disqualified"])]
        for stage, allowed in cases:
            body = {"stage": stage, "by": "ana"}
            if stage == "opportunity":
                body["amount"] = 10
            r = self.d.post("/v1/leads/%s/stage" % lead["id"], body)
            self.assertError(r, 409, "stage_conflict", "stage")
            self.assertEqual(r.json["error"]["allowed"], allowed, stage)
            self.assertIn("mql", r.json["error"]["message"])
        r = self.d.post("/v1/leads/%s/stage" % lead["id"], {"stage": "lost", "by": "ana"})
        self.assertError(r, 422, "missing_field", "reason")
        self.assertIn("unresponsive", r.json["error"]["valid"])
        r = self.d.post("/v1/leads/%s/stage" % lead["id"], {"stage": "nope", "by": "ana"})
        self.assertError(r, 422, "invalid_field", "stage")
        self.assertIn("opportunity", r.json["error"]["valid"])
        r = self.d.post("/v1/leads/%s/stage" % lead["id"], {"stage": "sal"})
        self.assertError(r, 422, "missing_field", "by")
        r = self.d.post("/v1/leads/%s/stage" % lead["id"],
                        {"stage": "sal", "by": "ana", "reason": "no_budget"})
        self.assertError(r, 422, "invalid_field", "reason")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["stage"], "mql")
        nurtured = self.new_lead(source="student-fair")
        r = self.d.post("/v1/leads/%s/stage" % nurtured["id"], {"stage": "sal", "by": "ana"})
        self.assertError(r, 409, "no_stage")

    def test_every_move_of_the_default_lifecycle(self):
        """From each stage, every other stage: allowed exactly when the definitions say so."""
        defs = {st["id"]: st["next"] for st in self.d.get("/v1/definitions").json["stages"]}
        paths = {   # how a lead gets to each stage
            "mql": [], "pql": [], "eql": [],
            "sal": [("accept", {})],
            "sql": [("accept", {}), ("stage", {"stage": "sql"})],
            "opportunity": [("accept", {}), ("stage", {"stage": "sql"}),
                            ("stage", {"stage": "opportunity", "amount": 10})],
            "won": [("accept", {}), ("stage", {"stage": "sql"}),
                    ("stage", {"stage": "opportunity", "amount": 10}), ("stage", {"stage": "won"})],
            "lost": [("accept", {}), ("stage", {"stage": "sql"}),
                     ("stage", {"stage": "lost", "reason": "no_budget"})],
            "recycled": [("reject", {"reason": "wrong_title"})],
            "disqualified": [("reject", {"reason": "duplicate"})],
        }
        extra = {"opportunity": {"amount": 5}, "lost": {"reason": "no_budget"}}

        def lead_at(stage):
            lead = self.new_lead(stage=stage) if stage in ("pql", "eql") else self.new_lead()
            for action, body in paths[stage]:
                body = dict(body, rep=lead["owner"]) if action != "stage" else dict(body, by="x")
                self.act(lead, action, body)
            self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["stage"], stage)
            return lead

        checked = 0
        for frm in defs:
            refused = lead_at(frm)
            for to in defs:
                if to == frm:
                    continue
                body = dict(extra.get(to, {}), stage=to, by="x")
                if to in defs[frm]:
                    out = self.act(lead_at(frm), "stage", body)
                    self.assertEqual(out["stage"], to)
                else:
                    r = self.d.post("/v1/leads/%s/stage" % refused["id"], body)
                    self.assertError(r, 409, "stage_conflict", "stage")
                    self.assertEqual(r.json["error"]["allowed"], defs[frm], (frm, to))
                checked += 1
            self.assertEqual(self.d.get("/v1/leads/" + refused["id"]).json["stage"], frm)
        self.assertEqual(checked, 90)

    # Inbound events

    def test_inbound_events_are_idempotent(self):
        lead = self.new_lead()
        ev = {"type": "touch", "lead": lead["id"], "event_id": "outreach-1", "rep": "ana",
              "channel": "email", "outcome": "replied"}
        r = self.d.post("/v1/events", ev)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["touches"], 1)
        r = self.d.post("/v1/events", ev)
        self.assertEqual((r.status, r.json["touches"], r.json.get("replayed")), (200, 1, True))
        st = {"type": "stage", "lead": lead["id"], "by": "crm"}
        r = self.d.post("/v1/events", dict(st, stage="sal"), headers={"Idempotency-Key": "sf-9"})
        self.assertEqual((r.status, r.json["stage"]), (200, "sal"))
        r = self.d.post("/v1/events", dict(st, stage="sal"), headers={"Idempotency-Key": "sf-9"})
        self.assertEqual((r.status, r.json["stage"], r.json.get("replayed")), (200, "sal", True))
        other = self.new_lead()
        r = self.d.post("/v1/events", dict(ev, lead=other["id"]))
        self.assertError(r, 409, "idempotency_conflict", "event_id")
        self.assertEqual(self.d.get("/v1/leads/" + other["id"]).json["touches"], 0)
        r = self.d.post("/v1/events", {"type": "email", "lead": lead["id"]})
        self.assertError(r, 422, "invalid_field", "type")
        r = self.d.post("/v1/events", {"type": "touch"})
        self.assertError(r, 422, "missing_field", "lead")
        r = self.d.post("/v1/events", dict(ev, event_id="x" * 300))
        self.assertError(r, 422, "invalid_field", "event_id")
        touches = [e for e in self.history(lead) if e["type"] == "touched"]
        self.assertEqual(len(touches), 1)

    def state(self, lead):
        """What a refused action must leave alone: the lead's hash, the event
        stream and the idempotency records with their values."""
        idem = sorted(self.redis.cmd("KEYS", "lr:idem:*"))
        return (self.redis.cmd("HGETALL", "lr:lead:" + lead["id"]),
                self.redis.cmd("XLEN", "lr:events"),
                [(k, self.redis.cmd("GET", k)) for k in idem])

    def test_an_action_key_with_another_request_is_refused(self):
        lead = self.new_lead()
        path = "/v1/leads/%s/touch" % lead["id"]
        h = {"Idempotency-Key": "dialer-5"}
        body = {"rep": "ana", "channel": "call", "outcome": "voicemail"}
        r = self.d.post(path, body, headers=h)
        self.assertEqual((r.status, r.json["touches"]), (200, 1), r)
        self.assertRegex(self.redis.cmd("GET", "lr:idem:ev:dialer-5"),
                         "^%s\\|[0-9a-f]{16}$" % lead["id"])
        # The same touch, its members in another order and spacing: a replay.
        raw = '{"outcome": "voicemail",\n "channel": "call", "rep": "ana"}'
        r = self.d.post(path, raw, headers=dict(h, **{"Content-Type": "application/json"}))
        self.assertEqual((r.status, r.json["touches"], r.json.get("replayed")), (200, 1, True))
        # Another channel, another outcome, none, or another action: refused, naming the key.
        before = self.state(lead)
        for action, other in (("touch", dict(body, channel="email")),
                              ("touch", dict(body, outcome="connected")),
                              ("touch", {"rep": "ana"}),
                              ("accept", {"rep": "ana"})):
            r = self.d.post("/v1/leads/%s/%s" % (lead["id"], action), other, headers=h)
            self.assertError(r, 422, "idempotency_key_reused", "Idempotency-Key")
            self.assertIn("dialer-5", r.json["error"]["message"])
            self.assertEqual(self.state(lead), before)
        # For another lead the key is the conflict it always was.
        other = self.new_lead()
        r = self.d.post("/v1/leads/%s/touch" % other["id"], {"rep": other["owner"]}, headers=h)
        self.assertError(r, 409, "idempotency_conflict")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["touches"], 1)

    def test_an_inbound_event_id_with_another_request_is_refused(self):
        lead = self.new_lead()
        ev = {"type": "stage", "lead": lead["id"], "event_id": "sf-opp-1", "by": "crm",
              "stage": "sal"}
        r = self.d.post("/v1/events", ev)
        self.assertEqual((r.status, r.json["stage"]), (200, "sal"), r)
        r = self.d.post("/v1/events", dict(reversed(list(ev.items()))))
        self.assertEqual((r.status, r.json.get("replayed")), (200, True), r)
        before = self.state(lead)
        for other in (dict(ev, by="someone-else"), dict(ev, stage="sql"),
                      dict(ev, note="moved by hand"), dict(ev, type="accept", rep="ana")):
            r = self.d.post("/v1/events", other)
            self.assertError(r, 422, "idempotency_key_reused", "event_id")
            self.assertIn("sf-opp-1", r.json["error"]["message"])
            self.assertEqual(self.state(lead), before)
        # An amount counts in cents, as the stage takes it.
        r = self.d.post("/v1/events", {"type": "stage", "lead": lead["id"], "event_id": "sf-opp-2",
                                       "by": "crm", "stage": "sql"})
        self.assertEqual(r.status, 200, r)
        opp = {"type": "stage", "lead": lead["id"], "event_id": "sf-opp-3", "by": "crm",
               "stage": "opportunity", "amount": 12500.5}
        self.assertEqual(self.d.post("/v1/events", opp).status, 200)
        r = self.d.post("/v1/events", dict(opp, amount=12500.50))
        self.assertEqual((r.status, r.json.get("replayed")), (200, True), r)
        r = self.d.post("/v1/events", dict(opp, amount=12500.51))
        self.assertError(r, 422, "idempotency_key_reused", "event_id")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["amount"], 12500.5)

    def test_an_event_id_stored_without_a_fingerprint_replays_any_request(self):
        """Keys written before fingerprints (an upgrade) keep answering as they did."""
        lead = self.new_lead()
        self.redis.cmd("SET", "lr:idem:ev:old-1", lead["id"], "PX", "60000")
        r = self.d.post("/v1/events", {"type": "touch", "lead": lead["id"], "event_id": "old-1",
                                       "rep": "ana", "channel": "sms"})
        self.assertEqual((r.status, r.json["touches"], r.json.get("replayed")), (200, 0, True))
        self.assertEqual(self.redis.cmd("GET", "lr:idem:ev:old-1"), lead["id"])


CLOCK_EXTRA = """\
    - name: acceptance
      start: assigned
      stop: [accepted, rejected]
      duration: 1s
    - name: meeting
      start: sql
      stop: opportunity
      duration: 1s
"""


class TransitionClockTests(DaemonTestCase):
    """Clocks started and stopped by lifecycle moves (SDR -> AE meeting, acceptance)."""

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        conf = self.conf_text()
        from harness import Daemon
        self.d = Daemon(self.tmp, conf, name="d1")
        self.daemons.append(self.d)
        self.d.start()

    def conf_text(self):
        from harness import make_conf
        text = make_conf(self.redis)
        marker = "      duration: 1h\n"
        self.assertIn(marker, text)
        return text.replace(marker, marker + CLOCK_EXTRA, 1)

    def escalations(self):
        return self.d.get("/v1/escalations").json["escalations"]

    def test_acceptance_clock(self):
        fast = self.d.lead(email="a@x.com", country="DE")
        slow = self.d.lead(email="b@x.com", country="DE")
        self.d.post("/v1/leads/%s/accept" % fast["id"], {"rep": fast["owner"]})
        esc = wait_for(lambda: [e for e in self.escalations() if e["clock"] == "acceptance"],
                       timeout=5, what="acceptance escalation")
        time.sleep(0.5)
        esc = [e for e in self.escalations() if e["clock"] == "acceptance"]
        self.assertEqual([e["lead"] for e in esc], [slow["id"]])
        clocks = self.d.get("/v1/leads/" + fast["id"]).json["clocks"]
        self.assertFalse(clocks["acceptance"]["running"])
        self.assertFalse(clocks["acceptance"]["breached"])

    def test_meeting_clock_runs_from_sql_to_opportunity(self):
        met = self.d.lead(email="m@x.com", country="DE")
        late = self.d.lead(email="n@x.com", country="DE")
        for lead in (met, late):
            self.d.post("/v1/leads/%s/accept" % lead["id"], {"rep": lead["owner"]})
            r = self.d.post("/v1/leads/%s/stage" % lead["id"], {"stage": "sql", "by": "sdr"})
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["clocks"]["meeting"]["running"])
        r = self.d.post("/v1/leads/%s/stage" % met["id"],
                        {"stage": "opportunity", "by": "ae", "amount": 5000})
        self.assertFalse(r.json["clocks"]["meeting"]["running"])
        self.assertFalse(r.json["clocks"]["meeting"]["breached"])
        wait_for(lambda: [e for e in self.escalations() if e["clock"] == "meeting"],
                 timeout=5, what="meeting escalation")
        time.sleep(0.5)
        esc = [e["lead"] for e in self.escalations() if e["clock"] == "meeting"]
        self.assertEqual(esc, [late["id"]])
        # Moving on stops it; the escalation resolves.
        self.d.post("/v1/leads/%s/stage" % late["id"], {"stage": "opportunity", "by": "ae",
                                                        "amount": 1})
        esc = [e for e in self.escalations() if e["clock"] == "meeting"][0]
        self.assertEqual(esc["status"], "resolved")


class DefinitionsTests(DaemonTestCase):

    def test_definitions_page(self):
        d = self.d.get("/v1/definitions").json
        self.assertRegex(d["version"], "^[0-9a-f]{12}$")
        ids = [s["id"] for s in d["stages"]]
        self.assertEqual(ids, ["mql", "pql", "eql", "sal", "sql", "opportunity", "won", "lost",
                               "recycled", "disqualified"])
        sal = d["stages"][3]
        self.assertEqual((sal["owner"], sal["kind"], sal["next"]),
                         ("sales", "open", ["sql", "recycled", "disqualified"]))
        self.assertTrue(sal["definition"])
        self.assertEqual(d["funnel"], ["mql", "sal", "sql", "opportunity", "won"])
        self.assertEqual([r["code"] for r in d["reject_reasons"]], list(REJECT_THEN))
        self.assertEqual([r["code"] for r in d["lost_reasons"]][0], "unresponsive")
        self.assertEqual(d["cadence"], {"touches": 6, "within_ms": 864000000})
        self.assertEqual([c["name"] for c in d["clocks"]], ["route", "first_touch"])
        self.assertIn("scoring", d)

    def test_history_records_each_change_once(self):
        h = self.d.get("/v1/definitions/history").json["versions"]
        self.assertEqual(len(h), 1)
        v1 = h[0]["version"]
        self.assertEqual(v1, self.d.get("/v1/definitions").json["version"])
        self.d.stop()
        self.d.start()                        # same definitions: nothing new
        self.assertEqual(len(self.d.get("/v1/definitions/history").json["versions"]), 1)
        from harness import make_conf
        changed = make_conf(self.redis, extra="""\
lifecycle:
  cadence: {touches: 8, within: 14d}
changelog:
  by: jane@revops
  why: SDR cadence is 8 touches in 14 days from Q3
""")
        self.d.write_conf(changed)
        self.d.send_signal(1)                 # SIGHUP
        wait_for(lambda: len(self.d.get("/v1/definitions/history").json["versions"]) == 2,
                 timeout=5, what="a second version")
        h = self.d.get("/v1/definitions/history").json["versions"]
        self.assertEqual(h[0]["changelog"], {"by": "jane@revops",
                                             "why": "SDR cadence is 8 touches in 14 days from Q3"})
        self.assertIsNone(h[1]["changelog"])
        self.assertEqual(h[1]["version"], v1)
        self.assertNotEqual(h[0]["version"], v1)
        old = self.d.get("/v1/definitions/history/" + v1).json
        self.assertEqual(old["cadence"]["touches"], 6)
        self.assertEqual(self.d.get("/v1/definitions").json["cadence"]["touches"], 8)
        page = self.d.get("/v1/definitions/history?limit=1").json
        self.assertEqual(len(page["versions"]), 1)
        rest = self.d.get("/v1/definitions/history?limit=1&cursor=" + page["next_cursor"]).json
        self.assertEqual(rest["versions"][0]["version"], v1)
        self.assertIsNone(rest["next_cursor"])
        self.assertEqual(self.d.get("/v1/definitions/history/0123456789ab").status, 404)


if __name__ == "__main__":
    main()
