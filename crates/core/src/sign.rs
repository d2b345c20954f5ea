//! OSS request signing: V4 (`OSS4-HMAC-SHA256`, the default) and V1 (HMAC-SHA1), header form, as a
//! browser must do it (no `Date` header; `x-oss-date` instead).
//!
//! The canonicalisation functions are pure and public so the dev server verifies incoming requests
//! with exactly the rules the client signs with. Rules and section numbers refer to
//! `docs/protocol.md`; every rule is pinned by `tests/fixtures/oss-sign-vectors.json`.
//! Time is passed in as unix milliseconds; this module never reads a clock.

use std::fmt;

use crate::vecmap::VecMap;
use hmac::{Mac, SimpleHmac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::request::Request;
use crate::url::{uri_encode, uri_encode_path};

/// Ordered query pairs as sent; `None` is a value-less parameter such as `uploads`.
pub type Query = [(String, Option<String>)];
/// Request headers as sent: names in any case, values verbatim.
pub type Headers = [(String, String)];

/// The V4 algorithm name, first line of the V4 StringToSign and prefix of its Authorization.
pub const V4_ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// The product in the V4 scope for ordinary buckets (CloudBox uses `oss-cloudbox`, §3.3).
pub const V4_PRODUCT: &str = "oss";
/// The only payload hash a header-signed OSS request may carry (§3.1, EC 0002-00000214).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// An access key pair, usually temporary STS credentials (`STS.…` id, secret, security token).
///
/// `Debug` and `Display` never print the secret or the token (design.md: nothing secret is logged).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: String,
    /// STS `SecurityToken`; sent raw as `x-oss-security-token` and signed (§2.5, §3.1).
    pub security_token: Option<String>,
    /// STS `Expiration` as unix milliseconds (see [`parse_iso8601_ms`]).
    pub expiration_ms: Option<i64>,
}

