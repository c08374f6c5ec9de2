// The customer messages page: which triggers send on which channels (with their settings), quiet hours, the sender,
// and the organization's own wording of each message, previewed with a sample delivery before it is saved
// (GET/PUT /v1/organization/notification-rules, /v1/notification-templates/...).
import { api, el } from "./api.js";
import { clearFieldErrors, showFieldErrors } from "./field-errors.js";
import { guarded, startPage } from "./page.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["subject", "sms", "text", "html"];
const LABELS = {
  order_confirmed: "Order confirmed", scheduled: "Delivery scheduled", out_for_delivery: "Out for delivery",
  arriving_soon: "Arriving soon", delayed: "Delayed", delivered: "Delivered", delivery_failed: "Delivery failed",
  return_scheduled: "Return pickup scheduled", return_received: "Return received", feedback_request: "Feedback request",
  rescheduled: "Rescheduled by the customer", ready_for_pickup: "Ready at a pickup point",
  address_changed: "Delivery address changed",
};
const SETTING_LABELS = {
  stops_away: "stops away", minutes_away: "minutes away", threshold_minutes: "minutes late",
  delay_minutes: "minutes after delivery",
};
const state = {
  own: new Map(), saved: new Map(), doorstep: new Map(), variables: new Map(), current: null, canSave: false,
};

const keyOf = (trigger, language) => `${trigger}|${language}`;
const label = (trigger) => LABELS[trigger] ?? trigger;

function ruleRow(rule) {
  const t = rule.trigger;
  const box = (cls, checked, name) => el("input", { type: "checkbox", class: cls, "aria-label": `${label(t)}: ${name}`,
    ...(checked ? { checked: "" } : {}) });
  const settings = Object.entries(rule).filter(([k, v]) => SETTING_LABELS[k] && v !== null).map(([k, v]) =>
    el("label", { class: "setting" }, el("input", { type: "number", min: "0", step: "1", value: String(v), "data-setting": k,
      "aria-label": `${label(t)}: ${SETTING_LABELS[k]}` }), ` ${SETTING_LABELS[k]}`));
  return el("tr", { "data-trigger": t },
    el("th", { scope: "row" }, label(t)),
    el("td", {}, box("rule-on", rule.enabled, "on")),
    el("td", {}, box("rule-email", rule.channels.includes("email"), "email")),
    el("td", {}, box("rule-sms", rule.channels.includes("sms"), "SMS")),
    el("td", {}, ...settings, el("span", { class: "field-error rule-error", "aria-live": "polite" })));
}

function showRules(doc) {
  $("rules").querySelector("tbody").replaceChildren(...doc.rules.map(ruleRow));
  $("quiet-on").checked = doc.quiet_hours !== null;
  if (doc.quiet_hours) {
    $("quiet-start").value = doc.quiet_hours.start;
    $("quiet-end").value = doc.quiet_hours.end;
  }
  $("sender-name").value = doc.sender.name;
  $("sender-logo").value = doc.sender.logo_url;
  $("sender-colour").value = doc.sender.colour;
  $("tpl-trigger").replaceChildren(...doc.rules.map((r) => el("option", { value: r.trigger }, label(r.trigger))));
  state.own = new Map(doc.templates.map((x) => [keyOf(x.trigger, x.language), x]));
  markSaved(doc.templates);
}

function sender() {
  return { name: $("sender-name").value.trim(), logo_url: $("sender-logo").value.trim(), colour: $("sender-colour").value };
}

function rulesFromForm() {
  return [...$("rules").querySelectorAll("tbody tr")].map((tr) => {
    const item = { trigger: tr.dataset.trigger, enabled: tr.querySelector(".rule-on").checked,
      channels: [tr.querySelector(".rule-email").checked && "email", tr.querySelector(".rule-sms").checked && "sms"].filter(Boolean) };
    for (const input of tr.querySelectorAll("input[data-setting]")) item[input.dataset.setting] = Number(input.value);
    return item;
  });
}

