"use strict";
/*
 * app.js — the console's core: who is signed in, calls to the daemon's API
 * (the session cookie goes by itself; every change carries the session's
 * CSRF token), the pages and the router between them, and small helpers to
 * build the DOM without ever parsing HTML from data.
 */
const LR = (() => {
  const pages = {};
  const order = [];
  let session = null;
  let current = null;   // the page shown: its cleanups run when it goes

  /* An element: h("td", {class: "num", text: "3"}, child, …). */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") el.textContent = v;
      else if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || ("HTTP " + status));
      this.status = status;
      this.body = body;
      this.code = body && body.error && body.error.code;
    }
  }

  /* Call the API: the parsed JSON answer, or an ApiError (401 shows the sign-in). */
  async function api(method, path, body, opts) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && session && session.csrf) headers["X-CSRF-Token"] = session.csrf;
    const r = await fetch(path, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (opts && opts.raw) return r;
    let json = null;
    const type = r.headers.get("Content-Type") || "";
    if (r.status !== 204 && type.startsWith("application/json")) json = await r.json();
    if (r.status === 401 && path.startsWith("/v1/")) {
      session = null;
      showSignIn(json && json.error ? json.error.message : "Your session ended: sign in again.");
    }
    if (!r.ok) throw new ApiError(r.status, json);
    return json;
  }

  const q = (params) => {
    const s = new URLSearchParams();
    for (const [k, v] of Object.entries(params))
      if (v !== null && v !== undefined && v !== "") s.set(k, v);
    const t = s.toString();
    return t ? "?" + t : "";
  };

  /* A page: {title, role (the least it needs), nav (shown in the bar), render(main, args, ctx)}. */
  function page(name, def) {
    pages[name] = def;
    order.push(name);
  }

  function can(role) {
    return !!session && session.roles.includes(role);
  }

  /* Times and numbers as people read them. */
  const fmt = {
    time(iso) {
      if (!iso) return "—";
      const d = new Date(iso);
      const today = new Date();
      const sameDay = d.toDateString() === today.toDateString();
      return sameDay ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
        : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    },
    dur(ms) {
      if (ms === null || ms === undefined) return "—";
      const neg = ms < 0;
      let s = Math.round(Math.abs(ms) / 1000);
      let out;
      if (s < 60) out = s + "s";
      else if (s < 3600) out = Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
      else if (s < 86400) out = Math.floor(s / 3600) + "h " + String(Math.floor(s / 60) % 60).padStart(2, "0") + "m";
      else out = Math.floor(s / 86400) + "d " + Math.floor(s / 3600) % 24 + "h";
      return neg ? "-" + out : out;
    },
    ago(iso) {
      return iso ? fmt.dur(Date.now() - Date.parse(iso)) + " ago" : "—";
    },
    pct(v) {
      return v === null || v === undefined ? "—" : v + "%";
    },
    num(v) {
      return v === null || v === undefined ? "—" : Number(v).toLocaleString();
    },
    money(v) {
      return v === null || v === undefined ? "—" :
        Number(v).toLocaleString([], { minimumFractionDigits: 0, maximumFractionDigits: 2 });
    },
    words(id) {
      return id ? String(id).replace(/_/g, " ") : "";
    },
  };

  let toastTimer = null;
  function toast(text) {
    const t = document.getElementById("toast");
    t.textContent = text;
    t.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => t.classList.remove("show"), 3500);
  }

  function badge(kind, text) {
    return h("span", { class: "badge " + kind, text });
  }

  /* A message where a part of a page could not load. */
  function failed(where, err) {
    return h("p", { class: "error", role: "alert" }, where + ": " + (err && err.message ? err.message : err));
  }

  function leaveCurrent() {
    if (current)
      for (const fn of current.cleanups) {
        try { fn(); } catch (e) { /* a page's cleanup must not stop the next page */ }
      }
    current = null;
  }

  function renderNav(active) {
    const nav = document.getElementById("nav");
    nav.replaceChildren();
    if (!session) return;
    for (const name of order) {
      const p = pages[name];
      if (!p.nav || !can(p.role)) continue;
      nav.append(h("a", { href: "#/" + name, "aria-current": name === active ? "page" : null, text: p.title }));
    }
    document.getElementById("who").textContent = session.open ? "open access" :
      session.name + (session.rep ? " (rep " + session.rep + ")" : "");
    document.getElementById("signout").hidden = session.open;
  }

  function home() {
    return can("manager") ? "live" : "leads";
  }

  function route() {
    if (!session) return;
    const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    let name = parts[0] || home();
    if (!pages[name] || !can(pages[name].role)) name = home();
    leaveCurrent();
    const main = document.getElementById("main");
    main.replaceChildren();
    const ctx = {
      cleanups: [],
      cleanup(fn) { this.cleanups.push(fn); },
      every(ms, fn) { const t = setInterval(fn, ms); this.cleanups.push(() => clearInterval(t)); },
      live() { return current === this; },
    };
    current = ctx;
    renderNav(name);
    document.title = pages[name].title + " — leadroute console";
    Promise.resolve(pages[name].render(main, parts.slice(1), ctx)).catch((err) => {
      if (current === ctx) main.append(failed("This page could not load", err));
    });
    main.focus({ preventScroll: true });
  }

  function showSignIn(message) {
    leaveCurrent();
    renderNav(null);
    document.getElementById("who").textContent = "";
    document.getElementById("signout").hidden = true;
    const err = h("p", { class: "error", role: "alert", id: "signin-error", text: message || "" });
    const input = h("input", { type: "password", id: "token", name: "token", autocomplete: "current-password", required: true });
    const form = h("form", { "aria-describedby": "signin-help" },
      h("label", { for: "token" }, "API token", input),
      h("p", { class: "muted", id: "signin-help", text: "Sign in with your leadrouted API token (rep, manager or admin). It is traded for a session cookie and not kept in this browser." }),
      h("button", { class: "primary", type: "submit", text: "Sign in" }), err);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      err.textContent = "";
      try {
        session = await api("POST", "/console/session", { token: input.value });
        input.value = "";
        route();
      } catch (e) {
        err.textContent = e.message;
      }
    });
    document.getElementById("main").replaceChildren(
      h("section", { class: "signin card" }, h("h1", { text: "Sign in to the console" }), form));
    document.title = "Sign in — leadroute console";
    input.focus();
  }

  async function signOut() {
    try {
      await api("DELETE", "/console/session");
    } catch (e) {
      toast("Sign-out failed: " + e.message);
      return;
    }
    session = null;
    showSignIn("Signed out.");
  }

  async function start() {
    document.getElementById("signout").addEventListener("click", signOut);
    window.addEventListener("hashchange", route);
    try {
      session = await api("GET", "/console/session");
    } catch (e) {
      showSignIn(e.status === 401 ? "" : e.message);
      return;
    }
    route();
  }

  return {
    h, api, q, page, can, fmt, toast, badge, failed, start, ApiError,
    session: () => session,
  };
})();
