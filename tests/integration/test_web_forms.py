"""Web forms posted straight from a browser: CORS for a source's cors_origins
(preflights, Access-Control-Allow-Origin, a public form refusing other sites'
pages), the 303 to the thank-you page (the source's redirect, or a form's
_redirect within redirect_allowed, never anywhere else), the error page with
?error=<code>, the honeypot, and the limit per client address (behind a
trusted proxy, per X-Forwarded-For)."""

import hashlib
import os
import urllib.parse

import harness
from harness import DaemonTestCase

MANAGER = "manager-token-for-web-forms-0123456789"
INGEST = "ingest-token-for-web-forms-0123456789ab"
SITE = "https://www.example.com"
FORM = "application/x-www-form-urlencoded"

SOURCES = """\
sources:
  - name: site
    preset: webform
    auth: none
    cors_origins: [https://www.example.com, "http://localhost:3000"]
    redirect: https://www.example.com/thanks
    error_redirect: https://www.example.com/contact?form=demo
    redirect_allowed: [https://www.example.com/thanks/, https://go.example.com/ok]
    honeypot: website
    rate_limit_per_ip: 20/m
  - name: tight
    preset: webform
    auth: none
    cors_origins: [https://www.example.com]
    error_redirect: https://www.example.com/oops
    rate_limit_per_ip: 2/m
  - name: plain
    preset: webform
    auth: none
    cors_origins: [https://www.example.com]
    rate_limit_per_ip: 3/m
  - name: app
    preset: generic
    auth: token
    cors_origins: [https://app.example.com]
  - name: hooks
    preset: generic
    auth: hmac_sha256
    header: X-Signature
    secrets: [hooks-shared-secret-0123456789abcdef]
    cors_origins: [https://app.example.com]
"""


class FormCase(DaemonTestCase):
    """A daemon with the sources above; http_extra adds keys under http."""

    http_extra = {}

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        tokens = os.path.join(self.tmp, "tokens")
        with open(tokens, "w") as f:
            f.write("forms ingest sha256:%s\nmaria manager sha256:%s\n" % (
                hashlib.sha256(INGEST.encode()).hexdigest(),
                hashlib.sha256(MANAGER.encode()).hexdigest()))
        self.d = self.new_daemon(extra=SOURCES + "auth:\n  tokens: file:%s\n" % tokens,
                                 http_extra=self.http_extra)

    def leads(self):
        return [k[len("lr:lead:"):] for k in self.redis_keys() if k.startswith("lr:lead:")]

    def stored(self, lead_id):
        r = self.d.get("/v1/leads/" + lead_id, headers={"Authorization": "Bearer " + MANAGER})
        self.assertEqual(r.status, 200, r)
        return r.json

    def post_form(self, source, fields, origin=SITE, headers=None):
        body = fields if isinstance(fields, bytes) else urllib.parse.urlencode(fields).encode()
        h = {"Content-Type": FORM}
        if origin is not None:
            h["Origin"] = origin
        h.update(headers or {})
        return self.d.post("/v1/sources/%s/events" % source, body, headers=h)

    def preflight(self, source, origin, method="POST", headers="content-type"):
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            h["Access-Control-Request-Headers"] = headers
        return self.d.request("OPTIONS", "/v1/sources/%s/events" % source, headers=h)

    def assertNoCors(self, r):
        for h in ("access-control-allow-origin", "access-control-allow-methods",
                  "access-control-allow-headers", "access-control-allow-credentials"):
            self.assertNotIn(h, r.headers, r.headers)


