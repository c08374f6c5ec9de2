// The live page's changes to the day: add a same-day order, cancel one, take a van out, change a customer's
// window. Each form checks what it can at the edge, then asks the live-change API for a proposal; every problem
// (the page's or the API's coded ones) is shown next to its field at once.
import { setupFind } from "./address-find.js";
import { api, el } from "./api.js";

const $ = (id) => document.getElementById(id);

// A problem's place as the forms name their fields: loc without "body" and a leading "orders", k.
function locKey(loc) {
  let parts = (loc || []).filter((x) => x !== "body");
  if (parts[0] === "orders" && typeof parts[1] === "number") parts = parts.slice(2);
  return parts.join(".");
}

function clearErrors(form) {
  for (const f of form.querySelectorAll("[data-loc]")) {
    f.removeAttribute("aria-invalid");
    f.removeAttribute("aria-describedby");
    f.parentElement.querySelector(".field-error")?.remove();
  }
  form.querySelector(".form-errors").replaceChildren();
}

// Shows each problem ({code, message, loc}) next to the field its loc names, the others under the form.
export function showProblems(form, problems) {
  clearErrors(form);
  const fields = [...form.querySelectorAll("[data-loc]")];
  for (const p of problems) {
    const key = locKey(p.loc);
    const field = key && fields.find((f) => f.dataset.loc === key || f.dataset.loc.startsWith(`${key}.`) || key.startsWith(`${f.dataset.loc}.`));
    const text = p.code ? `${p.code}: ${p.message}` : p.message; // the page's own checks without a code of theirs
    if (!field) { form.querySelector(".form-errors").append(el("li", {}, text)); continue; }
    const id = `${field.id}-err`;
    const note = field.parentElement.querySelector(".field-error");
    if (note) note.textContent += ` ${text}`;
    else field.after(el("span", { class: "field-error", id }, text));
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", id);
  }
}

export const problemsOf = (err) => {
  const e = err.envelope?.error;
  if (!e) return [{ code: String(err.status || "error"), message: err.message, loc: [] }];
  return e.details?.length ? e.details.map((d) => ({ code: d.code || e.code, message: d.message || e.message, loc: d.loc })) : [e];
};

const need = (cond, code, message, loc) => (cond ? [] : [{ code, message, loc }]);
const num = (id) => ($(id).value.trim() === "" ? NaN : Number($(id).value));

// The page's own checks of the add form (the API checks again): the catalogue's code where one means the same.
function addProblems() {
  const lat = num("add-lat"), lng = num("add-lng"), parcels = num("add-parcels");
  const from = $("add-from").value, to = $("add-to").value;
  return [
    ...need($("add-ref").value.trim() !== "", null, "give the order's reference", ["external_ref"]),
    ...need(lat >= -90 && lat <= 90, "E1105", "latitude must be a number from -90 to 90", ["location", "lat"]),
    ...need(lng >= -180 && lng <= 180, "E1105", "longitude must be a number from -180 to 180", ["location", "lng"]),
    ...need(!from === !to, null, "give both ends of the window (or neither)", ["time_windows", 0, from ? "end" : "start"]),
    ...need(!from || !to || from < to, "E1104", `the window ends at ${to}, before it starts at ${from}`, ["time_windows", 0, "end"]),
    ...need(Number.isInteger(parcels) && parcels >= 1, null, "parcels: a whole number, at least 1", ["size", "parcels"]),
  ];
}

function windowProblems() {
  const from = $("window-from").value, to = $("window-to").value;
  return [
    ...need($("window-stop").value !== "", null, "choose a stop", ["subject_id"]),
    ...need(from !== "", null, "give the window's start", ["windows", 0, "start"]),
    ...need(to !== "", null, "give the window's end", ["windows", 0, "end"]),
    ...need(!from || !to || from < to, "E1104", `the window ends at ${to}, before it starts at ${from}`, ["windows", 0, "end"]),
  ];
}

