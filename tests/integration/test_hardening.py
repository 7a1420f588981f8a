"""HTTP hardening: size limits, framing, timeouts, load shedding, slow clients,
and the malformed-input corpus. Each bad request gets a clear 4xx and stores nothing."""

import json
import http.client
import socket
import statistics
import threading
import time

import harness
from harness import DaemonTestCase, wait_for

NOT_LEAD_STATE = ("lr:pool:", "lr:cfg", "lr:cal:", "lr:definitions:", "lr:seq:definitions",
                  "lr:sc:", "lr:pii:key")


def raw(port, data, timeout=5, shut=False):
    """Send bytes as they are; return what comes back until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out and not shut:
                    head, _, body = out.partition(b"\r\n\r\n")
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            if len(body) >= int(line.split(b":")[1]):
                                return out
        except (socket.timeout, ConnectionResetError):
            pass
        return out


def status_of(reply):
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else None


class HardeningTests(DaemonTestCase):

    conf_overrides = {"max_body": "8KiB",
                      "http_extra": {"max_header_size": "2KiB", "max_uri_length": "512",
                                     "request_timeout": "2s", "idle_timeout": "10s"}}

    def assertNothingStored(self):
        self.assertEqual([k for k in self.redis_keys() if not k.startswith(NOT_LEAD_STATE)], [])

    def post_raw(self, head, body=b""):
        return raw(self.d.port, head + b"\r\n\r\n" + body)

    def test_long_uri_is_414(self):
        r = self.d.get("/v1/leads/" + "A" * 600)
        self.assertError(r, 414, "uri_too_long")

    def test_large_headers_are_431(self):
        r = self.d.post("/v1/leads", {"email": "a@x.com"}, headers={"X-Pad": "p" * 3000})
        self.assertError(r, 431, "headers_too_large")
        self.assertNothingStored()

    def test_headers_beyond_the_server_buffer_are_refused_too(self):
        reply = self.post_raw(b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 60000)
        self.assertIn(status_of(reply), (413, 414, 431, 400), reply[:200])
        self.assertNothingStored()
        # The server refused it itself; it must not stay counted as in flight.
        wait_for(lambda: "\nleadrouted_http_requests_in_flight 0\n" in self.d.get("/metrics").raw,
                 what="no request in flight")

    def test_body_over_limit_is_413(self):
        r = self.d.post("/v1/leads", {"email": "a@x.com", "company": "c" * 9000})
        self.assertError(r, 413, "payload_too_large")
        self.assertNothingStored()

    def test_content_length_with_transfer_encoding_is_400(self):
        body = b'{"email":"a@x.com"}'
        reply = self.post_raw(b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              b"Content-Length: %d\r\nTransfer-Encoding: chunked" % len(body),
                              b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        self.assertEqual(status_of(reply), 400, reply[:300])
        self.assertIn(b"ambiguous_length", reply)
        self.assertNothingStored()

    def test_a_body_cut_short_stores_nothing(self):
        # The client stops half-way and waits: the request timeout answers 408.
        t0 = time.monotonic()
        reply = raw(self.d.port, b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100\r\n\r\n{\"email\": \"cut@x.com\"", timeout=10)
        self.assertEqual(status_of(reply), 408, reply)
        self.assertIn(b"request_timeout", reply)
        self.assertLess(time.monotonic() - t0, 6)
        # The client gives up half-way: nothing either.
        raw(self.d.port, b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{\"email\": \"cut2@x.com\"", shut=True)
        self.assertNothingStored()
        self.assertEqual(self.d.get("/healthz").status, 200)

    def test_a_slow_header_trickle_is_cut_off(self):
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=10) as s:
            s.sendall(b"POST /v1/leads HTTP/1.1\r\n")
            t0 = time.monotonic()
            closed = False
            while time.monotonic() - t0 < 8:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    closed = True
                    break
                time.sleep(0.3)
            self.assertTrue(closed, "the server kept a trickling client for 8 s")
            self.assertLess(time.monotonic() - t0, 5)
        m = self.d.get("/metrics").raw
        self.assertIn("leadrouted_http_slow_clients_total 1", m)

    def test_malformed_bodies_are_400_and_store_nothing(self):
        # body -> (code, what the message says: where and why)
        cases = {
            b'{"email": "a@x.com"': ("malformed_json", "column 19: '}' expected"),
            b'{"email": "a@x.com", "company": "\xc3\x28"}':
                ("malformed_json", "unable to decode byte 0xc3"),
            b'{"email": "a@x.com", "company": "\xc0\xaf"}':
                ("malformed_json", "unable to decode byte 0xc0"),
            b'{"email": "a@x.com", "company": "a\\u0000b"}': ("malformed_json", "\\u0000"),
            b'{"email": "a@x.com", "company": "a\x00b"}':
                ("malformed_json", "control character 0x0"),
            b'{"email": "a@x.com", "employees": 99999999999999999999999}':
                ("malformed_json", "too big integer"),
            b'{"email": "a@x.com", "employees": 1e999}': ("malformed_json", "real number overflow"),
            b'{"email": "a@x.com", "email": "b@x.com"}': ("malformed_json", "duplicate object key"),
            b'{"email": "a@x.com", "x": ' + b"[" * 1500 + b"]" * 1500 + b"}":
                ("too_deep", "more than 32 deep"),
            b'{"email": "a@x.com", "company": "\\ud800"}': ("malformed_json", "invalid Unicode"),
            b'{"email": "a@x.com"} x': ("malformed_json", "end of file expected"),
        }
        for body, (code, says) in cases.items():
            r = self.d.post("/v1/leads", body, headers={"Content-Type": "application/json"})
            self.assertError(r, 400, code)
            self.assertIn(says, r.json["error"]["message"], body[:60])
        self.assertNothingStored()

    def test_odd_ids_in_paths_are_404(self):
        for path in ("/v1/leads/..%2F..%2Fetc", "/v1/leads/" + "Z" * 26, "/v1/leads/%ff%fe"):
            r = self.d.get(path)
            self.assertEqual(r.status, 404, (path, r))
        # An escaped NUL would cut the path short once decoded: refused outright.
        self.assertError(self.d.get("/v1/leads/%00"), 400, "bad_request")


def exchange(port, data, timeout=5):
    """Send bytes as they are; everything the server sends until it closes, and
    whether it closed (False: still open when the timeout ran out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out, True
                out += chunk
        except socket.timeout:
            return out, False
        except ConnectionResetError:
            return out, True


class SmugglingTests(DaemonTestCase):
    """Requests whose framing or target the daemon cannot be sure of: one clear
    answer, the connection closed (nothing after the request is read as another
    one), and nothing stored."""

    BODY = b'{"email":"s@x.com","country":"DE"}'
    # A second request hidden where a proxy reading the other framing would see it.
    SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    def assertRefused(self, data, status, code):
        t0 = time.monotonic()
        out, closed = exchange(self.d.port, data)
        self.assertTrue(closed, out[:300])
        self.assertLess(time.monotonic() - t0, 2.0)
        self.assertEqual(out.count(b"HTTP/1.1 "), 1, out[:600])
        self.assertEqual(status_of(out), status, out[:300])
        head, _, body = out.partition(b"\r\n\r\n")
        self.assertIn(b"\r\nconnection: close", head.lower())
        self.assertEqual(json.loads(body)["error"]["code"], code)
        self.assertEqual([k for k in self.redis_keys() if not k.startswith(NOT_LEAD_STATE)], [])

    def post(self, target=b"/v1/leads", headers=b"", body=BODY):
        return (b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                headers + b"\r\n" + body)

    def test_an_escaped_nul_in_the_target_is_400(self):
        self.assertRefused(self.post(b"/v1/leads%00.json",
                                     b"Content-Length: %d\r\n" % len(self.BODY)),
                           400, "bad_request")

    def test_two_content_lengths_are_400_and_close(self):
        body = self.BODY + self.SMUGGLED
        self.assertRefused(self.post(headers=b"Content-Length: %d\r\nContent-Length: %d\r\n" %
                                     (len(self.BODY), len(body)), body=body),
                           400, "ambiguous_length")

    def test_a_space_before_the_colon_is_400_and_close(self):
        body = self.BODY + self.SMUGGLED
        self.assertRefused(self.post(headers=b"Content-Length : %d\r\n" % len(body), body=body),
                           400, "bad_header")

    def test_transfer_codings_other_than_chunked_are_501_at_once(self):
        for te in (b"gzip", b"gzip, chunked", b"xchunked"):
            with self.subTest(te=te):
                self.assertRefused(self.post(headers=b"Transfer-Encoding: " + te + b"\r\n",
                                             body=b"5\r\nhello\r\n0\r\n\r\n"),
                                   501, "unsupported_transfer_encoding")

    def test_bytes_that_are_not_utf8_still_get_a_json_error(self):
        out = raw(self.d.port, b"GET /v1/\xffx HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(status_of(out), 404, out[:300])
        err = json.loads(out.partition(b"\r\n\r\n")[2])["error"]
        self.assertEqual(err["code"], "not_found")
        self.assertIn("/v1/?x", err["message"])
        out = raw(self.d.port, self.post(headers=b"Content-Length: %d\r\n" % len(self.BODY))
                  .replace(b"application/json", b"text/\xff"))
        self.assertEqual(status_of(out), 415, out[:300])
        err = json.loads(out.partition(b"\r\n\r\n")[2])["error"]
        self.assertEqual(err["code"], "unsupported_media_type")
        self.assertIn("text/?", err["message"])

    def test_a_lone_chunked_body_is_still_taken(self):
        chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(self.BODY), self.BODY)
        out = raw(self.d.port, self.post(headers=b"Transfer-Encoding: chunked\r\n", body=chunks))
        self.assertEqual(status_of(out), 201, out[:300])


class LoadSheddingTests(DaemonTestCase):

    conf_overrides = {"http_extra": {"max_in_flight": 2}}

    def test_requests_beyond_the_in_flight_cap_get_503_with_retry_after(self):
        self.redis.pause(1.5)     # requests wait for Redis: they stay in flight
        results = []

        def post(i):
            results.append(self.d.post("/v1/leads", {"email": "s%d@x.com" % i}))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.4)           # both are waiting for Redis now
        r = self.d.post("/v1/leads", {"email": "over@x.com"})
        self.assertError(r, 503, "overloaded")
        self.assertEqual(r.headers["retry-after"], "1")
        for t in threads:
            t.join()
        self.assertEqual(sorted(x.status for x in results), [201, 201], results)
        self.assertIsNone(self.redis.cmd("GET", "lr:idem:none"))


