// The planning job's progress as a chart with axes: the best plan's cost (money, left axis) against the seconds
// spent solving (bottom axis). The best cost only ever falls; the chart's name says where it went from and to.
const NS = "http://www.w3.org/2000/svg";
const W = 320, H = 120, LEFT = 64, RIGHT = 8, TOP = 8, BOTTOM = 28;

function node(tag, attrs, text) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

// ``points``: [seconds, best cost in cents] pairs; ``fmt`` turns cents into money text.
export function drawProgress(svg, points, fmt) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const x0 = LEFT, x1 = W - RIGHT, y0 = H - BOTTOM, y1 = TOP;
  svg.append(node("line", { x1: x0, y1: y0, x2: x1, y2: y0, class: "axis" }), node("line", { x1: x0, y1: y0, x2: x0, y2: y1, class: "axis" }),
    node("text", { x: (x0 + x1) / 2, y: H - 2, "text-anchor": "middle", class: "axis-title" }, "seconds solving"));
  if (!points.length) {
    svg.setAttribute("aria-label", "Best plan cost over solving time: no feasible plan yet");
    return;
  }
  const ts = points.map((p) => p[0]), cs = points.map((p) => p[1]);
  const tMax = Math.max(...ts, 1), cMin = Math.min(...cs), cMax = Math.max(...cs);
  const x = (t) => x0 + (t / tMax) * (x1 - x0);
  const y = (c) => (cMax > cMin ? y0 - ((c - cMin) / (cMax - cMin)) * (y0 - y1) : (y0 + y1) / 2);
  const d = points.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
  svg.append(node("path", { d, fill: "none", stroke: "#4363d8", "stroke-width": 2 }),
    node("text", { x: x0 - 4, y: y(cMax) + 4, "text-anchor": "end", class: "tick" }, fmt(cMax)),
    node("text", { x: x0 - 4, y: y(cMin) + 4, "text-anchor": "end", class: "tick" }, fmt(cMin)),
    node("text", { x: x0, y: y0 + 12, "text-anchor": "start", class: "tick" }, "0"),
    node("text", { x: x1, y: y0 + 12, "text-anchor": "end", class: "tick" }, `${tMax.toFixed(1)} s`));
  svg.setAttribute("aria-label", `Best plan cost over solving time: from ${fmt(cs[0])} to ${fmt(cs.at(-1))} in ${tMax.toFixed(1)} s`);
}