// Wire the four forms; ``ctx`` gives the day's routes and date, and is told about each new proposal.
export function setupChanges(ctx) {
  const forgetFind = setupFind({
    ids: { address: "add-address", lat: "add-lat", lng: "add-lng", find: "add-find", placed: "add-placed", list: "add-candidates",
      suggestions: "add-suggestions" },
    depot: () => [...ctx.routes().values()][0]?.depot_id || null,
    show: (problems) => showProblems($("add-form"), problems),
    problemsOf,
    onPlace: (m) => ctx.map.panTo([m.location.lat, m.location.lng]),
  });
  const submit = (form, check, run) => form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const problems = check();
    showProblems(form, problems);
    if (problems.length) return;
    try {
      await ctx.proposed(await run());
      form.reset();
      clearErrors(form);
      forgetFind();
    } catch (err) {
      if (err.status === 401) location.href = "/login";
      else showProblems(form, problemsOf(err));
    }
  });
  const propose = (body) => api("POST", "/v1/live/proposals", { auto_approve: false, ...body });
  const routeOfOrder = (orderId) => [...ctx.routes().values()].find((r) => orderId in (r.refs || {}));

  submit($("add-form"), addProblems, async () => {
    const route = [...ctx.routes().values()][0];
    if (!route) throw Object.assign(new Error("no published route on this day"), { envelope: { error: { code: "E2102", message: "no published route on this day to add the order to", details: [] } } });
    const from = $("add-from").value, to = $("add-to").value;
    const order = await api("POST", "/v1/orders", {
      external_ref: $("add-ref").value.trim(), depot_id: route.depot_id, date: route.date,
      location: { lat: num("add-lat"), lng: num("add-lng") }, address: $("add-address").value.trim(),
      time_windows: from ? [{ start: from, end: to }] : [], service_s: 120, size: { parcels: num("add-parcels") },
    });
    return propose({ plan_id: route.plan_id, kind: "insert", subject_id: order.id });
  });
  submit($("cancel-form"), () => need($("cancel-stop").value !== "", null, "choose a stop", ["subject_id"]), () => {
    const orderId = $("cancel-stop").value;
    return propose({ plan_id: routeOfOrder(orderId).plan_id, kind: "cancel", subject_id: orderId });
  });
  submit($("vanout-form"), () => need($("vanout-vehicle").value !== "", null, "choose a vehicle", ["subject_id"]), () => {
    const route = ctx.routes().get($("vanout-vehicle").value);
    return propose({ plan_id: route.plan_id, kind: "redistribute", subject_id: route.vehicle_id });
  });
  submit($("window-form"), windowProblems, () => {
    const orderId = $("window-stop").value;
    const windows = [{ start: $("window-from").value, end: $("window-to").value }];
    return propose({ plan_id: routeOfOrder(orderId).plan_id, kind: "resequence", subject_id: orderId, windows });
  });

  // "Pick the place on the map": the next click on the map fills latitude and longitude.
  const pick = $("add-pick");
  pick.addEventListener("click", () => pick.setAttribute("aria-pressed", pick.getAttribute("aria-pressed") === "true" ? "false" : "true"));
  ctx.map.on("click", (e) => {
    if (pick.getAttribute("aria-pressed") !== "true") return;
    $("add-lat").value = e.latlng.lat.toFixed(5);
    $("add-lng").value = e.latlng.lng.toFixed(5);
    pick.setAttribute("aria-pressed", "false");
  });
}

// The selects follow the day: stops not yet done (order reference and vehicle), and the day's vehicles.
export function fillChoices(routes) {
  const stops = [...routes.values()].flatMap((r) => Object.entries(r.refs || {})
    .filter(([oid]) => !(r.outcomes || {})[oid])
    .map(([oid, ref]) => ({ oid, text: `${ref} (${r.vehicle_name || r.vehicle_id})` })));
  for (const id of ["cancel-stop", "window-stop"]) {
    const keep = $(id).value;
    $(id).replaceChildren(el("option", { value: "" }, "choose a stop"), ...stops.map((s) => el("option", { value: s.oid }, s.text)));
    if (stops.some((s) => s.oid === keep)) $(id).value = keep;
  }
  const keep = $("vanout-vehicle").value;
  $("vanout-vehicle").replaceChildren(el("option", { value: "" }, "choose a vehicle"),
    ...[...routes.values()].map((r) => el("option", { value: r.id }, r.vehicle_name || r.vehicle_id)));
  if (routes.has(keep)) $("vanout-vehicle").value = keep;
}
