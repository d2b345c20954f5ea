//! OSS XML bodies (oss-protocol.md §4, §5), one type per OSS root element, named as OSS names it.
//!
//! The same types parse responses in the client and are written by the dev server, so each one
//! derives both `Serialize` and `Deserialize`. [`parse`] never panics: oversized, non-UTF-8,
//! truncated or foreign bodies become a typed [`XmlError`]. It also checks that the document's
//! root element is the one the type expects (quick-xml's serde layer alone ignores the root name)
//! and applies `EncodingType=url` (URL-decodes keys) so callers always see real object names.

use base64::Engine as _;
use quick_xml::events::Event;
use quick_xml::se::{QuoteLevel, Serializer};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Largest body [`parse`] accepts. The biggest legitimate body is a ListMultipartUploads page:
/// 1000 uploads whose keys (≤ 1023 bytes) are URL-encoded (≤ 3 bytes per byte), about 3.3 MB;
/// ListParts (≤ 1000 parts) stays under 250 KB. Anything larger is not OSS talking.
pub const MAX_BODY_LEN: usize = 4 << 20;

/// Deepest element nesting accepted. OSS bodies nest at most 3 levels (root, `<Part>`, field);
/// refusing deeper documents up front keeps hostile bodies from costing time or stack later.
pub const MAX_DEPTH: usize = 16;

/// The prolog OSS and the SDKs put before every body.
pub const XML_PROLOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("XML body is {len} bytes, more than the {max} accepted")]
    TooLarge { len: usize, max: usize },
    #[error("XML body is not UTF-8")]
    NotUtf8,
    #[error("XML body is empty")]
    Empty,
    #[error("XML body is malformed: {0}")]
    Malformed(String),
    #[error("XML body has root <{found}>, expected <{expected}>")]
    WrongRoot {
        expected: &'static str,
        found: String,
    },
    #[error("XML body does not fit <{root}>: {reason}")]
    Shape { root: &'static str, reason: String },
    #[error("URL-encoded field in <{root}> is not valid percent-encoded UTF-8")]
    BadUrlEncoding { root: &'static str },
}

/// An OSS XML body type: its root element name, and how to undo `EncodingType=url`.
pub trait OssXml: Serialize + DeserializeOwned {
    /// The root element, e.g. `ListPartsResult`; must equal the serde rename of the type.
    const ROOT: &'static str;

    /// URL-decodes the fields OSS encodes when the request carried `encoding-type=url`.
    /// Called by [`parse`] only when the body says `<EncodingType>url</EncodingType>`.
    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        Ok(())
    }
}

/// Parses an OSS XML body into `T`, after checking size, UTF-8, well-formedness and root name.
pub fn parse<T: OssXml>(body: &[u8]) -> Result<T, XmlError> {
    if body.len() > MAX_BODY_LEN {
        return Err(XmlError::TooLarge {
            len: body.len(),
            max: MAX_BODY_LEN,
        });
    }
    let text = std::str::from_utf8(body).map_err(|_| XmlError::NotUtf8)?;
    // Some proxies and editors add a UTF-8 byte order mark; XML allows it.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let root = check_document(text)?;
    if root != T::ROOT {
        return Err(XmlError::WrongRoot {
            expected: T::ROOT,
            found: root,
        });
    }
    let mut value: T = quick_xml::de::from_str(text).map_err(|e| XmlError::Shape {
        root: T::ROOT,
        reason: e.to_string(),
    })?;
    if url_encoded(text)? {
        value.decode_url_fields()?;
    }
    Ok(value)
}

/// Serializes `value` with the XML prolog, escaping only what XML requires so that ETags keep
/// their literal double quotes as in OSS's examples (`<ETag>"3349DC…"</ETag>`).
pub fn to_xml<T: OssXml>(value: &T) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(XML_PROLOG);
    out.push('\n');
    let mut ser = Serializer::new(&mut out);
    ser.set_quote_level(QuoteLevel::Minimal);
    // The body types in this module are plain structs of strings, numbers and sequences;
    // quick-xml only fails on shapes (maps with non-string keys, top-level primitives) they
    // never have, whatever the field values are. Every type is serialized in the tests.
    #[allow(clippy::expect_used)]
    value
        .serialize(ser)
        .expect("OSS XML body types always serialize");
    out
}

