"""leadctl end to end: every command against a real daemon over real HTTP, its
tables and --json, its connection settings, and the exit codes that say what
failed (docs/man/leadctl.1).

The binary is $LEADCTL (set by `make check`); $LEADCTL_WRAPPER (say
"valgrind -q --error-exitcode=99 --leak-check=full") runs it under a checker.
"""

import datetime
import json
import os
import pty
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import unittest

import harness
from harness import DaemonTestCase, free_port, main, wait_for
from test_auth import TOKENS, make_cert, tokens_file
from test_notify import LEVEL_EVENT, Receiver, notify_section
from test_subscriptions import SECRET as SUBS_SECRET, subs_section
from webhook_sink import Sink

LEADCTL = os.environ.get("LEADCTL") or os.path.join(
    os.path.dirname(__file__), "..", "..", "tools", "leadctl", "leadctl")
WRAPPER = os.environ.get("LEADCTL_WRAPPER", "").split()
SRCDIR = os.environ.get("LEADROUTE_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")

if not os.access(LEADCTL, os.X_OK):
    print("SKIP: needs a built tools/leadctl/leadctl ($LEADCTL)", file=sys.stderr)
    sys.exit(77)

REPS = """\
  - {id: ana, name: Ana Ruiz, notify: revops, manager: maria}
  - {id: ben, name: Ben Okafor, max_open: 1}
  - {id: cy, name: Cy Young}
  - {id: dee, name: Dee Long, max_per_day: 5}
"""

# Each role's token in a file of its own, as leadctl(1) advises.
ROLES = ("admin", "manager", "ana", "ingest")


def run_ctl(args, env=None, stdin=subprocess.DEVNULL, timeout=30):
    """Run leadctl with exactly env (nothing of the caller's LEADCTL_* or config)."""
    p = subprocess.run(WRAPPER + [LEADCTL] + list(args), env=env, stdin=stdin,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class CtlTestCase(DaemonTestCase):
    """A daemon with API tokens and a webhook receiver for its notifications."""

    first_touch = "1h"
    more_conf = ""

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home, exist_ok=True)
        self.tokens = os.path.join(self.tmp, "tokens")
        tokens_file(self.tokens)
        self.token_files = {}
        for role in ROLES:
            path = os.path.join(self.tmp, role + ".token")
            with open(path, "w") as f:
                f.write(TOKENS[role] + "\n")
            self.token_files[role] = path
        self.d = self.new_daemon(start=False, **self.conf())
        self.d.tls = self.tls_context()
        self.d.start()
        self.d.token = TOKENS["admin"]

    def tls_context(self):
        """The ssl.SSLContext the harness talks to a TLS daemon with; None: plain HTTP."""
        return None

    def conf(self):
        return dict(reps=REPS, route="1s", first_touch=self.first_touch,
                    extra=notify_section(self.rx) + self.more_conf +
                    "auth:\n  tokens: file:%s\n  rate_limit: 1000/s\n" % self.tokens)

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.d.tls is not None else "http", self.d.port)

    def env(self, **more):
        """A clean environment: HOME with no config, the system's PATH, TZ=UTC."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "TZ": "UTC",
               "LEADROUTED": harness.LEADROUTED}
        env.update(more)
        return env

    def ctl(self, *args, role="admin", stdin=subprocess.DEVNULL, env=None):
        """leadctl --url <daemon> --token-file <role's> ARGS: (rc, stdout, stderr)."""
        pre = ["--url", self.url]
        if role is not None:
            pre += ["--token-file", self.token_files[role]]
        rc, out, err = run_ctl(pre + list(args), env=env or self.env(), stdin=stdin)
        if rc == 99:
            self.fail("leadctl under its checker reported errors:\n" + err)
        return rc, out, err

    def ok(self, *args, **kw):
        """Run a command that must succeed: its stdout."""
        rc, out, err = self.ctl(*args, **kw)
        self.assertEqual(rc, 0, "leadctl %s: rc %d\n%s%s" % (" ".join(args), rc, out, err))
        self.assertEqual(err, "")
        return out

    def fails(self, rc_expected, *args, **kw):
        """Run a command that must fail with rc_expected and print nothing on stdout: its stderr."""
        rc, out, err = self.ctl(*args, **kw)
        self.assertEqual(rc, rc_expected, "leadctl %s: rc %d\n%s%s" % (" ".join(args), rc, out, err))
        self.assertEqual(out, "")
        return err

    def api(self, path):
        r = self.d.get(path)
        self.assertEqual(r.status, 200, r)
        return r.json


