"""API tokens and roles, the health listener, and TLS with reload on SIGHUP."""

import hashlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

import harness
from harness import DaemonTestCase, free_port, wait_for

TOKENS = {
    "ingest": "ingest-token-0123456789abcdef0123456789",
    "ana": "rep-ana-token-0123456789abcdef0123456789",
    "ben": "rep-ben-token-0123456789abcdef0123456789",
    "manager": "manager-token-0123456789abcdef012345678",
    "admin": "admin-token-0123456789abcdef0123456789ab",
}


def sha(token):
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def tokens_file(path, rate=None):
    with open(path, "w") as f:
        f.write("# name  roles  token\n")
        f.write("hubspot ingest %s\n" % sha(TOKENS["ingest"]))
        f.write("ana rep:ana %s\n" % sha(TOKENS["ana"]))
        f.write("ben rep:ben %s\n" % TOKENS["ben"])  # a plain token: hashed on load
        f.write("maria manager %s\n" % sha(TOKENS["manager"]))
        f.write("ops admin %s\n" % sha(TOKENS["admin"]))


class AuthTests(DaemonTestCase):

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.tokens = os.path.join(self.tmp, "tokens")
        tokens_file(self.tokens)
        self.d = self.new_daemon(extra="auth:\n  tokens: file:%s\n  rate_limit: 1000/s\n" % self.tokens)

    def as_(self, who):
        self.d.token = TOKENS[who]
        return self.d

    def test_no_token_is_401_with_a_challenge(self):
        r = self.d.post("/v1/leads", {"email": "a@x.com"})
        self.assertError(r, 401, "unauthorized")
        self.assertIn("Bearer", r.headers["www-authenticate"])
        self.assertEqual(self.redis.cmd("KEYS", "lr:lead:*"), [])

    def test_bad_token_is_401(self):
        for value in ("Bearer nope", "Bearer " + TOKENS["ana"] + "x", "Basic Zm9vOmJhcg==", "Bearer "):
            r = self.d.post("/v1/leads", {"email": "a@x.com"}, headers={"Authorization": value})
            self.assertEqual(r.status, 401, (value, r))
        self.assertEqual(self.redis.cmd("KEYS", "lr:lead:*"), [])

    def test_token_without_the_role_is_403(self):
        self.as_("ana")
        self.assertError(self.d.post("/v1/leads", {"email": "a@x.com"}), 403, "forbidden")
        self.assertError(self.d.get("/v1/scorecard"), 403, "forbidden")
        self.as_("ingest")
        self.assertError(self.d.get("/v1/reps"), 403, "forbidden")
        self.as_("manager")
        self.assertError(self.d.get("/v1/accounts"), 403, "forbidden")
        self.assertError(self.d.delete("/v1/subjects", {"email": "a@x.com"}), 403, "forbidden")

    def test_each_role_reaches_its_endpoints(self):
        self.as_("ingest")
        lead = self.d.post("/v1/leads", {"email": "a@x.com", "country": "DE"})
        self.assertEqual(lead.status, 201, lead)
        self.assertEqual(self.d.get("/v1/definitions").status, 200)
        self.as_("manager")
        self.assertEqual(self.d.get("/v1/reps").status, 200)
        self.assertEqual(self.d.get("/v1/scorecard").status, 200)
        self.assertEqual(self.d.get("/v1/leads/" + lead.json["id"]).status, 200)
        self.assertEqual(self.d.put("/v1/reps/cy/status", {"status": "away"}).status, 200)
        self.assertEqual(self.d.get("/v1/definitions/history").status, 200)
        self.as_("ana")
        self.assertError(self.d.get("/v1/definitions/history"), 403, "forbidden")
        self.as_("admin")
        self.assertEqual(self.d.get("/v1/accounts").status, 200)
        self.assertEqual(self.d.get("/v1/reps").status, 200)   # admin includes manager
        self.assertEqual(self.d.post("/v1/leads", {"email": "b@x.com"}).status, 201)  # and ingest

    def test_a_rep_works_only_their_own_leads(self):
        self.as_("ingest")
        mine = self.d.post("/v1/leads", {"email": "a@x.com", "country": "DE"}).json
        theirs = self.d.post("/v1/leads", {"email": "b@x.com", "country": "DE"}).json
        self.assertEqual((mine["owner"], theirs["owner"]), ("ana", "ben"))
        self.as_("ana")
        self.assertEqual(self.d.get("/v1/leads/" + mine["id"]).status, 200)
        self.assertError(self.d.get("/v1/leads/" + theirs["id"]), 403, "forbidden")
        # The token speaks for ana: "rep" may be left out, and may not name another rep.
        r = self.d.post("/v1/leads/%s/touch" % mine["id"], {"channel": "call"})
        self.assertEqual(r.status, 200, r)
        self.assertError(self.d.post("/v1/leads/%s/touch" % theirs["id"], {"rep": "ben"}), 403, "forbidden", "rep")
        self.assertError(self.d.post("/v1/leads/%s/accept" % theirs["id"], {}), 409, "not_owner")
        self.assertEqual(self.d.post("/v1/leads/%s/accept" % mine["id"], {}).status, 200)
        self.assertEqual(self.d.put("/v1/reps/ana/status", {"status": "away"}).status, 200)
        self.assertError(self.d.put("/v1/reps/ben/status", {"status": "away"}), 403, "forbidden")
        # The rep list shows a rep's own token that rep only.
        self.assertEqual([r["id"] for r in self.d.get("/v1/reps").json["reps"]], ["ana"])
        # A stage move is a manager's (or a CRM's, through /v1/events).
        self.assertError(self.d.post("/v1/leads/%s/stage" % mine["id"], {"stage": "sql", "by": "ana"}),
                         403, "forbidden")

    def test_healthz_is_open_and_metrics_needs_a_manager(self):
        self.assertEqual(self.d.get("/healthz").status, 200)
        self.assertEqual(self.d.get("/metrics").status, 401)
        self.as_("manager")
        r = self.d.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertIn("auth_refused_total 1", r.raw)

    def test_tokens_are_never_logged(self):
        for who in TOKENS:
            self.as_(who)
            self.d.post("/v1/leads", {"email": "x@x.com"})
            self.d.get("/v1/scorecard")
        self.d.token = "Bearer-guess-0123456789abcdef0123456789"
        self.d.get("/v1/reps")
        self.d.stop()
        log = self.d.log()
        for token in list(TOKENS.values()) + [self.d.token]:
            self.assertNotIn(token, log)
            self.assertNotIn(hashlib.sha256(token.encode()).hexdigest(), log)
        self.assertIn("auth_refused", log)

    def test_a_token_file_change_is_picked_up_on_sighup(self):
        self.as_("manager")
        self.assertEqual(self.d.get("/v1/reps").status, 200)
        with open(self.tokens, "w") as f:
            f.write("maria2 manager %s\n" % sha("a-brand-new-manager-token-0123456789"))
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.events("config_reloaded"), what="reload")
        self.assertEqual(self.d.get("/v1/reps").status, 401)
        self.d.token = "a-brand-new-manager-token-0123456789"
        self.assertEqual(self.d.get("/v1/reps").status, 200)

    def test_rate_limit_per_token_is_429_with_retry_after(self):
        self.d.stop()
        d = self.new_daemon(extra="auth:\n  tokens: file:%s\n  rate_limit: 3/m\n" % self.tokens)
        d.token = TOKENS["manager"]
        for _ in range(3):
            self.assertEqual(d.get("/v1/reps").status, 200)
        r = d.get("/v1/reps")
        self.assertError(r, 429, "rate_limited")
        self.assertEqual(r.headers["retry-after"], "20")
        d.token = TOKENS["admin"]       # another token has its own bucket
        self.assertEqual(d.get("/v1/reps").status, 200)

    def test_tokens_from_a_systemd_credential(self):
        self.d.stop()
        creds = os.path.join(self.tmp, "creds")
        os.makedirs(creds, exist_ok=True)
        shutil.copy(self.tokens, os.path.join(creds, "tokens"))
        d = self.new_daemon(start=False, extra="auth:\n  tokens: credential:tokens\n")
        d.start(env={"CREDENTIALS_DIRECTORY": creds})
        d.token = TOKENS["admin"]
        self.assertEqual(d.get("/v1/accounts").status, 200)


