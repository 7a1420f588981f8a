"""Rule actions: account owners, fallback chains, fixed reps, nurture, sticky ownership."""

import datetime
import zoneinfo
from harness import BASE_REPS, DaemonTestCase, main
from test_leads import ms

ACCOUNTS = """\
accounts:
  - {domain: acme.com, owner: cy, name: Acme Inc}
scoring:
  behavior: {demo_request: 50}
"""

RULES = """\
  - name: cold
    when: {score: {lt: 10}, source: [nurture-me]}
    nurture: true
  - name: fixed
    when: {source: partner}
    rep: dee
    queue: amer
  - name: chain
    when: {source: chain}
    route:
      - pool: emea
      - pool: amer
  - name: default
    route:
      - account_owner
      - pool: emea
"""


def targets(lead):
    return lead["decision"]["targets"]


class AccountOwnerTests(DaemonTestCase):

    conf_overrides = {"extra": ACCOUNTS, "rules": RULES}

    def test_lead_goes_to_its_accounts_owner(self):
        lead = self.d.lead(email="ana@acme.com")
        self.assertEqual((lead["owner"], lead["status"]), ("cy", "assigned"))
        self.assertEqual(lead["decision"]["action"], "route")
        self.assertEqual(targets(lead), [{"target": "account_owner", "domain": "acme.com",
                                          "rep": "cy", "result": "chosen"}])
        self.assertEqual(self.d.lead(email="bo@eu.acme.com")["owner"], "cy")   # a subdomain

    def test_no_account_falls_through_to_the_pool(self):
        lead = self.d.lead(email="x@other.org")
        self.assertEqual(lead["owner"], "ana")
        self.assertEqual(targets(lead)[0], {"target": "account_owner", "domain": "other.org",
                                            "result": "no_account"})
        self.assertEqual(targets(lead)[1]["target"], "pool")
        self.assertEqual(self.d.lead(phone="+1 415 555 0100")["owner"], "ben")   # no email at all

    def test_away_owner_falls_through(self):
        self.d.set_status("cy", "away")
        lead = self.d.lead(email="ana@acme.com")
        self.assertEqual(lead["owner"], "ana")
        self.assertEqual(targets(lead)[0], {"target": "account_owner", "domain": "acme.com",
                                            "rep": "cy", "result": "away"})

    def test_accounts_api_put_get_delete(self):
        r = self.d.put("/v1/accounts/Globex.COM", {"owner": "dee", "name": "Globex"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["domain"], r.json["owner"], r.json["source"]),
                         ("globex.com", "dee", "api"))
        self.assertEqual(self.d.put("/v1/accounts/globex.com", {"owner": "ben"}).status, 200)
        got = self.d.get("/v1/accounts/globex.com").json
        self.assertEqual((got["owner"], got["name"]), ("ben", "globex.com"))
        self.assertEqual(self.d.lead(email="z@globex.com")["owner"], "ben")
        self.assertEqual(self.d.request("DELETE", "/v1/accounts/globex.com").status, 200)
        self.assertError(self.d.get("/v1/accounts/globex.com"), 404, "not_found")
        self.assertError(self.d.request("DELETE", "/v1/accounts/globex.com"), 404, "not_found")
        self.assertNotEqual(self.d.lead(email="z2@globex.com")["owner"], "dee")

    def test_config_accounts_are_seeded(self):
        acc = self.d.get("/v1/accounts/acme.com").json
        self.assertEqual((acc["owner"], acc["name"], acc["source"]), ("cy", "Acme Inc", "config"))

    def test_account_errors(self):
        self.assertError(self.d.put("/v1/accounts/acme.com", {"owner": "nobody"}), 422,
                         "invalid_field", "owner")
        self.assertError(self.d.put("/v1/accounts/acme.com", {}), 422, "missing_field", "owner")
        self.assertError(self.d.put("/v1/accounts/not_a_domain", {"owner": "ana"}), 404,
                         "not_found")
        self.assertEqual(self.d.get("/v1/accounts/acme.com").json["owner"], "cy")

    def test_import_is_all_or_nothing(self):
        bad = {"accounts": [{"domain": "a1.com", "owner": "ana"}, {"domain": "a2.com", "owner": "zed"}]}
        self.assertError(self.d.post("/v1/accounts/import", bad), 422, "invalid_field",
                         "accounts[1].owner")
        self.assertError(self.d.get("/v1/accounts/a1.com"), 404, "not_found")
        good = {"accounts": [{"domain": "a%d.com" % i, "owner": "ana", "name": "A%d" % i}
                             for i in range(250)]}
        r = self.d.post("/v1/accounts/import", good)
        self.assertEqual((r.status, r.json), (200, {"imported": 250}))
        seen, cursor = set(), None
        while True:
            page = self.d.get("/v1/accounts?limit=100" + ("&cursor=" + cursor if cursor else "")).json
            seen.update(a["domain"] for a in page["accounts"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), 251)     # and acme.com from the config
        self.assertEqual(self.d.lead(email="q@a17.com")["owner"], "ana")


