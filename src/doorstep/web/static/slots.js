// The slots page: how full each delivery window is, per zone, on the day (GET /v1/slots/utilisation).
import { api, el, hhmm } from "./api.js";
import { dayFromUrl, guarded, keepDay, navDay, startPage } from "./page.js";

const $ = (id) => document.getElementById(id);

function zoneTable(zd) {
  const pct = Math.round(zd.utilisation * 100);
  const rows = zd.slots.map((s) => {
    const taken = s.confirmed + s.held;
    return el("tr", { "data-start": s.start, "data-template": s.template_id },
      el("th", { scope: "row" }, `${hhmm(s.start)}–${hhmm(s.end)}`), el("td", {}, s.service_level),
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

async function load(day) {
  const data = await api("GET", `/v1/slots/utilisation?date_from=${day}&date_to=${day}`);
  $("slot-zones").replaceChildren(...data.days.map(zoneTable));
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
