"""The gauges a pager needs, read from Redis into GET /metrics: each pool's
queue depth and the age of its oldest lead, open escalations, dead letters
and outbound backlogs, against a real redis-server and daemon."""

import re
import time

from harness import DaemonTestCase, free_port, main, wait_for
from test_notify import Receiver

SAMPLE = re.compile(r'^(leadrouted_[a-z_]+)(\{[^}]*\})? (\S+)$')

REPS = """\
  - {id: ana, name: Ana Ruiz}
  - {id: ben, name: Ben Okafor}
  - {id: cy, name: Cy Young}
  - {id: dee, name: Dee Long}
"""


def escalation_section(url):
    """Every breach notifies one webhook target at once, tried 3 times."""
    return """\
notify:
  attempts: 3
  backoff: 1s
  max_backoff: 1s
  timeout: 500ms
  targets:
    - {id: pager, url: "%s", format: json}
escalation:
  - {after: 0s, notify: [webhook:pager]}
""" % url


def subscription_section(url):
    return """\
subscriptions:
  - {id: crm, url: "%s", events: [lead.assigned], attempts: 1, secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]}
""" % url


class GaugesTestCase(DaemonTestCase):

    def gauges(self):
        """Every leadrouted_ sample of /metrics: {name: {labels: value}}."""
        r = self.d.get("/metrics")
        self.assertEqual(r.status, 200, r)
        out = {}
        for line in r.raw.splitlines():
            m = SAMPLE.match(line)
            if m:
                out.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
        return out

    def gauge(self, name, labels=""):
        return self.gauges().get(name, {}).get(labels)

    def wait_gauge(self, name, labels, value, timeout=12):
        """Until the gauge reads value (scrapes nudge a read at most once a second)."""
        return wait_for(lambda: self.gauge(name, labels) == value, timeout=timeout,
                        interval=0.2, what="%s%s == %s (now %s)" % (
                            name, labels, value, self.gauge(name, labels)))


class QueueGaugeTests(GaugesTestCase):

    def test_queued_lead_shows_depth_and_a_growing_age_then_drains(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        lead = self.d.lead(email="q@x.com", country="DE")
        self.assertEqual(lead["status"], "queued")
        self.wait_gauge("leadrouted_queue_depth", '{pool="emea"}', 1)
        self.assertEqual(self.gauge("leadrouted_queue_depth", '{pool="amer"}'), 0)
        self.assertEqual(self.gauge("leadrouted_queue_oldest_age_seconds", '{pool="amer"}'), 0)
        first = self.gauge("leadrouted_queue_oldest_age_seconds", '{pool="emea"}')
        self.assertGreater(first, 0)
        time.sleep(1.1)
        second = self.gauge("leadrouted_queue_oldest_age_seconds", '{pool="emea"}')
        self.assertGreaterEqual(second - first, 1.0)
        self.assertLess(second, 30)
        self.d.set_status("ana", "available")     # drains the queue to her
        self.wait_gauge("leadrouted_queue_depth", '{pool="emea"}', 0)
        self.assertEqual(self.gauge("leadrouted_queue_oldest_age_seconds", '{pool="emea"}'), 0)
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["owner"], "ana")

    def test_gauges_are_dropped_when_redis_is_gone(self):
        self.wait_gauge("leadrouted_escalations_open", "", 0)
        self.redis.stop()
        try:
            wait_for(lambda: "leadrouted_queue_depth" not in self.gauges(), timeout=25,
                     interval=0.5, what="the gauges to be dropped")
            age = self.gauge("leadrouted_shared_gauges_age_seconds")
            self.assertGreater(age, 15)
            self.assertNotIn("leadrouted_escalations_open", self.gauges())
        finally:
            self.redis.start()
        self.wait_gauge("leadrouted_escalations_open", "", 0, timeout=20)
        self.assertLess(self.gauge("leadrouted_shared_gauges_age_seconds"), 6)


class EscalationGaugeTests(GaugesTestCase):

    def setUp(self):
        self.rx = Receiver()
        self.addCleanup(self.rx.close)
        self.conf_overrides = dict(reps=REPS, first_touch="1s",
                                   extra=escalation_section(self.rx.url("/pager")))
        super().setUp()

    def test_open_escalation_counts_until_acknowledged(self):
        self.assertEqual(self.d.lead(email="e@x.com", country="DE")["owner"], "ana")
        self.wait_gauge("leadrouted_escalations_open", "", 1)
        self.rx.wait(1, "/pager")
        self.wait_gauge("leadrouted_outbound_backlog",
                        '{kind="notifications",recipient="webhook:pager"}', None)
        eid = self.d.get("/v1/escalations?status=open").json["escalations"][0]["id"]
        r = self.d.post("/v1/escalations/%s/ack" % eid, {"by": "maria"})
        self.assertEqual(r.status, 200, r)
        self.wait_gauge("leadrouted_escalations_open", "", 0)
        self.assertEqual(self.gauge("leadrouted_dead_letters", '{kind="notifications"}'), 0)


class FailingTargetGaugeTests(GaugesTestCase):

    def setUp(self):
        down = "http://127.0.0.1:%d/pager" % free_port()     # nothing listens there
        self.conf_overrides = dict(reps=REPS, first_touch="1s",
                                   extra=escalation_section(down) + subscription_section(down))
        super().setUp()

    def test_failing_target_shows_backlog_then_dead_letters(self):
        self.d.lead(email="f@x.com", country="DE")
        # The subscription's one attempt fails at once: a dead letter, and once
        # its group has read past the lead's other events, nothing waiting.
        self.wait_gauge("leadrouted_dead_letters", '{kind="subscription",subscription="crm"}', 1)
        self.wait_gauge("leadrouted_outbound_backlog",
                        '{kind="subscription",subscription="crm"}', 0)
        # The breach's notification is retried for about two seconds, then dead-lettered.
        self.wait_gauge("leadrouted_outbound_backlog",
                        '{kind="notifications",recipient="webhook:pager"}', 1)
        self.assertEqual(self.gauge("leadrouted_dead_letters", '{kind="notifications"}'), 0)
        self.wait_gauge("leadrouted_dead_letters", '{kind="notifications"}', 1)
        self.assertIsNone(self.gauge("leadrouted_outbound_backlog",
                                     '{kind="notifications",recipient="webhook:pager"}'))
        self.assertEqual(self.gauge("leadrouted_escalations_open"), 1)
        # Sent again by hand: back in the outbox, then dead again.
        jid = self.d.get("/v1/notifications/failed").json["notifications"][0]["id"]
        self.assertEqual(self.d.post("/v1/notifications/failed/%s/retry" % jid).status, 202)
        self.assertEqual(self.redis.cmd("HGET", "lr:outbox:to", "webhook:pager"), "1")
        self.wait_gauge("leadrouted_outbound_backlog",
                        '{kind="notifications",recipient="webhook:pager"}', 1)
        self.wait_gauge("leadrouted_outbound_backlog",
                        '{kind="notifications",recipient="webhook:pager"}', None)
        self.assertEqual(self.gauge("leadrouted_dead_letters", '{kind="notifications"}'), 1)
        self.assertEqual(self.redis.cmd("HGETALL", "lr:outbox:to"), [])


if __name__ == "__main__":
    main()
