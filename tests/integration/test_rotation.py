"""Weighted round robin, caps, availability and working hours, and the pool view."""

import collections
import datetime
import time

from harness import DaemonTestCase, main, wait_for

REPS = """\
  - {id: ana, calendar: always}
  - {id: fay}
  - {id: ben, max_per_day: 3}
  - {id: gus}
  - {id: cy, max_open: 2}
  - {id: eve}
  - {id: dee, calendar: closed}
  - {id: hal}
  - {id: ike}
  - {id: jo}
"""

POOLS = """\
  - id: weighted
    reps: [{id: ana, weight: 2}, fay]
  - id: daily
    reps: [ben, gus]
  - id: capped
    reps: [cy, eve]
  - id: hours
    reps: [dee, hal]
  - id: small
    reps: [ike, jo]
    max_open: 3
"""

RULES = """\
  - {name: weighted, when: {source: w}, pool: weighted}
  - {name: daily, when: {source: d}, pool: daily}
  - {name: capped, when: {source: c}, pool: capped}
  - {name: hours, when: {source: h}, pool: hours}
  - {name: small, when: {source: s}, pool: small}
  - {name: default, pool: weighted}
"""


def calendars():
    """A calendar open all day, and one whose only hour is far from now (UTC)."""
    far = (datetime.datetime.utcnow().hour + 12) % 24
    return ("calendars:\n"
            "  - {id: always, timezone: UTC, hours: {daily: \"00:00-24:00\"}}\n"
            "  - {id: closed, timezone: UTC, hours: {daily: \"%02d:00-%02d:00\"}}\n"
            % (far, far + 1))


