//! The user's `File` or `Blob`: slicing, hashing byte ranges with CRC-64 in bounded memory, the
//! file identity a checkpoint is matched by, and safe conversions between JS numbers and `u64`.

use js_sys::{ArrayBuffer, Promise, Reflect, Uint8Array};
use oss_resumable_core::checkpoint::{self, FileIdentity};
use oss_resumable_core::crc64::Crc64;
use oss_resumable_core::error::{ClientCode, OssError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use crate::hash_worker::WorkerHash;

/// Bytes hashed per step: the JS read buffer and the wasm scratch buffer are this large, and
/// each step (one copy into wasm memory + CRC-64 of it, ~1 ms) is one short main-thread task.
const HASH_CHUNK: usize = 1024 * 1024;

/// Largest integer a JS number holds exactly (2^53 − 1): byte counts above it cannot cross the
/// boundary as `number`, and no browser file is that large.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Converts a JS number that must be a byte count into `u64`, refusing fractions, negatives and
/// values past 2^53 instead of silently rounding.
pub fn f64_to_u64(v: f64) -> Option<u64> {
    if (0.0..=MAX_SAFE_INTEGER).contains(&v) && v.fract() == 0.0 {
        Some(v as u64)
    } else {
        None
    }
}

/// Converts a byte count to a JS number; every count we produce is ≤ the file size, which is
/// itself a JS number, so this never loses precision.
pub fn u64_to_f64(v: u64) -> f64 {
    v as f64
}

/// The source of an upload: a `File` (name, lastModified) or a bare `Blob`.
#[derive(Clone)]
pub struct Source {
    blob: Blob,
    size: u64,
}

impl Source {
    pub fn new(blob: Blob) -> Result<Source, OssError> {
        let size = f64_to_u64(blob.size()).ok_or_else(|| {
            OssError::client(
                ClientCode::InvalidArgument,
                "the file's size is not a whole number of bytes below 2^53",
            )
        })?;
        Ok(Source { blob, size })
    }

    /// `File.name`, or "" for a Blob.
    pub fn name(&self) -> String {
        string_prop(&self.blob, "name").unwrap_or_default()
    }

    /// `File.lastModified` in ms, or 0 for a Blob.
    pub fn last_modified_ms(&self) -> i64 {
        Reflect::get(&self.blob, &JsValue::from_str("lastModified"))
            .ok()
            .and_then(|v| v.as_f64())
            .map(|v| v as i64)
            .unwrap_or(0)
    }

    /// The bytes `[start, end)` as a Blob that shares the file's storage (no copy). The slice
    /// gets no type, so the browser sends no Content-Type with it (UploadPart signs none).
    pub fn slice(&self, start: u64, end: u64) -> Result<Blob, OssError> {
        self.blob
            .slice_with_f64_and_f64(u64_to_f64(start), u64_to_f64(end))
            .map_err(|_| file_changed("the browser could not slice the file"))
    }

    /// CRC-64 of the bytes `[start, end)`, read in chunks through `hasher`'s buffers: memory
    /// stays at one chunk whatever the range. A read failure (`NotReadableError`: the file was
    /// changed, moved or its permission revoked) becomes `FileChanged`, not something to retry.
    ///
    /// The hashing worker does the work where it can run (`hash_worker`); otherwise this
    /// thread does, in 1 MiB steps with a yield to the event loop between them.
    pub async fn crc64(&self, hasher: &mut Hasher, start: u64, end: u64) -> Result<u64, OssError> {
        match crate::hash_worker::crc64(&self.blob, start, end).await {
            Some(WorkerHash::Done { crc, length }) if length == end - start => return Ok(crc),
            Some(WorkerHash::Done { .. }) => {
                return Err(file_changed("the file got shorter while it was being read"))
            }
            Some(WorkerHash::ReadFailed(detail)) => return Err(file_changed(&detail)),
            None => {}
        }
        let mut crc = Crc64::new();
        let stream = blob_stream(&self.slice(start, end)?);
        let read = match byob_reader(&stream) {
            // A byte stream read into one reused buffer: no ArrayBuffer per read, so the JS
            // heap stays flat and the renderer does about half the work of `arrayBuffer()`.
            Some(reader) => hasher.read_byob(&reader, &mut crc).await,
            // Browsers whose Blob stream is not a byte stream: one `arrayBuffer()` per chunk.
            None => hasher.read_chunks(self, start, end, &mut crc).await,
        };
        if read? != end - start {
            // A short read means the file on disk is no longer the one that was picked.
            return Err(file_changed("the file got shorter while it was being read"));
        }
        Ok(crc.finish())
    }

    async fn read(&self, start: u64, end: u64) -> Result<Uint8Array, OssError> {
        let slice = self.slice(start, end)?;
        let buffer = JsFuture::from(slice.array_buffer())
            .await
            .map_err(|e| file_changed(&describe_js_error(&e)))?;
        Ok(Uint8Array::new(&buffer))
    }

    /// The identity a checkpoint is matched by: name, size, lastModified, type, and a CRC-64 of
    /// sampled bytes at the start, middle and end, so that a different file with the same
    /// metadata is not mistaken for the one that was being uploaded.
    pub async fn identity(&self) -> Result<FileIdentity, OssError> {
        // All samples are asked for at once: each read is a round trip to the browser's file
        // storage (several ms), and a resume waits for this before anything else.
        let reads: Vec<Result<JsFuture, OssError>> = checkpoint::sample_ranges(self.size)
            .into_iter()
            .map(|(start, end)| Ok(JsFuture::from(self.slice(start, end)?.array_buffer())))
            .collect();
        let mut crc = Crc64::new();
        for read in reads {
            let buffer = read?
                .await
                .map_err(|e| file_changed(&describe_js_error(&e)))?;
            crc.update(&Uint8Array::new(&buffer).to_vec());
        }
        Ok(FileIdentity {
            name: self.name(),
            size: self.size,
            last_modified_ms: self.last_modified_ms(),
            mime_type: self.blob.type_(),
            sample_crc64: crc.finish(),
        })
    }
}

/// The buffers one hashing loop reuses for every range: a JS `ArrayBuffer` that byte-stream
/// reads fill (it is transferred by each read and handed back with the result), and a scratch
/// area in wasm memory the CRC runs over. The driver hashes one range at a time with one
/// `Hasher`, so memory does not grow with the number of parts waiting to be hashed.
pub struct Hasher {
    js: Option<ArrayBuffer>,
    scratch: Vec<u8>,
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            js: None,
            scratch: Vec::new(),
        }
    }

    fn scratch(&mut self, len: usize) -> &mut [u8] {
        if self.scratch.len() < len {
            self.scratch.resize(len, 0);
        }
        &mut self.scratch[..len]
    }

    /// Hashes `data[..len]` by copying it into wasm memory (one memcpy) and running the CRC.
    fn update(&mut self, data: &ArrayBuffer, len: usize, crc: &mut Crc64) {
        let view = Uint8Array::new_with_byte_offset_and_length(data, 0, len as u32);
        let scratch = self.scratch(len);
        view.copy_to(scratch);
        crc.update(scratch);
    }

    /// Reads the stream to its end, filling the JS buffer before each hash step. Returns the
    /// number of bytes hashed.
    async fn read_byob(&mut self, reader: &ByobReader, crc: &mut Crc64) -> Result<u64, OssError> {
        let mut buffer = self
            .js
            .take()
            .unwrap_or_else(|| ArrayBuffer::new(HASH_CHUNK as u32));
        let mut filled = 0usize;
        let mut total = 0u64;
        loop {
            let view = Uint8Array::new_with_byte_offset_and_length(
                &buffer,
                filled as u32,
                (HASH_CHUNK - filled) as u32,
            );
            let result = match JsFuture::from(reader.read(&view)).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = reader.cancel();
                    return Err(file_changed(&describe_js_error(&e)));
                }
            };
            let done = Reflect::get(&result, &JsValue::from_str("done"))
                .ok()
                .is_some_and(|d| d.is_truthy());
            // The read transferred `buffer`; its bytes come back in `value` (also when done,
            // as an empty view), which is the buffer to use from now on.
            match Reflect::get(&result, &JsValue::from_str("value"))
                .ok()
                .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            {
                Some(value) => {
                    filled += value.byte_length() as usize;
                    buffer = value.buffer();
                }
                None if done => {
                    // No buffer handed back: allocate a fresh one next time.
                    buffer = ArrayBuffer::new(HASH_CHUNK as u32);
                    filled = 0;
                }
                None => return Err(file_changed("the file's stream returned no bytes")),
            }
            if filled == HASH_CHUNK || (done && filled > 0) {
                self.update(&buffer, filled, crc);
                total += filled as u64;
                filled = 0;
                // Reads of bytes already queued resolve as microtasks, so without this the
                // whole range would be hashed in one long task (~90 ms seen per 8 MiB part).
                // Not after the last chunk: the next range's first read is a real task boundary,
                // and an extra hop there only delays the parts waiting to be sent.
                if !done {
                    yield_to_event_loop().await;
                }
            }
            if done {
                break;
            }
        }
        self.js = Some(buffer);
        Ok(total)
    }

    /// The fallback: one `Blob.arrayBuffer()` per chunk.
    async fn read_chunks(
        &mut self,
        source: &Source,
        start: u64,
        end: u64,
        crc: &mut Crc64,
    ) -> Result<u64, OssError> {
        let mut at = start;
        while at < end {
            let to = (at + HASH_CHUNK as u64).min(end);
            let chunk = source.read(at, to).await?;
            let len = chunk.length() as usize;
            self.update(&chunk.buffer(), len, crc);
            yield_to_event_loop().await;
            if len as u64 != to - at {
                break;
            }
            at = to;
        }
        Ok(at - start)
    }
}

