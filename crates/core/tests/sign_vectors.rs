//! Every signature vector of `fixtures/oss-sign-vectors.json` (computed by oss2 and cross-checked
//! with alibabacloud-oss-v2 and ali-oss), through the pure canonicalisation functions and through
//! `sign_request`, plus the go-v2 upstream vectors.

use std::collections::BTreeMap;

use oss_resumable_core::request::{Body, Method, Request};
use oss_resumable_core::sign::{
    parse_authorization, parse_rfc1123_ms, parse_x_oss_date_v4_ms, sha256_hex, sign_request,
    sign_request_with_additional_headers, v1_canonicalized_resource, v1_signature,
    v1_string_to_sign, v4_authorization, v4_canonical_request, v4_scope, v4_signature,
    v4_signing_key, v4_string_to_sign, Credentials, ParsedAuthorization, SignatureVersion,
};
use serde_json::Value;

fn fixture() -> Value {
    let text = include_str!("fixtures/oss-sign-vectors.json");
    serde_json::from_str(text).expect("vector file is JSON")
}

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

fn query_of(v: &Value) -> Vec<(String, Option<String>)> {
    match v {
        Value::Array(pairs) => pairs
            .iter()
            .map(|p| (s(&p[0]).to_owned(), p[1].as_str().map(str::to_owned)))
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), Some(s(v).to_owned())))
            .collect(),
        other => panic!("unexpected query {other}"),
    }
}

fn headers_of(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .expect("headers object")
        .iter()
        .map(|(k, v)| (k.clone(), s(v).to_owned()))
        .collect()
}

fn lower_map(headers: &[(String, String)]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in headers {
        let previous = map.insert(k.to_ascii_lowercase(), v.clone());
        assert!(
            previous.is_none(),
            "header {k} appears twice in {headers:?}"
        );
    }
    map
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| s(x).to_owned()).collect())
        .unwrap_or_default()
}

fn method_of(m: &str) -> Method {
    match m {
        "GET" => Method::Get,
        "PUT" => Method::Put,
        "POST" => Method::Post,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        other => panic!("unexpected method {other}"),
    }
}

