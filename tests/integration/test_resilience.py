"""Restarts, two daemons on one Redis, and Redis failing under the daemon."""

import collections
import signal
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


class OutageBreachTests(DaemonTestCase):
    """A deadline that passes while no daemon can claim it still escalates, once,
    even when the clock stops (a drain, a touch) before the first claim after."""

    persist = True
    conf_overrides = {"route": "2s"}

    def setUp(self):
        super().setUp()
        self.d2 = self.new_daemon(route="2s")

    def queue_until_back(self, n, back_in):
        """n leads queued in emea, whose reps are out of office for back_in seconds."""
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + back_in))
        for rep in ("ana", "ben"):
            r = self.d.put("/v1/reps/%s/status" % rep, {"status": "ooo", "until": until})
            self.assertEqual(r.status, 200, r)
        ids = []
        for i in range(n):
            lead = (self.d, self.d2)[i % 2].lead(email="o%d@x.com" % i, country="DE")
            self.assertEqual(lead["status"], "queued")
            ids.append(lead["id"])
        return ids

    def assert_one_resolved_escalation_each(self, ids):
        def assigned():     # 503 while a daemon is still reconnecting: not yet
            got = [self.d.get("/v1/leads/" + i) for i in ids]
            ok = all(r.status == 200 and r.json["status"] == "assigned" for r in got)
            return ok and [r.json for r in got]
        leads = wait_for(assigned, timeout=20, what="the queued leads to be assigned")
        for lead in leads:
            self.assertTrue(lead["clocks"]["route"]["breached"], lead)
        wait_for(lambda: self.redis.cmd("ZCARD", "lr:escalations") >= len(ids), timeout=5,
                 what="an escalation per breached lead")
        time.sleep(1.5)     # a second claim by either daemon must add nothing
        esc = self.d.get("/v1/escalations?limit=100").json["escalations"]
        self.assertEqual(sorted(e["lead"] for e in esc), sorted(ids))
        self.assertEqual({(e["clock"], e["status"]) for e in esc}, {("route", "resolved")})
        logged = wait_for(lambda: len(self.d.events("sla_breached") + self.d2.events("sla_breached"))
                          >= len(ids) and self.d.events("sla_breached") + self.d2.events("sla_breached"),
                          what="a sla_breached line per lead")
        self.assertEqual(sorted(b["lead"] for b in logged), sorted(ids))
        breaches = self.redis.cmd("HGET", "lr:sla_breaches", "route|pool|emea")
        self.assertEqual(int(breaches), len(ids))

    def test_queued_leads_due_while_both_daemons_were_killed_escalate_once(self):
        ids = self.queue_until_back(5, 3)
        self.assertEqual(self.d.stop(signal.SIGKILL), -signal.SIGKILL)
        self.assertEqual(self.d2.stop(signal.SIGKILL), -signal.SIGKILL)
        time.sleep(4.2)     # the route deadlines pass, then the reps come back
        self.d.start()
        self.d2.start()
        self.assert_one_resolved_escalation_each(ids)

    def test_queued_leads_due_while_redis_was_killed_escalate_once(self):
        ids = self.queue_until_back(5, 3)
        self.redis.proc.kill()
        self.redis.proc.wait()
        time.sleep(4.2)
        self.redis.start()
        self.assert_one_resolved_escalation_each(ids)


class OutageTouchTests(DaemonTestCase):
    """A touch that stops a first-touch clock after its due time, before any claim
    saw the deadline, still leaves exactly one escalation, resolved by the touch."""

    conf_overrides = {"first_touch": "1500ms"}

    def test_touch_before_the_first_claim_after_an_outage_escalates_once(self):
        d2 = self.new_daemon(first_touch="1500ms")
        lead = self.d.lead(email="t@x.com", country="DE")
        member = "first_touch:" + lead["id"]
        self.assertIsNotNone(self.redis.cmd("ZSCORE", "lr:deadlines", member))
        self.assertEqual(self.d.stop(signal.SIGKILL), -signal.SIGKILL)
        self.assertEqual(d2.stop(signal.SIGKILL), -signal.SIGKILL)
        time.sleep(2.0)     # due while no daemon runs
        # The first claim after the outage comes after the touch: hold the
        # deadline out of its reach until the touch has stopped the clock.
        self.redis.cmd("ZADD", "lr:deadlines", "XX", str(int(time.time() * 1000) + 3600000), member)
        self.d.start()
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": lead["owner"]})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(self.redis.cmd("ZSCORE", "lr:deadlines", member))
        esc = wait_for(lambda: self.d.get("/v1/escalations").json["escalations"], timeout=3,
                       what="the owed escalation")
        time.sleep(1.2)
        esc = self.d.get("/v1/escalations").json["escalations"]
        self.assertEqual([(e["lead"], e["clock"], e["status"], e["resolved_by"]) for e in esc],
                         [(lead["id"], "first_touch", "resolved", "touched")])
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertTrue(got["clocks"]["first_touch"]["breached"])
        self.assertEqual(got["open_escalations"], [])


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
                # Worker 0 sends each of its 25 leads twice, under the same key.
                n = i % 25 if base == 0 else i
                r = d.post("/v1/leads", {"email": "w%d-%d@x.com" % (base, n), "country": "GB"},
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


class FrozenRedisTests(DaemonTestCase):
    """Redis frozen with the default 2 s timeout: new requests are not queued
    behind the dead connection, nor behind a reconnect the kernel accepted."""

    def test_frozen_redis_is_failed_fast(self):
        # SIGSTOP: the kernel still accepts connections, nothing answers.
        slow = self.d.lead(email="f0@x.com", country="DE")
        self.redis.proc.send_signal(signal.SIGSTOP)
        try:
            first = threading.Thread(target=self.d.post, args=("/v1/leads",
                                     {"email": "f1@x.com", "country": "DE"}))
            first.start()   # in flight: it may wait its timeout
            time.sleep(0.7)
            answers = []
            for i in range(8):   # across the first timeout, the drop and reconnects
                t0 = time.monotonic()
                r = self.d.post("/v1/leads", {"email": "g%d@x.com" % i, "country": "DE"})
                answers.append((r.status, time.monotonic() - t0))
                time.sleep(0.4)
            first.join()
        finally:
            self.redis.proc.send_signal(signal.SIGCONT)
        self.assertEqual([a[0] for a in answers], [503] * 8, answers)
        self.assertLess(max(a[1] for a in answers), 1.0, answers)
        wait_for(lambda: self.d.get("/healthz").status == 200, timeout=10,
                 what="the daemon to recover")
        self.assertEqual(self.d.post("/v1/leads", {"email": "h@x.com"}).status, 201)
        self.assertEqual(self.d.get("/v1/leads/" + slow["id"]).status, 200)


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
        libraries = self.redis.cmd("FUNCTION", "LIST")
        self.assertEqual(len(libraries), 1, libraries)
        self.redis.cmd("FUNCTION", "FLUSH")
        # The FCALL finds no function; the daemon loads its library again and
        # calls once more.
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
