// The driver app's service worker: the app shell (page, scripts, styles, Leaflet) is cached so the app opens
// without a network; API calls are never cached here (the app keeps its own data in IndexedDB).
const CACHE = "doorstep-driver-v2";
const SHELL = [
  "/driver/", "/driver/manifest.webmanifest", "/static/app/driver.js", "/static/app/driver-store.js",
  "/static/app/driver-sync.js", "/static/app/driver-proof.js", "/static/app/driver-live.js", "/static/app/driver.css", "/static/app/driver-icon.svg",
  "/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css",
];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/v1/")) return;
  // network first (fresh code when online), the cached shell when offline
  ev.respondWith(fetch(ev.request).then((resp) => {
    if (resp.ok && SHELL.includes(url.pathname)) {
      const copy = resp.clone();
      caches.open(CACHE).then((c) => c.put(ev.request, copy));
    }
    return resp;
  }).catch(() => caches.match(ev.request, { ignoreSearch: true })));
});
