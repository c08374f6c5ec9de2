// The drivers page: drivers with their shift on the day, a one-time driver app code ("Login code", or sent by SMS/email:
// "Invite by SMS/email"), a form that
// adds or edits a driver (and puts them on a vehicle's shift of the day), the vehicles, and the day's routes (day-routes.js).
import { api, el } from "./api.js";
import { loadRoutes, setupRoutes } from "./day-routes.js";
import { dayFromUrl, guarded, keepDay, navDay, startPage } from "./page.js";
import { localHhmm, localIso } from "./shift-time.js";

const $ = (id) => document.getElementById(id);
const state = { day: null, drivers: [], vehicles: [], types: new Map(), depots: new Map(), shifts: [], editing: null };

const zoneOf = (vehicle) => state.depots.get(vehicle?.depot_id)?.timezone || "UTC";
const vehicleOf = (id) => state.vehicles.find((v) => v.id === id);
const todays = () => state.shifts.filter((s) => s.day === state.day); // read for the day; kept as a guard

function shiftText(shift) {
  const v = vehicleOf(shift.vehicle_id);
  return `${v?.name ?? shift.vehicle_id}, ${localHhmm(zoneOf(v), shift.start)}–${localHhmm(zoneOf(v), shift.end)}`;
}

// A fresh one-time code for the driver, shown in the row until the page is left (only its hash is stored).
async function invite(driver, cell) {
  const issued = await api("POST", `/v1/drivers/${driver.id}/login-codes`);
  const until = new Date(issued.expires_at).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" });
  cell.replaceChildren(el("output", { class: "driver-code", "data-driver": driver.id },
    el("code", {}, issued.code), ` — open ${location.origin}/driver on ${driver.name}'s phone; valid until ${until}, once`));
}

// The same kind of code sent to the driver's phone and/or mailbox (the channels they have a usable address for; with
// none, the API names what is missing), then what was sent and whether each provider took it.
const CHANNEL_NAMES = { sms: "SMS", email: "email" };

function sentText(m) {
  const how = m.status === "sent" ? "sent" : m.status === "queued" ? (m.attempts ? `retrying (${m.last_error ?? ""})` : "queued")
    : `${m.status}${m.last_error ? ` (${m.last_error})` : ""}`;
  return `${CHANNEL_NAMES[m.channel]} to ${m.recipient}: ${how}`;
}

async function inviteByMessage(driver, cell) {
  const warned = new Set((driver.warnings ?? []).map((w) => w.code)); // W1211: phone unusable, W1210: email unusable
  const channels = [driver.phone && !warned.has("W1211") && "sms", driver.email && !warned.has("W1210") && "email"].filter(Boolean);
  let invited;
  try {
    invited = await api("POST", `/v1/drivers/${driver.id}/invite`, { channels: channels.length ? channels : ["sms", "email"] });
  } catch (err) {
    const details = err.envelope?.error?.details ?? [];
    cell.replaceChildren(el("ul", { class: "violations invite-errors" },
      ...details.map((d) => el("li", { class: "violation" }, `${d.code}: ${d.message}`))));
    if (details.length) return;
    throw err;
  }
  const until = new Date(invited.expires_at).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" });
  const list = el("ul", { class: "invite-sent" }, ...invited.messages.map((m) => el("li", { "data-channel": m.channel }, sentText(m))));
  cell.replaceChildren(el("output", { class: "driver-invite", "data-driver": driver.id },
    "Sent code ", el("code", {}, invited.code), ` (valid until ${until}, once) to ${driver.name}:`), list);
  for (let k = 0; k < 10 && invited.messages.some((m) => m.status === "queued"); k += 1) {
    await new Promise((done) => setTimeout(done, 500 * (k + 1)));
    const now = await api("GET", `/v1/drivers/${driver.id}/invites`);
    invited.messages = invited.messages.map((m) => now.find((n) => n.id === m.id) ?? m);
    list.replaceChildren(...invited.messages.map((m) => el("li", { "data-channel": m.channel }, sentText(m))));
  }
}

function renderDrivers() {
  const shifts = todays();
  $("drivers").querySelector("tbody").replaceChildren(...state.drivers.map((d) => {
    const cell = el("td");
    const out = el("div", { class: "invite-out", role: "status" });
    cell.append(el("button", { type: "button", class: "invite-btn", "aria-label": `Login code for ${d.name}`,
      onclick: () => guarded(() => invite(d, out)) }, "Login code"), " ",
    el("button", { type: "button", class: "invite-msg-btn", "aria-label": `Invite ${d.name} by SMS/email`,
      onclick: () => guarded(() => inviteByMessage(d, out)) }, "Invite by SMS/email"), " ",
    el("button", { type: "button", class: "edit-btn", "aria-label": `Edit ${d.name}`, onclick: () => edit(d) }, "Edit"), out);
    const contact = el("td", {}, d.phone, d.phone && d.email ? el("br") : "", d.email,
      ...(d.warnings ?? []).map((w) => el("div", { class: "violation" }, `${w.code}: ${w.message}`)));
    const mine = shifts.filter((s) => s.driver_id === d.id).map(shiftText).join("; ");
    return el("tr", { "data-id": d.id }, el("th", { scope: "row" }, d.name), contact,
      el("td", {}, d.skills.join(", ")), el("td", {}, mine || "—"), cell);
  }));
  $("drivers-count").textContent = `(${state.drivers.length})`;
}

