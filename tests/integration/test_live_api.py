"""What a live view reads: every pool at a glance (GET /v1/pools) and the SLA
clocks running now, soonest due first (GET /v1/clocks)."""

import os
import statistics
import time

from harness import DaemonTestCase, main, wait_for
from test_auth import TOKENS, tokens_file
from test_leads import ms

POOLS = """\
  - id: emea
    reps: [ana, ben]
    max_open: 50
  - id: amer
    reps: [cy, dee]
"""

POOL_KEYS = {"id", "queued", "oldest_queued_at", "oldest_queued_age_ms", "open_leads",
             "max_open", "next", "eligible_reps", "reps"}
CLOCK_KEYS = {"lead", "clock", "owner", "pool", "started_at", "due_at", "duration_ms",
              "remaining_ms", "state", "escalation"}


class LiveCase(DaemonTestCase):

    conf_overrides = {"pools": POOLS}

    def pools(self):
        r = self.d.get("/v1/pools")
        self.assertEqual(r.status, 200, r)
        return r.json["pools"]

    def pool(self, pool_id):
        return [p for p in self.pools() if p["id"] == pool_id][0]

    def clocks(self, query=""):
        r = self.d.get("/v1/clocks" + query)
        self.assertEqual(r.status, 200, r)
        return r.json

    def queue_amer(self):
        """cy and dee away: leads of the default rule wait in amer's queue."""
        self.d.set_status("cy", "away")
        self.d.set_status("dee", "away")


class PoolsListTests(LiveCase):

    def test_every_pool_in_config_order_with_its_counts(self):
        self.d.lead(email="a@x.com", country="DE")
        pools = self.pools()
        self.assertEqual([p["id"] for p in pools], ["emea", "amer"])
        for p in pools:
            self.assertEqual(set(p), POOL_KEYS, p)
        emea, amer = pools
        self.assertEqual(emea, {"id": "emea", "queued": 0, "oldest_queued_at": None,
                                "oldest_queued_age_ms": None, "open_leads": 1, "max_open": 50,
                                "next": "ben", "eligible_reps": 2, "reps": 2})
        self.assertEqual(amer, {"id": "amer", "queued": 0, "oldest_queued_at": None,
                                "oldest_queued_age_ms": None, "open_leads": 0, "max_open": None,
                                "next": "cy", "eligible_reps": 2, "reps": 2})

    def test_next_and_loads_agree_with_the_pool_view(self):
        for i in range(3):
            self.d.lead(email="n%d@x.com" % i, country="DE")
        self.d.set_status("cy", "away")
        for p in self.pools():
            view = self.d.get("/v1/pools/" + p["id"]).json
            self.assertEqual((p["next"], p["open_leads"], p["queued"], p["max_open"]),
                             (view["next"], view["open_leads"], view["queued"], view["max_open"]))
            self.assertEqual(p["eligible_reps"],
                             sum(1 for r in view["rotation"] if r["eligible"]), p)
        self.assertEqual((self.pool("amer")["next"], self.pool("amer")["eligible_reps"]),
                         ("dee", 1))

    def test_queued_leads_show_the_oldest_arrival_and_its_age(self):
        self.queue_amer()
        first = self.d.lead(email="q1@x.com", country="US")
        time.sleep(0.3)
        self.d.lead(email="q2@x.com", country="US")
        before = int(time.time() * 1000)
        amer = self.pool("amer")
        after = int(time.time() * 1000)
        self.assertEqual((amer["queued"], amer["next"], amer["eligible_reps"], amer["reps"]),
                         (2, None, 0, 2))
        self.assertEqual(amer["oldest_queued_at"], first["received_at"])
        arrived = ms(first["received_at"])
        self.assertGreaterEqual(amer["oldest_queued_age_ms"], before - arrived - 50)
        self.assertLessEqual(amer["oldest_queued_age_ms"], after - arrived + 50)
        self.assertGreaterEqual(amer["oldest_queued_age_ms"], 300)
        self.assertIsNone(self.pool("emea")["oldest_queued_at"])

    def test_the_oldest_is_the_head_still_queued(self):
        self.queue_amer()
        first = self.d.lead(email="h1@x.com", country="US")
        second = self.d.lead(email="h2@x.com", country="US")
        # The first lead's hash expired while it waited: the drain drops such members lazily.
        self.redis.cmd("DEL", "lr:lead:" + first["id"])
        amer = self.pool("amer")
        self.assertEqual(amer["oldest_queued_at"], second["received_at"])
        self.d.set_status("cy", "available")
        amer = wait_for(lambda: self.pool("amer")["queued"] == 0 and self.pool("amer"),
                        what="the queue to drain")
        self.assertEqual((amer["oldest_queued_at"], amer["oldest_queued_age_ms"]), (None, None))

    def test_rep_token_may_not_list_pools(self):
        path = os.path.join(self.tmp, "tokens")
        tokens_file(path)
        d = self.new_daemon(pools=POOLS, extra="auth:\n  tokens: file:%s\n" % path)
        d.token = TOKENS["ana"]
        self.assertError(d.get("/v1/pools"), 403, "forbidden")
        d.token = TOKENS["manager"]
        self.assertEqual(d.get("/v1/pools").status, 200)


