// The page at /: sign in with a token, pick a scenario, see its map, figures and bottlenecks,
// quote a shipment, compare two scenarios, run a simulation or a plan as a job. Every figure comes
// from the REST API (/api/v1); this file only asks, formats and draws. Plain JS, no build step.
"use strict";

(function () {
  const API = "/api/v1";
  const KEY = "transcaspian.token";
  const POLL_MS = 500;
  const ROWS_SHOWN = 25;
  const state = {token: null, scenario: null, units: {}, seq: 0, job: null, timer: null};

  // -- small helpers ------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([k, v]) {
      if (k === "text") { node.textContent = v; } else { node.setAttribute(k, v); }
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function say(id, text) {
    const box = $(id);
    box.textContent = text || "";
    box.hidden = !text;
  }

  class ApiError extends Error {
    constructor(message, status) { super(message); this.status = status; }
  }

  async function errorOf(response) {
    let text = response.status + " " + response.statusText;
    try {
      const body = await response.json();
      text = body.detail || text;
      if (body.problems && body.problems.length) {
        text += ": " + body.problems.map(function (p) {
          return (p.field ? p.field + ": " : "") + p.message;
        }).join("; ");
      }
    } catch (e) { /* not JSON: keep the status line */ }
    return new ApiError(text, response.status);
  }

  // One call of the API with the token in the header; a refused token signs out.
  async function call(method, path, body) {
    const headers = {"Authorization": "Bearer " + state.token};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    let response;
    try {
      response = await fetch(API + path, {method: method, headers: headers,
                                          body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (e) {
      throw new ApiError("the server cannot be reached (" + e.message + ")", 0);
    }
    if (!response.ok) {
      const err = await errorOf(response);
      if (response.status === 401 && state.token) { signOut("Signed out: " + err.message); }
      throw err;
    }
    return response;
  }

  async function getJson(path) { return (await call("GET", path)).json(); }
  async function postJson(path, body) { return (await call("POST", path, body)).json(); }

  // A download through fetch (the token travels in the header), saved from a blob.
  async function download(path, filename) {
    const blob = await (await call("GET", path)).blob();
    const url = URL.createObjectURL(blob);
    const a = el("a", {href: url, download: filename});
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // -- numbers and tables -------------------------------------------------------------------
  function num(v, digits, sign) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) { return ""; }
    if (typeof v !== "number") { return String(v); }
    if (digits === undefined) {
      digits = Number.isInteger(v) || Math.abs(v) >= 100 ? 0 : (Math.abs(v) >= 10 ? 1 : 3);
    }
    const text = v.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
    return sign && v >= 0 ? "+" + text : text;
  }

  function cell(v) {
    if (v === null || v === undefined) { return ""; }
    if (typeof v === "boolean") { return v ? "yes" : ""; }
    if (typeof v === "object") { return JSON.stringify(v); }
    return typeof v === "number" ? num(v) : String(v);
  }

  // The declaration of a column of an engine's table (GET /tables): its unit and meaning.
  function declared(engine, table, column) {
    const cols = (state.units[engine] || {})[table] || [];
    return cols.find(function (c) { return c.re.test(column); }) || {unit: "", meaning: ""};
  }

  // A column of a view: {col, label, unit, digits, sign, scale}; shares are shown in %.
  function spec(engine, table, c) {
    const s = typeof c === "string" ? {col: c} : Object.assign({}, c);
    if (s.unit === undefined) { s.unit = declared(engine, table, s.col).unit; }
    if (s.unit === "share" && s.scale === undefined) { s.unit = "%"; s.scale = 100; s.digits = 1; }
    if (s.label === undefined) { s.label = s.col; }
    return s;
  }

  // A table of records: header cells 'label (unit)', numbers right-aligned.
  function table(engine, tableName, rows, columns, id) {
    const specs = (columns || Object.keys(rows[0] || {})).map(function (c) {
      return spec(engine, tableName, c);
    });
    const head = el("tr", {}, specs.map(function (s) {
      return el("th", {title: declared(engine, tableName, s.col).meaning,
                       text: s.unit ? s.label + " (" + s.unit + ")" : s.label});
    }));
    const body = rows.map(function (r) {
      return el("tr", r.__class ? {class: r.__class} : {}, specs.map(function (s) {
        const v = r[s.col];
        const isNum = typeof v === "number";
        const text = isNum && (s.scale || s.digits !== undefined || s.sign)
          ? num(v * (s.scale || 1), s.digits, s.sign) : cell(v);
        return el("td", isNum ? {class: "n", text: text} : {text: text});
      }));
    });
    const attrs = {class: "data"};
    if (id) { attrs.id = id; }
    return el("table", attrs, [el("thead", {}, [head]), el("tbody", {}, body)]);
  }

  function show(containerId, nodes) {
    const box = $(containerId);
    box.replaceChildren.apply(box, nodes);
  }

  // -- sign in / out --------------------------------------------------------------------------
  async function signIn(token) {
    state.token = token;
    say("signin-msg", "");
    try {
      const [scenarios, tables] = await Promise.all([getJson("/scenarios"), getJson("/tables")]);
      sessionStorage.setItem(KEY, token);
      state.units = {};
      tables.forEach(function (t) {
        const byTable = state.units[t.engine] = state.units[t.engine] || {};
        byTable[t.table] = t.columns.map(function (c) {
          const pattern = c.name.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace("{unit}", "[a-z0-9_]+");
          return {re: new RegExp("^" + pattern + "$"), unit: c.unit, meaning: c.meaning};
        });
      });
      $("signin").hidden = true;
      $("app").hidden = false;
      $("who").hidden = false;
      fillScenarios(scenarios);
    } catch (err) {
      state.token = null;
      sessionStorage.removeItem(KEY);
      say("signin-msg", err.status === 401 ? "That token was refused: " + err.message
        : "Cannot sign in: " + err.message);
    }
  }

  function signOut(message) {
    state.token = null;
    state.job = null;
    clearTimeout(state.timer);
    sessionStorage.removeItem(KEY);
    $("app").hidden = true;
    $("who").hidden = true;
    $("signin").hidden = false;
    $("token").value = "";
    say("signin-msg", message || "");
  }

  // -- scenario: map, key figures, bottlenecks --------------------------------------------------
  function fillScenarios(scenarios) {
    ["scenario", "compare-a", "compare-b"].forEach(function (id) {
      show(id, scenarios.map(function (s) {
        return el("option", {value: s.name, text: s.name + (s.builtin ? "" : " (team)")});
      }));
    });
    if (scenarios.length > 1) { $("compare-b").value = scenarios[1].name; }
    if (scenarios.length) { pickScenario(scenarios[0].name); }
  }

  async function pickScenario(name) {
    const seq = ++state.seq;
    state.scenario = name;
    $("scenario").value = name;
    $("compare-a").value = name;
    say("scenario-msg", "");
    show("figures", []);
    show("bottlenecks", [el("p", {class: "wait", text: "computing capacity…"})]);
    const stale = function () { return seq !== state.seq; };
    await Promise.all([drawMap(name, stale), showCapacity(name, stale), fillNodes(name, stale)]);
  }

  async function drawMap(name, stale) {
    try {
      const fig = await getJson("/scenarios/" + encodeURIComponent(name) + "/map");
      if (stale()) { return; }
      await Plotly.react($("map"), fig.data, fig.layout, {displaylogo: false, responsive: true});
    } catch (err) {
      if (!stale()) { say("scenario-msg", "The map could not be drawn: " + err.message); }
    }
  }

  async function showCapacity(name, stale) {
    try {
      const res = await postJson("/capacity", {scenario: name});
      if (stale()) { return; }
      const s = res.tables.summary[0];
      const figures = [
        ["Served share", num(s.served_share * 100, 1) + " %", "figure-served-share"],
        ["Served", num(s.served_t / 1e6, 2) + " Mt/yr", "figure-served"],
        ["Demand", num(s.demand_t / 1e6, 2) + " Mt/yr", "figure-demand"],
        ["Demand multiplier", num(s.demand_multiplier, 3) + " x demand", "figure-multiplier"],
        ["Binding", s.binding || "none", "figure-binding"]];
      show("figures", figures.flatMap(function ([label, value, id]) {
        return [el("dt", {text: label}), el("dd", {id: id, text: value})];
      }));
      show("bottlenecks", [table("capacity", "bottlenecks", res.tables.bottlenecks,
        ["rank", "element_id", "element_type", "from_node", "to_node", "direction", "utilisation",
         "utilisation_at_multiplier", {col: "gain_served_t_per_1pct", label: "gain per +1 %"}],
        "bottleneck-table")]);
      show("cap-table", Object.keys(res.tables).map(function (t) {
        return el("option", {value: t, text: t});
      }));
      $("cap-table").value = "bottlenecks";
    } catch (err) {
      if (!stale()) {
        show("bottlenecks", []);
        say("scenario-msg", "Capacity failed: " + err.message);
      }
    }
  }

  async function fillNodes(name, stale) {
    try {
      const nodes = await getJson("/scenarios/" + encodeURIComponent(name) + "/nodes");
      if (stale()) { return; }
      const options = function () {
        return nodes.map(function (n) {
          return el("option", {value: n.id, text: n.name + " (" + n.country + ")"});
        });
      };
      const [o, d] = [$("quote-origin").value, $("quote-destination").value];
      show("quote-origin", options());
      show("quote-destination", options());
      const ids = nodes.map(function (n) { return n.id; });
      $("quote-origin").value = ids.includes(o) ? o : ids[0];
      $("quote-destination").value = ids.includes(d) ? d : ids[ids.length - 1];
    } catch (err) {
      if (!stale()) { say("quote-msg", "The scenario's nodes could not be read: " + err.message); }
    }
  }

  // -- quote ---------------------------------------------------------------------------------
  async function runQuote(event) {
    event.preventDefault();
    say("quote-msg", "");
    show("quote-result", [el("p", {class: "wait", text: "quoting…"})]);
    try {
      const res = await postJson("/quote", {
        scenario: state.scenario, origin: $("quote-origin").value,
        destination: $("quote-destination").value, cargo: $("quote-cargo").value,
        k: Number($("quote-k").value)});
      show("quote-result", [table("quote", "options", res.tables.options,
        ["rank", "kind", "name", "via", {col: "transit_days", digits: 1},
         {col: "transit_days_low", digits: 1}, {col: "transit_days_high", digits: 1},
         {col: "cost_usd", digits: 0}, {col: "co2e_wtw_kg", digits: 0},
         {col: "distance_km", digits: 0}, "saturated"], "quote-table")]);
    } catch (err) {
      show("quote-result", []);
      say("quote-msg", "Quote failed: " + err.message);
    }
  }

  // -- compare -------------------------------------------------------------------------------
  // The newest finished simulate job of each scenario (null where there is none).
  async function simulationsOf(names) {
    const jobs = await getJson("/jobs");
    return names.map(function (n) {
      const job = jobs.find(function (j) { return j.kind === "simulate" && j.status === "done" &&
                                                   j.scenario === n; });
      return job ? job.id : null;
    });
  }

  async function runCompare(event) {
    event.preventDefault();
    say("compare-msg", "");
    const names = [$("compare-a").value, $("compare-b").value];
    show("compare-result", [el("p", {class: "wait", text: "comparing…"})]);
    try {
      const body = {scenarios: names};
      if ($("compare-sims").checked) { body.simulation_jobs = await simulationsOf(names); }
      showCompare(await postJson("/compare", body));
    } catch (err) {
      show("compare-result", []);
      say("compare-msg", "Compare failed: " + err.message);
    }
  }

  function showCompare(res) {
    const t = res.tables;
    const base = t.summary[0];
    const figures = ["served_t", "served_share", "demand_multiplier", "capacity_t", "co2e_wtw_t",
                     "g_co2e_wtw_per_tkm", "projects", "capex_musd"];
    const rows = t.summary.slice();
    t.summary.slice(1).forEach(function (s) {
      const d = {scenario: "delta " + s.scenario + " - " + base.scenario, __class: "delta"};
      figures.forEach(function (f) { d[f] = s["delta_" + f]; });
      rows.push(d);
    });
    const cols = ["scenario", {col: "served_t", digits: 0}, "served_share",
                  {col: "demand_multiplier", digits: 3}, {col: "capacity_t", digits: 0},
                  {col: "co2e_wtw_t", digits: 0}, {col: "g_co2e_wtw_per_tkm", digits: 1},
                  {col: "projects", digits: 0}, {col: "capex_musd", digits: 0}];
    const od = ["scenario", "origin", "destination", "cargo", "basis",
                {col: "expected_days", digits: 1}, {col: "p50_days", digits: 1},
                {col: "p90_days", digits: 1}, {col: "delta_expected_days", digits: 1, sign: true,
                                               unit: "days"},
                {col: "delta_p50_days", digits: 1, sign: true, unit: "days"}];
    const bott = ["scenario", "change", "element_id", "element_type", "from_node", "to_node", "direction",
                  "utilisation_base", "utilisation",
                  {col: "delta_utilisation", unit: "%", scale: 100, digits: 1, sign: true}];
    const parts = [el("h3", {text: "Side by side (deltas to " + base.scenario + ")"}),
                   table("compare", "summary", rows, cols, "compare-summary"),
                   el("h3", {text: "Door-to-door days on the base's main pairs"}),
                   table("compare", "od_times", t.od_times, od, "compare-od"),
                   el("h3", {text: "Bottlenecks removed, newly binding or still binding"})];
    parts.push(t.bottlenecks.length ? table("compare", "bottlenecks", t.bottlenecks, bott,
                                            "compare-bottlenecks")
      : el("p", {text: "The same elements bind in both."}));
    show("compare-result", parts);
    // deltas carry their sign
    document.querySelectorAll("#compare-summary tr.delta td.n").forEach(function (td) {
      if (td.textContent && !/^[+-]/.test(td.textContent)) { td.textContent = "+" + td.textContent; }
    });
  }

  // -- jobs ----------------------------------------------------------------------------------
  function jobBody() {
    const kind = $("job-kind").value;
    if (kind === "simulate") {
      return {kind: kind, scenario: state.scenario, options: {
        years: Number($("sim-years").value), replications: Number($("sim-replications").value),
        warmup_days: Number($("sim-warmup").value), seed: Number($("sim-seed").value)}};
    }
    return {kind: kind, scenario: state.scenario, options: {
      target_mt: Number($("plan-target").value), year: Number($("plan-year").value),
      replications: Number($("plan-replications").value)}};
  }

  async function runJob(event) {
    event.preventDefault();
    say("job-msg", "");
    show("job-charts", []);
    show("job-tables", []);
    try {
      const job = await postJson("/jobs", jobBody());
      state.job = job.id;
      $("job-cancel").hidden = false;
      progress(job);
      poll(job.id);
    } catch (err) {
      say("job-msg", "The job was not started: " + err.message);
    }
  }

  function progress(job) {
    $("job-status-line").hidden = false;
    $("job-progress").value = job.progress;
    $("job-status").textContent = job.kind + " " + job.id + " on " + job.scenario + ": " + job.status +
      " " + num(job.progress * 100, 0) + " %" + (job.message ? " (" + job.message + ")" : "");
    $("job-status-line").dataset.status = job.status;
    $("job-status-line").dataset.job = job.id;
  }

  function poll(id) {
    clearTimeout(state.timer);
    state.timer = setTimeout(async function () {
      if (state.job !== id) { return; }
      try {
        const job = await getJson("/jobs/" + encodeURIComponent(id));
        if (state.job !== id) { return; }
        progress(job);
        if (job.status === "done") {
          $("job-cancel").hidden = true;
          showResult(job, await getJson("/jobs/" + encodeURIComponent(id) + "/result"));
        } else if (job.status === "queued" || job.status === "running") {
          poll(id);
        } else {
          $("job-cancel").hidden = true;
          say("job-msg", "The job ended " + job.status + ": " + job.message);
        }
      } catch (err) {
        say("job-msg", "Polling the job failed: " + err.message);
      }
    }, POLL_MS);
  }

  async function cancelJob() {
    if (!state.job) { return; }
    try {
      progress(await (await call("DELETE", "/jobs/" + encodeURIComponent(state.job))).json());
      $("job-cancel").hidden = true;
    } catch (err) {
      say("job-msg", "Cancel failed: " + err.message);
    }
  }

  function chartDiv(id) { return el("div", {id: id, class: "chart small"}); }

  function drawCharts(kind, tables) {
    const layout = function (title, ytitle) {
      return {title: {text: title}, height: 340, margin: {l: 60, r: 10, t: 40, b: 110},
              yaxis: {title: {text: ytitle}}, barmode: "group", legend: {orientation: "h"}};
    };
    const config = {displaylogo: false, responsive: true};
    if (kind === "simulate" && tables.transit_times && tables.transit_times.length) {
      const tt = tables.transit_times;
      const x = tt.map(function (r) { return r.origin + " > " + r.destination + " (" + r.commodity + ")"; });
      const days = function (col) { return tt.map(function (r) { return r[col] === null ? null : r[col] / 24; }); };
      $("job-charts").appendChild(chartDiv("chart-transit"));
      Plotly.newPlot("chart-transit", [{type: "bar", name: "P50", x: x, y: days("p50_h")},
                                       {type: "bar", name: "P90", x: x, y: days("p90_h")}],
                     layout("Transit times, door to door", "days"), config);
    }
    if (kind === "simulate" && tables.waiting_by_node && tables.waiting_by_node.length) {
      const w = tables.waiting_by_node.slice().sort(function (a, b) {
        return (b.wait_h_mean_per_unit || 0) - (a.wait_h_mean_per_unit || 0); }).slice(0, 12);
      $("job-charts").appendChild(chartDiv("chart-waits"));
      Plotly.newPlot("chart-waits", [{type: "bar", name: "mean wait", x: w.map(function (r) { return r.node; }),
                                      y: w.map(function (r) { return r.wait_h_mean_per_unit; })}],
                     layout("Mean wait per unit, by node", "h"), config);
    }
    if (kind === "plan" && tables.years && tables.years.length) {
      const y = tables.years;
      const line = function (col, name) {
        return {type: "scatter", mode: "lines+markers", name: name, x: y.map(function (r) { return r.year; }),
                y: y.map(function (r) { return r[col] === null ? null : r[col] / 1e6; })};
      };
      $("job-charts").appendChild(chartDiv("chart-plan"));
      Plotly.newPlot("chart-plan", [line("demand_t", "demand"), line("capacity_t", "capacity"),
                                    line("served_t", "served")],
                     layout("Demand, capacity and served tonnes by year", "Mt/yr"), config);
    }
  }

  function downloadButtons(path, stem) {
    return ["csv", "xlsx"].map(function (fmt) {
      const b = el("button", {type: "button", class: "dl", text: fmt});
      b.addEventListener("click", function () {
        download(path + "." + fmt, stem + "." + fmt).catch(function (err) {
          say("msg", "Download failed: " + err.message);
        });
      });
      return b;
    });
  }

  function showResult(job, res) {
    drawCharts(job.kind, res.tables);
    const parts = [];
    Object.entries(res.tables).forEach(function ([name, rows]) {
      const base = "/jobs/" + encodeURIComponent(job.id) + "/result/" + name;
      const note = rows.length > ROWS_SHOWN ? " (first " + ROWS_SHOWN + " of " + rows.length + " rows)" : "";
      const box = el("details", {class: "result-table", "data-table": name},
                     [el("summary", {}, [el("span", {text: name + note + " "})].concat(
                       downloadButtons(base, job.id + "-" + name)))]);
      if (rows.length) { box.appendChild(table(job.kind, name, rows.slice(0, ROWS_SHOWN))); }
      parts.push(box);
    });
    show("job-tables", parts);
    const first = document.querySelector("#job-tables details");
    if (first) { first.open = true; }
  }

  // -- wiring --------------------------------------------------------------------------------
  function wire() {
    $("signin-form").addEventListener("submit", function (e) {
      e.preventDefault();
      signIn($("token").value.trim());
    });
    $("signout").addEventListener("click", function () { signOut("Signed out."); });
    $("scenario").addEventListener("change", function () { pickScenario($("scenario").value); });
    $("quote-form").addEventListener("submit", runQuote);
    $("compare-form").addEventListener("submit", runCompare);
    $("job-form").addEventListener("submit", runJob);
    $("job-cancel").addEventListener("click", cancelJob);
    $("job-kind").addEventListener("change", function () {
      document.querySelectorAll("#job-form [data-kind]").forEach(function (s) {
        s.hidden = s.dataset.kind !== $("job-kind").value;
      });
    });
    ["cap-csv", "cap-xlsx"].forEach(function (id) {
      $(id).addEventListener("click", function () {
        const fmt = $(id).dataset.fmt;
        const t = $("cap-table").value;
        download("/scenarios/" + encodeURIComponent(state.scenario) + "/capacity/" + t + "." + fmt,
                 state.scenario + "-capacity-" + t + "." + fmt).catch(function (err) {
          say("scenario-msg", "Download failed: " + err.message);
        });
      });
    });
    $("report-download").addEventListener("click", function () {
      download("/report/" + encodeURIComponent(state.scenario) + "?download=true",
               "report-" + state.scenario + ".html").catch(function (err) {
        say("scenario-msg", "The report failed: " + err.message);
      });
    });
    const saved = sessionStorage.getItem(KEY);
    if (saved) { signIn(saved); }
  }

  document.addEventListener("DOMContentLoaded", wire);
}());
