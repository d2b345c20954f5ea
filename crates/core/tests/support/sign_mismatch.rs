//! Explains a `SignatureDoesNotMatch` (docs/protocol.md §5.1): how our StringToSign (or V4
//! CanonicalRequest) differs from the one OSS returns in the error body. A debugging aid for
//! whoever changes the signing code, so it lives with the tests (`sign_misc.rs` pins what it
//! says) and ships in no package. To use it on a real mismatch, call it from a test with our
//! string and the server's `<StringToSign>` / `<CanonicalRequest>`.

use oss_resumable_core::sign::{UNSIGNED_PAYLOAD, V4_ALGORITHM};
use oss_resumable_core::vecmap::VecMap;

/// Explains how our StringToSign differs from the one OSS returns in a `SignatureDoesNotMatch`
/// body (§5.1): which part and line, what it means, ours vs the server's with invisible characters
/// escaped. Signed headers are matched by name, so a header signed on one side only is named as
/// such. Also works on two V4 canonical requests. The security token is never printed.
pub(crate) fn explain_string_to_sign_mismatch(ours: &str, servers: &str) -> String {
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
