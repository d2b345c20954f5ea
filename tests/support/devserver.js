// Helpers the browser tests use to talk to oss-devserver's /__dev/ control API and to make
// deterministic test files. Plain fetch: these are test fixtures, not the code under test.
//
// One file for every test binary on purpose: each JS module a binary binds is one more request in
// the burst wasm-bindgen-test-runner's page makes at load, and that server (tiny_http 0.12) hangs
// when that burst opens more than 3 new connections (docs/toolchain.md, "Chromium hangs at
// Loading scripts"). `scripts/check-snippets.sh` (make lint) holds the count.

export async function postJson(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} -> ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function getJson(url) {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Deterministic bytes (xorshift32 from `seed`), as a File. */
export function makeFile(size, seed, name, lastModified) {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return new File([bytes], name, { lastModified, type: "application/octet-stream" });
}

/** A copy of `file` with `length` bytes at `offset` inverted: same name, size, lastModified. */
export async function alterFile(file, offset, length) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  for (let i = offset; i < offset + length && i < bytes.length; i++) bytes[i] ^= 0xff;
  return new File([bytes], file.name, { lastModified: file.lastModified, type: file.type });
}

function openDb(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains("checkpoints")) req.result.createObjectStore("checkpoints");
    };
  });
}

/** Deletes the database `name`; rejects when an open connection blocks it for 5 s (the
 *  library's connections close themselves on `versionchange`). */
export function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    const blocked = setTimeout(() => reject(new Error(`deleting ${name} stayed blocked`)), 5000);
    req.onsuccess = () => {
      clearTimeout(blocked);
      resolve();
    };
    req.onerror = () => {
      clearTimeout(blocked);
      reject(req.error);
    };
  });
}

/** Every record of the checkpoint store as `[key, record]` pairs, serialized to one string. */
export async function dumpStore(dbName) {
  const db = await openDb(dbName);
  try {
    const tx = db.transaction("checkpoints", "readonly");
    const store = tx.objectStore("checkpoints");
    const [keys, values] = await Promise.all([
      new Promise((r, j) => { const q = store.getAllKeys(); q.onsuccess = () => r(q.result); q.onerror = () => j(q.error); }),
      new Promise((r, j) => { const q = store.getAll(); q.onsuccess = () => r(q.result); q.onerror = () => j(q.error); }),
    ]);
    return JSON.stringify(keys.map((k, i) => [k, values[i]]));
  } finally {
    db.close();
  }
}

/** Runs `work(store)` in one read-write transaction of the checkpoint store of `dbName`. */
async function readWrite(dbName, work) {
  const db = await openDb(dbName);
  try {
    const tx = db.transaction("checkpoints", "readwrite");
    const done = new Promise((r, j) => { tx.oncomplete = r; tx.onerror = () => j(tx.error); tx.onabort = () => j(tx.error); });
    await work(tx.objectStore("checkpoints"));
    await done;
  } finally {
    db.close();
  }
}

function read(store, id) {
  return new Promise((r, j) => { const q = store.get(id); q.onsuccess = () => r(q.result); q.onerror = () => j(q.error); });
}

/** Rewrites the checkpoint of record `id` through its JSON text: `edit(json) -> json`. */
export async function editCheckpoint(dbName, id, edit) {
  await readWrite(dbName, async (store) => {
    const record = await read(store, id);
    if (!record) throw new Error(`no checkpoint ${id}`);
    record.checkpoint = JSON.parse(edit(JSON.stringify(record.checkpoint)));
    store.put(record, id);
  });
}

/** Turns the checkpoint of record `id` into JSON text, the form v0.1 stored. */
export async function storeAsText(dbName, id) {
  await readWrite(dbName, async (store) => {
    const record = await read(store, id);
    if (!record) throw new Error(`no checkpoint ${id}`);
    record.checkpoint = JSON.stringify(record.checkpoint);
    store.put(record, id);
  });
}

/** Stores `value` as the whole record under `id`, as damage or another program might. */
export async function putRecord(dbName, id, value) {
  await readWrite(dbName, (store) => store.put(value, id));
}

/** Collects what is passed to console.warn until `stop()`, which restores it and returns them. */
export function captureWarnings() {
  const original = console.warn;
  const seen = [];
  console.warn = (...args) => {
    seen.push(args.map(String).join(" "));
  };
  return { stop: () => { console.warn = original; return seen; } };
}

export async function crc64OfServerObject(url, bucket, key) {
  const { status, body } = await getJson(`${url}/__dev/object-info?bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}`);
  return status === 200 ? body : null;
}

/** Calls `fn` after `ms`. */
export function later(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// --- Issue 13 (tests/handle.rs): signing on the app's server, shared parts in flight ---------

/** STS credentials from /__dev/sts, returned *without* their secret (the page must not need it). */
export async function mintStsWithoutSecret(devUrl) {
  const c = await postJson(`${devUrl}/__dev/sts?ttl=3600`, {});
  return { accessKeyId: c.AccessKeyId, securityToken: c.SecurityToken };
}

/** A `credentials.signer` asking /__dev/sign; every request it was given is pushed to `calls`.
 *  `tamper(signature)` may change the answer (to test wrong ones). */
export function devSigner(devUrl, accessKeyId, calls, tamper) {
  return async (req) => {
    calls.push(req);
    const { signature } = await postJson(`${devUrl}/__dev/sign`, {
      accessKeyId,
      version: req.version,
      stringToSign: req.stringToSign,
      date: req.date,
      region: req.region,
    });
    return tamper ? tamper(signature) : signature;
  };
}

/** Counts UploadParts in flight afresh, for keys starting with `keyPrefix` only. */
export async function resetInFlight(devUrl, keyPrefix) {
  await postJson(`${devUrl}/__dev/in-flight/reset`, { keyPrefix });
}

export async function inFlight(devUrl) {
  const res = await fetch(`${devUrl}/__dev/in-flight`);
  return res.json();
}

/** Settles every promise: [{ok, value}] in order. */
export async function settleAll(promises) {
  const all = await Promise.allSettled(promises);
  return all.map((r) => (r.status === "fulfilled" ? { ok: true, value: r.value } : { ok: false, value: r.reason }));
}
