//! The XML bodies the server reads and writes: the core's OSS types (`oss_resumable_core::xml`),
//! so the server answers with exactly the shapes the client parses (docs/protocol.md §4–5).

use axum::http::StatusCode;
use oss_resumable_core::xml::{self, OssErrorBody};

pub use oss_resumable_core::xml::{
    CommonPrefix, CompleteMultipartUploadResult, InitiateMultipartUploadResult,
    ListMultipartUploadsResult, ListPartsResult, Part, Upload,
};

use crate::error::OssError;

/// `Some("url")` when the request asked for `encoding-type=url`.
pub fn encoding_type(url: bool) -> Option<String> {
    url.then(|| "url".to_string())
}

/// A key as it goes into a response: percent-encoded when `encoding-type=url` was asked.
pub fn key_out(key: &str, url: bool) -> String {
    if url {
        xml::url_encode(key)
    } else {
        key.to_string()
    }
}

pub fn to_xml<T: xml::OssXml>(value: &T) -> String {
    xml::to_xml(value)
}

/// `<Error>` with `Code`, `Message`, `RequestId`, `HostId`, `EC` and the operation's extras.
pub fn error_body(err: &OssError, request_id: &str, host_id: &str) -> String {
    let mut body = OssErrorBody::new(err.code.clone(), err.message.clone());
    body.request_id = Some(request_id.to_string());
    body.host_id = Some(host_id.to_string());
    if let Some(ec) = err.ec {
        body.ec = Some(ec.to_string());
        body.recommend_doc = Some(format!("https://api.aliyun.com/troubleshoot?q={ec}"));
    }
    let mut unmodelled = String::new();
    for (name, value) in &err.extra {
        let v = Some(value.clone());
        match *name {
            "ServerTime" => body.server_time = v,
            "RequestTime" => body.request_time = v,
            "MaxAllowedSkewMilliseconds" => body.max_allowed_skew_milliseconds = value.parse().ok(),
            "StringToSign" => body.string_to_sign = v,
            "StringToSignBytes" => body.string_to_sign_bytes = v,
            "CanonicalRequest" => body.canonical_request = v,
            "SignatureProvided" => body.signature_provided = v,
            "OSSAccessKeyId" => body.oss_access_key_id = v,
            "ArgumentName" => body.argument_name = v,
            "ArgumentValue" => body.argument_value = v,
            "PartNumber" => body.part_number = v,
            "UploadId" => body.upload_id = v,
            "Bucket" => body.bucket = v,
            "Condition" => body.condition = v,
            // Elements the core's type does not model (`Key`, `BucketName`, `ProposedSize`, …).
            other => {
                unmodelled.push_str(&format!("<{other}>{}</{other}>", xml::escape_text(value)))
            }
        }
    }
    let xml = xml::to_xml(&body);
    match xml.rfind("</Error>") {
        Some(i) if !unmodelled.is_empty() => format!("{}{unmodelled}{}", &xml[..i], &xml[i..]),
        _ => xml,
    }
}

/// Reads a `<CompleteMultipartUpload>` body into `(PartNumber, ETag)` pairs, in document order.
pub fn parse_complete(body: &[u8]) -> Result<Vec<(u32, String)>, OssError> {
    let malformed = |why: String| {
        OssError::new(
            StatusCode::BAD_REQUEST,
            "MalformedXML",
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
