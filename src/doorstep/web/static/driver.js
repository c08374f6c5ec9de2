// The driver app: log in with a code, today's route as a list and a map, arrive / complete with proof / fail.
// Every action and position goes to the IndexedDB outbox first, then to the server when the network allows.
import * as store from "./driver-store.js";
import { flush, SessionExpired } from "./driver-sync.js";
import { resizePhoto, signaturePad, canScan, scanBarcode } from "./driver-proof.js";
import { listen } from "./driver-live.js";
import { openLoad, wireLoad } from "./driver-load.js";
import { TILE_ATTRIBUTION, TILE_URL } from "./tiles.js";

const $ = (id) => document.getElementById(id);
const L = window.L;
const state = { session: null, routes: [], reasons: [], local: {}, stop: null, photo: null, barcodes: [], where: null,
  tiles: false, live: false, lastLoad: 0, stopLive: null };
const RELOAD_MS = 60_000;  // with the live stream up, routes are re-read on its events (and at least this often)
let map = null, layer = null, pad = null, tileLayer = null, fitted = "";

function show(view) {
  for (const v of ["login-view", "list-view", "stop-view", "load-view"]) $(v).hidden = v !== view;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

const hhmm = (iso) => (iso ? iso.slice(11, 16) : "");
// A pin Doorstep placed from the address less exactly than at the house (docs/geocoding.md): the driver looks.
const PIN = {
  interpolated: "Pin between the street's known house numbers: look for the number.",
  street: "Pin on the street only: look for the house number.",
};

async function refreshPending() {
  const n = await store.count();
  $("pending-count").textContent = String(n.total);
  $("pending").title = `${n.actions} stop actions and ${n.positions} positions waiting to be sent`;
  $("pending").classList.toggle("has", n.total > 0);
  document.body.dataset.pendingActions = String(n.actions);
  document.body.dataset.pendingPositions = String(n.positions);
}

function setNet() {
  const on = navigator.onLine;
  $("net-status").textContent = on ? (state.live ? "online · live" : "online") : "offline";
  $("net-status").classList.toggle("offline", !on);
}

async function sync(reload = false) {
  setNet();
  if (!state.session) return;
  try {
    await flush(state.session.token);
    if (reload || !state.live || Date.now() - state.lastLoad > RELOAD_MS) await loadRoutes();
    if ((await store.count()).actions === 0) { state.local = {}; await store.put("local", state.local); render(); }
  } catch (err) {
    if (err instanceof SessionExpired) { await logout(false); $("login-error").textContent = "Session expired: log in again (nothing queued is lost)."; }
  } finally {
    await refreshPending();
  }
}

async function loadRoutes() {
  const resp = await fetch("/v1/driver/routes", { headers: { Authorization: `Bearer ${state.session.token}` } });
  if (resp.status === 401) throw new SessionExpired("session expired");
  if (!resp.ok) return;
  const body = await resp.json();
  state.routes = body.routes;
  state.lastLoad = Date.now();
  state.reasons = body.failure_reasons || state.reasons;
  await store.put("routes", { routes: state.routes, reasons: state.reasons });
  render();
}

function stopStatus(s) {
  return state.local[s.id]?.status || s.status;
}

function orderStops(route) {
  return route.stops.filter((s) => s.order_id);
}

// What the driver does at a stop: hand a parcel over, or collect one (a customer's return, a shop's parcel).
function stopKind(s) {
  const collect = s.type === "pickup" || s.type === "paired_pickup";
  if (!collect) return { cls: "delivery", label: "Delivery", done: "Confirm delivery", fail: "Confirm failed delivery" };
  const label = s.order_kind === "return" ? "Return pickup" : "Pickup";
  return { cls: "pickup", label, done: "Confirm pickup", fail: "Confirm failed pickup" };
}

function render() {
  const route = state.routes[0];
  $("stops").replaceChildren();
  $("load-btn").hidden = !route;
  if (!route) { $("route-title").textContent = "No route for you today."; return; }
  $("route-title").textContent = `${route.vehicle_name} · ${route.day} · ${orderStops(route).length} stops`;
  orderStops(route).forEach((s, k) => {
    const st = stopStatus(s);
    const queued = state.local[s.id] && state.local[s.id].status !== s.status;
    const li = el("li", { class: `stop ${st}`, "data-stop-id": s.id, onclick: () => openStop(s, k + 1) },
      el("span", { class: "n" }, k + 1),
      el("span", {}, el("div", {}, el("span", { class: `kind ${stopKind(s).cls}` }, stopKind(s).label), " ",
        s.address || s.external_ref || s.order_id),
        el("div", { class: "eta" }, `ETA ${hhmm(s.eta)} · window ${hhmm(s.window_start)}–${hhmm(s.window_end)}`)),
      el("span", { class: `badge${queued ? " queued" : ""}` }, queued ? `${st} (waiting to sync)` : st));
    $("stops").append(li);
  });
  drawMap(route);
}

function showList() {
  show("list-view");
  map?.invalidateSize();
  render();
}

function drawMap(route) {
  if (!L || $("list-view").hidden) return;
  if (!map) {
    map = L.map("map");
    map.attributionControl.setPrefix(false);
    layer = L.layerGroup().addTo(map);
    // crossOrigin: CORS responses, so the service worker can keep them (opaque ones would fill the storage quota)
    tileLayer = L.tileLayer(TILE_URL, { attribution: TILE_ATTRIBUTION, crossOrigin: true, maxZoom: 19 });
  }
  if (state.tiles && !map.hasLayer(tileLayer)) tileLayer.addTo(map);
  if (!state.tiles && map.hasLayer(tileLayer)) map.removeLayer(tileLayer);
  layer.clearLayers();
  const pts = route.stops.map((s) => [s.location.lat, s.location.lng]);
  L.polyline(pts, { color: "#4363d8", weight: 3 }).addTo(layer);
  orderStops(route).forEach((s, k) => {
    const icon = L.divIcon({ className: "stop-label", html: String(k + 1), iconSize: [18, 18] });
    L.marker([s.location.lat, s.location.lng], { icon }).addTo(layer);
  });
  if (state.where) L.circleMarker(state.where, { radius: 7, color: "#c77700" }).addTo(layer);
  const key = `${route.id}:${route.version}`;  // fit once per route version: keep where the driver has panned to
  if (pts.length && fitted !== key) { map.fitBounds(pts, { padding: [16, 16] }); fitted = key; }
}

function openStop(s, n) {
  state.stop = s; state.photo = null; state.barcodes = [];
  const kind = stopKind(s);
  $("stop-title").textContent = `${n}. ${s.external_ref || s.order_id}`;
  $("stop-kind").textContent = kind.label;
  $("stop-kind").className = `kind ${kind.cls}`;
  $("confirm-complete").textContent = kind.done;
  $("confirm-fail").textContent = kind.fail;
  $("stop-address").textContent = s.address;
  $("stop-pin").textContent = PIN[s.pin] || "";
  $("stop-window").textContent = `ETA ${hhmm(s.eta)} · window ${hhmm(s.window_start)}–${hhmm(s.window_end)}`;
  const phone = s.contact.phone.replace(/[^+\d]/g, "");
  $("stop-contact").replaceChildren(el("span", {}, s.contact.name || ""),
    ...(phone ? [el("a", { class: "btn", href: `tel:${phone}` }, "Call"), el("a", { class: "btn", href: `sms:${phone}` }, "SMS")] : []));
  const safe = s.safe_place?.allowed ? `Safe place allowed${s.safe_place.where ? `: ${s.safe_place.where}` : ""}.` : "";
  $("stop-instructions").textContent = [s.instructions, safe].filter(Boolean).join(" ");
  const { lat, lng } = s.location;
  $("nav-link").href = `geo:${lat},${lng}?q=${lat},${lng}`;
  $("maps-link").href = `https://www.openstreetmap.org/directions?route=%3B${lat}%2C${lng}`;
  $("complete-form").hidden = true; $("fail-form").hidden = true; $("stop-error").textContent = "";
  $("photo").value = ""; $("photo-preview").hidden = true; $("barcode").value = ""; $("recipient").value = "";
  $("safe-place").value = s.safe_place?.allowed ? s.safe_place.where || "" : "";
  renderItems();
  renderStopState();
  show("stop-view");
}

// The stop's items with their barcodes; those scanned in the proof form are ticked, with "n/m scanned".
function itemRow(it, got) {
  return el("li", { class: `item${got ? " scanned" : ""}`, "data-barcode": it.barcode || "" },
    el("span", { class: "qty" }, `${it.quantity}×`),
    el("span", {}, el("span", { class: "desc" }, it.description), it.sku ? el("span", { class: "sku" }, ` · ${it.sku}`) : "",
      el("span", { class: "code" }, it.barcode || "no barcode")),
    el("span", { class: "tick", title: got ? "scanned" : "" }, got ? "✓" : ""));
}

function renderItems() {
  const s = state.stop, items = Array.isArray(s.items) ? s.items.filter((i) => i && typeof i === "object") : [];
  const expected = items.map((i) => i.barcode).filter(Boolean);
  const scanned = new Set(state.barcodes);
  $("stop-items-box").hidden = items.length === 0;
  $("stop-items").replaceChildren(...items.map((it) => itemRow(it, Boolean(it.barcode) && scanned.has(it.barcode))));
  const n = expected.filter((c) => scanned.has(c)).length;
  for (const id of ["items-scanned", "form-scanned"]) {
    $(id).textContent = expected.length ? `${n}/${expected.length} scanned` : "";
    $(id).classList.toggle("all", expected.length > 0 && n === expected.length);
  }
  $("form-scanned").hidden = expected.length === 0;
  $("barcodes").replaceChildren(...state.barcodes.map((code) => {
    const unknown = expected.length > 0 && !expected.includes(code);
    const drop = () => { state.barcodes = state.barcodes.filter((c) => c !== code); renderItems(); };
    return el("li", { class: unknown ? "unknown" : "known", "data-code": code }, code, unknown ? " — not on this order" : "",
      el("button", { type: "button", onclick: drop, "aria-label": `remove ${code}` }, "×"));
  }));
}

function renderStopState() {
  const st = stopStatus(state.stop);
  const done = st === "completed" || st === "failed";
  $("stop-state").textContent = `Status: ${st}`;
  $("arrive-btn").disabled = st !== "pending";
  $("complete-btn").disabled = done; $("fail-btn").disabled = done;
}

function here() {
  return state.where ? { lat: state.where[0], lng: state.where[1], accuracy_m: state.accuracy } : null;
}

async function act(status, extra = {}) {
  const s = state.stop, route = state.routes[0];
  const client_id = store.newClientId();
  const body = { client_id, status, at: new Date().toISOString(), position: here(), ...extra };
  await store.enqueue({ kind: "action", client_id, stop_id: s.id, route_id: route.id, body });
  state.local[s.id] = { status };
  await store.put("local", state.local);
  await refreshPending();
  renderStopState(); render();
  sync();
}

function showForm(id) {
  $("complete-form").hidden = id !== "complete-form";
  $("fail-form").hidden = id !== "fail-form";
  if (id === "complete-form") pad.reset();
}

async function login() {
  $("login-error").textContent = "";
  const resp = await fetch("/v1/driver/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code: $("code").value }),
  }).catch(() => null);
  const data = resp ? await resp.json().catch(() => null) : null;
  if (!resp || !resp.ok) {
    $("login-error").textContent = data?.error ? `${data.error.code}: ${data.error.message}` : "No network: try again when online.";
    return;
  }
  state.session = data;
  await store.put("session", data);
  start();
}

