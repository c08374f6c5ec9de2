// The live view: a snapshot, then Server-Sent Events (positions, stop outcomes, ETAs, alerts, route changes).
// Driver positions move on the map, driven trails follow them, progress and alerts update per route, proposals
// can be approved.
import { api, el, esc, hhmm } from "./api.js";
import { COLOURS, makeMap } from "./map.js";
import { followRoads } from "./road-paths.js";
import { money, navDay } from "./page.js";
import { fillChoices, setupChanges } from "./live-changes.js";

const $ = (id) => document.getElementById(id);
const L = window.L;
const view = makeMap($("map"));
const routes = new Map(); // route id -> snapshot route (updated by events)
const markers = new Map(); // route id -> driver marker
let fitted = false;
let currency = "EUR"; // the organization's, from /v1/auth/me

// The client's own reference of an order (LX07-0116) where the route knows it, else the order id.
const refOf = (route, orderId) => (route.refs || {})[orderId] || orderId;

function showError(err) { $("error").textContent = err ? err.message : ""; }

let drawing = 0; // the newest drawRoutes: road paths arriving for an older one are not drawn

function drawRoutes() {
  view.layer.clearLayers();
  markers.clear();
  const bounds = [];
  const lines = new Map();
  const mine = ++drawing;
  [...routes.values()].forEach((r, i) => {
    const colour = COLOURS[i % COLOURS.length];
    lines.set(r.id, L.polyline(r.path, { color: colour, weight: 3, opacity: 0.6, className: "route-line" })
      .addTo(view.layer).bindTooltip(esc(r.vehicle_name || r.vehicle_id)));
    bounds.push(...r.path);
    if (r.position) placeDriver(r.id, r.position.lat, r.position.lng);
  });
  if (bounds.length && !fitted) { view.map.fitBounds(bounds, { padding: [20, 20] }); fitted = true; }
  followRoads(view.map, [...routes.values()], lines, () => mine === drawing);
}

function placeDriver(routeId, lat, lng) {
  let m = markers.get(routeId);
  if (!m) {
    m = L.circleMarker([lat, lng], { radius: 8, color: "#000", fillColor: "#ffd400", fillOpacity: 1, className: "driver-marker" })
      .addTo(view.layer).bindTooltip(esc(routes.get(routeId)?.vehicle_name || routeId));
    markers.set(routeId, m);
  } else m.setLatLng([lat, lng]);
}

// Driven trails: each route's GPS trail on the roads (map-matched) when the deployment has a road network, else
// the raw fixes as a thin dashed line; driven km per route in the progress table. Refreshed at most every 10 s.
const trailLayer = L.layerGroup().addTo(view.map);
const trails = new Map(); // route id -> { line, km, matched }
const trailDue = new Map(); // route id -> pending refresh
let roadsKnown = true; // false once the server says it has no road network to match on (E2140)

async function fetchTrail(routeId) {
  if (roadsKnown) {
    try { return await api("GET", `/v1/routes/${routeId}/trail?matched=true`); } catch (err) {
      const code = err.envelope?.error?.code;
      if (code === "E2140") roadsKnown = false;
      else if (code !== "E3012") throw err; // E3012: no fix of this trail lies on a road; draw the raw fixes
    }
  }
  return api("GET", `/v1/routes/${routeId}/trail`);
}

function rawKm(positions) {
  let m = 0;
  for (let i = 1; i < positions.length; i += 1) m += L.latLng(positions[i - 1]).distanceTo(L.latLng(positions[i]));
  return m / 1000;
}

function drawTrail(routeId, data) {
  trails.get(routeId)?.line.remove();
  trails.delete(routeId);
  const cell = document.querySelector(`#progress tr[data-route="${routeId}"] td.driven`);
  if (!data.positions.length) { if (cell) cell.textContent = drivenText(routeId); return; } // not on the road yet
  const colour = COLOURS[Math.max(0, [...routes.keys()].indexOf(routeId)) % COLOURS.length];
  const m = data.matched;
  const line = m
    ? L.polyline(m.lines, { color: colour, weight: 5, opacity: 0.9, className: "trail-line trail-matched" })
      .bindTooltip(`driven ${(m.distance_m / 1000).toFixed(1)} km on the roads, confidence ${m.confidence ?? "–"}` +
        (m.unmatched.length ? `, ${m.unmatched.length} fixes off the roads` : ""))
    : L.polyline(data.positions.map((q) => [q.lat, q.lng]), { color: colour, weight: 1.5, dashArray: "4 4", className: "trail-line trail-raw" })
      .bindTooltip("GPS fixes (no road network to match them on)");
  line.addTo(trailLayer);
  for (const mk of markers.values()) mk.bringToFront(); // drivers stay above their trails
  trails.set(routeId, { line, km: m ? m.distance_m / 1000 : rawKm(data.positions), matched: !!m });
  if (cell) cell.textContent = drivenText(routeId);
}

