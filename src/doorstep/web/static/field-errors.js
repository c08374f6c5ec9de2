// The API's coded problems shown next to the fields they name (every problem at once): a problem's ``loc`` (without
// its leading "body") starts with an API field name; ``fields`` maps it to the input's id, and the message goes into
// the element ``<input id>-error`` that the input's aria-describedby names. The input is marked aria-invalid.
const $ = (id) => document.getElementById(id);
const MARKABLE = ["INPUT", "SELECT", "TEXTAREA"];

export function clearFieldErrors(formId) {
  for (const node of document.querySelectorAll(`#${formId} .field-error`)) node.textContent = "";
  for (const node of document.querySelectorAll(`#${formId} [aria-invalid]`)) node.removeAttribute("aria-invalid");
}

// Returns whether every problem found its field (if not, the caller shows the error as a whole).
export function showFieldErrors(formId, problems, fields) {
  let shown = 0;
  for (const d of problems) {
    const loc = (d.loc || []).filter((x) => x !== "body");
    const id = fields[loc[0]];
    const slot = id ? $(`${id}-error`) : null;
    if (!slot) continue;
    const text = d.code === "JSON" ? d.message : `${d.code}: ${d.message}`;
    slot.textContent = slot.textContent ? `${slot.textContent}; ${text}` : text;
    if (MARKABLE.includes($(id)?.tagName)) $(id).setAttribute("aria-invalid", "true");
    shown++;
  }
  return problems.length > 0 && shown === problems.length;
}
