//! The one error type the whole crate and the JS API report: an OSS code (from the server's
//! `<Error>` body) or a client code (from [`ClientCode`]), with the HTTP status, request id and
//! detailed EC when there is one (design.md, "JS API").
//!
//! Nothing secret ever goes in: the message comes from OSS's `<Message>` or from our own text,
//! never from a string to sign, a header or a credential.

use crate::xml::{OssErrorBody, XmlError};

/// OSS's error codes (`<Code>` of an `<Error>` body, §5.1), spelled as OSS spells them, so that
/// the client's rules and the dev server's answers name one constant instead of two literals.
pub mod code {
    /// 403: the STS token has expired; the client refreshes and retries (§5.2, §8.2).
    pub const SECURITY_TOKEN_EXPIRED: &str = "SecurityTokenExpired";
    /// 403: the AccessKey ID is unknown, disabled or an expired STS one; refresh, retry (§5.2).
    pub const INVALID_ACCESS_KEY_ID: &str = "InvalidAccessKeyId";
    /// 403: the security token is malformed or not of this AccessKey ID; refresh, retry (§5.2).
    pub const INVALID_SECURITY_TOKEN: &str = "InvalidSecurityToken";
    /// 403: the AccessKey ID and the token come from different fetches; refresh, retry (§5.2).
    pub const ACCESS_KEY_ID_AND_SECURITY_TOKEN_NOT_MATCH: &str =
        "AccessKeyIdAndSecurityTokenNotMatch";
    /// 403: the signatures differ; one refresh in case the secret rotated, then fail (§5.2).
    pub const SIGNATURE_DOES_NOT_MATCH: &str = "SignatureDoesNotMatch";
    /// 403: the request's time is more than 15 minutes off the server's (§5.2, §5.3).
    pub const REQUEST_TIME_TOO_SKEWED: &str = "RequestTimeTooSkewed";
    /// 403: a RAM, STS or bucket policy lacks the action, or the request is unsigned (§5.2).
    pub const ACCESS_DENIED: &str = "AccessDenied";
    /// 403: no bucket CORS rule matches the preflight (§5.2, §7.2).
    pub const ACCESS_FORBIDDEN: &str = "AccessForbidden";
    /// 404: the uploadId was completed, aborted or removed (§5.2, §4.7).
    pub const NO_SUCH_UPLOAD: &str = "NoSuchUpload";
    /// 404: the bucket does not exist at this endpoint (§5.2).
    pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";
    /// 400: a part listed in CompleteMultipartUpload does not match an uploaded one (§5.2, §4.3).
    pub const INVALID_PART: &str = "InvalidPart";
    /// 400: CompleteMultipartUpload's parts are not in ascending order (§5.2, §4.3).
    pub const INVALID_PART_ORDER: &str = "InvalidPartOrder";
    /// 400: a part other than the last is under 100 KiB, found at Complete (§5.2, §4.2).
    pub const ENTITY_TOO_SMALL: &str = "EntityTooSmall";
    /// 400: the body does not match its `Content-MD5` (§5.2, §4.2).
    pub const INVALID_DIGEST: &str = "InvalidDigest";
    /// 409: `x-oss-forbid-overwrite: true` and the object exists (§5.2, §4.3).
    pub const FILE_ALREADY_EXISTS: &str = "FileAlreadyExists";
    /// 400: a body that is not well-formed or not of the expected schema (§5.2).
    pub const MALFORMED_XML: &str = "MalformedXML";
    /// 400: a header or query value is not accepted (§5.2).
    pub const INVALID_ARGUMENT: &str = "InvalidArgument";
    /// 203: the object is stored but the upload callback failed (§5.2, §10.1).
    pub const CALLBACK_FAILED: &str = "CallbackFailed";
    /// 400, yet transient: retried by code (§5.2).
    pub const REQUEST_TIMEOUT: &str = "RequestTimeout";
    /// 500: transient; back off and retry (§5.2).
    pub const INTERNAL_ERROR: &str = "InternalError";
    /// 400: retried by go-v2's retryer, and so by this client (§5.2).
    pub const BAD_REQUEST: &str = "BadRequest";
    /// Throttling, retried whatever the status (§5.2).
    pub const SERVICE_UNAVAILABLE: &str = "ServiceUnavailable";
    /// Throttling, retried whatever the status (§5.2).
    pub const SLOW_DOWN: &str = "SlowDown";

    // Codes outside §5.2's table: the client meets them only as a plain failure, or never; the
    // dev server answers with them where OSS would.

