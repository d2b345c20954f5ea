//! The multipart operations: InitiateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! ListParts, AbortMultipartUpload and ListMultipartUploads (docs/protocol.md §4.1–§4.7), with
//! OSS's limits, errors and pagination.

use std::sync::Arc;

use axum::{body::Body, http::header, http::StatusCode, response::Response};
use md5::{Digest, Md5};

use super::body::{check_content_md5, receive};
use super::context::{file_already_exists, Ctx};
use super::response::{b64, built, hex_upper, no_content, ok, quoted_etag, xml_response};
use crate::callback::{self, Stored};
use crate::error::OssError;
use crate::ingest;
use crate::store::{Object, PartRecord, Upload};
use crate::{lock, xml_out, Server};
use oss_resumable_core::error::code;
use oss_resumable_core::{crc64, sign};

/// Smallest size of every part but the last (`EntityTooSmall` below it, §4.2).
const MIN_PART_SIZE: u64 = 100 * 1024;
/// Part numbers run from 1 to this (§4.2).
const MAX_PART_NUMBER: u32 = 10_000;
/// Largest CompleteMultipartUpload body accepted (10,000 parts need about 800 KB).
const MAX_COMPLETE_BODY: usize = 4 << 20;

/// InitiateMultipartUpload (§4.1): the object's metadata is fixed here.
pub fn initiate_multipart_upload(s: &Server, c: &Ctx<'_>) -> Result<Response, OssError> {
    let forbid = c.forbid_overwrite()?;
    let encoding = c.encoding_url()?;
    let mut store = lock(&s.store);
    if forbid && c.object_exists(&store) {
        return Err(file_already_exists());
    }
    let now = s.now_ms();
    // Time first, so uploadIds sort in initiation order (ListMultipartUploads relies on it).
    let r = crate::random_bytes::<8>();
    let id = format!("{:016X}{}", now.max(0) as u64, hex_upper(&r));
    store.uploads.insert(
        id.clone(),
        Upload {
            id: id.clone(),
            bucket: c.bucket.clone(),
            key: c.key.clone(),
            initiated_ms: now,
            content_type: c.content_type(),
            meta: c.user_meta(),
            parts: Default::default(),
        },
    );
    store.persist()?;
    xml_response(
        ok(),
        xml_out::to_xml(&xml_out::InitiateMultipartUploadResult {
            bucket: c.bucket.clone(),
            key: c.key.clone(),
            upload_id: id,
            encoding_type: xml_out::encoding_type(encoding),
        }),
    )
}

/// UploadPart (§4.2); uploading a part number again replaces the part.
pub async fn upload_part(
    s: &Server,
    c: &Ctx<'_>,
    body: &mut Option<Body>,
) -> Result<Response, OssError> {
    let number: u32 = c
        .q("partNumber")
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            OssError::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
            .with("ArgumentName", "partNumber")
            .with("ArgumentValue", c.q("partNumber").unwrap_or(""))
        })?;
    c.traffic_limit()?;
    c.upload_in(&mut lock(&s.store))?;
    let got = receive(s, c, body).await?;
    let etag = quoted_etag(&got.md5);
    let blob = Arc::new(got.blob);
    let part = PartRecord {
        number,
        size: blob.len,
        etag: etag.clone(),
        crc64: got.crc64,
        md5: got.md5,
        last_modified_ms: s.now_ms(),
        blob: blob.clone(),
    };
    let mut store = lock(&s.store);
    // The upload may have been aborted or completed while the part streamed in.
    let old = match c.upload_in(&mut store) {
        Ok(u) => u.parts.insert(number, part),
        Err(e) => {
            store.release([blob]);
            return Err(e);
        }
    };
    // Re-uploading a part number replaces it.
    store.release(old.map(|p| p.blob));
    store.persist()?;
    built(
        ok().header(header::ETAG, &etag)
            .header("x-oss-hash-crc64ecma", got.crc64.to_string())
            .header("content-md5", b64(&got.md5)),
        Body::empty(),
    )
}

