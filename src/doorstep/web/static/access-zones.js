// Access zones (docs/modelling.md): the organization's low-emission and restricted-access zones — listed, created
// from a pasted GeoJSON polygon with the vehicle types allowed to serve stops inside and their hours, deleted — and
// drawn on the routes map. The API's coded problems are shown next to the fields they name, all at once.
import { api, el } from "./api.js";
import { drawZones } from "./map.js";
import { clearFieldErrors, showFieldErrors } from "./field-errors.js";

const $ = (id) => document.getElementById(id);
const zones = { items: [], types: new Map(), view: null, guarded: null };
const FIELDS = { name: "zone-name", geometry: "zone-geometry", vehicle_types: "zone-types", hours: "zone-hours",
  timezone: "zone-hours" };

// "06:00-11:00, 14:00-16:00" -> [["06:00", "11:00"], ["14:00", "16:00"]]; a piece without a dash is sent as it
// is, so the API names it (E1622) next to the field.
export function parseHours(text) {
  return text.split(",").map((p) => p.trim()).filter(Boolean).map((p) => p.split(/\s*[-–]\s*/));
}

const hoursText = (hours) => (hours.length ? hours.map(([a, b]) => `${a}–${b}`).join(", ") : "any time");

function renderList() {
  const body = $("zones").querySelector("tbody");
  body.replaceChildren(...zones.items.map((z) => {
    const remove = el("button", { type: "button", class: "zone-delete", "aria-label": `Delete zone ${z.name}` }, "Delete");
    remove.addEventListener("click", () => zones.guarded(() => removeZone(z)));
    const allowed = z.vehicle_types.map((t) => zones.types.get(t)?.name ?? t).join(", ");
    return el("tr", { "data-id": z.id }, el("th", { scope: "row" }, z.name), el("td", {}, allowed),
      el("td", {}, hoursText(z.hours)), el("td", { class: "actions" }, remove));
  }));
  $("zones-count").textContent = `(${zones.items.length})`;
  $("zones-empty").hidden = zones.items.length > 0;
  if (zones.view) drawZones(zones.view, zones.items);
}

function renderTypeChoices() {
  const box = $("zone-types");
  const checked = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
  box.querySelectorAll("label").forEach((l) => l.remove());
  for (const t of zones.types.values()) {
    const input = el("input", { type: "checkbox", name: "vehicle_types", value: t.id });
    input.checked = checked.has(t.id);
    box.append(el("label", {}, input, ` ${t.name}`));
  }
}

// Read the zones and the vehicle types they name; draw them on ``view`` (the routes map).
export async function loadZones(view) {
  zones.view = view;
  const [list, types] = await Promise.all([api("GET", "/v1/access-zones?limit=500"), api("GET", "/v1/vehicle-types?limit=500")]);
  zones.items = list.items;
  zones.types = new Map(types.items.map((t) => [t.id, t]));
  renderTypeChoices();
  renderList();
}

function body() {
  const form = {
    name: $("zone-name").value.trim(),
    vehicle_types: [...$("zone-types").querySelectorAll("input:checked")].map((i) => i.value),
    hours: parseHours($("zone-hours").value),
  };
  try {
    form.geometry = JSON.parse($("zone-geometry").value);
  } catch (err) {
    return { form, local: { loc: ["geometry"], code: "JSON", message: `the area is not JSON (${err.message})` } };
  }
  return { form, local: null };
}

async function create(ev) {
  ev.preventDefault();
  clearFieldErrors("zone-form");
  $("zone-saved").textContent = "";
  const { form, local } = body();
  if (local) {
    showFieldErrors("zone-form", [local], FIELDS);
    $("zone-saved").textContent = "Not added: see the fields marked.";
    return;
  }
  let saved;
  try {
    saved = await api("POST", "/v1/access-zones", form);
  } catch (err) {
    const top = err.envelope?.error;
    if (err.status === 401 || !top || !showFieldErrors("zone-form", top.details?.length ? top.details : [top], FIELDS)) throw err;
    $("zone-saved").textContent = "Not added: see the fields marked.";
    return;
  }
  zones.items.push(saved);
  renderList();
  $("zone-form").reset();
  $("zone-saved").textContent = `Added zone ${saved.name}.`;
}

async function removeZone(z) {
  await api("DELETE", `/v1/access-zones/${z.id}`);
  zones.items = zones.items.filter((x) => x.id !== z.id);
  renderList();
  $("zone-saved").textContent = `Deleted zone ${z.name}.`;
  $("zone-saved").focus(); // its row (and the button pressed) is gone
}

// Wire the form once; ``guarded`` shows other errors (and sends an expired session to the login page).
export function setupZones(guarded) {
  zones.guarded = guarded;
  $("zone-form").addEventListener("submit", (ev) => guarded(() => create(ev)));
}

// A new or changed vehicle type: the choices follow.
export function zoneTypesChanged(types) {
  zones.types = new Map(types.map((t) => [t.id, t]));
  renderTypeChoices();
  renderList();
}
