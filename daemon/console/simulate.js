"use strict";
/*
 * simulate.js — fill in a lead and see the decision it would get, now or as
 * of a given time, with its clocks' due times. Nothing is stored.
 */
(() => {
  const { h, api, fmt, badge } = LR;
  const FIELDS = ["email", "first_name", "last_name", "company", "title", "country", "employees", "phone", "source", "event"];

  LR.page("simulate", {
    title: "Simulate", role: "manager", nav: true,
    async render(main, args, ctx) {
      const inputs = {};
      const form = h("form", { class: "card" },
        h("div", { class: "grid" }, FIELDS.map((f) => {
          inputs[f] = h("input", { id: "sim-" + f, name: f, type: f === "employees" ? "number" : f === "email" ? "email" : "text" });
          return h("label", { for: "sim-" + f }, fmt.words(f), inputs[f]);
        })),
        h("div", { class: "row" },
          h("label", { for: "sim-at" }, "As of (empty: now)", inputs.at = h("input", { id: "sim-at", type: "datetime-local" })),
          h("button", { class: "primary", type: "submit", text: "Simulate" })));
      const out = h("div", { "aria-live": "polite" });
      main.append(h("h1", { text: "Simulate a lead" }),
        h("p", { class: "muted", text: "The decision a lead like this would get, with its clocks. Nothing is stored and nobody is told." }),
        form, out);
      const defs = await api("GET", "/v1/definitions").catch(() => null);
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const lead = {};
        for (const f of FIELDS) {
          const v = inputs[f].value.trim();
          if (v !== "") lead[f] = f === "employees" ? Number(v) : v;
        }
        const at = inputs.at.value ? "?at=" + encodeURIComponent(new Date(inputs.at.value).toISOString()) : "";
        out.replaceChildren(h("p", { class: "muted", text: "Deciding…" }));
        try {
          const r = await api("POST", "/v1/route/simulate" + at, lead);
          if (!ctx.live()) return;
          const why = LR.leadText.decisionSentences(r, defs && defs.rules, null);
          out.replaceChildren(h("section", { class: "card", "data-testid": "simulation" },
            h("h2", { text: r.owner ? "Goes to " + r.owner : r.status === "queued" ? "Waits in pool " + r.pool : "Status: " + r.status }),
            h("p", { text: "Score " + r.score + (r.grade ? " (grade " + r.grade + ")" : "") + (r.mql ? ", an MQL" : "") }),
            h("ul", { class: "why", "data-testid": "decision" }, why.map((s) => h("li", { text: s }))),
            h("h2", { text: "Clocks" }),
            Object.keys(r.clocks || {}).length === 0 ? h("p", { class: "muted", text: "No clocks would start." }) :
              h("table", { "data-testid": "sim-clocks" }, h("thead", {}, h("tr", {}, ["Clock", "Starts", "Due", "State"].map((t) => h("th", { text: t })))),
                h("tbody", {}, Object.entries(r.clocks).map(([n, c]) => h("tr", { "data-clock": n },
                  h("td", { text: fmt.words(n) }), h("td", { text: new Date(c.started_at).toLocaleString() }),
                  h("td", { text: new Date(c.due_at).toLocaleString() }),
                  h("td", {}, c.running ? badge("ok", "would run") : badge("none", "stopped at once"))))))));
        } catch (e) {
          out.replaceChildren(LR.failed("Simulation", e));
        }
      });
    },
  });
})();
