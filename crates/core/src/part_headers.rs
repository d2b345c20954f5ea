//! Headers sent, and signed, on every request that carries file bytes: each UploadPart, or the one
//! PutObject of a small file (docs/protocol.md §10.3). Only an allow-list is accepted, since any
//! other header on a part is either ignored by OSS or belongs on Initiate:
//! - `x-oss-traffic-limit`: bandwidth cap of the request in bit/s, 819200 (100 KiB/s) to
//!   838860800 (100 MiB/s); OSS answers 400 InvalidArgument outside that range;
//! - `x-oss-request-payer`: `requester`, for a bucket with pay-by-requester enabled.

/// The lowest `x-oss-traffic-limit`, bit/s (§10.3).
pub const TRAFFIC_LIMIT_MIN: u64 = 819_200;
/// The highest `x-oss-traffic-limit`, bit/s (§10.3).
pub const TRAFFIC_LIMIT_MAX: u64 = 838_860_800;
/// The headers `partHeaders` may hold, lowercase.
pub const ALLOWED: [&str; 2] = ["x-oss-traffic-limit", "x-oss-request-payer"];

/// Why `partHeaders` or `trafficLimit` is refused; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PartHeaderError(pub String);

/// The part headers of `headers` plus the `trafficLimit` shortcut, checked: names from
/// [`ALLOWED`] (any case, sent lowercase), each once, values OSS accepts.
pub fn part_headers(
    headers: &[(String, String)],
    traffic_limit: Option<u64>,
) -> Result<Vec<(String, String)>, PartHeaderError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if !ALLOWED.contains(&lower.as_str()) {
            return Err(PartHeaderError(format!(
                "partHeaders: {name:?} is not sent on parts; only x-oss-traffic-limit and \
                 x-oss-request-payer are (object headers go in `headers`)"
            )));
        }
        if out.iter().any(|(n, _)| *n == lower) {
            return Err(PartHeaderError(format!(
                "partHeaders: {name:?} is given more than once (names are case-insensitive)"
            )));
        }
        out.push((lower, value.clone()));
    }
    if let Some(limit) = traffic_limit {
        if out.iter().any(|(n, _)| n == ALLOWED[0]) {
            return Err(PartHeaderError(
                "trafficLimit and partHeaders[\"x-oss-traffic-limit\"] are both given: give one"
                    .to_owned(),
            ));
        }
        out.push((ALLOWED[0].to_owned(), limit.to_string()));
    }
    for (name, value) in &out {
        match name.as_str() {
            "x-oss-traffic-limit" => check_traffic_limit(value)?,
            _ if !value.eq_ignore_ascii_case("requester") => {
                return Err(PartHeaderError(format!(
                    "partHeaders: x-oss-request-payer must be \"requester\", not {value:?}"
                )))
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A traffic limit OSS accepts: a decimal number of bit/s within the documented range.
fn check_traffic_limit(value: &str) -> Result<(), PartHeaderError> {
    let n = value
        .parse::<u64>()
        .ok()
        .filter(|n| (TRAFFIC_LIMIT_MIN..=TRAFFIC_LIMIT_MAX).contains(n));
    match n {
        Some(_) => Ok(()),
        None => Err(PartHeaderError(format!(
            "trafficLimit must be a whole number of bits per second from {TRAFFIC_LIMIT_MIN} \
             (100 KiB/s) to {TRAFFIC_LIMIT_MAX} (100 MiB/s), as OSS requires; got {value:?}"
        ))),
    }
}