/// Lets the page's other tasks (input, rendering, timers, XHR events) run before hashing goes
/// on, by continuing in a `MessageChannel` message: a task at the back of the queue, without
/// the 4 ms clamp of nested `setTimeout`. (`scheduler.yield()` was tried: its continuation
/// jumps the queue, so the page's timers still waited up to ~70 ms behind hashing.)
async fn yield_to_event_loop() {
    if let Some(promise) = message_channel_yield() {
        let _ = JsFuture::from(promise).await;
    }
}

fn message_channel_yield() -> Option<Promise> {
    let constructor: js_sys::Function =
        Reflect::get(&js_sys::global(), &JsValue::from_str("MessageChannel"))
            .ok()?
            .dyn_into()
            .ok()?;
    let channel = Reflect::construct(&constructor, &js_sys::Array::new()).ok()?;
    let port1 = Reflect::get(&channel, &JsValue::from_str("port1")).ok()?;
    let port2 = Reflect::get(&channel, &JsValue::from_str("port2")).ok()?;
    let post: js_sys::Function = Reflect::get(&port2, &JsValue::from_str("postMessage"))
        .ok()?
        .dyn_into()
        .ok()?;
    let promise = Promise::new(&mut |resolve, _reject| {
        let _ = Reflect::set(&port1, &JsValue::from_str("onmessage"), &resolve);
    });
    post.call1(&port2, &JsValue::UNDEFINED).ok()?;
    Some(promise)
}

