"""Webhook sources: presets on real payload samples, signatures (Standard Webhooks,
HubSpot v3, HMAC-SHA256), batches with per-event results, retries, forms, limits."""

import base64
import hashlib
import hmac
import json
import os
import signal
import time
import urllib.parse

import harness
from harness import DaemonTestCase

FIXTURES = os.path.join(os.environ.get("LEADROUTE_SRCDIR") or
                        os.path.join(os.path.dirname(__file__), "..", ".."),
                        "tests", "fixtures", "sources")

WHSEC = "whsec_" + base64.b64encode(b"standard-webhooks-secret-key-01").decode()
WHSEC_OLD = "whsec_" + base64.b64encode(b"the-secret-being-rotated-out-0").decode()
HUBSPOT_SECRET = "hubspot-client-secret-0123456789"
HMAC_SECRET = "marketo-shared-secret-0123456789"
INGEST = "ingest-token-for-sources-0123456789abc"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def sign_standard(secret, msg_id, ts, body):
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, b"%s.%d.%s" % (msg_id.encode(), ts, body), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def sign_hubspot(secret, method, url, body, ts_ms):
    content = method.encode() + url.encode() + body + str(ts_ms).encode()
    return base64.b64encode(hmac.new(secret.encode(), content, hashlib.sha256).digest()).decode()


def sign_hex(secret, body):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


SOURCES = """\
sources:
  - name: app
    preset: generic
    auth: standard_webhooks
    secrets: [%(whsec)s, %(whsec_old)s]
  - name: hubspot
    preset: hubspot_webhooks
    auth: hubspot_v3
    secrets: [%(hubspot)s]
    url: https://leads.example.com/v1/sources/hubspot/events
    max_batch: 5
  - name: hubspot-flows
    preset: hubspot_workflow
    auth: hubspot_v3
    secrets: [%(hubspot)s]
  - name: marketo
    preset: marketo
    auth: hmac_sha256
    header: X-Signature
    secrets: [%(hmac)s]
  - name: sfdc
    preset: salesforce_form
    auth: token
  - name: website
    preset: webform
    auth: none
    rate_limit: 5/m
  - name: contact
    preset: webform
    auth: none
""" % {"whsec": WHSEC, "whsec_old": WHSEC_OLD, "hubspot": HUBSPOT_SECRET, "hmac": HMAC_SECRET}


