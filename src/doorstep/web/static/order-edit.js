// Editing an order from its panel. An order not on a live route is saved directly (PUT /v1/orders/{id} with its
// version: E2002 when someone else changed it meanwhile). An order on a live route can change its place (address,
// latitude, longitude) and its window, and that change is first a proposal (docs/live.md): `relocate` when the
// place changes (the stop leaves its route and goes where it costs least, with the new window if that changed too),
// `resequence` with the new window when only the window changes. Its options — vehicles, cost change, km, the ETAs
// that move — are shown and the dispatcher approves one, or keeps the order as it is. Every problem (the page's own
// checks and the API's coded ones) is shown next to its field at once.
import { setupFind } from "./address-find.js";
import { api, el, hhmm } from "./api.js";
import { problemsOf, showProblems } from "./live-changes.js";
import { money } from "./page.js";

const $ = (id) => document.getElementById(id);
const state = { order: null, route: null, proposal: null, change: null, currency: "EUR", reopen: async () => {},
  forgetFind: () => {} };
const EDITABLE = ["new", "failed"]; // the statuses PUT /v1/orders/{id} accepts
const ON_ROUTE = ["planned", "dispatched"];
// what cannot change on a live route (the place — address, latitude, longitude — and the window can)
const OTHERS = ["edit-name", "edit-phone", "edit-email", "edit-parcels", "edit-priority", "edit-notes"];
const need = (cond, code, message, loc) => (cond ? [] : [{ code, message, loc }]);
const num = (id) => ($(id).value.trim() === "" ? NaN : Number($(id).value));
const km = (m) => `${m < 0 ? "−" : "+"}${(Math.abs(m) / 1000).toFixed(1)} km`;

// The published route (of the order's day) holding the order, from the live snapshot; null when none.
async function liveRoute(order) {
  if (!ON_ROUTE.includes(order.status)) return null;
  const snap = await api("GET", `/v1/live/snapshot?date=${order.date}`);
  return (snap.routes || []).find((r) => order.id in (r.refs || {})) || null;
}

function windowProblems() {
  const from = $("edit-from").value, to = $("edit-to").value;
  return [
    ...need(!from === !to, null, "give both ends of the window (or neither)", ["time_windows", 0, from ? "end" : "start"]),
    ...need(!from || !to || from < to, "E1104", `the window ends at ${to}, before it starts at ${from}`, ["time_windows", 0, "end"]),
  ];
}

function placeProblems() {
  const lat = num("edit-lat"), lng = num("edit-lng");
  return [
    ...need(lat >= -90 && lat <= 90, "E1105", "latitude must be a number from -90 to 90", ["location", "lat"]),
    ...need(lng >= -180 && lng <= 180, "E1105", "longitude must be a number from -180 to 180", ["location", "lng"]),
  ];
}

// What the form changes on a live route: the place (address or coordinates) and/or the first window.
function liveChange() {
  const d = state.order.data, w = d.time_windows[0];
  const place = $("edit-address").value.trim() !== (d.address || "") || num("edit-lat") !== d.location.lat
    || num("edit-lng") !== d.location.lng;
  const window = $("edit-from").value !== (w ? hhmm(w.start) : "") || $("edit-to").value !== (w ? hhmm(w.end) : "");
  return { place, window };
}

// The page's own checks (the API checks again): the catalogue's code where one means the same.
function problems() {
  if (state.route) {
    const needWindow = !liveChange().place; // a window change alone re-sequences the route: it needs the window
    return [...placeProblems(), ...need(!needWindow || $("edit-from").value !== "", null, "give the new window", ["time_windows", 0, "start"]),
      ...windowProblems()];
  }
  const parcels = $("edit-parcels").value.trim();
  return [
    ...placeProblems(),
    ...windowProblems(),
    ...need(parcels === "" || /^\d+$/.test(parcels), null, "parcels: a whole number", ["size", "parcels"]),
  ];
}

const place = (x) => ({ location: { lat: x.location.lat, lng: x.location.lng }, address: x.address || "" });
const windowsIn = (list) => (list || []).map((w) => ({ start: w.start, end: w.end }));

// The order's windows with the form's first one over the stored first (the others kept as they are).
function formWindows() {
  const from = $("edit-from").value, to = $("edit-to").value;
  return [...(from ? [{ start: from, end: to }] : []), ...windowsIn(state.order.data.time_windows).slice(1)];
}

