#!/usr/bin/env python3
"""Rep messages: the rep a lead goes to is told at once where they work — a Slack
DM from the app's bot (Block Kit, checked by a Slack stand-in as Slack documents
it) or an email over SMTP with STARTTLS and AUTH (a real aiosmtpd server) — with
the lead's context, in the rep's own time zone, once per event; reminders and
escalations carry the same context."""
import email.policy
import json
import os
import re
import signal
import time
import unittest

from harness import DaemonTestCase, main, wait_for
from slack_standin import SlackStandin
from smtp_standin import SmtpStandin

SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"
LINK_KEY = "k" * 40
TOKEN = "xoxb-standin-token"

REPS = """\
  - {id: ana, name: Ana Ruiz, slack_user: U0ANA, notify: slack, calendar: berlin}
  - {id: ben, name: Ben Okafor, email: ben@example.com, notify: email}
  - {id: cy, name: Cy Young}
  - {id: dee, name: Dee Long}
"""

POOLS = """\
  - {id: emea, reps: [ana, ben]}
  - {id: amer, reps: [cy, dee], notify: amer-room}
"""

LEAD = {"email": "jane@acme.example", "first_name": "Jane", "last_name": "Doe",
        "phone": "+49 30 1234", "country": "DE", "company": "Acme <GmbH>", "title": "VP Sales",
        "crm_id": "901", "source": "hubspot", "event": "demo_request"}


def notify_section(slack, smtp, extra=""):
    return """\
calendars:
  - {id: berlin, timezone: Europe/Berlin}
notify:
  backoff: 200ms
  max_backoff: 2s
  timeout: 3s
  public_url: http://leads.test
  slack:
    bot_token: %s
    signing_secret: %s
    api_url: "%s"
  email:
    smtp_url: "%s"
    username: leadroute
    password: s3cret
    from: "Leads <leads@example.com>"
    ca_file: "%s"
  links:
    secrets: ["%s"]
  targets:
    - {id: amer-room, slack: C0AMER}
%s""" % (TOKEN, SIGNING, slack.api_url, smtp.url, smtp.cafile, LINK_KEY, extra)


class RepMessageCase(DaemonTestCase):

    extra = ""
    clocks = {}
    reps = REPS
    more = {}       # other harness overrides (join=)

    def setUp(self):
        self.slack = SlackStandin(token=TOKEN)
        self.addCleanup(self.slack.close)
        self.smtp = SmtpStandin(user="leadroute", password="s3cret")
        self.addCleanup(self.smtp.close)
        self.conf_overrides = dict(self.clocks, **self.more, reps=self.reps, pools=POOLS,
                                   extra=notify_section(self.slack, self.smtp, self.extra))
        super().setUp()
        # Every Slack call the daemon made follows the Web API and Block Kit.
        self.addCleanup(self.slack.assert_clean)

    def posts(self, channel=None):
        got = [r for r in self.slack.got("/api/chat.postMessage") if r["answer"]["status"] == 200
               and r["answer"]["body"].get("ok")]
        return [r for r in got if channel is None or r["json"]["channel"] == channel]

    def wait_posts(self, n, channel=None, timeout=10):
        return wait_for(lambda: len(self.posts(channel)) >= n and self.posts(channel),
                        timeout=timeout, what="%d Slack messages to %s" % (n, channel))

    def reps_status(self):
        r = self.d.get("/v1/subscriptions")
        return {s["id"]: s for s in r.json["subscriptions"]}["reps"]


def block_text(msg):
    """Every text of a Slack message's blocks, joined."""
    out = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "text" and isinstance(x, str):
                    out.append(x)
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(msg.get("blocks", []))
    return "\n".join(out)


