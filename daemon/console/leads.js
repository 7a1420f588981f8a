"use strict";
/*
 * leads.js — find a lead (email, phone, id, CRM id, company or owner) and
 * read it: its timeline, its clocks, and its decision written as sentences,
 * with the conditions of the rules as the config that decided published them.
 */
(() => {
  const { h, api, q, fmt, badge } = LR;
  const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

  /* ---- conditions as sentences ---- */

  const OPS = { in: "is one of", iin: "is one of", prefix: "starts with", suffix: "ends with", contains: "contains" };
  const CMP = { gt: ">", gte: "≥", lt: "<", lte: "≤" };

  function condText(c) {
    if (c === null || c === undefined) return "every lead";
    if (c.all) return c.all.map(condText).join(" and ");
    if (c.any) return "(" + c.any.map(condText).join(" or ") + ")";
    if (c.not) return "not (" + condText(c.not) + ")";
    if (c.territory) return "territory " + c.territory;
    const parts = [];
    for (const [op, word] of Object.entries(OPS))
      if (c[op] !== undefined) parts.push(c.field + " " + word + " " + [].concat(c[op]).join(", "));
    for (const [op, sym] of Object.entries(CMP))
      if (c[op] !== undefined) parts.push(c.field + " " + sym + " " + c[op]);
    if (c.exists !== undefined) parts.push(c.field + (c.exists ? " is present" : " is absent"));
    return parts.join(" and ") || JSON.stringify(c);
  }

  function condFields(c, out) {
    if (!c) return out;
    if (c.all) c.all.forEach((x) => condFields(x, out));
    else if (c.any) c.any.forEach((x) => condFields(x, out));
    else if (c.not) condFields(c.not, out);
    else if (c.field) out.add(c.field);
    else if (c.territory) out.add("country");
    return out;
  }

  function leadValues(c, fields) {
    const names = [...condFields(c, new Set())];
    if (names.length === 0) return "";
    return " (this lead: " + names.map((n) => n + " " + (fields[n] === undefined ? "absent" : fields[n])).join(", ") + ")";
  }

  const RESULT = {
    away: "away", ooo: "out of office", outside_hours: "outside working hours",
    at_cap: "at the open-lead cap", daily_cap: "at the daily cap", pool_cap: "the pool was at its cap",
    weight_turn: "eligible, but not their turn in the weighted rotation",
    no_account: "no account owns the email's domain", not_configured: "no longer in the config",
  };

  /* The decision as sentences a manager can read, from the trace and the rules that decided. */
  function decisionSentences(lead, rules, statusNow) {
    const d = lead.decision || {};
    const out = [];
    const byName = new Map((rules || []).map((r) => [r.name, r]));
    const tried = Array.isArray(d.rules_evaluated) ? d.rules_evaluated : [];
    tried.forEach((name, i) => {
      const r = byName.get(name);
      const last = i === tried.length - 1 && name === d.rule;
      if (!r) out.push("rule " + name + (last ? " matched" : " did not match"));
      else if (last) out.push("rule " + name + " matched: " + condText(r.when) + leadValues(r.when, lead.fields || {}));
      else out.push("rule " + name + " did not match: it needs " + condText(r.when) + leadValues(r.when, lead.fields || {}));
    });
    if (!Array.isArray(d.rules_evaluated) && d.rule) out.push("rule " + d.rule + " matched");
    for (const t of d.targets || []) {
      if (t.target === "nurture") out.push("kept in nurture: no owner, no clocks");
      else if (t.target === "queue") out.push("nobody was eligible: queued in pool " + t.pool);
      else if (t.target === "sticky")
        out.push(t.rep + (t.result === "chosen" ? " chosen: owned this person's earlier lead" : " skipped (owned the earlier lead): " + (RESULT[t.result] || t.result) + extra(t.rep, t.result, statusNow)));
      else if (t.target === "account_owner")
        out.push(t.rep ? t.rep + (t.result === "chosen" ? " chosen: owns the account " + t.domain : " skipped (owns " + t.domain + "): " + (RESULT[t.result] || t.result) + extra(t.rep, t.result, statusNow))
          : "no account owner: " + (RESULT[t.result] || t.result));
      else if (t.target === "rep")
        out.push(t.rep + (t.result === "chosen" ? " chosen: the rule names them" : " skipped: " + (RESULT[t.result] || t.result) + extra(t.rep, t.result, statusNow)));
      else if (t.target === "pool") {
        const prefix = t.from_queue ? "from the queue of pool " + t.pool + ": " : "";
        for (const c of t.candidates || [])
          out.push(prefix + c.rep + (c.result === "chosen" ? " chosen: next in rotation" : " skipped: " + (RESULT[c.result] || c.result) + extra(c.rep, c.result, statusNow)));
      }
    }
    return out;
  }

  /* "away until 14:00" where the rep's status now says until when. */
  function extra(rep, result, statusNow) {
    const s = statusNow && statusNow.get(rep);
    if (result === "ooo" && s && s.until) return " until " + fmt.time(s.until);
    return "";
  }

  /* ---- the timeline ---- */

  function eventText(e) {
    switch (e.type) {
    case "received": return "Received" + (e.stage ? " as " + e.stage.toUpperCase() : "") + (e.rule ? ", rule " + e.rule : "");
    case "assigned": return "Assigned to " + e.rep + (e.pool ? " from pool " + e.pool : "");
    case "queued": return "Queued in pool " + e.pool;
    case "nurture": return "Kept in nurture";
    case "touched": return (e.first ? "First touch" : "Touch") + " by " + e.rep + (e.channel ? " (" + e.channel + ")" : "");
    case "accepted": return "Accepted by " + (e.by || e.rep) + (e.to ? ": " + e.to.toUpperCase() : "");
    case "rejected": return "Rejected by " + (e.by || e.rep) + (e.reason ? ": " + fmt.words(e.reason) : "");
    case "stage": return "Stage " + (e.from ? e.from + " → " : "") + e.to + (e.by ? " by " + e.by : "") + (e.amount ? ", amount " + fmt.money(e.amount) : "") + (e.reason ? " (" + fmt.words(e.reason) + ")" : "");
    case "reassigned": return "Reassigned " + (e.from ? "from " + e.from + " " : "") + "to " + (e.to || e.rep) + (e.why || e.reason ? " (" + fmt.words(e.why || e.reason) + ")" : "");
    case "escalated": return "Escalated: " + fmt.words(e.clock) + " breached";
    case "escalation_level": return "Escalation level " + e.level;
    case "escalation_acknowledged": case "acknowledged": return "Escalation acknowledged" + (e.by ? " by " + e.by : "");
    case "escalation_resolved": case "resolved": return "Escalation resolved";
    case "re_engaged": return "Came back" + (e.event ? ": " + fmt.words(e.event) : "");
    case "became_mql": return "Became an MQL";
    case "reminded": return "Reminder sent" + (e.rep ? " to " + e.rep : "");
    default: {
      const rest = Object.entries(e).filter(([k]) => k !== "type" && k !== "at").map(([k, v]) => k + " " + v).join(", ");
      return fmt.words(e.type) + (rest ? ": " + rest : "");
    }
    }
  }

  function clockRow(name, c) {
    let state;
    if (c.running && !c.breached) state = badge(Date.parse(c.due_at) < Date.now() ? "bad" : "ok", "running");
    else if (c.breached) state = badge("bad", "breached");
    else state = badge("ok", "met");
    return h("tr", { "data-clock": name }, h("td", { text: fmt.words(name) }), h("td", {}, state),
      h("td", { text: fmt.time(c.started_at) }), h("td", { text: fmt.time(c.due_at) }),
      h("td", { text: c.stopped_at ? fmt.time(c.stopped_at) : c.running ? "due in " + fmt.dur(Date.parse(c.due_at) - Date.now()) : "—" }),
      h("td", { text: c.owner || "—" }));
  }

  /* The rules in force for a config version: that version's, or today's when it is today's. */
  async function rulesOf(version) {
    if (!version) return null;
    try {
      const defs = await api("GET", "/v1/definitions/config/" + encodeURIComponent(version));
      return defs.rules;
    } catch (e) {
      const now = await api("GET", "/v1/definitions");
      return now.config_version === version ? now.rules : null;
    }
  }

  async function showLead(main, id, ctx) {
    const lead = await api("GET", "/v1/leads/" + encodeURIComponent(id));
    if (!ctx.live()) return;
    const f = lead.fields || {};
    const name = [f.first_name, f.last_name].filter(Boolean).join(" ") || f.email || lead.id;
    const [rules, reps] = await Promise.all([
      rulesOf(lead.decision && lead.decision.config_version).catch(() => null),
      LR.can("manager") ? api("GET", "/v1/reps").catch(() => null) : null,
    ]);
    const statusNow = new Map(((reps && reps.reps) || []).map((r) => [r.id, r]));
    const why = decisionSentences(lead, rules, statusNow);
    main.append(
      h("p", {}, h("a", { href: "#/leads", text: "← Leads" })),
      h("h1", { text: name + (f.company ? " · " + f.company : "") }),
      h("div", { class: "kpis" },
        kpi("Status", lead.status), kpi("Stage", lead.stage || "—"), kpi("Owner", lead.owner || "none"),
        kpi("Score", lead.score + (lead.grade ? " (" + lead.grade + ")" : "") + (lead.mql ? " · MQL" : "")),
        kpi("Received", fmt.time(lead.received_at))),
      h("div", { class: "grid" },
        h("section", { class: "card", "aria-labelledby": "h-why" }, h("h2", { id: "h-why", text: "Why it went where it did" }),
          h("ul", { class: "why", "data-testid": "decision" }, why.map((s) => h("li", { text: s }))),
          h("p", { class: "muted", text: "Decided under config " + ((lead.decision && lead.decision.config_version) || "—") +
            (rules ? "" : " (its rules' conditions are not known here)") })),
        h("section", { class: "card", "aria-labelledby": "h-clocks" }, h("h2", { id: "h-clocks", text: "Clocks" }),
          h("div", { class: "scroll" }, h("table", { "data-testid": "lead-clocks" },
            h("thead", {}, h("tr", {}, ["Clock", "State", "Started", "Due", "Stopped", "Owner"].map((t) => h("th", { text: t })))),
            h("tbody", {}, Object.entries(lead.clocks || {}).map(([n, c]) => clockRow(n, c))))))),
      h("section", { class: "card", "aria-labelledby": "h-tl" }, h("h2", { id: "h-tl", text: "Timeline" }),
        h("ol", { class: "timeline", "data-testid": "timeline" }, (lead.events || []).map((e) =>
          h("li", { "data-type": e.type }, h("time", { datetime: e.at, text: fmt.time(e.at) }), eventText(e))))),
      h("section", { class: "card", "aria-labelledby": "h-f" }, h("h2", { id: "h-f", text: "Fields and score" }),
        h("table", {}, h("tbody", {}, Object.entries(f).map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { text: String(v) }))))),
        h("h2", { text: "Score breakdown" }),
        h("ul", {}, (lead.score_breakdown || []).map((s) => h("li", { text: s.reason + ": " + s.points +
          (s.earned !== undefined && s.earned !== s.points ? " (earned " + s.earned + ")" : "") })))));
  }

  function kpi(k, v) {
    return h("div", { class: "kpi" }, h("div", { class: "k", text: k }), h("div", { class: "v", text: v }));
  }

  /* What the box holds: a reference GET /v1/leads/{ref} resolves, or a company to search. */
  function refOf(text) {
    const t = text.trim();
    if (/^(email|phone|crm):/.test(t) || ULID.test(t)) return t;
    if (t.includes("@")) return "email:" + t;
    if (/^\+?[\d][\d\s().-]{5,}$/.test(t)) return "phone:" + t.replace(/[\s().-]/g, "");
    return null;
  }

  function resultsTable(leads) {
    if (leads.length === 0) return h("p", { class: "muted", text: "No leads found." });
    return h("div", { class: "scroll" }, h("table", { "data-testid": "lead-results" },
      h("thead", {}, h("tr", {}, ["Lead", "Company", "Status", "Owner", "Score", "Received"].map((t) => h("th", { text: t })))),
      h("tbody", {}, leads.map((l) => h("tr", {},
        h("td", {}, h("a", { href: "#/lead/" + encodeURIComponent(l.id), text: l.name || l.id })),
        h("td", { text: l.company || "—" }), h("td", { text: l.status }), h("td", { text: l.owner || "—" }),
        h("td", { text: l.score === undefined ? "—" : l.score + (l.grade ? " (" + l.grade + ")" : "") }),
        h("td", { text: fmt.time(l.received_at) }))))));
  }

  /* A rep's own status (with the toggle) and the clocks running on their leads. */
  async function myDay(ctx) {
    const status = h("div", {});
    const clocks = h("div", {});
    const card = h("section", { class: "card", "aria-labelledby": "h-me" }, h("h2", { id: "h-me", text: "My status" }), status,
      h("h2", { text: "My clocks running" }), clocks);
    const load = async () => {
      const [reps, running] = await Promise.all([api("GET", "/v1/reps"), api("GET", "/v1/clocks?limit=50")]);
      if (!ctx.live()) return;
      const me = reps.reps[0];
      status.replaceChildren(me ? h("div", { class: "row" }, LR.repStatus.badge(me),
        h("span", { class: "muted", text: me.open_leads + " open · " + me.leads_today + " today" }), LR.repStatus.form(me, load)) : "");
      clocks.replaceChildren(running.clocks.length === 0 ? h("p", { class: "muted", text: "None." }) :
        h("ul", { class: "list" }, running.clocks.map((c) => h("li", {},
          h("a", { href: "#/lead/" + encodeURIComponent(c.lead), text: c.lead.slice(-8) }), " " + fmt.words(c.clock) + " due " +
          fmt.time(c.due_at) + " ", badge(c.state === "on_track" ? "ok" : c.state === "at_risk" ? "warn" : "bad", fmt.words(c.state))))));
    };
    await load().catch((e) => status.replaceChildren(LR.failed("Status", e)));
    ctx.every(15000, () => load().catch(() => {}));
    return card;
  }

  LR.page("leads", {
    title: "Leads", role: "rep", nav: true,
    async render(main, args, ctx) {
      const me = LR.session();
      const repOnly = !LR.can("manager");
      const box = h("input", { type: "search", id: "lead-q", name: "q", placeholder: "ana@acme.com, +49…, lead id, crm:…, or a company" });
      const owner = h("select", { id: "lead-owner", name: "owner" }, h("option", { value: "", text: "anyone" }));
      const results = h("div", { "aria-live": "polite" });
      const form = h("form", { class: "row", role: "search" },
        h("label", { for: "lead-q" }, "Find a lead", box),
        repOnly ? null : h("label", { for: "lead-owner" }, "Owner", owner),
        h("button", { class: "primary", type: "submit", text: "Find" }));
      main.append(h("h1", { text: repOnly ? "My leads" : "Leads" }));
      if (repOnly) main.append(await myDay(ctx));
      main.append(h("section", { class: "card" }, form, results));
      if (!repOnly) {
        const reps = await api("GET", "/v1/reps").catch(() => ({ reps: [] }));
        for (const r of reps.reps) owner.append(h("option", { value: r.id, text: r.name || r.id }));
      }
      const search = async () => {
        const t = box.value.trim();
        const ref = t ? refOf(t) : null;
        results.replaceChildren(h("p", { class: "muted", text: "Searching…" }));
        try {
          if (ref) {
            const lead = await api("GET", "/v1/leads/" + encodeURIComponent(ref));
            location.hash = "#/lead/" + encodeURIComponent(lead.id);
            return;
          }
          const who = repOnly ? me.rep : owner.value;
          const page = await api("GET", "/v1/leads" + q({ company: t, owner: who, limit: 50 }));
          if (ctx.live()) results.replaceChildren(resultsTable(page.leads));
        } catch (e) {
          if (!ctx.live()) return;
          if (e.code === "ambiguous_lead" && e.body.error.leads)
            results.replaceChildren(h("p", { text: "More than one lead: " }), resultsTable(e.body.error.leads.map((id) => ({ id }))));
          else results.replaceChildren(e.status === 404 ? h("p", { class: "muted", text: "No lead found for " + t + "." }) : LR.failed("Search", e));
        }
      };
      form.addEventListener("submit", (ev) => { ev.preventDefault(); search(); });
      if (repOnly) search();
    },
  });

  LR.page("lead", {
    title: "Lead", role: "rep", nav: false,
    render(main, args, ctx) {
      return showLead(main, args[0] || "", ctx);
    },
  });

  LR.leadText = { condText, decisionSentences, eventText };
})();