// The full replacement PUT takes: the stored order with the form's fields over it (other windows, items, tags...
// kept as they are).
function body() {
  const d = state.order.data, c = d.contact || {};
  const size = { ...(d.size || {}) };
  if ($("edit-parcels").value.trim() === "") delete size.parcels;
  else size.parcels = Number($("edit-parcels").value);
  return {
    version: state.order.version, external_ref: state.order.external_ref, depot_id: state.order.depot_id,
    date: state.order.date, kind: state.order.kind, location: { lat: num("edit-lat"), lng: num("edit-lng") },
    address: $("edit-address").value.trim(),
    contact: { name: $("edit-name").value.trim(), phone: $("edit-phone").value.trim(), email: $("edit-email").value.trim(), language: c.language || "" },
    time_windows: formWindows(),
    service_s: d.service_s ?? 0, size, collect: d.collect || {}, skills: d.skills || [], priority: $("edit-priority").value,
    value_cents: d.value_cents ?? 0, instructions: $("edit-notes").value, tags: d.tags || [],
    pickup: d.pickup ? { ...place(d.pickup), time_windows: windowsIn(d.pickup.time_windows), service_s: d.pickup.service_s ?? 0 } : null,
    alternatives: (d.alternatives || []).map((a) => ({ ...place(a), label: a.label || "", time_windows: windowsIn(a.time_windows) })),
    release_at: d.release_at ?? null,
    items: (d.items || []).map((i) => ({ sku: i.sku ?? null, description: i.description, quantity: i.quantity, barcode: i.barcode ?? null })),
  };
}

function fill(o) {
  const d = o.data, c = d.contact || {}, w = d.time_windows[0];
  const values = { "edit-name": c.name, "edit-phone": c.phone, "edit-email": c.email, "edit-address": d.address,
    "edit-lat": d.location.lat, "edit-lng": d.location.lng, "edit-from": w ? hhmm(w.start) : "", "edit-to": w ? hhmm(w.end) : "",
    "edit-parcels": d.size?.parcels ?? "", "edit-priority": d.priority, "edit-notes": d.instructions };
  for (const [id, v] of Object.entries(values)) $(id).value = v ?? "";
  state.forgetFind();
  for (const id of OTHERS) $(id).disabled = Boolean(state.route);
  const r = state.route;
  $("edit-mode").textContent = r
    ? `${o.external_ref} is on ${r.vehicle_name || "a vehicle"}'s live route: only its place (address, latitude, longitude) and window can change, and the effect on the route is shown before you approve it. The other fields can be edited while an order is new or failed.`
    : EDITABLE.includes(o.status) ? `${o.external_ref} is on no live route: saving changes it at once.`
      : `${o.external_ref} is ${o.status}: only new or failed orders can be edited.`;
  $("edit-save-btn").textContent = r ? "Show the effect on the route" : "Save";
  $("edit-save-btn").disabled = !r && !EDITABLE.includes(o.status);
}

function setOpen(open) {
  $("edit-form").hidden = !open;
  $("edit-btn").setAttribute("aria-expanded", String(open));
}

// A proposal left open (another order opened, the editor closed, the page left) is rejected: none stays pending.
export async function dropEditProposal() {
  const id = state.proposal?.id;
  state.proposal = null;
  $("edit-proposal").hidden = true;
  if (id) await api("POST", `/v1/live/proposals/${id}/reject`);
}

window.addEventListener("pagehide", () => {
  const id = state.proposal?.id;
  if (id) fetch(`/v1/live/proposals/${id}/reject`, { method: "POST", credentials: "same-origin", keepalive: true });
});

// A new order is shown in the panel: the editor closes (reopened with the order's values).
export async function showOrder(order) {
  await dropEditProposal();
  state.order = order;
  state.route = null;
  setOpen(false);
  $("edit-reload-btn").hidden = true;
  $("edit-btn").disabled = !EDITABLE.includes(order.status) && !ON_ROUTE.includes(order.status);
}

async function openEditor() {
  state.route = await liveRoute(state.order);
  fill(state.order);
  showProblems($("edit-form"), []);
  setOpen(true);
  $(state.route ? "edit-address" : "edit-name").focus();
}

function optionText(o) {
  const vans = (o.vehicles || []).join(", ") || "no route";
  const moved = (o.affected || []).length, left = (o.unassigned || []).length;
  const etas = (o.affected || []).map((a) => `${a.external_ref || "an order"} ${hhmm(a.before)}→${hhmm(a.after)}`).join(", ");
  const lead = o.vehicle_name ? `served by ${o.vehicle_name} (routes changed: ${vans})` : vans; // a relocation
  return `${lead}: cost ${money(o.cost_delta_cents ?? 0, state.currency, true)}, ${km(o.distance_delta_m ?? 0)}, ` +
    `${moved} ETA${moved === 1 ? "" : "s"} move${etas ? ` (${etas})` : ""}${left ? `, ${left} order${left === 1 ? "" : "s"} left unplaced` : ""}`;
}

