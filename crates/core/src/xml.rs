//! OSS XML bodies (docs/protocol.md §4, §5), one type per OSS root element, named as OSS names it.
//!
//! The same types parse responses in the client and are written by the dev server. No serde and
//! no XML crate (they were the largest part of the shipped .wasm): the core's own reader builds a
//! tree of elements and each type picks its fields out of the root through [`Fields`]; each type
//! writes itself through [`XmlWriter`] (both in `prim/xml.rs`, with what the reader accepts).
//! [`parse`] never panics: oversized, non-UTF-8, truncated or foreign bodies become a typed
//! [`XmlError`]. It checks that the root element is the one the type expects and applies
//! `EncodingType=url` (URL-decodes keys) so callers always see real object names. Unknown
//! elements are skipped at any depth.

pub use crate::prim::xml::{escape_text, Fields, XmlError, XmlWriter};

/// Largest body [`parse`] accepts. The biggest legitimate body is a ListMultipartUploads page:
/// 1000 uploads whose keys (≤ 1023 bytes) are URL-encoded (≤ 3 bytes per byte), about 3.3 MB;
/// ListParts (≤ 1000 parts) stays under 250 KB. Anything larger is not OSS talking.
pub const MAX_BODY_LEN: usize = 4 << 20;

/// The prolog OSS and the SDKs put before every body.
pub const XML_PROLOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// An OSS XML body type: its root element name, how to read and write it, and how to undo
/// `EncodingType=url`.
pub trait OssXml: Sized {
    /// The root element, e.g. `ListPartsResult`.
    const ROOT: &'static str;

    /// Reads the type from its root element (whose name [`parse`] has already checked).
    fn read(root: &Fields<'_>) -> Result<Self, XmlError>;

    /// Writes the root element's children, in OSS's order.
    fn write(&self, w: &mut XmlWriter);

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
    let root = crate::prim::xml::read_document(text)?;
    if root.name() != T::ROOT {
        return Err(XmlError::WrongRoot {
            expected: T::ROOT,
            found: root.name().to_owned(),
        });
    }
    let fields = Fields::new(T::ROOT, &root);
    let mut value = T::read(&fields)?;
    let url_encoded = fields
        .opt("EncodingType")?
        .is_some_and(|e| e.eq_ignore_ascii_case("url"));
    if url_encoded {
        value.decode_url_fields()?;
    }
    Ok(value)
}

/// Serializes `value` with the XML prolog, escaping only what XML requires so that ETags keep
/// their literal double quotes as in OSS's examples (`<ETag>"3349DC…"</ETag>`).
pub fn to_xml<T: OssXml>(value: &T) -> String {
    let mut w = XmlWriter::new(XML_PROLOG);
    w.open(T::ROOT);
    value.write(&mut w);
    w.close(T::ROOT);
    w.finish()
}

/// Decodes the `x-oss-err` header of a HEAD response (the error XML, base64; §5.1).
/// Returns `None` when the header is not base64 or not an `<Error>` body.
pub fn parse_error_header(x_oss_err_base64: &str) -> Option<OssErrorBody> {
    let bytes = crate::prim::b64::decode(x_oss_err_base64.trim())?;
    parse::<OssErrorBody>(&bytes).ok()
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

/// A field as [`to_xml`] writes it: percent-encoded when the body says `<EncodingType>url`, so
/// that what [`parse`] decoded is written back as OSS would send it and parses to the same value
/// (a decoded key may itself hold `%41`, which written raw would be read back as `A`; found by
/// the xml_responses fuzz target's round-trip oracle).
fn url_out<'a>(encoding_type: &Option<String>, s: &'a str) -> std::borrow::Cow<'a, str> {
    if encoding_type
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("url"))
    {
        std::borrow::Cow::Owned(url_encode(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Percent-encodes `s` the way OSS does for `encoding-type=url` (RFC 3986 unreserved kept, the
/// same `UriEncode` as V4 signing); [`to_xml`] applies it to the fields OSS encodes.
pub fn url_encode(s: &str) -> String {
    crate::url::uri_encode(s)
}

/// Response to `POST /<key>?uploads` (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateMultipartUploadResult {
    /// `<Bucket>`: the bucket.
    pub bucket: String,
    /// `<Key>`: the object key (URL-decoded when `encoding_type` was `url`).
    pub key: String,
    /// `<UploadId>`: the multipart upload's id.
    pub upload_id: String,
    /// `<EncodingType>`: `url` when the keys in the body are URL-encoded.
    pub encoding_type: Option<String>,
}

impl OssXml for InitiateMultipartUploadResult {
    const ROOT: &'static str = "InitiateMultipartUploadResult";

    fn read(f: &Fields<'_>) -> Result<Self, XmlError> {
        Ok(Self {
            bucket: f.req("Bucket")?,
            key: f.req("Key")?,
            upload_id: f.req("UploadId")?,
            encoding_type: f.opt("EncodingType")?,
        })
    }

    fn write(&self, w: &mut XmlWriter) {
        w.text("Bucket", &self.bucket);
        w.text("Key", &url_out(&self.encoding_type, &self.key));
        w.text("UploadId", &self.upload_id);
        w.opt("EncodingType", self.encoding_type.as_deref());
    }

    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        url_decode(Self::ROOT, &mut self.key)
    }
}

/// One `<Part>` of the CompleteMultipartUpload request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletePart {
    /// `<PartNumber>`: 1 to 10,000.
    pub part_number: u32,
    /// Exactly as the UploadPart `ETag` header returned it, double quotes included (§4.3).
    pub etag: String,
}

/// Request body of `POST /<key>?uploadId=…` (§4.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompleteMultipartUpload {
    /// The parts, in document order.
    pub parts: Vec<CompletePart>,
}

