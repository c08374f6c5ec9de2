// The dispatcher dashboard: orders, import, plan with live progress, map, timelines, stop moves, publish, dispatch,
// and the depot's vehicles.
import { api, el, hhmm } from "./api.js";
import { loadFleet, setupFleet } from "./fleet.js";
import { COLOURS, drawPlan, makeMap } from "./map.js";
import { money, navDay } from "./page.js";
import { drawProgress as drawChart } from "./progress-chart.js";
import { span, timeAxis, timelineBar } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const state = { depot: null, day: null, depots: [], orders: new Map(), plan: null, preview: null, currency: "EUR" };
const mapView = makeMap($("map"));
const armed = new Set(); // driverless routes whose "Dispatch" was pressed once
const notes = new Map(); // route id -> what its last dispatch said (W1413)

function showError(err) {
  $("error").textContent = err ? err.message : "";
}

async function guarded(fn) {
  showError(null);
  try {
    await fn();
  } catch (err) {
    if (err.status === 401) location.href = "/login";
    else showError(err);
  }
}

async function loadOrders() {
  const params = new URLSearchParams({ depot_id: state.depot, date: state.day, limit: "500" });
  if ($("status-filter").value) params.set("status", $("status-filter").value);
  const page = await api("GET", `/v1/orders?${params}`);
  const body = $("orders").querySelector("tbody");
  body.replaceChildren();
  for (const o of page.items) {
    state.orders.set(o.id, o);
    const w = o.data.time_windows[0];
    const open = el("a", { href: `/app/orders?date=${state.day}&order=${o.id}`, title: "open the order's page" }, o.external_ref);
    body.append(el("tr", { "data-id": o.id }, el("td", {}, open), el("td", { class: "status" }, o.status),
      el("td", {}, o.data.address), el("td", {}, w ? `${hhmm(w.start)}–${hhmm(w.end)}` : "")));
  }
  $("orders-count").textContent = `(${page.items.length}${page.next_cursor ? "+" : ""})`;
}

async function importFile(ev) {
  ev.preventDefault();
  const form = new FormData();
  form.append("file", $("import-file").files[0]);
  form.append("depot_id", state.depot);
  form.append("date", state.day);
  const report = await api("POST", "/v1/orders/import", form);
  const out = $("import-report");
  out.replaceChildren(el("p", { class: "import-summary" },
    `${report.created.length} created, ${report.existing.length} already there, ${report.skipped.length} skipped`));
  const list = el("ul");
  for (const s of report.skipped) list.append(el("li", { class: "violation" }, `${s.message}`));
  out.append(list);
  await loadOrders();
}

function drawProgress(points) {
  drawChart($("progress"), points, (cents) => money(cents, state.currency));
}

function planText(plan) {
  const stats = plan.stats;
  const best = stats && stats.cost_cents != null ? ` cost ${money(stats.cost_cents, state.currency)}`
    : plan.progress.length ? ` search best ${money(plan.progress.at(-1)[1], state.currency)}` : "";
  let text = `Version ${plan.version}: ${plan.status}${best}`;
  if (stats) text += ` — ${stats.orders_assigned}/${stats.orders_total} orders on ${plan.routes.length} routes`;
  if (plan.error) text += ` — ${plan.error.error.code}: ${plan.error.error.message}`;
  return text;
}

async function pollPlan(planId) {
  for (;;) {
    const plan = await api("GET", `/v1/plans/${planId}`);
    $("plan-status").textContent = planText(plan);
    drawProgress(plan.progress);
    if (!["queued", "running"].includes(plan.status)) return plan;
    await new Promise((r) => setTimeout(r, 500));
  }
}

// The plan request's options: time, objective and, when filled in, the workload balancing caps (API units).
function planOptions() {
  const options = { time_limit_s: Number($("time-limit").value), objective: $("objective").value };
  const filled = (id) => $(id).value !== "";
  if (filled("balance-stops")) options.balance_max_stops = Number($("balance-stops").value);
  if (filled("balance-hours")) options.balance_max_duration_s = Math.round(Number($("balance-hours").value) * 3600);
  if (filled("balance-cost")) options.balance_duration_cost_per_hour_cents = Number($("balance-cost").value);
  return options;
}