class AuthConfigTests(unittest.TestCase):

    def check(self, text):
        tmp = harness.tempfile.mkdtemp(prefix="leadroute-auth-")
        try:
            path = os.path.join(tmp, "c.yaml")
            with open(path, "w") as f:
                f.write(text)
            p = subprocess.run([harness.LEADROUTED, "-t", "-c", path], capture_output=True, text=True)
            return p.returncode, p.stderr
        finally:
            shutil.rmtree(tmp)

    BASE = "redis:\n  url: redis://127.0.0.1:1/0\nreps:\n  - id: ana\npools:\n  - id: p\n    reps: [ana]\nrules:\n  - name: all\n    pool: p\n"

    def test_a_public_listener_without_tokens_is_refused(self):
        rc, err = self.check("listen: 0.0.0.0:8080\n" + self.BASE)
        self.assertEqual(rc, 1)
        self.assertIn("auth: listen is 0.0.0.0:8080, so the API needs tokens", err)
        rc, err = self.check("listen: 0.0.0.0:8080\nauth:\n  open: true\n" + self.BASE)
        self.assertEqual(rc, 0, err)

    def test_bad_token_lines_are_reported(self):
        tmp = harness.tempfile.mkdtemp(prefix="leadroute-auth-")
        path = os.path.join(tmp, "tokens")
        with open(path, "w") as f:
            f.write("short ingest abc\nwho nosuchrole %s\nbad rep:zed %s\nhalf ingest\n"
                    % (sha("x"), sha("y")))
        rc, err = self.check(self.BASE + "auth:\n  tokens: file:%s\n" % path)
        shutil.rmtree(tmp)
        self.assertEqual(rc, 1)
        self.assertIn("line 1: token short is shorter than 32 characters", err)
        self.assertIn('token who: unknown role "nosuchrole"', err)
        self.assertIn('token bad: unknown rep "zed"', err)
        self.assertIn("line 4: expected NAME ROLES TOKEN", err)

    def test_hash_token_prints_the_line_to_store(self):
        p = subprocess.run([harness.LEADROUTED, "-H"], input=TOKENS["admin"] + "\n",
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout.strip(), sha(TOKENS["admin"]))
        p = subprocess.run([harness.LEADROUTED, "-H"], input="short\n", capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)


