"""The two-way SLA: targets in the definitions, actuals equal to the scorecard's
figures over seeded leads, met and missed, the period before, monthly targets
scaled to the period, and the config's errors."""

import calendar
import datetime
import os
import subprocess

from harness import LEADROUTED, DaemonTestCase, main, make_conf
from test_lifecycle import NURTURE_RULES

SCORING = """\
scoring:
  fit:
    - {name: senior-title, when: {title: {contains: [vp]}}, points: 20}
    - {name: mid-market, when: {employees: {gte: 200}}, points: 15}
  behavior:
    demo_request: 40
  mql: 50
  grades: {A: 70, B: 50, C: 20, D: 0}
"""

CONTRACT = """\
contract:
  qualified_per_month: {min: 400, grades: [A, B]}
  acceptance_rate_pct: {min: 30}
  complete_pct: {min: 90}
  first_touch_median: {max: 1h}
  touches_before_lost: {min: 6}
  disposition_pct: {min: 95}
"""


def month_bounds(now):
    first = datetime.datetime(now.year, now.month, 1, tzinfo=datetime.timezone.utc)
    nxt = datetime.datetime(now.year + (now.month == 12), now.month % 12 + 1, 1,
                            tzinfo=datetime.timezone.utc)
    return first, nxt


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(t):
    """A time as the API writes it."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def by_id(items):
    return {c["id"]: c for c in items}


class ContractTests(DaemonTestCase):

    conf_overrides = {"extra": SCORING + CONTRACT, "rules": NURTURE_RULES}

    def seed(self):
        """7 leads: 3 of grade A, 2 of B (MQLs), 2 of D; accepts, a reject, touches, two losses."""
        d = self.d
        n = [0]

        def lead(grade, complete=True):
            n[0] += 1
            f = dict(email="c%d@x.com" % n[0], country="DE", source="web")
            if grade in ("A", "B"):
                f.update(title="VP Sales", event="demo_request")
            if grade == "A":
                f.update(employees=500)
            if complete:
                f.update(company="Acme")
                f.setdefault("title", "Engineer")
            got = d.lead(**f)
            self.assertEqual(got["grade"], grade)
            return got["id"]

        def post(lid, action, body):
            r = d.post("/v1/leads/%s/%s" % (lid, action), body)
            self.assertEqual(r.status, 200, r)

        owner = lambda lid: d.get("/v1/leads/" + lid).json["owner"]

        def work(lid, touches):
            for _ in range(touches):
                post(lid, "touch", {"rep": owner(lid), "channel": "call"})

        a1, a2, a3 = lead("A"), lead("A"), lead("A")
        b1, b2 = lead("B"), lead("B", complete=False)
        lead("D"), lead("D", complete=False)
        # Two leads closed lost after 3 and 1 touches; one accepted and kept.
        for lid, touches in ((a1, 3), (a2, 1)):
            work(lid, touches)
            post(lid, "accept", {"rep": owner(lid)})
            post(lid, "stage", {"stage": "sql", "by": "sdr"})
            post(lid, "stage", {"stage": "lost", "by": "ae", "reason": "no_budget"})
        work(a3, 2)
        post(a3, "accept", {"rep": owner(a3)})
        work(b1, 1)
        post(b1, "reject", {"rep": owner(b1), "reason": "wrong_title"})
        work(b2, 1)

    def test_definitions_publish_the_targets(self):
        r = self.d.get("/v1/definitions")
        self.assertEqual(r.status, 200, r)
        c = r.json["contract"]
        self.assertEqual([t["id"] for t in c["marketing"]],
                         ["qualified_per_month", "acceptance_rate_pct", "complete_pct"])
        self.assertEqual([t["id"] for t in c["sales"]],
                         ["first_touch_median", "touches_before_lost", "disposition_pct"])
        m, s = by_id(c["marketing"]), by_id(c["sales"])
        self.assertEqual(m["qualified_per_month"]["target"],
                         {"min": 400, "unit": "leads", "per_month": 400, "grades": ["A", "B"]})
        self.assertEqual(m["acceptance_rate_pct"]["target"], {"min": 30, "unit": "pct"})
        self.assertEqual(s["first_touch_median"]["target"], {"max": 3600000, "unit": "ms"})
        self.assertEqual(s["touches_before_lost"]["target"], {"min": 6, "unit": "touches"})
        self.assertNotIn("actual", m["complete_pct"])

    def test_a_commitment_not_configured_is_absent(self):
        d = self.new_daemon(extra=SCORING + "contract:\n  complete_pct: {min: 80}\n",
                            rules=NURTURE_RULES)
        c = d.get("/v1/definitions").json["contract"]
        self.assertEqual(c, {"marketing": [{"id": "complete_pct",
                                            "label": "Leads passed with complete records",
                                            "target": {"min": 80, "unit": "pct"}}],
                             "sales": []})
        r = d.get("/v1/contract")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([t["id"] for t in r.json["marketing"]], ["complete_pct"])
        self.assertEqual(r.json["sales"], [])

    def test_actuals_equal_the_scorecards_figures(self):
        self.seed()
        first, nxt = month_bounds(datetime.datetime.now(datetime.timezone.utc))
        q = "?from=%s&to=%s" % (iso(first), iso(nxt))
        sc = self.d.get("/v1/scorecard" + q)
        self.assertEqual(sc.status, 200, sc)
        o = sc.json["overall"]
        r = self.d.get("/v1/contract" + q)
        self.assertEqual(r.status, 200, r)
        ct = r.json
        self.assertEqual((ct["from"], ct["to"]), (shown(first), shown(nxt)))
        m, s = by_id(ct["marketing"]), by_id(ct["sales"])
        self.assertEqual(m["acceptance_rate_pct"]["actual"], o["acceptance_rate_pct"])
        self.assertEqual(m["complete_pct"]["actual"], o["complete_pct"])
        self.assertEqual(s["first_touch_median"]["actual"], o["time_to_first_touch_ms"]["median"])
        self.assertEqual(s["disposition_pct"]["actual"], o["disposition_pct"])
        self.assertEqual(s["touches_before_lost"]["actual"], o["touches_before_lost"])
        self.assertEqual(m["qualified_per_month"]["actual"],
                         o["qualified_by_grade"]["A"] + o["qualified_by_grade"]["B"])
        # The seeded leads, counted by hand.
        self.assertEqual(o["qualified_leads"], 5)
        self.assertEqual(o["qualified_by_grade"], {"A": 3, "B": 2, "C": 0, "D": 0})
        self.assertEqual(o["closed_lost"], 2)
        self.assertEqual(o["touches_before_lost"], 2)          # (3 + 1) / 2
        self.assertEqual(o["acceptance_rate_pct"], 42.9)       # 3 of 7
        self.assertEqual(o["complete_pct"], 71.4)              # 5 of 7
        self.assertEqual(o["disposition_pct"], 57.1)           # 3 accepts and 1 reject of 7
        # Met and missed: a whole month's target is the monthly one.
        self.assertEqual(m["qualified_per_month"]["target"]["min"], 400)
        self.assertEqual(m["qualified_per_month"]["actual"], 5)
        self.assertIs(m["qualified_per_month"]["met"], False)
        self.assertIs(m["acceptance_rate_pct"]["met"], True)
        self.assertIs(m["complete_pct"]["met"], False)
        self.assertIs(s["first_touch_median"]["met"], True)
        self.assertIs(s["touches_before_lost"]["met"], False)
        self.assertIs(s["disposition_pct"]["met"], False)
        # The month before: no leads, so no rates (null), and no qualified leads.
        prev = ct["previous"]
        pfirst = first - (nxt - first)
        self.assertEqual((prev["from"], prev["to"]), (shown(pfirst), shown(first)))
        pm, ps = by_id(prev["marketing"]), by_id(prev["sales"])
        self.assertEqual(pm["qualified_per_month"]["actual"], 0)
        self.assertIs(pm["qualified_per_month"]["met"], False)
        for c in (pm["acceptance_rate_pct"], pm["complete_pct"], ps["first_touch_median"],
                  ps["touches_before_lost"], ps["disposition_pct"]):
            self.assertIsNone(c["actual"], c)
            self.assertIsNone(c["met"], c)

    def test_a_lead_qualifies_once_when_its_person_becomes_an_mql(self):
        d = self.new_daemon(extra=SCORING + CONTRACT, rules=NURTURE_RULES, join="30d")
        first = d.lead(email="p@x.com", country="DE", source="web")
        self.assertEqual((first["grade"], first["mql"]), ("D", False))
        # The person comes back as a VP asking for a demo: the open lead joins, and qualifies.
        r = d.post("/v1/leads", dict(email="p@x.com", country="DE", source="web",
                                     title="VP Sales", event="demo_request"))
        self.assertEqual(r.status, 200, r)
        again = r.json
        self.assertEqual(again["id"], first["id"])
        self.assertEqual((again["grade"], again["mql"]), ("B", True))
        r = d.post("/v1/leads", dict(email="p@x.com", country="DE", source="web",
                                     title="VP Sales", event="demo_request"))
        self.assertEqual(r.status, 200, r)    # still an MQL: nothing more to count
        o = d.get("/v1/scorecard").json["overall"]
        self.assertEqual((o["leads_received"], o["qualified_leads"]), (1, 1))
        self.assertEqual(o["qualified_by_grade"]["B"], 1)
        m = by_id(d.get("/v1/contract").json["marketing"])
        self.assertEqual(m["qualified_per_month"]["actual"], 1)

    def test_monthly_target_scaled_to_the_period(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        first, nxt = month_bounds(now)
        days = calendar.monthrange(first.year, first.month)[1]
        week_end = first + datetime.timedelta(days=7)
        r = self.d.get("/v1/contract?from=%s&to=%s" % (iso(first), iso(week_end)))
        self.assertEqual(r.status, 200, r)
        target = by_id(r.json["marketing"])["qualified_per_month"]["target"]
        self.assertEqual(target["min"], round(400 * 7 / days, 1))
        self.assertEqual(target["per_month"], 400)
        # The week before spans two months when the month began less than a week ago.
        prev = by_id(r.json["previous"]["marketing"])["qualified_per_month"]["target"]
        pdays = calendar.monthrange(first.year - (first.month == 1),
                                    (first.month - 2) % 12 + 1)[1]
        self.assertEqual(prev["min"], round(400 * 7 / pdays, 1))

    def test_bad_period(self):
        self.assertError(self.d.get("/v1/contract?from=2026-07-02&to=2026-07-01"), 400,
                         "invalid_parameter", "from")
        self.assertError(self.d.get("/v1/contract?from=yesterday"), 400,
                         "invalid_parameter", "from")


class ContractConfigTests(DaemonTestCase):

    def check(self, contract, scoring=SCORING):
        path = os.path.join(self.tmp, "c.yaml")
        with open(path, "w") as f:
            f.write(make_conf(self.redis, extra=scoring + contract))
        p = subprocess.run([LEADROUTED, "-t", "-c", path], capture_output=True, text=True,
                           timeout=10)
        return p.returncode, p.stderr

    def assertRefused(self, contract, message, scoring=SCORING):
        rc, err = self.check(contract, scoring)
        self.assertEqual(rc, 1, err)
        self.assertIn(message, err)

    def test_the_example_contract_loads(self):
        rc, err = self.check(CONTRACT)
        self.assertEqual(rc, 0, err)

    def test_the_wrong_bound_is_named(self):
        self.assertRefused("contract:\n  acceptance_rate_pct: {max: 70}\n",
                           "contract.acceptance_rate_pct: acceptance_rate_pct is a minimum "
                           "commitment: it takes min, not max")
        self.assertRefused("contract:\n  first_touch_median: {min: 1h}\n",
                           "contract.first_touch_median: first_touch_median is a maximum "
                           "commitment: it takes max, not min")

    def test_a_percentage_over_100(self):
        self.assertRefused("contract:\n  complete_pct: {min: 120}\n",
                           "contract.complete_pct.min: expected a number from 0 to 100, "
                           "got \"120\"")

    def test_a_bad_duration(self):
        self.assertRefused("contract:\n  first_touch_median: {max: soon}\n",
                           "contract.first_touch_median.max: bad duration \"soon\"")

    def test_an_unknown_grade(self):
        self.assertRefused("contract:\n  qualified_per_month: {min: 400, grades: [A, Z]}\n",
                           "contract.qualified_per_month.grades: unknown grade \"Z\"")

    def test_qualified_needs_an_mql_threshold(self):
        self.assertRefused("contract:\n  qualified_per_month: {min: 400}\n",
                           "contract.qualified_per_month: needs scoring.mql", scoring="")

    def test_an_unknown_commitment(self):
        self.assertRefused("contract:\n  happiness_pct: {min: 90}\n",
                           "contract: unknown key \"happiness_pct\"")

    def test_a_missing_bound(self):
        self.assertRefused("contract:\n  disposition_pct: {}\n",
                           "contract.disposition_pct: missing \"min\"")


if __name__ == "__main__":
    main()
