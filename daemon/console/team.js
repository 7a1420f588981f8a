"use strict";
/*
 * team.js — every rep with their status (and a toggle), load against caps,
 * working hours now; and per pool the rotation order and why a rep is out.
 */
(() => {
  const { h, api, fmt, badge } = LR;

  const REASON = {
    away: "away", ooo: "out of office", outside_hours: "outside working hours",
    at_cap: "at the open-lead cap", daily_cap: "at the daily cap", pool_cap: "the pool is at its cap",
  };

  function statusBadge(r) {
    if (r.status === "available") return badge("ok", "available");
    if (r.status === "away") return badge("warn", "away");
    return badge("bad", "out of office" + (r.until ? " until " + fmt.time(r.until) : ""));
  }

  function meter(n, cap) {
    if (!cap) return h("span", { text: String(n) });
    const pct = Math.min(100, Math.round(100 * n / cap));
    const bar = h("span", {});
    bar.style.width = pct + "%";
    return h("span", {}, n + " / " + cap + " ", h("span", { class: "meter", role: "img", "aria-label": pct + "% of the cap" }, bar));
  }

  /* The toggle: available, away, or out of office until a date. */
  function statusForm(r, done) {
    const sel = h("select", { "aria-label": "Status of " + r.name, "data-status-of": r.id },
      ["available", "away", "ooo"].map((s) => h("option", { value: s, selected: s === r.status, text: s === "ooo" ? "out of office" : s })));
    const until = h("input", { type: "datetime-local", "aria-label": "Out of office until", hidden: r.status !== "ooo" });
    const save = h("button", { type: "button", text: "Set", "data-set-status": r.id });
    sel.addEventListener("change", () => { until.hidden = sel.value !== "ooo"; });
    save.addEventListener("click", async () => {
      const body = { status: sel.value };
      if (sel.value === "ooo" && until.value) body.until = new Date(until.value).toISOString();
      save.disabled = true;
      try {
        const ans = await api("PUT", "/v1/reps/" + encodeURIComponent(r.id) + "/status", body);
        LR.toast(r.name + " is " + fmt.words(ans.status === "ooo" ? "out of office" : ans.status) +
          (ans.assigned && ans.assigned.length ? "; " + ans.assigned.length + " queued lead(s) assigned" : ""));
        done();
      } catch (e) {
        LR.toast("Could not set the status: " + e.message);
      } finally {
        save.disabled = false;
      }
    });
    return h("div", { class: "row" }, sel, until, save);
  }

  async function rotation(pool) {
    const p = await api("GET", "/v1/pools/" + encodeURIComponent(pool));
    return h("section", { class: "card", "data-pool": p.id, "aria-labelledby": "rot-" + p.id },
      h("h2", { id: "rot-" + p.id, text: "Pool " + p.id }),
      h("p", { class: "muted", text: (p.next ? "Next lead goes to " + p.next : "Nobody is eligible now") +
        " · " + p.open_leads + (p.max_open ? " / " + p.max_open : "") + " open · " + p.queued + " queued" }),
      h("ol", { class: "list" }, p.rotation.map((c) => h("li", { "data-rep": c.rep },
        h("div", { class: "row spread" },
          h("span", {}, h("strong", { text: c.rep }), c.rep === p.next ? h("span", {}, " ", badge("ok", "next")) : null),
          c.eligible ? badge("ok", "eligible") : badge("warn", REASON[c.reason] || fmt.words(c.reason))),
        h("div", { class: "muted", text: "weight " + c.weight + " · " + c.open_leads + (c.max_open ? "/" + c.max_open : "") +
          " open · " + c.leads_today + (c.max_per_day ? "/" + c.max_per_day : "") + " today" })))));
  }

  /* A rep's own page shows the same status and toggle (leads.js). */
  LR.repStatus = { badge: statusBadge, form: statusForm };

  LR.page("team", {
    title: "Team", role: "manager", nav: true,
    async render(main, args, ctx) {
      const repsBox = h("div", {}, h("p", { class: "muted", text: "Loading…" }));
      const poolsBox = h("div", { class: "grid" });
      main.append(h("h1", { text: "Team" }),
        h("section", { class: "card", "aria-labelledby": "h-reps" }, h("h2", { id: "h-reps", text: "Reps" }), repsBox),
        h("h2", { text: "Rotation by pool" }), poolsBox);

      const load = async () => {
        const data = await api("GET", "/v1/reps");
        if (!ctx.live()) return;
        repsBox.replaceChildren(h("div", { class: "scroll" }, h("table", { "data-testid": "reps" },
          h("thead", {}, h("tr", {}, h("th", { text: "Rep" }), h("th", { text: "Status" }), h("th", { text: "Change" }),
            h("th", { text: "Open leads" }), h("th", { text: "Today" }), h("th", { text: "Working hours" }))),
          h("tbody", {}, data.reps.map((r) => h("tr", { "data-rep": r.id },
            h("td", {}, h("strong", { text: r.name || r.id }), h("div", { class: "muted", text: r.id + " · " + (r.pools || []).join(", ") })),
            h("td", {}, statusBadge(r)),
            h("td", {}, statusForm(r, load)),
            h("td", {}, meter(r.open_leads, r.max_open)),
            h("td", {}, meter(r.leads_today, r.max_per_day)),
            h("td", {}, r.in_hours ? badge("ok", "in hours") : badge("none", "out of hours"))))))));
        const pools = [...new Set(data.reps.flatMap((r) => r.pools || []))];
        const cards = await Promise.all(pools.map((p) => rotation(p).catch((e) => LR.failed("Pool " + p, e))));
        if (ctx.live()) poolsBox.replaceChildren(...cards);
      };
      await load();
      ctx.every(15000, load);
    },
  });
})();
