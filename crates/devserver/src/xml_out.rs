//! The XML bodies the server reads and writes: the core's OSS types (`oss_resumable_core::xml`),
//! so the server answers with exactly the shapes the client parses (docs/protocol.md §4; the
//! `<Error>` body is written in `error.rs`, §5).

use axum::http::StatusCode;
use oss_resumable_core::error::code;
use oss_resumable_core::xml;

pub use oss_resumable_core::xml::{
    CommonPrefix, CompleteMultipartUploadResult, InitiateMultipartUploadResult,
    ListMultipartUploadsResult, ListPartsResult, Part, Upload,
};

use crate::error::OssError;

/// `Some("url")` when the request asked for `encoding-type=url`.
pub fn encoding_type(url: bool) -> Option<String> {
    url.then(|| "url".to_string())
}

pub fn to_xml<T: xml::OssXml>(value: &T) -> String {
    xml::to_xml(value)
}

/// Reads a `<CompleteMultipartUpload>` body into `(PartNumber, ETag)` pairs, in document order.
pub fn parse_complete(body: &[u8]) -> Result<Vec<(u32, String)>, OssError> {
    let malformed = |why: String| {
        OssError::new(
            StatusCode::BAD_REQUEST,
            code::MALFORMED_XML,
            format!("The XML you provided was not well-formed or did not validate against our published schema: {why}"),
        )
    };
    let doc: xml::CompleteMultipartUpload =
        xml::parse(body).map_err(|e| malformed(e.to_string()))?;
    if doc.parts.is_empty() {
        return Err(malformed("no <Part> listed".to_string()));
    }
    Ok(doc
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect())
}
