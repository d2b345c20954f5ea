//! Authentication (V1, V4, long-term, STS) with each refusal OSS sends, and every fault kind.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use serde_json::json;

#[tokio::test]
async fn both_signature_versions_with_and_without_sts_are_accepted() {
    let h = start().await;
    let sts = Creds::sts(&h, 900).await;
    assert!(sts.id.starts_with("STS."));
    let token = sts.token.clone().unwrap();
    assert!(
        token.len() > 500 && token.contains('+') && token.contains('/') && token.ends_with('=')
    );
    for sig in [Sig::V1, Sig::V1XOssDate, Sig::V4] {
        for creds in [Creds::long_term(), sts.clone()] {
            let c = Client::new(&h, creds.clone(), sig);
            let key = format!("auth/{sig:?}/{} ü+&=.txt", creds.token.is_some());
            let r = c
                .send(
                    Req::new("PUT", &key)
                        .h("content-type", "text/plain")
                        .h("x-oss-meta-a", "1")
                        .body("ok"),
                )
                .await;
            assert_eq!(r.status, 200, "{sig:?} {}: {}", creds.id, r.text());
            let r = c.list_parts(&key, "nope").await;
            assert_eq!(r.code().as_deref(), Some("NoSuchUpload"), "{sig:?}");
            let r = c
                .send(
                    Req::new("GET", "")
                        .q("uploads", None)
                        .q("prefix", Some("a/b c"))
                        .q("max-uploads", Some("5")),
                )
                .await;
            assert_eq!(r.status, 200, "{sig:?}: {}", r.text());
        }
    }
}

#[tokio::test]
async fn refusals_carry_oss_codes() {
    let h = start().await;
    // Missing signature.
    let r = send(h.addr, "GET", "/demo/x", &[], Bytes::new())
        .await
        .unwrap();
    assert_eq!((r.status, r.code().as_deref()), (403, Some("AccessDenied")));

    // Tampered signature: the body shows the server's StringToSign, as OSS's does.
    for sig in [Sig::V1, Sig::V4] {
        let c = Client::new(&h, Creds::long_term(), sig);
        let req = Req::new("PUT", "t").body("x");
        let mut headers = c.signed_headers(&req);
        let auth = headers
            .iter_mut()
            .find(|(n, _)| n == "authorization")
            .unwrap();
        let last = auth.1.pop().unwrap();
        auth.1.push(if last == 'a' { 'b' } else { 'a' });
        let r = send(h.addr, "PUT", "/demo/t", &headers, req.body)
            .await
            .unwrap();
        assert_eq!(
            (r.status, r.code().as_deref()),
            (403, Some("SignatureDoesNotMatch"))
        );
        let sts = r.xml("StringToSign").unwrap();
        if sig == Sig::V1 {
            assert!(
                sts.starts_with("PUT\n\n\n") && sts.ends_with("/demo/t"),
                "{sts}"
            );
        } else {
            assert!(sts.starts_with("OSS4-HMAC-SHA256\n"), "{sts}");
        }
    }

    // Wrong secret.
    let mut creds = Creds::long_term();
    creds.secret = "not-the-secret".into();
    let r = Client::new(&h, creds, Sig::V4).put("w", "x").await;
    assert_eq!(r.code().as_deref(), Some("SignatureDoesNotMatch"));

    // Unknown key id.
    let mut creds = Creds::long_term();
    creds.id = "LTAI5tNobody".into();
    let r = Client::new(&h, creds, Sig::V1).put("w", "x").await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (403, Some("InvalidAccessKeyId"))
    );

    // A token that is not the one minted with the key id.
    let mut sts = Creds::sts(&h, 900).await;
    sts.token = Some("CAISforged+/==".into());
    let r = Client::new(&h, sts, Sig::V4).put("w", "x").await;
    assert_eq!(r.code().as_deref(), Some("InvalidSecurityToken"));

    // Skewed client clock: 16 minutes behind.
    let mut c = Client::new(&h, Creds::long_term(), Sig::V4);
    c.offset_ms = -16 * 60 * 1000;
    let r = c.put("w", "x").await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (403, Some("RequestTimeTooSkewed"))
    );
    assert_eq!(
        r.xml("MaxAllowedSkewMilliseconds").as_deref(),
        Some("900000")
    );
    let body: oss_resumable_core::xml::OssErrorBody =
        oss_resumable_core::xml::parse(&r.body).unwrap();
    assert!(body.server_time_ms().is_some());
    assert_eq!(body.max_allowed_skew_milliseconds, Some(900_000));
    let server = sign::parse_iso8601_ms(&r.xml("ServerTime").unwrap()).unwrap();
    let request = sign::parse_iso8601_ms(&r.xml("RequestTime").unwrap()).unwrap();
    assert!((server - request - 16 * 60 * 1000).abs() < 5000);
    assert!(
        r.xml("ServerTime").unwrap().ends_with(".000Z") || r.xml("ServerTime").unwrap().len() == 24
    );
    // 14 minutes is inside the window.
    c.offset_ms = -14 * 60 * 1000;
    assert_eq!(c.put("w", "x").await.status, 200);

    // V4 in another region, and without x-oss-content-sha256.
    let mut c = Client::new(&h, Creds::long_term(), Sig::V4);
    c.region = "us-west-1".into();
    let r = c.put("w", "x").await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("InvalidArgument"))
    );
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let req = Req::new("PUT", "w").body("x");
    let headers: Vec<_> = c
        .signed_headers(&req)
        .into_iter()
        .filter(|(n, _)| n != "x-oss-content-sha256")
        .collect();
    let r = send(h.addr, "PUT", "/demo/w", &headers, req.body)
        .await
        .unwrap();
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn expired_sts_tokens_are_refused() {
    let h = start().await;
    let c = Client::new(&h, Creds::sts(&h, 60).await, Sig::V4);
    assert_eq!(c.put("e", "1").await.status, 200);
    // Two minutes later (by the server's clock) the 60-second credentials have expired.
    let r = dev_post(&h, "/__dev/clock", json!({ "skewMs": 120_000 })).await;
    assert_eq!(r.json()["skewMs"], 120_000);
    let r = c.put("e", "2").await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (403, Some("SecurityTokenExpired"))
    );
    dev_post(&h, "/__dev/clock", json!({ "skewMs": 0 })).await;
    assert_eq!(c.put("e", "3").await.status, 200);
}

