"""An SMTP server for the tests: STARTTLS, AUTH, scripted refusals, every message recorded.

    from smtp_standin import SmtpStandin

    smtp = SmtpStandin(user="leadroute", password="s3cret")   # STARTTLS and AUTH required
    smtp.url                                # "smtp://127.0.0.1:PORT" (smtps:// with implicit_tls)
    smtp.cafile                             # the throwaway certificate: trust it (CURLOPT_CAINFO)
    smtp.refuse("gone@example.com", 550)    # RCPT TO answered 550 5.1.1 ... (451: 451 4.2.0 ...)
    smtp.refuse("big@example.com", 552, at="data")   # the end of DATA answered instead
    smtp.stall("slow@example.com", 5)       # RCPT TO answered only after 5 s
    ...
    rec = smtp.wait(1)[0]                   # the messages taken, once there are enough
    rec["message"]["Subject"]               # an email.message.EmailMessage (policy default)
    smtp.events()                           # everything: messages, refusals, AUTH attempts
    smtp.close()

Options: starttls (offer STARTTLS; default True), require_starttls (refuse
MAIL before it; default True), implicit_tls (TLS from the first byte, for
smtps://; STARTTLS then is neither offered nor needed), user and password
(AUTH PLAIN and LOGIN, after TLS, required before MAIL; None: no AUTH).

Records, in arrival order, are dicts with kind:
  "message"  mail_from, rcpt_tos, data (the bytes as sent, dots unstuffed),
             message (parsed with email.policy.default), tls (bool),
             auth_user (the login, None without AUTH), peer
  "refused"  address, at ("rcpt" or "data"), reply (the line sent)
  "auth"     mechanism, user, ok (bool)

The server is aiosmtpd (Debian's python3-aiosmtpd, which tools/deps test
installs). It runs in a child process under the first interpreter that can
import it: $AIOSMTPD_PYTHON, this one, then /usr/bin/python3, since the
tests' python3 may be a pyenv or venv Python that does not see Debian's
dist-packages. The child writes each record as a JSON file in a spool
directory and rereads the refusals (a control file) at each command, so
this module itself needs only the standard library. The certificate is
made once per process with the openssl command (CN localhost, SANs
127.0.0.1 and localhost, EC P-256, valid two days) and removed at exit.
"""

import atexit
import base64
import email
import email.policy
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

__all__ = ["SmtpStandin", "aiosmtpd_python", "certificate"]

_python = []
_cert = []


