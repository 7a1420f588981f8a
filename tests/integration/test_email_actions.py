#!/usr/bin/env python3
"""Email action links: the links of a rep's email (taken from a real message the
daemon sent over SMTP) open a confirmation page that changes nothing, however
often scanners open it; the page's POST acts as the rep through the lifecycle,
once per link. Tampered, foreign-key and expired links, leads that moved on,
bad forms and a server without link keys each get their own page and status,
as HTML that escapes whatever the lead holds."""
import base64
import hashlib
import hmac
import html.parser
import os
import re
import time
import urllib.parse

from harness import DaemonTestCase, main, wait_for
from smtp_standin import SmtpStandin

LINK_KEY = "k" * 40
OLD_KEY = "o" * 40
PATH = "/v1/integrations/email/action"
CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
       "frame-ancestors 'none'")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

REPS = """\
  - {id: ana, name: Ana Ruiz}
  - {id: ben, name: Ben Okafor, email: ben@example.com, notify: email}
  - {id: cy, name: Cy Young}
  - {id: dee, name: Dee Long}
"""

# DE goes to ben, FR to ana: every lead's owner is known before it arrives.
RULES = """\
  - {name: to-ben, when: {country: [DE]}, rep: ben, queue: emea}
  - {name: to-ana, when: {country: [FR]}, rep: ana, queue: emea}
  - {name: default, pool: amer}
"""

LEAD = {"first_name": "Jane", "last_name": "Doe", "country": "DE", "company": "Acme GmbH",
        "title": "VP Sales", "source": "hubspot", "event": "demo_request"}


def notify_section(smtp, secrets):
    links = "  links:\n    secrets: [%s]\n" % ", ".join('"%s"' % s for s in secrets) \
        if secrets else ""
    return """\
notify:
  backoff: 200ms
  max_backoff: 2s
  timeout: 3s
  public_url: http://leads.test
  email:
    smtp_url: "%s"
    username: leadroute
    password: s3cret
    from: "Leads <leads@example.com>"
    ca_file: "%s"
%s""" % (smtp.url, smtp.cafile, links)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(lead, rep, action, expires_s, key=LINK_KEY):
    """A link's token as core/actlink.c makes it:
    b64url("v1.<lead>.<rep>.<action>.<expiry>") "." b64url(HMAC-SHA256[:16])."""
    payload = ("v1.%s.%s.%s.%d" % (lead, rep, action, expires_s)).encode()
    mac = hmac.new(key.encode(), payload, hashlib.sha256).digest()[:16]
    return b64url(payload) + "." + b64url(mac)


def change_one(token, at):
    """token with the character at index at replaced by another. (Not the last:
    it carries stray bits, and a change there may only make the token
    non-canonical.)"""
    c = "B" if token[at] != "B" else "C"
    return token[:at] + c + token[at + 1:]