/// Decodes the `x-oss-err` header of a HEAD response (the error XML, base64; §5.1).
/// Returns `None` when the header is not base64 or not an `<Error>` body.
pub fn parse_error_header(x_oss_err_base64: &str) -> Option<OssErrorBody> {
    let raw = x_oss_err_base64.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(raw))
        .ok()?;
    parse::<OssErrorBody>(&bytes).ok()
}

/// Walks the whole document once: one root element, balanced tags, nothing but whitespace,
/// comments or processing instructions outside it. Returns the root element's local name.
fn check_document(text: &str) -> Result<String, XmlError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth: usize = 0;
    let mut root: Option<String> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        match event {
            Event::Start(start) => {
                if depth == 0 {
                    if root.is_some() {
                        return Err(XmlError::Malformed("more than one root element".into()));
                    }
                    root = Some(local_name(start.name().as_ref()));
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(XmlError::Malformed("elements nested too deeply".into()));
                }
            }
            Event::Empty(start) if depth == 0 => {
                if root.is_some() {
                    return Err(XmlError::Malformed("more than one root element".into()));
                }
                root = Some(local_name(start.name().as_ref()));
            }
            Event::End(_) => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| XmlError::Malformed("unbalanced end tag".into()))?;
            }
            Event::Text(t) if depth == 0 && !t.iter().all(u8::is_ascii_whitespace) => {
                return Err(XmlError::Malformed("text outside the root element".into()));
            }
            Event::CData(_) | Event::GeneralRef(_) if depth == 0 => {
                return Err(XmlError::Malformed("text outside the root element".into()));
            }
            // OSS never sends a DOCTYPE; refusing it removes any entity-expansion question.
            Event::DocType(_) => {
                return Err(XmlError::Malformed("DOCTYPE is not accepted".into()));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(XmlError::Malformed("document is truncated".into()));
    }
    root.ok_or(XmlError::Empty)
}

fn local_name(qname: &[u8]) -> String {
    let local = match qname.iter().rposition(|&b| b == b':') {
        Some(i) => &qname[i + 1..],
        None => qname,
    };
    String::from_utf8_lossy(local).into_owned()
}

/// True when the root's direct child `<EncodingType>` says `url`.
fn url_encoded(text: &str) -> Result<bool, XmlError> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "EncodingType", default)]
        encoding_type: Option<String>,
    }
    // The document is already known to be well-formed; unknown fields are ignored.
    let probe: Probe =
        quick_xml::de::from_str(text).map_err(|e| XmlError::Malformed(e.to_string()))?;
    Ok(probe
        .encoding_type
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("url")))
}

/// Percent-decodes one field. Only `%XX` is decoded: OSS encodes a space as `%20` (go-v2's
/// `encoding-type` fixtures), and a literal `+` must stay `+` (oss2 uses `unquote`, not
/// `unquote_plus`).
fn url_decode(root: &'static str, s: &mut String) -> Result<(), XmlError> {
    if !s.contains('%') {
        return Ok(());
    }
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(s).collect();
    *s = String::from_utf8(bytes).map_err(|_| XmlError::BadUrlEncoding { root })?;
    Ok(())
}

/// Percent-encodes `s` the way OSS does for `encoding-type=url` (RFC 3986 unreserved kept),
/// for the dev server when it answers a request that asked for it.
pub fn url_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Response to `POST /<key>?uploads` (§4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "InitiateMultipartUploadResult")]
pub struct InitiateMultipartUploadResult {
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
}

impl OssXml for InitiateMultipartUploadResult {
    const ROOT: &'static str = "InitiateMultipartUploadResult";
    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        url_decode(Self::ROOT, &mut self.key)
    }
}

/// One `<Part>` of the CompleteMultipartUpload request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletePart {
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    /// Exactly as the UploadPart `ETag` header returned it, double quotes included (§4.3).
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// Request body of `POST /<key>?uploadId=…` (§4.3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CompleteMultipartUpload")]
pub struct CompleteMultipartUpload {
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletePart>,
}

