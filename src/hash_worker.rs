//! CRC-64 of file ranges in a dedicated Worker, so reading and hashing a gigabyte costs the
//! page's main thread nothing but a message per part.
//!
//! The worker is created from a script in a `blob:` URL (no extra file for bundlers to place) and
//! given this very `WebAssembly.Module` (posting a compiled module shares its code: nothing is
//! fetched or compiled again). It instantiates the module on its own memory with every import
//! replaced by a stub that throws, and calls only the two raw exports below, which touch no
//! import. The worker reads the range as a byte stream into one reused buffer (in WebKit, whose
//! Blob stream is not a byte stream, with one `arrayBuffer()` per 1 MiB slice), copies each 1 MiB
//! into its wasm memory and folds it into the CRC.
//!
//! Where a worker cannot run (no `Worker`, a Content-Security-Policy without `worker-src blob:`,
//! a build target without `wasm_bindgen::module()`), [`crc64`] answers `None` and the caller
//! hashes on the main thread in short slices, as before. One worker serves every upload of the
//! page; it stops after 10 s without work.

use js_sys::{Promise, Reflect};
use oss_resumable_core::crc64::Crc64;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// How a range hashed in the worker came out.
pub enum WorkerHash {
    /// The CRC-64 and how many bytes the stream gave (fewer than asked: the file shrank).
    Done { crc: u64, length: u64 },
    /// The browser could not read the file (`NotReadableError` and the like): `name: message`.
    ReadFailed(String),
}

#[wasm_bindgen(inline_js = r#"
// The worker's script. Jobs run one at a time (they share the read buffer and the wasm buffer);
// hashing is ten times faster than an upload, so a queue of three parts is never the bottleneck.
const SOURCE = `"use strict";
const CHUNK = 1 << 20;
let wasm = null, ptr = 0, buffer = null, queue = Promise.resolve();
function instantiate(module) {
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== "function") throw new Error("the module imports a " + i.kind);
    (imports[i.module] ??= {})[i.name] = () => { throw new Error(i.name + " is not available here"); };
  }
  wasm = new WebAssembly.Instance(module, imports).exports;
  ptr = wasm.oss_resumable_hash_buffer(CHUNK);
}
// Blob.stream() is a byte stream in Chromium and Firefox: read into one reused buffer. WebKit's
// is not (getReader({ mode: "byob" }) throws "ReadableStreamBYOBReader needs a
// ReadableByteStreamController" in WebKitGTK 2.50; the Streams spec lets a UA's Blob stream be
// a plain stream), so there the range is read with one arrayBuffer() per 1 MiB slice instead.
async function hash(blob, start, end) {
  let reader = null;
  try { reader = blob.slice(start, end).stream().getReader({ mode: "byob" }); } catch (e) { reader = null; }
  return reader ? hashStream(reader) : hashSlices(blob, start, end);
}
function fold(crc, bytes) {
  new Uint8Array(wasm.memory.buffer, ptr, bytes.byteLength).set(bytes);
  return wasm.oss_resumable_crc64_update(crc, ptr, bytes.byteLength);
}
function result(crc, length) {
  const u = BigInt.asUintN(64, crc);
  return { hi: Number(u >> 32n), lo: Number(u & 0xffffffffn), length };
}
async function hashStream(reader) {
  let crc = 0n, length = 0, filled = 0;
  for (;;) {
    buffer ??= new ArrayBuffer(CHUNK);
    const { done, value } = await reader.read(new Uint8Array(buffer, filled, CHUNK - filled));
    // The read transferred the buffer; its bytes come back in value (an empty view when done).
    if (value) { buffer = value.buffer; filled += value.byteLength; } else { buffer = null; filled = 0; }
    if (filled === CHUNK || (done && filled > 0)) {
      crc = fold(crc, new Uint8Array(buffer, 0, filled));
      length += filled;
      filled = 0;
    }
    if (done) break;
  }
  return result(crc, length);
}
async function hashSlices(blob, start, end) {
  let crc = 0n, length = 0;
  for (let at = start; at < end; at += CHUNK) {
    const want = Math.min(CHUNK, end - at);
    const bytes = new Uint8Array(await blob.slice(at, at + want).arrayBuffer());
    crc = fold(crc, bytes);
    length += bytes.byteLength;
    // A short slice: the file shrank; the caller compares length with what it asked for.
    if (bytes.byteLength < want) break;
  }
  return result(crc, length);
}
onmessage = ({ data }) => {
  if (data.module) {
    try { instantiate(data.module); } catch (e) { postMessage({ fallback: String(e) }); }
    return;
  }
  queue = queue.then(async () => {
    try {
      postMessage({ id: data.id, ...(await hash(data.blob, data.start, data.end)) });
    } catch (e) {
      // A DOMException is the browser refusing the file; anything else is this worker's
      // trouble (a module it could not instantiate, say), and the main thread hashes instead.
      postMessage(e instanceof DOMException
        ? { id: data.id, error: e.name + ": " + e.message }
        : { id: data.id, fallback: String(e) });
    }
  });
};`;

