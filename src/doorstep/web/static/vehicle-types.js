// The vehicle types: what each runs on, its parcels, its costs and, for an electric van, its range, the reserve
// kept on every trip and the charging time at each return to the depot (docs/modelling.md). km, minutes and money
// on screen; metres, seconds and cents in the API. A type is replaced whole (PUT with the version read): what the
// form does not show (other capacities, profile, skills) is sent back as it was.
import { api, el } from "./api.js";
import { clearFieldErrors, showFieldErrors } from "./field-errors.js";

const $ = (id) => document.getElementById(id);
const types = { items: new Map(), editing: null, guarded: null, changed: null };
// API field -> input id (the ids of the form; errors go to "<id>-error")
const FIELDS = { name: "vt-name", fuel: "vt-fuel", capacity: "vt-parcels", fixed_cost_cents: "vt-fixed",
  cost_per_km_cents: "vt-per-km", cost_per_hour_cents: "vt-per-hour", range_m: "vt-range", reserve_m: "vt-reserve",
  charge_s: "vt-charge" };

const km = (m) => (m == null ? "" : String(Math.round(m / 100) / 10));
const minutes = (s) => (s ? String(Math.round((s / 60) * 10) / 10) : "");
const cents = (c) => (c ? String(c / 100) : "");
const number = (id, scale) => ($(id).value.trim() === "" ? null : Math.round(Number($(id).value) * scale));

function electricText(t) {
  if (t.range_m == null) return "";
  const reserve = t.reserve_m ? `, ${km(t.reserve_m)} km reserve` : "";
  const charge = t.charge_s ? `, charges ${minutes(t.charge_s)} min` : "";
  return `${km(t.range_m)} km${reserve}${charge}`;
}

function renderList() {
  const body = $("types").querySelector("tbody");
  body.replaceChildren(...[...types.items.values()].map((t) => {
    const edit = el("button", { type: "button", class: "vt-edit", "aria-label": `Edit type ${t.name}` }, "Edit");
    edit.addEventListener("click", () => fill(t));
    return el("tr", { "data-id": t.id }, el("th", { scope: "row" }, t.name), el("td", {}, t.fuel ?? "diesel (not given)"),
      el("td", {}, t.capacity.parcels ?? "no limit"), el("td", {}, electricText(t) || "no range limit"), el("td", {}, edit));
  }));
  $("types-count").textContent = `(${types.items.size})`;
}

function fill(t) {
  types.editing = t;
  clearFieldErrors("type-form");
  $("type-form-title").textContent = t ? `Edit type ${t.name} (version ${t.version})` : "New vehicle type";
  $("vt-name").value = t?.name ?? "";
  $("vt-fuel").value = t?.fuel ?? "";
  $("vt-parcels").value = t?.capacity.parcels ?? "";
  $("vt-fixed").value = cents(t?.fixed_cost_cents);
  $("vt-per-km").value = cents(t?.cost_per_km_cents);
  $("vt-per-hour").value = cents(t?.cost_per_hour_cents);
  $("vt-range").value = km(t?.range_m);
  $("vt-reserve").value = t?.reserve_m ? km(t.reserve_m) : "";
  $("vt-charge").value = minutes(t?.charge_s);
  $("vt-status").textContent = "";
}

function formBody() {
  const t = types.editing;
  const capacity = { ...(t?.capacity ?? {}) };
  const parcels = number("vt-parcels", 1);
  if (parcels == null) delete capacity.parcels;
  else capacity.parcels = parcels;
  return {
    name: $("vt-name").value.trim(), capacity, profile: t?.profile ?? "van", skills: t?.skills ?? [],
    fuel: $("vt-fuel").value || null, fixed_cost_cents: number("vt-fixed", 100) ?? 0,
    cost_per_km_cents: number("vt-per-km", 100) ?? 0, cost_per_hour_cents: number("vt-per-hour", 100) ?? 0,
    range_m: number("vt-range", 1000), reserve_m: number("vt-reserve", 1000) ?? 0, charge_s: number("vt-charge", 60) ?? 0,
  };
}

async function save(ev) {
  ev.preventDefault();
  clearFieldErrors("type-form");
  const t = types.editing;
  let saved;
  try {
    saved = t ? await api("PUT", `/v1/vehicle-types/${t.id}?version=${t.version}`, formBody())
      : await api("POST", "/v1/vehicle-types", formBody());
  } catch (err) {
    const top = err.envelope?.error;
    if (err.status === 401 || !top || !showFieldErrors("type-form", top.details?.length ? top.details : [top], FIELDS)) throw err;
    $("vt-status").textContent = "Not saved: see the fields marked.";
    return;
  }
  types.items.set(saved.id, saved);
  renderList();
  fill(saved);
  $("vt-status").textContent = `Saved ${saved.name} (version ${saved.version}).`;
  await types.changed([...types.items.values()]);
}

// Read the organization's vehicle types.
export async function loadTypes() {
  const page = await api("GET", "/v1/vehicle-types?limit=500");
  types.items = new Map(page.items.map((t) => [t.id, t]));
  renderList();
  fill(null);
}

// Wire the form once; ``changed(types)`` runs after a save (the vehicle form and the zone form list the types).
export function setupTypes(guarded, changed) {
  types.guarded = guarded;
  types.changed = changed;
  $("type-form").addEventListener("submit", (ev) => guarded(() => save(ev)));
  $("vt-new").addEventListener("click", () => fill(null));
}