class WebFormTests(FormCase):

    # Preflights -------------------------------------------------------------

    def test_preflight_from_an_allowed_origin(self):
        for origin in (SITE, "http://localhost:3000"):
            r = self.preflight("site", origin)
            self.assertEqual(r.status, 204, r)
            self.assertEqual(r.headers["access-control-allow-origin"], origin)
            self.assertEqual(r.headers["access-control-allow-methods"], "POST")
            self.assertEqual(r.headers["access-control-allow-headers"], "Content-Type")
            self.assertEqual(r.headers["access-control-max-age"], "600")
            self.assertEqual(r.headers["vary"], "Origin")
            self.assertNotIn("access-control-allow-credentials", r.headers)
            self.assertEqual(r.raw, "")
        # A source with a token lets the page send it.
        r = self.preflight("app", "https://app.example.com", headers="authorization, content-type")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.headers["access-control-allow-headers"], "Content-Type, Authorization")
        r = self.preflight("hooks", "https://app.example.com", headers="x-signature, content-type")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.headers["access-control-allow-headers"], "Content-Type, X-Signature")

    def test_preflight_from_a_stranger(self):
        for origin in ("https://evil.example", "https://www.example.com.evil.example",
                       "http://www.example.com", "https://www.example.com:8443", "null"):
            r = self.preflight("site", origin)
            self.assertError(r, 403, "origin_not_allowed")
            self.assertNoCors(r)
            self.assertEqual(r.headers["vary"], "Origin")
        # A source without cors_origins allows no page at all.
        self.assertError(self.preflight("app", SITE), 403, "origin_not_allowed")

    def test_options_that_is_no_preflight_and_other_paths(self):
        r = self.d.request("OPTIONS", "/v1/sources/site/events")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.headers["allow"], "POST, OPTIONS")
        self.assertNoCors(r)
        self.assertError(self.preflight("nope", SITE), 404, "not_found")
        r = self.d.request("OPTIONS", "/v1/leads", headers={"Origin": SITE})
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers["allow"], "POST, GET")
        r = self.d.request("GET", "/v1/sources/site/events")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers["allow"], "POST, OPTIONS")

    # Posts --------------------------------------------------------------------

    def test_a_form_from_an_allowed_origin_goes_to_the_thank_you_page(self):
        r = self.post_form("site", {"email": "Ada@Example.com", "name": "Ada Lovelace",
                                    "company": "Analytical", "website": ""})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.headers["location"], "https://www.example.com/thanks")
        self.assertEqual(r.headers["access-control-allow-origin"], SITE)
        self.assertEqual(r.headers["vary"], "Origin")
        self.assertEqual(r.raw, "")
        leads = self.leads()
        self.assertEqual(len(leads), 1)
        fields = self.stored(leads[0])["fields"]
        self.assertEqual((fields["email"], fields["first_name"], fields["company"]),
                         ("ada@example.com", "Ada", "Analytical"))
        self.assertNotIn("website", fields)
        # The same form sent again (another page asked for, say) is the same lead.
        r = self.post_form("site", {"email": "Ada@Example.com", "name": "Ada Lovelace",
                                    "company": "Analytical", "website": "",
                                    "_redirect": "https://www.example.com/thanks/again"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.headers["location"], "https://www.example.com/thanks/again")
        self.assertEqual(self.leads(), leads)

    def test_a_form_without_origin_is_taken(self):
        # Not from a browser (a server, curl): there is no page to check.
        r = self.post_form("site", {"email": "server@example.com"}, origin=None)
        self.assertEqual(r.status, 303, r)
        self.assertNoCors(r)
        self.assertEqual(len(self.leads()), 1)

    def test_the_redirect_field_within_the_allowed_prefixes(self):
        for asked, went in [
                ("https://www.example.com/thanks/webinar?id=7", "https://www.example.com/thanks/webinar?id=7"),
                ("https://go.example.com/ok", "https://go.example.com/ok"),
                ("https://go.example.com/ok?x=1#top", "https://go.example.com/ok?x=1#top"),
                # Everything else is ignored: the source's own page.
                ("https://evil.example/thanks/", "https://www.example.com/thanks"),
                ("https://go.example.com/okay", "https://www.example.com/thanks"),
                ("https://go.example.com.evil.example/ok", "https://www.example.com/thanks"),
                ("https://www.example.com/thanks", "https://www.example.com/thanks"),
                ("https://www.example.com/thanks/\r\nSet-Cookie: a=b", "https://www.example.com/thanks"),
                ("https://www.example.com/thanks/\\\\evil.example", "https://www.example.com/thanks"),
                ("http://www.example.com/thanks/", "https://www.example.com/thanks"),
                ("//evil.example/", "https://www.example.com/thanks"),
                ("javascript:alert(1)", "https://www.example.com/thanks")]:
            r = self.post_form("site", {"email": "r@example.com", "_redirect": asked})
            self.assertEqual(r.status, 303, (asked, r))
            self.assertEqual(r.headers["location"], went, asked)
            self.assertNotIn("set-cookie", r.headers)
        self.assertEqual(len(self.leads()), 1)     # _redirect is not part of the event

    def test_a_wrong_origin_gets_no_cors_and_a_public_form_refuses_it(self):
        for origin in ("https://evil.example", "null", "https://www.example.com/"):
            r = self.post_form("site", {"email": "x@example.com"}, origin=origin)
            self.assertError(r, 403, "origin_not_allowed")
            self.assertNoCors(r)
            self.assertEqual(r.headers["vary"], "Origin")
        self.assertEqual(self.leads(), [])
        # A source that authenticates its senders is not refused: only not readable by the page.
        h = {"Authorization": "Bearer " + INGEST, "Content-Type": "application/json"}
        r = self.d.post("/v1/sources/app/events", {"email": "app@example.com"},
                        headers=dict(h, Origin="https://evil.example"))
        self.assertEqual(r.status, 201, r)
        self.assertNoCors(r)
        self.assertEqual(r.headers["vary"], "Origin")
        r = self.d.post("/v1/sources/app/events", {"email": "app2@example.com"},
                        headers=dict(h, Origin="https://app.example.com"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers["access-control-allow-origin"], "https://app.example.com")
        self.assertEqual(len(self.leads()), 2)

    def test_a_refused_form_goes_to_the_error_page(self):
        cases = [
            ({"name": "No Contact"}, "missing_field"),
            ({"email": "not-an-address"}, "invalid_field"),
            (b"email=a%zz@example.com", "malformed_form"),
        ]
        for fields, code in cases:
            r = self.post_form("site", fields)
            self.assertEqual(r.status, 303, r)
            self.assertEqual(r.headers["location"],
                             "https://www.example.com/contact?form=demo&error=" + code)
            self.assertEqual(r.headers["access-control-allow-origin"], SITE)
        r = self.d.post("/v1/sources/site/events", b'{"email": "a@example.com"}',
                        headers={"Content-Type": "application/json", "Origin": SITE})
        self.assertEqual(r.status, 303, r)
        self.assertTrue(r.headers["location"].endswith("&error=unsupported_media_type"), r.headers)
        self.assertEqual(self.leads(), [])
        # Without error_redirect the error is answered as JSON, readable by the page.
        r = self.post_form("plain", {"name": "No Contact"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["error"]["code"], "missing_field")
        self.assertEqual(r.headers["access-control-allow-origin"], SITE)
        r = self.post_form("plain", {"email": "plain@example.com"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["result"], "created")
        self.assertEqual(self.stored(r.json["lead"]["id"])["fields"]["email"], "plain@example.com")

    def test_a_filled_honeypot_stores_nothing_but_looks_stored(self):
        r = self.post_form("site", {"email": "bot@example.com", "website": "http://spam.example"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.headers["location"], "https://www.example.com/thanks")
        self.assertEqual(self.leads(), [])
        harness.wait_for(lambda: self.d.events("source_honeypot"), what="the honeypot's log line")
        r = self.d.get("/metrics", headers={"Authorization": "Bearer " + MANAGER})
        self.assertIn('leadrouted_source_forms_refused_total{reason="honeypot"} 1', r.raw)

    # The limit per client address -------------------------------------------------

    def test_a_client_address_over_its_limit(self):
        for i in range(3):
            self.assertEqual(self.post_form("plain", {"email": "c%d@example.com" % i}).status, 201)
        r = self.post_form("plain", {"email": "c9@example.com"})
        self.assertError(r, 429, "rate_limited")
        self.assertTrue(int(r.headers["retry-after"]) >= 1)
        self.assertEqual(r.headers["access-control-allow-origin"], SITE)
        # Each source counts on its own; with error_redirect the limit goes to the error page.
        for i in range(2):
            self.assertEqual(self.post_form("tight", {"email": "s%d@example.com" % i}).status, 201)
        r = self.post_form("tight", {"email": "s9@example.com"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.headers["location"], "https://www.example.com/oops?error=rate_limited")
        self.assertEqual(len(self.leads()), 5)
        # Not behind a trusted proxy: X-Forwarded-For is the client's say, not believed.
        for i in range(2):
            r = self.post_form("plain", {"email": "c1%d@example.com" % i},
                               headers={"X-Forwarded-For": "198.51.100.%d" % i})
            self.assertError(r, 429, "rate_limited")
        # Said once, for the operator behind a proxy not listed.
        harness.wait_for(lambda: self.d.events("http_forwarded_ignored"), what="the warning")
        self.assertEqual(len(self.d.events("http_forwarded_ignored")), 1)


class TrustedProxyTests(FormCase):
    """The same, with the daemon behind a proxy on 127.0.0.1: the client is
    the last entry of X-Forwarded-For; an IPv6 client counts by its /64."""

    http_extra = {"trusted_proxies": "[127.0.0.1, 10.0.0.0/8]"}

    def test_a_client_address_over_its_limit(self):
        def post(xff, n):
            return self.post_form("plain", {"email": "p%d@example.com" % n},
                                  headers={"X-Forwarded-For": xff})
        n = 0
        for xff in ("203.0.113.5", "198.51.100.1, 203.0.113.5", "203.0.113.5"):
            n += 1
            self.assertEqual(post(xff, n).status, 201)
        n += 1
        self.assertError(post("203.0.113.5", n), 429, "rate_limited")
        # Another client through the same proxy has its own allowance.
        n += 1
        self.assertEqual(post("203.0.113.5, 203.0.113.6", n).status, 201)
        # An IPv6 client is its /64: another address in it shares the allowance.
        for xff in ("2001:db8:1:2::1", "2001:db8:1:2::ff", "2001:db8:1:2:aaaa::1"):
            n += 1
            self.assertEqual(post(xff, n).status, 201)
        n += 1
        self.assertError(post("2001:db8:1:2:ffff::", n), 429, "rate_limited")
        n += 1
        self.assertEqual(post("2001:db8:1:3::1", n).status, 201)
        # Garbage in the header: the proxy's own address counts.
        for i in range(3):
            n += 1
            self.assertEqual(post("unknown", n).status, 201)
        n += 1
        self.assertError(post("not-an-address", n), 429, "rate_limited")


if __name__ == "__main__":
    harness.main()
