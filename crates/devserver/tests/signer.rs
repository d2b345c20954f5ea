//! `/__dev/sign` (the demo's and tests' app-server signer) and `/__dev/in-flight` (UploadParts
//! being handled at once), through a real HTTP client against `spawn(..)`.

mod common;

use common::*;
use oss_resumable_core::request;
use oss_resumable_core::sign::{self, SignatureVersion};
use serde_json::json;

const NOW_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

#[tokio::test]
async fn sign_answers_what_the_secret_signs_for_long_term_and_sts_keys() {
    let h = start().await;
    let sts = Creds::sts(&h, 3600).await;
    for (id, secret, token) in [
        (KEY_ID.to_owned(), SECRET.to_owned(), None),
        (sts.id.clone(), sts.secret.clone(), sts.token.clone()),
    ] {
        for version in [SignatureVersion::V4, SignatureVersion::V1] {
            let mut req = request::put_object("demo", "a/b.bin", 0, 10, &Default::default())
                .expect("request");
            let prepared = sign::prepare_request(
                &mut req,
                token.as_deref(),
                version,
                "cn-hangzhou",
                NOW_MS,
                &[],
            );
            let r = dev_post(
                &h,
                "/__dev/sign",
                json!({
                    "accessKeyId": id,
                    "version": if version == SignatureVersion::V4 { "v4" } else { "v1" },
                    "stringToSign": prepared.string_to_sign,
                    "date": prepared.date,
                    "region": prepared.region,
                }),
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(
                r.json()["signature"].as_str(),
                Some(prepared.signature_with_secret(&secret).as_str())
            );
            // The answer never carries the secret.
            assert!(!r.text().contains(&secret));
        }
    }
    let r = dev_post(
        &h,
        "/__dev/sign",
        json!({"accessKeyId": "LTAI5tNobody", "version": "v4", "stringToSign": "x",
               "date": "20260101T000000Z", "region": "cn-hangzhou"}),
    )
    .await;
    assert_eq!(r.status, 404);
    h.shutdown().await;
}

#[tokio::test]
async fn in_flight_counts_upload_parts_handled_at_once() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let id = c.initiate("p.bin").await;
    let r = dev_post(
        &h,
        "/__dev/faults",
        json!([{"operation": "UploadPart", "kind": "delay", "delayMs": 400, "count": 0}]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        dev_post(&h, "/__dev/in-flight/reset", json!({}))
            .await
            .status,
        200
    );
    let (a, b, d) = tokio::join!(
        c.upload_part("p.bin", &id, 1, vec![1u8; 1000]),
        c.upload_part("p.bin", &id, 2, vec![2u8; 1000]),
        c.upload_part("p.bin", &id, 3, vec![3u8; 1000]),
    );
    assert_eq!((a.status, b.status, d.status), (200, 200, 200));
    let j = dev_get(&h, "/__dev/in-flight").await.json();
    assert_eq!(j["peakUploadPart"], 3);
    assert_eq!(j["uploadPart"], 0);
    // One at a time after a reset: the peak is 1.
    dev_post(&h, "/__dev/in-flight/reset", json!({})).await;
    c.upload_part("p.bin", &id, 4, vec![4u8; 1000]).await;
    c.upload_part("p.bin", &id, 5, vec![5u8; 1000]).await;
    assert_eq!(
        dev_get(&h, "/__dev/in-flight").await.json()["peakUploadPart"],
        1
    );
    h.shutdown().await;
}
