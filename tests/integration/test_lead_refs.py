"""Leads found by any id: GET /v1/leads/{ref}, touch, accept, reject, stage and
POST /v1/events take email:, phone: and crm: references as well as lead ids,
resolved to the person's open lead (else their most recent); erasure by any
identity."""

import hashlib
import os
from urllib.parse import quote

import harness
from harness import DaemonTestCase, main

PERSON = {"email": "Grace.Hopper@Navy.example", "phone": "+1 (202) 555-0199",
          "crm_id": "003Dn00000AbCdE", "country": "DE"}


def path_of(ref):
    """A reference as a path segment: what a URL may not hold raw, percent-encoded."""
    return "/v1/leads/" + quote(ref, safe=":@+")


class LeadRefTests(DaemonTestCase):

    def get(self, ref, status=200):
        r = self.d.get(path_of(ref))
        self.assertEqual(r.status, status, (ref, r))
        return r

    def act(self, ref, action, body, status=200):
        r = self.d.post(path_of(ref) + "/" + action, body)
        self.assertEqual(r.status, status, (ref, action, r))
        return r.json

    # Reading

    def test_a_lead_is_found_by_its_email_phone_and_crm_id(self):
        lead = self.d.lead(**PERSON)
        for ref in ("email:grace.hopper@navy.example",
                    "email:GRACE.HOPPER@NAVY.EXAMPLE",      # an email's case is not its own
                    "EMAIL: Grace.Hopper@Navy.example ",   # nor the prefix's, nor spaces
                    "phone:+12025550199",
                    "phone:+1 202-555.0199",               # a phone's punctuation neither
                    "crm:003Dn00000AbCdE"):
            got = self.get(ref).json
            self.assertEqual(got["id"], lead["id"], ref)
            self.assertEqual(got["person"], lead["person"], ref)
            self.assertTrue(got["events"], ref)           # the lead as GET by id shows it
        # A CRM's id keeps its case; a phone's leading + counts.
        self.assertError(self.get("crm:003dn00000abcde", 404), 404, "lead_not_found")
        self.assertError(self.get("phone:12025550199", 404), 404, "lead_not_found")

    def test_a_plus_in_a_path_is_a_plus_raw_or_encoded(self):
        # libmicrohttpd decodes %XX in the path and leaves a raw + alone (only
        # a form-encoded query turns + into a space), so both forms work.
        lead = self.d.lead(email="ana+leads@example.com", phone="+44 20 7946 0958", country="DE")
        for path in ("/v1/leads/phone:+442079460958", "/v1/leads/phone:%2B442079460958",
                     "/v1/leads/phone%3A%2B44%2020%207946%200958",
                     "/v1/leads/email:ana+leads@example.com",
                     "/v1/leads/email:ana%2Bleads%40example.com"):
            r = self.d.get(path)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual(r.json["id"], lead["id"], path)

    def test_a_crm_id_sent_as_a_number_is_found_as_text(self):
        lead = self.d.lead(email="num@example.com", crm_id=12345, country="DE")
        self.assertEqual(self.get("crm:12345").json["id"], lead["id"])

    def test_a_lead_id_takes_no_extra_round_trip(self):
        lead = self.d.lead(**PERSON)
        resolve = harness.script_function(self.redis, "lead_resolve")
        lead_get = harness.script_function(self.redis, "lead_get")
        self.assertIsNotNone(resolve)
        self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
        self.redis.cmd("CONFIG", "SET", "slowlog-max-len", "100000")
        try:
            def runs(path):
                self.redis.cmd("SLOWLOG", "RESET")
                self.assertEqual(self.d.get(path).status, 200)
                calls = [e[3][1] for e in self.redis.cmd("SLOWLOG", "GET", "-1")
                         if e[3][0].lower() == "fcall"]
                return calls.count(resolve), calls.count(lead_get)
            self.assertEqual(runs("/v1/leads/" + lead["id"]), (0, 1))
            self.assertEqual(runs(path_of("email:grace.hopper@navy.example")), (1, 1))
        finally:
            self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            self.redis.cmd("SLOWLOG", "RESET")

    # None, several, the most recent

    def test_a_reference_to_no_one_is_404_naming_only_what_was_sent(self):
        self.d.lead(**PERSON)
        for ref in ("email:nobody@example.com", "phone:+1 999 555 0100", "crm:nope"):
            r = self.get(ref, 404)
            self.assertError(r, 404, "lead_not_found")
            self.assertEqual(r.json["error"]["message"], "no lead for " + ref)
        # Known to the daemon, the person's other details stay out of the answer.
        r = self.act("email:nobody@example.com", "touch", {"rep": "ana"}, 404)
        self.assertEqual(r["error"]["code"], "lead_not_found")
        self.assertNotIn("grace", self.get("crm:nope", 404).raw.lower())

    def test_two_open_leads_are_409_listing_them_newest_first(self):
        # Every POST /v1/leads is a new lead: the same email twice is one person, two leads.
        first = self.d.lead(email="twice@example.com", country="DE")
        second = self.d.lead(email="Twice@Example.com", phone="+1 202 555 0111", country="DE")
        self.assertEqual(first["person"], second["person"])
        for r in (self.get("email:twice@example.com", 409),
                  self.d.post(path_of("phone:+12025550111") + "/touch", {"rep": "ana"}),
                  self.d.post("/v1/events", {"type": "touch", "lead": "email:twice@example.com",
                                             "rep": "ana", "event_id": "amb-1"})):
            self.assertError(r, 409, "ambiguous_lead")
            self.assertEqual(r.json["error"]["leads"], [second["id"], first["id"]])
            self.assertIn("2 open leads", r.json["error"]["message"])
            self.assertIn(first["id"], r.json["error"]["message"])
        # Each is still found by its id, and nothing was recorded.
        self.assertEqual(self.d.get("/v1/leads/" + first["id"]).json["touches"], 0)

    def test_the_open_lead_else_the_most_recent(self):
        first = self.d.lead(email="again@example.com", country="DE")
        second = self.d.lead(email="again@example.com", country="DE")
        # The newer one closed: the older is the person's one open lead.
        self.act(second["id"], "reject", {"rep": second["owner"], "reason": "wrong_company_size"})
        self.assertEqual(self.get("email:again@example.com").json["id"], first["id"])
        # Both closed: the most recent.
        out = self.act("email:again@example.com", "reject",
                       {"rep": first["owner"], "reason": "wrong_company_size"})
        self.assertEqual((out["id"], out["stage"], out["status"]),
                         (first["id"], "disqualified", "closed"))
        self.assertEqual(self.get("email:again@example.com").json["id"], second["id"])
        # A lead whose record expired is passed over.
        self.redis.cmd("DEL", "lr:lead:" + second["id"])
        self.assertEqual(self.get("email:again@example.com").json["id"], first["id"])
        self.redis.cmd("DEL", "lr:lead:" + first["id"])
        self.assertError(self.get("email:again@example.com", 404), 404, "lead_not_found")

    # Acting

    def test_touch_accept_and_stage_by_reference(self):
        lead = self.d.lead(**PERSON)
        owner = lead["owner"]
        out = self.act("email:grace.hopper@navy.example", "touch", {"rep": owner, "channel": "call"})
        self.assertEqual((out["id"], out["first_touch"]), (lead["id"], True))
        out = self.act("phone:+12025550199", "accept", {"rep": owner})
        self.assertEqual((out["id"], out["stage"]), (lead["id"], "sal"))
        out = self.act("crm:003Dn00000AbCdE", "stage", {"stage": "sql", "by": "ae-jo"})
        self.assertEqual((out["id"], out["stage"], out["stage_by"]), (lead["id"], "sql", "ae-jo"))
        types = [e["type"] for e in self.d.get("/v1/leads/" + lead["id"]).json["events"]]
        self.assertEqual(types[-3:], ["touched", "accepted", "stage"])
        # The script's refusals name the lead's id, as they do for an id.
        r = self.d.post(path_of("crm:003Dn00000AbCdE") + "/touch", {"rep": "nobody"})
        self.assertError(r, 409, "not_owner", "rep")
        self.assertIn(lead["id"], r.json["error"]["message"])

    def test_reject_by_reference(self):
        lead = self.d.lead(**PERSON)
        out = self.act("crm:003Dn00000AbCdE", "reject", {"rep": lead["owner"],
                                                          "reason": "wrong_title"})
        self.assertEqual((out["id"], out["stage"], out["reject_reason"]),
                         (lead["id"], "recycled", "wrong_title"))

    def test_events_by_reference_and_their_retries(self):
        lead = self.d.lead(**PERSON)
        event = {"type": "touch", "lead": "email:Grace.Hopper@Navy.example", "rep": lead["owner"],
                 "channel": "email", "event_id": "seq-77"}
        r = self.d.post("/v1/events", event)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["id"], r.json["first_touch"]), (lead["id"], True))
        # A second lead makes the email name two open leads; the retried event
        # still finds the lead it touched, and replays.
        self.d.lead(email="grace.hopper@navy.example", country="DE")
        r = self.d.post("/v1/events", event)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["id"], r.json.get("replayed")), (lead["id"], True))
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["touches"], 1)
        # A new event by that email is ambiguous; by the crm id (the first lead's alone) it is not.
        r = self.d.post("/v1/events", dict(event, event_id="seq-78"))
        self.assertError(r, 409, "ambiguous_lead")
        r = self.d.post("/v1/events", {"type": "stage", "lead": "crm:003Dn00000AbCdE",
                                       "stage": "sal", "by": "crm", "event_id": "seq-79"})
        self.assertError(r, 409, "ambiguous_lead")       # the crm id is the same person's
        r = self.d.post("/v1/events", {"type": "stage", "lead": lead["id"], "stage": "sal",
                                       "by": "crm", "event_id": "seq-79"})
        self.assertEqual(r.status, 200, r)
        # An event id used on someone else's lead is no way into it.
        other = self.d.lead(email="other@example.com", country="DE")
        r = self.d.post("/v1/events", {"type": "touch", "lead": "email:other@example.com",
                                       "rep": other["owner"], "event_id": "seq-77"})
        self.assertError(r, 409, "idempotency_conflict", "event_id")

    # Bad references

    def test_a_malformed_reference_is_404_saying_why(self):
        lead = self.d.lead(**PERSON)
        cases = {"mail:grace.hopper@navy.example": "unknown kind of reference",
                 "crm_id:003Dn00000AbCdE": "unknown kind of reference",
                 "email:": "an email reference needs an address",
                 "email:grace": "needs an address (name@domain)",
                 "phone:call-me": "a phone reference needs digits",
                 "crm:%20": "a crm reference needs",
                 lead["id"].lower(): "neither a lead id"}
        for ref, why in cases.items():
            r = self.d.get("/v1/leads/" + ref)
            self.assertError(r, 404, "not_found")
            self.assertIn(why, r.json["error"]["message"], ref)
        r = self.d.post("/v1/events", {"type": "touch", "lead": "mail:x@y.z", "rep": "ana"})
        self.assertError(r, 404, "not_found")
        self.assertIn("unknown kind of reference", r.json["error"]["message"])

    def test_the_lead_is_answered_before_the_other_checks(self):
        # As a bad id is 404 before a missing rep is 422, so is a reference,
        # malformed or naming no lead; one that names a lead goes on to them.
        self.d.lead(**PERSON)
        r = self.d.post(path_of("mail:x@y.z") + "/touch", {})
        self.assertError(r, 404, "not_found")
        r = self.d.post(path_of("email:nobody@example.com") + "/reject", {"reason": "nope"})
        self.assertError(r, 404, "lead_not_found")
        r = self.d.post(path_of("email:grace.hopper@navy.example") + "/touch", {})
        self.assertError(r, 422, "missing_field", "rep")
        r = self.d.post(path_of("phone:+12025550199") + "/stage", {"stage": "nowhere", "by": "x"})
        self.assertError(r, 422, "invalid_field", "stage")

    # Erasure: every identity the person record links

    def test_erasing_by_email_refuses_the_same_persons_phone_and_crm_id(self):
        lead = self.d.lead(**PERSON)
        r = self.d.delete("/v1/subjects", {"email": "grace.hopper@navy.example"})
        self.assertEqual((r.status, r.json["leads_erased"]), (200, 1), r)
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).status, 404)
        for ref in ("email:grace.hopper@navy.example", "phone:+12025550199", "crm:003Dn00000AbCdE"):
            self.assertError(self.get(ref, 404), 404, "lead_not_found")
        r = self.d.post("/v1/leads", {"phone": "+1 202 555 0199", "country": "DE"})
        self.assertError(r, 410, "subject_erased")
        r = self.d.post("/v1/leads", {"crm_id": "003Dn00000AbCdE", "country": "DE"})
        self.assertError(r, 410, "subject_erased")
        r = self.d.post("/v1/leads", {"email": "new.address@example.com",
                                      "crm_id": "003Dn00000AbCdE", "country": "DE"})
        self.assertError(r, 410, "subject_erased")
        self.assertEqual(len([k for k in self.redis_keys() if k.startswith("lr:tomb:")]), 3)

    def test_erasing_by_crm_id_erases_the_person(self):
        lead = self.d.lead(**PERSON)
        other = self.d.lead(email="someone.else@example.com", country="DE")
        r = self.d.delete("/v1/subjects", {"crm_id": "003Dn00000AbCdE"})
        self.assertEqual((r.status, r.json["leads_erased"]), (200, 1), r)
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).status, 404)
        self.assertEqual(self.d.get("/v1/leads/" + other["id"]).status, 200)
        self.assertEqual(self.redis.cmd("EXISTS", "lr:person:" + lead["person"]), 0)
        r = self.d.post("/v1/leads", {"email": "grace.hopper@navy.example", "country": "DE"})
        self.assertError(r, 410, "subject_erased")
        self.assertEqual(self.get("email:someone.else@example.com").json["id"], other["id"])

    def test_erasing_by_a_numeric_crm_id_and_a_person_with_several_leads(self):
        first = self.d.lead(email="num@example.com", crm_id=777, country="DE")
        second = self.d.lead(phone="+49 30 555 0100", crm_id="777", country="DE")
        self.assertEqual(second["person"], first["person"])
        r = self.d.delete("/v1/subjects", {"crm_id": 777})
        self.assertEqual((r.status, r.json["leads_erased"]), (200, 2), r)
        self.assertEqual([k for k in self.redis_keys() if k.startswith(("lr:who:", "lr:person:",
                                                                        "lr:lead:"))], [])
        self.assertEqual(len([k for k in self.redis_keys() if k.startswith("lr:tomb:")]), 3)
        r = self.d.post("/v1/leads", {"email": "num@example.com", "country": "DE"})
        self.assertError(r, 410, "subject_erased")
        r = self.d.delete("/v1/subjects", {"crm_id": 7.5})
        self.assertError(r, 422, "invalid_field", "crm_id")


