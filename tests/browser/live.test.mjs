// live.test.mjs — the Live page as a manager leaves it open: a breach appears
// without a reload, within 2 s of the daemon opening its escalation, and is
// acknowledged from the page; running clocks count down with their state.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { useConsole } from './harness.mjs';

// first_touch 4s: a lead nobody touches breaches while the page watches.
const h = useConsole({ leads: 6, firstTouch: '4s' });
let page;

before(async () => {
  await h.ready();
  page = await h.newPage({ viewport: { width: 1280, height: 900 } });
  await h.signIn(page, h.tokens.manager);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a breach appears on Live within 2 s without a reload, and is acknowledged there', async () => {
  await page.goto(h.url + '/console/#/live');
  await page.locator('[data-testid=feed-status]', { hasText: 'live' }).waitFor();
  // No reload from here on: the page's document must stay the same one.
  await page.evaluate(() => { window.stillThisPage = true; });

  const r = await h.api('POST', '/v1/leads', { token: h.tokens.ingest,
    body: { email: 'late@initech.example', company: 'Initech', country: 'DE', event: 'demo_request' } });
  assert.ok(r.status < 300, JSON.stringify(r.body));
  const lead = r.body.id;

  // Its clock is on the page, counting down, before it runs out.
  const clockRow = page.locator(`tr[data-clock="first_touch:${lead}"]`);
  await clockRow.waitFor({ timeout: 15000 });

  // The moment the daemon shows the escalation …
  let esc = null;
  const deadline = Date.now() + 20000;
  while (!esc && Date.now() < deadline) {
    const list = await h.api('GET', `/v1/escalations?lead=${lead}`, { token: h.tokens.manager });
    esc = list.body.escalations[0] ?? null;
    if (!esc) await sleep(50);
  }
  assert.ok(esc, 'the lead breached');
  // … the page shows it within 2 s.
  const t0 = Date.now();
  const item = page.locator(`li[data-escalation="${esc.id}"]`);
  await item.waitFor({ timeout: 2000 });
  const seenAfter = Date.now() - t0;
  assert.ok(seenAfter <= 2000, `shown ${seenAfter} ms after the API had it`);
  assert.equal(await page.evaluate(() => window.stillThisPage), true, 'the page was reloaded');
  assert.match(await item.textContent(), /first touch of lead/);
  await h.shot(page, 'breach');

  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await item.waitFor({ state: 'detached', timeout: 5000 });
  const after = await h.api('GET', `/v1/escalations?lead=${lead}`, { token: h.tokens.manager });
  assert.equal(after.body.escalations[0].status, 'acknowledged');
  assert.equal(after.body.escalations[0].acknowledged_by, 'maria');
});

test('the queues show what the API says', async () => {
  // Escalations go on reassigning in the background: compare a page and an
  // answer read back to back, a few times if one moved between the two.
  let mismatch = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.goto(h.url + '/console/#/live');
    await page.reload();
    await page.locator('[data-testid=queues]').waitFor();
    const pools = (await h.api('GET', '/v1/pools', { token: h.tokens.manager })).body.pools;
    mismatch = null;
    for (const p of pools) {
      const cells = await page.locator(`[data-testid=queues] tr[data-pool=${p.id}] td`).allTextContents();
      const want = [p.id, String(p.queued), p.next ?? 'nobody eligible'];
      const got = [cells[0], cells[1], cells[4]];
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatch = { got, want };
    }
    if (!mismatch) break;
  }
  assert.equal(mismatch, null, JSON.stringify(mismatch));
  const bad = (await h.axe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], JSON.stringify(bad));
});
