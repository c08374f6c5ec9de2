// The routes map: an offline lat/lng grid (or OSM tiles on request), coloured routes, numbered stops,
// unassigned orders in grey with their reason. With ``moves`` given, the stops of editable routes and the
// unassigned orders can be dragged onto a route's line: the line nearest to the drop (highlighted while dragging)
// and the place on it go to ``moves.drop``, and the marker goes back where it was (the stop's address does not
// change, only its route and place in the sequence).
import { esc } from "./api.js";
import { followRoads, legStarts } from "./road-paths.js";
import { TILE_ATTRIBUTION, TILE_URL } from "./tiles.js";

const L = window.L;
const ORDER_STOPS = ["delivery", "pickup"]; // the stops a dispatcher can move (not breaks, reloads, depots)
export const COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
  "#9a6324", "#800000", "#469990", "#000075", "#808000"];

export function makeMap(node) {
  const map = L.map(node, { preferCanvas: false }).setView([38.74, -9.14], 12);
  const grid = L.layerGroup().addTo(map);
  const drawGrid = () => {
    grid.clearLayers();
    const b = map.getBounds(), step = Math.max(0.005, (b.getNorth() - b.getSouth()) / 10);
    for (let lat = Math.floor(b.getSouth() / step) * step; lat < b.getNorth(); lat += step)
      L.polyline([[lat, b.getWest()], [lat, b.getEast()]], { color: "#ccd3dc", weight: 1, interactive: false }).addTo(grid);
    for (let lng = Math.floor(b.getWest() / step) * step; lng < b.getEast(); lng += step)
      L.polyline([[b.getSouth(), lng], [b.getNorth(), lng]], { color: "#ccd3dc", weight: 1, interactive: false }).addTo(grid);
  };
  map.on("moveend", drawGrid);
  drawGrid();
  const osm = L.tileLayer(TILE_URL, { attribution: TILE_ATTRIBUTION });
  document.getElementById("osm")?.addEventListener("change", (ev) => {
    if (ev.target.checked) { osm.addTo(map); grid.remove(); } else { map.removeLayer(osm); grid.addTo(map); }
  });
  const layer = L.layerGroup().addTo(map);
  return { map, layer };
}

const TOLERANCE_PX = 24; // how far from a route's line a drop still counts as on it

// The route line nearest to a point of the map (within TOLERANCE_PX on screen) and the place on it a stop dropped
// there takes: the number of stops before it (the start and the dragged order itself not counted), as the move
// form numbers places. Null when no line is near.
export function nearestPlace(map, routes, latlng, orderId) {
  const at = map.latLngToLayerPoint(latlng);
  let best = null;
  for (const route of routes) {
    const stops = route.data.stops;
    for (const [k, line] of segments(route)) {
      const pts = line.map((q) => map.latLngToLayerPoint(q));
      for (let j = 0; j + 1 < pts.length; j++) {
        const d = L.LineUtil.pointToSegmentDistance(at, pts[j], pts[j + 1]);
        if (d <= TOLERANCE_PX && (!best || d < best.d)) {
          best = { d, route, position: stops.slice(1, k + 1).filter((s) => s.order_id !== orderId).length };
        }
      }
    }
  }
  return best;
}

const drawnRoads = new Map(); // route id -> { version, legs } of the road path on screen

// The pieces of a route's line as drawn, each with the index of the stop it leaves from: the road legs when the
// line follows the roads, else the straight line from each stop to the next.
function segments(route) {
  const stops = route.data.stops;
  const road = drawnRoads.get(route.id);
  if (road && road.version === route.version) {
    const starts = legStarts(stops);
    if (starts.length === road.legs.length) return road.legs.map((leg, j) => [starts[j], leg]);
  }
  return stops.slice(0, -1).map((s, k) => [k, [[s.location.lat, s.location.lng],
    [stops[k + 1].location.lat, stops[k + 1].location.lng]]]);
}

// A marker that can be dragged onto a route's line (see the header); the line under it thickens while dragging.
function draggable(marker, view, targets, lines, moves, what) {
  const home = marker.getLatLng();
  let lit = null;
  const light = (route) => {
    if (lit === route) return;
    if (lit) lines.get(lit.id)?.setStyle({ weight: 3 });
    lit = route;
    if (lit) lines.get(lit.id)?.setStyle({ weight: 8 });
  };
  marker.on("drag", () => light(nearestPlace(view.map, targets, marker.getLatLng(), what.orderId)?.route || null));
  marker.on("dragend", () => {
    const found = nearestPlace(view.map, targets, marker.getLatLng(), what.orderId);
    light(null);
    marker.setLatLng(home);
    moves.drop({ ...what, routeId: found?.route.id || null, position: found?.position ?? 0 });
  });
}