function drivenText(routeId) {
  const t = trails.get(routeId);
  return t ? `${t.matched ? "" : "≈ "}${t.km.toFixed(1)} km` : "–";
}

async function loadTrail(routeId) {
  if (routes.has(routeId)) drawTrail(routeId, await fetchTrail(routeId));
}

function loadTrails() {
  for (const [id, t] of trails) if (!routes.has(id)) { t.line.remove(); trails.delete(id); }
  for (const id of routes.keys()) loadTrail(id).catch(showError);
}

function scheduleTrail(routeId) {
  if (trailDue.has(routeId)) return;
  trailDue.set(routeId, setTimeout(() => { trailDue.delete(routeId); loadTrail(routeId).catch(showError); }, 10_000));
}

function renderProgress() {
  const body = $("progress").querySelector("tbody");
  body.replaceChildren();
  for (const r of routes.values()) {
    const next = (r.etas || []).find((e) => e.order_id && !(r.outcomes || {})[e.order_id]);
    const late = (r.etas || []).filter((e) => e.status === "late").length;
    const pos = r.position ? `${r.position.lat.toFixed(4)}, ${r.position.lng.toFixed(4)}` : "–";
    body.append(el("tr", { "data-route": r.id }, el("td", {}, r.vehicle_name || r.vehicle_id),
      el("td", { class: "done" }, `${r.done}/${r.stops}`), el("td", {}, next ? hhmm(next.eta) : "–"),
      el("td", { class: late ? "late" : "" }, String(late)), el("td", { class: "driven" }, drivenText(r.id)), el("td", {}, pos)));
  }
  const alerts = [...routes.values()].flatMap((r) => (r.alerts || []).map((a) => ({ ...a, route_id: r.id, vehicle: r.vehicle_name || r.vehicle_id, ref: refOf(r, a.order_id) })));
  $("alerts").replaceChildren(...alerts.map((a) => el("li", { class: `alert ${a.status}`, "data-order": a.order_id },
    el("button", { type: "button", class: "alert-link", onclick: () => showStop(a.route_id, a.order_id) },
      `${a.vehicle}: ${a.ref} ${a.status.replace("_", " ")}${a.late_s ? ` by ${Math.round(a.late_s / 60)} min` : ""}, ETA ${hhmm(a.eta)}`))));
  $("alerts-count").textContent = alerts.length ? `(${alerts.length})` : "";
  fillChoices(routes);
  if (shown.route) renderStops();
}

// An alert opens its route's stops with the stop highlighted, and marks the stop on the map.
const shown = { route: null, order: null, marker: null };
function renderStops() {
  const r = routes.get(shown.route);
  if (!r) { $("stops-panel").hidden = true; return; }
  $("stops-panel").hidden = false;
  $("stops-title").textContent = `Stops of ${r.vehicle_name || r.vehicle_id}`;
  const etas = new Map((r.etas || []).filter((e) => e.order_id).map((e) => [e.order_id, e]));
  $("route-stops").querySelector("tbody").replaceChildren(...Object.keys(r.refs || {}).map((oid) => {
    const e = etas.get(oid);
    const status = (r.outcomes || {})[oid] || (e ? e.status.replace("_", " ") : "–");
    const here = oid === shown.order;
    return el("tr", { "data-order": oid, class: here ? "highlight" : "", ...(here ? { "aria-current": "true", tabindex: "-1" } : {}) },
      el("td", {}, refOf(r, oid)), el("td", {}, e ? hhmm(e.eta) : "–"), el("td", {}, status));
  }));
}

function showStop(routeId, orderId) {
  shown.route = routeId;
  shown.order = orderId;
  renderStops();
  const r = routes.get(routeId);
  const at = (r?.places || {})[orderId];
  shown.marker?.remove();
  view.map.invalidateSize({ pan: false }); // the stops table may have moved the map: measure it again
  if (at) {
    view.map.setView(at, view.map.getZoom(), { animate: false });
    shown.marker = L.circleMarker(at, { radius: 12, color: "#b00020", weight: 4, fillOpacity: 0.2, className: "stop-highlight" })
      .addTo(view.map).bindTooltip(esc(`${refOf(r, orderId)} (${r.vehicle_name || r.vehicle_id})`), { permanent: true, direction: "top" });
  }
  const row = $("route-stops").querySelector("tr.highlight");
  row?.scrollIntoView({ block: "nearest" });
  row?.focus();
}

