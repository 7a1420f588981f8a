"""A stand-in for Salesforce: the OAuth 2.0 client-credentials token endpoint and
the REST API calls leadroute makes, checked as Salesforce documents them and
answered as Salesforce does, recorded.

    from salesforce_standin import SalesforceStandin

    sf = SalesforceStandin(client_id="3MVG9test", client_secret="s3cret",
                           users={"005000000000001AAA", ...})
    sf.url                                  # login URL and instance (one server)
    rid = sf.add_record("Lead", Email="jane@x.com")   # an 18-character id
    sf.expire_sessions()                    # every token issued so far: INVALID_SESSION_ID
    sf.plan("limit", 503, ("hang", 2), "drop", path="/services/data/")
    sf.records[rid]["OwnerId"]; sf.assert_clean(); sf.close()

Calls (developer.salesforce.com: OAuth 2.0 Client Credentials Flow; REST API
sobject rows, query):
  POST /services/oauth2/token      application/x-www-form-urlencoded grant_type=
                                   client_credentials, client_id, client_secret →
                                   200 {"access_token","instance_url","id",
                                   "token_type":"Bearer","issued_at","signature"};
                                   a wrong client: 400 {"error":"invalid_client",
                                   "error_description":"invalid client credentials"};
                                   another grant: 400 unsupported_grant_type
  PATCH /services/data/vNN.0/sobjects/{Lead|Contact}/{Id}   JSON of fields → 204
  GET   /services/data/vNN.0/query?q=SOQL   → 200 {"totalSize","done","records":[
                                   {"attributes":{"type","url"},"Id"}]}; only
                                   SELECT Id FROM <obj> WHERE Email = '<v>' LIMIT 1,
                                   the value's quotes escaped as \\' (else 400
                                   MALFORMED_QUERY)
REST errors are Salesforce's: [{"message","errorCode"}]: 401 INVALID_SESSION_ID
("Session expired or invalid") without a live Bearer token; 404 NOT_FOUND for a
record that does not exist; 400 FIELD_INTEGRITY_EXCEPTION for an OwnerId not
among users=; 400 INVALID_FIELD for a field not on the object.

plan(*actions, path=None): "limit" (403 REQUEST_LIMIT_EXCEEDED "TotalRequests
Limit exceeded."), an int status (its error body), ("hang", SECONDS), "drop".
"""
import json
import re
import socket
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIELDS = {"OwnerId", "Status", "Email", "FirstName", "LastName", "Company"}
PREFIX = {"Lead": "00Q", "Contact": "003"}
QUERY = re.compile(r"^SELECT Id FROM (Lead|Contact) WHERE Email = '((?:[^'\\]|\\.)*)' LIMIT 1$")