async function startPlan() {
  const body = { depot_id: state.depot, date: state.day, options: planOptions() };
  const plan = await api("POST", "/v1/plans", body);
  $("plan-btn").disabled = true;
  try {
    await pollPlan(plan.id);
  } finally {
    $("plan-btn").disabled = false;
  }
  await loadOrders();
  await loadPlan();
}

async function loadPlan() {
  const plans = await api("GET", `/v1/plans?depot_id=${state.depot}&date=${state.day}`);
  const latest = plans.find((p) => ["succeeded", "published"].includes(p.status)) || plans[0];
  state.plan = latest ? await api("GET", `/v1/plans/${latest.id}`) : null;
  renderPlan();
}

function renderPlan() {
  const plan = state.plan;
  $("publish-btn").disabled = !plan || plan.status !== "succeeded";
  $("routes").replaceChildren();
  $("unassigned").replaceChildren();
  $("move-order").replaceChildren();
  $("move-route").replaceChildren();
  if (!plan) {
    $("plan-status").textContent = "No plan yet.";
    drawPlan(mapView, [], [], state.orders);
    return;
  }
  $("plan-status").textContent = planText(plan);
  drawProgress(plan.progress);
  drawPlan(mapView, plan.routes, plan.unassigned, state.orders);
  const [t0, t1] = plan.routes.length ? span(plan.routes) : [0, 1];
  if (plan.routes.length) {  // the hours under which the bars below are drawn
    const sample = plan.routes[0].data.stops[0]?.arrival;
    $("routes").append(el("div", { class: "axis-row" }, el("span"), el("span", { class: "muted" }, "time"),
      timeAxis(t0, t1, sample), el("span")));
  }
  plan.routes.forEach((r, i) => {
    const orders = r.data.stops.filter((s) => s.order_id && s.type !== "break").length;
    // A route without a driver reaches no phone: the first press says so (W1413), a second one dispatches anyway.
    const dispatch = el("button", { type: "button", class: "dispatch-btn", "data-route": r.id },
      armed.has(r.id) ? "Dispatch anyway" : "Dispatch");
    dispatch.disabled = r.status !== "published";
    dispatch.addEventListener("click", () => guarded(async () => {
      if (!r.driver_id && !armed.has(r.id)) {
        armed.add(r.id);
        notes.set(r.id, ["W1413 no driver: no phone will show this route. ",
          el("a", { href: `/app/drivers?date=${state.day}` }, "Assign a driver"), ", or press “Dispatch anyway”."]);
        renderPlan();
        return;
      }
      const out = await api("POST", `/v1/routes/${r.id}/dispatch`, { version: r.version });
      armed.delete(r.id);
      notes.set(r.id, (out.warnings || []).map((w) => `${w.code}: ${w.message}`));
      await loadOrders();
      await loadPlan();
    }));
    const code = el("button", { type: "button", class: "code-btn", title: "one-time login code for the driver app" }, "Driver code");
    code.disabled = !r.driver_id;
    code.addEventListener("click", () => guarded(async () => {
      const issued = await api("POST", `/v1/drivers/${r.driver_id}/login-codes`);
      code.replaceWith(el("code", { class: "driver-code" }, `${issued.code} (open /driver)`));
    }));
    $("routes").append(el("div", { class: "route", "data-route": r.id },
      el("span", { class: "swatch", style: `background:${COLOURS[i % COLOURS.length]}` }),
      el("span", {}, `${r.data.vehicle_name} · ${orders} stops`),
      timelineBar(r, t0, t1),
      el("span", {}, el("span", { class: "route-status" }, r.status), " ", dispatch, " ", code),
      el("span", { class: "route-note violation", role: "status" }, ...(notes.get(r.id) || []))));
    $("move-route").append(el("option", { value: r.id }, r.data.vehicle_name));
    for (const s of r.data.stops) {
      if (s.order_id && (s.type === "delivery" || s.type === "pickup"))
        $("move-order").append(el("option", { value: s.order_id }, `${s.external_ref} (${r.data.vehicle_name})`));
    }
  });
  for (const u of plan.unassigned) {
    $("unassigned").append(el("li", {}, `${u.external_ref}: ${u.reason} — ${u.action}`));
    $("move-order").append(el("option", { value: u.order_id }, `${u.external_ref} (unassigned)`));
  }
  $("preview").replaceChildren();
  $("save-btn").disabled = true;
}

