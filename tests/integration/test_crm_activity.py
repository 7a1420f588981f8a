"""The CRM closes the loop: activity sources (kind: activity). A call logged in
HubSpot or a Task in Salesforce is a touch on the lead its CRM id names; an
owner changed by hand in the CRM reassigns the lead, with its clocks following
the new owner. Signed like any source, idempotent on the sender's event id."""

import hashlib
import hmac
import json
import time

import harness
from harness import DaemonTestCase, wait_for
from webhook_sink import Sink
from test_sources import sign_hubspot, sign_hex

HUBSPOT_SECRET = "hubspot-client-secret-0123456789"
SF_SECRET = "salesforce-flow-secret-0123456789"
HUBSPOT_URL = "https://leads.example.com/v1/sources/hubspot/events"
SF_LEAD = "00Q5g00000XyZaBCDE"
SUB_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

SOURCES = """\
sources:
  - name: hubspot
    preset: hubspot_activity
    auth: hubspot_v3
    secrets: [%(hubspot)s]
    url: %(url)s
    owners: {ana: "70001", ben: "70002"}
  - name: salesforce
    preset: salesforce_task
    auth: hmac_sha256
    header: X-Signature
    secrets: [%(sf)s]
    owners: {ana: 0055g00000Ana0001, ben: 0055g00000Ben0002}
""" % {"hubspot": HUBSPOT_SECRET, "url": HUBSPOT_URL, "sf": SF_SECRET}


def call_logged(event_id, contact, to_type="0-48", attempt=0, **kw):
    ev = {"eventId": event_id, "subscriptionId": 31001, "portalId": 62515, "appId": 54321,
          "occurredAt": int(time.time() * 1000), "subscriptionType": "object.associationChange",
          "attemptNumber": attempt, "changeSource": "CRM_UI", "associationTypeId": 194,
          "associationCategory": "HUBSPOT_DEFINED", "fromObjectTypeId": "0-1",
          "fromObjectId": contact, "toObjectTypeId": to_type, "toObjectId": 90000 + event_id,
          "associationRemoved": False, "isPrimaryAssociation": False}
    ev.update(kw)
    return ev


def owner_changed(event_id, contact, owner):
    return {"eventId": event_id, "subscriptionId": 31002, "portalId": 62515, "appId": 54321,
            "occurredAt": int(time.time() * 1000), "subscriptionType": "contact.propertyChange",
            "attemptNumber": 0, "objectId": contact, "propertyName": "hubspot_owner_id",
            "propertyValue": owner, "changeSource": "CRM_UI"}


