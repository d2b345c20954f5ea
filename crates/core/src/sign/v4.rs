//! V4 signing (docs/protocol.md §3): the CanonicalRequest (§3.2), the StringToSign and the
//! HMAC-SHA256 signing key chain (§3.3), and the compact `Authorization` layout (§3.4).

use hmac::{Mac, SimpleHmac};
use sha2::{Digest, Sha256};

use super::{is_oss_header, lowercase_headers, Headers, Query};
use crate::url::{uri_encode, uri_encode_path};

/// The V4 algorithm name, first line of the V4 StringToSign and prefix of its Authorization.
pub const V4_ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// The product in the V4 scope for ordinary buckets (CloudBox uses `oss-cloudbox`, §3.3).
pub const V4_PRODUCT: &str = "oss";
/// The only payload hash a header-signed OSS request may carry (§3.1, EC 0002-00000214).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

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
