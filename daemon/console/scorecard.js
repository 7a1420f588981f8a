"use strict";
/*
 * scorecard.js — the scorecard as pictures: speed to route and to first
 * touch over time, SLA compliance by rep and by pool, the funnel, rejection
 * reasons and won amounts by source. Every number comes as it is from
 * GET /v1/scorecard (one call per period shown); the tables under each
 * chart hold the same numbers, and CSV downloads what is shown.
 */
(() => {
  const { h, api, q, fmt } = LR;
  const DAY = 86400000;
  const COLORS = ["#1f5fbf", "#c2410c", "#15803d", "#7e22ce", "#0e7490", "#b91c1c", "#4d7c0f", "#a16207"];

  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

  /* The periods shown over time: days, or weeks over longer ranges. */
  function buckets(fromMs, toMs) {
    const step = toMs - fromMs > 45 * DAY ? 7 * DAY : DAY;
    const out = [];
    for (let t = fromMs; t < toMs; t += step) out.push([t, Math.min(t + step, toMs)]);
    return out;
  }

  /* The charting library, loaded by the page that draws (the other pages start faster without it). */
  let library = null;
  function loadCharts() {
    if (!library)
      library = new Promise((resolve) => {
        const s = document.createElement("script");
        s.src = "assets/chart.js";
        s.onload = () => resolve(true);
        s.onerror = () => { library = null; resolve(false); };
        document.head.append(s);
      });
    return library;
  }

  function chart(canvas, config) {
    if (!window.Chart) {
      canvas.replaceWith(h("p", { class: "muted", text: "Charts need the charting library (Debian's libjs-chart.js on the daemon's machine); the numbers are in the table." }));
      return null;
    }
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    window.Chart.defaults.color = dark ? "#c9d1d9" : "#3b434b";
    window.Chart.defaults.borderColor = dark ? "#30363d" : "#d0d7de";
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    return new window.Chart(canvas, config);
  }

  function figureCard(id, title, canvasLabel, table) {
    const canvas = h("canvas", { id: "chart-" + id, "data-testid": "chart-" + id, role: "img", "aria-label": canvasLabel });
    const card = h("section", { class: "card", "aria-labelledby": "h-" + id },
      h("h2", { id: "h-" + id, text: title }),
      h("div", { class: "chart" }, canvas),
      h("details", {}, h("summary", { text: "The numbers" }), h("div", { class: "scroll" }, table)));
    return { card, canvas };
  }

  function numbers(head, rows, testid) {
    return h("table", { "data-testid": testid },
      h("thead", {}, h("tr", {}, head.map((t, i) => h("th", { class: i ? "num" : null, text: t })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((v, i) => h("td", { class: i ? "num" : null, text: v === null || v === undefined ? "—" : String(v) }))))));
  }

  const secs = (ms) => (ms === null || ms === undefined ? null : Math.round(ms / 100) / 10);

  function kpis(o) {
    const k = (label, v, id) => h("div", { class: "kpi", "data-kpi": id }, h("div", { class: "k", text: label }), h("div", { class: "v", text: v }));
    return h("div", { class: "kpis", "data-testid": "kpis" },
      k("Leads received", fmt.num(o.leads_received), "leads_received"),
      k("Routed", fmt.num(o.leads_routed), "leads_routed"),
      k("Median time to route", fmt.dur(o.time_to_route_ms.median), "route_median"),
      k("Median time to first touch", fmt.dur(o.time_to_first_touch_ms.median), "touch_median"),
      k("Routed within SLA", fmt.pct(o.routed_within_sla_pct), "routed_within_sla_pct"),
      k("First touch within SLA", fmt.pct(o.first_touched_within_sla_pct), "first_touched_within_sla_pct"),
      k("Accepted", fmt.pct(o.acceptance_rate_pct), "acceptance_rate_pct"),
      k("Won", fmt.money(o.won_amount) + " (" + fmt.num(o.won) + ")", "won_amount"));
  }

  function download(name, text) {
    const a = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: name, text: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  async function draw(out, sel, ctx, charts) {
    const toMs = Date.parse(sel.to + "T00:00:00Z") + DAY;
    const fromMs = Date.parse(sel.from + "T00:00:00Z");
    const range = { from: isoDay(fromMs), to: isoDay(toMs) };
    const [all, byRep, byPool, grouped, defs, , ...series] = await Promise.all([
      api("GET", "/v1/scorecard" + q(range)),
      api("GET", "/v1/scorecard" + q({ ...range, by: "rep" })),
      api("GET", "/v1/scorecard" + q({ ...range, by: "pool" })),
      sel.by ? api("GET", "/v1/scorecard" + q({ ...range, by: sel.by })) : null,
      api("GET", "/v1/definitions").catch(() => null),
      loadCharts(),
      ...buckets(fromMs, toMs).map(([a, b]) => api("GET", "/v1/scorecard" + q({ from: isoDay(a), to: isoDay(b) }))),
    ]);
    if (!ctx.live()) return;
    charts.forEach((c) => c.destroy());
    charts.length = 0;
    const o = all.overall;
    const cards = [];

    /* Speed over time. */
    const labels = series.map((s) => s.from.slice(0, 10));
    const speed = [
      ["Route, median (s)", series.map((s) => secs(s.overall.time_to_route_ms.median))],
      ["Route, p90 (s)", series.map((s) => secs(s.overall.time_to_route_ms.p90))],
      ["First touch, median (s)", series.map((s) => secs(s.overall.time_to_first_touch_ms.median))],
      ["First touch, p90 (s)", series.map((s) => secs(s.overall.time_to_first_touch_ms.p90))],
    ];
    let f = figureCard("speed", "Speed to route and to first touch", "Line chart of the median and p90 times to route and to first touch per period",
      numbers(["Period", ...speed.map((s) => s[0])], labels.map((l, i) => [l, ...speed.map((s) => s[1][i])]), "numbers-speed"));
    cards.push(f.card);
    const speedCanvas = f.canvas;

    /* SLA compliance by rep and by pool. */
    const slaRows = (sc, key) => sc.groups.map((g) => [g[key] === null ? "(none)" : g[key], g.routed_within_sla_pct, g.first_touched_within_sla_pct]);
    const repRows = slaRows(byRep, "rep");
    f = figureCard("sla-rep", "SLA met, by rep", "Bar chart of the share of clocks met by each rep",
      numbers(["Rep", "Routed within SLA %", "First touch within SLA %"], repRows, "numbers-sla-rep"));
    cards.push(f.card);
    const repCanvas = f.canvas;
    const poolRows = slaRows(byPool, "pool");
    f = figureCard("sla-pool", "SLA met, by pool", "Bar chart of the share of clocks met in each pool",
      numbers(["Pool", "Routed within SLA %", "First touch within SLA %"], poolRows, "numbers-sla-pool"));
    cards.push(f.card);
    const poolCanvas = f.canvas;

    /* The funnel, with its conversions. */
    const funnel = (defs && defs.funnel) || Object.keys(o.stages || {});
    const conv = new Map((o.conversions || []).map((c) => [c.from + ">" + c.to, c.pct]));
    const funnelRows = funnel.map((s, i) => [s, (o.stages || {})[s] || 0, i ? conv.get(funnel[i - 1] + ">" + s) : null]);
    f = figureCard("funnel", "The funnel", "Bar chart of leads that entered each stage",
      numbers(["Stage", "Leads", "Converted from the stage before %"], funnelRows, "numbers-funnel"));
    cards.push(f.card);
    const funnelCanvas = f.canvas;

    /* Rejection reasons. */
    const rej = Object.entries(o.rejections || {}).filter((r) => r[1] > 0).sort((a, b) => b[1] - a[1]);
    f = figureCard("rejections", "Why leads were rejected", "Bar chart of rejections by reason",
      numbers(["Reason", "Rejections"], rej, "numbers-rejections"));
    cards.push(f.card);
    const rejCanvas = f.canvas;

    /* Won amounts traced to source. */
    const attr = (all.attribution || []).filter((a) => a.won_amount > 0 || a.leads > 0);
    f = figureCard("won", "Won amounts by source", "Bar chart of the amount won by each source and first event",
      numbers(["Source / event", "Leads", "Won", "Won amount", "Win rate %"],
        attr.map((a) => [(a.source || "(none)") + " / " + (a.event || "(none)"), a.leads, a.won, a.won_amount, a.win_rate_pct]), "numbers-won"));
    cards.push(f.card);
    const wonCanvas = f.canvas;

    const groupTable = grouped ? h("section", { class: "card", "aria-labelledby": "h-groups" },
      h("h2", { id: "h-groups", text: "By " + sel.by }),
      h("div", { class: "scroll" }, numbers([sel.by, "Received", "Routed", "Route median", "First touch median", "Routed within SLA %", "First touch within SLA %", "Accepted %", "Won amount"],
        grouped.groups.map((g) => [g[sel.by] === null ? "(none)" : g[sel.by], g.leads_received, g.leads_routed,
          fmt.dur(g.time_to_route_ms.median), fmt.dur(g.time_to_first_touch_ms.median), g.routed_within_sla_pct,
          g.first_touched_within_sla_pct, g.acceptance_rate_pct, g.won_amount]), "numbers-groups"))) : null;

    out.replaceChildren(
      h("p", { class: "muted", text: "Leads that arrived " + range.from + " to " + sel.to + " (UTC), everything that happened to them since" +
        (all.up_to_date ? "." : "; the newest events are still being counted.") }),
      ...[kpis(o), groupTable, h("div", { class: "grid" }, cards)].filter(Boolean));

    const bar = (canvas, labels, sets, opts) => chart(canvas, { type: "bar",
      data: { labels, datasets: sets.map(([label, data], i) => ({ label, data, backgroundColor: COLORS[i % COLORS.length] })) },
      options: opts });
    const pctAxis = { scales: { y: { min: 0, max: 100 } } };
    const made = [
      chart(speedCanvas, { type: "line", data: { labels, datasets: speed.map(([label, data], i) => ({
        label, data, borderColor: COLORS[i], backgroundColor: COLORS[i], spanGaps: true, borderDash: i % 2 ? [6, 4] : [] })) } }),
      bar(repCanvas, repRows.map((r) => r[0]), [["Routed within SLA %", repRows.map((r) => r[1])], ["First touch within SLA %", repRows.map((r) => r[2])]], pctAxis),
      bar(poolCanvas, poolRows.map((r) => r[0]), [["Routed within SLA %", poolRows.map((r) => r[1])], ["First touch within SLA %", poolRows.map((r) => r[2])]], pctAxis),
      bar(funnelCanvas, funnelRows.map((r) => r[0]), [["Leads", funnelRows.map((r) => r[1])]]),
      bar(rejCanvas, rej.map((r) => fmt.words(r[0])), [["Rejections", rej.map((r) => r[1])]], { indexAxis: "y" }),
      bar(wonCanvas, attr.map((a) => (a.source || "(none)") + " / " + (a.event || "(none)")), [["Won amount", attr.map((a) => a.won_amount)]]),
    ];
    made.forEach((c) => c && charts.push(c));
  }

  LR.page("scorecard", {
    title: "Scorecard", role: "manager", nav: true,
    async render(main, args, ctx) {
      const today = isoDay(Date.now());
      const from = h("input", { type: "date", id: "sc-from", value: isoDay(Date.now() - 29 * DAY) });
      const to = h("input", { type: "date", id: "sc-to", value: today });
      const period = h("select", { id: "sc-period" },
        [["7", "Last 7 days"], ["30", "Last 30 days", true], ["90", "Last 90 days"], ["custom", "From … to …"]]
          .map(([v, t, s]) => h("option", { value: v, text: t, selected: !!s })));
      const by = h("select", { id: "sc-by" }, [["", "no grouping"], ["rep", "rep"], ["pool", "pool"], ["source", "source"], ["rule", "rule"]]
        .map(([v, t]) => h("option", { value: v, text: t })));
      const csv = h("button", { type: "button", text: "Download CSV", "data-testid": "csv" });
      const out = h("div", { "aria-live": "polite" }, h("p", { class: "muted", text: "Loading…" }));
      const charts = [];
      ctx.cleanup(() => charts.forEach((c) => c.destroy()));
      const sel = () => ({ from: from.value, to: to.value, by: by.value });
      const custom = h("span", { class: "row", hidden: true },
        h("label", { for: "sc-from" }, "From", from), h("label", { for: "sc-to" }, "To (inclusive)", to));
      main.append(h("h1", { text: "Scorecard" }),
        h("div", { class: "card row" }, h("label", { for: "sc-period" }, "Period", period), custom,
          h("label", { for: "sc-by" }, "Group by", by), csv),
        out);
      const redraw = () => draw(out, sel(), ctx, charts).catch((e) => out.replaceChildren(LR.failed("Scorecard", e)));
      period.addEventListener("change", () => {
        custom.hidden = period.value !== "custom";
        if (period.value !== "custom") {
          from.value = isoDay(Date.now() - (Number(period.value) - 1) * DAY);
          to.value = today;
        }
        redraw();
      });
      for (const el of [from, to, by]) el.addEventListener("change", redraw);
      csv.addEventListener("click", async () => {
        const s = sel();
        const r = await api("GET", "/v1/scorecard" + q({ from: s.from, to: isoDay(Date.parse(s.to + "T00:00:00Z") + DAY), by: s.by, format: "csv" }), undefined, { raw: true });
        if (!r.ok) { LR.toast("CSV failed: HTTP " + r.status); return; }
        download("scorecard-" + s.from + "-" + s.to + (s.by ? "-by-" + s.by : "") + ".csv", await r.text());
      });
      await redraw();
    },
  });
})();