SCALE_REPS = "".join("  - {id: r%03d}\n" % i for i in range(200))
SCALE_POOLS = "".join("  - id: p%d\n    reps: [%s]\n    max_open: 1000\n"
                      % (p, ", ".join("r%03d" % i for i in range(200))) for p in range(10))


class PoolsScaleTests(LiveCase):

    conf_overrides = {"reps": SCALE_REPS, "pools": SCALE_POOLS,
                      "rules": "  - name: default\n    pool: p0\n"}

    def test_ten_pools_of_two_hundred_reps_in_one_redis_call(self):
        for i in range(20):
            self.d.lead(email="s%d@x.com" % i)
        self.d.set_status("r000", "away")
        # Every command Redis runs, for the count below.
        self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
        self.redis.cmd("CONFIG", "SET", "slowlog-max-len", "10000")
        self.redis.cmd("SLOWLOG", "RESET")
        times = []
        for _ in range(7):
            t = time.monotonic()
            pools = self.pools()
            times.append(time.monotonic() - t)
        log = self.redis.cmd("SLOWLOG", "GET", "10000")
        self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        self.assertEqual([p["id"] for p in pools], ["p%d" % i for i in range(10)])
        self.assertEqual((pools[0]["open_leads"], pools[0]["reps"], pools[0]["eligible_reps"]),
                         (20, 200, 199))
        # The view does not grow in round trips with the reps: one call of its
        # script per request. (Its time is printed, not asserted: a loaded
        # machine would make a time limit fail at random.)
        calls = [e[3] for e in log if e[3][0].upper() == "FCALL" and e[3][1].startswith("pools_")]
        self.assertEqual(len(calls), 7, calls)
        print("GET /v1/pools, 10 pools of 200 reps: median %.1f ms" %
              (statistics.median(times) * 1000), flush=True)