/// CompleteMultipartUpload (§4.3): the listed parts (or, with `x-oss-complete-all: yes`, every
/// part) become the object; the parts not listed are discarded with the upload.
pub async fn complete_multipart_upload(
    s: &Server,
    c: &Ctx<'_>,
    body: &mut Option<Body>,
) -> Result<Response, OssError> {
    let forbid = c.forbid_overwrite()?;
    let encoding = c.encoding_url()?;
    let listed = read_part_list(c, body).await?;
    // NoSuchUpload first; then a bad callback is refused before the upload is completed (§10.1).
    c.upload_in(&mut lock(&s.store))?;
    let callback = callback::parse(&c.headers)?;
    let (etag, crc, size, content_type) = complete_in_store(s, c, forbid, listed)?;
    if let Some(spec) = callback {
        // The callback's answer replaces the XML; the headers stay (§10.1).
        let stored = Stored {
            bucket: &c.bucket,
            key: &c.key,
            etag: &etag,
            size,
            mime_type: &content_type,
            crc64: crc,
        };
        let answer = super::object::called_back(s, &spec, &stored).await?;
        return built(
            ok().header(header::ETAG, &etag)
                .header("x-oss-hash-crc64ecma", crc.to_string())
                .header(header::CONTENT_TYPE, "application/json"),
            answer,
        );
    }
    xml_response(
        ok().header(header::ETAG, &etag)
            .header("x-oss-hash-crc64ecma", crc.to_string()),
        xml_out::to_xml(&xml_out::CompleteMultipartUploadResult {
            encoding_type: xml_out::encoding_type(encoding),
            location: c.location(),
            bucket: c.bucket.clone(),
            key: c.key.clone(),
            etag,
        }),
    )
}

/// Turns the upload into the object, under the store's lock (which the callback's awaits must
/// not hold): its ETag, CRC-64, size and Content-Type.
fn complete_in_store(
    s: &Server,
    c: &Ctx<'_>,
    forbid: bool,
    listed: Option<Vec<(u32, String)>>,
) -> Result<(String, u64, u64, String), OssError> {
    let mut store = lock(&s.store);
    let chosen = parts_to_complete(c.upload_in(&mut store)?, listed)?;
    if forbid && c.object_exists(&store) {
        return Err(file_already_exists());
    }
    let Some(upload) = store.uploads.remove(c.upload_id()) else {
        return Err(OssError::no_such_upload(c.upload_id()));
    };
    let object = assemble(&upload, &chosen, s.now_ms());
    let (etag, crc) = (object.etag.clone(), object.crc64);
    let (size, content_type) = (object.size, object.content_type.clone());
    let objects = store
        .buckets
        .get_mut(&c.bucket)
        .ok_or_else(|| OssError::no_such_bucket(&c.bucket))?;
    let old = objects.insert(c.key.clone(), object);
    store.release(
        old.into_iter()
            .flat_map(|o| o.blobs)
            .chain(upload.parts.into_values().map(|p| p.blob)),
    );
    store.persist()?;
    Ok((etag, crc, size, content_type))
}

/// Complete's body: the `(PartNumber, ETag)` list, or `None` with `x-oss-complete-all: yes`
/// (whose body must be empty).
async fn read_part_list(
    c: &Ctx<'_>,
    body: &mut Option<Body>,
) -> Result<Option<Vec<(u32, String)>>, OssError> {
    let complete_all = match c.header("x-oss-complete-all") {
        None => false,
        Some("yes") => true,
        Some(_) => {
            return Err(OssError::invalid_argument(
                "x-oss-complete-all must be yes.",
            ))
        }
    };
    let Some(b) = body.take() else {
        return Err(OssError::internal("request body already consumed"));
    };
    let xml = ingest::read_small(b, MAX_COMPLETE_BODY, c.received)
        .await
        .map_err(|e| OssError::invalid_argument(format!("CompleteMultipartUpload body: {e}")))?;
    check_content_md5(c, &Md5::digest(&xml).into())?;
    if !complete_all {
        return xml_out::parse_complete(&xml).map(Some);
    }
    if !xml.is_empty() {
        return Err(OssError::invalid_argument(
            "The body must be empty when x-oss-complete-all is yes.",
        )
        .ec("0042-00000216"));
    }
    Ok(None)
}

