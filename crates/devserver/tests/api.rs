//! The OSS operations and their errors, through a real HTTP client against `spawn(..)`.

mod common;

use base64::Engine as _;
use bytes::Bytes;
use common::*;

fn b64_md5(b: &[u8]) -> String {
    use md5::Digest;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(b))
}

#[tokio::test]
async fn put_get_head_range_delete() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let body = data(300_000, 1);
    let r = c
        .send(
            Req::new("PUT", "dir/hello world+.bin")
                .h("content-type", "application/x-test")
                .h("x-oss-meta-owner", "alice")
                .body(body.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("etag").unwrap(), md5_etag(&body));
    assert_eq!(
        r.header("x-oss-hash-crc64ecma").unwrap(),
        crc64::crc64(&body).to_string()
    );
    assert!(r.header("x-oss-request-id").unwrap().len() == 24);

    let g = c.get("dir/hello world+.bin").await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body, body);
    assert_eq!(g.header("content-type"), Some("application/x-test"));
    assert_eq!(g.header("x-oss-meta-owner"), Some("alice"));
    assert_eq!(g.header("x-oss-object-type"), Some("Normal"));

    let g = c
        .send(Req::new("GET", "dir/hello world+.bin").h("range", "bytes=100-199"))
        .await;
    assert_eq!(g.status, 206);
    assert_eq!(g.body, body.slice(100..200));
    assert_eq!(g.header("content-range"), Some("bytes 100-199/300000"));
    let g = c
        .send(Req::new("GET", "dir/hello world+.bin").h("range", "bytes=-10"))
        .await;
    assert_eq!(g.body, body.slice(299_990..));
    let g = c
        .send(Req::new("GET", "dir/hello world+.bin").h("range", "bytes=300000-"))
        .await;
    assert_eq!(g.status, 416);
    assert_eq!(g.code().as_deref(), Some("InvalidRange"));

    let hd = c.send(Req::new("HEAD", "dir/hello world+.bin")).await;
    assert_eq!(hd.status, 200);
    assert_eq!(hd.header("content-length"), Some("300000"));
    assert!(hd.body.is_empty());

    let d = c.send(Req::new("DELETE", "dir/hello world+.bin")).await;
    assert_eq!(d.status, 204);
    let g = c.get("dir/hello world+.bin").await;
    assert_eq!(g.status, 404);
    assert_eq!(g.code().as_deref(), Some("NoSuchKey"));
    assert_eq!(g.xml("RequestId").as_deref(), g.header("x-oss-request-id"));
    // HEAD has no body: the error XML comes base64-encoded in x-oss-err.
    let hd = c.send(Req::new("HEAD", "dir/hello world+.bin")).await;
    assert_eq!(hd.status, 404);
    let xml = base64::engine::general_purpose::STANDARD
        .decode(hd.header("x-oss-err").unwrap())
        .unwrap();
    assert_eq!(
        xml_el(&String::from_utf8(xml).unwrap(), "Code").as_deref(),
        Some("NoSuchKey")
    );
}

#[tokio::test]
async fn content_md5_is_checked() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let body = data(1000, 2);
    let r = c
        .send(
            Req::new("PUT", "md5")
                .h("content-md5", &b64_md5(b"something else"))
                .body(body.clone()),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code().as_deref(), Some("InvalidDigest"));
    assert_eq!(c.get("md5").await.status, 404);
    let r = c
        .send(
            Req::new("PUT", "md5")
                .h("content-md5", &b64_md5(&body))
                .body(body),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn unknown_bucket_and_forbid_overwrite_on_put() {
    let h = start().await;
    let mut c = Client::new(&h, Creds::long_term(), Sig::V4);
    c.bucket = "nope".into();
    let r = c.get("x").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("NoSuchBucket"));
    c.bucket = "other".into();
    assert_eq!(c.put("x", "1").await.status, 200);
    let r = c
        .send(
            Req::new("PUT", "x")
                .h("x-oss-forbid-overwrite", "true")
                .body("2"),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code().as_deref(), Some("FileAlreadyExists"));
    assert_eq!(c.get("x").await.body, Bytes::from("1"));
}

