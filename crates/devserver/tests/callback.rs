//! Upload callbacks as the dev server performs them (docs/protocol.md §10.1), against a callback
//! receiver running in the test; per-part headers (§10.3); custom domains (§1).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{extract::State, http::HeaderMap, routing::post, Router};
use base64::Engine as _;
use bytes::Bytes;
use common::*;
use rsa::pkcs8::DecodePublicKey as _;
use rsa::signature::Verifier as _;

/// What the receiver saw: path and query, headers, body.
#[derive(Clone, Debug)]
struct Received {
    uri: String,
    headers: HeaderMap,
    body: String,
}

type Log = Arc<Mutex<Vec<Received>>>;

/// A callback server on a loopback port: `/ok` answers JSON, `/status500` 500, `/text` a body
/// that is not JSON, `/slow` JSON after 2 s.
async fn receiver() -> (String, Log) {
    async fn record(
        State(log): State<Log>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        log.lock().unwrap().push(Received {
            uri: uri.to_string(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        match uri.path() {
            "/status500" => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
            "/text" => "plain text, not JSON".into_response(),
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                axum::Json(serde_json::json!({"late": true})).into_response()
            }
            _ => axum::Json(serde_json::json!({"Status": "OK", "n": 1})).into_response(),
        }
    }
    let log: Log = Arc::default();
    let app = Router::new()
        .route("/{*path}", post(record))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, log)
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn callback_header(url: &str, body: &str, body_type: Option<&str>, host: Option<&str>) -> String {
    let mut j = serde_json::json!({ "callbackUrl": url, "callbackBody": body });
    if let Some(t) = body_type {
        j["callbackBodyType"] = t.into();
    }
    if let Some(h) = host {
        j["callbackHost"] = h.into();
    }
    b64(&j.to_string())
}

/// Verifies the callback's signature as an application would: the public key from the URL in
/// `x-oss-pub-key-url`, RSA PKCS#1 v1.5 with MD5 over urldecoded path + query + "\n" + body.
async fn assert_signature_verifies(h: &oss_devserver::Handle, got: &Received) {
    let url_b64 = got.headers["x-oss-pub-key-url"].to_str().unwrap();
    let url = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(url_b64)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(url, format!("{}/__dev/callback-public-key", h.url));
    let pem = dev_get(h, "/__dev/callback-public-key").await.text();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    let key = rsa::RsaPublicKey::from_public_key_pem(&pem).unwrap();
    let verifier = rsa::pkcs1v15::VerifyingKey::<md5::Md5>::new(key);
    let signature = base64::engine::general_purpose::STANDARD
        .decode(got.headers["authorization"].to_str().unwrap())
        .unwrap();
    let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).unwrap();
    let (path, query) = match got.uri.split_once('?') {
        Some((p, q)) => (p.to_string(), format!("?{q}")),
        None => (got.uri.clone(), String::new()),
    };
    let path = percent_encoding::percent_decode_str(&path)
        .decode_utf8()
        .unwrap();
    let message = format!("{path}{query}\n{}", got.body);
    verifier
        .verify(message.as_bytes(), &signature)
        .expect("the callback signature verifies with the served public key");
    // And it does not verify over another body.
    assert!(verifier
        .verify(format!("{message}x").as_bytes(), &signature)
        .is_err());
}

#[tokio::test]
async fn put_object_calls_back_with_the_substituted_form_body_signed() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let (url, log) = receiver().await;
    let body = data(1234, 3);
    let cb = callback_header(
        &format!("{url}/cb%20path/ok?from=oss&x=1"),
        "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}\
         &crc64=${crc64}&uid=${x:uid}&unknown=${nope}",
        None,
        Some("app.example.com"),
    );
    let vars = b64(r#"{"x:uid":"42 & more"}"#);
    let r = c
        .send(
            Req::new("PUT", "dir/a b.txt")
                .h("content-type", "text/plain")
                .h("x-oss-callback", &cb)
                .h("x-oss-callback-var", &vars)
                .body(body.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // The callback's answer is the response body; the object's headers stay.
    assert_eq!(r.json(), serde_json::json!({"Status": "OK", "n": 1}));
    let etag = md5_etag(&body);
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let crc = crc64::crc64(&body);
    assert_eq!(
        r.header("x-oss-hash-crc64ecma"),
        Some(crc.to_string().as_str())
    );
    // The object is stored.
    assert_eq!(c.get("dir/a b.txt").await.body, body);

    let got = log.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let got = &got[0];
    assert_eq!(got.uri, "/cb%20path/ok?from=oss&x=1");
    assert_eq!(
        got.body,
        format!(
            "bucket=demo&object=dir%2Fa%20b.txt&etag={}&size=1234&mimeType=text%2Fplain\
             &crc64={crc}&uid=42%20%26%20more&unknown=${{nope}}",
            etag.trim_matches('"')
        )
    );
    assert_eq!(
        got.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(got.headers["host"], "app.example.com");
    assert_signature_verifies(&h, got).await;
    // The request log marks it, without the header's value.
    let log = dev_get(&h, "/__dev/requests").await.json();
    let put = &log["requests"].as_array().unwrap()[0];
    assert_eq!(put["callback"], true);
    assert!(!log.to_string().contains(&cb));
}

#[tokio::test]
async fn complete_calls_back_with_a_json_body() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V1);
    let (url, log) = receiver().await;
    let (p1, p2) = (data(150_000, 1), data(1000, 2));
    let id = c.initiate("big.bin").await;
    let e1 = c.upload_part("big.bin", &id, 1, p1.clone()).await;
    let e2 = c.upload_part("big.bin", &id, 2, p2.clone()).await;
    let parts = [
        (1, e1.header("etag").unwrap().to_string()),
        (2, e2.header("etag").unwrap().to_string()),
    ];
    let cb = callback_header(
        &format!("{url}/ok"),
        r#"{"bucket":${bucket},"object":${object},"size":${size},"crc64":${crc64},"who":${x:who}}"#,
        Some("application/json"),
        None,
    );
    let body = oss_resumable_core::xml::to_xml(
        &oss_resumable_core::xml::CompleteMultipartUpload::new(parts.iter().map(|(n, e)| {
            oss_resumable_core::xml::CompletePart {
                part_number: *n,
                etag: e.clone(),
            }
        })),
    );
    let r = c
        .send(
            Req::new("POST", "big.bin")
                .q("uploadId", Some(&id))
                .h("content-type", "application/xml")
                .h("x-oss-callback", &cb)
                .h("x-oss-callback-var", &b64(r#"{"x:who":"ann \"a\""}"#))
                .body(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["Status"], "OK");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let whole = [p1.as_ref(), p2.as_ref()].concat();
    let crc = crc64::crc64(&whole);
    assert_eq!(
        r.header("x-oss-hash-crc64ecma"),
        Some(crc.to_string().as_str())
    );
    assert_eq!(c.get("big.bin").await.body, Bytes::from(whole));
    let got = log.lock().unwrap()[0].clone();
    assert_eq!(
        got.body,
        format!(
            r#"{{"bucket":"demo","object":"big.bin","size":151000,"crc64":"{crc}","who":"ann \"a\""}}"#
        )
    );
    assert_eq!(got.headers["content-type"], "application/json");
    assert_eq!(got.headers["host"], url.trim_start_matches("http://"));
    assert_signature_verifies(&h, &got).await;
}

#[tokio::test]
async fn a_failed_callback_is_203_callback_failed_with_the_object_stored() {
    let mut cfg = config();
    cfg.callback_timeout_ms = 300;
    let h = oss_devserver::spawn(cfg).await.unwrap();
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let (url, log) = receiver().await;
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let cases = [
        (format!("{url}/status500"), "Error status : 500."),
        (format!("{url}/text"), "not valid json"),
        (format!("{url}/slow"), "timed out"),
        (format!("http://{closed}/cb"), "Cannot connect"),
    ];
    for (i, (target, why)) in cases.iter().enumerate() {
        let key = format!("f{i}.bin");
        let body = data(500 + i, 7);
        let cb = callback_header(target, "object=${object}", None, None);
        let r = c
            .send(
                Req::new("PUT", &key)
                    .h("x-oss-callback", &cb)
                    .body(body.clone()),
            )
            .await;
        assert_eq!(r.status, 203, "{target}: {}", r.text());
        assert_eq!(r.code().as_deref(), Some("CallbackFailed"), "{target}");
        assert!(r.xml("Message").unwrap().contains(why), "{}", r.text());
        assert_eq!(r.header("etag"), Some(md5_etag(&body).as_str()));
        assert_eq!(
            r.header("x-oss-hash-crc64ecma"),
            Some(crc64::crc64(&body).to_string().as_str())
        );
        // Stored all the same.
        assert_eq!(c.get(&key).await.body, body, "{target}");
    }
    // Every reachable receiver got its POST.
    assert_eq!(log.lock().unwrap().len(), 3);
    let entries = dev_get(&h, "/__dev/requests").await.json();
    assert!(entries["requests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["code"] == "CallbackFailed" && e["status"] == 203));
}

#[tokio::test]
async fn only_loopback_callbacks_are_made_and_bad_ones_store_nothing() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let cases = [
        (
            callback_header("http://203.0.113.7/cb", "a=b", None, None),
            "loopback addresses only",
        ),
        (
            callback_header("http://example.com/cb", "a=b", None, None),
            "loopback addresses only",
        ),
        ("not base64!".to_string(), "not base64"),
        (b64("{not json"), "not json format"),
        (
            callback_header("http://127.0.0.1:1/cb", "a=b", Some("text/plain"), None),
            "callbackBodyType",
        ),
    ];
    for (cb, why) in cases {
        let r = c
            .send(
                Req::new("PUT", "never.bin")
                    .h("x-oss-callback", &cb)
                    .body("x"),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.code().as_deref(), Some("InvalidArgument"));
        assert!(r.xml("Message").unwrap().contains(why), "{}", r.text());
        assert_eq!(c.get("never.bin").await.status, 404);
    }
}

#[tokio::test]
async fn the_dev_sink_records_callbacks_for_browser_tests() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let cb = callback_header(
        &format!("{}/__dev/callback-sink/x?status=200", h.url),
        "k=${object}",
        None,
        None,
    );
    let r = c
        .send(
            Req::new("PUT", "s.bin")
                .h("x-oss-callback", &cb)
                .body("abc"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        serde_json::json!({"received": true, "body": "k=s.bin"})
    );
    let list = dev_get(&h, "/__dev/callbacks").await.json();
    let got = &list["callbacks"][0];
    assert_eq!(got["body"], "k=s.bin");
    assert_eq!(got["pathAndQuery"], "/__dev/callback-sink/x?status=200");
    assert!(got["authorization"].as_str().unwrap().len() > 300);
    dev_post(&h, "/__dev/reset", serde_json::json!({})).await;
    let list = dev_get(&h, "/__dev/callbacks").await.json();
    assert_eq!(list["callbacks"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn traffic_limit_is_checked_as_oss_does() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let id = c.initiate("t.bin").await;
    for bad in ["819199", "838860801", "fast"] {
        let r = c
            .send(
                Req::new("PUT", "t.bin")
                    .q("partNumber", Some("1"))
                    .q("uploadId", Some(&id))
                    .h("x-oss-traffic-limit", bad)
                    .body(data(10, 1)),
            )
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert_eq!(r.code().as_deref(), Some("InvalidArgument"));
        assert_eq!(r.xml("ArgumentValue").as_deref(), Some(bad));
        let r = c
            .send(
                Req::new("PUT", "small.bin")
                    .h("x-oss-traffic-limit", bad)
                    .body("x"),
            )
            .await;
        assert_eq!(r.status, 400, "{bad}");
    }
    let r = c
        .send(
            Req::new("PUT", "t.bin")
                .q("partNumber", Some("1"))
                .q("uploadId", Some(&id))
                .h("x-oss-traffic-limit", "819200")
                .body(data(10, 1)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let log = dev_get(&h, "/__dev/requests").await.json();
    let last = log["requests"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["operation"], "UploadPart");
    assert_eq!(last["trafficLimit"], 819200);
}

#[tokio::test]
async fn a_custom_domain_addresses_its_bucket() {
    let mut cfg = config();
    cfg.cnames = vec![("files.test".to_string(), "other".to_string())];
    let h = oss_devserver::spawn(cfg).await.unwrap();
    let mut c = Client::new(&h, Creds::long_term(), Sig::V4);
    c.bucket = "other".to_string();
    let body = data(777, 5);
    let r = Req::new("PUT", "dir/c.bin").body(body.clone());
    let mut headers = c.signed_headers(&r);
    headers.push(("host".to_string(), format!("files.test:{}", h.addr.port())));
    // The path holds only the key: nothing names the bucket but the host.
    let resp = send(h.addr, "PUT", "/dir/c.bin", &headers, body.clone())
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(c.get("dir/c.bin").await.body, body);
    let info = dev_get(&h, "/__dev/object-info?bucket=other&key=dir/c.bin").await;
    assert_eq!(info.json()["size"], 777);

    // Bound at run time (browser tests): the same, for bucket demo.
    let r = dev_post(
        &h,
        "/__dev/cnames",
        serde_json::json!({"host": "Media.Test", "bucket": "demo"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut c = Client::new(&h, Creds::long_term(), Sig::V1);
    c.bucket = "demo".to_string();
    let r = Req::new("PUT", "m.bin").body(body.clone());
    let mut headers = c.signed_headers(&r);
    headers.push(("host".to_string(), "media.test".to_string()));
    let resp = send(h.addr, "PUT", "/m.bin", &headers, body.clone())
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(c.get("m.bin").await.body, body);
    let r = dev_post(
        &h,
        "/__dev/cnames",
        serde_json::json!({"host": "x.test", "bucket": "nope"}),
    )
    .await;
    assert_eq!(r.status, 400);
}