class SourceTests(DaemonTestCase):

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        tokens = os.path.join(self.tmp, "tokens")
        with open(tokens, "w") as f:
            f.write("forms ingest sha256:%s\nmaria manager sha256:%s\n" % (
                hashlib.sha256(INGEST.encode()).hexdigest(),
                hashlib.sha256(b"manager-token-for-sources-0123456789").hexdigest()))
        self.d = self.new_daemon(extra=SOURCES + "auth:\n  tokens: file:%s\n" % tokens)

    def leads(self):
        return [k for k in self.redis_keys() if k.startswith("lr:lead:")]

    def stored(self, lead_id):
        self.d.token = "manager-token-for-sources-0123456789"
        try:
            return self.d.get("/v1/leads/" + lead_id).json
        finally:
            self.d.token = None

    # Standard Webhooks ----------------------------------------------------

    def post_app(self, body, msg_id="msg_1", ts=None, sig=None, secret=WHSEC, headers=None):
        ts = int(time.time()) if ts is None else ts
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        h = {"Content-Type": "application/json", "webhook-id": msg_id,
             "webhook-timestamp": str(ts),
             "webhook-signature": sig if sig is not None else sign_standard(secret, msg_id, ts, body)}
        h.update(headers or {})
        return self.d.post("/v1/sources/app/events", body, headers=h)

    def test_a_signed_event_makes_a_lead_and_its_retry_does_not(self):
        body = {"email": "sig@x.com", "country": "DE", "event_id": "evt-1"}
        r = self.post_app(body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["result"], "created")
        self.assertEqual(r.json["lead"]["owner"], "ana")
        again = self.post_app(body, msg_id="msg_2")     # the sender retries
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json["result"], "duplicate")
        self.assertEqual(again.json["lead"]["id"], r.json["lead"]["id"])
        self.assertEqual(len(self.leads()), 1)

    def test_an_event_id_again_with_other_lead_data_is_refused(self):
        body = {"email": "chg@x.com", "country": "DE", "event_id": "evt-9", "first_name": "Ana"}
        r = self.post_app(body)
        self.assertEqual(r.status, 201, r)
        lead_id = r.json["lead"]["id"]
        # The sender's retry, its members in another order: a duplicate.
        again = self.post_app(json.dumps(dict(reversed(list(body.items())))).encode(),
                              msg_id="msg_2")
        self.assertEqual((again.status, again.json["result"]), (200, "duplicate"), again)
        self.assertEqual(again.json["lead"]["id"], lead_id)
        # The same event id with changed lead data: refused, and nothing stored.
        def state():
            return (self.leads(), self.redis.cmd("XLEN", "lr:events"),
                    self.redis.cmd("GET", "lr:idem:src:app:evt-9"))
        before = state()
        changed = dict(body, first_name="Anna")
        r = self.post_app(changed, msg_id="msg_3")
        self.assertError(r, 422, "idempotency_key_reused", "event_id")
        self.assertEqual((r.json["event_id"], r.json["result"]), ("evt-9", "refused"))
        self.assertIn("event id evt-9 ", r.json["error"]["message"])
        self.assertNotIn("src:app:", r.json["error"]["message"])
        self.assertEqual(state(), before)
        # In a batch, that event alone is refused.
        r = self.post_app([changed, {"email": "new@x.com", "event_id": "evt-10"}, body],
                          msg_id="msg_4")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["result"] for x in r.json["results"]],
                         ["refused", "created", "duplicate"])
        self.assertEqual((r.json["refused"], r.json["created"], r.json["duplicate"]), (1, 1, 1))
        self.assertEqual(r.json["results"][0]["error"]["code"], "idempotency_key_reused")
        self.assertEqual(r.json["results"][2]["lead"]["id"], lead_id)
        self.assertEqual(len(self.leads()), 2)
        self.assertEqual(self.stored(lead_id)["fields"]["first_name"], "Ana")

    def test_bad_signatures_are_401_and_store_nothing(self):
        body = json.dumps({"email": "bad@x.com"}).encode()
        now = int(time.time())
        cases = [
            ("signature_invalid", dict(sig=sign_standard(WHSEC, "msg_1", now, body + b" "))),
            ("signature_invalid", dict(sig=sign_standard("whsec_" + base64.b64encode(b"wrong-key-wrong-key").decode(), "msg_1", now, body))),
            ("signature_expired", dict(ts=now - 301)),
            ("signature_expired", dict(ts=now + 301)),
            ("signature_malformed", dict(headers={"webhook-timestamp": "soon"})),
            ("signature_malformed", dict(sig="v1,!!!not-base64!!!")),
            ("signature_missing", dict(headers={"webhook-signature": ""})),
        ]
        for code, kw in cases:
            r = self.post_app(body, **kw)
            self.assertError(r, 401, code)
        r = self.d.post("/v1/sources/app/events", body, headers={"Content-Type": "application/json"})
        self.assertError(r, 401, "signature_missing")
        self.assertEqual(self.leads(), [])
        self.assertIn("leadrouted_webhook_signatures_refused_total 8",
                      self.d.get("/metrics", headers={"Authorization": "Bearer manager-token-for-sources-0123456789"}).raw)

    def test_the_signature_is_checked_before_the_body_is_parsed(self):
        r = self.post_app(b'{"email": ', sig="v1," + base64.b64encode(b"x" * 32).decode())
        self.assertError(r, 401, "signature_invalid")
        r = self.post_app(b'{"email": ')
        self.assertError(r, 400, "malformed_json")

    def test_a_rotated_secret_and_many_signatures(self):
        body = json.dumps({"email": "rot@x.com", "event_id": "r-1"}).encode()
        now = int(time.time())
        self.assertEqual(self.post_app(body, secret=WHSEC_OLD).status, 201)
        wrong = " ".join("v1," + base64.b64encode(hashlib.sha256(b"%d" % i).digest()).decode()
                         for i in range(99))
        good = sign_standard(WHSEC, "msg_1", now, body)
        r = self.post_app(body, ts=now, sig=wrong + " v1a,ignored " + good)
        self.assertEqual(r.status, 200, r)             # the same event: a duplicate
        r = self.post_app(body, ts=now, sig=wrong + " " + sign_standard(WHSEC, "other", now, body))
        self.assertError(r, 401, "signature_invalid")

    def test_oversized_and_malformed_event_ids_refuse_the_event(self):
        for bad in ("x" * 300, "has space", "tab\there", "caf\u00e9"):
            r = self.post_app({"email": "id@x.com", "event_id": bad}, msg_id="m")
            self.assertEqual(r.status, 422, (bad, r))
            self.assertEqual(r.json["result"], "refused")
            self.assertEqual(r.json["error"]["field"], "event_id")
        batch = [{"email": "ok@x.com", "event_id": "fine-1"}, {"email": "no@x.com", "event_id": "y" * 999}]
        r = self.post_app(batch)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["result"] for x in r.json["results"]], ["created", "refused"])
        self.assertEqual(len(self.leads()), 1)

    # HubSpot ---------------------------------------------------------------

    def post_hubspot(self, body, ts_ms=None, url="https://leads.example.com/v1/sources/hubspot/events",
                     path="/v1/sources/hubspot/events"):
        ts_ms = int(time.time() * 1000) if ts_ms is None else ts_ms
        return self.d.post(path, body, headers={
            "Content-Type": "application/json",
            "X-HubSpot-Request-Timestamp": str(ts_ms),
            "X-HubSpot-Signature-v3": sign_hubspot(HUBSPOT_SECRET, "POST", url, body, ts_ms)})

    def test_hubspot_subscription_batch_is_answered_event_by_event(self):
        body = fixture("hubspot_webhooks.json")
        events = json.loads(body)
        r = self.post_hubspot(body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["events"], len(events))
        results = r.json["results"]
        self.assertEqual([x["index"] for x in results], list(range(len(events))))
        for ev, res in zip(events, results):
            self.assertEqual(res["event_id"], str(ev["eventId"]))
        created = [x for x in results if x["result"] == "created"]
        self.assertTrue(created, results)
        self.assertEqual(r.json["created"], len(created))
        lead = self.stored(created[0]["lead"]["id"])
        self.assertEqual(lead["fields"]["source"], "hubspot")
        # The whole batch again, as HubSpot retries it: nothing new.
        again = self.post_hubspot(body)
        self.assertEqual(again.status, 200)
        self.assertEqual(again.json["created"], 0)
        self.assertEqual(again.json["duplicate"], len(created))
        self.assertEqual(len(self.leads()), len(created))

    def test_hubspot_signature_covers_url_body_and_time(self):
        body = fixture("hubspot_webhooks.json")
        r = self.post_hubspot(body, ts_ms=int(time.time() * 1000) - 6 * 60 * 1000)
        self.assertError(r, 401, "signature_expired")
        r = self.post_hubspot(body, url="https://elsewhere.example.com/v1/sources/hubspot/events")
        self.assertError(r, 401, "signature_invalid")
        self.assertEqual(self.leads(), [])

    def test_hubspot_workflow_signature_uses_the_request_url_when_none_is_configured(self):
        body = fixture("hubspot_workflow.json")
        url = "http://127.0.0.1:%d/v1/sources/hubspot-flows/events?portal=62515" % self.d.port
        r = self.post_hubspot(body, url=url, path="/v1/sources/hubspot-flows/events?portal=62515")
        self.assertEqual(r.status, 201, r)
        lead = self.stored(r.json["lead"]["id"])
        props = json.loads(body)["properties"]
        self.assertEqual(lead["fields"]["email"], props["email"]["value"].strip().lower())
        # No event id in a workflow webhook: the same body again is the same event.
        self.assertEqual(self.post_hubspot(body, url=url, path="/v1/sources/hubspot-flows/events?portal=62515").json["result"],
                         "duplicate")

    def test_a_hubspot_picklist_range_and_a_country_name_are_normalised(self):
        record = json.loads(fixture("hubspot_workflow.json"))
        record["properties"]["numemployees"]["value"] = "25-50"
        record["properties"]["country"]["value"] = "Germany"
        body = json.dumps(record).encode()
        url = "http://127.0.0.1:%d/v1/sources/hubspot-flows/events" % self.d.port
        r = self.post_hubspot(body, url=url, path="/v1/sources/hubspot-flows/events")
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("warnings", r.json)
        lead = self.stored(r.json["lead"]["id"])
        self.assertEqual((lead["fields"]["employees"], lead["fields"]["country"]), (25, "DE"))
        self.assertEqual(lead["rule"], "emea")          # country: [DE, FR, GB]

    def test_a_source_event_with_an_unknown_country_is_created_with_a_warning(self):
        batch = [{"email": "w1@x.com", "country": "Deutschland", "event_id": "w-1"},
                 {"email": "w2@x.com", "country": "Gallifrey", "employees": "lots", "event_id": "w-2"}]
        r = self.post_app(batch)
        self.assertEqual(r.status, 200, r)
        first, second = r.json["results"]
        self.assertEqual((first["result"], first["lead"]["pool"]), ("created", "emea"))
        self.assertNotIn("warnings", first)
        self.assertEqual(second["result"], "created")
        self.assertEqual([(w["field"], w["value"]) for w in second["warnings"]],
                         [("country", "Gallifrey"), ("employees", "lots")])
        again = self.post_app(batch, msg_id="msg_2")     # the sender retries: the same warnings
        self.assertEqual(again.json["results"][1]["result"], "duplicate")
        self.assertEqual(again.json["results"][1]["warnings"], second["warnings"])

    def test_too_many_events_is_413(self):
        events = json.loads(fixture("hubspot_webhooks.json"))
        body = json.dumps((events * 6)[:6]).encode()
        r = self.post_hubspot(body)
        self.assertError(r, 413, "too_many_events")
        self.assertEqual(self.leads(), [])

    # HMAC hex (Marketo) --------------------------------------------------

    def test_marketo_with_an_hmac_header(self):
        body = fixture("marketo.json")
        # Upper-case hex, then a sha256= prefix: the second is the same event again.
        for value, status in ((sign_hex(HMAC_SECRET, body).upper(), 201),
                              ("sha256=" + sign_hex(HMAC_SECRET, body), 200)):
            r = self.d.post("/v1/sources/marketo/events", body,
                            headers={"Content-Type": "application/json", "X-Signature": value})
            self.assertEqual(r.status, status, r)
        self.assertEqual(r.json["result"], "duplicate")
        r = self.d.post("/v1/sources/marketo/events", body,
                        headers={"Content-Type": "application/json", "X-Signature": "0" * 64})
        self.assertError(r, 401, "signature_invalid")
        self.assertEqual(len(self.leads()), 1)

    # Forms -------------------------------------------------------------------

    def post_form(self, source, body, ctype="application/x-www-form-urlencoded", token=None):
        h = {"Content-Type": ctype}
        if token:
            h["Authorization"] = "Bearer " + token
        return self.d.post("/v1/sources/%s/events" % source, body, headers=h)

    def test_salesforce_form_needs_an_ingest_token(self):
        body = fixture("salesforce_form.txt").strip()
        self.assertError(self.post_form("sfdc", body), 401, "unauthorized")
        r = self.post_form("sfdc", body, token=INGEST)
        self.assertEqual(r.status, 201, r)
        fields = self.stored(r.json["lead"]["id"])["fields"]
        form = dict(urllib.parse.parse_qsl(body.decode()))
        self.assertEqual(fields["email"], form["email"].lower())
        self.assertEqual(fields["company"], form["company"])

    def test_web_form_encodings(self):
        body = b"email=Ada%2Blovelace%40Example.com&name=Ada+King+Lovelace&company=Caf%C3%A9+%26+Co"
        r = self.post_form("contact", body)
        self.assertEqual(r.status, 201, r)
        fields = self.stored(r.json["lead"]["id"])["fields"]
        self.assertEqual(fields["email"], "ada+lovelace@example.com")
        self.assertEqual(fields["first_name"], "Ada")
        self.assertEqual(fields["last_name"], "King Lovelace")
        self.assertEqual(fields["company"], "Café & Co")

    def test_bad_forms_are_refused_and_store_nothing(self):
        for body, status, code in [
                (b"email=a%zz@x.com", 400, "malformed_form"),
                (b"email=a%00b@x.com", 400, "malformed_form"),
                (b"email=a\x00b@x.com", 400, "malformed_form"),
                (b"email=%C0%AFa@x.com", 400, "malformed_form"),
                (b"email=%ED%A0%80@x.com", 400, "malformed_form")]:
            self.assertError(self.post_form("contact", body), status, code)
        # A name given twice is a list, which no lead field takes.
        r = self.post_form("contact", b"email=a@x.com&email")
        self.assertEqual(r.status, 422, r)
        self.assertEqual((r.json["result"], r.json["error"]["code"], r.json["error"]["field"]),
                         ("refused", "invalid_event", "email"))
        r = self.post_form("contact", b"email=a@x.com", ctype="application/x-www-form-urlencoded; charset=latin-1")
        self.assertError(r, 415, "unsupported_media_type")
        r = self.post_form("contact", b'{"email": "a@x.com"}', ctype="application/json")
        self.assertError(r, 415, "unsupported_media_type")
        self.assertEqual([k for k in self.leads()], [])

    def test_a_source_over_its_rate_gets_429(self):
        for i in range(5):
            self.assertEqual(self.post_form("website", b"email=r%d@x.com" % i).status, 201)
        r = self.post_form("website", b"email=r9@x.com")
        self.assertError(r, 429, "rate_limited")
        self.assertTrue(int(r.headers["retry-after"]) >= 1)
        self.assertEqual(len(self.leads()), 5)

    def test_unknown_source_is_404(self):
        self.assertError(self.post_form("nope", b"email=a@x.com"), 404, "not_found")

    def test_an_erased_person_cannot_come_back_through_a_source(self):
        r = self.post_form("website", b"email=gone@x.com")
        self.assertEqual(r.status, 201)
        tokens = os.path.join(self.tmp, "tokens")
        with open(tokens, "a") as f:
            f.write("ops admin sha256:%s\n" % hashlib.sha256(b"admin-token-for-sources-0123456789ab").hexdigest())
        self.d.send_signal(signal.SIGHUP)
        harness.wait_for(lambda: self.d.events("config_reloaded"), what="reload")
        r = self.d.delete("/v1/subjects", {"email": "gone@x.com"},
                          headers={"Authorization": "Bearer admin-token-for-sources-0123456789ab"})
        self.assertEqual(r.status, 200, r)
        r = self.post_form("website", b"email=gone@x.com")
        self.assertError(r, 410, "subject_erased")
        self.assertEqual(r.json["result"], "erased")


if __name__ == "__main__":
    harness.main()