function proposalText(p) {
  const ref = state.order.external_ref, w = `${$("edit-from").value}–${$("edit-to").value}`;
  const vehicle = state.route.vehicle_name || "its vehicle";
  if (p.kind !== "relocate") return `New window for ${ref} (${w}) on ${vehicle}'s route. Nothing changes until you approve an option.`;
  const o = p.options[0], where = `${o.address || "no address"} (${o.location.lat}, ${o.location.lng})`;
  const windowText = state.change.window ? (o.windows.length ? `, window ${w}` : ", any time") : "";
  return `New place for ${ref}: ${where}${windowText}. It comes off ${vehicle}'s route and each option serves it where one van can; nothing changes until you approve an option.`;
}

function showProposal(p) {
  state.proposal = p;
  $("detail-status").textContent = ""; // a word on an earlier change would read as this one's
  $("edit-proposal-text").textContent = proposalText(p);
  $("edit-options").replaceChildren(...p.options.map((o, k) => el("li", { "data-option": String(k) }, `${k + 1}. ${optionText(o)} `,
    el("button", { type: "button", class: "approve-option", "data-choice": String(k) }, `Approve option ${k + 1}`))));
  setOpen(false);
  $("edit-proposal").hidden = false;
  $("edit-options").querySelector("button")?.focus();
}

// The proposal the form asks for: a new place (with the new windows when the window changed too), else the new
// window on the order's route.
function liveRequest() {
  state.change = liveChange();
  const base = { plan_id: state.route.plan_id, subject_id: state.order.id, auto_approve: false };
  if (!state.change.place) return { ...base, kind: "resequence", windows: [{ start: $("edit-from").value, end: $("edit-to").value }] };
  return { ...base, kind: "relocate", location: { lat: num("edit-lat"), lng: num("edit-lng") }, address: $("edit-address").value.trim(),
    ...(state.change.window ? { windows: formWindows() } : {}) };
}

async function save() {
  const form = $("edit-form");
  const found = problems();
  showProblems(form, found);
  if (found.length) return;
  try {
    if (state.route) {
      showProposal(await api("POST", "/v1/live/proposals", liveRequest()));
      return;
    }
    await api("PUT", `/v1/orders/${state.order.id}`, body());
    const ref = state.order.external_ref;
    await state.reopen(state.order.id);
    $("detail-status").textContent = `${ref} saved.`;
  } catch (err) {
    if (err.status === 401) { location.href = "/login"; return; }
    if (err.envelope?.error?.code === "E2002") {
      showProblems(form, [{ code: "E2002", message: "changed by someone else meanwhile: reload the order to see its current values", loc: [] }]);
      $("edit-reload-btn").hidden = false;
      return;
    }
    // the live API names the windows "windows" (the form's fields: "time_windows")
    showProblems(form, problemsOf(err).map((p) => (p.loc?.[0] === "windows" ? { ...p, loc: ["time_windows", ...p.loc.slice(1)] } : p)));
  }
}

async function decide(choice) {
  const p = state.proposal, ref = state.order.external_ref, what = p.kind === "relocate" ? "place" : "window";
  state.proposal = null;
  $("edit-proposal").hidden = true;
  if (choice === null) {
    await api("POST", `/v1/live/proposals/${p.id}/reject`);
    $("detail-status").textContent = `${ref} keeps its ${what}.`;
    $("edit-btn").focus();
    return;
  }
  await api("POST", `/v1/live/proposals/${p.id}/approve`, { choice });
  await state.reopen(state.order.id);
  const by = p.options[choice].vehicle_name ? `, served by ${p.options[choice].vehicle_name}` : "";
  $("detail-status").textContent = `${ref}: new ${what} applied (option ${choice + 1}${by}).`;
}

// ``currency``: the organization's; ``reopen(id)``: read the order again and show its panel; ``guarded``: the
// page's error handling for clicks.
export function setupEdit(currency, reopen, guarded) {
  Object.assign(state, { currency, reopen });
  state.forgetFind = setupFind({
    ids: { address: "edit-address", lat: "edit-lat", lng: "edit-lng", find: "edit-find", placed: "edit-placed", list: "edit-candidates",
      suggestions: "edit-suggestions" },
    depot: () => state.order?.depot_id || null,
    show: (problems) => showProblems($("edit-form"), problems),
    problemsOf,
  });
  $("edit-btn").addEventListener("click", () => guarded(async () => {
    if ($("edit-form").hidden) await openEditor();
    else setOpen(false);
  }));
  $("edit-close-btn").addEventListener("click", () => { setOpen(false); $("edit-btn").focus(); });
  $("edit-reload-btn").addEventListener("click", () => guarded(async () => {
    await state.reopen(state.order.id);
    await openEditor();
  }));
  $("edit-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(save);
  });
  $("edit-options").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.approve-option");
    if (b) guarded(() => decide(Number(b.dataset.choice)));
  });
  $("edit-keep-btn").addEventListener("click", () => guarded(() => decide(null)));
}