class AssignmentTests(RepMessageCase):

    def test_slack_dm_and_email_with_the_leads_context(self):
        a = self.d.lead(**LEAD)
        b = self.d.lead(**dict(LEAD, email="max@acme.example", first_name="Max"))
        self.assertEqual({a["owner"], b["owner"]}, {"ana", "ben"})
        slack_lead, mail_lead = (a, b) if a["owner"] == "ana" else (b, a)

        # ana: a DM from the bot, in Block Kit.
        req = self.wait_posts(1, "U0ANA")[0]
        self.assertEqual(req["headers"]["authorization"], "Bearer " + TOKEN)
        msg = req["json"]
        blocks = msg["blocks"]
        self.assertEqual(blocks[0]["type"], "header")
        self.assertTrue(blocks[0]["text"]["text"].startswith("New lead for you: "), blocks[0])
        text = block_text(msg)
        self.assertIn("VP Sales at Acme &lt;GmbH&gt;, DE", text)
        self.assertIn("demo request via hubspot", text)
        self.assertIn("*Score*", text)
        self.assertIn("*Why you*\nrule emea: next in rotation of pool emea", text)
        # Due in the rep's own time: Europe/Berlin, where ana works.
        self.assertRegex(text, r"\*First touch due\*\n\w{3} \d+ \w{3}, \d\d:\d\d \(Europe/Berlin\)")
        self.assertIn("jane@acme.example" if slack_lead is a else "max@acme.example", text)
        actions = blocks[-1]
        self.assertEqual(actions["type"], "actions")
        self.assertEqual(actions["block_id"], "lr:" + slack_lead["id"])
        ids = [e["action_id"] for e in actions["elements"]]
        self.assertEqual(ids, ["lr_accept", "lr_reject", "lr_touch_call", "lr_touch_email",
                               "lr_open"])
        self.assertEqual(actions["elements"][0]["value"], slack_lead["id"])
        reasons = [o["value"] for o in actions["elements"][1]["options"]]
        self.assertIn("wrong_title", reasons)
        self.assertEqual(actions["elements"][-1]["url"],
                         "http://leads.test/v1/leads/" + slack_lead["id"])

        # ben: an email, multipart text and HTML, over STARTTLS with AUTH.
        rec = self.smtp.wait(1)[0]
        self.assertEqual(rec["rcpt_tos"], ["ben@example.com"])
        self.assertTrue(rec["tls"])
        self.assertEqual(rec["auth_user"], "leadroute")
        m = rec["message"]
        # libcurl's MIME root is multipart/mixed, the text and HTML one alternative in it.
        alt = [p for p in m.walk() if p.get_content_type() == "multipart/alternative"]
        self.assertEqual(len(alt), 1, m)
        self.assertEqual([p.get_content_type() for p in alt[0].iter_parts()],
                         ["text/plain", "text/html"])
        self.assertEqual(str(m["From"]), "Leads <leads@example.com>")
        self.assertEqual(str(m["To"]), "ben@example.com")
        self.assertTrue(str(m["Subject"]).startswith("New lead for you: "), m["Subject"])
        self.assertRegex(str(m["Message-ID"]), r"^<msg_lr_\d+-\d+@leadrouted>$")
        plain = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = m.get_body(("html",)).get_content()
        self.assertIn("Who: VP Sales at Acme <GmbH>, DE", plain)
        self.assertIn("Came in as: demo request via hubspot", plain)
        self.assertIn("First touch due: ", plain)
        self.assertIn("(UTC)", plain)         # ben has no calendar
        self.assertIn("Acme &lt;GmbH&gt;", html)
        self.assertNotIn("<GmbH>", html)
        links = re.findall(r"^(Accept|Reject|Log a call|Log an email): (\S+)$", plain, re.M)
        self.assertEqual([l[0] for l in links], ["Accept", "Reject", "Log a call",
                                                 "Log an email"])
        for _, url in links:
            self.assertTrue(url.startswith(
                "http://leads.test/v1/integrations/email/action?token="), url)
        self.assertIn("Open the lead: http://leads.test/v1/leads/" + mail_lead["id"], plain)

        # One message per event: nothing more comes.
        time.sleep(0.5)
        self.assertEqual(len(self.posts()), 1)
        self.assertEqual(len(self.smtp.messages()), 1)
        st = wait_for(lambda: self.reps_status()["pending"] == 0 and self.reps_status(),
                      what="rep messages settled")
        self.assertEqual(st["delivers_to"], "rep_channels")
        self.assertEqual(st["dead_letters"], 0)

    def test_a_rep_without_a_channel_is_told_in_the_pools(self):
        r = self.d.lead(email="u@x.com", country="US", first_name="Una")
        self.assertIn(r["owner"], ("cy", "dee"))
        msg = self.wait_posts(1, "C0AMER")[0]["json"]
        self.assertEqual(msg["blocks"][0]["text"]["text"],
                         "New lead for %s: Una" % r["owner"])
        self.assertIn("*Owner*\n%s, pool amer" % r["owner"], block_text(msg))

    def test_queued_and_nurtured_leads_tell_no_rep(self):
        self.d.set_status("cy", "away")
        self.d.set_status("dee", "away")
        q = self.d.lead(email="q@x.com", country="US")
        self.assertEqual(q["status"], "queued")
        time.sleep(0.8)
        self.assertEqual(self.posts(), [])