#[tokio::test]
async fn multipart_rules_list_parts_and_complete() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let key = "videos/a b.mp4";
    let r = c
        .send(
            Req::new("POST", key)
                .q("uploads", None)
                .q("encoding-type", Some("url"))
                .h("content-type", "video/mp4"),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.xml("Key").as_deref(), Some("videos%2Fa%20b.mp4"));
    let id = r.xml("UploadId").unwrap();

    let p1 = data(102_400, 10);
    let p2_old = data(150_000, 11);
    let p2 = data(120_000, 12);
    let p3 = data(10, 13);
    for (n, b) in [(1, &p1), (2, &p2_old), (3, &p3)] {
        let r = c.upload_part(key, &id, n, b.clone()).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("etag").unwrap(), md5_etag(b));
        assert_eq!(
            r.header("x-oss-hash-crc64ecma").unwrap(),
            crc64::crc64(b).to_string()
        );
    }
    // Re-uploading a part number replaces it.
    assert_eq!(c.upload_part(key, &id, 2, p2.clone()).await.status, 200);
    let r = c.upload_part(key, &id, 10_001, "x").await;
    assert_eq!(r.code().as_deref(), Some("InvalidArgument"));

    let page1 = c
        .send(
            Req::new("GET", key)
                .q("uploadId", Some(&id))
                .q("max-parts", Some("2")),
        )
        .await;
    assert_eq!(page1.status, 200);
    assert_eq!(page1.xml("IsTruncated").as_deref(), Some("true"));
    assert_eq!(page1.xml("NextPartNumberMarker").as_deref(), Some("2"));
    assert_eq!(xml_all(&page1.text(), "PartNumber"), ["1", "2"]);
    assert_eq!(
        xml_all(&page1.text(), "HashCrc64ecma"),
        [crc64::crc64(&p1).to_string(), crc64::crc64(&p2).to_string()]
    );
    assert_eq!(xml_all(&page1.text(), "Size"), ["102400", "120000"]);
    // The client's own parser reads the page (root name, types, HashCrc64ecma).
    let parsed: oss_resumable_core::xml::ListPartsResult =
        oss_resumable_core::xml::parse(&page1.body).unwrap();
    assert_eq!(parsed.parts[1].hash_crc64ecma, Some(crc64::crc64(&p2)));
    assert!(parsed.is_truncated);
    let page2 = c
        .send(
            Req::new("GET", key)
                .q("uploadId", Some(&id))
                .q("max-parts", Some("2"))
                .q("part-number-marker", Some("2")),
        )
        .await;
    assert_eq!(page2.xml("IsTruncated").as_deref(), Some("false"));
    assert_eq!(xml_all(&page2.text(), "PartNumber"), ["3"]);

    let uploads = c.send(Req::new("GET", "").q("uploads", None)).await;
    assert_eq!(uploads.status, 200, "{}", uploads.text());
    assert_eq!(xml_all(&uploads.text(), "UploadId"), vec![id.clone()]);
    assert_eq!(uploads.xml("Key").as_deref(), Some(key));

    let etags = [md5_etag(&p1), md5_etag(&p2), md5_etag(&p3)];
    let r = c
        .complete(
            key,
            &id,
            &[
                (2, etags[1].clone()),
                (1, etags[0].clone()),
                (3, etags[2].clone()),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code().as_deref(), Some("InvalidPartOrder"));
    let r = c
        .complete(
            key,
            &id,
            &[
                (1, etags[0].clone()),
                (2, md5_etag(&p2_old)),
                (3, etags[2].clone()),
            ],
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("InvalidPart"));
    let r = c
        .complete(key, &id, &[(1, etags[0].clone()), (4, etags[2].clone())])
        .await;
    assert_eq!(r.code().as_deref(), Some("InvalidPart"));

    let r = c
        .complete(
            key,
            &id,
            &[
                (1, etags[0].clone()),
                (2, etags[1].clone()),
                (3, etags[2].clone()),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let whole = [&p1[..], &p2[..], &p3[..]].concat();
    assert_eq!(
        r.header("x-oss-hash-crc64ecma").unwrap(),
        crc64::crc64(&whole).to_string()
    );
    let etag = r.header("etag").unwrap().to_string();
    assert!(etag.ends_with("-3\""), "{etag}");
    assert_eq!(r.xml("ETag").unwrap(), etag);
    let g = c.get(key).await;
    assert_eq!(g.body, Bytes::from(whole));
    assert_eq!(g.header("content-type"), Some("video/mp4"));
    assert_eq!(g.header("x-oss-object-type"), Some("Multipart"));

    // The uploadId is gone once completed.
    for r in [
        c.list_parts(key, &id).await,
        c.upload_part(key, &id, 1, "x").await,
        c.send(Req::new("DELETE", key).q("uploadId", Some(&id)))
            .await,
        c.complete(key, &id, &[(1, etags[0].clone())]).await,
    ] {
        assert_eq!(r.status, 404);
        assert_eq!(r.code().as_deref(), Some("NoSuchUpload"));
    }
}

#[tokio::test]
async fn entity_too_small_complete_all_and_abort() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V1);
    let id = c.initiate("small").await;
    let (a, b) = (data(50_000, 1), data(50_000, 2));
    c.upload_part("small", &id, 1, a.clone()).await;
    c.upload_part("small", &id, 2, b.clone()).await;
    let r = c
        .complete("small", &id, &[(1, md5_etag(&a)), (2, md5_etag(&b))])
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code().as_deref(), Some("EntityTooSmall"));
    // A lone small part is fine: it is the last.
    let r = c.complete("small", &id, &[(2, md5_etag(&b))]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(c.get("small").await.body, b);

    // x-oss-complete-all: the body must be empty; then all parts are used, sorted.
    let id = c.initiate("all").await;
    let (p1, p2) = (data(102_400, 3), data(7, 4));
    c.upload_part("all", &id, 2, p2.clone()).await;
    c.upload_part("all", &id, 1, p1.clone()).await;
    let r = c
        .send(
            Req::new("POST", "all")
                .q("uploadId", Some(&id))
                .h("x-oss-complete-all", "yes")
                .body("<CompleteMultipartUpload/>"),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code().as_deref(), Some("InvalidArgument"));
    let r = c
        .send(
            Req::new("POST", "all")
                .q("uploadId", Some(&id))
                .h("x-oss-complete-all", "yes"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let whole = [&p1[..], &p2[..]].concat();
    assert_eq!(
        r.header("x-oss-hash-crc64ecma").unwrap(),
        crc64::crc64(&whole).to_string()
    );

    // Forbid-overwrite is checked on Initiate and on Complete.
    let r = c
        .send(
            Req::new("POST", "all")
                .q("uploads", None)
                .h("x-oss-forbid-overwrite", "true"),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code().as_deref(), Some("FileAlreadyExists"));
    let id = c.initiate("all").await;
    c.upload_part("all", &id, 1, p2.clone()).await;
    let r = c
        .send(
            Req::new("POST", "all")
                .q("uploadId", Some(&id))
                .h("x-oss-complete-all", "yes")
                .h("x-oss-forbid-overwrite", "true"),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code().as_deref(), Some("FileAlreadyExists"));

    let r = c
        .send(Req::new("DELETE", "all").q("uploadId", Some(&id)))
        .await;
    assert_eq!(r.status, 204);
    let r = c.list_parts("all", &id).await;
    assert_eq!(r.code().as_deref(), Some("NoSuchUpload"));
    assert_eq!(c.get("all").await.body, Bytes::from(whole));
}

#[tokio::test]
async fn fifty_mib_three_parts_in_flight_round_trips() {
    let h = start().await;
    let c = Client::new(&h, Creds::sts(&h, 900).await, Sig::V4);
    let file = data(50 << 20, 42);
    let part = 8 << 20;
    let id = c.initiate("big.bin").await;
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(3));
    let mut tasks = Vec::new();
    for (i, start) in (0..file.len()).step_by(part).enumerate() {
        let (c, id, sem) = (c.clone(), id.clone(), sem.clone());
        let slice = file.slice(start..(start + part).min(file.len()));
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.unwrap();
            let r = c
                .upload_part("big.bin", &id, i as u32 + 1, slice.clone())
                .await;
            assert_eq!(r.status, 200);
            let crc: u64 = r.header("x-oss-hash-crc64ecma").unwrap().parse().unwrap();
            assert_eq!(crc, crc64::crc64(&slice));
            (
                i as u32 + 1,
                r.header("etag").unwrap().to_string(),
                crc,
                slice.len() as u64,
            )
        }));
    }
    let mut parts = Vec::new();
    for t in tasks {
        parts.push(t.await.unwrap());
    }
    let combined = parts
        .iter()
        .fold(0, |acc, (_, _, crc, len)| crc64::combine(acc, *crc, *len));
    let list: Vec<(u32, String)> = parts.iter().map(|(n, e, _, _)| (*n, e.clone())).collect();
    let r = c.complete("big.bin", &id, &list).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("x-oss-hash-crc64ecma").unwrap(),
        combined.to_string()
    );
    let g = c.get("big.bin").await;
    assert_eq!(g.body.len(), file.len());
    assert!(g.body == file, "bytes differ");
    assert_eq!(crc64::crc64(&g.body), combined);
    let info = dev_get(&h, "/__dev/object-info?bucket=demo&key=big.bin")
        .await
        .json();
    assert_eq!(info["size"], 50 << 20);
    assert_eq!(info["crc64"], combined.to_string());
}

