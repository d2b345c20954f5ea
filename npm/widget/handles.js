// The file handles <oss-uploader> keeps, in its own IndexedDB database: the FileSystemFileHandle
// of each file being uploaded, so that after a reload or a browser restart one click (and a
// read-permission prompt) resumes the upload without picking the file again. The library's
// checkpoint store never sees it; a handle is not a secret (it reads nothing without permission).
//
// Records are keyed by what `pending()` reports of an upload — bucket, key, file name, size and
// lastModified — so a handle can be matched to a pending upload without knowing its id.

const DB = "oss-resumable-widget";
const STORE = "fileHandles";

export function handleKey({ bucket, key, fileName, fileSize, lastModified }) {
  return JSON.stringify([bucket, key, fileName, fileSize, lastModified]);
}

let opened = null;
function open() {
  if (!("indexedDB" in globalThis)) return Promise.reject(new Error("no IndexedDB"));
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

function run(mode, fn) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const result = fn(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      }),
  );
}

/** Every stored record as a Map from handleKey to `{ handle, savedAt }`. */
export async function loadHandles() {
  const map = new Map();
  try {
    await open().then(
      (db) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(STORE, "readonly");
          const req = tx.objectStore(STORE).openCursor();
          req.onsuccess = () => {
            const cursor = req.result;
            if (!cursor) return;
            map.set(cursor.key, cursor.value);
            cursor.continue();
          };
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        }),
    );
  } catch {
    // No IndexedDB (private mode, blocked storage): resuming then asks for the file again.
  }
  return map;
}

export async function saveHandle(key, handle) {
  try {
    await run("readwrite", (store) => store.put({ handle, savedAt: Date.now() }, key));
  } catch {
    // Not fatal: the person picks the file again after a reload.
  }
}

export async function deleteHandle(key) {
  try {
    await run("readwrite", (store) => store.delete(key));
  } catch {
    // Nothing to clean up then.
  }
}
