"""A stand-in for Slack: the Web API's chat.postMessage and chat.update, incoming
webhooks and response_urls, checked as Slack documents them and recorded.

    from slack_standin import SlackStandin

    slack = SlackStandin(token="xoxb-test")     # any channel exists (channels= to limit)
    slack.api_url                               # "http://127.0.0.1:PORT/api"
    slack.plan(("error", "channel_not_found"), ("ratelimited", 1), 500, ("hang", 3), "drop")
    ...
    req = slack.wait(1, "/api/chat.postMessage")[0]
    req["json"]["blocks"], req["answer"]["body"]["ts"]
    slack.assert_clean()                        # no request broke a rule (see below)
    hook = slack.webhook_url()                  # an incoming webhook; slack.got(path) its posts
    url = slack.response_url()                  # a response_url; slack.updates(url) its posts
    slack.close()

Web API (POST /api/METHOD), checked in Slack's order, each failure answered
HTTP 200 {"ok": false, "error": CODE} as Slack does
(https://api.slack.com/methods/chat.postMessage, .../chat.update,
https://api.slack.com/web#posting_json):
  a method other than chat.postMessage or chat.update   unknown_method
  no Content-Type                                       missing_post_type
  one other than application/json (stricter than Slack,
  which takes forms too: the daemon sends JSON only)    invalid_post_type
  a charset other than utf-8                            invalid_charset
  no Authorization: Bearer                              not_authed
  a token other than the expected one                   invalid_auth
  a body that is not JSON / not an object               invalid_json / json_not_object
  no channel, or one outside channels=                  channel_not_found
  a channel in archived= / not_in=                      is_archived / not_in_channel
  no text and no blocks                                 no_text
  text longer than 40000 characters                     msg_too_long
  blocks that break Block Kit's rules (below)           invalid_blocks, with Slack's
                                                        "[ERROR] ... [json-pointer:...]"
                                                        lines in errors and
                                                        response_metadata.messages
  chat.update without ts, or of no message posted here  message_not_found
and otherwise {"ok": true, "channel", "ts", "message": {...the message}}
("ts" unique and rising: "1700000000.000100", "...000101", ...; the echo
after channel and ts, or before them with echo_first=True: Slack promises
no order, and the daemon must find ts past its first 200 bytes).

Block Kit, for the blocks the daemon uses (https://api.slack.com/reference/block-kit):
at most 50 blocks of type section, context, actions, divider, header; no
unknown field anywhere; block_id at most 255 and unique; text objects
plain_text (emoji) or mrkdwn (verbatim) with 1.. characters; section: text
(at most 3000) and/or fields (1..10, each at most 2000), accessory a
button or static_select; context: 1..10 text or image elements; actions:
1..25 button or static_select elements; header: plain_text at most 150;
divider: nothing. button: text plain_text at most 75, action_id at most
255, value at most 2000, url at most 3000, style primary or danger;
static_select: placeholder plain_text at most 150, 1..100 options of text
plain_text at most 75 and value at most 150, initial_option one of them.
action_id unique within the message.

Incoming webhook (POST /services/T0STANDIN/B.../...): 200 "ok" (text/html);
400 invalid_payload (not JSON), no_text, invalid_blocks; 404 no_service for
a URL not made by webhook_url(). response_url (POST /actions/T0STANDIN/...):
{"ok": true}; a URL not made by response_url() answers 404
{"ok":false,"error":"expired_url"}, and past 5 uses 404 used_url (Slack
allows 5 uses in 30 minutes; the stand-in's error answers are its reading).

Scripted answers: plan() queues actions for the next requests (to a path,
or to any path), taken before any check; then the request is handled as
above. An action is
  200 or None                 handled as above
  ("error", CODE)             HTTP 200 {"ok": false, "error": CODE}
  ("error", CODE, STATUS)     the same with that HTTP status
  ("ratelimited", SECONDS)    HTTP 429, Retry-After: SECONDS, {"ok":false,"error":"ratelimited"}
  500 (any other int)         that status with an HTML body, as Slack's edge sends
  (STATUS, {"Header": "v"})   that status and headers, an HTML body
  ("hang", SECONDS)           wait, then handled as above
  ("body", STATUS, BYTES)     exactly this answer
  "drop"                      close the connection without an answer

Every request is recorded as a dict: path, method, at, headers (names
lowercased), body (bytes), json (decoded or None), kind ("api", "webhook",
"response_url", "other"), api_method, problems (the rules above it broke,
as strings: [] for a clean one; what a planned action skipped is still
checked), action (the planned one, or None), answer ({"status", "headers",
"body": decoded JSON or text}).
"""

