//! CRC-64 of file ranges in a dedicated Worker, so reading and hashing a gigabyte costs the
//! page's main thread nothing but a message per part.
//!
//! The worker itself is JavaScript (`hash_worker.js`): it is created from a script in a `blob:`
//! URL (no extra file for bundlers to place) and given this very `WebAssembly.Module` (posting a
//! compiled module shares its code: nothing is fetched or compiled again). It instantiates the
//! module on its own memory with every import replaced by a stub that throws, reads each range
//! with the same routine the main thread uses (`readRange`: a byte stream into one reused buffer,
//! or in WebKit, whose Blob stream is not a byte stream, one `arrayBuffer()` per 1 MiB slice),
//! and folds each 1 MiB into the CRC through the two raw exports below, which touch no import.
//!
//! Where a worker cannot run (no `Worker`, a Content-Security-Policy without `worker-src blob:`,
//! a build target without `wasm_bindgen::module()`), [`crc64`] answers `None` and the caller
//! hashes on the main thread in short steps (`file.rs`). One worker serves every upload of the
//! page; it stops after 10 s without work.

use js_sys::{Promise, Reflect};
use oss_resumable_core::crc64::Crc64;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use crate::js_number::{f64_to_u64, u64_to_f64};

/// How a range hashed in the worker came out.
pub enum WorkerHash {
    /// The CRC-64 and how many bytes the stream gave (fewer than asked: the file shrank).
    Done { crc: u64, length: u64 },
    /// The browser could not read the file (`NotReadableError` and the like): `name: message`.
    ReadFailed(String),
}

// The worker's script and its bookkeeping are in hash_worker.js, which also holds the read
// routine the main thread uses where no worker can run (src/file.rs binds that one).
#[wasm_bindgen(module = "/src/hash_worker.js")]
extern "C" {
    /// A promise of `{hi, lo, length}`, `{error}` or `{fallback}`; `null` when no worker can run.
    #[wasm_bindgen(js_name = hashInWorker)]
    fn hash_in_worker(module: &JsValue, blob: &Blob, start: f64, end: f64) -> JsValue;
    #[wasm_bindgen(js_name = warmHashWorker)]
    fn warm_hash_worker(module: &JsValue);
    #[wasm_bindgen(js_name = hashWorkerJobs)]
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
        u64_to_f64(start),
        u64_to_f64(end),
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
    let length = get("length")?.as_f64().and_then(f64_to_u64)?;
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