TOKENS = {"ingest": "ingest-token-0123456789abcdef0123456789",
          "ana": "rep-ana-token-0123456789abcdef0123456789",
          "ben": "rep-ben-token-0123456789abcdef0123456789",
          "manager": "manager-token-0123456789abcdef012345678"}


class RepTokenRefTests(DaemonTestCase):
    """A rep's token finds that rep's leads only: the person's others stay unseen."""

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        path = os.path.join(self.tmp, "tokens")
        with open(path, "w") as f:
            for name, roles in (("ingest", "ingest"), ("ana", "rep:ana"), ("ben", "rep:ben"),
                                ("manager", "manager")):
                f.write("%s %s sha256:%s\n" % (name, roles,
                                               hashlib.sha256(TOKENS[name].encode()).hexdigest()))
        self.d = self.new_daemon(extra="auth:\n  tokens: file:%s\n  rate_limit: 1000/s\n" % path)

    def as_(self, who):
        self.d.token = TOKENS[who]
        return self.d

    def test_a_reps_token_finds_its_own_lead_of_the_person(self):
        # emea's rotation: ana, ben, ana, ben.
        anas = self.as_("ingest").lead(email="shared@example.com", country="DE")
        bens = self.as_("ingest").lead(email="shared@example.com", country="DE")
        self.as_("ingest").lead(email="anas.own@example.com", country="DE")
        only_ben = self.as_("ingest").lead(email="bens.own@example.com", country="DE")
        self.assertEqual((anas["owner"], bens["owner"], only_ben["owner"]), ("ana", "ben", "ben"))
        # Everyone's: two open leads.
        r = self.as_("manager").get(path_of("email:shared@example.com"))
        self.assertError(r, 409, "ambiguous_lead")
        # A rep's: their own.
        self.assertEqual(self.as_("ana").get(path_of("email:shared@example.com")).json["id"],
                         anas["id"])
        self.assertEqual(self.as_("ben").get(path_of("email:shared@example.com")).json["id"],
                         bens["id"])
        out = self.as_("ana").post(path_of("email:shared@example.com") + "/touch", {})
        self.assertEqual((out.status, out.json["id"]), (200, anas["id"]), out)
        # Another rep's lead is as unknown as no lead at all (not 403).
        r = self.as_("ana").get(path_of("email:bens.own@example.com"))
        self.assertError(r, 404, "lead_not_found")
        self.assertEqual(r.json["error"]["message"], "no lead for email:bens.own@example.com")
        r = self.as_("ana").post(path_of("email:bens.own@example.com") + "/touch", {})
        self.assertError(r, 404, "lead_not_found")
        # By its id, as before: 403.
        self.assertError(self.as_("ana").get("/v1/leads/" + only_ben["id"]), 403, "forbidden")


if __name__ == "__main__":
    main()