    /// 404: no object has this key (GetObject, HeadObject; the HEAD check of §4.3).
    pub const NO_SUCH_KEY: &str = "NoSuchKey";
    /// 400: the key breaks OSS's naming rules (§1).
    pub const INVALID_OBJECT_NAME: &str = "InvalidObjectName";
    /// 400: a part or PutObject body over 5 GiB (§4.2, §4.9).
    pub const ENTITY_TOO_LARGE: &str = "EntityTooLarge";
    /// 400: the body ended before its `Content-Length`.
    pub const INCOMPLETE_BODY: &str = "IncompleteBody";
    /// 416: a `Range` that starts after the object's end (GetObject).
    pub const INVALID_RANGE: &str = "InvalidRange";
    /// 405: the method does not apply to this resource.
    pub const METHOD_NOT_ALLOWED: &str = "MethodNotAllowed";
    /// 501: an operation the server does not implement.
    pub const NOT_IMPLEMENTED: &str = "NotImplemented";
}

/// Codes the client itself reports, alongside OSS's own (`AccessDenied`, `NoSuchUpload`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientCode {
    /// The request never got an HTTP answer (offline, DNS, CORS refusal, reset) after retries.
    NetworkError,
    /// The file's size, lastModified or bytes changed under the upload.
    FileChanged,
    /// A caller-supplied option is invalid (part size, key, …).
    InvalidArgument,
    /// The `ETag` response header is unreadable: the bucket's CORS rule does not expose it.
    EtagNotExposed,
    /// A part's or the object's CRC-64 differs from what OSS computed.
    CrcMismatch,
    /// Another upload of the same file to the same key is running (e.g. in another tab).
    UploadInProgress,
    /// The credential provider failed or returned something that is not STS credentials.
    CredentialsError,
    /// The server answered with something that is not OSS's protocol.
    InvalidResponse,
    /// The caller aborted (paused) the upload; the checkpoint is kept.
    Aborted,
    /// A stored checkpoint is damaged, foreign or from an unknown version.
    CheckpointInvalid,
    /// The app's signer (`credentials.signer`) failed, or answered something that is not a
    /// signature of the right form (hex for V4, base64 for V1).
    SignerError,
    /// `Uploader.cancel(id)` stopped the upload and aborted it on the server.
    Cancelled,
    /// The file cannot be read through its stored `FileSystemFileHandle` (none kept, permission
    /// refused, file moved or deleted): the page asks for the file and calls `upload()`.
    FileUnreadable,
}

impl ClientCode {
    /// Every client code, for exhaustive tests and the `.d.ts`.
    pub const ALL: [ClientCode; 13] = [
        ClientCode::NetworkError,
        ClientCode::FileChanged,
        ClientCode::InvalidArgument,
        ClientCode::EtagNotExposed,
        ClientCode::CrcMismatch,
        ClientCode::UploadInProgress,
        ClientCode::CredentialsError,
        ClientCode::InvalidResponse,
        ClientCode::Aborted,
        ClientCode::CheckpointInvalid,
        ClientCode::SignerError,
        ClientCode::Cancelled,
        ClientCode::FileUnreadable,
    ];

    /// The code string the JS `OssError.code` carries.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClientCode::NetworkError => "NetworkError",
            ClientCode::FileChanged => "FileChanged",
            ClientCode::InvalidArgument => "InvalidArgument",
            ClientCode::EtagNotExposed => "EtagNotExposed",
            ClientCode::CrcMismatch => "CrcMismatch",
            ClientCode::UploadInProgress => "UploadInProgress",
            ClientCode::CredentialsError => "CredentialsError",
            ClientCode::InvalidResponse => "InvalidResponse",
            ClientCode::Aborted => "Aborted",
            ClientCode::CheckpointInvalid => "CheckpointInvalid",
            ClientCode::SignerError => "SignerError",
            ClientCode::Cancelled => "Cancelled",
            ClientCode::FileUnreadable => "FileUnreadable",
        }
    }
}

impl std::fmt::Display for ClientCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An upload failure as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}{}", request_id_suffix(.request_id))]
pub struct OssError {
    /// OSS's `<Code>` or a [`ClientCode`] string.
    pub code: String,
    /// What happened and, where we know it, what to do.
    pub message: String,
    /// HTTP status of the response that failed, if there was one.
    pub status: Option<u16>,
    /// `x-oss-request-id` / `<RequestId>`: what Alibaba support asks for.
    pub request_id: Option<String>,
    /// Detailed error code (`x-oss-ec` / `<EC>`), e.g. `0002-00000504`.
    pub ec: Option<String>,
    /// The object the failed request stored anyway: set for `CallbackFailed` (203), when OSS
    /// kept the object and only the callback failed (§10.1).
    pub stored: Option<Box<StoredObject>>,
}

/// An object OSS stored although the request reported a failure (`CallbackFailed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The bucket.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The object's ETag, quotes included.
    pub etag: String,
    /// CRC-64 of the object as verified against OSS's (or combined from verified parts).
    pub crc64: u64,
    /// The object's size, in bytes.
    pub size: u64,
}

fn request_id_suffix(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(" (request id {id})"),
        None => String::new(),
    }
}

