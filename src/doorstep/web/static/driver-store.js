// The phone's durable state in IndexedDB: the outbox of actions and positions (each with its client id, in the
// order they happened) and a few saved values (the session, the last routes seen).
const DB = "doorstep-driver";
let dbPromise = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true }).createIndex("client_id", "client_id", { unique: true });
        db.createObjectStore("kv");
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

async function run(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const result = fn(tx.objectStore(store));
    tx.oncomplete = () => resolve(result instanceof IDBRequest ? result.result : result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// item: {kind: "action"|"scan"|"check"|"position", client_id, ...}; stored before anything is sent.
export function enqueue(item) {
  return run("outbox", "readwrite", (s) => s.add({ ...item, queued_at: new Date().toISOString() }));
}

export function pending() {
  return run("outbox", "readonly", (s) => s.getAll());
}

// What waits to be sent: {actions, scans, positions} (scans: the loading scan's scans and checks).
export async function count() {
  const items = await pending();
  const actions = items.filter((i) => i.kind === "action").length;
  const positions = items.filter((i) => i.kind === "position").length;
  return { actions, scans: items.length - actions - positions, positions, total: items.length };
}

export function remove(seqs) {
  return run("outbox", "readwrite", (s) => { for (const k of seqs) s.delete(k); });
}

export function get(key) {
  return run("kv", "readonly", (s) => s.get(key));
}

export function put(key, value) {
  return run("kv", "readwrite", (s) => s.put(value, key));
}

export function del(key) {
  return run("kv", "readwrite", (s) => s.delete(key));
}
