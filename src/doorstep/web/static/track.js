// The customer tracking page: the server rendered it; this keeps it live (SSE, falling back to polling) and
// sends the feedback. No framework, no dependency.
import { suggestBox } from "./suggest-box.js";

const $ = (id) => document.getElementById(id);
const token = location.pathname.split("/").filter(Boolean).pop();
const base = `/v1/track/${token}`;
const words = document.body.dataset;
const POLL_MS = 20000;
let poller = null;

function text(id, value) {
  const node = $(id);
  node.textContent = value || "";
  return node;
}

function show(id, on) {
  $(id).hidden = !on;
}

function renderSteps(steps) {
  const list = $("steps");
  list.replaceChildren(...steps.map((s) => {
    const li = document.createElement("li");
    li.className = `step ${s.state} step-${s.step}`;
    if (s.state === "current") li.setAttribute("aria-current", "step");
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = s.label;
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = s.time;
    li.append(dot, label, time);
    return li;
  }));
}

function renderProof(proof) {
  show("proof", !!proof);
  if (!proof) return;
  text("proof-time", proof.time);
  text("proof-received", proof.received_by);
  text("proof-left", proof.left_at);
  if (proof.photo && !$("proof-photo")) {
    const img = document.createElement("img");
    img.id = "proof-photo";
    img.alt = words.photo;
    img.src = `${base}/photo`;
    $("proof").append(img);
  }
}

// Only an http(s) link becomes a link (the server checks this too): anything else is not followed.
function webLink(url) {
  try {
    return ["http:", "https:"].includes(new URL(url).protocol) ? url : "";
  } catch {
    return "";
  }
}

// "Delivered by <carrier>" with its tracking number and link, while a partner carrier has the parcel.
function renderCarrier(c) {
  show("carrier", !!c);
  text("carrier-by", c?.text);
  text("carrier-ref", c?.reference);
  show("carrier-ref", !!c?.reference);
  const link = $("carrier-link");
  const url = webLink(c?.url || "");
  text("carrier-link", url ? c.link : "");
  if (url) link.href = url;
  else link.removeAttribute("href");
  link.parentElement.hidden = !url;
}

export function render(v) {
  document.documentElement.lang = v.language;
  text("org", v.organization);
  text("headline", v.headline).className = `headline status-${v.status}`;
  show("eta-box", !!v.eta);
  text("eta-text", v.eta?.text);
  text("eta-progress", v.eta?.progress);
  text("driver", v.driver?.text);
  show("driver", !!v.driver);
  text("booked", v.booked);
  text("next-step", v.next_step);
  show("next-step", !!v.next_step);
  renderSteps(v.steps);
  renderProof(v.proof);
  renderCarrier(v.carrier);
  show("feedback", v.feedback.open);
  show("changes", v.changes.open);
  show("pickup-open", !!v.changes.pickup);
  if (!v.changes.pickup) $("pickup-form").hidden = true;
  show("address-open", !!v.changes.address);
  if (!v.changes.address) $("address-form").hidden = true;
  text("changes-closed", v.changes.closed);
  show("changes-closed", !!v.changes.closed);
  text("updated", v.updated);
  document.body.dataset.status = v.status;
}

function live(on) {
  text("conn", on ? words.live : words.polling);
}

async function refresh() {
  const resp = await fetch(base, { headers: { Accept: "application/json" } }).catch(() => null);
  if (resp === null) return;
  if (resp.status === 404) {
    location.reload(); // the link stopped working: the server says so in the customer's language
    return;
  }
  if (resp.ok) render(await resp.json());
}

function startPolling() {
  live(false);
  if (poller === null) poller = setInterval(refresh, POLL_MS);
}

function stopPolling() {
  if (poller !== null) clearInterval(poller);
  poller = null;
  live(true);
}

function connect() {
  if (!("EventSource" in window) || new URLSearchParams(location.search).has("poll")) {
    startPolling();
    return;
  }
  const source = new EventSource(`${base}/stream`);
  source.addEventListener("tracking", (e) => render(JSON.parse(e.data)));
  source.addEventListener("gone", () => {
    source.close();
    location.reload();
  });
  source.onopen = () => {
    stopPolling();
    refresh(); // whatever changed while the stream was down
  };
  source.onerror = () => startPolling(); // the browser reconnects by itself; until then, poll
}

function paintStars() {
  const chosen = Number(new FormData($("feedback-form")).get("rating") || 0);
  for (const label of document.querySelectorAll(".stars label")) {
    const n = Number(label.htmlFor.split("-")[1]);
    label.classList.toggle("on", n <= chosen);
  }
}