class CrmActivityTests(DaemonTestCase):
    conf_overrides = {"extra": SOURCES}

    def post_hubspot(self, events, secret=HUBSPOT_SECRET):
        body = json.dumps(events).encode()
        ts = int(time.time() * 1000)
        return self.d.post("/v1/sources/hubspot/events", body, headers={
            "Content-Type": "application/json", "X-HubSpot-Request-Timestamp": str(ts),
            "X-HubSpot-Signature-v3": sign_hubspot(secret, "POST", HUBSPOT_URL, body, ts)})

    def post_salesforce(self, event, secret=SF_SECRET):
        body = json.dumps(event).encode()
        return self.d.post("/v1/sources/salesforce/events", body, headers={
            "Content-Type": "application/json", "X-Signature": sign_hex(secret, body)})

    def clock(self, lead_id, name="first_touch"):
        return json.loads(self.redis.cmd("HGET", "lr:lead:%s" % lead_id, "clk:" + name))

    def open_count(self, rep):
        return int(self.redis.cmd("HGET", "lr:rep_open", rep) or 0)

    def history(self, lead_id):
        return self.d.get("/v1/leads/" + lead_id).json["events"]

    def state(self, lead_id):
        return (self.redis.cmd("HGETALL", "lr:lead:%s" % lead_id),
                self.redis.cmd("XLEN", "lr:events"), self.redis.cmd("HGETALL", "lr:rep_open"))

    # HubSpot -----------------------------------------------------------------

    def test_a_call_logged_in_hubspot_stops_the_first_touch_clock(self):
        lead = self.d.lead(email="ada@analytical.example", crm_id=5101, country="DE")
        self.assertEqual(lead["owner"], "ana")
        self.assertEqual(self.open_count("ana"), 1)
        r = self.post_hubspot([call_logged(2201, 5101)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["events"], r.json["touched"], r.json["reassigned"]), (1, 1, 0))
        res = r.json["results"][0]
        self.assertEqual((res["event_id"], res["result"], res["first_touch"]),
                         ("2201", "touched", True), r)
        self.assertEqual((res["lead"]["id"], res["lead"]["owner"], res["lead"]["status"]),
                         (lead["id"], "ana", "touched"))
        st = self.clock(lead["id"])
        self.assertIn("stopped_at", st)
        self.assertFalse(st.get("breached"))
        self.assertEqual(self.open_count("ana"), 0)
        touched = [e for e in self.history(lead["id"]) if e["type"] == "touched"]
        self.assertEqual(len(touched), 1)
        self.assertEqual((touched[0]["rep"], touched[0]["channel"]), ("ana", "call"))
        # HubSpot retries with the same eventId and a higher attemptNumber: a replay.
        before = self.state(lead["id"])
        again = self.post_hubspot([call_logged(2201, 5101, attempt=1)])
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json["results"][0]["result"], "duplicate", again)
        self.assertEqual(again.json["results"][0]["lead"]["id"], lead["id"])
        self.assertEqual(self.state(lead["id"]), before)

    def test_a_badly_signed_delivery_is_refused_and_changes_nothing(self):
        lead = self.d.lead(email="bad@analytical.example", crm_id=5101, country="DE")
        before = self.state(lead["id"])
        r = self.post_hubspot([call_logged(2201, 5101)], secret="not-the-client-secret")
        self.assertError(r, 401, "signature_invalid")
        self.assertEqual(self.state(lead["id"]), before)
        self.assertEqual(self.clock(lead["id"]).get("stopped_at"), None)

    def test_each_event_has_its_own_result(self):
        lead = self.d.lead(email="ev@analytical.example", crm_id=5101, country="DE")
        r = self.post_hubspot([
            call_logged(2301, 9999),                                  # no such contact
            call_logged(2302, 90001, fromObjectTypeId="0-48", toObjectTypeId="0-1"),  # reverse
            call_logged(2303, 5101, to_type="0-46"),                  # a note
            call_logged(2304, 5101, associationRemoved=True),         # taken off
            owner_changed(2305, 5101, "79999"),                       # an owner we do not map
            call_logged(2306, 5101, to_type="0-49"),                  # an email: a touch
        ])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["result"] for x in r.json["results"]],
                         ["refused", "ignored", "ignored", "ignored", "refused", "touched"])
        err = r.json["results"][0]["error"]
        self.assertEqual((err["code"], err["field"]), ("lead_not_found", "crm_id"))
        self.assertEqual(err["message"], "no lead for crm:9999")
        err = r.json["results"][4]["error"]
        self.assertEqual((err["code"], err["field"]), ("unknown_owner", "crm_owner"))
        self.assertIn("79999", err["message"])
        self.assertEqual((r.json["touched"], r.json["refused"], r.json["ignored"]), (1, 2, 3))
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["owner"], "ana")
        self.assertEqual(r.json["results"][5]["lead"]["owner"], "ana")

    def test_an_owner_changed_in_hubspot_reassigns_the_lead(self):
        lead = self.d.lead(email="own@analytical.example", crm_id=5101, country="DE")
        self.assertEqual(lead["owner"], "ana")
        first = self.clock(lead["id"])
        time.sleep(0.01)
        r = self.post_hubspot([owner_changed(2401, 5101, "70002")])
        self.assertEqual(r.status, 200, r)
        res = r.json["results"][0]
        self.assertEqual((res["result"], res["lead"]["owner"], res["lead"]["status"]),
                         ("reassigned", "ben", "assigned"), r)
        self.assertEqual(r.json["reassigned"], 1)
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual(got["owner"], "ben")
        ev = [e for e in got["events"] if e["type"] == "reassigned"]
        self.assertEqual(len(ev), 1)
        self.assertEqual((ev[0]["from"], ev[0]["rep"], ev[0]["by"], ev[0]["reason"]),
                         ("ana", "ben", "crm", "crm_owner_change"))
        # The first-touch clock starts over for ben; ana's slot is freed.
        st = self.clock(lead["id"])
        self.assertEqual(st["owner"], "ben")
        self.assertNotIn("stopped_at", st)
        self.assertGreater(st["started_at"], first["started_at"])
        self.assertEqual((self.open_count("ana"), self.open_count("ben")), (0, 1))
        # The CRM's hand assignment counts in ben's leads today, as a routed one would.
        reps = {r["id"]: r for r in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual((reps["ana"]["leads_today"], reps["ben"]["leads_today"]), (1, 1))
        # The same change again (a retry): a replay; ana's touch is now not hers to log.
        again = self.post_hubspot([owner_changed(2401, 5101, "70002")])
        self.assertEqual(again.json["results"][0]["result"], "duplicate", again)
        self.assertEqual((self.open_count("ana"), self.open_count("ben")), (0, 1))
        # A call ben logs stops his clock.
        r = self.post_hubspot([call_logged(2402, 5101)])
        self.assertEqual(r.json["results"][0]["result"], "touched", r)
        self.assertEqual(self.clock(lead["id"])["owner"], "ben")
        self.assertIn("stopped_at", self.clock(lead["id"]))
        self.assertEqual(self.open_count("ben"), 0)

    def test_an_unknown_owner_changes_nothing(self):
        lead = self.d.lead(email="unk@analytical.example", crm_id=5101, country="DE")
        before = self.state(lead["id"])
        r = self.post_hubspot([owner_changed(2501, 5101, "79999")])
        self.assertEqual(r.json["results"][0]["result"], "refused", r)
        self.assertEqual(self.state(lead["id"]), before)

    def test_an_owner_change_assigns_a_queued_lead_and_hands_over_a_touched_one(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        queued = self.d.lead(email="q@analytical.example", crm_id=5201, country="DE")
        self.assertEqual(queued["status"], "queued")
        r = self.post_hubspot([owner_changed(2601, 5201, "70002")])
        res = r.json["results"][0]
        self.assertEqual((res["result"], res["lead"]["owner"], res["lead"]["status"]),
                         ("reassigned", "ben", "assigned"), r)
        self.assertEqual(self.redis.cmd("ZCARD", "lr:pool:emea:queue"), 0)
        self.assertEqual(self.open_count("ben"), 1)
        ev = [e for e in self.history(queued["id"]) if e["type"] == "assigned"]
        self.assertEqual((ev[0]["rep"], ev[0]["by"], ev[0]["reason"]),
                         ("ben", "crm", "crm_owner_change"))
        self.assertEqual(self.clock(queued["id"])["owner"], "ben")
        # A touched lead was worked: it changes hands, no clock restarts, no count moves.
        self.d.set_status("ana", "available")
        lead = self.d.lead(email="t@analytical.example", crm_id=5202, country="DE")
        self.assertEqual(lead["owner"], "ana")
        self.post_hubspot([call_logged(2602, 5202)])
        stopped = self.clock(lead["id"])
        self.assertIn("stopped_at", stopped)
        counts = (self.open_count("ana"), self.open_count("ben"))
        r = self.post_hubspot([owner_changed(2603, 5202, "70002")])
        res = r.json["results"][0]
        self.assertEqual((res["result"], res["lead"]["owner"], res["lead"]["status"]),
                         ("reassigned", "ben", "touched"), r)
        self.assertEqual(self.clock(lead["id"]), stopped)
        self.assertEqual((self.open_count("ana"), self.open_count("ben")), counts)
        # Already ben's: nothing to change.
        r = self.post_hubspot([owner_changed(2604, 5202, "70002")])
        self.assertEqual(r.json["results"][0]["result"], "ignored", r)


    # Salesforce -------------------------------------------------------------

    def test_salesforce_tasks_touch_and_owner_changes_reassign(self):
        lead = self.d.lead(email="sf@analytical.example", crm_id=SF_LEAD, country="DE")
        self.assertEqual(lead["owner"], "ana")
        task = {"Id": "00T5g00000AbCdEFGH", "WhoId": SF_LEAD, "OwnerId": "0055g00000Ana0001",
                "Type": "Call", "TaskSubtype": "Call", "Event": "task_created",
                "LastModifiedDate": "2026-12-04T06:30:00.000+0000"}
        r = self.post_salesforce(task)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["result"], r.json["first_touch"]), ("touched", True), r)
        self.assertIn("stopped_at", self.clock(lead["id"]))
        again = self.post_salesforce(task)
        self.assertEqual((again.status, again.json["result"]), (200, "duplicate"), again)
        r = self.post_salesforce(dict(task, Id="00T5g00000AbCdEFGX"), secret="wrong")
        self.assertError(r, 401, "signature_invalid")
        # A to-do is no touch.
        todo = dict(task, Id="00T5g00000AbCdEFGJ", Type="Other", TaskSubtype="Task")
        self.assertEqual(self.post_salesforce(todo).json["result"], "ignored")
        self.assertEqual(self.d.get("/v1/leads/" + lead["id"]).json["touches"], 1)

    def test_salesforce_owner_change_restarts_the_clock_for_the_new_owner(self):
        lead = self.d.lead(email="sfo@analytical.example", crm_id=SF_LEAD, country="DE")
        change = {"Id": SF_LEAD, "OwnerId": "0055g00000Ben0002", "Event": "owner_changed",
                  "LastModifiedDate": "2026-12-04T06:33:00.000+0000"}
        r = self.post_salesforce(change)
        self.assertEqual((r.status, r.json["result"], r.json["lead"]["owner"]),
                         (200, "reassigned", "ben"), r)
        st = self.clock(lead["id"])
        self.assertEqual((st["owner"], st.get("stopped_at")), ("ben", None))
        self.assertEqual((self.open_count("ana"), self.open_count("ben")), (0, 1))
        ev = [e for e in self.history(lead["id"]) if e["type"] == "reassigned"]
        self.assertEqual((ev[0]["by"], ev[0]["reason"]), ("crm", "crm_owner_change"))
        # An owner the map does not know: refused, nothing changes.
        before = self.state(lead["id"])
        r = self.post_salesforce(dict(change, OwnerId="0055g00000Zed0009",
                                      LastModifiedDate="2026-12-04T06:34:00.000+0000"))
        self.assertEqual((r.status, r.json["result"], r.json["error"]["code"]),
                         (422, "refused", "unknown_owner"), r)
        self.assertEqual(self.state(lead["id"]), before)
        # ana's task on ben's lead is not hers to log.
        task = {"Id": "00T5g00000AbCdEFGK", "WhoId": SF_LEAD, "OwnerId": "0055g00000Ana0001",
                "Type": "Email", "LastModifiedDate": "2026-12-04T06:35:00.000+0000"}
        r = self.post_salesforce(task)
        self.assertEqual((r.status, r.json["error"]["code"]), (422, "not_owner"), r)


