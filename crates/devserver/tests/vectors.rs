//! Replays the official SDKs' signature vectors (computed by oss2, cross-checked with ali-oss and
//! alibabacloud-oss-v2) against the server with its clock fixed to their date: every one must be
//! authenticated, and any changed byte must not be.

mod common;

use bytes::Bytes;
use common::*;
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/oss-sign-vectors.json"
);

async fn vector_server(v: &Value) -> oss_devserver::Handle {
    let fixed = &v["fixed"];
    let first = &v["signature_vectors"][0]["inputs"]["credentials"];
    oss_devserver::spawn(oss_devserver::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        buckets: vec![fixed["bucket"].as_str().unwrap().into()],
        access_key_id: first["access_key_id"].as_str().unwrap().into(),
        access_key_secret: first["access_key_secret"].as_str().unwrap().into(),
        region: fixed["region"].as_str().unwrap().into(),
        fixed_clock_ms: sign::parse_rfc1123_ms(fixed["v1_date"].as_str().unwrap()),
        ..oss_devserver::Config::default()
    })
    .await
    .unwrap()
}

/// The vector's body: the Complete XML, the 100 KiB part of `upload-part-md5-space-key`, or none.
fn body_of(v: &Value, fixed: &Value) -> Bytes {
    let inputs = &v["inputs"];
    if inputs["body"].is_string() {
        return Bytes::from(inputs["body"].as_str().unwrap().to_string());
    }
    if v["id"] == "upload-part-md5-space-key" {
        return Bytes::from((0..102_400).map(|i| (i % 256) as u8).collect::<Vec<_>>());
    }
    if inputs["client_headers"]["Content-MD5"] == fixed["complete_body_content_md5"] {
        return Bytes::from(fixed["complete_body"].as_str().unwrap().to_string());
    }
    Bytes::new()
}

/// What the server answers once authentication passed (the vectors' uploadId does not exist).
fn expected(op: &str) -> (u16, Option<&'static str>) {
    match op {
        "InitiateMultipartUpload" | "ListMultipartUploads" => (200, None),
        _ => (404, Some("NoSuchUpload")),
    }
}

async fn replay(
    h: &oss_devserver::Handle,
    v: &Value,
    fixed: &Value,
    headers_to_send: &Value,
    authorization: &str,
) -> Resp {
    let url = v["inputs"]["url"].as_str().unwrap();
    let host = v["inputs"]["host"].as_str().unwrap();
    let path = &url[url.find(host).unwrap() + host.len()..];
    let mut headers: Vec<(String, String)> = headers_to_send
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    // Virtual-hosted, as the SDKs sent it: the bucket comes from the Host header.
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        headers.push(("Host".into(), host.into()));
    }
    headers.push(("Authorization".into(), authorization.into()));
    send(
        h.addr,
        v["inputs"]["method"].as_str().unwrap(),
        path,
        &headers,
        body_of(v, fixed),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn every_signature_vector_is_accepted_and_a_changed_one_is_not() {
    let all: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    let fixed = &all["fixed"];
    let h = vector_server(&all).await;
    // The vectors' STS triple is registered through the test hook.
    let sts = &all["signature_vectors"][1]["inputs"]["credentials"];
    let r = dev_post(
        &h,
        "/__dev/sts/register",
        serde_json::json!({
            "AccessKeyId": sts["access_key_id"],
            "AccessKeySecret": sts["access_key_secret"],
            "SecurityToken": sts["security_token"],
            "Expiration": sts["expiration"],
        }),
    )
    .await;
    assert_eq!(r.status, 200);

    let mut replayed = 0;
    for v in all["signature_vectors"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let (status, code) = expected(v["operation"].as_str().unwrap());
        let mut cases = Vec::new();
        if v["v1"].is_object() {
            cases.push((
                "v1",
                &v["v1"]["headers_to_send"],
                v["v1"]["authorization"].as_str().unwrap(),
            ));
        }
        if v["v4"].is_object() {
            for form in ["authorization", "authorization_compact"] {
                cases.push((
                    "v4",
                    &v["v4"]["headers_to_send"],
                    v["v4"][form].as_str().unwrap(),
                ));
            }
        }
        for (version, headers, auth) in cases {
            let r = replay(&h, v, fixed, headers, auth).await;
            assert_eq!(
                (r.status, r.code().as_deref()),
                (status, code),
                "{id} {version}: {}",
                r.text()
            );
            replayed += 1;
            // The same request signed for another date is refused.
            let mut headers = headers.clone();
            let obj = headers.as_object_mut().unwrap();
            for name in ["date", "x-oss-date"] {
                if let Some(d) = obj.get_mut(name) {
                    let s = d.as_str().unwrap().replace("41", "42");
                    *d = Value::String(s);
                }
            }
            let r = replay(&h, v, fixed, &headers, auth).await;
            assert_eq!(
                r.code().as_deref(),
                Some("SignatureDoesNotMatch"),
                "{id} {version} with a changed date"
            );
            if version == "v1" {
                assert_eq!(
                    r.xml("StringToSign").unwrap().replace("42", "41"),
                    v["v1"]["string_to_sign"]
                        .as_str()
                        .unwrap()
                        .replace("42", "41"),
                );
            }
        }
        // Once Initiate vectors succeed, the object they name must exist as an upload.
        if id == "initiate-basic-ak" {
            let log = dev_get(&h, "/__dev/requests").await.json();
            assert!(log["requests"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["key"] == "exampledir/exampleobject.txt" && e["status"] == 200));
        }
    }
    assert_eq!(replayed, 11 * 3 + 1 + 2);
}
