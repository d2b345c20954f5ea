//! One builder per OSS action (§4): each validates its inputs and returns a [`Request`] ready
//! for [`crate::sign::sign_request`].

use md5::Digest as _;

use super::object::object_headers;
use super::validate::{
    file_range, validate_bucket, validate_key, validate_part_number, validate_upload_id,
};
use super::{Body, Method, ObjectOptions, Request, RequestError, MAX_LIST_PARTS, MAX_LIST_UPLOADS};
use crate::xml;

fn object_request(method: Method, bucket: &str, key: &str) -> Result<Request, RequestError> {
    validate_bucket(bucket)?;
    validate_key(key)?;
    Ok(Request::new(method, bucket, key))
}

/// PutObject: the whole object in one request; body = file bytes `start..end`. It carries the
/// object headers, the part headers (it is the one request with file bytes, §10.3) and the
/// callback (§10.1).
pub fn put_object(
    bucket: &str,
    key: &str,
    start: u64,
    end: u64,
    opts: &ObjectOptions,
) -> Result<Request, RequestError> {
    let mut req = object_request(Method::Put, bucket, key)?;
    req.headers = object_headers(key, opts)?;
    req.headers.extend(opts.part_headers.iter().cloned());
    if let Some(callback) = &opts.callback {
        req.headers.extend(callback.headers());
    }
    req.body = file_range(start, end)?;
    Ok(req)
}

/// HeadObject: size, ETag and `x-oss-hash-crc64ecma` of an existing object (§4.3 Complete retry).
pub fn head_object(bucket: &str, key: &str) -> Result<Request, RequestError> {
    object_request(Method::Head, bucket, key)
}

/// InitiateMultipartUpload: `POST /key?uploads` with the object's Content-Type, metadata and
/// options (§4.1).
pub fn initiate_multipart_upload(
    bucket: &str,
    key: &str,
    opts: &ObjectOptions,
) -> Result<Request, RequestError> {
    let mut req = object_request(Method::Post, bucket, key)?;
    req.query.push(("uploads".to_owned(), None));
    req.headers = object_headers(key, opts)?;
    Ok(req)
}

/// UploadPart: `PUT /key?partNumber=n&uploadId=id`, body = file bytes `start..end`. No
/// Content-Type: a typeless `Blob.slice` sends none, and a sent one would have to be signed (§7.3).
pub fn upload_part(
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number: u32,
    start: u64,
    end: u64,
) -> Result<Request, RequestError> {
    validate_part_number(part_number)?;
    validate_upload_id(upload_id)?;
    let mut req = object_request(Method::Put, bucket, key)?;
    req.query = vec![
        ("partNumber".to_owned(), Some(part_number.to_string())),
        ("uploadId".to_owned(), Some(upload_id.to_owned())),
    ];
    req.body = file_range(start, end)?;
    Ok(req)
}

/// CompleteMultipartUpload (§4.3): the body is [`xml::CompleteMultipartUpload`] (parts sorted
/// ascending and de-duplicated by number, the last entry for a number winning: it is the latest
/// upload of that part, §4.2), ETags exactly as returned (quoted), `Content-Type: application/xml` set explicitly (a browser would otherwise
/// add `text/plain`, breaking the signature), `Content-MD5` of the body, and
/// `x-oss-forbid-overwrite: true` repeated when asked (OSS checks it at Complete too).
pub fn complete_multipart_upload(
    bucket: &str,
    key: &str,
    upload_id: &str,
    parts: &[(u32, String)],
    forbid_overwrite: bool,
) -> Result<Request, RequestError> {
    validate_upload_id(upload_id)?;
    let mut req = object_request(Method::Post, bucket, key)?;
    if parts.is_empty() {
        return Err(RequestError::NoParts);
    }
    for (n, etag) in parts {
        validate_part_number(*n)?;
        if etag.trim().is_empty() || etag.chars().any(char::is_control) {
            return Err(RequestError::InvalidETag {
                part_number: *n,
                etag: etag.clone(),
            });
        }
    }
    let body = xml::to_xml(&xml::CompleteMultipartUpload::new(parts.iter().map(
        |(part_number, etag)| xml::CompletePart {
            part_number: *part_number,
            etag: etag.clone(),
        },
    )));
    let md5 = crate::prim::b64::encode(&md5::Md5::digest(body.as_bytes()));
    req.query
        .push(("uploadId".to_owned(), Some(upload_id.to_owned())));
    req.headers
        .push(("Content-Type".to_owned(), "application/xml".to_owned()));
    req.headers.push(("Content-MD5".to_owned(), md5));
    if forbid_overwrite {
        req.headers
            .push(("x-oss-forbid-overwrite".to_owned(), "true".to_owned()));
    }
    req.body = Body::Bytes(body.into_bytes());
    Ok(req)
}

