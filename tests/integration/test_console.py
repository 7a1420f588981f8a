"""The web console's server side: sign-in and its cookie, API calls authorised
by the cookie (roles, CSRF token, origin), forged and expired cookies,
sign-out across daemons, token removal, console.enabled, and its files."""

import hashlib
import hmac
import os
import shutil
import signal
import ssl
import subprocess
import time
import unittest

from harness import LEADROUTED, DaemonTestCase, main, make_conf, wait_for

TOKENS = {
    "ingest": "console-ingest-token-0123456789abcdef012",
    "ana": "console-rep-ana-token-0123456789abcdef01",
    "ben": "console-rep-ben-token-0123456789abcdef01",
    "manager": "console-manager-token-0123456789abcdef0",
    "admin": "console-admin-token-0123456789abcdef012",
}
NAMES = {"ingest": "forms", "ana": "ana", "ben": "ben", "manager": "maria", "admin": "ops"}
ROLES = {"ingest": "ingest", "ana": "rep:ana", "ben": "rep:ben", "manager": "manager", "admin": "admin"}


def sha(token):
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_file(path, who=TOKENS):
    with open(path, "w") as f:
        for k in who:
            f.write("%s %s sha256:%s\n" % (NAMES[k], ROLES[k], sha(TOKENS[k])))


def console_extra(tokens, console="  session_ttl: 1h\n  sign_in_rate: 1000/s\n", chart=None):
    text = "auth:\n  tokens: file:%s\n  rate_limit: 100000/s\nconsole:\n%s" % (tokens, console)
    if chart is not None:
        text += "  chart_js: %s\n" % chart
    return text


def cookie_of(r):
    """The lr_session value and attributes of a response's Set-Cookie."""
    raw = r.headers.get("set-cookie")
    assert raw is not None, r
    parts = [p.strip() for p in raw.split(";")]
    name, _, value = parts[0].partition("=")
    assert name == "lr_session", raw
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.lower()] = v
    return value, attrs


class ConsoleBase(DaemonTestCase):

    console = "  session_ttl: 1h\n  sign_in_rate: 1000/s\n"
    chart = None

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.tokens = os.path.join(self.tmp, "tokens")
        tokens_file(self.tokens)
        self.d = self.new_daemon(extra=console_extra(self.tokens, self.console, self.chart))

    def origin(self, d=None):
        return "http://127.0.0.1:%d" % (d or self.d).port

    def sign_in(self, who, d=None):
        r = (d or self.d).post("/console/session", {"token": TOKENS[who]})
        self.assertEqual(r.status, 201, r)
        value, _ = cookie_of(r)
        return value, r.json

    def with_cookie(self, value, csrf=None, origin=True, d=None, extra=None):
        h = {"Cookie": "lr_session=" + value}
        if csrf is not None:
            h["X-CSRF-Token"] = csrf
        if origin is True:
            h["Origin"] = self.origin(d)
        elif origin:
            h["Origin"] = origin
        h.update(extra or {})
        return h

    def key(self):
        """The session key as engine/sessions.c derives it from the keyed-hash key in Redis."""
        base = wait_for(lambda: self.redis.cmd("GET", "lr:pii:key"), what="the keyed-hash key")
        if isinstance(base, str):
            base = base.encode()
        return hmac.new(base, b"leadrouted console sessions v1", hashlib.sha256).digest()

    def seal(self, who, expires_ms, sid="00112233445566778899aabbccddeeff"):
        fp = sha(TOKENS[who])[:16]
        text = "1.%s.%d.%s." % (sid, expires_ms, fp)
        return text + hmac.new(self.key(), text.encode(), hashlib.sha256).hexdigest()

    def csrf_for(self, sid):
        return hmac.new(self.key(), ("csrf." + sid).encode(), hashlib.sha256).hexdigest()[:32]

    def lead(self, country="DE"):
        r = self.d.post("/v1/leads", {"email": "p%d@acme.example" % time.monotonic_ns(),
                                      "country": country},
                        headers={"Authorization": "Bearer " + TOKENS["admin"]})
        self.assertEqual(r.status, 201, r)
        return r.json


