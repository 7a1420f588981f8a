"""leadrouted -t, start-up refusal, SIGHUP reload and SIGTERM shutdown."""

import os
import signal
import socket
import subprocess
import threading
import time

from harness import LEADROUTED, Daemon, DaemonTestCase, main, make_conf, wait_for

SRCDIR = os.environ.get("LEADROUTE_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def check(path):
    p = subprocess.run([LEADROUTED, "-t", "-c", path], capture_output=True, text=True, timeout=10)
    return p.returncode, p.stdout, p.stderr


class CheckConfigTests(DaemonTestCase):

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_example_config_is_valid(self):
        rc, out, err = check(os.path.join(SRCDIR, "conf", "leadrouted.yaml"))
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"ok \(version [0-9a-f]{12}: 4 reps, 2 pools, \d+ rules\)")
        self.assertEqual(err, "")

    def test_every_error_is_printed_with_its_line(self):
        text = make_conf(self.redis).replace("duration: 5m", "duration: 5 minutes") \
            .replace("reps: [cy, dee]", "reps: [cy, zoe]").replace("pool: amer", "pool: apac")
        path = self.write("bad.yaml", text + "colour: blue\n")
        rc, out, err = check(path)
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        lines = err.splitlines()
        self.assertEqual(lines, [
            path + ":18: sla.clocks[0].duration: bad duration \"5 minutes\": unknown unit: use ms, s, m, h or d",
            path + ":37: pools[1].reps[1]: unknown rep \"zoe\"",
            path + ":49: rules[2].pool: unknown pool \"apac\"",
            path + ":50: colour: unknown key \"colour\"",
            path + ": 4 errors",
        ])

    def test_warnings_are_printed_and_the_config_still_loads(self):
        path = self.write("warn.yaml", "\n".join([
            "reps: [{id: ana}]",
            "pools: [{id: p, reps: [ana]}]",
            "territories:",
            "  - {id: emea, countries: [DE, FR, GB]}",
            "rules:",
            "  - {name: emea, pool: p, when: {territory: emea}}",
            "  - {name: de, pool: p, when: {country: DE}}",
            "  - {name: typo, pool: p, when: {contry: JP}}",
            "  - name: list",
            "    pool: p",
            "    when:",
            "      country: JP, AU",
            "  - {name: default, pool: p}",
            "  - {name: late, pool: p, when: {country: US}}",
            ""]))
        rc, out, err = check(path)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"ok \(version [0-9a-f]{12}: 1 reps, 1 pools, 6 rules, with warnings\)")
        self.assertEqual(err.splitlines(), [
            path + ':7: warning: rules[1]: rule "de" can never match: rule "emea" on line 6 '
            'matches every lead it would, through territory "emea" (line 4)',
            path + ':8: warning: rules[2].when.contry: no lead field "contry" is known '
            '(the schema\'s or a source\'s): did you mean "country"?',
            path + ':12: warning: rules[3].when.country: "JP, AU" is one value with a comma: '
            'for a list write [JP, AU]; quote it if the comma is meant',
            path + ':14: warning: rules[5]: rule "late" comes after default rule "default", '
            'which takes every lead: it is never reached',
        ])

    def test_daemon_refuses_to_start_with_bad_config(self):
        path = self.write("bad.yaml", "reps: []\n")
        p = subprocess.run([LEADROUTED, "-c", path], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn(path + ":1: reps: at least one rep is required", p.stderr)
        self.assertIn("not starting", p.stderr)

    def test_missing_config_file(self):
        rc, out, err = check(os.path.join(self.tmp, "nope.yaml"))
        self.assertEqual(rc, 1)
        self.assertIn("nope.yaml:0: cannot open: No such file or directory", err)

    def test_port_in_use_fails_clearly(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            conf = make_conf(self.redis).replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:%d" % port)
            path = self.write("busy.yaml", conf)
            p = subprocess.run([LEADROUTED, "-c", path], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot listen on 127.0.0.1 port %d: Address already in use" % port, p.stderr)


class ReloadTests(DaemonTestCase):

    def reload(self, text):
        self.d.write_conf(text)
        before = len(self.d.events("config_reloaded")) + len(self.d.events("config_reload_failed"))
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: len(self.d.events("config_reloaded")) +
                 len(self.d.events("config_reload_failed")) > before, what="the reload")

    def test_reload_applies_new_rules(self):
        v1 = self.d.get("/healthz").json["config_version"]
        self.assertEqual(self.d.lead(email="a@x.com", country="JP")["pool"], "amer")
        self.reload(make_conf(self.redis).replace("    when:\n      country: [DE, FR, GB]\n",
                                                  "    when:\n      country: [DE, FR, GB, JP]\n"))
        self.assertEqual(self.d.lead(email="b@x.com", country="JP")["pool"], "emea")
        v2 = self.d.get("/healthz").json["config_version"]
        self.assertNotEqual(v1, v2)
        self.assertEqual(self.d.events("config_reloaded")[-1]["version"], v2)

    def test_bad_reload_keeps_the_running_config(self):
        v1 = self.d.get("/healthz").json["config_version"]
        self.reload(make_conf(self.redis).replace("reps: [ana, ben]", "reps: [ana, bob]"))
        errors = self.d.events("config_error")
        self.assertEqual(errors[-1]["line"], "35")
        self.assertEqual(errors[-1]["message"], 'unknown rep "bob"')
        self.assertEqual(len(self.d.events("config_reload_failed")), 1)
        self.assertEqual(self.d.get("/healthz").json["config_version"], v1)
        self.assertEqual([self.d.lead(email="c%d@x.com" % i, country="DE")["owner"]
                          for i in range(2)], ["ana", "ben"])

    def test_reload_keeps_rotation_state(self):
        self.assertEqual(self.d.lead(email="a@x.com", country="DE")["owner"], "ana")
        self.reload(make_conf(self.redis, first_touch="2h"))
        lead = self.d.lead(email="b@x.com", country="DE")
        self.assertEqual(lead["owner"], "ben")

    def test_reload_adding_a_rep_drains_the_queue(self):
        self.d.set_status("cy", "away")
        self.d.set_status("dee", "away")
        lead = self.d.lead(email="q@x.com", country="US")
        self.assertEqual(lead["status"], "queued")
        self.reload(make_conf(self.redis).replace("reps: [cy, dee]", "reps: [cy, dee, ana]"))
        got = wait_for(lambda: self.d.get("/v1/leads/" + lead["id"]).json["owner"],
                       what="the queued lead to be assigned")
        self.assertEqual(got, "ana")

    def test_removed_rep_keeps_leads_but_gets_no_new_ones(self):
        lead = self.d.lead(email="a@x.com", country="DE")
        self.assertEqual(lead["owner"], "ana")
        text = make_conf(self.redis).replace("reps: [ana, ben]", "reps: [ben]") \
            .replace("  - id: ana\n    name: Ana Ruiz\n", "")
        self.reload(text)
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["owner"], "ana")
        self.assertEqual([self.d.lead(email="b%d@x.com" % i, country="DE")["owner"]
                          for i in range(2)], ["ben", "ben"])
        r = self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana"})
        self.assertEqual(r.status, 200)


class ShutdownTests(DaemonTestCase):

    conf_overrides = {"redis_timeout": "5s"}

    def test_sigterm_finishes_in_flight_requests_and_exits_0(self):
        result = {}

        def post():
            result["r"] = self.d.post("/v1/leads", {"email": "slow@x.com", "country": "DE"})
        self.redis.pause(1)     # Redis stalls: the lead waits in flight
        t = threading.Thread(target=post)
        t.start()
        wait_for(lambda: "leadrouted_http_requests_in_flight 1\n" in self.d.get("/metrics").raw,
                 timeout=2, what="the request to be in flight")
        self.d.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        # The listener is closed at once: no new connections.
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", self.d.port), timeout=1).recv(1)
        t.join(10)
        self.assertEqual(result["r"].status, 201, result["r"])
        self.assertEqual(self.d.stop(), 0)
        self.assertEqual(self.d.events("stopping")[0]["in_flight"], "1", self.d.log())
        self.assertEqual(len(self.d.events("stopped")), 1)
        got = self.redis.cmd("HGET", "lr:lead:" + result["r"].json["id"], "owner")
        self.assertEqual(got, "ana")

    def test_sigint_also_stops_cleanly(self):
        self.assertEqual(self.d.stop(signal.SIGINT), 0)


if __name__ == "__main__":
    main()
