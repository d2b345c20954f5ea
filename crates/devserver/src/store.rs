//! Buckets, objects and in-progress multipart uploads. Data lives in "blobs": chunk lists in
//! memory, files under `--data-dir/blobs/`, or nothing at all in `--sink` mode (hashed, then
//! discarded). With a data dir the metadata is rewritten to `state.json` after each change, so
//! objects and uploads survive a restart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::OssError;

/// Bytes of one part or one PutObject body.
#[derive(Debug)]
pub struct Blob {
    pub len: u64,
    pub data: BlobData,
}

#[derive(Debug)]
pub enum BlobData {
    Memory(Vec<Bytes>),
    /// File name under `data-dir/blobs/`.
    File(String),
    /// `--sink` mode: hashed on arrival, never stored.
    Discarded,
}

#[derive(Clone, Debug)]
pub struct PartRecord {
    pub number: u32,
    pub size: u64,
    /// Quoted uppercase hex MD5, as sent in the `ETag` header.
    pub etag: String,
    pub crc64: u64,
    pub md5: [u8; 16],
    pub last_modified_ms: i64,
    pub blob: Arc<Blob>,
}

#[derive(Clone, Debug)]
pub struct Upload {
    pub id: String,
    pub bucket: String,
    pub key: String,
    pub initiated_ms: i64,
    pub content_type: String,
    pub meta: Vec<(String, String)>,
    pub parts: BTreeMap<u32, PartRecord>,
}

#[derive(Clone, Debug)]
pub struct Object {
    pub size: u64,
    pub etag: String,
    pub crc64: u64,
    pub content_type: String,
    pub meta: Vec<(String, String)>,
    pub last_modified_ms: i64,
    pub multipart: bool,
    pub blobs: Vec<Arc<Blob>>,
}

pub struct Store {
    pub buckets: BTreeMap<String, BTreeMap<String, Object>>,
    pub uploads: BTreeMap<String, Upload>,
    data_dir: Option<PathBuf>,
}

// ---- persistence -------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct BlobSnap {
    len: u64,
    file: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PartSnap {
    number: u32,
    size: u64,
    etag: String,
    crc64: u64,
    md5: String,
    last_modified_ms: i64,
    blob: BlobSnap,
}

#[derive(Serialize, Deserialize)]
struct UploadSnap {
    id: String,
    bucket: String,
    key: String,
    initiated_ms: i64,
    content_type: String,
    meta: Vec<(String, String)>,
    parts: Vec<PartSnap>,
}

#[derive(Serialize, Deserialize)]
struct ObjectSnap {
    bucket: String,
    key: String,
    size: u64,
    etag: String,
    crc64: u64,
    content_type: String,
    meta: Vec<(String, String)>,
    last_modified_ms: i64,
    multipart: bool,
    blobs: Vec<BlobSnap>,
}

#[derive(Serialize, Deserialize, Default)]
struct Snapshot {
    objects: Vec<ObjectSnap>,
    uploads: Vec<UploadSnap>,
}

fn blob_snap(b: &Blob) -> BlobSnap {
    BlobSnap {
        len: b.len,
        file: match &b.data {
            BlobData::File(f) => Some(f.clone()),
            _ => None,
        },
    }
}

fn blob_from(s: BlobSnap) -> Arc<Blob> {
    Arc::new(Blob {
        len: s.len,
        data: match s.file {
            Some(f) => BlobData::File(f),
            None => BlobData::Discarded,
        },
    })
}

