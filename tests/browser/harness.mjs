// harness.mjs — what every browser test of the console shares: a stand
// (stand.py: redis-server + leadrouted with tokens and seeded leads), a real
// Chromium driven by playwright-core, signing in, screenshots, and closing it
// all when the file's tests end, failed or not.
//
//     import { useConsole } from './harness.mjs';
//     const h = useConsole({ leads: 10 });        // before/after hooks of this file
//     test('…', async () => {
//       const page = await h.newPage();
//       await h.signIn(page, h.tokens.manager);
//       await page.goto(h.url + '/console/');
//       await h.shot(page, 'overview');
//     });
//
// Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM): playwright-core
// never downloads a browser. Screenshots go to $BROWSER_ARTIFACTS (tests/browser/run
// sets build/browser-artifacts/).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..', '..');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.BROWSER_ARTIFACTS || path.join(top, 'build', 'browser-artifacts');

// The machine's network is closed: without the background-networking flags
// Chromium's own connections (updates, sync, QUIC probes) are refused and slow it.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Start stand.py and read its JSON line: { url, tokens, redis, leads, config, stop() }.
export async function startStand({ leads = 30, reps = 4, firstTouch = '1h', timeoutMs = 30000 } = {}) {
  const env = { ...process.env };
  env.LEADROUTED = env.LEADROUTED || path.join(top, 'build', 'daemon', 'leadrouted');
  const proc = spawn('python3', [path.join(here, 'stand.py'), '--leads', String(leads),
    '--reps', String(reps), '--first-touch', firstTouch], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (b) => { stderr = (stderr + b).slice(-8000); });
  const exited = new Promise((resolve) => proc.once('exit', (code, sig) => resolve({ code, sig })));
  const lines = createInterface({ input: proc.stdout });
  let timer;
  const info = await Promise.race([
    new Promise((resolve) => lines.once('line', (l) => resolve(JSON.parse(l)))),
    exited.then(({ code }) => { throw new Error(`stand.py exited (${code}) before it was ready:\n${stderr}`); }),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`stand.py not ready in ${timeoutMs} ms:\n${stderr}`)), timeoutMs); }),
  ]).catch((e) => { proc.kill('SIGTERM'); throw e; }).finally(() => clearTimeout(timer));
  lines.close();
  info.proc = proc;
  info.log = () => stderr;
  // Closing its standard input ends it (daemon and Redis stopped); TERM if it lingers.
  info.stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.stdin.end();
    const t = setTimeout(() => proc.kill('SIGTERM'), 10000);
    await exited;
    clearTimeout(t);
  };
  return info;
}

// A headless Debian Chromium with a fresh profile (playwright makes a temporary one per launch).
export async function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
}

// Sign page's browser context in with token through the API, from the console's
// own origin, so the session cookie lands in that context. Returns the session JSON.
export async function signIn(page, token, url) {
  const origin = url ?? new URL(page.url()).origin;
  if (!page.url().startsWith(origin + '/')) {
    await page.goto(origin + '/console/assets/icon.svg');
  }
  const r = await page.evaluate(async (t) => {
    const res = await fetch('/console/session', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: t }),
    });
    return { status: res.status, body: await res.json() };
  }, token);
  if (r.status !== 201) throw new Error(`sign-in failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/*
 * axe-core's accessibility check of the page as it is now: its violations
 * ([{id, impact, help, nodes}]). axe is evaluated through the DevTools
 * protocol, which the console's CSP (script-src 'self') does not stop.
 */
let axeSource = null;
export async function axeCheck(page, options = {}) {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.evaluate(axeSource);
  }
  // A page still fading something in or out (the toast of an earlier action)
  // has colours between two states: check it once every transition is over.
  await page.waitForFunction(() => document.getAnimations()
    .every((a) => !(a instanceof CSSTransition) || a.playState !== 'running'));
  const result = await page.evaluate((opts) => window.axe.run(document, opts), options);
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

// A screenshot in the artefacts directory: <file>-<name>.png; its path.
export async function shot(page, name, file = 'browser') {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = path.join(ARTIFACTS, `${file}-${name}`.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.png');
  await page.screenshot({ path: p, fullPage: true });
  return p;
}

/*
 * Hooks for one test file: a stand and a browser started before its tests,
 * and both closed after them (every still-open page photographed first, so a
 * failure leaves a picture). The returned object is filled in by `before`
 * (await h.ready() in a hook of the file's own).
 */
export function useConsole(opts = {}) {
  const file = path.basename(opts.file ?? process.argv[1] ?? 'browser', '.test.mjs');
  const h = {
    stand: null, browser: null, url: null, tokens: null, leads: null, redis: null,
    contexts: [],
    async newContext(options = {}) {
      const ctx = await h.browser.newContext({ baseURL: h.url, ...options });
      h.contexts.push(ctx);
      return ctx;
    },
    async newPage(options = {}) {
      const ctx = await h.newContext(options);
      return ctx.newPage();
    },
    signIn: (page, token) => signIn(page, token, h.url),
    shot: (page, name) => shot(page, name, file),
    axe: (page, options) => axeCheck(page, options),
    // A JSON call to the daemon with a bearer token (or none): { status, headers, body }.
    async api(method, p, { token, body, headers = {} } = {}) {
      const hdrs = { ...headers };
      if (token) hdrs.Authorization = `Bearer ${token}`;
      if (body !== undefined) hdrs['Content-Type'] ??= 'application/json';
      const res = await fetch(h.url + p, {
        method, headers: hdrs, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
      });
      const text = await res.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
      return { status: res.status, headers: res.headers, body: json, text };
    },
  };
  // Node runs a file's top-level before hooks without waiting for one
  // another: a file's own before hook awaits h.ready() to find h filled in.
  let starting = null;
  h.ready = () => {
    starting ??= (async () => {
      h.stand = await startStand(opts);
      Object.assign(h, { url: h.stand.url, tokens: h.stand.tokens, leads: h.stand.leads, redis: h.stand.redis });
      h.browser = await launchChromium();
      return h;
    })();
    return starting;
  };
  before(() => h.ready(), { timeout: 60000 });
  after(async () => {
    try {
      let i = 0;
      for (const ctx of h.contexts) {
        for (const page of ctx.pages()) {
          await shot(page, `last-${i++}`, file).catch(() => {});
        }
      }
      await h.browser?.close();
    } finally {
      await h.stand?.stop();
    }
  }, { timeout: 30000 });
  return h;
}

// A fresh temporary directory removed at exit (for tests that need files).
export function tempDir(prefix = 'leadroute-browser-') {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}