function onLive(ev) {
  if (ev.type === "route_changed" || ev.type === "gap") { sync(true); return; }
  if (ev.type === "routes") {  // on (re)connect: reload when a version moved while the stream was down
    const known = Object.fromEntries(state.routes.map((r) => [r.id, r.version]));
    const same = Object.keys(ev.routes).length === state.routes.length && Object.entries(ev.routes).every(([id, v]) => known[id] === v);
    if (!same) sync(true);
    return;
  }
  if (ev.type === "eta") {  // live ETAs of the driver's own route
    const route = state.routes.find((r) => r.id === ev.route_id);
    if (!route) return;
    const byOrder = Object.fromEntries(ev.stops.map((e) => [e.order_id, e.eta]));
    for (const s of route.stops) if (byOrder[s.order_id]) s.eta = byOrder[s.order_id];
    if (!$("list-view").hidden) render();
  }
}

function goLive() {
  state.stopLive?.();
  state.stopLive = listen(state.session.token, {
    onEvent: onLive,
    onState: (on) => { state.live = on; document.body.dataset.live = on ? "1" : "0"; setNet(); },
    onExpired: () => sync(true),
  });
}

async function logout(clear = true) {
  state.stopLive?.(); state.stopLive = null; state.live = false;
  state.session = null;
  await store.del("session");
  if (clear) { await store.del("routes"); state.routes = []; }
  $("who").textContent = "Doorstep";
  show("login-view");
}