fn hex_md5(s: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = s
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

impl Store {
    /// An empty store for `buckets`; with a data dir, loads `state.json` if there is one.
    pub fn open(buckets: &[String], data_dir: Option<PathBuf>) -> std::io::Result<Store> {
        let mut store = Store {
            buckets: buckets
                .iter()
                .map(|b| (b.clone(), BTreeMap::new()))
                .collect(),
            uploads: BTreeMap::new(),
            data_dir,
        };
        if let Some(dir) = &store.data_dir {
            std::fs::create_dir_all(dir.join("blobs"))?;
            let snap: Snapshot = match std::fs::read(dir.join("state.json")) {
                Ok(b) => serde_json::from_slice(&b)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Snapshot::default(),
                Err(e) => return Err(e),
            };
            for o in snap.objects {
                // Objects in buckets no longer configured stay on disk but are not served.
                if let Some(b) = store.buckets.get_mut(&o.bucket) {
                    b.insert(
                        o.key,
                        Object {
                            size: o.size,
                            etag: o.etag,
                            crc64: o.crc64,
                            content_type: o.content_type,
                            meta: o.meta,
                            last_modified_ms: o.last_modified_ms,
                            multipart: o.multipart,
                            blobs: o.blobs.into_iter().map(blob_from).collect(),
                        },
                    );
                }
            }
            for u in snap.uploads {
                let parts = u
                    .parts
                    .into_iter()
                    .map(|p| {
                        (
                            p.number,
                            PartRecord {
                                number: p.number,
                                size: p.size,
                                etag: p.etag,
                                crc64: p.crc64,
                                md5: hex_md5(&p.md5),
                                last_modified_ms: p.last_modified_ms,
                                blob: blob_from(p.blob),
                            },
                        )
                    })
                    .collect();
                store.uploads.insert(
                    u.id.clone(),
                    Upload {
                        id: u.id,
                        bucket: u.bucket,
                        key: u.key,
                        initiated_ms: u.initiated_ms,
                        content_type: u.content_type,
                        meta: u.meta,
                        parts,
                    },
                );
            }
        }
        Ok(store)
    }

    /// Rewrites `state.json` (write to a temporary file, then rename, so a crash never leaves half).
    pub fn persist(&self) -> Result<(), OssError> {
        let Some(dir) = &self.data_dir else {
            return Ok(());
        };
        let mut snap = Snapshot::default();
        for (bucket, objects) in &self.buckets {
            for (key, o) in objects {
                snap.objects.push(ObjectSnap {
                    bucket: bucket.clone(),
                    key: key.clone(),
                    size: o.size,
                    etag: o.etag.clone(),
                    crc64: o.crc64,
                    content_type: o.content_type.clone(),
                    meta: o.meta.clone(),
                    last_modified_ms: o.last_modified_ms,
                    multipart: o.multipart,
                    blobs: o.blobs.iter().map(|b| blob_snap(b)).collect(),
                });
            }
        }
        for u in self.uploads.values() {
            snap.uploads.push(UploadSnap {
                id: u.id.clone(),
                bucket: u.bucket.clone(),
                key: u.key.clone(),
                initiated_ms: u.initiated_ms,
                content_type: u.content_type.clone(),
                meta: u.meta.clone(),
                parts: u
                    .parts
                    .values()
                    .map(|p| PartSnap {
                        number: p.number,
                        size: p.size,
                        etag: p.etag.clone(),
                        crc64: p.crc64,
                        md5: p.md5.iter().map(|b| format!("{b:02x}")).collect(),
                        last_modified_ms: p.last_modified_ms,
                        blob: blob_snap(&p.blob),
                    })
                    .collect(),
            });
        }
        let json = serde_json::to_vec(&snap).map_err(|e| OssError::internal(e.to_string()))?;
        let tmp = dir.join("state.json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, dir.join("state.json"))?;
        Ok(())
    }

    /// Deletes the files behind blobs that nothing references any more (best effort).
    pub fn release(&self, blobs: impl IntoIterator<Item = Arc<Blob>>) {
        let Some(dir) = &self.data_dir else {
            return;
        };
        let live: BTreeSet<&str> = self
            .buckets
            .values()
            .flat_map(|o| o.values())
            .flat_map(|o| o.blobs.iter())
            .chain(
                self.uploads
                    .values()
                    .flat_map(|u| u.parts.values().map(|p| &p.blob)),
            )
            .filter_map(|b| match &b.data {
                BlobData::File(f) => Some(f.as_str()),
                _ => None,
            })
            .collect();
        for b in blobs {
            if let BlobData::File(f) = &b.data {
                if !live.contains(f.as_str()) {
                    let _ = std::fs::remove_file(dir.join("blobs").join(f));
                }
            }
        }
    }

    /// Forgets every object and upload (and deletes their files).
    pub fn clear(&mut self) -> Result<(), OssError> {
        let mut blobs = Vec::new();
        for objects in self.buckets.values_mut() {
            for (_, o) in std::mem::take(objects) {
                blobs.extend(o.blobs);
            }
        }
        for (_, u) in std::mem::take(&mut self.uploads) {
            blobs.extend(u.parts.into_values().map(|p| p.blob));
        }
        self.release(blobs);
        self.persist()
    }
}