class SignInTests(ConsoleBase):

    def test_sign_in_answers_who_and_sets_the_cookie(self):
        before = time.time()
        r = self.d.post("/console/session", {"token": TOKENS["manager"]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(sorted(r.json), ["csrf", "expires_at", "name", "open", "rep", "roles"])
        self.assertEqual(r.json["open"], False)
        self.assertEqual(r.json["name"], "maria")
        self.assertEqual(r.json["roles"], ["rep", "manager"])
        self.assertIsNone(r.json["rep"])
        self.assertRegex(r.json["csrf"], r"^[0-9a-f]{32}$")
        self.assertRegex(r.json["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        value, attrs = cookie_of(r)
        self.assertRegex(value, r"^1\.[0-9a-f]{32}\.\d+\.[0-9a-f]{16}\.[0-9a-f]{64}$")
        self.assertEqual(attrs, {"path": "/", "max-age": "3600", "httponly": "",
                                 "samesite": "Strict"})
        expires_ms = int(value.split(".")[2])
        self.assertAlmostEqual(expires_ms / 1000, before + 3600, delta=5)
        self.assertEqual(value.split(".")[3], sha(TOKENS["manager"])[:16])
        # The CSRF token is the session's, as documented.
        self.assertEqual(r.json["csrf"], self.csrf_for(value.split(".")[1]))

    def test_a_rep_session_names_its_rep(self):
        _, s = self.sign_in("ana")
        self.assertEqual((s["name"], s["roles"], s["rep"]), ("ana", ["rep"], "ana"))

    def test_an_admin_session_has_every_role(self):
        _, s = self.sign_in("admin")
        self.assertEqual(s["roles"], ["ingest", "rep", "manager", "admin"])

    def test_every_sign_in_is_a_new_session(self):
        a, _ = self.sign_in("manager")
        b, _ = self.sign_in("manager")
        self.assertNotEqual(a.split(".")[1], b.split(".")[1])

    def test_a_bad_token_is_401(self):
        for token in ("nope", TOKENS["manager"] + "x", TOKENS["manager"][:-1]):
            r = self.d.post("/console/session", {"token": token})
            self.assertError(r, 401, "invalid_token", "token")
            self.assertNotIn("set-cookie", r.headers)

    def test_an_ingest_token_cannot_sign_in(self):
        r = self.d.post("/console/session", {"token": TOKENS["ingest"]})
        self.assertError(r, 403, "forbidden", "token")
        self.assertNotIn("set-cookie", r.headers)

    def test_body_errors(self):
        r = self.d.post("/console/session", "{not json", headers={"Content-Type": "application/json"})
        self.assertError(r, 400, "malformed_json")
        r = self.d.post("/console/session", "", headers={"Content-Type": "application/json"})
        self.assertError(r, 400, "malformed_json")
        r = self.d.post("/console/session", "[1]", headers={"Content-Type": "application/json"})
        self.assertError(r, 422, "invalid_body")
        for body in ({}, {"token": 5}, {"token": ""}, {"token": None}, {"token": "x" * 1025}):
            self.assertError(self.d.post("/console/session", body), 422, "invalid_body", "token")

    def test_sign_in_from_another_origin_is_refused(self):
        r = self.d.post("/console/session", {"token": TOKENS["manager"]},
                        headers={"Origin": "http://127.0.0.1:1"})
        self.assertError(r, 403, "csrf_failed")
        self.assertNotIn("set-cookie", r.headers)
        r = self.d.post("/console/session", {"token": TOKENS["manager"]},
                        headers={"Sec-Fetch-Site": "same-site"})
        self.assertError(r, 403, "csrf_failed")
        r = self.d.post("/console/session", {"token": TOKENS["manager"]},
                        headers={"Origin": self.origin(), "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(r.status, 201, r)

    def test_get_session_with_and_without_cookie(self):
        r = self.d.get("/console/session")
        self.assertError(r, 401, "not_signed_in")
        value, s = self.sign_in("manager")
        r = self.d.get("/console/session", headers=self.with_cookie(value, origin=False))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, s)

    def test_the_token_never_reaches_the_log(self):
        value, _ = self.sign_in("manager")
        self.d.post("/console/session", {"token": TOKENS["ana"] + "x"})
        # Log lines are written at the end of the loop's turn: wait for it.
        wait_for(lambda: self.d.events("signed_in"), what="the signed_in line")
        log = self.d.log()
        for t in TOKENS.values():
            self.assertNotIn(t, log)
        self.assertNotIn(value, log)
        self.assertTrue(self.d.events("signed_in"))


class SignInRateTests(ConsoleBase):

    console = "  sign_in_rate: 2/m\n"

    def test_sign_in_rate_limit_is_429_with_retry_after(self):
        self.assertEqual(self.d.post("/console/session", {"token": "nope"}).status, 401)
        self.assertEqual(self.d.post("/console/session", {"token": TOKENS["manager"]}).status, 201)
        r = self.d.post("/console/session", {"token": TOKENS["manager"]})
        self.assertError(r, 429, "rate_limited")
        self.assertGreaterEqual(int(r.headers["retry-after"]), 1)
        self.assertNotIn("set-cookie", r.headers)
        # Only signing in is limited: the API and its tokens are not.
        r = self.d.get("/v1/reps", headers={"Authorization": "Bearer " + TOKENS["manager"]})
        self.assertEqual(r.status, 200, r)

    def test_the_default_session_ttl_is_twelve_hours(self):
        r = self.d.post("/console/session", {"token": TOKENS["manager"]})
        self.assertEqual(cookie_of(r)[1]["max-age"], str(12 * 3600))


class CookieAuthTests(ConsoleBase):

    def test_a_manager_session_reads_reps(self):
        value, _ = self.sign_in("manager")
        r = self.d.get("/v1/reps", headers=self.with_cookie(value, origin=False))
        self.assertEqual(r.status, 200, r)
        self.assertIn("reps", r.json)

    def test_a_rep_session_has_the_rep_tokens_rights(self):
        leads = [self.lead(), self.lead()]
        mine = [l for l in leads if l["owner"] == "ana"]
        theirs = [l for l in leads if l["owner"] == "ben"]
        self.assertEqual((len(mine), len(theirs)), (1, 1), leads)
        value, _ = self.sign_in("ana")
        h = self.with_cookie(value, origin=False)
        self.assertError(self.d.get("/v1/scorecard", headers=h), 403, "forbidden")
        # The rep list shows a rep their own entry only, as to the rep's token.
        self.assertEqual([r["id"] for r in self.d.get("/v1/reps", headers=h).json["reps"]], ["ana"])
        r = self.d.get("/v1/leads/%s" % mine[0]["id"], headers=h)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["id"], mine[0]["id"])
        as_cookie = self.d.get("/v1/leads/%s" % theirs[0]["id"], headers=h)
        as_token = self.d.get("/v1/leads/%s" % theirs[0]["id"],
                              headers={"Authorization": "Bearer " + TOKENS["ana"]})
        self.assertIn(as_token.status, (403, 404), as_token)
        self.assertEqual((as_cookie.status, as_cookie.json["error"]["code"]),
                         (as_token.status, as_token.json["error"]["code"]))

    def test_a_bearer_token_wins_over_the_cookie(self):
        value, _ = self.sign_in("manager")
        h = self.with_cookie(value, origin=False, extra={"Authorization": "Bearer " + TOKENS["ana"]})
        self.assertError(self.d.get("/v1/scorecard", headers=h), 403, "forbidden")

    def test_a_change_needs_the_csrf_token_and_the_origin(self):
        lead = self.lead()
        rep = lead["owner"]
        value, s = self.sign_in(rep if rep in ("ana", "ben") else "manager")
        path = "/v1/reps/%s/status" % rep
        cases = [
            ("no token", self.with_cookie(value)),
            ("a wrong token", self.with_cookie(value, csrf="0" * 32)),
            ("another session's token", self.with_cookie(value, csrf=self.csrf_for("f" * 32))),
            ("no origin header but no token", self.with_cookie(value, origin=False)),
            ("another origin", self.with_cookie(value, csrf=s["csrf"], origin="http://127.0.0.1:1")),
            ("another scheme", self.with_cookie(value, csrf=s["csrf"],
                                                origin="https://127.0.0.1:%d" % self.d.port + "x")),
            ("origin null", self.with_cookie(value, csrf=s["csrf"], origin="null")),
            ("same-site", self.with_cookie(value, csrf=s["csrf"], extra={"Sec-Fetch-Site": "same-site"})),
            ("cross-site", self.with_cookie(value, csrf=s["csrf"], extra={"Sec-Fetch-Site": "cross-site"})),
        ]
        for what, h in cases:
            with self.subTest(what):
                self.assertError(self.d.put(path, {"status": "away"}, headers=h), 403, "csrf_failed")
                self.assertError(self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": rep},
                                             headers=h), 403, "csrf_failed")
        r = self.d.get("/v1/leads/%s" % lead["id"], headers={"Authorization": "Bearer " + TOKENS["admin"]})
        self.assertIsNone(r.json.get("first_touched_at"), r)
        # Both right: it works.
        h = self.with_cookie(value, csrf=s["csrf"], extra={"Sec-Fetch-Site": "same-origin"})
        r = self.d.put(path, {"status": "away"}, headers=h)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "away")
        # Without an Origin header (an old browser) the token alone does.
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": rep, "channel": "call"},
                        headers=self.with_cookie(value, csrf=s["csrf"], origin=False))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["first_touch"])

    def test_forged_tampered_and_malformed_cookies_are_401(self):
        value, _ = self.sign_in("manager")
        v, sid, exp, fp, mac = value.split(".")
        later = str(int(exp) + 86400000)
        other_fp = sha(TOKENS["admin"])[:16]
        bad = {
            "forged mac": ".".join([v, sid, exp, fp, ("0" if mac[0] != "0" else "1") + mac[1:]]),
            "tampered expiry": ".".join([v, sid, later, fp, mac]),
            "another token": ".".join([v, sid, exp, other_fp, mac]),
            "another id": ".".join([v, "f" * 32, exp, fp, mac]),
            "upper-case mac": ".".join([v, sid, exp, fp, mac.upper()]),
            "malformed": "1.abc",
            "garbage": "%%%%",
            "version 2": ".".join(["2", sid, exp, fp, mac]),
            "signed with another key": ".".join([v, sid, exp, fp]) + "." +
            hmac.new(b"k" * 32, (".".join([v, sid, exp, fp]) + ".").encode(), hashlib.sha256).hexdigest(),
        }
        for what, cookie in bad.items():
            with self.subTest(what):
                r = self.d.get("/v1/reps", headers=self.with_cookie(cookie, origin=False))
                self.assertError(r, 401, "session_expired")
                self.assertIn("not valid", r.json["error"]["message"])
                r = self.d.get("/console/session", headers=self.with_cookie(cookie, origin=False))
                self.assertError(r, 401, "session_expired")
        # The real one still works.
        self.assertEqual(self.d.get("/v1/reps", headers=self.with_cookie(value, origin=False)).status, 200)

    def test_a_cookie_sealed_as_documented_is_taken(self):
        sid = "0123456789abcdef0123456789abcdef"
        cookie = self.seal("manager", int(time.time() * 1000) + 600000, sid)
        r = self.d.get("/console/session", headers=self.with_cookie(cookie, origin=False))
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["name"], r.json["csrf"]), ("maria", self.csrf_for(sid)))

    def test_an_expired_cookie_is_401(self):
        cookie = self.seal("manager", int(time.time() * 1000) - 1000)
        r = self.d.get("/v1/reps", headers=self.with_cookie(cookie, origin=False))
        self.assertError(r, 401, "session_expired")
        self.assertIn("is over", r.json["error"]["message"])
        wait_for(lambda: any(e.get("why") == "expired" for e in self.d.events("session_refused")),
                 what="the refusal to be logged")

    def test_a_cookie_of_an_unknown_token_is_401(self):
        TOKENS_X = dict(TOKENS, x="a-token-that-was-never-configured-0123456")
        sid = "ab" * 16
        fp = sha(TOKENS_X["x"])[:16]
        text = "1.%s.%d.%s." % (sid, int(time.time() * 1000) + 600000, fp)
        cookie = text + hmac.new(self.key(), text.encode(), hashlib.sha256).hexdigest()
        r = self.d.get("/v1/reps", headers=self.with_cookie(cookie, origin=False))
        self.assertError(r, 401, "session_expired")
        self.assertIn("no longer configured", r.json["error"]["message"])


