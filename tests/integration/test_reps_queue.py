"""Rep status, availability in the rotation, and pool queues drained in arrival order."""

from harness import DaemonTestCase, main, wait_for


class RepTests(DaemonTestCase):

    def test_get_reps_lists_status_and_open_leads(self):
        self.d.lead(email="a@x.com", country="DE")
        self.d.set_status("dee", "away")
        r = self.d.get("/v1/reps")
        self.assertEqual(r.status, 200)
        common = {"until": None, "in_hours": True, "max_open": None, "max_per_day": None}
        self.assertEqual(r.json["reps"], [
            dict(common, id="ana", name="Ana Ruiz", status="available", open_leads=1,
                 leads_today=1, pools=["emea"]),
            dict(common, id="ben", name="Ben Okafor", status="available", open_leads=0,
                 leads_today=0, pools=["emea"]),
            dict(common, id="cy", name="Cy Young", status="available", open_leads=0,
                 leads_today=0, pools=["amer"]),
            dict(common, id="dee", name="Dee Long", status="away", open_leads=0,
                 leads_today=0, pools=["amer"]),
        ])

    def test_away_rep_gets_no_leads(self):
        r = self.d.set_status("ana", "away")
        self.assertEqual(r, {"id": "ana", "status": "away", "until": None, "previous": "available",
                             "assigned": []})
        owners = [self.d.lead(email="b%d@x.com" % i, country="DE")["owner"] for i in range(3)]
        self.assertEqual(owners, ["ben", "ben", "ben"])

    def test_previous_reads_as_a_status(self):
        r = self.d.put("/v1/reps/ana/status", {"status": "ooo", "until": "2099-01-01T00:00:00Z"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["until"], "2099-01-01T00:00:00.000Z")
        # Out of office with an end: "ooo", as the rep read, not its stored form.
        r = self.d.put("/v1/reps/ana/status", {"status": "away"})
        self.assertEqual(r.json["previous"], "ooo", r)

    def test_rep_returning_rejoins_the_rotation(self):
        self.d.set_status("ana", "away")
        for i in range(4):
            self.d.lead(email="b%d@x.com" % i, country="DE")
        self.d.set_status("ana", "available")
        owners = [self.d.lead(email="c%d@x.com" % i, country="DE")["owner"] for i in range(4)]
        # Ana gets her turn back, not a backlog of the four she missed.
        self.assertEqual(owners, ["ana", "ben", "ana", "ben"])

    def test_status_errors(self):
        self.assertError(self.d.put("/v1/reps/zed/status", {"status": "away"}), 404, "not_found")
        self.assertError(self.d.put("/v1/reps/ana/status", {"status": "sleeping"}), 422,
                         "invalid_field", "status")
        self.assertError(self.d.put("/v1/reps/ana/status", {"status": "away", "until":
                                    "2099-01-01T00:00:00Z"}), 422, "invalid_field", "until")
        self.assertError(self.d.put("/v1/reps/ana/status", {"status": "ooo", "until": "soon"}),
                         422, "invalid_field", "until")
        self.assertError(self.d.put("/v1/reps/ana/status", {"status": "ooo", "until":
                                    "2001-01-01T00:00:00Z"}), 422, "invalid_field", "until")
        self.assertError(self.d.put("/v1/reps/ana/status", {}), 422, "missing_field", "status")
        self.assertError(self.d.put("/v1/reps/ana/status", {"status": 1}), 422, "invalid_field",
                         "status")
        self.assertError(self.d.put("/v1/reps/ana/status", "away",
                                    headers={"Content-Type": "text/plain"}), 415,
                         "unsupported_media_type")
        self.assertIsNone(self.redis.cmd("HGET", "lr:rep_status", "ana"))

    def test_status_change_goes_to_the_event_stream(self):
        self.d.set_status("ben", "away")
        entries = self.redis.cmd("XRANGE", "lr:events", "-", "+")
        fields = dict(zip(entries[-1][1][::2], entries[-1][1][1::2]))
        self.assertEqual(fields["type"], "rep_status")
        self.assertEqual(fields["rep"], "ben")
        self.assertEqual(fields["status"], "away")
        self.assertEqual(fields["previous"], "available")


class QueueTests(DaemonTestCase):

    def queue_emea(self, n):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        return [self.d.lead(email="q%d@x.com" % i, country="DE") for i in range(n)]

    def test_lead_waits_in_queue_when_no_rep_is_available(self):
        lead = self.queue_emea(1)[0]
        self.assertEqual(lead["status"], "queued")
        self.assertIsNone(lead["owner"])
        self.assertNotIn("first_touch", lead["clocks"])
        self.assertEqual(lead["pool"], "emea")
        self.assertEqual(self.redis.cmd("ZRANGE", "lr:pool:emea:queue", 0, -1), [lead["id"]])
        got = self.d.get("/v1/leads/" + lead["id"]).json
        self.assertEqual([e["type"] for e in got["events"]], ["received", "queued"])

    def test_available_rep_takes_queue_in_arrival_order(self):
        leads = self.queue_emea(3)
        r = self.d.set_status("ben", "available")
        self.assertEqual([a["lead"] for a in r["assigned"]], [l["id"] for l in leads])
        self.assertEqual({a["rep"] for a in r["assigned"]}, {"ben"})
        self.assertEqual(self.redis.cmd("ZCARD", "lr:pool:emea:queue"), 0)
        got = self.d.get("/v1/leads/" + leads[0]["id"]).json
        self.assertEqual(got["status"], "assigned")
        self.assertEqual(got["owner"], "ben")
        self.assertEqual([e["type"] for e in got["events"]], ["received", "queued", "assigned"])
        self.assertTrue(got["clocks"]["first_touch"]["running"])
        reps = {x["id"]: x for x in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual(reps["ben"]["open_leads"], 3)

    def test_queue_of_another_pool_is_untouched(self):
        self.queue_emea(2)
        self.d.set_status("cy", "away")
        self.d.set_status("dee", "away")
        us = self.d.lead(email="us@x.com", country="US")
        r = self.d.set_status("ana", "available")
        self.assertEqual(len(r["assigned"]), 2)
        self.assertEqual(self.d.get("/v1/leads/" + us["id"]).json["status"], "queued")

    def test_long_queue_drains_in_batches(self):
        self.d.set_status("ana", "away")
        self.d.set_status("ben", "away")
        n = 260
        for i in range(n):
            self.d.lead(email="b%d@x.com" % i, country="FR")
        r = self.d.set_status("ana", "available")
        self.assertEqual(len(r["assigned"]), 200)
        wait_for(lambda: self.redis.cmd("ZCARD", "lr:pool:emea:queue") == 0, timeout=10,
                 what="the rest of the queue to drain")
        reps = {x["id"]: x for x in self.d.get("/v1/reps").json["reps"]}
        self.assertEqual(reps["ana"]["open_leads"], n)


if __name__ == "__main__":
    main()
