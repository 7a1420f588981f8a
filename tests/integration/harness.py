"""Integration test harness: a private redis-server, real leadrouted processes, real HTTP.

Every test module imports this. It needs redis-server and the built daemon
(paths from $REDIS_SERVER and $LEADROUTED, set by `make check`); when either is
missing the module exits 77, which automake reports as SKIP.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import resp

LEADROUTED = os.environ.get("LEADROUTED") or os.path.join(
    os.path.dirname(__file__), "..", "..", "daemon", "leadrouted")
REDIS_SERVER = os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or ""
# e.g. "valgrind -q --error-exitcode=99": run every daemon under a checker.
WRAPPER = os.environ.get("LEADROUTED_WRAPPER", "").split()

if not os.access(LEADROUTED, os.X_OK) or not REDIS_SERVER:
    print("SKIP: needs redis-server and a built daemon/leadrouted", file=sys.stderr)
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


class Redis:
    """A redis-server of our own on a free loopback port, with its data in tmpdir."""

    def __init__(self, tmpdir, persist=False):
        self.dir = tmpdir
        self.port = free_port()
        self.persist = persist
        self.proc = None
        self.start()

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir, "--save", "", "--logfile", "redis.log",
                "--appendonly", "yes" if self.persist else "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._ping, what="redis-server to answer PING")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def pause(self, seconds):
        """Hold every client's commands for a while (CLIENT PAUSE): Redis looks stuck."""
        self.cmd("CLIENT", "PAUSE", str(int(seconds * 1000)), "ALL")

    def _ping(self):
        try:
            return self.cmd("PING") == "PONG"
        except OSError:
            return False
        except RuntimeError as e:
            # Not yet: a restarted server answers LOADING while it reads its
            # append-only file, a busy one BUSY while a script runs.
            if str(e).startswith(("LOADING", "BUSY")):
                return False
            raise

    @staticmethod
    def _encode(args):
        return resp.encode(args)

    def cmd(self, *args):
        """Run one command with a minimal RESP2 client; returns str/int/list/None."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(self._encode(args))
            f = s.makefile("rb")
            return self._read(f)

    def _read(self, f):
        """One reply; an error reply raises resp.RespError (a RuntimeError)."""
        return resp.read(f, raise_errors=True)


BASE_CONF = """\
listen: 127.0.0.1:0
log_level: {log_level}
http:
  max_body: {max_body}
  shutdown_timeout: {shutdown_timeout}
{http_extra}redis:
  url: {redis_url}
  prefix: {prefix}
  timeout: {redis_timeout}
leads:
  sticky_window: {sticky}
  join_window: {join}
sla:
  clocks:
    - name: route
      start: received
      stop: [assigned, nurture]
      duration: {route}
    - name: first_touch
      start: assigned
      stop: touched
      calendar: {ft_calendar}
      duration: {first_touch}
{ft_extra}{sla_extra}reps:
{reps}pools:
{pools}{extra}rules:
{rules}"""

BASE_REPS = """\
  - id: ana
    name: Ana Ruiz
  - id: ben
    name: Ben Okafor
  - id: cy
    name: Cy Young
  - id: dee
    name: Dee Long
"""

BASE_POOLS = """\
  - id: emea
    reps: [ana, ben]
  - id: amer
    reps: [cy, dee]
"""

BASE_RULES = """\
  - name: emea
    when:
      country: [DE, FR, GB]
    pool: emea
  - name: big-us
    when:
      country: US
      employees: 5000
    pool: emea
  - name: default
    pool: amer