class RetryTests(RepMessageCase):

    def test_slack_rate_limit_is_waited_out_and_one_message_posted(self):
        self.slack.plan(("ratelimited", 1), path="/api/chat.postMessage")
        t0 = time.time()
        a = self.d.lead(**LEAD)
        b = None
        if a["owner"] != "ana":
            b = self.d.lead(**dict(LEAD, email="x2@acme.example"))
        self.wait_posts(1, "U0ANA", timeout=15)
        calls = [r for r in self.slack.got("/api/chat.postMessage")
                 if r["json"]["channel"] == "U0ANA"]
        self.assertEqual(calls[0]["answer"]["status"], 429)
        # Retry-After: 1 was honoured, and the retry sent the very same message.
        self.assertGreaterEqual(calls[1]["at"] - calls[0]["at"], 0.9)
        self.assertEqual(calls[0]["body"], calls[1]["body"])
        time.sleep(0.5)
        self.assertEqual(len(self.posts("U0ANA")), 1)
        self.assertLess(time.time() - t0, 15)

    def test_a_final_slack_error_is_a_dead_letter_at_once(self):
        self.slack.plan(("error", "channel_not_found"), path="/api/chat.postMessage")
        self.d.lead(**LEAD)
        self.d.lead(**dict(LEAD, email="x2@acme.example"))
        dead = wait_for(lambda: self.d.get("/v1/subscriptions/reps/dead_letters").json.get(
            "dead_letters"), what="a dead letter")
        self.assertEqual(len(dead), 1)
        self.assertIn("channel_not_found", dead[0]["last_error"])
        self.assertEqual(dead[0]["type"], "lead.assigned")
        # The dead letter names its target and holds the message as it was sent.
        self.assertEqual(dead[0]["target"], "rep:ana")
        self.assertEqual(dead[0]["body"]["channel"], "U0ANA")
        # Tried once: Slack's answer is final.
        calls = [r for r in self.slack.got("/api/chat.postMessage")
                 if r["json"]["channel"] == "U0ANA"]
        self.assertEqual(len(calls), 1)
        # Retried by hand, it is delivered.
        r = self.d.post("/v1/subscriptions/reps/dead_letters/%s/retry" % dead[0]["id"], {})
        self.assertIn(r.status, (200, 202), r)
        self.wait_posts(1, "U0ANA")

    def test_smtp_refusals_550_dead_451_retried(self):
        self.smtp.refuse("ben@example.com", 451)
        a = self.d.lead(**LEAD)
        b = self.d.lead(**dict(LEAD, email="x2@acme.example"))
        self.assertIn("ben", (a["owner"], b["owner"]))
        wait_for(lambda: [e for e in self.smtp.events() if e["kind"] == "refused"],
                 what="a 451")
        self.smtp.clear()
        rec = self.smtp.wait(1, timeout=15)[0]
        self.assertEqual(rec["rcpt_tos"], ["ben@example.com"])
        # 550: for good.
        self.smtp.refuse("ben@example.com", 550)
        self.d.lead(**dict(LEAD, email="x3@acme.example"))
        self.d.lead(**dict(LEAD, email="x4@acme.example"))
        dead = wait_for(lambda: self.d.get("/v1/subscriptions/reps/dead_letters").json.get(
            "dead_letters"), what="a dead letter")
        self.assertIn("550", dead[0]["last_error"])
        self.assertEqual(len(self.smtp.messages()), 1)


