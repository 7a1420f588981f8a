"""Escalation policies end to end, with second-scale clocks: levels in order and
once, ack, resolution by touch, reassignment, auto-offline, reminders, signed
webhooks to a local receiver, business-hours clocks, restart and two daemons."""

import datetime
import json
import time

from harness import DaemonTestCase, main, wait_for
from test_leads import ms
from test_notify import SECRET, Receiver, is_rep_message, verify

REPS = """\
  - {id: ana, name: Ana Ruiz, notify: revops, manager: maria}
  - {id: ben, name: Ben Okafor, notify: revops}
  - {id: cy, name: Cy Young, notify: revops}
  - {id: dee, name: Dee Long}
"""

POOLS = """\
  - id: emea
    reps: [ana, ben, cy]
    director: sam
  - id: amer
    reps: [dee]
"""


def sections(rx, levels, calendars=""):
    return """\
notify:
  attempts: 3
  backoff: 100ms
  max_backoff: 500ms
  timeout: 1s
  targets:
    - {id: revops, url: "%s", format: json, secret: "%s"}
    - {id: boss, url: "%s", format: json, secret: "%s"}
people:
  - {id: maria, notify: boss}
  - {id: sam, notify: boss}
escalation:
%s%s""" % (rx.url("/revops"), SECRET, rx.url("/boss"), SECRET, levels, calendars)


LEVELS = """\
  - {after: 0s, notify: [owner, manager]}
  - {after: 1s, notify: [director]}
  - {after: 2s, notify: [webhook:revops]}
"""


class EscalationTestCase(DaemonTestCase):

    levels = LEVELS
    first_touch = "1s"
    ft_extra = {}
    calendars = ""

    def setUp(self):
        # The reps' channels also tell them of their new leads: not what these tests count.
        self.rx = Receiver(skip=is_rep_message)
        self.addCleanup(self.rx.close)
        self.conf_overrides = self.overrides()
        super().setUp()

    def overrides(self, **kw):
        o = dict(reps=REPS, pools=POOLS, route="1s", first_touch=self.first_touch,
                 ft_extra=self.ft_extra, extra=sections(self.rx, self.levels, self.calendars))
        o.update(kw)
        return o

    def escalations(self, query=""):
        r = self.d.get("/v1/escalations" + query)
        self.assertEqual(r.status, 200, r)
        return r.json["escalations"]

    def escalation(self, eid):
        return [e for e in self.escalations() if e["id"] == eid][0]

    def wait_level(self, eid, level, timeout=6):
        return wait_for(lambda: self.escalation(eid)["level"] >= level and self.escalation(eid),
                        timeout=timeout, what="escalation %s at level %d" % (eid, level))

    def rep(self, rep_id):
        return [r for r in self.d.get("/v1/reps").json["reps"] if r["id"] == rep_id][0]


