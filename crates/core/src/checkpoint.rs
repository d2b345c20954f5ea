//! The resume checkpoint (docs/protocol.md §9.6; docs/architecture.md): a versioned record of one
//! multipart upload, stored by the browser in IndexedDB as JSON, protected by an integrity
//! checksum like the native SDKs' checkpoint MD5 (§9.2–§9.4).
//!
//! It is a hint, never the truth: on resume the upload machine asks the server (ListParts) and
//! trusts a part only if number, size, ETag and CRC-64 agree. It holds no secret: no credential
//! type appears in it, and headers that carry credentials are refused.
//!
//! `serde_json` is not a dependency of the core, so [`Checkpoint::to_json`] and
//! [`Checkpoint::from_json`] use a small strict JSON reader/writer for this one schema (its
//! output is byte-identical to `serde_json::to_string` of the serde derive, which the tests
//! check). The serde derives stay for callers that store the record by other means; they must
//! call [`Checkpoint::validate`] after deserializing.

use crate::vecmap::VecMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::prim::hex;

use crate::crc64::combine;
use crate::plan::{MultipartPlan, PlanError};

/// Schema version written by this crate.
pub const CHECKPOINT_VERSION: u32 = 1;
/// Marks a record as ours (a foreign record in the same store is rejected, not misread).
pub const CHECKPOINT_MAGIC: &str = "oss-resumable-checkpoint-8F3A61D2";
/// Bytes sampled at the start, middle and end of the file for [`FileIdentity::sample_crc64`].
pub const SAMPLE_LEN: u64 = 64 * 1024;
/// Largest JSON accepted: 10,000 parts at about 130 bytes each, with room for long keys/meta.
pub const MAX_JSON_LEN: usize = 4 << 20;

/// Header names that would carry a credential; never stored in a checkpoint.
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "x-oss-security-token",
    "security-token",
    "x-oss-credential",
];

/// Why a stored checkpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint is not valid JSON: {0}")]
    Json(String),
    #[error("checkpoint is {0} bytes, larger than any this client writes")]
    TooLarge(usize),
    #[error("record is not an oss-resumable checkpoint")]
    WrongMagic,
    #[error("checkpoint version {0} is not supported (this client writes version 1)")]
    UnknownVersion(u64),
    #[error("checkpoint integrity check failed: the record was modified or damaged")]
    IntegrityMismatch,
    #[error("checkpoint is inconsistent: {0}")]
    Inconsistent(String),
    #[error("header {0:?} carries a credential and is never stored in a checkpoint")]
    SecretHeader(String),
}

impl From<PlanError> for CheckpointError {
    fn from(e: PlanError) -> Self {
        CheckpointError::Inconsistent(e.to_string())
    }
}

/// What identifies the user's file, all from the `File` object (the browser has no paths):
/// the native SDKs' size + mtime, plus the name, type and a CRC-64 of sampled bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileIdentity {
    pub name: String,
    pub size: u64,
    /// `File.lastModified` (unix ms; may be negative for odd files, hence signed).
    pub last_modified_ms: i64,
    /// `File.type` (often empty).
    pub mime_type: String,
    /// CRC-64 of the bytes in [`sample_ranges`], folded by [`sample_crc`]; catches a file
    /// rewritten with the same size and mtime.
    #[serde(with = "u64_string")]
    pub sample_crc64: u64,
}

/// Object options fixed by InitiateMultipartUpload (§4.1); a resume reuses them so the object
/// does not change metadata halfway.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ObjectOptions {
    pub content_type: Option<String>,
    /// `x-oss-meta-*` without the prefix.
    pub meta: VecMap<String, String>,
    /// Other headers sent on Initiate (Cache-Control, Content-Disposition, …).
    pub headers: VecMap<String, String>,
    /// `x-oss-forbid-overwrite`, which OSS checks on Initiate and Complete (§4.3).
    pub forbid_overwrite: bool,
    /// The upload callback, sent again on Complete when the upload resumes (§10.1). It holds no
    /// secret. Absent from records without one, which therefore read and seal as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<crate::callback::Callback>,
}

