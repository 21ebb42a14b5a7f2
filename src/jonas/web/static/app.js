// jonas serve's page: choose a scenario, steer its parameters and interventions, run it
// (the server checks and queues it), follow it, and see its outcome and curves.
// The state of the form is kept in the address (a link that reproduces the run).
"use strict";

const $ = (id) => document.getElementById(id);
let scenario = null; // the chosen scenario as /api/scenarios/{name} gives it
let running = null; // the id of the run being followed
let origin = null; // the region clicked as the outbreak's start (a code), or null
let firstBite = null; // on a city map: a place's name or [x, y] in metres, or null
let kept = null; // run A of a comparison: {asked, result}
let shown = null; // the run on screen: {asked, result}
let extra = []; // overrides a link gave that no control shows (run.t_end=12): kept, listed

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function fromAddress() {
  const query = new URLSearchParams(location.search);
  return {
    scenario: query.get("scenario"),
    overrides: query.getAll("set"),
    engine: query.get("engine"),
    seed: query.get("seed"),
    replicates: query.get("replicates"),
  };
}

function request() {
  const overrides = [];
  for (const input of document.querySelectorAll("#parameters input[type=number]")) {
    const original = Number(input.dataset.original);
    if (Number(input.value) !== original) overrides.push(`parameters.${input.dataset.name}=${input.value}`);
  }
  for (const input of document.querySelectorAll("#interventions input[type=number]")) {
    if (input.value !== input.dataset.original) {
      overrides.push(`interventions.${input.dataset.index}.at=${Number(input.value)}`);
    }
  }
  for (const box of document.querySelectorAll("#interventions input[type=checkbox]")) {
    if (!box.checked) overrides.push(`interventions.${box.dataset.index}.enabled=false`);
  }
  if (origin !== null) overrides.push(`metapop.outbreak=${origin}`);
  if (firstBite !== null) {
    const where = typeof firstBite === "string" ? firstBite : `[${firstBite.map((v) => v.toFixed(1)).join(", ")}]`;
    overrides.push(`agents.start_at=${where}`);
  }
  overrides.push(...extra);
  const asked = { scenario: scenario.name, overrides };
  if ($("engine").value !== scenario.engine) asked.engine = $("engine").value;
  if (Number($("seed").value) !== scenario.seed) asked.seed = Number($("seed").value);
  if (Number($("replicates").value) !== scenario.replicates) {
    asked.replicates = Number($("replicates").value);
  }
  return asked;
}

function shareLink(asked) {
  const query = new URLSearchParams({ scenario: asked.scenario });
  for (const o of asked.overrides) query.append("set", o);
  for (const key of ["engine", "seed", "replicates"]) if (asked[key] !== undefined) query.set(key, asked[key]);
  return `${location.origin}${location.pathname}?${query}`;
}

function parameterRow(p, value) {
  const row = document.createElement("div");
  row.className = "param";
  const top = p.value > 0 ? 3 * p.value : 1;
  row.innerHTML = `<span>${p.name}</span>
    <input type="range" min="0" max="${top}" step="${top / 300}" value="${value}" aria-label="${p.name}">
    <input type="number" min="0" step="any" value="${value}" data-name="${p.name}" data-original="${p.value}">
    <span class="note"></span>`;
  row.querySelector(".note").textContent = p.note;
  const [slider, box] = row.querySelectorAll("input");
  slider.addEventListener("input", () => { box.value = Number(slider.value).toPrecision(4) * 1; });
  box.addEventListener("input", () => { slider.value = box.value; });
  return row;
}