class LevelTests(EscalationTestCase):

    def test_levels_fire_once_in_order_and_notify_signed(self):
        lead = self.d.lead(email="l@x.com", country="DE")
        e = wait_for(lambda: self.escalations(), timeout=5, what="the breach")[0]
        self.assertEqual((e["lead"], e["clock"], e["owner"], e["status"]),
                         (lead["id"], "first_touch", "ana", "open"))
        e = self.wait_level(e["id"], 3)
        self.assertEqual([a["level"] for a in e["actions"]], [1, 2, 3])
        self.assertEqual([a["notified"] for a in e["actions"]],
                         [["owner", "manager"], ["director"], ["webhook:revops"]])
        # Each level after its delay from the breach, within a second of it.
        breached = ms(e["breached_at"])
        for a, after in zip(e["actions"], (0, 1000, 2000)):
            self.assertGreaterEqual(ms(a["at"]) - breached, after)
            self.assertLess(ms(a["at"]) - breached, after + 1000)
        self.assertIsNone(e["next_level_at"])
        time.sleep(1.2)     # nothing fires twice
        self.assertEqual(len(self.escalation(e["id"])["actions"]), 3)
        # owner (ana -> revops), then manager (maria -> boss), director (sam -> boss), revops.
        self.rx.wait(2, "/revops")
        self.rx.wait(2, "/boss")
        got = self.rx.got()
        self.assertEqual(len(got), 4)
        for r in got:
            self.assertTrue(verify(SECRET, r["headers"], r["body"]), r["headers"])
            body = json.loads(r["body"])
            self.assertEqual(body["type"], "escalation.level")
            self.assertEqual(body["data"]["lead"], lead["id"])
        levels = sorted((json.loads(r["body"])["data"]["level"],
                         json.loads(r["body"])["data"]["recipient"]) for r in got)
        self.assertEqual(levels, [(1, "manager"), (1, "owner"), (2, "director"),
                                  (3, "webhook:revops")])
        self.assertEqual(len({r["headers"]["webhook-id"] for r in got}), 4)
        history = [x["type"] for x in self.d.get("/v1/leads/" + lead["id"]).json["events"]]
        self.assertEqual(history, ["received", "assigned", "escalated", "escalation_level",
                                   "escalation_level", "escalation_level"])

    def test_ack_stops_later_levels(self):
        self.d.lead(email="a@x.com", country="DE")
        e = wait_for(lambda: self.escalations(), timeout=5, what="the breach")[0]
        self.assertEqual(e["level"], 1)
        r = self.d.post("/v1/escalations/%s/ack" % e["id"], {"by": "maria", "note": "on it"})
        self.assertEqual(r.status, 200, r)
        acked = r.json["escalation"]
        self.assertEqual((acked["status"], acked["acknowledged_by"], acked["note"]),
                         ("acknowledged", "maria", "on it"))
        self.assertIsNone(acked["next_level_at"])
        time.sleep(2.5)
        self.assertEqual(self.escalation(e["id"])["level"], 1)
        self.assertEqual(self.escalations("?status=open"), [])
        # A second ack is a conflict; unknown ids and bad bodies are refused.
        r = self.d.post("/v1/escalations/%s/ack" % e["id"], {"by": "sam"})
        self.assertError(r, 409, "escalation_closed")
        self.assertEqual(r.json["escalation"]["acknowledged_by"], "maria")
        self.assertError(self.d.post("/v1/escalations/999/ack", {"by": "sam"}), 404, "not_found")
        self.assertError(self.d.post("/v1/escalations/x1/ack", {"by": "sam"}), 404, "not_found")
        self.assertError(self.d.post("/v1/escalations/%s/ack" % e["id"], {}), 422,
                         "missing_field", "by")
        self.assertError(self.d.post("/v1/escalations/%s/ack" % e["id"], {"by": "a b"}), 422,
                         "invalid_field", "by")
        stream = self.redis.cmd("XRANGE", "lr:escalation_events", "-", "+")
        self.assertEqual([dict(zip(f[::2], f[1::2]))["type"] for _, f in stream],
                         ["escalated", "escalation_level", "acknowledged"])

    def test_touch_resolves_and_stops_levels(self):
        lead = self.d.lead(email="t@x.com", country="DE")
        e = wait_for(lambda: self.escalations(), timeout=5, what="the breach")[0]
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        self.assertEqual(r.status, 200, r)
        e = self.escalation(e["id"])
        self.assertEqual((e["status"], e["resolved_by"], e["level"]), ("resolved", "touched", 1))
        time.sleep(2.5)
        self.assertEqual(self.escalation(e["id"])["level"], 1)
        got = self.d.get("/v1/leads/" + lead["id"]).json
        ft = got["clocks"]["first_touch"]
        self.assertEqual((ft["running"], ft["breached"]), (False, True))
        self.assertEqual(got["open_escalations"], [])

    def test_filters_by_status_and_pool(self):
        self.d.lead(email="f1@x.com", country="DE")          # emea
        self.d.lead(email="f2@x.com", country="US")          # amer
        wait_for(lambda: len(self.escalations()) == 2, timeout=5, what="two breaches")
        emea = self.escalations("?pool=emea")
        self.assertEqual([e["pool"] for e in emea], ["emea"])
        self.d.post("/v1/escalations/%s/ack" % emea[0]["id"], {"by": "sam"})
        self.assertEqual([e["pool"] for e in self.escalations("?status=open")], ["amer"])
        self.assertEqual([e["pool"] for e in self.escalations("?status=acknowledged")], ["emea"])
        self.assertEqual(self.escalations("?status=open&pool=emea"), [])
        self.assertError(self.d.get("/v1/escalations?status=late"), 400, "invalid_parameter",
                         "status")

    def test_a_queued_lead_has_no_owner_to_tell(self):
        for rep in ("ana", "ben", "cy"):
            self.d.set_status(rep, "away")
        self.d.lead(email="q2@x.com", country="DE")
        e = wait_for(lambda: self.escalations(), timeout=5, what="the route breach")[0]
        self.assertEqual(e["actions"][0]["notified"], ["owner", "manager"])
        # The manager's job is tried (the pool has none: a dead letter saying so);
        # no job was written for the owner the lead does not have.
        failed = wait_for(lambda: self.d.get("/v1/notifications/failed").json["notifications"],
                          what="the manager's dead letter")
        time.sleep(0.5)
        failed = self.d.get("/v1/notifications/failed").json["notifications"]
        self.assertEqual([f["to"] for f in failed], ["manager"])
        jobs = [self.redis.cmd("HGET", k, "to") for k in self.redis.cmd("KEYS", "lr:notification:*")]
        self.assertNotIn("owner", jobs)