impl CompleteMultipartUpload {
    /// Builds a body OSS accepts: ascending `PartNumber` (else `InvalidPartOrder`) and one entry
    /// per number, the last given winning, as a re-uploaded part overwrites the earlier one.
    pub fn new(parts: impl IntoIterator<Item = CompletePart>) -> Self {
        let mut parts: Vec<CompletePart> = parts.into_iter().collect();
        // Stable sort keeps input order among equal numbers, so "last given" is last in a run.
        crate::sort::sort_by_key(&mut parts, |p| p.part_number);
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

    fn read(f: &Fields<'_>) -> Result<Self, XmlError> {
        let parts = f.list("Part").map(|p| {
            Ok(CompletePart {
                part_number: p.req_number("PartNumber", u32::MAX.into())? as u32,
                etag: p.req("ETag")?,
            })
        });
        Ok(Self {
            parts: parts.collect::<Result<_, XmlError>>()?,
        })
    }

    /// One element per line, as oss2 writes it: the body the signing vectors' Content-MD5 is of.
    fn write(&self, w: &mut XmlWriter) {
        w.newline();
        for p in &self.parts {
            w.open("Part");
            w.newline();
            w.number("PartNumber", p.part_number.into());
            w.newline();
            w.text("ETag", &p.etag);
            w.newline();
            w.close("Part");
            w.newline();
        }
    }
}

/// Response body of a successful CompleteMultipartUpload without callback (§4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteMultipartUploadResult {
    /// `<EncodingType>`: `url` when the keys in the body are URL-encoded.
    pub encoding_type: Option<String>,
    /// `<Location>`: the object's URL.
    pub location: String,
    /// `<Bucket>`: the bucket.
    pub bucket: String,
    /// `<Key>`: the object key (URL-decoded when `encoding_type` was `url`).
    pub key: String,
    /// Not the content MD5 for multipart objects (§4.3); use CRC-64 for integrity.
    pub etag: String,
}

