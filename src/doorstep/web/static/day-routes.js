// The day's routes of published plans on the drivers page: give each a driver, dispatch it, and show the driver's
// one-time code. A route without a driver is never dispatched silently: the first press says so (W1413), a second
// press dispatches anyway and the API's warning stays on screen.
import { api, el } from "./api.js";
import { guarded } from "./page.js";

const $ = (id) => document.getElementById(id);
const notes = new Map(); // route id -> what the last action there said (kept across re-renders)
const armed = new Set(); // driverless routes whose "Dispatch" was pressed once (the next press dispatches)
let reloadAll = async () => {};
let drivers = [];

const stopsOf = (r) => r.data.stops.filter((s) => s.order_id && s.type !== "break").length;
const nameOf = (id) => drivers.find((d) => d.id === id)?.name;

function note(routeId, ...parts) {
  notes.set(routeId, parts);
}

async function assign(r, select) {
  await api("POST", `/v1/routes/${r.id}/assign`, { driver_id: select.value || null, version: r.version });
  armed.delete(r.id);
  note(r.id, select.value ? `Assigned to ${nameOf(select.value)}.` : "No driver now.");
  await reloadAll();
}

async function dispatch(r) {
  if (!r.driver_id && !armed.has(r.id)) {
    armed.add(r.id);
    note(r.id, el("strong", { class: "violation" }, "W1413"), " no driver: no phone will show this route. Assign a driver, or press “Dispatch anyway”.");
    await reloadAll();
    return;
  }
  const out = await api("POST", `/v1/routes/${r.id}/dispatch`, { version: r.version });
  armed.delete(r.id);
  const warned = (out.warnings || []).map((w) => el("span", { class: "violation" }, `${w.code}: ${w.message}`));
  note(r.id, warned.length ? warned[0] : `Dispatched to ${nameOf(out.driver_id) ?? "its driver"}.`);
  await reloadAll();
}

async function code(r) {
  const issued = await api("POST", `/v1/drivers/${r.driver_id}/login-codes`);
  note(r.id, `${nameOf(r.driver_id)}'s code: `, el("code", { class: "driver-code" }, issued.code),
    ` — open ${location.origin}/driver on the phone and type it (works once).`);
  await reloadAll();
}

function row(r) {
  const vehicle = r.data.vehicle_name || r.vehicle_id;
  const select = el("select", { "aria-label": `Driver for ${vehicle}`, class: "driver-select" },
    el("option", { value: "" }, "— no driver —"), ...drivers.map((d) => el("option", { value: d.id }, d.name)));
  select.value = r.driver_id || "";
  const button = (cls, text, label, fn, disabled = false) => {
    const b = el("button", { type: "button", class: cls, "aria-label": `${label} ${vehicle}`, onclick: () => guarded(fn) }, text);
    b.disabled = disabled;
    return b;
  };
  const live = r.status === "published" || r.status === "dispatched";
  const actions = el("td", { class: "actions" },
    button("assign-btn", "Assign", "Assign the chosen driver to", () => assign(r, select), !live),
    button("dispatch-btn", armed.has(r.id) ? "Dispatch anyway" : "Dispatch", "Dispatch", () => dispatch(r), r.status !== "published"),
    button("code-btn", "Driver code", "Driver code for", () => code(r), !r.driver_id));
  return el("tr", { "data-route": r.id }, el("th", { scope: "row" }, vehicle), el("td", {}, stopsOf(r)),
    el("td", { class: "route-status" }, r.status), el("td", {}, select), actions,
    el("td", {}, el("span", { class: "route-note", role: "status" }, ...(notes.get(r.id) || []))));
}

// The routes of the day's published plans (every depot), with the organization's drivers to choose from.
export async function loadRoutes(day, allDrivers) {
  drivers = allDrivers;
  const plans = (await api("GET", `/v1/plans?date=${day}`)).filter((p) => p.status === "published");
  const full = await Promise.all(plans.map((p) => api("GET", `/v1/plans/${p.id}`)));
  const routes = full.flatMap((p) => p.routes).filter((r) => r.status !== "superseded");
  $("day-routes").querySelector("tbody").replaceChildren(...routes.map(row));
  $("routes-count").textContent = plans.length ? `(${routes.length})` : "(no published plan on this day)";
}

export function setupRoutes(reload) {
  reloadAll = reload;
}
