"""The routing engine through the API: scoring, grades, territories, SLA overrides, the decision."""

import signal

from harness import DaemonTestCase, main, wait_for
from test_leads import ms

SCORING = """\
territories:
  - {id: dach, countries: [DE, AT, CH]}
scoring:
  fit:
    - {name: senior-title, when: {title: {contains: [vp, director]}}, points: 20}
    - {name: mid-market, when: {employees: {gte: 200}}, points: 15}
    - {name: dach, when: {territory: dach}, points: 5}
  behavior:
    demo_request: 40
    content_download: 10
  mql: 50
  grades: {A: 70, B: 50, C: 20, D: 0}
"""

RULES = """\
  - name: hot
    when: {grade: A}
    pool: emea
    sla: {first_touch: 10m}
  - name: dach
    when: {territory: dach}
    pool: emea
  - name: default
    pool: amer
"""


class ScoringTests(DaemonTestCase):

    conf_overrides = {"extra": SCORING, "rules": RULES,
                      "sla_extra": "grades:\n  B: {first_touch: 20m}"}

    def test_lead_carries_score_grade_mql_and_breakdown(self):
        lead = self.d.lead(email="vp@x.de", title="VP Sales", employees=500, country="DE",
                           event="demo_request")
        self.assertEqual(lead["score"], 80)
        self.assertEqual(lead["grade"], "A")
        self.assertIs(lead["mql"], True)
        # A behaviour entry also says when it happened and what it earned then.
        self.assertEqual(lead["score_breakdown"], [
            {"reason": "senior-title", "points": 20}, {"reason": "mid-market", "points": 15},
            {"reason": "dach", "points": 5},
            {"reason": "event:demo_request", "points": 40, "earned": 40,
             "at": lead["received_at"]}])
        got = self.d.get("/v1/leads/" + lead["id"]).json
        for k in ("score", "grade", "mql", "score_breakdown"):
            self.assertEqual(got[k], lead[k], k)

    def test_definitions_publish_all_that_decides(self):
        d = self.d.get("/v1/definitions").json
        fit = {f["name"]: f for f in d["scoring"]["fit"]}
        self.assertEqual(fit["senior-title"]["when"],
                         {"field": "title", "contains": ["vp", "director"]})
        self.assertEqual(fit["mid-market"]["when"], {"field": "employees", "gte": 200})
        self.assertEqual(fit["dach"]["when"], {"territory": "dach"})
        self.assertEqual(d["rules"], [
            {"name": "hot", "when": {"field": "grade", "in": ["A"]}, "targets": [{"pool": "emea"}],
             "nurture": False, "queue": "emea", "sla": {"first_touch": 600000}},
            {"name": "dach", "when": {"territory": "dach"}, "targets": [{"pool": "emea"}],
             "nurture": False, "queue": "emea", "sla": {}},
            {"name": "default", "when": None, "targets": [{"pool": "amer"}],
             "nurture": False, "queue": "amer", "sla": {}}])
        self.assertEqual(d["sla_by_grade"], {"B": {"first_touch": 1200000}})
        self.assertEqual(d["sla_by_pool"], {"emea": {}, "amer": {}})

    def test_rules_route_on_grade_and_territory(self):
        hot = self.d.lead(email="a@x.us", title="Director", employees=900, country="US",
                          event="demo_request")
        self.assertEqual((hot["grade"], hot["rule"]), ("A", "hot"))
        dach = self.d.lead(email="b@x.at", country="at")
        self.assertEqual((dach["score"], dach["grade"], dach["rule"]), (5, "D", "dach"))
        other = self.d.lead(email="c@x.fr", country="FR", event="content_download")
        self.assertEqual((other["score"], other["mql"], other["rule"]), (10, False, "default"))

    def test_sla_follows_rule_then_grade_then_default(self):
        hot = self.d.lead(email="a@x.us", title="VP", employees=900, event="demo_request")
        self.assertEqual(ms(hot["clocks"]["first_touch"]["due_at"]) - ms(hot["assigned_at"]), 10 * 60 * 1000)
        b = self.d.lead(email="b@x.us", title="VP", event="demo_request")   # 60
        self.assertEqual(b["grade"], "B")
        self.assertEqual(ms(b["clocks"]["first_touch"]["due_at"]) - ms(b["assigned_at"]), 20 * 60 * 1000)
        d = self.d.lead(email="c@x.us")
        self.assertEqual(d["grade"], "D")
        self.assertEqual(ms(d["clocks"]["first_touch"]["due_at"]) - ms(d["assigned_at"]), 60 * 60 * 1000)
        self.assertEqual(ms(d["clocks"]["route"]["due_at"]) - ms(d["received_at"]), 5 * 60 * 1000)

    def test_decision_names_config_version_and_rules_evaluated(self):
        lead = self.d.lead(email="b@x.at", country="AT")
        version = self.d.get("/healthz").json["config_version"]
        self.assertEqual(lead["decision"], {
            "config_version": version, "rules_evaluated": ["hot", "dach"], "rule": "dach",
            "action": "pool", "targets": [{"target": "pool", "pool": "emea", "candidates": [
                {"rep": "ana", "result": "chosen"}, {"rep": "ben", "result": "weight_turn"}]}]})
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["decision"], lead["decision"])

    def test_decision_after_a_reload_keeps_the_old_version(self):
        lead = self.d.lead(email="b@x.at", country="AT")
        self.d.write_conf(self.d_conf_text().replace("demo_request: 40", "demo_request: 41"))
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.events("config_reloaded"), what="the reload")
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["decision"]["config_version"], lead["decision"]["config_version"])
        # The names are the old config's, as it published them.
        self.assertEqual(got["decision"]["rules_evaluated"], ["hot", "dach"])
        self.assertEqual(got["decision"]["rule"], "dach")
        # Renamed and reordered rules in the next config do not change them.
        text = self.d_conf_text().replace("name: hot", "name: hottest")
        self.d.write_conf(text)
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: len(self.d.events("config_reloaded")) == 2, what="the second reload")
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["decision"]["rules_evaluated"], ["hot", "dach"])
        newer = self.d.lead(email="c@x.at", country="AT")
        self.assertEqual(self.d.get("/v1/leads/" + newer["id"]).json["decision"]
                         ["rules_evaluated"], ["hottest", "dach"])
        # A version whose rules were never published (a lead from before) keeps the count.
        self.redis.cmd("HDEL", "lr:cfg:rules", lead["decision"]["config_version"])
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["decision"]["rules_evaluated"], 2)

    def d_conf_text(self):
        with open(self.d.conf_path) as f:
            return f.read()


if __name__ == "__main__":
    main()
