// Tradewinds web app: progressive behaviour for the server-rendered pages.
// Data from the API is written with textContent only; HTML comes only from the server's
// autoescaped fragments (/ui/...). No third-party code, no inline script (see the CSP).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);

// The page's messages in its language: a JSON island the server writes (web/pages.py JS_MESSAGES)
const MESSAGES = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
function t(key, values = {}) {
  return (MESSAGES[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

// A table of class "stack" becomes one card per row at phone width; each cell shows its column's name
function labelCells(root = document) {
  for (const table of root.querySelectorAll("table.stack")) {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const tr of table.querySelectorAll("tbody tr")) {
      [...tr.children].forEach((cell, i) => { if (!cell.dataset.label && names[i]) cell.dataset.label = names[i]; });
    }
  }
}

function showError(box, err) {
  box.textContent = err.hint ? `${err.message} — ${t("how_to_fix")} ${err.hint}` : err.message;
  box.hidden = false;
  box.focus?.();
}

// the session's CSRF token (in the page's <meta>) goes with every request that changes something
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content;

async function api(url, options = {}) {
  if (CSRF && options.method && options.method !== "GET") options.headers = { ...options.headers, "X-CSRF-Token": CSRF };
  const response = await fetch(url, options);
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : {};
  if (!response.ok) {
    const e = body.error || { message: `${response.status} ${response.statusText}` };
    throw Object.assign(new Error(e.message), { hint: e.hint, details: e.details });
  }
  return body;
}

function postJSON(url, data) {
  return api(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
}

// Follow a job's Server-Sent Events; onEvent(step, event) for each; resolves on done, rejects on error.
function follow(url, onEvent) {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url);
    for (const step of ["understand", "plan", "search", "score", "line_done", "report"]) {
      source.addEventListener(step, (m) => onEvent(step, JSON.parse(m.data)));
    }
    source.addEventListener("done", (m) => { source.close(); onEvent("done", JSON.parse(m.data)); resolve(); });
    source.addEventListener("error", (m) => {
      source.close();
      if (m.data) { const e = JSON.parse(m.data); onEvent("error", e); reject(new Error(e.message)); }
      else reject(new Error(t("connection")));
    });
  });
}

// ---- sourcing: the need form --------------------------------------------------------------
function initHome() {
  const form = $("#need-form");
  if (!form) return;
  const limit = Number(form.dataset.maxChars) || Infinity, count = $("#need-count");
  const tooLong = () => $("#need").value.trim().length > limit;
  const counted = () => {  // the limit is named before the buyer submits, never cut silently
    const n = $("#need").value.trim().length;
    count.textContent = n > limit * 0.8 ? `${n.toLocaleString()} / ${limit.toLocaleString()}` : "";
    count.classList.toggle("over", n > limit);
  };
  $("#need").addEventListener("input", counted);
  for (const b of document.querySelectorAll("button.example")) {
    b.addEventListener("click", () => { $("#need").value = b.dataset.need; $("#need").focus(); counted(); });
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const box = $("#form-error");
    box.hidden = true;
    const need = $("#need").value.trim();
    if (!need) return showError(box, { message: t("empty_need"), hint: t("need_hint") });
    if (tooLong()) {
      return showError(box, { message: t("too_long", { n: need.length.toLocaleString(), limit: limit.toLocaleString() }), hint: t("too_long_hint") });
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = t("reading");
    try {
      const run = await postJSON("/v1/sourcing/runs", { need, no_model: $("#no-model").checked, start: false });
      location.href = `/runs/${run.run_id}${$("#no-model").checked ? "?fast=1" : ""}`;
    } catch (e) {
      showError(box, e);
      button.disabled = false;
      button.textContent = t("plan_it");
    }
  });
}

