// perf.mjs URL TOKEN — how long each console page takes in Debian's chromium,
// from navigation to its data drawn (tools/consolebench runs it). Not a test:
// it prints medians of 5 loads, a fresh page each time, the session cookie kept.
import { chromium } from "playwright-core";

const [url, token] = process.argv.slice(2);
// What each page draws once its data came.
const READY = {
  live: "[data-testid=clocks], [data-testid=no-clocks]",
  team: "[data-testid=reps]",
  leads: "#lead-q",
  scorecard: "[data-testid=kpis]",
  definitions: "#d-rules",
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const ctx = await browser.newContext();
  const r = await ctx.request.post(url + "/console/session", { data: { token }, headers: { Origin: url } });
  if (r.status() !== 201) throw new Error("sign-in answered " + r.status());
  for (const [name, ready] of Object.entries(READY)) {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const page = await ctx.newPage();
      const t = Date.now();
      await page.goto(url + "/console/#/" + name);
      await page.locator(ready).first().waitFor({ timeout: 30000 });
      times.push(Date.now() - t);
      await page.close();
    }
    times.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(12)} median ${String(times[2]).padStart(5)} ms   worst ${String(times[4]).padStart(5)} ms`);
  }
} finally {
  await browser.close();
}
