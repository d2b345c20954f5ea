//! The one error type the whole crate and the JS API report: an OSS code (from the server's
//! `<Error>` body) or a client code (from [`ClientCode`]), with the HTTP status, request id and
//! detailed EC when there is one (design.md, "JS API").
//!
//! Nothing secret ever goes in: the message comes from OSS's `<Message>` or from our own text,
//! never from a string to sign, a header or a credential.

use crate::xml::{OssErrorBody, XmlError};

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
}

impl ClientCode {
    /// Every client code, for exhaustive tests and the `.d.ts`.
    pub const ALL: [ClientCode; 10] = [
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
