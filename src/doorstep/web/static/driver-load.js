// "Load the van": before departure the driver scans every parcel (a barcode scanner types the code and Enter, or
// the driver types it). Each scan goes to the outbox like a stop action and is answered by the server: loaded, a
// repeat (ignored), another van's parcel (the warning names that van) or no parcel of the day. Offline the view
// judges what it can from the van's own list and says the rest will be checked once the scan is sent.
import * as store from "./driver-store.js";

const $ = (id) => document.getElementById(id);
let ctx = null;  // {route, token, sync, el, show}
let view = null;  // the server's answer of GET /v1/driver/routes/{id}/load (kept for offline use)
let lastId = null;  // the client id of the newest scan on screen

// The van's items when the server was never reached: deliveries last-delivered first, one row per barcode.
function localView(route) {
  const orderStops = route.stops.filter((s) => s.order_id);
  const items = [];
  orderStops.map((s, k) => ({ s, no: k + 1 })).filter(({ s }) => s.type === "delivery").reverse()
    .forEach(({ s, no }) => (s.barcodes || []).forEach((code) => items.push(
      { code, order_id: s.order_id, external_ref: s.external_ref || s.order_id, stop_no: no, trip: 1, loaded: false })));
  const noCode = orderStops.filter((s) => s.type === "delivery" && !(s.barcodes || []).length).reverse();
  return { route_id: route.id, vehicle: route.vehicle_name, open: true, items, scans: [],
    no_barcode: noCode.map((s) => s.external_ref || s.order_id) };
}

async function fetchView() {
  const resp = await fetch(`/v1/driver/routes/${ctx.route.id}/load`, { headers: { Authorization: `Bearer ${ctx.token}` } })
    .catch(() => null);
  if (resp && resp.ok) { view = await resp.json(); await store.put(`load:${ctx.route.id}`, view); }
}

async function queued() {
  return (await store.pending()).filter((i) => (i.kind === "scan" || i.kind === "check") && i.route_id === ctx.route.id);
}

// The server's items with the queued scans applied the way the server will: the n-th scan of a code loads the
// n-th item carrying it; a code the van does not carry waits for the server's verdict.
function judge(items, pending) {
  const rows = items.map((i) => ({ ...i }));
  const local = pending.filter((p) => p.kind === "scan").map((p) => {
    const hit = rows.find((r) => r.code === p.body.code && !r.loaded);
    if (hit) { hit.loaded = true; return { client_id: p.client_id, outcome: "loaded", code: p.body.code,
      message: `${hit.external_ref} (stop ${hit.stop_no}) loaded (waiting to sync)` }; }
    if (rows.some((r) => r.code === p.body.code)) return { client_id: p.client_id, outcome: "duplicate", code: p.body.code,
      message: `${p.body.code} was scanned already: ignored` };
    return { client_id: p.client_id, outcome: "pending", code: p.body.code,
      message: `${p.body.code} is not on this van: checking whose it is when online` };
  });
  return { rows, local };
}

async function render() {
  const pending = await queued();
  const { rows, local } = judge(view.items, pending);
  const loaded = rows.filter((r) => r.loaded).length;
  $("load-title").textContent = `Load ${view.vehicle}`;
  $("load-progress").textContent = rows.length ? `${loaded}/${rows.length} loaded` : "No parcel with a barcode";
  $("load-progress").classList.toggle("all", rows.length > 0 && loaded === rows.length);
  $("load-items").replaceChildren(...rows.map((r) => ctx.el("li", { class: `item${r.loaded ? " scanned" : ""}`, "data-code": r.code },
    ctx.el("span", { class: "qty" }, r.stop_no),
    ctx.el("span", {}, ctx.el("span", { class: "desc" }, r.external_ref), ctx.el("span", { class: "code" }, r.code)),
    ctx.el("span", { class: "tick", title: r.loaded ? "loaded" : "missing" }, r.loaded ? "✓" : ""))));
  $("load-nobarcode").textContent = view.no_barcode.length ? `No barcode, check by hand: ${view.no_barcode.join(", ")}` : "";
  const scans = [...view.scans, ...local];
  const odd = scans.filter((s) => s.outcome === "foreign" || s.outcome === "unknown" || s.outcome === "pending");
  $("load-warnings").replaceChildren(...odd.map((s) => ctx.el("li", { class: `warn ${s.outcome}` }, s.message)));
  $("load-warnings-box").hidden = odd.length === 0;
  const last = scans.find((s) => s.client_id === lastId);
  $("load-last").textContent = last ? last.message : "";
  $("load-last").className = `load-last ${last ? last.outcome : ""}`;
  $("load-code").disabled = !view.open; $("load-done-btn").disabled = !view.open;
  if (!view.open) $("load-summary").textContent = "The van has left the depot: loading scans are closed.";
}

async function summary(clientId) {
  const outcomes = (await store.get("outcomes")) || {};
  const answer = outcomes[clientId];
  const missing = answer?.ok ? answer.missing : judge(view.items, await queued()).rows.filter((r) => !r.loaded);
  const refs = [...new Set(missing.map((m) => m.external_ref))];
  const head = answer?.ok ? "Loading checked" : "Loading check waiting to sync";
  $("load-summary").textContent = refs.length ? `${head}: ${missing.length} items missing (${refs.join(", ")}).`
    : `${head}: every parcel with a barcode is loaded.`;
}

async function scan(text) {
  const code = (text || "").trim();
  $("load-code").value = "";
  if (!code) return;
  const client_id = store.newClientId();
  lastId = client_id;
  await store.enqueue({ kind: "scan", client_id, route_id: ctx.route.id, body: { client_id, code, at: new Date().toISOString() } });
  await render();
  await refresh();
}

async function done() {
  const client_id = store.newClientId();
  await store.enqueue({ kind: "check", client_id, route_id: ctx.route.id, body: { client_id, at: new Date().toISOString() } });
  await refresh();
  await summary(client_id);
}

async function refresh() {
  await ctx.sync();
  await fetchView();
  await render();
  document.body.dataset.loadSynced = String((await queued()).length === 0);
}

export async function openLoad(c) {
  ctx = c;
  view = (await store.get(`load:${ctx.route.id}`)) || localView(ctx.route);
  lastId = null;
  $("load-summary").textContent = "";
  ctx.show("load-view");
  await render();
  await refresh();
  $("load-code").focus();
}

export function wireLoad(back) {
  $("load-back-btn").addEventListener("click", back);
  $("load-code").addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    scan($("load-code").value);
  });
  $("load-done-btn").addEventListener("click", done);
}