class DurabilityTests(RepMessageCase):

    def test_killed_mid_delivery_the_message_comes_once_more_with_the_same_id(self):
        self.smtp.stall("ben@example.com", 30)
        a = self.d.lead(**LEAD)
        if a["owner"] != "ben":
            a = self.d.lead(**dict(LEAD, email="x2@acme.example"))
        self.assertEqual(a["owner"], "ben")
        # The mail is on its way (RCPT stalled): kill the daemon.
        time.sleep(1.0)
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait()
        self.smtp.clear()
        self.d.start()
        rec = self.smtp.wait(1, timeout=30)[0]
        self.assertEqual(rec["rcpt_tos"], ["ben@example.com"])
        self.assertRegex(str(rec["message"]["Message-ID"]), r"^<msg_lr_\d+-\d+@leadrouted>$")
        time.sleep(1.0)
        self.assertEqual(len(self.smtp.messages()), 1)


class ReminderAndEscalationTests(RepMessageCase):

    clocks = dict(first_touch="3s", ft_extra={"remind_before": "2s"})
    reps = REPS.replace("calendar: berlin}", "calendar: berlin, manager: mia}")
    extra = """\
people:
  - {id: mia, name: Mia Boss, notify: amer-room}
escalation:
  - {after: 0s, notify: [manager]}
"""

    def test_reminder_and_breach_carry_the_leads_context(self):
        a = self.d.lead(**LEAD)
        if a["owner"] != "ana":
            a = self.d.lead(**dict(LEAD, email="x2@acme.example"))
        self.assertEqual(a["owner"], "ana")

        def headed(channel, prefix):
            return [r["json"] for r in self.posts(channel)
                    if r["json"]["blocks"][0]["text"]["text"].startswith(prefix)]
        msg = wait_for(lambda: headed("U0ANA", "Reminder"), timeout=10, what="a reminder")[0]
        self.assertEqual(msg["blocks"][0]["text"]["text"], "Reminder: first_touch due for Jane Doe")
        text = block_text(msg)
        # The rep's own time, not UTC.
        self.assertRegex(text, r"\*Due\*\n\w{3} \d+ \w{3}, \d\d:\d\d \(Europe/Berlin\)")
        self.assertIn("VP Sales at Acme", text)
        self.assertEqual(msg["blocks"][-1]["block_id"], "lr:" + a["id"])
        # The breach reaches the manager with the same context, and no actions.
        msg = wait_for(lambda: headed("C0AMER", "SLA breach"), timeout=10, what="a breach")[0]
        self.assertEqual(msg["blocks"][0]["text"]["text"],
                         "SLA breach: Jane Doe missed first_touch")
        text = block_text(msg)
        self.assertIn("*Owner*\nana, pool emea", text)
        self.assertIn("VP Sales at Acme", text)
        self.assertNotIn("lr_accept", json.dumps(msg))


