// The routes map: an offline lat/lng grid (or OSM tiles on request), coloured routes, numbered stops,
// unassigned orders in grey with their reason.
import { esc } from "./api.js";
import { TILE_ATTRIBUTION, TILE_URL } from "./tiles.js";

const L = window.L;
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

export function drawPlan({ map, layer }, routes, unassigned, orderIndex) {
  layer.clearLayers();
  const bounds = [];
  routes.forEach((route, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = route.data.stops.map((s) => [s.location.lat, s.location.lng]);
    bounds.push(...pts);
    L.polyline(pts, { color: colour, weight: 3, className: "route-line" }).addTo(layer)
      .bindTooltip(`${esc(route.data.vehicle_name)} (${esc(route.status)})`);
    let n = 0;
    for (const s of route.data.stops) {
      if (!s.order_id || s.type === "break") continue;
      n += 1;
      const icon = L.divIcon({ className: "stop-label", html: String(n), iconSize: [16, 16] });
      L.marker([s.location.lat, s.location.lng], { icon, title: s.external_ref }).addTo(layer)
        .bindPopup(`${n}. ${esc(s.external_ref)}<br>${esc(s.address)}<br>ETA ${esc(s.arrival.slice(11, 16))}`);
    }
  });
  for (const u of unassigned) {
    const o = orderIndex.get(u.order_id);
    if (!o) continue;
    const p = [o.data.location.lat, o.data.location.lng];
    bounds.push(p);
    L.circleMarker(p, { radius: 6, color: "#555", fillColor: "#999", fillOpacity: 0.8, className: "unassigned-marker" })
      .addTo(layer).bindPopup(`${esc(u.external_ref)}: ${esc(u.reason)}<br>${esc(u.message)}<br>${esc(u.action)}`);
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
}