class ChainAndNurtureTests(DaemonTestCase):

    conf_overrides = {"extra": ACCOUNTS, "rules": RULES}

    def test_fallback_chain_tries_the_next_pool(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        lead = self.d.lead(email="c@chain.io", source="chain")
        self.assertEqual((lead["owner"], lead["pool"]), ("cy", "amer"))
        self.assertEqual([t["pool"] for t in targets(lead)], ["emea", "amer"])
        self.assertEqual({c["result"] for c in targets(lead)[0]["candidates"]}, {"away"})

    def test_chain_with_nobody_eligible_queues_in_the_first_pool(self):
        for rep in ("ana", "ben", "cy", "dee"):
            self.d.set_status(rep, "away")
        lead = self.d.lead(email="c@chain.io", source="chain")
        self.assertEqual((lead["status"], lead["pool"], lead["owner"]), ("queued", "emea", None))
        self.assertEqual(targets(lead)[-1], {"target": "queue", "pool": "emea"})
        self.assertEqual(self.redis.cmd("ZRANGE", "lr:pool:emea:queue", 0, -1), [lead["id"]])

    def test_fixed_rep_and_its_queue(self):
        self.assertEqual([self.d.lead(email="p%d@p.io" % i, source="partner")["owner"]
                          for i in range(3)], ["dee", "dee", "dee"])
        self.d.set_status("dee", "away")
        lead = self.d.lead(email="p9@p.io", source="partner")
        self.assertEqual((lead["status"], lead["pool"]), ("queued", "amer"))
        self.assertEqual(targets(lead)[0], {"target": "rep", "rep": "dee", "result": "away"})

    def test_nurture_stores_without_routing(self):
        lead = self.d.lead(email="n@cold.io", source="nurture-me")
        self.assertEqual((lead["status"], lead["owner"], lead["pool"]), ("nurture", None, None))
        self.assertNotIn("first_touch", lead["clocks"])
        self.assertEqual(targets(lead), [{"target": "nurture"}])
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 0)
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual([e["type"] for e in got["events"]], ["received", "nurture"])
        # A hot lead from the same source is routed: the rule looks at the score.
        hot = self.d.lead(email="h@cold.io", source="nurture-me", event="demo_request")
        self.assertEqual(hot["status"], "assigned")
        self.assertIn("leadrouted_leads_nurture_total 1\n", self.d.get("/metrics").raw)