function moveBody() {
  return { order_id: $("move-order").value, route_id: $("move-route").value, position: Number($("move-pos").value) };
}

async function preview() {
  const result = await api("POST", `/v1/plans/${state.plan.id}/edits/preview`, moveBody());
  const out = $("preview");
  out.replaceChildren();
  if (result.violations.length === 0) out.append(el("p", { class: "ok" }, "No violations."));
  const list = el("ul", { class: "violations" });
  for (const v of result.violations) list.append(el("li", { class: "violation" }, `${v.kind}: ${v.message}`));
  out.append(list);
  for (const r of result.routes) {
    const table = el("table", { class: "etas" }, el("tr", {}, el("th", {}, r.vehicle_name), el("th", {}, "ETA"), el("th", {}, "window")));
    for (const s of r.stops) {
      if (!s.order_id) continue;
      table.append(el("tr", {}, el("td", {}, s.external_ref), el("td", {}, hhmm(s.arrival)),
        el("td", {}, s.window_start ? `${hhmm(s.window_start)}–${hhmm(s.window_end)}` : "")));
    }
    out.append(table);
  }
  $("save-btn").disabled = false;
}

async function save() {
  const versions = Object.fromEntries(state.plan.routes.map((r) => [r.id, r.version]));
  await api("POST", `/v1/plans/${state.plan.id}/edits`, { ...moveBody(), versions });
  await loadPlan();
}

async function publish() {
  await api("POST", `/v1/plans/${state.plan.id}/publish`);
  await loadOrders();
  await loadPlan();
}

async function reload() {
  state.depot = $("depot").value;
  state.day = $("day").value;
  const url = new URL(location.href);
  url.searchParams.set("date", state.day);
  history.replaceState(null, "", url);
  navDay(state.day);
  await loadOrders();
  await loadPlan();
  await loadFleet(state.depot, state.depots);
}

async function init() {
  const me = await api("GET", "/v1/auth/me");
  state.currency = me.currency;
  $("who").textContent = `${me.name || me.principal_id} (${me.role || "API key"})`;
  const depots = await api("GET", "/v1/depots?limit=500");
  state.depots = depots.items;
  for (const d of depots.items) $("depot").append(el("option", { value: d.id }, d.name));
  const plans = await api("GET", "/v1/plans");
  $("day").value = new URL(location.href).searchParams.get("date") || plans[0]?.date || new Date().toISOString().slice(0, 10);
  if (plans[0]) $("depot").value = plans[0].depot_id;
  $("depot").addEventListener("change", () => guarded(reload));
  $("day").addEventListener("change", () => guarded(reload));
  $("status-filter").addEventListener("change", () => guarded(loadOrders));
  $("import-form").addEventListener("submit", (ev) => guarded(() => importFile(ev)));
  $("plan-btn").addEventListener("click", () => guarded(startPlan));
  $("publish-btn").addEventListener("click", () => guarded(publish));
  $("preview-btn").addEventListener("click", () => guarded(preview));
  $("save-btn").addEventListener("click", () => guarded(save));
  setupFleet(guarded);
  $("logout").addEventListener("click", () => guarded(async () => {
    await api("POST", "/v1/auth/logout");
    location.href = "/login";
  }));
  await reload();
  document.body.dataset.ready = "1";
}

guarded(init);