impl OssXml for CompleteMultipartUploadResult {
    const ROOT: &'static str = "CompleteMultipartUploadResult";

    fn read(f: &Fields<'_>) -> Result<Self, XmlError> {
        Ok(Self {
            encoding_type: f.opt("EncodingType")?,
            location: f.or_empty("Location")?,
            bucket: f.req("Bucket")?,
            key: f.req("Key")?,
            etag: f.req("ETag")?,
        })
    }

    fn write(&self, w: &mut XmlWriter) {
        w.opt("EncodingType", self.encoding_type.as_deref());
        w.text("Location", &self.location);
        w.text("Bucket", &self.bucket);
        w.text("Key", &url_out(&self.encoding_type, &self.key));
        w.text("ETag", &self.etag);
    }

    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        url_decode(Self::ROOT, &mut self.key)
    }
}

/// One uploaded part in a ListParts page (§4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// `<PartNumber>`: 1 to 10,000.
    pub part_number: u32,
    /// `<LastModified>`: when the part was stored, ISO 8601.
    pub last_modified: String,
    /// `<ETag>`: the part's ETag, quotes included.
    pub etag: String,
    /// CRC-64/XZ of the part, decimal in the XML (§6.1); absent on very old parts or servers.
    pub hash_crc64ecma: Option<u64>,
    /// `<Size>`: the part's length in bytes.
    pub size: u64,
}

/// Response to `GET /<key>?uploadId=…` (§4.4). Paginate while `is_truncated` with
/// `part-number-marker = next_part_number_marker`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPartsResult {
    /// `<EncodingType>`: `url` when the keys in the body are URL-encoded.
    pub encoding_type: Option<String>,
    /// `<Bucket>`: the bucket.
    pub bucket: String,
    /// `<Key>`: the object key (URL-decoded when `encoding_type` was `url`).
    pub key: String,
    /// `<UploadId>`: the multipart upload's id.
    pub upload_id: String,
    /// `<StorageClass>`, e.g. `Standard`.
    pub storage_class: Option<String>,
    /// `<PartNumberMarker>`: the page starts after this part number.
    pub part_number_marker: u32,
    /// `<NextPartNumberMarker>`: the marker of the next page.
    pub next_part_number_marker: u32,
    /// `<MaxParts>`: the page size asked for.
    pub max_parts: u32,
    /// `<IsTruncated>`: another page follows.
    pub is_truncated: bool,
    /// The parts, in document order.
    pub parts: Vec<Part>,
}

impl OssXml for ListPartsResult {
    const ROOT: &'static str = "ListPartsResult";

    fn read(f: &Fields<'_>) -> Result<Self, XmlError> {
        let parts = f.list("Part").map(|p| {
            Ok(Part {
                part_number: p.req_number("PartNumber", u32::MAX.into())? as u32,
                last_modified: p.or_empty("LastModified")?,
                etag: p.req("ETag")?,
                hash_crc64ecma: p.opt_number("HashCrc64ecma", u64::MAX)?,
                size: p.req_number("Size", u64::MAX)?,
            })
        });
        Ok(Self {
            encoding_type: f.opt("EncodingType")?,
            bucket: f.req("Bucket")?,
            key: f.req("Key")?,
            upload_id: f.req("UploadId")?,
            storage_class: f.opt("StorageClass")?,
            part_number_marker: f.marker("PartNumberMarker")?,
            next_part_number_marker: f.marker("NextPartNumberMarker")?,
            max_parts: f.marker("MaxParts")?,
            is_truncated: f.flag("IsTruncated")?,
            parts: parts.collect::<Result<_, XmlError>>()?,
        })
    }