impl CompleteMultipartUpload {
    /// Builds a body OSS accepts: ascending `PartNumber` (else `InvalidPartOrder`) and one entry
    /// per number, the last given winning, as a re-uploaded part overwrites the earlier one.
    pub fn new(parts: impl IntoIterator<Item = CompletePart>) -> Self {
        let mut parts: Vec<CompletePart> = parts.into_iter().collect();
        // Stable sort keeps input order among equal numbers, so "last given" is last in a run.
        parts.sort_by_key(|p| p.part_number);
        let mut out: Vec<CompletePart> = Vec::with_capacity(parts.len());
        for p in parts {
            match out.last_mut() {
                Some(last) if last.part_number == p.part_number => *last = p,
                _ => out.push(p),
            }
        }
        Self { parts: out }
    }
}

impl OssXml for CompleteMultipartUpload {
    const ROOT: &'static str = "CompleteMultipartUpload";
}

/// Response body of a successful CompleteMultipartUpload without callback (§4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "CompleteMultipartUploadResult")]
pub struct CompleteMultipartUploadResult {
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    #[serde(rename = "Location", default)]
    pub location: String,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    /// Not the content MD5 for multipart objects (§4.3); use CRC-64 for integrity.
    #[serde(rename = "ETag")]
    pub etag: String,
}

impl OssXml for CompleteMultipartUploadResult {
    const ROOT: &'static str = "CompleteMultipartUploadResult";
    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        url_decode(Self::ROOT, &mut self.key)
    }
}

/// One uploaded part in a ListParts page (§4.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    #[serde(rename = "ETag")]
    pub etag: String,
    /// CRC-64/XZ of the part, decimal in the XML (§6.1); absent on very old parts or servers.
    #[serde(
        rename = "HashCrc64ecma",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_u64"
    )]
    pub hash_crc64ecma: Option<u64>,
    #[serde(rename = "Size")]
    pub size: u64,
}

/// Response to `GET /<key>?uploadId=…` (§4.4). Paginate while `is_truncated` with
/// `part-number-marker = next_part_number_marker`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "ListPartsResult")]
pub struct ListPartsResult {
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    #[serde(
        rename = "StorageClass",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_class: Option<String>,
    #[serde(
        rename = "PartNumberMarker",
        default,
        deserialize_with = "de::u32_or_empty"
    )]
    pub part_number_marker: u32,
    #[serde(
        rename = "NextPartNumberMarker",
        default,
        deserialize_with = "de::u32_or_empty"
    )]
    pub next_part_number_marker: u32,
    #[serde(rename = "MaxParts", default, deserialize_with = "de::u32_or_empty")]
    pub max_parts: u32,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    #[serde(rename = "Part", default)]
    pub parts: Vec<Part>,
}

impl OssXml for ListPartsResult {
    const ROOT: &'static str = "ListPartsResult";
    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        url_decode(Self::ROOT, &mut self.key)
    }
}

/// One in-progress multipart upload in a ListMultipartUploads page (§4.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    /// ISO 8601, e.g. `2012-02-23T04:18:23.000Z`; see [`parse_oss_time_ms`].
    #[serde(rename = "Initiated", default)]
    pub initiated: String,
}

/// One `<CommonPrefixes>` entry when a delimiter was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonPrefix {
    #[serde(rename = "Prefix")]
    pub prefix: String,
}

/// Response to `GET /?uploads` (§4.6). Paginate with `key-marker = next_key_marker` and
/// `upload-id-marker = next_upload_id_marker`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "ListMultipartUploadsResult")]
pub struct ListMultipartUploadsResult {
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "KeyMarker", default)]
    pub key_marker: String,
    #[serde(rename = "UploadIdMarker", default)]
    pub upload_id_marker: String,
    #[serde(rename = "NextKeyMarker", default)]
    pub next_key_marker: String,
    #[serde(rename = "NextUploadIdMarker", default)]
    pub next_upload_id_marker: String,
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    #[serde(rename = "MaxUploads", default, deserialize_with = "de::u32_or_empty")]
    pub max_uploads: u32,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    #[serde(rename = "Upload", default)]
    pub uploads: Vec<Upload>,
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}

impl OssXml for ListMultipartUploadsResult {
    const ROOT: &'static str = "ListMultipartUploadsResult";
    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        let root = Self::ROOT;
        url_decode(root, &mut self.key_marker)?;
        url_decode(root, &mut self.next_key_marker)?;
        url_decode(root, &mut self.delimiter)?;
        url_decode(root, &mut self.prefix)?;
        for u in &mut self.uploads {
            url_decode(root, &mut u.key)?;
        }
        for p in &mut self.common_prefixes {
            url_decode(root, &mut p.prefix)?;
        }
        Ok(())
    }
}