class AutoOfflineTests(EscalationTestCase):

    levels = "  - {after: 0s, notify: [owner]}\n"
    ft_extra = {"auto_offline_after": 2}

    def test_misses_in_a_row_set_the_rep_away_and_tell_the_manager(self):
        a = self.d.lead(email="o1@x.com", country="DE")
        self.assertEqual(a["owner"], "ana")
        self.d.set_status("ben", "away")
        self.d.set_status("cy", "away")
        b = self.d.lead(email="o2@x.com", country="DE")
        self.assertEqual(b["owner"], "ana")
        wait_for(lambda: self.rep("ana")["status"] == "away", timeout=6,
                 what="ana set away")
        self.rx.wait(1, "/boss")    # maria, ana's manager
        body = json.loads(self.rx.got("/boss")[0]["body"])
        self.assertEqual((body["type"], body["data"]["rep"], body["data"]["misses"]),
                         ("rep.auto_offline", "ana", 2))
        stream = [dict(zip(f[::2], f[1::2])) for _, f in
                  self.redis.cmd("XRANGE", "lr:escalation_events", "-", "+")]
        self.assertIn("rep_auto_offline", [x["type"] for x in stream])

    def test_a_met_clock_resets_the_count(self):
        a = self.d.lead(email="m1@x.com", country="DE")
        wait_for(lambda: self.escalations(), timeout=5, what="the first miss")
        self.d.set_status("ben", "away")
        self.d.set_status("cy", "away")
        b = self.d.lead(email="m2@x.com", country="DE")
        self.assertEqual(b["owner"], "ana")
        self.d.post("/v1/leads/%s/touch" % b["id"], {"rep": "ana"})   # met
        c = self.d.lead(email="m3@x.com", country="DE")
        wait_for(lambda: len(self.escalations()) == 2, timeout=5, what="the second miss")
        self.assertEqual(self.rep("ana")["status"], "available")
        self.assertEqual(a["owner"], c["owner"])


