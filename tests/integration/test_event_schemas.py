"""The event subscriptions' JSON Schemas (docs/schemas/events/) and the test sink.

Needs no daemon and no Redis: every schema is a valid draft 2020-12 schema,
there is one per event type, a good body of each type passes and bad ones
fail; the sink checks Standard Webhooks signatures, validates bodies and
answers as planned. Without python3-jsonschema it exits 77 (SKIP).
"""

import copy
import http.client
import json
import os
import shutil
import tempfile
import time
import unittest
from unittest import mock

import webhook_sink
from webhook_sink import Draft202012Validator, Sink, sign, signed_headers, validate, verify

TYPES = ["lead.received", "lead.assigned", "lead.queued", "lead.reassigned", "lead.nurtured",
         "lead.re_engaged", "lead.became_mql", "lead.touched", "lead.accepted", "lead.rejected", "lead.stage_changed", "lead.erased",
         "sla.reminder", "sla.breached", "escalation.level", "escalation.acknowledged",
         "escalation.resolved", "rep.status_changed"]

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEXT_SECRET = "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA=="
OTHER_SECRET = "whsec_bm90LXRoZS1zZWNyZXQtb2YtdGhpcy1zdWJzY3JpcHRpb24="

LEAD = "01KBN6ZRK4Q8WJ3Y5T7V9X1C2D"
TS = "2026-12-03T10:15:02.481Z"


def snapshot(**members):
    data = {
        "event_id": "1796292902481-0", "lead": LEAD, "seq": 2, "crm_id": "1501",
        "source": "hubspot", "status": "assigned", "owner": "ana", "previous_owner": None,
        "pool": "sdr-emea", "rule": "emea", "score": 65, "grade": "A", "mql": True,
        "score_breakdown": [{"reason": "demo_request", "points": 40},
                            {"reason": "title_cxo", "points": 25}],
        "clocks": {"first_touch": {"started_at": "2026-12-03T10:15:02.481Z",
                                   "due_at": "2026-12-03T11:15:02.481Z"}},
        "stage": "mql", "event": "demo_request", "company": "Acme GmbH", "title": "CTO",
        "country": "DE"}
    data.update(members)
    return data


def lifecycle(**members):
    return snapshot(**dict({"from_stage": "mql", "to_stage": "sal", "by": "ana", "closes": False,
                            "first_decision": True}, **members))


GOOD_DATA = {
    "lead.received": snapshot(status="received", owner=None, seq=1, clocks={}),
    "lead.assigned": snapshot(rep="ana"),
    "lead.queued": snapshot(status="queued", owner=None, clocks={}),
    "lead.reassigned": snapshot(owner="ben", previous_owner="ana", rep="ben", **{"from": "ana"}),
    "lead.nurtured": snapshot(status="nurture", owner=None, pool=None, stage=None, clocks={},
                              score=None, grade=None, mql=False, score_breakdown=[]),
    "lead.re_engaged": snapshot(seq=5, score=90, rep="ana", new_event="pricing_page",
                                new_source="web", new_score=90),
    "lead.became_mql": snapshot(seq=6, score=90, rep="ana", new_score=90),
    "lead.touched": snapshot(status="touched", rep="ana", first=True, channel="call",
                             outcome="voicemail", clocks={}),
    "lead.accepted": lifecycle(note="good fit"),
    "lead.rejected": lifecycle(to_stage="recycled", closes=True, reason="wrong_title",
                               status="nurture", clocks={}),
    "lead.stage_changed": lifecycle(from_stage="sql", to_stage="opportunity", by="ae-jo",
                                    first_decision=False, amount=12500.5),
    "lead.erased": {"event_id": "1796292902481-7", "lead": LEAD},
    "sla.reminder": snapshot(clock="first_touch", due_at="2026-12-03T11:15:02.481Z"),
    "sla.breached": snapshot(clock="first_touch", escalation="7", due_at=None),
    "escalation.level": snapshot(escalation="7", level=2),
    "escalation.acknowledged": snapshot(escalation="7", by="maria"),
    "escalation.resolved": snapshot(escalation="7", by=None),
    "rep.status_changed": {"event_id": "1796292902481-3", "rep": "ana", "status": "away",
                           "previous": "available", "until": None, "reason": "auto_offline"},
}


def good(etype):
    return {"type": etype, "timestamp": TS, "data": copy.deepcopy(GOOD_DATA[etype])}


def without(d, key):
    d = copy.deepcopy(d)
    del d[key]
    return d