const KIND_TEXT = { insert: "Add order", cancel: "Take off order", redistribute: "Hand out the stops of", resequence: "Re-sequence",
  instructions: "Customer instructions for", not_home: "Customer not home today:",
  reschedule: "Customer moves the delivery of", pickup_point: "Customer collects at a pickup point:" };

// A proposal names its subject as people do (order reference, vehicle) and lists every option with its own
// button: the vehicles it touches, the cost change in the organization's currency, the km and the ETAs that move.
const km = (m) => `${m < 0 ? "−" : "+"}${(Math.abs(m) / 1000).toFixed(1)} km`;
function optionText(o) {
  if (o.inserted === false) return "no place found";
  const vans = (o.vehicles || []).join(", ") || "no route";
  const moved = (o.affected || []).length;
  const left = (o.unassigned || []).length;
  return `${vans}: cost ${money(o.cost_delta_cents ?? 0, currency, true)}, ${km(o.distance_delta_m ?? 0)}, ` +
    `${moved} ETA${moved === 1 ? "" : "s"} move${left ? `, ${left} order${left === 1 ? "" : "s"} left unplaced` : ""}`;
}
const movesText = (o) => (o.affected || []).map((a) => `${a.external_ref || "an order"} ${hhmm(a.before)}→${hhmm(a.after)}`).join(", ");

function renderProposals(list) {
  $("proposals").replaceChildren(...list.map((p) => {
    const decide = (verb, choice) => async () => {
      try { await api("POST", `/v1/live/proposals/${p.id}/${verb}`, verb === "approve" ? { choice } : undefined); await reload(); }
      catch (err) { showError(err); await reload(); }
    };
    const subject = p.options[0]?.subject_label || p.subject_id;
    const options = p.options.map((o, k) => el("li", { "data-option": String(k) }, `${k + 1}. ${optionText(o)}`, " ",
      o.inserted === false ? "" : el("button", { type: "button", onclick: decide("approve", k) }, `Choose option ${k + 1}`),
      (o.affected || []).length ? el("div", { class: "moves" }, `ETAs: ${movesText(o)}`) : ""));
    const usable = p.options[0] && p.options[0].inserted !== false;
    return el("li", { "data-proposal": p.id }, el("span", { class: "tag" }, p.kind), " ", `${p.options[0]?.windows ? "New window for" : KIND_TEXT[p.kind] || p.kind} ${subject}${p.options[0]?.windows ? ` (${p.options[0].windows.map((w) => `${hhmm(w.start)}–${hhmm(w.end)}`).join(", ")})` : ""}`, " ",
      usable ? el("button", { type: "button", onclick: decide("approve", 0), "aria-label": `Approve option 1 for ${subject}` }, "Approve") : "", " ",
      el("button", { type: "button", onclick: decide("reject") }, "Reject"), el("ul", { class: "options" }, ...options));
  }));
}

// Finished stops with what the driver left as proof: status, reason, recipient, barcodes, photo and signature, and
// for orders with item barcodes "scanned n/m" with any scanned code that belongs to no item flagged.
const finished = new Map(); // route id -> finished stop events
function podItem(route, e) {
  const proof = e.proof || {};
  const bits = [`${route.vehicle_name || route.vehicle_id}: ${refOf(route, e.order_id)} ${e.status}`,
    e.reason ? ` (${e.reason}${e.note ? `: ${e.note}` : ""})` : "", proof.recipient ? ` — ${proof.recipient}` : "",
    (proof.barcodes || []).length ? ` [${proof.barcodes.join(", ")}]` : "", e.flagged ? " ⚠ far from the stop" : "", " "];
  const imgs = [];
  const scan = e.scan;
  if (scan && scan.expected) {
    const all = scan.scanned === scan.expected;
    imgs.push(el("span", { class: `scan ${all ? "all" : "short"}`, title: scan.missing.length ? `not scanned: ${scan.missing.join(", ")}` : "" },
      `scanned ${scan.scanned}/${scan.expected}`), " ");
  }
  if (scan && scan.unknown.length)
    imgs.push(el("span", { class: "scan-unknown" }, `⚠ not on the order: ${scan.unknown.join(", ")}`), " ");
  if (proof.photo) imgs.push(el("img", { class: "pod-photo", src: proof.photo.url, alt: "photo" }));
  if (proof.signature) imgs.push(el("img", { class: "pod-signature", src: proof.signature.url, alt: "signature" }));
  return el("li", { class: `pod ${e.status}`, "data-order": e.order_id }, ...bits, ...imgs);
}
function renderPod() {
  const items = [...routes.values()].flatMap((r) => (finished.get(r.id) || []).map((e) => podItem(r, e)));
  $("pod").replaceChildren(...items);
}
async function loadPod(routeId) {
  const data = await api("GET", `/v1/routes/${routeId}/stop-events`);
  finished.set(routeId, data.events.filter((e) => e.status === "completed" || e.status === "failed"));
  renderPod();
}