class Page(html.parser.HTMLParser):
    """What a test needs of a page: its title, text, forms and their fields."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.text = []
        self.forms = []
        self.errors = []
        self._in = []
        self._select = None
        self._option = None
        self.feed(text)
        self.close()
        self.text = " ".join(" ".join(self.text).split())

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in.append((tag, a))
        if tag == "form":
            self.forms.append({"method": a.get("method"), "action": a.get("action"),
                               "inputs": {}, "selects": {}, "textareas": {}, "buttons": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"][a.get("name")] = a
        elif tag == "select" and self.forms:
            self._select = dict(a, options=[])
            self.forms[-1]["selects"][a.get("name")] = self._select
        elif tag == "option" and self._select is not None:
            self._option = dict(a, label="")
            self._select["options"].append(self._option)
        elif tag == "textarea" and self.forms:
            self.forms[-1]["textareas"][a.get("name")] = dict(a, text="")
        elif tag == "button" and self.forms:
            self.forms[-1]["buttons"].append("")

    def handle_endtag(self, tag):
        while self._in:
            t, _ = self._in.pop()
            if t == tag:
                break
        if tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_data(self, data):
        tags = [t for t, _ in self._in]
        if "title" in tags:
            self.title += data
            return
        if "h1" in tags:
            self.h1 += data
        if self._option is not None:
            self._option["label"] += data
        if tags and tags[-1] == "textarea" and self.forms:
            list(self.forms[-1]["textareas"].values())[-1]["text"] += data
        if tags and tags[-1] == "button" and self.forms:
            self.forms[-1]["buttons"][-1] += data
        if any(t == "p" and "error" in a.get("class", "") for t, a in self._in):
            self.errors.append(data)
        self.text.append(data)


class EmailActionCase(DaemonTestCase):

    secrets = (LINK_KEY,)
    extra = ""

    def setUp(self):
        self.smtp = SmtpStandin(user="leadroute", password="s3cret")
        self.addCleanup(self.smtp.close)
        self.conf_overrides = dict(reps=REPS, rules=RULES,
                                   extra=self.extra + notify_section(self.smtp, self.secrets))
        super().setUp()

    # Leads and links

    def lead_for(self, owner="ben", **kw):
        fields = dict(LEAD, email="l%d@acme.example" % time.monotonic_ns(),
                      country="DE" if owner == "ben" else "FR")
        fields.update(kw)
        lead = self.d.lead(**fields)
        self.assertEqual(lead["owner"], owner)
        return lead

    def mailed_links(self, lead):
        """The action links of the email ben got about lead, by label."""
        def mail():
            for rec in self.smtp.messages():
                plain = rec["message"].get_body(("plain",)).get_content().replace("\r\n", "\n")
                if "Lead: " + lead["id"] in plain:
                    return plain
            return None
        plain = wait_for(mail, timeout=10, what="ben's email about " + lead["id"])
        links = dict(re.findall(r"^(Accept|Reject|Log a call|Log an email): (\S+)$", plain,
                                re.M))
        self.assertEqual(set(links), {"Accept", "Reject", "Log a call", "Log an email"})
        for url in links.values():
            self.assertTrue(url.startswith("http://leads.test" + PATH + "?token="), url)
        return links

    @staticmethod
    def local(url):
        """The link as a path on the daemon (public_url's host is where people reach it)."""
        u = urllib.parse.urlsplit(url)
        return u.path + "?" + u.query

    @staticmethod
    def token_of(url):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query,
                                     keep_blank_values=True)["token"][0]

    # Requests

    def page(self, method, path, body=None, headers=None):
        r = self.d.request(method, path, body, headers=headers)
        if method != "HEAD" and r.status != 405:
            self.assert_page_headers(r)
        return r, Page(r.raw) if r.raw else None

    def open_link(self, path):
        return self.page("GET", path)

    def confirm(self, path, fields=None, form_token=True):
        """POST the page's form as a browser does: the token in the address and the body."""
        fields = dict(fields or {})
        if form_token:
            fields.setdefault("token", self.token_of(path))
        return self.page("POST", path, urllib.parse.urlencode(fields), FORM)

    def assert_page_headers(self, r):
        h = r.headers
        self.assertEqual(h.get("content-type"), "text/html; charset=utf-8", r)
        self.assertEqual(h.get("cache-control"), "no-store")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("content-security-policy"), CSP)
        self.assertTrue(r.raw.startswith("<!DOCTYPE html>"), r)

    # State

    def snapshot(self, lead):
        """Everything a GET must leave alone: the lead as the API shows it, its
        hash, the event stream, the idempotency records."""
        got = self.d.get("/v1/leads/" + lead["id"]).json
        return (got, self.redis.cmd("HGETALL", "lr:lead:" + lead["id"]),
                self.redis.cmd("XLEN", "lr:events"),
                sorted(self.redis.cmd("KEYS", "lr:idem:ev:*")))

    def logged(self, n, lead=None, result=None):
        """The email_action log lines (of lead, with result) once there are n, and a
        moment later (the log reaches us from a pipe): all of them, to count."""
        def lines():
            return [e for e in self.d.events("email_action")
                    if (lead is None or e.get("lead") == lead["id"]) and
                    (result is None or e.get("result") == result)]
        wait_for(lambda: len(lines()) >= n, timeout=5, what="%d email_action log lines" % n)
        time.sleep(0.2)
        return lines()

    def stream(self, lead):
        out = []
        for _, f in self.redis.cmd("XRANGE", "lr:events", "-", "+"):
            e = dict(zip(f[::2], f[1::2]))
            if e.get("lead") == lead["id"]:
                out.append(e)
        return out