function renderVehicles() {
  const shifts = todays();
  $("fleet-vehicles").querySelector("tbody").replaceChildren(...state.vehicles.map((v) => {
    const shift = shifts.find((s) => s.vehicle_id === v.id);
    const driver = state.drivers.find((d) => d.id === shift?.driver_id);
    const hours = shift ? `${localHhmm(zoneOf(v), shift.start)}–${localHhmm(zoneOf(v), shift.end)}` : "no shift";
    return el("tr", { "data-id": v.id }, el("th", { scope: "row" }, v.name), el("td", {}, state.types.get(v.type_id)?.name ?? ""),
      el("td", {}, state.depots.get(v.depot_id)?.name ?? ""), el("td", {}, hours), el("td", {}, driver?.name ?? "—"));
  }));
  $("vehicles-count").textContent = `(${state.vehicles.length})`;
  $("drv-vehicle").replaceChildren(el("option", { value: "" }, "no shift"),
    ...state.vehicles.map((v) => el("option", { value: v.id }, v.name)));
}

async function loadAll() {
  const all = (path) => api("GET", `${path}${path.includes("?") ? "&" : "?"}limit=500`).then((page) => page.items);
  const [drivers, vehicles, types, depots, shifts] = await Promise.all(
    ["/v1/drivers", "/v1/vehicles", "/v1/vehicle-types", "/v1/depots", `/v1/shifts?day=${state.day}`].map(all));
  Object.assign(state, { drivers, vehicles, shifts, types: new Map(types.map((t) => [t.id, t])),
    depots: new Map(depots.map((d) => [d.id, d])) });
  renderDrivers();
  renderVehicles();
  await loadRoutes(state.day, drivers);
}

// The vehicle's shift of the day gets the driver (a new shift when it has none): plans made from now on give the
// driver that vehicle's route.
async function putOnShift(driver, vehicleId) {
  const v = vehicleOf(vehicleId);
  const body = { vehicle_id: vehicleId, driver_id: driver.id, day: state.day,
    start: localIso(zoneOf(v), state.day, $("drv-from").value), end: localIso(zoneOf(v), state.day, $("drv-to").value) };
  const shift = todays().find((s) => s.vehicle_id === vehicleId);
  if (shift) await api("PUT", `/v1/shifts/${shift.id}?version=${shift.version}`, { ...body, breaks: shift.breaks });
  else await api("POST", "/v1/shifts", body);
}

// Choosing a vehicle that already has a shift that day shows its hours (kept unless changed).
function showShiftHours() {
  const shift = todays().find((s) => s.vehicle_id === $("drv-vehicle").value);
  if (!shift) return;
  const zone = zoneOf(vehicleOf(shift.vehicle_id));
  $("drv-from").value = localHhmm(zone, shift.start);
  $("drv-to").value = localHhmm(zone, shift.end);
}

// Fill the form with a driver to change (null: a new driver); the shift part stays "no shift" unless chosen.
function edit(d) {
  state.editing = d;
  $("driver-form").reset();
  $("driver-form-title").textContent = d ? `Edit ${d.name}` : "Add a driver";
  $("drv-save").textContent = d ? "Save driver" : "Add driver";
  $("drv-new").hidden = !d;
  $("drv-name").value = d?.name ?? "";
  $("drv-phone").value = d?.phone ?? "";
  $("drv-email").value = d?.email ?? "";
  $("drv-language").value = d?.language ?? "";
  $("drv-skills").value = (d?.skills ?? []).join(", ");
  $("drv-errors").replaceChildren();
  $("drv-status").textContent = "";
  $("drv-name").focus();
}

// Create the driver (or replace the one edited, at the version read), then put them on the chosen shift.
async function saveDriver(ev) {
  ev.preventDefault();
  $("drv-errors").replaceChildren();
  const skills = $("drv-skills").value.split(",").map((s) => s.trim()).filter(Boolean);
  const was = state.editing;
  const body = { name: $("drv-name").value.trim(), phone: $("drv-phone").value.trim(), email: $("drv-email").value.trim(),
    language: $("drv-language").value, skills, user_id: was?.user_id ?? null };
  let driver;
  try {
    driver = was ? await api("PUT", `/v1/drivers/${was.id}?version=${was.version}`, body) : await api("POST", "/v1/drivers", body);
    if ($("drv-vehicle").value) await putOnShift(driver, $("drv-vehicle").value);
  } catch (err) {
    for (const d of err.envelope?.error?.details ?? []) $("drv-errors").append(el("li", { class: "violation" }, `${d.code}: ${d.message}`));
    throw err;
  }
  edit(null);
  $("drv-status").textContent = `${was ? "Saved" : "Added"} ${driver.name}.`;
  await loadAll();
}

async function init() {
  await startPage();
  state.day = dayFromUrl();
  $("day").value = state.day;
  navDay(state.day);
  $("day").addEventListener("change", () => guarded(async () => {
    state.day = $("day").value;
    keepDay(state.day);
    await loadAll();
  }));
  $("driver-form").addEventListener("submit", (ev) => guarded(() => saveDriver(ev)));
  $("drv-new").addEventListener("click", () => edit(null));
  $("drv-vehicle").addEventListener("change", showShiftHours);
  setupRoutes(() => guarded(loadAll));
  await loadAll();
  document.body.dataset.ready = "1";
}

guarded(init);