async function choose(name, given) {
  scenario = await api(`/api/scenarios/${encodeURIComponent(name)}`);
  $("description").textContent = scenario.description;
  $("citation").textContent = scenario.citation;
  $("engine").innerHTML = scenario.engines.map((e) => `<option>${e}</option>`).join("");
  $("engine").value = given.engine || scenario.engine;
  $("seed").value = given.seed ?? scenario.seed;
  $("replicates").value = given.replicates ?? scenario.replicates;
  const set = Object.fromEntries(given.overrides.map((o) => o.split("=", 2)));
  $("parameters").replaceChildren(...scenario.parameters.map((p) => {
    const value = set[`parameters.${p.name}`] ?? p.value;
    return parameterRow(p, value);
  }));
  $("interventions").replaceChildren(...scenario.interventions.map((item) => {
    const row = document.createElement("div");
    row.className = "intervention";
    const when = item.at === null ? `when ${item.when}` : "";
    row.innerHTML = `<label><input type="checkbox" data-index="${item.index}"> <span></span></label>
      <label>at <input type="number" step="any" min="0" data-index="${item.index}">
      ${scenario.time_unit}</label> <span class="meta"></span>`;
    row.querySelector("label span").textContent = item.name;
    row.querySelector(".meta").textContent = when;
    const box = row.querySelector("input[type=checkbox]");
    box.checked = set[`interventions.${item.index}.enabled`] !== "false";
    box.setAttribute("aria-label", `${item.name} on`);
    const input = row.querySelector("input[type=number]");
    const original = item.at === null ? "" : String(item.at);
    input.dataset.original = original;
    input.value = set[`interventions.${item.index}.at`] ?? original;
    input.disabled = item.at === null;
    return row;
  }));
  $("see").hidden = true;
  origin = set["metapop.outbreak"] ?? null;
  firstBite = null;
  const given_start = set["agents.start_at"];
  if (given_start !== undefined) {
    firstBite = given_start.startsWith("[") ? JSON.parse(given_start) : given_start;
  }
  const shownKeys = new Set([
    ...scenario.parameters.map((p) => `parameters.${p.name}`),
    ...scenario.interventions.flatMap((i) => [`interventions.${i.index}.at`, `interventions.${i.index}.enabled`]),
    "metapop.outbreak", "agents.start_at",
  ]);
  extra = given.overrides.filter((o) => !shownKeys.has(o.split("=", 1)[0]));
  $("extra").hidden = extra.length === 0;
  $("extra-list").textContent = extra.join(", ");
  await picker();
}

async function cityPicker() {
  const figure = await api(`/api/scenarios/${encodeURIComponent(scenario.name)}/city`);
  $("where").hidden = false;
  const mark = (where) => {
    const [x, y] = typeof where === "string"
      ? (() => { const i = figure.data[1].text.indexOf(where); return [figure.data[1].x[i], figure.data[1].y[i]]; })()
      : where;
    $("origin").textContent = typeof where === "string" ? where : `${Math.round(x)} m east, ${Math.round(y)} m north`;
    Plotly.restyle("picker", { x: [[x]], y: [[y]] }, [2]);
  };
  await Plotly.newPlot("picker", figure.data, figure.layout, { responsive: true, displaylogo: false });
  $("origin").textContent = typeof scenario.start_at === "string" ? scenario.start_at : String(scenario.start_at);
  if (firstBite !== null) mark(firstBite);
  $("picker").on("plotly_click", (event) => {
    const point = event.points[0];
    firstBite = point.curveNumber === 1 ? point.text : [point.x, point.y];
    mark(firstBite);
  });
}

async function picker() {
  if (scenario.start_at !== null && scenario.start_at !== undefined) {
    await cityPicker();
    return;
  }
  if (scenario.outbreak === null) {
    $("where").hidden = true;
    return;
  }
  const figure = await api(`/api/scenarios/${encodeURIComponent(scenario.name)}/map`);
  $("where").hidden = false;
  const start = origin ?? scenario.outbreak;
  const codes = figure.data.map((t) => t.customdata[0]);
  const paint = (code) => figure.data.map((t) => (t.customdata[0] === code ? "#99000d" : "#f2f2f2"));
  if (origin !== null) {
    for (const [i, colour] of paint(origin).entries()) figure.data[i].fillcolor = colour;
  }
  const named = figure.data.find((t) => t.customdata[0] === start || t.name.startsWith(`${start} `));
  $("origin").textContent = named ? named.name : String(start);
  await Plotly.newPlot("picker", figure.data, figure.layout, { responsive: true, displaylogo: false });
  $("picker").on("plotly_click", (event) => {
    const trace = figure.data[event.points[0].curveNumber];
    if (!trace || !trace.customdata) return;
    origin = trace.customdata[0];
    $("origin").textContent = trace.name;
    Plotly.restyle("picker", { fillcolor: paint(origin) }, [...codes.keys()]);
  });
}

