//! The object operations: PutObject, GetObject, HeadObject and DeleteObject (docs/protocol.md
//! §4.9), with OSS's headers (`ETag`, `x-oss-hash-crc64ecma`, `x-oss-meta-*`), ranges and
//! `x-oss-forbid-overwrite`.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{header, StatusCode},
    response::Response,
};
use bytes::Bytes;

use super::body::receive;
use super::context::{file_already_exists, Ctx};
use super::response::{b64, built, no_content, ok, quoted_etag};
use crate::callback::{self, Stored};
use crate::error::OssError;
use crate::store::{Blob, BlobData, Object};
use crate::{lock, Server};
use oss_resumable_core::error::code;
use oss_resumable_core::sign;

/// PutObject (§4.9): the whole object in one body.
pub async fn put_object(
    s: &Server,
    c: &Ctx<'_>,
    body: &mut Option<Body>,
) -> Result<Response, OssError> {
    let forbid = c.forbid_overwrite()?;
    c.traffic_limit()?;
    // A bad callback is refused before anything is stored, as OSS does (§10.1).
    let callback = callback::parse(&c.headers)?;
    if forbid && c.object_exists(&lock(&s.store)) {
        return Err(file_already_exists());
    }
    let got = receive(s, c, body).await?;
    let blob = Arc::new(got.blob);
    let etag = quoted_etag(&got.md5);
    let object = Object {
        size: blob.len,
        etag: etag.clone(),
        crc64: got.crc64,
        content_type: c.content_type(),
        meta: c.user_meta(),
        last_modified_ms: s.now_ms(),
        multipart: false,
        blobs: vec![blob.clone()],
    };
    let content_type = object.content_type.clone();
    store_object(s, c, forbid, object, blob.clone())?;
    let called = callback.is_some();
    let answer = match callback {
        None => Body::empty(),
        Some(spec) => {
            let stored = Stored {
                bucket: &c.bucket,
                key: &c.key,
                etag: &etag,
                size: blob.len,
                mime_type: &content_type,
                crc64: got.crc64,
            };
            called_back(s, &spec, &stored).await?
        }
    };
    let mut b = ok()
        .header(header::ETAG, &etag)
        .header("x-oss-hash-crc64ecma", got.crc64.to_string())
        .header("content-md5", b64(&got.md5));
    if called {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    built(b, answer)
}

/// Puts `object` at the key (the store's lock is not held across the callback's awaits).
fn store_object(
    s: &Server,
    c: &Ctx<'_>,
    forbid: bool,
    object: Object,
    blob: Arc<Blob>,
) -> Result<(), OssError> {
    let mut store = lock(&s.store);
    let objects = store
        .buckets
        .get_mut(&c.bucket)
        .ok_or_else(|| OssError::no_such_bucket(&c.bucket))?;
    // Checked again: another request may have created the object while this body streamed in.
    if forbid && objects.contains_key(&c.key) {
        store.release([blob]);
        return Err(file_already_exists());
    }
    let old = objects.insert(c.key.clone(), object);
    store.release(old.into_iter().flat_map(|o| o.blobs));
    store.persist()?;
    Ok(())
}

/// Performs the callback of a request that stored `o`: its answer as the response body (JSON),
/// or `203 CallbackFailed` (§10.1).
pub(super) async fn called_back(
    s: &Server,
    spec: &callback::Spec,
    o: &Stored<'_>,
) -> Result<Body, OssError> {
    let public_key_url = format!("{}{}", s.url, callback::PUBLIC_KEY_PATH);
    let timeout = std::time::Duration::from_millis(s.config.callback_timeout_ms);
    match spec.perform(spec.body(o), &public_key_url, timeout).await {
        Ok(answer) => Ok(Body::from(answer)),
        Err(reason) => Err(callback::failed(&reason, o.etag, o.crc64)),
    }
}

/// GetObject, or HeadObject when `head` (the same headers, no body).
pub fn get_object(s: &Server, c: &Ctx<'_>, head: bool) -> Result<Response, OssError> {
    let object = {
        let store = lock(&s.store);
        store
            .buckets
            .get(&c.bucket)
            .and_then(|objects| objects.get(&c.key))
            .cloned()
            .ok_or_else(|| OssError::no_such_key(&c.key))?
    };
    let range = match c.header("range").and_then(|r| parse_range(r, object.size)) {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(())) => {
            return Err(OssError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                code::INVALID_RANGE,
                "The requested range cannot be satisfied.",
            ))
        }
    };
    let (start, len) = match range {
        Some((a, b)) => (a, b - a + 1),
        None => (0, object.size),
    };
    let mut b = Response::builder()
        .status(if range.is_some() {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        })
        .header(header::CONTENT_TYPE, &object.content_type)
        .header(header::CONTENT_LENGTH, len)
        .header(header::ETAG, &object.etag)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(
            header::LAST_MODIFIED,
            sign::format_rfc1123(object.last_modified_ms),
        )
        .header("x-oss-hash-crc64ecma", object.crc64.to_string())
        .header(
            "x-oss-object-type",
            if object.multipart {
                "Multipart"
            } else {
                "Normal"
            },
        )
        .header("x-oss-storage-class", "Standard");
    for (n, v) in &object.meta {
        b = b.header(n.as_str(), v.as_str());
    }
    if let Some((a, e)) = range {
        b = b.header(
            header::CONTENT_RANGE,
            format!("bytes {a}-{e}/{}", object.size),
        );
    }
    if head {
        return built(b, Body::empty());
    }
    if object
        .blobs
        .iter()
        .any(|bl| matches!(bl.data, BlobData::Discarded))
    {
        return Err(OssError::not_implemented(
            "This object's bytes were discarded (the server runs with --sink).",
        ));
    }
    let dir = s.config.data_dir.as_ref().map(|d| d.join("blobs"));
    built(b, stream_blobs(object.blobs, dir, start, len))
}

