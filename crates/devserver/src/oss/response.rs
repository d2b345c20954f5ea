//! Building the operations' successful answers: status, OSS's headers (`ETag` as quoted
//! uppercase hex), XML bodies.

use axum::{
    body::Body,
    http::{header, response::Builder, StatusCode},
    response::Response,
};
use base64::Engine as _;

use crate::error::OssError;

pub fn ok() -> Builder {
    Response::builder().status(StatusCode::OK)
}

pub fn no_content() -> Result<Response, OssError> {
    built(
        Response::builder().status(StatusCode::NO_CONTENT),
        Body::empty(),
    )
}

pub fn built(b: Builder, body: Body) -> Result<Response, OssError> {
    b.body(body)
        .map_err(|e| OssError::internal(format!("response: {e}")))
}

pub fn xml_response(b: Builder, xml: String) -> Result<Response, OssError> {
    built(
        b.header(header::CONTENT_TYPE, "application/xml"),
        Body::from(xml),
    )
}

pub fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

/// OSS's `ETag` of a single body: its MD5 in uppercase hex, in double quotes.
pub fn quoted_etag(md5: &[u8; 16]) -> String {
    format!("\"{}\"", hex_upper(md5))
}

pub fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}
