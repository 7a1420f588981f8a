"""Same inputs, same outputs: a fixed sequence of leads and lead events through
every routing path, and what the daemon then answers about them, compared
with tests/integration/golden/equivalence.json.

The hot path's storage and scripts change for speed (docs/operations.md,
"Redis time per lead"); what people and systems see must not. The golden
file holds, for the sequence below: each lead as GET /v1/leads/{id} shows it
(decision, clocks, history, score), the scorecard (all, by rep, by pool, and
its CSV), the pools, reps, clocks and escalations views, a simulated
decision, and every event a subscription received, in order per lead. Lead
and person ids become L1, P1 … in order of first appearance; instants become
"T" (or "T+<ms>" from the lead's arrival, where the offset is fixed by the
config); durations that depend on how fast this machine is become "D".

To accept an intended change: LEADROUTE_GOLDEN_WRITE=1 python3
test_equivalence.py, then review `git diff tests/integration/golden/`.
"""

import datetime
import json
import os
import re
import time

from harness import DaemonTestCase, main, wait_for
from webhook_sink import Sink

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "equivalence.json")
SECRET = "whsec_ZXF1aXZhbGVuY2UtdGVzdC1zZWNyZXQtMzJieXRlcw=="

REPS = """\
  - {id: ana, name: Ana Ruiz, max_open: 6}
  - {id: ben, name: Ben Okafor}
  - {id: cy, name: Cy Young, calendar: always}
  - {id: dee, name: Dee Long, max_open: 1}
  - {id: eli, name: Eli Stone, max_per_day: 2}
  - {id: fay, name: Fay Wong}
"""

POOLS = """\
  - id: emea
    reps: [ana, {id: ben, weight: 2}]
    sla: {first_touch: 45m}
  - id: amer
    reps: [cy, dee, eli]
    max_open: 8
    calendar: always
  - id: fast
    reps: [fay, ben]
    escalation:
      - after: 0s
        notify: [owner]
      - after: 1s
        reassign: next_available
"""

RULES = """\
  - name: students
    when: {source: student-fair}
    nurture: true
  - name: hot
    when: {grade: A}
    route:
      - account_owner
      - pool: emea
    sla: {route: 30s}
  - name: fast
    when: {source: fast}
    pool: fast
    sla: {first_touch: 1s}
  - name: vip
    when: {source: vip}
    rep: dee
    queue: amer
  - name: emea
    when:
      country: [DE, FR, GB]
    pool: emea
  - name: default
    pool: amer
"""

EXTRA = """\
calendars:
  - id: always
    timezone: UTC
    hours:
      daily: "00:00-24:00"
accounts:
  - {domain: acme.com, owner: cy, name: Acme Inc}
scoring:
  fit:
    - {name: senior-title, when: {title: {contains: [vp, chief]}}, points: 30}
    - {name: big, when: {employees: {gte: 1000}}, points: 20}
  behavior:
    demo_request: 40
    pricing_page: 25
  mql: 50
  grades:
    A: 80
    B: 50
    C: 0
scorecard:
  required_fields: [email, company]
  untouched_after: 48h
subscriptions:
  - id: all
    url: "{sink}"
    secrets: [%s]
    events: [lead.received, lead.assigned, lead.queued, lead.touched, lead.accepted,
             lead.rejected, lead.stage_changed, lead.re_engaged, lead.became_mql,
             lead.reassigned, lead.nurtured, sla.breached]
""" % SECRET

ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
# Figures that measure how fast this machine went, not what happened.
SPEED_KEYS = re.compile(r"(^|_)(ttr|ttft|median|p50|p90|p99|mean|avg|age|waited|remaining|lag|"
                        r"time_to_route|time_to_first_touch|seconds|oldest|elapsed|left|overdue)($|_)")


def iso_ms(s):
    t = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    frac = s[19:-1]
    return int(t.timestamp()) * 1000 + (int(round(float(frac) * 1000)) if frac else 0)


class Normaliser:
    """Ids to L1/P1 … in order of appearance; instants and speeds to placeholders."""

    def __init__(self):
        self.ids = {}

    def ident(self, s):
        def one(m):
            v = m.group(0)
            if v not in self.ids:
                self.ids[v] = "ID%d" % (len(self.ids) + 1)
            return self.ids[v]
        return ULID.sub(one, s)

    def __call__(self, v, key=""):
        if isinstance(v, dict):
            out = {self.ident(k): self(x, k) for k, x in sorted(v.items())}
            # A clock's due time follows from its start and the config.
            if ISO.match(str(v.get("started_at"))) and ISO.match(str(v.get("due_at"))):
                out["due_at"] = "T+%d" % (iso_ms(v["due_at"]) - iso_ms(v["started_at"]))
            return out
        if isinstance(v, list):
            return [self(x, key) for x in v]
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, (int, float)):
            if v > 1e12:
                return "T"
            if SPEED_KEYS.search(key):
                return "D"
            return v
        if isinstance(v, str):
            if key == "config_version":     # a hash of the config, with the sink's port
                return "V"
            if ISO.match(v):
                return "T"
            return self.ident(v)
        return v


