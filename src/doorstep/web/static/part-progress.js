// A large day planned in parts (the plan's part_progress, docs/api.md): a bar for the whole day and one per part,
// each a native <progress> named by its label, with its numbers in words beside it (phase, orders, served so far,
// time used of its share): nothing is said by colour alone. A day planned in one model has no part progress and
// shows nothing here. A finished large-day plan keeps its bars as the job ended, so one sees how the parts went.
import { el } from "./api.js";

const DAY = {
  split: "splitting the day", first_pass: "a first plan of every part", solve: "planning the parts", boundary: "improving across the part boundaries",
  recovery: "planning left-out orders again",
  merge: "merging the parts", done: "done",
};
const PART = {
  queued: "waiting", matrix: "travel times", build: "building", solve: "searching", finish: "finishing", done: "done",
};

const secs = (s) => `${s.toFixed(1)} s`;
const pct = (f) => `${Math.round(f * 100)} %`;

function bar(id, label, fraction, details) {
  return el("li", { class: "part-row" },
    el("span", { id: `${id}-label`, class: "part-name" }, label),
    el("progress", { id, max: "1", value: String(fraction), "aria-labelledby": `${id}-label`,
      "aria-describedby": `${id}-text` }, pct(fraction)),
    el("span", { id: `${id}-text`, class: "part-text" }, `${pct(fraction)} · ${details}`));
}

function partDetails(p, money) {
  const served = p.phase === "queued" ? "not started"
    : p.feasible ? `${p.assigned} served` : "no feasible plan yet";
  const time = p.time_limit_s == null ? "" : ` · ${secs(p.elapsed_s)} of ${secs(p.time_limit_s)}`;
  const cost = p.best_cost_cents == null ? "" : ` · best ${money(p.best_cost_cents)}`;
  return `${p.orders} orders · ${served}${time}${cost}`;
}

// ``box``: the section to show or hide; ``list``: where the bars go; ``pp``: the plan's part_progress (or null).
export function drawParts(box, list, pp, money) {
  if (!pp) {
    box.hidden = true;
    list.replaceChildren();
    return;
  }
  box.hidden = false;
  box.querySelector("h3").textContent = `Large day: planned in ${pp.parts_count} parts`;
  let day = `${pp.assigned} of ${pp.orders} orders served · ${secs(pp.elapsed_s)} of ${secs(pp.time_limit_s)}`;
  if (pp.recovery_orders) day += ` · ${pp.recovery_orders} left-out orders planned again`;
  const rows = [bar("pp-day", `Whole day: ${DAY[pp.phase] || pp.phase}`, pp.fraction, day)];
  for (const p of pp.parts) {
    const label = `Part ${p.part} of ${pp.parts_count}: ${PART[p.phase] || p.phase}`;
    rows.push(bar(`pp-part-${p.part}`, label, p.fraction, partDetails(p, money)));
  }
  list.replaceChildren(...rows);
}
