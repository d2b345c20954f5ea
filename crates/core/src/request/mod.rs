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

// OSS limits used by the builders.
/// The longest object key, in UTF-8 bytes (§1).
pub const MAX_KEY_BYTES: usize = 1023;
/// The highest part number (§4.2).
pub const MAX_PART_NUMBER: u32 = 10_000;
/// The largest part, and the largest PutObject body (§4.2, §4.9).
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts one ListParts page returns (§4.4).
pub const MAX_LIST_PARTS: u32 = 1000;
/// The most uploads one ListMultipartUploads page returns (§4.6).
pub const MAX_LIST_UPLOADS: u32 = 1000;
/// The most user metadata, names and values together, in bytes (§10.2).
pub const MAX_USER_META_BYTES: usize = 8 * 1024;

/// Why a request could not be built. Messages say what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The endpoint is not a URL or host this crate can send to.
    #[error("invalid endpoint {endpoint:?}: {reason}")]
    InvalidEndpoint {
        /// The endpoint given.
        endpoint: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Virtual-hosted style was asked of an endpoint that cannot carry a bucket subdomain.
    #[error(
        "endpoint {host:?} is an IP address or a single-label host and cannot carry the bucket as a \
         subdomain: set pathStyle: true (e.g. for the dev server)"
    )]
    VirtualHostedNeedsDomain {
        /// The endpoint's host.
        host: String,
    },
    /// The bucket name breaks OSS's naming rules.
    #[error(
        "invalid bucket name {bucket:?}: {reason} (3-63 characters: lowercase letters, digits and \
         '-', starting and ending with a letter or digit)"
    )]
    InvalidBucketName {
        /// The bucket given.
        bucket: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The object key is empty.
    #[error("the object key is empty: give a key of 1 to 1023 UTF-8 bytes")]
    EmptyKey,
    /// The object key is longer than 1023 bytes.
    #[error("the object key is {len} UTF-8 bytes long; OSS allows at most 1023: shorten it")]
    KeyTooLong {
        /// The key's length, in bytes.
        len: usize,
    },
    /// The object key starts with `/` or `\\`.
    #[error("the object key starts with '/' or '\\': remove the leading character(s)")]
    KeyStartsWithSlash,
    /// The object key contains CR or LF.
    #[error("the object key contains a line break (CR or LF), which OSS rejects: remove it")]
    KeyContainsLineBreak,
    /// The part number is outside 1–10,000.
    #[error("part number {0} is out of range: OSS accepts 1 to 10000")]
    InvalidPartNumber(u32),
    /// A byte range ends before it starts.
    #[error("byte range {start}..{end} is invalid: start must not exceed end")]
    InvalidRange {
        /// The first byte.
        start: u64,
        /// The byte after the last.
        end: u64,
    },
    /// One request body is larger than 5 GiB.
    #[error(
        "a single request body of {size} bytes exceeds OSS's 5 GiB limit: use a smaller part size"
    )]
    BodyTooLarge {
        /// The size, in bytes.
        size: u64,
    },
    /// The upload id is empty or has characters OSS never uses.
    #[error("the upload id is empty or contains characters OSS never uses: {0:?}")]
    InvalidUploadId(String),
    /// A Complete was asked for with no part.
    #[error("CompleteMultipartUpload needs at least one part")]
    NoParts,
    /// A part's ETag is empty or malformed.
    #[error("part {part_number} has an empty or malformed ETag {etag:?}: use the ETag header UploadPart returned, quotes included")]
    InvalidETag {
        /// The part.
        part_number: u32,
        /// The ETag given.
        etag: String,
    },
    /// A page size is outside what OSS accepts.
    #[error("{name} = {value} is out of range: OSS accepts 1 to {max}")]
    InvalidListLimit {
        /// The name given.
        name: &'static str,
        /// The value given.
        value: u32,
        /// The largest value OSS accepts.
        max: u32,
    },
    /// A header the caller may not set (the browser forbids it, or the uploader sets it).
    #[error("header {name:?} cannot be set by the caller: {reason}")]
    ForbiddenHeader {
        /// The name given.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A header name that is not an HTTP token.
    #[error("{name:?} is not a valid HTTP header name: use letters, digits and '-'")]
    InvalidHeaderName {
        /// The name given.
        name: String,
    },
    /// A header value a browser cannot send or OSS would read differently.
    #[error("header {name:?} has an invalid value: {reason}")]
    InvalidHeaderValue {
        /// The name given.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A header given twice.
    #[error("header {name:?} is given more than once (names are case-insensitive): give it once")]
    DuplicateHeader {
        /// The name given.
        name: String,
    },
    /// A metadata name OSS does not accept.
    #[error(
        "metadata name {name:?} is invalid: OSS accepts letters, digits and '-' only (it is stored \
         lowercase as x-oss-meta-<name>)"
    )]
    InvalidMetaName {
        /// The name given.
        name: String,
    },
    /// A metadata value a browser cannot send.
    #[error(
        "metadata {name:?} has an invalid value: {reason}; encode non-ASCII text (e.g. \
         percent-encoding) before passing it"
    )]
    InvalidMetaValue {
        /// The name given.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A metadata name given twice.
    #[error("metadata name {name:?} is given more than once (names are case-insensitive)")]
    DuplicateMeta {
        /// The name given.
        name: String,
    },
    /// The metadata is larger than 8 KiB.
    #[error(
        "user metadata totals {size} bytes; OSS allows at most 8 KiB: shorten or drop entries"
    )]
    MetadataTooLarge {
        /// The size, in bytes.
        size: usize,
    },
    /// The callback option is invalid (§10.1).
    #[error(transparent)]
    Callback(#[from] crate::callback::CallbackError),
    /// A per-part header is invalid (§10.3).
    #[error(transparent)]
    PartHeader(#[from] crate::part_headers::PartHeaderError),
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
    /// `GET`: ListParts, ListMultipartUploads.
    Get,
    /// `PUT`: UploadPart, PutObject.
    Put,
    /// `POST`: Initiate and Complete.
    Post,
    /// `DELETE`: AbortMultipartUpload.
    Delete,
    /// `HEAD`: HeadObject.
    Head,
}

impl Method {
    /// The method as HTTP spells it: `"GET"`, `"PUT"`, …
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
    /// No body.
    Empty,
    /// Small generated bodies (the CompleteMultipartUpload XML).
    Bytes(Vec<u8>),
    /// Bytes `start..end` (end exclusive, as `Blob.slice`) of the file being uploaded.
    FileRange {
        /// The first byte.
        start: u64,
        /// The byte after the last.
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

    /// Whether the body sends no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One OSS request as data. `key` is the decoded object key (`""` for bucket-level requests).
/// `Debug` redacts `Authorization` and `x-oss-security-token`.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// The bucket; the endpoint puts it in the host or the path.
    pub bucket: String,
    /// The decoded object key; `""` for a bucket-level request.
    pub key: String,
    /// The query, in order; a sub-resource without a value (`uploads`) has `None`.
    pub query: Vec<(String, Option<String>)>,
    /// The headers, in the order they were added.
    pub headers: Vec<(String, String)>,
    /// What the request sends.
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