#[tokio::test]
async fn fixed_clock_accepts_requests_signed_at_that_time() {
    let h = start().await;
    let t = sign::parse_iso8601_ms("2022-12-28T10:27:41Z").unwrap();
    let r = dev_post(
        &h,
        "/__dev/clock",
        json!({ "fixed": "2022-12-28T10:27:41Z" }),
    )
    .await;
    assert_eq!(r.json()["nowMs"], t);
    let mut c = Client::new(&h, Creds::long_term(), Sig::V1);
    assert_eq!(
        c.put("f", "x").await.code().as_deref(),
        Some("RequestTimeTooSkewed")
    );
    c.fixed_ms = Some(t + 60_000);
    assert_eq!(c.put("f", "x").await.status, 200);
    dev_post(&h, "/__dev/clock", json!({ "real": true })).await;
    c.fixed_ms = None;
    assert_eq!(c.put("f", "x").await.status, 200);
}

async fn faults(h: &oss_devserver::Handle, rules: serde_json::Value) {
    let r = dev_post(h, "/__dev/faults", rules).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn fault_error_fires_count_times_for_the_matching_part() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let id = c.initiate("f").await;
    faults(
        &h,
        json!({"operation":"UploadPart","partNumber":2,"count":2,"kind":"error","status":503,"code":"ServiceUnavailable"}),
    )
    .await;
    assert_eq!(c.upload_part("f", &id, 1, "a").await.status, 200);
    for _ in 0..2 {
        let r = c.upload_part("f", &id, 2, "b").await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (503, Some("ServiceUnavailable"))
        );
    }
    assert_eq!(c.upload_part("f", &id, 2, "b").await.status, 200);
    let rules = dev_get(&h, "/__dev/faults").await.json();
    assert_eq!(rules["rules"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn fault_drop_closes_the_connection_mid_body() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let id = c.initiate("d").await;
    faults(
        &h,
        json!({"operation":"UploadPart","kind":"drop","afterBytes":100000}),
    )
    .await;
    let r = c
        .try_send(
            Req::new("PUT", "d")
                .q("partNumber", Some("1"))
                .q("uploadId", Some(&id))
                .body(data(4 << 20, 1)),
        )
        .await;
    assert!(r.is_err(), "expected a transport error, got {r:?}");
    let e = logged(&h, "UploadPart").await.remove(0);
    assert_eq!(e["status"], 0);
    assert_eq!(e["bytesReceived"], 100_000);
    assert_eq!(e["faults"], json!(["drop"]));
    // The part was not stored; a retry succeeds.
    assert!(!c.list_parts("d", &id).await.text().contains("<Part>"));
    assert_eq!(c.upload_part("d", &id, 1, "again").await.status, 200);
}

/// The request log's entries for `operation`, oldest first.
async fn logged(h: &oss_devserver::Handle, operation: &str) -> Vec<serde_json::Value> {
    let log = dev_get(h, "/__dev/requests").await.json();
    log["requests"]
        .as_array()
        .expect("request log")
        .iter()
        .filter(|e| e["operation"] == operation)
        .cloned()
        .collect()
}

/// `slowAnswer` holds the answer, not the body: the part is stored while its answer still waits
/// (a `delay` would not have read it yet), and the answer comes after the hold.
#[tokio::test]
async fn fault_slow_answer_stores_first_and_answers_late() {
    let h = start().await;
    let c = Client::new(&h, Creds::sts(&h, 900).await, Sig::V4);
    let id = c.initiate("slow").await;
    faults(
        &h,
        json!({"operation":"UploadPart","kind":"slowAnswer","delayMs":600}),
    )
    .await;
    let t = Instant::now();
    let (put, listed) = tokio::join!(c.upload_part("slow", &id, 1, "held"), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.list_parts("slow", &id).await.text()
    });
    assert_eq!(put.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(600));
    assert!(listed.contains("<PartNumber>1</PartNumber>"), "{listed}");
    let fired: Vec<_> = logged(&h, "UploadPart")
        .await
        .into_iter()
        .map(|e| e["faults"].clone())
        .collect();
    assert_eq!(fired, vec![json!(["slowAnswer"])]);
}