/// A part the client saw succeed; checked against ListParts on resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartHint {
    pub part_number: u32,
    pub size: u64,
    /// As the UploadPart `ETag` header returned it, quotes included.
    pub etag: String,
    /// CRC-64 of the part. Stored as a decimal string: a u64 does not survive a JS number.
    #[serde(with = "u64_string")]
    pub crc64: u64,
}

/// A versioned, integrity-protected resume record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub magic: String,
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    pub upload_id: String,
    pub part_size: u64,
    pub file: FileIdentity,
    pub object: ObjectOptions,
    /// Ascending by part number, one entry per number.
    pub parts: Vec<PartHint>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    /// Lowercase hex SHA-256 of the canonical encoding of every other field; see [`Self::seal`].
    pub integrity: String,
}

impl Checkpoint {
    /// A sealed record for a freshly initiated upload.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        endpoint: impl Into<String>,
        bucket: impl Into<String>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_size: u64,
        file: FileIdentity,
        object: ObjectOptions,
        now_ms: u64,
    ) -> Result<Self, CheckpointError> {
        let mut cp = Checkpoint {
            version: CHECKPOINT_VERSION,
            magic: CHECKPOINT_MAGIC.to_owned(),
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            key: key.into(),
            upload_id: upload_id.into(),
            part_size,
            file,
            object,
            parts: Vec::new(),
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            integrity: String::new(),
        };
        cp.seal();
        cp.validate()?;
        Ok(cp)
    }

    /// Recomputes [`Self::integrity`]; call after changing any field.
    pub fn seal(&mut self) {
        self.integrity = self.compute_integrity();
    }

    /// Records a finished part (replacing an earlier one with the same number, as OSS does),
    /// updates `updated_at_ms` and reseals. The part must fit the plan.
    pub fn record_part(&mut self, part: PartHint, now_ms: u64) -> Result<(), CheckpointError> {
        let plan = self.plan()?;
        check_part(&plan, &part)?;
        match self
            .parts
            .binary_search_by_key(&part.part_number, |p| p.part_number)
        {
            Ok(i) => self.parts[i] = part,
            Err(i) => self.parts.insert(i, part),
        }
        self.updated_at_ms = self.updated_at_ms.max(now_ms);
        self.seal();
        Ok(())
    }

    /// Forgets a part hint (e.g. the server no longer has it); reseals.
    pub fn remove_part(&mut self, part_number: u32, now_ms: u64) {
        self.parts.retain(|p| p.part_number != part_number);
        self.updated_at_ms = self.updated_at_ms.max(now_ms);
        self.seal();
    }

    /// The part plan this upload was initiated with.
    pub fn plan(&self) -> Result<MultipartPlan, CheckpointError> {
        Ok(MultipartPlan::with_part_size(
            self.file.size,
            self.part_size,
        )?)
    }

    /// Checks everything [`Self::from_json`] checks: magic, version, integrity, consistency.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.magic != CHECKPOINT_MAGIC {
            return Err(CheckpointError::WrongMagic);
        }
        if self.version != CHECKPOINT_VERSION {
            return Err(CheckpointError::UnknownVersion(u64::from(self.version)));
        }
        if self.integrity != self.compute_integrity() {
            return Err(CheckpointError::IntegrityMismatch);
        }
        let inconsistent = |m: &str| Err(CheckpointError::Inconsistent(m.to_owned()));
        if self.endpoint.is_empty() || self.bucket.is_empty() || self.key.is_empty() {
            return inconsistent("endpoint, bucket and key must be set");
        }
        if self.upload_id.is_empty() {
            return inconsistent("upload id is empty");
        }
        if self.created_at_ms > self.updated_at_ms {
            return inconsistent("updated before it was created");
        }
        for name in self.object.headers.keys() {
            if SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                return Err(CheckpointError::SecretHeader(name.clone()));
            }
        }
        let plan = self.plan()?;
        let mut previous = 0;
        for part in &self.parts {
            if part.part_number <= previous {
                return inconsistent("parts are not strictly ascending by number");
            }
            previous = part.part_number;
            check_part(&plan, part)?;
        }
        Ok(())
    }

    /// Compact JSON, identical to `serde_json::to_string` of this record.
    pub fn to_json(&self) -> String {
        json::write_checkpoint(self)
    }

    /// Reads a stored record and refuses it unless it is ours, of a known version, undamaged
    /// (integrity) and consistent (part size, parts within the plan).
    pub fn from_json(text: &str) -> Result<Checkpoint, CheckpointError> {
        if text.len() > MAX_JSON_LEN {
            return Err(CheckpointError::TooLarge(text.len()));
        }
        let value = json::parse(text).map_err(CheckpointError::Json)?;
        let cp = json::read_checkpoint(value)?;
        cp.validate()?;
        Ok(cp)
    }

    /// True if this record is for this endpoint, bucket, key and the very same file.
    pub fn matches(&self, endpoint: &str, bucket: &str, key: &str, file: &FileIdentity) -> bool {
        self.endpoint == endpoint && self.bucket == bucket && self.key == key && &self.file == file
    }

    /// The record's stable id (IndexedDB key, `PendingUpload.id`, `discard(id)`).
    pub fn id(&self) -> String {
        Self::id_for(&self.endpoint, &self.bucket, &self.key, &self.file)
    }

    /// The id a record for this target and file has, to look it up before one exists. It does
    /// not depend on the upload id, so a restarted upload replaces its old record.
    pub fn id_for(endpoint: &str, bucket: &str, key: &str, file: &FileIdentity) -> String {
        let mut c = Canonical::new(b"oss-resumable checkpoint id v1");
        c.str(endpoint).str(bucket).str(key);
        c.file(file);
        let digest = c.finish();
        format!("cp-{}", hex::encode(&digest[..16]))
    }

    /// Bytes in the recorded parts (upload progress to show before ListParts answers).
    pub fn bytes_done(&self) -> u64 {
        self.parts.iter().map(|p| p.size).sum()
    }

    fn compute_integrity(&self) -> String {
        let mut c = Canonical::new(b"oss-resumable checkpoint integrity v1");
        c.u64(u64::from(self.version))
            .str(&self.magic)
            .str(&self.endpoint)
            .str(&self.bucket)
            .str(&self.key)
            .str(&self.upload_id)
            .u64(self.part_size);
        c.file(&self.file);
        match &self.object.content_type {
            None => c.u64(0),
            Some(t) => c.u64(1).str(t),
        };
        c.u64(self.object.meta.len() as u64);
        for (k, v) in &self.object.meta {
            c.str(k).str(v);
        }
        c.u64(self.object.headers.len() as u64);
        for (k, v) in &self.object.headers {
            c.str(k).str(v);
        }
        c.u64(u64::from(self.object.forbid_overwrite));
        if let Some(cb) = &self.object.callback {
            // Only when present, so records without a callback keep their integrity value.
            c.str("callback").str(&cb.url).str(&cb.body);
            for v in [&cb.content_type, &cb.host] {
                match v {
                    None => c.u64(0),
                    Some(v) => c.u64(1).str(v),
                };
            }
            c.u64(match cb.sni {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            });
            c.u64(cb.custom_values.len() as u64);
            for (k, v) in &cb.custom_values {
                c.str(k).str(v);
            }
        }
        c.u64(self.parts.len() as u64);
        for p in &self.parts {
            c.u64(u64::from(p.part_number))
                .u64(p.size)
                .str(&p.etag)
                .u64(p.crc64);
        }
        c.u64(self.created_at_ms).u64(self.updated_at_ms);
        hex::encode(&c.finish())
    }
}

