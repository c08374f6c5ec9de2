// The slots page: how full each delivery window is, per zone, and each pickup point, on the day
// (GET /v1/slots/utilisation).
import { api, el, hhmm } from "./api.js";
import { dayFromUrl, guarded, keepDay, navDay, startPage } from "./page.js";

const $ = (id) => document.getElementById(id);

// A window's hours; a same-day or express level is counted for the whole day.
function windowLabel(s) {
  if (s.kind === "same_day") return `Same day: book by ${hhmm(s.closes)}, delivered by ${hhmm(s.end)}`;
  if (s.kind === "express") return "Express: today";
  return `${hhmm(s.start)}–${hhmm(s.end)}`;
}

function zoneTable(zd) {
  const pct = Math.round(zd.utilisation * 100);
  const rows = zd.slots.map((s) => {
    const taken = s.confirmed + s.held;
    return el("tr", { "data-start": s.start, "data-template": s.template_id, "data-kind": s.kind },
      el("th", { scope: "row" }, windowLabel(s)), el("td", {}, s.service_level),
      el("td", { class: "num" }, s.max_orders), el("td", { class: "num confirmed" }, s.confirmed),
      el("td", { class: "num held" }, s.held), el("td", { class: "num free" }, s.free),
      el("td", {}, el("meter", { min: "0", max: String(s.max_orders), value: String(Math.min(taken, s.max_orders)),
        "aria-label": `${taken} of ${s.max_orders} taken` })));
  });
  const head = el("tr", {}, ...["Window", "Level", "Max", "Confirmed", "Held", "Free", "Use"].map((h) => el("th", { scope: "col" }, h)));
  return el("section", { class: "slot-zone", "data-zone": zd.zone_id, "aria-label": `Zone ${zd.zone_id}` },
    el("h2", {}, `Zone ${zd.zone_id} `, el("small", { class: "zone-total" },
      `${zd.confirmed} confirmed, ${zd.held} held of ${zd.max_orders} (${pct}%)`)),
    el("table", {}, el("caption", { class: "sr-only" }, `Windows of zone ${zd.zone_id}`),
      el("thead", {}, head), el("tbody", {}, ...rows)));
}

function pointsTable(points) {
  const rows = points.map((x) => {
    const taken = x.booked_parcels + x.held_parcels;
    const name = x.active ? x.name : `${x.name} (inactive)`;
    return el("tr", { "data-point": x.pickup_point_id },
      el("th", { scope: "row" }, name), el("td", {}, x.kind),
      el("td", { class: "num capacity" }, x.capacity_parcels), el("td", { class: "num booked" }, x.booked_parcels),
      el("td", { class: "num held" }, x.held_parcels), el("td", { class: "num free" }, x.free_parcels),
      el("td", {}, el("meter", { min: "0", max: String(x.capacity_parcels),
        value: String(Math.min(taken, x.capacity_parcels)),
        "aria-label": `${taken} of ${x.capacity_parcels} parcels taken at ${x.name}` })));
  });
  const head = el("tr", {}, ...["Point", "Kind", "Capacity", "Booked", "Held", "Free", "Use"]
    .map((h) => el("th", { scope: "col" }, h)));
  return el("table", { class: "slot-points" }, el("caption", { class: "sr-only" }, "Parcels at each pickup point"),
    el("thead", {}, head), el("tbody", {}, ...rows));
}

function showPoints(points) {
  $("slot-points").replaceChildren(...(points.length ? [pointsTable(points)] : []));
  const taken = points.reduce((n, x) => n + x.booked_parcels + x.held_parcels, 0);
  const most = points.reduce((n, x) => n + x.capacity_parcels, 0);
  $("points-summary").textContent = points.length ? `(${taken} of ${most} parcels taken)` : "";
  $("points-empty").hidden = points.length > 0;
}

async function load(day) {
  const data = await api("GET", `/v1/slots/utilisation?date_from=${day}&date_to=${day}`);
  $("slot-zones").replaceChildren(...data.days.map(zoneTable));
  showPoints(data.points || []);
  const taken = data.days.reduce((n, d) => n + d.confirmed + d.held, 0);
  const most = data.days.reduce((n, d) => n + d.max_orders, 0);
  $("slots-summary").textContent = data.days.length ? `(${taken} of ${most} places taken)` : "";
  $("slots-empty").textContent = data.policy_set ? "No delivery windows on this day."
    : "No slot policy yet: an admin sets one with PUT /v1/slots/policy (docs/slots.md).";
  $("slots-empty").hidden = data.days.length > 0;
}

async function init() {
  await startPage();
  const day = dayFromUrl();
  $("day").value = day;
  navDay(day);
  $("day").addEventListener("change", () => guarded(async () => {
    keepDay($("day").value);
    await load($("day").value);
  }));
  await load(day);
  document.body.dataset.ready = "1";
}

guarded(init);
