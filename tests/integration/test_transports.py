"""The rep-notification transports of daemon/io/outbound.c against stand-ins:
mail over SMTP (STARTTLS, AUTH, refusals) to tests/integration/smtp_standin.py,
Slack's Web API and response_urls to tests/integration/slack_standin.py.

tools/outbound_probe runs each request on a libevent loop, as the daemon
does, and prints how it ended; the tests read that and what the stand-ins
received. Without a built probe the module exits 77 (SKIP); without an
interpreter that can import aiosmtpd (tools/deps test installs
python3-aiosmtpd) the mail tests fail rather than skip.
"""

import datetime
import email.utils
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from slack_standin import SlackStandin
from smtp_standin import SmtpStandin, aiosmtpd_python

PROBE = os.environ.get("OUTBOUND_PROBE") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "outbound_probe")
# e.g. "valgrind -q --error-exitcode=99": run the probe under a checker too.
WRAPPER = shlex.split(os.environ.get("LEADROUTED_WRAPPER", ""))

if not os.access(PROBE, os.X_OK):
    print("SKIP: needs a built tools/outbound_probe", file=sys.stderr)
    sys.exit(77)

TOKEN = "xoxb-1234-5678-standin"
USER, PASSWORD = "leadroute", "s3cret pass"
FROM, TO = "leads@example.com", "ana@example.com"
SUBJECT = "Neuer Lead für Sie: Jürgen Groß aus München — Angebot gewünscht 🚀"
TEXT = ("Hallo Ana,\n\nJürgen Groß (Müller GmbH) wartet auf Ihren Anruf.\n"
        ".\n"                          # a line of one dot: the end of DATA, were it not stuffed
        "Score: 87\n" + "x" * 1200 + "\nEnde\n")
HTML = "<p>Hallo <b>Ana</b>,</p><p>Jürgen Groß wartet — Score <i>87</i>.</p>"