fn check_part(plan: &MultipartPlan, part: &PartHint) -> Result<(), CheckpointError> {
    match plan.part_len(part.part_number) {
        None => Err(CheckpointError::Inconsistent(format!(
            "part {} is beyond the plan's {} parts",
            part.part_number,
            plan.part_count()
        ))),
        Some(len) if len != part.size => Err(CheckpointError::Inconsistent(format!(
            "part {} has {} bytes, the plan says {len}",
            part.part_number, part.size
        ))),
        Some(_) if part.etag.is_empty() => Err(CheckpointError::Inconsistent(format!(
            "part {} has no ETag",
            part.part_number
        ))),
        Some(_) => Ok(()),
    }
}

/// Unambiguous canonical encoding for hashing: a domain tag, then every field length-prefixed.
struct Canonical(Sha256);

impl Canonical {
    fn new(domain: &[u8]) -> Self {
        let mut c = Canonical(Sha256::new());
        c.bytes(domain);
        c
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_be_bytes());
        self.0.update(b);
        self
    }
    fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.update(v.to_be_bytes());
        self
    }
    fn file(&mut self, f: &FileIdentity) -> &mut Self {
        self.str(&f.name)
            .u64(f.size)
            .u64(f.last_modified_ms as u64)
            .str(&f.mime_type)
            .u64(f.sample_crc64)
    }
    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// The byte ranges `[start, end)` of the file to sample for [`FileIdentity::sample_crc64`]:
