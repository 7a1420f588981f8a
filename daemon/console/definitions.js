"use strict";
/*
 * definitions.js — the shared definitions as published: stages, reasons,
 * the scoring model, the rules that route, the SLA contract, and (for
 * managers) every earlier version.
 */
(() => {
  const { h, api, fmt } = LR;
  const cond = (c) => LR.leadText.condText(c);

  function table(head, rows) {
    return h("div", { class: "scroll" }, h("table", {},
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { text: t })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((v) => h("td", {}, v === null || v === undefined ? "—" : v)))))));
  }

  function targetText(t) {
    if (t.pool) return "pool " + t.pool;
    if (t.rep) return "rep " + t.rep;
    if (t.account_owner) return "the account's owner";
    return JSON.stringify(t);
  }

  function slaText(sla) {
    const e = Object.entries(sla || {});
    return e.length ? e.map(([k, v]) => fmt.words(k) + " " + fmt.dur(v)).join(", ") : "—";
  }

  function section(id, title, ...body) {
    return h("section", { class: "card", "aria-labelledby": "d-" + id }, h("h2", { id: "d-" + id, text: title }), ...body);
  }

  function contract(c) {
    if (!c) return null;
    const rows = [];
    for (const side of ["marketing", "sales"])
      for (const [k, v] of Object.entries(c[side] || {}))
        rows.push([side, fmt.words(k), JSON.stringify(v)]);
    return rows.length ? section("contract", "The two-way SLA", table(["Side", "Commitment", "Target"], rows)) : null;
  }

  function render(main, d, title) {
    const s = d.scoring || {};
    main.append(
      h("h1", { text: title }),
      h("p", { class: "muted", text: "Version " + d.version + " · config " + d.config_version }),
      section("stages", "Stages", table(["Stage", "Name", "Definition", "Owner", "Next"],
        (d.stages || []).map((st) => [h("strong", { text: st.id }), st.name, st.definition, st.owner, (st.next || []).join(", ")]))),
      section("rules", "Routing rules, in order", table(["Rule", "When", "Goes to", "Clocks"],
        (d.rules || []).map((r) => [r.name, cond(r.when), r.nurture ? "nurture" : (r.targets || []).map(targetText).join(", then ") +
          (r.queue ? "; waits in " + r.queue : ""), slaText(r.sla)]))),
      section("clocks", "SLA clocks", table(["Clock", "Starts", "Stops", "Duration", "Calendar"],
        (d.clocks || []).map((c) => [c.name, c.start, (c.stop || []).join(", "), fmt.dur(c.duration_ms), c.calendar]))),
      section("sla-over", "Clock overrides", table(["By", "Which", "Durations"], [
        ...Object.entries(d.sla_by_grade || {}).map(([g, v]) => ["grade", g, slaText(v)]),
        ...Object.entries(d.sla_by_pool || {}).filter(([, v]) => Object.keys(v).length).map(([p, v]) => ["pool", p, slaText(v)])])),
      contract(d.contract),
      section("scoring", "Scoring",
        h("p", { text: "MQL at " + s.mql_at + " points · grades " + (s.grades || []).map((g) => g.name + " ≥ " + g.min).join(", ") +
          (s.hold_below_mql ? " · below MQL: held in nurture" : "") +
          (s.decay && s.decay.half_life_ms ? " · behaviour halves every " + fmt.dur(s.decay.half_life_ms) : "") +
          (s.decay && s.decay.expire_after_ms ? " · and expires after " + fmt.dur(s.decay.expire_after_ms) : "") }),
        table(["Fit rule", "When", "Points"], (s.fit || []).map((f) => [f.name, cond(f.when), String(f.points)])),
        table(["Behaviour", "Points"], (s.behavior || []).map((b) => [b.event, String(b.points)]))),
      section("reasons", "Reason codes",
        table(["Reject reason", "Label", "Then", "Note"], (d.reject_reasons || []).map((r) => [r.code, r.label, r.then, r.note_required ? "required" : ""])),
        table(["Lost reason", "Label", "Note", "After the cadence"], (d.lost_reasons || []).map((r) => [r.code, r.label, r.note_required ? "required" : "", r.needs_cadence ? "yes" : ""])),
        h("p", { class: "muted", text: d.cadence ? "Cadence: " + d.cadence.touches + " touches within " + fmt.dur(d.cadence.within_ms) : "" })));
  }

  LR.page("definitions", {
    title: "Definitions", role: "rep", nav: true,
    async render(main, args, ctx) {
      const version = args[0];
      const d = await api("GET", version ? "/v1/definitions/history/" + encodeURIComponent(version) : "/v1/definitions");
      if (!ctx.live()) return;
      render(main, d, version ? "Definitions, version " + version : "Definitions");
      if (!LR.can("manager")) return;
      const hist = await api("GET", "/v1/definitions/history?limit=50").catch(() => null);
      if (!hist || !ctx.live()) return;
      main.append(section("history", "Version history", table(["Version", "Config", "Recorded", "Why"],
        hist.versions.map((v) => [h("a", { href: "#/definitions/" + encodeURIComponent(v.version), text: v.version }),
          v.config_version, fmt.time(v.recorded_at), v.changelog ? (v.changelog.why || "") + (v.changelog.by ? " (" + v.changelog.by + ")" : "") : ""]))));
    },
  });
})();