class SalesforceStandin:
    def __init__(self, client_id="3MVG9test", client_secret="s3cret", users=()):
        self.client_id = client_id
        self.client_secret = client_secret
        self.users = set(users)
        self.records = {}           # id → fields (with "type")
        self.tokens = set()         # live access tokens
        self.requests = []
        self.plans = []
        self.lock = threading.Lock()
        self.n = 0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                try:
                    standin._handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def add_record(self, obj="Lead", **fields):
        with self.lock:
            self.n += 1
            rid = "%s5e%010dAAA" % (PREFIX[obj], self.n)   # 18 characters
            self.records[rid] = dict(fields, type=obj)
            return rid

    def expire_sessions(self):
        with self.lock:
            self.tokens.clear()

    def plan(self, *actions, path=None):
        with self.lock:
            self.plans.extend([path, a] for a in actions)

    def clear_plans(self):
        with self.lock:
            self.plans = []

    def got(self, method=None, path=None):
        with self.lock:
            return [r for r in self.requests if (method is None or r["method"] == method)
                    and (path is None or r["path"].startswith(path))]

    def assert_clean(self):
        bad = [(r["method"], r["path"], r["problems"]) for r in self.got() if r["problems"]]
        if bad:
            raise AssertionError("requests that broke Salesforce's rules: %r" % bad)

    def _take_plan(self, path):
        with self.lock:
            for i, (prefix, action) in enumerate(self.plans):
                if prefix is None or path.startswith(prefix):
                    del self.plans[i]
                    return action
        return None

    @staticmethod
    def _send(h, status, body):
        data = json.dumps(body).encode() if body is not None else b""
        h.send_response(status)
        if body is not None:
            h.send_header("Content-Type", "application/json;charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        try:
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def err(code, message):
        return [{"message": message, "errorCode": code}]

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        rec = {"method": h.command, "path": h.path, "at": time.time(), "body": raw,
               "headers": {k.lower(): v for k, v in h.headers.items()}, "problems": [],
               "status": None, "json": None}
        with self.lock:
            self.requests.append(rec)
        action = self._take_plan(h.path)
        if action == "drop":
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(action, tuple) and action[0] == "hang":
            time.sleep(action[1])
            action = None
        if action == "limit":
            rec["status"] = 403
            self._send(h, 403, self.err("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
            return
        if isinstance(action, int) and action != 200:
            rec["status"] = action
            self._send(h, action, self.err("SERVER_UNAVAILABLE", "planned %d" % action))
            return
        status, body = self._answer(h, rec, raw)
        rec["status"] = status
        self._send(h, status, body)

    def _answer(self, h, rec, raw):
        path = urllib.parse.urlsplit(h.path)
        if path.path == "/services/oauth2/token":
            return self._token(rec, raw)
        m = re.match(r"^/services/data/v(\d+\.0)(/.*)$", path.path)
        if not m:
            rec["problems"].append("no such call")
            return 404, self.err("NOT_FOUND", "The requested resource does not exist")
        auth = rec["headers"].get("authorization", "")
        with self.lock:
            live = auth.startswith("Bearer ") and auth[7:] in self.tokens
        if not live:
            return 401, self.err("INVALID_SESSION_ID", "Session expired or invalid")
        rest = m.group(2)
        if h.command == "GET" and rest == "/query":
            return self._query(rec, urllib.parse.parse_qs(path.query).get("q", [""])[0])
        m = re.match(r"^/sobjects/(Lead|Contact)/([A-Za-z0-9]{15,18})$", rest)
        if h.command == "PATCH" and m:
            return self._patch(rec, m.group(1), m.group(2), raw)
        rec["problems"].append("no such call")
        return 404, self.err("NOT_FOUND", "The requested resource does not exist")

    def _token(self, rec, raw):
        if rec["method"] != "POST" or not rec["headers"].get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            rec["problems"].append("token: not a form POST")
            return 400, {"error": "invalid_request", "error_description": "must use HTTP POST"}
        form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=True)
        if any(len(v) != 1 for v in form.values()):
            rec["problems"].append("token: a repeated parameter")
        form = {k: v[0] for k, v in form.items()}
        if form.get("grant_type") != "client_credentials":
            rec["problems"].append("token: grant_type")
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
        token = "00D5e000000TEST!AQ." + uuid.uuid4().hex
        with self.lock:
            self.tokens.add(token)
        return 200, {"access_token": token, "signature": "c2lnbmF0dXJl", "scope": "api",
                     "instance_url": self.url, "id": self.url + "/id/00D5e000000TEST/005000000000001",
                     "token_type": "Bearer", "issued_at": str(int(time.time() * 1000))}

    def _query(self, rec, q):
        m = QUERY.match(q)
        if not m:
            rec["problems"].append("query: %r" % q)
            return 400, self.err("MALFORMED_QUERY", "unexpected token: %s" % q[:40])
        obj, value = m.group(1), re.sub(r"\\(.)", r"\1", m.group(2))
        with self.lock:
            ids = [rid for rid, f in self.records.items()
                   if f["type"] == obj and f.get("Email", "").lower() == value.lower()]
        recs = [{"attributes": {"type": obj, "url": "/services/data/v60.0/sobjects/%s/%s" % (obj, rid)},
                 "Id": rid} for rid in ids[:1]]
        return 200, {"totalSize": len(recs), "done": True, "records": recs}

    def _patch(self, rec, obj, rid, raw):
        if not rec["headers"].get("content-type", "").startswith("application/json"):
            rec["problems"].append("content-type")
        try:
            body = json.loads(raw)
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            rec["problems"].append("body not a JSON object")
            return 400, self.err("JSON_PARSER_ERROR", "Unexpected character")
        rec["json"] = body
        for k in body:
            if k not in FIELDS:
                return 400, self.err("INVALID_FIELD", "No such column '%s' on sobject of type %s"
                                     % (k, obj))
        owner = body.get("OwnerId")
        if owner is not None and owner not in self.users:
            return 400, self.err("FIELD_INTEGRITY_EXCEPTION",
                                 "Owner ID: owner cannot be blank or is not a valid user")
        with self.lock:
            r = self.records.get(rid)
            if r is None or r["type"] != obj:
                return 404, self.err("NOT_FOUND", "The requested resource does not exist")
            r.update(body)
        return 204, None