"""


def make_conf(redis, **kw):
    """The test config; reps=, pools= and rules= replace those lists, extra= adds
    sections (calendars, territories, scoring …) before the rules; route=,
    first_touch= and ft_calendar= set the two clocks, ft_extra= ({key: value})
    adds keys to first_touch and sla_extra= (YAML under sla:) adds grades."""
    values = dict(log_level="info", max_body="64KiB", shutdown_timeout="10s",
                  redis_url=redis.url if redis else "redis://127.0.0.1:1/0",
                  prefix="lr", redis_timeout="2s", route="5m", first_touch="1h", ft_calendar="owner",
                  sticky="0s", join="0s",
                  extra="", reps=BASE_REPS, pools=BASE_POOLS, rules=BASE_RULES)
    values.update(kw)
    # ft_extra: more keys of the first_touch clock; sla_extra: more of sla (grades).
    values["ft_extra"] = "".join("      %s: %s\n" % kv for kv in dict(kw.get("ft_extra", {})).items())
    # http_extra: more keys of http ({key: value}).
    values["http_extra"] = "".join("  %s: %s\n" % kv for kv in dict(kw.get("http_extra", {})).items())
    values["sla_extra"] = "".join("  " + line + "\n" for line in kw.get("sla_extra", "").splitlines())
    return BASE_CONF.format(**values)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Daemon:
    """One leadrouted process with its own config file; stderr is collected."""

    def __init__(self, tmpdir, conf_text, name="leadrouted"):
        self.dir = tmpdir
        self.name = name
        self.conf_path = os.path.join(tmpdir, name + ".yaml")
        self.write_conf(conf_text)
        self.proc = None
        self.port = None
        self.lines = []
        self._reader = None
        self.token = None      # sent as Authorization: Bearer when set
        self.tls = None        # an ssl.SSLContext: talk HTTPS

    def write_conf(self, text):
        with open(self.conf_path, "w") as f:
            f.write(text)

    def start(self, wait_redis=True, env=None):
        self.lines = []
        self.port = None
        self.proc = subprocess.Popen(WRAPPER + [LEADROUTED, "-c", self.conf_path],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, bufsize=1,
                                     env=dict(os.environ, **(env or {})))
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        wait_for(lambda: self.port or self.proc.poll() is not None, what="leadrouted to listen")
        if self.port is None:
            raise AssertionError("leadrouted exited with %s:\n%s" % (self.proc.returncode, self.log()))
        if wait_redis:
            wait_for(lambda: self.get("/healthz").status == 200, what="leadrouted to reach Redis")
        return self

    def _read_log(self):
        for line in self.proc.stderr:
            line = line.rstrip("\n")
            self.lines.append(line)
            if " event=listening " in line:
                self.port = int(line.rsplit("port=", 1)[1].split()[0])

    def log(self):
        return "\n".join(self.lines)

    def events(self, name):
        """Parsed key=value fields of every log line with event=name."""
        return [kv for kv in (parse_kv(l) for l in list(self.lines)) if kv.get("event") == name]

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stop the daemon; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._reader.join(5)
        self.proc.stderr.close()
        self.proc = None
        return rc

    def request(self, method, path, body=None, headers=None, timeout=10, port=None):
        if self.tls is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", port or self.port, timeout=timeout,
                                               context=self.tls)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)
        hdrs = dict(headers or {})
        if self.token is not None and "Authorization" not in hdrs:
            hdrs["Authorization"] = "Bearer " + self.token
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, body, **kw)

    def lead(self, **fields):
        r = self.post("/v1/leads", fields)
        if r.status != 201:
            raise AssertionError("lead not created: %r" % r)
        return r.json

    def set_status(self, rep, status):
        r = self.put("/v1/reps/%s/status" % rep, {"status": status})
        if r.status != 200:
            raise AssertionError("status not set: %r" % r)
        return r.json


def parse_kv(line):
    """Parse a key=value log line (values may be "quoted")."""
    out, i, n = {}, 0, len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        j = line.find("=", i)
        if j < 0:
            break
        key = line[i:j]
        i = j + 1
        if i < n and line[i] == '"':
            i += 1
            val = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                val.append(line[i])
                i += 1
            i += 1
            out[key] = "".join(val)
        else:
            j = line.find(" ", i)
            j = n if j < 0 else j
            out[key] = line[i:j]
            i = j
    return out


class DaemonTestCase(unittest.TestCase):
    """Each test gets an empty Redis (shared per module) and a fresh daemon."""

    persist = False
    conf_overrides = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="leadroute-test-")
        cls.redis = Redis(cls.tmp, persist=cls.persist)

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.d = self.new_daemon(**self.conf_overrides)

    def tearDown(self):
        for d in self.daemons:
            if d.proc is not None:
                rc = d.stop()
                if rc != 0:
                    self.fail("%s exited with %s on SIGTERM:\n%s" % (d.name, rc, d.log()[-4000:]))

    def new_daemon(self, name=None, start=True, **overrides):
        name = name or "d%d" % (len(self.daemons) + 1)
        d = Daemon(self.tmp, make_conf(self.redis, **overrides), name=name)
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def assertError(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        self.assertIsNotNone(r.json, r)
        self.assertEqual(r.json["error"]["code"], code, r)
        if field is not None:
            self.assertEqual(r.json["error"].get("field"), field, r)

    def redis_keys(self):
        return sorted(self.redis.cmd("KEYS", "*"))


def script_function(redis, name):
    """The function the daemon calls for script name (<name>_<version>, from the
    library it loaded into redis), or None when none is loaded."""
    pattern = re.compile(r"^%s_[0-9a-f]{12}$" % re.escape(name))
    for lib in redis.cmd("FUNCTION", "LIST") or []:
        fields = dict(zip(lib[::2], lib[1::2]))
        for fn in fields.get("functions", []):
            fn = dict(zip(fn[::2], fn[1::2]))
            if pattern.match(fn["name"]):
                return fn["name"]
    return None


def main():
    unittest.main(verbosity=2)