impl OssError {
    /// An error the client raises itself.
    pub fn client(code: ClientCode, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_owned(),
            message: message.into(),
            status: None,
            request_id: None,
            ec: None,
            stored: None,
        }
    }

    /// An error answer from OSS. `<Condition>` is appended to the message as ali-oss does,
    /// because it names the precondition that failed.
    pub fn from_response(status: u16, body: &OssErrorBody) -> Self {
        let mut message = body
            .message
            .clone()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| format!("OSS answered HTTP {status} with code {}", body.code));
        if let Some(condition) = body.condition.as_deref().filter(|c| !c.is_empty()) {
            message.push_str(" (condition: ");
            message.push_str(condition);
            message.push(')');
        }
        Self {
            code: body.code.clone(),
            message,
            status: Some(status),
            request_id: body.request_id.clone(),
            ec: body.ec.clone(),
            stored: None,
        }
    }

    /// A non-2xx answer whose body is not an OSS `<Error>` (a proxy page, an empty body).
    pub fn from_status(status: u16) -> Self {
        Self {
            code: ClientCode::InvalidResponse.as_str().to_owned(),
            message: format!(
                "HTTP {status} without an OSS error body (a proxy or gateway answered?)"
            ),
            status: Some(status),
            request_id: None,
            ec: None,
            stored: None,
        }
    }

    /// Adds the request id from the `x-oss-request-id` header when the body had none.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        if self.request_id.is_none() {
            self.request_id = request_id.filter(|r| !r.is_empty());
        }
        self
    }

    /// Adds the EC from the `x-oss-ec` header when the body had none.
    pub fn with_ec(mut self, ec: Option<String>) -> Self {
        if self.ec.is_none() {
            self.ec = ec.filter(|e| !e.is_empty());
        }
        self
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// True if this error carries `code` (an OSS code or a client code string).
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }

    /// True if this error carries the given client code.
    pub fn is_client(&self, code: ClientCode) -> bool {
        self.code == code.as_str()
    }
}

impl From<XmlError> for OssError {
    fn from(e: XmlError) -> Self {
        OssError::client(ClientCode::InvalidResponse, e.to_string())
    }
}

impl From<crate::plan::PlanError> for OssError {
    fn from(e: crate::plan::PlanError) -> Self {
        OssError::client(ClientCode::InvalidArgument, e.to_string())
    }
}

impl From<crate::checkpoint::CheckpointError> for OssError {
    fn from(e: crate::checkpoint::CheckpointError) -> Self {
        OssError::client(ClientCode::CheckpointInvalid, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_code_message_and_request_id() {
        let body = OssErrorBody {
            request_id: Some("68C05BB8785D7A3133226E20".into()),
            ec: Some("0017-00000134".into()),
            condition: Some("If-Match".into()),
            ..OssErrorBody::new("PreconditionFailed", "At least one condition failed.")
        };
        let e = OssError::from_response(412, &body);
        assert_eq!(
            e.to_string(),
            "PreconditionFailed: At least one condition failed. (condition: If-Match) \
             (request id 68C05BB8785D7A3133226E20)"
        );
        assert_eq!(e.status, Some(412));
        assert_eq!(e.ec.as_deref(), Some("0017-00000134"));
        let c = OssError::client(ClientCode::FileChanged, "the file changed; pick it again");
        assert_eq!(
            c.to_string(),
            "FileChanged: the file changed; pick it again"
        );
        assert!(c.is_client(ClientCode::FileChanged));
    }

    #[test]
    fn header_values_fill_only_missing_fields() {
        let e = OssError::from_status(502)
            .with_request_id(Some("RID".into()))
            .with_ec(Some(String::new()));
        assert_eq!(e.request_id.as_deref(), Some("RID"));
        assert_eq!(e.ec, None);
        assert!(e.is("InvalidResponse"));
        let body = OssErrorBody {
            request_id: Some("BODY".into()),
            ..OssErrorBody::new("InternalError", "")
        };
        let e = OssError::from_response(500, &body).with_request_id(Some("HEADER".into()));
        assert_eq!(e.request_id.as_deref(), Some("BODY"));
        assert_eq!(e.message, "OSS answered HTTP 500 with code InternalError");
    }

    #[test]
    fn never_carries_the_string_to_sign() {
        let body = OssErrorBody {
            string_to_sign: Some("x-oss-security-token:CAIS-secret".into()),
            ..OssErrorBody::new("SignatureDoesNotMatch", "signature mismatch")
        };
        let e = OssError::from_response(403, &body);
        assert!(!format!("{e} {e:?}").contains("CAIS"));
    }

    #[test]
    fn client_codes_are_distinct_names() {
        let mut names: Vec<&str> = ClientCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ClientCode::ALL.len());
        for c in ClientCode::ALL {
            assert_eq!(format!("{c:?}"), c.as_str());
        }
    }
}