def probe(*requests, timeout=60):
    """Run the probe with requests (each a list: kind, then --option value pairs); its results."""
    args = [a for r in requests for a in r]
    p = subprocess.run(WRAPPER + [PROBE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("outbound_probe exited %d:\n%s" % (p.returncode,
                                                                p.stderr.decode(errors="replace")))
    out = [json.loads(line) for line in p.stdout.decode().splitlines()]
    if len(out) != len(requests):
        raise AssertionError("outbound_probe printed %d results for %d requests:\n%s\n%s" % (
            len(out), len(requests), p.stdout.decode(), p.stderr.decode(errors="replace")))
    return out


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlackTests(unittest.TestCase):
    def setUp(self):
        self.slack = SlackStandin(token=TOKEN, channels={"sales": "C0SALES", "ops": "C0OPS"},
                                  archived={"C0OPS"})

    def tearDown(self):
        self.slack.close()

    def call(self, message, token=TOKEN, method="chat.postMessage", api_url=None, timeout=20000):
        req = ["slack", "--api-url", api_url or self.slack.api_url, "--method", method,
               "--body", json.dumps(message), "--timeout", str(timeout)]
        if token is not None:
            req += ["--token", token]
        return probe(req)[0]

    @staticmethod
    def message(channel="C0SALES", **extra):
        m = {"channel": channel, "text": "New lead: Acme Corp (score 87)", "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "New lead: Acme Corp"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Jürgen Groß* wants a quote"},
             "fields": [{"type": "mrkdwn", "text": "*Score*\n87"},
                        {"type": "plain_text", "text": "Berlin", "emoji": True}]},
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "via web form"}]},
            {"type": "actions", "block_id": "lead:01JD", "elements": [
                {"type": "button", "action_id": "accept", "style": "primary", "value": "01JD",
                 "text": {"type": "plain_text", "text": "Accept"}},
                {"type": "button", "action_id": "decline", "style": "danger", "value": "01JD",
                 "text": {"type": "plain_text", "text": "Decline"}},
                {"type": "static_select", "action_id": "reassign",
                 "placeholder": {"type": "plain_text", "text": "Reassign to"},
                 "options": [{"text": {"type": "plain_text", "text": "Ben"}, "value": "ben"},
                             {"text": {"type": "plain_text", "text": "Cy"}, "value": "cy"}]}]}]}
        m.update(extra)
        return m

    def test_a_posted_message_gives_its_channel_and_ts(self):
        r = self.call(self.message(channel="#sales"))
        self.assertTrue(r["ok"], r)
        self.assertTrue(r["answered"])
        self.assertEqual(r["status"], 200)
        self.assertFalse(r["permanent"])
        self.assertEqual(r["channel"], "C0SALES")
        self.assertEqual(r["ts"], "1700000000.000100")
        self.slack.assert_clean()
        req = self.slack.got("/api/chat.postMessage")[0]
        self.assertEqual(req["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertEqual(req["headers"]["content-type"], "application/json; charset=utf-8")
        self.assertTrue(req["headers"]["user-agent"].startswith("leadrouted/"))
        self.assertEqual(req["json"]["blocks"][1]["text"]["text"], "*Jürgen Groß* wants a quote")
        # Another message, another ts.
        self.assertEqual(self.call(self.message())["ts"], "1700000000.000101")

    def test_ts_is_found_past_the_answers_first_200_bytes(self):
        self.slack.echo_first = True
        r = self.call(self.message(text="A long line. " * 100))
        self.assertTrue(r["ok"], r)
        self.assertEqual((r["channel"], r["ts"]), ("C0SALES", "1700000000.000100"))
        self.assertNotIn("1700000000", r["answer"])     # only the start of the answer is kept
        self.assertLessEqual(len(r["answer"].encode()), 200)

    def test_an_answer_longer_than_64k_still_counts(self):
        # Slack echoes the message: 30 sections of 2900 characters come back as ~90 KiB.
        blocks = [{"type": "section", "text": {"type": "plain_text", "text": "%02d " % i + "y" * 2900}}
                  for i in range(30)]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump({"channel": "C0SALES", "text": "long", "blocks": blocks}, f)
            f.flush()
            r = probe(["slack", "--api-url", self.slack.api_url, "--token", TOKEN,
                       "--body-file", f.name])[0]
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["ts"], "1700000000.000100")
        self.assertIn("cut off", r["error"])
        self.slack.assert_clean()

    def test_channel_not_found_is_permanent(self):
        r = self.call(self.message(channel="C0NOPE"))
        self.assertFalse(r["ok"])
        self.assertTrue(r["answered"])
        self.assertEqual(r["status"], 200)
        self.assertTrue(r["permanent"])
        self.assertEqual(r["error"], "slack: channel_not_found")
        self.assertIsNone(r["ts"])
        r = self.call(self.message(channel="C0OPS"))
        self.assertEqual((r["error"], r["permanent"]), ("slack: is_archived", True))
        self.slack.plan(("error", "not_in_channel"))
        r = self.call(self.message())
        self.assertEqual((r["error"], r["permanent"]), ("slack: not_in_channel", True))

    def test_a_bad_token_is_permanent(self):
        r = self.call(self.message(), token="xoxb-revoked")
        self.assertEqual((r["error"], r["permanent"], r["ok"]), ("slack: invalid_auth", True, False))
        r = self.call(self.message(), token=None)
        self.assertEqual((r["error"], r["permanent"]), ("slack: not_authed", True))
        self.slack.plan(("error", "token_revoked"))
        r = self.call(self.message())
        self.assertEqual((r["error"], r["permanent"]), ("slack: token_revoked", True))
        self.assertEqual(self.slack.messages, {})

    def test_invalid_blocks_are_permanent(self):
        m = self.message()
        m["blocks"][4]["elements"][0]["text"]["text"] = "A" * 76
        m["blocks"][4]["elements"][1]["action_id"] = "accept"
        r = self.call(m)
        self.assertEqual((r["error"], r["permanent"]), ("slack: invalid_blocks", True))
        problems = self.slack.got()[0]["problems"]
        self.assertIn("[ERROR] must be less than 76 characters "
                      "[json-pointer:/blocks/4/elements/0/text/text]", problems)
        self.assertTrue(any("already used" in p for p in problems), problems)
        r = self.call({"channel": "C0SALES"})
        self.assertEqual((r["error"], r["permanent"]), ("slack: no_text", True))

    def test_rate_limits_say_when_to_come_back(self):
        self.slack.plan(("ratelimited", 2))
        r = self.call(self.message())
        self.assertFalse(r["ok"])
        self.assertFalse(r["permanent"])
        self.assertEqual(r["status"], 429)
        self.assertEqual(r["retry_after_ms"], 2000)
        self.assertEqual(r["error"], "slack: ratelimited (HTTP 429)")
        self.assertEqual(self.slack.messages, {})

    def test_slacks_own_troubles_are_retried(self):
        self.slack.plan(500, ("error", "internal_error"), ("error", "service_unavailable"),
                        (503, {"Retry-After": "3"}))
        r = self.call(self.message())
        self.assertEqual((r["status"], r["error"], r["permanent"]), (500, "HTTP 500", False))
        r = self.call(self.message())
        self.assertEqual((r["error"], r["permanent"]), ("slack: internal_error", False))
        r = self.call(self.message())
        self.assertEqual((r["error"], r["permanent"]), ("slack: service_unavailable", False))
        r = self.call(self.message())
        self.assertEqual((r["status"], r["retry_after_ms"], r["permanent"]), (503, 3000, False))

    def test_timeouts_and_lost_connections_are_retried(self):
        self.slack.plan(("hang", 3), "drop")
        r = self.call(self.message(), timeout=800)
        self.assertEqual((r["answered"], r["status"], r["permanent"]), (False, 0, False))
        self.assertEqual(r["error"], "timed out after 800ms")
        r = self.call(self.message())
        self.assertEqual((r["answered"], r["ok"], r["permanent"]), (False, False, False))
        r = self.call(self.message(), api_url="http://127.0.0.1:%d/api" % closed_port())
        self.assertEqual((r["answered"], r["permanent"]), (False, False))
        # A URL libcurl cannot use is a configuration to mend, not a moment to wait out.
        r = self.call(self.message(), api_url="ftp://127.0.0.1/api")
        self.assertEqual((r["answered"], r["permanent"]), (False, True))

    def test_update_and_response_url(self):
        first = self.call(self.message())
        r = self.call(self.message(ts=first["ts"], text="Accepted by Ana"), method="chat.update")
        self.assertTrue(r["ok"], r)
        self.assertEqual((r["channel"], r["ts"]), ("C0SALES", first["ts"]))
        self.assertEqual(self.slack.messages[("C0SALES", first["ts"])]["text"], "Accepted by Ana")
        r = self.call(self.message(ts="1.2"), method="chat.update")
        self.assertEqual((r["error"], r["permanent"]), ("slack: message_not_found", True))

        # A response_url takes a plain JSON POST (outbound_post) ...
        url = self.slack.response_url()
        update = {"replace_original": True, "text": "Accepted by Ana",
                  "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Accepted"}}]}
        r = probe(["post", "--url", url, "--header", "Content-Type: application/json",
                   "--body", json.dumps(update)])[0]
        self.assertEqual((r["ok"], r["status"], r["answer"]), (True, 200, '{"ok": true}'))
        # ... or outbound_slack without a method or token, which also reads "ok".
        r = self.call(update, token=None, method="", api_url=url)
        self.assertEqual((r["ok"], r["channel"], r["ts"]), (True, None, None))
        self.assertEqual(self.slack.updates(url), [update, update])
        r = self.call(update, token=None, method="", api_url=self.slack.base_url + "/actions/T0/1/x")
        self.assertEqual((r["ok"], r["permanent"], r["error"]),
                         (False, True, "slack: expired_url (HTTP 404)"))
        self.slack.assert_clean("/api/chat.postMessage")
        self.slack.assert_clean(url[len(self.slack.base_url):])

    def test_incoming_webhook_stand_in(self):
        hook = self.slack.webhook_url()
        r = probe(["post", "--url", hook, "--header", "Content-Type: application/json",
                   "--body", json.dumps({"text": "hello"})],
                  ["post", "--url", hook, "--header", "Content-Type: application/json",
                   "--body", json.dumps({"blocks": [{"type": "divider", "x": 1}]})],
                  ["post", "--url", hook + "x", "--body", "{}"])
        self.assertEqual([(x["status"], x["answer"]) for x in r],
                         [(200, "ok"), (400, "invalid_blocks"), (404, "no_service")])


class MailTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if aiosmtpd_python() is None:
            raise AssertionError("no python3 here can import aiosmtpd: tools/deps test installs "
                                 "python3-aiosmtpd (or name an interpreter in AIOSMTPD_PYTHON)")
        cls.smtp = SmtpStandin(user=USER, password=PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.smtp.close()

    def setUp(self):
        self.smtp.clear()
        self.before = len(self.smtp.events())

    def new_events(self, kind=None):
        return [e for e in self.smtp.events()[self.before:] if kind is None or e["kind"] == kind]

    def mail(self, smtp=None, to=TO, message_id="lead.01JD3K.assigned@leadroute.test", **opts):
        smtp = smtp or self.smtp
        args = {"url": smtp.url, "cafile": smtp.cafile, "user": USER, "password": PASSWORD,
                "from": FROM, "from-name": "Lead Router", "to": to, "to-name": "Ana Pérez",
                "subject": SUBJECT, "text": TEXT, "html": HTML, "message-id": message_id,
                "timeout": "20000"}
        args.update({k.replace("_", "-"): v for k, v in opts.items()})
        req = ["mail"]
        for k, v in args.items():
            if v is None:
                continue
            for one in (v if isinstance(v, list) else [v]):
                req += ["--" + k, one]
        return req

    def test_a_mail_is_delivered_over_starttls_with_auth(self):
        sent = time.time()
        r = probe(self.mail(header=["X-Leadroute-Event: lead.assigned",
                                    "List-Id: <reps.leadroute.test>"]))[0]
        self.assertTrue(r["ok"], r)
        self.assertEqual((r["answered"], r["status"], r["permanent"]), (True, 250, False))
        self.assertTrue(r["answer"].startswith("250 "), r)
        rec = self.smtp.wait(1)[-1]
        self.assertTrue(rec["tls"])
        self.assertEqual(rec["auth_user"], USER)
        self.assertEqual(rec["mail_from"], FROM)
        self.assertEqual(rec["rcpt_tos"], [TO])

        # On the wire: 7-bit, no line past 998, one header per line.
        rec["data"].decode("ascii")
        self.assertLessEqual(max(len(line) for line in rec["data"].split(b"\r\n")), 998)

        m = rec["message"]
        self.assertEqual(m["Subject"], SUBJECT)
        self.assertIn("=?UTF-8?B?", rec["data"].split(b"\r\n\r\n")[0].decode())
        self.assertEqual(m["From"].addresses[0].display_name, "Lead Router")
        self.assertEqual(m["From"].addresses[0].addr_spec, FROM)
        self.assertEqual(m["To"].addresses[0].display_name, "Ana Pérez")
        self.assertEqual(m["To"].addresses[0].addr_spec, TO)
        self.assertEqual(m["Message-ID"], "<lead.01JD3K.assigned@leadroute.test>")
        self.assertEqual(m["MIME-Version"], "1.0")
        self.assertEqual(m["X-Leadroute-Event"], "lead.assigned")
        self.assertEqual(m["List-Id"], "<reps.leadroute.test>")
        date = email.utils.parsedate_to_datetime(m["Date"])
        self.assertEqual(date.utcoffset(), datetime.timedelta(0))
        self.assertLess(abs(date.timestamp() - sent), 5)

        alt = [p for p in m.walk() if p.get_content_type() == "multipart/alternative"]
        self.assertEqual(len(alt), 1)
        parts = list(alt[0].iter_parts())
        self.assertEqual([p.get_content_type() for p in parts], ["text/plain", "text/html"])
        for p in parts:
            self.assertEqual(p.get_content_charset(), "utf-8")
            self.assertEqual(p["Content-Transfer-Encoding"], "quoted-printable")
        self.assertEqual(parts[0].get_content().replace("\r\n", "\n"), TEXT)
        self.assertEqual(parts[1].get_content().replace("\r\n", "\n"), HTML)
        self.assertEqual(m.get_body(("html",)).get_content(), parts[1].get_content())

    def test_a_resend_has_the_same_message_id(self):
        r = probe(self.mail(), self.mail())
        self.assertEqual([x["ok"] for x in r], [True, True], r)
        ids = [rec["message"]["Message-ID"] for rec in self.new_events("message")]
        self.assertEqual(ids, ["<lead.01JD3K.assigned@leadroute.test>"] * 2)
        # Given with its angle brackets, it is sent as it is.
        probe(self.mail(message_id="<x.1@leadroute.test>"))
        self.assertEqual(self.new_events("message")[-1]["message"]["Message-ID"],
                         "<x.1@leadroute.test>")

    def test_a_wrong_password_is_permanent(self):
        r = probe(self.mail(password="wrong"))[0]
        self.assertEqual((r["ok"], r["answered"], r["status"], r["permanent"]),
                         (False, True, 535, True), r)
        self.assertIn("535", r["answer"])
        self.assertEqual([(e["user"], e["ok"]) for e in self.new_events("auth")], [(USER, False)])
        self.assertEqual(self.new_events("message"), [])

    def test_no_such_user_is_permanent(self):
        self.smtp.refuse("gone@example.com", 550)
        r = probe(self.mail(to="gone@example.com"))[0]
        self.assertEqual((r["ok"], r["answered"], r["status"], r["permanent"]),
                         (False, True, 550, True), r)
        self.assertEqual(r["error"], "RCPT failed: 550")
        self.assertTrue(r["answer"].startswith("550 5.1.1 <gone@example.com>"), r)
        self.assertEqual(self.new_events("message"), [])

    def test_a_4xx_is_transient(self):
        self.smtp.refuse("busy@example.com", 451)
        r = probe(self.mail(to="busy@example.com"))[0]
        self.assertEqual((r["ok"], r["answered"], r["status"], r["permanent"]),
                         (False, True, 451, False), r)
        self.assertTrue(r["answer"].startswith("451 4.3.0"), r)

    def test_a_refusal_at_the_end_of_data(self):
        self.smtp.refuse("spam@example.com", 554, at="data")
        self.smtp.refuse("full@example.com", 452, at="data")
        r = probe(self.mail(to="spam@example.com"), self.mail(to="full@example.com"))
        self.assertEqual([(x["status"], x["permanent"], x["ok"]) for x in r],
                         [(554, True, False), (452, False, False)], r)
        self.assertEqual(self.new_events("message"), [])

    def test_required_tls_without_starttls_fails(self):
        with SmtpStandin(starttls=False) as plain:
            r = probe(self.mail(smtp=plain, user=None, password=None))[0]
            self.assertEqual((r["ok"], r["answered"], r["status"], r["permanent"]),
                             (False, False, 0, True), r)
            self.assertIn("STARTTLS", r["error"])
            self.assertEqual(plain.messages(), [])
            # tls=try goes on in plain text.
            r = probe(self.mail(smtp=plain, user=None, password=None, tls="try"))[0]
            self.assertTrue(r["ok"], r)
            self.assertFalse(plain.wait(1)[0]["tls"])

    def test_an_untrusted_certificate_is_permanent(self):
        r = probe(self.mail(cafile=None))[0]
        self.assertEqual((r["ok"], r["answered"], r["permanent"]), (False, False, True), r)
        self.assertEqual(self.new_events("message"), [])

    def test_smtps_with_implicit_tls(self):
        with SmtpStandin(user=USER, password=PASSWORD, implicit_tls=True) as tls:
            self.assertTrue(tls.url.startswith("smtps://"))
            r = probe(self.mail(smtp=tls))[0]
            self.assertTrue(r["ok"], r)
            rec = tls.wait(1)[0]
            self.assertEqual((rec["tls"], rec["auth_user"]), (True, USER))
            self.assertEqual(rec["message"]["Subject"], SUBJECT)

    def test_timeouts_and_refused_connections_are_transient(self):
        self.smtp.stall("slow@example.com", 4)
        r = probe(self.mail(to="slow@example.com", timeout="1000"))[0]
        self.assertEqual((r["ok"], r["answered"], r["status"], r["permanent"]),
                         (False, False, 0, False), r)
        self.assertEqual(r["error"], "timed out after 1000ms")
        r = probe(self.mail(url="smtp://127.0.0.1:%d" % closed_port()))[0]
        self.assertEqual((r["ok"], r["answered"], r["permanent"]), (False, False, False), r)

    def test_a_malformed_mail_is_refused_before_it_starts(self):
        r = probe(self.mail(to="ana@example.com>\r\nRCPT TO:<eve@example.com"),
                  self.mail(**{"from": "no at sign"}),
                  self.mail(message_id="has space@x"),
                  self.mail(header=["X-Bad: a\r\nBcc: eve@example.com"]))
        self.assertEqual([x["error"] for x in r], [
            "mail: a bad recipient address", "mail: a bad sender address", "mail: a bad Message-ID",
            "mail: a header line without a colon or with a line break"])
        self.assertEqual([(x["permanent"], x["answered"]) for x in r], [(True, False)] * 4)
        self.assertEqual(self.new_events(), [])

    def test_one_outbound_sends_every_kind_in_turn(self):
        # Reused easy handles carry nothing of the last request into the next.
        with SlackStandin(token=TOKEN) as slack:
            body = json.dumps({"channel": "C1", "text": "hi"})
            r = probe(self.mail(),
                      ["slack", "--api-url", slack.api_url, "--token", TOKEN, "--body", body],
                      ["post", "--url", slack.response_url(), "--body", body, "--header",
                       "Content-Type: application/json"],
                      self.mail(to="ben@example.com"),
                      ["slack", "--api-url", slack.api_url, "--token", TOKEN, "--body", body])
            self.assertEqual([x["ok"] for x in r], [True] * 5, r)
            self.assertEqual([x["ts"] for x in r if x["kind"] == "slack"],
                             ["1700000000.000100", "1700000000.000101"])
            self.assertEqual([len(x["body"]) for x in slack.got()], [len(body)] * 3)
            self.assertEqual([rec["rcpt_tos"] for rec in self.new_events("message")],
                             [[TO], ["ben@example.com"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