/// The parts that make the object, checked as OSS checks them: ascending numbers
/// (`InvalidPartOrder`), each one uploaded with that ETag (`InvalidPart`), every one but the
/// last at least 100 KiB (`EntityTooSmall`).
fn parts_to_complete(
    upload: &Upload,
    listed: Option<Vec<(u32, String)>>,
) -> Result<Vec<PartRecord>, OssError> {
    let chosen: Vec<PartRecord> = match listed {
        None => upload.parts.values().cloned().collect(),
        Some(list) => {
            if list.windows(2).any(|w| w[1].0 <= w[0].0) {
                return Err(OssError::new(
                    StatusCode::BAD_REQUEST,
                    code::INVALID_PART_ORDER,
                    "The list of parts was not in ascending order. Parts list must specified in order by part number.",
                )
                .ec("0042-00000209"));
            }
            let mut chosen = Vec::with_capacity(list.len());
            for (number, etag) in list {
                match upload.parts.get(&number) {
                    Some(p) if p.etag.trim_matches('"') == etag.trim().trim_matches('"') => {
                        chosen.push(p.clone())
                    }
                    _ => {
                        return Err(OssError::new(
                            StatusCode::BAD_REQUEST,
                            code::INVALID_PART,
                            "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
                        )
                        .with("PartNumber", number.to_string())
                        .with("ETag", etag))
                    }
                }
            }
            chosen
        }
    };
    let Some((_last, all_but_last)) = chosen.split_last() else {
        return Err(OssError::invalid_argument(
            "The upload has no parts to complete.",
        ));
    };
    if let Some(small) = all_but_last.iter().find(|p| p.size < MIN_PART_SIZE) {
        return Err(OssError::new(
            StatusCode::BAD_REQUEST,
            code::ENTITY_TOO_SMALL,
            "Your proposed upload is smaller than the minimum allowed size.",
        )
        .with("PartNumber", small.number.to_string())
        .with("ProposedSize", small.size.to_string())
        .with("MinSizeAllowed", MIN_PART_SIZE.to_string()));
    }
    Ok(chosen)
}

/// The object the chosen parts make, with the upload's metadata.
fn assemble(upload: &Upload, chosen: &[PartRecord], now_ms: i64) -> Object {
    // The whole object's CRC is the parts' CRCs combined, as the SDKs compute it (§6.3).
    let mut crc = 0u64;
    let mut size = 0u64;
    let mut md5s = Md5::new();
    for p in chosen {
        crc = crc64::combine(crc, p.crc64, p.size);
        size += p.size;
        md5s.update(p.md5);
    }
    // Multipart ETag: MD5 of the parts' binary MD5s, then "-<count>"; not the content's MD5.
    let etag = format!("\"{}-{}\"", hex_upper(&md5s.finalize()), chosen.len());
    Object {
        size,
        etag,
        crc64: crc,
        content_type: upload.content_type.clone(),
        meta: upload.meta.clone(),
        last_modified_ms: now_ms,
        multipart: true,
        blobs: chosen.iter().map(|p| p.blob.clone()).collect(),
    }
}

/// ListParts (§4.4): the parts above `part-number-marker`, `max-parts` at a time.
pub fn list_parts(s: &Server, c: &Ctx<'_>) -> Result<Response, OssError> {
    let encoding = c.encoding_url()?;
    let max_parts: u32 = c.number("max-parts", 1000)?;
    if !(1..=1000).contains(&max_parts) {
        return Err(OssError::invalid_argument(
            "max-parts must be between 1 and 1000.",
        ));
    }
    let marker: u32 = c.number("part-number-marker", 0)?;
    let mut store = lock(&s.store);
    let upload = c.upload_in(&mut store)?;
    let mut after = upload.parts.range(marker.saturating_add(1)..);
    let parts: Vec<&PartRecord> = after
        .by_ref()
        .take(max_parts as usize)
        .map(|(_, p)| p)
        .collect();
    let is_truncated = after.next().is_some();
    let next = parts.last().map_or(marker, |p| p.number);
    let xml = xml_out::to_xml(&xml_out::ListPartsResult {
        encoding_type: xml_out::encoding_type(encoding),
        bucket: c.bucket.clone(),
        key: c.key.clone(),
        upload_id: upload.id.clone(),
        storage_class: Some("Standard".to_string()),
        part_number_marker: marker,
        next_part_number_marker: next,
        max_parts,
        is_truncated,
        parts: parts
            .iter()
            .map(|p| xml_out::Part {
                part_number: p.number,
                last_modified: sign::format_iso8601(p.last_modified_ms),
                etag: p.etag.clone(),
                hash_crc64ecma: Some(p.crc64),
                size: p.size,
            })
            .collect(),
    });
    xml_response(ok(), xml)
}