class SchemaFileTests(unittest.TestCase):

    def test_one_valid_schema_per_type_and_nothing_else(self):
        names = sorted(n for n in os.listdir(webhook_sink.SCHEMA_DIR) if n.endswith(".json"))
        self.assertEqual(names, sorted([t + ".json" for t in TYPES] + ["common.json"]))
        self.assertEqual(webhook_sink.schemas().types, sorted(TYPES))
        for name in names:
            with self.subTest(name=name):
                with open(os.path.join(webhook_sink.SCHEMA_DIR, name), encoding="utf-8") as f:
                    schema = json.load(f)
                Draft202012Validator.check_schema(schema)
                self.assertEqual(schema["$schema"], "https://json-schema.org/draft/2020-12/schema")
                self.assertTrue(schema.get("title"))
                self.assertTrue(schema.get("description"))

    def test_every_schema_is_the_whole_envelope_of_its_type(self):
        for etype in TYPES:
            with self.subTest(type=etype):
                schema = webhook_sink.schemas().docs[etype + ".json"]
                self.assertEqual(schema["type"], "object")
                self.assertIs(schema["additionalProperties"], False)
                self.assertEqual(sorted(schema["required"]), ["data", "timestamp", "type"])
                self.assertEqual(schema["properties"]["type"], {"const": etype})

    def test_the_schema_directory_follows_the_source_tree(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        os.makedirs(os.path.join(tmp, "docs", "schemas", "events"))
        here = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                             "..", "docs", "schemas", "events"))
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("LEADROUTE_SRCDIR", "top_srcdir", "srcdir")}
        with mock.patch.dict(os.environ, clean, clear=True):
            self.assertEqual(webhook_sink._schema_dir(), here)
            for var in ("LEADROUTE_SRCDIR", "top_srcdir", "srcdir"):
                with mock.patch.dict(os.environ, {var: tmp}):
                    self.assertEqual(webhook_sink._schema_dir(),
                                     os.path.join(tmp, "docs", "schemas", "events"))
            with mock.patch.dict(os.environ, {"LEADROUTE_SRCDIR": os.path.join(tmp, "nowhere")}):
                self.assertEqual(webhook_sink._schema_dir(), here)