class SignOutTests(ConsoleBase):

    def test_sign_out_ends_the_session_here_at_once_and_elsewhere_within_3s(self):
        d2 = self.new_daemon(extra=console_extra(self.tokens))
        value, s = self.sign_in("manager")
        for d in (self.d, d2):
            self.assertEqual(d.get("/v1/reps", headers=self.with_cookie(value, origin=False)).status, 200)
        # Without its CSRF token, or from elsewhere: refused, still signed in.
        self.assertError(self.d.delete("/console/session", headers=self.with_cookie(value)),
                         403, "csrf_failed")
        self.assertError(self.d.delete("/console/session", headers=self.with_cookie(
            value, csrf=s["csrf"], origin="http://127.0.0.1:1")), 403, "csrf_failed")
        self.assertEqual(self.d.get("/v1/reps", headers=self.with_cookie(value, origin=False)).status, 200)
        r = self.d.delete("/console/session", headers=self.with_cookie(value, csrf=s["csrf"]))
        self.assertEqual(r.status, 204, r)
        cleared, attrs = cookie_of(r)
        self.assertEqual((cleared, attrs["max-age"]), ("", "0"))
        signed_out = time.monotonic()
        r = self.d.get("/v1/reps", headers=self.with_cookie(value, origin=False))
        self.assertError(r, 401, "session_expired")
        self.assertIn("signed out", r.json["error"]["message"])
        wait_for(lambda: d2.get("/v1/reps", headers=self.with_cookie(value, origin=False)).status == 401,
                 timeout=3.0, interval=0.05, what="the second daemon to refuse the signed-out cookie")
        self.assertLess(time.monotonic() - signed_out, 3.0)
        self.assertEqual(self.redis.cmd("ZCARD", "lr:console:revoked"), 1)
        # Signing out again: the session is already gone.
        r = self.d.delete("/console/session", headers=self.with_cookie(value, csrf=s["csrf"]))
        self.assertError(r, 401, "session_expired")
        # Other sessions of the same token go on.
        other, _ = self.sign_in("manager")
        self.assertEqual(d2.get("/v1/reps", headers=self.with_cookie(other, origin=False)).status, 200)

    def test_a_daemon_started_later_knows_the_sign_out(self):
        value, s = self.sign_in("manager")
        self.assertEqual(self.d.delete("/console/session",
                                       headers=self.with_cookie(value, csrf=s["csrf"])).status, 204)
        d2 = self.new_daemon(extra=console_extra(self.tokens))
        wait_for(lambda: d2.get("/v1/reps", headers=self.with_cookie(value, origin=False)).status == 401,
                 timeout=3.0, interval=0.05, what="a new daemon to refuse the signed-out cookie")

    def test_sign_out_without_a_cookie_is_401(self):
        self.assertError(self.d.delete("/console/session"), 401, "not_signed_in")

    def test_removing_the_token_ends_its_sessions(self):
        manager, _ = self.sign_in("manager")
        ana, _ = self.sign_in("ana")
        tokens_file(self.tokens, {k: v for k, v in TOKENS.items() if k != "manager"})
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.events("config_reloaded"), what="reload")
        r = self.d.get("/v1/reps", headers=self.with_cookie(manager, origin=False))
        self.assertError(r, 401, "session_expired")
        self.assertIn("no longer configured", r.json["error"]["message"])
        r = self.d.get("/console/session", headers=self.with_cookie(ana, origin=False))
        self.assertEqual(r.status, 200, r)