/// AbortMultipartUpload (§4.5): the upload and its parts are discarded.
pub fn abort_multipart_upload(s: &Server, c: &Ctx<'_>) -> Result<Response, OssError> {
    let mut store = lock(&s.store);
    c.upload_in(&mut store)?;
    if let Some(u) = store.uploads.remove(c.upload_id()) {
        store.release(u.parts.into_values().map(|p| p.blob));
    }
    store.persist()?;
    no_content()
}

/// ListMultipartUploads (§4.6): the bucket's open uploads by key then uploadId, with
/// `prefix`, `delimiter` and markers.
pub fn list_multipart_uploads(s: &Server, c: &Ctx<'_>) -> Result<Response, OssError> {
    let encoding = c.encoding_url()?;
    let prefix = c.q("prefix").unwrap_or("");
    let delimiter = c.q("delimiter").unwrap_or("");
    let key_marker = c.q("key-marker").unwrap_or("");
    let id_marker = c.q("upload-id-marker").unwrap_or("");
    let max: u32 = c.number("max-uploads", 1000)?;
    if !(1..=1000).contains(&max) {
        return Err(OssError::invalid_argument(
            "max-uploads must be between 1 and 1000.",
        ));
    }
    let store = lock(&s.store);
    let mut all: Vec<&Upload> = store
        .uploads
        .values()
        .filter(|u| u.bucket == c.bucket && u.key.starts_with(prefix))
        .filter(|u| {
            // After the marker: a later key, or the marker key with a later uploadId.
            u.key.as_str() > key_marker
                || (!id_marker.is_empty() && u.key == key_marker && u.id.as_str() > id_marker)
        })
        .collect();
    all.sort_by(|a, b| (&a.key, &a.id).cmp(&(&b.key, &b.id)));
    let mut uploads = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut is_truncated = false;
    let (mut next_key, mut next_id) = (String::new(), String::new());
    for u in all {
        let common = (!delimiter.is_empty())
            .then(|| {
                u.key[prefix.len()..]
                    .find(delimiter)
                    .map(|i| u.key[..prefix.len() + i + delimiter.len()].to_string())
            })
            .flatten();
        if let Some(p) = &common {
            if prefixes.last() == Some(p) {
                continue;
            }
        }
        if uploads.len() + prefixes.len() >= max as usize {
            is_truncated = true;
            break;
        }
        match common {
            Some(p) => {
                next_key = p.clone();
                next_id = String::new();
                prefixes.push(p);
            }
            None => {
                next_key = u.key.clone();
                next_id = u.id.clone();
                uploads.push(xml_out::Upload {
                    key: u.key.clone(),
                    upload_id: u.id.clone(),
                    initiated: sign::format_iso8601(u.initiated_ms),
                });
            }
        }
    }
    if !is_truncated {
        next_key.clear();
        next_id.clear();
    }
    // Keys go in as they are: the writer percent-encodes them when `encoding_type` says url.
    let enc = |k: &str| k.to_string();
    let xml = xml_out::to_xml(&xml_out::ListMultipartUploadsResult {
        encoding_type: xml_out::encoding_type(encoding),
        bucket: c.bucket.clone(),
        key_marker: enc(key_marker),
        upload_id_marker: id_marker.to_string(),
        next_key_marker: enc(&next_key),
        next_upload_id_marker: next_id,
        delimiter: enc(delimiter),
        prefix: enc(prefix),
        max_uploads: max,
        is_truncated,
        uploads,
        common_prefixes: prefixes
            .iter()
            .map(|p| xml_out::CommonPrefix { prefix: enc(p) })
            .collect(),
    });
    xml_response(ok(), xml)
}
