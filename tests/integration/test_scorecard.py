"""The scorecard: figures checked exactly against a generated data set, computed
here independently from the leads themselves; groups, CSV, attribution, and the
live Prometheus versions."""

import csv
import io
import math
import re
import threading
import time

from harness import DaemonTestCase, main, script_function, wait_for
from test_leads import ms
from test_lifecycle import NURTURE_RULES

UNTOUCHED_S = 3
EXTRA = """\
scorecard:
  untouched_after: %ds
""" % UNTOUCHED_S


def binned(v):
    """Two significant digits, rounded down (scorecard_bin)."""
    if v < 100:
        return max(v, 0)
    p = 1
    while v >= 100 * p:
        p *= 10
    return v // p * p


def quantile(values, q):
    if not values:
        return None
    values = sorted(binned(v) for v in values)
    return values[math.ceil(q * len(values)) - 1]


def pct(a, b):
    if b == 0:
        return None
    return math.floor(1000 * a / b + 0.5) / 10


def untouched_leads(entry):
    """How many leads a SLOWLOG entry of agg_untouched put in the untouched set:
    FCALL, the function, numkeys, three common arguments and the cursor, then a
    due time and a lead each (the log shows 32 arguments and counts the rest)."""
    args = entry[3]
    more = re.match(r"\.\.\. \((\d+) more arguments\)", args[-1])
    total = len(args) - 1 + int(more.group(1)) if more else len(args)
    return (total - 7) // 2