class ExampleTests(unittest.TestCase):

    def assertValid(self, event):
        self.assertEqual(validate(event), [], repr(event))

    def assertInvalid(self, event, *fragments):
        errors = validate(event)
        self.assertTrue(errors, "valid but should not be: %r" % (event,))
        for fragment in fragments:
            self.assertTrue(any(fragment in e for e in errors), (fragment, errors))

    def test_good_example_of_every_type(self):
        for etype in TYPES:
            with self.subTest(type=etype):
                self.assertValid(good(etype))
                self.assertValid(json.dumps(good(etype)).encode())

    def test_data_may_grow_members(self):
        for etype in TYPES:
            with self.subTest(type=etype):
                ev = good(etype)
                ev["data"]["added_later"] = {"anything": [1, 2]}
                self.assertValid(ev)

    def test_contact_is_allowed_not_required(self):
        ev = good("lead.assigned")
        ev["data"]["contact"] = {"email": "jo@acme.example", "first_name": "Jo",
                                 "last_name": None, "phone": None}
        self.assertValid(ev)
        ev["data"]["contact"]["email"] = 5
        self.assertInvalid(ev, "data/contact/email")
        del ev["data"]["contact"]["email"]
        self.assertInvalid(ev, "'email' is a required property")

    def test_optional_members(self):
        ev = good("lead.touched")
        del ev["data"]["channel"], ev["data"]["outcome"]
        self.assertValid(ev)
        ev["data"]["channel"] = None
        self.assertInvalid(ev, "data/channel")
        ev = good("lead.stage_changed")
        del ev["data"]["amount"]
        self.assertValid(ev)
        ev["data"]["amount"] = "12500.50"
        self.assertInvalid(ev, "data/amount")
        ev = good("rep.status_changed")
        ev["data"].update(status="ooo", until="2026-12-01T08:00:00Z", reason=None)
        self.assertValid(ev)

    def test_re_engaged_and_became_mql_without_an_owner_or_a_name(self):
        # A queued or nurtured lead has no owner; a sender may name no event or source.
        ev = good("lead.re_engaged")
        ev["data"].update(status="queued", owner=None, rep=None, new_event=None,
                          new_source=None, clocks={})
        self.assertValid(ev)
        ev = good("lead.became_mql")
        ev["data"].update(status="nurture", owner=None, rep=None, clocks={})
        self.assertValid(ev)

    def test_missing_required_member(self):
        cases = [
            ("lead.assigned", "rep"), ("lead.reassigned", "from"), ("lead.touched", "first"),
            ("lead.accepted", "first_decision"), ("lead.rejected", "from_stage"),
            ("lead.stage_changed", "to_stage"), ("sla.reminder", "due_at"),
            ("sla.breached", "escalation"), ("escalation.level", "level"),
            ("escalation.resolved", "by"), ("rep.status_changed", "until"),
            ("lead.erased", "lead"), ("lead.erased", "event_id"),
            ("lead.re_engaged", "rep"), ("lead.re_engaged", "new_event"),
            ("lead.re_engaged", "new_source"), ("lead.re_engaged", "new_score"),
            ("lead.became_mql", "rep"), ("lead.became_mql", "new_score"),
        ]
        for etype, member in cases:
            with self.subTest(type=etype, member=member):
                ev = good(etype)
                del ev["data"][member]
                self.assertInvalid(ev, "'%s' is a required property" % member)
        for member in GOOD_DATA["lead.received"]:
            with self.subTest(snapshot_member=member):
                ev = good("lead.queued")
                del ev["data"][member]
                self.assertInvalid(ev, "'%s' is a required property" % member)
        for member in ("timestamp", "data"):
            with self.subTest(envelope_member=member):
                self.assertInvalid(without(good("lead.assigned"), member),
                                   "'%s' is a required property" % member)
        self.assertInvalid(without(good("lead.assigned"), "type"), "no schema for type None")

    def test_wrong_type(self):
        cases = [
            ("lead.assigned", "seq", "2"), ("lead.assigned", "seq", 0),
            ("lead.assigned", "mql", "yes"), ("lead.assigned", "score", 6.5),
            ("lead.assigned", "owner", 7), ("lead.assigned", "rep", None),
            ("lead.assigned", "lead", "01kbn6zrk4q8wj3y5t7v9x1c2d"),
            ("lead.assigned", "lead", "01KBN6ZRK4Q8WJ3Y5T7V9X1C2"),
            ("lead.assigned", "event_id", "1796292902481"),
            ("lead.assigned", "score_breakdown", [{"reason": "demo_request", "points": "40"}]),
            ("lead.assigned", "clocks", {"first_touch": {"started_at": TS}}),
            ("lead.assigned", "clocks", {"first_touch": {"started_at": TS, "due_at": "soon"}}),
            ("lead.touched", "first", 1),
            ("lead.accepted", "closes", "false"), ("lead.stage_changed", "to_stage", None),
            ("sla.reminder", "due_at", "2026-12-03 11:15"),
            ("escalation.level", "level", 0), ("escalation.level", "level", "2"),
            ("escalation.acknowledged", "escalation", 7),
            ("rep.status_changed", "status", "offline"),
            ("rep.status_changed", "previous", None),
            ("lead.erased", "lead", None),
            ("lead.re_engaged", "new_score", "90"), ("lead.re_engaged", "new_score", 9.5),
            ("lead.re_engaged", "new_event", 3), ("lead.re_engaged", "rep", 7),
            ("lead.became_mql", "new_score", "90"),
        ]
        for etype, member, value in cases:
            with self.subTest(type=etype, member=member, value=value):
                ev = good(etype)
                ev["data"][member] = value
                self.assertInvalid(ev, "data/" + member)
        ev = good("lead.assigned")
        ev["data"] = []
        self.assertInvalid(ev, "data")

    def test_envelope_is_closed(self):
        for etype in TYPES:
            with self.subTest(type=etype):
                ev = good(etype)
                ev["id"] = "msg_lr_1796292902481-0"
                self.assertInvalid(ev, "Additional properties are not allowed ('id' was unexpected)")

    def test_bad_timestamp(self):
        for ts in ("2026-12-03T10:15:02Z", "2026-12-03T10:15:02.48Z", "2026-12-03T10:15:02.481",
                   "2026-12-03T10:15:02.481+00:00", "2026-12-03 10:15:02.481Z", 1796292902481,
                   None, ""):
            with self.subTest(timestamp=ts):
                ev = good("lead.received")
                ev["timestamp"] = ts
                self.assertInvalid(ev, "timestamp")
        ev = good("lead.received")
        ev["timestamp"] = webhook_sink.timestamp()
        self.assertValid(ev)

    def test_type_must_match_its_schema(self):
        ev = good("lead.assigned")
        v = webhook_sink.schemas().validator("lead.received")
        self.assertTrue(list(v.iter_errors(ev)))
        self.assertInvalid(dict(ev, type="lead.bogus"), "no schema for type 'lead.bogus'")
        self.assertInvalid(dict(ev, type="common"), "no schema for type 'common'")
        self.assertInvalid([ev], "not a JSON object")
        self.assertInvalid(b"{not json", "not JSON")


