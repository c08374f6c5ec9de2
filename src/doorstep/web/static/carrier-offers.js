// The plan's carrier offers (docs/carriers.md): each order a partner carrier would take for less than it costs the
// fleet (or that the fleet cannot serve), with the carrier, its price, the saving and the reason. "Confirm" books it
// (POST …/confirm: the job carriers.book asks the carrier) and follows the offer until the carrier answered; then
// the orders and the plan are read again (a booked order has left its route). "Decline" keeps it with the fleet.
// The day's bookings (GET /v1/carriers/{id}/bookings) say which orders a carrier has and how far it got.
import { api, el } from "./api.js";
import { money } from "./page.js";

const $ = (id) => document.getElementById(id);
const ACTIONABLE = ["open", "not_booked"]; // what the API confirms or declines
const EDITABLE = ["succeeded", "published"]; // plans whose offers can still be confirmed
const STATUS = { open: "open", booking: "booking…", booked: "booked", not_booked: "not booked", declined: "declined" };
const FOLLOW_MS = 500;
const FOLLOW_FOR_MS = 60_000;
const offers = { plan: null, currency: "EUR", bookings: new Map(), hooks: null, busy: false };

const words = (status) => String(status || "").replaceAll("_", " ");

// Only an http(s) link becomes a link (the server drops others too).
export function webLink(url) {
  try {
    return ["http:", "https:"].includes(new URL(url).protocol) ? url : "";
  } catch {
    return "";
  }
}

// The latest booking of each order of the day, over the organization's carriers (none readable: none shown).
export async function loadBookings(day) {
  offers.bookings = new Map();
  const carriers = await api("GET", "/v1/carriers").catch((err) => {
    if (err.status === 401) throw err;
    return [];
  });
  const lists = await Promise.all(carriers.map((c) => api("GET", `/v1/carriers/${c.id}/bookings?date=${day}`)
    .then((items) => items.map((b) => ({ ...b, carrier_name: c.name })))));
  for (const b of lists.flat().sort((a, b2) => a.id.localeCompare(b2.id))) offers.bookings.set(b.order_id, b);
}

// "with CityCourier: in transit" for an order a carrier has or is being given (empty otherwise).
export function carrierNote(orderId) {
  const b = offers.bookings.get(orderId);
  if (!b || ["not_booked", "cancelled"].includes(b.status)) return "";
  const where = b.status === "pending" ? "being booked" : words(b.carrier_status || b.status);
  return ` · with ${b.carrier_name}: ${where}`;
}

function statusCell(o) {
  const cell = el("td", { class: `offer-status offer-${o.status}` }, STATUS[o.status] ?? o.status);
  const b = offers.bookings.get(o.order_id);
  if (o.status === "booked" && b) {
    if (b.external_id) cell.append(` (${b.external_id})`);
    if (b.carrier_status && b.carrier_status !== "booked") cell.append(` · ${words(b.carrier_status)}`);
    const url = webLink(b.tracking_url || "");
    if (url) cell.append(" ", el("a", { href: url, rel: "noopener noreferrer" }, `Track ${o.external_ref} at ${o.carrier_name}`));
  }
  if (o.error) cell.append(el("span", { class: "offer-error violation" }, ` — ${o.error}`));
  return cell;
}

function actionsCell(o) {
  const cell = el("td", { class: "actions" });
  if (!ACTIONABLE.includes(o.status) || !EDITABLE.includes(offers.plan.status)) return cell;
  const confirm = el("button", { type: "button", class: "offer-confirm", "aria-label": `Confirm ${o.external_ref} with ${o.carrier_name}` },
    o.status === "not_booked" ? "Try again" : "Confirm");
  const decline = el("button", { type: "button", class: "offer-decline", "aria-label": `Decline ${o.external_ref}: keep it with the fleet` }, "Decline");
  confirm.addEventListener("click", () => act(o, "confirm"));
  decline.addEventListener("click", () => act(o, "decline"));
  cell.append(confirm, " ", decline);
  return cell;
}

function saving(o) {
  return o.route_id ? money(o.saving_cents, offers.currency) : "— (unassigned)";
}

// The offers of the plan shown (the panel is hidden when it has none).
export function renderOffers(plan, currency) {
  offers.plan = plan;
  offers.currency = currency;
  const list = plan?.carrier_offers || [];
  $("offers-panel").hidden = list.length === 0;
  $("offers").querySelector("tbody").replaceChildren(...list.map((o) => el("tr", { "data-order": o.order_id },
    el("th", { scope: "row" }, o.external_ref), el("td", {}, o.carrier_name),
    el("td", { class: "num" }, money(o.price_cents, currency)), el("td", { class: "num" }, saving(o)),
    el("td", {}, o.reason), statusCell(o), actionsCell(o))));
}

function announce(text) {
  const node = $("offers-status");
  node.textContent = text;
  node.focus(); // the table is drawn again: keyboard focus goes to what happened, not to the page's top
}

async function follow(planId, orderId) {
  const until = Date.now() + FOLLOW_FOR_MS;
  for (;;) {
    const plan = await api("GET", `/v1/plans/${planId}`);
    const offer = plan.carrier_offers.find((x) => x.order_id === orderId);
    if (!offer || offer.status !== "booking" || Date.now() > until) return offer;
    await new Promise((r) => setTimeout(r, FOLLOW_MS));
  }
}

async function act(o, action) {
  if (offers.busy) return;
  offers.busy = true;
  for (const b of document.querySelectorAll("#offers button")) b.disabled = true;
  const planId = offers.plan.id;
  try {
    await offers.hooks.guarded(async () => {
      let done;
      try {
        if (action === "confirm") announce(`Booking ${o.external_ref} with ${o.carrier_name}…`);
        done = await api("POST", `/v1/plans/${planId}/carrier-offers/${o.order_id}/${action}`);
        if (action === "confirm") done = await follow(planId, o.order_id);
      } catch (err) {
        if (err.status === 401) throw err;
        announce(`${o.external_ref}: ${err.message}`);
        await offers.hooks.reload();
        return;
      }
      await offers.hooks.reload();
      if (done?.status === "booked") announce(`${o.external_ref} is booked with ${o.carrier_name}.`);
      else if (done?.status === "declined") announce(`${o.external_ref} stays with the fleet.`);
      else if (done?.status === "booking") announce(`${o.external_ref}: ${o.carrier_name} has not answered yet.`);
      else announce(`${o.external_ref} was not booked: ${done?.error || "the carrier did not take it"}.`);
    });
  } finally {
    offers.busy = false;
  }
}

// ``hooks``: ``guarded`` (errors and an expired session) and ``reload`` (bookings, orders and the plan again).
export function setupOffers(hooks) {
  offers.hooks = hooks;
}