// A refusal in the customer's words (the API's messages are English, for developers): each coded problem of the
// answer by its code (``own`` first: a panel's own wording of a code), every other code as "could not be saved",
// no answer at all as offline.
const REFUSED = {
  E2171: "changesClosed", E1451: "notFound", E1457: "refusedTooLong", E2172: "refusedWindowGone",
  E2136: "refusedNoRoute", E2174: "refusedNotHere", E2272: "refusedNotHere", E1302: "refusedPointGone",
  E2271: "refusedPointGone", E2170: "refusedNotDelivered", E1454: "refusedRating", E1455: "refusedRating",
  E1456: "refusedComment", E4003: "refusedBusy",
};

function refusal(resp, data, own = {}) {
  if (!resp) return words.offline;
  const error = data?.error;
  const issues = error?.details?.length ? error.details : error ? [error] : [{}];
  const said = issues.map((i) => words[own[i.code] || REFUSED[i.code]] || words.refusedOther);
  return [...new Set(said)].join(" ");
}

// Send a change or a rating; the answer's refusals are shown in ``msg`` (every one of them).
async function send(method, path, body, msg) {
  const resp = await fetch(path, {
    method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);
  const data = resp ? await resp.json().catch(() => null) : null;
  if (resp && resp.ok) {
    msg.className = "msg";
    return data;
  }
  msg.className = "msg error";
  msg.textContent = refusal(resp, data);
  return null;
}

async function saveInstructions(event) {
  event.preventDefault();
  const body = { instructions: $("instructions").value, safe_place_allowed: $("safe-allowed").checked,
    safe_place: $("safe-where").value };
  const msg = $("instructions-msg");
  const v = await send("PUT", `${base}/instructions`, body, msg);
  if (v) {
    render(v);
    msg.textContent = words.saved;
  }
}

async function notHome() {
  const v = await send("POST", `${base}/not-home`, undefined, $("instructions-msg"));
  if (v) render(v);
}

// The reschedule panel: the windows on offer per day (from the plan), one radio button each.
function renderWindows(panel) {
  const days = $("reschedule-days");
  days.replaceChildren();
  for (const day of panel.days) {
    const set = document.createElement("fieldset");
    set.className = "slots";
    const legend = document.createElement("legend");
    legend.textContent = day.label;
    set.append(legend);
    for (const w of day.windows) {
      const label = document.createElement("label");
      label.className = "slot";
      const input = document.createElement("input");
      Object.assign(input, { type: "radio", name: "window", value: `${w.start}|${w.end}` });
      label.append(input, ` ${w.label}`);
      if (w.suggested) {
        const mark = document.createElement("span");
        mark.className = "usually-home";
        mark.textContent = ` (${w.note})`;
        label.append(mark);
      }
      set.append(label);
    }
    days.append(set);
  }
  text("reschedule-empty", panel.open ? panel.empty : panel.closed);
  show("reschedule-empty", !!(panel.open ? panel.empty : panel.closed));
  show("reschedule-move", panel.days.length > 0);
}

// Open or close a change panel (``name``-form, toggled by ``name``-open); true when it was just opened.
function togglePanel(name) {
  const form = $(`${name}-form`);
  const opening = form.hidden;
  form.hidden = !opening;
  $(`${name}-open`).setAttribute("aria-expanded", String(opening));
  return opening;
}

async function openReschedule() {
  if (!togglePanel("reschedule")) return;
  const msg = text("reschedule-msg", "");
  const resp = await fetch(`${base}/reschedule`).catch(() => null);
  const data = resp ? await resp.json().catch(() => null) : null;
  if (resp && resp.ok) renderWindows(data);
  else {
    msg.className = "msg error";
    msg.textContent = refusal(resp, data);
  }
}

async function moveDelivery(event) {
  event.preventDefault();
  const msg = $("reschedule-msg");
  const chosen = new FormData($("reschedule-form")).get("window");
  if (!chosen) return;
  const [start, end] = chosen.split("|");
  const resp = await fetch(`${base}/reschedule`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ start, end }),
  }).catch(() => null);
  const data = resp ? await resp.json().catch(() => null) : null;
  if (resp && resp.ok) {
    render(data);
    msg.className = "msg";
    msg.textContent = data.headline;
    renderWindows({ open: true, empty: "", days: [] });
    return;
  }
  msg.className = "msg error";
  msg.textContent = refusal(resp, data);
  if (data?.reschedule) renderWindows(data.reschedule);  // the windows still on offer
}

// How far a point is from the customer's address: the walk (minutes, then metres) when the deployment measured
// it, else the straight line; nothing when no address of theirs is known (an order booked to a point).
function metres(m) {
  const km = m >= 1000;
  const fmt = new Intl.NumberFormat(document.documentElement.lang || "en",
    { style: "unit", unit: km ? "kilometer" : "meter", maximumFractionDigits: km ? 1 : 0 });
  return fmt.format(km ? m / 1000 : Math.max(10, Math.round(m / 10) * 10));
}