const IDLE_MS = 10000;
let worker = null, url = null, broken = false, nextId = 0, idleTimer = 0;
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
    url = URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" }));
    worker = new Worker(url);
  } catch (e) {
    broken = true;
    stop(String(e));
    return null;
  }
  worker.onmessage = ({ data }) => {
    // The script has loaded: its blob: URL is no longer needed.
    if (url) { URL.revokeObjectURL(url); url = null; }
    if (data.id === undefined) { broken = true; stop(data.fallback); return; }
    const resolve = pending.get(data.id);
    pending.delete(data.id);
    if (data.hi !== undefined) jobs.done++;
    else if (data.fallback !== undefined) jobs.fallback++;
    if (resolve) resolve(data);
    armIdle();
  };
  // Blocked by a Content-Security-Policy, or the script failed: hash on the main thread.
  worker.onerror = (e) => { e.preventDefault(); broken = true; stop(e.message || "the hashing worker failed"); };
  worker.postMessage({ module });
  return worker;
}

function armIdle() {
  if (pending.size > 0) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => { if (pending.size === 0) stop("idle"); }, IDLE_MS);
}

function usable(module) {
  return typeof Worker === "function" && module instanceof WebAssembly.Module;
}

export function warm_hash_worker(module) {
  if (usable(module) && spawn(module)) armIdle();
}

export function hash_worker_jobs() {
  return [jobs.done, jobs.fallback];
}

export function hash_in_worker(module, blob, start, end) {
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
"#)]
extern "C" {
    /// A promise of `{hi, lo, length}`, `{error}` or `{fallback}`; `null` when no worker can run.
    #[wasm_bindgen(js_name = hash_in_worker)]
    fn hash_in_worker(module: &JsValue, blob: &Blob, start: f64, end: f64) -> JsValue;
    #[wasm_bindgen(js_name = warm_hash_worker)]
    fn warm_hash_worker(module: &JsValue);
    #[wasm_bindgen(js_name = hash_worker_jobs)]
    fn hash_worker_jobs() -> Vec<u32>;
}

/// How many ranges the hashing worker has hashed on this page, and how many it handed back to
/// the main thread (its engine could not do it there). For tests: a worker that exists but
/// never does the work is otherwise invisible, since the upload still succeeds.
#[doc(hidden)]
pub fn jobs() -> (u32, u32) {
    let counts = hash_worker_jobs();
    (
        counts.first().copied().unwrap_or(0),
        counts.get(1).copied().unwrap_or(0),
    )
}

/// Starts the hashing worker if it is not running, so that its start-up (a few ms) overlaps the
/// requests an upload makes before its first part is hashed.
pub fn warm() {
    warm_hash_worker(&wasm_bindgen::module());
}

/// CRC-64 of `blob[start..end)` computed in the hashing worker, or `None` when the worker is not
/// available (the caller then hashes on the main thread).
pub async fn crc64(blob: &Blob, start: u64, end: u64) -> Option<WorkerHash> {
    let promise: Promise = hash_in_worker(
        &wasm_bindgen::module(),
        blob,
        crate::file::u64_to_f64(start),
        crate::file::u64_to_f64(end),
    )
    .dyn_into()
    .ok()?;
    let reply = JsFuture::from(promise).await.ok()?;
    let get = |name: &str| Reflect::get(&reply, &JsValue::from_str(name)).ok();
    if let Some(error) = get("error").and_then(|e| e.as_string()) {
        return Some(WorkerHash::ReadFailed(error));
    }
    let hi = get("hi")?.as_f64()?;
    let lo = get("lo")?.as_f64()?;
    let length = get("length")?.as_f64().and_then(crate::file::f64_to_u64)?;
    Some(WorkerHash::Done {
        crc: ((hi as u64) << 32) | lo as u64,
        length,
    })
}

/// Raw export for the worker: a buffer of `len` bytes in this instance's memory for the worker
/// to copy file bytes into. Called once per worker; the buffer lives as long as the instance.
#[no_mangle]
pub extern "C" fn oss_resumable_hash_buffer(len: usize) -> *mut u8 {
    Box::leak(vec![0u8; len].into_boxed_slice()).as_mut_ptr()
}

/// Raw export for the worker: continues the CRC-64 `crc` (0 to start) over the first `len` bytes
/// of the buffer at `ptr`.
///
/// # Safety
/// `ptr..ptr + len` must lie within a buffer returned by [`oss_resumable_hash_buffer`].
#[no_mangle]
pub unsafe extern "C" fn oss_resumable_crc64_update(crc: u64, ptr: *const u8, len: usize) -> u64 {
    // SAFETY: the caller passes a range inside a buffer from `oss_resumable_hash_buffer`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    let mut c = Crc64::with_initial(crc);
    c.update(bytes);
    c.finish()
}
