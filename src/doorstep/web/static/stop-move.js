// Move a stop: drag it on a timeline (or from the unassigned list) to a place on another bar, drag it on the map
// onto a route's line (map.js finds the route and place), or pick it with the keyboard (Enter on the stop) and
// choose the route and place in the form. Either way the checker's preview comes
// first — the cost change in the organization's currency, late stops highlighted — and "Apply" saves the move.
import { api, el, hhmm } from "./api.js";
import { money } from "./page.js";

const $ = (id) => document.getElementById(id);
const t = (iso) => new Date(iso).getTime();
const ORDER_STOPS = ["delivery", "pickup"];
const move = { order: null, ref: "", from: null, ctx: null };

// The stops of a route a moved stop can go between (start and end excluded), without the moved one.
function places(route, orderId) {
  return route.data.stops.slice(1, -1).filter((s) => s.order_id !== orderId);
}

function fillPlaces(routeId, position) {
  const route = move.ctx.plan().routes.find((r) => r.id === routeId);
  const select = $("move-place");
  select.replaceChildren(el("option", { value: "0" }, "first stop"));
  places(route, move.order).forEach((s, k) => {
    const what = s.type === "break" ? "the break" : s.external_ref || s.type;
    select.append(el("option", { value: String(k + 1) }, `after ${what} (${hhmm(s.arrival)})`));
  });
  select.value = String(Math.min(position, select.options.length - 1));
}

function setPicked(on) {
  for (const b of document.querySelectorAll(".stop-chip[aria-pressed='true']")) b.setAttribute("aria-pressed", "false");
  for (const b of document.querySelectorAll(`.stop-chip[data-order="${move.order}"]`)) b.setAttribute("aria-pressed", String(on));
  for (const id of ["move-route", "move-place", "preview-btn", "cancel-move-btn"]) $(id).disabled = !on;
}

// Pick a stop: the form shows where it is now, ready to choose another route and place.
export function pick(orderId, ref, fromRoute) {
  Object.assign(move, { order: orderId, ref, from: fromRoute });
  const plan = move.ctx.plan();
  $("move-what").textContent = `Moving ${ref} (${fromRoute ? plan.routes.find((r) => r.id === fromRoute)?.data.vehicle_name : "unassigned"})`;
  const routeSel = $("move-route");
  routeSel.replaceChildren(...plan.routes.map((r) => el("option", { value: r.id }, `${r.data.vehicle_name}${r.locked ? " (locked)" : ""}`)));
  const target = fromRoute || plan.routes[0]?.id;
  routeSel.value = target;
  const at = fromRoute ? plan.routes.find((r) => r.id === fromRoute).data.stops.slice(1, -1).findIndex((s) => s.order_id === orderId) : 0;
  fillPlaces(target, Math.max(at, 0));
  setPicked(true);
  $("preview").replaceChildren();
  $("save-btn").disabled = true;
}

export function resetMove() {
  setPicked(false);
  move.order = null;
  $("move-what").textContent = "No stop picked.";
  $("move-route").replaceChildren();
  $("move-place").replaceChildren();
  $("preview").replaceChildren();
  $("save-btn").disabled = true;
}

function body() {
  return { order_id: move.order, route_id: $("move-route").value, position: Number($("move-place").value) };
}

// The checker speaks in ids (route, vehicle, order); the dispatcher reads vehicle names and order references.
function named(plan) {
  const names = new Map();
  for (const r of plan.routes) {
    names.set(r.id, r.data.vehicle_name);
    names.set(r.vehicle_id || r.data.vehicle_id, r.data.vehicle_name);
    for (const s of r.data.stops) if (s.order_id && s.external_ref) names.set(s.order_id, s.external_ref);
  }
  for (const u of plan.unassigned) if (u.external_ref) names.set(u.order_id, u.external_ref);
  return (text) => text.replace(/\b(rte_[0-9a-z]+) \(veh_[0-9a-z]+\)/g, "$1")  // a route and its vehicle: one name
    .replace(/\b(rte|veh|ord)_[0-9a-z]+\b/g, (id) => names.get(id) || id);
}

