"""The shipped nginx config (conf/nginx-leadrouted.conf) in front of a real
daemon: what the daemon cannot see (a NUL cuts a header value short in
libmicrohttpd) and what it would refuse (ambiguous framing) is refused by the
proxy, stores nothing and never reaches the daemon (docs/operations.md, "A
proxy in front"). Skipped without nginx; `tools/deps test` installs it."""

import grp
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

import harness
from harness import DaemonTestCase, free_port, wait_for
from test_auth import TOKENS, tokens_file
from test_hardening import NOT_LEAD_STATE, exchange, raw, status_of

TOP = os.environ.get("LEADROUTE_SRCDIR") or \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONF = os.path.join(TOP, "conf", "nginx-leadrouted.conf")
# nginx lives in /usr/sbin, which a user's PATH may not hold.
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)

# The shipped server block goes inside this http { }, as under /etc/nginx/conf.d/.
MAIN_CONF = """\
{user}worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/leadrouted.conf;
}}
"""


def proxy_conf(listen_port, daemon_port):
    """The shipped file with its listen line and the daemon's address filled in."""
    with open(CONF) as f:
        text = f.read()
    for pattern, value in ((r"^(\s*)listen 80;$", r"\g<1>listen 127.0.0.1:%d;" % listen_port),
                           (r"^(\s*)server 127\.0\.0\.1:8080;$",
                            r"\g<1>server 127.0.0.1:%d;" % daemon_port)):
        text, n = re.subn(pattern, value, text, flags=re.M)
        if n != 1:
            raise AssertionError("%s: %r should be there once, is there %d times"
                                 % (CONF, pattern, n))
    return text