class CrmActivitySubscriptionTests(DaemonTestCase):
    """Subscribers (a CRM write-back among them) read who changed the owner."""

    def setUp(self):
        self.rx = Sink(secrets=[SUB_SECRET])
        self.addCleanup(self.rx.close)
        self.addCleanup(self.rx.assert_all_verified)
        self.addCleanup(self.rx.assert_all_valid)
        self.conf_overrides = {"extra": SOURCES + """\
subscriptions:
  - {id: owners, url: "%s", secrets: ["%s"], events: [lead.assigned, lead.reassigned]}
""" % (self.rx.url("/owners"), SUB_SECRET)}
        super().setUp()

    def test_a_crm_owner_change_says_so_to_subscribers(self):
        lead = self.d.lead(email="sub@analytical.example", crm_id=5101, country="DE")
        body = json.dumps([owner_changed(2701, 5101, "70002")]).encode()
        ts = int(time.time() * 1000)
        r = self.d.post("/v1/sources/hubspot/events", body, headers={
            "Content-Type": "application/json", "X-HubSpot-Request-Timestamp": str(ts),
            "X-HubSpot-Signature-v3": sign_hubspot(HUBSPOT_SECRET, "POST", HUBSPOT_URL, body, ts)})
        self.assertEqual(r.json["results"][0]["result"], "reassigned", r)
        wait_for(lambda: len(self.rx.events("/owners")) >= 2, what="both events delivered")
        got = {b["type"]: b["data"] for b in self.rx.events("/owners")}
        self.assertNotIn("by", got["lead.assigned"])     # the router's own
        self.assertEqual((got["lead.reassigned"]["rep"], got["lead.reassigned"]["from"],
                          got["lead.reassigned"]["by"], got["lead.reassigned"]["reason"]),
                         ("ben", "ana", "crm", "crm_owner_change"))
        self.assertEqual(got["lead.reassigned"]["lead"], lead["id"])


if __name__ == "__main__":
    harness.main()
