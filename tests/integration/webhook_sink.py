"""A webhook receiver for the tests: signed event deliveries, checked and recorded.

    from webhook_sink import Sink, sign, verify, validate

    sink = Sink(secrets=[SECRET])            # or several: any of them may sign
    url = sink.url("/warehouse")             # the subscription's URL
    sink.plan("/warehouse", 503, (503, {"Retry-After": "1"}), ("hang", 2))
    ...
    req = sink.wait(1, "/warehouse")[0]      # the records, once there are enough
    self.assertTrue(req["verified"])
    sink.assert_all_valid()                  # every body matched its schema
    sink.close()

Every request is recorded as a dict: path, method, at (time.time() on
arrival), headers (names lowercased), body (bytes), verified (True, False, or
None when the sink has no secrets), secret and secret_index (the secret whose
signature matched), sig_error (why not), event (the decoded JSON body, or
None), type, errors (schema validation errors as strings; [] when valid, None
when not validated) and answer (the action it was answered with).

Signatures are checked as the Standard Webhooks spec says
(https://www.standardwebhooks.com): HMAC-SHA256 with the base64-decoded part
of a whsec_ key over "<webhook-id>.<webhook-timestamp>.<body>", one of the
space-separated "v1,<base64>" signatures of webhook-signature, and a
webhook-timestamp within `tolerance` seconds of now.

Bodies are validated against docs/schemas/events/<type>.json, found through
$LEADROUTE_SRCDIR (set by `make check`), $top_srcdir or $srcdir, else relative
to this file. Each schema is loaded and compiled once per process. Without
python3-jsonschema (4.0 or later, for draft 2020-12) the importing test
fails: tools/deps test installs it, and a skip would hide every check of
what subscribers receive.
"""

import base64
import collections
import datetime
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("FAIL: needs python3-jsonschema 4.0 or later (draft 2020-12); tools/deps test "
          "installs it", file=sys.stderr)
    sys.exit(1)

try:    # jsonschema >= 4.18 resolves $ref through a referencing registry
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:     # older ones (Debian bookworm's 4.10) through a RefResolver
    Registry = None

__all__ = ["Sink", "Schemas", "schemas", "validate", "verify", "sign", "signed_headers",
           "timestamp", "SCHEMA_DIR"]


def _schema_dir():
    for var in ("LEADROUTE_SRCDIR", "top_srcdir", "srcdir"):
        top = os.environ.get(var)
        if top:
            d = os.path.join(os.path.abspath(top), "docs", "schemas", "events")
            if os.path.isdir(d):
                return d
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "..", "..", "docs", "schemas", "events"))


SCHEMA_DIR = _schema_dir()
COMMON = "common.json"


class Schemas:
    """The event schemas of a directory: <type>.json per event type, and the
    shared definitions they refer to ("common.json#/$defs/..."), resolved from
    the files, never fetched."""

    def __init__(self, directory=SCHEMA_DIR):
        self.dir = directory
        self.docs = {}
        for name in sorted(os.listdir(directory)):
            if name.endswith(".json"):
                with open(os.path.join(directory, name), encoding="utf-8") as f:
                    self.docs[name] = json.load(f)
        self.types = sorted(name[:-len(".json")] for name in self.docs if name != COMMON)
        self._validators = {}
        # A RefResolver (jsonschema < 4.18) keeps a scope stack: one validation at a time.
        self._lock = threading.Lock()
        if Registry is not None:
            self._registry = Registry().with_resources(
                (name, Resource.from_contents(doc, default_specification=DRAFT202012))
                for name, doc in self.docs.items())

    def validator(self, etype):
        """The compiled validator of a type; KeyError when there is no schema for it."""
        with self._lock:
            v = self._validators.get(etype)
            if v is None:
                schema = self.docs[etype + ".json"]
                if Registry is not None:
                    v = Draft202012Validator(schema, registry=self._registry)
                else:
                    resolver = jsonschema.RefResolver("", schema, store=dict(self.docs))
                    v = Draft202012Validator(schema, resolver=resolver)
                self._validators[etype] = v
            return v

    def errors(self, event):
        """What is wrong with an event (a decoded body), as strings: [] when it is valid."""
        if not isinstance(event, dict):
            return ["(root): not a JSON object: %r" % (event,)]
        etype = event.get("type")
        if not isinstance(etype, str) or etype + ".json" not in self.docs or etype == "common":
            return ["type: no schema for type %r (in %s)" % (etype, self.dir)]
        v = self.validator(etype)
        with self._lock:
            found = list(v.iter_errors(event))
        found.sort(key=lambda e: [str(p) for p in e.absolute_path])
        return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
                for e in found]