#[tokio::test]
async fn fault_delay_expire_skew_forget_and_hide() {
    let h = start().await;
    let c = Client::new(&h, Creds::sts(&h, 900).await, Sig::V4);
    let id = c.initiate("k").await;

    faults(
        &h,
        json!({"operation":"ListParts","kind":"delay","delayMs":300}),
    )
    .await;
    let t = Instant::now();
    assert_eq!(c.list_parts("k", &id).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    faults(&h, json!({"operation":"UploadPart","kind":"expireToken"})).await;
    let r = c.upload_part("k", &id, 1, "x").await;
    assert_eq!(r.code().as_deref(), Some("SecurityTokenExpired"));
    // The credentials themselves expired: every later request with them fails too…
    let r = c.upload_part("k", &id, 1, "x").await;
    assert_eq!(r.code().as_deref(), Some("SecurityTokenExpired"));
    // …and fresh ones work.
    let c = Client::new(&h, Creds::sts(&h, 900).await, Sig::V4);
    assert_eq!(c.upload_part("k", &id, 1, "x").await.status, 200);

    faults(&h, json!({"kind":"skew","skewMs":1_200_000})).await;
    let r = c.list_parts("k", &id).await;
    assert_eq!(r.code().as_deref(), Some("RequestTimeTooSkewed"));
    assert_eq!(c.list_parts("k", &id).await.status, 200);

    faults(
        &h,
        json!({"kind":"hideHeader","header":"ETag","operation":"UploadPart"}),
    )
    .await;
    let req = Req::new("PUT", "k")
        .q("partNumber", Some("2"))
        .q("uploadId", Some(&id))
        .h("origin", "http://page.example")
        .body("y");
    let r = c.send(req).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("x-oss-request-id, x-oss-hash-crc64ecma")
    );
    let req = Req::new("PUT", "k")
        .q("partNumber", Some("2"))
        .q("uploadId", Some(&id))
        .h("origin", "http://page.example")
        .body("y");
    assert!(c
        .send(req)
        .await
        .header("access-control-expose-headers")
        .unwrap()
        .starts_with("ETag"));

    faults(&h, json!({"operation":"ListParts","kind":"forgetUpload"})).await;
    let r = c.list_parts("k", &id).await;
    assert_eq!((r.status, r.code().as_deref()), (404, Some("NoSuchUpload")));
    assert_eq!(
        c.upload_part("k", &id, 3, "z").await.code().as_deref(),
        Some("NoSuchUpload")
    );

    // Unknown fault kinds are refused, and DELETE clears the rules.
    let r = dev_post(&h, "/__dev/faults", json!({"kind":"meteor"})).await;
    assert_eq!(r.status, 400);
    faults(&h, json!([{"kind":"delay","delayMs":1,"count":0}])).await;
    let r = send(h.addr, "DELETE", "/__dev/faults", &[], Bytes::new())
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(dev_get(&h, "/__dev/faults").await.json()["rules"]
        .as_array()
        .unwrap()
        .is_empty());
}
