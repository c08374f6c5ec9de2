// The KPI page: totals of a date range, deliveries and on-time rate per day, failures by reason, a driver
// scorecard, ETA accuracy (per day or zone too), KPIs by delivery zone on a map (analytics-zones.js) and a
// peak-time heatmap of every zone or one, from /v1/analytics (definitions: docs/analytics.md). Charts are drawn by
// plotly.js (served from the plotly package, no CDN) as SVG with titled axes.
import { api, el } from "./api.js";
import { guarded, money, navDay, startPage } from "./page.js";
import { drawZoneMap, drawZoneTable, fillZoneChoice } from "./analytics-zones.js";

const $ = (id) => document.getElementById(id);
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage"] };
const FONT = { family: "system-ui, sans-serif", size: 12, color: "#1d2433" };
let currency = "EUR";
let heat = [];
let zoneShapes = [];
let byZone = null;

const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)} %`);
const num = (v, digits = 1) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));

function layout(xTitle, yTitle, extra = {}) {
  return {
    font: FONT, margin: { l: 64, r: 64, t: 16, b: 56 }, showlegend: true, legend: { orientation: "h", y: -0.25 },
    xaxis: { title: { text: xTitle }, automargin: true }, yaxis: { title: { text: yTitle }, rangemode: "tozero", automargin: true },
    ...extra,
  };
}

// A chart with nothing to draw says so in its middle, with no ticks made up for an empty axis.
function nothing(text) {
  return { annotations: [{ text, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false,
    font: { size: 14, color: "#4a5262" } }] };
}

// "4.33 of 5 (3)": the mean of the customers' ratings and how many there are; a dash without any
const rating = (k) => (k.rating_mean === null ? "–" : `${num(k.rating_mean, 2)} of 5 (${k.ratings})`);

function tile(label, value) {
  return el("div", {}, el("dt", {}, label), el("dd", {}, value));
}

function showTotals(report) {
  const t = report.total;
  $("range-label").textContent = `(${report.from} to ${report.to})`;
  $("totals").replaceChildren(
    tile("Deliveries", t.deliveries), tile("On time", pct(t.on_time_rate)), tile("First attempt", pct(t.first_attempt_rate)),
    tile("Failed attempts", t.failed_attempts), tile("Cost per delivery", t.cost_per_delivery_cents === null ? "–" : money(t.cost_per_delivery_cents, currency)),
    tile("Stops per hour", num(t.stops_per_hour, 2)), tile("km per stop", num(t.km_per_stop, 2)),
    tile("CO2e per delivery", t.co2_g_per_delivery === null ? "–" : `${num(t.co2_g_per_delivery)} g`),
    tile("Shift used", pct(t.utilisation.shift_time)), tile("Messages sent / failed", `${t.messages_sent} / ${t.messages_failed}`),
    tile("Customer rating", rating(t)),
  );
  const b = t.cost_basis;
  $("basis").textContent = `Cost, distance and time: ${b.driven_routes} route(s) on their GPS trail, ${b.planned_routes} on planned figures.`;
}

function drawDaily(report) {
  const days = report.series.map((g) => g.key);
  const traces = [
    { type: "bar", name: "Deliveries", x: days, y: report.series.map((g) => g.kpis.deliveries), marker: { color: "#3c6fb4" } },
    { type: "scatter", mode: "lines+markers", name: "On-time rate", x: days, yaxis: "y2",
      y: report.series.map((g) => g.kpis.on_time_rate), line: { color: "#c0392b" } },
  ];
  const y2 = { title: { text: "On-time rate" }, overlaying: "y", side: "right", range: [0, 1], tickmode: "linear", dtick: 0.25,
    tickformat: ".0%", showgrid: false };
  const none = days.length ? {} : nothing("No worked day in this range: the KPIs come from the days drivers worked.");
  const xaxis = { title: { text: "Day" }, type: "category", showticklabels: days.length > 0 };
  Plotly.react($("daily-chart"), traces, layout("Day", "Deliveries", { yaxis2: y2, xaxis, ...none }), CONFIG);
}

function drawReasons(report) {
  const reasons = Object.entries(report.total.failed_by_reason).sort((a, b) => b[1] - a[1]);
  const trace = { type: "bar", name: "Failed attempts", x: reasons.map((r) => r[0].replaceAll("_", " ")), y: reasons.map((r) => r[1]),
    marker: { color: "#b35c1e" } };
  const none = reasons.length ? {} : nothing("No failed attempt in this range.");
  const xaxis = { title: { text: "Reason" }, type: "category", showticklabels: reasons.length > 0, automargin: true };
  Plotly.react($("reasons-chart"), [trace], layout("Reason", "Failed attempts", { showlegend: false, xaxis, ...none }), CONFIG);
}

function drawScorecard(report) {
  const rows = report.series.map((g) => el("tr", { "data-driver": g.key ?? "" },
    el("th", { scope: "row" }, g.label), el("td", {}, g.kpis.deliveries), el("td", {}, g.kpis.attempts),
    el("td", {}, pct(g.kpis.on_time_rate)), el("td", {}, pct(g.kpis.first_attempt_rate)),
    el("td", {}, pct(g.kpis.proof_rate)), el("td", {}, num(g.kpis.stops_per_hour, 2)), el("td", {}, rating(g.kpis))));
  const none = el("tr", {}, el("td", { colspan: "8", class: "muted" }, "No driver worked in this range."));
  $("scorecard").querySelector("tbody").replaceChildren(...(rows.length ? rows : [none]));
}

const minutes = (s) => (s === null || s === undefined ? "–" : `${(s / 60).toFixed(1)} min`);

function etaCells(h) {
  return [el("td", {}, h.stops), el("td", {}, minutes(h.p50_abs_error_s)), el("td", {}, minutes(h.p90_abs_error_s)),
    el("td", {}, minutes(h.mean_error_s))];
}

// The range's three horizons, or (per day or zone) a row per group and horizon.
function showEta(report) {
  const table = $("eta-accuracy");
  const by = report.group_by;
  const head = ["Ahead", "Stops", "Median error", "90th percentile", "Mean"];
  if (by) head.unshift(by === "day" ? "Day" : "Zone");
  table.querySelector("thead tr").replaceChildren(...head.map((t) => el("th", { scope: "col" }, t)));
  $("eta-caption").textContent = by ? `ETA error per ${by} and horizon: stops, median and 90th percentile of the absolute error, mean error`
    : "ETA error per horizon: stops, median and 90th percentile of the absolute error, mean error";
  let rows;
  if (!by) {
    rows = report.horizons.map((h) => el("tr", { "data-minutes": h.minutes },
      el("th", { scope: "row" }, `${h.minutes} min`), ...etaCells(h)));
  } else {
    rows = report.series.flatMap((g) => g.horizons.map((h) => el("tr", { "data-key": g.key ?? "", "data-minutes": h.minutes },
      el("th", { scope: "row" }, g.label), el("td", {}, `${h.minutes} min`), ...etaCells(h))));
    if (!rows.length) rows = [el("tr", {}, el("td", { colspan: 6 }, "No stop of the range was given an ETA."))];
  }
  table.querySelector("tbody").replaceChildren(...rows);
}

async function loadEta(range) {
  const by = $("eta-view").value;
  showEta(await api("GET", `/v1/analytics/eta-accuracy?${range}${by ? `&group_by=${by}` : ""}`));
}

function drawZones() {
  drawZoneMap(zoneShapes, byZone, $("zone-measure").value, $("zone-measure").selectedOptions[0].textContent);
}

async function loadHeat(range) {
  const zone = $("heat-zone").value;
  heat = (await api("GET", `/v1/analytics/heatmap?${range}${zone ? `&zone=${encodeURIComponent(zone)}` : ""}`)).cells;
}

function drawHeatmap() {
  const measure = $("heat-measure").value;
  const z = WEEKDAYS.map(() => Array(24).fill(0));
  for (const c of heat) z[c.weekday][c.hour] = c[measure];
  const label = $("heat-measure").selectedOptions[0].textContent;
  const trace = { type: "heatmap", x: [...Array(24).keys()], y: WEEKDAYS, z, colorscale: "YlOrRd", reversescale: true,
    colorbar: { title: { text: label } }, hovertemplate: "%{y} %{x}:00: %{z}<extra></extra>" };
  const empty = !z.some((row) => row.some((v) => v));
  if (empty) Object.assign(trace, { zmin: 0, zmax: 1, showscale: false }); // all zero: the scale's light end, no scale
  const extra = { showlegend: false, yaxis: { title: { text: "Weekday" }, autorange: "reversed", automargin: true },
    xaxis: { title: { text: "Hour of the day (local)" }, dtick: 1 }, ...(empty ? nothing(`No ${label} in this range.`) : {}) };
  Plotly.react($("heatmap-chart"), [trace], layout("Hour of the day (local)", "Weekday", extra), CONFIG);
  const zone = $("heat-zone").value ? `, ${$("heat-zone").selectedOptions[0].textContent}` : "";
  $("heatmap-caption").textContent = `${label[0].toUpperCase()}${label.slice(1)} by local hour and weekday${zone}.`;
}

async function show() {
  const range = `from=${$("from").value}&to=${$("to").value}`;
  const url = new URL(location.href);
  url.searchParams.set("from", $("from").value);
  url.searchParams.set("to", $("to").value);
  history.replaceState(null, "", url);
  navDay($("to").value);
  $("csv-link").href = `/v1/analytics/kpis.csv?${range}&group_by=day`;
  const [daily, drivers, zones, shapes] = await Promise.all([
    api("GET", `/v1/analytics/kpis?${range}&group_by=day`),
    api("GET", `/v1/analytics/kpis?${range}&group_by=driver`),
    api("GET", `/v1/analytics/kpis?${range}&group_by=zone`),
    api("GET", "/v1/analytics/zones"),
  ]);
  zoneShapes = shapes.zones;
  byZone = zones;
  fillZoneChoice($("heat-zone"), zoneShapes);
  await Promise.all([loadHeat(range), loadEta(range)]);
  showTotals(daily);
  drawDaily(daily);
  drawReasons(daily);
  drawScorecard(drivers);
  drawZoneTable(zones, currency);
  drawZones();
  drawHeatmap();
}

async function init() {
  const me = await startPage();
  currency = me.currency || currency;
  const url = new URL(location.href);
  const to = url.searchParams.get("to") || url.searchParams.get("date") || new Date().toISOString().slice(0, 10);
  const from = url.searchParams.get("from") || new Date(Date.parse(to) - 29 * 86400e3).toISOString().slice(0, 10);
  $("from").value = from;
  $("to").value = to;
  $("range-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(show);
  });
  $("heat-measure").addEventListener("change", () => guarded(async () => drawHeatmap()));
  const range = () => `from=${$("from").value}&to=${$("to").value}`;
  $("heat-zone").addEventListener("change", () => guarded(async () => { await loadHeat(range()); drawHeatmap(); }));
  $("eta-view").addEventListener("change", () => guarded(() => loadEta(range())));
  $("zone-measure").addEventListener("change", () => guarded(async () => drawZones()));
  await show();
  document.body.dataset.ready = "1";
}

guarded(init);
