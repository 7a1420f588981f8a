// security.test.mjs — the console's session cookie cannot be used by another
// origin: a page on another port of 127.0.0.1 (same site, another origin: the
// realistic attacker, whose requests do carry a SameSite=Strict cookie) that
// posts forms or calls fetch() with credentials is refused and changes
// nothing, while the console's own origin streams with the cookie alone.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { useConsole } from './harness.mjs';

// first_touch 1s: the seeded leads left untouched breach at once, so there are
// open escalations an attacker would like acknowledged.
const h = useConsole({ leads: 12, firstTouch: '1s' });

let evil, evilUrl, openEscalation;

// The attacker's pages: each auto-submits one form, or runs fetch() calls.
function evilPage(target, query) {
  const to = `${target}${query.get('path')}`;
  const kind = query.get('kind');
  if (kind === 'text') {
    // The classic JSON-in-text/plain trick: the body reads {"by":"evil","x":"="}.
    return `<!doctype html><form method="post" enctype="text/plain" action="${to}">
      <input name='{"by":"evil","x":"' value='"}'></form>
      <script>document.forms[0].submit()</script>`;
  }
  if (kind === 'urlencoded') {
    return `<!doctype html><form method="post" action="${to}">
      <input name="by" value="evil"><input name="note" value="owned"></form>
      <script>document.forms[0].submit()</script>`;
  }
  return '<!doctype html><title>evil</title><p>nothing to see</p>';
}