class ReassignTests(RepMessageCase):

    clocks = dict(first_touch="1s")
    extra = """\
escalation:
  - {after: 0s, reassign: next_available}
"""

    def test_the_new_owner_is_told_and_the_old_one_not_again(self):
        a = self.d.lead(**LEAD)
        if a["owner"] != "ana":
            a = self.d.lead(**dict(LEAD, email="x2@acme.example"))
        self.assertEqual(a["owner"], "ana")
        self.wait_posts(1, "U0ANA")
        # ana misses the first touch: the lead goes to ben, told by email.
        def reassigned():
            return [r for r in self.smtp.messages()
                    if str(r["message"]["Subject"]).startswith("Lead reassigned to you")]
        rec = wait_for(reassigned, timeout=10, what="the reassignment mail")[0]
        self.assertEqual(rec["rcpt_tos"], ["ben@example.com"])
        plain = rec["message"].get_body(("plain",)).get_content().replace("\r\n", "\n")
        self.assertIn("From: ana", plain)
        self.assertIn("Lead: " + a["id"], plain)
        time.sleep(0.5)
        self.assertEqual(len(self.posts("U0ANA")), 1)


SCORING = """\
scoring:
  behavior:
    demo_request: 40
    pricing_page: 25
    webinar: 15
  mql: 50
  grades: {A: 70, B: 50, C: 20, D: 0}
"""

# Another person than Jane: no identity in common.
MAX = dict(LEAD, email="max@other.example", first_name="Max", last_name="Mustermann",
           phone="+49 40 5678", crm_id="902", event="webinar")


def headed(msgs, prefix):
    return [m for m in msgs if m["blocks"][0]["text"]["text"].startswith(prefix)]


