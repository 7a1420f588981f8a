"use strict";
/*
 * sla.js — the two-way SLA as the seeds write it: what marketing and sales
 * each committed to (config contract:), the target beside the actual for the
 * period and the one before, met or missed at a glance; and the weekly
 * review that is sent from the same numbers.
 */
(() => {
  const { h, api, q, fmt, badge } = LR;
  const DAY = 86400000;

  function value(v, unit) {
    if (v === null || v === undefined) return "—";
    if (unit === "ms") return fmt.dur(v);
    if (unit === "pct") return v + "%";
    return fmt.num(v) + (unit && unit !== "leads" ? " " + unit : "");
  }

  function targetText(t) {
    if (!t) return "—";
    if (t.min !== undefined) return "at least " + value(t.min, t.unit) + (t.grades ? " (grades " + t.grades.join(", ") + ")" : "");
    if (t.max !== undefined) return "at most " + value(t.max, t.unit);
    return JSON.stringify(t);
  }

  function metBadge(met) {
    if (met === true) return badge("ok", "met");
    if (met === false) return badge("bad", "missed");
    return badge("none", "no data");
  }

  function side(id, title, items, previous) {
    const before = new Map((previous || []).map((c) => [c.id, c]));
    return h("section", { class: "card", "aria-labelledby": "h-" + id, "data-side": id },
      h("h2", { id: "h-" + id, text: title }),
      items.length === 0 ? h("p", { class: "muted", text: "No commitments configured (contract." + id + " in the config)." }) :
        h("div", { class: "scroll" }, h("table", {},
          h("thead", {}, h("tr", {}, ["Commitment", "Target", "Actual", "", "Period before"].map((t) => h("th", { text: t })))),
          h("tbody", {}, items.map((c) => {
            const p = before.get(c.id);
            return h("tr", { "data-commitment": c.id },
              h("td", { text: c.label }), h("td", { text: targetText(c.target) }),
              h("td", { class: "num", text: value(c.actual, c.target && c.target.unit) }), h("td", {}, metBadge(c.met)),
              h("td", { class: "num" }, p ? value(p.actual, p.target && p.target.unit) + " " : "—", p ? metBadge(p.met) : null));
          })))));
  }

  /* The period: this calendar month so far, the last one, or the last N days (UTC dates). */
  function range(choice) {
    const now = new Date();
    const day = (d) => d.toISOString().slice(0, 10);
    const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    if (choice === "month") return { from: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))), to: day(tomorrow) };
    if (choice === "last-month") return { from: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))),
      to: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))) };
    return { from: day(new Date(tomorrow - Number(choice) * DAY)), to: day(tomorrow) };
  }

  /* The weekly review: the digest the review meeting starts from, as it is sent. */
  async function review(main, ctx) {
    const which = h("select", { id: "review-period" },
      [["last", "The last review"], ["current", "The one under way"]].map(([v, t]) => h("option", { value: v, text: t })));
    const out = h("div", { "aria-live": "polite" });
    const send = LR.can("admin") ? h("button", { type: "button", text: "Send it now", "data-testid": "review-send" }) : null;
    main.append(h("section", { class: "card", "aria-labelledby": "h-review" },
      h("h2", { id: "h-review", text: "The weekly review" }),
      h("div", { class: "row" }, h("label", { for: "review-period" }, "Digest", which), send), out));
    const load = async () => {
      const r = await api("GET", "/v1/review" + q({ period: which.value }));
      if (!ctx.live()) return;
      const unitOf = (f) => (f.unit === "amount" ? "" : f.unit);
      out.replaceChildren(...[
        h("p", { class: "muted", text: "Due " + fmt.time(r.due_at) + " · leads that arrived " + fmt.time(r.from) + " to " + fmt.time(r.to) +
          ", against the " + fmt.dur(Date.parse(r.to) - Date.parse(r.from)) + " before" }),
        h("div", { class: "scroll" }, h("table", { "data-testid": "review-figures" },
          h("thead", {}, h("tr", {}, ["Figure", "This period", "The period before"].map((t) => h("th", { text: t })))),
          h("tbody", {}, r.figures.map((f) => h("tr", { "data-figure": f.id }, h("td", { text: f.label }),
            h("td", { class: "num", text: f.unit === "amount" ? fmt.money(f.value) : value(f.value, unitOf(f)) }),
            h("td", { class: "num", text: f.unit === "amount" ? fmt.money(f.previous) : value(f.previous, unitOf(f)) })))))),
        r.top_rejections.length ? h("p", { text: "Top rejection reasons: " + r.top_rejections.map((t) =>
          t.label + " " + t.count + " (before: " + t.previous + ")").join(" · ") }) : null].filter(Boolean));
    };
    which.addEventListener("change", () => load().catch((e) => out.replaceChildren(LR.failed("The review", e))));
    if (send)
      send.addEventListener("click", async () => {
        send.disabled = true;
        try {
          const a = await api("POST", "/v1/review/send" + q({ period: which.value }));
          LR.toast("Sent to " + a.recipients.length + " recipient(s)");
        } catch (e) {
          LR.toast(e.code === "no_recipients" ? "The review names nobody to send to (review: in the config)" : "Could not send: " + e.message);
        } finally {
          send.disabled = false;
        }
      });
    await load().catch((e) => out.replaceChildren(LR.failed("The review", e)));
  }

  LR.page("sla", {
    title: "Two-way SLA", role: "manager", nav: true,
    async render(main, args, ctx) {
      const period = h("select", { id: "sla-period" },
        [["month", "This month"], ["last-month", "Last month"], ["7", "Last 7 days"], ["30", "Last 30 days"]]
          .map(([v, t]) => h("option", { value: v, text: t })));
      const out = h("div", { "aria-live": "polite" }, h("p", { class: "muted", text: "Loading…" }));
      main.append(h("h1", { text: "The two-way SLA" }),
        h("p", { class: "muted", text: "Marketing commits to volume and quality, sales to speed and follow-up; the figures are the scorecard's for the leads that arrived in the period." }),
        h("div", { class: "card row" }, h("label", { for: "sla-period" }, "Period", period)), out);
      const load = async () => {
        const c = await api("GET", "/v1/contract" + q(range(period.value)));
        if (!ctx.live()) return;
        const prev = c.previous || {};
        out.replaceChildren(
          h("p", { class: "muted", text: c.from.slice(0, 10) + " to " + c.to.slice(0, 10) + " (UTC), against " +
            (prev.from ? prev.from.slice(0, 10) + " to " + prev.to.slice(0, 10) : "—") }),
          h("div", { class: "grid" },
            side("marketing", "Marketing's commitments", c.marketing, prev.marketing),
            side("sales", "Sales' commitments", c.sales, prev.sales)));
      };
      period.addEventListener("change", () => load().catch((e) => out.replaceChildren(LR.failed("The SLA", e))));
      await load();
      await review(main, ctx);
    },
  });
})();
