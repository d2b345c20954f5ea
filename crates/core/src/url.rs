//! The URL of an OSS request (docs/protocol.md §1): how object keys and query parameters are
//! percent-encoded, which is also V4's `UriEncode` (§3.2) and the `encoding-type=url` of listings,
//! and which region a regional endpoint host names. The request builders (`request.rs`), the
//! signers (`sign/`) and the XML bodies (`xml.rs`) share it; it depends on none of them.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// `A-Z a-z 0-9 - _ . ~` stay literal, every other byte becomes `%XX` (uppercase hex): RFC 3986
/// unreserved, the V4 `UriEncode` of §3.2 and the query encoding of §1.
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// [`URI_ENCODE`] keeping `/` literal: object paths (§1, §3.2 CanonicalURI).
const URI_ENCODE_PATH: &AsciiSet = &URI_ENCODE.remove(b'/');

/// `UriEncode` of §3.2: unreserved literal, everything else `%XX`; `/` too (query use).
pub fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, URI_ENCODE).to_string()
}

/// `UriEncode` keeping `/` literal (paths).
pub fn uri_encode_path(s: &str) -> String {
    utf8_percent_encode(s, URI_ENCODE_PATH).to_string()
}

/// The V4 signing region of an OSS endpoint host: `oss-cn-hangzhou.aliyuncs.com`,
/// `bucket.oss-cn-hangzhou-internal.aliyuncs.com`, `https://oss-cn-hangzhou.aliyuncs.com:443` →
/// `cn-hangzhou` (ali-oss `getStandardRegion` strips `oss-`, §1). `None` for hosts that are not
/// regional OSS endpoints (IPs, custom domains, the global acceleration endpoints).
pub fn region_from_endpoint(host: &str) -> Option<String> {
    let host = host
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = host.split(['/', '?', '#']).next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    if n < 3 || labels[n - 2] != "aliyuncs" || labels[n - 1] != "com" {
        return None;
    }
    let regional = &labels[..n - 2];
    // Dual-stack form `cn-hangzhou.oss.aliyuncs.com`: the label before `oss` is the region.
    if regional.last() == Some(&"oss") && regional.len() >= 2 {
        return valid_region(regional[regional.len() - 2]);
    }
    let label = regional.iter().rev().find(|l| l.starts_with("oss-"))?;
    let region = label.trim_start_matches("oss-");
    // `-internal` is the VPC endpoint of the same region (ali-oss/ go-v2 do the same strip).
    let region = region.strip_suffix("-internal").unwrap_or(region);
    valid_region(region)
}

fn valid_region(region: &str) -> Option<String> {
    // Global acceleration and CloudBox hosts have no region of their own (§3.3).
    let not_regions = [
        "accelerate",
        "accelerate-overseas",
        "cloudbox",
        "accesspoint",
    ];
    if region.is_empty()
        || not_regions.contains(&region)
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return None;
    }
    Some(region.to_owned())
}
