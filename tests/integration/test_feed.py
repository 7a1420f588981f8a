"""The escalation feed, GET /v1/escalations/stream: Server-Sent Events from one
reader per daemon, with filters, resuming by Last-Event-ID, keepalives, slow
clients dropped, many idle subscribers and a prompt shutdown."""

import json
import os
import socket
import time

from harness import WRAPPER, DaemonTestCase, main, wait_for

STREAM = "/v1/escalations/stream"
KEY = "lr:escalation_events"

# Appends ARGV[1] entries of pool ARGV[2] whose data carries ARGV[3] bytes of padding.
BULK_XADD = """
local pad = string.rep('x', tonumber(ARGV[3]))
for i = 1, tonumber(ARGV[1]) do
  redis.call('XADD', KEYS[1], '*', 'type', 'escalated', 'pool', ARGV[2],
    'data', '{"n":' .. i .. ',"pad":"' .. pad .. '"}')
end
"""


class SseClient:
    """A Server-Sent Events client on a raw non-blocking socket: reads the head,
    de-chunks the body and splits it into events as far as it has arrived."""

    def __init__(self, port, path=STREAM, headers=None, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" % path
        for k, v in (headers or {}).items():
            req += "%s: %s\r\n" % (k, v)
        self.sock.sendall((req + "\r\n").encode())
        self.sock.setblocking(False)
        self.raw = b""
        self.body = b""
        self.status = None
        self.headers = {}
        self.chunked = False
        self.events = []        # {"id", "event", "data" (parsed JSON)}
        self.comments = []
        self.retry = None
        self.ended = False      # the server finished the body
        self.closed = False     # the connection is closed

    def pump(self):
        """Take in what has arrived, without waiting."""
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:
                self.closed = True
                break
            self.raw += data
            self._parse()
        return self

    def _parse(self):
        if self.status is None:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.raw[:end].decode("latin-1").split("\r\n")
            self.raw = self.raw[end + 4:]
            self.status = int(head[0].split()[1])
            for line in head[1:]:
                k, v = line.split(":", 1)
                self.headers[k.strip().lower()] = v.strip()
            self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
        while self.chunked and not self.ended:
            nl = self.raw.find(b"\r\n")
            if nl < 0:
                break
            size = int(self.raw[:nl].split(b";")[0], 16)
            if len(self.raw) < nl + 2 + size + 2:
                break
            self.body += self.raw[nl + 2:nl + 2 + size]
            self.raw = self.raw[nl + 2 + size + 2:]
            self.ended = size == 0
        if self.status == 200:
            self._split()

    def _split(self):
        while True:
            end = self.body.find(b"\n\n")
            if end < 0:
                return
            block, self.body = self.body[:end].decode(), self.body[end + 2:]
            ev, data = {}, []
            for line in block.split("\n"):
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data":
                    data.append(value)
                elif field == "retry":
                    self.retry = int(value)
                elif field in ("id", "event"):
                    ev[field] = value
            if data:
                ev["data"] = json.loads("\n".join(data))
                self.events.append(ev)

    def wait(self, predicate, timeout=10, what="the stream"):
        return wait_for(lambda: predicate(self.pump()), timeout=timeout, what=what)

    def ids(self):
        return [e["id"] for e in self.events]

    def close(self):
        self.sock.close()


def pump_until(clients, predicate, timeout=20, what="every stream"):
    return wait_for(lambda: all(predicate(c.pump()) for c in clients), timeout=timeout,
                    interval=0.05, what=what)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class FeedTests(DaemonTestCase):

    # A first-touch clock of a second breaches quickly; a long shutdown timeout
    # shows that open streams do not hold the daemon until it runs out.
    conf_overrides = {"first_touch": "1s", "shutdown_timeout": "30s",
                      "http_extra": {"max_connections_per_ip": 1000}}

    def client(self, path=STREAM, **kw):
        c = SseClient(self.d.port, path, **kw)
        self.addCleanup(c.close)
        return c

    def stream(self, query="", **kw):
        c = self.client(STREAM + query, **kw)
        c.wait(lambda c: c.retry is not None, what="the stream to start")
        return c

    def xadd(self, type_, pool, data):
        return self.redis.cmd("XADD", KEY, "*", "type", type_, "pool", pool, "data", json.dumps(data))

    def stream_ids(self):
        return [e[0] for e in self.redis.cmd("XRANGE", KEY, "-", "+")]

    def subscribers(self):
        m = self.d.get("/metrics").raw
        return int(m.split("\nleadrouted_escalation_stream_subscribers ")[1].split()[0])

    def test_live_event_from_a_real_sla_breach(self):
        c = self.stream()
        self.assertEqual(c.status, 200)
        self.assertEqual(c.headers["content-type"], "text/event-stream")
        self.assertEqual(c.headers["cache-control"], "no-cache")
        self.assertEqual(c.retry, 2000)
        lead = self.d.lead(email="a@x.com", country="DE")
        c.wait(lambda c: any(e["event"] == "escalated" for e in c.events), timeout=5,
               what="the escalation")
        time.sleep(0.5)
        escalated = [e for e in c.pump().events if e["event"] == "escalated"]
        self.assertEqual(len(escalated), 1)
        ev = escalated[0]
        self.assertEqual((ev["data"]["lead"], ev["data"]["pool"]), (lead["id"], "emea"))
        entries = {i: dict(zip(f[::2], f[1::2])) for i, f in self.redis.cmd("XRANGE", KEY, "-", "+")}
        self.assertEqual(entries[ev["id"]]["type"], "escalated")
        self.assertEqual(ev["data"], json.loads(entries[ev["id"]]["data"]))
        self.assertEqual(c.ids(), list(entries))

    def test_pool_filter(self):
        emea, amer, every = self.stream("?pool=emea"), self.stream("?pool=amer"), self.stream()
        ids = [self.xadd("escalated", p, {"n": i}) for i, p in enumerate(["emea", "amer", "", "emea"])]
        pump_until([every], lambda c: len(c.events) == 4)
        pump_until([emea, amer], lambda c: len(c.events) >= 1)
        time.sleep(0.5)
        self.assertEqual(every.pump().ids(), ids)
        self.assertEqual(emea.pump().ids(), [ids[0], ids[3]])
        self.assertEqual(amer.pump().ids(), [ids[1]])
        self.assertEqual([e["data"]["n"] for e in emea.events], [0, 3])

    def test_new_stream_starts_with_new_events_only(self):
        self.xadd("escalated", "emea", {"n": 0})
        c = self.stream()
        new = self.xadd("escalated", "emea", {"n": 1})
        c.wait(lambda c: c.events)
        time.sleep(0.5)
        self.assertEqual(c.pump().ids(), [new])

    def test_resume_reads_missed_events_from_redis(self):
        # Nobody else listens, so the reader stops: the backlog comes from the stream.
        c = self.stream()
        first = self.xadd("escalated", "emea", {"n": 0})
        c.wait(lambda c: c.events)
        c.close()
        wait_for(lambda: self.subscribers() == 0, what="the subscriber to go")
        for i in range(1, 6):
            self.xadd("acknowledged", "amer", {"n": i})
        leads = [self.d.lead(email="r%d@x.com" % i, country="DE") for i in range(3)]
        wait_for(lambda: self.redis.cmd("XLEN", KEY) >= 9, what="three breaches")
        r = self.stream(headers={"Last-Event-ID": first})
        r.wait(lambda c: len(c.events) >= 8)
        time.sleep(0.5)
        missed = self.stream_ids()[1:]
        self.assertEqual(r.pump().ids(), missed)
        self.assertEqual({e["data"]["lead"] for e in r.events if e["event"] == "escalated"},
                         {l["id"] for l in leads})
        live = self.xadd("escalated", "emea", {"n": 9})
        r.wait(lambda c: live in c.ids())
        time.sleep(0.5)
        self.assertEqual(r.pump().ids(), missed + [live])

    def test_resume_from_the_ring_while_others_listen(self):
        keeper, c = self.stream(), self.stream()
        first = self.xadd("escalated", "emea", {"n": 0})
        c.wait(lambda c: c.events)
        c.close()
        missed = [self.xadd("escalated", "emea", {"n": i}) for i in range(1, 4)]
        keeper.wait(lambda c: len(c.events) == 4)
        r = self.stream("?last_event_id=" + first)
        r.wait(lambda c: len(c.events) >= 3)
        live = self.xadd("escalated", "emea", {"n": 4})
        r.wait(lambda c: len(c.events) >= 4)
        time.sleep(0.5)
        self.assertEqual(r.pump().ids(), missed + [live])

    def test_resume_across_a_long_backlog_then_the_ring(self):
        # More missed events than the reader keeps: backlog pages, then the ring.
        n = 1500
        keeper, c = self.stream(), self.stream()
        first = self.xadd("escalated", "emea", {"n": 0})
        c.wait(lambda c: c.events)
        c.close()
        self.redis.cmd("EVAL", BULK_XADD, 1, KEY, n, "emea", 10)
        keeper.wait(lambda c: len(c.events) == n + 1, timeout=30)
        r = self.stream(headers={"Last-Event-ID": first})
        r.wait(lambda c: len(c.events) >= n, timeout=30)
        live = self.xadd("escalated", "emea", {"n": n + 1})
        r.wait(lambda c: len(c.events) >= n + 1)
        time.sleep(0.5)
        self.assertEqual(r.pump().ids(), self.stream_ids()[1:])
        self.assertEqual(r.ids()[-1], live)
        self.assertEqual([e["data"]["n"] for e in r.events[:n]], list(range(1, n + 1)))

    def test_resume_from_zero_sends_the_whole_stream(self):
        ids = [self.xadd("escalated", "emea", {"n": i}) for i in range(3)]
        r = self.stream(headers={"Last-Event-ID": "0-0"})
        r.wait(lambda c: len(c.events) >= 3)
        time.sleep(0.3)
        self.assertEqual(r.pump().ids(), ids)

    def test_bad_parameters_get_400(self):
        for bad in ("nope", "1", "1-", "-1", "1-2-3", "1-x", "18446744073709551616-0"):
            self.assertError(self.d.get(STREAM, headers={"Last-Event-ID": bad}),
                             400, "invalid_parameter", "Last-Event-ID")
        self.assertError(self.d.get(STREAM + "?last_event_id=abc"),
                         400, "invalid_parameter", "last_event_id")
        self.assertError(self.d.get(STREAM + "?pool=no%20such"), 400, "invalid_parameter", "pool")
        self.assertEqual(self.subscribers(), 0)

    def test_idle_stream_gets_keepalive_comments(self):
        c = self.stream()
        c.wait(lambda c: "keepalive" in c.comments, timeout=25, what="a keepalive")
        self.assertEqual(c.events, [])

    def test_too_slow_client_is_dropped_and_resumes(self):
        slow = self.stream(rcvbuf=4096)
        first = self.xadd("escalated", "emea", {"n": 0})
        slow.wait(lambda c: c.events)
        # It stops reading; far more than its buffer plus the kernel's comes.
        self.redis.cmd("EVAL", BULK_XADD, 1, KEY, 3000, "emea", 4000)
        wait_for(lambda: self.d.events("feed_subscriber_dropped"), timeout=30,
                 what="the slow subscriber to be dropped")
        wait_for(lambda: self.subscribers() == 0, timeout=10, what="its connection to close")
        slow.close()
        r = self.stream(headers={"Last-Event-ID": first})
        r.wait(lambda c: len(c.events) >= 3000, timeout=60)
        self.assertEqual(r.ids(), self.stream_ids()[1:])

    def test_many_idle_subscribers_are_cheap_and_all_get_the_next_event(self):
        clients = [self.client() for _ in range(200)]
        pump_until(clients, lambda c: c.retry is not None, timeout=30)
        self.assertEqual(self.subscribers(), 200)
        self.assertIn("\nleadrouted_http_requests_in_flight 0\n", self.d.get("/metrics").raw)
        pid = self.d.proc.pid
        t0, c0 = time.monotonic(), cpu_seconds(pid)
        time.sleep(3)
        load = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        print("\n  daemon CPU with 200 idle subscribers: %.1f%% of a core" % (100 * load))
        if not WRAPPER:
            self.assertLess(load, 0.5)
        lead = self.d.lead(email="many@x.com", country="DE")
        def escalated(c):
            return [e["data"]["lead"] for e in c.events if e["event"] == "escalated"]
        pump_until(clients, escalated, timeout=15)
        self.assertEqual({tuple(escalated(c)) for c in clients}, {(lead["id"],)})
        for c in clients[:100]:
            c.close()
        wait_for(lambda: self.subscribers() == 100, timeout=5, what="closed streams to be noticed")
        for c in clients[100:]:
            c.close()
        wait_for(lambda: self.subscribers() == 0, timeout=5, what="every stream to be gone")

    def test_sigterm_ends_open_streams_and_exits_promptly(self):
        clients = [self.client() for _ in range(20)]
        pump_until(clients, lambda c: c.retry is not None)
        t0 = time.monotonic()
        rc = self.d.stop()
        took = time.monotonic() - t0
        print("\n  exit with 20 open streams took %.2fs" % took)
        self.assertEqual(rc, 0)
        self.assertLess(took, 10)
        pump_until(clients, lambda c: c.closed, timeout=5)
        self.assertTrue(all(c.ended for c in clients))
        self.assertIn(" event=stopped ", self.d.log())


if __name__ == "__main__":
    main()