def aiosmtpd_python():
    """The path of an interpreter that can import aiosmtpd, or None."""
    if not _python:
        found = None
        for cand in (os.environ.get("AIOSMTPD_PYTHON"), sys.executable, "/usr/bin/python3",
                     shutil.which("python3")):
            if not cand or not os.access(cand, os.X_OK):
                continue
            if subprocess.run([cand, "-c", "import aiosmtpd.smtp"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                found = cand
                break
        _python.append(found)
    return _python[0]


def certificate():
    """(cert.pem, key.pem) of a throwaway self-signed certificate for 127.0.0.1 and localhost."""
    if not _cert:
        d = tempfile.mkdtemp(prefix="leadroute-smtp-cert-")
        atexit.register(shutil.rmtree, d, True)
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _cert.append((cert, key))
    return _cert[0]


# Standard replies for the codes tests ask for; any other code gets a generic text.
REPLIES = {
    421: "421 4.3.2 Service shutting down, try again later",
    450: "450 4.2.1 <{addr}>: Mailbox temporarily unavailable",
    451: "451 4.3.0 <{addr}>: Temporary lookup failure, try again later",
    452: "452 4.2.2 <{addr}>: Mailbox full, try again later",
    550: "550 5.1.1 <{addr}>: Recipient address rejected: User unknown",
    551: "551 5.1.6 <{addr}>: User not local",
    552: "552 5.3.4 Message too big for <{addr}>",
    553: "553 5.1.3 <{addr}>: Mailbox name not allowed",
    554: "554 5.7.1 <{addr}>: Message rejected as spam",
}


def reply_for(code, addr):
    text = REPLIES.get(code)
    if text is None:
        text = "%d %d.0.0 <{addr}>: Refused by the stand-in" % (code, code // 100)
    return text.format(addr=addr)


class SmtpStandin:
    """An SMTP server in a child process on 127.0.0.1 (a free port)."""

    def __init__(self, user=None, password=None, starttls=True, require_starttls=True,
                 implicit_tls=False, hostname="standin.test"):
        python = aiosmtpd_python()
        if python is None:
            raise RuntimeError("no python3 here can import aiosmtpd: tools/deps test installs "
                               "python3-aiosmtpd (AIOSMTPD_PYTHON names another interpreter)")
        self.cafile, key = certificate()
        self.dir = tempfile.mkdtemp(prefix="leadroute-smtp-")
        self.spool = os.path.join(self.dir, "spool")
        os.mkdir(self.spool)
        self.control = os.path.join(self.dir, "control.json")
        self.user, self.password = user, password
        self.implicit_tls = implicit_tls
        self._rules = {}
        self._write_control()
        config = {"cert": self.cafile, "key": key, "spool": self.spool, "control": self.control,
                  "starttls": bool(starttls) and not implicit_tls,
                  "require_starttls": bool(require_starttls) and bool(starttls) and not implicit_tls,
                  "implicit_tls": bool(implicit_tls), "user": user, "password": password,
                  "hostname": hostname}
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--serve",
                                          json.dumps(config)],
                                         stdout=subprocess.PIPE, stderr=err)
        self.port = self._read_port()
        self._seen = 0

    def _read_port(self, timeout=15):
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 64)
                if not chunk:
                    break
                line += chunk
            elif self.proc.poll() is not None:
                break
        if not line.startswith(b"port="):
            self.close()
            raise RuntimeError("the SMTP stand-in did not start:\n" + self.stderr())
        return int(line[len(b"port="):])

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("smtps" if self.implicit_tls else "smtp", self.port)

    def _write_control(self):
        tmp = self.control + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self._rules, f)
        os.replace(tmp, self.control)

    def refuse(self, address, code, at="rcpt"):
        """Answer address's RCPT TO (at="rcpt") or the end of its DATA (at="data") with code."""
        if at not in ("rcpt", "data"):
            raise ValueError("at is rcpt or data")
        self._rules[address.lower()] = {"code": int(code), "at": at}
        self._write_control()

    def stall(self, address, seconds):
        """Answer address's RCPT TO (with 250) only after this many seconds."""
        self._rules[address.lower()] = {"stall": float(seconds)}
        self._write_control()

    def clear(self):
        """Take every address's refusal or stall back."""
        self._rules = {}
        self._write_control()

    def events(self):
        """Every record so far (messages, refusals, AUTH attempts), in arrival order."""
        out = []
        for name in sorted(os.listdir(self.spool)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(self.spool, name)) as f:
                rec = json.load(f)
            if rec["kind"] == "message":
                rec["data"] = base64.b64decode(rec["data"])
                rec["message"] = email.message_from_bytes(rec["data"], policy=email.policy.default)
            out.append(rec)
        return out

    def messages(self):
        """The messages taken so far."""
        return [r for r in self.events() if r["kind"] == "message"]

    def wait(self, n, kind="message", timeout=10):
        """The records of a kind once there are at least n; AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = [r for r in self.events() if r["kind"] == kind]
            if len(got) >= n:
                return got
            if time.monotonic() >= deadline:
                raise AssertionError("timed out after %.1fs waiting for %d %s record(s); got %d"
                                     % (timeout, n, kind, len(got)))
            time.sleep(0.02)

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.proc.stdout.close()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _serve(config):
    """The child: an aiosmtpd server on a free port until SIGTERM."""
    import asyncio
    import logging
    import ssl

    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    seq = [0]
    rules = {"mtime": None, "rules": {}}

    def record(rec):
        seq[0] += 1
        rec["n"] = seq[0]
        path = os.path.join(config["spool"], "%06d.json" % seq[0])
        with open(path + ".tmp", "w") as f:
            json.dump(rec, f)
        os.replace(path + ".tmp", path)

    def rule(address):
        try:
            mtime = os.stat(config["control"]).st_mtime_ns
            if mtime != rules["mtime"]:
                with open(config["control"]) as f:
                    rules["rules"] = json.load(f)
                rules["mtime"] = mtime
        except (OSError, ValueError):
            pass
        return rules["rules"].get(address.lower())

    def tls_of(server, session):
        return config["implicit_tls"] or session.ssl is not None

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            r = rule(address)
            if r is not None and "stall" in r:
                await asyncio.sleep(r["stall"])
            elif r is not None and r["at"] == "rcpt":
                reply = reply_for(r["code"], address)
                record({"kind": "refused", "address": address, "at": "rcpt", "reply": reply})
                return reply
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"

        async def handle_DATA(self, server, session, envelope):
            for address in envelope.rcpt_tos:
                r = rule(address)
                if r is not None and r.get("at") == "data":
                    reply = reply_for(r["code"], address)
                    record({"kind": "refused", "address": address, "at": "data",
                            "reply": reply})
                    return reply
            auth = session.auth_data
            record({"kind": "message", "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "data": base64.b64encode(envelope.original_content).decode(),
                    "tls": tls_of(server, session),
                    "auth_user": auth.login.decode() if isinstance(auth, LoginPassword) else None,
                    "peer": list(session.peer) if session.peer else None})
            return "250 2.0.0 Ok: queued as %d" % (seq[0])

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = False
        user = None
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            ok = (user == config["user"] and
                  auth_data.password.decode("utf-8", "replace") == config["password"])
        record({"kind": "auth", "mechanism": mechanism, "user": user, "ok": ok})
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(config["cert"], config["key"])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    with_auth = config["user"] is not None

    def factory():
        return SMTP(Handler(), hostname=config["hostname"], loop=loop,
                    tls_context=ctx if config["starttls"] else None,
                    require_starttls=config["require_starttls"],
                    authenticator=authenticator if with_auth else None,
                    auth_required=with_auth,
                    auth_require_tls=not config["implicit_tls"] and config["starttls"])

    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=0, ssl=ctx if config["implicit_tls"] else None))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    sys.stdout.write("port=%d\n" % server.sockets[0].getsockname()[1])
    sys.stdout.flush()
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        _serve(json.loads(sys.argv[2]))
    else:
        print("usage: %s --serve CONFIG_JSON (tests import SmtpStandin instead)" % sys.argv[0],
              file=sys.stderr)
        sys.exit(2)
