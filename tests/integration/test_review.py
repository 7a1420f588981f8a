"""The review digest: GET /v1/review (the contract and the key scorecard figures,
this period against the one before), POST /v1/review/send to the Slack stand-in and
a real SMTP server, the schedule with two daemons sharing Redis (each review sent
exactly once), and the config's errors."""

import datetime
import os
import re
import subprocess
import time

from harness import LEADROUTED, DaemonTestCase, main, make_conf, wait_for
from slack_standin import SlackStandin
from smtp_standin import SmtpStandin
from test_contract import CONTRACT, SCORING, by_id
from test_lifecycle import NURTURE_RULES
from test_rep_messages import notify_section

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def not_today():
    """A weekday other than today's (UTC): a weekly review that is not due now."""
    return DAYS[(datetime.datetime.now(datetime.timezone.utc).weekday() + 3) % 7]


def slack_text(msg):
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


class ReviewCase(DaemonTestCase):

    review = "review: {every: week, day: %s, at: \"09:00\", timezone: Europe/Berlin, " \
             "slack_channels: [\"#revops\"], emails: [revops@example.com]}\n"

    def review_conf(self):
        return self.review % not_today()

    def setUp(self):
        self.slack = SlackStandin(token="xoxb-standin-token")
        self.addCleanup(self.slack.close)
        self.smtp = SmtpStandin(user="leadroute", password="s3cret")
        self.addCleanup(self.smtp.close)
        self.conf_overrides = dict(rules=NURTURE_RULES, extra=notify_section(
            self.slack, self.smtp, SCORING + CONTRACT + self.review_conf()))
        super().setUp()
        self.addCleanup(self.slack.assert_clean)

    def posts(self, channel="#revops"):
        return [r for r in self.slack.got("/api/chat.postMessage")
                if r["answer"]["status"] == 200 and r["answer"]["body"].get("ok")
                and r["json"]["channel"] == channel]

    def seed(self):
        """Six leads (four MQLs): three touched, two accepted, three rejected."""
        d = self.d
        ids = []
        for i in range(6):
            f = dict(email="r%d@x.com" % i, country="DE", company="Acme", title="VP Sales",
                     source="web")
            if i < 4:
                f["event"] = "demo_request"
            ids.append(d.lead(**f)["id"])
        owner = lambda lid: d.get("/v1/leads/" + lid).json["owner"]
        for lid in ids[:3]:
            self.assertEqual(d.post("/v1/leads/%s/touch" % lid,
                                    {"rep": owner(lid), "channel": "call"}).status, 200)
        for lid in ids[:2]:
            self.assertEqual(d.post("/v1/leads/%s/accept" % lid, {"rep": owner(lid)}).status, 200)
        for lid, reason in ((ids[2], "wrong_title"), (ids[3], "wrong_title"),
                            (ids[4], "duplicate")):
            self.assertEqual(d.post("/v1/leads/%s/reject" % lid,
                                    {"rep": owner(lid), "reason": reason}).status, 200)
        return ids