impl Credentials {
    /// Long-term (non-STS) credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
            expiration_ms: None,
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
        }
    }

    /// True when the credentials expire at or before `now_ms + window_ms` (never without an
    /// expiration).
    pub fn expires_within(&self, now_ms: i64, window_ms: i64) -> bool {
        self.expiration_ms
            .is_some_and(|exp| exp <= now_ms.saturating_add(window_ms))
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
    V1,
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

/// `SimpleHmac` rather than `Hmac`: the same MAC through the plain `Digest` API, with less
/// generic code in the .wasm (about 0.2 KB gzip for the two hashes); it hashes the key again for
/// every message, which costs nothing at a few hundred bytes per request.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length (longer ones are hashed first, RFC 2104 §2), so this
    // constructor cannot fail.
    let mut mac = SimpleHmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

// ---------------------------------------------------------------------------------------------
// V1
// ---------------------------------------------------------------------------------------------

/// Query keys that are signed in V1's CanonicalizedResource (§2.3). Union of the multipart ones and
/// the entries common to oss2 `_subresource_key_set`, go-v2 `requiredSignedParametersMap` and
/// reqsign `SUB_RESOURCES`; any `x-oss-*` key is signed as well (go-v2). Never `max-parts`,
/// `part-number-marker`, `encoding-type`, `prefix`, `key-marker`, … (vector `list-parts-paged`).
pub const V1_SUB_RESOURCES: &[&str] = &[
    "acl",
    "append",
    "asyncFetch",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "group",
    "inventory",
    "inventoryId",
    "lifecycle",
    "link",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "qos",
    "qosInfo",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "resourceGroup",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
];

/// True when `name` takes part in V1's CanonicalizedResource (§2.3).
pub fn v1_is_sub_resource(name: &str) -> bool {
    name.starts_with("x-oss-") || V1_SUB_RESOURCES.contains(&name)
}

/// V1 CanonicalizedResource: `/bucket/key` with the raw (decoded) key, then the signed
/// sub-resources sorted byte-wise, `name=value` with raw values or `name` alone (§2.3).
pub fn v1_canonicalized_resource(bucket: &str, key: &str, query: &Query) -> String {
    let mut resource = if bucket.is_empty() {
        // No bucket (service-level request): the resource is just `/` (§2.3).
        String::from("/")
    } else {
        format!("/{bucket}/{key}")
    };
    let mut subs: Vec<(&str, Option<&str>)> = query
        .iter()
        .filter(|(k, _)| v1_is_sub_resource(k))
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    crate::sort::sort_by(&mut subs, |a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (i, (name, value)) in subs.iter().enumerate() {
        resource.push(if i == 0 { '?' } else { '&' });
        resource.push_str(name);
        match value {
            Some(v) if !v.is_empty() => {
                resource.push('=');
                resource.push_str(v);
            }
            _ => {}
        }
    }
    resource
}

/// V1 StringToSign (§2.1): VERB, Content-MD5, Content-Type, DATE, CanonicalizedOSSHeaders,
/// CanonicalizedResource. The DATE line is `x-oss-date` when present, else `Date` (§2.4).
pub fn v1_string_to_sign(
    method: &str,
    bucket: &str,
    key: &str,
    query: &Query,
    headers: &Headers,
) -> String {
    let headers = lowercase_headers(headers);
    let get = |name: &str| headers.get(name).map(String::as_str).unwrap_or("");
    // oss2/ali-oss/py-v2: a non-empty x-oss-date wins over Date on the DATE line (§2.4).
    let date = match get("x-oss-date") {
        "" => get("date"),
        x_oss_date => x_oss_date,
    };
    let mut s = format!(
        "{}\n{}\n{}\n{}\n",
        method.to_ascii_uppercase(),
        get("content-md5"),
        get("content-type"),
        date
    );
    // The map iterates in byte order of the lowercased names, as §2.2 requires.
    for (name, value) in headers.iter().filter(|(n, _)| is_oss_header(n)) {
        s.push_str(name);
        s.push(':');
        s.push_str(value);
        s.push('\n');
    }
    s.push_str(&v1_canonicalized_resource(bucket, key, query));
    s
}

/// V1 signature: base64 of HMAC-SHA1 keyed with the AccessKeySecret (§2.1).
pub fn v1_signature(access_key_secret: &str, string_to_sign: &str) -> String {
    // HMAC takes keys of any length (RFC 2104 §2), so this constructor cannot fail.
    let mut mac = SimpleHmac::<Sha1>::new_from_slice(access_key_secret.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    crate::prim::b64::encode(&mac.finalize().into_bytes())
}

/// V1 Authorization value: `OSS <AccessKeyId>:<signature>`.
pub fn v1_authorization(access_key_id: &str, signature: &str) -> String {
    format!("OSS {access_key_id}:{signature}")
}

// ---------------------------------------------------------------------------------------------
// V4
// ---------------------------------------------------------------------------------------------

/// The AdditionalHeaders actually signed: lowercased, trimmed, sorted, de-duplicated; names that
/// are always signed (`x-oss-*`, `content-type`, `content-md5`) and names of headers that are
/// absent or empty are dropped, as go-v2 `getCommonAdditionalHeaders` does (§3.2). Use the same
/// list in the canonical request and in `Authorization`.
pub fn v4_additional_headers(headers: &Headers, additional_headers: &[String]) -> Vec<String> {
    let present = lowercase_headers(headers);
    let mut names: Vec<String> = additional_headers
        .iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| {
            !n.is_empty()
                && !is_oss_header(n)
                && n != "content-type"
                && n != "content-md5"
                && present.get(n).is_some_and(|v| !v.is_empty())
        })
        .collect();
    crate::sort::sort_by(&mut names, |a, b| a.cmp(b));
    names.dedup();
    names
}

/// V4 canonical query (§3.2): every parameter, names and values `UriEncode`d (`/` → `%2F`), sorted
/// by encoded name, `name` alone when the value is empty or absent.
pub fn v4_canonical_query(query: &Query) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| {
            (
                uri_encode(k),
                v.as_deref().map(uri_encode).unwrap_or_default(),
            )
        })
        .collect();
    crate::sort::sort_by(&mut pairs, |a, b| a.cmp(b));
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        // go-v2/py-v2/oss2 drop the `=` for empty values even when the wire says `uploads=` (§3.2).
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// V4 CanonicalURI: `UriEncode("/" + bucket + "/" + key)` keeping `/`, from the decoded key (§3.2).
pub fn v4_canonical_uri(bucket: &str, key: &str) -> String {
    if bucket.is_empty() {
        format!("/{}", uri_encode_path(key))
    } else {
        format!("/{}/{}", uri_encode_path(bucket), uri_encode_path(key))
    }
}

/// V4 CanonicalRequest (§3.2). `additional_headers` is normalised with [`v4_additional_headers`].
/// The HashedPayload line is the `x-oss-content-sha256` value (`UNSIGNED-PAYLOAD` when absent).
pub fn v4_canonical_request(
    method: &str,
    bucket: &str,
    key: &str,
    query: &Query,
    headers: &Headers,
    additional_headers: &[String],
) -> String {
    let additional = v4_additional_headers(headers, additional_headers);
    let lower = lowercase_headers(headers);
    let mut s = String::new();
    s.push_str(&method.to_ascii_uppercase());
    s.push('\n');
    s.push_str(&v4_canonical_uri(bucket, key));
    s.push('\n');
    s.push_str(&v4_canonical_query(query));
    s.push('\n');
    for (name, value) in lower.iter().filter(|(n, _)| {
        is_oss_header(n) || *n == "content-type" || *n == "content-md5" || additional.contains(*n)
    }) {
        s.push_str(name);
        s.push(':');
        s.push_str(value);
        s.push('\n');
    }
    // CanonicalHeaders ends with "\n", so a blank line separates it from AdditionalHeaders (§3.2).
    s.push('\n');
    s.push_str(&additional.join(";"));
    s.push('\n');
    s.push_str(
        lower
            .get("x-oss-content-sha256")
            .map(String::as_str)
            .unwrap_or(UNSIGNED_PAYLOAD),
    );
    s
}

/// V4 scope: `yyyymmdd/region/product/aliyun_v4_request` (§3.3).
pub fn v4_scope(yyyymmdd: &str, region: &str, product: &str) -> String {
    format!("{yyyymmdd}/{region}/{product}/aliyun_v4_request")
}

/// V4 StringToSign (§3.3). The scope date is the first 8 characters of `x_oss_date`.
pub fn v4_string_to_sign(
    x_oss_date: &str,
    region: &str,
    product: &str,
    canonical_request: &str,
) -> String {
    let date = x_oss_date.get(..8).unwrap_or(x_oss_date);
    format!(
        "{V4_ALGORITHM}\n{x_oss_date}\n{}\n{}",
        v4_scope(date, region, product),
        sha256_hex(canonical_request.as_bytes())
    )
}

/// V4 signing key: HMAC chain over `"aliyun_v4" + secret`, date, region, product,
/// `aliyun_v4_request` (§3.3).
pub fn v4_signing_key(
    access_key_secret: &str,
    yyyymmdd: &str,
    region: &str,
    product: &str,
) -> [u8; 32] {
    let k_secret = format!("aliyun_v4{access_key_secret}");
    let k_date = hmac_sha256(k_secret.as_bytes(), yyyymmdd.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_product = hmac_sha256(&k_region, product.as_bytes());
    hmac_sha256(&k_product, b"aliyun_v4_request")
}

/// V4 signature: lowercase hex HMAC-SHA256 of the StringToSign under the signing key (§3.3).
pub fn v4_signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    crate::prim::hex::encode(&hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// Lowercase hex SHA-256, e.g. of a canonical request (the last StringToSign line).
pub fn sha256_hex(data: &[u8]) -> String {
    crate::prim::hex::encode(&Sha256::digest(data))
}

/// V4 Authorization in the compact go-v2/ali-oss layout (§3.4):
/// `OSS4-HMAC-SHA256 Credential=AK/SCOPE[,AdditionalHeaders=a;b],Signature=hex`.
pub fn v4_authorization(
    access_key_id: &str,
    scope: &str,
    additional_headers: &[String],
    signature: &str,
) -> String {
    let mut s = format!("{V4_ALGORITHM} Credential={access_key_id}/{scope}");
    if !additional_headers.is_empty() {
        s.push_str(",AdditionalHeaders=");
        s.push_str(&additional_headers.join(";"));
    }
    s.push_str(",Signature=");
    s.push_str(signature);
    s
}

/// The fields of a received `Authorization` header, for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedAuthorization {
    V1 {
        access_key_id: String,
        signature: String,
    },
    V4 {
        access_key_id: String,
        /// `yyyymmdd` from the Credential scope.
        date: String,
        region: String,
        product: String,
        /// As listed, `;`-split, not yet normalised.
        additional_headers: Vec<String>,
        signature: String,
    },
}

/// Parses `OSS ak:sig` or `OSS4-HMAC-SHA256 Credential=…,Signature=…[,AdditionalHeaders=…]`.
/// Fields may be separated by `,` or `, ` and appear in any order: every official SDK layout is
/// accepted (§3.4). `None` when malformed, a mandatory field is missing, or a list element is empty
/// (EC 0002-00000210).
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    if let Some(rest) = value.strip_prefix("OSS4-HMAC-SHA256 ") {
        let mut credential = None;
        let mut signature = None;
        let mut additional = Vec::new();
        for field in rest.split(',') {
            let (name, val) = field.trim().split_once('=')?;
            match name {
                "Credential" => credential = Some(val),
                "Signature" => signature = Some(val.to_owned()),
                "AdditionalHeaders" => {
                    for h in val.split(';') {
                        if h.is_empty() {
                            return None;
                        }
                        additional.push(h.to_owned());
                    }
                }
                _ => return None,
            }
        }
        let mut parts = credential?.split('/');
        let access_key_id = parts.next()?.to_owned();
        let date = parts.next()?.to_owned();
        let region = parts.next()?.to_owned();
        let product = parts.next()?.to_owned();
        let terminator = parts.next()?;
        if parts.next().is_some()
            || terminator != "aliyun_v4_request"
            || access_key_id.is_empty()
            || date.len() != 8
            || !date.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let signature = signature.filter(|s| !s.is_empty())?;
        return Some(ParsedAuthorization::V4 {
            access_key_id,
            date,
            region,
            product,
            additional_headers: additional,
            signature,
        });
    }
    let rest = value.strip_prefix("OSS ")?;
    let (ak, sig) = rest.rsplit_once(':')?;
    if ak.is_empty() || sig.is_empty() {
        return None;
    }
    Some(ParsedAuthorization::V1 {
        access_key_id: ak.to_owned(),
        signature: sig.to_owned(),
    })
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
    for name in [
        "authorization",
        "date",
        "x-oss-date",
        "x-oss-content-sha256",
        "x-oss-security-token",
    ] {
        req.remove_header(name);
    }
    if let Some(token) = &creds.security_token {
        req.headers
            .push(("x-oss-security-token".to_owned(), token.clone()));
    }
    let method = req.method.as_str();
    let authorization = match version {
        SignatureVersion::V1 => {
            // Browsers cannot send Date; ali-oss puts the RFC 1123 date in x-oss-date, which the
            // server then uses for the DATE line (§2.4, vector browser-v1-x-oss-date).
            req.headers
                .push(("x-oss-date".to_owned(), format_rfc1123(now_ms)));
            let sts = v1_string_to_sign(method, &req.bucket, &req.key, &req.query, &req.headers);
            v1_authorization(
                &creds.access_key_id,
                &v1_signature(&creds.access_key_secret, &sts),
            )
        }
        SignatureVersion::V4 => {
            let x_oss_date = format_x_oss_date_v4(now_ms);
            let yyyymmdd = x_oss_date.get(..8).unwrap_or("").to_owned();
            req.headers
                .push(("x-oss-date".to_owned(), x_oss_date.clone()));
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
            let sts = v4_string_to_sign(&x_oss_date, region, V4_PRODUCT, &canonical);
            let key = v4_signing_key(&creds.access_key_secret, &yyyymmdd, region, V4_PRODUCT);
            v4_authorization(
                &creds.access_key_id,
                &v4_scope(&yyyymmdd, region, V4_PRODUCT),
                &additional,
                &v4_signature(&key, &sts),
            )
        }
    };
    req.headers
        .push(("authorization".to_owned(), authorization));
}

// ---------------------------------------------------------------------------------------------
// Debugging SignatureDoesNotMatch
// ---------------------------------------------------------------------------------------------

/// Explains how our StringToSign differs from the one OSS returns in a `SignatureDoesNotMatch`
/// body (§5.1): which part and line, what it means, ours vs the server's with invisible characters
/// escaped. Signed headers are matched by name, so a header signed on one side only is named as
/// such. Also works on two V4 canonical requests. The security token is never printed.
pub fn explain_string_to_sign_mismatch(ours: &str, servers: &str) -> String {
    if ours == servers {
        return "The string to sign is identical to the server's, so the request was canonicalised \
                correctly and the secret is what differs: the AccessKeySecret does not belong to \
                the AccessKeyId (e.g. STS credentials mixed from two fetches), or it was rotated. \
                Fetch fresh credentials."
            .to_owned();
    }
    if ours.replace("\r\n", "\n") == servers.replace("\r\n", "\n") {
        return "The strings differ only in line endings (CRLF vs LF): OSS signs LF-separated \
                lines; the server's copy was probably altered in transit or by a parser."
            .to_owned();
    }
    let a: Vec<&str> = ours.split('\n').collect();
    let b: Vec<&str> = servers.split('\n').collect();
    let mut out = String::new();
    if a.len() != b.len() {
        out.push_str(&format!(
            "Line count differs: ours has {}, the server's has {} (a header is signed on one side \
             only, e.g. one the browser dropped or added).\n",
            a.len(),
            b.len()
        ));
    }
    let kind = Kind::detect(&a);
    let (sections_a, sections_b) = match (kind.sections(&a), kind.sections(&b)) {
        (Some(x), Some(y)) if Kind::detect(&b) == kind => (x, y),
        _ => {
            // Not the same shape: compare line by line without interpretation.
            let whole = |l: &[&str]| vec![(Part::Lines, 0..l.len())];
            (whole(&a), whole(&b))
        }
    };
    let mut diffs = 0;
    for ((part, ra), (_, rb)) in sections_a.into_iter().zip(sections_b) {
        let pairs: Vec<(Option<usize>, Option<usize>)> = if part == Part::Headers {
            pair_by_header_name(&a, ra, &b, rb)
        } else {
            let (la, lb) = (ra.len(), rb.len());
            (0..la.max(lb))
                .map(|i| {
                    (
                        (i < la).then(|| ra.start + i),
                        (i < lb).then(|| rb.start + i),
                    )
                })
                .collect()
        };
        for (ia, ib) in pairs {
            let (la, lb) = (ia.map(|i| a[i]), ib.map(|i| b[i]));
            if la == lb {
                continue;
            }
            diffs += 1;
            if diffs > 8 {
                out.push_str("(more differences not shown)\n");
                return out.trim_end().to_owned();
            }
            let line_no = |i: Option<usize>| i.map(|i| (i + 1).to_string());
            let label = part.label(kind, ia.or(ib).unwrap_or(0));
            match (line_no(ia), line_no(ib)) {
                (Some(x), Some(y)) if x == y => {
                    out.push_str(&format!("Line {x} ({label}) differs"))
                }
                (Some(x), Some(y)) => out.push_str(&format!(
                    "Line {x} of ours / line {y} of the server's ({label}) differs"
                )),
                (Some(x), None) => out.push_str(&format!(
                    "Line {x} of ours ({label}) is missing on the server's side"
                )),
                (None, Some(y)) => out.push_str(&format!(
                    "Line {y} of the server's ({label}) is missing on our side"
                )),
                (None, None) => {}
            }
            if let (Some(x), Some(y)) = (la, lb) {
                if is_token_line(x) || is_token_line(y) {
                    out.push_str(" (security token values differ; not shown)");
                } else if let Some(col) = first_difference(x, y) {
                    out.push_str(&format!(" at character {}", col + 1));
                }
            }
            let show = |l: Option<&str>| l.map(show_line).unwrap_or_else(|| "(absent)".to_owned());
            out.push_str(&format!(
                ":\n  ours:     {}\n  server's: {}\n",
                show(la),
                show(lb)
            ));
            if let Some(hint) = part.hint(kind, ia.or(ib).unwrap_or(0)) {
                out.push_str("  hint: ");
                out.push_str(hint);
                out.push('\n');
            }
        }
    }
    out.trim_end().to_owned()
}

/// Pairs the header lines of two blocks by (lowercased) name, in sorted name order.
fn pair_by_header_name(
    a: &[&str],
    ra: std::ops::Range<usize>,
    b: &[&str],
    rb: std::ops::Range<usize>,
) -> Vec<(Option<usize>, Option<usize>)> {
    let name = |l: &str| l.split(':').next().unwrap_or("").to_ascii_lowercase();
    let mut by_name: VecMap<String, (Option<usize>, Option<usize>)> = VecMap::new();
    for i in ra {
        let n = name(a[i]);
        match by_name.get_mut(&n) {
            Some(slot) => slot.0 = Some(i),
            None => {
                by_name.insert(n, (Some(i), None));
            }
        }
    }
    for i in rb {
        let n = name(b[i]);
        match by_name.get_mut(&n) {
            Some(slot) => slot.1 = Some(i),
            None => {
                by_name.insert(n, (None, Some(i)));
            }
        }
    }
    by_name.into_iter().map(|(_, v)| v).collect()
}

/// What a string to compare is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    V1,
    V4StringToSign,
    V4CanonicalRequest,
}

