// "Find the address": the deployment's address index places the typed address (GET /v1/geocode) and fills the
// form's latitude and longitude, saying how exactly; of several equally good places, each is a button; a miss is
// shown at the address field and clears the place the last find gave; on a deployment without an address index
// (E3015) the button goes away with a note saying so (docs/geocoding.md). Used by the live page's
// new order and the orders page's editor.
import { api, el } from "./api.js";

const $ = (id) => document.getElementById(id);
const PRECISION = {
  address: "at the house",
  interpolated: "between the street's known house numbers: check the pin",
  street: "on its street, not at the house: check the pin",
};

// ids: {address, lat, lng, find, placed, list}; depot() the depot id to prefer places near (or null); show(problems)
// shows coded problems at their fields ([] clears them); problemsOf(err) reads an API error; onPlace(match) after a
// place is used (the live page pans its map there). Returns reset(): forget the last find (another order opened).
export function setupFind({ ids, depot, show, problemsOf, onPlace = () => {} }) {
  const placed = $(ids.placed), list = $(ids.list);
  let filled = false; // latitude and longitude came from the last find: a new find replaces them or clears them
  const use = (m) => {
    filled = true;
    $(ids.lat).value = m.location.lat.toFixed(6);
    $(ids.lng).value = m.location.lng.toFixed(6);
    placed.textContent = `Placed at ${m.label}, ${PRECISION[m.precision]}.`;
    list.hidden = true;
    list.replaceChildren();
    onPlace(m);
  };
  const atAddress = (problems) => problems.map((p) => ({ ...p, loc: ["address"] }));
  $(ids.find).addEventListener("click", async () => {
    show([]);
    placed.textContent = "";
    list.hidden = true;
    if (filled) {
      $(ids.lat).value = "";
      $(ids.lng).value = "";
      filled = false;
    }
    const q = $(ids.address).value.trim();
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
      else if (err.envelope?.error?.code === "E3015") { // not the address's fault: this deployment cannot look up
        $(ids.find).hidden = true;
        placed.textContent = "Addresses cannot be looked up here (the road network has no address index): give the latitude and longitude.";
      } else show(atAddress(problemsOf(err)));
    }
  });
  return () => {
    filled = false;
    placed.textContent = "";
    list.hidden = true;
    list.replaceChildren();
  };
}
