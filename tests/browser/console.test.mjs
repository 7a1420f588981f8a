// console.test.mjs — the console's pages in a real Chromium against a real
// leadrouted: signing in, setting a rep away and watching the next lead skip
// them with the reason shown, reading why a lead went where it did, the
// scorecard's charts drawn with the API's numbers, simulating, a rep's own
// view, signing out, an accessibility check of every page, and a screenshot
// of each (desktop and phone).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { useConsole } from './harness.mjs';

const h = useConsole({ leads: 40 });
// Each page, and what it draws once its data came.
const READY = {
  live: '[data-testid=queues]', team: 'section[data-pool]', leads: '#lead-q', scorecard: 'canvas',
  sla: '[data-testid=review-figures]', definitions: '#d-rules', simulate: '#sim-email',
};
const PAGES = Object.keys(READY);

let page;

before(async () => {
  await h.ready();
  page = await h.newPage({ viewport: { width: 1280, height: 900 } });
  await h.signIn(page, h.tokens.manager);
});

const api = (method, path, body) => h.api(method, path, { token: h.tokens.admin, body });

test('signing in with a token shows the manager their pages', async () => {
  const page = await h.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(h.url + '/console/');
  await page.locator('#token').fill(h.tokens.manager);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('h1', { hasText: 'Live' }).waitFor();
  const nav = await page.locator('#nav a').allTextContents();
  assert.deepEqual(nav, ['Live', 'Team', 'Leads', 'Scorecard', 'Two-way SLA', 'Definitions', 'Simulate']);
  assert.equal(await page.locator('#who').textContent(), 'maria');
  // The token itself is nowhere in the page or its storage.
  const stored = await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie);
  assert.ok(!stored.includes(h.tokens.manager), stored);
});

test('a wrong token is refused with a message and no session', async () => {
  const other = await h.newPage();
  await other.goto(h.url + '/console/');
  await other.locator('#token').fill('not-a-token-0123456789abcdef0123456789');
  await other.getByRole('button', { name: 'Sign in' }).click();
  await other.locator('#signin-error', { hasText: 'not valid' }).waitFor();
  assert.equal((await other.context().cookies()).length, 0);
});

test('a rep set away on Team is skipped by the next lead, and the lead says why', async () => {
  await page.goto(h.url + '/console/#/team');
  const row = page.locator('tr[data-rep=ana]');
  await row.waitFor();
  await row.locator('select').selectOption('away');
  await row.getByRole('button', { name: 'Set' }).click();
  await page.locator('tr[data-rep=ana] .badge', { hasText: 'away' }).first().waitFor();
  assert.equal((await api('GET', '/v1/reps')).body.reps.find((r) => r.id === 'ana').status, 'away');
  // The rotation card says why ana is out.
  await page.locator('section[data-pool=emea] li[data-rep=ana] .badge', { hasText: 'away' }).waitFor();

  // Two EMEA leads: ana would have had one of them.
  const made = [];
  for (let i = 0; i < 2; i++) {
    const r = await h.api('POST', '/v1/leads', { token: h.tokens.ingest,
      body: { email: `skip${i}@acme.example`, first_name: 'Skip', last_name: String(i), company: 'Acme', country: 'DE', event: 'demo_request' } });
    assert.ok(r.status < 300, JSON.stringify(r.body));
    made.push(r.body);
  }
  assert.ok(made.every((l) => l.owner === 'ben'), JSON.stringify(made));
  await page.goto(h.url + '/console/#/lead/' + made[0].id);
  const why = page.locator('[data-testid=decision]');
  await why.waitFor();
  const sentences = await why.locator('li').allTextContents();
  assert.ok(sentences.includes('rule emea matched: country is one of DE, GB, FR (this lead: country DE)') ||
    sentences.some((s) => /^rule emea matched: country is one of .*DE.* \(this lead: country DE\)$/.test(s)), sentences.join(' | '));
  assert.ok(sentences.includes('ana skipped: away'), sentences.join(' | '));
  assert.ok(sentences.includes('ben chosen: next in rotation'), sentences.join(' | '));
  await h.shot(page, 'lead');
  // The timeline tells the story in order.
  const steps = await page.locator('[data-testid=timeline] li').evaluateAll((li) => li.map((x) => x.dataset.type));
  assert.deepEqual(steps.slice(0, 1), ['received']);
  assert.ok(steps.includes('assigned'), steps.join(','));

  // Back to available: the next lead may go to ana again.
  await page.goto(h.url + '/console/#/team');
  await page.locator('tr[data-rep=ana] select').selectOption('available');
  await page.locator('tr[data-rep=ana]').getByRole('button', { name: 'Set' }).click();
  await page.locator('tr[data-rep=ana] .badge', { hasText: 'available' }).first().waitFor();
});