/// A part of a string to sign; header blocks are compared by header name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Fixed single lines, labelled by line number.
    Lines,
    Headers,
    /// The final line(s) after the headers.
    Tail,
}

impl Kind {
    fn detect(lines: &[&str]) -> Kind {
        if lines.first() == Some(&V4_ALGORITHM) {
            Kind::V4StringToSign
        } else if lines.len() >= 6
            && lines.get(1).is_some_and(|l| l.starts_with('/'))
            && lines.last() == Some(&UNSIGNED_PAYLOAD)
        {
            Kind::V4CanonicalRequest
        } else {
            Kind::V1
        }
    }

    /// Splits the lines into parts (line ranges), or `None` when they lack the kind's shape.
    fn sections(self, l: &[&str]) -> Option<Vec<(Part, std::ops::Range<usize>)>> {
        let n = l.len();
        match self {
            Kind::V4StringToSign => Some(vec![(Part::Lines, 0..n)]),
            // VERB, MD5, type, DATE, headers…, resource.
            Kind::V1 if n >= 5 => Some(vec![
                (Part::Lines, 0..4),
                (Part::Headers, 4..n - 1),
                (Part::Tail, n - 1..n),
            ]),
            // method, URI, query, headers…, "" (end of headers), additional, payload.
            Kind::V4CanonicalRequest if n >= 6 && l[n - 3].is_empty() => Some(vec![
                (Part::Lines, 0..3),
                (Part::Headers, 3..n - 3),
                (Part::Tail, n - 2..n),
            ]),
            _ => None,
        }
    }
}

