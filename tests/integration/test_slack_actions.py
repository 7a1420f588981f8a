#!/usr/bin/env python3
"""Acting from Slack: a rep's click in a lead message (Accept, Reject with a
reason, Log call, Log email) reaches POST /v1/integrations/slack/interactions as
Slack sends it — a block_actions payload, form-encoded, signed v0 with the app's
signing secret — goes through the same lifecycle code as the API, and the message
is updated through its response_url to say what was done and by whom. The
payloads are built here as Slack documents them; every update is checked by the
Slack stand-in against Block Kit."""
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse

from harness import main, wait_for
from test_rep_messages import LEAD, SIGNING, RepMessageCase

REPS = """\
  - {id: ana, name: Ana Ruiz, slack_user: U0ANA, notify: slack, calendar: berlin}
  - {id: ben, name: Ben Okafor, slack_user: U0BEN, email: ben@example.com, notify: email}
  - {id: cy, name: Cy Young}
  - {id: dee, name: Dee Long}
"""

_ts = itertools.count(1)


def sign(body, ts=None, secret=SIGNING):
    """Slack's v0 signature: HMAC-SHA256 of "v0:<ts>:<body>", hex, with the
    signing secret (https://api.slack.com/authentication/verifying-requests-from-slack)."""
    ts = str(int(time.time()) if ts is None else ts)
    base = b"v0:" + ts.encode() + b":" + body
    return ts, "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackActionTests(RepMessageCase):

    reps = REPS

    def setUp(self):
        super().setUp()
        a = self.d.lead(**LEAD)
        if a["owner"] != "ana":
            a = self.d.lead(**dict(LEAD, email="x2@acme.example"))
        self.assertEqual(a["owner"], "ana")
        self.lead = a["id"]
        self.msg = self.wait_posts(1, "U0ANA")[0]
        self.response_url = self.slack.response_url()

    def payload(self, action_id, user="U0ANA", value=None, selected=None, lead=None):
        """A block_actions payload for a click in the DM, as Slack sends one
        (https://api.slack.com/reference/interaction-payloads/block-actions)."""
        m = self.msg["answer"]["body"]
        action = {"action_id": action_id, "block_id": "lr:" + (lead or self.lead),
                  "type": "button", "action_ts": "%d.%06d" % (time.time(), next(_ts)),
                  "text": {"type": "plain_text", "text": "x"}}
        if selected is not None:
            action.update(type="static_select", selected_option={
                "text": {"type": "plain_text", "text": selected}, "value": selected})
        else:
            action["value"] = value or self.lead
        return {"type": "block_actions",
                "user": {"id": user, "username": "someone", "name": "someone",
                         "team_id": "T0STANDIN"},
                "api_app_id": "A0STANDIN", "token": "legacy", "trigger_id": "1.2.3",
                "team": {"id": "T0STANDIN", "domain": "standin"},
                "container": {"type": "message", "message_ts": m["ts"], "channel_id": m["channel"],
                              "is_ephemeral": False},
                "channel": {"id": m["channel"], "name": "directmessage"},
                "message": {"type": "message", "ts": m["ts"], "text": self.msg["json"]["text"],
                            "blocks": self.msg["json"]["blocks"]},
                "response_url": self.response_url,
                "actions": [action]}

    def click(self, payload, ts=None, secret=SIGNING, raw=None, headers=None):
        body = raw if raw is not None else (
            "payload=" + urllib.parse.quote(json.dumps(payload))).encode()
        t, sig = sign(body, ts, secret)
        h = {"Content-Type": "application/x-www-form-urlencoded",
             "X-Slack-Request-Timestamp": t, "X-Slack-Signature": sig}
        h.update(headers or {})
        return self.d.post("/v1/integrations/slack/interactions", body, headers=h), body, h

    def lead_now(self):
        return self.d.get("/v1/leads/" + self.lead).json

    def updates(self, n):
        return wait_for(lambda: len(self.slack.updates(self.response_url)) >= n and
                        self.slack.updates(self.response_url), what="%d message updates" % n)

    def action_ids(self, blocks):
        return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]

    def context(self, blocks):
        return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]

    def test_accept_then_a_second_click_changes_nothing_and_says_why(self):
        r, body, h = self.click(self.payload("lr_accept"))
        self.assertEqual(r.status, 200, r)
        lead = self.lead_now()
        self.assertEqual(lead["stage"], "sal")
        self.assertEqual(lead["stage_by"], "ana")
        u = self.updates(1)[0]
        self.assertTrue(u["replace_original"])
        said = self.context(u["blocks"])[-1]
        self.assertRegex(said, r"Accepted by ana at \d\d:\d\d \(Europe/Berlin\)")
        # After an accept the touches are left to log, the decision is made.
        self.assertEqual(self.action_ids(u["blocks"]), ["lr_touch_call", "lr_touch_email",
                                                       "lr_open"])
        # Slack delivering the same click again (a retry): recorded once, no update.
        n = len(lead["events"])
        r2 = self.d.post("/v1/integrations/slack/interactions", body, headers=h)
        self.assertEqual(r2.status, 200, r2)
        # A second click of Accept: nothing changes, and the message says why.
        r, _, _ = self.click(self.payload("lr_accept"))
        self.assertEqual(r.status, 200, r)
        u = self.updates(2)[1]
        self.assertRegex(self.context(u["blocks"])[-1],
                         r"Nothing done: the lead is sal already since \S+ by ana")
        time.sleep(0.3)
        self.assertEqual(len(self.slack.updates(self.response_url)), 2)
        self.assertEqual(len(self.lead_now()["events"]), n)

    def test_reject_with_a_reason_from_the_select(self):
        r, _, _ = self.click(self.payload("lr_reject", selected="wrong_title"))
        self.assertEqual(r.status, 200, r)
        lead = self.lead_now()
        rejected = [e for e in lead["events"] if e["type"] == "rejected"]
        self.assertEqual(len(rejected), 1, lead["events"])
        self.assertEqual(rejected[0]["reason"], "wrong_title")
        u = self.updates(1)[0]
        self.assertIn("Rejected by ana", self.context(u["blocks"])[-1])
        self.assertIn("Not a buyer's title", self.context(u["blocks"])[-1])
        self.assertEqual(self.action_ids(u["blocks"]), ["lr_open"])

    def test_log_a_call_stops_the_first_touch_clock(self):
        r, _, _ = self.click(self.payload("lr_touch_call"))
        self.assertEqual(r.status, 200, r)
        lead = self.lead_now()
        touched = [e for e in lead["events"] if e["type"] == "touched"]
        self.assertEqual(len(touched), 1)
        self.assertEqual((touched[0]["rep"], touched[0]["channel"]), ("ana", "call"))
        self.assertFalse(lead["clocks"]["first_touch"]["running"], lead["clocks"])
        u = self.updates(1)[0]
        self.assertIn("Call logged by ana", self.context(u["blocks"])[-1])

    def test_someone_elses_lead_changes_nothing(self):
        r, _, _ = self.click(self.payload("lr_accept", user="U0BEN"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.lead_now()["stage"], "mql")
        u = self.updates(1)[0]
        self.assertIn("Nothing done: this lead belongs to ana now", self.context(u["blocks"])[-1])

    def test_unknown_user_and_action_are_told_to_the_clicker(self):
        r, _, _ = self.click(self.payload("lr_accept", user="U0NOBODY"))
        self.assertEqual(r.status, 200, r)
        u = self.updates(1)[0]
        self.assertEqual((u["response_type"], u["replace_original"]), ("ephemeral", False))
        self.assertIn("not a rep", u["text"])
        r, _, _ = self.click(self.payload("lr_launch_rockets"))
        self.assertEqual(r.status, 200, r)
        u = self.updates(2)[1]
        self.assertIn("does not know this action", u["text"])
        self.assertEqual(self.lead_now()["stage"], "mql")

    def test_bad_signatures_and_payloads_are_refused(self):
        p = self.payload("lr_accept")
        cases = [
            dict(secret="another-secret-of-32-characters!"),        # wrong secret
            dict(ts=int(time.time()) - 301),                        # stale
            dict(ts=int(time.time()) + 301),                        # from the future
        ]
        for kw in cases:
            r, _, _ = self.click(p, **kw)
            self.assertEqual(r.status, 401, (kw, r))
            self.assertEqual(r.json["error"]["code"], "bad_signature")
        # A body changed after signing.
        r, body, h = self.click(p)
        self.assertEqual(r.status, 200)   # (this one acts: accepted)
        tampered = body.replace(b"lr_accept", b"lr_reject")
        r = self.d.post("/v1/integrations/slack/interactions", tampered, headers=h)
        self.assertEqual(r.status, 401, r)
        # No signature headers at all.
        r = self.d.post("/v1/integrations/slack/interactions", body,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 401, r)
        self.assertIn("missing", r.json["error"]["message"])
        # Signed, but not a payload.
        for raw in (b"payload=%7Bnot json", b"nothing=here", b"payload=%ZZ"):
            r, _, _ = self.click(None, raw=raw)
            self.assertEqual(r.status, 400, (raw, r))
        # A payload of another kind (a modal's submission): nothing to do.
        r, _, _ = self.click({"type": "view_submission", "user": {"id": "U0ANA"}})
        self.assertEqual(r.status, 200, r)
        lead = self.lead_now()
        self.assertEqual([e["type"] for e in lead["events"]].count("accepted"), 1)
        self.assertEqual([e["type"] for e in lead["events"]].count("rejected"), 0)


if __name__ == "__main__":
    main()