import collections
import http.server
import itertools
import json
import secrets
import sys
import threading
import time

__all__ = ["SlackStandin", "block_errors"]

MAX_TEXT = 40000
API_ARGS = {
    "chat.postMessage": {"channel", "text", "blocks", "attachments", "thread_ts", "reply_broadcast",
                         "unfurl_links", "unfurl_media", "mrkdwn", "parse", "link_names",
                         "username", "icon_emoji", "icon_url", "metadata", "as_user"},
    "chat.update": {"channel", "ts", "text", "blocks", "attachments", "parse", "link_names",
                    "as_user", "metadata", "reply_broadcast", "file_ids"},
}
RESPONSE_ARGS = {"text", "blocks", "attachments", "replace_original", "delete_original",
                 "response_type", "thread_ts", "mrkdwn"}
WEBHOOK_ARGS = {"text", "blocks", "attachments", "mrkdwn", "unfurl_links", "unfurl_media",
                "username", "icon_emoji", "icon_url", "channel", "thread_ts"}
RESPONSE_URL_USES = 5


class _Checker:
    """Block Kit's rules, as Slack words its errors."""

    def __init__(self):
        self.errors = []
        self.block_ids = set()
        self.action_ids = set()

    def err(self, pointer, msg):
        self.errors.append("[ERROR] %s [json-pointer:%s]" % (msg, pointer))

    def keys(self, obj, ptr, allowed, required=()):
        for k in obj:
            if k not in allowed:
                self.err("%s/%s" % (ptr, k), "is not a valid property")
        for k in required:
            if k not in obj:
                self.err(ptr, "missing required field: %s" % k)

    def string(self, obj, key, ptr, maxlen, required=False, minlen=0):
        if key not in obj:
            if required:
                self.err(ptr, "missing required field: %s" % key)
            return
        v = obj[key]
        if not isinstance(v, str):
            self.err("%s/%s" % (ptr, key), "must be a string")
        elif len(v) > maxlen:
            self.err("%s/%s" % (ptr, key), "must be less than %d characters" % (maxlen + 1))
        elif len(v) < minlen:
            self.err("%s/%s" % (ptr, key), "must be more than %d characters" % (minlen - 1))

    def text(self, obj, ptr, maxlen, plain_only=False):
        if not isinstance(obj, dict):
            self.err(ptr, "must provide an object")
            return
        kind = obj.get("type")
        if kind == "plain_text":
            self.keys(obj, ptr, {"type", "text", "emoji"}, ("text",))
            if "emoji" in obj and not isinstance(obj["emoji"], bool):
                self.err(ptr + "/emoji", "must be a boolean")
        elif kind == "mrkdwn" and not plain_only:
            self.keys(obj, ptr, {"type", "text", "verbatim"}, ("text",))
            if "verbatim" in obj and not isinstance(obj["verbatim"], bool):
                self.err(ptr + "/verbatim", "must be a boolean")
        else:
            self.err(ptr + "/type", "must be %s" % ("plain_text" if plain_only else
                                                     "one of plain_text, mrkdwn"))
            return
        self.string(obj, "text", ptr, maxlen, minlen=1)

    def array(self, obj, key, ptr, lo, hi, required=True):
        v = obj.get(key)
        if v is None:
            if required:
                self.err(ptr, "missing required field: %s" % key)
            return []
        if not isinstance(v, list):
            self.err("%s/%s" % (ptr, key), "must be an array")
            return []
        if len(v) < lo:
            self.err("%s/%s" % (ptr, key), "must provide at least %d items" % lo)
        if len(v) > hi:
            self.err("%s/%s" % (ptr, key), "must provide no more than %d items" % hi)
        return v

    def action_id(self, el, ptr):
        self.string(el, "action_id", ptr, 255, minlen=1)
        aid = el.get("action_id")
        if isinstance(aid, str):
            if aid in self.action_ids:
                self.err(ptr + "/action_id", "action_id %r is already used in this message" % aid)
            self.action_ids.add(aid)

    def element(self, el, ptr):
        if not isinstance(el, dict):
            self.err(ptr, "must provide an object")
            return
        kind = el.get("type")
        if kind == "button":
            self.keys(el, ptr, {"type", "text", "action_id", "value", "style", "url", "confirm",
                                "accessibility_label"}, ("text",))
            if "text" in el:
                self.text(el["text"], ptr + "/text", 75, plain_only=True)
            self.action_id(el, ptr)
            self.string(el, "value", ptr, 2000)
            self.string(el, "url", ptr, 3000)
            self.string(el, "accessibility_label", ptr, 75)
            if "style" in el and el["style"] not in ("primary", "danger"):
                self.err(ptr + "/style", "must be one of primary, danger")
            if "confirm" in el:
                self.confirm(el["confirm"], ptr + "/confirm")
        elif kind == "static_select":
            self.keys(el, ptr, {"type", "placeholder", "action_id", "options", "initial_option",
                                "confirm", "focus_on_load"}, ("options",))
            if "placeholder" in el:
                self.text(el["placeholder"], ptr + "/placeholder", 150, plain_only=True)
            self.action_id(el, ptr)
            options = self.array(el, "options", ptr, 1, 100)
            for j, opt in enumerate(options):
                self.option(opt, "%s/options/%d" % (ptr, j))
            if "initial_option" in el:
                self.option(el["initial_option"], ptr + "/initial_option")
                if el["initial_option"] not in options:
                    self.err(ptr + "/initial_option", "must match one of the options")
            if "confirm" in el:
                self.confirm(el["confirm"], ptr + "/confirm")
        else:
            self.err(ptr + "/type", "must be one of button, static_select (the stand-in knows "
                                    "no other element)")

    def option(self, opt, ptr):
        if not isinstance(opt, dict):
            self.err(ptr, "must provide an object")
            return
        self.keys(opt, ptr, {"text", "value", "description"}, ("text", "value"))
        if "text" in opt:
            self.text(opt["text"], ptr + "/text", 75, plain_only=True)
        self.string(opt, "value", ptr, 150, minlen=1)
        if "description" in opt:
            self.text(opt["description"], ptr + "/description", 75, plain_only=True)

    def confirm(self, c, ptr):
        if not isinstance(c, dict):
            self.err(ptr, "must provide an object")
            return
        self.keys(c, ptr, {"title", "text", "confirm", "deny", "style"},
                  ("title", "text", "confirm", "deny"))
        for k, n, plain in (("title", 100, True), ("text", 300, False), ("confirm", 30, True),
                            ("deny", 30, True)):
            if k in c:
                self.text(c[k], "%s/%s" % (ptr, k), n, plain_only=plain)

    def block(self, b, ptr):
        if not isinstance(b, dict):
            self.err(ptr, "must provide an object")
            return
        self.string(b, "block_id", ptr, 255, minlen=1)
        bid = b.get("block_id")
        if isinstance(bid, str):
            if bid in self.block_ids:
                self.err(ptr + "/block_id", "block_id %r is already used in this message" % bid)
            self.block_ids.add(bid)
        kind = b.get("type")
        if kind == "section":
            self.keys(b, ptr, {"type", "block_id", "text", "fields", "accessory"})
            if "text" not in b and "fields" not in b:
                self.err(ptr, "must provide either text or fields")
            if "text" in b:
                self.text(b["text"], ptr + "/text", 3000)
            for j, f in enumerate(self.array(b, "fields", ptr, 1, 10, required=False)):
                self.text(f, "%s/fields/%d" % (ptr, j), 2000)
            if "accessory" in b:
                self.element(b["accessory"], ptr + "/accessory")
        elif kind == "context":
            self.keys(b, ptr, {"type", "block_id", "elements"})
            for j, el in enumerate(self.array(b, "elements", ptr, 1, 10)):
                eptr = "%s/elements/%d" % (ptr, j)
                if isinstance(el, dict) and el.get("type") == "image":
                    self.keys(el, eptr, {"type", "image_url", "alt_text"},
                              ("image_url", "alt_text"))
                    self.string(el, "image_url", eptr, 3000, minlen=1)
                    self.string(el, "alt_text", eptr, 2000, minlen=1)
                else:
                    self.text(el, eptr, 3000)
        elif kind == "actions":
            self.keys(b, ptr, {"type", "block_id", "elements"})
            for j, el in enumerate(self.array(b, "elements", ptr, 1, 25)):
                self.element(el, "%s/elements/%d" % (ptr, j))
        elif kind == "divider":
            self.keys(b, ptr, {"type", "block_id"})
        elif kind == "header":
            self.keys(b, ptr, {"type", "block_id", "text"}, ("text",))
            if "text" in b:
                self.text(b["text"], ptr + "/text", 150, plain_only=True)
        else:
            self.err(ptr + "/type", "must be one of section, context, actions, divider, header "
                                    "(the stand-in knows no other block)")


