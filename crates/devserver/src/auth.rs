//! Request authentication as OSS does it: V1 (`OSS ak:sig`) and V4 (`OSS4-HMAC-SHA256`) header
//! signatures, long-term keys and STS credentials, the 15-minute clock window. The strings to
//! sign come from the same signing rules the client uses (`sign::…`).

use std::collections::HashMap;

use axum::http::StatusCode;

use crate::error::OssError;
use oss_resumable_core::error::code;
use oss_resumable_core::sign;

/// Largest accepted difference between the request's time and the server's.
pub const MAX_SKEW_MS: i64 = 900_000;

/// An STS credential the server minted (or was given in its config).
#[derive(Clone, Debug)]
pub struct StsCredential {
    pub access_key_secret: String,
    pub security_token: String,
    pub expiration_ms: i64,
}

#[derive(Default)]
pub struct Credentials {
    pub long_term: HashMap<String, String>,
    pub sts: HashMap<String, StsCredential>,
}

/// Everything about a request that takes part in its signature.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub bucket: &'a str,
    /// Decoded object key; "" for bucket-level requests.
    pub key: &'a str,
    pub query: &'a [(String, Option<String>)],
    /// Every request header, names lowercased.
    pub headers: &'a [(String, String)],
    pub now_ms: i64,
    pub region: &'a str,
    /// An `expireToken` fault fired for this request.
    pub force_token_expired: bool,
}

impl SignedRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn signature_does_not_match(access_key_id: &str, provided: &str, string_to_sign: &str) -> OssError {
    OssError::new(
        StatusCode::FORBIDDEN,
        code::SIGNATURE_DOES_NOT_MATCH,
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    )
    .with("StringToSign", string_to_sign)
    .with(
        "StringToSignBytes",
        string_to_sign
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
    )
    .with("SignatureProvided", provided)
    .with("OSSAccessKeyId", access_key_id)
}

/// Constant-time comparison, so a dev server does not teach clients to rely on timing.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn parse_time(value: &str) -> Option<i64> {
    sign::parse_rfc1123_ms(value)
        .or_else(|| sign::parse_x_oss_date_v4_ms(value))
        .or_else(|| sign::parse_iso8601_ms(value))
}

/// Verifies the request's signature and credentials against the server's clock.
pub fn authenticate(creds: &Credentials, req: &SignedRequest) -> Result<(), OssError> {
    let Some(authorization) = req.header("authorization") else {
        return Err(OssError::access_denied(
            "You have no right to access this object because of bucket acl.",
        ));
    };
    // The core parses every official SDK layout (`,` or `, ` separators, any field order).
    match sign::parse_authorization(authorization) {
        Some(sign::ParsedAuthorization::V1 {
            access_key_id,
            signature,
        }) => authenticate_v1(creds, req, &access_key_id, &signature),
        Some(sign::ParsedAuthorization::V4 {
            access_key_id,
            date,
            region,
            product,
            additional_headers,
            signature,
        }) => authenticate_v4(
            creds,
            req,
            &V4Fields {
                access_key_id: &access_key_id,
                day: &date,
                region: &region,
                product: &product,
                additional: &additional_headers,
                provided: &signature,
            },
        ),
        None => Err(OssError::invalid_argument(
            "Authorization header is invalid.",
        )),
    }
}

/// The fields of a V4 Authorization header.
struct V4Fields<'a> {
    access_key_id: &'a str,
    day: &'a str,
    region: &'a str,
    product: &'a str,
    additional: &'a [String],
    provided: &'a str,
}

/// Looks up the secret and checks the security token; returns (secret, is_sts, expiration).
fn credential(
    creds: &Credentials,
    req: &SignedRequest,
    access_key_id: &str,
) -> Result<(String, Option<i64>), OssError> {
    let token = req.header("x-oss-security-token");
    if let Some(secret) = creds.long_term.get(access_key_id) {
        if token.is_some() {
            return Err(invalid_token());
        }
        return Ok((secret.clone(), None));
    }
    if let Some(sts) = creds.sts.get(access_key_id) {
        return match token {
            Some(t) if same(t, &sts.security_token) => {
                Ok((sts.access_key_secret.clone(), Some(sts.expiration_ms)))
            }
            _ => Err(invalid_token()),
        };
    }
    Err(OssError::new(
        StatusCode::FORBIDDEN,
        code::INVALID_ACCESS_KEY_ID,
        "The OSS Access Key Id you provided does not exist in our records.",
    )
    .with("OSSAccessKeyId", access_key_id))
}

fn invalid_token() -> OssError {
    OssError::new(
        StatusCode::FORBIDDEN,
        code::INVALID_SECURITY_TOKEN,
        "The security token you provided is invalid.",
    )
    .ec("0002-00000006")
}