class RepsTests(CtlTestCase):

    def test_reps_table_shows_status_load_and_caps(self):
        self.d.lead(email="a@x.com", country="DE")
        self.d.lead(email="b@x.com", country="DE")
        self.assertEqual(self.ok("reps"),
                         "ID   NAME        STATUS     UNTIL  IN HOURS  OPEN  TODAY  POOLS\n"
                         "ana  Ana Ruiz    available  -      yes       1     1      emea\n"
                         "ben  Ben Okafor  available  -      yes       1/1   1      emea\n"
                         "cy   Cy Young    available  -      yes       0     0      amer\n"
                         "dee  Dee Long    available  -      yes       0     0/5    amer\n")

    def test_reps_json_is_the_apis(self):
        self.d.lead(email="a@x.com", country="DE")
        self.assertEqual(json.loads(self.ok("reps", "--json")), self.api("/v1/reps"))

    def test_rep_shows_one_and_an_unknown_one_is_5(self):
        self.d.set_status("cy", "away")
        self.assertEqual(self.ok("rep", "cy"),
                         "id:           cy\n"
                         "name:         Cy Young\n"
                         "status:       away\n"
                         "until:        -\n"
                         "in hours:     yes\n"
                         "open leads:   0\n"
                         "leads today:  0\n"
                         "pools:        amer\n")
        rep = [r for r in self.api("/v1/reps")["reps"] if r["id"] == "cy"][0]
        self.assertEqual(json.loads(self.ok("rep", "cy", "--json")), rep)
        self.assertEqual(self.fails(5, "rep", "zed"),
                         'leadctl: rep: no rep "zed" in the daemon\'s config '
                         "(leadctl reps lists them)\n")

    def test_rep_status_away_ooo_until_and_back(self):
        self.assertEqual(self.ok("rep", "ben", "away"), "ben: away (was available)\n")
        self.assertEqual(self.api("/v1/reps")["reps"][1]["status"], "away")
        # A local time without a zone (TZ=UTC here), and RFC 3339.
        self.assertEqual(self.ok("rep", "ben", "ooo", "--until", "2030-01-02T09:00"),
                         "ben: ooo until 2030-01-02T09:00:00.000Z (was away)\n")
        self.assertEqual(self.ok("rep", "ben", "ooo", "--until", "2030-01-02T08:00:00+01:00"),
                         "ben: ooo until 2030-01-02T07:00:00.000Z (was ooo)\n")
        rep = self.api("/v1/reps")["reps"][1]
        self.assertEqual((rep["status"], rep["until"]), ("ooo", "2030-01-02T07:00:00.000Z"))
        out = json.loads(self.ok("rep", "ben", "available", "--json"))
        self.assertEqual((out["id"], out["status"], out["until"], out["assigned"]),
                         ("ben", "available", None, []))

    def test_rep_available_assigns_queued_leads(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        lead = self.d.lead(email="q@x.com", country="DE")
        self.assertEqual(lead["status"], "queued")
        self.assertEqual(self.ok("rep", "ana", "available"),
                         "ana: available (was away)\nassigned %s (pool emea)\n" % lead["id"])
        self.assertEqual(self.api("/v1/leads/" + lead["id"])["owner"], "ana")

    def test_rep_status_mistakes_are_named(self):
        err = self.fails(2, "rep", "ana", "offline")
        self.assertEqual(err.splitlines(), [
            'leadctl: rep: unknown status "offline": available, away or ooo (out of office)',
            "usage: leadctl rep ID [available|away|ooo] [--until TIME]"])
        err = self.fails(2, "rep", "ana", "away", "--until", "2030-01-02T09:00")
        self.assertIn("--until goes with ooo (out of office) only", err)
        self.assertIn('"leadctl rep ana ooo --until 2030-01-02T09:00"', err)
        err = self.fails(2, "rep", "ana", "ooo", "--until", "next week")
        self.assertIn('--until "next week" is not a time', err)
        # The daemon's own refusal: its code, field and message, exit 6.
        err = self.fails(6, "rep", "ana", "ooo", "--until", "2020-01-01T00:00:00Z")
        self.assertEqual(err, "leadctl: PUT /v1/reps/ana/status: 422 invalid_field (until): "
                              "until must be in the future\n")
        self.assertEqual(self.fails(5, "rep", "zed", "away"),
                         "leadctl: PUT /v1/reps/zed/status: 404 not_found: no rep zed in the "
                         "config\n")
        self.assertEqual(self.api("/v1/reps")["reps"][0]["status"], "available")


    def test_a_reps_token_sets_its_own_status_only(self):
        self.assertEqual(self.ok("rep", "ana", "away", role="ana"), "ana: away (was available)\n")
        self.assertEqual(self.fails(4, "rep", "ben", "away", role="ana"),
                         "leadctl: PUT /v1/reps/ben/status: 403 forbidden: this token acts for "
                         "rep ana only, not ben\n")
        self.assertEqual(self.ok("reps", role="ana").splitlines()[1:],
                         ["ana  Ana Ruiz  away    -      yes       0     0      emea"])


class PoolTests(CtlTestCase):

    def test_pools_table(self):
        self.d.lead(email="a@x.com", country="DE")
        self.d.set_status("dee", "away")
        self.assertEqual(self.ok("pools"),
                         "ID    QUEUED  OLDEST  OPEN  NEXT  ELIGIBLE\n"
                         "emea  0       -       1     ben   2 of 2\n"
                         "amer  0       -       0     cy    1 of 2\n")
        self.assertEqual(json.loads(self.ok("pools", "--json")), self.api("/v1/pools"))

    def test_pool_says_why_each_rep_is_not_eligible(self):
        self.d.lead(email="a@x.com", country="DE")     # ana
        self.d.lead(email="b@x.com", country="DE")     # ben: 1 of max_open 1
        self.d.set_status("ana", "away")
        self.assertEqual(self.ok("pool", "emea"),
                         "pool emea: 0 queued, 2 open leads, next: -\n"
                         "REP  WEIGHT  OPEN  TODAY  IN HOURS  ELIGIBLE  WHY NOT\n"
                         "ana  1       1     1      yes       no        away: status away\n"
                         "ben  1       1/1   1      yes       no        "
                         "at_cap: 1 untouched leads, max_open 1\n")
        self.assertEqual(json.loads(self.ok("pool", "emea", "--json")), self.api("/v1/pools/emea"))
        self.assertEqual(self.fails(5, "pool", "nope"),
                         "leadctl: GET /v1/pools/nope: 404 not_found: no pool nope in the config\n")


class LeadTests(CtlTestCase):

    def test_lead_shows_owner_state_decision_and_history(self):
        lead = self.d.lead(email="a@x.com", country="DE", first_name="Ann")
        out = self.ok("lead", lead["id"])
        full = self.api("/v1/leads/" + lead["id"])
        version = full["decision"]["config_version"]
        at = full["received_at"]
        self.assertEqual(out.split("clocks:\n")[0],
                         "lead %s\n"
                         "status:       assigned\n"
                         "stage:        mql\n"
                         "owner:        ana\n"
                         "pool:         emea\n"
                         "rule:         emea\n"
                         "owners:       ana\n"
                         "score:        0\n"
                         "received at:  %s\n"
                         "assigned at:  %s\n"
                         "first touch:  -\n"
                         "decision (config %s):\n"
                         "  rules tried:  emea\n"
                         "  rule:         emea (action pool)\n"
                         "  target pool pool=emea\n"
                         "    ana              chosen\n"
                         "    ben              weight_turn\n" % (lead["id"], at, at, version))
        self.assertIn("\n  first_touch  running          %s  1h00m     ana    -\n"
                      % full["clocks"]["first_touch"]["due_at"], out)
        self.assertIn("\nhistory:\n  %s  received               pool=emea rep=ana rule=emea "
                      "stage=mql\n  %s  assigned               rep=ana pool=emea\n" % (at, at),
                      out)
        self.assertEqual(json.loads(self.ok("lead", lead["id"], "--json")), full)

    def test_lead_by_reference_and_unknown_leads(self):
        lead = self.d.lead(email="ana+x@example.com", country="DE")
        out = self.ok("lead", "email:Ana+x@Example.com")
        self.assertTrue(out.startswith("lead %s\n" % lead["id"]), out)
        self.assertEqual(self.fails(5, "lead", "email:nobody@example.com"),
                         "leadctl: GET /v1/leads/email:nobody@example.com: 404 lead_not_found: "
                         "no lead for email:nobody@example.com\n")
        self.assertEqual(self.fails(5, "lead", "01KAQ3X8Q6ZP1V8M7Y2N4C5D6E"),
                         "leadctl: GET /v1/leads/01KAQ3X8Q6ZP1V8M7Y2N4C5D6E: 404 not_found: "
                         "no lead 01KAQ3X8Q6ZP1V8M7Y2N4C5D6E\n")

    def test_an_ambiguous_reference_is_6_with_the_leads(self):
        a = self.d.lead(email="twice@x.com", country="DE")
        b = self.d.lead(email="twice@x.com", country="US")
        self.assertEqual(self.fails(6, "lead", "email:twice@x.com"),
                         "leadctl: GET /v1/leads/email:twice@x.com: 409 ambiguous_lead: "
                         "email:twice@x.com names 2 open leads (%s, %s): name one by its id\n"
                         % (b["id"], a["id"]))

    def test_simulate_from_a_file_stdin_and_fields_stores_nothing(self):
        path = os.path.join(self.tmp, "lead.json")
        with open(path, "w") as f:
            json.dump({"email": "s@x.com", "country": "US"}, f)
        keys = self.redis_keys()
        out = self.ok("simulate", path)
        self.assertEqual(out.split("received at:")[0],
                         "simulated: nothing was stored\n"
                         "status:       assigned\n"
                         "stage:        mql\n"
                         "owner:        cy\n"
                         "pool:         amer\n"
                         "rule:         default\n"
                         "owners:       cy\n"
                         "score:        0\n")
        self.assertIn("  rules tried:  emea, big-us, default\n"
                      "  rule:         default (action pool)\n"
                      "  target pool pool=amer\n"
                      "    cy               chosen\n"
                      "    dee              weight_turn\n", out)
        with open(path) as f:
            out = self.ok("simulate", "-", "--field", "country=FR", stdin=f)
        self.assertIn("owner:        ana\npool:         emea\nrule:         emea\n", out)
        sim = json.loads(self.ok("simulate", "--field", "email=t@x.com", "--field", "country=GB",
                                 "--field", "employees=200-500", "--json"))
        self.assertEqual((sim["simulated"], sim["id"], sim["owner"], sim["fields"]["employees"]),
                         (True, None, "ana", 200))
        self.assertEqual(self.redis_keys(), keys)

    def test_simulate_at_a_time_and_bad_input(self):
        day = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).date()
        sim = json.loads(self.ok("simulate", "--field", "email=t@x.com", "--at",
                                 "%sT10:00" % day, "--json"))
        self.assertEqual(sim["received_at"], "%sT10:00:00.000Z" % day)
        out = self.ok("simulate", "--field", "email=t@x.com", "--field", "country=Atlantis",
                      "--field", "employees=lots")
        self.assertIn("\nfirst touch:  -\n"
                      "warnings:     country is not a country we know: kept as sent\n"
                      "              employees is not a number or a range of numbers: left out\n"
                      "decision (config ", out)
        # --at is checked by the daemon too: more than 60 days ahead is refused.
        err = self.fails(6, "simulate", "--field", "email=t@x.com", "--at", "2031-01-01T10:00")
        self.assertTrue(err.startswith("leadctl: POST /v1/route/simulate?at=2031-01-01T10:00:00.000Z: "
                                       "422 invalid_field (at): "), err)
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"email": "x@x.com",}')
        self.assertIn("leadctl: simulate: %s:1:" % bad, self.fails(2, "simulate", bad))
        with open(bad, "w") as f:
            f.write('["x@x.com"]')
        self.assertIn("a lead is a JSON object", self.fails(2, "simulate", bad))
        self.assertIn('--field "email" is not KEY=VALUE', self.fails(2, "simulate", "--field", "email"))
        self.assertIn("which lead?", self.fails(2, "simulate"))
        err = self.fails(6, "simulate", "--field", "first_name=x")
        self.assertEqual(err, "leadctl: POST /v1/route/simulate: 422 missing_field (email): "
                              "email, phone or crm_id is required\n")


