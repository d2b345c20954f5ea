// The checkpoint store's IndexedDB calls (src/store/mod.rs binds them), one promise per operation.
// Plain IndexedDB in JS is a fraction of the size of an IndexedDB wrapper compiled into the
// .wasm, and each read-write runs inside one transaction without returning to Rust in between,
// so the transaction can never auto-commit half-way.
//
// Layout (unchanged since the earlier rexie-based store, so existing checkpoints still load):
// database `name`, version 1, object store "checkpoints" with out-of-line string keys (the
// checkpoint id); each record is a plain object whose "checkpoint" field holds the checkpoint: an
// object (parsed from the JSON text src/store/mod.rs writes), or the JSON text of one in records
// v0.1 wrote.
// Other fields of a record are kept on writes; one is ours: "fileHandle", the
// FileSystemFileHandle an upload was started from (a structured clone, not a secret, and not part
// of the checkpoint or its integrity record; src/file_handle.rs).
// This module does not judge checkpoints: src/store/mod.rs decodes what it returns, and deletes
// what does not decode.
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

/** The databases of this page by name, open or opening: every Uploader of the page shares one
 *  connection, and an Uploader that starts opening its store when it is made (so that a resume
 *  after a reload does not wait for it) and its first upload asking for it meanwhile get the
 *  same one. A database that fails to open or closes is forgotten; the next call opens it again. */
const databases = new Map();

/** Opens (creating when new) the database; resolves to the IDBDatabase. */
export function openDb(name) {
  let db = databases.get(name);
  if (!db) {
    const forget = () => databases.get(name) === db && databases.delete(name);
    db = open(name, forget);
    databases.set(name, db);
    db.catch(forget);
  }
  return db;
}

function open(name, forget) {
  return new Promise((resolve, reject) => {
    try {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading or deleting the database must not wait for this page to close.
        db.onversionchange = () => {
          forget();
          db.close();
        };
        // Closed by the browser (storage cleared, disk error).
        db.onclose = forget;
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

/**
 * True for a record as this store writes it: a plain object. Bytes, arrays, strings and other
 * objects are not, and must be replaced whole: a field set on an ArrayBuffer or a Blob is not
 * part of its structured clone, so it would be lost on `put`, and the damage kept for ever.
 */
const isRecord = (value) =>
  value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype;

/** The "checkpoint" field of a stored value, `null` when it has none (damaged or foreign). */
const checkpointOf = (value) => (isRecord(value) ? value[FIELD] ?? null : null);

/** The checkpoint stored under `id`: undefined when nothing is, null when what is has none. */
export function getCheckpoint(db, id) {
  return run(db, "readonly", (store, out) => {
    const req = store.get(id);
    req.onsuccess = () => {
      if (req.result !== undefined) out.value = checkpointOf(req.result);
    };
  });
}

/** Stores the checkpoint whose JSON text is `json` under `id`, as an object, keeping the other
 *  fields of an existing record. */
export function putCheckpoint(db, id, json) {
  let checkpoint;
  try {
    checkpoint = JSON.parse(json);
  } catch {
    // Not the parser's message: it may quote the text. (The core writes the text, so this
    // would be a bug of ours.)
    return Promise.reject("SyntaxError: the checkpoint's JSON text does not parse");
  }
  return run(db, "readwrite", (store) => {
    const req = store.get(id);
    req.onsuccess = () => {
      const record = isRecord(req.result) ? req.result : {};
      record[FIELD] = checkpoint;
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

/** Every `[id, checkpoint or null]` of the store with a string key, in key order. */
export function allCheckpoints(db) {
  return run(db, "readonly", (store, out) => {
    const keys = store.getAllKeys();
    const values = store.getAll();
    // getAllKeys and getAll return the same records in the same (key) order.
    values.onsuccess = () => {
      out.value = [];
      keys.result.forEach((id, i) => {
        if (typeof id === "string") out.value.push([id, checkpointOf(values.result[i])]);
      });
    };
  });
}

/** How long an answer asked for ahead stays good: an STS token lasts 15 minutes at least
 *  (docs/protocol.md §8.1), and a user who comes back later gets credentials asked for then. */
const AHEAD_FRESH_MS = 5 * 60 * 1000;

/**
 * The credentials `provider`, asked ahead (issue 16): when the database `name` holds a record (an
 * upload to resume, most likely), it is called as soon as that is known, as the Uploader is made,
 * so that a resume after a reload finds the answer in instead of waiting a round trip to the
 * app's token service after the user picks the file. The first call of the returned function
 * takes that answer while it is fresh; otherwise (an empty or unreadable store, the count not in
 * yet, a rejection, an older answer) it asks `provider` at once, as without this, and nothing is
 * asked ahead any more. Records are counted, not read: a damaged one is left for the read that
 * deletes it and says so once.
 */
export function askedAhead(name, provider) {
  const at = Date.now();
  let ahead = null; // the provider's answer, once asked ahead
  let taken = false;
  openDb(name)
    .then((db) => run(db, "readonly", (store, out) => {
      const req = store.count();
      req.onsuccess = () => (out.value = req.result > 0);
    }))
    .then((any) => {
      if (any && !taken) ahead = Promise.resolve().then(provider).catch(() => undefined);
    }, () => {});
  return () => {
    const answer = taken ? null : ahead;
    taken = true;
    if (!answer || Date.now() - at > AHEAD_FRESH_MS) return provider();
    return answer.then((value) => value ?? provider());
  };
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