/// DeleteObject; a missing key is no error.
pub fn delete_object(s: &Server, c: &Ctx<'_>) -> Result<Response, OssError> {
    let mut store = lock(&s.store);
    let old = store
        .buckets
        .get_mut(&c.bucket)
        .and_then(|o| o.remove(&c.key));
    // Deleting a missing object is not an error in OSS.
    store.release(old.into_iter().flat_map(|o| o.blobs));
    store.persist()?;
    no_content()
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n`; `None` for forms OSS ignores (then the whole object).
fn parse_range(v: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = v.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (size.saturating_sub(n), size.checked_sub(1)?)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            let e: u64 = b.parse().ok()?;
            if e < start {
                return None;
            }
            e.min(size.saturating_sub(1))
        };
        (start, end)
    };
    if start >= size {
        return Some(Err(()));
    }
    Some(Ok((start, end)))
}

/// Streams `len` bytes from `start` across the object's blobs, never loading a whole file.
fn stream_blobs(
    blobs: Vec<Arc<Blob>>,
    dir: Option<std::path::PathBuf>,
    start: u64,
    len: u64,
) -> Body {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let mut skip = start;
        let mut left = len;
        for blob in blobs {
            if left == 0 {
                break;
            }
            if skip >= blob.len {
                skip -= blob.len;
                continue;
            }
            match &blob.data {
                BlobData::Memory(chunks) => {
                    for chunk in chunks {
                        let n = chunk.len() as u64;
                        if skip >= n {
                            skip -= n;
                            continue;
                        }
                        let take = (n - skip).min(left);
                        let piece = chunk.slice(skip as usize..(skip + take) as usize);
                        skip = 0;
                        left -= take;
                        if tx.send(Ok(piece)).await.is_err() || left == 0 {
                            return;
                        }
                    }
                }
                BlobData::File(name) => {
                    let path = dir.as_ref().map(|d| d.join(name)).unwrap_or_default();
                    let mut f = match tokio::fs::File::open(&path).await {
                        Ok(f) => f,
                        Err(e) => {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                    };
                    if let Err(e) = f.seek(std::io::SeekFrom::Start(skip)).await {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                    let mut in_blob = blob.len - skip;
                    skip = 0;
                    while in_blob > 0 && left > 0 {
                        let want = (256 * 1024).min(in_blob).min(left) as usize;
                        let mut buf = vec![0u8; want];
                        if let Err(e) = f.read_exact(&mut buf).await {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                        in_blob -= want as u64;
                        left -= want as u64;
                        if tx.send(Ok(Bytes::from(buf))).await.is_err() {
                            return;
                        }
                    }
                }
                BlobData::Discarded => return,
            }
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}
