//! Upload callbacks (§10.1), part headers (§10.3) and custom-domain endpoints (§1): the headers
//! as OSS reads them, what is refused, and the machine's use of them (Complete and PutObject carry
//! the callback, every part the part headers, 203 CallbackFailed names the stored object, a
//! resumed upload keeps its callback).

mod support;

use base64::Engine as _;
use oss_resumable_core::callback::Callback;
use oss_resumable_core::checkpoint::Checkpoint;
use oss_resumable_core::crc64::crc64;
use oss_resumable_core::part_headers::part_headers;
use oss_resumable_core::request::{
    initiate_multipart_upload, put_object, upload_part, Endpoint, ObjectOptions, RequestError,
};
use oss_resumable_core::upload::{Event, Upload};
use oss_resumable_core::vecmap::VecMap;
use support::*;

fn callback() -> Callback {
    let mut custom_values = VecMap::new();
    custom_values.insert("uid".to_owned(), "42 \"q\"".to_owned());
    Callback {
        url: "https://app.example.com/oss-callback?from=upload".to_owned(),
        body: "bucket=${bucket}&object=${object}&etag=${etag}&uid=${x:uid}".to_owned(),
        content_type: Some("application/x-www-form-urlencoded".to_owned()),
        host: Some("app.example.com".to_owned()),
        sni: Some(true),
        custom_values,
    }
}

fn decoded(req: &oss_resumable_core::request::Request, name: &str) -> Option<String> {
    let v = header(req, name)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v)
        .expect("base64");
    Some(String::from_utf8(bytes).expect("utf-8"))
}

