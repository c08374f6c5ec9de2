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

// The time axis under the bars: a tick and an HH:MM label every hour (every half hour on a short day, every two
// hours on a long one) of the depot's clock (the offset of the plan's own times), so a bar reads as "from 08:40 to
// 15:10" without hovering.
export function timeAxis(t0, t1, sampleIso) {
  const m = /([+-])(\d\d):(\d\d)$/.exec(sampleIso || "");
  const offset = m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  const axis = el("div", { class: "time-axis", role: "img", "aria-label": "time of day" });
  const hours = (t1 - t0) / 3_600_000;
  const step = (hours > 12 ? 120 : hours < 3 ? 30 : 60) * 60_000;
  const pct = (a) => ((a - t0) / (t1 - t0)) * 100;
  for (let k = Math.ceil((t0 + offset) / step); k * step - offset <= t1; k++) {
    const minutes = Math.round((((k * step) / 60_000) % 1440 + 1440) % 1440);
    const label = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
    axis.append(el("span", { class: "tick", style: `left:${pct(k * step - offset)}%` }, label));
  }
  return axis;
}
