//! OSS requests as plain data: method, bucket, decoded key, ordered query, headers and a body
//! description (a part body is a byte range of the file, never bytes). One builder per OSS action
//! (`InitiateMultipartUpload`, `UploadPart`, …) validates its inputs and returns a [`Request`] ready
//! for [`crate::sign::sign_request`]; [`Endpoint`] turns it into a URL. Section numbers refer to
//! `docs/protocol.md`.

use std::fmt;

use md5::Digest as _;

use crate::url::{region_from_endpoint, uri_encode, uri_encode_path};
use crate::xml;

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
    #[error(transparent)]
    Callback(#[from] crate::callback::CallbackError),
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
    fn new(method: Method, bucket: &str, key: &str) -> Request {
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

// ---------------------------------------------------------------------------------------------
// Endpoint and URLs
// ---------------------------------------------------------------------------------------------

/// Where requests go: scheme, host[:port], and whether the bucket is in the host (virtual-hosted,
/// `https://bucket.oss-cn-hangzhou.aliyuncs.com/key`, OSS's default, §1) or in the path
/// (`http://127.0.0.1:9000/bucket/key`, the dev server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    host: String,
    port: Option<u16>,
    path_style: bool,
    /// The host is the bucket's own domain (a CNAME bound to it, §1): nothing is prefixed and
    /// the path holds only the key.
    cname: bool,
}

impl Endpoint {
    /// Parses `https://oss-cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:9000`, or a bare host
    /// (taken as https). A path other than `/`, a query, a fragment or credentials are rejected.
    pub fn parse(s: &str, path_style: bool) -> Result<Endpoint, RequestError> {
        let err = |reason| RequestError::InvalidEndpoint {
            endpoint: s.to_owned(),
            reason,
        };
        let trimmed = s.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("https".to_owned(), trimmed),
        };
        if scheme != "http" && scheme != "https" {
            return Err(err("the scheme must be http or https"));
        }
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if !path.is_empty() && path != "/" {
            return Err(err(
                "give only scheme://host[:port]; the bucket and key are added per request",
            ));
        }
        if authority.contains('@') {
            return Err(err("credentials in the URL are not allowed"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (addr, after) = v6
                .split_once(']')
                .ok_or_else(|| err("unterminated IPv6 address"))?;
            if addr.is_empty()
                || !addr
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return Err(err("invalid IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| err("invalid port"))?),
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (authority.to_ascii_lowercase(), None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| err("invalid port"))?,
            ),
        };
        if !host.starts_with('[') {
            let valid = !host.is_empty()
                && host.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !valid {
                return Err(err("the host name is not valid"));
            }
        }
        let is_ipv4 = host.split('.').count() == 4
            && host
                .split('.')
                .all(|l| l.bytes().all(|b| b.is_ascii_digit()));
        if !path_style && (host.starts_with('[') || is_ipv4 || !host.contains('.')) {
            return Err(RequestError::VirtualHostedNeedsDomain { host });
        }
        Ok(Endpoint {
            scheme,
            host,
            port,
            path_style,
            cname: false,
        })
    }

    /// Parses a custom domain bound to the bucket (`cname: true`, §1): requests go to
    /// `scheme://host/key` with nothing prefixed, and any host is accepted (a CNAME may be a
    /// single label or an IP address in tests). The signature still names the bucket.
    pub fn parse_cname(s: &str) -> Result<Endpoint, RequestError> {
        let mut endpoint = Endpoint::parse(s, true)?;
        endpoint.path_style = false;
        endpoint.cname = true;
        Ok(endpoint)
    }

    /// True for a custom domain bound to the bucket ([`Endpoint::parse_cname`]).
    pub fn cname(&self) -> bool {
        self.cname
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// `host[:port]` of the endpoint itself (without any bucket).
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    pub fn path_style(&self) -> bool {
        self.path_style
    }

    /// The V4 signing region the host implies, if it is a regional OSS endpoint. A custom
    /// domain implies none, whatever its name (§1).
    pub fn region(&self) -> Option<String> {
        if self.cname {
            return None;
        }
        region_from_endpoint(&self.host)
    }

    /// True for OSS's transfer acceleration hosts (`oss-accelerate.aliyuncs.com`,
    /// `oss-accelerate-overseas.aliyuncs.com`), which imply no signing region (§1).
    pub fn is_acceleration(&self) -> bool {
        !self.cname
            && [
                "oss-accelerate.aliyuncs.com",
                "oss-accelerate-overseas.aliyuncs.com",
            ]
            .iter()
            .any(|h| self.host == *h || self.host.ends_with(&format!(".{h}")))
    }

    /// The `Host` a request for `bucket` goes to: `bucket.host[:port]`, or the endpoint's own host
    /// in path style, for a custom domain, or for service-level requests (empty bucket).
    pub fn host_for(&self, bucket: &str) -> String {
        if self.path_style || self.cname || bucket.is_empty() {
            self.authority()
        } else {
            format!("{bucket}.{}", self.authority())
        }
    }

    /// The full URL of `req`. The key is percent-encoded as §1 recommends (unreserved and `/`
    /// literal, everything else `%XX`); query values likewise, `/` included; value-less parameters
    /// appear bare (`?uploads`).
    pub fn url(&self, req: &Request) -> String {
        let mut url = format!("{}://{}/", self.scheme, self.host_for(&req.bucket));
        if self.path_style && !req.bucket.is_empty() {
            url.push_str(&req.bucket);
            url.push('/');
        }
        url.push_str(&uri_encode_path(&req.key));
        for (i, (k, v)) in req.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&uri_encode(k));
            if let Some(v) = v {
                url.push('=');
                url.push_str(&uri_encode(v));
            }
        }
        url
    }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// OSS object key rules (§1): 1–1023 UTF-8 bytes, no leading `/` or `\`, no CR or LF.
pub fn validate_key(key: &str) -> Result<(), RequestError> {
    if key.is_empty() {
        return Err(RequestError::EmptyKey);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(RequestError::KeyTooLong { len: key.len() });
    }
    if key.starts_with(['/', '\\']) {
        return Err(RequestError::KeyStartsWithSlash);
    }
    if key.contains(['\r', '\n']) {
        return Err(RequestError::KeyContainsLineBreak);
    }
    Ok(())
}

/// OSS bucket naming rules: 3–63 characters of `a-z 0-9 -`, starting and ending with a letter or
/// digit. Checked because the bucket becomes part of the host name.
pub fn validate_bucket(bucket: &str) -> Result<(), RequestError> {
    let err = |reason| RequestError::InvalidBucketName {
        bucket: bucket.to_owned(),
        reason,
    };
    if !(3..=63).contains(&bucket.len()) {
        return Err(err("wrong length"));
    }
    if !bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(err("invalid character"));
    }
    if bucket.starts_with('-') || bucket.ends_with('-') {
        return Err(err("starts or ends with '-'"));
    }
    Ok(())
}

fn validate_upload_id(upload_id: &str) -> Result<(), RequestError> {
    // OSS upload ids are hex strings; anything outside URL-safe printable ASCII is a caller bug.
    if upload_id.is_empty()
        || upload_id.len() > 256
        || !upload_id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(RequestError::InvalidUploadId(upload_id.to_owned()));
    }
    Ok(())
}

fn validate_part_number(part_number: u32) -> Result<(), RequestError> {
    if !(1..=MAX_PART_NUMBER).contains(&part_number) {
        return Err(RequestError::InvalidPartNumber(part_number));
    }
    Ok(())
}

fn file_range(start: u64, end: u64) -> Result<Body, RequestError> {
    if start > end {
        return Err(RequestError::InvalidRange { start, end });
    }
    if end - start > MAX_PART_SIZE {
        return Err(RequestError::BodyTooLarge { size: end - start });
    }
    Ok(Body::FileRange { start, end })
}

/// Printable ASCII without surrounding whitespace: header values must be ByteStrings in a browser
/// (§7.3), and SDKs disagree on trimming, so whitespace at either end would break V1 (§2.2).
fn header_value_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("it is empty")
    } else if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Some("only printable ASCII is allowed (no line breaks, control or non-ASCII characters)")
    } else if value.starts_with(' ') || value.ends_with(' ') {
        Some("it starts or ends with a space, which SDKs treat differently when signing")
    } else {
        None
    }
}