class ConsoleOffTests(ConsoleBase):

    console = "  enabled: false\n"

    def test_the_console_is_404_and_cookies_are_ignored(self):
        for path in ("/console", "/console/", "/console/assets/app.js", "/console/session"):
            with self.subTest(path):
                self.assertError(self.d.get(path), 404, "not_found")
        self.assertError(self.d.post("/console/session", {"token": TOKENS["manager"]}), 404, "not_found")
        cookie = self.seal("manager", int(time.time() * 1000) + 600000)
        r = self.d.get("/v1/reps", headers=self.with_cookie(cookie, origin=False))
        self.assertError(r, 401, "unauthorized")
        r = self.d.get("/v1/reps", headers=self.with_cookie(
            cookie, origin=False, extra={"Authorization": "Bearer " + TOKENS["manager"]}))
        self.assertEqual(r.status, 200, r)


class AssetTests(ConsoleBase):

    def setUp(self):
        self.chart = os.path.join(self.tmp, "chart.min.js")
        with open(self.chart, "w") as f:
            f.write("/* a stand-in for Chart.js */ window.Chart = function () {};\n")
        super().setUp()

    def test_console_redirects_to_its_page(self):
        r = self.d.get("/console")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.headers["location"], "/console/")

    def test_files_have_etags_and_answer_304(self):
        for path, kind in (("/console/", "text/html"), ("/console/assets/app.js", "text/javascript"),
                           ("/console/assets/app.css", "text/css"),
                           ("/console/assets/icon.svg", "image/svg+xml")):
            with self.subTest(path):
                r = self.d.get(path)
                self.assertEqual(r.status, 200, r)
                self.assertTrue(r.headers["content-type"].startswith(kind), r.headers)
                self.assertRegex(r.headers["etag"], r'^"[0-9a-f]{20}"$')
                self.assertEqual(r.headers["cache-control"], "no-cache")
                self.assertEqual(r.headers["x-content-type-options"], "nosniff")
                self.assertIn("default-src 'none'", r.headers["content-security-policy"])
                again = self.d.get(path, headers={"If-None-Match": r.headers["etag"]})
                self.assertEqual(again.status, 304, again)
                self.assertEqual(again.raw, "")
                self.assertEqual(again.headers["etag"], r.headers["etag"])
                other = self.d.get(path, headers={"If-None-Match": '"0000"'})
                self.assertEqual(other.status, 200)
        page = self.d.get("/console/")
        self.assertIn("assets/app.js", page.raw)
        self.assertEqual(page.headers["x-frame-options"], "DENY")
        self.assertIn("frame-ancestors 'none'", page.headers["content-security-policy"])

    def test_unknown_assets_are_404(self):
        for name in ("nope.js", "index.html", "..%2fapi.c", "APP.JS"):
            with self.subTest(name):
                self.assertError(self.d.get("/console/assets/" + name), 404, "not_found")

    def test_chart_js_is_served_from_its_file(self):
        r = self.d.get("/console/assets/chart.js")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("text/javascript"))
        with open(self.chart) as f:
            self.assertEqual(r.raw, f.read())
        self.assertEqual(self.d.get("/console/assets/chart.js",
                                    headers={"If-None-Match": r.headers["etag"]}).status, 304)

    def test_a_missing_chart_js_is_404_with_a_clear_message_and_a_config_warning(self):
        missing = os.path.join(self.tmp, "no-such-chart.js")
        d = self.new_daemon(extra=console_extra(self.tokens, chart=missing))
        r = d.get("/console/assets/chart.js")
        self.assertError(r, 404, "not_found")
        self.assertIn(missing, r.json["error"]["message"])
        self.assertIn("libjs-chart.js", r.json["error"]["message"])
        p = subprocess.run([LEADROUTED, "-t", "-c", d.conf_path], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("with warnings", p.stdout)
        self.assertRegex(p.stderr, r":\d+: warning: console.chart_js: %s cannot be read" % missing)
        # The page itself is still there.
        self.assertEqual(d.get("/console/").status, 200)


class ConsoleConfigTests(DaemonTestCase):

    def check(self, console):
        path = os.path.join(self.tmp, "console.yaml")
        with open(path, "w") as f:
            f.write(make_conf(self.redis, extra="console:\n" + console))
        p = subprocess.run([LEADROUTED, "-t", "-c", path], capture_output=True, text=True, timeout=10)
        return p.returncode, p.stderr

    def test_bad_console_keys_are_errors(self):
        cases = {
            "  colour: blue\n": 'console: unknown key "colour"',
            "  session_ttl: 1m\n": "console.session_ttl",
            "  session_ttl: 31d\n": "console.session_ttl",
            "  session_ttl: soon\n": "console.session_ttl",
            "  chart_js: chart.js\n": "console.chart_js: expected an absolute path",
            "  enabled: maybe\n": "console.enabled",
            "  sign_in_rate: lots\n": "console.sign_in_rate",
        }
        for text, want in cases.items():
            with self.subTest(text.strip()):
                rc, err = self.check(text)
                self.assertEqual(rc, 1, err)
                self.assertIn(want, err)

    def test_good_console_keys_load(self):
        for text in ("  session_ttl: 5m\n", "  session_ttl: 30d\n", "  enabled: false\n",
                     "  sign_in_rate: 10/m\n"):
            with self.subTest(text.strip()):
                rc, err = self.check(text)
                self.assertEqual(rc, 0, err)


def make_cert(dirname):
    key, cert = os.path.join(dirname, "console.key"), os.path.join(dirname, "console.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=console",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return key, cert


@unittest.skipIf(shutil.which("openssl") is None, "needs openssl to make certificates")
class TlsCookieTests(ConsoleBase):

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.tokens = os.path.join(self.tmp, "tokens")
        tokens_file(self.tokens)
        key, cert = make_cert(self.tmp)
        self.d = self.new_daemon(start=False, extra=console_extra(self.tokens) +
                                 "tls:\n  cert: %s\n  key: %s\n" % (cert, key))
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        self.d.tls = ctx
        self.d.start()

    def test_the_cookie_is_secure_under_tls(self):
        r = self.d.post("/console/session", {"token": TOKENS["manager"]})
        self.assertEqual(r.status, 201, r)
        value, attrs = cookie_of(r)
        self.assertEqual(attrs, {"path": "/", "max-age": "3600", "httponly": "",
                                 "samesite": "Strict", "secure": ""})
        csrf = r.json["csrf"]
        r = self.d.get("/v1/reps", headers={"Cookie": "lr_session=" + value})
        self.assertEqual(r.status, 200, r)
        h = {"Cookie": "lr_session=" + value, "X-CSRF-Token": csrf}
        r = self.d.put("/v1/reps/ana/status", {"status": "away"},
                       headers=dict(h, Origin="https://127.0.0.1:%d" % self.d.port))
        self.assertEqual(r.status, 200, r)
        r = self.d.put("/v1/reps/ana/status", {"status": "away"},
                       headers=dict(h, Origin="https://127.0.0.1:1"))
        self.assertError(r, 403, "csrf_failed")


if __name__ == "__main__":
    main()
