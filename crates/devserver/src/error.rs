//! OSS service errors: the `<Error>` XML body with its HTTP status, `x-oss-ec`, and for HEAD the
//! same body base64-encoded in `x-oss-err` (docs/protocol.md §5).

use axum::http::StatusCode;

/// One OSS error response, before it gets its request id.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct OssError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Detailed error code (`EC`), e.g. `0002-00000504`.
    pub ec: Option<&'static str>,
    /// Operation-specific elements after `<HostId>` (`StringToSign`, `ServerTime`, …), in order.
    pub extra: Vec<(&'static str, String)>,
}

impl OssError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        OssError {
            status,
            code: code.to_string(),
            message: message.into(),
            ec: None,
            extra: Vec::new(),
        }
    }

    pub fn ec(mut self, ec: &'static str) -> Self {
        self.ec = Some(ec);
        self
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
    }

    pub fn no_such_bucket(bucket: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist.",
        )
        .with("BucketName", bucket)
    }

    pub fn no_such_key(key: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
        .with("Key", key)
    }

    pub fn no_such_upload(upload_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        )
        .with("UploadId", upload_id)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message)
    }

    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, "NotImplemented", message)
    }
}

impl From<std::io::Error> for OssError {
    fn from(e: std::io::Error) -> Self {
        OssError::internal(format!("storage error: {e}"))
    }
}