/// ListParts (§4.4): `GET /key?uploadId=id[&max-parts=n][&part-number-marker=m]`. Page with
/// `part-number-marker = NextPartNumberMarker` while `IsTruncated`.
pub fn list_parts(
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number_marker: Option<u32>,
    max_parts: Option<u32>,
) -> Result<Request, RequestError> {
    validate_upload_id(upload_id)?;
    let mut req = object_request(Method::Get, bucket, key)?;
    req.query
        .push(("uploadId".to_owned(), Some(upload_id.to_owned())));
    if let Some(max) = max_parts {
        if !(1..=MAX_LIST_PARTS).contains(&max) {
            return Err(RequestError::InvalidListLimit {
                name: "max-parts",
                value: max,
                max: MAX_LIST_PARTS,
            });
        }
        req.query
            .push(("max-parts".to_owned(), Some(max.to_string())));
    }
    if let Some(marker) = part_number_marker {
        req.query
            .push(("part-number-marker".to_owned(), Some(marker.to_string())));
    }
    Ok(req)
}

/// AbortMultipartUpload (§4.5): `DELETE /key?uploadId=id`.
pub fn abort_multipart_upload(
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Request, RequestError> {
    validate_upload_id(upload_id)?;
    let mut req = object_request(Method::Delete, bucket, key)?;
    req.query
        .push(("uploadId".to_owned(), Some(upload_id.to_owned())));
    Ok(req)
}

/// Parameters of ListMultipartUploads (§4.6); all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMultipartUploadsParams {
    /// Only uploads whose key starts with this.
    pub prefix: Option<String>,
    /// Groups keys up to this character into `CommonPrefixes`.
    pub delimiter: Option<String>,
    /// `NextKeyMarker` of the previous page.
    pub key_marker: Option<String>,
    /// `NextUploadIdMarker` of the previous page.
    pub upload_id_marker: Option<String>,
    /// At most this many uploads per page (1–1000; OSS's default is 1000).
    pub max_uploads: Option<u32>,
    /// Ask for URL-encoded keys in the response (`encoding-type=url`); the caller must decode them.
    pub encoding_type_url: bool,
}

/// ListMultipartUploads (§4.6): bucket-level `GET /?uploads&…` (key `""`).
pub fn list_multipart_uploads(
    bucket: &str,
    params: &ListMultipartUploadsParams,
) -> Result<Request, RequestError> {
    validate_bucket(bucket)?;
    let mut req = Request::new(Method::Get, bucket, "");
    req.query.push(("uploads".to_owned(), None));
    let mut push = |name: &str, value: &Option<String>| {
        if let Some(v) = value {
            req.query.push((name.to_owned(), Some(v.clone())));
        }
    };
    push("prefix", &params.prefix);
    push("delimiter", &params.delimiter);
    push("key-marker", &params.key_marker);
    push("upload-id-marker", &params.upload_id_marker);
    if let Some(max) = params.max_uploads {
        if !(1..=MAX_LIST_UPLOADS).contains(&max) {
            return Err(RequestError::InvalidListLimit {
                name: "max-uploads",
                value: max,
                max: MAX_LIST_UPLOADS,
            });
        }
        req.query
            .push(("max-uploads".to_owned(), Some(max.to_string())));
    }
    if params.encoding_type_url {
        req.query
            .push(("encoding-type".to_owned(), Some("url".to_owned())));
    }
    Ok(req)
}
