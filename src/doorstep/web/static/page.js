// What every dashboard page shares: errors shown in the alert line (an expired session goes to the login page),
// the user named in the header with a working "Log out", the day in the URL, and money in the org's currency.
import { api } from "./api.js";

const $ = (id) => document.getElementById(id);

export function showError(err) {
  $("error").textContent = err ? err.message : "";
}

export async function guarded(fn) {
  showError(null);
  try {
    return await fn();
  } catch (err) {
    if (err.status === 401) location.href = "/login";
    else showError(err);
    return undefined;
  }
}

// Name the user, wire "Log out", and answer who is logged in (with the currency of money amounts).
export async function startPage() {
  const me = await api("GET", "/v1/auth/me");
  $("who").textContent = `${me.name || me.principal_id} (${me.role || "API key"})`;
  $("logout").addEventListener("click", () => guarded(async () => {
    await api("POST", "/v1/auth/logout");
    location.href = "/login";
  }));
  return me;
}

// The day of the page: ?date= in the URL, else today; ``keepDay`` writes a new choice back to the URL.
export function dayFromUrl() {
  return new URL(location.href).searchParams.get("date") || new Date().toISOString().slice(0, 10);
}

export function keepDay(day) {
  const url = new URL(location.href);
  url.searchParams.set("date", day);
  history.replaceState(null, "", url);
  navDay(day);
}

// The header's page links open the same day.
export function navDay(day) {
  for (const a of document.querySelectorAll("nav.pages a")) a.href = `${new URL(a.href).pathname}?date=${day}`;
}

// Cents as money of the given ISO 4217 currency, with its sign ("+€1.20", "−€0.35").
export function money(cents, currency, signed = false) {
  const text = new Intl.NumberFormat("en", { style: "currency", currency }).format(Math.abs(cents) / 100);
  if (!signed) return cents < 0 ? `−${text}` : text;
  return `${cents < 0 ? "−" : "+"}${text}`;
}
