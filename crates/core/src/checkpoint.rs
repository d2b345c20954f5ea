//! The resume checkpoint (docs/protocol.md §9.6; docs/architecture.md): a versioned record of one
//! multipart upload, protected by an integrity checksum like the native SDKs' checkpoint MD5
//! (§9.2–§9.4).
//!
//! It is a hint, never the truth: on resume the upload machine asks the server (ListParts) and
//! trusts a part only if number, size, ETag and CRC-64 agree. It holds no secret: no credential
//! type appears in it, and headers that carry credentials are refused.
//!
//! One definition: the serde derives below are the record's only shape, whatever stores it (the
//! browser keeps it in IndexedDB as a structured-clone object, through the glue's own serde
//! reader and writer of JS values, `src/store/`; the tests use serde_json and serde-wasm-bindgen). [`Checkpoint::decode`] reads it back from any serde format and refuses
//! anything that is not ours, of this version, undamaged and consistent. The integrity checksum
//! does not depend on that storage form: it is a SHA-256 over one canonical binary encoding of
//! the fields, written by one function ([`Checkpoint::seal`]), so the JSON text that v0.1 stored
//! and the object stored now carry the same checksum.

use crate::vecmap::VecMap;

use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use crate::prim::hex;

use crate::crc64::combine;
use crate::plan::{MultipartPlan, PartRun, PlanError};

/// Schema version written by this crate.
pub const CHECKPOINT_VERSION: u32 = 1;
/// Marks a record as ours (a foreign record in the same store is rejected, not misread).
pub const CHECKPOINT_MAGIC: &str = "oss-resumable-checkpoint-8F3A61D2";
/// Bytes sampled at the start, middle and end of the file for [`FileIdentity::sample_crc64`].
pub const SAMPLE_LEN: u64 = 64 * 1024;

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
    /// A record stored as JSON text (as v0.1 did) that is not JSON.
    #[error("checkpoint is not valid JSON: {0}")]
    Json(String),
    /// The value is not a record of this library (no or another magic string).
    #[error("record is not an oss-resumable checkpoint")]
    WrongMagic,
    /// A record of another format version.
    #[error("checkpoint version {0} is not supported (this client writes version 1)")]
    UnknownVersion(u64),
    /// The integrity hash does not match the fields: the record was changed or damaged.
    #[error("checkpoint integrity check failed: the record was modified or damaged")]
    IntegrityMismatch,
    /// A field is missing, of the wrong type, or disagrees with the others (parts outside the
    /// plan, a part size OSS refuses).
    #[error("checkpoint is inconsistent: {0}")]
    Inconsistent(String),
    /// An object header that carries a credential, which is never stored.
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
#[serde(deny_unknown_fields)]
pub struct FileIdentity {
    /// `File.name`.
    pub name: String,
    /// `File.size`, in bytes.
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
#[serde(deny_unknown_fields)]
pub struct ObjectOptions {
    /// The object's Content-Type, as sent on Initiate.
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
#[serde(deny_unknown_fields)]
pub struct PartHint {
    /// The part's number.
    pub part_number: u32,
    /// Its length, in bytes.
    pub size: u64,
    /// As the UploadPart `ETag` header returned it, quotes included.
    pub etag: String,
    /// CRC-64 of the part. Stored as a decimal string: a u64 does not survive a JS number.
    #[serde(with = "u64_string")]
    pub crc64: u64,
}

/// A versioned, integrity-protected resume record.
///
/// Unknown fields are refused where the format lists an object's fields (serde_json); the
/// browser's reader (`src/store/read.rs`) reads only the named properties of an object, so there
/// an extra property is never seen, which is harmless: the integrity covers every field the
/// record has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The format's version, [`CHECKPOINT_VERSION`].
    pub version: u32,
    /// [`CHECKPOINT_MAGIC`]: marks a record of this library.
    pub magic: String,
    /// The endpoint the upload was made through, as the app gave it.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The multipart upload's id.
    pub upload_id: String,
    /// The size of the first parts, in bytes (of every part but the last without `part_runs`).
    pub part_size: u64,
    /// Where the adaptive pace changed the part size (`upload/pace.rs`): from each run's first
    /// part on, its size. Empty, and then absent from the stored record, when every part has
    /// `part_size` bytes, so records written before this field existed read and seal as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_runs: Vec<PartRun>,
    /// The file the upload is of.
    pub file: FileIdentity,
    /// The options the upload was initiated with.
    pub object: ObjectOptions,
    /// Ascending by part number, one entry per number.
    pub parts: Vec<PartHint>,
    /// When the upload was initiated, Unix ms.
    pub created_at_ms: u64,
    /// When the record was last written, Unix ms.
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
            part_runs: Vec::new(),
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

    /// The record as JSON text, the form the browser stores it from (`src/store/`): the
    /// serde model's fields in declaration order, CRC-64 values as decimal strings, byte for
    /// byte what `serde_json::to_string` writes (and v0.1 stored).
    pub fn to_json(&self) -> Result<String, CheckpointError> {
        crate::prim::json::to_string(self).map_err(|e| CheckpointError::Inconsistent(e.to_string()))
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
        Ok(MultipartPlan::with_runs(
            self.file.size,
            self.part_size,
            &self.part_runs,
        )?)
    }

    /// Checks everything [`Self::decode`] checks after reading the fields: magic, version,
    /// integrity, consistency.
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

    /// Reads a stored record from any serde format and refuses it unless it is ours, of a known
    /// version, undamaged (integrity) and consistent (part size, parts within the plan).
    ///
    /// `record` gives a deserializer over the stored value each time it is called. A value that
    /// does not deserialize as a record is read once more for its magic and version only, so
    /// that a foreign value (bytes, another tool's record) is [`CheckpointError::WrongMagic`]
    /// and a record of another version [`CheckpointError::UnknownVersion`], whatever else they
    /// hold.
    pub fn decode<'de, D: Deserializer<'de>>(
        record: impl Fn() -> D,
    ) -> Result<Checkpoint, CheckpointError> {
        match Checkpoint::deserialize(record()) {
            Ok(cp) => {
                cp.validate()?;
                Ok(cp)
            }
            Err(error) => {
                let Ok(header) = RecordHeader::deserialize(record()) else {
                    // Not even a magic string and an integer version: not a record of ours.
                    return Err(CheckpointError::WrongMagic);
                };
                if header.magic != CHECKPOINT_MAGIC {
                    return Err(CheckpointError::WrongMagic);
                }
                if header.version != u64::from(CHECKPOINT_VERSION) {
                    return Err(CheckpointError::UnknownVersion(header.version));
                }
                Err(CheckpointError::Inconsistent(error.to_string()))
            }
        }
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

    /// The one canonical encoding of a record: every field but `integrity`, in declaration
    /// order, numbers as 8 bytes big-endian, strings length-prefixed, options and lists with a
    /// tag or count first. A field added to [`Checkpoint`] must be added here too
    /// (`every_field_is_covered_by_the_integrity` in the tests fails until it is).
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
        if !self.part_runs.is_empty() {
            // Only when present, so records of one part size keep their integrity value.
            c.str("part_runs").u64(self.part_runs.len() as u64);
            for r in &self.part_runs {
                c.u64(u64::from(r.first_part)).u64(r.part_size);
            }
        }
        hex::encode(&c.finish())
    }
}

/// What every version of the record holds, read first when a record does not deserialize.
#[derive(Deserialize)]
struct RecordHeader {
    magic: String,
    version: u64,
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

/// u64 as a decimal string: a JavaScript number (in a stored object or in JSON) loses precision
/// above 2^53.
mod u64_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
