//! The XML bodies the server reads and writes, named after OSS's roots (oss-protocol.md §4–5).
//! The one place where the server meets XML, so that it can switch to `oss_resumable_core::xml`.

use serde::Deserialize;

use crate::error::OssError;

const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Escapes text for an XML element body.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

struct Doc(String);

impl Doc {
    fn new(root: &str) -> Self {
        Doc(format!("{DECL}<{root}>\n"))
    }
    fn el(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        self.0
            .push_str(&format!("  <{name}>{}</{name}>\n", esc(&value.to_string())));
        self
    }
    fn raw(&mut self, s: &str) -> &mut Self {
        self.0.push_str(s);
        self
    }
    fn end(&mut self, root: &str) -> String {
        self.0.push_str(&format!("</{root}>\n"));
        std::mem::take(&mut self.0)
    }
}

/// `<Error>` with `Code`, `Message`, `RequestId`, `HostId`, the operation's extras, then `EC`.
pub fn error_body(err: &OssError, request_id: &str, host_id: &str) -> String {
    let mut d = Doc::new("Error");
    d.el("Code", &err.code)
        .el("Message", &err.message)
        .el("RequestId", request_id)
        .el("HostId", host_id);
    for (name, value) in &err.extra {
        d.el(name, value);
    }
    if let Some(ec) = err.ec {
        d.el("EC", ec).el(
            "RecommendDoc",
            format!("https://api.aliyun.com/troubleshoot?q={ec}"),
        );
    }
    d.end("Error")
}

pub struct InitiateMultipartUploadResult<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub upload_id: &'a str,
    pub encoding_url: bool,
}

pub fn initiate_result(r: &InitiateMultipartUploadResult) -> String {
    let mut d = Doc::new("InitiateMultipartUploadResult");
    if r.encoding_url {
        d.el("EncodingType", "url");
    }
    d.el("Bucket", r.bucket)
        .el("Key", key_out(r.key, r.encoding_url))
        .el("UploadId", r.upload_id)
        .end("InitiateMultipartUploadResult")
}

pub struct CompleteMultipartUploadResult<'a> {
    pub location: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
    pub etag: &'a str,
    pub encoding_url: bool,
}

pub fn complete_result(r: &CompleteMultipartUploadResult) -> String {
    let mut d = Doc::new("CompleteMultipartUploadResult");
    if r.encoding_url {
        d.el("EncodingType", "url");
    }
    d.el("Location", r.location)
        .el("Bucket", r.bucket)
        .el("Key", key_out(r.key, r.encoding_url))
        .el("ETag", r.etag)
        .end("CompleteMultipartUploadResult")
}

pub struct Part {
    pub part_number: u32,
    pub last_modified: String,
    pub etag: String,
    pub hash_crc64ecma: u64,
    pub size: u64,
}

pub struct ListPartsResult<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub upload_id: &'a str,
    pub part_number_marker: u32,
    pub next_part_number_marker: u32,
    pub max_parts: u32,
    pub is_truncated: bool,
    pub parts: Vec<Part>,
    pub encoding_url: bool,
}

pub fn list_parts_result(r: &ListPartsResult) -> String {
    let mut d = Doc::new("ListPartsResult");
    if r.encoding_url {
        d.el("EncodingType", "url");
    }
    d.el("Bucket", r.bucket)
        .el("Key", key_out(r.key, r.encoding_url))
        .el("UploadId", r.upload_id)
        .el("StorageClass", "Standard")
        .el("PartNumberMarker", r.part_number_marker)
        .el("NextPartNumberMarker", r.next_part_number_marker)
        .el("MaxParts", r.max_parts)
        .el("IsTruncated", r.is_truncated);
    for p in &r.parts {
        d.raw(&format!(
            "  <Part>\n    <PartNumber>{}</PartNumber>\n    <LastModified>{}</LastModified>\n    <ETag>{}</ETag>\n    <HashCrc64ecma>{}</HashCrc64ecma>\n    <Size>{}</Size>\n  </Part>\n",
            p.part_number,
            esc(&p.last_modified),
            esc(&p.etag),
            p.hash_crc64ecma,
            p.size
        ));
    }
    d.end("ListPartsResult")
}

pub struct Upload {
    pub key: String,
    pub upload_id: String,
    pub initiated: String,
}

pub struct ListMultipartUploadsResult<'a> {
    pub bucket: &'a str,
    pub key_marker: &'a str,
    pub upload_id_marker: &'a str,
    pub next_key_marker: String,
    pub next_upload_id_marker: String,
    pub delimiter: &'a str,
    pub prefix: &'a str,
    pub max_uploads: u32,
    pub is_truncated: bool,
    pub uploads: Vec<Upload>,
    pub common_prefixes: Vec<String>,
    pub encoding_url: bool,
}

pub fn list_uploads_result(r: &ListMultipartUploadsResult) -> String {
    let u = r.encoding_url;
    let mut d = Doc::new("ListMultipartUploadsResult");
    if u {
        d.el("EncodingType", "url");
    }
    d.el("Bucket", r.bucket)
        .el("KeyMarker", key_out(r.key_marker, u))
        .el("UploadIdMarker", r.upload_id_marker)
        .el("NextKeyMarker", key_out(&r.next_key_marker, u))
        .el("NextUploadIdMarker", &r.next_upload_id_marker)
        .el("Delimiter", key_out(r.delimiter, u))
        .el("Prefix", key_out(r.prefix, u))
        .el("MaxUploads", r.max_uploads)
        .el("IsTruncated", r.is_truncated);
    for up in &r.uploads {
        d.raw(&format!(
            "  <Upload>\n    <Key>{}</Key>\n    <UploadId>{}</UploadId>\n    <StorageClass>Standard</StorageClass>\n    <Initiated>{}</Initiated>\n  </Upload>\n",
            esc(&key_out(&up.key, u)),
            esc(&up.upload_id),
            esc(&up.initiated)
        ));
    }
    for p in &r.common_prefixes {
        d.raw(&format!(
            "  <CommonPrefixes>\n    <Prefix>{}</Prefix>\n  </CommonPrefixes>\n",
            esc(&key_out(p, u))
        ));
    }
    d.end("ListMultipartUploadsResult")
}

/// RFC 3986 unreserved characters stay literal in `encoding-type=url` output.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// With `encoding-type=url`, keys in responses are percent-encoded, `/` included as `%2F`
/// (OSS's docs show `fun%2Fmovie%2F001.avi`; go-v2 URL-decodes them).
fn key_out(key: &str, encoding_url: bool) -> String {
    if encoding_url {
        percent_encoding::utf8_percent_encode(key, UNRESERVED).to_string()
    } else {
        key.to_string()
    }
}

#[derive(Deserialize)]
struct CompleteMultipartUpload {
    #[serde(rename = "Part", default)]
    parts: Vec<CompletePart>,
}

#[derive(Deserialize)]
struct CompletePart {
    #[serde(rename = "PartNumber")]
    part_number: u32,
    #[serde(rename = "ETag")]
    etag: String,
}

/// Reads a `<CompleteMultipartUpload>` body into `(PartNumber, ETag)` pairs, in document order.
pub fn parse_complete(body: &[u8]) -> Result<Vec<(u32, String)>, OssError> {
    let malformed = || {
        OssError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        )
    };
    let text = std::str::from_utf8(body).map_err(|_| malformed())?;
    let doc: CompleteMultipartUpload = quick_xml::de::from_str(text).map_err(|_| malformed())?;
    if doc.parts.is_empty() {
        return Err(malformed());
    }
    Ok(doc
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect())
}
