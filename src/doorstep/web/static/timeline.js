// One bar per vehicle: driving, waiting, service and breaks on a shared time axis.
import { el } from "./api.js";

const t = (iso) => new Date(iso).getTime();

export function timelineBar(route, t0, t1) {
  const bar = el("div", { class: "timeline", title: route.data.vehicle_name });
  const pct = (a) => ((a - t0) / (t1 - t0)) * 100;
  const add = (cls, a, b) => {
    if (b <= a) return;
    bar.append(el("span", { class: cls, style: `left:${pct(a)}%;width:${pct(b) - pct(a)}%` }));
  };
  const stops = route.data.stops;
  for (let k = 1; k < stops.length; k++) {
    const prev = stops[k - 1], s = stops[k];
    add("drive", t(prev.departure), t(prev.departure) + s.travel_s * 1000);
    add("wait", t(s.arrival), t(s.start));
    add(s.type === "break" ? "break" : "service", t(s.start), t(s.departure));
  }
  return bar;
}

export function span(routes) {
  const times = routes.flatMap((r) => r.data.stops.flatMap((s) => [t(s.arrival), t(s.departure)]));
  return [Math.min(...times), Math.max(...times)];
}