_schemas = {}
_schemas_lock = threading.Lock()


def schemas(directory=None):
    """The Schemas of a directory (SCHEMA_DIR by default), loaded once per process."""
    directory = directory or SCHEMA_DIR
    with _schemas_lock:
        if directory not in _schemas:
            _schemas[directory] = Schemas(directory)
        return _schemas[directory]


def validate(event, directory=None):
    """The schema errors of an event (a dict, or a JSON body as bytes or str): [] when valid."""
    if isinstance(event, (bytes, str)):
        try:
            event = json.loads(event)
        except ValueError as e:
            return ["(root): body is not JSON: %s" % e]
    return schemas(directory).errors(event)


def _key(secret):
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    return base64.b64decode(secret, validate=True)


def sign(secret, msg_id, ts, body):
    """The "v1,<base64>" signature of a body with a whsec_ secret, as the sender makes it."""
    if isinstance(body, str):
        body = body.encode()
    signed = ("%s.%s." % (msg_id, ts)).encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def signed_headers(secrets, msg_id, body, ts=None):
    """The webhook-* headers of a request signed with each of the secrets (one or a list)."""
    if isinstance(secrets, str):
        secrets = [secrets]
    ts = int(time.time()) if ts is None else ts
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": " ".join(sign(s, msg_id, ts, body) for s in secrets)}


def _check(secrets, headers, body, tolerance=None):
    """(index of the secret that signed it, None) or (None, why not)."""
    h = {k.lower(): v for k, v in headers.items()}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        if not h.get(name):
            return None, "no %s header" % name
    try:
        ts = int(h["webhook-timestamp"])
    except ValueError:
        return None, "webhook-timestamp is not a number: %r" % h["webhook-timestamp"]
    if tolerance is not None and abs(time.time() - ts) > tolerance:
        return None, "webhook-timestamp %d is %+.0f s from now (tolerance %s s)" % (
            ts, ts - time.time(), tolerance)
    given = [value for version, _, value in
             (sig.partition(",") for sig in h["webhook-signature"].split(" ")) if version == "v1"]
    for i, secret in enumerate(secrets):
        expected = sign(secret, h["webhook-id"], h["webhook-timestamp"], body)[len("v1,"):]
        if any(hmac.compare_digest(value, expected) for value in given):
            return i, None
    return None, "no v1 signature matches any of the %d secret(s)" % len(secrets)


def verify(secrets, headers, body, tolerance=None):
    """The receiver's check: the secret (of one or a list) whose signature is in
    webhook-signature, or None. With a tolerance (seconds), a webhook-timestamp
    further from now fails too."""
    if isinstance(secrets, str):
        secrets = [secrets]
    i, _ = _check(secrets, headers, body, tolerance)
    return None if i is None else secrets[i]


def timestamp(ms=None):
    """An envelope timestamp: RFC 3339, UTC, milliseconds (now by default)."""
    ms = int(time.time() * 1000) if ms is None else ms
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def _read_body(handler):
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        parts = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass    # trailers
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


