#!/usr/bin/env python3
"""The owner written back to HubSpot: a CRM connector delivered as an event
subscription, against a stand-in that checks what HubSpot documents
(hubspot_standin.py): owner on assignment and reassignment, latest wins under
retries out of order, lookup by email, contacts created, lead status by stage,
rate limits, the CRM down and back, and dead letters with the CRM's words."""
import json

from harness import DaemonTestCase, main, wait_for
from hubspot_standin import HubSpotStandin
from salesforce_standin import SalesforceStandin

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
OWNERS = {"ana": "111", "ben": "222", "cy": "333"}

REPS = """\
  - {id: ana, name: Ana Ruiz}
  - {id: ben, name: Ben Okafor}
  - {id: cy, name: Cy Young}
  - {id: dee, name: Dee Long}
"""

POOLS = """\
  - id: emea
    reps: [ana, ben, cy]
  - id: amer
    reps: [dee]
"""


def crm_section(hs, owners=OWNERS, extra=None, escalation=""):
    conn = {"id": "hubspot", "type": "hubspot", "api_url": hs.api_url, "token": TOKEN,
            "owners": owners}
    conn.update(extra or {})
    return ("notify:\n  backoff: 100ms\n  max_backoff: 1s\n  timeout: 1s\n"
            "crm:\n  - %s\n%s" % (json.dumps(conn), escalation))


class CrmTestCase(DaemonTestCase):

    connector = {}
    escalation = ""
    first_touch = "1h"
    owners = OWNERS

    def setUp(self):
        self.hs = HubSpotStandin(token=TOKEN, owners=self.owners.values())
        self.addCleanup(self.hs.close)
        self.addCleanup(self.hs.assert_clean)
        self.conf_overrides = dict(reps=REPS, pools=POOLS, first_touch=self.first_touch,
                                   extra=crm_section(self.hs, self.owners, self.connector,
                                                     self.escalation))
        super().setUp()

    def status(self):
        subs = {s["id"]: s for s in self.d.get("/v1/subscriptions").json["subscriptions"]}
        return subs["hubspot"]

    def caught_up(self):
        st = self.status()
        return (st["unread"], st["pending"], st["retrying"]) == (0, 0, 0) and st

    def owner_of(self, cid):
        return self.hs.contacts[cid].get("hubspot_owner_id")

    def dead_letters(self):
        return self.d.get("/v1/subscriptions/hubspot/dead_letters").json["dead_letters"]


