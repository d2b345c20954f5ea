//! OSS request signing: V4 (`OSS4-HMAC-SHA256`, the default) and V1 (HMAC-SHA1), header form, as a
//! browser must do it (no `Date` header; `x-oss-date` instead).
//!
//! [`sign_request`] signs a [`Request`] with [`Credentials`]. The canonicalisation steps are pure
//! and public (`v1.rs`, `v4.rs`), so the dev server verifies incoming requests with exactly the
//! rules the client signs with, after reading their `Authorization` (`authorization.rs`). Rules
//! and section numbers refer to `docs/protocol.md`; every rule is pinned by
//! `tests/fixtures/oss-sign-vectors.json`. Time is passed in as unix milliseconds; nothing here
//! reads a clock. The dates signing writes and reads come from the calendar in `date.rs`.

mod authorization;
mod remote;
mod v1;
mod v4;

use std::fmt;

pub use crate::date::{
    format_iso8601, format_rfc1123, format_x_oss_date_v4, parse_iso8601_ms, parse_rfc1123_ms,
    parse_x_oss_date_v4_ms,
};
pub use authorization::{parse_authorization, ParsedAuthorization};
pub use remote::check_signature;
pub use v1::{
    v1_authorization, v1_canonicalized_resource, v1_is_sub_resource, v1_signature,
    v1_string_to_sign, V1_SUB_RESOURCES,
};
pub use v4::{
    sha256_hex, v4_additional_headers, v4_authorization, v4_canonical_query, v4_canonical_request,
    v4_canonical_uri, v4_scope, v4_signature, v4_signing_key, v4_string_to_sign, UNSIGNED_PAYLOAD,
    V4_ALGORITHM, V4_PRODUCT,
};

use crate::request::Request;
use crate::vecmap::VecMap;

/// Ordered query pairs as sent; `None` is a value-less parameter such as `uploads`.
pub type Query = [(String, Option<String>)];
/// Request headers as sent: names in any case, values verbatim.
pub type Headers = [(String, String)];

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// An access key pair, usually temporary STS credentials (`STS.…` id, secret, security token).
///
/// `Debug` and `Display` never print the secret or the token (design.md: nothing secret is logged).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The AccessKey ID (STS: the temporary one, `STS.…`).
    pub access_key_id: String,
    /// The AccessKey secret; never logged, stored or sent.
    pub access_key_secret: String,
    /// STS `SecurityToken`; sent raw as `x-oss-security-token` and signed (§2.5, §3.1).
    pub security_token: Option<String>,
    /// STS `Expiration` as unix milliseconds (see [`parse_iso8601_ms`]).
    pub expiration_ms: Option<i64>,
    /// Signatures come from the app's server (`credentials.signer`, `remote.rs`):
    /// `access_key_secret` is empty and every request is prepared, then signed elsewhere.
    pub signer: bool,
}

impl Credentials {
    /// Long-term (non-STS) credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
            expiration_ms: None,
            signer: false,
        }
    }

    /// Credentials whose requests are signed on the app's server: no secret here.
    pub fn with_signer(access_key_id: impl Into<String>, security_token: Option<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: String::new(),
            security_token,
            expiration_ms: None,
            signer: true,
        }
    }

    /// STS credentials. `expiration` is the STS `Expiration` string (ISO 8601, UTC); `None` when
    /// it is absent or unreadable, in which case only server errors reveal expiry.
    pub fn sts(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
        expiration: Option<&str>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: Some(security_token.into()),
            expiration_ms: expiration.and_then(parse_iso8601_ms),
            signer: false,
        }
    }
}

const REDACTED: &str = "<redacted>";

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &REDACTED)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| REDACTED),
            )
            .field("expiration_ms", &self.expiration_ms)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (secret {REDACTED}", self.access_key_id)?;
        if self.security_token.is_some() {
            write!(f, ", security token {REDACTED}")?;
        }
        if let Some(exp) = self.expiration_ms {
            write!(f, ", expires {}", format_iso8601(exp))?;
        }
        f.write_str(")")
    }
}

/// Which OSS signature to compute. V4 is the default: V1 is unavailable to new accounts since
/// 2025-03-01 (§0 TL;DR, §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// OSS's original HMAC-SHA1 signature (§2).
    V1,
    /// OSS4-HMAC-SHA256 (§3).
    #[default]
    V4,
}

// ---------------------------------------------------------------------------------------------
// Shared canonicalisation helpers
// ---------------------------------------------------------------------------------------------

/// Lowercased names → trimmed values, repeated headers joined with `,` in order (go-v2; §2.2).
/// Values are trimmed because ali-oss and go-v2 trim and HTTP servers drop surrounding spaces.
fn lowercase_headers(headers: &Headers) -> VecMap<String, String> {
    let mut map: VecMap<String, String> = VecMap::new();
    for (name, value) in headers {
        let value = value.trim();
        let name = name.trim().to_ascii_lowercase();
        match map.get_mut(&name) {
            Some(v) => {
                v.push(',');
                v.push_str(value);
            }
            None => {
                map.insert(name, value.to_owned());
            }
        }
    }
    map
}

fn is_oss_header(lower_name: &str) -> bool {
    lower_name.starts_with("x-oss-")
}

// ---------------------------------------------------------------------------------------------
// Signing a Request
// ---------------------------------------------------------------------------------------------

/// Signs `req` in place for the browser: sets `x-oss-date` (V4 ISO basic; V1 RFC 1123 as ali-oss
/// does, §2.4), `x-oss-content-sha256: UNSIGNED-PAYLOAD` (V4), `x-oss-security-token` (STS) and
/// `Authorization`. Never sets `Date` (a forbidden browser header, §7.3). Signing again replaces
/// these headers, so a retried request can simply be re-signed with fresh time and credentials.
pub fn sign_request(
    req: &mut Request,
    creds: &Credentials,
    version: SignatureVersion,
    region: &str,
    now_ms: i64,
) {
    sign_request_with_additional_headers(req, creds, version, region, now_ms, &[]);
}