class SignatureTests(unittest.TestCase):

    def test_standard_webhooks_vector(self):
        msg_id, ts, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
        self.assertEqual(sign(SECRET, msg_id, ts, body),
                         "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        h = {"Webhook-Id": msg_id, "Webhook-Timestamp": str(ts),
             "Webhook-Signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
        self.assertEqual(verify(SECRET, h, body), SECRET)
        self.assertEqual(verify([OTHER_SECRET, SECRET], h, body), SECRET)
        self.assertIsNone(verify(OTHER_SECRET, h, body))
        self.assertIsNone(verify(SECRET, h, body + b" "))
        self.assertIsNone(verify(SECRET, h, body, tolerance=300))   # 2021: long past
        self.assertIsNone(verify(SECRET, {}, body))

    def test_two_signatures_while_rotating(self):
        body = json.dumps(good("lead.assigned")).encode()
        h = signed_headers([SECRET, NEXT_SECRET], "msg_lr_1-0", body)
        self.assertEqual(len(h["webhook-signature"].split(" ")), 2)
        self.assertEqual(verify(SECRET, h, body, tolerance=300), SECRET)
        self.assertEqual(verify(NEXT_SECRET, h, body, tolerance=300), NEXT_SECRET)
        self.assertIsNone(verify(OTHER_SECRET, h, body))


class SinkTests(unittest.TestCase):

    def sink(self, **kw):
        sink = Sink(**kw)
        self.addCleanup(sink.close)
        return sink

    def post(self, sink, path, body, headers=None, secret=SECRET, msg_id="msg_lr_1-0", ts=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        h = {"Content-Type": "application/json"}
        if secret is not None:
            h.update(signed_headers(secret, msg_id, body, ts))
        h.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", sink.port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("POST", path, body=body, headers=h)
        resp = conn.getresponse()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read()

    def test_signed_valid_event_is_recorded_verified_and_valid(self):
        sink = self.sink(secrets=SECRET)
        self.assertTrue(sink.url("/warehouse").startswith("http://127.0.0.1:"))
        before = time.time()
        status, _, _ = self.post(sink, "/warehouse", good("lead.assigned"))
        self.assertEqual(status, 200)
        req = sink.wait(1, "/warehouse")[0]
        self.assertIs(req["verified"], True)
        self.assertEqual((req["secret"], req["secret_index"], req["sig_error"]), (SECRET, 0, None))
        self.assertEqual(req["errors"], [])
        self.assertEqual(req["type"], "lead.assigned")
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["answer"], 200)
        self.assertEqual(req["headers"]["webhook-id"], "msg_lr_1-0")
        self.assertEqual(req["headers"]["content-type"], "application/json")
        self.assertGreaterEqual(req["at"], before)
        self.assertEqual(json.loads(req["body"]), good("lead.assigned"))
        self.assertEqual(sink.events(), [good("lead.assigned")])
        self.assertEqual(sink.got("/elsewhere"), [])
        sink.assert_all_valid()
        sink.assert_all_verified()

    def test_wrong_secret_is_not_verified(self):
        sink = self.sink(secrets=[SECRET])
        status, _, _ = self.post(sink, "/w", good("lead.queued"), secret=OTHER_SECRET)
        self.assertEqual(status, 200)   # recorded, not refused: strict is off
        req = sink.got("/w")[0]
        self.assertIs(req["verified"], False)
        self.assertIsNone(req["secret"])
        self.assertIn("no v1 signature matches", req["sig_error"])
        with self.assertRaisesRegex(AssertionError, "not signed by a known secret"):
            sink.assert_all_verified()

    def test_strict_answers_401_to_a_bad_signature(self):
        sink = self.sink(secrets=[SECRET], strict=True)
        sink.plan("/w", 503)
        status, _, _ = self.post(sink, "/w", good("lead.queued"), secret=OTHER_SECRET)
        self.assertEqual(status, 401)
        status, _, _ = self.post(sink, "/w", good("lead.queued"), secret=None)
        self.assertEqual(status, 401)
        status, _, _ = self.post(sink, "/w", good("lead.queued"), ts=int(time.time()) - 600)
        self.assertEqual(status, 401)
        self.assertEqual(self.post(sink, "/w", good("lead.queued"))[0], 503)   # plan kept
        self.assertEqual(self.post(sink, "/w", good("lead.queued"))[0], 200)
        reqs = sink.got("/w")
        self.assertEqual([r["verified"] for r in reqs], [False, False, False, True, True])
        self.assertIn("no webhook-id header", reqs[1]["sig_error"])
        self.assertIn("tolerance", reqs[2]["sig_error"])
        self.assertEqual([r["answer"] for r in reqs], [401, 401, 401, 503, 200])

    def test_second_of_two_secrets(self):
        sink = self.sink(secrets=[SECRET, NEXT_SECRET], strict=True)
        status, _, _ = self.post(sink, "/w", good("sla.breached"), secret=NEXT_SECRET)
        self.assertEqual(status, 200)
        req = sink.got()[0]
        self.assertEqual((req["verified"], req["secret"], req["secret_index"]),
                         (True, NEXT_SECRET, 1))
        self.post(sink, "/w", good("sla.breached"), secret=[OTHER_SECRET, SECRET])
        self.assertEqual(sink.got()[1]["secret_index"], 0)

    def test_invalid_body_is_recorded(self):
        sink = self.sink(secrets=SECRET)
        bad = good("lead.touched")
        del bad["data"]["first"]
        bad["extra"] = 1
        status, _, _ = self.post(sink, "/bad", bad)
        self.assertEqual(status, 200)
        self.post(sink, "/bad", b"{nope")
        self.post(sink, "/good", good("lead.erased"))
        reqs = sink.wait(3)
        self.assertTrue(reqs[0]["verified"])
        self.assertTrue(any("'first' is a required property" in e for e in reqs[0]["errors"]),
                        reqs[0]["errors"])
        self.assertTrue(any("'extra' was unexpected" in e for e in reqs[0]["errors"]))
        self.assertIsNone(reqs[1]["event"])
        self.assertIn("not JSON", reqs[1]["errors"][0])
        self.assertEqual(reqs[2]["errors"], [])
        sink.assert_all_valid("/good")
        with self.assertRaises(AssertionError) as cm:
            sink.assert_all_valid()
        msg = str(cm.exception)
        self.assertIn("2 request(s) with an invalid body", msg)
        self.assertIn("'first' is a required property", msg)
        self.assertIn("type=lead.touched", msg)
        self.assertIn("webhook-id=msg_lr_1-0", msg)

    def test_planned_answers(self):
        sink = self.sink()
        sink.plan("/w", (503, {"Retry-After": "7"}), 429)
        status, headers, _ = self.post(sink, "/w", good("lead.queued"), secret=None)
        self.assertEqual((status, headers.get("retry-after")), (503, "7"))
        self.assertEqual(self.post(sink, "/w", good("lead.queued"), secret=None)[0], 429)
        self.assertEqual(self.post(sink, "/w", good("lead.queued"), secret=None)[0], 200)
        self.assertEqual(self.post(sink, "/other", good("lead.queued"), secret=None)[0], 200)
        sink.set_default(500, "/w")
        self.assertEqual(self.post(sink, "/w", good("lead.queued"), secret=None)[0], 500)
        self.assertEqual(self.post(sink, "/other", good("lead.queued"), secret=None)[0], 200)
        sink.set_default(410)
        self.assertEqual(self.post(sink, "/other", good("lead.queued"), secret=None)[0], 410)
        self.assertEqual(self.post(sink, "/w", good("lead.queued"), secret=None)[0], 500)
        self.assertIsNone(sink.got()[0]["verified"])     # no secrets: not checked

    def test_hang_huge_body_and_drop(self):
        sink = self.sink()
        sink.plan("/w", ("hang", 0.3), ("body", 502, 300000), "drop")
        t0 = time.monotonic()
        self.assertEqual(self.post(sink, "/w", good("lead.queued"), secret=None)[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        status, _, body = self.post(sink, "/w", good("lead.queued"), secret=None)
        self.assertEqual((status, len(body)), (502, 300000))
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.post(sink, "/w", good("lead.queued"), secret=None)
        self.assertEqual(len(sink.wait(3, "/w")), 3)

    def test_wait_gives_up(self):
        sink = self.sink()
        with self.assertRaisesRegex(AssertionError, "waiting for 1 request"):
            sink.wait(1, "/w", timeout=0.1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
