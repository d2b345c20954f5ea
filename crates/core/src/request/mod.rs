//! OSS requests as plain data: method, bucket, decoded key, ordered query, headers and a body
//! description (a part body is a byte range of the file, never bytes). One builder per OSS action
//! (`InitiateMultipartUpload`, `UploadPart`, …) validates its inputs and returns a [`Request`] ready
//! for [`crate::sign::sign_request`]; [`Endpoint`] turns it into a URL. Section numbers refer to
//! `docs/protocol.md`.
//!
//! This file holds the data types; `endpoint.rs` the URL, `validate.rs` the input rules,
//! `object.rs` the per-object options and `build.rs` the builders.

use std::fmt;

mod build;
mod endpoint;
mod object;
mod validate;

pub use build::{
    abort_multipart_upload, complete_multipart_upload, head_object, initiate_multipart_upload,
    list_multipart_uploads, list_parts, put_object, upload_part, ListMultipartUploadsParams,
};
pub use endpoint::Endpoint;
pub use object::{guess_content_type, ObjectOptions};
pub use validate::{validate_bucket, validate_key};

/// OSS limits used by the builders (§4.2, §4.4, §4.6, §1, §7.3).
pub const MAX_KEY_BYTES: usize = 1023;
pub const MAX_PART_NUMBER: u32 = 10_000;
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
pub const MAX_LIST_PARTS: u32 = 1000;
pub const MAX_LIST_UPLOADS: u32 = 1000;
pub const MAX_USER_META_BYTES: usize = 8 * 1024;

/// Why a request could not be built. Messages say what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("invalid endpoint {endpoint:?}: {reason}")]
    InvalidEndpoint {
        endpoint: String,
        reason: &'static str,
    },
    #[error(
        "endpoint {host:?} is an IP address or a single-label host and cannot carry the bucket as a \
         subdomain: set pathStyle: true (e.g. for the dev server)"
    )]
    VirtualHostedNeedsDomain { host: String },
    #[error(
        "invalid bucket name {bucket:?}: {reason} (3-63 characters: lowercase letters, digits and \
         '-', starting and ending with a letter or digit)"
    )]
    InvalidBucketName {
        bucket: String,
        reason: &'static str,
    },
    #[error("the object key is empty: give a key of 1 to 1023 UTF-8 bytes")]
    EmptyKey,
    #[error("the object key is {len} UTF-8 bytes long; OSS allows at most 1023: shorten it")]
    KeyTooLong { len: usize },
    #[error("the object key starts with '/' or '\\': remove the leading character(s)")]
    KeyStartsWithSlash,
    #[error("the object key contains a line break (CR or LF), which OSS rejects: remove it")]
    KeyContainsLineBreak,
    #[error("part number {0} is out of range: OSS accepts 1 to 10000")]
    InvalidPartNumber(u32),
    #[error("byte range {start}..{end} is invalid: start must not exceed end")]
    InvalidRange { start: u64, end: u64 },
    #[error(
        "a single request body of {size} bytes exceeds OSS's 5 GiB limit: use a smaller part size"
    )]
    BodyTooLarge { size: u64 },
    #[error("the upload id is empty or contains characters OSS never uses: {0:?}")]
    InvalidUploadId(String),
    #[error("CompleteMultipartUpload needs at least one part")]
    NoParts,
    #[error("part {part_number} has an empty or malformed ETag {etag:?}: use the ETag header UploadPart returned, quotes included")]
    InvalidETag { part_number: u32, etag: String },
    #[error("{name} = {value} is out of range: OSS accepts 1 to {max}")]
    InvalidListLimit {
        name: &'static str,
        value: u32,
        max: u32,
    },
    #[error("header {name:?} cannot be set by the caller: {reason}")]
    ForbiddenHeader { name: String, reason: &'static str },
    #[error("{name:?} is not a valid HTTP header name: use letters, digits and '-'")]
    InvalidHeaderName { name: String },
    #[error("header {name:?} has an invalid value: {reason}")]
    InvalidHeaderValue { name: String, reason: &'static str },
    #[error("header {name:?} is given more than once (names are case-insensitive): give it once")]
    DuplicateHeader { name: String },
    #[error(
        "metadata name {name:?} is invalid: OSS accepts letters, digits and '-' only (it is stored \
         lowercase as x-oss-meta-<name>)"
    )]
    InvalidMetaName { name: String },
    #[error(
        "metadata {name:?} has an invalid value: {reason}; encode non-ASCII text (e.g. \
         percent-encoding) before passing it"
    )]
    InvalidMetaValue { name: String, reason: &'static str },
    #[error("metadata name {name:?} is given more than once (names are case-insensitive)")]
    DuplicateMeta { name: String },
    #[error(
        "user metadata totals {size} bytes; OSS allows at most 8 KiB: shorten or drop entries"
    )]
    MetadataTooLarge { size: usize },
}

impl RequestError {
    /// The client error code surfaced to JS (design.md "Failures"): every variant is a bad argument.
    pub fn code(&self) -> &'static str {
        "InvalidArgument"
    }
}

/// HTTP methods OSS multipart uploads use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Head,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Empty,
    /// Small generated bodies (the CompleteMultipartUpload XML).
    Bytes(Vec<u8>),
    /// Bytes `start..end` (end exclusive, as `Blob.slice`) of the file being uploaded.
    FileRange {
        start: u64,
        end: u64,
    },
}

impl Body {
    /// Number of bytes the body sends.
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::FileRange { start, end } => end.saturating_sub(*start),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One OSS request as data. `key` is the decoded object key (`""` for bucket-level requests).
/// `Debug` redacts `Authorization` and `x-oss-security-token`.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub bucket: String,
    pub key: String,
    pub query: Vec<(String, Option<String>)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Request {
    pub(super) fn new(method: Method, bucket: &str, key: &str) -> Request {
        Request {
            method,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Removes every header called `name` (case-insensitive).
    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Replaces every header called `name` with one `name: value`.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.remove_header(name);
        self.headers.push((name.to_owned(), value.into()));
    }

    /// Value of query parameter `name` (`Some(None)` for a value-less one such as `uploads`).
    pub fn query_param(&self, name: &str) -> Option<Option<&str>> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let secret = n.eq_ignore_ascii_case("authorization")
                    || n.eq_ignore_ascii_case("x-oss-security-token");
                (n.as_str(), if secret { "<redacted>" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}