class ReEngagedTests(RepMessageCase):

    extra = SCORING
    # The harness writes join= as leads.join_window's value: the next key rides along.
    more = dict(join="30d\n  restart_first_touch_on: [demo_request]")

    def back(self, lead, **fields):
        r = self.d.post("/v1/leads", dict({"email": lead["fields"]["email"]}, **fields))
        self.assertEqual((r.status, r.json.get("id"), r.json.get("re_engaged")),
                         (200, lead["id"], True), r)
        return r.json

    def dms(self, prefix):
        return headed([r["json"] for r in self.posts("U0ANA")], prefix)

    def jane_with_ana(self):
        a = self.d.lead(**dict(LEAD, event="webinar"))
        self.assertEqual(a["owner"], "ana")     # a new pool's first lead: config order
        wait_for(lambda: self.dms("New lead for you"), what="the assignment DM")
        return a

    def test_the_owner_is_told_in_slack_with_the_restarted_clock(self):
        a = self.jane_with_ana()
        self.assertEqual(self.d.post("/v1/leads/%s/touch" % a["id"], {"rep": "ana"}).status, 200)
        now = self.back(a, event="demo_request", source="web")
        msg = wait_for(lambda: self.dms("Jane Doe is back"), what="the re-engagement DM")[0]
        self.assertEqual(msg["blocks"][0]["text"]["text"], "Jane Doe is back: demo_request")
        self.assertEqual(msg["text"], "Jane Doe is back: demo_request")
        text = block_text(msg)
        self.assertIn("*Back with*\ndemo request via web", text)
        self.assertIn("*Came in as*\nwebinar via hubspot", text)
        # The person's score now: 15 + 40, grade B, with what earned it, heaviest first.
        self.assertIn("*Score*\n55 (grade B): +40 demo request, +15 webinar", text)
        self.assertNotIn("Why you", text)
        # The first touch, touched already, runs again: its new due time, in ana's zone.
        self.assertTrue(now["clocks"]["first_touch"]["running"])
        self.assertRegex(text, r"\*First touch due\*\n\w{3} \d+ \w{3}, \d\d:\d\d "
                               r"\(Europe/Berlin\), restarted")
        # The actions and link of a new lead.
        actions = msg["blocks"][-1]
        self.assertEqual(actions["block_id"], "lr:" + a["id"])
        self.assertEqual([e["action_id"] for e in actions["elements"]],
                         ["lr_accept", "lr_reject", "lr_touch_call", "lr_touch_email", "lr_open"])
        self.assertEqual(actions["elements"][-1]["url"], "http://leads.test/v1/leads/" + a["id"])
        # Once: the assignment and the re-engagement, nothing more.
        time.sleep(0.5)
        self.assertEqual(len(self.posts("U0ANA")), 2)
        st = wait_for(lambda: self.reps_status()["pending"] == 0 and self.reps_status(),
                      what="rep messages settled")
        self.assertEqual(st["dead_letters"], 0)
        self.assertIn("lead.re_engaged", st["events"])

    def test_the_owner_is_told_by_email(self):
        self.jane_with_ana()
        m = self.d.lead(**MAX)
        self.assertEqual(m["owner"], "ben")
        self.smtp.wait(1)
        self.back(m, event="pricing_page", source="web")

        def back_mail():
            return [r for r in self.smtp.messages()
                    if str(r["message"]["Subject"]) == "Max Mustermann is back: pricing_page"]
        rec = wait_for(back_mail, what="the re-engagement mail")[0]
        self.assertEqual(rec["rcpt_tos"], ["ben@example.com"])
        plain = rec["message"].get_body(("plain",)).get_content().replace("\r\n", "\n")
        self.assertIn("Back with: pricing page via web\n", plain)
        self.assertIn("Came in as: webinar via hubspot\n", plain)
        self.assertIn("Score: 40 (grade C): +25 pricing page, +15 webinar\n", plain)
        # Not a restarting event: the first touch still runs, as it was.
        self.assertRegex(plain, r"First touch due: \w{3} \d+ \w{3}, \d\d:\d\d \(UTC\)\n")
        self.assertNotIn("restarted", plain)
        links = re.findall(r"^(Accept|Reject|Log a call|Log an email): (\S+)$", plain, re.M)
        self.assertEqual([l[0] for l in links], ["Accept", "Reject", "Log a call",
                                                 "Log an email"])
        self.assertIn("Open the lead: http://leads.test/v1/leads/" + m["id"], plain)
        self.assertRegex(str(rec["message"]["Message-ID"]), r"^<msg_lr_\d+-\d+@leadrouted>$")

    def test_a_lead_without_an_owner_tells_nobody(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        q = self.d.lead(**dict(LEAD, event="webinar"))
        self.assertEqual(q["status"], "queued")
        self.back(q, event="demo_request")
        wait_for(lambda: self.reps_status()["pending"] == 0 and self.reps_status()["unread"] == 0,
                 what="the reps subscription read it")
        time.sleep(0.5)
        self.assertEqual(self.posts(), [])
        self.assertEqual(self.smtp.messages(), [])
        dead = self.d.get("/v1/subscriptions/reps/dead_letters").json["dead_letters"]
        self.assertEqual(dead, [])


class HeldInNurtureTests(RepMessageCase):

    extra = SCORING + "  hold_below_mql: true\n"
    more = dict(join="30d")

    def test_a_held_lead_the_event_routes_is_told_once_as_new(self):
        a = self.d.lead(**dict(LEAD, event="webinar"))
        self.assertEqual(a["status"], "nurture")
        r = self.d.post("/v1/leads", {"email": LEAD["email"], "event": "demo_request"})
        self.assertEqual((r.status, r.json["id"]), (200, a["id"]), r)
        self.assertIn(r.json["owner"], ("ana", "ben"))

        def heads():
            if r.json["owner"] == "ana":
                return [m["json"]["blocks"][0]["text"]["text"] for m in self.posts("U0ANA")]
            return [str(m["message"]["Subject"]) for m in self.smtp.messages()]
        wait_for(heads, what="the owner told")
        wait_for(lambda: self.reps_status()["pending"] == 0 and self.reps_status()["unread"] == 0,
                 what="the reps subscription read it")
        time.sleep(0.5)
        # Its lead.assigned says it all; "is back" to a lead just given would puzzle.
        self.assertEqual(heads(), ["New lead for you: Jane Doe"])

if __name__ == "__main__":
    main()