#[test]
fn callback_headers_are_base64_json_as_oss_reads_them() {
    let opts = ObjectOptions {
        callback: Some(callback()),
        ..Default::default()
    };
    let req = put_object(BUCKET, "a.txt", 0, 10, &opts).unwrap();
    let cb = decoded(&req, "x-oss-callback").unwrap();
    assert_eq!(
        cb,
        "{\"callbackUrl\":\"https://app.example.com/oss-callback?from=upload\",\
         \"callbackHost\":\"app.example.com\",\
         \"callbackBody\":\"bucket=${bucket}&object=${object}&etag=${etag}&uid=${x:uid}\",\
         \"callbackBodyType\":\"application/x-www-form-urlencoded\",\"callbackSNI\":true}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&cb).unwrap();
    assert_eq!(parsed["callbackSNI"], true);
    let vars = decoded(&req, "x-oss-callback-var").unwrap();
    assert_eq!(vars, "{\"x:uid\":\"42 \\\"q\\\"\"}");
    let parsed: serde_json::Value = serde_json::from_str(&vars).unwrap();
    assert_eq!(parsed["x:uid"], "42 \"q\"");

    // Only url and body: no optional field, no x-oss-callback-var.
    let bare = Callback {
        url: "http://127.0.0.1:8080/cb".into(),
        body: "{\"k\":${object}}".into(),
        ..Default::default()
    };
    let req = put_object(
        BUCKET,
        "a.txt",
        0,
        10,
        &ObjectOptions {
            callback: Some(bare),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        decoded(&req, "x-oss-callback").unwrap(),
        "{\"callbackUrl\":\"http://127.0.0.1:8080/cb\",\"callbackBody\":\"{\\\"k\\\":${object}}\"}"
    );
    assert_eq!(header(&req, "x-oss-callback-var"), None);
}

#[test]
fn initiate_and_parts_never_carry_the_callback() {
    let opts = ObjectOptions {
        callback: Some(callback()),
        ..Default::default()
    };
    let init = initiate_multipart_upload(BUCKET, "a.bin", &opts).unwrap();
    assert_eq!(header(&init, "x-oss-callback"), None);
    assert_eq!(header(&init, "x-oss-callback-var"), None);
    let part = upload_part(BUCKET, "a.bin", "UPLOAD1", 1, 0, 10).unwrap();
    assert_eq!(header(&part, "x-oss-callback"), None);
}

#[test]
fn bad_callbacks_are_refused_with_what_to_change() {
    let cases: Vec<(Callback, &str)> = vec![
        (
            Callback {
                url: String::new(),
                ..callback()
            },
            "url is empty",
        ),
        (
            Callback {
                url: "ftp://x/cb".into(),
                ..callback()
            },
            "must start with http:// or https://",
        ),
        (
            Callback {
                url: "http://a/1;http://a/2;http://a/3;http://a/4;http://a/5;http://a/6".into(),
                ..callback()
            },
            "at most 5",
        ),
        (
            Callback {
                url: "http://a/中文".into(),
                ..callback()
            },
            "percent-encoded",
        ),
        (
            Callback {
                body: String::new(),
                ..callback()
            },
            "callbackBody",
        ),
        (
            Callback {
                content_type: Some("text/plain".into()),
                ..callback()
            },
            "application/json",
        ),
        (
            Callback {
                custom_values: [("UserId".to_owned(), "1".to_owned())]
                    .into_iter()
                    .collect(),
                ..callback()
            },
            "lowercase",
        ),
    ];
    for (cb, expected) in cases {
        let opts = ObjectOptions {
            callback: Some(cb.clone()),
            ..Default::default()
        };
        let e = put_object(BUCKET, "a.txt", 0, 1, &opts).unwrap_err();
        assert!(matches!(e, RequestError::Callback(_)), "{cb:?}: {e:?}");
        assert!(e.to_string().contains(expected), "{e} lacks {expected:?}");
        assert_eq!(e.code(), "InvalidArgument");
        // Checked before anything is sent, for multipart uploads too.
        let mut cfg = config(Some(PART), 2);
        cfg.object = opts;
        let err = Upload::new(cfg, identity(&file_bytes(3 * PART, 1)), None, START_MS)
            .expect_err("refused");
        assert_eq!(err.code, "InvalidArgument");
    }
}

#[test]
fn a_hand_set_x_oss_callback_header_points_to_the_callback_option() {
    for name in ["x-oss-callback", "X-OSS-Callback-Var"] {
        let opts = ObjectOptions {
            headers: vec![(name.to_owned(), "e30=".to_owned())],
            ..Default::default()
        };
        let e = initiate_multipart_upload(BUCKET, "a.bin", &opts).unwrap_err();
        assert!(
            matches!(&e, RequestError::ForbiddenHeader { reason, .. } if reason.contains("callback option")),
            "{e:?}"
        );
    }
}

#[test]
fn multipart_completes_with_the_callback_and_returns_its_answer() {
    let data = file_bytes(3 * PART + 7, 5);
    let mut cfg = config(Some(PART), 2);
    cfg.object.callback = Some(callback());
    let mut h = Harness::new(data, cfg, None, FakeOss::default());
    h.run();
    h.assert_object_is_file();
    assert_eq!(h.result().callback.as_deref(), Some(CALLBACK_ANSWER));
    for (_, req) in &h.sends {
        let has = header(req, "x-oss-callback").is_some();
        assert_eq!(
            has,
            op_of(req) == Op::CompleteMultipartUpload,
            "{:?}",
            op_of(req)
        );
    }
    // The etag comes from the header: the body is the callback's JSON, not Complete's XML.
    assert!(h.result().etag.ends_with("-4\""), "{}", h.result().etag);
}

#[test]
fn a_small_file_sends_its_callback_on_put_object() {
    let mut cfg = config(Some(PART), 2);
    cfg.object.callback = Some(callback());
    let mut h = Harness::new(file_bytes(1000, 2), cfg, None, FakeOss::default());
    h.run();
    assert_eq!(h.oss.ops(), vec![Op::PutObject]);
    assert!(header(&h.sends[0].1, "x-oss-callback").is_some());
    assert_eq!(h.result().callback.as_deref(), Some(CALLBACK_ANSWER));
    // Without a callback option there is no callback answer.
    let mut h = Harness::simple(1000, Some(PART), 2);
    h.run();
    assert_eq!(h.result().callback, None);
}

#[test]
fn callback_failed_rejects_with_the_stored_object() {
    for size in [1000, 3 * PART] {
        let data = file_bytes(size, 9);
        let mut cfg = config(Some(PART), 2);
        cfg.object.callback = Some(callback());
        let mut oss = FakeOss::default();
        oss.fault(
            |op| matches!(op, Op::PutObject | Op::CompleteMultipartUpload),
            1,
            FaultKind::CallbackFailed,
        );
        let mut h = Harness::new(data.clone(), cfg, None, oss);
        h.run();
        // The object is stored, and the error says so.
        assert_eq!(h.oss.objects[KEY].data, data, "size {size}");
        let e = h.error().clone();
        assert_eq!(e.code, "CallbackFailed", "size {size}");
        assert_eq!(e.status, Some(203));
        let stored = e.stored.expect("stored object");
        assert_eq!(stored.key, KEY);
        assert_eq!(stored.crc64, crc64(&data));
        assert_eq!(stored.etag, h.oss.objects[KEY].etag);
        assert_eq!(stored.size, size);
        assert!(
            e.message.contains("only the callback failed"),
            "{}",
            e.message
        );
        // Not retried: one request stored the object; and no checkpoint is left behind.
        assert_eq!(
            h.oss
                .count(|op| matches!(op, Op::PutObject | Op::CompleteMultipartUpload)),
            1
        );
        assert!(h.store.is_none());
    }
}

#[test]
fn a_resumed_upload_completes_with_the_callback_it_started_with() {
    // First session with a callback, paused after two parts.
    let data = file_bytes(4 * PART, 3);
    let mut cfg = config(Some(PART), 1);
    cfg.object.callback = Some(callback());
    let mut h = Harness::new(data.clone(), cfg, None, FakeOss::default());
    h.pause_after_parts = Some(2);
    h.run();
    let cp = h.store.clone().expect("checkpoint");
    assert_eq!(cp.object.callback, Some(callback()));
    // The record survives its stored form (and its integrity covers the callback).
    let stored = serde_json::to_value(&cp).unwrap();
    assert!(stored["object"]["callback"]["url"].is_string(), "{stored}");
    let back = Checkpoint::decode(|| &stored).unwrap();
    assert_eq!(back, cp);
    let mut tampered = cp.clone();
    if let Some(cb) = tampered.object.callback.as_mut() {
        cb.url = "https://evil.example.com/".into();
    }
    assert!(tampered.validate().is_err());

    // Second session without the option: the record's callback goes on Complete.
    let oss = std::mem::take(&mut h.oss);
    let mut h2 = Harness::new(data, config(Some(PART), 1), Some(back), oss);
    h2.run();
    h2.assert_object_is_file();
    assert!(h2.result().resumed);
    let complete = h2
        .sends
        .iter()
        .find(|(_, r)| op_of(r) == Op::CompleteMultipartUpload)
        .expect("complete");
    assert_eq!(
        decoded(&complete.1, "x-oss-callback"),
        Some(
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(&callback().headers()[0].1)
                    .unwrap()
            )
            .unwrap()
        )
    );
    assert_eq!(h2.result().callback.as_deref(), Some(CALLBACK_ANSWER));
}

#[test]
fn records_without_a_callback_read_as_before() {
    let (_, cp, _) = first_session(3 * PART, 1, 1);
    assert_eq!(cp.object.callback, None);
    let stored = serde_json::to_value(&cp).unwrap();
    assert!(!stored.to_string().contains("callback"), "{stored}");
    assert_eq!(Checkpoint::decode(|| &stored).unwrap(), cp);
}

#[test]
fn part_headers_go_on_every_part_and_on_put_object_only() {
    let data = file_bytes(3 * PART, 4);
    let mut cfg = config(Some(PART), 2);
    cfg.object.part_headers = part_headers(
        &[("X-OSS-Request-Payer".to_owned(), "requester".to_owned())],
        Some(819_200),
    )
    .unwrap();
    let mut h = Harness::new(data, cfg.clone(), None, FakeOss::default());
    h.run();
    h.assert_object_is_file();
    for (_, req) in &h.sends {
        let part = matches!(op_of(req), Op::UploadPart(_));
        assert_eq!(
            header(req, "x-oss-traffic-limit"),
            part.then_some("819200"),
            "{:?}",
            op_of(req)
        );
        assert_eq!(
            header(req, "x-oss-request-payer"),
            part.then_some("requester")
        );
    }
    let mut h = Harness::new(file_bytes(10, 1), cfg, None, FakeOss::default());
    h.run();
    assert_eq!(header(&h.sends[0].1, "x-oss-traffic-limit"), Some("819200"));
}

#[test]
fn part_headers_and_traffic_limit_are_checked() {
    for bad in [819_199, 838_860_801, 0] {
        let e = part_headers(&[], Some(bad)).unwrap_err();
        assert!(e.to_string().contains("819200"), "{e}");
    }
    assert!(part_headers(&[], Some(838_860_800)).is_ok());
    let pair = |n: &str, v: &str| vec![(n.to_owned(), v.to_owned())];
    let e = part_headers(&pair("Cache-Control", "no-cache"), None).unwrap_err();
    assert!(e.to_string().contains("only x-oss-traffic-limit"), "{e}");
    let e = part_headers(&pair("x-oss-traffic-limit", "fast"), None).unwrap_err();
    assert!(e.to_string().contains("\"fast\""), "{e}");
    let e = part_headers(&pair("x-oss-traffic-limit", "819200"), Some(819_200)).unwrap_err();
    assert!(e.to_string().contains("both"), "{e}");
    let e = part_headers(&pair("x-oss-request-payer", "me"), None).unwrap_err();
    assert!(e.to_string().contains("requester"), "{e}");
    // On Initiate the limit would limit nothing: refused there, pointing to the option.
    let opts = ObjectOptions {
        headers: pair("x-oss-traffic-limit", "819200"),
        ..Default::default()
    };
    let e = initiate_multipart_upload(BUCKET, "a.bin", &opts).unwrap_err();
    assert!(e.to_string().contains("trafficLimit"), "{e}");
    // And an unchecked list is refused by the machine before anything is sent.
    let mut cfg = config(Some(PART), 2);
    cfg.object.part_headers = pair("x-oss-traffic-limit", "1");
    let e = Upload::new(cfg, identity(&file_bytes(10, 1)), None, START_MS).unwrap_err();
    assert_eq!(e.code, "InvalidArgument");
}

#[test]
fn a_custom_domain_gets_nothing_prefixed_and_no_region() {
    let e = Endpoint::parse_cname("https://static.example.com").unwrap();
    let req = put_object(BUCKET, "dir/a b.txt", 0, 1, &ObjectOptions::default()).unwrap();
    assert_eq!(e.host_for(BUCKET), "static.example.com");
    assert_eq!(e.url(&req), "https://static.example.com/dir/a%20b.txt");
    assert!(e.cname());
    assert_eq!(e.region(), None);
    // Even a host that looks regional implies no region once it is a CNAME.
    let e = Endpoint::parse_cname("oss-cn-hangzhou.aliyuncs.com").unwrap();
    assert_eq!(e.region(), None);
    // Single-label hosts and IPs are accepted (the dev server maps them to a bucket).
    let e = Endpoint::parse_cname("http://localhost:9000").unwrap();
    assert_eq!(e.url(&req), "http://localhost:9000/dir/a%20b.txt");
    let e = Endpoint::parse_cname("http://127.0.0.1:9000").unwrap();
    assert_eq!(e.host_for(BUCKET), "127.0.0.1:9000");
}

#[test]
fn acceleration_endpoints_imply_no_region() {
    for host in [
        "https://oss-accelerate.aliyuncs.com",
        "https://oss-accelerate-overseas.aliyuncs.com",
    ] {
        let e = Endpoint::parse(host, false).unwrap();
        assert!(e.is_acceleration(), "{host}");
        assert_eq!(e.region(), None, "{host}");
        let req = put_object(BUCKET, "k", 0, 1, &ObjectOptions::default()).unwrap();
        assert!(e.url(&req).starts_with(&format!(
            "https://{BUCKET}.{}",
            host.trim_start_matches("https://")
        )));
    }
    assert!(
        !Endpoint::parse("https://oss-cn-hangzhou.aliyuncs.com", false)
            .unwrap()
            .is_acceleration()
    );
}

#[test]
fn callback_events_are_not_retried_as_failures() {
    // A 203 is final: exactly one Failed event, no backoff, no second Complete.
    let mut cfg = config(Some(PART), 1);
    cfg.object.callback = Some(callback());
    let mut oss = FakeOss::default();
    oss.fault(
        |op| *op == Op::CompleteMultipartUpload,
        5,
        FaultKind::CallbackFailed,
    );
    let mut h = Harness::new(file_bytes(2 * PART, 8), cfg, None, oss);
    h.run();
    let failed = h
        .events
        .iter()
        .filter(|e| matches!(e, Event::Failed(_)))
        .count();
    assert_eq!(failed, 1);
    assert_eq!(h.oss.count(|op| *op == Op::CompleteMultipartUpload), 1);
}
