// The plan form's options in API units (hours and money on screen; seconds and cents in the API), and the API's
// coded errors shown next to the fields they name — every problem at once.
import { el } from "./api.js";

const $ = (id) => document.getElementById(id);

// field name (the API's) -> [input id, screen unit -> API unit]
const FIELDS = {
  time_limit_s: ["time-limit", 1],
  no_improvement_s: ["no-improvement", 1],
  balance_max_stops: ["balance-stops", 1],
  balance_max_duration_s: ["balance-hours", 3600],
  balance_duration_cost_per_hour_cents: ["balance-cost", 100],
  co2_cost_cents_per_kg: ["co2-price", 100],
};

export function planOptions() {
  const options = { objective: $("objective").value };
  for (const [name, [id, scale]] of Object.entries(FIELDS)) {
    const raw = $(id).value.trim();
    if (raw === "") continue;
    const value = Number(raw) * scale;
    options[name] = Number.isFinite(value) && scale !== 1 ? Math.round(value) : value;
  }
  return options;
}

export function clearOptionErrors() {
  for (const node of document.querySelectorAll("#plan-form .field-error")) node.textContent = "";
  for (const node of document.querySelectorAll("#plan-form [aria-invalid]")) node.removeAttribute("aria-invalid");
  $("plan-errors").replaceChildren();
}

// Show each problem of an API error next to the field its loc names; the rest in the list under the buttons.
// Returns whether the error was about the form (so the page does not show it a second time).
export function showOptionErrors(err) {
  const top = err.envelope?.error;
  if (!top) return false;
  const problems = top.details?.length ? top.details : [top];
  let shown = 0;
  for (const d of problems) {
    const name = (d.loc || []).at(-1);
    const slot = $(`err-${name}`);
    const input = FIELDS[name] ? $(FIELDS[name][0]) : name === "objective" ? $("objective") : null;
    if (slot) {
      slot.textContent = `${d.code}: ${d.message.replace(/^options\.[a-z_]+: /, "")}`;
      input?.setAttribute("aria-invalid", "true");
      shown++;
    } else if ((d.loc || []).includes("options") || d.code === "E2003") {
      $("plan-errors").append(el("li", { class: "violation" }, `${d.code}: ${d.message}`));
      shown++;
    }
  }
  return shown === problems.length;
}