before(async () => {
  await h.ready();
  evil = createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(evilPage(h.url, u.searchParams));
  });
  await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${evil.address().port}`;
  // An open escalation to aim at.
  const deadline = Date.now() + 15000;
  while (!openEscalation && Date.now() < deadline) {
    const r = await h.api('GET', '/v1/escalations?status=open', { token: h.tokens.admin });
    openEscalation = r.body?.escalations?.[0];
    if (!openEscalation) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(openEscalation, 'an open escalation to attack');
});

after(() => new Promise((resolve) => evil?.close(resolve) ?? resolve()));

// An admin signed in to the console in a fresh browser context, then off to the evil page.
async function victim() {
  const page = await h.newPage();
  const session = await h.signIn(page, h.tokens.admin);
  assert.equal(session.name, 'admin');
  return page;
}

async function escalationState(id) {
  const r = await h.api('GET', '/v1/escalations?limit=500', { token: h.tokens.admin });
  assert.equal(r.status, 200);
  const e = r.body.escalations.find((x) => x.id === id);
  assert.ok(e, `escalation ${id} listed`);
  return { status: e.status, acknowledged_by: e.acknowledged_by ?? null, level: e.level };
}

for (const kind of ['text', 'urlencoded']) {
  for (const path of ['ack', 'resume']) {
    test(`a ${kind} form posted from another origin to ${path} is refused with csrf_failed`, async () => {
      const target = path === 'ack' ? `/v1/escalations/${openEscalation.id}/ack` : '/v1/subscriptions/x/resume';
      const page = await victim();
      const before = await escalationState(openEscalation.id);
      const answered = page.waitForResponse((r) => r.url() === h.url + target);
      await page.goto(`${evilUrl}/form?kind=${kind}&path=${encodeURIComponent(target)}`);
      const res = await answered;
      assert.equal(res.request().method(), 'POST');
      // The cookie went along (same site): it is the origin check that refuses.
      assert.match((await res.request().allHeaders()).cookie ?? '', /lr_session=/);
      assert.equal(res.status(), 403);
      assert.equal((await res.json()).error.code, 'csrf_failed');
      const after = await escalationState(openEscalation.id);
      assert.equal(after.status, 'open');
      assert.equal(after.acknowledged_by, null);
      assert.equal(after.status, before.status);
      await page.close();
    });
  }
}

test('fetch() with credentials from another origin is refused or blocked and changes nothing', async () => {
  const page = await victim();
  const seen = [];
  page.on('response', async (r) => {
    if (r.url().startsWith(h.url + '/v1/')) seen.push({ url: r.url(), status: r.status() });
  });
  await page.goto(`${evilUrl}/plain`);
  const results = await page.evaluate(async ({ target, esc }) => {
    const tries = {
      // Simple requests: sent (no preflight), the answer unreadable.
      noCorsText: () => fetch(`${target}/v1/escalations/${esc}/ack`, { method: 'POST', mode: 'no-cors',
        credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"by":"evil"}' }),
      noCorsResume: () => fetch(`${target}/v1/subscriptions/x/resume`, { method: 'POST', mode: 'no-cors',
        credentials: 'include' }),
      // Needs a preflight, which the daemon does not grant.
      corsJson: () => fetch(`${target}/v1/escalations/${esc}/ack`, { method: 'POST', credentials: 'include',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': '0'.repeat(32) }, body: '{"by":"evil"}' }),
      // The CSRF token itself: readable only by the console's own origin.
      readSession: () => fetch(`${target}/console/session`, { credentials: 'include' }).then((r) => r.json()),
      readLeads: () => fetch(`${target}/v1/escalations`, { credentials: 'include' }).then((r) => r.json()),
    };
    const out = {};
    for (const [name, f] of Object.entries(tries)) {
      try {
        const r = await f();
        out[name] = r instanceof Response ? { type: r.type, status: r.status } : { read: r };
      } catch (e) {
        out[name] = { blocked: String(e) };
      }
    }
    return out;
  }, { target: h.url, esc: openEscalation.id });
  assert.deepEqual(results.noCorsText, { type: 'opaque', status: 0 });
  assert.deepEqual(results.noCorsResume, { type: 'opaque', status: 0 });
  assert.ok(results.corsJson.blocked, `the preflighted fetch is blocked: ${JSON.stringify(results.corsJson)}`);
  assert.ok(results.readSession.blocked, `the session is not readable: ${JSON.stringify(results.readSession)}`);
  assert.ok(results.readLeads.blocked, `escalations are not readable: ${JSON.stringify(results.readLeads)}`);
  // What reached the daemon was refused: the two simple POSTs, with 403.
  const posts = seen.filter((x) => !x.url.endsWith('/v1/escalations'));
  assert.deepEqual(posts.map((x) => [new URL(x.url).pathname, x.status]).sort(), [
    [`/v1/escalations/${openEscalation.id}/ack`, 403], ['/v1/subscriptions/x/resume', 403]]);
  const after = await escalationState(openEscalation.id);
  assert.equal(after.status, 'open');
  assert.equal(after.acknowledged_by, null);
  await page.close();
});

test('EventSource on the console origin streams escalations with only the cookie', async () => {
  const page = await victim();
  const got = await page.evaluate(() => new Promise((resolve) => {
    const es = new EventSource('/v1/escalations/stream?last_event_id=0-0');
    const t = setTimeout(() => { es.close(); resolve({ opened: false, timeout: true }); }, 8000);
    let opened = false;
    es.onopen = () => { opened = true; };
    es.onmessage = () => {};
    es.addEventListener('escalated', (e) => {
      clearTimeout(t);
      es.close();
      resolve({ opened, event: 'escalated', data: JSON.parse(e.data) });
    });
    es.onerror = () => { if (!opened) { clearTimeout(t); es.close(); resolve({ opened: false, error: true }); } };
  }));
  assert.equal(got.opened, true, JSON.stringify(got));
  assert.equal(got.event, 'escalated');
  assert.equal(got.data.type, 'escalated');
  // The stream's first bytes, read with fetch from the same origin.
  const first = await page.evaluate(async () => {
    const ctl = new AbortController();
    const r = await fetch('/v1/escalations/stream', { signal: ctl.signal });
    const { value } = await r.body.getReader().read();
    ctl.abort();
    return { status: r.status, type: r.headers.get('content-type'), text: new TextDecoder().decode(value) };
  });
  assert.equal(first.status, 200);
  assert.match(first.type, /^text\/event-stream/);
  assert.match(first.text, /^retry: 2000\n/);
  await page.close();
});

test('the same stream without a cookie is 401', async () => {
  const r = await h.api('GET', '/v1/escalations/stream');
  assert.equal(r.status, 401);
});

test('every request of the console page goes to its own origin, under its CSP', async () => {
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  await h.signIn(page, h.tokens.manager);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  // Not networkidle: the Live page keeps its live feed open.
  const res = await page.goto(h.url + '/console/');
  await page.locator('[data-testid=queues]').waitFor();
  // Every page's requests, the scorecard's charting library among them.
  for (const [name, ready] of [['team', 'section[data-pool]'], ['scorecard', 'canvas'], ['definitions', '#d-rules']]) {
    await page.goto(h.url + '/console/#/' + name);
    await page.locator(ready).first().waitFor();
  }
  assert.ok(requests.some((u) => u.endsWith('/console/assets/chart.js')), 'the charting library came from the daemon');
  const csp = res.headers()['content-security-policy'];
  assert.ok(csp, 'a Content-Security-Policy header');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers()['x-frame-options'], 'DENY');
  assert.ok(requests.length >= 2, `the page loads its files: ${requests}`);
  const elsewhere = requests.filter((u) => !u.startsWith(h.url + '/') && !u.startsWith('data:'));
  assert.deepEqual(elsewhere, []);
  await h.shot(page, 'console');
});