/// [`sign_request`] that also signs the named headers through V4 AdditionalHeaders (e.g. `host`,
/// vector `upload-part-v4-additional-host`); the headers must be in `req.headers`. V1 ignores
/// `additional_headers`.
pub fn sign_request_with_additional_headers(
    req: &mut Request,
    creds: &Credentials,
    version: SignatureVersion,
    region: &str,
    now_ms: i64,
    additional_headers: &[String],
) {
    let prepared = prepare_request(
        req,
        creds.security_token.as_deref(),
        version,
        region,
        now_ms,
        additional_headers,
    );
    let signature = prepared.signature_with_secret(&creds.access_key_secret);
    authorize(req, &creds.access_key_id, &prepared, &signature);
}

/// A request ready to be signed: the StringToSign, and what its `Authorization` needs besides
/// the signature. The secret-based path signs it at once ([`Prepared::signature_with_secret`]);
/// with a signer on the app's server (`remote.rs`) the StringToSign travels there instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Which signature the string is for.
    pub version: SignatureVersion,
    /// V1 (§2.1) or V4 (§3.3) StringToSign; holds no secret.
    pub string_to_sign: String,
    /// The `x-oss-date` sent: V4 ISO basic (`20250411T064124Z`), V1 RFC 1123.
    pub date: String,
    /// The V4 signing region (empty for V1 without one).
    pub region: String,
    /// V4 AdditionalHeaders, normalised.
    additional: Vec<String>,
}

impl Prepared {
    /// The signature computed here with the secret: lowercase hex (V4) or base64 (V1).
    pub fn signature_with_secret(&self, access_key_secret: &str) -> String {
        match self.version {
            SignatureVersion::V1 => v1_signature(access_key_secret, &self.string_to_sign),
            SignatureVersion::V4 => {
                let key =
                    v4_signing_key(access_key_secret, self.yyyymmdd(), &self.region, V4_PRODUCT);
                v4_signature(&key, &self.string_to_sign)
            }
        }
    }

    /// The scope date of a V4 signature: the first 8 characters of `x-oss-date`.
    pub fn yyyymmdd(&self) -> &str {
        self.date.get(..8).unwrap_or("")
    }
}

/// Prepares `req` for signing (the first half of [`sign_request`]): sets `x-oss-date` (V4 ISO
/// basic; V1 RFC 1123 as ali-oss does, §2.4), `x-oss-content-sha256: UNSIGNED-PAYLOAD` (V4) and
/// `x-oss-security-token` (STS), drops any earlier `Authorization`, and returns the
/// StringToSign. Never sets `Date` (a forbidden browser header, §7.3). Signing again replaces
/// these headers, so a retried request can simply be prepared again with fresh time.
pub fn prepare_request(
    req: &mut Request,
    security_token: Option<&str>,
    version: SignatureVersion,
    region: &str,
    now_ms: i64,
    additional_headers: &[String],
) -> Prepared {
    for name in [
        "authorization",
        "date",
        "x-oss-date",
        "x-oss-content-sha256",
        "x-oss-security-token",
    ] {
        req.remove_header(name);
    }
    if let Some(token) = security_token {
        req.headers
            .push(("x-oss-security-token".to_owned(), token.to_owned()));
    }
    let method = req.method.as_str();
    match version {
        SignatureVersion::V1 => {
            // Browsers cannot send Date; ali-oss puts the RFC 1123 date in x-oss-date, which the
            // server then uses for the DATE line (§2.4, vector browser-v1-x-oss-date).
            let date = format_rfc1123(now_ms);
            req.headers.push(("x-oss-date".to_owned(), date.clone()));
            let string_to_sign =
                v1_string_to_sign(method, &req.bucket, &req.key, &req.query, &req.headers);
            Prepared {
                version,
                string_to_sign,
                date,
                region: region.to_owned(),
                additional: Vec::new(),
            }
        }
        SignatureVersion::V4 => {
            let date = format_x_oss_date_v4(now_ms);
            req.headers.push(("x-oss-date".to_owned(), date.clone()));
            req.headers.push((
                "x-oss-content-sha256".to_owned(),
                UNSIGNED_PAYLOAD.to_owned(),
            ));
            let additional = v4_additional_headers(&req.headers, additional_headers);
            let canonical = v4_canonical_request(
                method,
                &req.bucket,
                &req.key,
                &req.query,
                &req.headers,
                &additional,
            );
            let string_to_sign = v4_string_to_sign(&date, region, V4_PRODUCT, &canonical);
            Prepared {
                version,
                string_to_sign,
                date,
                region: region.to_owned(),
                additional,
            }
        }
    }
}

/// Sets the `Authorization` of a [`prepare_request`]ed request from its signature (the second
/// half of [`sign_request`]): `OSS id:signature` (V1, §2) or the compact V4 layout (§3.4).
pub fn authorize(req: &mut Request, access_key_id: &str, prepared: &Prepared, signature: &str) {
    let authorization = match prepared.version {
        SignatureVersion::V1 => v1_authorization(access_key_id, signature),
        SignatureVersion::V4 => v4_authorization(
            access_key_id,
            &v4_scope(prepared.yyyymmdd(), &prepared.region, V4_PRODUCT),
            &prepared.additional,
            signature,
        ),
    };
    req.remove_header("authorization");
    req.headers
        .push(("authorization".to_owned(), authorization));
}