class ConnectionLimitTests(DaemonTestCase):

    conf_overrides = {"http_extra": {"max_connections_per_ip": 3, "request_timeout": "20s"}}

    def test_connections_per_ip_are_capped(self):
        held = [self.live_connection() for _ in range(3)]
        try:
            with socket.create_connection(("127.0.0.1", self.d.port), timeout=3) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(s.recv(100), b"")    # accepted, then closed at once
        except (ConnectionResetError, BrokenPipeError):
            pass
        for c in held:
            c.close()
        wait_for(lambda: self.healthz_answers(), what="a free slot")

    def live_connection(self):
        """A kept-alive connection that has been served, so it surely counts."""
        for _ in range(50):
            c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
            try:
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                if r.status == 200 and not r.will_close:
                    return c
            except (ConnectionError, http.client.HTTPException):
                pass      # an earlier connection was still counted: try again
            c.close()
            time.sleep(0.1)
        self.fail("no connection was kept alive")

    def healthz_answers(self):
        try:
            return self.d.get("/healthz").status == 200
        except ConnectionError:
            return False     # the closed ones are not noticed yet


class SlowClientTests(DaemonTestCase):
    """500 slow clients hold connections while normal leads keep flowing."""

    conf_overrides = {"http_extra": {"max_connections": 1024, "max_connections_per_ip": 1000,
                                     "request_timeout": "3s"}}

    def test_500_slow_clients_do_not_stop_normal_leads(self):
        slow = []
        for _ in range(500):
            s = socket.create_connection(("127.0.0.1", self.d.port))
            s.sendall(b"POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            slow.append(s)
        times = []
        t_end = time.monotonic() + 2.5
        i = 0
        while time.monotonic() < t_end:
            t0 = time.monotonic()
            r = self.d.post("/v1/leads", {"email": "n%d@x.com" % i, "country": "DE"})
            times.append(time.monotonic() - t0)
            self.assertEqual(r.status, 201, r)
            i += 1
        # Keep trickling: the whole-request timeout still cuts them off.
        cut = 0
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and cut < 500:
            cut = 0
            for s in slow:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    cut += 1
            time.sleep(0.25)
        for s in slow:
            s.close()
        times.sort()
        p50 = statistics.median(times) * 1000
        p99 = times[int(len(times) * 0.99) - 1] * 1000
        print("\n  %d leads beside 500 slow clients: p50 %.2f ms, p99 %.2f ms; %d slow cut off"
              % (len(times), p50, p99, cut))
        self.assertGreater(len(times), 20)
        self.assertEqual(cut, 500)
        self.assertEqual(self.d.get("/healthz").status, 200)


if __name__ == "__main__":
    harness.main()
