// The orders page: search by words of the reference, customer or address, filter by status and day, and open an
// order's detail panel (order-detail.js).
import { api, el, hhmm } from "./api.js";
import { openOrder, setupDetail } from "./order-detail.js";
import { guarded, keepDay, startPage } from "./page.js";

const $ = (id) => document.getElementById(id);
let next = null;

function params(cursor) {
  const p = new URLSearchParams({ limit: "100" });
  for (const [key, id] of [["q", "q"], ["status", "status"], ["date", "day"]]) if ($(id).value) p.set(key, $(id).value);
  if (cursor) p.set("cursor", cursor);
  return p;
}

function row(o) {
  const w = o.data.time_windows[0];
  const open = el("button", { type: "button", class: "link open-order", "aria-label": `Open order ${o.external_ref}` }, o.external_ref);
  open.addEventListener("click", () => guarded(async () => {
    for (const tr of $("results").querySelectorAll("tr.selected")) tr.classList.remove("selected");
    open.closest("tr").classList.add("selected");
    await openOrder(o.id);
  }));
  return el("tr", { "data-id": o.id }, el("th", { scope: "row" }, open), el("td", {}, o.data.contact?.name ?? ""),
    el("td", {}, o.data.address), el("td", { class: "status" }, o.status), el("td", {}, o.date),
    el("td", {}, w ? `${hhmm(w.start)}–${hhmm(w.end)}` : ""));
}

async function search(more = false) {
  const page = await api("GET", `/v1/orders?${params(more ? next : null)}`);
  const body = $("results").querySelector("tbody");
  if (!more) body.replaceChildren();
  body.append(...page.items.map(row));
  next = page.next_cursor;
  $("more-btn").hidden = !next;
  const shown = body.children.length;
  $("orders-count").textContent = `(${shown}${next ? "+" : ""})`;
  if ($("day").value) keepDay($("day").value);
}

async function init() {
  const me = await startPage();
  $("day").value = new URL(location.href).searchParams.get("date") || "";
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(() => search());
  });
  $("more-btn").addEventListener("click", () => guarded(() => search(true)));
  setupDetail(me.currency, () => search());
  await search();
  const asked = new URL(location.href).searchParams.get("order");  // linked from the plan page's order list
  if (asked) {
    $("results").querySelector(`tr[data-id="${CSS.escape(asked)}"]`)?.classList.add("selected");
    await openOrder(asked);
  }
  document.body.dataset.ready = "1";
}

guarded(init);