function table(rows) {
  if (!rows.length) return "<p>This scenario names no metrics.</p>";
  const cell = (c, i) => (i === 5 && c ? `<td class="${c}">${c}</td>` : `<td>${c}</td>`);
  const head = ["metric", "median", "5–95%", "unit", "target", "within"];
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("")}</tbody></table>`;
}

async function show(id, asked) {
  const result = await api(`/api/runs/${id}/result`);
  $("see").hidden = false; // shown first: a chart drawn while hidden takes a default width
  $("outcome").innerHTML = table(result.outcome);
  const options = { responsive: true, displaylogo: false };
  await Plotly.newPlot("curves", result.figures.curves.data, result.figures.curves.layout, options);
  if (result.figures.map) {
    const map = result.figures.map;
    await Plotly.newPlot("map", map.data, map.layout, options);
    await Plotly.addFrames("map", map.frames);
  } else {
    Plotly.purge("map");
    $("map").replaceChildren();
  }
  $("city-section").hidden = !result.files.includes("playback.bin");
  $("city").replaceChildren();
  if (!$("city-section").hidden) {
    const response = await fetch(`/api/runs/${id}/files/playback.bin`);
    if (!response.ok) throw new Error("the city's playback could not be read");
    window.player = await jonasPlayback($("city"), await response.arrayBuffer());
  }
  $("files").replaceChildren(...result.files.map((name) => {
    const item = document.createElement("li");
    item.innerHTML = `<a download></a>`;
    item.firstChild.href = `/api/runs/${id}/files/${encodeURIComponent(name)}`;
    item.firstChild.textContent = name;
    return item;
  }));
  $("share").href = shareLink(asked);
  shown = { asked, result };
  await compare();
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

const fmt = (v) => (v === null ? "–" : Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en") : Number(v.toPrecision(3)).toString());

// B against A: each metric's medians, and the replicate-by-replicate difference (same
// seeds: common random numbers) with its 5–95% range
async function compare() {
  if (kept === null || shown === null || kept.result === shown.result) {
    $("compare").hidden = true;
    return;
  }
  const a = kept.result;
  const b = shown.result;
  const byseed = new Map(a.seeds.map((seed, i) => [seed, i]));
  const pairs = b.seeds.map((seed, j) => [byseed.get(seed), j]).filter(([i]) => i !== undefined);
  $("paired").textContent = pairs.length
    ? `${pairs.length} replicates paired by seed (common random numbers): the differences are replicate by replicate`
    : "no replicate shares a seed: the medians compare, not the replicates";
  const rows = Object.keys(b.metrics).filter((name) => name in a.metrics).map((name) => {
    const sortedOf = (values) => values.filter((v) => v !== null).sort((x, y) => x - y);
    const diffs = sortedOf(pairs.map(([i, j]) => {
      const x = a.metrics[name][i];
      const y = b.metrics[name][j];
      return x === null || y === null ? null : y - x;
    }));
    return [name, fmt(quantile(sortedOf(a.metrics[name]), 0.5)), fmt(quantile(sortedOf(b.metrics[name]), 0.5)),
      fmt(quantile(diffs, 0.5)), diffs.length ? `${fmt(quantile(diffs, 0.05))} – ${fmt(quantile(diffs, 0.95))}` : "–"];
  });
  const head = ["metric", "A median", "B median", "B − A (median)", "B − A 5–95%"];
  $("differences").innerHTML = `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  $("compare").hidden = false;
  const options = { responsive: true, displaylogo: false };
  const titled = (figure, label) => ({
    ...figure.layout,
    title: { text: label, x: 0.98 },
    legend: { orientation: "h", y: -0.25 },
    height: 560,
  });
  await Plotly.newPlot("curves-a", a.figures.curves.data, titled(a.figures.curves, "A"), options);
  await Plotly.newPlot("curves-b", b.figures.curves.data, titled(b.figures.curves, "B"), options);
}