test('a lead is found by email and by company', async () => {
  await page.goto(h.url + '/console/#/leads');
  await page.locator('#lead-q').fill('skip1@acme.example');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.waitForURL(/#\/lead\//);
  assert.match(await page.locator('h1').textContent(), /Skip 1 · Acme/);
  await page.goto(h.url + '/console/#/leads');
  await page.locator('#lead-q').fill('acm');
  await page.getByRole('button', { name: 'Find' }).click();
  const rows = page.locator('[data-testid=lead-results] tbody tr');
  await rows.first().waitFor();
  const companies = await rows.locator('td:nth-child(2)').allTextContents();
  assert.ok(companies.length >= 2 && companies.every((c) => /^acm/i.test(c)), companies.join(','));
});

test('the scorecard draws its charts with exactly the API numbers', async () => {
  await page.goto(h.url + '/console/#/scorecard');
  await page.locator('[data-testid=kpis]').waitFor();
  await page.waitForFunction(() => window.Chart && document.querySelectorAll('canvas').length === 6 &&
    [...document.querySelectorAll('canvas')].every((c) => window.Chart.getChart(c)));
  const charts = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('canvas')].map((c) => {
    const ch = window.Chart.getChart(c);
    return [c.id, { labels: ch.data.labels, data: ch.data.datasets.map((d) => d.data), drawn: c.width > 0 && c.height > 0 }];
  })));
  for (const [id, c] of Object.entries(charts)) assert.ok(c.drawn, id + ' has no size');

  // The same period the page asked for: the last 30 days, UTC dates.
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  const now = Date.now();
  const range = `from=${day(now - 29 * 86400000)}&to=${day(now + 86400000)}`;
  const all = (await api('GET', '/v1/scorecard?' + range)).body;
  const byRep = (await api('GET', '/v1/scorecard?by=rep&' + range)).body;
  const byPool = (await api('GET', '/v1/scorecard?by=pool&' + range)).body;
  const defs = (await api('GET', '/v1/definitions')).body;

  assert.deepEqual(charts['chart-funnel'].labels, defs.funnel);
  assert.deepEqual(charts['chart-funnel'].data[0], defs.funnel.map((s) => all.overall.stages[s] || 0));
  assert.deepEqual(charts['chart-sla-rep'].labels, byRep.groups.map((g) => g.rep ?? '(none)'));
  assert.deepEqual(charts['chart-sla-rep'].data, [byRep.groups.map((g) => g.routed_within_sla_pct),
    byRep.groups.map((g) => g.first_touched_within_sla_pct)]);
  assert.deepEqual(charts['chart-sla-pool'].data, [byPool.groups.map((g) => g.routed_within_sla_pct),
    byPool.groups.map((g) => g.first_touched_within_sla_pct)]);
  const rej = Object.entries(all.overall.rejections).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  assert.deepEqual(charts['chart-rejections'].data[0], rej.map(([, n]) => n));
  const attr = all.attribution.filter((a) => a.won_amount > 0 || a.leads > 0);
  assert.deepEqual(charts['chart-won'].data[0], attr.map((a) => a.won_amount));
  // Today's point of the speed chart is the day's scorecard, in seconds.
  const today = (await api('GET', `/v1/scorecard?from=${day(now)}&to=${day(now + 86400000)}`)).body.overall;
  const last = (series) => series[series.length - 1];
  assert.equal(last(charts['chart-speed'].labels), day(now));
  assert.equal(last(charts['chart-speed'].data[2]), today.time_to_first_touch_ms.median === null ? null
    : Math.round(today.time_to_first_touch_ms.median / 100) / 10);
  // The key figures.
  assert.equal(await page.locator('[data-kpi=leads_received] .v').textContent(), all.overall.leads_received.toLocaleString('en-US'));
  assert.equal(await page.locator('[data-kpi=acceptance_rate_pct] .v').textContent(), all.overall.acceptance_rate_pct + '%');

  // Grouped by rep, and the CSV of what is shown.
  await page.locator('#sc-by').selectOption('rep');
  await page.locator('[data-testid=numbers-groups]').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv').click()]);
  const csv = await (await download.createReadStream()).toArray();
  const text = Buffer.concat(csv).toString();
  const api_csv = (await h.api('GET', '/v1/scorecard?format=csv&by=rep&' + range, { token: h.tokens.admin })).text;
  assert.equal(text, api_csv);
});