def block_errors(blocks):
    """What is wrong with a message's blocks, as Slack's "[ERROR] ..." lines: [] when valid."""
    c = _Checker()
    if not isinstance(blocks, list):
        c.err("/blocks", "must provide an array")
        return c.errors
    if not blocks:
        c.err("/blocks", "must provide at least 1 items")
    if len(blocks) > 50:
        c.err("/blocks", "must provide no more than 50 items")
    for i, b in enumerate(blocks):
        c.block(b, "/blocks/%d" % i)
    return c.errors


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return      # the client went away (a cut-off answer, a timeout): not news
        super().handle_error(request, client_address)


class _Refusal(Exception):
    """A request Slack refuses: its error code, HTTP status and extra members."""

    def __init__(self, code, status=200, extra=None):
        super().__init__(code)
        self.code, self.status, self.extra = code, status, extra or {}


class SlackStandin:
    """Slack on a thread (127.0.0.1, a free port).

    token: the bot token the Web API expects. channels: None (any channel
    exists, echoed as given) or the ids (a set) or names to ids (a dict,
    "#name" or "name") that exist. archived, not_in: channels that answer
    is_archived / not_in_channel. echo_first: put the echoed message before
    channel and ts in ok answers.
    """

    def __init__(self, token="xoxb-standin-token", channels=None, archived=(), not_in=(),
                 echo_first=False):
        self.token = token
        self.channels = channels
        self.archived = set(archived)
        self.not_in = set(not_in)
        self.echo_first = echo_first
        self.requests = []
        self.messages = {}          # (channel, ts) -> the message as posted or updated
        self.plans = collections.defaultdict(list)
        self.any_plan = []
        self.webhooks = set()
        self.response_urls = {}     # path -> uses so far
        self.lock = threading.Lock()
        self._ts = itertools.count(100)
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = self.rfile.read(length)
                except OSError:
                    self.close_connection = True
                    return
                standin._handle(self, body)

            do_POST = do_GET = do_PUT = handle_one

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    # URLs

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def api_url(self):
        """What the daemon's Slack api_url is set to (Slack's is https://slack.com/api)."""
        return self.base_url + "/api"

    def webhook_url(self):
        """A new incoming webhook's URL."""
        path = "/services/T0STANDIN/B%s/%s" % (secrets.token_hex(4).upper(), secrets.token_hex(12))
        with self.lock:
            self.webhooks.add(path)
        return self.base_url + path

    def response_url(self):
        """A new response_url, as a button click's payload carries one."""
        path = "/actions/T0STANDIN/%d/%s" % (int(time.time() * 1000), secrets.token_hex(12))
        with self.lock:
            self.response_urls[path] = 0
        return self.base_url + path

    # Scripting and records

    def plan(self, *actions, path=None):
        """Answer the next requests (to path, or to any path) with these actions, in order."""
        with self.lock:
            (self.plans[path] if path is not None else self.any_plan).extend(actions)

    def got(self, path=None):
        """The records so far (to a path, or all), in arrival order."""
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def wait(self, n, path=None, timeout=10):
        """The records once there are at least n (to a path, or all); AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.got(path)
            if len(got) >= n:
                return got
            if time.monotonic() >= deadline:
                raise AssertionError("timed out after %.1fs waiting for %d request(s) to %s; got %d"
                                     % (timeout, n, path or "the stand-in", len(got)))
            time.sleep(0.02)

    def updates(self, url):
        """The JSON bodies posted to a response_url (its full URL or its path)."""
        path = url[len(self.base_url):] if url.startswith(self.base_url) else url
        return [r["json"] for r in self.got(path)]

    def assert_clean(self, path=None):
        """AssertionError listing every request that broke a rule."""
        bad = [r for r in self.got(path) if r["problems"]]
        if bad:
            raise AssertionError("%d request(s) broke Slack's rules:\n%s" % (len(bad), "\n".join(
                "  %s %s\n%s\n    body: %s" % (r["method"], r["path"],
                                               "\n".join("    " + p for p in r["problems"]),
                                               r["body"][:2000].decode("utf-8", "replace"))
                for r in bad)))

    # Serving

    def _handle(self, handler, body):
        path = handler.path
        req = {"path": path, "method": handler.command, "at": time.time(),
               "headers": {k.lower(): v for k, v in handler.headers.items()}, "body": body,
               "json": None, "kind": "other", "api_method": None, "problems": [],
               "action": None, "answer": None}
        try:
            req["json"] = json.loads(body) if body else None
        except ValueError:
            pass
        if path.startswith("/api/"):
            req["kind"], req["api_method"] = "api", path[len("/api/"):]
        elif path.startswith("/services/"):
            req["kind"] = "webhook"
        elif path.startswith("/actions/"):
            req["kind"] = "response_url"
        with self.lock:
            plan = self.plans.get(path)
            if plan:
                req["action"] = plan.pop(0)
            elif self.any_plan:
                req["action"] = self.any_plan.pop(0)
            self.requests.append(req)
        action = req["action"]
        if action == "drop":
            self._check(req, store=True)    # done, and the answer lost
            handler.close_connection = True
            return
        if isinstance(action, tuple) and action[0] == "hang":
            time.sleep(action[1])
            action = None
        # A forced answer still has the request checked, but nothing is posted.
        answer = self._check(req, store=action is None or action == 200)
        if isinstance(action, tuple) and action[0] == "error":
            answer = (action[2] if len(action) > 2 else 200, {},
                      {"ok": False, "error": action[1]})
        elif isinstance(action, tuple) and action[0] == "ratelimited":
            answer = (429, {"Retry-After": str(action[1])}, {"ok": False, "error": "ratelimited"})
        elif isinstance(action, tuple) and action[0] == "body":
            answer = (action[1], {}, action[2])
        elif isinstance(action, tuple):
            answer = (action[0], action[1], self._html(action[0]))
        elif isinstance(action, int) and action != 200:
            answer = (action, {}, self._html(action))
        status, headers, out = answer
        req["answer"] = {"status": status, "headers": headers, "body": out}
        self._send(handler, status, headers, out)

    @staticmethod
    def _html(status):
        return ("<html><body><h1>%d</h1>The stand-in's edge answered this.</body></html>"
                % status).encode()

    @staticmethod
    def _send(handler, status, headers, out):
        if isinstance(out, (dict, list)):
            data, ctype = json.dumps(out).encode(), "application/json; charset=utf-8"
        elif isinstance(out, str):
            data, ctype = out.encode(), "text/html"
        else:
            data, ctype = out, "text/html"
        try:
            handler.send_response(status)
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True

    def _check(self, req, store):
        """Handle a request as Slack would: (status, headers, body); problems recorded in req."""
        try:
            if req["kind"] == "api":
                return self._api(req, store)
            if req["kind"] == "webhook":
                return self._webhook(req)
            if req["kind"] == "response_url":
                return self._response(req)
            req["problems"].append("no such endpoint")
            return 404, {}, "not found"
        except _Refusal as r:
            req["problems"].append(r.code)
            body = {"ok": False, "error": r.code}
            body.update(r.extra)
            return r.status, {}, body

    @staticmethod
    def _content_type(req):
        ctype = req["headers"].get("content-type")
        if ctype is None:
            raise _Refusal("missing_post_type")
        mime, _, params = ctype.partition(";")
        if mime.strip().lower() != "application/json":
            raise _Refusal("invalid_post_type")
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k.lower() == "charset" and v.strip().strip('"').lower() not in ("utf-8", "utf8"):
                raise _Refusal("invalid_charset")

    @staticmethod
    def _object(req):
        if req["json"] is None:
            raise _Refusal("invalid_json")
        if not isinstance(req["json"], dict):
            raise _Refusal("json_not_object")
        return req["json"]

    @staticmethod
    def _content(req, msg, allowed, status=200):
        """The message's text and blocks checked: their refusal, or None."""
        for k in msg:
            if k not in allowed:
                req["problems"].append("an argument Slack does not know: %r" % k)
        text, blocks = msg.get("text"), msg.get("blocks")
        if text is None and blocks is None and msg.get("attachments") is None:
            raise _Refusal("no_text", status)
        if text is not None and not isinstance(text, str):
            raise _Refusal("invalid_arguments", status)
        if isinstance(text, str) and len(text) > MAX_TEXT:
            raise _Refusal("msg_too_long", status)
        if blocks is not None:
            errors = block_errors(blocks)
            if errors:
                req["problems"].extend(errors)
                raise _Refusal("invalid_blocks", status,
                               {"errors": errors, "response_metadata": {"messages": errors}})

    def _channel(self, given):
        if not isinstance(given, str) or not given:
            raise _Refusal("channel_not_found")
        cid = given
        if isinstance(self.channels, dict):
            cid = self.channels.get(given.lstrip("#"), given if given in
                                    self.channels.values() else None)
        elif self.channels is not None and given not in self.channels:
            cid = None
        if cid is None:
            raise _Refusal("channel_not_found")
        if cid in self.archived:
            raise _Refusal("is_archived")
        if cid in self.not_in:
            raise _Refusal("not_in_channel")
        return cid

    def _api(self, req, store):
        method = req["api_method"]
        if method not in API_ARGS:
            raise _Refusal("unknown_method")
        if req["method"] != "POST":
            raise _Refusal("invalid_request")
        self._content_type(req)
        auth = req["headers"].get("authorization")
        if not auth:
            raise _Refusal("not_authed")
        if auth != "Bearer " + self.token:
            raise _Refusal("invalid_auth")
        msg = self._object(req)
        channel = self._channel(msg.get("channel"))
        self._content(req, msg, API_ARGS[method])
        with self.lock:
            if method == "chat.update":
                key = (channel, msg.get("ts"))
                if key not in self.messages:
                    raise _Refusal("message_not_found")
                ts = key[1]
            else:
                ts = "1700000000.%06d" % next(self._ts)
            message = {"type": "message", "subtype": "bot_message", "bot_id": "B0STANDIN",
                       "text": msg.get("text", ""), "ts": ts}
            if "blocks" in msg:
                message["blocks"] = msg["blocks"]
            if store:
                self.messages[(channel, ts)] = message
        head = {"ok": True}
        if method == "chat.update":
            tail = {"channel": channel, "ts": ts, "text": message["text"]}
        else:
            tail = {"channel": channel, "ts": ts}
        if self.echo_first:
            head["message"] = message
            head.update(tail)
        else:
            head.update(tail)
            head["message"] = message
        return 200, {}, head

    def _webhook(self, req):
        with self.lock:
            known = req["path"] in self.webhooks
        if not known:
            req["problems"].append("no_service")
            return 404, {}, "no_service"
        if req["method"] != "POST" or not isinstance(req["json"], dict):
            req["problems"].append("invalid_payload")
            return 400, {}, "invalid_payload"
        try:
            self._content(req, req["json"], WEBHOOK_ARGS, status=400)
        except _Refusal as r:
            req["problems"].append(r.code)
            return 400, {}, r.code
        return 200, {}, "ok"

    def _response(self, req):
        with self.lock:
            uses = self.response_urls.get(req["path"])
            if uses is not None:
                self.response_urls[req["path"]] = uses + 1
        if uses is None:
            raise _Refusal("expired_url", 404)
        if uses >= RESPONSE_URL_USES:
            raise _Refusal("used_url", 404)
        if req["method"] != "POST":
            raise _Refusal("invalid_request", 400)
        self._content_type(req)
        msg = self._object(req)
        if msg.get("response_type") not in (None, "in_channel", "ephemeral"):
            req["problems"].append("response_type must be in_channel or ephemeral")
        if not msg.get("delete_original"):
            self._content(req, msg, RESPONSE_ARGS, status=400)
        return 200, {}, {"ok": True}

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