class StickyTests(DaemonTestCase):

    conf_overrides = {"extra": ACCOUNTS, "rules": RULES, "sticky": "30d"}

    def test_same_contact_goes_to_the_same_owner(self):
        first = self.d.lead(email="Sam.Lee@Example.org")
        self.assertEqual(first["owner"], "ana")
        again = self.d.lead(email="sam.lee+webinar@example.org")
        self.assertEqual(again["owner"], "ana")          # the rotation would have said ben
        self.assertEqual(targets(again)[0], {"target": "sticky", "lead": first["id"],
                                             "rep": "ana", "result": "chosen"})
        self.assertEqual(self.d.lead(email="other@example.org")["owner"], "ben")
        # The contact is keyed by a hash: no address in Redis key names.
        self.assertFalse([k for k in self.redis_keys() if "example" in k])

    def test_sticky_owner_away_uses_the_rules(self):
        first = self.d.lead(email="sam@example.org")
        self.d.set_status(first["owner"], "away")
        again = self.d.lead(email="sam@example.org")
        self.assertNotEqual(again["owner"], first["owner"])
        self.assertEqual(targets(again)[0]["result"], "away")


class ActionConfigTests(DaemonTestCase):

    def check(self, rules):
        import subprocess, os
        from harness import LEADROUTED, make_conf
        path = os.path.join(self.tmp, "actions.yaml")
        with open(path, "w") as f:
            f.write(make_conf(self.redis, rules=rules))
        p = subprocess.run([LEADROUTED, "-t", "-c", path], capture_output=True, text=True)
        return p.returncode, p.stderr

    def test_action_errors(self):
        rc, err = self.check("  - {name: d, pool: emea, rep: ana}\n")
        self.assertEqual(rc, 1)
        self.assertIn("rules[0]: more than one action; use one of: pool, rep, route or nurture", err)
        rc, err = self.check("  - {name: d}\n")
        self.assertIn("rules[0]: missing an action: pool, rep, route or nurture", err)
        rc, err = self.check("  - {name: d, rep: ana}\n")
        self.assertIn("rules[0]: no pool to queue in: add queue: POOL", err)
        rc, err = self.check("  - {name: d, route: [account_owner, {pool: apac}]}\n")
        self.assertIn("rules[0].route[1].pool: unknown pool \"apac\"", err)
        rc, err = self.check("  - {name: d, nurture: true, queue: emea}\n")
        self.assertIn("rules[0].queue: a nurture rule routes nothing, so it has no queue", err)


