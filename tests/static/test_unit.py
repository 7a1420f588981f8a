"""The shipped systemd unit: valid, hardened (exposure 2.0 or below), and, where
systemd runs, the daemon started under the unit's sandbox still serves."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.environ.get("LEADROUTE_SRCDIR") or \
	os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LEADROUTED = os.environ.get("LEADROUTED") or ""
ANALYZE = shutil.which("systemd-analyze")
MAX_EXPOSURE = 2.0


def unit_text(sbindir, conf):
	"""The unit as `make` writes it, for a daemon in sbindir reading conf."""
	with open(os.path.join(TOP, "systemd", "leadrouted.service.in")) as f:
		text = f.read()
	text = text.replace("@sysconfdir@/leadrouted/leadrouted.yaml", conf)
	return text.replace("@sbindir@", sbindir)


def systemd_running():
	try:
		state = subprocess.run(["systemctl", "is-system-running"], stdout=subprocess.PIPE,
		    stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
	except OSError:
		return False
	return state in ("running", "degraded")


@unittest.skipIf(ANALYZE is None, "needs systemd-analyze (tools/deps test installs it)")
class UnitTests(unittest.TestCase):
	def setUp(self):
		self.dir = tempfile.mkdtemp(prefix="leadroute-unit-")
		sbindir = os.path.dirname(LEADROUTED) if LEADROUTED else "/usr/sbin"
		self.unit = os.path.join(self.dir, "leadrouted.service")
		with open(self.unit, "w") as f:
			f.write(unit_text(sbindir, os.path.join(TOP, "conf", "leadrouted.yaml")))

	def tearDown(self):
		shutil.rmtree(self.dir, ignore_errors=True)

	@unittest.skipIf(not os.access(LEADROUTED, os.X_OK), "needs the built daemon")
	def test_unit_verifies(self):
		# --man=no: the unit's Documentation= pages are not installed where it is tested.
		p = subprocess.run([ANALYZE, "verify", "--man=no", self.unit], stdout=subprocess.PIPE,
		    stderr=subprocess.STDOUT, universal_newlines=True)
		self.assertEqual(p.returncode, 0, p.stdout)
		self.assertEqual(p.stdout.strip(), "", p.stdout)

	def test_exposure_is_low(self):
		p = subprocess.run([ANALYZE, "security", "--offline=true", self.unit],
		    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
		m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout)
		self.assertIsNotNone(m, p.stdout)
		print("exposure %s (at most %.1f)" % (m.group(1), MAX_EXPOSURE))
		self.assertLessEqual(float(m.group(1)), MAX_EXPOSURE, p.stdout)

	@unittest.skipIf(not systemd_running() or not os.access(LEADROUTED, os.X_OK),
	    "needs a running systemd (this machine has none) and the built daemon")
	def test_daemon_serves_under_the_units_sandbox(self):
		sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
		import harness
		redis = harness.Redis(self.dir)
		try:
			port = harness.free_port()
			conf = os.path.join(self.dir, "leadrouted.yaml")
			with open(conf, "w") as f:
				f.write(harness.make_conf(redis).replace("listen: 127.0.0.1:0",
				    "listen: 127.0.0.1:%d" % port))
			os.chmod(self.dir, 0o755)
			os.chmod(conf, 0o644)
			props = []
			in_service = False
			for line in unit_text(os.path.dirname(LEADROUTED), conf).splitlines():
				if line.startswith("["):
					in_service = line == "[Service]"
				elif in_service and "=" in line and not line.startswith(("#", "Exec")):
					props += ["-p", line]
			name = "leadrouted-test-%d" % os.getpid()
			subprocess.run(["systemd-run", "--unit", name, "--wait", "--collect", "-q"] +
			    props + [LEADROUTED, "-t", "-c", conf], check=True)
			subprocess.run(["systemd-run", "--unit", name] + props + [LEADROUTED, "-c", conf],
			    check=True)
			try:
				d = harness.Daemon.__new__(harness.Daemon)
				d.port, d.token, d.tls = port, None, None
				harness.wait_for(lambda: d.get("/healthz").status == 200, timeout=10,
				    what="the sandboxed daemon to reach Redis")
				self.assertEqual(d.post("/v1/leads", {"email": "u@x.com"}).status, 201)
				subprocess.run(["systemctl", "kill", "-s", "HUP", name], check=True)
				harness.wait_for(lambda: d.get("/healthz").status == 200, timeout=10,
				    what="the daemon after a reload")
			finally:
				subprocess.run(["systemctl", "stop", name])
		finally:
			redis.stop()


if __name__ == "__main__":
	unittest.main(verbosity=2)