class EscalationTests(CtlTestCase):

    first_touch = "1s"

    def breach(self, email="e@x.com", country="DE"):
        lead = self.d.lead(email=email, country=country)
        esc = wait_for(lambda: [e for e in self.api("/v1/escalations")["escalations"]
                                if e["lead"] == lead["id"]], timeout=6, what="the breach")[0]
        return lead, esc

    def test_escalations_list_and_ack(self):
        lead, esc = self.breach()
        self.assertEqual(self.ok("escalations"),
                         "ID  STATUS  LEAD%s  CLOCK        POOL  OWNER  LEVEL  BREACHED AT\n"
                         "%s   open    %s  first_touch  emea  ana    0/0    %s\n"
                         % (" " * 22, esc["id"], lead["id"], esc["breached_at"]))
        self.assertEqual(json.loads(self.ok("escalations", "--status", "open", "--json")),
                         self.api("/v1/escalations?status=open"))
        self.assertEqual(self.ok("escalations", "--status", "resolved"), "no escalations\n")
        self.assertEqual(self.ok("escalation", "ack", esc["id"], "--by", "maria", "--note", "on it"),
                         "escalation %s acknowledged by maria: its later levels stop\n" % esc["id"])
        e = self.api("/v1/escalations")["escalations"][0]
        self.assertEqual((e["status"], e["acknowledged_by"], e["note"]),
                         ("acknowledged", "maria", "on it"))
        self.assertEqual(self.fails(6, "escalation", "ack", esc["id"], "--by", "sam"),
                         "leadctl: POST /v1/escalations/%s/ack: 409 escalation_closed: the "
                         "escalation is no longer open: only an open one can be acknowledged\n"
                         % esc["id"])
        self.assertEqual(self.fails(5, "escalation", "ack", "999", "--by", "sam"),
                         "leadctl: POST /v1/escalations/999/ack: 404 not_found: "
                         "no escalation 999\n")
        self.assertEqual(self.fails(6, "escalations", "--status", "closed"),
                         "leadctl: GET /v1/escalations?status=closed: 400 invalid_parameter "
                         "(status): status must be open, acknowledged or resolved\n")

    def test_a_page_names_the_next(self):
        self.d.lead(email="p1@x.com", country="DE")
        self.d.lead(email="p2@x.com", country="US")
        wait_for(lambda: len(self.api("/v1/escalations")["escalations"]) == 2, timeout=6,
                 what="two breaches")
        rc, out, err = self.ctl("escalations", "--limit", "1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "leadctl: more: leadctl escalations --cursor 2\n")
        self.assertEqual([l.split()[0] for l in out.splitlines()], ["ID", "2"])
        rc, out, err = self.ctl("escalations", "--limit", "1", "--cursor", "2")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual([l.split()[0] for l in out.splitlines()], ["ID", "1"])

    def test_ack_by_defaults_to_the_user(self):
        _, esc = self.breach()
        out = self.ok("escalation", "ack", esc["id"], env=self.env(USER="ops-jo"))
        self.assertEqual(out, "escalation %s acknowledged by ops-jo: its later levels stop\n"
                         % esc["id"])
        self.assertIn("who acknowledges? --by NAME", self.fails(2, "escalation", "ack", "1"))

    def test_watch_prints_a_live_escalation(self):
        watch = subprocess.Popen(WRAPPER + [LEADCTL, "--url", self.url, "--token-file",
                                            self.token_files["manager"], "escalations", "--watch",
                                            "--count", "1"],
                                 env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        self.addCleanup(lambda: watch.poll() is None and watch.kill())
        # The stream starts with new events: let it connect first.
        time.sleep(2.0)
        lead, esc = self.breach()
        out, err = watch.communicate(timeout=15)
        self.assertEqual((watch.returncode, err), (0, ""), err)
        self.assertRegex(out, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  escalated          "
                         r"escalation=%s due_at=\S+Z clock=first_touch owner=ana pool=emea "
                         r"lead=%s\n$" % (esc["id"], lead["id"]))

    def test_watch_json_replays_from_an_id_and_stops_on_sigint(self):
        lead, esc = self.breach()
        stream = self.redis.cmd("XRANGE", "lr:escalation_events", "-", "+")
        first_id = stream[0][0]
        out = self.ok("escalations", "--watch", "--since", "0-0", "--count", "1", "--json")
        line = json.loads(out)
        self.assertEqual((line["id"], line["event"], line["data"]["type"], line["data"]["lead"],
                          line["data"]["escalation"]),
                         (first_id, "escalated", "escalated", lead["id"], esc["id"]))
        self.assertEqual(out.count("\n"), 1)
        # Without --count: until interrupted, then exit 0.
        watch = subprocess.Popen(WRAPPER + [LEADCTL, "--url", self.url, "--token-file",
                                            self.token_files["manager"], "escalations", "--watch",
                                            "--since", "0-0", "--json"],
                                 env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        self.addCleanup(lambda: watch.poll() is None and watch.kill())
        first = watch.stdout.readline()
        self.assertEqual(json.loads(first)["id"], first_id)
        watch.send_signal(signal.SIGINT)
        rest, err = watch.communicate(timeout=10)
        self.assertEqual((watch.returncode, rest, err), (0, "", ""))

    def test_watch_resumes_after_a_restart(self):
        # A daemon on a fixed port, so the watcher finds it again when it is back.
        self.d.stop()
        port = free_port()
        text = harness.make_conf(self.redis, **self.conf()).replace(
            "listen: 127.0.0.1:0", "listen: 127.0.0.1:%d" % port)
        d = harness.Daemon(self.tmp, text, name="fixed")
        self.daemons.append(d)
        self.d = d.start()
        self.d.token = TOKENS["admin"]
        lead1, esc1 = self.breach("one@x.com")
        watch = subprocess.Popen(WRAPPER + [LEADCTL, "--url", self.url, "--token-file",
                                            self.token_files["manager"], "escalations", "--watch",
                                            "--since", "0-0", "--json"],
                                 env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        self.addCleanup(lambda: watch.poll() is None and watch.kill())
        self.assertEqual(json.loads(watch.stdout.readline())["data"]["lead"], lead1["id"])
        self.assertEqual(self.d.stop(), 0)
        time.sleep(0.5)
        self.d.start()
        lead2, esc2 = self.breach("two@x.com")
        second = json.loads(watch.stdout.readline())
        self.assertEqual((second["event"], second["data"]["lead"], second["data"]["escalation"]),
                         ("escalated", lead2["id"], esc2["id"]))
        watch.send_signal(signal.SIGINT)
        rest, err = watch.communicate(timeout=10)
        self.assertEqual((watch.returncode, rest, err), (0, "", ""))     # nothing twice

    def test_watch_mistakes(self):
        self.assertIn("--watch takes --pool, --since and --count only",
                      self.fails(2, "escalations", "--watch", "--status", "open"))
        self.assertIn("--since and --count go with --watch",
                      self.fails(2, "escalations", "--count", "1"))
        self.assertEqual(self.fails(6, "escalations", "--watch", "--since", "yesterday"),
                         "leadctl: GET /v1/escalations/stream: 400 invalid_parameter "
                         "(Last-Event-ID): Last-Event-ID must be the id of an event from this "
                         "stream (<ms>-<seq>)\n")


class DeadLetterTests(CtlTestCase):

    def job(self, to="owner"):
        """A notification job written as the escalation scripts write one (test_notify)."""
        jid = self.redis.cmd("INCR", "lr:seq:notification")
        now = int(time.time() * 1000)
        self.redis.cmd("HSET", "lr:notification:%d" % jid, "id", jid, "to", to, "owner", "ana",
                       "pool", "emea", "event", json.dumps(LEVEL_EVENT), "created_at", now,
                       "attempts", 0)
        self.redis.cmd("ZADD", "lr:outbox", now, jid)
        return str(jid)

    def dead(self, n):
        for _ in range(n):
            self.rx.plan("/revops", 410)
        jids = [self.job() for _ in range(n)]
        wait_for(lambda: len(self.api("/v1/notifications/failed")["notifications"]) == n,
                 what="%d dead letters" % n)
        return jids

    def failed_ids(self):
        return [n["id"] for n in self.api("/v1/notifications/failed")["notifications"]]

    def test_list_and_retry_one(self):
        (jid,) = self.dead(1)
        f = self.api("/v1/notifications/failed")["notifications"][0]
        self.assertEqual(self.ok("dead-letters"),
                         "ID  FAILED AT                 TO     TARGET  EVENT             "
                         "ATTEMPTS  LAST ERROR\n"
                         "%s   %s  owner  revops  escalation.level  1         HTTP 410\n"
                         % (jid, f["failed_at"]))
        self.assertEqual(json.loads(self.ok("dead-letters", "list", "--json")),
                         self.api("/v1/notifications/failed"))
        self.assertEqual(self.ok("dead-letters", "retry", jid),
                         "notification %s is back in the outbox\n" % jid)
        self.rx.wait(2, "/revops")
        wait_for(lambda: self.failed_ids() == [] and
                 self.redis.cmd("EXISTS", "lr:notification:" + jid) == 0, what="delivered")
        self.assertEqual(self.ok("dead-letters"), "no dead letters\n")
        self.assertEqual(self.fails(5, "dead-letters", "retry", jid),
                         "leadctl: POST /v1/notifications/failed/%s/retry: 404 not_found: "
                         "no notification %s\n" % (jid, jid))

    def test_retry_all(self):
        jids = self.dead(2)
        self.assertEqual(self.ok("dead-letters", "retry", "--all"),
                         "retried 2 of 2 notifications: back in the outbox\n")
        self.rx.wait(4, "/revops")
        wait_for(lambda: self.failed_ids() == [], what="both delivered")
        self.assertEqual(json.loads(self.ok("dead-letters", "retry", "--all", "--json")),
                         {"retried": 0, "failed": 0})
        self.assertEqual(len(jids), 2)

    def test_purge_asks_then_one_then_all(self):
        jids = self.dead(3)
        err = self.fails(2, "dead-letters", "purge", jids[0])
        self.assertEqual(err, "leadctl: dead-letters: purge dead letter %s cannot be undone: add "
                              "--yes to go on (stdin is not a terminal, so there is no one to "
                              "ask)\n" % jids[0])
        self.assertEqual(sorted(self.failed_ids()), sorted(jids))
        self.assertEqual(self.ok("dead-letters", "purge", jids[0], "--yes"), "purged 1 dead letter\n")
        self.assertEqual(self.ok("dead-letters", "purge", "--all", "--before", "2020-01-01",
                                 "--yes"), "purged 0 dead letters\n")
        self.assertEqual(json.loads(self.ok("dead-letters", "purge", "--all", "--yes", "--json")),
                         {"purged": 2})
        self.assertEqual(self.failed_ids(), [])
        self.assertEqual(self.fails(5, "dead-letters", "purge", jids[1], "--yes"),
                         "leadctl: DELETE /v1/notifications/failed/%s: 404 not_found: "
                         "no notification %s in the dead-letter list\n" % (jids[1], jids[1]))

    def test_mistakes_and_roles(self):
        self.assertIn("retry which dead letter? an id, or --all",
                      self.fails(2, "dead-letters", "retry"))
        self.assertIn("retry 4 or --all, not both", self.fails(2, "dead-letters", "retry", "4", "--all"))
        self.assertIn('unknown action "redo" (list, retry, purge)',
                      self.fails(2, "dead-letters", "redo"))
        # The dead-letter list is the admin's: a manager's token is refused, exit 4.
        self.assertEqual(self.fails(4, "dead-letters", role="manager"),
                         "leadctl: GET /v1/notifications/failed: 403 forbidden: this token lacks "
                         "the role for this endpoint; it needs one of: admin\n")


class SubscriptionDeadLetterTests(CtlTestCase):

    def conf(self):
        self.sink = Sink(secrets=[SUBS_SECRET])
        self.addCleanup(self.sink.close)
        return dict(extra=subs_section(self.sink, [{"id": "crm", "events": ["lead.assigned"],
                                                               "attempts": 1}]) +
                    "auth:\n  tokens: file:%s\n  rate_limit: 1000/s\n" % self.tokens)

    def dead(self):
        return self.api("/v1/subscriptions/crm/dead_letters")["dead_letters"]

    def test_list_retry_and_purge_a_subscriptions_dead_letters(self):
        self.sink.plan("/crm", 500, 500)
        self.d.lead(email="f@x.de", country="DE")
        self.d.lead(email="g@x.de", country="DE")
        wait_for(lambda: len(self.dead()) == 2, what="two dead letters")
        dl = self.dead()
        out = self.ok("dead-letters", "--subscription", "crm")
        self.assertEqual(out.splitlines()[0],
                         "ID%s  FAILED AT                 TYPE           TARGET  ATTEMPTS  "
                         "LAST ERROR" % (" " * (len(dl[0]["id"]) - 2)))
        self.assertEqual(out.splitlines()[1:],
                         ["%s  %s  lead.assigned  -       1         %s" % (d["id"], d["failed_at"],
                                                                          d["last_error"])
                          for d in dl])
        self.assertEqual(self.ok("dead-letters", "retry", dl[0]["id"], "--subscription", "crm"),
                         "retried %s of crm\n" % dl[0]["id"])
        wait_for(lambda: len(self.dead()) == 1, what="one delivered")
        self.assertEqual(self.ok("dead-letters", "purge", "--all", "--subscription", "crm", "--yes"),
                         "purged 1 dead letter\n")
        self.assertEqual(self.dead(), [])
        self.assertEqual(self.fails(5, "dead-letters", "--subscription", "nope"),
                         "leadctl: GET /v1/subscriptions/nope/dead_letters: 404 not_found: "
                         "no subscription nope in the config\n")


class ScorecardTests(CtlTestCase):

    def test_scorecard_by_pool_table_json_and_csv(self):
        self.d.lead(email="a@x.com", country="DE")
        self.d.lead(email="b@x.com", country="DE")
        self.d.lead(email="c@x.com", country="US")
        out = self.ok("scorecard", "--by", "pool")
        lines = out.splitlines()
        sc = self.api("/v1/scorecard?by=pool")
        self.assertEqual(lines[0], "leads that arrived from %s to %s, by pool" % (sc["from"], sc["to"]))
        self.assertEqual(lines[1].split()[:5], ["pool", "RECEIVED", "ROUTED", "ROUTE", "MEDIAN"])
        rows = {l.split()[0]: l.split()[1:3] for l in lines[2:]}
        self.assertEqual(rows, {"(all)": ["3", "3"], "emea": ["2", "2"], "amer": ["1", "1"]})
        got = json.loads(self.ok("scorecard", "--by", "pool", "--json"))
        self.assertEqual((got["by"], got["overall"]["leads_received"], got["groups"]),
                         ("pool", 3, sc["groups"]))
        csv = self.ok("scorecard", "--by", "pool", "--csv")
        api = self.d.get("/v1/scorecard?by=pool&format=csv").raw
        # The daemon's CSV as it is (its CRLFs read as newlines here).
        self.assertEqual(csv, api.replace("\r\n", "\n"))
        self.assertEqual([l.split(",")[:2] for l in csv.splitlines()[1:]],
                         [["(all)", "3"], ["emea", "2"], ["amer", "1"]])

    def test_scorecard_mistakes(self):
        self.assertIn('--by "team": rep, pool, source or rule',
                      self.fails(2, "scorecard", "--by", "team"))
        self.assertIn("--csv or --json, not both", self.fails(2, "scorecard", "--csv", "--json"))
        err = self.fails(6, "scorecard", "--from", "last tuesday")
        self.assertTrue(err.startswith("leadctl: GET /v1/scorecard?from=last%20tuesday: 400 "
                                       "invalid_parameter (from): "), err)


class EraseTests(CtlTestCase):

    def test_erase_refuses_without_yes_when_not_a_terminal(self):
        lead = self.d.lead(email="gone@x.com", phone="+49 151 2345678", country="DE")
        err = self.fails(2, "erase", "--email", "gone@x.com")
        self.assertEqual(err, "leadctl: erase: erase everything about email gone@x.com cannot be "
                              "undone: add --yes to go on (stdin is not a terminal, so there is "
                              "no one to ask)\n")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).status, 200)
        out = self.ok("erase", "--email", "gone@x.com", "--yes")
        self.assertRegex(out, r"^erased 1 leads and \d+ stream entries; new leads of this person "
                              r"are refused until \d{4}-\d\d-\d\dT[0-9:.]+Z\n$")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).status, 404)
        r = self.d.post("/v1/leads", {"phone": "+49 151 2345678"})
        self.assertError(r, 410, "subject_erased")
        again = json.loads(self.ok("erase", "--phone", "+4915112345678", "--yes", "--json"))
        self.assertEqual(again["leads_erased"], 0)

    def test_erase_asks_at_a_terminal(self):
        lead = self.d.lead(email="tty@x.com", country="DE")
        for answer, rc in (("no\n", 2), ("yes\n", 0)):
            master, slave = pty.openpty()
            try:
                os.write(master, answer.encode())
                rc_got, out, err = self.ctl("erase", "--email", "tty@x.com", stdin=slave)
            finally:
                os.close(slave)
                os.close(master)
            self.assertEqual(rc_got, rc, err)
            self.assertTrue(err.startswith("erase everything about email tty@x.com? This cannot "
                                           "be undone. Type yes to go on: "), err)
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).status, 404)

    def test_erase_needs_whom_and_the_admin(self):
        self.assertIn("whom? --email, --phone or --crm-id", self.fails(2, "erase", "--yes"))
        self.assertEqual(self.fails(4, "erase", "--email", "a@x.com", "--yes", role="manager"),
                         "leadctl: DELETE /v1/subjects: 403 forbidden: this token lacks the role "
                         "for this endpoint; it needs one of: admin\n")