/// RFC 9110 token characters.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Why a caller-supplied header is refused, if it is.
fn forbidden_header_reason(lower: &str) -> Option<&'static str> {
    const BROWSER_FORBIDDEN: &[&str] = &[
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    match lower {
        _ if BROWSER_FORBIDDEN.contains(&lower)
            || lower.starts_with("proxy-")
            || lower.starts_with("sec-") =>
        {
            // Fetch's forbidden request headers: the browser drops them, so they could never be
            // signed reliably (§7.3).
            Some("browsers forbid setting it (the browser supplies it itself)")
        }
        "user-agent" => Some("browsers ignore it; send x-oss-user-agent instead"),
        "authorization" | "x-oss-date" | "x-oss-content-sha256" | "x-oss-security-token" => {
            Some("the signer sets it; setting it yourself would break the signature")
        }
        "content-type" => Some("use the contentType option"),
        "content-md5" => {
            Some("it must match each request's body; the uploader cannot apply one value to all")
        }
        "x-oss-forbid-overwrite" => Some("use the forbidOverwrite option"),
        "x-oss-complete-all" => Some("the uploader always completes with an explicit part list"),
        // As a header it would reach Initiate or PutObject only, so a multipart upload would
        // never call back (§10.1).
        "x-oss-callback" | "x-oss-callback-var" => Some(
            "use the callback option, which goes on CompleteMultipartUpload and PutObject alike",
        ),
        // A per-request limit: on Initiate it limits nothing (§10.3).
        "x-oss-traffic-limit" => Some("use the trafficLimit or partHeaders option"),
        _ if lower.starts_with("x-oss-meta-") => Some("use the meta option"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Object options and Content-Type
// ---------------------------------------------------------------------------------------------

/// Per-object settings fixed at InitiateMultipartUpload (or PutObject), §4.1, §10.2.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectOptions {
    /// The object's Content-Type; guessed from the key's extension when `None` (§4.1).
    pub content_type: Option<String>,
    /// User metadata, names without or with the `x-oss-meta-` prefix; sent as `x-oss-meta-<name>`.
    pub meta: Vec<(String, String)>,
    /// Extra headers, e.g. `Cache-Control`, `Content-Disposition`, `x-oss-storage-class`.
    pub headers: Vec<(String, String)>,
    /// Send `x-oss-forbid-overwrite: true` (on Initiate and Complete, §4.3).
    pub forbid_overwrite: bool,
    /// The upload callback, sent on PutObject or CompleteMultipartUpload (§10.1).
    pub callback: Option<crate::callback::Callback>,
    /// Headers of every request that carries file bytes (UploadPart, or the small file's
    /// PutObject), as `crate::part_headers::part_headers` returned them (§10.3).
    pub part_headers: Vec<(String, String)>,
}

/// The headers `opts` adds to an Initiate or PutObject request, validated.
fn object_headers(key: &str, opts: &ObjectOptions) -> Result<Vec<(String, String)>, RequestError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let content_type = match &opts.content_type {
        Some(ct) => {
            if let Some(reason) = header_value_problem(ct) {
                return Err(RequestError::InvalidHeaderValue {
                    name: "Content-Type".to_owned(),
                    reason,
                });
            }
            ct.clone()
        }
        None => guess_content_type(key).to_owned(),
    };
    out.push(("Content-Type".to_owned(), content_type));

    let mut meta_bytes = 0;
    for (name, value) in &opts.meta {
        let bare = strip_prefix_ignore_case(name, "x-oss-meta-").unwrap_or(name);
        if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(RequestError::InvalidMetaName { name: name.clone() });
        }
        // OSS stores metadata names lowercase (§10.2); send them that way so V1 and V4 agree.
        let header = format!("x-oss-meta-{}", bare.to_ascii_lowercase());
        if out.iter().any(|(n, _)| *n == header) {
            return Err(RequestError::DuplicateMeta { name: name.clone() });
        }
        // Values: visible ASCII only, the safe reading of contradicting docs (§7.3, §13).
        if let Some(reason) = header_value_problem(value) {
            if !value.is_empty() {
                return Err(RequestError::InvalidMetaValue {
                    name: name.clone(),
                    reason,
                });
            }
        }
        meta_bytes += bare.len() + value.len();
        out.push((header, value.clone()));
    }
    if meta_bytes > MAX_USER_META_BYTES {
        return Err(RequestError::MetadataTooLarge { size: meta_bytes });
    }

    if opts.forbid_overwrite {
        out.push(("x-oss-forbid-overwrite".to_owned(), "true".to_owned()));
    }
    if let Some(callback) = &opts.callback {
        callback.validate()?;
    }
    crate::part_headers::part_headers(&opts.part_headers, None)?;

    let mut seen: Vec<String> = Vec::new();
    for (name, value) in &opts.headers {
        if !is_header_name(name) {
            return Err(RequestError::InvalidHeaderName { name: name.clone() });
        }
        let lower = name.to_ascii_lowercase();
        if let Some(reason) = forbidden_header_reason(&lower) {
            return Err(RequestError::ForbiddenHeader {
                name: name.clone(),
                reason,
            });
        }
        if seen.contains(&lower) {
            return Err(RequestError::DuplicateHeader { name: name.clone() });
        }
        if let Some(reason) = header_value_problem(value) {
            return Err(RequestError::InvalidHeaderValue {
                name: name.clone(),
                reason,
            });
        }
        seen.push(lower);
        out.push((name.clone(), value.clone()));
    }
    Ok(out)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

/// Content-Type for a key from its extension (case-insensitive), `application/octet-stream` when
/// unknown, as the SDKs do when the caller gives none (§4.1).
pub fn guess_content_type(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let ext = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => return "application/octet-stream",
    };
    match ext.as_str() {
        "txt" | "text" | "log" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "md" | "markdown" => "text/markdown",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "tar" => "application/x-tar",
        "7z" => "application/x-7z-compressed",
        "rar" => "application/vnd.rar",
        "bz2" => "application/x-bzip2",
        "xz" => "application/x-xz",
        "wasm" => "application/wasm",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "apk" => "application/vnd.android.package-archive",
        "iso" => "application/x-iso9660-image",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "ico" => "image/vnd.microsoft.icon",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "heic" => "image/heic",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mkv" => "video/x-matroska",
        "avi" => "video/x-msvideo",
        "mpeg" | "mpg" => "video/mpeg",
        "ts" => "video/mp2t",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "wav" => "audio/wav",
        "ogg" | "oga" => "audio/ogg",
        "flac" => "audio/flac",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        _ => "application/octet-stream",
    }
}

// ---------------------------------------------------------------------------------------------
// Builders, one per OSS action
// ---------------------------------------------------------------------------------------------

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
    pub prefix: Option<String>,
    pub delimiter: Option<String>,
    /// `NextKeyMarker` of the previous page.
    pub key_marker: Option<String>,
    /// `NextUploadIdMarker` of the previous page.
    pub upload_id_marker: Option<String>,
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