/// up to [`SAMPLE_LEN`] bytes at the start, the middle and the end; the whole file when it is
/// no larger than three samples. The browser reads these with `Blob.slice`.
pub fn sample_ranges(file_size: u64) -> Vec<(u64, u64)> {
    if file_size == 0 {
        return Vec::new();
    }
    if file_size <= 3 * SAMPLE_LEN {
        return vec![(0, file_size)];
    }
    let mid = file_size / 2 - SAMPLE_LEN / 2;
    vec![
        (0, SAMPLE_LEN),
        (mid, mid + SAMPLE_LEN),
        (file_size - SAMPLE_LEN, file_size),
    ]
}

/// Folds the CRC-64 of each range of [`sample_ranges`]`(file_size)`, in order, into the sample
/// CRC (the CRC-64 of the sampled bytes concatenated). `None` if the count does not match.
pub fn sample_crc(file_size: u64, range_crcs: &[u64]) -> Option<u64> {
    let ranges = sample_ranges(file_size);
    if ranges.len() != range_crcs.len() {
        return None;
    }
    Some(
        ranges
            .iter()
            .zip(range_crcs)
            .fold(0, |acc, (&(s, e), &crc)| combine(acc, crc, e - s)),
    )
}

/// u64 as a decimal JSON string: JavaScript numbers lose precision above 2^53.
mod u64_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Strict JSON for the checkpoint schema: no duplicate or unknown keys, integers only.
pub(crate) mod json {
    use super::{
        Checkpoint, CheckpointError, FileIdentity, ObjectOptions, PartHint, CHECKPOINT_MAGIC,
        CHECKPOINT_VERSION,
    };
    use crate::vecmap::VecMap;
    use std::fmt::Write as _;

    const MAX_DEPTH: usize = 8;

