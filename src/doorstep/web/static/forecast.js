// The forecast page: orders per day of the last 8 weeks and the next 14 days with the 80 % band, per zone, the
// backtest of the seasonal baseline against the seasonal naive forecast, and a staffing run (a job planning each
// forecast day with the real fleet) whose days appear as they are planned. Data: /v1/analytics/forecast and
// /v1/analytics/staffing (docs/analytics.md, "Forecast and staffing"); charts by plotly.js served locally.
import { api, el } from "./api.js";
import { guarded, startPage } from "./page.js";

const $ = (id) => document.getElementById(id);
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage"] };
const FONT = { family: "system-ui, sans-serif", size: 12, color: "#1d2433" };
const POLL_MS = 1000;
let series = new Map(); // key ("all", a zone id, "none") -> series of the forecast answer

const num = (v, digits = 1) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
const keyOf = (s) => (s.key === null ? "none" : s.key);

function draw(s) {
  const hx = s.history.map((h) => h.date);
  const fx = s.points.map((p) => p.date);
  const traces = [
    { type: "scatter", mode: "lines", name: "80 % band (high)", x: fx, y: s.points.map((p) => p.high), line: { width: 0 },
      showlegend: false, hoverinfo: "skip" },
    { type: "scatter", mode: "lines", name: "80 % band", x: fx, y: s.points.map((p) => p.low), line: { width: 0 },
      fill: "tonexty", fillcolor: "rgba(60, 111, 180, 0.2)", hovertemplate: "%{x}: from %{y}<extra>band</extra>" },
    { type: "scatter", mode: "lines+markers", name: "Orders", x: hx, y: s.history.map((h) => h.orders),
      line: { color: "#1d2433" }, marker: { size: 4 } },
    { type: "bar", name: "Booked so far", x: fx, y: s.points.map((p) => p.booked), marker: { color: "rgba(29, 36, 51, 0.3)" },
      hovertemplate: "%{x}: %{y} booked<extra></extra>" },
    { type: "scatter", mode: "lines+markers", name: "Forecast", x: fx, y: s.points.map((p) => p.forecast),
      line: { color: "#3c6fb4", dash: "dash" }, marker: { size: 5 } },
  ];
  const layout = {
    font: FONT, margin: { l: 64, r: 24, t: 16, b: 56 }, showlegend: true, legend: { orientation: "h", y: -0.25 },
    xaxis: { title: { text: "Local delivery day" }, type: "date", automargin: true },
    yaxis: { title: { text: "Orders" }, rangemode: "tozero", automargin: true },
  };
  Plotly.react($("forecast-chart"), traces, layout, CONFIG);
  $("series-label").textContent = `(${s.label})`;
}

function showBacktest(s, answer) {
  const b = s.backtest;
  const row = (name, m) => el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, num(m.mae, 2)), el("td", {}, num(m.mase, 3)));
  $("backtest").querySelector("tbody").replaceChildren(
    row("Seasonal baseline (this forecast)", b.baseline), row("Seasonal naive (same weekday a week before)", b.naive));
  $("backtest-note").textContent = b.origins
    ? `${b.origins} forecast origins over ${answer.history_days} days of history, ${b.points} days scored up to ${answer.days} days ahead; ` +
      `MASE below 1 beats "same as last week"; ${num((b.coverage ?? 0) * 100, 0)} % of the days fell inside the 80 % band.`
    : "Not backtested yet: it needs two weeks of history.";
}

function show() {
  const s = series.get($("series").value) ?? series.get("all");
  draw(s);
  showBacktest(s, show.answer);
}

async function load() {
  const [all, zones] = await Promise.all([
    api("GET", "/v1/analytics/forecast?days=14&group_by=day"),
    api("GET", "/v1/analytics/forecast?days=14&group_by=zone"),
  ]);
  series = new Map([["all", all.series[0]], ...zones.series.map((s) => [keyOf(s), s])]);
  $("series").replaceChildren(...[...series.values()].map((s) => el("option", { value: keyOf(s) }, s.label)));
  show.answer = all;
  const warning = all.warnings[0];
  $("forecast-warning").hidden = !warning;
  $("forecast-warning").textContent = warning ? `${warning.code}: ${warning.message}` : "";
  show();
}

function staffRows(days) {
  $("staffing").querySelector("tbody").replaceChildren(...days.map((d) => el("tr", { "data-date": d.date },
    el("th", { scope: "row" }, d.date), el("td", {}, num(d.forecast)), el("td", {}, d.orders), el("td", {}, d.vans),
    el("td", {}, num(d.driver_hours, 2)), el("td", {}, num(d.distance_m / 1000)), el("td", {}, d.unassigned))));
}

async function follow(id) {
  for (;;) {
    const run = await api("GET", `/v1/analytics/staffing/${id}`);
    const days = run.result?.days ?? run.progress.days ?? [];
    staffRows(days);
    if (run.status === "succeeded") {
      const t = run.result.totals;
      $("staffing-status").textContent = `Done: ${days.length} days planned, at most ${t.max_vans} van(s) a day, ${num(t.driver_hours, 1)} driver hours in all.`;
      return;
    }
    if (run.status === "failed") {
      $("staffing-status").textContent = `The staffing run failed: ${run.error.error.message}`;
      return;
    }
    $("staffing-status").textContent = `Planning: ${run.progress.days_done} of ${run.progress.days_total} days done…`;
    await new Promise((ok) => setTimeout(ok, POLL_MS));
  }
}

async function plan() {
  $("staff-btn").disabled = true;
  try {
    const body = { days: Number($("staff-days").value), time_limit_s: Number($("staff-seconds").value) };
    const run = await api("POST", "/v1/analytics/staffing", body);
    $("staffing").dataset.run = run.id;
    $("staffing-status").textContent = "Queued…";
    await follow(run.id);
  } finally {
    $("staff-btn").disabled = false;
  }
}

async function init() {
  await startPage();
  $("series").addEventListener("change", () => guarded(async () => show()));
  $("staffing-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(plan);
  });
  await load();
  document.body.dataset.ready = "1";
}

guarded(init);
