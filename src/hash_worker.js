// Reading a byte range of the user's file and folding it into a CRC-64: the one read routine
// (`readRange`) shared by the page's main thread and the hashing worker, and the worker itself
// (src/hash_worker.rs and src/file.rs bind them).
//
// The worker is created from a script in a `blob:` URL, so bundlers have no extra file to place.
// That script is built at run time from the source text of `readRange` and `hashingWorker`
// (`Function.prototype.toString()`), so both must stay self-contained: they reach nothing outside
// their own bodies but globals and their parameters. The script therefore survives minification
// (scripts/minify-js.sh renames consistently inside a function, and the names it might rename
// are passed in as arguments).
//
// The worker is given this very `WebAssembly.Module` (posting a compiled module shares its code:
// nothing is fetched or compiled again), instantiates it on its own memory with every import
// replaced by a stub that throws, and calls only two raw exports that touch no import
// (`oss_resumable_hash_buffer`, `oss_resumable_crc64_update`). One worker serves every upload of
// the page; it stops after 10 s without work.

/** Bytes read and hashed per step: about 1 ms of work, one short task on the main thread. */
const CHUNK = 1 << 20;
/** The hashing worker stops after this long without work. */
const IDLE_MS = 10000;

/**
 * Reads `blob[start, end)` in steps of at most `reuse.chunk` bytes and hands each step's bytes,
 * in order, to `fold(bytes)` (a view that is valid only during the call). Every step of every
 * range reads into one ArrayBuffer, `reuse.buffer` (null until the first read), so memory stays
 * flat whatever the range. `pause()`, when given, is awaited between steps. Resolves to the
 * number of bytes read, fewer than `end - start` when the file got shorter; rejects with the
 * browser's DOMException when it cannot read the file (NotReadableError: the file was changed,
 * moved or its permission revoked).
 */
