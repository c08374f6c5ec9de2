// An order's detail panel (editing it: order-edit.js): its facts and notes, items, the timeline of its events, what the driver left at the
// door (proofs), the messages its customer got, their rating, and cancelling with the effect on the plan shown first: the route it leaves, the cost change in
// the organization's currency and the ETAs that move. Confirming approves that change; keeping rejects it.
import { api, el, hhmm } from "./api.js";
import { dropEditProposal, setupEdit, showOrder } from "./order-edit.js";
import { guarded, money } from "./page.js";

const $ = (id) => document.getElementById(id);
const state = { currency: "EUR", order: null, zone: "UTC", preview: null, after: async () => {} };
const FINAL = ["delivered", "cancelled"];

// An instant as the depot's wall clock ("2026-12-03 09:12"): events are stored in UTC.
const when = (iso) => new Intl.DateTimeFormat("sv-SE", { timeZone: state.zone, dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
const windows = (o) => o.data.time_windows.map((w) => `${hhmm(w.start)}–${hhmm(w.end)}`).join(", ") || "any time";

// How the order's pin was found from its address, when Doorstep placed it (docs/geocoding.md).
const PLACED = {
  address: "placed at the house",
  interpolated: "placed between the street's known house numbers: check the pin",
  street: "placed on its street, not at the house: check the pin",
};
const placedNote = (o) => (o.data.geocoded ? ` (${PLACED[o.data.geocoded.precision]})` : "");

function facts(o) {
  const c = o.data.contact || {};
  const rows = [["Status", o.status], ["Kind", o.kind], ["Date", o.date], ["Window", windows(o)],
    ["Customer", [c.name, c.phone, c.email].filter(Boolean).join(" · ") || "—"], ["Address", (o.data.address || "—") + placedNote(o)],
    ["Notes", o.data.instructions || "—"], ["Priority", o.data.priority], ["Tags", (o.data.tags || []).join(", ") || "—"]];
  $("detail-facts").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-fact": k.toLowerCase() }, v)]));
}

function items(o) {
  const list = o.data.items || [];
  $("detail-items").querySelector("tbody").replaceChildren(...(list.length ? list.map((i) => el("tr", {},
    el("td", {}, i.description), el("td", {}, i.sku ?? ""), el("td", {}, i.quantity), el("td", {}, i.barcode ?? "")))
    : [el("tr", {}, el("td", { colspan: "4", class: "muted" }, "No items listed."))]));
}

function timeline(events) {
  $("detail-timeline").querySelector("tbody").replaceChildren(...events.map((e) => el("tr", { "data-event": e.type },
    el("td", {}, when(e.at)), el("td", {}, e.type), el("td", {}, e.to_status ? `${e.from_status ?? "—"} → ${e.to_status}` : ""),
    el("td", {}, e.actor_name || e.actor))));
}

function proofs(events) {
  const ref = state.order.external_ref;
  $("detail-proofs").replaceChildren(...(events.length ? events.map((e) => {
    const p = e.proof;
    const bits = [`${when(e.at)} ${e.status}`, e.reason ? ` (${e.reason}${e.note ? `: ${e.note}` : ""})` : "",
      p?.recipient ? ` — received by ${p.recipient}` : "", p?.safe_place ? ` — left at ${p.safe_place}` : "", p?.barcodes?.length ? ` [${p.barcodes.join(", ")}]` : "", " "];
    const imgs = [p?.photo && el("img", { class: "proof-photo", src: p.photo.url, alt: `Photo left as proof for ${ref}` }),
      p?.signature && el("img", { class: "proof-photo", src: p.signature.url, alt: `Signature for ${ref}` })].filter(Boolean);
    return el("li", { class: e.status }, ...bits, ...imgs);
  }) : [el("li", { class: "muted" }, "No driver action yet.")]));
}

const ABOUT = { out_for_delivery: "out for delivery", delivered: "delivered", delivery_failed: "delivery failed",
  return_scheduled: "return pickup scheduled" };

// What the customer was told, by email or SMS, and whether it reached them (docs/notifications.md).
function messages(list) {
  const status = (m) => (m.status === "failed" || m.status === "bounced") && m.last_error ? `${m.status}: ${m.last_error}`
    : m.status === "queued" && m.attempts ? `queued (${m.attempts} failed attempts)` : m.status;
  $("detail-messages").querySelector("tbody").replaceChildren(...(list.length ? list.map((m) => el("tr", { "data-message": m.id },
    el("td", {}, when(m.sent_at || m.created_at)), el("td", { title: m.subject || m.body_text }, ABOUT[m.trigger] || m.trigger),
    el("td", {}, m.channel), el("td", {}, m.recipient), el("td", { class: `msg-${m.status}` }, status(m))))
    : [el("tr", {}, el("td", { colspan: "5", class: "muted" }, "No message to the customer yet."))]));
}

const TAGS = { on_time: "on time", careful: "careful", friendly: "friendly", safe_place: "left in a safe place",
  late: "late", damaged: "damaged", instructions_ignored: "instructions not followed" };

// The customer's rating from the tracking page (docs/tracking.md): stars, tags, comment.
function feedback(f) {
  const box = $("detail-feedback");
  if (!f) {
    box.className = "muted";
    box.replaceChildren("No feedback yet.");
    return;
  }
  box.className = `rating rating-${f.rating}`;
  const stars = el("span", { "aria-hidden": "true" }, "★".repeat(f.rating) + "☆".repeat(5 - f.rating));
  const tags = f.tags.map((t) => TAGS[t] || t).join(", ");
  box.replaceChildren(stars, ` ${f.rating}/5`, tags ? ` — ${tags}` : "", f.comment ? ` — “${f.comment}”` : "",
    el("span", { class: "muted" }, ` (${when(f.updated_at)}${f.revisions > 1 ? `, changed ${f.revisions - 1}×` : ""})`));
}

function hidePreview() {
  state.preview = null;
  $("cancel-preview").hidden = true;
}

// A preview left open (another order opened, the page left) must not stay as a pending proposal that someone on
// the live page could approve later: it is rejected, as "Keep the order" would.
async function dropPreview() {
  const id = state.preview?.proposal_id;
  hidePreview();
  if (id) await api("POST", `/v1/live/proposals/${id}/reject`);
}

window.addEventListener("pagehide", () => {
  const id = state.preview?.proposal_id;
  if (id) fetch(`/v1/live/proposals/${id}/reject`, { method: "POST", credentials: "same-origin", keepalive: true });
});

// Read the order again and show every part of its panel.
export async function openOrder(orderId) {
  const [order, events, stopEvents, sent, rated] = await Promise.all([api("GET", `/v1/orders/${orderId}`),
    api("GET", `/v1/orders/${orderId}/timeline`), api("GET", `/v1/orders/${orderId}/stop-events`),
    api("GET", `/v1/orders/${orderId}/messages`), api("GET", `/v1/orders/${orderId}/feedback`)]);
  state.zone = (await api("GET", `/v1/depots/${order.depot_id}`)).timezone;
  await dropPreview();
  await showOrder(order);
  state.order = order;
  $("detail-title").textContent = `Order ${order.external_ref}`;
  $("detail-empty").hidden = true;
  $("detail-body").hidden = false;
  facts(order);
  items(order);
  timeline(events);
  proofs(stopEvents);
  messages(sent);
  feedback(rated);
  $("cancel-btn").disabled = FINAL.includes(order.status);
}

function previewText(p) {
  const ref = p.external_ref;
  if (!p.route) return `${ref} is on no published route: the plan does not change.`;
  const driver = p.route.driver_id ? "" : ", no driver";
  const cost = p.cost_delta_cents === 0 ? "does not change the plan's cost"
    : `changes the plan's cost by ${money(p.cost_delta_cents, p.currency, true)}`;
  const moved = p.moved.length ? `${p.moved.length} other ETA${p.moved.length === 1 ? "" : "s"} move` : "no other ETA moves";
  return `${ref} leaves ${p.route.vehicle_name}'s route (${p.route.status}${driver}). Taking it off ${cost}; ${moved}.`;
}

async function preview() {
  await dropEditProposal();
  const p = await api("POST", `/v1/orders/${state.order.id}/cancel/preview`);
  state.preview = p;
  $("preview-text").textContent = previewText(p);
  const minutes = (s) => `${s > 0 ? "+" : "−"}${Math.round(Math.abs(s) / 60)} min`;
  $("preview-moves").querySelector("tbody").replaceChildren(...p.moved.map((m) => el("tr", {},
    el("th", { scope: "row" }, m.external_ref), el("td", {}, hhmm(m.before)), el("td", {}, hhmm(m.after)), el("td", {}, minutes(m.shift_s)))));
  $("preview-moves").hidden = p.moved.length === 0;
  $("cancel-preview").hidden = false;
  $("confirm-cancel-btn").focus();
}

async function confirmCancel() {
  const p = state.preview;
  if (p.proposal_id) await api("POST", `/v1/live/proposals/${p.proposal_id}/approve`, { choice: 0 });
  else await api("POST", `/v1/orders/${p.order_id}/cancel`);
  hidePreview();
  await openOrder(p.order_id);
  $("detail-status").textContent = `${p.external_ref} cancelled.`;
  await state.after();
}

async function keep() {
  const p = state.preview;
  if (p.proposal_id) await api("POST", `/v1/live/proposals/${p.proposal_id}/reject`);
  hidePreview();
  $("detail-status").textContent = `${p.external_ref} kept.`;
  $("cancel-btn").focus();
}

// ``currency``: the organization's, for money; ``after``: what to refresh once an order changed (the list).
export function setupDetail(currency, after) {
  Object.assign(state, { currency, after });
  $("cancel-btn").addEventListener("click", () => guarded(preview));
  $("confirm-cancel-btn").addEventListener("click", () => guarded(confirmCancel));
  $("keep-btn").addEventListener("click", () => guarded(keep));
  setupEdit(currency, async (id) => { await openOrder(id); await state.after(); }, guarded);
}