// ``moves`` (optional): ``editable(route)`` says which routes take and give stops; ``drop({orderId, ref, fromRoute,
// routeId, position})`` gets each drop (``routeId`` null when it was on no route's line).
let drawing = 0; // the newest drawPlan: road paths arriving for an older one are not drawn

export function drawPlan(view, routes, unassigned, orderIndex, moves = null) {
  const { map, layer } = view;
  layer.clearLayers();
  const mine = ++drawing;
  const bounds = [];
  const lines = new Map();
  const targets = moves ? routes.filter((r) => moves.editable(r)) : [];
  routes.forEach((route, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = route.data.stops.map((s) => [s.location.lat, s.location.lng]);
    bounds.push(...pts);
    const line = L.polyline(pts, { color: colour, weight: 3, className: "route-line" }).addTo(layer)
      .bindTooltip(`${esc(route.data.vehicle_name)} (${esc(route.status)})`);
    lines.set(route.id, line);
    const movable = targets.includes(route);
    let n = 0;
    for (const s of route.data.stops) {
      if (!s.order_id || s.type === "break") continue;
      n += 1;
      const icon = L.divIcon({ className: `stop-label${movable && ORDER_STOPS.includes(s.type) ? " movable" : ""}`, html: String(n), iconSize: [16, 16] });
      const marker = L.marker([s.location.lat, s.location.lng], { icon, title: s.external_ref, draggable: movable && ORDER_STOPS.includes(s.type) })
        .addTo(layer).bindPopup(`${n}. ${esc(s.external_ref)}<br>${esc(s.address)}<br>ETA ${esc(s.arrival.slice(11, 16))}`);
      marker.getElement()?.setAttribute("data-order", s.order_id);
      if (route.id) marker.getElement()?.setAttribute("data-route", route.id);
      if (movable && ORDER_STOPS.includes(s.type)) {
        draggable(marker, view, targets, lines, moves, { orderId: s.order_id, ref: s.external_ref, fromRoute: route.id });
      }
    }
  });
  for (const u of unassigned) {
    const o = orderIndex.get(u.order_id);
    if (!o) continue;
    const p = [o.data.location.lat, o.data.location.lng];
    bounds.push(p);
    const icon = L.divIcon({ className: `unassigned-marker${moves ? " movable" : ""}`, iconSize: [12, 12] });
    const marker = L.marker(p, { icon, title: `${u.external_ref} (unassigned)`, draggable: Boolean(moves) && targets.length > 0 })
      .addTo(layer).bindPopup(`${esc(u.external_ref)}: ${esc(u.reason)}<br>${esc(u.message)}<br>${esc(u.action)}`);
    marker.getElement()?.setAttribute("data-order", u.order_id);
    if (moves && targets.length) draggable(marker, view, targets, lines, moves, { orderId: u.order_id, ref: u.external_ref, fromRoute: null });
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
  followRoads(map, routes, lines, () => mine === drawing,
    (route, body) => drawnRoads.set(route.id, { version: route.version, legs: body.legs }));
}

// The access zones (low-emission, restricted access) as dashed outlines under the routes, each labelled with its
// name; drawn again whenever the list changes. Not interactive: drags and route tooltips go through them. With no
// plan drawn, the map shows the zones.
export function drawZones(view, zones) {
  if (!view.zones) {
    view.map.createPane("zones").style.zIndex = "350"; // under the routes (overlayPane, 400) and the markers
    view.zones = L.featureGroup().addTo(view.map);
  }
  view.zones.clearLayers();
  for (const z of zones) {
    const shape = L.geoJSON(z.geometry, { pane: "zones", interactive: false,
      style: { color: "#7a3db8", weight: 2, dashArray: "6 4", fillColor: "#7a3db8", fillOpacity: 0.08, className: "access-zone" } });
    shape.bindTooltip(esc(z.name), { permanent: true, direction: "center", className: "zone-label", pane: "tooltipPane" });
    shape.addTo(view.zones);
  }
  if (zones.length && !view.layer.getLayers().length) view.map.fitBounds(view.zones.getBounds(), { padding: [20, 20], maxZoom: 15 });
}
