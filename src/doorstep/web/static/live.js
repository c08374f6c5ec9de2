// The live view: a snapshot, then Server-Sent Events (positions, stop outcomes, ETAs, alerts, route changes).
// Driver positions move on the map, progress and alerts update per route, proposals can be approved.
import { api, el, hhmm } from "./api.js";
import { COLOURS, makeMap } from "./map.js";

const $ = (id) => document.getElementById(id);
const L = window.L;
const view = makeMap($("map"));
const routes = new Map(); // route id -> snapshot route (updated by events)
const markers = new Map(); // route id -> driver marker
let fitted = false;

function showError(err) { $("error").textContent = err ? err.message : ""; }

function drawRoutes() {
  view.layer.clearLayers();
  markers.clear();
  const bounds = [];
  [...routes.values()].forEach((r, i) => {
    const colour = COLOURS[i % COLOURS.length];
    L.polyline(r.path, { color: colour, weight: 3, opacity: 0.6 }).addTo(view.layer).bindTooltip(r.vehicle_name || r.vehicle_id);
    bounds.push(...r.path);
    if (r.position) placeDriver(r.id, r.position.lat, r.position.lng);
  });
  if (bounds.length && !fitted) { view.map.fitBounds(bounds, { padding: [20, 20] }); fitted = true; }
}

function placeDriver(routeId, lat, lng) {
  let m = markers.get(routeId);
  if (!m) {
    m = L.circleMarker([lat, lng], { radius: 8, color: "#000", fillColor: "#ffd400", fillOpacity: 1, className: "driver-marker" })
      .addTo(view.layer).bindTooltip(routes.get(routeId)?.vehicle_name || routeId);
    markers.set(routeId, m);
  } else m.setLatLng([lat, lng]);
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
      el("td", { class: late ? "late" : "" }, String(late)), el("td", {}, pos)));
  }
  const alerts = [...routes.values()].flatMap((r) => (r.alerts || []).map((a) => ({ ...a, vehicle: r.vehicle_name || r.vehicle_id })));
  $("alerts").replaceChildren(...alerts.map((a) => el("li", { class: `alert ${a.status}` },
    `${a.vehicle}: ${a.order_id} ${a.status.replace("_", " ")}${a.late_s ? ` by ${Math.round(a.late_s / 60)} min` : ""}, ETA ${hhmm(a.eta)}`)));
  $("alerts-count").textContent = alerts.length ? `(${alerts.length})` : "";
}

function renderProposals(list) {
  $("proposals").replaceChildren(...list.map((p) => {
    const o = p.options[0] || {};
    const text = `${p.kind} ${p.subject_id}: ${o.cost_delta_cents >= 0 ? "+" : ""}${(o.cost_delta_cents / 100).toFixed(2)}, ` +
      `${(o.affected || []).length} ETAs move${o.inserted === false ? " (no place found)" : ""}`;
    const decide = (verb) => async () => {
      try { await api("POST", `/v1/live/proposals/${p.id}/${verb}`, verb === "approve" ? { choice: 0 } : undefined); await reload(); }
      catch (err) { showError(err); await reload(); }
    };
    return el("li", { "data-proposal": p.id }, text, " ", el("button", { type: "button", onclick: decide("approve") }, "Approve"),
      " ", el("button", { type: "button", onclick: decide("reject") }, "Reject"));
  }));
}

// Finished stops with what the driver left as proof: status, reason, recipient, barcodes, photo and signature, and
// for orders with item barcodes "scanned n/m" with any scanned code that belongs to no item flagged.
const finished = new Map(); // route id -> finished stop events
function podItem(route, e) {
  const proof = e.proof || {};
  const bits = [`${route.vehicle_name || route.vehicle_id}: ${e.order_id} ${e.status}`,
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
  routes.clear();
  for (const r of snap.routes) routes.set(r.id, r);
  drawRoutes();
  renderProgress();
  renderProposals(snap.proposals);
  for (const id of routes.keys()) loadPod(id).catch(showError);
}

async function reload() { applySnapshot(await api("GET", "/v1/live/snapshot")); }

function onEvent(ev) {
  const r = routes.get(ev.route_id);
  if (ev.type === "snapshot") return applySnapshot(ev);
  if (ev.type === "gap" || ev.type === "route_changed") return reload();
  if (!r) return;
  if (ev.type === "position") { r.position = { lat: ev.lat, lng: ev.lng, at: ev.at }; placeDriver(r.id, ev.lat, ev.lng); }
  if (ev.type === "stop") {
    r.outcomes = { ...(r.outcomes || {}), [ev.order_id]: ev.status };
    if (ev.status === "completed" || ev.status === "failed") loadPod(r.id).catch(showError);
  }
  if (ev.type === "eta") {
    r.etas = ev.stops;
    r.alerts = ev.stops.filter((s) => s.status !== "on_time");
    r.done = r.stops - ev.stops.filter((s) => !(r.outcomes || {})[s.order_id]).length;
  }
  renderProgress();
}

function connect() {
  const source = new EventSource("/v1/live/stream");
  source.onopen = () => { $("conn").textContent = "live"; };
  source.onerror = () => { $("conn").textContent = "reconnecting…"; };
  for (const type of ["snapshot", "position", "stop", "eta", "alert", "route_changed", "gap"])
    source.addEventListener(type, (m) => onEvent(JSON.parse(m.data)));
}

$("return-day").value = new Date().toISOString().slice(0, 10);
$("return-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError(null);
  try {
    const ret = await api("POST", "/v1/returns", { order_id: $("return-order").value.trim(), date: $("return-day").value });
    $("return-result").textContent = `Return ${ret.barcode}: ${ret.status}`;
    await reload();
  } catch (err) { showError(err); }
});

api("GET", "/v1/auth/me").then(connect).catch((err) => { if (err.status === 401) location.href = "/login"; else showError(err); });