class ClocksTests(LiveCase):

    def test_running_clocks_soonest_due_first_with_their_shape(self):
        assigned = self.d.lead(email="a@x.com", country="DE")      # first_touch: 1h
        self.queue_amer()
        queued = self.d.lead(email="q@x.com", country="US")         # route: 5m
        body = self.clocks()
        self.assertEqual(set(body), {"clocks", "generated_at", "at_risk_below_pct", "partial"})
        self.assertEqual((body["at_risk_below_pct"], body["partial"]), (25, False))
        now = ms(body["generated_at"])
        self.assertLess(abs(now - time.time() * 1000), 2000)
        clocks = body["clocks"]
        self.assertEqual([(c["lead"], c["clock"]) for c in clocks],
                         [(queued["id"], "route"), (assigned["id"], "first_touch")])
        for c in clocks:
            self.assertEqual(set(c), CLOCK_KEYS, c)
        q, a = clocks
        self.assertEqual((q["owner"], q["pool"], q["duration_ms"], q["state"], q["escalation"]),
                         (None, "amer", 300000, "on_track", None))
        self.assertEqual((a["owner"], a["pool"], a["duration_ms"], a["state"], a["escalation"]),
                         ("ana", "emea", 3600000, "on_track", None))
        for c, lead in ((q, queued), (a, assigned)):
            mine = lead["clocks"][c["clock"]]
            self.assertEqual((c["started_at"], c["due_at"]), (mine["started_at"], mine["due_at"]))
            self.assertEqual(c["remaining_ms"], ms(c["due_at"]) - now)

    def test_stopped_clocks_are_gone(self):
        lead = self.d.lead(email="t@x.com", country="DE")
        self.assertEqual(len(self.clocks()["clocks"]), 1)
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.clocks()["clocks"], [])

    def test_limit_keeps_the_soonest(self):
        leads = []
        for i in range(5):
            leads.append(self.d.lead(email="l%d@x.com" % i, country="DE"))
            time.sleep(0.005)
        body = self.clocks("?limit=3")
        self.assertEqual([c["lead"] for c in body["clocks"]], [l["id"] for l in leads[:3]])
        self.assertEqual(len(self.clocks()["clocks"]), 5)

    def test_filters_by_pool_owner_and_state(self):
        ana = self.d.lead(email="f1@x.com", country="DE")
        ben = self.d.lead(email="f2@x.com", country="DE")
        cy = self.d.lead(email="f3@x.com", country="US")
        self.queue_amer()
        queued = self.d.lead(email="f4@x.com", country="US")

        def leads(query):
            return [c["lead"] for c in self.clocks(query)["clocks"]]
        self.assertEqual(leads("?pool=emea"), [ana["id"], ben["id"]])
        self.assertEqual(leads("?pool=amer"), [queued["id"], cy["id"]])
        self.assertEqual(leads("?owner=ben"), [ben["id"]])
        self.assertEqual(leads("?owner=cy&pool=amer"), [cy["id"]])
        self.assertEqual(leads("?owner=cy&pool=emea"), [])
        self.assertEqual(leads("?pool=nowhere"), [])
        self.assertEqual(leads("?state=on_track"), [queued["id"], ana["id"], ben["id"], cy["id"]])
        self.assertEqual(leads("?state=breached"), [])
        self.assertEqual(leads("?state=at_risk&limit=1"), [])

    def test_reminders_and_levels_are_not_clocks(self):
        d = self.new_daemon(pools=POOLS, ft_extra={"remind_before": "30m"})
        lead = d.lead(email="m@x.com", country="DE")
        # Not yet due, so no claim takes them while the test reads.
        later = int(time.time() * 1000) + 600000
        self.redis.cmd("ZADD", "lr:deadlines", later, "esc:7",
                       later + 1, "owed:first_touch:%s:1:touched:ana" % lead["id"])
        members = self.redis.cmd("ZRANGE", "lr:deadlines", "0", "-1")
        self.assertIn("remind:first_touch:" + lead["id"], members)
        body = d.get("/v1/clocks").json
        self.assertEqual([(c["lead"], c["clock"]) for c in body["clocks"]],
                         [(lead["id"], "first_touch")])

    def test_the_read_is_bounded(self):
        lead = self.d.lead(email="b@x.com", country="DE")
        # 2500 deadlines due before it (not yet due, so no claim takes them)
        # whose leads are gone: never more than 2000 are read.
        later = int(time.time() * 1000) + 600000
        stale = []
        for i in range(2500):
            stale += [later + i, "first_touch:gone%04d" % i]
        self.redis.cmd("ZADD", "lr:deadlines", *stale)
        body = self.clocks()
        self.assertEqual((body["clocks"], body["partial"]), ([], True))
        body = self.clocks("?state=breached")      # before now: none of them read
        self.assertEqual((body["clocks"], body["partial"]), ([], False))
        self.redis.cmd("ZREMRANGEBYRANK", "lr:deadlines", "0", "599")
        body = self.clocks()
        self.assertEqual(([c["lead"] for c in body["clocks"]], body["partial"]),
                         ([lead["id"]], False))

    def test_bad_parameters_are_400(self):
        for query, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=x", "limit"),
                             ("limit=", "limit"), ("limit=-1", "limit"),
                             ("pool=a%20b", "pool"), ("pool=", "pool"),
                             ("owner=no%2Fbody", "owner"), ("owner=", "owner"),
                             ("state=late", "state"), ("state=", "state")):
            self.assertError(self.d.get("/v1/clocks?" + query), 400, "invalid_parameter", field)
        self.assertEqual(self.d.get("/v1/clocks?limit=500").status, 200)

    def test_redis_down_is_503(self):
        self.redis.stop()
        try:
            for path in ("/v1/clocks", "/v1/pools"):
                r = wait_for(lambda: self.d.get(path).status == 503 and self.d.get(path),
                             what="503 from " + path)
                self.assertError(r, 503, "unavailable")
                self.assertEqual(r.headers.get("retry-after"), "1")
        finally:
            self.redis.start()