    fn write(&self, w: &mut XmlWriter) {
        w.opt("EncodingType", self.encoding_type.as_deref());
        w.text("Bucket", &self.bucket);
        w.text("Key", &url_out(&self.encoding_type, &self.key));
        w.text("UploadId", &self.upload_id);
        w.opt("StorageClass", self.storage_class.as_deref());
        w.number("PartNumberMarker", self.part_number_marker.into());
        w.number("NextPartNumberMarker", self.next_part_number_marker.into());
        w.number("MaxParts", self.max_parts.into());
        w.flag("IsTruncated", self.is_truncated);
        for p in &self.parts {
            w.open("Part");
            w.number("PartNumber", p.part_number.into());
            w.text("LastModified", &p.last_modified);
            w.text("ETag", &p.etag);
            if let Some(crc) = p.hash_crc64ecma {
                w.number("HashCrc64ecma", crc);
            }
            w.number("Size", p.size);
            w.close("Part");
        }
    }

    fn decode_url_fields(&mut self) -> Result<(), XmlError> {
        url_decode(Self::ROOT, &mut self.key)
    }
}

/// One in-progress multipart upload in a ListMultipartUploads page (§4.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// `<Key>`: the object key (URL-decoded when `encoding_type` was `url`).
    pub key: String,
    /// `<UploadId>`: the multipart upload's id.
    pub upload_id: String,
    /// ISO 8601, e.g. `2012-02-23T04:18:23.000Z`; see [`parse_oss_time_ms`].
    pub initiated: String,
}

/// One `<CommonPrefixes>` entry when a delimiter was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonPrefix {
    /// `<Prefix>`.
    pub prefix: String,
}

/// Response to `GET /?uploads` (§4.6). Paginate with `key-marker = next_key_marker` and
/// `upload-id-marker = next_upload_id_marker`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListMultipartUploadsResult {
    /// `<EncodingType>`: `url` when the keys in the body are URL-encoded.
    pub encoding_type: Option<String>,
    /// `<Bucket>`: the bucket.
    pub bucket: String,
    /// `<KeyMarker>`: the page starts after this key.
    pub key_marker: String,
    /// `<UploadIdMarker>`: with `key_marker`, where the page starts.
    pub upload_id_marker: String,
    /// `<NextKeyMarker>`: the key marker of the next page.
    pub next_key_marker: String,
    /// `<NextUploadIdMarker>`: the upload id marker of the next page.
    pub next_upload_id_marker: String,
    /// `<Delimiter>`.
    pub delimiter: String,
    /// `<Prefix>`.
    pub prefix: String,
    /// `<MaxUploads>`: the page size asked for.
    pub max_uploads: u32,
    /// `<IsTruncated>`: another page follows.
    pub is_truncated: bool,
    /// The `<Upload>` entries, in key order.
    pub uploads: Vec<Upload>,
    /// The `<CommonPrefixes>` entries.
    pub common_prefixes: Vec<CommonPrefix>,
}

impl OssXml for ListMultipartUploadsResult {
    const ROOT: &'static str = "ListMultipartUploadsResult";

    fn read(f: &Fields<'_>) -> Result<Self, XmlError> {
        let uploads = f.list("Upload").map(|u| {
            Ok(Upload {
                key: u.req("Key")?,
                upload_id: u.req("UploadId")?,
                initiated: u.or_empty("Initiated")?,
            })
        });
        let prefixes = f.list("CommonPrefixes").map(|p| {
            Ok(CommonPrefix {
                prefix: p.req("Prefix")?,
            })
        });
        Ok(Self {
            encoding_type: f.opt("EncodingType")?,
            bucket: f.req("Bucket")?,
            key_marker: f.or_empty("KeyMarker")?,
            upload_id_marker: f.or_empty("UploadIdMarker")?,
            next_key_marker: f.or_empty("NextKeyMarker")?,
            next_upload_id_marker: f.or_empty("NextUploadIdMarker")?,
            delimiter: f.or_empty("Delimiter")?,
            prefix: f.or_empty("Prefix")?,
            max_uploads: f.marker("MaxUploads")?,
            is_truncated: f.flag("IsTruncated")?,
            uploads: uploads.collect::<Result<_, XmlError>>()?,
            common_prefixes: prefixes.collect::<Result<_, XmlError>>()?,
        })
    }

