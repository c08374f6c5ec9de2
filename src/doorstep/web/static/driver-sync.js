// Sends the outbox when the network allows: actions one by one in the order they happened, positions in batches.
// An item leaves the outbox only after the server answered for it (stored, replayed or refused with a code), so
// nothing is lost; the server recognises client ids, so sending twice never counts twice.
import { pending, remove, get, put } from "./driver-store.js";

const BATCH = 200;
let queue = Promise.resolve();

export class SessionExpired extends Error {}

async function post(path, token, body) {
  const resp = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const data = await resp.json().catch(() => null);
  if (resp.status === 401) throw new SessionExpired(data?.error?.message || "session expired");
  if (resp.status >= 500 || resp.status === 429) throw new Error(`server busy (${resp.status})`);
  return { ok: resp.ok, data };
}

async function sendAction(item, token, outcomes) {
  const { ok, data } = await post(`/v1/driver/stops/${item.stop_id}/events`, token, item.body);
  outcomes[item.client_id] = ok ? { ok, status: data.status, flagged: data.flagged, scan: data.scan, replayed: data.replayed }
    : { ok, error: data?.error?.code, message: data?.error?.message };
}

// A loading scan or the done-loading check of a route (driver-load.js); the answer is kept for the view.
async function sendLoad(item, token, outcomes) {
  const path = `/v1/driver/routes/${item.route_id}/${item.kind === "scan" ? "load-scans" : "load-checks"}`;
  const { ok, data } = await post(path, token, item.body);
  outcomes[item.client_id] = ok ? { ok, ...data } : { ok, error: data?.error?.code, message: data?.error?.message };
}

async function sendPositions(items, token) {
  const body = { route_id: items[items.length - 1].route_id || null, positions: items.map((i) => i.fix) };
  await post("/v1/driver/positions", token, body);
}

async function flushOnce(token) {
  const items = await pending();
  const outcomes = (await get("outcomes")) || {};
  let sent = 0;
  const fixes = items.filter((i) => i.kind === "position");
  for (let k = 0; k < fixes.length; k += BATCH) {
    const part = fixes.slice(k, k + BATCH);
    await sendPositions(part, token);
    await remove(part.map((i) => i.seq));
    sent += part.length;
  }
  for (const item of items.filter((i) => i.kind !== "position")) {  // actions and scans, in the order they happened
    await (item.kind === "action" ? sendAction : sendLoad)(item, token, outcomes);
    await put("outcomes", outcomes);
    await remove([item.seq]);
    sent += 1;
  }
  return sent;
}

// Flush everything waiting, one run after another (an item queued during a run goes in the next). Resolves to the
// number of items sent; a network failure leaves the rest queued (rejects), a 401 rejects with SessionExpired.
export function flush(token) {
  const run = queue.catch(() => {}).then(() => flushOnce(token));
  queue = run;
  return run;
}
