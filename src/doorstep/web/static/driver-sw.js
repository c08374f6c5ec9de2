// The driver app's service worker: the app shell (page, scripts, styles, Leaflet) is cached so the app opens
// without a network; API calls are never cached here (the app keeps its own data in IndexedDB). Map tiles the app
// has shown (street map switched on) are kept in a second, bounded cache so the areas already viewed still draw
// offline; nothing is downloaded ahead of time (the tile server's usage policy forbids bulk downloads).
const CACHE = "doorstep-driver-v4";
const TILES = "doorstep-driver-tiles-v1";
const MAX_TILES = 2000; // about 20-40 MB of PNG tiles; the oldest fetched go first
const FRESH_MS = 7 * 24 * 3600 * 1000; // a cached tile is used without asking the server for a week
const TILE_PATH = /\/\d+\/\d+\/\d+\.png$/;
const SHELL = [
  "/driver/", "/driver/manifest.webmanifest", "/static/app/driver.js", "/static/app/driver-store.js",
  "/static/app/driver-sync.js", "/static/app/driver-proof.js", "/static/app/driver-load.js", "/static/app/driver-live.js", "/static/app/tiles.js", "/static/app/driver.css",
  "/static/app/driver-icon.svg", "/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css",
];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE && k !== TILES).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

let trimming = Promise.resolve(), stored = 0;
function trim(cache) {
  // keys() lists entries in the order they were stored: drop the oldest beyond the bound (checked every 25 tiles,
  // so the cache holds at most MAX_TILES + 24)
  if (stored++ % 25 !== 0) return trimming;
  trimming = trimming.then(async () => {
    const keys = await cache.keys();
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_TILES))) await cache.delete(k);
  }).catch(() => {});
  return trimming;
}

async function tile(request) {
  const cache = await caches.open(TILES);
  const hit = await cache.match(request);
  const at = Number(hit?.headers.get("x-doorstep-fetched") || 0);
  if (hit && Date.now() - at < FRESH_MS) return hit;
  try {
    const resp = await fetch(request);
    if (resp.ok && resp.type !== "opaque") {
      const headers = new Headers({ "Content-Type": resp.headers.get("Content-Type") || "image/png",
        "x-doorstep-fetched": String(Date.now()) });
      await cache.put(request, new Response(await resp.clone().blob(), { status: 200, headers }));
      trim(cache);
    }
    return resp;
  } catch (err) {
    if (hit) return hit; // offline: the tile seen before, however old
    throw err;
  }
}

self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET") return;
  if (url.origin !== location.origin) {
    if (TILE_PATH.test(url.pathname)) ev.respondWith(tile(ev.request));
    return;
  }
  if (url.pathname.startsWith("/v1/")) return;
  // network first (fresh code when online), the cached shell when offline
  ev.respondWith(fetch(ev.request).then((resp) => {
    if (resp.ok && SHELL.includes(url.pathname)) {
      const copy = resp.clone();
      caches.open(CACHE).then((c) => c.put(ev.request, copy));
    }
    return resp;
  }).catch(() => caches.match(ev.request, { ignoreSearch: true })));
});