class ConfigCheckTests(CtlTestCase):

    def setUp(self):
        super().setUp()
        self.conf_path = os.path.join(self.tmp, "check.yaml")
        with open(self.conf_path, "w") as f:
            f.write(harness.make_conf(self.redis))

    def test_a_valid_config(self):
        out = self.ok("config", "check", self.conf_path, role=None)
        self.assertRegex(out, r"^%s: ok \(version [0-9a-f]{12}: 4 reps, 2 pools, 3 rules\)\n$"
                         % re.escape(self.conf_path))
        got = json.loads(self.ok("config", "check", self.conf_path, "--json", role=None))
        self.assertEqual((got["file"], got["valid"], got["leadrouted"]),
                         (self.conf_path, True, harness.LEADROUTED))
        self.assertEqual(got["output"], [out.rstrip("\n")])

    def test_an_invalid_config_is_1(self):
        bad = os.path.join(self.tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("listen: 127.0.0.1:0\nredis:\n  url: redis://127.0.0.1:1/0\nreps:\n  - id: ana\n"
                    "pools:\n  - id: p\n    reps: [ana, bob]\nrules:\n  - name: all\n    pool: p\n")
        rc, out, err = self.ctl("config", "check", bad, role=None)
        self.assertEqual((rc, out), (1, ""))
        self.assertIn('unknown rep "bob"', err)
        self.assertTrue(err.endswith("leadctl: config check: %s is not valid\n" % bad), err)
        got = json.loads(self.ctl("config", "check", bad, "--json", role=None)[1])
        self.assertFalse(got["valid"])
        self.assertTrue(any('unknown rep "bob"' in l for l in got["output"]), got)

    def test_the_daemon_is_found_or_named(self):
        self.assertEqual(self.ok("config", "check", self.conf_path, "--leadrouted",
                                 harness.LEADROUTED, role=None,
                                 env=self.env(LEADROUTED="/nonexistent")).split(":")[0],
                         self.conf_path)
        env = self.env()
        del env["LEADROUTED"]
        env["PATH"] = os.path.dirname(os.path.abspath(harness.LEADROUTED)) + ":" + env["PATH"]
        self.ok("config", "check", self.conf_path, role=None, env=env)
        err = self.fails(2, "config", "check", self.conf_path, "--leadrouted",
                         "/nonexistent/leadrouted", role=None)
        self.assertEqual(err, "leadctl: config check: cannot run /nonexistent/leadrouted (from "
                              "--leadrouted): No such file or directory; name the daemon with "
                              "--leadrouted PATH\n")
        self.assertIn('unknown action "lint" (check)', self.fails(2, "config", "lint", role=None))


class ConnectionTests(CtlTestCase):

    def test_a_bad_token_is_4_and_names_where_it_came_from(self):
        bad = os.path.join(self.tmp, "bad.token")
        with open(bad, "w") as f:
            f.write("not-a-token-0123456789abcdef0123456789\n")
        rc, out, err = run_ctl(["--url", self.url, "--token-file", bad, "reps"], env=self.env())
        self.assertEqual((rc, out), (4, ""))
        self.assertEqual(err, "leadctl: GET /v1/reps: 401 invalid_token: the token is not valid "
                              "(the token from --token-file %s)\n" % bad)
        rc, out, err = run_ctl(["--url", self.url, "reps"], env=self.env())
        self.assertEqual((rc, out), (4, ""))
        self.assertIn("401 unauthorized", err)
        self.assertIn("(no token given: --token-file, LEADCTL_TOKEN or the config file)", err)
        # A rep's token on a manager's endpoint: 403, also 4.
        self.assertEqual(self.fails(4, "pools", role="ana"),
                         "leadctl: GET /v1/pools: 403 forbidden: this token lacks the role for this "
                         "endpoint; it needs one of: manager\n")

    def test_a_daemon_down_is_3(self):
        port = free_port()
        rc, out, err = run_ctl(["--url", "http://127.0.0.1:%d" % port, "--token-file",
                                self.token_files["admin"], "reps"], env=self.env())
        self.assertEqual((rc, out), (3, ""))
        self.assertTrue(err.startswith("leadctl: cannot reach http://127.0.0.1:%d (GET /v1/reps): "
                                       % port), err)
        self.assertIn("Couldn't connect to server", err)

    def test_redis_stuck_is_7_with_retry_after(self):
        self.redis.pause(4)
        err = self.fails(7, "reps")
        self.assertRegex(err, r"^leadctl: GET /v1/reps: 503 unavailable: .*; retry after \d+ s\n$")
        wait_for(lambda: self.d.get("/healthz").status == 200, timeout=10, what="Redis back")

    def test_usage_errors_are_2(self):
        self.assertEqual(self.fails(2, "reps", "--colour"),
                         "leadctl: reps: unknown option --colour\nusage: leadctl reps\n")
        self.assertEqual(self.fails(2, "frobnicate"),
                         'leadctl: unknown command "frobnicate" (leadctl --help lists them)\n')
        self.assertEqual(self.fails(2, "rep", "ana", "--until"),
                         "leadctl: rep: --until needs a value\n"
                         "usage: leadctl rep ID [available|away|ooo] [--until TIME]\n")
        self.assertIn("--token and --token-file: give one",
                      self.fails(2, "reps", "--token", "x" * 40))
        self.assertIn('the URL "ftp://x" is not http:// or https://',
                      self.fails(2, "reps", "--url", "ftp://x"))
        self.assertIn("no command given", run_ctl([], env=self.env())[2])
        self.assertEqual(run_ctl([], env=self.env())[0], 2)

    def test_environment_then_config_file(self):
        env = self.env(LEADCTL_URL=self.url, LEADCTL_TOKEN=TOKENS["manager"])
        rc, out, err = run_ctl(["pools"], env=env)
        self.assertEqual((rc, err), (0, ""))
        self.assertTrue(out.startswith("ID    QUEUED"), out)
        # A flag beats the environment.
        rc, _, err = run_ctl(["--url", "http://127.0.0.1:%d" % free_port(), "pools"], env=env)
        self.assertEqual(rc, 3, err)
        # The default config file, with a token_file beside it.
        confdir = os.path.join(self.home, ".config", "leadctl")
        os.makedirs(confdir)
        with open(os.path.join(confdir, "token"), "w") as f:
            f.write(TOKENS["manager"] + "\n")
        with open(os.path.join(confdir, "config"), "w") as f:
            f.write("# leadctl\nurl = %s/\ntoken_file = token\ntimeout = 5\n" % self.url)
        rc, out, err = run_ctl(["pools"], env=self.env())
        self.assertEqual((rc, err), (0, ""))
        # The environment beats the file: a dead URL there is 3.
        rc, _, err = run_ctl(["pools"], env=self.env(LEADCTL_URL="http://127.0.0.1:%d" % free_port()))
        self.assertEqual(rc, 3, err)
        # XDG_CONFIG_HOME moves it; --config names one, whose mistakes are named.
        rc, _, err = run_ctl(["pools"], env=self.env(XDG_CONFIG_HOME=os.path.join(self.tmp, "none")))
        self.assertEqual(rc, 3, err)    # no file: the default URL, where nothing listens here
        other = os.path.join(self.tmp, "other.conf")
        with open(other, "w") as f:
            f.write("url = %s\ntoken = %s\ncolour = red\n" % (self.url, TOKENS["admin"]))
        rc, _, err = run_ctl(["--config", other, "pools"], env=self.env())
        self.assertEqual((rc, err), (2, 'leadctl: %s:3: unknown key "colour" (url, token, '
                                        'token_file, cacert, timeout)\n' % other))
        rc, _, err = run_ctl(["--config", other + ".missing", "pools"], env=self.env())
        self.assertEqual((rc, err), (2, "leadctl: config file %s.missing: No such file or "
                                        "directory\n" % other))

    def test_help_and_version(self):
        rc, out, err = run_ctl(["--help"], env=self.env())
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("\nExit status:\n  0  success\n", out)
        rc, out, _ = run_ctl(["help", "erase"], env=self.env())
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith("usage: leadctl erase --email ADDRESS | --phone NUMBER | "
                                       "--crm-id ID [--yes]\n"), out)
        self.assertEqual(run_ctl(["escalations", "--help"], env=self.env())[1].splitlines()[0],
                         "usage: leadctl escalations [--status S] [--pool ID] [--lead ID] "
                         "[--limit N] [--cursor C] | --watch [--pool ID] [--since EVENT] "
                         "[--count N]")
        self.assertEqual(run_ctl(["help", "nope"], env=self.env())[0], 2)
        rc, out, _ = run_ctl(["--version"], env=self.env())
        self.assertEqual((rc, out), (0, "leadctl 0.1.0\n"))