// "running: 3 of 20 replicates · 2.5 of 4 days simulated · about 12 s left"
function runningText(state) {
  const parts = [`running: ${state.done} of ${state.total} replicate${state.total === 1 ? "" : "s"}`];
  if (state.compiling_s !== null) {
    parts.push(`compiling the engine (first run only, about ${Math.round(state.compiling_s)} s)`);
  }
  if (state.t !== null) {
    let [t, end, unit] = [state.t, state.t_end, state.unit];
    if (unit === "hours" && end >= 48) [t, end, unit] = [t / 24, end / 24, "days"];
    parts.push(`${t.toFixed(1)} of ${+end.toFixed(2)} ${unit} simulated`);
  }
  if (state.left_s !== null) {
    const left = state.left_s;
    parts.push(left < 90 ? `about ${Math.ceil(left)} s left` : `about ${Math.round(left / 60)} min left`);
  }
  return parts.join(" · ");
}

async function follow(state, asked) {
  running = state.id;
  $("cancel").hidden = false;
  $("progress").hidden = false;
  while (true) {
    if (state.status === "queued") {
      $("status").textContent = `waiting: number ${state.position} in the queue`;
    } else if (state.status === "running") {
      $("status").textContent = runningText(state);
      $("progress").value = state.total ? state.progress / state.total : 0;
    } else break;
    await new Promise((resolve) => setTimeout(resolve, 400));
    state = await api(`/api/runs/${state.id}`);
  }
  running = null;
  $("cancel").hidden = true;
  $("progress").hidden = true;
  if (state.status === "done") {
    $("status").textContent = `done: ${state.total} replicate${state.total === 1 ? "" : "s"}`;
    await show(state.id, asked);
  } else if (state.status === "failed") {
    $("status").textContent = "";
    $("error").textContent = state.error;
  } else {
    $("status").textContent = "cancelled";
  }
}

async function run() {
  $("error").textContent = "";
  const asked = request();
  history.replaceState(null, "", shareLink(asked));
  $("run").disabled = true;
  try {
    const state = await api("/api/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(asked),
    });
    await follow(state, asked);
  } catch (error) {
    $("status").textContent = "";
    $("error").textContent = error.message;
  } finally {
    $("run").disabled = false;
  }
}

async function upload() {
  $("error").textContent = "";
  const file = $("upload").files[0];
  if (!file) return;
  const uploaded = await api("/api/scenarios", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ toml: await file.text() }),
  });
  const option = document.createElement("option");
  option.value = uploaded.name;
  option.textContent = `${file.name} (uploaded)`;
  $("scenario").append(option);
  $("scenario").value = uploaded.name;
  await choose(uploaded.name, { overrides: [] });
}

async function start() {
  const list = await api("/api/scenarios");
  $("scenario").innerHTML = list.map((s) => `<option value="${s.name}">${s.name}</option>`).join("");
  const given = fromAddress();
  const name = list.some((s) => s.name === given.scenario) ? given.scenario : "hyosan";
  $("scenario").value = name;
  await choose(name, given);
  $("scenario").addEventListener("change", () => {
    choose($("scenario").value, { overrides: [] }).catch((e) => { $("error").textContent = e.message; });
  });
  $("upload").addEventListener("change", () => upload().catch((e) => { $("error").textContent = e.message; }));
  $("run").addEventListener("click", run);
  $("keep").addEventListener("click", () => {
    kept = shown;
    $("keep").textContent = "A kept: change something and run B";
    compare();
  });
  $("extra-drop").addEventListener("click", () => {
    extra = [];
    $("extra").hidden = true;
  });
  $("cancel").addEventListener("click", () => running && api(`/api/runs/${running}`, { method: "DELETE" }));
  if (given.scenario) await run(); // a shared link runs what it describes
}

start().catch((error) => { $("error").textContent = error.message; });