class HealthListenerTests(DaemonTestCase):

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.tokens = os.path.join(self.tmp, "tokens")
        tokens_file(self.tokens)
        self.health_port = free_port()
        self.d = self.new_daemon(extra="health_listen: 127.0.0.1:%d\nauth:\n  tokens: file:%s\n"
                                 % (self.health_port, self.tokens))

    def test_health_and_metrics_are_served_without_a_token_on_their_own_address(self):
        self.assertEqual(self.d.get("/healthz", port=self.health_port).status, 200)
        r = self.d.get("/metrics", port=self.health_port)
        self.assertEqual(r.status, 200)
        self.assertIn("leads_received_total", r.raw)
        # Only those two live there.
        self.assertEqual(self.d.post("/v1/leads", {"email": "a@x.com"}, port=self.health_port).status, 404)
        self.assertEqual(self.d.get("/metrics").status, 401)
        self.assertTrue(self.d.events("health_listening"))


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_cert(dirname, name, cn):
    key, cert = os.path.join(dirname, name + ".key"), os.path.join(dirname, name + ".pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + cn,
            "-addext", "subjectAltName=IP:127.0.0.1")
    return key, cert


@unittest.skipIf(shutil.which("openssl") is None, "needs openssl to make certificates")
class TlsTests(DaemonTestCase):

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.a_key, self.a_cert = make_cert(self.tmp, "a", "leadrouted-a")
        self.b_key, self.b_cert = make_cert(self.tmp, "b", "leadrouted-b")
        self.key, self.cert = os.path.join(self.tmp, "tls.key"), os.path.join(self.tmp, "tls.pem")
        shutil.copy(self.a_key, self.key)
        shutil.copy(self.a_cert, self.cert)
        self.d = self.new_daemon(start=False, extra="tls:\n  cert: %s\n  key: %s\n" % (self.cert, self.key))
        self.d.tls = self.context(self.a_cert)
        self.d.start()

    @staticmethod
    def context(cafile):
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.check_hostname = False
        return ctx

    def peer_cn(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=5) as s:
            with ctx.wrap_socket(s) as t:
                der = t.getpeercert(binary_form=True)
        return ssl.DER_cert_to_PEM_cert(der)

    def test_leads_over_tls_and_plain_http_is_refused(self):
        r = self.d.post("/v1/leads", {"email": "t@x.com", "country": "DE"})
        self.assertEqual(r.status, 201, r)
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = s.recv(100)
        self.assertFalse(data.startswith(b"HTTP/1.1 200"))

    def test_sighup_reloads_the_certificate(self):
        with open(self.a_cert) as f:
            self.assertEqual(self.peer_cn().strip(), f.read().strip())
        shutil.copy(self.b_key, self.key)
        shutil.copy(self.b_cert, self.cert)
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.events("tls_reloaded"), what="the certificate to reload")
        with open(self.b_cert) as f:
            self.assertEqual(self.peer_cn().strip(), f.read().strip())
        self.d.tls = self.context(self.b_cert)
        self.assertEqual(self.d.get("/healthz").status, 200)

    def test_a_bad_certificate_on_reload_keeps_the_old_one(self):
        with open(self.key, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.events("config_reload_failed"), what="the reload to fail")
        with open(self.a_cert) as f:
            self.assertEqual(self.peer_cn().strip(), f.read().strip())
        self.assertEqual(self.d.get("/healthz").status, 200)


if __name__ == "__main__":
    harness.main()