/// OSS's `<Error>` body (§5.1), also found base64-encoded in `x-oss-err` on HEAD responses.
/// Only `Code` is required; operation-specific elements not listed here are ignored.
///
/// `Debug` leaves out `StringToSign`/`StringToSignBytes`: with V1 and STS the string to sign
/// contains the security token, which must never reach a log.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Error")]
pub struct OssErrorBody {
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(rename = "RequestId", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(rename = "HostId", default, skip_serializing_if = "Option::is_none")]
    pub host_id: Option<String>,
    /// Detailed error code such as `0002-00000504`; also sent as the `x-oss-ec` header.
    #[serde(rename = "EC", default, skip_serializing_if = "Option::is_none")]
    pub ec: Option<String>,
    #[serde(
        rename = "RecommendDoc",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub recommend_doc: Option<String>,
    /// Server clock, ISO 8601, on `RequestTimeTooSkewed` (§5.3); see [`Self::server_time_ms`].
    #[serde(
        rename = "ServerTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub server_time: Option<String>,
    #[serde(
        rename = "RequestTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_time: Option<String>,
    #[serde(
        rename = "MaxAllowedSkewMilliseconds",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de::opt_u64"
    )]
    pub max_allowed_skew_milliseconds: Option<u64>,
    /// The server's string to sign on `SignatureDoesNotMatch`; for debugging only.
    #[serde(
        rename = "StringToSign",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub string_to_sign: Option<String>,
    #[serde(
        rename = "StringToSignBytes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub string_to_sign_bytes: Option<String>,
    #[serde(
        rename = "CanonicalRequest",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub canonical_request: Option<String>,
    #[serde(
        rename = "SignatureProvided",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub signature_provided: Option<String>,
    #[serde(
        rename = "OSSAccessKeyId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub oss_access_key_id: Option<String>,
    #[serde(rename = "Condition", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(
        rename = "ArgumentName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub argument_name: Option<String>,
    #[serde(
        rename = "ArgumentValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub argument_value: Option<String>,
    #[serde(
        rename = "PartNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub part_number: Option<String>,
    #[serde(rename = "UploadId", default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    #[serde(rename = "Bucket", default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
}

impl OssErrorBody {
    /// A body with just a code and message, for the dev server and tests.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: Some(message.into()),
            ..Self::default()
        }
    }

    /// `<ServerTime>` as unix milliseconds, when present and well-formed (§5.3).
    pub fn server_time_ms(&self) -> Option<u64> {
        self.server_time.as_deref().and_then(parse_oss_time_ms)
    }
}

impl std::fmt::Debug for OssErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OssErrorBody")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field("host_id", &self.host_id)
            .field("ec", &self.ec)
            .field("server_time", &self.server_time)
            .field("request_time", &self.request_time)
            .field("condition", &self.condition)
            .field(
                "string_to_sign",
                &self.string_to_sign.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl OssXml for OssErrorBody {
    const ROOT: &'static str = "Error";
}

/// Parses OSS's ISO 8601 UTC times (`2022-09-04T08:11:37.000Z`, with or without fraction) into
/// unix milliseconds. Returns `None` for anything else, including times before 1970.
pub fn parse_oss_time_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = s.get(r)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let frac_ms = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            // Milliseconds from the first three fraction digits, padded.
            let mut ms = 0u64;
            for i in 0..3 {
                ms = ms * 10 + digits.get(i).map_or(0, |d| u64::from(d - b'0'));
            }
            ms
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm), valid for the proleptic Gregorian calendar.
    let y = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    secs.checked_mul(1000)?.checked_add(frac_ms)
}

/// Lenient number readers: OSS (and some compatible servers) send empty elements for unset
/// markers, which a plain `u32` would reject.
mod de {
    use serde::{Deserialize, Deserializer};

    pub fn u32_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let s = String::deserialize(d)?;
        let s = s.trim();
        if s.is_empty() {
            return Ok(0);
        }
        s.parse().map_err(serde::de::Error::custom)
    }

    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        match s.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}
