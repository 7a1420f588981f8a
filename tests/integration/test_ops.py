"""Health, metrics, logs without PII, the event stream, the key prefix, systemd."""

import os
import re
import signal
import socket
import time

from harness import DaemonTestCase, main, wait_for


class OpsTests(DaemonTestCase):

    conf_overrides = {"prefix": "acme"}

    def test_healthz_reports_redis_and_config_version(self):
        r = self.d.get("/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")
        self.assertEqual(r.json["redis"], "up")
        self.assertRegex(r.json["config_version"], r"^[0-9a-f]{12}$")

    def test_metrics_count_what_happened(self):
        self.d.lead(email="a@x.com", country="DE")
        self.d.lead(email="b@x.com", country="DE")
        self.d.post("/v1/leads", {"email": "a@x.com"}, headers={"Idempotency-Key": "m1"})
        self.d.post("/v1/leads", {"email": "a@x.com"}, headers={"Idempotency-Key": "m1"})
        self.d.set_status("cy", "away")
        self.d.set_status("dee", "away")
        self.d.lead(email="c@x.com", country="US")
        self.d.post("/v1/leads", {"first_name": "x"})
        r = self.d.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"))
        m = r.raw
        for line in ("leadrouted_leads_received_total 4",
                     "leadrouted_leads_duplicate_total 1",
                     "leadrouted_leads_invalid_total 1",
                     'leadrouted_leads_assigned_total{via="arrival"} 3',
                     'leadrouted_leads_queued_total 1',
                     'leadrouted_http_requests_total{code="201"} 4',
                     # healthz at start-up, the repeat, two status changes
                     'leadrouted_http_requests_total{code="200"} 4',
                     'leadrouted_http_requests_total{code="422"} 1',
                     "leadrouted_redis_errors_total 0",
                     "leadrouted_http_requests_in_flight 0",
                     "leadrouted_redis_connected 1"):
            self.assertIn(line + "\n", m)
        # Every answer is timed once. On a busy machine the harness may have
        # polled /healthz more than once at start-up (503: Redis not yet up).
        by_code = {c: int(n) for c, n in
                   re.findall(r'^leadrouted_http_requests_total\{code="(\d+)"\} (\d+)$', m, re.M)}
        self.assertEqual(set(by_code) - {"503"}, {"200", "201", "422"}, by_code)
        timed = int(re.search(r"^leadrouted_http_request_duration_seconds_count (\d+)$", m,
                              re.M).group(1))
        self.assertEqual(timed, sum(by_code.values()))
        self.assertEqual(timed - by_code.get("503", 0), 9)

    def test_logs_never_carry_email_or_phone(self):
        self.d.lead(email="secret.person@private.example", phone="+49 151 2345678", country="DE")
        self.d.post("/v1/leads", {"email": "broken@", "phone": "+49 151 7654321"})
        # The log is read beside the requests: wait for the line, not a quiet machine.
        log = wait_for(lambda: "event=lead_assigned" in self.d.log() and self.d.log(),
                       what="the lead_assigned line")
        self.assertNotIn("secret.person", log)
        self.assertNotIn("private.example", log)
        self.assertNotIn("2345678", log)
        self.assertNotIn("7654321", log)

    def test_event_stream_records_the_lead_lifecycle(self):
        lead = self.d.lead(email="s@x.com", country="DE")
        self.d.post("/v1/leads/%s/touch" % lead["id"], {"rep": "ana", "channel": "call"})
        entries = self.redis.cmd("XRANGE", "acme:events", "-", "+")
        events = [dict(zip(f[::2], f[1::2])) for _, f in entries]
        self.assertEqual([(e["type"], e["lead"]) for e in events],
                         [("received", lead["id"]), ("assigned", lead["id"]),
                          ("touched", lead["id"]), ("clock", lead["id"])])
        # The route clock, met by the assignment, is named on its entry.
        self.assertEqual((events[1]["rep"], events[1]["met"]), ("ana", "route"))
        self.assertEqual(events[2]["channel"], "call")
        self.assertEqual((events[3]["clock"], events[3]["result"], events[3]["rep"]),
                         ("first_touch", "met", "ana"))
        self.assertNotIn("s@x.com", str(entries))

    def test_every_key_lives_under_the_prefix(self):
        self.d.lead(email="p@x.com", country="DE", event_id="e-1")
        self.d.set_status("ben", "away")
        keys = self.redis_keys()
        self.assertTrue(keys)
        self.assertEqual([k for k in keys if not k.startswith("acme:")], [])



class SystemdTests(DaemonTestCase):
    """sd_notify as systemd sees it: a datagram socket named by NOTIFY_SOCKET."""

    def test_ready_watchdog_reload_and_stop_notices(self):
        path = os.path.join(self.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(0.05)
        messages = []

        def drain():
            try:
                while True:
                    messages.append(sock.recv(4096).decode())
            except socket.timeout:
                pass
            return messages

        self.d.stop()
        self.d.start(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
        wait_for(lambda: any("READY=1" in m for m in drain()), what="READY=1")
        ready = [m for m in messages if "READY=1" in m][0]
        self.assertIn("STATUS=listening on 127.0.0.1 port %d" % self.d.port, ready)
        del messages[:]
        time.sleep(0.5)
        pings = [m for m in drain() if m == "WATCHDOG=1"]
        self.assertGreaterEqual(len(pings), 3)       # every 100 ms: half the interval
        self.assertLessEqual(len(pings), 7)
        self.d.send_signal(signal.SIGHUP)
        wait_for(lambda: any("RELOADING=1" in m for m in drain()), what="RELOADING=1")
        wait_for(lambda: any("READY=1" in m for m in drain()), what="READY=1 after the reload")
        self.d.send_signal(signal.SIGTERM)
        wait_for(lambda: any("STOPPING=1" in m for m in drain()), what="STOPPING=1")
        self.assertEqual(self.d.stop(), 0)
        sock.close()

    def test_signals_repeated_while_stopping_do_not_kill_it(self):
        """A supervisor's second TERM, however late in the shutdown, still ends in exit 0."""
        proc = self.d.proc
        proc.send_signal(signal.SIGTERM)
        while proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                break
            time.sleep(0.002)
        self.assertEqual(proc.wait(10), 0)
        self.d.proc = None


if __name__ == "__main__":
    main()
