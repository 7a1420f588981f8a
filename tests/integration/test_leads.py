"""POST /v1/leads, GET /v1/leads/{id}, POST /v1/leads/{id}/touch: behaviour and every error."""

import re
import threading

from harness import DaemonTestCase, main

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class LeadTests(DaemonTestCase):

    def test_post_assigns_by_rule_and_round_robin(self):
        owners = [self.d.lead(email="a%d@x.com" % i, country="DE")["owner"] for i in range(5)]
        self.assertEqual(owners, ["ana", "ben", "ana", "ben", "ana"])
        self.assertEqual(self.d.lead(email="u@x.com", country="US")["owner"], "cy")
        self.assertEqual(self.d.lead(email="v@x.com", country="US")["owner"], "dee")

    def test_post_reply_has_every_field(self):
        r = self.d.post("/v1/leads", {"email": " Ana@Example.COM ", "country": "GB",
                                      "first_name": "Ana", "custom": {"k": [1, 2]}})
        self.assertEqual(r.status, 201, r)
        lead = r.json
        self.assertRegex(lead["id"], r"^[0-9A-HJKMNP-TV-Z]{26}$")
        self.assertEqual(r.headers["location"], "/v1/leads/" + lead["id"])
        self.assertEqual(lead["status"], "assigned")
        self.assertEqual(lead["owner"], "ana")
        self.assertEqual(lead["pool"], "emea")
        self.assertEqual(lead["rule"], "emea")
        for k in ("received_at", "assigned_at"):
            self.assertRegex(lead[k], RFC3339, k)
        for k in ("started_at", "due_at"):
            self.assertRegex(lead["clocks"]["first_touch"][k], RFC3339, k)
        self.assertEqual(lead["owners"], ["ana"])
        self.assertEqual(lead["open_escalations"], [])
        self.assertIsNone(lead["first_touched_at"])
        self.assertEqual(lead["fields"], {"email": "ana@example.com", "country": "GB",
                                          "first_name": "Ana", "custom": {"k": [1, 2]}})

    def test_due_times_follow_the_sla(self):
        lead = self.d.lead(email="t@x.com", country="DE")
        route, ft = lead["clocks"]["route"], lead["clocks"]["first_touch"]
        self.assertEqual(ms(route["due_at"]) - ms(lead["received_at"]), 5 * 60 * 1000)
        self.assertEqual(route["stopped_at"], lead["assigned_at"])   # routed on arrival
        self.assertEqual((route["running"], route["breached"]), (False, False))
        self.assertEqual(ms(ft["due_at"]) - ms(lead["assigned_at"]), 3600 * 1000)
        self.assertEqual((ft["running"], ft["owner"], ft["stopped_at"]), (True, "ana", None))
        stored = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(stored["clocks"], lead["clocks"])

    def test_rule_with_two_conditions_needs_both(self):
        self.assertEqual(self.d.lead(email="b@x.com", country="US", employees=5000)["rule"], "big-us")
        self.assertEqual(self.d.lead(email="c@x.com", country="US", employees=10)["rule"], "default")

    def test_phone_only_lead_is_accepted(self):
        lead = self.d.lead(phone="+1 (415) 555-0100")
        self.assertEqual(lead["fields"], {"phone": "+1 (415) 555-0100"})

    def test_get_returns_lead_and_history(self):
        lead = self.d.lead(email="h@x.com", country="FR")
        r = self.d.get("/v1/leads/" + lead["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["owner"], "ana")
        self.assertEqual([e["type"] for e in r.json["events"]], ["received", "assigned"])
        self.assertEqual(r.json["events"][1]["rep"], "ana")
        for e in r.json["events"]:
            self.assertRegex(e["at"], RFC3339)

    def test_get_unknown_lead_is_404(self):
        self.assertError(self.d.get("/v1/leads/01ARYZ6S41TSV4RRFFQ69G5FAV"), 404, "not_found")
        self.assertError(self.d.get("/v1/leads/not-a-lead"), 404, "not_found")

    def test_idempotency_key_header_returns_same_lead(self):
        h = {"Idempotency-Key": "hubspot-evt-1"}
        first = self.d.post("/v1/leads", {"email": "i@x.com", "country": "DE"}, headers=h)
        again = self.d.post("/v1/leads", {"email": "i@x.com", "country": "DE"}, headers=h)
        self.assertEqual(first.status, 201)
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json["id"], first.json["id"])
        self.assertEqual(again.json["owner"], first.json["owner"])
        # The repeat assigned nothing: the next new lead continues the rotation.
        self.assertEqual(self.d.lead(email="j@x.com", country="DE")["owner"], "ben")
        reps = {r["id"]: r for r in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual(reps["ana"]["open_leads"], 1)
        self.assertEqual(reps["ben"]["open_leads"], 1)

    def test_event_id_field_is_an_idempotency_key(self):
        first = self.d.lead(email="e@x.com", event_id="form-123")
        again = self.d.post("/v1/leads", {"email": "e@x.com", "event_id": "form-123"})
        self.assertEqual(again.status, 200)
        self.assertEqual(again.json["id"], first["id"])

    def test_idempotency_window_is_set_in_redis(self):
        self.d.post("/v1/leads", {"email": "w@x.com"}, headers={"Idempotency-Key": "k-ttl"})
        ttl = self.redis.cmd("PTTL", "lr:idem:k-ttl")
        self.assertGreater(ttl, 7 * 86400 * 1000 - 60000)
        self.assertLessEqual(ttl, 7 * 86400 * 1000)

    def state(self):
        """What a refused lead must leave alone: the leads, the event stream, the
        rotation and the idempotency records with their values."""
        idem = sorted(self.redis.cmd("KEYS", "lr:idem:*"))
        return (sorted(self.redis.cmd("KEYS", "lr:lead:*")), self.redis.cmd("XLEN", "lr:events"),
                self.redis.cmd("HGETALL", "lr:rep_open"),
                [(k, self.redis.cmd("GET", k)) for k in idem])

    def test_an_idempotency_key_replays_the_same_fields_in_any_order(self):
        h = {"Idempotency-Key": "form-77"}
        body = {"email": "Reuse@Example.com ", "country": "DE", "first_name": "Ana",
                "employees": "250", "custom": {"a": 1, "b": [1, "two"]}}
        first = self.d.post("/v1/leads", body, headers=h)
        self.assertEqual(first.status, 201, first)
        # The key is kept with the fields' fingerprint.
        self.assertRegex(self.redis.cmd("GET", "lr:idem:form-77"),
                         "^%s\\|[0-9a-f]{16}$" % first.json["id"])
        # The same JSON with its members in another order, other spacing and what
        # validation normalizes (case, spaces, a count as a string): a replay.
        raw = ('{ "custom" : {"b": [1, "two"], "a": 1},\n  "employees": 250, '
               '"first_name": "Ana", "country": "DE", "email": "reuse@example.com" }')
        again = self.d.post("/v1/leads", raw,
                            headers=dict(h, **{"Content-Type": "application/json"}))
        self.assertEqual(again.status, 200, again)
        self.assertEqual((again.json["id"], again.json["owner"]), (first.json["id"], "ana"))
        self.assertEqual(len(self.redis.cmd("KEYS", "lr:lead:*")), 1)

    def test_an_idempotency_key_with_other_fields_is_refused(self):
        h = {"Idempotency-Key": "form-78"}
        body = {"email": "k@x.com", "country": "DE", "custom": {"a": 1}}
        first = self.d.post("/v1/leads", body, headers=h)
        self.assertEqual(first.status, 201, first)
        before = self.state()
        for other in (dict(body, country="FR"), dict(body, custom={"a": 2}),
                      dict(body, title="CTO"), {"email": "k@x.com", "country": "DE"}):
            r = self.d.post("/v1/leads", other, headers=h)
            self.assertError(r, 422, "idempotency_key_reused", "Idempotency-Key")
            self.assertIn("form-78", r.json["error"]["message"])
            self.assertEqual(self.state(), before)
        # The key still replays its own lead; the refusals are counted.
        again = self.d.post("/v1/leads", body, headers=h)
        self.assertEqual((again.status, again.json["id"]), (200, first.json["id"]))
        self.assertIn("leadrouted_idempotency_keys_reused_total 4", self.d.get("/metrics").raw)
        # A body's event_id is a key like the header, and is named as the field.
        self.d.lead(email="e2@x.com", event_id="form-79")
        before = self.state()
        r = self.d.post("/v1/leads", {"email": "e3@x.com", "event_id": "form-79"})
        self.assertError(r, 422, "idempotency_key_reused", "event_id")
        self.assertIn("form-79", r.json["error"]["message"])
        self.assertEqual(self.state(), before)

    def test_a_key_stored_without_a_fingerprint_replays_any_fields(self):
        """Keys written before fingerprints (an upgrade) keep answering as they did."""
        first = self.d.post("/v1/leads", {"email": "o@x.com"}, headers={"Idempotency-Key": "old"})
        self.redis.cmd("SET", "lr:idem:old", first.json["id"], "PX", "60000")
        again = self.d.post("/v1/leads", {"email": "other@x.com"},
                            headers={"Idempotency-Key": "old"})
        self.assertEqual((again.status, again.json["id"]), (200, first.json["id"]))
        self.assertEqual(self.redis.cmd("GET", "lr:idem:old"), first.json["id"])

    def test_concurrent_repeats_create_one_lead(self):
        results = []

        def post():
            results.append(self.d.post("/v1/leads", {"email": "cc@x.com", "country": "DE"},
                                       headers={"Idempotency-Key": "same-key"}))
        threads = [threading.Thread(target=post) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(r.status for r in results), [200] * 15 + [201])
        self.assertEqual(len({r.json["id"] for r in results}), 1)
        self.assertEqual(len({r.json["owner"] for r in results}), 1)
        self.assertEqual(len(self.redis.cmd("KEYS", "lr:lead:*")), 1)

    def test_touch_by_owner_stops_the_clock(self):
        lead = self.d.lead(email="t@x.com", country="DE")
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana", "channel": "call"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["first_touch"])
        self.assertEqual(r.json["status"], "touched")
        self.assertRegex(r.json["first_touched_at"], RFC3339)
        self.assertIsNone(self.redis.cmd("ZSCORE", "lr:deadlines", "first_touch:" + lead["id"]))
        again = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana", "channel": "email"})
        self.assertEqual(again.status, 200)
        self.assertFalse(again.json["first_touch"])
        self.assertEqual(again.json["touches"], 2)
        self.assertEqual(again.json["first_touched_at"], r.json["first_touched_at"])
        events = self.d.get("/v1/leads/" + lead["id"]).json["events"]
        self.assertEqual([(e["type"], e.get("channel")) for e in events],
                         [("received", None), ("assigned", None), ("touched", "call"),
                          ("touched", "email")])
        reps = {x["id"]: x for x in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual(reps["ana"]["open_leads"], 0)

    def test_touch_errors(self):
        lead = self.d.lead(email="t@x.com", country="DE")
        path = "/v1/leads/%s/touch" % lead["id"]
        self.assertError(self.d.post(path, {"rep": "ben"}), 409, "not_owner", "rep")
        self.assertError(self.d.post(path, {"channel": "call"}), 422, "missing_field", "rep")
        self.assertError(self.d.post(path, {"rep": 7}), 422, "invalid_field", "rep")
        self.assertError(self.d.post(path, {"rep": "ana", "channel": "a b"}), 422, "invalid_field",
                         "channel")
        self.assertError(self.d.post("/v1/leads/01ARYZ6S41TSV4RRFFQ69G5FAV/touch", {"rep": "ana"}),
                         404, "not_found")
        self.assertError(self.d.post(path, "{", headers={"Content-Type": "application/json"}),
                         400, "malformed_json")
        # None of that touched the lead.
        self.assertIsNone(self.d.get("/v1/leads/" + lead["id"]).json["first_touched_at"])

    def test_touch_on_queued_lead_is_409(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        lead = self.d.lead(email="q@x.com", country="DE")
        self.assertError(self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"}),
                         409, "no_owner", "rep")


class BadInputTests(DaemonTestCase):
    """Every refused request changes nothing in Redis."""

    conf_overrides = {"max_body": "2KiB"}

    def assertNothingStored(self):
        # The published config (lr:cfg, lr:cal:*) and rotations are not lead state.
        self.assertEqual([k for k in self.redis_keys()
                          if not k.startswith(("lr:pool:", "lr:cfg", "lr:cal:", "lr:definitions:",
                                                "lr:seq:definitions", "lr:sc:", "lr:pii:key"))], [])

    def test_malformed_json_is_400(self):
        r = self.d.post("/v1/leads", '{"email": "a@b.co",', headers={"Content-Type": "application/json"})
        self.assertError(r, 400, "malformed_json")
        self.assertIn("line 1", r.json["error"]["message"])
        self.assertNothingStored()

    def test_empty_body_is_400(self):
        r = self.d.post("/v1/leads", "", headers={"Content-Type": "application/json"})
        self.assertError(r, 400, "malformed_json")
        self.assertNothingStored()

    def test_duplicate_keys_are_400(self):
        r = self.d.post("/v1/leads", '{"email": "a@b.co", "email": "c@d.co"}',
                        headers={"Content-Type": "application/json"})
        self.assertError(r, 400, "malformed_json")
        self.assertNothingStored()

    def test_invalid_utf8_is_400(self):
        r = self.d.post("/v1/leads", b'{"email": "a@b.co", "company": "\xff\xfe"}',
                        headers={"Content-Type": "application/json"})
        self.assertError(r, 400, "malformed_json")
        self.assertNothingStored()

    def test_non_object_is_422(self):
        for body in ("[1, 2]", '"lead"', "42", "null"):
            r = self.d.post("/v1/leads", body, headers={"Content-Type": "application/json"})
            self.assertError(r, 422, "invalid_body")
        self.assertNothingStored()

    def test_missing_email_and_phone_is_422_naming_the_field(self):
        r = self.d.post("/v1/leads", {"first_name": "Ana", "country": "DE"})
        self.assertError(r, 422, "missing_field", "email")
        self.assertEqual(r.json["error"]["message"], "email, phone or crm_id is required")
        self.assertNothingStored()

    def test_invalid_fields_are_422_naming_the_field(self):
        cases = [({"email": "not-an-email"}, "email"),
                 ({"phone": "12"}, "phone"),
                 ({"email": "a@b.co", "employees": ["lots"]}, "employees"),
                 ({"email": "a@b.co", "country": 49}, "country"),
                 ({"email": "a@b.co", "event_id": "has space"}, "event_id")]
        for body, field in cases:
            self.assertError(self.d.post("/v1/leads", body), 422, "invalid_field", field)
        self.assertNothingStored()

    def test_bad_idempotency_key_is_422(self):
        r = self.d.post("/v1/leads", {"email": "a@b.co"}, headers={"Idempotency-Key": "x" * 300})
        self.assertError(r, 422, "invalid_field", "Idempotency-Key")
        self.assertNothingStored()

    def test_body_over_limit_is_413(self):
        big = {"email": "a@b.co", "notes": "x" * 900, "more": "y" * 900, "extra": "z" * 900}
        self.assertError(self.d.post("/v1/leads", big), 413, "payload_too_large")
        self.assertNothingStored()

    def test_chunked_body_over_limit_is_413(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
        body = ('{"email": "a@b.co", "notes": "%s"}' % ("x" * 5000)).encode()
        conn.request("POST", "/v1/leads", body=iter([body[:1000], body[1000:]]),
                     headers={"Content-Type": "application/json"}, encode_chunked=True)
        r = conn.getresponse()
        self.assertEqual(r.status, 413)
        conn.close()
        self.assertNothingStored()

    def test_wrong_content_type_is_415(self):
        r = self.d.post("/v1/leads", "email=a@b.co",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertError(r, 415, "unsupported_media_type")
        r = self.d.post("/v1/leads", '{"email": "a@b.co"}')
        self.assertError(r, 415, "unsupported_media_type")
        r = self.d.post("/v1/leads", '{"email": "a@b.co"}',
                        headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(r.status, 201)

    def test_unknown_path_is_404(self):
        self.assertError(self.d.get("/v1/nothing"), 404, "not_found")
        self.assertError(self.d.get("/v1/leads/"), 404, "not_found")
        self.assertError(self.d.get("/"), 404, "not_found")

    def test_wrong_method_is_405_with_allow(self):
        r = self.d.request("DELETE", "/v1/leads")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers["allow"], "POST, GET")  # GET searches (test_lead_search.py)
        r = self.d.request("POST", "/v1/reps")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers["allow"], "GET")
        self.assertNothingStored()


def ms(ts):
    import datetime
    return round(datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
                 .replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


if __name__ == "__main__":
    main()
