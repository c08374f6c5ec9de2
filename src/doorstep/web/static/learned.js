// What Doorstep learned from the driven days (docs/learning.md): how many visits and legs, whether plans and ETAs use
// it, the travel factor by hour of the week (plotly.js), neighbourhoods on a map shaded by travel factor or service
// time, when customers are reached (a weekday x band heatmap for the organization, a neighbourhood or an address,
// with a table of the attempts), drivers' pace and the most visited addresses, each with the observations behind it.
import { api, el } from "./api.js";
import { guarded, startPage } from "./page.js";
import { makeMap } from "./map.js";

const $ = (id) => document.getElementById(id);
const L = window.L;
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage"] };
const FONT = { family: "system-ui, sans-serif", size: 12, color: "#1d2433" };
let learned = null;
let view = null;

const mmss = (s) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;
const tile = (label, value) => el("div", {}, el("dt", {}, label), el("dd", {}, value));

function showStatus(doc) {
  $("status").replaceChildren(
    tile("Learned", doc.learned_at ? new Date(doc.learned_at).toLocaleString() : "never"),
    tile("Days", doc.days), tile("Visits observed", doc.service_observations), tile("Legs observed", doc.leg_observations),
    tile("Service time (all)", doc.service_s_organization === null ? "–" : mmss(doc.service_s_organization)),
    tile("Travel (all)", doc.travel_factor_organization === null ? "–" : `× ${doc.travel_factor_organization}`),
    tile("Used by plans and ETAs", doc.in_use ? "yes" : "no"),
  );
  const notes = [];
  if (doc.service_fallback) notes.push(`service times: fewer than ${doc.min_observations} visits, the orders' own times stand`);
  if (doc.travel_fallback) notes.push(`travel: fewer than ${doc.min_observations} legs, the static model stands`);
  if (!doc.in_use && !doc.service_fallback) notes.push("learned times are off on this server (DOORSTEP_LEARNED_TIMES)");
  $("status-note").textContent = notes.length ? `Defaults in use — ${notes.join("; ")}.` : "";
}

function drawHours(doc) {
  const hours = doc.hour_of_week_factors;
  const x = hours.map((h) => Number(h.key));
  const layout = {
    font: FONT, margin: { l: 64, r: 64, t: 16, b: 56 }, showlegend: true, legend: { orientation: "h", y: -0.3 },
    xaxis: { title: { text: "Local hour of the week" }, range: [0, 167], tickmode: "array",
      tickvals: DAYS.map((_, d) => d * 24), ticktext: DAYS, automargin: true },
    yaxis: { title: { text: "Travel factor (1 = static model)" }, rangemode: "tozero", automargin: true },
    yaxis2: { title: { text: "Legs observed" }, overlaying: "y", side: "right", showgrid: false, rangemode: "tozero" },
  };
  const traces = [
    { type: "bar", name: "Legs observed", x, y: hours.map((h) => h.observations), yaxis: "y2", marker: { color: "#d5dde8" } },
    { type: "scatter", mode: "markers+lines", name: "Travel factor", x, y: hours.map((h) => h.value),
      line: { color: "#3c6fb4" }, connectgaps: false },
  ];
  Plotly.react($("hours-chart"), traces, layout, CONFIG);
}

function shade(value, lo, hi) {
  const t = hi > lo ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 0.5;
  const r = Math.round(60 + t * 170), g = Math.round(150 - t * 90), b = Math.round(200 - t * 150);
  return `rgb(${r},${g},${b})`;
}

function drawMap() {
  const measure = $("map-measure").value;
  const cells = measure === "travel" ? learned.neighbourhood_factors : learned.neighbourhood_service_s;
  view.layer.clearLayers();
  if (!cells.length) {
    $("map-legend").textContent = "Nothing learned yet.";
    return;
  }
  const values = cells.map((c) => c.value);
  const lo = Math.min(...values), hi = Math.max(...values);
  const fmt = (v) => (measure === "travel" ? `× ${v}` : mmss(v));
  for (const c of cells) {
    L.circle([c.lat, c.lng], { radius: 500, color: "#1d2433", weight: 1, fillColor: shade(c.value, lo, hi), fillOpacity: 0.6 })
      .bindTooltip(`${fmt(c.value)} (${c.observations} ${measure === "travel" ? "legs" : "visits"})`)
      .addTo(view.layer);
  }
  view.map.fitBounds(L.latLngBounds(cells.map((c) => [c.lat, c.lng])).pad(0.2));
  $("map-legend").textContent = `Blue: ${fmt(lo)} … red: ${fmt(hi)}, per ~1 km neighbourhood (hover for the observations).`;
}