function applySnapshot(snap) {
  roadsKnown = snap.map_matching !== false;  // no road network: ask for raw trails only (each refusal was a 409)
  routes.clear();
  for (const r of snap.routes) routes.set(r.id, r);
  drawRoutes();
  renderProgress();
  loadTrails();
  renderProposals(snap.proposals);
  for (const id of routes.keys()) loadPod(id).catch(showError);
}

// The day on screen: ?date= or today on this computer's calendar; only that day's published routes are shown
// (a plan published for tomorrow used to join today's view).
const day = () => $("live-day").value;
$("live-day").value = new URLSearchParams(location.search).get("date") || new Date().toLocaleDateString("en-CA");
navDay(day());

// A snapshot asked for (after a route_changed, a gap or a decision) may be older than the events that arrive while
// it is on its way: the ETA worker's state, which counts a route's done stops, lags the stop event that changed the
// route. Those events are held and replayed on the snapshot once it is shown, so a stale snapshot cannot undo them
// (the progress table stayed at 0/6 after a stop done out of order when the worker's ETA came mid-fetch).
let fetching = 0, held = [];
async function reload() {
  fetching += 1;
  try {
    applySnapshot(await api("GET", `/v1/live/snapshot?date=${day()}`));
  } finally {
    fetching -= 1;
    if (!fetching) {
      const replay = held;
      held = [];
      replay.forEach(onEvent);
    }
  }
}

function onEvent(ev) {
  if (ev.type === "snapshot") return applySnapshot(ev);
  if (fetching) return void held.push(ev);
  const r = routes.get(ev.route_id);
  if (ev.type === "gap" || ev.type === "route_changed") return reload();
  if (!r) return;
  if (ev.type === "position") { r.position = { lat: ev.lat, lng: ev.lng, at: ev.at }; placeDriver(r.id, ev.lat, ev.lng); scheduleTrail(r.id); }
  if (ev.type === "stop") {
    r.outcomes = { ...(r.outcomes || {}), [ev.order_id]: ev.status };
    if (ev.status === "completed" || ev.status === "failed") {
      // counted at once: the ETA worker's "eta" event that recounts may come later (or be coalesced away)
      const worked = Object.values(r.outcomes).filter((s) => s === "completed" || s === "failed").length;
      r.done = Math.max(r.done || 0, worked);
      loadPod(r.id).catch(showError);
    }
  }
  if (ev.type === "eta") {
    r.etas = ev.stops;
    r.alerts = ev.stops.filter((s) => s.status !== "on_time");
    r.done = r.stops - ev.stops.filter((s) => !(r.outcomes || {})[s.order_id]).length;
  }
  renderProgress();
}

let source = null;
function connect() {
  source?.close();
  source = new EventSource(`/v1/live/stream?date=${day()}`);  // its first event is the day's snapshot
  source.onopen = () => { $("conn").textContent = "live"; };
  source.onerror = () => { $("conn").textContent = "reconnecting…"; };
  for (const type of ["snapshot", "position", "stop", "eta", "alert", "route_changed", "gap"])
    source.addEventListener(type, (m) => onEvent(JSON.parse(m.data)));
}

$("live-day").addEventListener("change", () => {
  const url = new URL(location.href);
  url.searchParams.set("date", day());
  history.replaceState(null, "", url);
  navDay(day());
  $("return-day").value = day();
  connect();
});

// A return is collected on the day on screen by default (was UTC "today" whatever day was shown).
$("return-day").value = day();
$("return-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError(null);
  try {
    const ret = await api("POST", "/v1/returns", { order_id: $("return-order").value.trim(), date: $("return-day").value });
    $("return-result").textContent = `Return ${ret.barcode}: ${ret.status}`;
    await reload();
  } catch (err) { showError(err); }
});

setupChanges({ routes: () => routes, map: view.map, proposed: () => reload() });
api("GET", "/v1/auth/me").then((me) => { currency = me.currency; connect(); }).catch((err) => { if (err.status === 401) location.href = "/login"; else showError(err); });
