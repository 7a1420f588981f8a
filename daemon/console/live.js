"use strict";
/*
 * live.js — the manager's home: open escalations as they arrive (the
 * escalation feed, over the session cookie), the clocks running with their
 * countdowns, and each pool's queue.
 */
(() => {
  const { h, api, fmt, badge } = LR;

  /* The state a clock is in now, by the same rule as GET /v1/clocks. */
  function clockState(c, atRiskPct) {
    const left = Date.parse(c.due_at) - Date.now();
    if (left <= 0 || c.state === "breached") return "breached";
    if (c.duration_ms > 0 && left <= c.duration_ms * atRiskPct / 100) return "at_risk";
    return "on_track";
  }
  const STATE = { on_track: ["ok", "on track"], at_risk: ["warn", "at risk"], breached: ["bad", "breached"] };

  function leadLink(id) {
    return h("a", { href: "#/lead/" + encodeURIComponent(id), text: id.slice(-8), title: id });
  }

  async function escalations(box, ctx) {
    let data;
    try {
      data = await api("GET", "/v1/escalations?status=open&limit=100");
    } catch (e) {
      box.replaceChildren(LR.failed("Escalations", e));
      return;
    }
    if (!ctx.live()) return;
    const items = data.escalations;
    if (items.length === 0) {
      box.replaceChildren(h("p", { class: "muted", "data-testid": "no-escalations", text: "No open escalations." }));
      return;
    }
    box.replaceChildren(h("ul", { class: "list", "data-testid": "escalations" }, items.map((e) => {
      const ack = h("button", { type: "button", class: "primary", "data-ack": e.id, text: "Acknowledge" });
      ack.addEventListener("click", async () => {
        ack.disabled = true;
        try {
          await api("POST", "/v1/escalations/" + encodeURIComponent(e.id) + "/ack", { by: LR.session().name });
          LR.toast("Escalation " + e.id + " acknowledged");
          escalations(box, ctx);
        } catch (err) {
          ack.disabled = false;
          LR.toast("Could not acknowledge: " + err.message);
        }
      });
      return h("li", { "data-escalation": e.id },
        h("div", { class: "row spread" },
          h("div", {},
            badge("bad", "breached"), " ",
            h("strong", { text: fmt.words(e.clock) }), " of lead ", leadLink(e.lead),
            h("div", { class: "muted" },
              (e.owner ? "owner " + e.owner : "no owner (queued)") + " · pool " + (e.pool || "—") +
              " · breached " + fmt.ago(e.breached_at) + (e.levels ? " · level " + e.level + " of " + e.levels : ""))),
          LR.can("manager") ? ack : null));
    })));
  }

  async function clocks(box, ctx) {
    let data;
    try {
      data = await api("GET", "/v1/clocks?limit=100");
    } catch (e) {
      box.replaceChildren(LR.failed("Clocks", e));
      return null;
    }
    if (!ctx.live()) return null;
    const pct = data.at_risk_below_pct || 25;
    if (data.clocks.length === 0) {
      box.replaceChildren(h("p", { class: "muted", "data-testid": "no-clocks", text: "No clocks running." }));
      return null;
    }
    const rows = data.clocks.map((c) => {
      const left = h("td", { class: "num" });
      const state = h("td", {});
      const tick = () => {
        left.textContent = fmt.dur(Date.parse(c.due_at) - Date.now());
        const [kind, text] = STATE[clockState(c, pct)];
        state.replaceChildren(badge(kind, text));
      };
      tick();
      return { tick, tr: h("tr", { "data-clock": c.clock + ":" + c.lead },
        h("td", {}, leadLink(c.lead)), h("td", { text: fmt.words(c.clock) }),
        h("td", { text: c.owner || "queued" }), h("td", { class: "hide-narrow", text: c.pool || "—" }),
        left, state) };
    });
    box.replaceChildren(h("div", { class: "scroll" }, h("table", { "data-testid": "clocks" },
      h("thead", {}, h("tr", {}, h("th", { text: "Lead" }), h("th", { text: "Clock" }), h("th", { text: "Owner" }),
        h("th", { class: "hide-narrow", text: "Pool" }), h("th", { class: "num", text: "Due in" }), h("th", { text: "State" }))),
      h("tbody", {}, rows.map((r) => r.tr)))));
    return () => rows.forEach((r) => r.tick());
  }

  async function queues(box, ctx) {
    let data;
    try {
      data = await api("GET", "/v1/pools");
    } catch (e) {
      box.replaceChildren(LR.failed("Queues", e));
      return;
    }
    if (!ctx.live()) return;
    const pools = Array.isArray(data) ? data : data.pools;
    box.replaceChildren(h("table", { "data-testid": "queues" },
      h("thead", {}, h("tr", {}, h("th", { text: "Pool" }), h("th", { class: "num", text: "Queued" }),
        h("th", { class: "num", text: "Oldest waiting" }), h("th", { class: "num", text: "Open" }), h("th", { text: "Next" }))),
      h("tbody", {}, pools.map((p) => h("tr", { "data-pool": p.id },
        h("td", { text: p.id }),
        h("td", { class: "num" }, p.queued > 0 ? badge("warn", String(p.queued)) : "0"),
        h("td", { class: "num", text: p.oldest_queued_at ? fmt.dur(Date.now() - Date.parse(p.oldest_queued_at)) : "—" }),
        h("td", { class: "num", text: p.max_open ? p.open_leads + " / " + p.max_open : String(p.open_leads) }),
        h("td", { text: p.next || "nobody eligible" }))))));
  }

  LR.page("live", {
    title: "Live", role: "manager", nav: true,
    async render(main, args, ctx) {
      const status = h("span", { class: "muted", "data-testid": "feed-status" }, h("span", { class: "live-dot" }), "connecting…");
      const escBox = h("div", {}, h("p", { class: "muted", text: "Loading…" }));
      const clockBox = h("div", {}, h("p", { class: "muted", text: "Loading…" }));
      const queueBox = h("div", {}, h("p", { class: "muted", text: "Loading…" }));
      main.append(
        h("div", { class: "row spread" }, h("h1", { text: "Live" }), status),
        h("div", { class: "grid" },
          h("section", { class: "card", "aria-labelledby": "h-esc" }, h("h2", { id: "h-esc", text: "Open escalations" }), escBox),
          h("section", { class: "card", "aria-labelledby": "h-q" }, h("h2", { id: "h-q", text: "Queues" }), queueBox)),
        h("section", { class: "card", "aria-labelledby": "h-clk" }, h("h2", { id: "h-clk", text: "Clocks running" }), clockBox));

      /* The feed says something changed: read the open escalations again (coalesced). */
      let pending = null;
      const refresh = () => {
        if (pending) return;
        pending = setTimeout(() => { pending = null; escalations(escBox, ctx); clocksNow(); }, 150);
      };
      const feed = new EventSource("/v1/escalations/stream");
      feed.onopen = () => status.replaceChildren(h("span", { class: "live-dot on" }), "live");
      feed.onerror = () => status.replaceChildren(h("span", { class: "live-dot" }), "reconnecting…");
      for (const type of ["escalated", "escalation_level", "acknowledged", "resolved", "reassigned", "rep_auto_offline"])
        feed.addEventListener(type, refresh);
      ctx.cleanup(() => { feed.close(); clearTimeout(pending); });

      let tick = null;
      const clocksNow = async () => { tick = await clocks(clockBox, ctx); };
      await Promise.all([escalations(escBox, ctx), clocksNow(), queues(queueBox, ctx)]);
      ctx.every(1000, () => tick && tick());
      ctx.every(10000, () => { clocksNow(); queues(queueBox, ctx); });
    },
  });
})();
