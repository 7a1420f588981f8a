"""`systemctl reload` as the built unit makes it: every ExecReload= line of
build/systemd/leadrouted.service run in order against a real daemon, as
systemd runs them (stop at the first failure), without needing systemd."""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
import unittest

from harness import BASE_REPS, LEADROUTED, DaemonTestCase, main, make_conf, wait_for
from test_auth import make_cert

UNIT = os.environ.get("LEADROUTED_UNIT") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(LEADROUTED))), "systemd",
    "leadrouted.service")

# A rep the running config does not have, and a config that cannot load.
NEW_REPS = BASE_REPS + "  - id: eve\n    name: Eve Park\n"
BROKEN_POOLS = """\
  - id: emea
    reps: [ana, nobody]
  - id: amer
    reps: [cy, dee]
"""


def unit_lines(path, key):
    """The values of key= in the [Service] section, in order."""
    out, section = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and line.startswith(key + "="):
                out.append(line[len(key) + 1:])
    return out


def systemctl_reload(unit, daemon):
    """Run the unit's ExecReload= commands as systemd would for daemon: the
    installed binary and config replaced by the test's, $MAINPID by its pid,
    in order, stopping at the first that fails (unless prefixed "-"). Returns
    (status, [(argv, status, output)])."""
    start = shlex.split(unit_lines(unit, "ExecStart")[0])
    installed_bin, installed_conf = start[0], start[start.index("-c") + 1]
    ran = []
    for line in unit_lines(unit, "ExecReload"):
        ignore = line.startswith("-")
        argv = [{installed_bin: LEADROUTED, installed_conf: daemon.conf_path}.get(a, a)
                for a in shlex.split(line.lstrip("-@:+!"))]
        argv = [a.replace("$MAINPID", str(daemon.proc.pid)) for a in argv]
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        ran.append((argv, p.returncode, p.stdout))
        if p.returncode != 0 and not ignore:
            return p.returncode, ran
    return 0, ran


class UnitReloadTests(DaemonTestCase):

    def setUp(self):
        if not os.path.exists(UNIT):
            self.fail("no built unit at %s (make builds it)" % UNIT)
        super().setUp()

    def reps(self):
        r = self.d.get("/v1/reps")
        self.assertEqual(r.status, 200, r)
        return [x["id"] for x in r.json["reps"]]

    def config_version(self):
        for line in self.d.get("/metrics").raw.splitlines():
            if line.startswith("leadrouted_build_info{"):
                return line.split('config_version="', 1)[1].split('"', 1)[0]
        self.fail("no leadrouted_build_info")

    def test_unit_checks_the_file_before_signalling(self):
        reloads = unit_lines(UNIT, "ExecReload")
        self.assertEqual(len(reloads), 2, reloads)
        self.assertIn(" -t -c ", reloads[0])
        self.assertIn("-HUP $MAINPID", reloads[1])

    def test_broken_config_fails_the_reload_and_the_old_one_serves(self):
        version = self.config_version()
        self.d.write_conf(make_conf(self.redis, pools=BROKEN_POOLS))
        status, ran = systemctl_reload(UNIT, self.d)
        self.assertEqual(status, 1, ran)
        self.assertEqual(len(ran), 1, ran)          # the kill never ran
        self.assertIn('unknown rep "nobody"', ran[0][2])
        time.sleep(0.3)
        self.assertEqual(self.d.events("config_reload_failed"), [])
        self.assertEqual(self.d.events("config_reloaded"), [])
        self.assertEqual(self.config_version(), version)
        self.assertEqual(self.reps(), ["ana", "ben", "cy", "dee"])
        self.assertEqual(self.d.lead(email="a@x.com", country="DE")["owner"], "ana")

    @unittest.skipIf(shutil.which("openssl") is None, "needs openssl to make a certificate")
    def test_a_key_that_does_not_load_fails_the_reload(self):
        key, cert = make_cert(self.tmp, "reload", "localhost")
        with open(key, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
        self.d.write_conf(make_conf(self.redis, extra="tls:\n  cert: %s\n  key: %s\n" % (
            cert, key)))
        status, ran = systemctl_reload(UNIT, self.d)
        self.assertEqual(status, 1, ran)
        self.assertEqual(len(ran), 1, ran)
        self.assertIn("%s: tls: %s: " % (self.d.conf_path, key), ran[0][2])
        time.sleep(0.3)
        self.assertEqual(self.d.events("config_reload_failed"), [])
        self.assertEqual(self.d.events("config_reloaded"), [])
        self.assertEqual(self.d.get("/healthz").status, 200)

    def test_good_config_reloads_and_takes_effect(self):
        version = self.config_version()
        self.d.write_conf(make_conf(self.redis, reps=NEW_REPS))
        status, ran = systemctl_reload(UNIT, self.d)
        self.assertEqual(status, 0, ran)
        self.assertEqual([r[1] for r in ran], [0, 0], ran)
        wait_for(lambda: self.d.events("config_reloaded"), what="the reload")
        self.assertEqual(self.d.events("config_reloaded")[0]["previous"], version)
        self.assertNotEqual(self.config_version(), version)
        self.assertEqual(self.reps(), ["ana", "ben", "cy", "dee", "eve"])


class NotifyReloadTests(DaemonTestCase):
    """What the daemon tells systemd around a reload (sd_notify), read from a
    NOTIFY_SOCKET of the test's own."""

    def setUp(self):
        super().setUp()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(self.sock.close)
        path = os.path.join(self.tmp, "notify-%d.sock" % os.getpid())
        if os.path.exists(path):
            os.unlink(path)
        self.sock.bind(path)
        self.sock.settimeout(10)
        self.n = self.new_daemon(name="notified", start=False)
        self.n.start(env={"NOTIFY_SOCKET": path})
        self.assertTrue(self.message().startswith("READY=1\nSTATUS=listening on "))

    def message(self):
        return self.sock.recv(4096).decode()

    def reloading(self):
        """The RELOADING=1 notice, its MONOTONIC_USEC checked against our clock."""
        before = time.monotonic_ns() // 1000
        lines = self.message().split("\n")
        self.assertEqual(lines[0], "RELOADING=1", lines)
        self.assertTrue(lines[1].startswith("MONOTONIC_USEC="), lines)
        usec = int(lines[1].split("=", 1)[1])
        self.assertLessEqual(usec, time.monotonic_ns() // 1000)
        self.assertGreater(usec, before - 5000000)
        self.assertEqual(lines[2:], ["STATUS=reloading the config"])

    def test_failed_reload_says_the_old_config_runs(self):
        self.n.write_conf(make_conf(self.redis, pools=BROKEN_POOLS))
        self.n.send_signal(signal.SIGHUP)
        self.reloading()
        self.assertEqual(self.message(),
                         "READY=1\nSTATUS=reload failed; running the previous config")

    def test_reload_through_the_unit_ends_ready_and_running(self):
        self.n.write_conf(make_conf(self.redis, reps=NEW_REPS))
        self.assertEqual(systemctl_reload(UNIT, self.n)[0], 0)
        self.reloading()
        self.assertEqual(self.message(), "READY=1\nSTATUS=running")


if __name__ == "__main__":
    main()