class EquivalenceTests(DaemonTestCase):

    conf_overrides = {}

    def setUp(self):
        self.sink = Sink(secrets=[SECRET])
        self.conf_overrides = {
            "reps": REPS, "pools": POOLS, "rules": RULES, "sticky": "30d",
            "join": "30d\n  restart_first_touch_on: [demo_request]",
            "extra": EXTRA.replace("{sink}", self.sink.url("/all")),
            "ft_extra": {"remind_before": "10m"},
        }
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.sink.close()

    def post(self, path, body, status=(200, 201), headers=None):
        r = self.d.post(path, body, headers=headers)
        self.assertIn(r.status, status, r)
        return r.json

    def run_sequence(self):
        """Every routing path once or more; returns the leads' ids in order."""
        d = self.d
        ids = []
        n = [0]

        def lead(**kw):
            n[0] += 1
            f = dict(email="p%d@example.org" % n[0], company="Firm %d" % n[0], country="DE",
                     source="web", event="signup")
            f.update(kw)
            f = {k: v for k, v in f.items() if v is not None}
            body = self.post("/v1/leads", f)
            ids.append(body["id"])
            return body["id"]

        def act(lid, action, body):
            return self.post("/v1/leads/%s/%s" % (lid, action), body)

        owner = lambda lid: d.get("/v1/leads/" + lid).json["owner"]
        # Weighted rotation: ben (weight 2) gets two of every three.
        for _ in range(6):
            lead()
        # The default pool, with its caps: dee takes one, eli two a day.
        for i in range(5):
            lead(country="US", employees=10 + i)
        # An account's owner, for a hot lead; a hot lead without an account.
        lead(email="cto@acme.com", title="Chief Technology Officer", employees=5000,
             event="demo_request")
        lead(email="vp@nowhere.example", title="VP Sales", employees=2000, event="demo_request",
             country="FR")
        # A named rep; nurture; a phone-only lead; an incomplete one.
        lead(source="vip", country="US")
        lead(source="student-fair")
        lead(email=None, phone="+49 30 901820", country="DE")
        lead(company=None, country="GB")
        # The same person again: joins their open lead (re_engaged); with
        # demo_request the first touch starts over.
        first = lead(email="return@example.org", country="GB")
        act(first, "touch", {"rep": owner(first), "channel": "call"})
        lead(email="return@example.org", country="GB", event="pricing_page")
        lead(email="return@example.org", country="GB", event="demo_request")
        # A +tag and another case: the same contact (sticky), another person.
        lead(email="Return+x@example.org", country="GB", event="demo_request")
        # Idempotency: the same key twice is one lead.
        r1 = self.post("/v1/leads", dict(email="idem@example.org", country="US", source="web",
                                          event="signup"), headers={"Idempotency-Key": "k-1"})
        r2 = self.post("/v1/leads", dict(email="idem@example.org", country="US", source="web",
                                          event="signup"), headers={"Idempotency-Key": "k-1"})
        self.assertEqual(r1["id"], r2["id"])
        ids.append(r1["id"])
        # Statuses: ben away is skipped; everyone in emea away queues the lead,
        # and ana back drains the queue.
        d.set_status("ben", "away")
        lead(country="DE")
        d.set_status("ana", "away")
        queued = lead(country="FR")
        self.assertEqual(d.get("/v1/leads/" + queued).json["status"], "queued")
        d.set_status("ana", "available")
        wait_for(lambda: d.get("/v1/leads/" + queued).json["status"] == "assigned",
                 what="the queued lead assigned")
        d.set_status("ben", "available")
        # The hand-off contract on the first leads: touches, accept, reject,
        # stages through to won and lost.
        a, b, c, e = ids[0], ids[1], ids[2], ids[3]
        act(a, "touch", {"rep": owner(a), "channel": "call"})
        act(a, "accept", {"rep": owner(a)})
        act(a, "stage", {"stage": "sql", "by": "sdr"})
        act(a, "stage", {"stage": "opportunity", "by": "ae", "amount": 12500})
        act(a, "stage", {"stage": "won", "by": "ae"})
        act(b, "touch", {"rep": owner(b), "channel": "email"})
        act(b, "reject", {"rep": owner(b), "reason": "wrong_title"})
        act(c, "touch", {"rep": owner(c), "channel": "call"})
        act(c, "touch", {"rep": owner(c), "channel": "call"})
        act(c, "accept", {"rep": owner(c)})
        act(c, "stage", {"stage": "sql", "by": "sdr"})
        act(c, "stage", {"stage": "lost", "by": "ae", "reason": "no_budget"})
        act(e, "reject", {"rep": owner(e), "reason": "duplicate"})
        # Sticky: a closed lead's contact comes back to its owner.
        lead(email=d.get("/v1/leads/" + a).json["fields"]["email"], country="DE",
             event="pricing_page")
        # A clock of 1 s: breached, escalated, reassigned to the next rep who
        # never had it, who breaches too.
        fast = lead(source="fast", country="US")
        wait_for(lambda: len(d.get("/v1/leads/" + fast).json["owners"]) == 2, timeout=20,
                 what="the fast lead reassigned")
        wait_for(lambda: len([x for x in d.get("/v1/escalations").json["escalations"]
                              if x["lead"] == fast]) >= 2, timeout=20,
                 what="the second escalation")
        return ids

    def snapshot(self, ids):
        d = self.d
        out = {"leads": [], "views": {}}
        for lid in ids:
            r = d.get("/v1/leads/" + lid)
            self.assertEqual(r.status, 200, r)
            out["leads"].append(r.json)
        for path in ("/v1/scorecard", "/v1/scorecard?by=rep", "/v1/scorecard?by=pool",
                     "/v1/pools", "/v1/reps", "/v1/clocks", "/v1/escalations?status=resolved", "/v1/escalations?status=acknowledged",
                     "/v1/escalations"):
            r = d.get(path)
            self.assertEqual(r.status, 200, (path, r))
            out["views"][path] = r.json
        # Clocks due at the same instant come in either order.
        order = {lid: i for i, lid in reversed(list(enumerate(ids)))}
        out["views"]["/v1/clocks"]["clocks"].sort(key=lambda c: (order.get(c["lead"], -1), c["clock"]))
        r = d.get("/v1/scorecard?by=rep&format=csv")
        self.assertEqual(r.status, 200, r)
        rows = [line.split(",") for line in r.raw.splitlines()]
        speed = [i for i, name in enumerate(rows[0]) if SPEED_KEYS.search(name)]
        for row in rows[1:]:
            for i in speed:
                row[i] = row[i] and "D"
        out["views"]["scorecard.csv"] = [",".join(row) for row in rows]
        r = d.post("/v1/route/simulate", {"email": "sim@example.org", "country": "FR",
                                           "title": "VP", "event": "demo_request"})
        self.assertEqual(r.status, 200, r)
        out["views"]["simulate"] = r.json
        # What the subscription got, per lead in the lead's own order (seq).
        # The lead's snapshot in each is as it was when the attempt was built,
        # which depends on timing: only the event's own members are kept.
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                               "schemas", "events", "common.json")) as f:
            snapshot_keys = set(json.load(f)["$defs"]["lead_snapshot"]["required"]) - {"lead", "seq"}
        per_lead = {}
        for req in self.sink.got("/all"):
            ev = req["event"]
            data = {k: v for k, v in ev["data"].items() if k not in snapshot_keys}
            per_lead.setdefault(data.get("lead", ""), []).append({"type": ev["type"], "data": data})
        for evs in per_lead.values():
            evs.sort(key=lambda e: (e["data"].get("seq", 0), e["type"]))
        out["deliveries"] = [per_lead.get(lid, []) for lid in ids]
        return out

    def test_same_answers_as_the_golden_file(self):
        ids = self.run_sequence()
        # Deliveries and the scorecard's fold settle within seconds.
        time.sleep(2.5)
        got = Normaliser()(self.snapshot(ids))
        text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        if os.environ.get("LEADROUTE_GOLDEN_WRITE"):
            os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
            with open(GOLDEN, "w") as f:
                f.write(text)
            self.skipTest("wrote " + GOLDEN)
        with open(GOLDEN) as f:
            want = f.read()
        if text != want:
            import difflib
            diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                                "golden", "now", n=2))
            self.fail("the answers differ from the golden file:\n" + diff[:12000])


if __name__ == "__main__":
    main()
