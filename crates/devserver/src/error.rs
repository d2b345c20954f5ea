//! OSS service errors as the server answers them: an HTTP status and the core's `<Error>` body
//! (`oss_resumable_core::xml::OssErrorBody`), so the body the server writes and the body the
//! client parses are one definition. The response carries `x-oss-ec`, and for HEAD the body goes
//! base64-encoded into `x-oss-err` (docs/protocol.md §5.1).

use axum::{
    body::Body,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use oss_resumable_core::error::code;
use oss_resumable_core::xml::{self, OssErrorBody};

/// One OSS error, before it gets its request id and host.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{status} {}: {}", .body.code, .body.message.as_deref().unwrap_or(""))]
pub struct OssError {
    pub status: StatusCode,
    /// `Code`, `Message`, `EC` and the operation's elements (`StringToSign`, `ServerTime`, …);
    /// boxed, as the body has a field for every element OSS may send.
    pub body: Box<OssErrorBody>,
    /// Headers the answer carries besides the error's own (`ETag` of a 203 CallbackFailed).
    pub headers: Vec<(&'static str, String)>,
}

impl OssError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        OssError {
            status,
            body: Box::new(OssErrorBody::new(code, message)),
            headers: Vec::new(),
        }
    }

    /// A header the answer carries too.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The detailed error code (`EC`, e.g. `0002-00000504`) and the page OSS points to for it.
    pub fn ec(mut self, ec: &str) -> Self {
        self.body.recommend_doc = Some(format!("https://api.aliyun.com/troubleshoot?q={ec}"));
        self.body.ec = Some(ec.to_string());
        self
    }

    /// An operation-specific element, by its OSS name, written in the core's order.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.body.set(name, value);
        self
    }

    pub fn code(&self) -> &str {
        &self.body.code
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code::ACCESS_DENIED, message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, message)
    }

    pub fn no_such_bucket(bucket: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            code::NO_SUCH_BUCKET,
            "The specified bucket does not exist.",
        )
        .with("BucketName", bucket)
    }

    pub fn no_such_key(key: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            code::NO_SUCH_KEY,
            "The specified key does not exist.",
        )
        .with("Key", key)
    }

    pub fn no_such_upload(upload_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            code::NO_SUCH_UPLOAD,
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        )
        .with("UploadId", upload_id)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL_ERROR,
            message,
        )
    }

    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, code::NOT_IMPLEMENTED, message)
    }

    /// The `<Error>` document, with the request's id and host (OSS's `HostId`).
    pub fn to_xml(&self, request_id: &str, host_id: &str) -> String {
        let mut body = (*self.body).clone();
        body.request_id = Some(request_id.to_string());
        body.host_id = Some(host_id.to_string());
        xml::to_xml(&body)
    }

    /// The response: the XML as the body, or for HEAD (which has no body) in `x-oss-err`.
    pub fn to_response(&self, request_id: &str, head: bool, host_id: &str) -> Response {
        let xml = self.to_xml(request_id, host_id);
        let mut b = Response::builder()
            .status(self.status)
            .header("x-oss-request-id", request_id)
            .header(header::CONTENT_TYPE, "application/xml");
        if let Some(ec) = &self.body.ec {
            b = b.header("x-oss-ec", ec);
        }
        for (name, value) in &self.headers {
            b = b.header(*name, value);
        }
        let res = if head {
            let encoded = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
            b.header("x-oss-err", encoded).body(Body::empty())
        } else {
            b.body(Body::from(xml))
        };
        res.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

impl From<std::io::Error> for OssError {
    fn from(e: std::io::Error) -> Self {
        OssError::internal(format!("storage error: {e}"))
    }
}
