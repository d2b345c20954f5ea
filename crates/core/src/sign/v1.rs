//! V1 signing (docs/protocol.md §2): the StringToSign of a request (§2.1), its
//! CanonicalizedOSSHeaders (§2.2) and CanonicalizedResource (§2.3), and the HMAC-SHA1 signature.
//! Unavailable to new accounts since 2025-03-01 (§3.6), kept for the accounts that still use it.

use hmac::{Mac, SimpleHmac};
use sha1::Sha1;

use super::{is_oss_header, lowercase_headers, Headers, Query};

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
    // `SimpleHmac`: see `v4::hmac_sha256`. HMAC takes keys of any length (RFC 2104 §2), so this
    // constructor cannot fail.
    let mut mac = SimpleHmac::<Sha1>::new_from_slice(access_key_secret.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    crate::prim::b64::encode(&mac.finalize().into_bytes())
}

/// V1 Authorization value: `OSS <AccessKeyId>:<signature>`.
pub fn v1_authorization(access_key_id: &str, signature: &str) -> String {
    format!("OSS {access_key_id}:{signature}")
}