export async function readRange(blob, start, end, reuse, fold, pause) {
  const chunk = reuse.chunk;
  // Blob.stream() is a byte stream in Chromium and Firefox: it is read into the reused buffer,
  // with no ArrayBuffer per read, so the JS heap stays flat and the renderer does about half the
  // work of arrayBuffer(). WebKit's is not (getReader({ mode: "byob" }) throws
  // "ReadableStreamBYOBReader needs a ReadableByteStreamController" in WebKitGTK 2.50; the
  // Streams spec lets a UA's Blob stream be a plain stream), so there the range is read with one
  // arrayBuffer() per slice instead.
  let reader = null;
  try {
    reader = blob.slice(start, end).stream().getReader({ mode: "byob" });
  } catch {
    reader = null;
  }
  if (!reader) {
    let at = start;
    while (at < end) {
      const want = Math.min(chunk, end - at);
      const bytes = new Uint8Array(await blob.slice(at, at + want).arrayBuffer());
      fold(bytes);
      at += bytes.byteLength;
      // A short slice: the file got shorter; the caller compares the length with its range.
      if (bytes.byteLength < want) break;
      if (at < end && pause) await pause();
    }
    return at - start;
  }
  let length = 0;
  let filled = 0;
  try {
    for (;;) {
      reuse.buffer ??= new ArrayBuffer(chunk);
      const { done, value } = await reader.read(new Uint8Array(reuse.buffer, filled, chunk - filled));
      // The read transferred the buffer; its bytes come back in `value` (an empty view when
      // done), whose buffer is the one to use from now on. No view at all: the stream was
      // cancelled, the buffer is gone and a fresh one is made for the next range.
      if (value) {
        reuse.buffer = value.buffer;
        filled += value.byteLength;
      } else if (done) {
        reuse.buffer = null;
        filled = 0;
      } else {
        throw new DOMException("the file's stream returned no bytes", "NotReadableError");
      }
      if (filled === chunk || (done && filled > 0)) {
        fold(new Uint8Array(reuse.buffer, 0, filled));
        length += filled;
        filled = 0;
        // Reads of bytes already queued resolve as microtasks, so without a pause the whole
        // range would be hashed in one long task (~90 ms seen per 8 MiB part on the main
        // thread). Not after the last step: the next range's first read is a real task
        // boundary, and an extra hop there only delays the parts waiting to be sent.
        if (!done && pause) await pause();
      }
      if (done) return length;
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
}

/**
 * The worker's script, run inside the worker with `readRange` and `CHUNK` as arguments. Jobs run
 * one at a time (they share the read buffer and the wasm buffer); hashing is several times faster
 * than an upload, so a queue of three parts is never the bottleneck.
 */
function hashingWorker(readRange, chunk) {
  const reuse = { chunk, buffer: null };
  let wasm = null;
  let ptr = 0;
  let queue = Promise.resolve();

  function instantiate(module) {
    const imports = {};
    for (const i of WebAssembly.Module.imports(module)) {
      if (i.kind !== "function") throw new Error("the module imports a " + i.kind);
      (imports[i.module] ??= {})[i.name] = () => {
        throw new Error(i.name + " is not available here");
      };
    }
    wasm = new WebAssembly.Instance(module, imports).exports;
    ptr = wasm.oss_resumable_hash_buffer(chunk);
  }

  async function hash(blob, start, end) {
    let crc = 0n;
    const length = await readRange(blob, start, end, reuse, (bytes) => {
      new Uint8Array(wasm.memory.buffer, ptr, bytes.byteLength).set(bytes);
      crc = wasm.oss_resumable_crc64_update(crc, ptr, bytes.byteLength);
    });
    // An i64 comes back from wasm as a signed BigInt; a u64 does not survive a JS number, so it
    // crosses to the page as two 32-bit halves.
    const u = BigInt.asUintN(64, crc);
    return { hi: Number(u >> 32n), lo: Number(u & 0xffffffffn), length };
  }

  self.onmessage = ({ data }) => {
    if (data.module) {
      try {
        instantiate(data.module);
      } catch (e) {
        postMessage({ fallback: String(e) });
      }
      return;
    }
    queue = queue.then(async () => {
      try {
        postMessage({ id: data.id, ...(await hash(data.blob, data.start, data.end)) });
      } catch (e) {
        // A DOMException is the browser refusing the file; anything else is this worker's
        // trouble (a module it could not instantiate, say), and the main thread hashes instead.
        postMessage(
          e instanceof DOMException
            ? { id: data.id, error: e.name + ": " + e.message }
            : { id: data.id, fallback: String(e) },
        );
      }
    });
  };
}

// ---- the main thread ---------------------------------------------------------------------------

/** A read buffer for `readRangeHere`: one per hashing task, reused for every range it reads. */
export function readBuffer() {
  return { chunk: CHUNK, buffer: null };
}

/**
 * `readRange` on this thread, where no worker can run: between steps it lets the page's other
 * tasks (input, rendering, timers, XHR events) run first.
 */
export function readRangeHere(blob, start, end, reuse, fold) {
  const pause = typeof MessageChannel === "function" ? nextTask : undefined;
  return readRange(blob, start, end, reuse, fold, pause);
}

/**
 * Resolves in a `MessageChannel` message: a task at the back of the queue, without the 4 ms clamp
 * of nested `setTimeout`. (`scheduler.yield()` was tried: its continuation jumps the queue, so
 * the page's timers still waited up to ~70 ms behind hashing.)
 */
function nextTask() {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

let worker = null;
let url = null;
let broken = false;
let nextId = 0;
let idleTimer = 0;
const pending = new Map();
// Jobs the worker hashed, and jobs it handed back to the main thread (tests read these).
const jobs = { done: 0, fallback: 0 };

function stop(reason) {
  jobs.fallback += pending.size;
  for (const resolve of pending.values()) resolve({ fallback: reason });
  pending.clear();
  if (worker) worker.terminate();
  worker = null;
  if (url) URL.revokeObjectURL(url);
  url = null;
}

function spawn(module) {
  if (worker || broken) return worker;
  try {
    const source = `"use strict";\n(${hashingWorker})(${readRange}, ${CHUNK});\n`;
    url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    worker = new Worker(url);
  } catch (e) {
    broken = true;
    stop(String(e));
    return null;
  }
  worker.onmessage = ({ data }) => {
    // The script has loaded: its blob: URL is no longer needed.
    if (url) {
      URL.revokeObjectURL(url);
      url = null;
    }
    if (data.id === undefined) {
      broken = true;
      stop(data.fallback);
      return;
    }
    const resolve = pending.get(data.id);
    pending.delete(data.id);
    if (data.hi !== undefined) jobs.done++;
    else if (data.fallback !== undefined) jobs.fallback++;
    if (resolve) resolve(data);
    armIdle();
  };
  // Blocked by a Content-Security-Policy, or the script failed: hash on the main thread.
  worker.onerror = (e) => {
    e.preventDefault();
    broken = true;
    stop(e.message || "the hashing worker failed");
  };
  worker.postMessage({ module });
  return worker;
}

function armIdle() {
  if (pending.size > 0) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (pending.size === 0) stop("idle");
  }, IDLE_MS);
}

function usable(module) {
  return typeof Worker === "function" && module instanceof WebAssembly.Module;
}

/** Starts the worker if it is not running, so its start-up overlaps an upload's first requests. */
export function warmHashWorker(module) {
  if (usable(module) && spawn(module)) armIdle();
}

/** `[hashed in the worker, handed back to the main thread]`, counted since the page loaded. */
export function hashWorkerJobs() {
  return [jobs.done, jobs.fallback];
}

/**
 * Hashes `blob[start, end)` in the worker: a promise of `{hi, lo, length}`, `{error}` (the
 * browser refused the file) or `{fallback}` (hash it on the main thread); `null` when no worker
 * can run.
 */
export function hashInWorker(module, blob, start, end) {
  if (!usable(module)) return null;
  const w = spawn(module);
  if (!w) return null;
  clearTimeout(idleTimer);
  const id = ++nextId;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    w.postMessage({ id, blob, start, end });
  });
}
