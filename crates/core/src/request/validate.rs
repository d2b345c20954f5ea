//! The checks every builder makes before a request exists: key and bucket names (§1), upload
//! ids and part numbers (§4.2), byte ranges, and which caller headers a browser may send and OSS
//! accepts (§7.3, §2.2).

use super::{Body, RequestError, MAX_KEY_BYTES, MAX_PART_NUMBER, MAX_PART_SIZE};

/// OSS object key rules (§1): 1–1023 UTF-8 bytes, no leading `/` or `\`, no CR or LF.
pub fn validate_key(key: &str) -> Result<(), RequestError> {
    if key.is_empty() {
        return Err(RequestError::EmptyKey);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(RequestError::KeyTooLong { len: key.len() });
    }
    if key.starts_with(['/', '\\']) {
        return Err(RequestError::KeyStartsWithSlash);
    }
    if key.contains(['\r', '\n']) {
        return Err(RequestError::KeyContainsLineBreak);
    }
    Ok(())
}

/// OSS bucket naming rules: 3–63 characters of `a-z 0-9 -`, starting and ending with a letter or
/// digit. Checked because the bucket becomes part of the host name.
pub fn validate_bucket(bucket: &str) -> Result<(), RequestError> {
    let err = |reason| RequestError::InvalidBucketName {
        bucket: bucket.to_owned(),
        reason,
    };
    if !(3..=63).contains(&bucket.len()) {
        return Err(err("wrong length"));
    }
    if !bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(err("invalid character"));
    }
    if bucket.starts_with('-') || bucket.ends_with('-') {
        return Err(err("starts or ends with '-'"));
    }
    Ok(())
}

pub(super) fn validate_upload_id(upload_id: &str) -> Result<(), RequestError> {
    // OSS upload ids are hex strings; anything outside URL-safe printable ASCII is a caller bug.
    if upload_id.is_empty()
        || upload_id.len() > 256
        || !upload_id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(RequestError::InvalidUploadId(upload_id.to_owned()));
    }
    Ok(())
}

pub(super) fn validate_part_number(part_number: u32) -> Result<(), RequestError> {
    if !(1..=MAX_PART_NUMBER).contains(&part_number) {
        return Err(RequestError::InvalidPartNumber(part_number));
    }
    Ok(())
}

pub(super) fn file_range(start: u64, end: u64) -> Result<Body, RequestError> {
    if start > end {
        return Err(RequestError::InvalidRange { start, end });
    }
    if end - start > MAX_PART_SIZE {
        return Err(RequestError::BodyTooLarge { size: end - start });
    }
    Ok(Body::FileRange { start, end })
}

/// Printable ASCII without surrounding whitespace: header values must be ByteStrings in a browser
/// (§7.3), and SDKs disagree on trimming, so whitespace at either end would break V1 (§2.2).
pub(super) fn header_value_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("it is empty")
    } else if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Some("only printable ASCII is allowed (no line breaks, control or non-ASCII characters)")
    } else if value.starts_with(' ') || value.ends_with(' ') {
        Some("it starts or ends with a space, which SDKs treat differently when signing")
    } else {
        None
    }
}

/// RFC 9110 token characters.
pub(super) fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Why a caller-supplied header is refused, if it is.
pub(super) fn forbidden_header_reason(lower: &str) -> Option<&'static str> {
    const BROWSER_FORBIDDEN: &[&str] = &[
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    match lower {
        _ if BROWSER_FORBIDDEN.contains(&lower)
            || lower.starts_with("proxy-")
            || lower.starts_with("sec-") =>
        {
            // Fetch's forbidden request headers: the browser drops them, so they could never be
            // signed reliably (§7.3).
            Some("browsers forbid setting it (the browser supplies it itself)")
        }
        "user-agent" => Some("browsers ignore it; send x-oss-user-agent instead"),
        "authorization" | "x-oss-date" | "x-oss-content-sha256" | "x-oss-security-token" => {
            Some("the signer sets it; setting it yourself would break the signature")
        }
        "content-type" => Some("use the contentType option"),
        "content-md5" => {
            Some("it must match each request's body; the uploader cannot apply one value to all")
        }
        "x-oss-forbid-overwrite" => Some("use the forbidOverwrite option"),
        "x-oss-complete-all" => Some("the uploader always completes with an explicit part list"),
        // As a header it would reach Initiate or PutObject only, so a multipart upload would
        // never call back (§10.1).
        "x-oss-callback" | "x-oss-callback-var" => Some(
            "use the callback option, which goes on CompleteMultipartUpload and PutObject alike",
        ),
        // A per-request limit: on Initiate it limits nothing (§10.3).
        "x-oss-traffic-limit" => Some("use the trafficLimit or partHeaders option"),
        _ if lower.starts_with("x-oss-meta-") => Some("use the meta option"),
        _ => None,
    }
}
