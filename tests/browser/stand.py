"""A leadrouted and its redis-server for the console's browser tests (and for
looking at the console by hand): starts both with API tokens, seeds leads
through the real API, prints one JSON line (url, tokens, what was seeded) and
serves until standard input closes.

    python3 tests/browser/stand.py [--leads N] [--reps N] [--first-touch 1h]
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Daemon, Redis, make_conf  # noqa: E402

TOKENS = {
    "admin": "console-admin-token-0123456789abcdef01234",
    "manager": "console-manager-token-0123456789abcdef01",
    "ana": "console-rep-ana-token-0123456789abcdef012",
    "ingest": "console-ingest-token-0123456789abcdef0123",
}

COUNTRIES = ["DE", "FR", "GB", "US", "US", "CA", "DE", "US"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries",
             "Wayne Enterprises", "Tyrell", "Cyberdyne", "Soylent"]
SOURCES = ["webinar", "demo", "ebook", "partner"]
EVENTS = {"webinar": "signup", "demo": "demo_request", "ebook": "download", "partner": "referral"}
REASONS = ["wrong_title", "bad_timing", "duplicate", "wrong_company_size"]

EXTRA = """\
auth:
  tokens: file:{tokens}
  rate_limit: 100000/s
console:
  session_ttl: 1h
  sign_in_rate: 1000/s
scoring:
  fit:
    - {{name: big-company, when: {{employees: {{gte: 500}}}}, points: 30}}
    - {{name: decision-maker, when: {{title: [CTO, CEO, VP Sales]}}, points: 20}}
  behavior:
    demo_request: 40
    signup: 15
    download: 5
    referral: 25
  mql: 40
  grades: {{A: 80, B: 60, C: 40, D: 0}}
contract:
  qualified_per_month: {{min: 40, grades: [A, B, C]}}
  acceptance_rate_pct: {{min: 70}}
  complete_pct: {{min: 90}}
  first_touch_median: {{max: 1h}}
  touches_before_lost: {{min: 6}}
  disposition_pct: {{min: 95}}
"""


def reps_and_pools(n):
    names = ["ana", "ben", "cy", "dee"] + ["rep%03d" % i for i in range(max(0, n - 4))]
    reps = "".join("  - {id: %s, name: %s}\n" % (r, r.capitalize() if r[:3] != "rep" else
                                                  "Rep " + r[3:]) for r in names[:max(n, 4)])
    half = max(2, len(names) // 2)
    emea, amer = names[:half], names[half:]
    if "ana" not in emea:
        emea.insert(0, "ana")
    pools = "  - id: emea\n    reps: [%s]\n  - id: amer\n    reps: [%s]\n" % (
        ", ".join(emea), ", ".join(amer or ["dee"]))
    return reps, pools


def seed(d, n, rng):
    """n leads through the real API: routed, some touched, accepted, rejected, won."""
    made = []
    for i in range(n):
        source = rng.choice(SOURCES)
        f = {"email": "person%d@%s.example" % (i, rng.choice(COMPANIES).lower().replace(" ", "")),
             "first_name": "Person", "last_name": str(i),
             "company": rng.choice(COMPANIES), "country": rng.choice(COUNTRIES),
             "employees": rng.choice([20, 150, 800, 5000]), "title": rng.choice(["CTO", "Engineer", "VP Sales"]),
             "source": source, "event": EVENTS[source]}
        r = d.post("/v1/leads", f, headers={"Authorization": "Bearer " + TOKENS["ingest"]})
        if r.status not in (200, 201, 202):
            raise SystemExit("seeding failed: %s" % r)
        made.append(r.json)
    auth = {"Authorization": "Bearer " + TOKENS["admin"]}
    for i, lead in enumerate(made):
        lid, owner = lead["id"], lead.get("owner")
        if owner is None or i % 5 == 4:
            continue
        d.post("/v1/leads/%s/touch" % lid, {"rep": owner, "channel": "call"}, headers=auth)
        if i % 5 == 3:
            d.post("/v1/leads/%s/reject" % lid, {"rep": owner, "reason": rng.choice(REASONS)},
                   headers=auth)
            continue
        d.post("/v1/leads/%s/accept" % lid, {"rep": owner}, headers=auth)
        if i % 5 in (0, 1):
            d.post("/v1/leads/%s/stage" % lid, {"stage": "sql", "by": "sdr"}, headers=auth)
        if i % 5 == 0:
            d.post("/v1/leads/%s/stage" % lid, {"stage": "opportunity", "by": "ae",
                                                 "amount": 1000 + 100 * i}, headers=auth)
            d.post("/v1/leads/%s/stage" % lid, {"stage": "won", "by": "ae"}, headers=auth)
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=30)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--first-touch", default="1h")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    # TERM (a harness giving up) stops the daemon and Redis too, as EOF does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    tmp = tempfile.mkdtemp(prefix="leadroute-console-")
    tokens = os.path.join(tmp, "tokens")
    with open(tokens, "w") as f:
        # Hashes, as a real token file holds them.
        sha = lambda t: "sha256:" + hashlib.sha256(t.encode()).hexdigest()
        f.write("admin admin %s\n" % sha(TOKENS["admin"]))
        f.write("maria manager %s\n" % sha(TOKENS["manager"]))
        f.write("ana rep:ana %s\n" % sha(TOKENS["ana"]))
        f.write("forms ingest %s\n" % sha(TOKENS["ingest"]))
    redis = Redis(tmp)     # started by its constructor: a second start() would orphan it
    reps, pools = reps_and_pools(args.reps)
    conf = make_conf(redis, reps=reps, pools=pools, first_touch=args.first_touch,
                     extra=EXTRA.format(tokens=tokens))
    d = Daemon(tmp, conf)
    try:
        d.start()
        made = seed(d, args.leads, random.Random(args.seed))
        print(json.dumps({"url": "http://127.0.0.1:%d" % d.port, "tokens": TOKENS,
                          "redis": redis.url, "leads": [m["id"] for m in made],
                          "config": d.conf_path,
                          "pid": d.proc.pid, "redis_pid": redis.proc.pid}), flush=True)
        sys.stdin.read()
    finally:
        d.stop()
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