@unittest.skipIf(shutil.which("openssl") is None, "needs openssl to make certificates")
class TlsTests(CtlTestCase):

    def conf(self):
        self.key, self.cert = make_cert(self.tmp, "tls", "leadrouted")
        c = super().conf()
        c["extra"] += "tls:\n  cert: %s\n  key: %s\n" % (self.cert, self.key)
        return c

    def tls_context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        return ctx

    def test_https_with_the_daemons_ca(self):
        out = self.ok("reps", "--cacert", self.cert)
        self.assertTrue(out.startswith("ID   NAME"), out)
        # Also from the config file, beside it.
        conf = os.path.join(self.tmp, "tls.conf")
        with open(conf, "w") as f:
            f.write("url = %s\ntoken_file = admin.token\ncacert = tls.pem\n" % self.url)
        rc, out, err = run_ctl(["--config", conf, "pools"], env=self.env())
        self.assertEqual((rc, err), (0, ""))

    def test_a_certificate_not_trusted_is_3(self):
        err = self.fails(3, "reps")
        self.assertTrue(err.startswith("leadctl: cannot reach %s (GET /v1/reps): " % self.url), err)
        self.assertIn("certificate", err)
        # Plain HTTP to a TLS listener gets no HTTP answer at all.
        rc, _, err = run_ctl(["--url", self.url.replace("https:", "http:"), "--token-file",
                              self.token_files["admin"], "reps"], env=self.env())
        self.assertIn(rc, (3, 7), err)