// The checker's verdict on the move: cost change, violations, late stops, new ETAs of the touched routes.
async function preview() {
  const plan = move.ctx.plan();
  const result = await api("POST", `/v1/plans/${plan.id}/edits/preview`, body());
  const before = new Map(plan.routes.map((r) => [r.id, r.data.cost_cents || 0]));
  const change = result.routes.reduce((sum, r) => sum + (r.cost_cents || 0) - (before.get(r.id) || 0), 0);
  const late = new Map(result.violations.filter((v) => v.kind === "TIME_WINDOW" && v.order_id).map((v) => [v.order_id, v.amount]));
  const out = $("preview");
  out.replaceChildren(el("p", { class: `cost-change ${change > 0 ? "violation" : "ok"}` },
    `Cost change: ${change === 0 ? money(0, move.ctx.currency()) : money(change, move.ctx.currency(), true)}`));
  if (result.violations.length === 0) out.append(el("p", { class: "ok" }, "No violations."));
  const list = el("ul", { class: "violations" });
  const said = named(plan);
  for (const v of result.violations) list.append(el("li", { class: "violation" }, `${v.kind}: ${said(v.message)}`));
  out.append(list);
  for (const r of result.routes) {
    const table = el("table", { class: "etas" }, el("caption", {}, r.vehicle_name),
      el("tr", {}, el("th", { scope: "col" }, "Stop"), el("th", { scope: "col" }, "ETA"), el("th", { scope: "col" }, "Window"), el("th", { scope: "col" }, "")));
    for (const s of r.stops) {
      if (!s.order_id) continue;
      const isLate = late.has(s.order_id);
      const moved = s.order_id === move.order ? " (moved)" : "";
      table.append(el("tr", { class: isLate ? "late" : "", "data-order": s.order_id }, el("td", {}, `${s.external_ref}${moved}`),
        el("td", {}, hhmm(s.arrival)), el("td", {}, s.window_start ? `${hhmm(s.window_start)}–${hhmm(s.window_end)}` : ""),
        el("td", {}, isLate ? `late by ${Math.ceil(late.get(s.order_id) / 60)} min` : "")));
    }
    out.append(table);
  }
  for (const chip of document.querySelectorAll(".stop-chip")) chip.classList.toggle("late", late.has(chip.dataset.order));
  $("save-btn").disabled = false;
}

async function save() {
  const plan = move.ctx.plan();
  const versions = Object.fromEntries(plan.routes.map((r) => [r.id, r.version]));
  await api("POST", `/v1/plans/${plan.id}/edits`, { ...body(), versions });
  resetMove();
  await move.ctx.reload();
}

// A draggable, focusable stop for a timeline bar or the unassigned list.
export function stopChip(stop, routeId, vehicleName, style = "") {
  const where = routeId ? `${vehicleName}, ${hhmm(stop.arrival)}` : "unassigned";
  const chip = el("button", { type: "button", class: "stop-chip", draggable: "true", "data-order": stop.order_id,
    "aria-pressed": "false", "aria-label": `${stop.external_ref} (${where}): move`, title: `${stop.external_ref} — ${where}`, style });
  chip.addEventListener("click", () => pick(stop.order_id, stop.external_ref, routeId));
  chip.addEventListener("dragstart", (ev) => {
    ev.dataTransfer.setData("text/plain", stop.order_id);
    ev.dataTransfer.effectAllowed = "move";
    pick(stop.order_id, stop.external_ref, routeId);
  });
  return chip;
}

// Stops on a route's bar, placed at their arrival; the bar takes drops (not when the route is locked or kept).
export function decorateBar(bar, route, t0, t1, droppable) {
  const pct = (a) => ((a - t0) / (t1 - t0)) * 100;
  for (const s of route.data.stops) {
    if (!s.order_id || !ORDER_STOPS.includes(s.type)) continue;
    const chip = stopChip(s, route.id, route.data.vehicle_name, `left:calc(${pct(t(s.arrival))}% - 4px)`);
    if (!droppable) chip.disabled = true;
    bar.append(chip);
  }
  if (!droppable) return bar;
  bar.addEventListener("dragover", (ev) => { ev.preventDefault(); bar.classList.add("drop-here"); });
  bar.addEventListener("dragleave", () => bar.classList.remove("drop-here"));
  bar.addEventListener("drop", (ev) => move.ctx.guarded(async () => {
    ev.preventDefault();
    bar.classList.remove("drop-here");
    if (!move.order) return;
    const box = bar.getBoundingClientRect();
    const at = t0 + ((ev.clientX - box.left) / box.width) * (t1 - t0);
    await placeAndPreview(route.id, places(route, move.order).filter((s) => t(s.arrival) < at).length);
  }));
  return bar;
}

async function placeAndPreview(routeId, position) {
  $("move-route").value = routeId;
  fillPlaces(routeId, position);
  await preview();
}

// A stop dragged on the map: picked, and when it was dropped on a route's line, placed there and previewed.
export async function dropOnMap({ orderId, ref, fromRoute, routeId, position }) {
  pick(orderId, ref, fromRoute);
  if (!routeId) {
    $("move-what").textContent += " — drop it on a route's line on the map, or choose the route and place here.";
    return;
  }
  await placeAndPreview(routeId, position);
}

// ``ctx``: plan() and currency() read the page's state, reload() after a save, guarded(fn) shows errors.
export function setupMoves(ctx) {
  move.ctx = ctx;
  $("move-route").addEventListener("change", () => { fillPlaces($("move-route").value, 0); $("save-btn").disabled = true; });
  $("move-place").addEventListener("change", () => { $("save-btn").disabled = true; });
  $("preview-btn").addEventListener("click", () => ctx.guarded(preview));
  $("save-btn").addEventListener("click", () => ctx.guarded(save));
  $("cancel-move-btn").addEventListener("click", resetMove);
}
