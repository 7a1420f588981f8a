"""Restarts, two daemons on one Redis, and Redis failing under the daemon."""

import collections
import threading
import time

from harness import DaemonTestCase, main, wait_for
from test_leads import ms


class RestartTests(DaemonTestCase):

    persist = True
    conf_overrides = {"route": "1500ms"}

    def test_leads_and_state_survive_a_daemon_restart(self):
        lead = self.d.lead(email="a@x.com", country="DE")
        self.d.set_status("ben", "away")
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        got = self.d.get("/v1/leads/" + lead["id"])
        self.assertEqual(got.status, 200)
        self.assertEqual(got.json["owner"], "ana")
        # ben is still away, so the rotation gives ana the next one too.
        self.assertEqual(self.d.lead(email="b@x.com", country="DE")["owner"], "ana")

    def test_deadline_that_passed_while_down_fires_after_start(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        lead = self.d.lead(email="q@x.com", country="DE")
        self.assertEqual(self.d.stop(), 0)
        time.sleep(2.0)      # the routing deadline passes while no daemon runs
        self.assertEqual(self.redis.cmd("ZCARD", "lr:escalations"), 0)
        started = time.time()
        self.d.start()
        esc = wait_for(lambda: self.d.get("/v1/escalations").json["escalations"], timeout=3,
                       what="the missed deadline to fire")
        self.assertLess(time.time() - started, 2.0)
        self.assertEqual([(e["lead"], e["clock"]) for e in esc], [(lead["id"], "route")])
        time.sleep(1.2)
        self.assertEqual(len(self.d.get("/v1/escalations").json["escalations"]), 1)


class TwoDaemonTests(DaemonTestCase):

    conf_overrides = {"route": "1s"}

    def setUp(self):
        super().setUp()
        self.d2 = self.new_daemon(route="1s")

    def test_rotation_is_shared(self):
        owners = []
        for i in range(6):
            d = (self.d, self.d2)[i % 2]
            owners.append(d.lead(email="r%d@x.com" % i, country="DE")["owner"])
        self.assertEqual(owners, ["ana", "ben"] * 3)

    def test_concurrent_load_is_assigned_once_and_fairly(self):
        results = []
        lock = threading.Lock()

        def worker(d, base):
            for i in range(50):
                r = d.post("/v1/leads", {"email": "w%d-%d@x.com" % (base, i), "country": "GB"},
                           headers={"Idempotency-Key": "k-%d" % (i % 25)} if base == 0 else None)
                with lock:
                    results.append(r)
        threads = [threading.Thread(target=worker, args=(d, n))
                   for n, d in enumerate((self.d, self.d2, self.d, self.d2))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertTrue(all(r.status in (200, 201) for r in results), results)
        created = {r.json["id"]: r.json["owner"] for r in results if r.status == 201}
        # Worker 0 repeats 25 keys: 25 leads from it, 50 from each other worker.
        self.assertEqual(len(created), 25 + 3 * 50)
        counts = collections.Counter(created.values())
        self.assertLessEqual(abs(counts["ana"] - counts["ben"]), 1, counts)
        reps = {x["id"]: x["open_leads"] for x in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual(reps["ana"] + reps["ben"], 175)

    def test_each_breach_escalates_exactly_once(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        ids = set()
        for i in range(30):
            d = (self.d, self.d2)[i % 2]
            ids.add(d.lead(email="e%d@x.com" % i, country="FR")["id"])
        wait_for(lambda: len(self.d.get("/v1/escalations?limit=100").json["escalations"]) >= 30,
                 timeout=5, what="30 escalations")
        time.sleep(1.5)
        esc = self.d.get("/v1/escalations?limit=100").json["escalations"]
        self.assertEqual(len(esc), 30)
        self.assertEqual({e["lead"] for e in esc}, ids)
        logged = self.d.events("sla_breached") + self.d2.events("sla_breached")
        self.assertEqual(sorted(b["lead"] for b in logged), sorted(ids))


class RedisOutageTests(DaemonTestCase):

    persist = True
    conf_overrides = {"redis_timeout": "500ms"}

    def test_redis_down_gives_503_and_recovery_is_automatic(self):
        before = self.d.lead(email="a@x.com", country="DE")
        self.redis.stop()
        t0 = time.monotonic()
        r = self.d.post("/v1/leads", {"email": "b@x.com", "country": "DE"})
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertError(r, 503, "unavailable")
        self.assertEqual(r.headers["retry-after"], "1")
        self.assertEqual(self.d.get("/healthz").status, 503)
        self.assertEqual(self.d.get("/v1/reps").status, 503)
        self.redis.start()
        wait_for(lambda: self.d.get("/healthz").status == 200, timeout=10,
                 what="the daemon to reconnect")
        after = self.d.lead(email="c@x.com", country="DE")
        self.assertEqual(after["owner"], "ben")      # the rotation state survived
        self.assertEqual(self.d.get("/v1/leads/" + before["id"]).status, 200)
        self.assertIn("leadrouted_redis_reconnects_total 1\n", self.d.get("/metrics").raw)
        # The refused lead was never stored.
        self.assertEqual(len(self.redis.cmd("KEYS", "lr:lead:*")), 2)

    def test_stuck_redis_times_out_instead_of_hanging(self):
        self.redis.pause(2)
        t0 = time.monotonic()
        r = self.d.post("/v1/leads", {"email": "s@x.com", "country": "DE"})
        elapsed = time.monotonic() - t0
        self.assertError(r, 503, "unavailable")
        self.assertLess(elapsed, 1.5)
        self.assertGreaterEqual(elapsed, 0.4)
        wait_for(lambda: self.d.get("/healthz").status == 200, timeout=10,
                 what="the daemon to recover")
        self.assertEqual(self.d.post("/v1/leads", {"email": "t@x.com"}).status, 201)

    def test_flushed_scripts_are_sent_again(self):
        self.assertEqual(self.d.lead(email="a@x.com", country="DE")["owner"], "ana")
        self.redis.cmd("SCRIPT", "FLUSH")
        # The EVALSHA meets NOSCRIPT; the daemon resends the source once.
        lead = self.d.lead(email="b@x.com", country="DE")
        self.assertEqual(lead["owner"], "ben")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).status, 200)
        self.assertIn("leadrouted_redis_errors_total 0\n", self.d.get("/metrics").raw)

    def test_daemon_started_before_redis_waits_for_it(self):
        self.assertEqual(self.d.stop(), 0)
        self.redis.stop()
        self.d.start(wait_redis=False)
        self.assertEqual(self.d.get("/healthz").status, 503)
        self.assertError(self.d.post("/v1/leads", {"email": "a@x.com"}), 503, "unavailable")
        self.redis.start()
        wait_for(lambda: self.d.get("/healthz").status == 200, timeout=10,
                 what="the daemon to connect")
        self.assertEqual(self.d.post("/v1/leads", {"email": "a@x.com"}).status, 201)


if __name__ == "__main__":
    main()