// ---- sourcing: a run ----------------------------------------------------------------------
function initRun() {
  const run = $("#run");
  if (!run) return;
  const id = run.dataset.runId;
  const errorBox = $("#run-error");
  const signatures = () => Object.fromEntries([...document.querySelectorAll("section.line")].map((s) => [s.dataset.line, s.dataset.sig]));
  let refreshing = null, again = false;

  async function refresh() {  // re-render the server fragment; coalesce bursts of events
    if (refreshing) { again = true; return refreshing; }
    refreshing = (async () => {
      do {
        again = false;
        const response = await fetch(`/ui/runs/${id}/body`);
        if (response.ok) { $("#body").innerHTML = await response.text(); labelCells($("#body")); bindPlan(); }
      } while (again);
      refreshing = null;
    })();
    return refreshing;
  }

  async function watch(before) {
    const box = $("#progress-box"), bar = $("#progress"), steps = $("#steps");
    box.hidden = false;
    $("#after").hidden = true;
    steps.textContent = "";
    try {
      await follow(`/v1/sourcing/runs/${id}/events`, (step, e) => {
        const li = document.createElement("li");
        li.textContent = e.message;
        steps.append(li);
        steps.scrollTop = steps.scrollHeight;
        if (e.total) { bar.max = e.total; bar.value = e.done ?? bar.value; }
        if (step === "line_done" || step === "plan") refresh();
      });
      bar.value = bar.max;
      await refresh();
      if (before) markChanged(before);
      $("#after").hidden = false;
    } catch (e) {
      await refresh();
      showError(errorBox, e);
    }
  }

  function markChanged(before) {
    let first = null;
    for (const s of document.querySelectorAll("section.line")) {
      if (before[s.dataset.line] !== s.dataset.sig) {
        s.classList.add("changed");
        s.querySelector(".changed-badge").hidden = false;
        first ??= s;
      }
    }
    first?.scrollIntoView({ block: "start" });
  }

  function bindPlan() {
    const form = $("#plan-form");
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    $("#start-no-model").checked = new URLSearchParams(location.search).has("fast");
    $("#add-line").addEventListener("click", () => {
      const row = $("#new-line").content.firstElementChild.cloneNode(true);
      $("#plan-lines").append(row);
      row.querySelector("input").focus();
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const box = $("#plan-error");
      box.hidden = true;
      if (!form.reportValidity()) return;
      const lines = [...form.querySelectorAll("#plan-lines tr")].filter((tr) => tr.querySelector("[name=keep]").checked).map((tr) => {
        const price = tr.querySelector("[name=max_unit_price]").value;
        return { id: tr.dataset.lineId || null, name: tr.querySelector("[name=name]").value.trim(),
                 quantity: Number(tr.querySelector("[name=quantity]").value), max_unit_price: price ? Number(price) : null };
      });
      if (!lines.length) return showError(box, { message: t("keep_one"), hint: t("keep_one_hint") });
      $("#start-run").disabled = true;
      try {
        await postJSON(`/v1/sourcing/runs/${id}/start`, { plan: { lines }, no_model: $("#start-no-model").checked });
        await refresh();
        watch(null);
      } catch (e) {
        showError(box, e);
        $("#start-run").disabled = false;
      }
    });
  }

  $("#followup-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const message = $("#followup").value.trim();
    if (!message) return;
    errorBox.hidden = true;
    const before = signatures();
    document.querySelectorAll("section.line.changed").forEach((s) => s.classList.remove("changed"));
    try {
      await postJSON(`/v1/sourcing/runs/${id}/follow-ups`, { message });
      $("#followup").value = "";
      watch(before);
    } catch (e) { showError(errorBox, e); }
  });

  bindPlan();
  if (run.dataset.status === "running") watch(null);
}

// ---- bulk ---------------------------------------------------------------------------------
const ROLES = ["item", "qty", "price", "unit", "currency", "notes", "certs", "ref"];