class ScorecardTests(DaemonTestCase):

    conf_overrides = {"extra": EXTRA, "rules": NURTURE_RULES}

    def build_data_set(self):
        """21 leads through every path; returns them as the API shows them at the end."""
        d = self.d
        ids = []
        n = [0]

        def lead(source, event, country="DE", complete=True, **kw):
            n[0] += 1
            f = dict(email="p%d@x.com" % n[0], country=country, source=source, event=event, **kw)
            if complete:
                f.update(company="Acme", title="CTO")
            ids.append(d.lead(**f)["id"])
            return ids[-1]

        def post(lid, action, body):
            r = d.post("/v1/leads/%s/%s" % (lid, action), body)
            self.assertEqual(r.status, 200, r)

        owner = lambda lid: d.get("/v1/leads/" + lid).json["owner"]
        # Worked leads: touched, accepted, moved through the funnel.
        for i in range(4):
            lid = lead("webinar", "signup")
            for _ in range(i + 1):
                post(lid, "touch", {"rep": owner(lid), "channel": "call"})
            post(lid, "accept", {"rep": owner(lid)})
            post(lid, "stage", {"stage": "sql", "by": "sdr"})
            if i >= 1:
                post(lid, "stage", {"stage": "opportunity", "by": "ae", "amount": 1000 * i + 0.5})
            if i == 3:
                post(lid, "stage", {"stage": "won", "by": "ae"})
            if i == 2:
                post(lid, "stage", {"stage": "lost", "by": "ae", "reason": "no_budget"})
        won2 = lead("demo", "demo_request", country="US")
        post(won2, "touch", {"rep": owner(won2)})
        post(won2, "accept", {"rep": owner(won2)})
        post(won2, "stage", {"stage": "sql", "by": "sdr"})
        post(won2, "stage", {"stage": "opportunity", "by": "ae", "amount": 50000})
        post(won2, "stage", {"stage": "won", "by": "ae", "amount": 48000})
        # Rejected, with and without a touch.
        for reason, touch in (("wrong_title", True), ("duplicate", False), ("competitor", False)):
            lid = lead("ads", "click", country="US", complete=False)
            if touch:
                post(lid, "touch", {"rep": owner(lid), "channel": "email"})
            post(lid, "reject", {"rep": owner(lid), "reason": reason})
        # Touched only.
        for i in range(5):
            lid = lead("demo", "demo_request", country="FR" if i % 2 else "US",
                       complete=i % 2 == 0)
            post(lid, "touch", {"rep": owner(lid), "channel": "call", "outcome": "connected"})
        # Untouched, owned.
        for i in range(3):
            lead("webinar", "signup", country="GB")
        # Nurture.
        for i in range(2):
            lead("student-fair", "booth")
        # Queued, then routed after a wait, never touched.
        d.set_status("cy", "away")
        d.set_status("dee", "away")
        for i in range(3):
            lead("ads", "click", country="US")
        time.sleep(0.4)
        d.set_status("cy", "available")
        d.set_status("dee", "available")
        wait_for(lambda: all(d.get("/v1/leads/" + x).json["status"] != "queued" for x in ids),
                 what="queued leads routed")
        time.sleep(UNTOUCHED_S + 1)           # the untouched threshold passes
        return [d.get("/v1/leads/" + x).json for x in ids]

    def expected(self, leads, group=None):
        """The figures for leads (optionally only those of one group's events), from
        the leads' own records."""
        sales = [l for l in leads if l["status"] != "nurture" or l["stage"] is not None]
        routed = [l for l in leads if l["assigned_at"]]
        touched = [l for l in leads if l["first_touched_at"]]
        ttr = [ms(l["assigned_at"]) - ms(l["received_at"]) for l in routed]
        ttft = [ms(l["first_touched_at"]) - ms(l["received_at"]) for l in touched]
        reached = {}
        for l in leads:
            for e in l["events"]:
                if e["type"] == "received" and e.get("stage"):
                    reached[e["stage"]] = reached.get(e["stage"], 0) + 1
                if e["type"] in ("accepted", "rejected", "stage"):
                    reached[e["to"]] = reached.get(e["to"], 0) + 1
        untouched = [l for l in sales if not l["first_touched_at"] and l["stage"] not in
                     ("recycled", "disqualified", "lost", "won")]
        accepted = [l for l in leads if any(e["type"] == "accepted" for e in l["events"])]
        rejected = [l for l in leads if l["reject_reason"]]
        touches = sum(l["touches"] for l in leads)
        amount = lambda stage: sum(
            round(e["amount"] * 100) for l in leads for e in l["events"]
            if e["type"] == "stage" and e["to"] == stage and "amount" in e) / 100
        return {
            "leads_received": len(leads),
            "sales_leads": len(leads) - sum(1 for l in leads if l["stage"] is None),
            "leads_routed": len(routed),
            "time_to_route_ms": {"count": len(ttr), "median": quantile(ttr, 0.5),
                                 "p90": quantile(ttr, 0.9)},
            "time_to_first_touch_ms": {"count": len(ttft), "median": quantile(ttft, 0.5),
                                       "p90": quantile(ttft, 0.9)},
            "routed_within_sla_pct": 100 if leads else None,   # nurture counts as routed
            "first_touched_within_sla_pct": 100 if touched else None,
            "untouched_pct": pct(len(untouched), len(leads) - sum(
                1 for l in leads if l["stage"] is None)),
            "acceptance_rate_pct": pct(len(accepted), len(routed)),
            "rejection_rate_pct": pct(len(rejected), len(routed)),
            "disposition_pct": pct(sum(1 for l in leads if l["decided_at"]), len(routed)),
            "complete_pct": pct(sum(1 for l in leads if "company" in l["fields"] and
                                    "title" in l["fields"]), len(leads)),
            "touches_per_worked_lead": (round(touches / len(touched), 2) if touched else None),
            "stages": reached,
            "pipeline_amount": amount("opportunity"),
            "won": reached.get("won", 0),
            "won_amount": amount("won") or 0,
        }

    def check_figures(self, got, exp):
        for k, v in exp.items():
            if k == "stages":
                for stage, count in v.items():
                    self.assertEqual(got["stages"][stage], count, stage)
                self.assertEqual(sum(got["stages"].values()), sum(v.values()))
            elif isinstance(v, float):
                self.assertAlmostEqual(got[k], v, places=6, msg=k)
            else:
                self.assertEqual(got[k], v, k)

    def test_scorecard_matches_the_leads(self):
        leads = self.build_data_set()
        r = self.d.get("/v1/scorecard")
        self.assertEqual(r.status, 200, r)
        sc = r.json
        self.assertTrue(sc["up_to_date"])
        exp = self.expected(leads)
        self.check_figures(sc["overall"], exp)
        o = sc["overall"]
        # Hand-checked against the script above, so the helper cannot hide a shared mistake.
        self.assertEqual((o["leads_received"], o["sales_leads"], o["leads_routed"]), (21, 19, 19))
        self.assertEqual(o["stages"]["mql"], 19)
        self.assertEqual((o["stages"]["sal"], o["stages"]["sql"], o["stages"]["opportunity"],
                          o["stages"]["won"], o["stages"]["lost"]), (5, 5, 4, 2, 1))
        self.assertEqual(o["rejections"], {"wrong_title": 1, "wrong_company_size": 0,
                                           "bad_timing": 0, "no_contact_info": 0, "duplicate": 1,
                                           "competitor": 1, "student_or_job_seeker": 0,
                                           "other": 0})
        self.assertEqual(o["lost_reasons"]["no_budget"], 1)
        self.assertEqual(o["pipeline_amount"], 1000.5 + 2000.5 + 3000.5 + 50000)
        self.assertEqual(o["won_amount"], 3000.5 + 48000)
        self.assertEqual(o["touches_per_worked_lead"], round((1 + 2 + 3 + 4 + 1 + 1 + 5) / 11, 2))
        # Untouched at the threshold: 3 owned and 3 queued (rejections are decisions).
        self.assertEqual(o["untouched_pct"], pct(6, 19))
        self.assertEqual(o["complete_pct"], pct(16, 21))
        self.assertEqual(o["disposition_pct"], pct(8, 19))
        conv = {(c["from"], c["to"]): c["pct"] for c in o["conversions"]}
        self.assertEqual(conv[("mql", "sal")], pct(5, 19))
        self.assertEqual(conv[("sal", "sql")], 100)
        self.assertEqual(conv[("sql", "opportunity")], 80)
        self.assertEqual(conv[("opportunity", "won")], 50)
        self.assertEqual(o["sla"]["route"]["met"], 21)   # nurture is routed too
        self.assertEqual(o["sla"]["first_touch"]["met"], 11)

    def test_groups_csv_and_attribution(self):
        leads = self.build_data_set()
        by_source = self.d.get("/v1/scorecard?by=source").json
        groups = {g["source"]: g for g in by_source["groups"]}
        self.assertEqual(set(groups), {"webinar", "demo", "ads", "student-fair"})
        for src, g in groups.items():
            self.check_figures(g, self.expected([l for l in leads
                                                 if l["fields"].get("source") == src]))
        att = {(a["source"], a["event"]): a for a in by_source["attribution"]}
        self.assertEqual(att[("demo", "demo_request")]["won"], 1)
        self.assertEqual(att[("demo", "demo_request")]["won_amount"], 48000)
        self.assertEqual(att[("webinar", "signup")]["won_amount"], 3000.5)
        self.assertEqual(att[("ads", "click")]["won"], 0)
        self.assertEqual(by_source["attribution"][0]["source"], "demo")   # most won first
        by_rep = self.d.get("/v1/scorecard?by=rep").json
        reps = {g["rep"]: g for g in by_rep["groups"]}
        for rep in ("ana", "ben", "cy", "dee"):
            mine = [l for l in leads if l["owner"] == rep]
            g = reps[rep]
            self.assertEqual(g["leads_routed"], len(mine), rep)
            self.assertEqual(g["time_to_first_touch_ms"]["count"],
                             sum(1 for l in mine if l["first_touched_at"]), rep)
            self.assertEqual(g["time_to_first_touch_ms"]["median"], quantile(
                [ms(l["first_touched_at"]) - ms(l["received_at"]) for l in mine
                 if l["first_touched_at"]], 0.5), rep)
        # Queued leads arrived without an owner: their arrival counts under no rep.
        self.assertEqual(reps[None]["leads_received"], 3 + 2)
        r = self.d.get("/v1/scorecard?by=pool", headers={"Accept": "text/csv"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("text/csv"))
        rows = list(csv.DictReader(io.StringIO(r.raw)))
        self.assertEqual(rows[0]["group"], "(all)")
        self.assertEqual(int(rows[0]["leads_received"]), 21)
        self.assertEqual({row["group"] for row in rows[1:]}, {"emea", "amer", "(none)"})
        json_pool = self.d.get("/v1/scorecard?by=pool").json
        for row, g in zip(rows[1:], json_pool["groups"]):
            self.assertEqual(int(row["leads_received"]), g["leads_received"])
            self.assertEqual(row["ttft_median_ms"], "" if g["time_to_first_touch_ms"]["median"]
                             is None else str(g["time_to_first_touch_ms"]["median"]))
        self.assertIn("\r\n", r.raw)
        self.assertEqual(r.raw.splitlines()[0].split(",")[:4],
                         ["group", "leads_received", "sales_leads", "leads_routed"])

    def test_several_daemons_count_each_event_once(self):
        """Three daemons fold the same stream while leads arrive at all of them."""
        daemons = [self.d] + [self.new_daemon(**self.conf_overrides) for _ in range(2)]
        failures, sent = [], [0] * len(daemons)

        def post(i, d):
            # For 3 s, asking for the scorecard now and then, which folds at once:
            # the daemons' batches overlap and race for the cursor.
            end = time.monotonic() + 3
            while time.monotonic() < end:
                r = d.post("/v1/leads", {"email": "m%d-%d@x.com" % (i, sent[i]), "country": "DE"})
                if r.status != 201:
                    failures.append(r)
                sent[i] += 1
                if sent[i] % 10 == 0:
                    d.get("/v1/scorecard")

        threads = [threading.Thread(target=post, args=(i, d)) for i, d in enumerate(daemons)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        total = sum(sent)
        for d in daemons:
            wait_for(lambda: d.get("/v1/scorecard").json["up_to_date"], what="caught up")
            o = d.get("/v1/scorecard").json["overall"]
            self.assertEqual((o["leads_received"], o["leads_routed"]), (total, total), d.name)
            self.assertEqual(o["sla"]["route"]["met"], total, d.name)
        # Each entry was added by exactly one daemon.
        folded = 0
        for d in daemons:
            m = re.search(r"^leadrouted_scorecard_events_folded_total (\d+)$",
                          d.get("/metrics").raw, re.M)
            folded += int(m.group(1))
        self.assertEqual(folded, self.redis.cmd("XLEN", "lr:events"))

    def test_a_fold_that_keeps_up_sends_leads_a_hundred_at_a_time(self):
        """Route calls share the connection with the fold: a batch that is not
        a backlog puts its leads in the untouched set in calls of at most 100,
        each sent when the one before answered."""
        self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
        self.redis.cmd("CONFIG", "SET", "slowlog-max-len", "100000")
        self.redis.cmd("SLOWLOG", "RESET")
        try:
            for n in range(250):
                self.assertEqual(self.d.post("/v1/leads", {"email": "k%d@x.com" % n,
                                                           "country": "DE"}).status, 201)
            wait_for(lambda: self.d.get("/v1/scorecard").json["up_to_date"], what="folded")
            log = self.redis.cmd("SLOWLOG", "GET", "-1")
        finally:
            self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            self.redis.cmd("SLOWLOG", "RESET")
        sizes = [untouched_leads(e) for e in log
                 if e[3][0].lower() == "fcall" and e[3][1].startswith("agg_untouched_")]
        self.assertEqual(sum(sizes), 250, sizes)
        self.assertLessEqual(max(sizes), 100, sizes)

    def test_untouched_leads_go_in_only_while_the_batch_is_not_folded(self):
        """agg_untouched adds a batch's new leads to the untouched set only while
        the cursor is where the batch began: once another daemon folded it, a
        late call writes nothing and answers where the cursor is."""
        self.d.lead(email="u@x.com", country="DE")
        wait_for(lambda: self.d.get("/v1/scorecard").json["up_to_date"], what="folded")
        fn = script_function(self.redis, "agg_untouched")
        self.assertIsNotNone(fn)
        cursor = self.redis.cmd("GET", "lr:sc:cursor")
        before = self.redis.cmd("ZCARD", "lr:sc:untouched")
        late = self.redis.cmd("FCALL", fn, 0, "lr", 1, 0, "0-1", 5, "late-lead")
        self.assertEqual(late, [0, cursor])
        self.assertEqual(self.redis.cmd("ZCARD", "lr:sc:untouched"), before)
        # From where the cursor is, twice: the same lead, the same due time.
        for _ in range(2):
            self.assertEqual(self.redis.cmd("FCALL", fn, 0, "lr", 1, 0, cursor,
                                            7, "new-lead", 9, "other-lead"), [1])
        self.assertEqual(self.redis.cmd("ZCARD", "lr:sc:untouched"), before + 2)
        self.assertEqual(self.redis.cmd("ZSCORE", "lr:sc:untouched", "new-lead"), "7")

    def test_a_backlog_folds_in_big_batches_to_the_same_figures(self):
        """More than one batch of entries waiting (a daemon that was down, or a
        refold): reads of 250 go on up to 2,000 entries a batch, and the
        figures are the same as when they were folded as they came."""
        d = self.d
        sent = [0]

        def post(i):
            for n in range(275):
                r = d.post("/v1/leads", {"email": "b%d-%d@x.com" % (i, n), "country": "DE",
                                         "source": "ads", "event": "signup"})
                self.assertEqual(r.status, 201, r)
                sent[0] += 1

        threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Past untouched_after, every lead untouched is counted as such, so
        # the refold (which settles them at once) finds the same.
        time.sleep(UNTOUCHED_S + 1.5)

        def settled():
            first = d.get("/v1/scorecard").json
            time.sleep(1.2)
            again = d.get("/v1/scorecard").json
            return first["up_to_date"] and first["overall"] == again["overall"]
        wait_for(settled, timeout=30, what="the figures to settle")
        before = {by: d.get("/v1/scorecard?by=" + by).json for by in ("rep", "pool", "source")}
        entries = self.redis.cmd("XLEN", "lr:events")
        self.assertGreater(entries, 2000)
        # Forget every sum and the cursor: the whole stream is a backlog now.
        self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
        self.redis.cmd("CONFIG", "SET", "slowlog-max-len", "100000")
        self.redis.cmd("SLOWLOG", "RESET")
        try:
            for k in self.redis.cmd("KEYS", "lr:sc:*"):
                self.redis.cmd("DEL", k)
            folded = lambda: int(re.search(r"^leadrouted_scorecard_events_folded_total (\d+)$",
                                           d.get("/metrics").raw, re.M).group(1))
            start = folded()
            wait_for(lambda: folded() - start >= entries, timeout=20, what="the refold")
            wait_for(lambda: d.get("/v1/scorecard").json["up_to_date"], what="caught up again")
            log = self.redis.cmd("SLOWLOG", "GET", "-1")
            applies = [e for e in log
                       if e[3][0].lower() == "fcall" and e[3][1].startswith("agg_apply_")]
            untouched = [e for e in log
                         if e[3][0].lower() == "fcall" and e[3][1].startswith("agg_untouched_")]
        finally:
            self.redis.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            self.redis.cmd("SLOWLOG", "RESET")
        # Batches of up to 2,000 entries (and the scorecard's own catch-ups).
        self.assertLessEqual(len(applies), entries // 2000 + 4, len(applies))
        # A backlog's leads went into the untouched set in calls of at most
        # 1,000, not in the batches' sums.
        sizes = [untouched_leads(e) for e in untouched]
        self.assertEqual(sum(sizes), 1100, sizes)
        self.assertLessEqual(max(sizes), 1000, sizes)
        for by, want in before.items():
            got = d.get("/v1/scorecard?by=" + by).json
            self.assertEqual(got["groups"], want["groups"], by)
            self.assertEqual(got["overall"], want["overall"], by)
        self.assertEqual(sent[0], 1100)

    def test_range_and_parameters(self):
        self.d.lead(email="a@x.com", country="DE")
        wait_for(lambda: self.d.get("/v1/scorecard").json["overall"]["leads_received"] == 1)
        past = self.d.get("/v1/scorecard?from=2020-01-01&to=2020-04-01").json
        self.assertEqual(past["overall"]["leads_received"], 0)
        self.assertIsNone(past["overall"]["time_to_route_ms"]["median"])
        self.assertEqual((past["from"], past["to"]), ("2020-01-01T00:00:00.000Z",
                                                      "2020-04-01T00:00:00.000Z"))
        for q, field in (("from=yesterday", "from"), ("to=2026-13-01", "to"), ("by=team", "by"),
                         ("from=2026-02-01&to=2026-01-01", "from"), ("format=xml", "format"),
                         ("from=2001-01-01&to=2026-01-01", "to")):
            r = self.d.get("/v1/scorecard?" + q)
            self.assertError(r, 400, "invalid_parameter", field)

    def test_prometheus_live_versions(self):
        lead = self.d.lead(email="a@x.com", country="DE")
        self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        self.d.post("/v1/leads/%s/reject" % lead["id"], {"rep": "ana", "reason": "competitor"})
        text = self.d.get("/metrics").raw
        self.assertIn('leadrouted_time_to_route_seconds_bucket{le="0.001"} 1', text)
        self.assertIn("leadrouted_time_to_route_seconds_count 1", text)
        self.assertIn('leadrouted_time_to_first_touch_seconds_bucket{le="60"} 1', text)
        self.assertIn('leadrouted_lead_rejections_total{reason="competitor"} 1', text)
        self.assertIn('leadrouted_lead_stage_entries_total{stage="disqualified"} 1', text)


if __name__ == "__main__":
    main()