class _Server(http.server.ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a burst of new connections (a
    # few subscriptions, several requests each) overflows it, and a dropped
    # SYN is sent again only a second later, past a short notify.timeout.
    request_queue_size = 128
    daemon_threads = True


class Sink:
    """A subscription's endpoint on a thread (127.0.0.1, a free port).

    secrets: whsec_ keys (one or a list) any of which may sign a request; none:
    signatures are not checked (verified None). strict: a request that no
    secret signed is answered 401 (without taking a planned action).
    tolerance: seconds a webhook-timestamp may be from now (None: any).
    validate: check POST bodies against the event schemas (schema_dir: where).

    Answers, per path: the actions plan() queued, one per request, then that
    path's default, then the sink's default (200). An action is
      200                         a status
      (503, {"Retry-After": "2"}) a status and headers
      ("hang", 2.5)               wait that long, then 200
      ("body", 200, 1 << 20)      a status with a body of that many bytes
      ("body", 422, b"...")       a status with exactly this body
      "drop"                      close the connection without an answer
    """

    def __init__(self, secrets=(), strict=False, tolerance=300, validate=True, schema_dir=None):
        self.secrets = [secrets] if isinstance(secrets, str) else list(secrets)
        for s in self.secrets:
            _key(s)     # a bad key is the test's mistake: say so now
        self.strict = strict
        self.tolerance = tolerance
        self.schemas = schemas(schema_dir) if validate else None
        self.requests = []
        self.plans = collections.defaultdict(list)
        self.defaults = {}
        self.default_action = 200
        self.lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self):
                try:
                    body = _read_body(self)
                except (OSError, ValueError):
                    self.close_connection = True
                    return
                req = sink._record(self.command, self.path, self.headers, body)
                sink._answer(self, req["answer"])

            do_POST = do_PUT = do_PATCH = do_GET = do_DELETE = handle_one

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        # A short poll: close() (shutdown) waits for the serving loop to look.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def _record(self, method, path, headers, body):
        req = {"path": path, "method": method, "at": time.time(),
               "headers": {k.lower(): v for k, v in headers.items()}, "body": body,
               "verified": None, "secret": None, "secret_index": None, "sig_error": None,
               "event": None, "type": None, "errors": None}
        if self.secrets:
            i, why = _check(self.secrets, req["headers"], body, self.tolerance)
            req["verified"] = i is not None
            req["sig_error"] = why
            if i is not None:
                req["secret"], req["secret_index"] = self.secrets[i], i
        try:
            req["event"] = json.loads(body) if body else None
        except ValueError as e:
            req["event"] = None
            json_error = "(root): body is not JSON: %s" % e
        else:
            json_error = None
        if isinstance(req["event"], dict):
            req["type"] = req["event"].get("type")
        if self.schemas is not None and method == "POST":
            try:
                req["errors"] = [json_error] if json_error else self.schemas.errors(req["event"])
            except Exception as e:     # never let the server thread die on a check
                req["errors"] = ["(root): validation failed: %r" % e]
        with self.lock:
            if self.strict and req["verified"] is False:
                req["answer"] = 401
            else:
                plan = self.plans[path]
                req["answer"] = plan.pop(0) if plan else self.defaults.get(path,
                                                                         self.default_action)
            self.requests.append(req)
        return req

    @staticmethod
    def _answer(handler, action):
        status, headers, nbytes, body = action, {}, None, b"ok"
        if action == "drop":
            handler.close_connection = True
            return
        if isinstance(action, tuple) and action[0] == "hang":
            time.sleep(action[1])
            status = 200
        elif isinstance(action, tuple) and action[0] == "body":
            status, nbytes = action[1], action[2]
        elif isinstance(action, tuple):
            status, headers = action
        if not 200 <= status < 300:
            body = b"no"
        if isinstance(nbytes, bytes):
            body, nbytes = nbytes, None
        try:
            handler.send_response(status)
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(body) if nbytes is None else nbytes))
            handler.end_headers()
            if nbytes is None:
                handler.wfile.write(body)
            else:
                chunk = b"x" * 65536
                left = nbytes
                while left > 0:
                    handler.wfile.write(chunk[:min(left, len(chunk))])
                    left -= len(chunk)
            handler.wfile.flush()
        except OSError:     # the sender gave up on us (a timeout, a cut-off, a stop)
            handler.close_connection = True

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def plan(self, path, *actions):
        """Answer the next requests to path with these actions, one each, in order."""
        with self.lock:
            self.plans[path].extend(actions)

    def set_default(self, action, path=None):
        """The answer once a path's plan is used up: for that path, or (no path) for all."""
        with self.lock:
            if path is None:
                self.default_action = action
            else:
                self.defaults[path] = action

    def got(self, path=None):
        """The records of the requests so far (to a path, or all), in arrival order."""
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def events(self, path=None):
        """The decoded JSON bodies so far (None for a body that is not JSON)."""
        return [r["event"] for r in self.got(path)]

    def wait(self, n, path=None, timeout=10):
        """The records once there are at least n (to a path, or all); AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.got(path)
            if len(got) >= n:
                return got
            if time.monotonic() >= deadline:
                raise AssertionError("timed out after %.1fs waiting for %d request(s) to %s; got %d"
                                     % (timeout, n, path or "the sink", len(got)))
            time.sleep(0.02)

    @staticmethod
    def _describe(r):
        return "%s %s webhook-id=%s type=%s" % (r["method"], r["path"],
                                                r["headers"].get("webhook-id"), r["type"])

    def assert_all_valid(self, path=None):
        """AssertionError listing every request whose body did not match its schema."""
        bad = [r for r in self.got(path) if r["errors"]]
        if bad:
            raise AssertionError("%d request(s) with an invalid body:\n%s" % (len(bad), "\n".join(
                "  %s\n%s\n    body: %s" % (self._describe(r),
                                            "\n".join("    " + e for e in r["errors"]),
                                            r["body"][:2000].decode("utf-8", "replace"))
                for r in bad)))

    def assert_all_verified(self, path=None):
        """AssertionError listing every request that no secret signed."""
        bad = [r for r in self.got(path) if r["verified"] is False]
        if bad:
            raise AssertionError("%d request(s) not signed by a known secret:\n%s" % (
                len(bad), "\n".join("  %s: %s" % (self._describe(r), r["sig_error"])
                                    for r in bad)))

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