    #[derive(Debug, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Int(i128),
        Str(String),
        Arr(Vec<Value>),
        Obj(Vec<(String, Value)>),
    }

    pub fn parse(text: &str) -> Result<Value, String> {
        let mut p = Parser {
            b: text.as_bytes(),
            i: 0,
        };
        p.ws();
        let v = p.value(0)?;
        p.ws();
        if p.i != p.b.len() {
            return Err(format!("trailing data at byte {}", p.i));
        }
        Ok(v)
    }

    struct Parser<'a> {
        b: &'a [u8],
        i: usize,
    }

    impl Parser<'_> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.i).copied()
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.i += 1;
            }
        }
        fn expect(&mut self, c: u8) -> Result<(), String> {
            if self.peek() == Some(c) {
                self.i += 1;
                Ok(())
            } else {
                Err(format!("expected '{}' at byte {}", char::from(c), self.i))
            }
        }
        fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
            if self.b[self.i..].starts_with(word.as_bytes()) {
                self.i += word.len();
                Ok(v)
            } else {
                Err(format!("bad literal at byte {}", self.i))
            }
        }
        fn value(&mut self, depth: usize) -> Result<Value, String> {
            if depth > MAX_DEPTH {
                return Err("nested too deeply".into());
            }
            match self.peek() {
                Some(b'{') => self.object(depth),
                Some(b'[') => self.array(depth),
                Some(b'"') => self.string().map(Value::Str),
                Some(b't') => self.literal("true", Value::Bool(true)),
                Some(b'f') => self.literal("false", Value::Bool(false)),
                Some(b'n') => self.literal("null", Value::Null),
                Some(b'-' | b'0'..=b'9') => self.number(),
                Some(_) => Err(format!("unexpected byte at {}", self.i)),
                None => Err("unexpected end".into()),
            }
        }
        fn object(&mut self, depth: usize) -> Result<Value, String> {
            self.expect(b'{')?;
            let mut fields: Vec<(String, Value)> = Vec::new();
            self.ws();
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(Value::Obj(fields));
            }
            loop {
                self.ws();
                let key = self.string()?;
                if fields.iter().any(|(k, _)| *k == key) {
                    return Err(format!("duplicate key {key:?}"));
                }
                self.ws();
                self.expect(b':')?;
                self.ws();
                let v = self.value(depth + 1)?;
                fields.push((key, v));
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        return Ok(Value::Obj(fields));
                    }
                    _ => return Err(format!("expected ',' or '}}' at byte {}", self.i)),
                }
            }
        }
        fn array(&mut self, depth: usize) -> Result<Value, String> {
            self.expect(b'[')?;
            let mut items = Vec::new();
            self.ws();
            if self.peek() == Some(b']') {
                self.i += 1;
                return Ok(Value::Arr(items));
            }
            loop {
                self.ws();
                items.push(self.value(depth + 1)?);
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        return Ok(Value::Arr(items));
                    }
                    _ => return Err(format!("expected ',' or ']' at byte {}", self.i)),
                }
            }
        }
        fn number(&mut self) -> Result<Value, String> {
            let start = self.i;
            if self.peek() == Some(b'-') {
                self.i += 1;
            }
            match self.peek() {
                Some(b'0') => self.i += 1,
                Some(b'1'..=b'9') => {
                    while matches!(self.peek(), Some(b'0'..=b'9')) {
                        self.i += 1;
                    }
                }
                _ => return Err(format!("bad number at byte {start}")),
            }
            if matches!(self.peek(), Some(b'.' | b'e' | b'E' | b'0'..=b'9')) {
                return Err(format!("only plain integers are expected (byte {start})"));
            }
            let digits = std::str::from_utf8(&self.b[start..self.i]).map_err(|e| e.to_string())?;
            if digits.len() > 21 {
                return Err(format!("number too long at byte {start}"));
            }
            digits
                .parse::<i128>()
                .map(Value::Int)
                .map_err(|e| e.to_string())
        }
        fn hex4(&mut self) -> Result<u32, String> {
            let h = self
                .b
                .get(self.i..self.i + 4)
                .ok_or_else(|| "truncated \\u escape".to_string())?;
            let s = std::str::from_utf8(h).map_err(|e| e.to_string())?;
            if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err("bad \\u escape".into());
            }
            self.i += 4;
            u32::from_str_radix(s, 16).map_err(|e| e.to_string())
        }
        fn string(&mut self) -> Result<String, String> {
            self.expect(b'"')?;
            let mut out: Vec<u8> = Vec::new();
            loop {
                let c = self
                    .peek()
                    .ok_or_else(|| "unterminated string".to_string())?;
                self.i += 1;
                match c {
                    b'"' => break,
                    b'\\' => {
                        let e = self
                            .peek()
                            .ok_or_else(|| "unterminated escape".to_string())?;
                        self.i += 1;
                        let ch = match e {
                            b'"' => '"',
                            b'\\' => '\\',
                            b'/' => '/',
                            b'b' => '\u{8}',
                            b'f' => '\u{c}',
                            b'n' => '\n',
                            b'r' => '\r',
                            b't' => '\t',
                            b'u' => {
                                let hi = self.hex4()?;
                                let code = if (0xD800..0xDC00).contains(&hi) {
                                    if !self.b[self.i..].starts_with(b"\\u") {
                                        return Err("lone surrogate".into());
                                    }
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..0xE000).contains(&lo) {
                                        return Err("lone surrogate".into());
                                    }
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    hi
                                };
                                char::from_u32(code).ok_or_else(|| "bad \\u escape".to_string())?
                            }
                            _ => return Err(format!("bad escape at byte {}", self.i)),
                        };
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    0x00..=0x1F => return Err("control character in string".into()),
                    _ => out.push(c),
                }
            }
            // The input is a &str and escapes produce whole chars, so this holds; checked anyway.
            String::from_utf8(out).map_err(|e| e.to_string())
        }
    }

    /// A JSON string literal; the callback headers use it too (`crate::callback`).
    pub(crate) fn write_str(out: &mut String, s: &str) {
        out.push('"');
        for ch in s.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    fn write_map(out: &mut String, m: &VecMap<String, String>) {
        out.push('{');
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, k);
            out.push(':');
            write_str(out, v);
        }
        out.push('}');
    }

    fn write_opt(out: &mut String, v: &Option<String>) {
        match v {
            Some(v) => write_str(out, v),
            None => out.push_str("null"),
        }
    }

    /// `,"callback":{…}` in the serde derive's field order.
    fn write_callback(o: &mut String, cb: &crate::callback::Callback) {
        o.push_str(",\"callback\":{\"url\":");
        write_str(o, &cb.url);
        o.push_str(",\"body\":");
        write_str(o, &cb.body);
        o.push_str(",\"content_type\":");
        write_opt(o, &cb.content_type);
        o.push_str(",\"host\":");
        write_opt(o, &cb.host);
        o.push_str(match cb.sni {
            None => ",\"sni\":null",
            Some(true) => ",\"sni\":true",
            Some(false) => ",\"sni\":false",
        });
        o.push_str(",\"custom_values\":");
        write_map(o, &cb.custom_values);
        o.push('}');
    }

    /// Field order and encodings mirror the serde derive (checked against serde_json in tests).
    pub fn write_checkpoint(cp: &Checkpoint) -> String {
        let mut o = String::with_capacity(512 + cp.parts.len() * 128);
        let _ = write!(o, "{{\"version\":{},\"magic\":", cp.version);
        write_str(&mut o, &cp.magic);
        o.push_str(",\"endpoint\":");
        write_str(&mut o, &cp.endpoint);
        o.push_str(",\"bucket\":");
        write_str(&mut o, &cp.bucket);
        o.push_str(",\"key\":");
        write_str(&mut o, &cp.key);
        o.push_str(",\"upload_id\":");
        write_str(&mut o, &cp.upload_id);
        let _ = write!(o, ",\"part_size\":{},\"file\":{{\"name\":", cp.part_size);
        write_str(&mut o, &cp.file.name);
        let _ = write!(
            o,
            ",\"size\":{},\"last_modified_ms\":{},\"mime_type\":",
            cp.file.size, cp.file.last_modified_ms
        );
        write_str(&mut o, &cp.file.mime_type);
        let _ = write!(
            o,
            ",\"sample_crc64\":\"{}\"}},\"object\":{{\"content_type\":",
            cp.file.sample_crc64
        );
        match &cp.object.content_type {
            Some(t) => write_str(&mut o, t),
            None => o.push_str("null"),
        }
        o.push_str(",\"meta\":");
        write_map(&mut o, &cp.object.meta);
        o.push_str(",\"headers\":");
        write_map(&mut o, &cp.object.headers);
        let _ = write!(o, ",\"forbid_overwrite\":{}", cp.object.forbid_overwrite);
        if let Some(cb) = &cp.object.callback {
            write_callback(&mut o, cb);
        }
        o.push_str("},\"parts\":[");
        for (i, p) in cp.parts.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(
                o,
                "{{\"part_number\":{},\"size\":{},\"etag\":",
                p.part_number, p.size
            );
            write_str(&mut o, &p.etag);
            let _ = write!(o, ",\"crc64\":\"{}\"}}", p.crc64);
        }
        let _ = write!(
            o,
            "],\"created_at_ms\":{},\"updated_at_ms\":{},\"integrity\":",
            cp.created_at_ms, cp.updated_at_ms
        );
        write_str(&mut o, &cp.integrity);
        o.push('}');
        o
    }

    /// An object being taken apart field by field; leftover fields are an error.
    struct Obj {
        what: &'static str,
        fields: Vec<(String, Value)>,
    }

    fn bad(what: &str, field: &str, expected: &str) -> CheckpointError {
        CheckpointError::Inconsistent(format!("{what}.{field} must be {expected}"))
    }

    impl Obj {
        fn new(v: Value, what: &'static str) -> Result<Self, CheckpointError> {
            match v {
                Value::Obj(fields) => Ok(Obj { what, fields }),
                _ => Err(CheckpointError::Inconsistent(format!(
                    "{what} must be an object"
                ))),
            }
        }
        fn take(&mut self, name: &str) -> Result<Value, CheckpointError> {
            let i = self
                .fields
                .iter()
                .position(|(k, _)| k == name)
                .ok_or_else(|| {
                    CheckpointError::Inconsistent(format!("{}.{name} is missing", self.what))
                })?;
            Ok(self.fields.remove(i).1)
        }
        fn string(&mut self, name: &str) -> Result<String, CheckpointError> {
            match self.take(name)? {
                Value::Str(s) => Ok(s),
                _ => Err(bad(self.what, name, "a string")),
            }
        }
        fn int<T: TryFrom<i128>>(&mut self, name: &str) -> Result<T, CheckpointError> {
            match self.take(name)? {
                Value::Int(i) => T::try_from(i).map_err(|_| bad(self.what, name, "in range")),
                _ => Err(bad(self.what, name, "an integer")),
            }
        }
        fn u64_str(&mut self, name: &str) -> Result<u64, CheckpointError> {
            let s = self.string(name)?;
            // Canonical decimal only, so one value has exactly one spelling.
            if s.is_empty() || (s.len() > 1 && s.starts_with('0')) {
                return Err(bad(self.what, name, "a decimal string"));
            }
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad(self.what, name, "a decimal string"));
            }
            s.parse().map_err(|_| bad(self.what, name, "a decimal u64"))
        }
        fn boolean(&mut self, name: &str) -> Result<bool, CheckpointError> {
            match self.take(name)? {
                Value::Bool(b) => Ok(b),
                _ => Err(bad(self.what, name, "a boolean")),
            }
        }
        fn map(&mut self, name: &str) -> Result<VecMap<String, String>, CheckpointError> {
            let Value::Obj(fields) = self.take(name)? else {
                return Err(bad(self.what, name, "an object"));
            };
            let mut m = VecMap::new();
            for (k, v) in fields {
                match v {
                    Value::Str(s) => m.insert(k, s),
                    _ => return Err(bad(self.what, name, "an object of strings")),
                };
            }
            Ok(m)
        }
        fn finish(self) -> Result<(), CheckpointError> {
            match self.fields.first() {
                None => Ok(()),
                Some((k, _)) => Err(CheckpointError::Inconsistent(format!(
                    "{}.{k} is not a known field",
                    self.what
                ))),
            }
        }
    }

    /// The optional `callback` of `object` (absent in records without one).
    fn read_callback(ob: &mut Obj) -> Result<Option<crate::callback::Callback>, CheckpointError> {
        if !ob.fields.iter().any(|(k, _)| k == "callback") {
            return Ok(None);
        }
        let mut c = Obj::new(ob.take("callback")?, "callback")?;
        let opt = |c: &mut Obj, name: &str| match c.take(name)? {
            Value::Null => Ok(None),
            Value::Str(s) => Ok(Some(s)),
            _ => Err(bad("callback", name, "a string or null")),
        };
        let url = c.string("url")?;
        let body = c.string("body")?;
        let content_type = opt(&mut c, "content_type")?;
        let host = opt(&mut c, "host")?;
        let sni = match c.take("sni")? {
            Value::Null => None,
            Value::Bool(b) => Some(b),
            _ => return Err(bad("callback", "sni", "a boolean or null")),
        };
        let cb = crate::callback::Callback {
            url,
            body,
            content_type,
            host,
            sni,
            custom_values: c.map("custom_values")?,
        };
        c.finish()?;
        Ok(Some(cb))
    }

    pub fn read_checkpoint(v: Value) -> Result<Checkpoint, CheckpointError> {
        let mut o = Obj::new(v, "checkpoint").map_err(|_| CheckpointError::WrongMagic)?;
        // Magic first: a foreign record is "not ours", whatever else it holds.
        match o.take("magic") {
            Ok(Value::Str(m)) if m == CHECKPOINT_MAGIC => {}
            _ => return Err(CheckpointError::WrongMagic),
        }
        // Version next: a newer schema may have other fields.
        let version = match o.take("version")? {
            Value::Int(v) => v,
            _ => return Err(bad("checkpoint", "version", "an integer")),
        };
        if version != i128::from(CHECKPOINT_VERSION) {
            return Err(CheckpointError::UnknownVersion(
                u64::try_from(version).unwrap_or(u64::MAX),
            ));
        }
        let endpoint = o.string("endpoint")?;
        let bucket = o.string("bucket")?;
        let key = o.string("key")?;
        let upload_id = o.string("upload_id")?;
        let part_size = o.int("part_size")?;

        let mut f = Obj::new(o.take("file")?, "file")?;
        let file = FileIdentity {
            name: f.string("name")?,
            size: f.int("size")?,
            last_modified_ms: f.int("last_modified_ms")?,
            mime_type: f.string("mime_type")?,
            sample_crc64: f.u64_str("sample_crc64")?,
        };
        f.finish()?;

        let mut ob = Obj::new(o.take("object")?, "object")?;
        let content_type = match ob.take("content_type")? {
            Value::Null => None,
            Value::Str(s) => Some(s),
            _ => return Err(bad("object", "content_type", "a string or null")),
        };
        let object = ObjectOptions {
            content_type,
            meta: ob.map("meta")?,
            headers: ob.map("headers")?,
            forbid_overwrite: ob.boolean("forbid_overwrite")?,
            callback: read_callback(&mut ob)?,
        };
        ob.finish()?;

        let Value::Arr(items) = o.take("parts")? else {
            return Err(bad("checkpoint", "parts", "an array"));
        };
        let mut parts = Vec::with_capacity(items.len());
        for item in items {
            let mut p = Obj::new(item, "part")?;
            parts.push(PartHint {
                part_number: p.int("part_number")?,
                size: p.int("size")?,
                etag: p.string("etag")?,
                crc64: p.u64_str("crc64")?,
            });
            p.finish()?;
        }
        let cp = Checkpoint {
            version: CHECKPOINT_VERSION,
            magic: CHECKPOINT_MAGIC.to_owned(),
            endpoint,
            bucket,
            key,
            upload_id,
            part_size,
            file,
            object,
            parts,
            created_at_ms: o.int("created_at_ms")?,
            updated_at_ms: o.int("updated_at_ms")?,
            integrity: o.string("integrity")?,
        };
        o.finish()?;
        Ok(cp)
    }
}
