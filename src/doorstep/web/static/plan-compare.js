// The new plan against the published one (GET /v1/plans/{id}/compare): totals in the organization's currency and
// km, vans, orders served, and per-vehicle stops added and removed; a worse plan needs a second press to publish.
import { el } from "./api.js";
import { money } from "./page.js";

const $ = (id) => document.getElementById(id);
const km = (m) => `${(m / 1000).toFixed(1)} km`;
const signedKm = (m) => `${m < 0 ? "−" : "+"}${Math.abs(m / 1000).toFixed(1)} km`;
const signed = (n) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "±0");

export function hideCompare() {
  $("compare").hidden = true;
  $("compare-totals").querySelector("tbody").replaceChildren();
  $("compare-vehicles").replaceChildren();
  $("compare-verdict").textContent = "";
}

export function renderCompare(cmp, currency, driverNames) {
  const body = $("compare-totals").querySelector("tbody");
  body.replaceChildren();
  const rows = [
    ["Cost", cmp.cost_cents, (c) => money(c, currency), (c) => (c === 0 ? "±0" : money(c, currency, true)), true],
    ["Distance", cmp.distance_m, km, (m) => (m === 0 ? "±0" : signedKm(m)), true],
    ["Vans", cmp.vans, String, signed, true],
    ["Orders served", cmp.orders_served, String, signed, false],
  ];
  for (const [name, t, fmt, fmtChange, lowerIsBetter] of rows) {
    const better = lowerIsBetter ? t.change < 0 : t.change > 0;
    const worse = lowerIsBetter ? t.change > 0 : t.change < 0;
    const cls = better ? "ok" : worse ? "violation" : "";
    body.append(el("tr", { "data-measure": name }, el("th", { scope: "row" }, name), el("td", {}, fmt(t.old)),
      el("td", {}, fmt(t.new)), el("td", { class: `change ${cls}` }, fmtChange(t.change))));
  }
  const list = $("compare-vehicles");
  list.replaceChildren();
  for (const v of cmp.vehicles) {
    const who = v.driver_id ? ` (${driverNames.get(v.driver_id) || v.driver_id})` : "";
    const head = `${v.vehicle_name}${who}: ${v.stops_old} → ${v.stops_new} stops — `;
    if (!v.added.length && !v.removed.length) {
      list.append(el("li", { "data-vehicle": v.vehicle_id }, `${head}unchanged`));
      continue;
    }
    const refs = [];
    if (v.added.length) refs.push(el("p", { class: "added" }, `+ ${v.added.join(", ")}`));
    if (v.removed.length) refs.push(el("p", { class: "removed" }, `− ${v.removed.join(", ")}`));
    list.append(el("li", { "data-vehicle": v.vehicle_id },
      el("details", {}, el("summary", {}, `${head}${v.added.length} added, ${v.removed.length} removed`), ...refs)));
  }
  $("compare-verdict").textContent = cmp.worse
    ? "This plan is worse than the published one (it serves fewer orders, or costs more for the same orders)."
    : "This plan is at least as good as the published one.";
  $("compare-verdict").className = cmp.worse ? "violation" : "ok";
  $("compare").hidden = false;
}
