//! The user's `File` or `Blob`: slicing, hashing byte ranges with CRC-64 in bounded memory (in
//! the hashing worker, or on this thread where none can run), and the file identity a checkpoint
//! is matched by.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Reflect, Uint8Array};
use oss_resumable_core::checkpoint::{self, FileIdentity};
use oss_resumable_core::crc64::Crc64;
use oss_resumable_core::error::{ClientCode, OssError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use crate::hash_worker::{self, WorkerHash};
use crate::js_number::{f64_to_u64, u64_to_f64};

// The read routine the hashing worker runs too (one copy of the read loop: a byte stream or, in
// WebKit, `arrayBuffer()` slices), here with a yield to the event loop between 1 MiB steps.
#[wasm_bindgen(module = "/src/hash_worker.js")]
extern "C" {
    /// A read buffer for `read_range_here`, reused for every range one `Hasher` reads.
    #[wasm_bindgen(js_name = readBuffer)]
    fn read_buffer() -> JsValue;
    /// Reads `blob[start, end)` into `reuse`'s buffer, calling `fold(bytes)` per step; resolves to
    /// the number of bytes read, rejects with the browser's error when it cannot read the file.
    #[wasm_bindgen(js_name = readRangeHere, catch)]
    async fn read_range_here(
        blob: &Blob,
        start: f64,
        end: f64,
        reuse: &JsValue,
        fold: &Function,
    ) -> Result<JsValue, JsValue>;
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

    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.size
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

    /// CRC-64 of the bytes `[start, end)`, read in 1 MiB steps through reused buffers: memory
    /// stays at one step whatever the range. A read failure (`NotReadableError`: the file was
    /// changed, moved or its permission revoked) becomes `FileChanged`, not something to retry.
    ///
    /// The hashing worker does the work where it can run (`hash_worker`); otherwise this
    /// thread does, with `hasher`'s buffers and a yield to the event loop between steps.
    pub async fn crc64(&self, hasher: &mut Hasher, start: u64, end: u64) -> Result<u64, OssError> {
        let (crc, length) = match hash_worker::crc64(&self.blob, start, end).await {
            Some(WorkerHash::Done { crc, length }) => (crc, length),
            Some(WorkerHash::ReadFailed(detail)) => return Err(file_changed(&detail)),
            None => hasher.crc64(&self.blob, start, end).await?,
        };
        if length != end - start {
            // A short read means the file on disk is no longer the one that was picked.
            return Err(file_changed("the file got shorter while it was being read"));
        }
        Ok(crc)
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

/// The buffers one main-thread hashing task reuses for every range: the JS `ArrayBuffer` the
/// file is read into (held by the read routine's `reuse` object) and a scratch area in wasm
/// memory the CRC runs over. The driver hashes one range at a time per `Hasher`, so memory does
/// not grow with the number of parts waiting to be hashed.
pub struct Hasher {
    reuse: JsValue,
    scratch: Rc<RefCell<Vec<u8>>>,
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            reuse: read_buffer(),
            scratch: Rc::default(),
        }
    }

    /// CRC-64 of `blob[start, end)` read on this thread, and the number of bytes read.
    async fn crc64(&mut self, blob: &Blob, start: u64, end: u64) -> Result<(u64, u64), OssError> {
        let crc = Rc::new(Cell::new(Crc64::new()));
        // Each step's bytes are copied into wasm memory (one memcpy) and folded into the CRC.
        let fold = Closure::<dyn FnMut(Uint8Array)>::new({
            let crc = crc.clone();
            let scratch = self.scratch.clone();
            move |bytes: Uint8Array| {
                let mut scratch = scratch.borrow_mut();
                let len = bytes.length() as usize;
                if scratch.len() < len {
                    scratch.resize(len, 0);
                }
                bytes.copy_to(&mut scratch[..len]);
                let mut c = crc.get();
                c.update(&scratch[..len]);
                crc.set(c);
            }
        });
        let read = read_range_here(
            blob,
            u64_to_f64(start),
            u64_to_f64(end),
            &self.reuse,
            fold.as_ref().unchecked_ref(),
        )
        .await
        .map_err(|e| file_changed(&describe_js_error(&e)))?;
        let length = read
            .as_f64()
            .and_then(f64_to_u64)
            .ok_or_else(|| file_changed("the file's read gave no byte count"))?;
        Ok((crc.get().finish(), length))
    }
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
