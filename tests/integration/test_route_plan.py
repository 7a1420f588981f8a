"""A rule's route plan (daemon/engine/route_plan.c, daemon/lua/lib/route_plan.lua):
the daemon sends each lead's route call with its rule's plan key and the plan
itself only when the script asks ({6}); the script keeps parsed plans across
calls, per key prefix. Seen from outside: the calls Redis receives (MONITOR)
and where leads go."""

import signal
import socket

from harness import DaemonTestCase, main, make_conf, wait_for


class Monitor:
    """Redis's MONITOR feed: the route calls it saw, as argument lists."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"*1\r\n$7\r\nMONITOR\r\n")
        self.f = self.sock.makefile("rb")
        self.f.readline()                           # +OK
        self.sock.settimeout(5)

    def route_calls(self, lead_ids):
        """The route calls that carry one of lead_ids, until each has one that
        routed it (read until the leads' own writes show)."""
        calls = {i: [] for i in lead_ids}
        stored = set()
        while stored != set(lead_ids):
            line = self.f.readline().decode("latin-1")
            args = line.split('"')[1::2]
            if not args:
                continue
            if args[0] == "FCALL" and args[1].startswith("route_"):
                for i in lead_ids:
                    if i in args:
                        calls[i].append(args)
            elif args[0] == "HSET" and args[1].split(":")[-1] in lead_ids and "[0 lua]" in line:
                stored.add(args[1].split(":")[-1])
        return calls

    def close(self):
        self.sock.close()


class RoutePlanTest(DaemonTestCase):

    def post(self, d, **fields):
        """Post a lead with a known id (the monitor looks for it)."""
        return d.lead(email="%s@example.com" % fields.pop("who"), **fields)

    def test_the_plan_goes_once_then_only_its_key(self):
        # A plan no earlier test made (the library, and what it keeps, outlive
        # FLUSHALL): a first touch of its own length.
        self.d.stop()
        self.d = self.new_daemon(first_touch="61m")
        mon = Monitor(self.redis.port)
        try:
            # Learn the ids first: the monitor sees ids, not emails.
            a = self.post(self.d, who="first", country="DE")
            b = self.post(self.d, who="second", country="DE")
            calls = mon.route_calls([a["id"], b["id"]])
        finally:
            mon.close()
        first, second = calls[a["id"]], calls[b["id"]]
        # The first lead of the rule: asked without the plan, then with it.
        self.assertEqual(len(first), 2, first)
        self.assertGreater(len(first[1]), len(first[0]))
        # The same plan key, at the end of the first and before the plan in the second.
        self.assertEqual(first[1][len(first[0]) - 1], first[0][-1])
        # The next: its key alone, which the script knows now.
        self.assertEqual(len(second), 1, second)
        self.assertEqual(len(second[0]), len(first[0]))
        self.assertEqual({a["owner"], b["owner"]}, {"ana", "ben"})

    def test_a_library_loaded_again_gets_the_plan_again(self):
        self.assertEqual(self.d.lead(email="x1@example.com", country="DE")["status"], "assigned")
        # A flushed library forgets its plans: the daemon loads it again, the
        # script asks for the plan, and the lead is routed all the same.
        self.redis.cmd("FUNCTION", "FLUSH")
        lead = self.d.lead(email="x2@example.com", country="DE")
        self.assertEqual(lead["status"], "assigned")
        self.assertEqual(self.d.get("/v1/leads/%s" % lead["id"]).json["owner"], lead["owner"])
        # A simulation too: it asks for the plan the same way, and changes nothing.
        self.redis.cmd("FUNCTION", "FLUSH")
        keys = self.redis_keys()
        sim = self.d.post("/v1/route/simulate", {"email": "x3@example.com", "country": "FR"})
        self.assertEqual(sim.status, 200, sim)
        self.assertEqual(sim.json["rule"], "emea", sim)
        self.assertIn(sim.json["owner"], ("ana", "ben"), sim)
        self.assertEqual(self.redis_keys(), keys)

    def test_a_changed_config_routes_by_its_own_plan(self):
        self.assertEqual(self.d.lead(email="y1@example.com", country="GB")["owner"], "ana")
        # The same rule, another pool behind it: a new plan, a new key.
        self.d.write_conf(make_conf(self.redis, rules="""\
  - name: emea
    when:
      country: [DE, FR, GB]
    pool: amer
  - name: default
    pool: amer
"""))
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.events("config_reloaded"), what="reload")
        owners = {self.d.lead(email="y%d@example.com" % n, country="GB")["owner"]
                  for n in range(2, 6)}
        self.assertEqual(owners, {"cy", "dee"})

    def test_a_big_config_keeps_a_plan_for_each_rule(self):
        # 80 rules, each its own rep: 80 plans in use, all kept.
        n = 80
        reps = "".join("  - {id: r%d, name: Rep %d}\n" % (k, k) for k in range(n))
        rules = "".join("  - name: s%d\n    when: {source: s%d}\n    rep: r%d\n    queue: emea\n"
                        % (k, k, k) for k in range(n)) + "  - name: default\n    pool: emea\n"
        self.d.stop()
        self.d = self.new_daemon(reps=reps, pools="  - id: emea\n    reps: [r0]\n", rules=rules,
                                 first_touch="62m")
        for k in range(n):
            self.assertEqual(self.d.lead(email="a%d@example.com" % k, source="s%d" % k)["owner"],
                             "r%d" % k)
        mon = Monitor(self.redis.port)
        try:
            ids = [self.d.lead(email="b%d@example.com" % k, source="s%d" % k)["id"]
                   for k in range(n)]
            calls = mon.route_calls(ids)
        finally:
            mon.close()
        # Every plan known: one call each, none asked for its plan again.
        self.assertEqual(sorted({len(c) for c in calls.values()}), [1], calls)

    def test_daemons_of_two_prefixes_keep_to_their_own_keys(self):
        # Both configs give the same plan, so the same key: what the script
        # works out from a plan (the day counts it reads for a daily cap)
        # must follow each daemon's key prefix.
        reps = "  - {id: ana, name: Ana, max_per_day: 1}\n  - {id: ben, name: Ben, max_per_day: 1}\n"
        pools = "  - id: emea\n    reps: [ana, ben]\n  - id: amer\n    reps: [ana]\n"
        self.d.stop()
        one = self.new_daemon(reps=reps, pools=pools)
        two = self.new_daemon(reps=reps, pools=pools, prefix="other")
        # One's reps reach their daily caps; two's have taken nothing yet.
        self.assertEqual({one.lead(email="p%d@example.com" % n, country="DE")["owner"]
                          for n in range(2)}, {"ana", "ben"})
        self.assertEqual(one.lead(email="p2@example.com", country="DE")["status"], "queued")
        lead = two.lead(email="q0@example.com", country="DE")
        self.assertEqual(lead["status"], "assigned", lead)
        self.assertEqual(self.redis.cmd("GET", "other:rep_day:%s:%s" % (
            lead["owner"], self.redis.cmd("KEYS", "other:rep_day:*")[0].rsplit(":", 1)[1])), "1")


if __name__ == "__main__":
    main()
