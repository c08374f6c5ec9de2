// The dispatcher dashboard: orders, import, plan with the planner's options and live progress (a large day's per
// part too; a job already running when the page opens is followed), map, timelines,
// stops moved by dragging with the checker's preview, a comparison with the published plan before publishing,
// locked routes and "re-plan the rest", dispatch, the plan's carrier offers, the depot's hours, capacity, docks
// and inbound transfers, its vehicles, the vehicle types (electric range) and the access zones.
import { loadZones, setupZones, zoneTypesChanged } from "./access-zones.js";
import { api, el, hhmm } from "./api.js";
import { carrierNote, loadBookings, renderOffers, setupOffers } from "./carrier-offers.js";
import { loadDepot, setupDepot, showDepotLoad } from "./depot.js";
import { loadFleet, setupFleet } from "./fleet.js";
import { COLOURS, drawPlan, makeMap } from "./map.js";
import { money, navDay } from "./page.js";
import { hideCompare, renderCompare } from "./plan-compare.js";
import { drawParts } from "./part-progress.js";
import { clearOptionErrors, planOptions, showOptionErrors } from "./plan-options.js";
import { drawProgress as drawChart } from "./progress-chart.js";
import { decorateBar, dropOnMap, resetMove, setupMoves, stopChip } from "./stop-move.js";
import { span, timeAxis, timelineBar } from "./timeline.js";
import { loadTypes, setupTypes } from "./vehicle-types.js";