async function showDrivers(doc) {
  const drivers = await api("GET", "/v1/drivers?limit=500");
  const names = Object.fromEntries(drivers.items.map((d) => [d.id, d.name]));
  $("drivers").querySelector("tbody").replaceChildren(...doc.driver_factors.map((d) => el("tr", {},
    el("th", { scope: "row" }, names[d.key] || d.key),
    el("td", {}, d.value >= 1 ? `${Math.round((d.value - 1) * 100)} % slower` : `${Math.round((1 - d.value) * 100)} % quicker`),
    el("td", {}, d.observations))));
  $("addresses").querySelector("tbody").replaceChildren(...doc.address_service_s.map((a) => el("tr", {},
    el("th", { scope: "row" }, `${a.lat.toFixed(5)}, ${a.lng.toFixed(5)}`), el("td", {}, mmss(a.value)), el("td", {}, a.observations))));
}

const pct = (x) => `${Math.round(x * 100)} %`;

function reachOptions(doc) {
  const select = $("reach-where");
  const keep = select.value;
  const group = (label, items, name) => el("optgroup", { label }, ...items.map((x) => el("option", { value: x.key },
    `${name} ${x.lat.toFixed(4)}, ${x.lng.toFixed(4)} — ${pct(x.value)} of ${x.observations} attempts`)));
  const groups = [group("Neighbourhoods (~1 km)", doc.reach_neighbourhoods, "around"),
    group("Most attempted addresses", doc.reach_addresses, "at")].filter((g) => g.children.length);
  select.replaceChildren(el("option", { value: "" }, "the whole organization"), ...groups);
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
}

async function showReach() {
  const where = $("reach-where").value;
  const grid = await api("GET", `/v1/analytics/learned/reach${where ? `?where=${encodeURIComponent(where)}` : ""}`);
  const empty = grid.attempts === 0;  // nothing to draw: say so instead of an empty plot and a table of dashes
  $("reach-figure").hidden = empty;
  $("reach-table").closest(".scroll").hidden = empty;
  if (empty) {
    $("reach-note").textContent = "No delivery attempts recorded yet: the chart appears once drivers have attempted deliveries.";
    return;
  }
  const bands = [...new Set(grid.cells.map((c) => c.start_hour))];
  const label = (h) => `${String(h).padStart(2, "0")}–${String(h + 2).padStart(2, "0")}`;
  const cell = (d, h) => grid.cells.find((c) => c.weekday === d && c.start_hour === h);
  const says = (c) => (c.rate === null ? "–" : pct(c.rate));
  const z = DAYS.map((_, d) => bands.map((h) => cell(d, h).rate));
  const text = DAYS.map((day, d) => bands.map((h) => {
    const c = cell(d, h);
    return `${day} ${label(h)}: ${says(c)} (${c.successes} of ${c.attempts} attempts here; estimate from the ${c.level})`;
  }));
  const layout = { font: FONT, margin: { l: 56, r: 24, t: 16, b: 48 }, yaxis: { autorange: "reversed" },
    xaxis: { title: { text: "Local time" } } };
  const trace = { type: "heatmap", z, text, hoverinfo: "text", x: bands.map(label), y: DAYS, zmin: 0, zmax: 1,
    colorscale: [[0, "#f1f4f9"], [1, "#1d4f91"]], colorbar: { title: { text: "Chance reached" }, tickformat: ".0%" } };
  Plotly.react($("reach-chart"), [trace], layout, CONFIG);
  const table = $("reach-table");
  table.querySelector("thead tr").replaceChildren(el("th", { scope: "col" }, "Day"),
    ...bands.map((h) => el("th", { scope: "col" }, label(h))));
  table.querySelector("tbody").replaceChildren(...DAYS.map((day, d) => el("tr", {}, el("th", { scope: "row" }, day),
    ...bands.map((h) => { const c = cell(d, h); return el("td", {}, `${says(c)} (${c.successes}/${c.attempts})`); }))));
  const what = grid.scope === "organization" ? "All addresses" : grid.scope === "neighbourhood" ? "This neighbourhood" : "This address";
  const notes = [`${what}: ${grid.successes} of ${grid.attempts} attempts reached the customer.`];
  if (grid.fallback) notes.push(`Fewer than ${grid.min_observations} attempts in all: nothing is estimated and slot offers carry no reach.`);
  else notes.push("Each band shrinks towards its parent (address → neighbourhood → organization) when it has few attempts.");
  $("reach-note").textContent = notes.join(" ");
}

async function show() {
  learned = await api("GET", "/v1/analytics/learned");
  showStatus(learned);
  drawHours(learned);
  drawMap();
  reachOptions(learned);
  await showReach();
  await showDrivers(learned);
}

async function init() {
  await startPage();
  view = makeMap($("map"));
  $("map-measure").addEventListener("change", () => guarded(async () => drawMap()));
  $("reach-where").addEventListener("change", () => guarded(showReach));
  $("relearn").addEventListener("click", () => guarded(async () => {
    const before = learned.learned_at;
    $("relearn").disabled = true;
    try {
      await api("POST", "/v1/analytics/learned/run");
      for (let k = 0; k < 60 && learned.learned_at === before; k++) {
        await new Promise((r) => setTimeout(r, 500));
        learned = await api("GET", "/v1/analytics/learned");
      }
      await show();
    } finally {
      $("relearn").disabled = false;
    }
  }));
  await show();
  document.body.dataset.ready = "1";
}

guarded(init);
