// "Find the address": the deployment's address index places the typed address (GET /v1/geocode) and fills the
// form's latitude and longitude, saying how exactly; of several equally good places, each is a button; a miss is
// shown at the address field and clears the place the last find gave; on a deployment without an address index
// (E3015) the button goes away with a note saying so (docs/geocoding.md). Used by the live page's
// new order and the orders page's editor.
// Suggestions while typing (suggest-box.js: an ARIA 1.2 combobox over GET /v1/geocode/suggest): a picked place is
// used as a find's is; a postcode is an area, not a door (an order refuses it, E1136): it fills no coordinates and
// the field says so. A page whose deployment has no address index (its listbox's data-index="off") asks nothing.
import { api, el } from "./api.js";
import { suggestBox } from "./suggest-box.js";

const $ = (id) => document.getElementById(id);
const PRECISION = {
  address: "at the house",
  interpolated: "between the street's known house numbers: check the pin",
  street: "on its street, not at the house: check the pin",
};
const HINT = { interpolated: "number estimated", street: "street only", postcode: "postcode area" }; // by an option
const NO_INDEX = "Addresses cannot be looked up here (the road network has no address index): give the latitude and longitude.";
const POSTCODE = "A postcode is an area, not a door: add the street and number.";

// ids: {address, lat, lng, find, placed, list, suggestions}; depot() the depot id to prefer places near (or null);
// show(problems) shows coded problems at their fields ([] clears them); problemsOf(err) reads an API error;
// onPlace(match) after a place is used (the live page pans its map there). Returns reset(): forget the last find
// (another order opened).
export function setupFind({ ids, depot, show, problemsOf, onPlace = () => {} }) {
  const input = $(ids.address), placed = $(ids.placed), list = $(ids.list), box = $(ids.suggestions);
  let filled = false; // latitude and longitude came from the last find or pick: a new one replaces them or clears them
  let suggestions = null; // the field's suggestions (null: none on this deployment)
  const forget = () => {
    if (!filled) return;
    $(ids.lat).value = "";
    $(ids.lng).value = "";
    filled = false;
  };
  const use = (m) => {
    filled = true;
    $(ids.lat).value = m.location.lat.toFixed(6);
    $(ids.lng).value = m.location.lng.toFixed(6);
    placed.textContent = `Placed at ${m.label}, ${PRECISION[m.precision]}.`;
    list.hidden = true;
    list.replaceChildren();
    onPlace(m);
  };
  const noIndex = () => { // not the address's fault: this deployment cannot look up
    suggestions?.stop();
    suggestions = null;
    $(ids.find).hidden = true;
    placed.textContent = NO_INDEX;
  };
  const atAddress = (problems) => problems.map((p) => ({ ...p, loc: ["address"] }));
  $(ids.find).addEventListener("click", async () => {
    show([]);
    placed.textContent = "";
    list.hidden = true;
    suggestions?.close();
    forget();
    const q = input.value.trim();
    if (!q) return show([{ code: null, message: "type the address to find", loc: ["address"] }]);
    const near = depot() ? `&depot_id=${encodeURIComponent(depot())}` : "";
    try {
      const res = await api("GET", `/v1/geocode?q=${encodeURIComponent(q)}${near}`);
      if (res.location) return use(res.matches[0]);
      show(atAddress(res.issues));
      if (res.ambiguous) {
        list.replaceChildren(...res.matches.map((m) => el("li", {}, el("button", { type: "button", onclick: () => use(m) },
          `${m.label} (${m.location.lat.toFixed(4)}, ${m.location.lng.toFixed(4)})`))));
        list.hidden = false;
      }
    } catch (err) {
      if (err.status === 401) location.href = "/login";
      else if (err.envelope?.error?.code === "E3015") noIndex();
      else show(atAddress(problemsOf(err)));
    }
  });

  const ask = async (q) => {
    try {
      return (await api("GET", `/v1/geocode/suggest?q=${encodeURIComponent(q)}&limit=8`)).suggestions;
    } catch (err) {
      if (err.status === 401) location.href = "/login";
      else if (err.envelope?.error?.code === "E3015") noIndex();
      return null; // any other failure: no suggestions; "Find the address" still says what is wrong
    }
  };
  const pick = (s) => {
    show([]);
    list.hidden = true;
    if (s.precision !== "postcode") return use(s);
    forget();
    placed.textContent = POSTCODE;
  };
  const typed = () => { // a new text: the place a find or pick gave for the old one goes
    if (filled || placed.textContent === POSTCODE) placed.textContent = "";
    forget();
  };
  if (box.dataset.index !== "off") {
    suggestions = suggestBox(input, box, { ask, onPick: pick, onType: typed, hint: (s) => HINT[s.precision] || "" });
  } else input.addEventListener("input", typed);
  return () => {
    filled = false;
    suggestions?.close();
    placed.textContent = "";
    list.hidden = true;
    list.replaceChildren();
  };
}