class ReviewDigestTests(ReviewCase):

    def test_digest_shows_the_contract_and_the_scorecard_of_the_period(self):
        self.seed()
        r = self.d.get("/v1/review?period=current")
        self.assertEqual(r.status, 200, r)
        dg = r.json
        # The period: a week up to the review under way, against the week before.
        due = datetime.datetime.strptime(dg["due_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        frm = datetime.datetime.strptime(dg["from"], "%Y-%m-%dT%H:%M:%S.%fZ")
        to = datetime.datetime.strptime(dg["to"], "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertEqual(to - frm, datetime.timedelta(days=7))
        self.assertEqual(to, due)            # 09:00 in Berlin is a whole UTC hour
        self.assertEqual(dg["previous"]["to"], dg["from"])
        self.assertEqual(due.strftime("%A").lower(), not_today())
        sc = self.d.get("/v1/scorecard?from=%s&to=%s" % (dg["from"], dg["to"])).json["overall"]
        fig = {f["id"]: f for f in dg["figures"]}
        self.assertEqual(fig["leads_received"]["value"], sc["leads_received"])
        self.assertEqual(fig["leads_received"]["value"], 6)
        self.assertEqual(fig["leads_received"]["previous"], 0)
        self.assertEqual(fig["leads_routed"]["value"], sc["leads_routed"])
        self.assertEqual(fig["time_to_route_median_ms"]["value"],
                         sc["time_to_route_ms"]["median"])
        self.assertEqual(fig["time_to_first_touch_p90_ms"]["value"],
                         sc["time_to_first_touch_ms"]["p90"])
        self.assertEqual(fig["acceptance_rate_pct"]["value"], sc["acceptance_rate_pct"])
        self.assertEqual(fig["acceptance_rate_pct"]["value"], 33.3)
        self.assertEqual(fig["rejection_rate_pct"]["value"], 50)
        self.assertIsNone(fig["acceptance_rate_pct"]["previous"])
        self.assertEqual(fig["routed_within_sla_pct"]["value"], sc["routed_within_sla_pct"])
        self.assertEqual(fig["won_amount"]["value"], sc["won_amount"])
        self.assertEqual(dg["top_rejections"], [
            {"code": "wrong_title", "label": "Not a buyer's title", "count": 2, "previous": 0},
            {"code": "duplicate", "label": "Already a lead or contact", "count": 1,
             "previous": 0}])
        # The contract: the same figures beside their targets, and the week before.
        ct = self.d.get("/v1/contract?from=%s&to=%s" % (dg["from"], dg["to"])).json
        for side in ("marketing", "sales"):
            mine, theirs = by_id(dg["contract"][side]), by_id(ct[side])
            self.assertEqual(set(mine), set(theirs))
            for k, c in mine.items():
                self.assertEqual((c["target"], c["actual"], c["met"]),
                                 (theirs[k]["target"], theirs[k]["actual"], theirs[k]["met"]), k)
        acc = by_id(dg["contract"]["marketing"])["acceptance_rate_pct"]
        self.assertEqual(acc["actual"], 33.3)
        self.assertIs(acc["met"], True)
        self.assertEqual(acc["previous"], {"target": 30, "actual": None, "met": None})
        q = by_id(dg["contract"]["marketing"])["qualified_per_month"]
        self.assertEqual(q["actual"], 4)
        self.assertEqual(q["previous"]["actual"], 0)

    def test_send_now_reaches_slack_and_email_with_the_numbers(self):
        self.seed()
        r = self.d.post("/v1/review/send?period=current")
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["queued"], 2)
        self.assertEqual(r.json["recipients"],
                         ["review:slack:#revops", "review:email:revops@example.com"])
        dg = r.json["review"]
        msg = wait_for(lambda: self.posts(), what="the digest in Slack")[0]["json"]
        self.assertEqual(msg["blocks"][0]["type"], "header")
        self.assertEqual(msg["blocks"][0]["text"]["text"],
                         "Lead review %s – %s" % (dg["from"][:10], dg["to"][:10]))
        text = slack_text(msg)
        self.assertIn("Leads received: *6* (previous 0)", text)
        self.assertIn("Acceptance rate: *33.3%* (previous n/a)", text)
        self.assertIn("Rejection rate: *50%*", text)
        self.assertIn("\u2705 Leads accepted by sales: *33.3%* (target \u2265 30%", text)
        self.assertIn("\u2013 Touches before a lead is closed lost: *n/a* (target \u2265 6; "
                      "previous n/a \u2013)", text)
        self.assertIn("\u274c Qualified leads (A, B): *4* (target \u2265 ", text)
        self.assertIn("Median time to first touch: *", text)
        self.assertIn("(target \u2264 1 h;", text)
        self.assertIn("\u2022 Not a buyer's title: 2 (previous 0)", text)
        self.assertRegex(msg["text"], r"^Lead review .*: \d of 6 commitments met$")
        rec = self.smtp.wait(1)[0]
        self.assertEqual(rec["rcpt_tos"], ["revops@example.com"])
        m = rec["message"]
        self.assertEqual(m["Subject"], msg["text"])
        plain = m.get_body(("plain",)).get_content()
        self.assertIn("Leads received: 6 (previous 0)", plain)
        self.assertIn("Not a buyer's title: 2 (previous 0)", plain)
        html = m.get_body(("html",)).get_content()
        self.assertIn("<li>Leads received: <b>6</b> (previous 0)</li>", html)
        time.sleep(0.5)
        self.assertEqual(len(self.posts()), 1)
        self.assertEqual(len(self.smtp.messages()), 1)

    def test_send_needs_the_admin_role_and_a_valid_period(self):
        self.assertError(self.d.post("/v1/review/send?period=soon"), 400, "invalid_parameter",
                         "period")
        self.assertError(self.d.get("/v1/review?period=soon"), 400, "invalid_parameter",
                         "period")


class ReviewScheduleTests(ReviewCase):

    review = "review: {every: 2s, period: 1d, slack_channels: [\"#revops\"], " \
             "emails: [revops@example.com]}\n"

    def review_conf(self):
        return self.review

    def test_each_review_is_sent_exactly_once_by_two_daemons(self):
        self.seed()
        seeded = time.time()
        self.new_daemon(**self.conf_overrides)        # a second daemon on the same Redis

        def due(post):
            text = slack_text(post["json"])
            return datetime.datetime.strptime(re.search(r"Due (\S+) ", text).group(1),
                                              "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
        # Three reviews or more due after the leads were in: every 2 s. (A review due
        # while they were still arriving counts only those that had.)
        wait_for(lambda: len([p for p in self.posts() if due(p) > seeded]) >= 3, timeout=20,
                 what="three reviews in Slack")
        time.sleep(1)
        dues = [due(p) for p in self.posts()]
        self.assertEqual(len(dues), len(set(dues)), dues)
        for d in dues:
            self.assertEqual(d % 2, 0)
        mails = self.smtp.messages()
        mail_dues = [re.search(r"\(due (\S+)\)", r["message"].get_body(("plain",))
                               .get_content()).group(1) for r in mails]
        self.assertEqual(len(mail_dues), len(set(mail_dues)), mail_dues)
        self.assertGreaterEqual(len(mail_dues), 2)
        for p in self.posts():
            if due(p) > seeded:
                self.assertIn("Leads received: *6*", slack_text(p["json"]))


class ReviewRoleTests(DaemonTestCase):

    def test_managers_read_admins_send(self):
        from test_auth import TOKENS, tokens_file
        path = os.path.join(self.tmp, "tokens")
        tokens_file(path)
        d = self.new_daemon(extra="auth:\n  tokens: file:%s\n  rate_limit: 1000/s\n" % path)
        d.token = TOKENS["ana"]
        for p in ("/v1/contract", "/v1/review"):
            self.assertError(d.get(p), 403, "forbidden")
        d.token = TOKENS["manager"]
        for p in ("/v1/contract", "/v1/review"):
            self.assertEqual(d.get(p).status, 200, p)
        self.assertError(d.post("/v1/review/send"), 403, "forbidden")
        d.token = TOKENS["admin"]
        # Without review: recipients there is nobody to send to.
        self.assertError(d.post("/v1/review/send"), 409, "no_recipients")


class ReviewConfigTests(DaemonTestCase):

    def check(self, review, notify=True):
        path = os.path.join(self.tmp, "r.yaml")
        extra = review
        if notify:
            extra = ("notify:\n  slack: {bot_token: xoxb-t}\n  email: {smtp_url: "
                     "\"smtp://127.0.0.1:2525\", from: a@example.com}\n") + review
        with open(path, "w") as f:
            f.write(make_conf(self.redis, extra=extra))
        p = subprocess.run([LEADROUTED, "-t", "-c", path], capture_output=True, text=True,
                           timeout=10)
        return p.returncode, p.stderr

    def assertRefused(self, review, message, notify=True):
        rc, err = self.check(review, notify)
        self.assertEqual(rc, 1, err)
        self.assertIn(message, err)

    def test_a_weekly_review_loads(self):
        rc, err = self.check("review: {every: week, day: monday, at: \"09:00\", timezone: "
                             "Europe/Berlin, slack_channels: [\"#revops\", C0REVOPS], "
                             "emails: [revops@example.com]}\n")
        self.assertEqual(rc, 0, err)

    def test_bad_values_are_named(self):
        self.assertRefused("review: {every: fortnight}\n",
                           "review.every: expected week, day or a duration (10s, 1h), got "
                           "\"fortnight\"")
        self.assertRefused("review: {day: funday}\n", "review.day: expected monday")
        self.assertRefused("review: {at: \"9am\"}\n",
                           "review.at: expected a time as \"09:00\", got \"9am\"")
        self.assertRefused("review: {timezone: Mars/Olympus}\n",
                           "review.timezone: unknown time zone \"Mars/Olympus\"")
        self.assertRefused("review: {every: day, day: monday}\n",
                           "review.day: day goes with every: week")
        self.assertRefused("review: {emails: [not-an-address]}\n",
                           "review.emails: expected an email address, got \"not-an-address\"")
        self.assertRefused("review: {slack_channels: [revops]}\n",
                           "review.slack_channels: expected a channel (#revops)")
        self.assertRefused("review: {period: 90m}\n",
                           "review.period: a period is whole hours")

    def test_recipients_need_their_channel(self):
        self.assertRefused("review: {slack_channels: [\"#revops\"]}\n",
                           "review.slack_channels: Slack channels need notify.slack.bot_token",
                           notify=False)
        self.assertRefused("review: {emails: [a@example.com]}\n",
                           "review.emails: emails need notify.email", notify=False)


if __name__ == "__main__":
    main()