class SimulateTests(DaemonTestCase):

    conf_overrides = {"extra": ACCOUNTS, "rules": RULES, "sticky": "30d"}

    def snapshot(self):
        """Every key with its type and contents."""
        out = {}
        for k in self.redis_keys():
            t = self.redis.cmd("TYPE", k)
            if t == "hash":
                v = sorted(self.redis.cmd("HGETALL", k))
            elif t == "string":
                v = self.redis.cmd("GET", k)
            elif t == "zset":
                v = self.redis.cmd("ZRANGE", k, 0, -1, "WITHSCORES")
            elif t == "stream":
                v = self.redis.cmd("XLEN", k)
            else:
                v = t
            out[k] = (t, v)
        return out

    def test_simulate_changes_nothing_and_predicts_the_decision(self):
        self.d.lead(email="seed@x.io")            # some state to keep
        self.d.set_status("cy", "away")
        before = self.snapshot()
        sims = [self.d.post("/v1/route/simulate", {"email": "s@acme.com", "event": "demo_request"})
                for _ in range(3)]
        self.assertEqual(self.snapshot(), before)
        for r in sims:
            self.assertEqual(r.status, 200, r)
            self.assertIs(r.json["simulated"], True)
            self.assertIsNone(r.json["id"])
        sim = sims[0].json
        self.assertEqual((sim["status"], sim["owner"], sim["rule"]), ("assigned", "ben", "default"))
        self.assertEqual(sim["decision"]["targets"][0],
                         {"target": "account_owner", "domain": "acme.com", "rep": "cy",
                          "result": "away"})
        self.assertEqual(sim["score"], 50)
        real = self.d.lead(email="s@acme.com", event="demo_request")
        self.assertEqual((real["owner"], real["decision"]["targets"]),
                         (sim["owner"], sim["decision"]["targets"]))

    def test_simulate_of_a_queued_and_a_nurtured_lead(self):
        for rep in ("ana", "ben"):
            self.d.set_status(rep, "away")
        sim = self.d.post("/v1/route/simulate", {"email": "q@x.io"}).json
        self.assertEqual((sim["status"], sim["pool"], sim["owner"]), ("queued", "emea", None))
        sim = self.d.post("/v1/route/simulate", {"email": "n@x.io", "source": "nurture-me"}).json
        self.assertEqual(sim["status"], "nurture")
        self.assertEqual(self.redis.cmd("ZCARD", "lr:pool:emea:queue"), 0)

    def test_simulate_shows_the_clocks_it_would_start(self):
        sim = self.d.post("/v1/route/simulate", {"email": "c@x.io", "country": "DE"}).json
        ft = sim["clocks"]["first_touch"]
        self.assertTrue(ft["running"])
        self.assertEqual(ft["owner"], sim["owner"])
        self.assertEqual(ms(ft["due_at"]) - ms(ft["started_at"]), 3600000)
        self.assertFalse(sim["clocks"]["route"]["running"])       # assigned at once
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 0)

    def test_simulate_refuses_bad_input(self):
        self.assertError(self.d.post("/v1/route/simulate", {"first_name": "x"}), 422,
                         "missing_field", "email")
        self.assertError(self.d.post("/v1/route/simulate", "{", headers={"Content-Type":
                                     "application/json"}), 400, "malformed_json")
        for at in ("tomorrow", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"):
            self.assertError(self.d.post("/v1/route/simulate?at=" + at, {"email": "a@x.io"}),
                             422, "invalid_field", "at")


BERLIN = """\
calendars:
  - {id: berlin, timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
"""


class SimulateAsOfTests(DaemonTestCase):
    """What if this arrived Friday 18:30? Working hours and due times as of then."""

    conf_overrides = {"extra": BERLIN, "reps": BASE_REPS.replace(
        "    name: Ben Okafor\n", "    name: Ben Okafor\n    calendar: berlin\n").replace(
        "    name: Ana Ruiz\n", "    name: Ana Ruiz\n    calendar: berlin\n")}

    def at(self, days_ahead, weekday, hhmm):
        """The next given weekday (0 Monday) at least days_ahead away, at hh:mm Berlin
        time (UTC+1 in winter, +2 in summer), as RFC 3339 in UTC."""
        d = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days_ahead)
        while d.weekday() != weekday:
            d += datetime.timedelta(1)
        h, m = map(int, hhmm.split(":"))
        local = datetime.datetime(d.year, d.month, d.day, h, m, tzinfo=zoneinfo.ZoneInfo(
            "Europe/Berlin"))
        return local.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def test_friday_evening_waits_for_monday(self):
        lead = {"email": "fri@x.io", "country": "DE"}
        evening = self.d.post("/v1/route/simulate?at=" + self.at(1, 4, "18:30"), lead).json
        self.assertEqual((evening["status"], evening["owner"]), ("queued", None))
        self.assertEqual([c["result"] for c in evening["decision"]["targets"][0]["candidates"]],
                         ["outside_hours", "outside_hours"])
        morning = self.d.post("/v1/route/simulate?at=" + self.at(1, 0, "10:00"), lead).json
        self.assertEqual((morning["status"], morning["owner"]), ("assigned", "ana"))
        ft = morning["clocks"]["first_touch"]
        self.assertEqual(ft["started_at"], self.at(1, 0, "10:00").replace("Z", ".000Z"))
        self.assertEqual(ms(ft["due_at"]) - ms(ft["started_at"]), 3600000)
        # An hour before closing, the first touch runs over into the next working day.
        late = self.d.post("/v1/route/simulate?at=" + self.at(1, 0, "16:30"), lead).json
        self.assertEqual(late["clocks"]["first_touch"]["due_at"],
                         self.at(1, 1, "09:30").replace("Z", ".000Z"))
        self.assertEqual(self.redis.cmd("ZCARD", "lr:deadlines"), 0)


if __name__ == "__main__":
    main()
