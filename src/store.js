// The checkpoint store's IndexedDB calls (src/store.rs binds them), one promise per operation.
// Plain IndexedDB in JS is a fraction of the size of an IndexedDB wrapper compiled into the
// .wasm, and each read-write runs inside one transaction without returning to Rust in between,
// so the transaction can never auto-commit half-way.
//
// Layout (unchanged from the earlier rexie-based store, so existing checkpoints still load):
// database `name`, version 1, object store "checkpoints" with out-of-line string keys (the
// checkpoint id); each record is an object whose "checkpoint" field holds the checkpoint JSON.
// Other fields of a record are kept on writes; one is ours: "fileHandle", the
// FileSystemFileHandle an upload was started from (a structured clone, not a secret, and not part
// of the checkpoint's JSON or its integrity record; src/file_handle.rs).
// Every rejection is a string, "<DOMException name>: <message>", for the warning or error text.

const STORE = "checkpoints";
const FIELD = "checkpoint";
const HANDLE = "fileHandle";

/** The handles of uploads running in this page, by checkpoint id: putCheckpoint stores each one
 *  beside its checkpoint, so no record is ever written for a handle alone. */
const running = new Map();
export const rememberHandle = (id, handle) => void running.set(id, handle);
export const forgetHandle = (id) => void running.delete(id);

const text = (e) => String(e ?? "IndexedDB transaction aborted");

/** Opens (creating when new) the database; resolves to the IDBDatabase. */
export function openDb(name) {
  return new Promise((resolve, reject) => {
    try {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading or deleting the database must not wait for this page to close.
        db.onversionchange = () => db.close();
        resolve(db);
      };
      req.onerror = () => reject(text(req.error));
    } catch (e) {
      // No IndexedDB at all (`indexedDB` undefined) or a SecurityError (opaque origins).
      reject(text(e));
    }
  });
}

/** Runs `work(store, tx)` in one transaction; resolves to what `work` left in `out.value`. */
function run(db, mode, work) {
  return new Promise((resolve, reject) => {
    try {
      const tx = db.transaction(STORE, mode);
      const out = {};
      tx.oncomplete = () => resolve(out.value);
      tx.onerror = () => reject(text(tx.error));
      tx.onabort = () => reject(text(tx.error));
      work(tx.objectStore(STORE), out);
    } catch (e) {
      reject(text(e));
    }
  });
}

/** The "checkpoint" string of a record, or undefined. */
const checkpointOf = (record) =>
  record !== null && typeof record === "object" && typeof record[FIELD] === "string"
    ? record[FIELD]
    : undefined;

/** The checkpoint JSON stored under `id`, or undefined. */
export function getCheckpoint(db, id) {
  return run(db, "readonly", (store, out) => {
    const req = store.get(id);
    req.onsuccess = () => (out.value = checkpointOf(req.result));
  });
}

/** Stores `json` under `id`, keeping any other field of an existing record. */
export function putCheckpoint(db, id, json) {
  return run(db, "readwrite", (store) => {
    const req = store.get(id);
    req.onsuccess = () => {
      const existing = req.result;
      const record = existing !== null && typeof existing === "object" ? existing : {};
      record[FIELD] = json;
      const handle = running.get(id);
      if (handle) record[HANDLE] = handle;
      try {
        store.put(record, id);
      } catch (e) {
        // A DataCloneError: this browser cannot store the handle; keep the checkpoint.
        if (!handle) throw e;
        running.delete(id);
        delete record[HANDLE];
        store.put(record, id);
      }
    };
  });
}

export function deleteCheckpoint(db, id) {
  return run(db, "readwrite", (store) => store.delete(id));
}

/** Every `[id, checkpoint JSON]` of the store, in key order. */
export function allCheckpoints(db) {
  return run(db, "readonly", (store, out) => {
    const keys = store.getAllKeys();
    const values = store.getAll();
    // getAllKeys and getAll return the same records in the same (key) order.
    values.onsuccess = () => {
      out.value = [];
      keys.result.forEach((id, i) => {
        const json = checkpointOf(values.result[i]);
        if (typeof id === "string" && json !== undefined) out.value.push([id, json]);
      });
    };
  });
}

/** The FileSystemFileHandle stored beside the checkpoint `id`, or undefined. */
export function getFileHandle(db, id) {
  return run(db, "readonly", (store, out) => {
    const req = store.get(id);
    req.onsuccess = () => (out.value = req.result?.[HANDLE] ?? undefined);
  });
}

/** Forgets the handle stored beside `id` (it no longer reads the file); the checkpoint stays. */
export function dropFileHandle(db, id) {
  return run(db, "readwrite", (store) => {
    const req = store.get(id);
    req.onsuccess = () => {
      if (!req.result?.[HANDLE]) return;
      delete req.result[HANDLE];
      store.put(req.result, id);
    };
  });
}

/** The ids of the records that keep a handle. */
export function handleIds(db) {
  return run(db, "readonly", (store, out) => {
    const keys = store.getAllKeys();
    const values = store.getAll();
    values.onsuccess = () => (out.value = keys.result.filter((id, i) => values.result[i]?.[HANDLE]));
  });
}
