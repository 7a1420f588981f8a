"""A stand-in for HubSpot's CRM API (v3 contacts): the calls leadroute makes,
checked as HubSpot documents them and answered as HubSpot does, recorded.

    from hubspot_standin import HubSpotStandin

    hs = HubSpotStandin(token="pat-na1-test", owners={"111", "222"})
    hs.api_url                                  # "http://127.0.0.1:PORT"
    cid = hs.add_contact(email="jane@x.com")    # a contact that exists: its id
    hs.plan(503, ("ratelimited", 1), ("hang", 3), "drop", path="/crm/v3/objects/contacts/")
    hs.clear_plans()                            # what is still planned: dropped
    hs.contacts[cid]["hubspot_owner_id"]
    hs.assert_clean()                           # no request broke a rule (below)
    hs.close()

Calls (https://developers.hubspot.com/docs/api/crm/contacts, .../crm/search):
  PATCH /crm/v3/objects/contacts/{id}    {"properties": {...}} → 200 the object
  POST  /crm/v3/objects/contacts/search  {"filterGroups":[{"filters":[{"propertyName",
                                         "operator","value"}]}], ...} → 200 {"total",
                                         "results":[{"id","properties",...}]}
  POST  /crm/v3/objects/contacts         {"properties": {...}} → 201 the object
Every call needs Authorization: Bearer <token> (else 401 INVALID_AUTHENTICATION),
Content-Type: application/json (else 415) and a JSON object body (else 400
VALIDATION_ERROR). A PATCH of a contact that does not exist answers 404
OBJECT_NOT_FOUND; hubspot_owner_id not among owners= answers 400
VALIDATION_ERROR ("... is not a valid owner id"), as HubSpot validates
owners; a create with an email a contact has answers 409 CONFLICT
("Contact already exists. Existing ID: N"). Error bodies are HubSpot's:
{"status":"error","message","correlationId","category"} (and "errors" for
validation).

Scripted answers: plan(*actions, path=None) queues actions for the next
requests whose path starts with path (any, when None), taken before any
check:
  200 or None               handled as above
  503 (any other int)       that status, HubSpot's error body (category by status)
  ("ratelimited", SECONDS)  429 with Retry-After: SECONDS (None: no Retry-After),
                            X-HubSpot-RateLimit-* headers and HubSpot's RATE_LIMIT body
  ("hang", SECONDS)         wait, then handled as above (the caller times out)
  "drop"                    close the connection without an answer
down() / up(): refuse connections (the listening socket closed) and take
them again on the same port.

Each request is recorded: method, path, headers (lowercased), json, at,
action, status, problems (rules it broke: [] when clean).
"""
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CATEGORIES = {400: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION", 403: "MISSING_SCOPES",
              404: "OBJECT_NOT_FOUND", 409: "CONFLICT", 429: "RATE_LIMITS",
              500: "INTERNAL_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE"}
KNOWN_PROPERTIES = {"email", "firstname", "lastname", "company", "hubspot_owner_id",
                    "hs_lead_status", "lifecyclestage"}