test('the two-way SLA shows each commitment with its target, actual and verdict', async () => {
  await page.goto(h.url + '/console/#/sla');
  await page.locator('[data-side=marketing] tr[data-commitment]').first().waitFor();
  const month = new Date();
  const from = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const to = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), month.getUTCDate() + 1)).toISOString().slice(0, 10);
  const c = (await api('GET', `/v1/contract?from=${from}&to=${to}`)).body;
  for (const side of ['marketing', 'sales']) {
    for (const item of c[side]) {
      const row = page.locator(`[data-side=${side}] tr[data-commitment=${item.id}]`);
      const verdict = item.met === true ? 'met' : item.met === false ? 'missed' : 'no data';
      assert.equal(await row.locator('td:nth-child(4)').textContent(), verdict, item.id);
    }
  }
  await page.locator('[data-testid=review-figures]').waitFor();
});

test('simulate shows the decision and the clocks a lead would get as of a given time', async () => {
  await page.goto(h.url + '/console/#/simulate');
  await page.locator('#sim-email').fill('what-if@globex.example');
  await page.locator('#sim-country').fill('US');
  await page.locator('#sim-event').fill('demo_request');
  await page.locator('#sim-at').fill('2026-12-11T18:30');
  await page.getByRole('button', { name: 'Simulate' }).click();
  await page.locator('[data-testid=simulation]').waitFor();
  const why = await page.locator('[data-testid=simulation] [data-testid=decision] li').allTextContents();
  assert.ok(why.some((s) => s.startsWith('rule default matched')), why.join(' | '));
  const due = await page.locator('[data-testid=sim-clocks] tr[data-clock=first_touch] td:nth-child(3)').textContent();
  assert.ok(due.length > 0);
  // Nothing was stored: no lead for that address.
  assert.equal((await api('GET', '/v1/leads/email:what-if@globex.example')).status, 404);
});

test('every page passes an accessibility check and is photographed, on a laptop and a phone', async () => {
  for (const name of PAGES) {
    await page.goto(h.url + '/console/#/' + name);
    await page.locator(READY[name]).first().waitFor();
    const bad = (await h.axe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, [], name + ': ' + JSON.stringify(bad));
    await h.shot(page, name);
  }
  const phone = await h.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await h.signIn(phone, h.tokens.manager);
  for (const name of ['live', 'team', 'scorecard']) {
    await phone.goto(h.url + '/console/#/' + name);
    await phone.locator(READY[name]).first().waitFor();
    // Nothing wider than the screen but the tables' own scrolling boxes.
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, name + ' is ' + wide + ' px wide');
    await h.shot(phone, 'phone-' + name);
  }
});

test('a rep sees their own leads, status and clocks, not the managers\' pages', async () => {
  const rep = await h.newPage();
  await h.signIn(rep, h.tokens.ana);
  await rep.goto(h.url + '/console/#/live');
  await rep.locator('h1', { hasText: 'My leads' }).waitFor();
  assert.deepEqual(await rep.locator('#nav a').allTextContents(), ['Leads', 'Definitions']);
  const rows = rep.locator('[data-testid=lead-results] tbody tr');
  await rows.first().waitFor();
  const owners = await rows.locator('td:nth-child(4)').allTextContents();
  assert.ok(owners.every((o) => o === 'ana'), owners.join(','));
  const bad = (await h.axe(rep)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], JSON.stringify(bad));
  await h.shot(rep, 'rep-leads');
});

test('signing out ends the session: the page asks to sign in and the cookie is refused', async () => {
  const cookie = (await page.context().cookies()).find((c) => c.name === 'lr_session');
  await page.goto(h.url + '/console/#/definitions');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#token').waitFor();
  const r = await h.api('GET', '/v1/definitions', { headers: { Cookie: 'lr_session=' + cookie.value } });
  assert.equal(r.status, 401);
});