#[wasm_bindgen]
extern "C" {
    /// A `ReadableStreamBYOBReader` (bound by hand: only `read` and `cancel` are needed).
    type ByobReader;
    #[wasm_bindgen(method)]
    fn read(this: &ByobReader, view: &Uint8Array) -> Promise;
    #[wasm_bindgen(method)]
    fn cancel(this: &ByobReader) -> Promise;
    type ReadableStream;
    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn get_reader(this: &ReadableStream, options: &JsValue) -> Result<ByobReader, JsValue>;
    /// `Blob.stream()` (free-standing: methods cannot be added to web-sys's `Blob`).
    #[wasm_bindgen(js_namespace = ["Blob", "prototype", "stream"], js_name = call)]
    fn blob_stream(blob: &Blob) -> ReadableStream;
}

/// `stream.getReader({mode: "byob"})`, or `None` where the Blob stream is not a byte stream.
fn byob_reader(stream: &ReadableStream) -> Option<ByobReader> {
    let options = js_sys::Object::new();
    Reflect::set(
        &options,
        &JsValue::from_str("mode"),
        &JsValue::from_str("byob"),
    )
    .ok()?;
    stream.get_reader(&options).ok()
}

fn string_prop(obj: &JsValue, name: &str) -> Option<String> {
    Reflect::get(obj, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

fn file_changed(detail: &str) -> OssError {
    OssError::client(
        ClientCode::FileChanged,
        format!(
            "the file can no longer be read as it was when the upload started ({detail}); \
             pick the file again to resume or start over"
        ),
    )
}

/// `name: message` of a thrown JS value, for error messages.
pub fn describe_js_error(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        format!(
            "{}: {}",
            String::from(err.name()),
            String::from(err.message())
        )
    } else if let Some(s) = e.as_string() {
        s
    } else {
        "unknown error".to_string()
    }
}