class HubSpotStandin:
    def __init__(self, token="pat-na1-test", owners=("111", "222", "333")):
        self.token = token
        self.owners = set(owners)
        self.contacts = {}          # id → properties
        self.requests = []
        self.lock = threading.Lock()
        self.plans = []             # [path prefix or None, action]
        self.next_id = 1001
        self._start(0)

    # The server -----------------------------------------------------------

    def _start(self, port):
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

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.api_url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def down(self):
        """Refuse connections until up()."""
        self.server.shutdown()
        self.server.server_close()

    def up(self):
        self._start(self.port)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # Test helpers -----------------------------------------------------------

    def add_contact(self, **props):
        with self.lock:
            cid = str(self.next_id)
            self.next_id += 1
            self.contacts[cid] = dict(props)
            return cid

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
            raise AssertionError("requests that broke HubSpot's rules: %r" % bad)

    # Answers --------------------------------------------------------------

    def _take_plan(self, path):
        with self.lock:
            for i, (prefix, action) in enumerate(self.plans):
                if prefix is None or path.startswith(prefix):
                    del self.plans[i]
                    return action
        return None

    @staticmethod
    def _send(h, status, body, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        h.send_response(status)
        h.send_header("Content-Type", "application/json;charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        try:
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass        # the caller gave up (a timeout): as HubSpot, the write stands

    @staticmethod
    def error_body(status, message, category=None, **more):
        body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()),
                "category": category or CATEGORIES.get(status, "INTERNAL_ERROR")}
        body.update(more)
        return body

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        rec = {"method": h.command, "path": h.path, "at": time.time(),
               "headers": {k.lower(): v for k, v in h.headers.items()}, "body": raw,
               "json": None, "problems": [], "action": None, "status": None}
        try:
            rec["json"] = json.loads(raw) if raw else None
        except ValueError:
            pass
        with self.lock:
            self.requests.append(rec)
        action = self._take_plan(h.path)
        rec["action"] = action
        self._check(rec)
        if action == "drop":
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(action, tuple) and action[0] == "hang":
            time.sleep(action[1])
            action = None
        if isinstance(action, tuple) and action[0] == "ratelimited":
            headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                       "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "0",
                       "X-HubSpot-RateLimit-Secondly": "10",
                       "X-HubSpot-RateLimit-Secondly-Remaining": "0"}
            if action[1] is not None:
                headers["Retry-After"] = str(action[1])
            rec["status"] = 429
            self._send(h, 429, self.error_body(429, "You have reached your secondly limit.",
                                               "RATE_LIMITS", errorType="RATE_LIMIT",
                                               policyName="SECONDLY"), headers)
            return
        if isinstance(action, int) and action != 200:
            rec["status"] = action
            self._send(h, action, self.error_body(action, "The service is unavailable: planned "
                                                  "%d" % action))
            return
        status, body = self._answer(h, rec)
        rec["status"] = status
        self._send(h, status, body)

    def _check(self, rec):
        p = rec["problems"]
        if rec["headers"].get("authorization") != "Bearer " + self.token:
            p.append("authorization")
        if rec["method"] in ("PATCH", "POST"):
            if not rec["headers"].get("content-type", "").startswith("application/json"):
                p.append("content-type")
            if not isinstance(rec["json"], dict):
                p.append("body not a JSON object")

    def _answer(self, h, rec):
        base = "/crm/v3/objects/contacts"
        body = rec["json"]
        if rec["headers"].get("authorization") != "Bearer " + self.token:
            return 401, self.error_body(401, "Authentication credentials not found. This API "
                                        "supports OAuth 2.0 authentication and you can find "
                                        "more details at https://developers.hubspot.com/docs/"
                                        "methods/auth/oauth-overview")
        if rec["method"] in ("PATCH", "POST") and not rec["headers"].get(
                "content-type", "").startswith("application/json"):
            return 415, self.error_body(415, "Unsupported Media Type", "VALIDATION_ERROR")
        if rec["method"] in ("PATCH", "POST") and not isinstance(body, dict):
            return 400, self.error_body(400, "Invalid input JSON on line 1", "VALIDATION_ERROR")
        if rec["method"] == "POST" and rec["path"] == base + "/search":
            return self._search(rec, body)
        if rec["method"] == "POST" and rec["path"] == base:
            return self._create(rec, body)
        if rec["method"] == "PATCH" and rec["path"].startswith(base + "/"):
            return self._patch(rec, rec["path"][len(base) + 1:], body)
        rec["problems"].append("no such call")
        return 404, self.error_body(404, "resource not found", "OBJECT_NOT_FOUND")

    def _props(self, rec, body):
        props = body.get("properties")
        if not isinstance(props, dict) or not all(isinstance(v, str) for v in props.values()):
            rec["problems"].append("properties not an object of strings")
            return None, (400, self.error_body(400, "Invalid input JSON: properties",
                                               "VALIDATION_ERROR"))
        unknown = [k for k in props if k not in KNOWN_PROPERTIES]
        if unknown:
            return None, (400, self.error_body(
                400, "Property values were not valid: [{\"isValid\":false,\"message\":"
                "\"Property \\\"%s\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\","
                "\"name\":\"%s\"}]" % (unknown[0], unknown[0]), "VALIDATION_ERROR"))
        owner = props.get("hubspot_owner_id")
        if owner is not None and owner not in self.owners:
            return None, (400, self.error_body(
                400, "Property values were not valid: [{\"isValid\":false,\"message\":\"%s "
                "is not a valid owner id\",\"error\":\"INVALID_OWNER_ID\",\"name\":"
                "\"hubspot_owner_id\"}]" % owner, "VALIDATION_ERROR"))
        return props, None

    def _object(self, cid):
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        return {"id": cid, "properties": dict(self.contacts[cid], hs_object_id=cid),
                "createdAt": now, "updatedAt": now, "archived": False}

    def _patch(self, rec, cid, body):
        props, err = self._props(rec, body)
        if err:
            return err
        with self.lock:
            if cid not in self.contacts:
                return 404, self.error_body(404, "resource not found", "OBJECT_NOT_FOUND")
            self.contacts[cid].update(props)
            return 200, self._object(cid)

    def _search(self, rec, body):
        try:
            (group,) = body["filterGroups"]
            (f,) = group["filters"]
            assert f["propertyName"] == "email" and f["operator"] == "EQ"
            value = f["value"]
            assert isinstance(value, str)
        except (KeyError, TypeError, ValueError, AssertionError):
            rec["problems"].append("search: not one filter email EQ value")
            return 400, self.error_body(400, "There was a problem with the request.",
                                        "VALIDATION_ERROR")
        with self.lock:
            ids = [cid for cid, p in self.contacts.items()
                   if p.get("email", "").lower() == value.lower()]
            results = [{"id": cid, "properties": {"email": self.contacts[cid]["email"],
                                                  "hs_object_id": cid}} for cid in ids]
        return 200, {"total": len(results), "results": results[:body.get("limit", 10)]}

    def _create(self, rec, body):
        props, err = self._props(rec, body)
        if err:
            return err
        email = props.get("email", "")
        with self.lock:
            for cid, p in self.contacts.items():
                if email and p.get("email", "").lower() == email.lower():
                    return 409, self.error_body(409, "Contact already exists. Existing ID: %s"
                                                % cid, "CONFLICT")
        cid = self.add_contact(**props)
        with self.lock:
            return 201, self._object(cid)