class WriteBackTests(CrmTestCase):

    def test_owner_set_on_assignment(self):
        cid = self.hs.add_contact(email="jane@acme.de")
        lead = self.d.lead(email="jane@acme.de", country="DE", crm_id=cid)
        self.assertEqual(lead["owner"], "ana")
        wait_for(lambda: self.owner_of(cid) == "111", timeout=5, what="the owner in HubSpot")
        patch = self.hs.got("PATCH")[0]
        self.assertEqual(patch["path"], "/crm/v3/objects/contacts/" + cid)
        self.assertEqual(patch["json"], {"properties": {"hubspot_owner_id": "111"}})
        self.assertEqual(patch["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertEqual(self.hs.got("POST"), [])   # known by id: no search
        st = wait_for(self.caught_up, timeout=5, what="caught up")
        self.assertEqual(st["delivers_to"], "hubspot")
        self.assertEqual(st["events"], ["lead.assigned", "lead.reassigned"])

    def test_found_by_email_without_crm_id(self):
        cid = self.hs.add_contact(email="Jane@Acme.de")
        self.d.lead(email="jane@acme.de", country="DE")
        wait_for(lambda: self.owner_of(cid) == "111", timeout=5, what="the owner in HubSpot")
        search = self.hs.got("POST", "/crm/v3/objects/contacts/search")[0]
        self.assertEqual(search["json"]["filterGroups"], [{"filters": [
            {"propertyName": "email", "operator": "EQ", "value": "jane@acme.de"}]}])
        self.assertEqual(self.hs.got("POST", "/crm/v3/objects/contacts"), [search])

    def test_no_contact_and_create_missing_off_is_a_dead_letter(self):
        lead = self.d.lead(email="nobody@acme.de", country="DE")
        dl = wait_for(lambda: self.dead_letters(), timeout=5, what="a dead letter")
        self.assertEqual(dl[0]["lead"] if "lead" in dl[0] else lead["id"], lead["id"])
        self.assertIn("HubSpot has no contact with the lead's email (create_missing is off)",
                      dl[0]["last_error"])
        self.assertEqual(self.hs.contacts, {})

    def test_rep_without_owner_id_is_a_dead_letter(self):
        lead = self.d.lead(email="us@corp.com", country="US", crm_id=self.hs.add_contact(
            email="us@corp.com"))
        self.assertEqual(lead["owner"], "dee")
        dl = wait_for(lambda: self.dead_letters(), timeout=5, what="a dead letter")
        self.assertEqual(dl[0]["attempts"], 1)
        self.assertIn('rep "dee" has no HubSpot owner id (crm hubspot: owners)',
                      dl[0]["last_error"])
        self.assertEqual(self.hs.got("PATCH"), [])
        self.assertIn("no HubSpot owner id", self.status()["last_error"])

    def test_deleted_contact_is_a_dead_letter_with_hubspots_message(self):
        self.d.lead(email="gone@acme.de", country="DE", crm_id="99999")
        dl = wait_for(lambda: self.dead_letters(), timeout=5, what="a dead letter")
        self.assertEqual(dl[0]["attempts"], 1)
        self.assertIn("HubSpot 404 OBJECT_NOT_FOUND: resource not found", dl[0]["last_error"])

    def test_rate_limit_backs_off_and_writes(self):
        cid = self.hs.add_contact(email="r@acme.de")
        self.hs.plan(("ratelimited", 1), ("ratelimited", None), path="/crm/v3/objects/contacts/")
        self.d.lead(email="r@acme.de", country="DE", crm_id=cid)
        wait_for(lambda: self.owner_of(cid) == "111", timeout=20, what="the owner after 429s")
        patches = self.hs.got("PATCH")
        self.assertEqual([p["status"] for p in patches], [429, 429, 200])
        # Retry-After: 1 waited a second; without one, HubSpot's ten-second window.
        self.assertGreaterEqual(patches[1]["at"] - patches[0]["at"], 0.9)
        self.assertGreaterEqual(patches[2]["at"] - patches[1]["at"], 9.0)
        self.assertEqual(self.dead_letters(), [])

    def test_timeout_is_tried_again(self):
        cid = self.hs.add_contact(email="t@acme.de")
        self.hs.plan(("hang", 2), path="/crm/v3/objects/contacts/")   # notify.timeout is 1s
        self.d.lead(email="t@acme.de", country="DE", crm_id=cid)
        wait_for(lambda: len(self.hs.got("PATCH")) >= 2 and self.owner_of(cid) == "111",
                 timeout=10, what="the owner after a timeout")
        failed = self.d.events("subscription_failed")
        self.assertIn("timed out after 1000ms", failed[0]["error"])
        self.assertEqual(failed[0]["next"], "retry")

    def test_a_refused_token_is_a_dead_letter_with_hubspots_message(self):
        self.hs.token = "pat-na1-rotated"
        self.d.lead(email="a@acme.de", country="DE", crm_id=self.hs.add_contact(email="a@acme.de"))
        dl = wait_for(lambda: self.dead_letters(), timeout=5, what="a dead letter")
        self.assertIn("HubSpot 401 INVALID_AUTHENTICATION: Authentication credentials not found",
                      dl[0]["last_error"])
        self.hs.requests.clear()    # the old token broke the stand-in's rule, as meant

    def test_crm_down_then_back_loses_nothing(self):
        ids = [self.hs.add_contact(email="d%d@acme.de" % i) for i in range(4)]
        self.hs.down()
        self.hs.plan(503, 503)
        leads = [self.d.lead(email="d%d@acme.de" % i, country="DE", crm_id=ids[i])
                 for i in range(4)]
        wait_for(lambda: len(self.d.events("subscription_failed")) >= 8, timeout=10,
                 what="failed attempts while HubSpot is down")
        self.hs.up()
        for lead, cid in zip(leads, ids):
            wait_for(lambda: self.owner_of(cid) == OWNERS[lead["owner"]], timeout=10,
                     what="every owner once HubSpot is back")
        wait_for(self.caught_up, timeout=5, what="caught up")
        self.assertEqual(self.dead_letters(), [])


class CreateTests(CrmTestCase):

    connector = {"create_missing": True}

    def test_missing_contact_is_created_with_its_owner(self):
        self.d.lead(email="new@acme.de", country="DE", first_name="Nia", last_name="Osei",
                    company="Acme")
        wait_for(lambda: self.hs.contacts, timeout=5, what="a contact created")
        (cid, props), = self.hs.contacts.items()
        self.assertEqual(props, {"email": "new@acme.de", "firstname": "Nia", "lastname": "Osei",
                                 "company": "Acme", "hubspot_owner_id": "111"})
        create = self.hs.got("POST", "/crm/v3/objects/contacts")[-1]
        self.assertEqual(create["path"], "/crm/v3/objects/contacts")
        self.assertEqual(create["status"], 201)
        wait_for(self.caught_up, timeout=5, what="caught up")


class LeadStatusTests(CrmTestCase):

    connector = {"lead_status": {"property": "hs_lead_status",
                                 "stages": {"mql": "NEW", "sal": "OPEN"}}}

    def test_status_follows_the_stage(self):
        cid = self.hs.add_contact(email="s@acme.de")
        lead = self.d.lead(email="s@acme.de", country="DE", crm_id=cid)
        wait_for(lambda: self.hs.contacts[cid].get("hs_lead_status") == "NEW", timeout=5,
                 what="NEW on assignment")
        self.assertEqual(self.owner_of(cid), "111")
        r = self.d.post("/v1/leads/%s/accept" % lead["id"], {"rep": "ana"})
        self.assertEqual(r.status, 200, r)
        wait_for(lambda: self.hs.contacts[cid].get("hs_lead_status") == "OPEN", timeout=5,
                 what="OPEN once accepted")
        self.assertIn("lead.accepted", self.status()["events"])


class ReassignTests(CrmTestCase):

    # Every owner misses the first touch at once: ana → ben → cy within seconds.
    first_touch = "1s"
    escalation = "escalation:\n  - {after: 0s, reassign: next_available}\n"

    def reassigned_to_cy(self, lead):
        return wait_for(lambda: (lambda l: len(l["owners"]) == 3 and l)(
            self.d.get("/v1/leads/" + lead["id"]).json), timeout=10, what="two reassignments")

    def test_owner_follows_reassignment(self):
        cid = self.hs.add_contact(email="re@acme.de")
        lead = self.d.lead(email="re@acme.de", country="DE", crm_id=cid)
        wait_for(lambda: self.owner_of(cid) == "111", timeout=5, what="ana first")
        self.assertEqual(self.reassigned_to_cy(lead)["owner"], "cy")
        wait_for(lambda: self.owner_of(cid) == "333", timeout=5, what="cy last")
        wait_for(self.caught_up, timeout=5, what="caught up")
        self.assertEqual(self.owner_of(cid), "333")

    def test_retries_out_of_order_end_with_the_last_owner(self):
        cid = self.hs.add_contact(email="burst@acme.de")
        path = "/crm/v3/objects/contacts/" + cid
        # Every write fails until the lead has gone ana → ben → cy: the three
        # events' retries then come back in whatever order their backoff says.
        self.hs.plan(*[503] * 200, path=path)
        lead = self.d.lead(email="burst@acme.de", country="DE", crm_id=cid)
        self.assertEqual(self.reassigned_to_cy(lead)["owner"], "cy")
        wait_for(lambda: self.status()["retrying"] >= 2, timeout=5, what="events retrying")
        self.hs.clear_plans()
        wait_for(self.caught_up, timeout=15, what="every event delivered")
        self.assertEqual(self.owner_of(cid), "333")
        # Whatever event a write was for (ana's assignment, ben's), it sent the
        # lead's owner as it was when sent: cy's, never an older one.
        sent = [p["json"]["properties"]["hubspot_owner_id"] for p in self.hs.got("PATCH")
                if p["status"] == 200]
        self.assertGreaterEqual(len(sent), 2)
        self.assertEqual(set(sent), {"333"})
        failed = [p["json"]["properties"]["hubspot_owner_id"] for p in self.hs.got("PATCH")
                  if p["status"] == 503]
        self.assertEqual(failed[0], "111")      # ana's write was among those retried
        self.assertEqual(self.dead_letters(), [])


SF_USERS = {"ana": "005000000000001AAA", "ben": "005000000000002AAA",
            "cy": "005000000000003AAA"}


class SalesforceTestCase(DaemonTestCase):

    connector = {}
    escalation = ""
    first_touch = "1h"
    secret = "s3cret"

    def setUp(self):
        self.sf = SalesforceStandin(client_id="3MVG9test", client_secret="s3cret",
                                    users=SF_USERS.values())
        self.addCleanup(self.sf.close)
        self.addCleanup(self.sf.assert_clean)
        conn = {"id": "salesforce", "type": "salesforce", "login_url": self.sf.url,
                "client_id": "3MVG9test", "client_secret": self.secret, "owners": SF_USERS}
        conn.update(self.connector)
        extra = ("notify:\n  backoff: 100ms\n  max_backoff: 1s\n  timeout: 1s\n"
                 "crm:\n  - %s\n%s" % (json.dumps(conn), self.escalation))
        self.conf_overrides = dict(reps=REPS, pools=POOLS, first_touch=self.first_touch,
                                   extra=extra)
        super().setUp()

    def status(self):
        subs = {s["id"]: s for s in self.d.get("/v1/subscriptions").json["subscriptions"]}
        return subs["salesforce"]

    def caught_up(self):
        st = self.status()
        return (st["unread"], st["pending"], st["retrying"]) == (0, 0, 0) and st

    def owner_of(self, rid):
        return self.sf.records[rid].get("OwnerId")

    def dead_letters(self):
        return self.d.get("/v1/subscriptions/salesforce/dead_letters").json["dead_letters"]

    def token_requests(self):
        return self.sf.got("POST", "/services/oauth2/token")


class SalesforceTests(SalesforceTestCase):

    connector = {"lead_status": {"field": "Status", "stages": {"mql": "Open - Not Contacted",
                                                               "sal": "Working - Contacted"}}}

    def test_owner_set_by_id_with_one_token(self):
        rids = [self.sf.add_record("Lead", Email="l%d@acme.de" % i) for i in range(3)]
        for i, rid in enumerate(rids):
            self.d.lead(email="l%d@acme.de" % i, country="DE", crm_id=rid)
        owners = ["ana", "ben", "cy"]
        for rid, rep in zip(rids, owners):
            wait_for(lambda: self.owner_of(rid) == SF_USERS[rep], timeout=5,
                     what="the owner in Salesforce")
        self.assertEqual(self.sf.records[rids[0]]["Status"], "Open - Not Contacted")
        tok = self.token_requests()
        self.assertEqual(len(tok), 1)           # cached, shared by the writes
        self.assertEqual(tok[0]["headers"]["content-type"], "application/x-www-form-urlencoded")
        self.assertEqual(tok[0]["body"], b"grant_type=client_credentials&client_id=3MVG9test&"
                                         b"client_secret=s3cret")
        # The writes of three leads may land in any order: ana's is the one for rids[0].
        path = "/services/data/v60.0/sobjects/Lead/" + rids[0]
        patches = [p for p in self.sf.got("PATCH") if p["path"] == path]
        self.assertEqual(len(patches), 1, self.sf.got("PATCH"))
        patch = patches[0]
        self.assertEqual(patch["json"], {"OwnerId": SF_USERS["ana"],
                                         "Status": "Open - Not Contacted"})
        self.assertEqual(patch["status"], 204)
        st = wait_for(self.caught_up, timeout=5, what="caught up")
        self.assertEqual(st["delivers_to"], "salesforce")

    def test_found_by_email_with_soql_quotes_escaped(self):
        rid = self.sf.add_record("Lead", Email="o'neil@acme.de")
        self.d.lead(email="o'neil@acme.de", country="DE")
        wait_for(lambda: self.owner_of(rid) == SF_USERS["ana"], timeout=5, what="found by email")
        q = self.sf.got("GET", "/services/data/v60.0/query")[0]
        self.assertEqual(q["path"], "/services/data/v60.0/query?q=SELECT%20Id%20FROM%20Lead%20"
                         "WHERE%20Email%20%3D%20%27o%5C%27neil%40acme.de%27%20LIMIT%201")

    def test_expired_session_is_renewed(self):
        a = self.sf.add_record("Lead", Email="a@acme.de")
        self.d.lead(email="a@acme.de", country="DE", crm_id=a)
        wait_for(lambda: self.owner_of(a), timeout=5, what="the first write")
        self.sf.expire_sessions()
        b = self.sf.add_record("Lead", Email="b@acme.de")
        self.d.lead(email="b@acme.de", country="DE", crm_id=b)
        wait_for(lambda: self.owner_of(b) == SF_USERS["ben"], timeout=5, what="after renewal")
        self.assertEqual(len(self.token_requests()), 2)
        self.assertEqual([p["status"] for p in self.sf.got("PATCH")][-2:], [401, 204])
        self.assertEqual(self.d.events("subscription_failed"), [])
        self.assertEqual(self.dead_letters(), [])

    def test_request_limit_backs_off_never_dropped(self):
        rid = self.sf.add_record("Lead", Email="r@acme.de")
        self.sf.plan("limit", "limit", path="/services/data/")
        self.d.lead(email="r@acme.de", country="DE", crm_id=rid)
        wait_for(lambda: self.owner_of(rid) == SF_USERS["ana"], timeout=10, what="after limits")
        failed = self.d.events("subscription_failed")
        self.assertEqual(len(failed), 2)
        self.assertIn("Salesforce 403 REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.",
                      failed[0]["error"])
        self.assertEqual(self.dead_letters(), [])

    def test_dead_letters_say_why(self):
        self.d.lead(email="none@acme.de", country="DE")                       # ana: no record
        self.d.lead(email="us@corp.com", country="US",
                    crm_id=self.sf.add_record("Lead", Email="us@corp.com"))   # dee: no user id
        gone = "00Q5e0000099999AAA"
        self.d.lead(email="gone@acme.de", country="DE", crm_id=gone)          # ben: deleted
        dl = wait_for(lambda: len(self.dead_letters()) == 3 and self.dead_letters(), timeout=8,
                      what="three dead letters")
        errors = sorted(d["last_error"] for d in dl)
        self.assertIn("Salesforce 404 NOT_FOUND: The requested resource does not exist",
                      errors[0])
        self.assertIn("Salesforce has no Lead with the lead's email", errors[1])
        self.assertIn('rep "dee" has no Salesforce user id (crm salesforce: owners)', errors[2])


class SalesforceBadClientTests(SalesforceTestCase):

    secret = "wrong"

    def test_refused_client_is_a_dead_letter_with_salesforces_words(self):
        self.d.lead(email="x@acme.de", country="DE",
                    crm_id=self.sf.add_record("Lead", Email="x@acme.de"))
        dl = wait_for(lambda: self.dead_letters(), timeout=5, what="a dead letter")
        self.assertIn("token: Salesforce 400 invalid_client: invalid client credentials",
                      dl[0]["last_error"])
        self.assertEqual(self.sf.got("PATCH"), [])


class SalesforceReassignTests(SalesforceTestCase):

    first_touch = "1s"
    escalation = "escalation:\n  - {after: 0s, reassign: next_available}\n"

    def test_retries_out_of_order_end_with_the_last_owner(self):
        rid = self.sf.add_record("Lead", Email="burst@acme.de")
        self.sf.plan(*[503] * 200, path="/services/data/v60.0/sobjects/")
        lead = self.d.lead(email="burst@acme.de", country="DE", crm_id=rid)
        wait_for(lambda: len(self.d.get("/v1/leads/" + lead["id"]).json["owners"]) == 3,
                 timeout=10, what="two reassignments")
        wait_for(lambda: self.status()["retrying"] >= 2, timeout=5, what="events retrying")
        self.sf.clear_plans()
        wait_for(self.caught_up, timeout=15, what="every event delivered")
        sent = [p["json"]["OwnerId"] for p in self.sf.got("PATCH") if p["status"] == 204]
        self.assertEqual(set(sent), {SF_USERS["cy"]})
        self.assertEqual(self.owner_of(rid), SF_USERS["cy"])
        self.assertEqual(self.dead_letters(), [])


if __name__ == "__main__":
    main()
