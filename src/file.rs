//! The user's `File` or `Blob`: slicing, hashing byte ranges with CRC-64 in bounded memory, the
//! file identity a checkpoint is matched by, and safe conversions between JS numbers and `u64`.

use js_sys::{Reflect, Uint8Array};
use oss_resumable_core::checkpoint::{self, FileIdentity};
use oss_resumable_core::crc64::Crc64;
use oss_resumable_core::error::{ClientCode, OssError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// Bytes read from the file per step while hashing: large enough that the per-read promise
/// round trip is amortised, small enough that no main-thread task grows long.
const HASH_CHUNK: u64 = 2 * 1024 * 1024;

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

    /// CRC-64 of the bytes `[start, end)`, read in chunks into one reused buffer: memory stays at
    /// one chunk whatever the range. A read failure (`NotReadableError`: the file was changed,
    /// moved or its permission revoked) becomes `FileChanged`, not something to retry.
    pub async fn crc64(&self, start: u64, end: u64) -> Result<u64, OssError> {
        let mut crc = Crc64::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut at = start;
        while at < end {
            let to = (at + HASH_CHUNK).min(end);
            let chunk = self.read(at, to).await?;
            let len = chunk.length() as usize;
            if len as u64 != to - at {
                // A short read means the file on disk is no longer the one that was picked.
                return Err(file_changed("the file got shorter while it was being read"));
            }
            buf.resize(len, 0);
            chunk.copy_to(&mut buf[..len]);
            crc.update(&buf[..len]);
            at = to;
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
        let mut crc = Crc64::new();
        for (start, end) in checkpoint::sample_ranges(self.size) {
            let chunk = self.read(start, end).await?;
            crc.update(&chunk.to_vec());
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