class ReassignTests(EscalationTestCase):

    levels = "  - {after: 0s, reassign: next_available, notify: [owner]}\n"

    def test_reassignment_never_goes_back_to_a_previous_owner(self):
        lead = self.d.lead(email="r@x.com", country="DE")
        self.assertEqual(lead["owner"], "ana")
        owners = wait_for(lambda: (lambda l: len(l["owners"]) == 3 and l)(
            self.d.get("/v1/leads/" + lead["id"]).json), timeout=8, what="two reassignments")
        self.assertEqual(owners["owners"], ["ana", "ben", "cy"])
        self.assertEqual(owners["owner"], "cy")
        # cy misses too: nobody is left who never owned it.
        esc = wait_for(lambda: len(self.escalations()) == 3 and self.escalations(), timeout=5,
                       what="the third breach")
        last = esc[0]
        self.assertEqual(last["owner"], "cy")
        self.assertEqual(last["actions"][0].get("reassign_failed"), "no_eligible_rep")
        first = esc[2]
        self.assertEqual((first["owner"], first["actions"][0]["reassigned_to"]), ("ana", "ben"))
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["owner"], "cy")
        ft = got["clocks"]["first_touch"]
        self.assertEqual(ft["owner"], "cy")     # the clock started over for each new owner
        events = [x for x in got["events"] if x["type"] == "reassigned"]
        self.assertEqual([(x["from"], x["rep"]) for x in events], [("ana", "ben"), ("ben", "cy")])
        # Open-lead counts moved with the lead.
        reps = {r["id"]: r for r in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual((reps["ana"]["open_leads"], reps["ben"]["open_leads"],
                          reps["cy"]["open_leads"]), (0, 0, 1))
        self.assertEqual(int(self.redis.cmd("HGET", "lr:sla_breaches", "first_touch|rep|ana")), 1)

    def test_route_breach_with_nobody_eligible_says_why(self):
        for rep in ("ana", "ben", "cy"):
            self.d.set_status(rep, "away")
        lead = self.d.lead(email="q@x.com", country="DE")
        self.assertEqual(lead["status"], "queued")
        # Nobody is eligible at the breach; the level records why.
        e = wait_for(lambda: self.escalations(), timeout=5, what="the route breach")[0]
        self.assertEqual((e["clock"], e["actions"][0]["reassign_failed"]),
                         ("route", "no_eligible_rep"))

class SharedTargetTests(EscalationTestCase):
    """The owner and the manager reach the same target: one message, not two."""

    levels = "  - {after: 0s, notify: [owner, manager]}\n"

    def overrides(self, **kw):
        return super().overrides(reps=REPS.replace("notify: revops, manager: maria",
                                                   "notify: boss, manager: maria"), **kw)

    def test_one_message_per_target(self):
        self.d.lead(email="s@x.com", country="DE")
        self.rx.wait(1, "/boss", timeout=5)
        wait_for(lambda: self.d.events("notification_duplicate"), what="the second one dropped")
        time.sleep(0.3)
        got = self.rx.got("/boss")
        self.assertEqual(len(got), 1)
        self.assertEqual(self.redis.cmd("ZCARD", "lr:outbox"), 0)
        self.assertEqual(self.d.get("/v1/notifications/failed").json["notifications"], [])


class LocalTimeTests(EscalationTestCase):
    """A Slack line gives times in the reader's zone (the owner's calendar), not UTC."""

    levels = "  - {after: 0s, notify: [owner]}\n"
    first_touch = "2s"
    ft_extra = {"remind_before": "1s"}
    calendars = """\
calendars:
  - {id: tokyo, timezone: Asia/Tokyo}
"""

    def overrides(self, **kw):
        o = super().overrides(**kw)
        o["reps"] = REPS.replace("{id: ana, name: Ana Ruiz, notify: revops, manager: maria}",
                                 "{id: ana, name: Ana Ruiz, notify: chat, calendar: tokyo}")
        o["extra"] = o["extra"].replace(
            "  targets:\n", "  targets:\n    - {id: chat, url: \"%s\", format: slack}\n"
            % self.rx.url("/chat"))
        return o

    def test_reminder_due_time_in_the_owners_zone(self):
        self.d.lead(email="tz@x.com", country="DE")
        text = json.loads(self.rx.wait(1, "/chat", timeout=5)[0]["body"])["text"]
        self.assertIn("SLA reminder", text)
        self.assertRegex(text, r"at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00")
        self.assertNotRegex(text, r"T\d\d:\d\d:\d\dZ")    # no UTC time (a lead id may end in Z)


class ReminderTests(EscalationTestCase):

    levels = "  - {after: 0s, notify: [owner]}\n"
    first_touch = "2s"
    ft_extra = {"remind_before": "1s"}

    def test_reminder_before_the_breach(self):
        lead = self.d.lead(email="rm@x.com", country="DE")
        self.rx.wait(1, "/revops", timeout=4)
        first = json.loads(self.rx.got("/revops")[0]["body"])
        self.assertEqual(first["type"], "sla.reminder")
        self.assertEqual((first["data"]["lead"], first["data"]["clock"], first["data"]["owner"]),
                         (lead["id"], "first_touch", "ana"))
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertIn("reminded", [x["type"] for x in got["events"]])
        self.assertNotIn("escalated", [x["type"] for x in got["events"]])
        self.rx.wait(2, "/revops", timeout=4)
        self.assertEqual(json.loads(self.rx.got("/revops")[1]["body"])["type"],
                         "escalation.level")

    def test_touch_before_the_reminder_sends_nothing(self):
        lead = self.d.lead(email="rn@x.com", country="DE")
        self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        time.sleep(2.5)
        self.assertEqual(self.rx.got(), [])
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 0)