    fn write(&self, w: &mut XmlWriter) {
        w.opt("EncodingType", self.encoding_type.as_deref());
        w.text("Bucket", &self.bucket);
        w.text("KeyMarker", &url_out(&self.encoding_type, &self.key_marker));
        w.text("UploadIdMarker", &self.upload_id_marker);
        w.text(
            "NextKeyMarker",
            &url_out(&self.encoding_type, &self.next_key_marker),
        );
        w.text("NextUploadIdMarker", &self.next_upload_id_marker);
        w.text("Delimiter", &url_out(&self.encoding_type, &self.delimiter));
        w.text("Prefix", &url_out(&self.encoding_type, &self.prefix));
        w.number("MaxUploads", self.max_uploads.into());
        w.flag("IsTruncated", self.is_truncated);
        for u in &self.uploads {
            w.open("Upload");
            w.text("Key", &url_out(&self.encoding_type, &u.key));
            w.text("UploadId", &u.upload_id);
            w.text("Initiated", &u.initiated);
            w.close("Upload");
        }
        for p in &self.common_prefixes {
            w.open("CommonPrefixes");
            w.text("Prefix", &url_out(&self.encoding_type, &p.prefix));
            w.close("CommonPrefixes");
        }
    }

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
#[derive(Clone, PartialEq, Eq, Default)]
pub struct OssErrorBody {
    /// `<Code>`: OSS's error code, e.g. `NoSuchUpload`.
    pub code: String,
    /// `<Message>`: OSS's explanation.
    pub message: Option<String>,
    /// `<RequestId>`: quote it to Alibaba Cloud support.
    pub request_id: Option<String>,
    /// `<HostId>`: the endpoint that answered.
    pub host_id: Option<String>,
    /// Detailed error code such as `0002-00000504`; also sent as the `x-oss-ec` header.
    pub ec: Option<String>,
    /// `<RecommendDoc>`: the troubleshooting page for `ec`.
    pub recommend_doc: Option<String>,
    /// Server clock, ISO 8601, on `RequestTimeTooSkewed` (§5.3); see [`Self::server_time_ms`].
    pub server_time: Option<String>,
    /// `<RequestTime>` on `RequestTimeTooSkewed`: the request's date as OSS read it.
    pub request_time: Option<String>,
    /// `<MaxAllowedSkewMilliseconds>` on `RequestTimeTooSkewed` (900,000).
    pub max_allowed_skew_milliseconds: Option<u64>,
    /// The server's string to sign on `SignatureDoesNotMatch`; for debugging only.
    pub string_to_sign: Option<String>,
    /// `<StringToSignBytes>` on `SignatureDoesNotMatch` (V1): the string to sign as hex bytes.
    pub string_to_sign_bytes: Option<String>,
    /// `<CanonicalRequest>` on `SignatureDoesNotMatch` (V4).
    pub canonical_request: Option<String>,
    /// `<SignatureProvided>` on `SignatureDoesNotMatch`.
    pub signature_provided: Option<String>,
    /// `<OSSAccessKeyId>`: the AccessKey ID the request named.
    pub oss_access_key_id: Option<String>,
    /// `<Condition>` on `PreconditionFailed`, e.g. `x-oss-forbid-overwrite`.
    pub condition: Option<String>,
    /// `<ArgumentName>` on `InvalidArgument`.
    pub argument_name: Option<String>,
    /// `<ArgumentValue>` on `InvalidArgument`.
    pub argument_value: Option<String>,
    /// `<PartNumber>` on part errors.
    pub part_number: Option<String>,
    /// `<UploadId>` on `NoSuchUpload`.
    pub upload_id: Option<String>,
    /// `<BucketName>`/`<Bucket>` on bucket errors.
    pub bucket: Option<String>,
    /// Operation-specific elements this type does not name (`Key`, `BucketName`,
    /// `ProposedSize`, …), in document order: read so that nothing is lost, written after the
    /// named ones. Names must be XML names; they are written as given.
    pub other: Vec<(String, String)>,
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

