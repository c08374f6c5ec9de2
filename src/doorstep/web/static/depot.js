// The depot as a distribution centre: its opening hours, loading time, parcels a day and loading docks in a form
// that replaces the depot (PUT with the version read), the API's coded errors next to the fields they name (every
// problem at once); what the day's plan asks of it; and the day's inbound trunk runs. Minutes on screen, seconds
// in the API.
import { api, el, hhmm } from "./api.js";

const $ = (id) => document.getElementById(id);
const dc = { depot: null, day: null };

// field name (the API's) -> input id
const FIELDS = { opens: "dep-opens", closes: "dep-closes", loading_s: "dep-loading",
  capacity_parcels_per_day: "dep-capacity", docks: "dep-docks" };

const whole = (id, scale = 1) => ($(id).value === "" ? null : Math.round(Number($(id).value) * scale));

function fill(d) {
  dc.depot = d;
  $("depot-form-title").textContent = `${d.name} (version ${d.version})`;
  $("dep-opens").value = d.opens ?? "";
  $("dep-closes").value = d.closes ?? "";
  $("dep-loading").value = d.loading_s ? String(Math.round((d.loading_s / 60) * 100) / 100) : "";
  $("dep-capacity").value = d.capacity_parcels_per_day ?? "";
  $("dep-docks").value = d.docks ?? "";
}

function clearErrors() {
  for (const node of document.querySelectorAll("#depot-form .field-error")) node.textContent = "";
  for (const node of document.querySelectorAll("#depot-form [aria-invalid]")) node.removeAttribute("aria-invalid");
  $("dep-errors").replaceChildren();
  $("dep-status").textContent = "";
}

function showErrors(err) {
  const top = err.envelope?.error;
  if (!top) return false;
  for (const d of top.details?.length ? top.details : [top]) {
    const name = (d.loc || []).at(-1);
    const slot = $(`err-dep-${name}`);
    if (slot) {
      slot.textContent = `${d.code}: ${d.message}`;
      $(FIELDS[name])?.setAttribute("aria-invalid", "true");
    } else {
      $("dep-errors").append(el("li", { class: "violation" }, `${d.code}: ${d.message}`));
    }
  }
  return true;
}

function body() {
  const d = dc.depot;
  return {
    name: d.name, lat: d.lat, lng: d.lng, timezone: d.timezone, address: d.address,
    opens: $("dep-opens").value || null, closes: $("dep-closes").value || null,
    loading_s: whole("dep-loading", 60) ?? 0, capacity_parcels_per_day: whole("dep-capacity"), docks: whole("dep-docks"),
  };
}

async function save(ev) {
  ev.preventDefault();
  clearErrors();
  let saved;
  try {
    saved = await api("PUT", `/v1/depots/${dc.depot.id}?version=${dc.depot.version}`, body());
  } catch (err) {
    if (showErrors(err)) return;
    throw err;
  }
  fill(saved);
  $("dep-status").textContent = `Saved ${saved.name} (version ${saved.version}).`;
}

// What the day's plan asks of the depot (plan.depots: parcels against capacity, vans loading at once against docks).
export function showDepotLoad(plan) {
  const load = (plan?.depots || []).find((x) => x.depot_id === dc.depot?.id);
  if (!load) {
    $("depot-load").textContent = "";
    return;
  }
  const cap = load.capacity_parcels_per_day == null ? "no limit" : `${load.capacity_parcels_per_day} a day`;
  const docks = load.docks == null ? "no dock limit" : `${load.docks} dock(s)`;
  $("depot-load").textContent = `This plan: ${load.parcels} parcels (${cap}); at most ${load.loading_peak} van(s) loading at once (${docks}).`;
}

async function loadTransfers() {
  const rows = await api("GET", `/v1/depots/${dc.depot.id}/transfers?date=${dc.day}`);
  const tbody = $("transfers").querySelector("tbody");
  tbody.replaceChildren(...rows.map((t) => el("tr", { "data-id": t.id }, el("td", {}, t.reference || t.id),
    el("td", {}, t.origin), el("td", {}, hhmm(t.arrival)), el("td", {}, hhmm(t.ready_at)),
    el("td", {}, String(t.orders.length)), el("td", {}, t.status))));
  $("transfers-count").textContent = `(${rows.length})`;
}

// Read the depot (and the day's inbound transfers) into the panel.
export async function loadDepot(depotId, day) {
  dc.day = day;
  $("depot-panel").hidden = !depotId;
  if (!depotId) return; // an organization without a depot yet
  fill(await api("GET", `/v1/depots/${depotId}`));
  clearErrors();
  await loadTransfers();
}

// Wire the form once; ``guarded`` shows other errors (and sends an expired session to the login page).
export function setupDepot(guarded) {
  $("depot-form").addEventListener("submit", (ev) => guarded(() => save(ev)));
}