function sectionsOnScreen() {
  return Object.fromEntries(SECTIONS.map((k) => [k, $(`tpl-${k}`).value]));
}

// What is on screen becomes the organization's wording of the pair, unless it is Doorstep's word for word.
function keepCurrent() {
  if (!state.current) return;
  const { trigger, language } = state.current;
  const shown = sectionsOnScreen();
  const theirs = state.doorstep.get(keyOf(trigger, language));
  const same = theirs && SECTIONS.every((k) => shown[k].trim() === theirs[k].trim());
  if (same) state.own.delete(keyOf(trigger, language));
  else state.own.set(keyOf(trigger, language), { trigger, language, ...shown });
}

// Whose wording is on screen, and whether that differs from what is saved.
function whose() {
  keepCurrent();
  const key = keyOf(state.current.trigger, state.current.language);
  const now = state.own.has(key) ? JSON.stringify(SECTIONS.map((k) => state.own.get(key)[k])) : null;
  const saved = state.saved.get(key) ?? null;
  const who = now !== null ? "your wording" : "Doorstep's wording";
  $("wording-whose").textContent = now === saved ? `(${who})` : `(${who}, not saved yet)`;
}

function markSaved(templates) {
  state.saved = new Map(templates.map((x) => [keyOf(x.trigger, x.language), JSON.stringify(SECTIONS.map((k) => x[k]))]));
}

let opening = 0; // the latest choice of message and language: an earlier answer arriving late is dropped

async function openTemplate() {
  keepCurrent();
  state.current = null; // nothing on screen belongs to a pair until the new one is shown
  const ticket = ++opening;
  const trigger = $("tpl-trigger").value;
  const language = $("tpl-language").value;
  const key = keyOf(trigger, language);
  if (!state.doorstep.has(key)) {
    const view = await api("GET", `/v1/notification-templates/${trigger}/${language}`);
    state.doorstep.set(key, view.doorstep);
    state.variables.set(trigger, view.variables);
  }
  if (ticket !== opening) return;
  const view = state.own.get(key) ?? state.doorstep.get(key);
  for (const k of SECTIONS) $(`tpl-${k}`).value = view[k];
  state.current = { trigger, language };
  const vars = state.variables.get(trigger) ?? [];
  $("tpl-variables").textContent = `You can use: ${vars.map((v) => `{{ ${v} }}`).join(", ")}`;
  clearFieldErrors("wording-form");
  $("preview").hidden = true;
  $("wording-form").dataset.shown = key;
  whose();
}

const TEMPLATE_FIELDS = Object.fromEntries(SECTIONS.map((k) => [k, `tpl-${k}`]));

async function preview() {
  if (!state.current) return; // the chosen wording is still loading
  clearFieldErrors("wording-form");
  const { trigger, language } = state.current;
  let out;
  try {
    out = await api("POST", "/v1/notification-templates/preview",
      { template: { trigger, language, ...sectionsOnScreen() }, sender: sender() });
  } catch (err) {
    const details = err.envelope?.error?.details ?? [];
    const mine = details.filter((d) => d.loc?.[0] === "template").map((d) => ({ ...d, loc: d.loc.slice(1) }));
    const others = details.filter((d) => d.loc?.[0] !== "template");
    $("preview").hidden = true;
    if (!(mine.length && showFieldErrors("wording-form", mine, TEMPLATE_FIELDS)) || others.length) {
      showProblems(others.length ? others : details);
    }
    return;
  }
  $("pv-subject").textContent = out.subject;
  $("pv-sms").textContent = out.sms;
  const n = out.sms_length;
  $("pv-sms-length").textContent = `(${n.units} ${n.encoding === "GSM-7" ? "characters" : "UCS-2 units"}, ${n.encoding}, `
    + `${n.parts} ${n.parts === 1 ? "part" : "parts"})`;
  $("pv-text").textContent = out.text;
  $("pv-html").srcdoc = out.html;
  $("preview").hidden = false;
  whose();
}