/// The clock window, then the token's lifetime (both judged by the server's clock).
fn check_time(
    req: &SignedRequest,
    request_ms: i64,
    expiration_ms: Option<i64>,
) -> Result<(), OssError> {
    if (request_ms - req.now_ms).abs() > MAX_SKEW_MS {
        return Err(OssError::new(
            StatusCode::FORBIDDEN,
            code::REQUEST_TIME_TOO_SKEWED,
            "The difference between the request time and the current time is too large.",
        )
        .with("RequestTime", sign::format_iso8601(request_ms))
        .with("ServerTime", sign::format_iso8601(req.now_ms))
        .with("MaxAllowedSkewMilliseconds", MAX_SKEW_MS.to_string())
        .ec("0002-00000504"));
    }
    if let Some(exp) = expiration_ms {
        if req.force_token_expired || req.now_ms >= exp {
            return Err(OssError::new(
                StatusCode::FORBIDDEN,
                code::SECURITY_TOKEN_EXPIRED,
                "The security token you provided has expired.",
            )
            .with("Expiration", sign::format_iso8601(exp))
            .with("ServerTime", sign::format_iso8601(req.now_ms))
            .ec("0002-00000007"));
        }
    }
    Ok(())
}

fn authenticate_v1(
    creds: &Credentials,
    req: &SignedRequest,
    access_key_id: &str,
    provided: &str,
) -> Result<(), OssError> {
    let (secret, expiration) = credential(creds, req, access_key_id)?;
    // V1 takes its time from x-oss-date when present (browsers cannot send Date), else Date.
    let date = req.header("x-oss-date").or_else(|| req.header("date"));
    let Some(request_ms) = date.and_then(parse_time) else {
        return Err(OssError::access_denied(
            "OSS authentication requires a valid Date.",
        ));
    };
    check_time(req, request_ms, expiration)?;
    let sts = sign::v1_string_to_sign(req.method, req.bucket, req.key, req.query, req.headers);
    let expected = sign::v1_signature(&secret, &sts);
    if !same(&expected, provided) {
        return Err(signature_does_not_match(access_key_id, provided, &sts));
    }
    Ok(())
}

fn authenticate_v4(creds: &Credentials, req: &SignedRequest, f: &V4Fields) -> Result<(), OssError> {
    let invalid = |what: &str| {
        OssError::invalid_argument(format!("Authorization header is invalid: {what}."))
    };
    let (access_key_id, day, region, product, provided) =
        (f.access_key_id, f.day, f.region, f.product, f.provided);
    if product != sign::V4_PRODUCT {
        return Err(invalid("the Credential product must be oss"));
    }
    if region != req.region {
        return Err(OssError::invalid_argument(format!(
            "Invalid signing region in Authorization header: expected {}, got {region}.",
            req.region
        )));
    }
    let additional: Vec<String> = f
        .additional
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    for h in &additional {
        if req.header(h).is_none() {
            return Err(invalid("a header named in AdditionalHeaders is missing"));
        }
    }
    let (secret, expiration) = credential(creds, req, access_key_id)?;
    let Some(x_oss_date) = req.header("x-oss-date") else {
        return Err(OssError::access_denied(
            "OSS V4 authentication requires the x-oss-date header.",
        ));
    };
    let Some(request_ms) = sign::parse_x_oss_date_v4_ms(x_oss_date) else {
        return Err(OssError::invalid_argument(
            "x-oss-date must be ISO 8601 basic format, e.g. 20221228T102741Z.",
        ));
    };
    if !x_oss_date.starts_with(day) {
        return Err(invalid("the Credential date does not match x-oss-date"));
    }
    match req.header("x-oss-content-sha256") {
        Some(sign::UNSIGNED_PAYLOAD) => {}
        Some(_) => {
            return Err(OssError::invalid_argument(
                "x-oss-content-sha256 must be UNSIGNED-PAYLOAD.",
            ))
        }
        None => {
            return Err(OssError::invalid_argument(
                "x-oss-content-sha256 header is required for V4 signatures.",
            ))
        }
    }
    check_time(req, request_ms, expiration)?;
    let canonical = sign::v4_canonical_request(
        req.method,
        req.bucket,
        req.key,
        req.query,
        req.headers,
        &additional,
    );
    let string_to_sign = sign::v4_string_to_sign(x_oss_date, region, product, &canonical);
    let key = sign::v4_signing_key(&secret, day, region, product);
    let expected = sign::v4_signature(&key, &string_to_sign);
    if !same(&expected, provided) {
        return Err(
            signature_does_not_match(access_key_id, provided, &string_to_sign)
                .with("CanonicalRequest", canonical),
        );
    }
    Ok(())
}