function track() {
  if (!navigator.geolocation) return;
  let lastSent = 0;
  navigator.geolocation.watchPosition(async (pos) => {
    state.where = [pos.coords.latitude, pos.coords.longitude];
    state.accuracy = pos.coords.accuracy;
    if (Date.now() - lastSent < 15_000 || !state.session) return;
    lastSent = Date.now();
    const fix = {
      client_id: store.newClientId(), at: new Date(pos.timestamp).toISOString(), lat: pos.coords.latitude,
      lng: pos.coords.longitude, accuracy_m: pos.coords.accuracy ?? null,
      speed_mps: pos.coords.speed ?? null, heading_deg: Number.isFinite(pos.coords.heading) ? pos.coords.heading : null,
    };
    await store.enqueue({ kind: "position", client_id: fix.client_id, route_id: state.routes[0]?.id, fix });
    refreshPending();
  }, () => {}, { enableHighAccuracy: true, maximumAge: 10_000 });
}

async function start() {
  $("who").textContent = state.session.driver_name || "Driver";
  const saved = await store.get("routes");
  if (saved) { state.routes = saved.routes; state.reasons = saved.reasons; }
  state.local = (await store.get("local")) || {};
  state.tiles = Boolean(await store.get("tiles"));
  $("tiles-toggle").checked = state.tiles;
  showList();
  $("reason").replaceChildren(...state.reasons.map((r) => el("option", { value: r.value }, r.label)));
  await sync(true);
  goLive();
  track();
  $("reason").replaceChildren(...state.reasons.map((r) => el("option", { value: r.value }, r.label)));
  document.body.dataset.ready = "1";
}

