// The KPI page's delivery zones: a table of KPIs per zone (GET /v1/analytics/kpis?group_by=zone) and a Leaflet map
// (served from xstatic-leaflet; an offline grid, or OSM tiles on request) drawing each zone of the slot policy
// (GET /v1/analytics/zones: a polygon, or a circle around its depot) shaded by the chosen measure, with a legend
// and a tooltip per zone. Orders outside every zone are a row of the table, not a shape on the map.
import { el, esc } from "./api.js";
import { makeMap } from "./map.js";
import { money } from "./page.js";

const L = window.L;
// five steps from light to dark (ColorBrewer YlOrRd); a zone without data is grey
const STEPS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
const NO_DATA = "#d5d9e0";
const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)} %`);

let view = null;

// Which colour a value takes: its fifth of the range from the smallest to the largest value shown. For the
// on-time rate the scale runs the other way (a low rate is dark: it is the zone to look at).
function scale(values, measure) {
  const shown = values.filter((v) => v !== null && v !== undefined);
  const lo = Math.min(...shown), hi = Math.max(...shown);
  const bins = STEPS.map((_, k) => [lo + ((hi - lo) * k) / STEPS.length, lo + ((hi - lo) * (k + 1)) / STEPS.length]);
  const rate = measure === "on_time_rate";
  const colour = (v) => {
    if (v === null || v === undefined) return NO_DATA;
    const k = hi === lo ? STEPS.length - 1 : Math.min(STEPS.length - 1, Math.floor(((v - lo) / (hi - lo)) * STEPS.length));
    return rate ? STEPS[STEPS.length - 1 - k] : STEPS[k];
  };
  return { colour, bins: shown.length ? bins : [], rate };
}

const fmt = (measure, v) => (v === null || v === undefined ? "no data" : measure === "on_time_rate" ? pct(v) : String(Math.round(v)));

function legend(measure, label, s) {
  document.getElementById("zone-legend-title").textContent = label[0].toUpperCase() + label.slice(1);
  const items = s.bins.map(([a, b], k) => el("li", {},
    el("span", { class: "swatch", style: `background:${s.rate ? STEPS[STEPS.length - 1 - k] : STEPS[k]}` }),
    `${fmt(measure, a)} – ${fmt(measure, b)}`));
  items.push(el("li", {}, el("span", { class: "swatch", style: `background:${NO_DATA}` }), "no data"));
  document.querySelector("#zone-legend ul").replaceChildren(...items);
}

// The zones drawn on the map, shaded by ``measure`` of each zone's KPIs (report: KPIs by zone).
export function drawZoneMap(shapes, report, measure, label) {
  if (!view) view = makeMap(document.getElementById("zone-map"));
  const byKey = Object.fromEntries(report.series.map((g) => [g.key, g.kpis]));
  const value = (z) => (byKey[z.id] ? byKey[z.id][measure] : null);
  const s = scale(shapes.map(value), measure);
  view.layer.clearLayers();
  const bounds = L.latLngBounds([]);
  for (const z of [...shapes].reverse()) { // the first zone on top: an order belongs to the first that contains it
    const style = { color: "#1d2433", weight: 2, fillColor: s.colour(value(z)), fillOpacity: 0.65 };
    const shape = z.radius_m !== null
      ? L.circle([z.center.lat, z.center.lng], { radius: z.radius_m, ...style })
      : L.polygon(z.polygon.map((p) => [p.lat, p.lng]), style);
    shape.bindTooltip(`${esc(z.name)} — ${esc(label)}: ${esc(fmt(measure, value(z)))}`);
    shape.addTo(view.layer);
    bounds.extend(shape.getBounds());
  }
  if (bounds.isValid()) view.map.fitBounds(bounds);
  legend(measure, label, s);
  document.getElementById("zone-map").dataset.zones = String(shapes.length);
}

// One row per zone with data (and the orders outside every zone), the API's figures.
export function drawZoneTable(report, currency) {
  const rows = report.series.map((g) => el("tr", { "data-zone": g.key ?? "" },
    el("th", { scope: "row" }, g.label), el("td", {}, g.kpis.deliveries), el("td", {}, g.kpis.attempts),
    el("td", {}, g.kpis.failed_attempts), el("td", {}, g.kpis.late_deliveries), el("td", {}, pct(g.kpis.on_time_rate)),
    el("td", {}, pct(g.kpis.first_attempt_rate)),
    el("td", {}, g.kpis.cost_per_delivery_cents === null ? "–" : money(g.kpis.cost_per_delivery_cents, currency))));
  document.querySelector("#zone-table tbody").replaceChildren(...rows);
}

// The heatmap's zone choice: every zone, each zone of the policy, and the orders outside every zone.
export function fillZoneChoice(select, shapes) {
  const keep = select.value;
  const options = [el("option", { value: "" }, "every zone"), ...shapes.map((z) => el("option", { value: z.id }, z.name)),
    el("option", { value: "none" }, "outside every zone")];
  select.replaceChildren(...options);
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
}