fn creds_of(v: &Value) -> Credentials {
    Credentials {
        access_key_id: s(&v["access_key_id"]).to_owned(),
        access_key_secret: s(&v["access_key_secret"]).to_owned(),
        security_token: v["security_token"].as_str().map(str::to_owned),
        expiration_ms: None,
        signer: false,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_fixture_has_thirteen_signature_vectors() {
    let f = fixture();
    let vectors = f["signature_vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 13);
    assert_eq!(vectors.iter().filter(|v| !v["v1"].is_null()).count(), 12);
    assert_eq!(vectors.iter().filter(|v| !v["v4"].is_null()).count(), 12);
}

#[test]
fn v1_string_to_sign_resource_and_authorization_match_every_vector() {
    let f = fixture();
    let mut checked = 0;
    for v in f["signature_vectors"].as_array().unwrap() {
        let id = s(&v["id"]);
        let Some(v1) = v.get("v1").filter(|x| !x.is_null()) else {
            continue;
        };
        let inp = &v["inputs"];
        let query = query_of(&inp["query"]);
        let headers = headers_of(&v1["headers_to_send"]);
        let (bucket, key) = (s(&inp["bucket"]), s(&inp["key"]));
        assert_eq!(
            v1_canonicalized_resource(bucket, key, &query),
            s(&v1["canonicalized_resource"]),
            "{id}: canonicalized resource"
        );
        let sts = v1_string_to_sign(s(&inp["method"]), bucket, key, &query, &headers);
        assert_eq!(sts, s(&v1["string_to_sign"]), "{id}: string to sign");
        let creds = creds_of(&inp["credentials"]);
        let sig = v1_signature(&creds.access_key_secret, &sts);
        assert_eq!(sig, s(&v1["signature"]), "{id}: signature");
        assert_eq!(
            format!("OSS {}:{sig}", creds.access_key_id),
            s(&v1["authorization"]),
            "{id}: authorization"
        );
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn v4_canonical_request_through_signature_match_every_vector() {
    let f = fixture();
    let mut checked = 0;
    for v in f["signature_vectors"].as_array().unwrap() {
        let id = s(&v["id"]);
        let Some(v4) = v.get("v4").filter(|x| !x.is_null()) else {
            continue;
        };
        let inp = &v["inputs"];
        let query = query_of(&inp["query"]);
        let headers = headers_of(&v4["headers_to_send"]);
        let additional = strings(&v4["additional_headers"]);
        let canonical = v4_canonical_request(
            s(&inp["method"]),
            s(&inp["bucket"]),
            s(&inp["key"]),
            &query,
            &headers,
            &additional,
        );
        assert_eq!(
            canonical,
            s(&v4["canonical_request"]),
            "{id}: canonical request"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            s(&v4["canonical_request_sha256"]),
            "{id}: canonical request sha256"
        );
        let (date, region, product) = (s(&v4["x_oss_date"]), s(&v4["region"]), s(&v4["product"]));
        let sts = v4_string_to_sign(date, region, product, &canonical);
        assert_eq!(sts, s(&v4["string_to_sign"]), "{id}: string to sign");
        assert_eq!(
            v4_scope(&date[..8], region, product),
            s(&v4["scope"]),
            "{id}: scope"
        );
        let creds = creds_of(&inp["credentials"]);
        let key = v4_signing_key(&creds.access_key_secret, &date[..8], region, product);
        assert_eq!(hex(&key), s(&v4["signing_key_hex"]), "{id}: signing key");
        let sig = v4_signature(&key, &sts);
        assert_eq!(sig, s(&v4["signature"]), "{id}: signature");
        assert_eq!(
            v4_authorization(&creds.access_key_id, s(&v4["scope"]), &additional, &sig),
            s(&v4["authorization_compact"]),
            "{id}: compact authorization"
        );
        checked += 1;
    }
    assert_eq!(checked, 12);
}

/// Builds the vector's request (client headers only) and signs it with the vector's clock.
fn signed_vector_request(v: &Value, version: SignatureVersion, additional: &[String]) -> Request {
    let inp = &v["inputs"];
    let mut req = Request {
        method: method_of(s(&inp["method"])),
        bucket: s(&inp["bucket"]).to_owned(),
        key: s(&inp["key"]).to_owned(),
        query: query_of(&inp["query"]),
        headers: headers_of(&inp["client_headers"]),
        body: Body::Empty,
    };
    let now_ms = parse_x_oss_date_v4_ms(s(&inp["v4_datetime"])).unwrap();
    sign_request_with_additional_headers(
        &mut req,
        &creds_of(&inp["credentials"]),
        version,
        s(&inp["region"]),
        now_ms,
        additional,
    );
    req
}

#[test]
fn sign_request_v4_sends_exactly_the_vectors_headers() {
    let f = fixture();
    let mut checked = 0;
    for v in f["signature_vectors"].as_array().unwrap() {
        let id = s(&v["id"]);
        let Some(v4) = v.get("v4").filter(|x| !x.is_null()) else {
            continue;
        };
        let req =
            signed_vector_request(v, SignatureVersion::V4, &strings(&v4["additional_headers"]));
        let mut expected = lower_map(&headers_of(&v4["headers_to_send"]));
        expected.insert(
            "authorization".into(),
            s(&v4["authorization_compact"]).to_owned(),
        );
        assert_eq!(lower_map(&req.headers), expected, "{id}");
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn sign_request_v1_reproduces_the_browser_vector_without_a_date_header() {
    let f = fixture();
    let v = f["signature_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "browser-v1-x-oss-date")
        .unwrap();
    let v1 = &v["v1"];
    // Start from the vector's client headers minus x-oss-date: sign_request must produce it.
    let mut req = signed_vector_request(v, SignatureVersion::V1, &[]);
    req.remove_header("x-oss-date");
    req.remove_header("authorization");
    let now_ms = parse_rfc1123_ms(s(&v["inputs"]["v1_date"])).unwrap();
    sign_request(
        &mut req,
        &creds_of(&v["inputs"]["credentials"]),
        SignatureVersion::V1,
        "ignored-by-v1",
        now_ms,
    );
    let mut expected = lower_map(&headers_of(&v1["headers_to_send"]));
    expected.insert("authorization".into(), s(&v1["authorization"]).to_owned());
    assert_eq!(lower_map(&req.headers), expected);
    assert_eq!(req.header("date"), None);
    assert_eq!(
        req.header("x-oss-date"),
        Some("Wed, 28 Dec 2022 10:27:41 GMT")
    );
}

#[test]
fn upstream_go_v2_vectors_agree() {
    let f = fixture();
    let vectors = f["upstream_reference_vectors"]["vectors"]
        .as_array()
        .unwrap();
    assert_eq!(vectors.len(), 5);
    for v in vectors {
        let name = s(&v["name"]);
        let expected = s(&v["expected_by_go_v2"]);
        let query = query_of(&v["query"]);
        let headers = headers_of(&v["headers"]);
        let creds = creds_of(v);
        let mut req = Request {
            method: method_of(s(&v["method"])),
            bucket: s(&v["bucket"]).to_owned(),
            key: s(&v["key"]).to_owned(),
            query: query.clone(),
            headers: headers.clone(),
            body: Body::Empty,
        };
        match s(&v["version"]) {
            "v1" => {
                // Pure functions with the headers as given (x-oss-date is the DATE line).
                let sts = v1_string_to_sign("PUT", &req.bucket, &req.key, &query, &headers);
                let auth = format!("OSS ak:{}", v1_signature("sk", &sts));
                assert_eq!(auth, expected, "{name} (pure)");
                // And through the signer at the same instant: it re-creates the same x-oss-date.
                let now = parse_rfc1123_ms(s(&v["time"])).unwrap();
                sign_request(&mut req, &creds, SignatureVersion::V1, "", now);
                assert_eq!(
                    req.header("authorization"),
                    Some(expected),
                    "{name} (signer)"
                );
            }
            "v4" => {
                let now = parse_x_oss_date_v4_ms(s(&v["time"])).unwrap();
                let additional = strings(&v["additional_headers"]);
                sign_request_with_additional_headers(
                    &mut req,
                    &creds,
                    SignatureVersion::V4,
                    s(&v["region"]),
                    now,
                    &additional,
                );
                let auth = req.header("authorization").unwrap();
                let Some(ParsedAuthorization::V4 {
                    signature,
                    additional_headers,
                    ..
                }) = parse_authorization(auth)
                else {
                    panic!("{name}: unparsable {auth}");
                };
                assert_eq!(signature, expected, "{name}");
                // oss2's own layout of the same Authorization parses to the same fields.
                let oss2 = parse_authorization(s(&v["oss2_authorization"])).unwrap();
                assert_eq!(
                    oss2,
                    parse_authorization(auth).unwrap(),
                    "{name}: oss2 layout"
                );
                if !additional.is_empty() {
                    assert_eq!(additional_headers, vec!["abc", "zabc"], "{name}");
                }
                assert_eq!(
                    req.header("x-oss-security-token"),
                    v["security_token"].as_str(),
                    "{name}"
                );
            }
            other => panic!("unknown version {other}"),
        }
    }
}

#[test]
fn a_verifier_recomputes_the_signature_from_the_received_request() {
    // What the dev server does: parse Authorization, canonicalise what arrived, compare.
    let creds = Credentials::sts("STS.id", "secret", "token+/=", None);
    let mut req = Request {
        method: Method::Put,
        bucket: "examplebucket".into(),
        key: "a b/ü.bin".into(),
        query: vec![
            ("uploadId".into(), Some("ABC".into())),
            ("partNumber".into(), Some("7".into())),
        ],
        headers: vec![],
        body: Body::FileRange { start: 0, end: 10 },
    };
    sign_request(
        &mut req,
        &creds,
        SignatureVersion::V4,
        "cn-shanghai",
        1_700_000_000_000,
    );
    let Some(ParsedAuthorization::V4 {
        access_key_id,
        date,
        region,
        product,
        additional_headers,
        signature,
    }) = parse_authorization(req.header("authorization").unwrap())
    else {
        panic!("not V4");
    };
    assert_eq!(
        (
            access_key_id.as_str(),
            date.as_str(),
            region.as_str(),
            product.as_str()
        ),
        ("STS.id", "20231114", "cn-shanghai", "oss")
    );
    let received: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(n, _)| n != "authorization")
        .cloned()
        .collect();
    let canonical = v4_canonical_request(
        "PUT",
        "examplebucket",
        "a b/ü.bin",
        &req.query,
        &received,
        &additional_headers,
    );
    let x_oss_date = req.header("x-oss-date").unwrap();
    let sts = v4_string_to_sign(x_oss_date, &region, &product, &canonical);
    let key = v4_signing_key("secret", &date, &region, &product);
    assert_eq!(v4_signature(&key, &sts), signature);
    // A wrong secret does not verify.
    let wrong = v4_signing_key("secreT", &date, &region, &product);
    assert_ne!(v4_signature(&wrong, &sts), signature);
}

#[test]
fn parse_authorization_rejects_malformed_values() {
    for bad in [
        "",
        "OSS ",
        "OSS ak",
        "OSS :sig",
        "OSS4-HMAC-SHA256 Signature=abc",
        "OSS4-HMAC-SHA256 Credential=ak/20221228/cn-hangzhou/oss/aliyun_v4_request",
        "OSS4-HMAC-SHA256 Credential=ak/2022-12-28/cn-hangzhou/oss/aliyun_v4_request,Signature=a",
        "OSS4-HMAC-SHA256 Credential=ak/20221228/cn-hangzhou/oss/v4,Signature=a",
        "OSS4-HMAC-SHA256 Credential=ak/20221228/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host;,Signature=a",
        "Bearer x",
    ] {
        assert_eq!(parse_authorization(bad), None, "{bad:?}");
    }
    assert_eq!(
        parse_authorization("OSS STS.ak:a/b+c="),
        Some(ParsedAuthorization::V1 {
            access_key_id: "STS.ak".into(),
            signature: "a/b+c=".into()
        })
    );
}