function wire() {
  $("login-btn").addEventListener("click", login);
  $("logout-btn").addEventListener("click", async () => {
    const n = await store.count();  // queued items belong to this driver: keep the session until they are sent
    if (n.total) { $("route-title").textContent = `${n.total} items still waiting to sync: go online before logging out.`; return; }
    logout(true);
  });
  $("refresh-btn").addEventListener("click", () => sync(true));
  $("tiles-toggle").addEventListener("change", async (ev) => {
    state.tiles = ev.target.checked;
    await store.put("tiles", state.tiles);
    render();
  });
  $("back-btn").addEventListener("click", showList);
  $("load-btn").addEventListener("click", () => {
    const route = state.routes[0];
    if (route) openLoad({ route, token: state.session.token, sync: () => sync(), el, show });
  });
  wireLoad(showList);
  $("arrive-btn").addEventListener("click", () => act("arrived"));
  $("complete-btn").addEventListener("click", () => showForm("complete-form"));
  $("fail-btn").addEventListener("click", () => showForm("fail-form"));
  pad = signaturePad($("signature"));
  $("clear-signature").addEventListener("click", () => pad.reset());
  $("photo").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    try {
      state.photo = await resizePhoto(file);
      $("photo-preview").src = state.photo; $("photo-preview").hidden = false; $("stop-error").textContent = "";
    } catch (err) { state.photo = null; $("stop-error").textContent = err.message; }
  });
  $("barcode").addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault(); addBarcode($("barcode").value);
  });
  $("scan-btn").hidden = !canScan();
  $("scan-btn").addEventListener("click", async () => {
    try { const code = await scanBarcode($("scan-video")); if (code) addBarcode(code); }
    catch (err) { $("stop-error").textContent = `Camera: ${err.message}`; }
  });
  $("complete-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    addBarcode($("barcode").value);
    const proof = { photo: state.photo, signature: pad.png(), barcodes: state.barcodes, recipient: $("recipient").value.trim(),
      safe_place: $("safe-place").value.trim() };
    $("complete-form").hidden = true;
    act("completed", { proof });
  });
  $("fail-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const reason = $("reason").value, note = $("note").value.trim();
    if (reason === "other" && !note) { $("stop-error").textContent = "Write a note for 'other'."; return; }
    $("fail-form").hidden = true; $("note").value = "";
    act("failed", { reason, note });
  });
  window.addEventListener("online", () => sync(true));
  window.addEventListener("offline", setNet);
  setInterval(sync, 10_000);
}

function addBarcode(text) {
  const code = (text || "").trim();
  if (!code || state.barcodes.includes(code)) { $("barcode").value = ""; return; }
  state.barcodes.push(code);
  $("barcode").value = "";
  renderItems();
}

async function main() {
  wire();
  setNet();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/driver/sw.js", { scope: "/driver/" }).catch(() => {});
  state.session = await store.get("session");
  await refreshPending();
  if (state.session) await start();
  else { show("login-view"); document.body.dataset.ready = "1"; }
}

main();
