"""Outbound webhook notifications: signed delivery, retries, the dead-letter list, leases.

Jobs are written straight into Redis the way the escalation scripts write them
(a hash and an outbox entry); a receiver thread in the test plays the webhook
endpoint and checks every signature as the Standard Webhooks spec says.
"""

import base64
import collections
import datetime
import hashlib
import hmac
import http.server
import json
import signal
import threading
import time

from harness import DaemonTestCase, main, wait_for

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

REPS = """\
  - id: ana
    name: Ana Ruiz
    notify: revops
    manager: maria
  - id: ben
    name: Ben Okafor
  - id: cy
    name: Cy Young
  - id: dee
    name: Dee Long
"""


def verify(secret, headers, body):
    """The receiver's check, as the spec describes it: HMAC-SHA256 with the
    decoded whsec_ key over "<webhook-id>.<webhook-timestamp>.<body>", compared
    in constant time with each v1 signature of the header."""
    key = base64.b64decode(secret[len("whsec_"):])
    signed = ("%s.%s." % (headers["webhook-id"], headers["webhook-timestamp"])).encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in headers.get("webhook-signature", "").split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


def rfc3339(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def is_rep_message(body):
    """A rep told of a lead given to them (lead.assigned, lead.reassigned), as
    a JSON event or as a Slack message."""
    try:
        d = json.loads(body)
    except ValueError:
        return False
    if d.get("type") in ("lead.assigned", "lead.reassigned"):
        return True
    head = (d.get("blocks") or [{}])[0].get("text", {}).get("text", "")
    return head.startswith(("New lead", "Lead reassigned"))


class Receiver:
    """A webhook endpoint on a thread. Every request is recorded; plan() says
    how the next requests to a path are answered (a status, or ("hang", s)),
    after which it answers 200. skip(body): requests it is true for are
    answered 200 and kept apart, in skipped (rep messages, for tests of
    escalations)."""

    def __init__(self, skip=None):
        self.requests = []
        self.skipped = []
        self.skip = skip
        self.plans = collections.defaultdict(list)
        self.lock = threading.Lock()
        rx = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if rx.skip is not None and rx.skip(body):
                    with rx.lock:
                        rx.skipped.append(body)
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with rx.lock:
                    rx.requests.append({"path": self.path, "at": time.time(), "body": body,
                                        "headers": {k.lower(): v for k, v in self.headers.items()}})
                    plan = rx.plans[self.path]
                    action = plan.pop(0) if plan else 200
                headers = {}
                if isinstance(action, tuple) and action[0] == "hang":
                    time.sleep(action[1])
                    action = 200
                elif isinstance(action, tuple):
                    action, headers = action
                try:
                    self.send_response(action)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass    # the daemon gave up on us (a timeout, a stop)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def plan(self, path, *actions):
        with self.lock:
            self.plans[path].extend(actions)

    def got(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def wait(self, n, path=None, timeout=10):
        return wait_for(lambda: len(self.got(path)) >= n and self.got(path), timeout=timeout,
                        what="%d request(s) to %s" % (n, path or "the receiver"))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def notify_section(rx, attempts=3, backoff="100ms", max_backoff="1s", timeout="300ms"):
    return """\
notify:
  attempts: %d
  backoff: %s
  max_backoff: %s
  timeout: %s
  targets:
    - {id: revops, url: "%s", format: json, secret: "%s"}
    - {id: plain, url: "%s", format: json}
    - {id: sdr-slack, url: "%s", format: slack}
people:
  - {id: maria, name: Maria Lopez, notify: sdr-slack}
""" % (attempts, backoff, max_backoff, timeout, rx.url("/revops"), SECRET, rx.url("/plain"),
       rx.url("/slack"))


LEVEL_EVENT = {"type": "escalation.level", "at": 1795426200123, "data": {
    "escalation": "7", "level": 2, "levels": 3, "lead": "01JDQ5ZRK0000000000000000A",
    "clock": "first_touch", "pool": "emea", "owner": "ana", "due_at": 1795426100000,
    "breached_at": 1795426100000, "recipient": "owner", "action": "reassign", "new_owner": "ben"}}


class NotifyTestCase(DaemonTestCase):

    notify = {}
    extra_overrides = {}

    def setUp(self):
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.conf_overrides = dict(reps=REPS, extra=notify_section(self.rx, **self.notify),
                                   **self.extra_overrides)
        super().setUp()

    def job(self, to="owner", event=None, owner="ana", pool="emea", due=None):
        """Write a notification job the way the escalation scripts do."""
        jid = self.redis.cmd("INCR", "lr:seq:notification")
        now = int(time.time() * 1000)
        self.redis.cmd("HSET", "lr:notification:%d" % jid, "id", jid, "to", to, "owner", owner,
                       "pool", pool, "event", json.dumps(event or LEVEL_EVENT),
                       "created_at", now, "attempts", 0)
        self.redis.cmd("ZADD", "lr:outbox", now if due is None else due, jid)
        return str(jid)

    def failed(self, query=""):
        r = self.d.get("/v1/notifications/failed" + query)
        self.assertEqual(r.status, 200, r)
        return r.json

    def wait_failed(self, n, timeout=10):
        return wait_for(lambda: len(self.failed()["notifications"]) >= n and
                        self.failed()["notifications"], timeout=timeout,
                        what="%d dead-lettered notification(s)" % n)

    def wait_gone(self, jid, timeout=10):
        wait_for(lambda: self.redis.cmd("EXISTS", "lr:notification:" + jid) == 0, timeout=timeout,
                 what="job %s to be delivered" % jid)

    def metric(self, name):
        for line in self.d.get("/metrics").raw.splitlines():
            if line.startswith(name + " "):
                return int(line.split()[1])
        self.fail("no metric %s" % name)


class DeliveryTests(NotifyTestCase):

    def test_delivers_signed_envelope_with_stable_id(self):
        jid = self.job()
        req = self.rx.wait(1, "/revops")[0]
        h = req["headers"]
        self.assertTrue(verify(SECRET, h, req["body"]), h)
        self.assertEqual(h["webhook-id"], "msg_lr_" + jid)
        self.assertLess(abs(int(h["webhook-timestamp"]) - time.time()), 5)
        self.assertEqual(h["content-type"], "application/json")
        self.assertTrue(h["user-agent"].startswith("leadrouted/"), h)
        self.assertEqual(json.loads(req["body"]), {
            "type": "escalation.level", "timestamp": "2026-11-23T09:30:00.123Z",
            "data": LEVEL_EVENT["data"]})
        self.assertNotIn(b" ", req["body"])     # compact
        self.wait_gone(jid)
        self.assertEqual(self.redis.cmd("ZCARD", "lr:outbox"), 0)
        self.assertEqual(self.metric("leadrouted_notifications_delivered_total"), 1)
        self.assertEqual(self.metric("leadrouted_notifications_in_flight"), 0)
        done = self.d.events("notification_delivered")
        self.assertEqual([(e["id"], e["target"], e["attempt"], e["status"]) for e in done],
                         [(jid, "revops", "1", "200")])
        self.assertNotIn(LEVEL_EVENT["data"]["lead"], self.d.log())   # bodies are never logged

    def test_recipients_resolve_through_people_and_webhooks(self):
        a = self.job(to="manager")                  # ana's manager, maria: slack
        b = self.job(to="webhook:plain", owner="")
        c = self.job(to="person:maria", owner="", pool="")
        self.assertEqual(len(self.rx.wait(2, "/slack")), 2)
        plain = self.rx.wait(1, "/plain")[0]
        self.assertNotIn("webhook-signature", plain["headers"])  # no secret: unsigned
        self.assertEqual(plain["headers"]["webhook-id"], "msg_lr_" + b)
        for jid in (a, b, c):
            self.wait_gone(jid)

    def test_slack_body_is_one_readable_line(self):
        jid = self.job(to="webhook:sdr-slack")
        req = self.rx.wait(1, "/slack")[0]
        body = json.loads(req["body"])
        self.assertEqual(body["text"],
            "SLA breach: lead 01JDQ5ZRK0000000000000000A missed first_touch (owner ana, "
            "pool emea), level 2 of 3: reassigned to ben")
        # Blocks beside it give the lead's context (docs/notifications.md).
        self.assertEqual(body["blocks"][0]["type"], "header")
        self.assertEqual(req["headers"]["webhook-id"], "msg_lr_" + jid)
        self.assertNotIn("webhook-signature", req["headers"])

    def test_reminder_and_auto_offline_render_for_slack(self):
        self.job(to="webhook:sdr-slack", event={"type": "sla.reminder", "at": 1, "data": {
            "lead": "L1", "clock": "first_touch", "pool": "emea", "owner": "ana",
            "due_at": 1795426200000}})
        self.job(to="webhook:sdr-slack", event={"type": "rep.auto_offline", "at": 2, "data": {
            "rep": "ana", "clock": "first_touch", "misses": 3, "lead": "L2"}})
        texts = sorted(json.loads(r["body"])["text"] for r in self.rx.wait(2, "/slack"))
        self.assertEqual(texts, [
            "Rep ana was set away after missing first_touch 3 times in a row (last: lead L2)",
            "SLA reminder: lead L1 is due for first_touch at 2026-11-23T09:30:00Z "
            "(owner ana, pool emea)"])

    def test_job_due_later_waits(self):
        self.job(due=int(time.time() * 1000) + 1500)
        time.sleep(1.0)
        self.assertEqual(self.rx.got(), [])
        self.rx.wait(1, "/revops", timeout=3)


class RetryTests(NotifyTestCase):

    notify = {"attempts": 4, "backoff": "200ms", "max_backoff": "1s"}

    def test_retries_with_the_same_id_and_body_until_accepted(self):
        self.rx.plan("/revops", 500, 502)
        jid = self.job()
        reqs = self.rx.wait(3, "/revops")
        self.wait_gone(jid)
        self.assertEqual(len(self.rx.got("/revops")), 3)
        self.assertEqual({r["headers"]["webhook-id"] for r in reqs}, {"msg_lr_" + jid})
        self.assertEqual({r["body"] for r in reqs}, {reqs[0]["body"]})
        self.assertTrue(all(verify(SECRET, r["headers"], r["body"]) for r in reqs))
        gaps = [b["at"] - a["at"] for a, b in zip(reqs, reqs[1:])]
        # 200ms then 400ms, each less up to a quarter: the second gap is longer.
        self.assertGreaterEqual(gaps[0], 0.15, gaps)
        self.assertGreater(gaps[1], gaps[0], gaps)
        failures = self.d.events("notification_failed")
        self.assertEqual([(e["id"], e["attempt"], e["error"], e["next"]) for e in failures],
                         [(jid, "1", "HTTP 500", "retry"), (jid, "2", "HTTP 502", "retry")])
        self.assertEqual(self.metric("leadrouted_notification_retries_total"), 2)
        self.assertEqual(self.metric("leadrouted_notifications_delivered_total"), 1)

    def test_connection_refused_is_retried(self):
        self.rx.close()
        jid = self.job()
        wait_for(lambda: self.d.events("notification_failed"), what="a failed attempt")
        e = self.d.events("notification_failed")[0]
        self.assertEqual((e["id"], e["target"], e["next"]), (jid, "revops", "retry"))
        self.assertIn("onnect", e["error"])

    def test_retry_after_is_respected(self):
        self.rx.plan("/revops", (503, {"Retry-After": "1"}))
        self.job()
        reqs = self.rx.wait(2, "/revops", timeout=5)
        self.assertGreaterEqual(reqs[1]["at"] - reqs[0]["at"], 0.9)


class DeadLetterTests(NotifyTestCase):

    def test_dead_letter_after_attempts_then_retry_by_api(self):
        self.rx.plan("/revops", 503, 503, 503)
        jid = self.job()
        f = self.wait_failed(1)[0]
        self.assertEqual(len(self.rx.got("/revops")), 3)
        self.assertEqual((f["id"], f["to"], f["target"], f["attempts"], f["last_error"]),
                         (jid, "owner", "revops", 3, "HTTP 503"))
        self.assertEqual(f["event"], LEVEL_EVENT)
        self.assertIsNotNone(f["created_at"])
        self.assertGreaterEqual(f["failed_at"], f["created_at"])
        self.assertEqual(self.redis.cmd("ZCARD", "lr:outbox"), 0)
        self.assertEqual(self.metric("leadrouted_notifications_failed_total"), 1)
        self.assertEqual(self.d.events("notification_failed")[-1]["next"], "dead_letter")
        time.sleep(0.5)
        self.assertEqual(len(self.rx.got("/revops")), 3)    # nothing more is sent
        # The receiver is fixed (it answers 200 from now on): send it again.
        r = self.d.post("/v1/notifications/failed/%s/retry" % jid)
        self.assertEqual(r.status, 202, r)
        self.assertEqual((r.json["id"], r.json["attempts"], r.json["failed_at"]), (jid, 0, None))
        self.wait_gone(jid)
        reqs = self.rx.got("/revops")
        self.assertEqual(len(reqs), 4)
        self.assertEqual(reqs[3]["headers"]["webhook-id"], "msg_lr_" + jid)
        self.assertEqual(reqs[3]["body"], reqs[0]["body"])
        self.assertEqual(self.failed()["notifications"], [])
        self.assertError(self.d.post("/v1/notifications/failed/%s/retry" % jid), 404, "not_found")

    def test_hanging_receiver_times_out(self):
        self.rx.plan("/revops", ("hang", 5), ("hang", 5), ("hang", 5))
        started = time.time()
        jid = self.job()
        f = self.wait_failed(1)[0]
        self.assertLess(time.time() - started, 4.5)     # three 300ms timeouts, not 5s waits
        self.assertEqual((f["id"], f["attempts"], f["last_error"]),
                         (jid, 3, "timed out after 300ms"))

    def test_gone_receiver_is_not_retried(self):
        self.rx.plan("/revops", 410)
        jid = self.job()
        f = self.wait_failed(1)[0]
        self.assertEqual((f["id"], f["attempts"], f["last_error"]), (jid, 1, "HTTP 410"))
        self.assertEqual(len(self.rx.got()), 1)

    def test_unknown_recipient_goes_straight_to_the_dead_letter_list(self):
        a = self.job(to="webhook:nope")
        b = self.job(to="owner", owner="")
        c = self.job(to="owner", owner="ben")
        d = self.job(to="director")
        got = {f["id"]: f for f in self.wait_failed(4)}
        self.assertEqual({k: (v["last_error"], v["attempts"], v["target"]) for k, v in got.items()}, {
            a: ("no such notify target in the config", 0, None),
            b: ("the lead has no owner", 0, None),
            c: ("the owner has no notify target", 0, None),
            d: ("the pool has no director", 0, None)})
        self.assertEqual(self.rx.got(), [])
        self.assertEqual(self.redis.cmd("ZCARD", "lr:outbox"), 0)

    def test_malformed_event_goes_to_the_dead_letter_list(self):
        jid = self.job(due=int(time.time() * 1000) + 60000)
        self.redis.cmd("HSET", "lr:notification:" + jid, "event", "[1, 2")
        self.redis.cmd("ZADD", "lr:outbox", int(time.time() * 1000), jid)
        f = self.wait_failed(1)[0]
        self.assertEqual((f["id"], f["event"], f["attempts"], f["last_error"]),
                         (jid, None, 0, "the event is not a JSON object with a type"))
        self.assertEqual(self.rx.got(), [])

    def test_retry_errors(self):
        jid = self.job(due=int(time.time() * 1000) + 60000)     # waiting in the outbox
        self.assertError(self.d.post("/v1/notifications/failed/%s/retry" % jid), 409, "not_failed")
        self.assertError(self.d.post("/v1/notifications/failed/999/retry"), 404, "not_found")
        self.assertError(self.d.post("/v1/notifications/failed/abc/retry"), 404, "not_found")
        self.assertEqual(self.d.get("/v1/notifications/failed/1/retry").status, 405)


class PurgeTests(NotifyTestCase):
    """Dead letters can be deleted (one, all, those failed before a time), and
    those older than notify.dead_letter_retention go by themselves."""

    def dead(self, n):
        for _ in range(n):
            self.rx.plan("/revops", 410)
        jids = [self.job() for _ in range(n)]
        self.wait_failed(n)
        return jids

    def test_purge_one_before_and_all(self):
        jids = self.dead(3)
        self.assertError(self.d.delete("/v1/notifications/failed/999"), 404, "not_found")
        self.assertError(self.d.delete("/v1/notifications/failed?before=soon"), 400,
                         "invalid_parameter", "before")
        r = self.d.delete("/v1/notifications/failed/" + jids[0])
        self.assertEqual((r.status, r.json["purged"]), (200, 1), r)
        self.assertEqual(self.redis.cmd("EXISTS", "lr:notification:" + jids[0]), 0)
        r = self.d.delete("/v1/notifications/failed?before=2020-01-01T00:00:00Z")
        self.assertEqual(r.json["purged"], 0)
        r = self.d.delete("/v1/notifications/failed")
        self.assertEqual((r.json["purged"], r.json["more"]), (2, False))
        self.assertEqual(self.failed()["notifications"], [])
        self.assertEqual(self.redis.cmd("KEYS", "lr:notification:*"), [])

    def test_old_dead_letters_expire(self):
        old, new = self.dead(2)
        # One failed two months ago: past the 30-day default, dropped at the next start.
        self.redis.cmd("ZADD", "lr:notifications:failed", int(time.time() * 1000) - 60 * 86400000,
                       old)
        self.d.stop()
        self.d.start()
        wait_for(lambda: self.redis.cmd("EXISTS", "lr:notification:" + old) == 0,
                 what="the old dead letter dropped")
        self.assertEqual([f["id"] for f in self.failed()["notifications"]], [new])
        self.assertEqual(len(self.d.events("notifications_expired")), 1)


class FailedListTests(NotifyTestCase):

    def dead(self, jid, failed_at):
        self.redis.cmd("HSET", "lr:notification:%d" % jid, "id", jid, "to", "webhook:plain",
                       "owner", "", "pool", "", "event", '{"type":"x","at":1,"data":{}}',
                       "created_at", 1000, "attempts", 6, "last_error", "HTTP 500",
                       "failed_at", failed_at)
        self.redis.cmd("ZADD", "lr:notifications:failed", failed_at, jid)

    def ids(self, page):
        return [n["id"] for n in page["notifications"]]

    def test_pages_newest_first(self):
        for jid in range(1, 6):
            self.dead(jid, 1795426200000 + jid)
        p1 = self.failed("?limit=2")
        self.assertEqual(self.ids(p1), ["5", "4"])
        p2 = self.failed("?limit=2&cursor=" + p1["next_cursor"])
        self.assertEqual(self.ids(p2), ["3", "2"])
        p3 = self.failed("?limit=2&cursor=" + p2["next_cursor"])
        self.assertEqual(self.ids(p3), ["1"])
        self.assertIsNone(p3["next_cursor"])
        n = p1["notifications"][0]
        self.assertEqual((n["to"], n["target"], n["attempts"], n["last_error"], n["event"],
                          n["failed_at"], n["created_at"]),
                         ("webhook:plain", "plain", 6, "HTTP 500", {"type": "x", "at": 1, "data": {}},
                          rfc3339(1795426200005), rfc3339(1000)))

    def test_a_page_never_splits_one_millisecond(self):
        self.dead(1, 1000)
        for jid in (2, 3, 4):
            self.dead(jid, 2000)
        self.dead(5, 3000)
        pages, cursor = [], ""
        while True:
            p = self.failed("?limit=2" + cursor)
            pages.append(self.ids(p))
            if p["next_cursor"] is None:
                break
            cursor = "&cursor=" + p["next_cursor"]
        self.assertEqual(pages, [["5"], ["4", "3", "2"], ["1"]])

    def test_parameter_errors(self):
        for q, field in (("?limit=0", "limit"), ("?limit=501", "limit"), ("?cursor=x", "cursor")):
            self.assertError(self.d.get("/v1/notifications/failed" + q), 400, "invalid_parameter",
                             field)


class SharedRedisTests(NotifyTestCase):

    def test_two_daemons_deliver_each_job_once(self):
        self.new_daemon(reps=REPS, extra=notify_section(self.rx))
        jids = [self.job() for _ in range(60)]
        self.rx.wait(60, "/revops")
        for jid in jids:
            self.wait_gone(jid)
        time.sleep(0.5)
        ids = collections.Counter(r["headers"]["webhook-id"] for r in self.rx.got())
        self.assertEqual(ids, collections.Counter("msg_lr_" + j for j in jids))
        delivered = sum(len(d.events("notification_delivered")) for d in self.daemons)
        self.assertEqual(delivered, 60)


class RestartTests(NotifyTestCase):

    persist = True
    notify = {"timeout": "1s"}
    extra_overrides = {"redis_timeout": "500ms"}

    def test_jobs_written_while_down_are_delivered_after_start(self):
        self.assertEqual(self.d.stop(), 0)
        jids = [self.job() for _ in range(3)]
        self.d.start()
        self.rx.wait(3, "/revops", timeout=5)
        for jid in jids:
            self.wait_gone(jid)

    def test_lease_of_a_killed_daemon_runs_out(self):
        self.rx.plan("/revops", ("hang", 5))
        jid = self.job()
        self.rx.wait(1, "/revops")
        self.d.stop(sig=signal.SIGKILL)
        killed = time.time()
        score = float(self.redis.cmd("ZSCORE", "lr:outbox", jid))
        # Leased for the timeout, Redis's timeout and a second of slack: 2.5s.
        self.assertGreater(score, killed * 1000 + 1500)
        self.assertLess(score, killed * 1000 + 2600)
        self.new_daemon(reps=REPS, extra=notify_section(self.rx, timeout="1s"),
                        redis_timeout="500ms")
        reqs = self.rx.wait(2, "/revops", timeout=8)
        self.wait_gone(jid)
        self.assertGreaterEqual(reqs[1]["at"], score / 1000 - 0.1)
        self.assertEqual({r["headers"]["webhook-id"] for r in reqs}, {"msg_lr_" + jid})


class StopTests(NotifyTestCase):

    notify = {"timeout": "5s"}

    def test_stop_gives_back_the_delivery_under_way(self):
        self.rx.plan("/revops", ("hang", 4))
        jid = self.job()
        self.rx.wait(1, "/revops")
        started = time.time()
        self.assertEqual(self.d.stop(), 0)
        self.assertLess(time.time() - started, 3)   # not held up by the receiver
        self.assertEqual(self.d.events("notification_released")[0]["id"], jid)
        self.assertEqual(self.redis.cmd("HGET", "lr:notification:" + jid, "attempts"), "0")
        self.assertLessEqual(float(self.redis.cmd("ZSCORE", "lr:outbox", jid)), time.time() * 1000)
        self.d.start()
        self.wait_gone(jid)
        self.assertEqual(len(self.rx.got("/revops")), 2)


if __name__ == "__main__":
    main()
