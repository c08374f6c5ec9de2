// The dashboard's vehicles: the depot's vans with where their routes end, reloads and limits, and a form that
// creates or replaces one (PUT with the version read). Hours and km on screen; seconds and metres in the API.
import { api, el } from "./api.js";

const $ = (id) => document.getElementById(id);
const fleet = { depot: null, depots: [], types: new Map(), vehicles: new Map(), editing: null };

const hours = (s) => (s == null ? "" : String(Math.round((s / 3600) * 100) / 100));
const km = (m) => (m == null ? "" : String(Math.round(m / 100) / 10));
const num = (id, scale = 1) => ($(id).value === "" ? null : Math.round(Number($(id).value) * scale));

function endText(v) {
  if (v.open_end) return "at the last stop";
  if (!v.end_depot_id || v.end_depot_id === v.depot_id) return "back at its depot";
  return `at ${fleet.depots.find((d) => d.id === v.end_depot_id)?.name ?? v.end_depot_id}`;
}

// The type's name, with its electric range when it has one.
const typeText = (t) => (!t ? "" : t.range_m == null ? t.name : `${t.name} (${km(t.range_m)} km range)`);

function renderList() {
  const body = $("vehicles").querySelector("tbody");
  body.replaceChildren();
  const mine = [...fleet.vehicles.values()].filter((v) => v.depot_id === fleet.depot);
  for (const v of mine) {
    const edit = el("button", { type: "button", class: "veh-edit", "aria-label": `Edit ${v.name}` }, "Edit");
    edit.addEventListener("click", () => fill(v));
    const reloads = v.reloads ? (v.max_reloads == null ? "yes" : `up to ${v.max_reloads}`) : "no";
    body.append(el("tr", { "data-id": v.id }, el("td", {}, v.name), el("td", {}, typeText(fleet.types.get(v.type_id))),
      el("td", {}, endText(v)), el("td", {}, reloads), el("td", {}, v.max_shift_s == null ? "" : `${hours(v.max_shift_s)} h`),
      el("td", {}, v.max_distance_m == null ? "" : `${km(v.max_distance_m)} km`), el("td", {}, v.max_stops ?? ""),
      el("td", {}, edit)));
  }
  $("vehicles-count").textContent = `(${mine.length})`;
}

function fillSelects() {
  $("veh-type").replaceChildren(...[...fleet.types.values()].map((t) => el("option", { value: t.id }, t.name)));
  const others = fleet.depots.filter((d) => d.id !== fleet.depot);
  $("veh-end").replaceChildren(el("option", { value: "" }, "back at its depot"),
    el("option", { value: "open" }, "at the last stop (open end)"),
    ...others.map((d) => el("option", { value: d.id }, `at ${d.name}`)));
}

function fill(v) {
  fleet.editing = v;
  $("vehicle-form-title").textContent = v ? `Edit ${v.name} (version ${v.version})` : "New vehicle";
  $("veh-name").value = v?.name ?? "";
  if (v) $("veh-type").value = v.type_id;
  $("veh-end").value = v?.open_end ? "open" : (v?.end_depot_id && v.end_depot_id !== v.depot_id ? v.end_depot_id : "");
  $("veh-reloads").checked = Boolean(v?.reloads);
  $("veh-max-reloads").value = v?.max_reloads ?? "";
  $("veh-max-reloads").disabled = !v?.reloads;
  $("veh-max-shift").value = hours(v?.max_shift_s);
  $("veh-max-km").value = km(v?.max_distance_m);
  $("veh-max-stops").value = v?.max_stops ?? "";
  $("veh-errors").replaceChildren();
  $("veh-status").textContent = "";
}

function formBody() {
  const end = $("veh-end").value;
  const reloads = $("veh-reloads").checked;
  return {
    name: $("veh-name").value, type_id: $("veh-type").value, depot_id: fleet.editing?.depot_id ?? fleet.depot,
    skills: fleet.editing?.skills ?? [], open_end: end === "open", end_depot_id: end && end !== "open" ? end : null,
    reloads, max_reloads: reloads ? num("veh-max-reloads") : null, max_shift_s: num("veh-max-shift", 3600),
    max_distance_m: num("veh-max-km", 1000), max_stops: num("veh-max-stops"),
  };
}

async function save(ev) {
  ev.preventDefault();
  $("veh-errors").replaceChildren();
  const v = fleet.editing;
  let saved;
  try {
    saved = v ? await api("PUT", `/v1/vehicles/${v.id}?version=${v.version}`, formBody())
      : await api("POST", "/v1/vehicles", formBody());
  } catch (err) {
    for (const d of err.envelope?.error?.details ?? [])
      $("veh-errors").append(el("li", { class: "violation" }, `${d.code}: ${d.message}`));
    throw err;
  }
  fleet.vehicles.set(saved.id, saved);
  renderList();
  fill(saved);
  $("veh-status").textContent = `Saved ${saved.name} (version ${saved.version}).`;
}

// Read the organization's vehicle types and vehicles, then show the depot's.
export async function loadFleet(depotId, depots) {
  fleet.depot = depotId;
  fleet.depots = depots;
  const [types, vehicles] = await Promise.all([api("GET", "/v1/vehicle-types?limit=500"), api("GET", "/v1/vehicles?limit=500")]);
  fleet.types = new Map(types.items.map((t) => [t.id, t]));
  fleet.vehicles = new Map(vehicles.items.map((v) => [v.id, v]));
  fillSelects();
  renderList();
  fill(null);
}

// Wire the form once; ``guarded`` shows errors (and sends an expired session to the login page).
export function setupFleet(guarded) {
  $("vehicle-form").addEventListener("submit", (ev) => guarded(() => save(ev)));
  $("veh-new").addEventListener("click", () => fill(null));
  $("veh-reloads").addEventListener("change", () => {
    $("veh-max-reloads").disabled = !$("veh-reloads").checked;
  });
}