#[tokio::test]
async fn virtual_hosted_style_addresses_the_bucket_by_host() {
    let h = start().await;
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let r = Req::new("PUT", "vh/key.txt").body("virtual");
    let mut headers = c.signed_headers(&r);
    headers.push(("host".into(), format!("demo.localhost:{}", h.addr.port())));
    let res = send(h.addr, "PUT", "/vh/key.txt", &headers, r.body)
        .await
        .unwrap();
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(c.get("vh/key.txt").await.body, Bytes::from("virtual"));
}

#[tokio::test]
async fn data_dir_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = || oss_devserver::Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..config()
    };
    let h = oss_devserver::spawn(cfg()).await.unwrap();
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let obj = data(200_000, 5);
    assert_eq!(c.put("kept.bin", obj.clone()).await.status, 200);
    let id = c.initiate("resume.bin").await;
    let p1 = data(102_400, 6);
    assert_eq!(
        c.upload_part("resume.bin", &id, 1, p1.clone()).await.status,
        200
    );
    h.shutdown().await;

    let h = oss_devserver::spawn(cfg()).await.unwrap();
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    assert_eq!(c.get("kept.bin").await.body, obj);
    let lp = c.list_parts("resume.bin", &id).await;
    assert_eq!(lp.status, 200);
    assert_eq!(lp.xml("HashCrc64ecma"), Some(crc64::crc64(&p1).to_string()));
    let p2 = data(5, 7);
    c.upload_part("resume.bin", &id, 2, p2.clone()).await;
    let r = c
        .complete("resume.bin", &id, &[(1, md5_etag(&p1)), (2, md5_etag(&p2))])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let g = c
        .send(Req::new("GET", "resume.bin").h("range", "bytes=102000-102404"))
        .await;
    assert_eq!(g.body, Bytes::from([&p1[102_000..], &p2[..]].concat()));
    h.shutdown().await;
}