impl Part {
    /// Label of line `i` (index in its own string).
    fn label(self, kind: Kind, i: usize) -> &'static str {
        match (kind, self) {
            (Kind::V1, Part::Headers) => "CanonicalizedOSSHeaders",
            (Kind::V1, Part::Tail) => "CanonicalizedResource",
            (Kind::V4CanonicalRequest, Part::Headers) => "CanonicalHeaders",
            (Kind::V4CanonicalRequest, Part::Tail) => "AdditionalHeaders / HashedPayload",
            (Kind::V1, Part::Lines) => match i {
                0 => "VERB",
                1 => "Content-MD5",
                2 => "Content-Type",
                3 => "DATE: x-oss-date, else Date",
                _ => "line",
            },
            (Kind::V4StringToSign, _) => match i {
                0 => "algorithm",
                1 => "x-oss-date",
                2 => "scope: date/region/product/aliyun_v4_request",
                3 => "SHA-256 of the CanonicalRequest",
                _ => "line",
            },
            (Kind::V4CanonicalRequest, Part::Lines) => match i {
                0 => "HTTP method",
                1 => "CanonicalURI",
                2 => "CanonicalQueryString",
                _ => "line",
            },
        }
    }

    fn hint(self, kind: Kind, i: usize) -> Option<&'static str> {
        match (kind, self, i) {
            (Kind::V1, Part::Lines, 2) => Some(
                "a browser adds Content-Type to string bodies: set Content-Type explicitly and sign it",
            ),
            (Kind::V1, Part::Lines, 3) => Some(
                "the DATE line is x-oss-date when sent (else Date); browsers cannot send Date",
            ),
            (Kind::V1, Part::Headers, _) => Some(
                "every x-oss-* header sent is signed, lowercased and sorted: compare with what was sent",
            ),
            (Kind::V1, Part::Tail, _) => Some(
                "V1 signs the decoded key and only sub-resources (uploads, uploadId, partNumber, …)",
            ),
            (Kind::V4StringToSign, _, 1) => {
                Some("x-oss-date must be the header value sent, within 15 minutes of OSS's clock")
            }
            (Kind::V4StringToSign, _, 2) => Some(
                "the region must be the endpoint's region without the `oss-` prefix, e.g. cn-hangzhou",
            ),
            (Kind::V4StringToSign, _, 3) => Some(
                "the canonical requests differ: compare v4_canonical_request with the server's \
                 CanonicalRequest (if the error body has one) using this same function",
            ),
            (Kind::V4CanonicalRequest, Part::Lines, 1) => {
                Some("CanonicalURI is /bucket/key with the decoded key UriEncoded, `/` kept")
            }
            (Kind::V4CanonicalRequest, Part::Lines, 2) => Some(
                "every query parameter is signed, UriEncoded (`/` as %2F), sorted, `name` alone when empty",
            ),
            (Kind::V4CanonicalRequest, Part::Headers, _) => Some(
                "x-oss-*, content-type and content-md5 are always signed: compare with what was sent",
            ),
            (Kind::V4CanonicalRequest, Part::Tail, _) => Some(
                "AdditionalHeaders lists only headers actually sent; the payload must be UNSIGNED-PAYLOAD",
            ),
            _ => None,
        }
    }
}