    /// Sets the element called `name` (OSS's spelling): its field when this type names it,
    /// otherwise an entry of [`Self::other`]. The dev server builds its bodies this way.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match name {
            "Code" => self.code = value,
            "Message" => self.message = Some(value),
            "MaxAllowedSkewMilliseconds" => match value.parse() {
                Ok(ms) => self.max_allowed_skew_milliseconds = Some(ms),
                Err(_) => self.other.push((name.to_owned(), value)),
            },
            _ => {
                if let Some((_, slot)) = self.texts().into_iter().find(|(n, _)| *n == name) {
                    *slot = Some(value);
                    return;
                }
                self.other.push((name.to_owned(), value));
            }
        }
    }

    /// `<ServerTime>` as unix milliseconds, when present and well-formed (§5.3).
    pub fn server_time_ms(&self) -> Option<u64> {
        self.server_time.as_deref().and_then(parse_oss_time_ms)
    }

    /// The optional text elements after `<Code>` and `<Message>`, by OSS name, in OSS's order
    /// (`<MaxAllowedSkewMilliseconds>`, a number, is read and written on its own).
    fn texts(&mut self) -> [(&'static str, &mut Option<String>); 17] {
        [
            ("RequestId", &mut self.request_id),
            ("HostId", &mut self.host_id),
            ("EC", &mut self.ec),
            ("RecommendDoc", &mut self.recommend_doc),
            ("ServerTime", &mut self.server_time),
            ("RequestTime", &mut self.request_time),
            ("StringToSign", &mut self.string_to_sign),
            ("StringToSignBytes", &mut self.string_to_sign_bytes),
            ("CanonicalRequest", &mut self.canonical_request),
            ("SignatureProvided", &mut self.signature_provided),
            ("OSSAccessKeyId", &mut self.oss_access_key_id),
            ("Condition", &mut self.condition),
            ("ArgumentName", &mut self.argument_name),
            ("ArgumentValue", &mut self.argument_value),
            ("PartNumber", &mut self.part_number),
            ("UploadId", &mut self.upload_id),
            ("Bucket", &mut self.bucket),
        ]
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

    fn read(f: &Fields<'_>) -> Result<Self, XmlError> {
        let mut body = Self {
            code: f.req("Code")?,
            message: f.opt("Message")?,
            max_allowed_skew_milliseconds: f.opt_number("MaxAllowedSkewMilliseconds", u64::MAX)?,
            ..Self::default()
        };
        let mut named = vec!["Code", "Message", "MaxAllowedSkewMilliseconds"];
        for (name, slot) in body.texts() {
            *slot = f.opt(name)?;
            named.push(name);
        }
        body.other = f
            .children()
            .iter()
            .filter(|c| !named.contains(&c.name()))
            .map(|c| (c.name().to_owned(), c.text().to_owned()))
            .collect();
        Ok(body)
    }

    fn write(&self, w: &mut XmlWriter) {
        w.text("Code", &self.code);
        w.opt("Message", self.message.as_deref());
        // `texts` lends the fields mutably; a clone keeps `write` on `&self`.
        for (name, text) in self.clone().texts() {
            w.opt(name, text.as_deref());
        }
        if let Some(ms) = self.max_allowed_skew_milliseconds {
            w.number("MaxAllowedSkewMilliseconds", ms);
        }
        for (name, text) in &self.other {
            w.text(name, text);
        }
    }
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
    // The calendar is `date.rs`'s; a day before 1970 is no OSS time.
    let days = crate::date::days_from_civil(
        i64::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    );
    let days = u64::try_from(days).ok()?;
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    secs.checked_mul(1000)?.checked_add(frac_ms)
}