function howFar(point) {
  if (point.walk_m != null) {
    const minutes = String(Math.max(1, Math.round((point.walk_s || 0) / 60)));
    return words.pointWalk.replace("{minutes}", minutes).replace("{distance}", metres(point.walk_m));
  }
  return point.distance_m != null ? words.pointAway.replace("{distance}", metres(point.distance_m)) : "";
}

// The pickup-point panel: the points of the order's depot that can take it on its day, nearest first, one radio
// button each.
function renderPoints(points) {
  const set = $("pickup-points");
  set.replaceChildren(set.querySelector("legend"));
  for (const point of points) {
    const label = document.createElement("label");
    label.className = "slot";
    const input = document.createElement("input");
    Object.assign(input, { type: "radio", name: "point", value: point.id });
    input.dataset.name = point.name;
    const hours = point.windows.map((w) => `${w.start.slice(11, 16)}–${w.end.slice(11, 16)}`).join(", ");
    label.append(input, ` ${point.name}`);
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = [howFar(point), point.address, hours].filter(Boolean).join(" · ");
    label.append(where);
    set.append(label);
  }
  show("pickup-empty", points.length === 0);
  show("pickup-move", points.length > 0);
}

async function openPickup() {
  if (!togglePanel("pickup")) return;
  const msg = text("pickup-msg", "");
  const resp = await fetch(`${base}/pickup-points`).catch(() => null);
  const data = resp ? await resp.json().catch(() => null) : null;
  if (resp && resp.ok) {
    renderPoints(data);
    return;
  }
  renderPoints([]);
  $("pickup-empty").hidden = true;
  msg.className = "msg error";
  msg.textContent = refusal(resp, data);
}

async function moveToPoint(event) {
  event.preventDefault();
  const chosen = document.querySelector("#pickup-points input[name=point]:checked");
  if (!chosen) return;
  const msg = $("pickup-msg");
  const v = await send("POST", `${base}/pickup-point`, { pickup_point_id: chosen.value }, msg);
  if (v) {
    render(v);
    msg.textContent = words.pickupDone.replace("{name}", chosen.dataset.name);
  }
}

// "Deliver to another address": suggestions near the address booked while the customer types, then the move. Its
// own refusals (not found, too far, no van gets there) are worded for an address; the others as every panel's.
const SAID = { E1134: "addressUnknown", E1135: "addressUnknown", E1136: "addressUnknown", E2173: "addressFar",
  E2136: "addressNoRoute" };

function openAddress() {
  if (togglePanel("address")) $("new-address").focus();
}

async function suggestNear(q) {
  const resp = await fetch(`${base}/address-suggestions?limit=6&q=${encodeURIComponent(q)}`);
  if (!resp.ok) throw new Error(resp.statusText);
  return (await resp.json()).suggestions;
}

async function moveAddress(event) {
  event.preventDefault();
  const address = $("new-address").value.trim();
  const msg = $("address-msg");
  if (!address) return;
  const resp = await fetch(`${base}/address`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ address }),
  }).catch(() => null);
  const data = resp ? await resp.json().catch(() => null) : null;
  if (resp && resp.ok) {
    render(data);
    msg.className = "msg";
    msg.textContent = words.addressDone.replace("{address}", address);
    return;
  }
  msg.className = "msg error";
  msg.textContent = refusal(resp, data, SAID);
}

async function sendFeedback(event) {
  event.preventDefault();
  const form = new FormData($("feedback-form"));
  const body = { rating: Number(form.get("rating") || 0), tags: form.getAll("tags"), comment: form.get("comment") || "" };
  const msg = $("feedback-msg");
  if (await send("POST", `${base}/feedback`, body, msg)) {
    msg.textContent = words.thanks;
    $("feedback-send").textContent = words.change;
  }
}

$("feedback-form").addEventListener("submit", sendFeedback);
$("instructions-form").addEventListener("submit", saveInstructions);
$("not-home").addEventListener("click", notHome);
$("reschedule-open").addEventListener("click", openReschedule);
$("reschedule-form").addEventListener("submit", moveDelivery);
$("pickup-open").addEventListener("click", openPickup);
$("pickup-form").addEventListener("submit", moveToPoint);
$("address-open").addEventListener("click", openAddress);
$("address-form").addEventListener("submit", moveAddress);
suggestBox($("new-address"), $("address-suggestions"), {
  ask: suggestNear, onPick: () => { $("address-msg").textContent = ""; }, status: $("address-count"),
  counted: (n) => (n ? words.suggestCount.replace("{count}", String(n)) : words.suggestNone),
});
$("feedback-form").addEventListener("change", paintStars);
paintStars();
connect();