class Nginx:
    """An nginx of our own (the current user, a free loopback port, every path
    in its own directory) with the shipped config, in front of a daemon."""

    def __init__(self, tmpdir, daemon_port):
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=tmpdir)
        self.port = free_port()
        with open(os.path.join(self.dir, "leadrouted.conf"), "w") as f:
            f.write(proxy_conf(self.port, daemon_port))
        # As root, nginx would hand its workers to "nobody"; keep them ours.
        user = ""
        if os.geteuid() == 0:
            user = "user %s %s;\n" % (pwd.getpwuid(os.geteuid()).pw_name,
                                      grp.getgrgid(os.getegid()).gr_name)
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(MAIN_CONF.format(user=user, dir=self.dir))
        self.error_log = os.path.join(self.dir, "error.log")
        self.proc = None

    def start(self):
        with open(os.path.join(self.dir, "stderr"), "w") as err:
            self.proc = subprocess.Popen(
                [NGINX, "-p", self.dir + "/", "-c", self.conf, "-g",
                 "daemon off; pid %s/nginx.pid; error_log %s info;" % (self.dir, self.error_log)],
                stdout=subprocess.DEVNULL, stderr=err)
        wait_for(lambda: self._listening() or self.proc.poll() is not None, what="nginx to listen")
        if self.proc.poll() is not None:
            raise AssertionError("nginx exited with %s:\n%s" % (self.proc.returncode, self.log()))
        return self

    def _listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self):
        out = ""
        for name in ("stderr", "error.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    out += f.read()
            except OSError:
                pass
        return out[-4000:]


def chunked(body):
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


@unittest.skipIf(NGINX is None, "needs nginx (tools/deps test installs it)")
class ProxyTests(DaemonTestCase):

    BODY = b'{"email":"p@x.com","country":"DE"}'
    INGEST = TOKENS["ingest"].encode()
    # A whole second lead, hidden where a hop reading the other framing would
    # take it for the next request: if it got through, it would be stored.
    SMUGGLED_BODY = b'{"email":"smuggled@x.com","country":"DE"}'
    SMUGGLED = (b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST +
                b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % len(SMUGGLED_BODY) + SMUGGLED_BODY)

    def setUp(self):
        self.redis.cmd("FLUSHALL")
        self.daemons = []
        self.tokens = os.path.join(self.tmp, "tokens")
        tokens_file(self.tokens)
        self.d = self.new_daemon(extra="auth:\n  tokens: file:%s\n  rate_limit: 1000/s\n"
                                 % self.tokens)
        self.d.token = TOKENS["manager"]    # for /metrics, asked of the daemon itself
        self.nginx = Nginx(self.tmp, self.d.port)
        try:
            self.nginx.start()
        except BaseException:
            self.nginx.stop()
            self.d.stop()
            raise

    def tearDown(self):
        self.nginx.stop()
        super().tearDown()

    def post(self, headers, body=BODY, auth=b"Bearer " + INGEST, target=b"/v1/leads"):
        """A raw POST; headers carries the framing (and anything else)."""
        return (b"POST " + target + b" HTTP/1.1\r\nHost: leads.example.com\r\n"
                b"Authorization: " + auth + b"\r\nContent-Type: application/json\r\n" +
                headers + b"\r\n" + body)

    def length(self, body=BODY):
        return b"Content-Length: %d\r\n" % len(body)

    def with_nul(self):
        """A lead with a NUL and junk after the token, the content type, the target."""
        return {
            "Authorization": self.post(self.length(), auth=b"Bearer " + self.INGEST + b"\0junk"),
            "Content-Type": self.post(self.length()).replace(b"application/json",
                                                             b"application/json\0junk"),
            "target": self.post(self.length(), target=b"/v1/leads\0junk"),
        }

    def leads(self):
        return [k for k in self.redis_keys() if not k.startswith(NOT_LEAD_STATE)]

    def answered(self):
        """What the daemon has answered, by status, but for 200 (these /metrics requests)."""
        m = self.d.get("/metrics")
        self.assertEqual(m.status, 200, m)
        return {code: int(n) for code, n in
                re.findall(r'^leadrouted_http_requests_total\{code="(\d+)"\} (\d+)$', m.raw, re.M)
                if code != "200"}

    def assertRefused(self, data, status):
        """nginx answers once with status and closes; the daemon gets nothing, nothing is stored."""
        before = self.answered()
        out, closed = exchange(self.nginx.port, data)
        self.assertTrue(closed, out[:300])
        self.assertEqual(out.count(b"HTTP/1.1 "), 1, out[:600])
        self.assertEqual(status_of(out), status, out[:300])
        self.assertIn(b"<center>nginx", out, "answered by the daemon, not nginx: %r" % out[:300])
        self.assertEqual(self.answered(), before, "the daemon answered what nginx should have kept")
        self.assertEqual(self.leads(), [])

    def test_a_lead_goes_through(self):
        framings = ((self.length(), self.BODY),
                    (b"Transfer-Encoding: chunked\r\n", chunked(self.BODY)))
        for n, (framing, body) in enumerate(framings):
            with self.subTest(framing=framing):
                out, _ = exchange(self.nginx.port,
                                  self.post(framing + b"Connection: close\r\n", body))
                self.assertEqual(status_of(out), 201, out[:300])
                self.assertEqual(len(self.redis.cmd("KEYS", "lr:lead:*")), n + 1)
        # And without a token, the daemon's own answer comes back through.
        out, _ = exchange(self.nginx.port, self.post(self.length() + b"Connection: close\r\n",
                                                     auth=b"Bearer nope"))
        self.assertEqual(status_of(out), 401, out[:300])
        self.assertIn(b'"code":"invalid_token"', out)

    def test_without_the_proxy_the_daemon_takes_what_a_nul_hides(self):
        """Why the proxy must refuse a NUL: the daemon alone takes each of these
        as if the NUL and what follows it were not there. If this fails,
        libmicrohttpd sees them now: docs/operations.md ("A proxy in front")
        should say so."""
        for where, data in self.with_nul().items():
            with self.subTest(nul_in=where):
                before = len(self.redis.cmd("KEYS", "lr:lead:*"))
                out = raw(self.d.port, data)
                self.assertEqual(status_of(out), 201, out[:300])
                self.assertEqual(len(self.redis.cmd("KEYS", "lr:lead:*")), before + 1)

    def test_a_nul_after_a_valid_token_is_400(self):
        self.assertRefused(self.with_nul()["Authorization"], 400)

    def test_a_nul_in_another_header_or_the_target_is_400(self):
        cases = self.with_nul()
        del cases["Authorization"]
        cases["a header name"] = self.post(self.length() + b"X-A\0b: 1\r\n")
        for where, data in cases.items():
            with self.subTest(nul_in=where):
                self.assertRefused(data, 400)

    def test_two_content_lengths_are_400(self):
        body = self.BODY + self.SMUGGLED
        for lengths in ((self.BODY, body), (body, self.BODY), (self.BODY, self.BODY)):
            with self.subTest(lengths=[len(b) for b in lengths]):
                self.assertRefused(self.post(self.length(lengths[0]) + self.length(lengths[1]),
                                             body), 400)

    def test_content_length_beside_transfer_encoding_is_400(self):
        body = chunked(self.BODY) + self.SMUGGLED
        # The length covers the smuggled request (read as chunked, it follows),
        # or only the chunk size line (read by length, the rest follows).
        for n in (len(body), 4):
            with self.subTest(content_length=n):
                self.assertRefused(self.post(b"Content-Length: %d\r\n"
                                             b"Transfer-Encoding: chunked\r\n" % n, body), 400)

    def test_transfer_codings_other_than_chunked_are_501(self):
        body = chunked(self.BODY) + self.SMUGGLED
        for te in (b"gzip, chunked", b"gzip", b"xchunked"):
            with self.subTest(te=te):
                self.assertRefused(self.post(b"Transfer-Encoding: " + te + b"\r\n", body), 501)
        # Twice chunked: 400 here (the daemon alone says 501).
        self.assertRefused(self.post(b"Transfer-Encoding: chunked\r\n" * 2, body), 400)

    def test_a_space_before_the_colon_is_400(self):
        body = self.BODY + self.SMUGGLED
        self.assertRefused(self.post(b"Content-Length : %d\r\n" % len(body), body), 400)

    def test_a_bare_cr_or_a_folded_line_is_400(self):
        for what, extra in (("bare CR", b"X-A: a\rContent-Length: 1\r\n"),
                            ("folded line", b"X-A: a\r\n Content-Length: 1\r\n")):
            with self.subTest(what=what):
                self.assertRefused(self.post(self.length() + extra), 400)

    def test_a_body_over_the_daemons_limit_is_413_at_the_proxy(self):
        body = b'{"email":"p@x.com","company":"' + b"c" * 66000 + b'"}'
        self.assertRefused(self.post(self.length(body), body), 413)

    def test_a_header_name_nginx_cannot_hold_is_dropped_not_refused(self):
        """What nginx normalises instead of refusing: a header name with a
        character a name may not hold is dropped (ignore_invalid_headers), so
        the daemon, which would answer 400, takes the request without it."""
        data = self.post(self.length() + b"X@Pad: 1\r\nConnection: close\r\n")
        out, _ = exchange(self.d.port, data)
        self.assertEqual(status_of(out), 400, out[:300])
        self.assertIn(b'"code":"bad_header"', out)
        out, _ = exchange(self.nginx.port, data)
        self.assertEqual(status_of(out), 201, out[:300])
        self.assertIn("client sent invalid header line", self.nginx.log())


if __name__ == "__main__":
    harness.main()