class ClockStateTests(LiveCase):
    """Second-scale clocks: at risk near the due time, breached after it."""

    conf_overrides = {"pools": POOLS, "route": "1s", "first_touch": "4s"}

    def state_of(self, lead_id):
        mine = [c for c in self.clocks()["clocks"] if c["lead"] == lead_id]
        return mine[0] if mine else None

    def test_at_risk_with_a_quarter_of_the_duration_left(self):
        lead = self.d.lead(email="r@x.com", country="DE")
        c = self.state_of(lead["id"])
        self.assertEqual((c["state"], c["duration_ms"]), ("on_track", 4000))
        self.assertGreater(c["remaining_ms"], 1000)
        c = wait_for(lambda: (self.state_of(lead["id"]) or {}).get("state") == "at_risk" and
                     self.state_of(lead["id"]), timeout=4, interval=0.05, what="at risk")
        self.assertLessEqual(c["remaining_ms"], 1000)
        self.assertGreaterEqual(c["remaining_ms"], 0)
        self.assertEqual([x["lead"] for x in self.clocks("?state=at_risk")["clocks"]],
                         [lead["id"]])

    def test_a_breached_clock_still_running_is_listed_with_its_escalation(self):
        lead = self.d.lead(email="b@x.com", country="DE")
        self.queue_amer()
        waiting = self.d.lead(email="w@x.com", country="US")       # route: 1s, breaches first
        escs = wait_for(lambda: len(self.d.get("/v1/escalations").json["escalations"]) == 2 and
                        self.d.get("/v1/escalations").json["escalations"], timeout=8,
                        what="both breaches")
        ids = {e["lead"]: e["id"] for e in escs}
        # sla_claim took the deadlines away: the open escalations hold them now.
        self.assertEqual(self.redis.cmd("ZSCORE", "lr:deadlines", "first_touch:" + lead["id"]),
                         None)
        body = self.clocks()
        self.assertEqual([(c["lead"], c["clock"], c["state"], c["escalation"])
                          for c in body["clocks"]],
                         [(waiting["id"], "route", "breached", ids[waiting["id"]]),
                          (lead["id"], "first_touch", "breached", ids[lead["id"]])])
        for c in body["clocks"]:
            self.assertLess(c["remaining_ms"], 0)
            self.assertEqual(c["remaining_ms"], ms(c["due_at"]) - ms(body["generated_at"]))
        self.assertEqual(len(self.clocks("?state=breached")["clocks"]), 2)
        self.assertEqual(self.clocks("?state=on_track")["clocks"], [])
        self.assertEqual([c["lead"] for c in self.clocks("?state=breached&owner=ana")["clocks"]],
                         [lead["id"]])
        # The touch stops the clock and resolves its escalation: it is gone.
        self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        self.assertEqual([c["lead"] for c in self.clocks()["clocks"]], [waiting["id"]])
        # An acknowledged escalation's clock still runs, but is no longer watched.
        self.d.post("/v1/escalations/%s/ack" % ids[waiting["id"]], {"by": "maria"})
        self.assertEqual(self.clocks()["clocks"], [])


class ClocksRepTokenTests(LiveCase):

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        path = os.path.join(self.tmp, "tokens")
        tokens_file(path)
        self.d = self.new_daemon(pools=POOLS, extra="auth:\n  tokens: file:%s\n" % path)

    def as_(self, who):
        self.d.token = TOKENS[who]
        return self.d

    def test_a_rep_token_sees_only_its_own_leads(self):
        self.as_("ingest")
        ana = self.d.lead(email="1@x.com", country="DE")
        ben = self.d.lead(email="2@x.com", country="DE")
        ana2 = self.d.lead(email="3@x.com", country="DE")
        self.d.lead(email="4@x.com", country="US")                  # cy's
        self.as_("manager")
        self.assertEqual(len(self.clocks()["clocks"]), 4)
        self.assertEqual([c["lead"] for c in self.clocks("?owner=ben")["clocks"]], [ben["id"]])
        self.as_("ana")
        self.assertEqual([c["lead"] for c in self.clocks()["clocks"]], [ana["id"], ana2["id"]])
        self.assertEqual([c["lead"] for c in self.clocks("?owner=ana&limit=1")["clocks"]],
                         [ana["id"]])
        self.assertError(self.d.get("/v1/clocks?owner=ben"), 403, "forbidden", "owner")
        self.as_("ben")
        self.assertEqual([c["lead"] for c in self.clocks()["clocks"]], [ben["id"]])
        self.as_("ingest")
        self.assertError(self.d.get("/v1/clocks"), 403, "forbidden")

    def test_a_rep_token_does_not_see_queued_leads(self):
        self.as_("manager")
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        self.as_("ingest")
        queued = self.d.lead(email="q@x.com", country="DE")
        self.as_("manager")
        self.assertEqual([c["lead"] for c in self.clocks()["clocks"]], [queued["id"]])
        self.as_("ana")
        self.assertEqual(self.clocks()["clocks"], [])


if __name__ == "__main__":
    main()