function reset() {
  if (!state.current) return;
  const { trigger, language } = state.current;
  const theirs = state.doorstep.get(keyOf(trigger, language));
  for (const k of SECTIONS) $(`tpl-${k}`).value = theirs[k];
  state.own.delete(keyOf(trigger, language));
  clearFieldErrors("wording-form");
  $("preview").hidden = true;
  whose();
}

function showProblems(details) {
  $("msg-errors").replaceChildren(...details.map((d) => el("li", { class: "violation" },
    `${d.code}: ${d.message}${d.loc?.length ? ` (at ${d.loc.join(".")})` : ""}`)));
}

// Problems of the saved document next to what they name: a rule's row, quiet hours, the sender's fields, and the
// wording on screen; the rest (another message's wording) in the list under Save.
function placeProblems(details, templates) {
  const rest = [];
  const rows = [...$("rules").querySelectorAll("tbody tr")];
  for (const d of details) {
    const [head, index, field] = d.loc ?? [];
    const text = `${d.code}: ${d.message}`;
    if (head === "rules" && rows[index]) {
      rows[index].querySelector(".rule-error").textContent = text;
    } else if (head === "quiet_hours") {
      $("quiet-start-error").textContent = text;
    } else if (head === "sender" && $(`sender-${{ name: "name", logo_url: "logo", colour: "colour" }[index]}-error`)) {
      $(`sender-${{ name: "name", logo_url: "logo", colour: "colour" }[index]}-error`).textContent = text;
    } else if (head === "templates" && templates[index] && state.current
      && templates[index].trigger === state.current.trigger && templates[index].language === state.current.language
      && showFieldErrors("wording-form", [{ ...d, loc: field ? [field] : [] }], TEMPLATE_FIELDS)) {
      continue;
    } else {
      const where = head === "templates" && templates[index]
        ? ` (${label(templates[index].trigger)}, ${templates[index].language})` : "";
      rest.push({ ...d, message: `${d.message}${where}` });
    }
  }
  showProblems(rest);
}

async function save() {
  keepCurrent();
  for (const node of document.querySelectorAll(".field-error")) node.textContent = "";
  clearFieldErrors("wording-form");
  $("msg-errors").replaceChildren();
  $("msg-status").textContent = "";
  const templates = [...state.own.values()].map((x) => ({ trigger: x.trigger, language: x.language,
    ...Object.fromEntries(SECTIONS.map((k) => [k, x[k]])) }));
  const doc = {
    rules: rulesFromForm(),
    quiet_hours: $("quiet-on").checked ? { start: $("quiet-start").value, end: $("quiet-end").value } : null,
    sender: sender(),
    templates,
  };
  try {
    const saved = await api("PUT", "/v1/organization/notification-rules", doc);
    markSaved(saved.templates);
  } catch (err) {
    const details = err.envelope?.error?.details;
    if (!details) throw err;
    placeProblems(details, templates);
    $("msg-status").textContent = `Not saved: ${details.length} ${details.length === 1 ? "problem" : "problems"}.`;
    return;
  }
  $("msg-status").textContent = `Saved: ${templates.length} of your own ${templates.length === 1 ? "wording" : "wordings"}.`;
  whose();
}

async function init() {
  const me = await startPage();
  state.canSave = (me.permissions ?? []).includes("manage");
  showRules(await api("GET", "/v1/organization/notification-rules"));
  if (!state.canSave) {
    $("msg-save").disabled = true;
    $("msg-status").textContent = "Only an admin can save changes here.";
  }
  $("tpl-trigger").addEventListener("change", () => guarded(openTemplate));
  $("tpl-language").addEventListener("change", () => guarded(openTemplate));
  $("tpl-preview").addEventListener("click", () => guarded(preview));
  $("tpl-reset").addEventListener("click", () => guarded(async () => reset()));
  $("msg-save").addEventListener("click", () => guarded(save));
  for (const k of SECTIONS) $(`tpl-${k}`).addEventListener("input", () => { if (state.current) whose(); });
  await openTemplate();
  document.body.dataset.ready = "1";
}

guarded(init);