#[tokio::test]
async fn cors_preflight_and_exposed_headers() {
    let h = start().await;
    let pre = send(
        h.addr,
        "OPTIONS",
        "/demo/a.txt?partNumber=1&uploadId=x",
        &[
            ("origin".into(), "http://127.0.0.1:5555".into()),
            ("access-control-request-method".into(), "PUT".into()),
            (
                "access-control-request-headers".into(),
                "authorization,x-oss-date,x-oss-security-token".into(),
            ),
        ],
        Bytes::new(),
    )
    .await
    .unwrap();
    assert_eq!(pre.status, 200);
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("http://127.0.0.1:5555")
    );
    assert!(pre
        .header("access-control-allow-methods")
        .unwrap()
        .contains("DELETE"));
    assert_eq!(
        pre.header("access-control-allow-headers"),
        Some("authorization,x-oss-date,x-oss-security-token")
    );
    // Errors carry the exposure too, so a page can read the code and request id.
    let err = send(
        h.addr,
        "GET",
        "/demo/missing",
        &[("origin".into(), "http://127.0.0.1:5555".into())],
        Bytes::new(),
    )
    .await
    .unwrap();
    assert_eq!(err.status, 403);
    assert_eq!(
        err.header("access-control-expose-headers"),
        Some("ETag, x-oss-request-id, x-oss-hash-crc64ecma")
    );

    // With a configured origin, others get OSS's 403 AccessForbidden and no CORS headers.
    let h = oss_devserver::spawn(oss_devserver::Config {
        cors_origins: vec!["http://app.example".into()],
        ..config()
    })
    .await
    .unwrap();
    let pre = send(
        h.addr,
        "OPTIONS",
        "/demo/a",
        &[
            ("origin".into(), "http://evil.example".into()),
            ("access-control-request-method".into(), "PUT".into()),
        ],
        Bytes::new(),
    )
    .await
    .unwrap();
    assert_eq!(pre.status, 403);
    assert_eq!(pre.code().as_deref(), Some("AccessForbidden"));
    assert!(pre.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn sink_mode_and_sink_route_hash_then_discard() {
    let h = oss_devserver::spawn(oss_devserver::Config {
        sink: true,
        ..config()
    })
    .await
    .unwrap();
    let c = Client::new(&h, Creds::long_term(), Sig::V4);
    let id = c.initiate("s").await;
    let p = data(200_000, 9);
    let r = c.upload_part("s", &id, 1, p.clone()).await;
    assert_eq!(r.header("etag").unwrap(), md5_etag(&p));
    let r = c.complete("s", &id, &[(1, md5_etag(&p))]).await;
    assert_eq!(
        r.header("x-oss-hash-crc64ecma").unwrap(),
        crc64::crc64(&p).to_string()
    );
    let g = c.get("s").await;
    assert_eq!(g.status, 501);
    assert_eq!(
        c.send(Req::new("HEAD", "s")).await.header("content-length"),
        Some("200000")
    );

    let r = send(h.addr, "PUT", "/__dev/sink/any/thing", &[], p.clone())
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag").unwrap(), md5_etag(&p));
    assert_eq!(
        r.header("x-oss-hash-crc64ecma").unwrap(),
        crc64::crc64(&p).to_string()
    );
}

#[tokio::test]
async fn request_log_reset_and_health() {
    let h = start().await;
    let health = dev_get(&h, "/__dev/health").await;
    assert_eq!(health.text(), r#"{"ok":true}"#);
    assert!(health.header("x-oss-request-id").is_some());
    let creds = Creds::sts(&h, 900).await;
    let token = creds.token.clone().unwrap();
    let c = Client::new(&h, creds, Sig::V4);
    let id = c.initiate("logged").await;
    c.upload_part("logged", &id, 7, data(1234, 1)).await;
    let log = dev_get(&h, "/__dev/requests").await;
    let text = log.text();
    assert!(
        !text.contains(&token) && !text.contains("OSS4-HMAC") && !text.contains(&c.creds.secret)
    );
    let entries = log.json()["requests"].as_array().unwrap().clone();
    let part = entries
        .iter()
        .find(|e| e["operation"] == "UploadPart")
        .unwrap();
    assert_eq!(part["partNumber"], 7);
    assert_eq!(part["status"], 200);
    assert_eq!(part["bytesReceived"], 1234);
    assert_eq!(part["uploadId"], id.as_str());
    assert_eq!(part["bucket"], "demo");
    assert_eq!(part["key"], "logged");

    assert_eq!(
        dev_post(&h, "/__dev/reset", serde_json::json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        c.list_parts("logged", &id).await.code().as_deref(),
        Some("NoSuchUpload")
    );
    let log = dev_get(&h, "/__dev/requests").await.json();
    assert_eq!(log["requests"].as_array().unwrap().len(), 1);
}