class RotationTests(DaemonTestCase):

    conf_overrides = {"reps": REPS, "pools": POOLS, "rules": RULES, "extra": calendars()}

    def owners(self, source, n, d=None, prefix="x"):
        d = d or self.d
        return [d.lead(email="%s%d@%s.com" % (prefix, i, source), source=source)["owner"]
                for i in range(n)]

    def test_weight_two_gets_twice_the_leads_over_a_cycle(self):
        first = self.owners("w", 6)
        self.assertEqual(collections.Counter(first), {"ana": 4, "fay": 2})
        self.assertEqual(first, ["ana", "fay", "ana", "fay", "ana", "ana"])
        rest = self.owners("w", 24, prefix="y")
        counts = collections.Counter(first + rest)
        self.assertEqual(counts, {"ana": 20, "fay": 10})

    def test_weighted_fairness_holds_across_two_daemons(self):
        d2 = self.new_daemon(**self.conf_overrides)
        owners = []
        for i in range(30):
            d = (self.d, d2)[i % 2]
            owners.append(d.lead(email="z%d@w.com" % i, source="w")["owner"])
        self.assertEqual(collections.Counter(owners), {"ana": 20, "fay": 10})

    def test_rep_at_open_cap_is_skipped_until_load_drops(self):
        owners = self.owners("c", 4)
        self.assertEqual(owners, ["cy", "eve", "cy", "eve"])
        # cy holds 2 untouched leads: at cap.
        lead = self.d.lead(email="n@c.com", source="c")
        self.assertEqual(lead["owner"], "eve")
        view = self.d.get("/v1/pools/capped").json
        cy = [r for r in view["rotation"] if r["rep"] == "cy"][0]
        self.assertEqual((cy["eligible"], cy["reason"], cy["open_leads"], cy["max_open"]),
                         (False, "at_cap", 2, 2))
        # A first touch lowers the load: cy is back in the rotation.
        mine = [l for l in self.leads_of("cy")][0]
        self.assertEqual(self.d.post("/v1/leads/%s/touch" % mine, {"rep": "cy"}).status, 200)
        self.assertEqual(self.d.lead(email="m@c.com", source="c")["owner"], "cy")

    def leads_of(self, rep):
        keys = self.redis.cmd("KEYS", "lr:lead:*")
        return [k.split(":")[2] for k in keys if self.redis.cmd("HGET", k, "owner") == rep]

    def test_daily_cap(self):
        self.d.set_status("gus", "away")
        owners = self.owners("d", 4)
        self.assertEqual(owners[:3], ["ben", "ben", "ben"])
        self.assertIsNone(owners[3])          # ben at his daily cap, gus away: queued
        view = self.d.get("/v1/pools/daily").json
        ben = [r for r in view["rotation"] if r["rep"] == "ben"][0]
        self.assertEqual((ben["reason"], ben["leads_today"], ben["max_per_day"]),
                         ("daily_cap", 3, 3))
        day = datetime.datetime.utcnow().strftime("%Y-%m-%d")
        self.assertEqual(self.redis.cmd("GET", "lr:rep_day:ben:" + day), "3")
        self.assertGreater(self.redis.cmd("TTL", "lr:rep_day:ben:" + day), 86400)

    def test_leads_today_are_counted_for_every_rep(self):
        owners = [self.d.lead(email="t%d@x.com" % i, source="w")["owner"] for i in range(3)]
        self.assertEqual(sorted(owners), ["ana", "ana", "fay"])
        reps = {r["id"]: r for r in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual((reps["ana"]["leads_today"], reps["ana"]["max_per_day"]), (2, None))
        self.assertEqual((reps["fay"]["leads_today"], reps["fay"]["max_per_day"]), (1, None))
        self.assertEqual((reps["ben"]["leads_today"], reps["ben"]["max_per_day"]), (0, 3))
        self.assertEqual((reps["cy"]["max_open"], reps["ana"]["max_open"]), (2, None))
        view = {r["rep"]: r for r in self.d.get("/v1/pools/weighted").json["rotation"]}
        self.assertEqual((view["ana"]["leads_today"], view["fay"]["leads_today"]), (2, 1))

    def test_pool_cap_queues_and_a_touch_drains(self):
        leads = [self.d.lead(email="p%d@s.com" % i, source="s") for i in range(4)]
        self.assertEqual([l["status"] for l in leads], ["assigned"] * 3 + ["queued"])
        view = self.d.get("/v1/pools/small").json
        self.assertEqual((view["open_leads"], view["max_open"], view["queued"]), (3, 3, 1))
        self.assertEqual({r["reason"] for r in view["rotation"]}, {"pool_cap"})
        first = leads[0]
        self.d.post("/v1/leads/%s/touch" % first["id"], {"rep": first["owner"]})
        got = wait_for(lambda: self.d.get("/v1/leads/" + leads[3]["id"]).json["owner"],
                       timeout=3, what="the queued lead to be assigned after the touch")
        self.assertIn(got, ("ike", "jo"))

    def test_outside_hours_is_skipped(self):
        owners = self.owners("h", 3)
        self.assertEqual(owners, ["hal", "hal", "hal"])
        view = self.d.get("/v1/pools/hours").json
        dee = [r for r in view["rotation"] if r["rep"] == "dee"][0]
        self.assertEqual((dee["in_hours"], dee["eligible"], dee["reason"]),
                         (False, False, "outside_hours"))
        reps = {r["id"]: r for r in self.d.get("/v1/reps").json["reps"]}
        self.assertFalse(reps["dee"]["in_hours"])
        self.assertTrue(reps["ana"]["in_hours"])

    def test_ooo_until_ends_by_itself_and_the_queue_drains(self):
        until = datetime.datetime.utcnow() + datetime.timedelta(seconds=1.5)
        r = self.d.put("/v1/reps/ana/status", {"status": "ooo",
                                               "until": until.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "ooo")
        self.assertIsNotNone(r.json["until"])
        self.d.set_status("fay", "away")
        lead = self.d.lead(email="q@w.com", source="w")
        self.assertEqual(lead["status"], "queued")
        view = self.d.get("/v1/pools/weighted").json
        self.assertEqual({r["rep"]: r["reason"] for r in view["rotation"]},
                         {"ana": "ooo", "fay": "away"})
        got = wait_for(lambda: self.d.get("/v1/leads/" + lead["id"]).json["owner"], timeout=5,
                       what="the lead to go to ana once her time off ends")
        self.assertEqual(got, "ana")
        reps = {x["id"]: x for x in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual((reps["ana"]["status"], reps["ana"]["until"]), ("available", None))

    def test_pool_view_shows_the_rotation_order(self):
        self.owners("w", 1)     # ana took the first turn
        view = self.d.get("/v1/pools/weighted").json
        self.assertEqual(view["id"], "weighted")
        self.assertEqual(view["next"], "fay")
        self.assertEqual([r["rep"] for r in view["rotation"]], ["fay", "ana"])
        ana = [r for r in view["rotation"] if r["rep"] == "ana"][0]
        self.assertEqual((ana["weight"], ana["open_leads"], ana["eligible"], ana["reason"]),
                         (2, 1, True, None))
        self.assertEqual(view["open_leads"], 1)
        self.assertIsNone(view["max_open"])
        self.assertError(self.d.get("/v1/pools/nope"), 404, "not_found")

    def test_the_decision_records_why_each_rep_was_skipped(self):
        self.d.set_status("ana", "away")
        lead = self.d.lead(email="t@w.com", source="w")
        expected = [{"target": "pool", "pool": "weighted", "candidates": [
            {"rep": "ana", "result": "away"}, {"rep": "fay", "result": "chosen"}]}]
        self.assertEqual(lead["decision"]["targets"], expected)
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["decision"]["targets"], expected)



class HoursStartTests(DaemonTestCase):
    """A queued lead is assigned when its pool's rep starts work (within a minute here)."""

    def setUp(self):
        now = datetime.datetime.utcnow()
        start = (now + datetime.timedelta(minutes=1)).replace(second=0, microsecond=0)
        if (start - now).total_seconds() < 3:      # too close to tell the two apart
            start += datetime.timedelta(minutes=1)
        end = start + datetime.timedelta(minutes=2)
        self.start = start
        self.conf_overrides = {
            "reps": "  - {id: late, calendar: shift}\n",
            "pools": "  - {id: night, reps: [late]}\n",
            "rules": "  - {name: default, pool: night}\n",
            "extra": "calendars:\n  - {id: shift, timezone: UTC, hours: {daily: \"%s-%s\"}}\n"
                     % (start.strftime("%H:%M"), end.strftime("%H:%M")),
        }
        super().setUp()

    def test_queued_lead_is_assigned_when_hours_begin(self):
        lead = self.d.lead(email="n@x.io")
        self.assertEqual(lead["status"], "queued")
        self.assertEqual(lead["decision"]["targets"][0]["candidates"],
                         [{"rep": "late", "result": "outside_hours"}])
        wait = (self.start - datetime.datetime.utcnow()).total_seconds()
        owner = wait_for(lambda: self.d.get("/v1/leads/" + lead["id"]).json["owner"],
                         timeout=wait + 5, interval=0.2, what="the shift to start")
        self.assertEqual(owner, "late")
        assigned = self.d.get("/v1/leads/" + lead["id"]).json["assigned_at"]
        at = datetime.datetime.strptime(assigned, "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertGreaterEqual(at, self.start)
        self.assertLess((at - self.start).total_seconds(), 2.5)


if __name__ == "__main__":
    main()