/// Index (in characters) of the first difference (the shorter length when one is a prefix of the
/// other); `None` when equal.
fn first_difference(a: &str, b: &str) -> Option<usize> {
    let mut ai = a.chars();
    let mut bi = b.chars();
    let mut i = 0;
    loop {
        match (ai.next(), bi.next()) {
            (Some(x), Some(y)) if x == y => i += 1,
            (None, None) => return None,
            _ => return Some(i),
        }
    }
}

fn is_token_line(line: &str) -> bool {
    line.get(..21)
        .is_some_and(|p| p.eq_ignore_ascii_case("x-oss-security-token:"))
}

/// A line quoted with invisible characters escaped; a security-token value is replaced.
fn show_line(line: &str) -> String {
    if is_token_line(line) {
        return format!(
            "\"x-oss-security-token:<redacted, {} bytes>\"",
            line.len() - 21
        );
    }
    let mut s = String::with_capacity(line.len() + 2);
    s.push('"');
    for c in line.chars() {
        match c {
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if c.is_control()
                || (c != ' ' && c.is_whitespace())
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}') =>
            {
                s.push_str(&format!("\\u{{{:04X}}}", u32::from(c)))
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

// ---------------------------------------------------------------------------------------------
// Dates (proleptic Gregorian, UTC, by hand: no chrono, no clock)
// ---------------------------------------------------------------------------------------------

const MS_PER_DAY: i64 = 86_400_000;
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
    weekday: usize,
}

fn civil(unix_ms: i64) -> Civil {
    let days = unix_ms.div_euclid(MS_PER_DAY);
    let ms_of_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        millis: (ms_of_day % 1000) as u32,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

fn to_unix_ms(c: &Civil) -> Option<i64> {
    if !(1..=12).contains(&c.month)
        || c.day == 0
        || c.day > days_in_month(c.year, c.month)
        || c.hour > 23
        || c.minute > 59
        || c.second > 59
    {
        return None;
    }
    let secs = i64::from(c.hour) * 3600 + i64::from(c.minute) * 60 + i64::from(c.second);
    days_from_civil(c.year, c.month, c.day)
        .checked_mul(MS_PER_DAY)?
        .checked_add(secs * 1000 + i64::from(c.millis))
}

/// `x-oss-date` for V4: ISO 8601 basic, UTC, e.g. `20221228T102741Z` (§3.1).
pub fn format_x_oss_date_v4(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// RFC 1123 GMT date, e.g. `Wed, 28 Dec 2022 10:27:41 GMT` (day always 2 digits, §2.4).
pub fn format_rfc1123(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[c.weekday],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// ISO 8601 extended UTC with milliseconds, e.g. `2022-09-04T08:11:37.000Z` (OSS's own form).
pub fn format_iso8601(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

/// Parses a fixed-width run of ASCII digits.
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses ISO 8601 date-times as STS (`Expiration`: `2015-04-09T11:52:19Z`) and OSS
/// (`<ServerTime>`: `2022-09-04T08:11:37.000Z`) write them: `YYYY-MM-DDTHH:MM:SS[.fff…]` followed
/// by `Z` or `±HH:MM`. Fractions beyond milliseconds are truncated.
pub fn parse_iso8601_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_ascii() || s.len() < 20 {
        return None;
    }
    let b = s.as_bytes();
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let mut c = Civil {
        year: i64::from(digits(&s[0..4])?),
        month: digits(&s[5..7])?,
        day: digits(&s[8..10])?,
        hour: digits(&s[11..13])?,
        minute: digits(&s[14..16])?,
        second: digits(&s[17..19])?,
        millis: 0,
        weekday: 0,
    };
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let ms: String = frac[..n].chars().chain("00".chars()).take(3).collect();
        c.millis = digits(&ms)?;
        rest = &frac[n..];
    }
    let offset_ms: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let h = digits(&rest[1..3])?;
            let m = digits(&rest[4..6])?;
            if h > 23 || m > 59 {
                return None;
            }
            sign * (i64::from(h) * 3600 + i64::from(m) * 60) * 1000
        }
        _ => return None,
    };
    to_unix_ms(&c)?.checked_sub(offset_ms)
}

/// Parses an RFC 1123 GMT date (`Wed, 28 Dec 2022 10:27:41 GMT`). The weekday must be right.
pub fn parse_rfc1123_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (weekday, rest) = s.split_once(", ")?;
    let mut fields = rest.split(' ');
    let day = fields.next()?;
    let month = fields.next()?;
    let year = fields.next()?;
    let time = fields.next()?;
    if fields.next()? != "GMT" || fields.next().is_some() || day.len() != 2 || year.len() != 4 {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let mut t = time.split(':');
    let (hh, mm, ss) = (t.next()?, t.next()?, t.next()?);
    if t.next().is_some() || hh.len() != 2 || mm.len() != 2 || ss.len() != 2 {
        return None;
    }
    let c = Civil {
        year: i64::from(digits(year)?),
        month,
        day: digits(day)?,
        hour: digits(hh)?,
        minute: digits(mm)?,
        second: digits(ss)?,
        millis: 0,
        weekday: 0,
    };
    let ms = to_unix_ms(&c)?;
    (WEEKDAYS[civil(ms).weekday] == weekday).then_some(ms)
}

/// Parses a V4 `x-oss-date` (`20221228T102741Z`).
pub fn parse_x_oss_date_v4_ms(s: &str) -> Option<i64> {
    if s.len() != 16 || !s.is_ascii() || &s[8..9] != "T" || &s[15..] != "Z" {
        return None;
    }
    let c = Civil {
        year: i64::from(digits(&s[0..4])?),
        month: digits(&s[4..6])?,
        day: digits(&s[6..8])?,
        hour: digits(&s[9..11])?,
        minute: digits(&s[11..13])?,
        second: digits(&s[13..15])?,
        millis: 0,
        weekday: 0,
    };
    to_unix_ms(&c)
}
