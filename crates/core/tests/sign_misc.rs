//! Dates, region detection, credential redaction, re-signing and the SignatureDoesNotMatch
//! explainer.

use oss_resumable_core::request::{Body, Method, Request};
#[path = "support/sign_mismatch.rs"]
mod sign_mismatch;

use oss_resumable_core::sign::{
    format_iso8601, format_rfc1123, format_x_oss_date_v4, parse_iso8601_ms, parse_rfc1123_ms,
    parse_x_oss_date_v4_ms, sign_request, v1_string_to_sign, v4_canonical_request, Credentials,
    SignatureVersion,
};
use oss_resumable_core::url::region_from_endpoint;
use proptest::prelude::*;
use sign_mismatch::explain_string_to_sign_mismatch;

const VECTOR_MS: i64 = 1_672_223_261_000; // 2022-12-28T10:27:41Z, the vectors' clock

#[test]
fn dates_format_known_values() {
    assert_eq!(format_x_oss_date_v4(VECTOR_MS), "20221228T102741Z");
    assert_eq!(format_rfc1123(VECTOR_MS), "Wed, 28 Dec 2022 10:27:41 GMT");
    assert_eq!(format_x_oss_date_v4(VECTOR_MS + 999), "20221228T102741Z");
    assert_eq!(format_x_oss_date_v4(0), "19700101T000000Z");
    assert_eq!(format_rfc1123(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    // Before the epoch rounds down, not toward zero.
    assert_eq!(format_x_oss_date_v4(-1), "19691231T235959Z");
    assert_eq!(format_rfc1123(-1000), "Wed, 31 Dec 1969 23:59:59 GMT");
    assert_eq!(
        format_rfc1123(1_709_251_199_000),
        "Thu, 29 Feb 2024 23:59:59 GMT"
    );
    assert_eq!(
        format_rfc1123(951_868_800_000),
        "Wed, 01 Mar 2000 00:00:00 GMT"
    );
    assert_eq!(
        format_x_oss_date_v4(253_402_300_799_000),
        "99991231T235959Z"
    );
    assert_eq!(
        format_rfc1123(-62_135_596_800_000),
        "Mon, 01 Jan 0001 00:00:00 GMT"
    );
    // Single-digit days keep two digits (§2.4).
    assert_eq!(
        format_rfc1123(1_700_000_000_000 - 13 * 86_400_000),
        "Wed, 01 Nov 2023 22:13:20 GMT"
    );
    assert_eq!(
        format_iso8601(1_662_279_097_042),
        "2022-09-04T08:11:37.042Z"
    );
}

#[test]
fn dates_parse_known_values() {
    assert_eq!(
        parse_iso8601_ms("2015-04-09T11:52:19Z"),
        Some(1_428_580_339_000)
    );
    assert_eq!(
        parse_iso8601_ms("2022-09-04T08:11:37.000Z"),
        Some(1_662_279_097_000)
    );
    assert_eq!(
        parse_iso8601_ms("2022-09-04T08:11:37.5Z"),
        Some(1_662_279_097_500)
    );
    assert_eq!(
        parse_iso8601_ms("2022-09-04T08:11:37.123456Z"),
        Some(1_662_279_097_123)
    );
    assert_eq!(
        parse_iso8601_ms("2022-09-04T16:11:37+08:00"),
        Some(1_662_279_097_000)
    );
    assert_eq!(
        parse_iso8601_ms("2022-09-04T03:11:37-05:00"),
        Some(1_662_279_097_000)
    );
    assert_eq!(
        parse_iso8601_ms(" 2015-04-09T11:52:19Z\n"),
        Some(1_428_580_339_000)
    );
    assert_eq!(
        parse_rfc1123_ms("Wed, 28 Dec 2022 10:27:41 GMT"),
        Some(VECTOR_MS)
    );
    assert_eq!(parse_x_oss_date_v4_ms("20221228T102741Z"), Some(VECTOR_MS));
    assert_eq!(
        parse_x_oss_date_v4_ms("20231216T162057Z"),
        Some(1_702_743_657_000)
    );
    assert_eq!(
        parse_iso8601_ms("2024-02-29T00:00:00Z"),
        Some(1_709_164_800_000)
    );
}

#[test]
fn dates_reject_malformed_or_impossible_values() {
    for bad in [
        "",
        "2022-09-04T08:11:37",
        "2022-09-04 08:11:37Z",
        "2022-13-04T08:11:37Z",
        "2022-00-04T08:11:37Z",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2022-09-31T00:00:00Z",
        "2022-09-04T24:00:00Z",
        "2022-09-04T08:60:00Z",
        "2022-09-04T08:11:60Z",
        "2022-09-04T08:11:37.Z",
        "2022-09-04T08:11:37+0800",
        "2022-09-04T08:11:37+24:00",
        "2022-9-04T08:11:37Z",
        "+022-09-04T08:11:37Z",
        "2022-09-04T08:11:37ZZ",
        "２022-09-04T08:11:37Z",
    ] {
        assert_eq!(parse_iso8601_ms(bad), None, "{bad:?}");
    }
    for bad in [
        "Thu, 28 Dec 2022 10:27:41 GMT", // wrong weekday
        "Wed, 28 Dec 2022 10:27:41 UTC",
        "Wed, 28 Dec 2022 10:27:41",
        "Wed, 8 Dec 2022 10:27:41 GMT",
        "Wed, 28 dec 2022 10:27:41 GMT",
        "Wed 28 Dec 2022 10:27:41 GMT",
        "Wed, 28 Dec 2022 10:27 GMT",
        "Wed, 28 Dec 2022 10:27:41 GMT extra",
        "20221228T102741Z",
    ] {
        assert_eq!(parse_rfc1123_ms(bad), None, "{bad:?}");
    }
    for bad in [
        "20221228T102741",
        "20221228t102741Z",
        "2022-12-28T10:27:41Z",
        "20221328T102741Z",
        "20221228T102761Z",
        "2022122８T102741Z",
        "",
    ] {
        assert_eq!(parse_x_oss_date_v4_ms(bad), None, "{bad:?}");
    }
}

proptest! {
    #[test]
    fn dates_round_trip(ms in -62_135_596_800_000i64..253_402_300_799_999) {
        let whole = ms.div_euclid(1000) * 1000;
        prop_assert_eq!(parse_x_oss_date_v4_ms(&format_x_oss_date_v4(ms)), Some(whole));
        prop_assert_eq!(parse_rfc1123_ms(&format_rfc1123(ms)), Some(whole));
        prop_assert_eq!(parse_iso8601_ms(&format_iso8601(ms)), Some(ms));
    }
}

#[test]
fn region_comes_from_oss_endpoints_only() {
    let cases = [
        ("oss-cn-hangzhou.aliyuncs.com", Some("cn-hangzhou")),
        ("oss-cn-hangzhou-internal.aliyuncs.com", Some("cn-hangzhou")),
        (
            "examplebucket.oss-cn-hangzhou.aliyuncs.com",
            Some("cn-hangzhou"),
        ),
        (
            "https://oss-ap-southeast-1.aliyuncs.com",
            Some("ap-southeast-1"),
        ),
        ("https://OSS-US-WEST-1.aliyuncs.com:443/", Some("us-west-1")),
        ("cn-hangzhou.oss.aliyuncs.com", Some("cn-hangzhou")),
        ("oss-accelerate.aliyuncs.com", None),
        ("oss-accelerate-overseas.aliyuncs.com", None),
        ("127.0.0.1", None),
        ("http://127.0.0.1:9000", None),
        ("localhost", None),
        ("static.example.com", None),
        ("oss-cn-hangzhou.example.com", None),
        ("aliyuncs.com", None),
        ("", None),
    ];
    for (host, want) in cases {
        assert_eq!(region_from_endpoint(host).as_deref(), want, "{host}");
    }
}

#[test]
fn credentials_never_print_their_secrets() {
    let creds = Credentials::sts(
        "STS.NTestTemporaryAccessKeyId01",
        "TestTemporaryAccessKeySecret0123456789XY",
        "CAIS8gF1q6Ft5B2yfSjIr5bkKte+test/security/token==",
        Some("2022-12-28T11:27:41Z"),
    );
    assert_eq!(creds.expiration_ms, Some(VECTOR_MS + 3_600_000));
    let debug = format!("{creds:?}");
    let pretty = format!("{creds:#?}");
    let display = creds.to_string();
    for out in [&debug, &pretty, &display] {
        assert!(!out.contains("TestTemporaryAccessKeySecret"), "{out}");
        assert!(!out.contains("CAIS8gF1"), "{out}");
        assert!(out.contains("STS.NTestTemporaryAccessKeyId01"), "{out}");
        assert!(out.contains("<redacted>"), "{out}");
    }
    assert_eq!(
        display,
        "STS.NTestTemporaryAccessKeyId01 (secret <redacted>, security token <redacted>, expires \
         2022-12-28T11:27:41.000Z)"
    );
    assert_eq!(
        debug,
        "Credentials { access_key_id: \"STS.NTestTemporaryAccessKeyId01\", access_key_secret: \
         \"<redacted>\", security_token: Some(\"<redacted>\"), expiration_ms: Some(1672226861000) }"
    );
    assert!(creds.expires_within(VECTOR_MS, 3_600_000));
    assert!(!creds.expires_within(VECTOR_MS, 3_599_999));
    assert!(!Credentials::new("ak", "sk").expires_within(i64::MAX, i64::MAX));
}

#[test]
fn a_signed_request_debug_print_hides_token_and_authorization() {
    let creds = Credentials::sts("STS.id", "secret-value", "token-value", None);
    let mut req = part_request();
    sign_request(
        &mut req,
        &creds,
        SignatureVersion::V4,
        "cn-hangzhou",
        VECTOR_MS,
    );
    let auth = req.header("authorization").unwrap().to_owned();
    let debug = format!("{req:?}");
    assert!(!debug.contains("token-value"), "{debug}");
    assert!(!debug.contains(&auth), "{debug}");
    assert!(!debug.contains("secret-value"), "{debug}");
    assert!(debug.contains("x-oss-date"), "{debug}");
}

fn part_request() -> Request {
    Request {
        method: Method::Put,
        bucket: "examplebucket".into(),
        key: "exampledir/exampleobject.txt".into(),
        query: vec![
            ("partNumber".into(), Some("3".into())),
            (
                "uploadId".into(),
                Some("0004B9895DBBB6EC98E36FB3A9C8A1B2".into()),
            ),
        ],
        headers: vec![],
        body: Body::FileRange { start: 0, end: 1 },
    }
}

fn count(req: &Request, name: &str) -> usize {
    req.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .count()
}

#[test]
fn re_signing_replaces_headers_and_drops_a_stale_token() {
    let sts = Credentials::sts(
        "STS.NTestTemporaryAccessKeyId01",
        "TestTemporaryAccessKeySecret0123456789XY",
        "CAIS8gF1q6Ft5B2yfSjIr5bkKte+test/security/token==",
        None,
    );
    let mut req = part_request();
    // A caller-supplied Date (impossible in a browser) is removed, never signed.
    req.headers
        .push(("Date".into(), "Mon, 01 Jan 2001 00:00:00 GMT".into()));
    sign_request(
        &mut req,
        &sts,
        SignatureVersion::V4,
        "cn-hangzhou",
        VECTOR_MS - 60_000,
    );
    let first = req.header("authorization").unwrap().to_owned();
    sign_request(
        &mut req,
        &sts,
        SignatureVersion::V4,
        "cn-hangzhou",
        VECTOR_MS,
    );
    // The same request signed once at the vector clock equals vector upload-part-sts.
    assert_eq!(
        req.header("authorization"),
        Some(
            "OSS4-HMAC-SHA256 Credential=STS.NTestTemporaryAccessKeyId01/20221228/cn-hangzhou/oss/\
             aliyun_v4_request,Signature=299c24636e7eb24d5ebc9f48c89de7e2c7cf6240b2fca82e56d128426f84c4d2"
        )
    );
    assert_ne!(req.header("authorization"), Some(first.as_str()));
    for name in [
        "authorization",
        "x-oss-date",
        "x-oss-content-sha256",
        "x-oss-security-token",
    ] {
        assert_eq!(count(&req, name), 1, "{name} in {:?}", req.headers);
    }
    assert_eq!(count(&req, "date"), 0);
    assert_eq!(req.headers.len(), 4);

    // Re-signed with long-term credentials: no token left behind.
    sign_request(
        &mut req,
        &Credentials::new("ak", "sk"),
        SignatureVersion::V4,
        "cn-hangzhou",
        VECTOR_MS,
    );
    assert_eq!(count(&req, "x-oss-security-token"), 0);
    assert!(req
        .header("authorization")
        .unwrap()
        .contains("Credential=ak/20221228/"));

    // Switching to V1 leaves none of V4's own headers behind.
    sign_request(&mut req, &sts, SignatureVersion::V1, "", VECTOR_MS);
    assert_eq!(count(&req, "x-oss-content-sha256"), 0);
    assert_eq!(
        req.header("x-oss-date"),
        Some("Wed, 28 Dec 2022 10:27:41 GMT")
    );
    assert!(req
        .header("authorization")
        .unwrap()
        .starts_with("OSS STS.NTestTemporaryAccessKeyId01:"));
    assert_eq!(req.headers.len(), 3);
}

#[test]
fn canonical_forms_ignore_header_case_order_and_surrounding_spaces() {
    let a = vec![
        ("X-OSS-Meta-B".to_owned(), " 2 ".to_owned()),
        ("Content-Type".to_owned(), "text/plain".to_owned()),
        ("x-oss-meta-a".to_owned(), "1".to_owned()),
        ("User-Agent".to_owned(), "unsigned".to_owned()),
    ];
    let mut b = a.clone();
    b.reverse();
    b[0].1 = "2".into();
    let q = vec![("uploads".to_owned(), None)];
    let v4a = v4_canonical_request("POST", "bkt", "k", &q, &a, &[]);
    assert_eq!(v4a, v4_canonical_request("post", "bkt", "k", &q, &b, &[]));
    assert_eq!(
        v4a,
        "POST\n/bkt/k\nuploads\ncontent-type:text/plain\nx-oss-meta-a:1\nx-oss-meta-b:2\n\n\nUNSIGNED-PAYLOAD"
    );
    assert_eq!(
        v1_string_to_sign("POST", "bkt", "k", &q, &a),
        "POST\n\ntext/plain\n\nx-oss-meta-a:1\nx-oss-meta-b:2\n/bkt/k?uploads"
    );
}

#[test]
fn v1_resource_signs_only_sub_resources_and_x_oss_query_keys() {
    let q = vec![
        ("uploadId".to_owned(), Some("ID".to_owned())),
        ("max-parts".to_owned(), Some("100".to_owned())),
        (
            "x-oss-process".to_owned(),
            Some("image/resize,w_10".to_owned()),
        ),
        ("acl".to_owned(), Some(String::new())),
        ("partNumber".to_owned(), Some("2".to_owned())),
    ];
    assert_eq!(
        oss_resumable_core::sign::v1_canonicalized_resource("b", "k", &q),
        "/b/k?acl&partNumber=2&uploadId=ID&x-oss-process=image/resize,w_10"
    );
    assert_eq!(
        oss_resumable_core::sign::v1_canonicalized_resource("", "", &[]),
        "/"
    );
    assert_eq!(
        oss_resumable_core::sign::v1_canonicalized_resource("b", "", &[]),
        "/b/"
    );
}

#[test]
fn explainer_reports_identical_strings_as_a_secret_problem() {
    let s = "PUT\n\n\nWed, 28 Dec 2022 10:27:41 GMT\n/b/k";
    let out = explain_string_to_sign_mismatch(s, s);
    assert!(out.contains("identical"), "{out}");
    assert!(out.contains("AccessKeySecret"), "{out}");
}

#[test]
fn explainer_names_the_v1_line_and_shows_both_values() {
    let ours = "PUT\n\n\nWed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/k?partNumber=1&uploadId=X";
    let servers =
        "PUT\n\ntext/plain;charset=UTF-8\nWed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/k?partNumber=1&uploadId=X";
    let out = explain_string_to_sign_mismatch(ours, servers);
    assert_eq!(
        out.lines().take(3).collect::<Vec<_>>(),
        vec![
            "Line 3 (Content-Type) differs at character 1:",
            "  ours:     \"\"",
            "  server's: \"text/plain;charset=UTF-8\"",
        ],
        "{out}"
    );
    assert!(out.contains("hint: a browser adds Content-Type"), "{out}");
    assert_eq!(out.matches("differs").count(), 1, "{out}");
}

#[test]
fn explainer_escapes_invisible_characters_and_counts_lines() {
    let ours = "PUT\n\n\nD\nx-oss-meta-a:b\n/b/k";
    let servers = "PUT\n\n\nD\nx-oss-meta-a:b\u{a0}\t\r\n/b/k";
    let out = explain_string_to_sign_mismatch(ours, servers);
    assert!(
        out.contains("Line 5 (CanonicalizedOSSHeaders) differs at character 15"),
        "{out}"
    );
    assert!(
        out.contains(r#"server's: "x-oss-meta-a:b\u{00A0}\t\r""#),
        "{out}"
    );

    let out = explain_string_to_sign_mismatch("GET\n\n\nD\n/b/k", "GET\n\n\nD\nx-oss-date:D\n/b/k");
    assert!(
        out.starts_with("Line count differs: ours has 5, the server's has 6"),
        "{out}"
    );
    assert!(
        out.contains(
            "Line 5 of the server's (CanonicalizedOSSHeaders) is missing on our side:\n  \
             ours:     (absent)\n  server's: \"x-oss-date:D\""
        ),
        "{out}"
    );
    // The resource lines are equal (at different line numbers), so they are not reported.
    assert!(!out.contains("CanonicalizedResource"), "{out}");

    let out = explain_string_to_sign_mismatch("GET\n\n\nD\n/b/k", "GET\r\n\r\n\r\nD\r\n/b/k");
    assert!(out.contains("line endings"), "{out}");
}

#[test]
fn explainer_never_prints_the_security_token() {
    let ours = "PUT\n\n\nD\nx-oss-security-token:CAISourtokenAAAA\n/b/k";
    let servers = "PUT\n\n\nD\nx-oss-security-token:CAIStheirtokenBB\n/b/k";
    let out = explain_string_to_sign_mismatch(ours, servers);
    assert!(!out.contains("CAIS"), "{out}");
    assert!(
        out.contains(
            "Line 5 (CanonicalizedOSSHeaders) differs (security token values differ; not shown)"
        ),
        "{out}"
    );
    assert!(
        out.contains("x-oss-security-token:<redacted, 16 bytes>"),
        "{out}"
    );
}

#[test]
fn explainer_understands_v4_strings_and_canonical_requests() {
    let ours =
        "OSS4-HMAC-SHA256\n20221228T102741Z\n20221228/oss-cn-hangzhou/oss/aliyun_v4_request\nabc";
    let servers =
        "OSS4-HMAC-SHA256\n20221228T102741Z\n20221228/cn-hangzhou/oss/aliyun_v4_request\ndef";
    let out = explain_string_to_sign_mismatch(ours, servers);
    assert!(
        out.contains(
            "Line 3 (scope: date/region/product/aliyun_v4_request) differs at character 10"
        ),
        "{out}"
    );
    assert!(out.contains("without the `oss-` prefix"), "{out}");
    assert!(
        out.contains("Line 4 (SHA-256 of the CanonicalRequest) differs"),
        "{out}"
    );

    let ours = "PUT\n/b/a%20b\n\nx-oss-date:D\n\n\nUNSIGNED-PAYLOAD";
    let servers = "PUT\n/b/a+b\n\nx-oss-date:D\n\n\nUNSIGNED-PAYLOAD";
    let out = explain_string_to_sign_mismatch(ours, servers);
    assert!(
        out.starts_with("Line 2 (CanonicalURI) differs at character 5"),
        "{out}"
    );

    // A header signed by the server only, found by name although every later line shifts.
    let ours = "PUT\n/b/k\n\nx-oss-date:D\nx-oss-meta-z:1\n\n\nUNSIGNED-PAYLOAD";
    let servers =
        "PUT\n/b/k\n\ncontent-type:text/plain\nx-oss-date:D\nx-oss-meta-z:1\n\n\nUNSIGNED-PAYLOAD";
    let out = explain_string_to_sign_mismatch(ours, servers);
    assert_eq!(
        out.matches("differs").count() + out.matches("missing").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("Line 4 of the server's (CanonicalHeaders) is missing on our side"),
        "{out}"
    );
}

fn header_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    // Distinct names (a repeated header is a caller error, §2.2), mixed case, some unsigned.
    proptest::collection::btree_map(
        "(x-oss-meta-[a-z0-9]{1,6}|content-type|content-md5|x-oss-[a-z]{1,6}|cache-control)",
        "[ -~]{0,12}",
        0..6,
    )
    .prop_map(|m| {
        m.into_iter()
            .enumerate()
            .map(|(i, (k, v))| {
                (
                    if i % 2 == 0 {
                        k.to_ascii_uppercase()
                    } else {
                        k
                    },
                    v,
                )
            })
            .collect()
    })
}

fn query_strategy() -> impl Strategy<Value = Vec<(String, Option<String>)>> {
    proptest::collection::btree_map(
        "(uploadId|partNumber|uploads|max-parts|prefix|[a-z+|/ ]{1,5})",
        proptest::option::of("[ -~]{0,8}"),
        0..6,
    )
    .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #[test]
    fn signing_strings_do_not_depend_on_query_or_header_order(
        (query, shuffled_query) in query_strategy().prop_flat_map(|q| (Just(q.clone()), Just(q).prop_shuffle())),
        (headers, shuffled_headers) in header_strategy().prop_flat_map(|h| (Just(h.clone()), Just(h).prop_shuffle())),
        key in "[^\r\n]{1,20}",
    ) {
        prop_assert_eq!(
            v4_canonical_request("PUT", "bkt", &key, &query, &headers, &[]),
            v4_canonical_request("PUT", "bkt", &key, &shuffled_query, &shuffled_headers, &[])
        );
        prop_assert_eq!(
            v1_string_to_sign("PUT", "bkt", &key, &query, &headers),
            v1_string_to_sign("PUT", "bkt", &key, &shuffled_query, &shuffled_headers)
        );
    }

    #[test]
    fn url_paths_decode_back_to_the_key(key in "[^\r\n/\\\\][^\r\n]{0,40}") {
        let req = oss_resumable_core::request::head_object("bkt", &key).unwrap();
        let dev = oss_resumable_core::request::Endpoint::parse("http://127.0.0.1:9000", true).unwrap();
        let url = dev.url(&req);
        let path = url.strip_prefix("http://127.0.0.1:9000/bkt/").unwrap();
        prop_assert!(path.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)), "{}", path);
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8().unwrap();
        prop_assert_eq!(decoded, key.as_str());
    }
}