def utc_date(days=0):
    d = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=days)
    return d.isoformat()


class BusinessHoursTests(EscalationTestCase):
    """A clock on a calendar closed today counts from its next opening."""

    def test_clock_starts_at_the_next_opening(self):
        cal = """\
calendars:
  - {id: ops, timezone: UTC, holidays: [%s, %s]}
""" % (utc_date(0), utc_date(1))
        self.d.stop()
        self.d = self.new_daemon(**self.overrides(
            extra=sections(self.rx, self.levels, cal),
            first_touch="1h", ft_calendar="ops"))
        lead = self.d.lead(email="bh@x.com", country="DE")
        ft = lead["clocks"]["first_touch"]
        self.assertEqual(ft["calendar"], "ops")
        opening = datetime.datetime.fromisoformat(utc_date(2) + "T00:00:00+00:00")
        self.assertEqual(ms(ft["due_at"]), int(opening.timestamp() * 1000) + 3600 * 1000)
        # The route clock is wall time: due 1 s after arrival.
        self.assertEqual(ms(lead["clocks"]["route"]["due_at"]) - ms(lead["received_at"]), 1000)


class DurabilityTests(EscalationTestCase):

    levels = "  - {after: 0s, notify: [owner]}\n  - {after: 2s, notify: [director]}\n"

    def test_deadline_passed_while_down_fires_after_start(self):
        lead = self.d.lead(email="d@x.com", country="DE")
        self.d.stop()
        time.sleep(1.5)
        self.d = self.new_daemon(**self.conf_overrides)
        e = wait_for(lambda: self.escalations(), timeout=3, what="the breach after start")[0]
        self.assertEqual(e["lead"], lead["id"])
        self.d.stop()    # and a level that falls due while down fires after start too
        time.sleep(2.2)
        self.d = self.new_daemon(**self.conf_overrides)
        self.wait_level(e["id"], 2, timeout=3)

    def test_two_daemons_fire_each_level_once(self):
        d2 = self.new_daemon(**self.conf_overrides)
        leads = [(self.d if i % 2 else d2).lead(email="t%d@x.com" % i, country="DE")
                 for i in range(6)]
        wait_for(lambda: len(self.escalations()) == 6 and
                 all(e["level"] == 2 for e in self.escalations()), timeout=8,
                 what="every escalation at level 2")
        time.sleep(1)
        esc = self.escalations()
        self.assertEqual(sorted(e["lead"] for e in esc), sorted(l["id"] for l in leads))
        for e in esc:
            self.assertEqual([a["level"] for a in e["actions"]], [1, 2])
        stream = [dict(zip(f[::2], f[1::2]))["type"] for _, f in
                  self.redis.cmd("XRANGE", "lr:escalation_events", "-", "+")]
        self.assertEqual((stream.count("escalated"), stream.count("escalation_level")), (6, 12))
        # Every job delivered exactly once between the two daemons.
        self.rx.wait(12, timeout=6)
        time.sleep(0.5)
        self.assertEqual(len(self.rx.got()), 12)
        self.assertEqual(len({r["headers"]["webhook-id"] for r in self.rx.got()}), 12)


if __name__ == "__main__":
    main()
