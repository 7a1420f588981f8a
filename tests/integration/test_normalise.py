"""Country and employee-count normalisation through every door: POST /v1/leads,
POST /v1/route/simulate, a source's events; warnings for what is not understood."""

import re

from harness import DaemonTestCase, main

RULES = """\
  - name: emea
    when:
      country: [DE, AT, CH, FR, GB]
    pool: emea
  - name: us-mid
    when:
      country: US
      employees: {gte: 200}
    pool: amer
  - name: default
    pool: amer
"""

MANAGER = "manager-token-for-normalise-0123456"


class NormaliseTests(DaemonTestCase):

    conf_overrides = {"rules": RULES}

    def metric(self, name):
        text = self.d.get("/metrics").raw
        m = re.search(r"^leadrouted_%s (\d+)$" % re.escape(name), text, re.M)
        return int(m.group(1)) if m else 0

    def test_a_country_name_routes_like_its_code(self):
        lead = self.d.lead(email="a@x.de", country="Germany")
        self.assertEqual(lead["rule"], "emea", lead)
        self.assertEqual(lead["fields"]["country"], "DE")
        self.assertEqual(lead["warnings"], [])
        for sent in ("Deutschland", " deutschland ", "DEU", "de", "Österreich", "Schweiz",
                     "The United Kingdom", "U.K.", "England", "France"):
            got = self.d.lead(email="b@x.de", country=sent)
            self.assertEqual(got["rule"], "emea", (sent, got["fields"]))
        stored = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual((stored["fields"]["country"], stored["warnings"]), ("DE", []))

    def test_an_employee_range_passes_an_employees_condition(self):
        lead = self.d.lead(email="a@x.us", country="U.S.A.", employees="200-500")
        self.assertEqual(lead["rule"], "us-mid", lead)
        self.assertEqual(lead["fields"]["employees"], 200)      # the lower bound
        self.assertEqual(lead["warnings"], [])
        for sent, rule in (("1,000+", "us-mid"), ("10k", "us-mid"), ("51-200 employees", "default"),
                           ("<10", "default"), ("200 to 500", "us-mid"), ("1.5k", "us-mid")):
            got = self.d.lead(email="b@x.us", country="United States", employees=sent)
            self.assertEqual(got["rule"], rule, (sent, got["fields"]))

    def test_an_unknown_country_is_kept_with_a_warning(self):
        r = self.d.post("/v1/leads", {"email": "a@x.io", "country": "  Atlantis ", "employees": "lots"})
        self.assertEqual(r.status, 201, r)
        lead = r.json
        self.assertEqual(lead["rule"], "default")
        self.assertEqual(lead["fields"], {"email": "a@x.io", "country": "Atlantis"})
        self.assertEqual(lead["warnings"], [
            {"field": "country", "value": "  Atlantis ",
             "message": "country is not a country we know: kept as sent"},
            {"field": "employees", "value": "lots",
             "message": "employees is not a number or a range of numbers: left out"}])
        stored = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(stored["warnings"], lead["warnings"])
        self.assertEqual(self.metric('lead_field_warnings_total{field="country"}'), 1)
        self.assertEqual(self.metric('lead_field_warnings_total{field="employees"}'), 1)

    def test_out_of_range_employees_are_left_out_not_refused(self):
        r = self.d.post("/v1/leads", {"email": "a@x.io", "employees": -3})
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("employees", r.json["fields"])
        self.assertEqual([w["field"] for w in r.json["warnings"]], ["employees"])
        self.assertEqual(r.json["warnings"][0]["value"], -3)
        # A value of the wrong type is still refused.
        r = self.d.post("/v1/leads", {"email": "a@x.io", "employees": [200, 500]})
        self.assertError(r, 422, "invalid_field", "employees")

    def test_a_repeat_answers_the_warnings_stored_with_the_lead(self):
        h = {"Idempotency-Key": "norm-1"}
        first = self.d.post("/v1/leads", {"email": "a@x.io", "country": "Narnia"}, headers=h)
        again = self.d.post("/v1/leads", {"email": "a@x.io", "country": "Narnia"}, headers=h)
        self.assertEqual((first.status, again.status), (201, 200))
        self.assertEqual(again.json["warnings"], first.json["warnings"])
        self.assertEqual(len(first.json["warnings"]), 1)
        self.assertEqual(self.metric('lead_field_warnings_total{field="country"}'), 1)

    def test_simulate_normalises_too(self):
        r = self.d.post("/v1/route/simulate", {"email": "a@x.de", "country": "Deutschland"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["rule"], r.json["fields"]["country"]), ("emea", "DE"))
        r = self.d.post("/v1/route/simulate", {"email": "a@x.us", "country": "usa",
                                               "employees": "5000 or more"})
        self.assertEqual((r.json["rule"], r.json["fields"]["employees"]), ("us-mid", 5000))
        r = self.d.post("/v1/route/simulate", {"email": "a@x.io", "country": "Gondor"})
        self.assertEqual(r.json["warnings"][0]["field"], "country")
        self.assertEqual(self.metric('lead_field_warnings_total{field="country"}'), 0)


if __name__ == "__main__":
    main()
