"""GET /v1/leads: leads found by owner (after reassignment and drains too)
or by the start of their company's name, newest first, paged, a rep's token
seeing its own; erasure and expiry taking leads out of the indexes. And GET
/v1/definitions/config/{config_version}: the definitions a decision's config
ran with."""

import hashlib
import os
import signal
import time
from urllib.parse import quote

import test_crm_activity
from harness import DaemonTestCase, main, make_conf, wait_for

SUMMARY_KEYS = {"id", "received_at", "status", "stage", "owner", "pool", "company", "name",
                "score", "grade"}

TOKENS = {
    "ana": "rep-ana-token-0123456789abcdef0123456789",
    "manager": "manager-token-0123456789abcdef012345678",
    "admin": "admin-token-0123456789abcdef0123456789ab",
    "ingest": "ingest-token-0123456789abcdef0123456789",
}


def search_path(**params):
    return "/v1/leads?" + "&".join("%s=%s" % (k, quote(str(v))) for k, v in params.items())


class LeadSearchTests(DaemonTestCase):

    def setUp(self):
        super().setUp()
        # Newest first is by arrival to the millisecond (then by id, random
        # within one): a lead a millisecond after the one before.
        made = self.d.lead

        def lead(**fields):
            out = made(**fields)
            time.sleep(0.002)
            return out
        self.d.lead = lead

    def search(self, **params):
        r = self.d.get(search_path(**params))
        self.assertEqual(r.status, 200, (params, r))
        return r.json

    def ids(self, **params):
        return [x["id"] for x in self.search(**params)["leads"]]

    def lead(self, company, country="DE", **fields):
        return self.d.lead(email="x%d@example.com" % len(self.redis_keys()), country=country,
                           company=company, **fields)["id"]

    def test_a_reps_leads_newest_first_as_summaries(self):
        # emea's rotation alternates ana and ben.
        made = [self.d.lead(email="p%d@example.com" % i, phone="+4930123456%d" % i,
                            country="DE", company="Firm %d" % i, first_name="Pat",
                            last_name="Lee%d" % i) for i in range(4)]
        ana = [m for m in made if m["owner"] == "ana"]
        self.assertEqual(len(ana), 2)
        got = self.search(owner="ana")
        self.assertEqual([x["id"] for x in got["leads"]], [m["id"] for m in reversed(ana)])
        self.assertIsNone(got["next_cursor"])
        first = got["leads"][0]
        self.assertEqual(set(first), SUMMARY_KEYS)
        i = made.index(ana[-1])
        self.assertEqual(first, {
            "id": ana[-1]["id"], "received_at": ana[-1]["received_at"], "status": "assigned",
            "stage": "mql", "owner": "ana", "pool": "emea", "company": "Firm %d" % i,
            "name": "Pat Lee%d" % i, "score": 0, "grade": None})
        self.assertNotIn("@", self.d.get(search_path(owner="ana")).raw)
        self.assertEqual(self.ids(owner="cy"), [])

    def test_a_name_is_what_the_lead_has_of_it(self):
        only_first = self.lead("Solo", first_name="Ada")
        neither = self.lead("Solo")
        got = {x["id"]: x["name"] for x in self.search(company="solo")["leads"]}
        self.assertEqual(got, {only_first: "Ada", neither: None})

    def test_a_company_is_found_by_the_start_of_its_name_in_any_case(self):
        inc = self.lead("Acme Inc")
        corp = self.lead("  ACME   Corp ")
        ville = self.lead("Acmeville")
        globex = self.lead("Globex")
        self.lead("Not Acme")
        nameless = self.d.lead(email="nobody@example.com", country="DE")["id"]
        self.assertEqual(self.ids(company="acme"), [ville, corp, inc])
        self.assertEqual(self.ids(company="ACME c"), [corp])
        self.assertEqual(self.ids(company="acme corp"), [corp])
        self.assertEqual(self.ids(company="Acme  Inc"), [inc])
        self.assertEqual(self.ids(company="glob"), [globex])
        self.assertEqual(self.ids(company="initech"), [])
        self.assertNotIn(nameless, self.ids(company="n"))
        # The summary shows the company as the lead has it.
        self.assertEqual(self.search(company="acme c")["leads"][0]["company"], "ACME   Corp")

    def test_owner_and_company_together(self):
        a1 = self.lead("Acme")       # ana
        self.lead("Acme")            # ben
        self.lead("Globex")          # ana
        self.assertEqual(self.ids(owner="ana", company="acm"), [a1])

    def test_status_filters(self):
        a = self.lead("Stat")        # ana
        b = self.lead("Stat")        # ben
        r = self.d.post("/v1/leads/%s/touch" % b, {"rep": "ben", "channel": "call"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.ids(company="stat", status="touched"), [b])
        self.assertEqual(self.ids(company="stat", status="assigned"), [a])
        self.assertEqual(self.ids(company="stat", status="assigned,touched"), [b, a])
        self.assertEqual(self.ids(company="stat", status="queued"), [])

    def test_pages_follow_the_cursor_to_the_end(self):
        made = [self.lead("Pager") for _ in range(5)]
        for params, expect in ((dict(company="pager"), list(reversed(made))),
                               (dict(owner="ana"), list(reversed(made[0::2])))):
            seen, cursor, pages = [], None, 0
            while True:
                p = dict(params, limit=2)
                if cursor:
                    p["cursor"] = cursor
                got = self.search(**p)
                self.assertLessEqual(len(got["leads"]), 2)
                seen += [x["id"] for x in got["leads"]]
                pages += 1
                cursor = got["next_cursor"]
                if cursor is None:
                    break
            self.assertEqual(seen, expect, params)
            self.assertEqual(pages, (len(expect) + 1) // 2, params)

    def test_a_page_reads_at_most_200_entries_and_says_where_to_go_on(self):
        touched = self.lead("Big Co")
        r = self.d.post("/v1/leads/%s/touch" % touched, {"rep": "ana", "channel": "call"})
        self.assertEqual(r.status, 200, r)
        for _ in range(200):
            self.lead("Big Co")
        first = self.search(company="big", status="touched")
        self.assertEqual((first["leads"], first["next_cursor"] is not None), ([], True))
        second = self.search(company="big", status="touched", cursor=first["next_cursor"])
        self.assertEqual([x["id"] for x in second["leads"]], [touched])
        self.assertIsNone(second["next_cursor"])

    def test_pages_run_on_into_older_periods(self):
        # As if the first lead arrived in the 30-day period before this one.
        old = self.lead("Span Co")
        new = self.lead("Span Co")
        key = self.redis.cmd("KEYS", "lr:ix:company:*")[0]
        period = int(key.rsplit(":", 1)[1])
        self.redis.cmd("ZREM", key, "span co\x1f" + old)
        self.redis.cmd("ZADD", "lr:ix:company:%d" % (period - 1), 0, "span co\x1f" + old)
        first = self.search(company="span", limit=1)
        self.assertEqual([x["id"] for x in first["leads"]], [new])
        self.assertEqual(first["next_cursor"], "%d:%s" % (period, new))
        second = self.search(company="span", limit=1, cursor=first["next_cursor"])
        self.assertEqual([x["id"] for x in second["leads"]], [old])
        self.assertIsNone(second["next_cursor"])
        self.assertEqual(self.ids(company="span"), [new, old])

    def test_a_reassignment_moves_the_lead_to_its_new_owners_search(self):
        # A CRM-style hand change goes through crm_owner; a queued lead drained
        # to a rep who comes back goes through the drain.
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        queued = self.d.lead(email="q@example.com", country="DE", company="Queue Co")
        self.assertEqual(queued["status"], "queued")
        self.assertEqual(self.ids(owner="ana"), [])
        self.assertEqual(self.ids(owner="ben"), [])
        got = self.d.set_status("ben", "available")
        self.assertEqual([x["lead"] for x in got["assigned"]], [queued["id"]])
        self.assertEqual(self.ids(owner="ben"), [queued["id"]])
        self.assertEqual(self.ids(owner="ana"), [])

    def test_an_erased_person_leaves_every_index(self):
        kept = self.lead("Erase Co")
        gone = self.d.lead(email="forget.me@example.com", country="DE", company="Erase Co")
        self.assertEqual(self.ids(company="erase"), [gone["id"], kept])
        r = self.d.delete("/v1/subjects", {"email": "forget.me@example.com"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.ids(company="erase"), [kept])
        self.assertEqual(self.ids(owner=gone["owner"]), [])
        for k in self.redis.cmd("KEYS", "lr:ix:*"):
            members = self.redis.cmd("ZRANGE", k, 0, -1)
            self.assertFalse([m for m in members if gone["id"] in m], k)

    def test_a_lead_that_expired_is_skipped_and_unindexed(self):
        old = self.lead("Fade")
        new = self.lead("Fade")
        self.redis.cmd("DEL", "lr:lead:" + old)    # as its retention would
        self.assertEqual(self.ids(company="fade"), [new])
        self.assertEqual(self.ids(owner="ana"), [])
        self.assertIsNone(self.redis.cmd("ZSCORE", "lr:ix:owner:ana", old))
        keys = self.redis.cmd("KEYS", "lr:ix:company:*")
        self.assertEqual(len(keys), 1)
        self.assertEqual(self.redis.cmd("ZRANGE", keys[0], 0, -1), ["fade\x1f" + new])

    def test_the_upkeep_trims_and_sets_expiry(self):
        # Routing writes the entries only; the upkeep (hourly, at start, on a
        # reload) trims the owner indexes and gives every index key its expiry.
        self.lead("Ttl Co")
        retention = 400 * 86400000
        self.assertEqual(self.redis.cmd("PTTL", "lr:ix:owner:ana"), -1)
        stale = int(time.time() * 1000) - retention - 60000
        self.redis.cmd("ZADD", "lr:ix:owner:ana", stale, "01AAAAAAAAAAAAAAAAAAAAAAAA")
        before = len(self.d.events("config_reloaded"))
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: len(self.d.events("config_reloaded")) > before, what="the reload")
        wait_for(lambda: self.redis.cmd("PTTL", "lr:ix:owner:ana") > 0, what="the upkeep")
        self.assertGreater(self.redis.cmd("PTTL", "lr:ix:owner:ana"), retention - 60000)
        self.assertIsNone(self.redis.cmd("ZSCORE", "lr:ix:owner:ana", "01AAAAAAAAAAAAAAAAAAAAAAAA"))
        self.assertEqual(self.redis.cmd("ZCARD", "lr:ix:owner:ana"), 1)
        key = self.redis.cmd("KEYS", "lr:ix:company:*")[0]
        period = int(key.rsplit(":", 1)[1])
        self.assertEqual(self.redis.cmd("PEXPIRETIME", key), (period + 1) * 2592000000 + retention)

    def test_bad_parameters_are_refused(self):
        bad = [
            (dict(), 400, "owner"),
            (dict(owner="zed"), 400, "owner"),
            (dict(company=" "), 400, "company"),
            (dict(company="x" * 201), 400, "company"),
            (dict(owner="ana", status="open"), 400, "status"),
            (dict(owner="ana", status="assigned,"), 400, "status"),
            (dict(owner="ana", limit=0), 400, "limit"),
            (dict(owner="ana", limit=101), 400, "limit"),
            (dict(owner="ana", limit="ten"), 400, "limit"),
            (dict(owner="ana", cursor="12"), 400, "cursor"),
            (dict(owner="ana", cursor="12:not-a-lead-id"), 400, "cursor"),
        ]
        for params, status, field in bad:
            r = self.d.get(search_path(**params))
            self.assertError(r, status, "invalid_parameter", field)

    def test_a_prefix_matching_too_many_companies_asks_for_more(self):
        for i in range(101):
            self.d.lead(email="c%d@example.com" % i, country="DE", company="Co %03d" % i)
        r = self.d.get(search_path(company="co"))
        self.assertError(r, 422, "company_too_broad", "company")
        self.assertEqual(len(self.ids(company="co 1")), 1)
        self.assertEqual(len(self.ids(company="co 09")), 10)
        self.assertEqual(len(self.ids(company="co 0", limit=100)), 100)


class LeadSearchJoinTests(DaemonTestCase):
    """A person's next lead joining their open one: the company index follows."""

    conf_overrides = dict(join="30d")

    def test_a_joined_lead_is_found_by_its_new_company_only(self):
        first = self.d.lead(email="mover@example.com", country="DE", company="Old Co")
        r = self.d.post("/v1/leads", {"email": "mover@example.com", "country": "DE",
                                      "company": "New Co"})
        self.assertEqual((r.status, r.json.get("re_engaged"), r.json["id"]),
                         (200, True, first["id"]), r)
        find = lambda c: [x["id"] for x in self.d.get(search_path(company=c)).json["leads"]]
        self.assertEqual(find("new"), [first["id"]])
        self.assertEqual(find("old"), [])
        keys = self.redis.cmd("KEYS", "lr:ix:company:*")
        self.assertEqual(self.redis.cmd("ZRANGE", keys[0], 0, -1), ["new co\x1f" + first["id"]])


class LeadSearchCrmTests(DaemonTestCase):
    """An owner changed by hand in the CRM moves the lead between the owners' lists."""

    conf_overrides = {"extra": test_crm_activity.SOURCES}
    post_hubspot = test_crm_activity.CrmActivityTests.post_hubspot

    def owned(self, rep):
        return [x["id"] for x in self.d.get(search_path(owner=rep)).json["leads"]]

    def test_a_crm_owner_change_moves_assigned_and_touched_leads(self):
        assigned = self.d.lead(email="a@analytical.example", crm_id=7101, country="DE")
        self.d.lead(email="b@analytical.example", crm_id=7102, country="DE")   # ben's
        touched = self.d.lead(email="c@analytical.example", crm_id=7103, country="DE")
        self.assertEqual((assigned["owner"], touched["owner"]), ("ana", "ana"))
        r = self.d.post("/v1/leads/%s/touch" % touched["id"], {"rep": "ana", "channel": "call"})
        self.assertEqual(r.status, 200, r)
        for n, crm_id in ((1, 7101), (2, 7103)):
            r = self.post_hubspot([test_crm_activity.owner_changed(3100 + n, crm_id, "70002")])
            self.assertEqual(r.json["results"][0]["result"], "reassigned", r)
        self.assertEqual(self.owned("ana"), [])
        self.assertEqual(set(self.owned("ben")[:2]), {assigned["id"], touched["id"]})
        self.assertEqual(len(self.owned("ben")), 3)


class LeadSearchEscalationTests(DaemonTestCase):
    """An escalation that reassigns moves the lead between the owners' searches."""

    conf_overrides = dict(first_touch="1s",
                          extra="escalation:\n  - {after: 0s, reassign: next_available}\n")

    def test_a_reassigned_lead_is_found_under_its_new_owner_only(self):
        lead = self.d.lead(email="esc@example.com", country="DE", company="Esc Co")
        self.assertEqual(lead["owner"], "ana")
        got = wait_for(lambda: self.d.get("/v1/leads/" + lead["id"]).json["owner"] == "ben",
                       timeout=8, what="the reassignment")
        self.assertTrue(got)
        self.assertEqual([x["id"] for x in self.d.get(search_path(owner="ben")).json["leads"]],
                         [lead["id"]])
        self.assertEqual(self.d.get(search_path(owner="ana")).json["leads"], [])


class LeadSearchTokenTests(DaemonTestCase):
    """A rep's token sees its own leads; managers read definitions by config version."""

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        path = os.path.join(self.tmp, "tokens")
        with open(path, "w") as f:
            f.write("ana rep:ana sha256:%s\n" % hashlib.sha256(TOKENS["ana"].encode()).hexdigest())
            for name in ("manager", "admin", "ingest"):
                f.write("%s %s %s\n" % (name, name, TOKENS[name]))
        self.d = self.new_daemon(extra="auth:\n  tokens: file:%s\n" % path)

    def as_token(self, name, path):
        return self.d.get(path, headers={"Authorization": "Bearer " + TOKENS[name]})

    def test_a_reps_token_finds_its_own_leads_only(self):
        self.d.token = TOKENS["ingest"]
        a = self.d.lead(email="a@example.com", country="DE", company="Acme")["id"]    # ana
        self.d.lead(email="b@example.com", country="DE", company="Acme")             # ben
        for path in ("/v1/leads", search_path(owner="ana"), search_path(company="acme")):
            r = self.as_token("ana", path)
            self.assertEqual(r.status, 200, (path, r))
            self.assertEqual([x["id"] for x in r.json["leads"]], [a], path)
        r = self.as_token("ana", search_path(owner="ben"))
        self.assertError(r, 403, "forbidden", "owner")
        r = self.as_token("manager", search_path(company="acme"))
        self.assertEqual(len(r.json["leads"]), 2, r)
        self.assertEqual(self.as_token("ingest", search_path(company="acme")).status, 403)

    def test_definitions_by_config_version_is_for_managers(self):
        v = self.as_token("manager", "/v1/definitions").json["config_version"]
        path = "/v1/definitions/config/" + v
        self.assertEqual(self.as_token("manager", path).status, 200)
        self.assertEqual(self.as_token("admin", path).status, 200)
        self.assertEqual(self.as_token("ana", path).status, 403)


class DefinitionsByConfigTests(DaemonTestCase):

    def reload(self, text):
        self.d.write_conf(text)
        before = len(self.d.events("config_reloaded"))
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: len(self.d.events("config_reloaded")) > before, what="the reload")

    def by_config(self, v, status=200):
        r = self.d.get("/v1/definitions/config/" + v)
        self.assertEqual(r.status, status, r)
        return r.json

    def emea_when(self, doc):
        return [r for r in doc["rules"] if r["name"] == "emea"][0]["when"]

    def test_a_decisions_config_version_names_its_definitions_across_a_reload(self):
        lead = self.d.lead(email="v1@example.com", country="DE")
        v1 = self.d.get("/v1/leads/" + lead["id"]).json["decision"]["config_version"]
        doc1 = wait_for(lambda: self.d.get("/v1/definitions/config/" + v1).status == 200 and
                        self.by_config(v1), what="the first recording")
        self.assertEqual(doc1["config_version"], v1)
        self.assertEqual(doc1, dict(self.d.get("/v1/definitions").json))
        before = self.emea_when(doc1)

        self.reload(make_conf(self.redis).replace("      country: [DE, FR, GB]\n",
                                                  "      country: [DE, FR, GB, IT]\n"))
        v2 = self.d.get("/healthz").json["config_version"]
        self.assertNotEqual(v2, v1)
        doc2 = wait_for(lambda: self.d.get("/v1/definitions/config/" + v2).status == 200 and
                        self.by_config(v2), what="the second recording")
        self.assertNotEqual(doc2["version"], doc1["version"])
        self.assertNotEqual(self.emea_when(doc2), before)
        self.assertIn("IT", str(self.emea_when(doc2)))
        # The lead's decision still reads the definitions it was made under.
        self.assertEqual(self.by_config(v1), doc1)

        # A config change the definitions do not show: a new config version,
        # the same definitions version, still recorded for it.
        self.reload(make_conf(self.redis, log_level="debug").replace(
            "      country: [DE, FR, GB]\n", "      country: [DE, FR, GB, IT]\n"))
        v3 = self.d.get("/healthz").json["config_version"]
        self.assertNotEqual(v3, v2)
        doc3 = wait_for(lambda: self.d.get("/v1/definitions/config/" + v3).status == 200 and
                        self.by_config(v3), what="the third recording")
        self.assertEqual(doc3["version"], doc2["version"])
        self.assertEqual(len(self.d.get("/v1/definitions/history").json["versions"]), 2)

    def test_an_unknown_config_version_is_404(self):
        self.assertError(self.d.get("/v1/definitions/config/0123456789ab"), 404, "not_found")
        self.assertError(self.d.get("/v1/definitions/config/nope"), 404, "not_found")


if __name__ == "__main__":
    main()