function initBulk() {
  const form = $("#bulk-form");
  if (!form) return;
  const errorBox = $("#bulk-error");
  let columns = [];

  function overrides() {
    return [...document.querySelectorAll("#mapping-roles select")].filter((s) => s.value).map((s) => `${s.name}=${s.value}`).join(",");
  }

  function formData(withOptions) {
    const data = new FormData();
    data.append("file", $("#bulk-file").files[0]);
    const map = overrides();
    if (map) data.append("map", map);
    data.append("currency", $("#bulk-currency").value || "USD");
    if (withOptions) {
      for (const [name, el] of [["fixed_cost", "#fixed-cost"], ["max_suppliers", "#max-suppliers"], ["budget", "#budget"]]) {
        if ($(el).value) data.append(name, $(el).value);
      }
    }
    return data;
  }

  function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.append(td); }

  function showMapping(m) {
    columns = m.columns;
    $("#mapping-summary").textContent = `${t("mapping_summary", { file: m.file, sheet: m.sheet, n: m.lines, header: m.mapping.header_row ?? t("none") })} ${m.notes.join(" ")}`;
    const roles = $("#mapping-roles");
    roles.textContent = "";
    for (const role of ROLES) {
      const div = document.createElement("div");
      const label = document.createElement("label");
      label.htmlFor = `map-${role}`;
      label.textContent = t(`role_${role}`) + (m.mapping.source[role] ? ` (${t("from_source", { source: m.mapping.source[role] })})` : "");
      const select = document.createElement("select");
      select.id = `map-${role}`;
      select.name = role;
      select.append(new Option(`— ${t("none")} —`, ""));
      columns.forEach((c) => select.append(new Option(c, c.split(":")[0])));
      const index = m.mapping.columns[role];
      if (index !== undefined) select.value = columns[index]?.split(":")[0] ?? "";
      div.append(label, select);
      roles.append(div);
    }
    const body = $("#mapping-preview");
    body.textContent = "";
    for (const l of m.preview) {
      const tr = document.createElement("tr");
      [l.row, l.item, l.searched_as, `${l.quantity} ${l.unit ?? ""}`, l.max_unit_price == null ? "-" : `${l.max_unit_price} ${l.currency}`,
       l.specs.concat(l.certifications).join(", ") || "-", l.issues.join("; ") || "-"].forEach((t) => cell(tr, String(t)));
      body.append(tr);
    }
    labelCells($("#mapping"));
    $("#mapping").hidden = false;
  }

  async function readColumns() {
    errorBox.hidden = true;
    if (!$("#bulk-file").files.length) return showError(errorBox, { message: t("choose_file"), hint: t("file_kinds") });
    try { showMapping(await api("/v1/bulk/mapping", { method: "POST", body: formData(false) })); }
    catch (e) { $("#mapping").hidden = true; showError(errorBox, e); }
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); document.querySelectorAll("#mapping-roles select").forEach((s) => { s.value = ""; }); readColumns(); });
  $("#reread").addEventListener("click", readColumns);
  $("#run-bulk").addEventListener("click", async () => {
    errorBox.hidden = true;
    const button = $("#run-bulk");
    button.disabled = true;
    try {
      const job = await api("/v1/bulk", { method: "POST", body: formData(true) });
      const box = $("#bulk-progress-box"), bar = $("#bulk-progress"), step = $("#bulk-step");
      box.hidden = false;
      $("#bulk-plan").textContent = "";
      await follow(job.events_url, (s, e) => {
        step.textContent = e.message;
        if (e.total) { bar.max = e.total; bar.value = e.done ?? bar.value; }
      });
      bar.value = bar.max;
      const response = await fetch(`/ui/bulk/${job.job_id}/plan`);
      $("#bulk-plan").innerHTML = await response.text();
      labelCells($("#bulk-plan"));
      $("#plan-summary")?.scrollIntoView({ block: "start" });
    } catch (e) { showError(errorBox, e); }
    button.disabled = false;
  });
}

document.addEventListener("DOMContentLoaded", () => { labelCells(); initHome(); initRun(); initBulk(); });
