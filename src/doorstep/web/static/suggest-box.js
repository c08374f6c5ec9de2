// Address suggestions while typing (docs/geocoding.md, "Suggestions while typing"): turns a text field into an ARIA
// 1.2 combobox over a listbox (`box`, a <ul> after the field). 150 ms after the last key, from 3 characters (2 when
// the text begins with a digit), `ask(q)` gives the suggestions ({text, label, precision, location}); an answer to an
// older question is dropped. ArrowDown/ArrowUp move the active option, Enter or a click picks it (Enter then does not
// submit the form), Escape closes; leaving the field closes the list. `status` (a polite live region), when given,
// says how many were found (`counted(n)`). Used by the dashboard's order forms (address-find.js) and the tracking
// page's move to another address (track.js); the checkout widget has its own (a classic script, no modules).

const MIN = (q) => (/^\d/.test(q) ? 2 : 3);

// options: ask(q) -> Promise<suggestions>; onPick(s); onType() after each change of the text; hint(s) -> a few
// words shown after an option's text (or ""); counted(n) -> the status text; status: element or null.
// Returns {close, stop}: close the list; stop asking for good (the deployment cannot suggest).
export function suggestBox(input, box, { ask, onPick, onType = () => {}, hint = () => "", counted = () => "", status = null }) {
  let shown = [], active = -1, seq = 0, timer = 0, stopped = false;
  Object.entries({ role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": box.id,
    autocomplete: "off" }).forEach(([a, v]) => input.setAttribute(a, v));

  const activate = (i) => {
    active = i;
    [...box.children].forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
    if (i < 0) return input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-activedescendant", box.children[i].id);
    box.children[i].scrollIntoView({ block: "nearest" });
  };
  const close = () => { // also drops the answer still awaited and the question not yet asked
    clearTimeout(timer);
    seq += 1;
    activate(-1);
    box.hidden = true;
    input.setAttribute("aria-expanded", "false");
  };
  const open = (suggestions) => {
    shown = suggestions;
    box.replaceChildren(...suggestions.map((s, k) => {
      const li = document.createElement("li");
      Object.assign(li, { id: `${box.id}-${k}`, textContent: s.text });
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.precision = s.precision;
      const more = hint(s);
      if (more) {
        const span = document.createElement("span");
        span.className = "hint";
        span.textContent = ` (${more})`;
        li.append(span);
      }
      return li;
    }));
    activate(-1);
    box.hidden = !suggestions.length;
    input.setAttribute("aria-expanded", String(!box.hidden));
    if (status) status.textContent = counted(suggestions.length);
  };
  const pick = (s) => {
    close();
    shown = [];
    input.value = s.text;
    if (status) status.textContent = "";
    onPick(s);
  };
  const question = async (q) => {
    const mine = ++seq;
    const found = await ask(q).catch(() => null);
    if (found && mine === seq && document.activeElement === input) open(found);
  };

  input.addEventListener("input", () => {
    close();
    shown = [];
    onType();
    const q = input.value.trim();
    if (!stopped && q.length >= MIN(q)) timer = setTimeout(() => question(q), 150);
  });
  input.addEventListener("keydown", (ev) => {
    const n = shown.length, isOpen = !box.hidden;
    if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && n) {
      ev.preventDefault();
      if (!isOpen) { box.hidden = false; input.setAttribute("aria-expanded", "true"); } // the last answer again
      activate(ev.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === "Enter" && isOpen) {
      if (active < 0) return close(); // nothing chosen: the form's own Enter
      ev.preventDefault();
      pick(shown[active]);
    } else if (ev.key === "Escape" && isOpen) {
      ev.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => { // the field left: nothing more asked; the list goes shortly after
    clearTimeout(timer);
    seq += 1;
    setTimeout(() => document.activeElement !== input && close(), 100);
  });
  box.addEventListener("mousedown", (ev) => ev.preventDefault()); // the field keeps the focus
  box.addEventListener("click", (ev) => {
    const li = ev.target.closest("li[role='option']");
    if (li) pick(shown[[...box.children].indexOf(li)]);
  });
  const stop = () => {
    stopped = true;
    close();
    ["role", "aria-autocomplete", "aria-expanded", "aria-controls", "aria-activedescendant"].forEach((a) => input.removeAttribute(a));
  };
  return { close, stop };
}