class ConfirmationPageTests(EmailActionCase):

    def test_opening_a_link_shows_a_form_and_changes_nothing(self):
        lead = self.lead_for("ben")
        links = self.mailed_links(lead)
        before = self.snapshot(lead)
        r, p = self.open_link(self.local(links["Accept"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Accept this lead?")
        self.assertIn("For Ben Okafor (ben).", p.text)
        self.assertIn("Nothing happens until you confirm.", p.text)
        self.assertIn("Jane Doe", p.text)
        self.assertIn("VP Sales", p.text)
        self.assertIn("Acme GmbH", p.text)
        self.assertIn(lead["id"], p.text)
        self.assertEqual(len(p.forms), 1)
        form = p.forms[0]
        token = self.token_of(links["Accept"])
        self.assertEqual(form["method"], "post")
        self.assertEqual(form["action"], "?token=" + token)
        self.assertEqual(form["inputs"]["token"], {"type": "hidden", "name": "token",
                                                   "value": token})
        self.assertEqual(form["buttons"], ["Accept the lead"])
        self.assertEqual(form["selects"], {})

        # A mail scanner's burst: GETs of every link, HEADs (not allowed: 405).
        for _ in range(5):
            for url in links.values():
                r, _ = self.open_link(self.local(url))
                self.assertEqual(r.status, 200, r)
                r = self.d.request("HEAD", self.local(url))
                self.assertEqual(r.status, 405, r)
        self.assertEqual(self.snapshot(lead), before)
        after = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual((after["stage"], after["touches"]), ("mql", 0))
        self.assertNotIn(self.token_of(links["Accept"]), self.d.log())

    def test_the_reject_page_offers_the_configured_reasons(self):
        lead = self.lead_for("ben")
        links = self.mailed_links(lead)
        r, p = self.open_link(self.local(links["Reject"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Reject this lead?")
        form = p.forms[0]
        sel = form["selects"]["reason"]
        self.assertIn("required", sel)
        codes = [(o["value"], o["label"]) for o in sel["options"]]
        self.assertEqual(codes[0], ("", "Choose a reason"))
        self.assertIn(("wrong_title", "Not a buyer's title"), codes)
        self.assertIn(("other", "Other (say why)"), codes)
        self.assertEqual(len(codes), 9)
        self.assertIn("note", form["textareas"])
        self.assertIn("(required with: Other (say why))", p.text)
        self.assertEqual(form["buttons"], ["Reject the lead"])

    def test_touch_pages_are_one_button(self):
        lead = self.lead_for("ben")
        links = self.mailed_links(lead)
        for label, title, button in (("Log a call", "Log a call with this lead?", "Log the call"),
                                     ("Log an email", "Log an email to this lead?",
                                      "Log the email")):
            r, p = self.open_link(self.local(links[label]))
            self.assertEqual(r.status, 200, r)
            self.assertEqual(p.title, title)
            self.assertEqual(p.forms[0]["buttons"], [button])
            self.assertEqual(set(p.forms[0]["inputs"]), {"token"})

    def test_what_the_lead_holds_is_escaped(self):
        lead = self.lead_for("ben", company="<script>alert(1)</script>",
                             first_name='Jo "x" <b>', title="A&B 'Ops'")
        links = self.mailed_links(lead)
        r, p = self.open_link(self.local(links["Accept"]))
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("<script", r.raw)
        self.assertNotIn("<b>", r.raw)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", r.raw)
        self.assertIn("Jo &quot;x&quot; &lt;b&gt;", r.raw)
        self.assertIn("A&amp;B &#39;Ops&#39;", r.raw)
        # Read back, the page says what the lead holds.
        self.assertIn("<script>alert(1)</script>", p.text)
        self.assertIn('Jo "x" <b>', p.text)


class ActionTests(EmailActionCase):

    def test_accept_once(self):
        lead = self.lead_for("ben")
        links = self.mailed_links(lead)
        path = self.local(links["Accept"])
        r, p = self.confirm(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Accepted")
        self.assertRegex(p.text, r"The lead is yours: first touch due \w{3} \d+ \w{3}, "
                         r"\d\d:\d\d \(UTC\)\.")
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual((got["stage"], got["stage_by"]), ("sal", "ben"))
        ev = got["events"][-1]
        self.assertEqual((ev["type"], ev["from"], ev["to"], ev["by"]),
                         ("accepted", "mql", "sal", "ben"))
        accepted = [e for e in self.stream(lead) if e["type"] == "accepted"]
        self.assertEqual(len(accepted), 1, self.stream(lead))

        # The same link again: used, and nothing more happens.
        before = self.snapshot(lead)
        r, p = self.confirm(path)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(p.title, "This link was used already")
        self.assertIn("Stage Sales accepted lead", p.text)
        self.assertEqual(self.snapshot(lead), before)
        # Opening it still only shows the page.
        r, _ = self.open_link(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.snapshot(lead), before)

        logged = self.logged(2, lead)
        self.assertEqual([(e["rep"], e["action"], e["result"]) for e in logged],
                         [("ben", "accept", "done"), ("ben", "accept", "used")])
        self.assertNotIn(self.token_of(links["Accept"]), self.d.log())
        metrics = self.d.get("/metrics").raw
        self.assertIn('leadrouted_email_actions_total{result="done"} 1', metrics)
        self.assertIn('leadrouted_email_actions_total{result="used"} 1', metrics)

    def test_the_token_may_come_in_the_address_only(self):
        lead = self.lead_for("ben")
        path = self.local(self.mailed_links(lead)["Log a call"])
        r, p = self.page("POST", path, "", FORM)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Call logged")
        self.assertIn("It was the lead's first touch.", p.text)
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["touches"], 1)
        ev = got["events"][-1]
        self.assertEqual((ev["type"], ev["channel"]), ("touched", "call"))
        # Or in the body only.
        r, p = self.confirm(PATH, {"token": self.token_of(self.mailed_links(lead)["Log an email"])},
                            form_token=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Email logged")
        self.assertIn("The touch is recorded.", p.text)
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["touches"], 2)
        self.assertEqual(got["events"][-1]["channel"], "email")

    def test_reject_with_a_reason(self):
        lead = self.lead_for("ben")
        path = self.local(self.mailed_links(lead)["Reject"])
        before = self.snapshot(lead)
        # No reason: the form again, with what to fix, and nothing changed.
        r, p = self.confirm(path, {"note": "kept"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(p.title, "Reject this lead?")
        self.assertEqual(p.errors, ["Choose a reason."])
        self.assertEqual(p.forms[0]["textareas"]["note"]["text"], "kept")
        self.assertEqual(self.snapshot(lead), before)
        # An unknown one: the same.
        r, p = self.confirm(path, {"reason": "nope"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(p.errors, ["Choose one of the reasons listed."])
        # Other without a note: the note is asked for, the choice kept.
        r, p = self.confirm(path, {"reason": "other"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(p.errors, ["This reason needs a note: say why."])
        chosen = [o["value"] for o in p.forms[0]["selects"]["reason"]["options"]
                  if "selected" in o]
        self.assertEqual(chosen, ["other"])
        self.assertEqual(self.snapshot(lead), before)

        r, p = self.confirm(path, {"reason": "wrong_title", "note": "an intern <really>"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Rejected")
        self.assertIn("Reason: Not a buyer's title. The lead moved to stage Recycled.", p.text)
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual((got["stage"], got["status"], got["reject_reason"]),
                         ("recycled", "nurture", "wrong_title"))
        ev = got["events"][-1]
        self.assertEqual((ev["type"], ev["by"], ev["reason"], ev["note"]),
                         ("rejected", "ben", "wrong_title", "an intern <really>"))
        # Used: a second rejection with another reason changes nothing.
        r, p = self.confirm(path, {"reason": "duplicate"})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(p.title, "This link was used already")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["reject_reason"],
                         "wrong_title")

    def test_another_link_after_the_lead_moved_on_says_where_it_is(self):
        lead = self.lead_for("ben")
        links = self.mailed_links(lead)
        r, _ = self.confirm(self.local(links["Accept"]))
        self.assertEqual(r.status, 200, r)
        # A link signed again (a second email) is another link: the stage refuses.
        again = sign(lead["id"], "ben", "accept", int(time.time()) + 3600)
        r, p = self.confirm(PATH + "?token=" + again)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(p.title, "Already accepted")
        self.assertRegex(p.text, r"It has been in stage Sales accepted lead since \w{3} \d+ "
                         r"\w{3}, \d\d:\d\d \(UTC\), moved there by Ben Okafor \(ben\)\. "
                         r"Nothing was changed\.")
        # Rejecting into a stage the accepted lead may not reach is refused alike.
        r, p = self.confirm(self.local(links["Reject"]), {"reason": "competitor"})
        self.assertEqual(r.status, 200, r)     # sal may move to disqualified
        r, p = self.confirm(PATH + "?token=" + sign(lead["id"], "ben", "reject",
                                                    int(time.time()) + 3600),
                            {"reason": "wrong_title"})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(p.title, "Already in stage Disqualified")
        self.assertIn("and cannot move to stage Recycled from there.", p.text)
        # A touch on a lead that left the sales process.
        r, p = self.confirm(self.local(links["Log a call"]))
        self.assertEqual(r.status, 409, r)
        self.assertEqual(p.title, "This lead has left the sales process")

    def test_a_lead_that_belongs_to_someone_else(self):
        lead = self.lead_for("ana")
        token = sign(lead["id"], "ben", "accept", int(time.time()) + 3600)
        before = self.snapshot(lead)
        for method in ("GET", "POST"):
            if method == "GET":
                r, p = self.open_link(PATH + "?token=" + token)
            else:
                r, p = self.confirm(PATH + "?token=" + token)
            self.assertEqual(r.status, 409, r)
            self.assertEqual(p.title, "This lead now belongs to Ana Ruiz (ana)")
            self.assertEqual(p.forms, [])
        self.assertEqual(self.snapshot(lead), before)
        self.assertEqual([e["result"] for e in self.logged(1, lead)], ["not_owner"])

    def test_a_queued_lead_has_no_owner(self):
        self.d.set_status("ben", "away")
        self.d.set_status("ana", "away")
        lead = self.d.lead(**dict(LEAD, email="q@acme.example"))
        self.assertEqual(lead["status"], "queued")
        token = sign(lead["id"], "ben", "touch_call", int(time.time()) + 3600)
        r, p = self.confirm(PATH + "?token=" + token)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(p.title, "This lead has no owner")
        self.assertIn("it is queued", p.text)

    def test_a_lead_that_is_gone(self):
        token = sign("01HZZZZZZZZZZZZZZZZZZZZZZZ", "ben", "accept", int(time.time()) + 3600)
        for method in ("GET", "POST"):
            r, p = (self.open_link if method == "GET" else self.confirm)(PATH + "?token=" + token)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(p.title, "This lead no longer exists")


class BadLinkTests(EmailActionCase):

    def assert_refused(self, token, status, title, lead=None):
        before = self.snapshot(lead) if lead else None
        for method in ("GET", "POST"):
            path = PATH + "?token=" + urllib.parse.quote(token, safe="")
            r, p = self.open_link(path) if method == "GET" else self.confirm(path)
            self.assertEqual(r.status, status, (method, r))
            self.assertEqual(p.title, title)
            self.assertEqual(p.forms, [])
        if lead:
            self.assertEqual(self.snapshot(lead), before)
        return p

    def test_tampered_links(self):
        lead = self.lead_for("ben")
        token = self.token_of(self.mailed_links(lead)["Accept"])
        # One character of the signature, one of the payload.
        mac_changed = change_one(token, len(token) - 5)
        p = self.assert_refused(mac_changed, 400, "This link is not valid", lead)
        self.assertIn("The link's signature does not match.", p.text)
        payload_changed = change_one(token, 0)
        self.assert_refused(payload_changed, 400, "This link is not valid", lead)
        # Signed with a key this server does not hold.
        other = sign(lead["id"], "ben", "accept", int(time.time()) + 3600, key="x" * 40)
        p = self.assert_refused(other, 400, "This link is not valid", lead)
        self.assertIn("signature does not match", p.text)
        # Not a token at all; none.
        p = self.assert_refused("<script>", 400, "This link is not valid", lead)
        self.assertNotIn("<script>", p.text)
        p = self.assert_refused("", 400, "This link is not valid", lead)
        self.assertIn("The link has no token.", p.text)
        # An action the server does not know, properly signed.
        self.assert_refused(sign(lead["id"], "ben", "claim", int(time.time()) + 3600), 400,
                            "This link is not valid", lead)
        refused = self.logged(6, result="bad_link")
        self.assertEqual(len(refused), 6)
        self.assertTrue(all("lead" not in e for e in refused))

    def test_an_expired_link_says_when(self):
        lead = self.lead_for("ben")
        expired = int(time.time()) - 120
        token = sign(lead["id"], "ben", "accept", expired)
        p = self.assert_refused(token, 410, "This link has expired", lead)
        stamp = time.strftime("%a %-d %b, %H:%M (UTC)", time.gmtime(expired))
        self.assertIn("It expired on %s." % stamp, p.text)
        self.assertEqual([e["result"] for e in self.logged(1)], ["expired"])

    def test_bad_forms(self):
        lead = self.lead_for("ben")
        path = self.local(self.mailed_links(lead)["Accept"])
        token = self.token_of(path)
        before = self.snapshot(lead)
        cases = [
            ('{"token": "%s"}' % token, {"Content-Type": "application/json"}, "must be a form"),
            ("token=" + token, {"Content-Type": "text/plain"}, "must be a form"),
            ("token=%zz", FORM, "bad escape"),
            ("token=" + token + "&note=%C3%28", FORM, "invalid UTF-8"),
            ("token=" + token + "&note=" + "x" * 17000, FORM, "larger than 16384 bytes"),
            ("token=" + token + "&token=" + token, FORM, "token more than once"),
            ("token=" + change_one(token, len(token) - 5), FORM, "different links"),
        ]
        for body, headers, why in cases:
            r, p = self.page("POST", path, body, headers)
            self.assertEqual(r.status, 400, (body[:60], r))
            self.assertEqual(p.title, "This form could not be read")
            self.assertIn(why, p.text)
        self.assertEqual(self.snapshot(lead), before)
        # Over http.max_body: refused by the server before the door, as JSON.
        r = self.d.request("POST", path, "note=" + "x" * 70000, headers=FORM)
        self.assertEqual(r.status, 413, r)
        self.assertEqual(self.snapshot(lead), before)
        self.assertEqual(len(self.logged(len(cases), result="bad_form")), len(cases))


class OutageTests(EmailActionCase):

    persist = True

    def test_redis_down_is_a_page_to_retry(self):
        lead = self.lead_for("ben")
        links = self.mailed_links(lead)
        self.redis.stop()
        try:
            for method in ("GET", "POST"):
                path = self.local(links["Accept"])
                r, p = self.open_link(path) if method == "GET" else self.confirm(path)
                self.assertEqual(r.status, 503, (method, r))
                self.assertEqual(r.headers.get("retry-after"), "1")
                self.assertEqual(p.title, "Please try again in a moment")
        finally:
            self.redis.start()
        wait_for(lambda: self.d.get("/healthz").status == 200, timeout=10,
                 what="the daemon to reconnect")
        self.assertEqual([e["result"] for e in self.logged(1, lead)], ["unavailable"])
        # Nothing was recorded: the link still works, once.
        r, p = self.confirm(self.local(links["Accept"]))
        self.assertEqual(r.status, 200, r)


class KeyRotationTests(EmailActionCase):

    secrets = ("n" * 40, LINK_KEY)

    def test_links_signed_with_the_previous_key_still_work(self):
        lead = self.lead_for("ben")
        # The email is signed with the new key; the old key's links verify too.
        new = self.token_of(self.mailed_links(lead)["Log a call"])
        payload = base64.urlsafe_b64decode(new.split(".")[0] + "==").decode()
        expiry = int(payload.rsplit(".", 1)[1])
        self.assertEqual(payload, "v1.%s.ben.touch_call.%d" % (lead["id"], expiry))
        self.assertAlmostEqual(expiry, time.time() + 7 * 86400, delta=60)    # ttl: 7d
        self.assertEqual(sign(lead["id"], "ben", "touch_call", expiry, key="n" * 40), new)
        old = sign(lead["id"], "ben", "accept", int(time.time()) + 3600, key=LINK_KEY)
        r, p = self.confirm(PATH + "?token=" + old)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Accepted")


class TokenAuthTests(EmailActionCase):
    """With API tokens configured, the links still need none: they are their own
    authorisation."""

    ADMIN = "admin-token-0123456789abcdef0123456789ab"

    def setUp(self):
        path = os.path.join(self.tmp, "tokens")
        with open(path, "w") as f:
            f.write("ops admin sha256:%s\n" % hashlib.sha256(self.ADMIN.encode()).hexdigest())
        self.extra = "auth:\n  tokens: file:%s\n" % path
        super().setUp()

    def test_links_need_no_bearer_token(self):
        self.d.token = self.ADMIN
        lead = self.lead_for("ben")
        links = self.mailed_links(lead)
        self.d.token = None
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).status, 401)
        r, p = self.open_link(self.local(links["Accept"]))
        self.assertEqual(r.status, 200, r)
        r, p = self.confirm(self.local(links["Accept"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(p.title, "Accepted")
        self.d.token = self.ADMIN
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["stage"], "sal")


class NoLinksTests(EmailActionCase):

    secrets = ()

    def test_without_link_keys_there_is_no_door(self):
        lead = self.lead_for("ben")
        token = sign(lead["id"], "ben", "accept", int(time.time()) + 3600)
        before = self.snapshot(lead)
        for method in ("GET", "POST"):
            path = PATH + "?token=" + token
            r, p = self.open_link(path) if method == "GET" else self.confirm(path)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(p.title, "Not found")
            self.assertIn("Email action links are not enabled", p.text)
        self.assertEqual(self.snapshot(lead), before)
        # The email has no action links either.
        rec = self.smtp.wait(1)[0]
        self.assertNotIn(PATH, rec["message"].get_body(("plain",)).get_content())


if __name__ == "__main__":
    main()