const $ = (id) => document.getElementById(id);
const state = {
  depot: null, day: null, depots: [], orders: new Map(), plan: null, currency: "EUR",
  published: null, kept: [], compare: null, publishArmed: false, drivers: new Map(), following: null,
};
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
    body.append(el("tr", { "data-id": o.id }, el("td", {}, open), el("td", { class: "status" }, o.status, carrierNote(o.id)),
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

function drawProgress(plan) {
  drawChart($("progress"), plan.progress, (cents) => money(cents, state.currency));
  drawParts($("part-progress"), $("part-bars"), plan.part_progress, (cents) => money(cents, state.currency));
}

// A route's estimated CO2 (plans made before it was reported have none).
const co2Text = (data) => (data.co2_kg == null ? "" : ` · ${data.co2_kg.toFixed(1)} kg CO₂`);

function planText(plan) {
  const stats = plan.stats;
  const best = stats && stats.cost_cents != null ? ` cost ${money(stats.cost_cents, state.currency)}`
    : plan.progress.length ? ` search best ${money(plan.progress.at(-1)[1], state.currency)}` : "";
  let text = `Version ${plan.version}: ${plan.status}${best}`;
  if (stats) text += ` — ${stats.orders_assigned}/${stats.orders_total} orders on ${plan.routes.length} routes`;
  if (stats && stats.co2_kg != null) text += ` · CO₂ ${stats.co2_kg.toFixed(1)} kg`;
  if (plan.error) text += ` — ${plan.error.error.code}: ${plan.error.error.message}`;
  return text;
}

const active = (plan) => ["queued", "running"].includes(plan.status);

// ``still``: whether the page still shows the job's depot and day (another one chosen: stop following it).
async function pollPlan(planId, still = () => true) {
  for (;;) {
    const plan = await api("GET", `/v1/plans/${planId}`);
    if (!still()) return null;
    $("plan-status").textContent = planText(plan);
    drawProgress(plan);
    if (!active(plan)) return plan;
    await new Promise((r) => setTimeout(r, 500));
  }
}

// A job of the depot and day already queued or running when they are shown (started elsewhere, or before the page
// was reloaded): follow its progress, then show the plan.
async function followRunning(plans) {
  const job = plans.find(active);
  if (!job || state.following === job.id) return;
  const { depot, day } = state;
  state.following = job.id;
  try {
    if (!(await pollPlan(job.id, () => state.depot === depot && state.day === day))) return;
  } finally {
    state.following = null;
  }
  await loadOrders();
  await loadPlan();
}

// Plan the day (or, with routes locked, re-plan the rest: the job keeps locked and dispatched routes).
async function startPlan() {
  clearOptionErrors();
  const body = { depot_id: state.depot, date: state.day, options: planOptions() };
  let plan;
  try {
    plan = await api("POST", "/v1/plans", body);
  } catch (err) {
    if (err.status === 401 || !showOptionErrors(err)) throw err;
    return;
  }
  $("plan-btn").disabled = $("replan-btn").disabled = $("publish-btn").disabled = true;
  hideCompare();  // the new version is compared once it is done
  try {
    await pollPlan(plan.id);
  } finally {
    $("plan-btn").disabled = false;
  }
  await loadBookings(state.day);  // a carrier that auto-confirms may have been given orders already
  await loadOrders();
  await loadPlan();
}

async function loadPlan() {
  const plans = await api("GET", `/v1/plans?depot_id=${state.depot}&date=${state.day}`);
  const latest = plans.find((p) => ["succeeded", "published"].includes(p.status)) || plans[0];
  state.plan = latest ? await api("GET", `/v1/plans/${latest.id}`) : null;
  const published = plans.find((p) => p.status === "published");
  state.published = published && published.id !== latest?.id ? published : null;
  // routes of other versions this plan's job left alone (locked or dispatched), as they are now
  const kept = await Promise.all((state.plan?.kept_routes || []).map((k) => api("GET", `/v1/routes/${k.id}`)));
  state.kept = kept.filter((r) => r.status !== "superseded");
  state.compare = null;
  state.publishArmed = false;
  hideCompare();
  if (state.published && state.plan?.status === "succeeded") {
    state.compare = await api("GET", `/v1/plans/${state.plan.id}/compare`);
    renderCompare(state.compare, state.currency, state.drivers);
  }
  renderPlan();
  showDepotLoad(state.plan);
  return plans;
}

// A route's lock (published and draft routes): a locked published route is kept by every later re-plan.
function lockButton(r) {
  const lock = el("button", { type: "button", class: "lock-btn", "aria-pressed": String(r.locked),
    "aria-label": `${r.locked ? "Unlock" : "Lock"} ${r.data.vehicle_name}` }, r.locked ? "Locked" : "Lock");
  lock.disabled = !["published", "draft"].includes(r.status);
  lock.addEventListener("click", () => guarded(async () => {
    await api("POST", `/v1/routes/${r.id}/lock`, { locked: !r.locked, version: r.version });
    await loadPlan();
  }));
  return lock;
}

// Stops move between routes neither locked nor dispatched (on the timeline, the map and the form alike).
const movable = (r) => !r.locked && r.status !== "dispatched";
const mapMoves = { editable: movable, drop: (what) => guarded(() => dropOnMap(what)) };

function renderPlan() {
  const plan = state.plan;
  $("publish-btn").disabled = !plan || plan.status !== "succeeded";
  $("publish-btn").textContent = state.publishArmed ? "Publish anyway" : "Publish";
  const locked = plan ? [...plan.routes, ...state.kept].filter((r) => r.locked && r.status === "published").length : 0;
  $("replan-btn").disabled = !(plan && ["published", "succeeded"].includes(plan.status) && locked > 0);
  $("replan-btn").title = locked ? `keeps the ${locked} locked route(s) and plans the other orders` : "lock a published route first";
  $("routes").replaceChildren();
  $("unassigned").replaceChildren();
  const done = plan && ["succeeded", "published"].includes(plan.status);
  $("unassigned").dataset.empty = done ? "None: every order is on a route." : "";
  resetMove();
  renderOffers(plan, state.currency);
  if (!plan) {
    $("plan-status").textContent = "No plan yet.";
    drawParts($("part-progress"), $("part-bars"), null);
    drawPlan(mapView, [], [], state.orders);
    return;
  }
  $("plan-status").textContent = planText(plan);
  drawProgress(plan);
  drawPlan(mapView, plan.routes, plan.unassigned, state.orders, mapMoves);
  const all = [...plan.routes, ...state.kept];
  const [t0, t1] = all.length ? span(all) : [0, 1];
  if (all.length) {  // the hours under which the bars below are drawn
    const sample = all[0].data.stops[0]?.arrival;
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
    const lock = lockButton(r);
    const editable = movable(r);
    $("routes").append(el("div", { class: `route${r.locked ? " locked" : ""}`, "data-route": r.id },
      el("span", { class: "swatch", style: `background:${COLOURS[i % COLOURS.length]}` }),
      el("span", {}, `${r.data.vehicle_name} · ${orders} stops${co2Text(r.data)}`),
      decorateBar(timelineBar(r, t0, t1), r, t0, t1, editable),
      el("span", {}, el("span", { class: "route-status" }, r.status), " ", lock, " ", dispatch, " ", code),
      el("span", { class: "route-note violation", role: "status" }, ...(notes.get(r.id) || []))));
  });
  for (const r of state.kept) {  // routes a re-plan kept (locked or dispatched in the published plan)
    const orders = r.data.stops.filter((s) => s.order_id && s.type !== "break").length;
    $("routes").append(el("div", { class: "route kept", "data-route": r.id },
      el("span", { class: "swatch kept-swatch" }),
      el("span", {}, `${r.data.vehicle_name} · ${orders} stops`),
      decorateBar(timelineBar(r, t0, t1), r, t0, t1, false),
      el("span", {}, el("span", { class: "route-status" }, `kept (${r.locked ? "locked" : r.status})`), " ", lockButton(r)),
      el("span", { class: "route-note" })));
  }
  for (const u of plan.unassigned) {
    $("unassigned").append(el("li", {}, stopChip(u, null, null), ` ${u.external_ref}: ${u.reason} — ${u.action}`));
  }
}

// Publishing a plan worse than the published one takes a second press ("Publish anyway").
async function publish() {
  if (state.compare?.worse && !state.publishArmed) {
    state.publishArmed = true;
    $("publish-btn").textContent = "Publish anyway";
    $("compare-verdict").textContent += " Press “Publish anyway” to replace it.";
    return;
  }
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
  await loadBookings(state.day);  // which orders a partner carrier has (shown with the orders and the offers)
  await loadOrders();
  await loadDepot(state.depot, state.day);
  const plans = await loadPlan();
  await loadFleet(state.depot, state.depots);
  guarded(() => followRunning(plans));  // not awaited: the page is ready while the job runs
}

async function init() {
  const me = await api("GET", "/v1/auth/me");
  state.currency = me.currency;
  for (const node of document.querySelectorAll(".currency")) node.textContent = me.currency;
  const drivers = await api("GET", "/v1/drivers?limit=500").catch(() => ({ items: [] }));
  state.drivers = new Map(drivers.items.map((d) => [d.id, d.name]));
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
  $("plan-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(startPlan); });
  $("replan-btn").addEventListener("click", () => guarded(startPlan));
  $("publish-btn").addEventListener("click", () => guarded(publish));
  setupMoves({ plan: () => state.plan, currency: () => state.currency, reload: async () => { await loadOrders(); await loadPlan(); }, guarded });
  setupFleet(guarded);
  setupOffers({ guarded, reload: async () => { await loadBookings(state.day); await loadOrders(); await loadPlan(); } });
  setupTypes(guarded, async (types) => { zoneTypesChanged(types); await loadFleet(state.depot, state.depots); });
  setupZones(guarded);
  setupDepot(guarded);
  $("logout").addEventListener("click", () => guarded(async () => {
    await api("POST", "/v1/auth/logout");
    location.href = "/login";
  }));
  await reload();
  await Promise.all([loadTypes(), loadZones(mapView)]);  // the organization's, whatever the depot and day
  document.body.dataset.ready = "1";
}

guarded(init);