class ManPageTests(unittest.TestCase):
    """leadctl(1) documents every command, option, variable and exit status --help shows."""

    def setUp(self):
        with open(os.path.join(SRCDIR, "docs", "man", "leadctl.1")) as f:
            self.man = f.read()
        self.help = run_ctl(["--help"], env={"PATH": "/usr/bin:/bin"})[1]

    def section(self, title):
        return self.help.split(title + ":\n")[1].split("\n\n")[0].splitlines()

    def test_every_command_has_its_entry(self):
        commands = [l.split()[0] for l in self.section("Commands")]
        self.assertIn("dead-letters", commands)
        self.assertEqual(len(commands), 13)
        for c in commands:
            self.assertRegex(self.man, r"(?m)^\.(B|BI|BR) \"?%s\b" % re.escape(c.replace("-", "\\-")),
                             "leadctl.1 has no entry for %s" % c)

    def test_every_option_variable_and_exit_status(self):
        for line in self.section("Options (every command)"):
            for opt in re.findall(r"--[a-z-]+", line.split("  ")[1] if line.startswith("  -") else ""):
                self.assertIn(opt.replace("-", "\\-"), self.man, opt)
        for var in re.findall(r"\b(LEADCTL_[A-Z_]+)\b", self.help):
            self.assertIn(var.replace("_", "_"), self.man, var)
        for line in self.section("Exit status"):
            code = line.split()[0]
            self.assertRegex(self.man, r"(?m)^\.TP\n\.B %s\n" % code, "exit status %s" % code)


if __name__ == "__main__":
    main()
