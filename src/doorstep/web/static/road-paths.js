// Route lines along the roads. The maps first draw each route as straight lines from stop to stop; then, when the
// deployment has a road network (the page says so: data-roads="on" on the map), each line is redrawn along the
// roads the route drives (GET /v1/routes/{id}/path). An E2141 (no road network after all) stops the asking for
// the rest of the page's life; a route whose stops the network cannot join (E2142) keeps its straight lines. Paths are kept per route version, so a redraw after an
// edit asks only for the routes that changed.
import { api } from "./api.js";

const PARALLEL = 4; // paths asked for at once
const known = new Map(); // "route id@version" -> the path body, or null (E2142: straight lines)
let roads = true; // false when the page says there is no road network, or the server does (E2141)
let credited = false;

async function pathOf(route) {
  const key = `${route.id}@${route.version}`;
  if (known.has(key)) return known.get(key);
  let body = null;
  try { body = await api("GET", `/v1/routes/${route.id}/path`); } catch (err) {
    const code = err.envelope?.error?.code;
    if (code === "E2141") roads = false;
    else if (code !== "E2142") return null; // another failure (offline, 5xx): straight lines this time, ask again later
  }
  if (roads) known.set(key, body);
  return body;
}

// For each leg of a road path, the index of the stop it leaves from: the path joins stop *places*, and stops
// at the place of the one before (a break, two orders at one door) start no leg of their own.
export function legStarts(stops) {
  const out = [];
  stops.forEach((s, k) => {
    const next = stops[k + 1];
    if (next && (next.location.lat !== s.location.lat || next.location.lng !== s.location.lng)) out.push(k);
  });
  return out;
}

// Redraw ``lines`` (route id -> Leaflet polyline) of ``routes`` (each with ``id`` and ``version``) along the roads;
// ``onPath(route, body)`` is told of each path drawn. ``current()`` says whether the drawing is still on screen
// (a newer one may have replaced it while the paths were on their way).
export async function followRoads(map, routes, lines, current, onPath = () => {}) {
  if (map.getContainer().dataset.roads === "off") roads = false;
  const queue = routes.filter((r) => r.id && lines.has(r.id));
  const worker = async () => {
    while (roads && queue.length) {
      const route = queue.shift();
      const body = await pathOf(route);
      if (!body || !current()) continue;
      lines.get(route.id).setLatLngs(body.legs.flat());
      lines.get(route.id).getElement?.()?.classList.add("on-roads");
      onPath(route, body);
      if (!credited && body.attribution) {
        map.attributionControl?.addAttribution(body.attribution);
        credited = true;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}
