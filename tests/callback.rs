//! Browser tests of issue 13 part A against oss-devserver: upload callbacks (the dev server POSTs
//! to its own `/__dev/callback-sink`, which records what it received), per-part headers and the
//! traffic limit, and custom-domain endpoints (`cname: true`, bound with `POST /__dev/cnames`).
//! Run by `make test-browser` in Chromium, Firefox and WebKit.

mod support;

use js_sys::Object;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The callbacks the sink received whose path starts with `/__dev/callback-sink/<tag>`.
async fn sink_received(tag: &str) -> Vec<JsValue> {
    let list: js_sys::Array = get(&dev_get("/__dev/callbacks").await, "callbacks").unchecked_into();
    let prefix = format!("/__dev/callback-sink/{tag}");
    list.iter()
        .filter(|c| get_str(c, "pathAndQuery").starts_with(&prefix))
        .collect()
}

/// Upload options with a callback to the sink under `tag` (`query` appended to its URL).
fn callback_options(tag: &str, query: &str) -> JsValue {
    let o: JsValue = Object::new().into();
    let cb = js(
        r#"{"body": "bucket=${bucket}&object=${object}&size=${size}&crc64=${crc64}&uid=${x:uid}", "customValues": {"uid": "u 1&2"}}"#,
    );
    set(
        &cb,
        "url",
        format!("{}/__dev/callback-sink/{tag}{query}", url()),
    );
    set(&o, "callback", cb);
    o
}

/// `key` URL-encoded as the dev server substitutes it in a form body.
fn form(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
        .replace('!', "%21")
        .replace('\'', "%27")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('*', "%2A")
}

/// Whether the request log marks the requests of `key` as carrying `x-oss-callback`.
async fn callback_operations(key: &str) -> Vec<String> {
    let log: js_sys::Array = get(&dev_get("/__dev/requests").await, "requests").unchecked_into();
    log.iter()
        .filter(|e| get_str(e, "key") == key && get(e, "callback").is_truthy())
        .map(|e| get_str(&e, "operation"))
        .collect()
}

#[wasm_bindgen_test]
async fn multipart_and_small_uploads_call_back_and_return_the_answer() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400}"#,
    ))
    .expect("uploader");
    for (size, multipart) in [(3 * 100 * KIB + 5, true), (1000, false)] {
        let key = unique("callback/ok");
        let tag = unique("ok");
        let file = make_file(size, 11, "c.bin");
        let result = upload(&up, &file, &key, Some(callback_options(&tag, "")))
            .await
            .expect("upload");
        assert_server_has(&key, &file).await;
        let crc = crc_of(&file).await;
        let expected = format!(
            "bucket=demo&object={}&size={size}&crc64={crc}&uid=u%201%262",
            form(&key)
        );
        // The callback server's JSON answer, parsed, is the result's `callback`.
        let answer = get(&result, "callback");
        assert!(get(&answer, "received").is_truthy(), "{answer:?}");
        assert_eq!(get_str(&answer, "body"), expected);
        // What the callback server received: exactly that body, signed.
        let got = sink_received(&tag).await;
        assert_eq!(got.len(), 1, "one callback for {key}");
        assert_eq!(get_str(&got[0], "body"), expected);
        assert_eq!(
            get_str(&got[0], "contentType"),
            "application/x-www-form-urlencoded"
        );
        assert!(get_str(&got[0], "authorization").len() > 300);
        assert!(!get_str(&got[0], "pubKeyUrl").is_empty());
        // The callback went on the request that stored the object, and only there.
        let expected_op = if multipart {
            "CompleteMultipartUpload"
        } else {
            "PutObject"
        };
        assert_eq!(callback_operations(&key).await, vec![expected_op]);
    }
    // No callback option: no `callback` field.
    let key = unique("callback/none");
    let result = upload(&up, &make_file(10, 1, "n.bin"), &key, None)
        .await
        .expect("upload");
    assert!(get(&result, "callback").is_undefined());
}

#[wasm_bindgen_test]
async fn a_failed_callback_rejects_with_callback_failed_and_the_stored_object() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400}"#,
    ))
    .expect("uploader");
    for (size, query) in [(2 * 100 * KIB, "?status=500"), (500, "?text=OK")] {
        let key = unique("callback/failed");
        let tag = unique("failed");
        let file = make_file(size, 3, "f.bin");
        let err = upload(&up, &file, &key, Some(callback_options(&tag, query)))
            .await
            .expect_err("CallbackFailed");
        assert_eq!(oss_code(&err), "CallbackFailed", "{err:?}");
        assert_eq!(get_f64(&err, "status"), 203.0);
        // The object is stored, and the error names it.
        assert_server_has(&key, &file).await;
        assert_eq!(get_str(&err, "key"), key);
        assert_eq!(get_str(&err, "crc64"), crc_of(&file).await.to_string());
        assert!(get_str(&err, "etag").starts_with('"'), "{err:?}");
        assert_eq!(sink_received(&tag).await.len(), 1);
        // Not retried, nothing left to resume.
        let log = requests_for(&key).await;
        assert_eq!(
            count(&log, "CompleteMultipartUpload") + count(&log, "PutObject"),
            1
        );
        sts.assert_absent(&format!("{err:?}"), "the CallbackFailed error");
    }
    assert_eq!(pending(&up).await.length(), 0);
}

#[wasm_bindgen_test]
async fn a_resumed_upload_completes_with_its_callback() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("callback/resume");
    let tag = unique("resume");
    let file = make_file(4 * 100 * KIB, 21, "r.bin");
    // First run with the callback, paused after one part.
    faults(r#"{"operation":"UploadPart","partNumber":2,"count":1,"kind":"delay","delayMs":3000}"#)
        .await;
    let (pause, _controller) = abort_after_parts(1);
    let cb = get(&callback_options(&tag, ""), "callback");
    set(&pause, "callback", cb);
    let first = uploader(&opts).expect("uploader");
    let err = upload(&first, &file, &key, Some(pause))
        .await
        .expect_err("paused");
    assert_eq!(get_str(&err, "name"), "AbortError");
    clear_faults().await;
    // The stored record holds the callback, and no secret.
    let stored = dump_store(&db).await;
    assert!(stored.contains(&tag), "{stored}");
    sts.assert_absent(&stored, "IndexedDB");
    // A new uploader resumes without the option: the record's callback fires at Complete.
    let second = uploader(&opts).expect("uploader");
    let result = upload(&second, &file, &key, None).await.expect("resume");
    assert!(get(&result, "resumed").is_truthy());
    assert_server_has(&key, &file).await;
    assert!(get(&get(&result, "callback"), "received").is_truthy());
    let got = sink_received(&tag).await;
    assert_eq!(got.len(), 1);
    assert!(get_str(&got[0], "body").contains(&format!("object={}", form(&key))));
}

#[wasm_bindgen_test]
async fn bad_callbacks_and_hand_set_callback_headers_are_refused() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(&sts.provider(3600).into(), &db, "")).expect("uploader");
    let file = make_file(10, 1, "x.bin");
    for (extra, needle) in [
        (
            r#"{"headers": {"x-oss-callback": "e30="}}"#,
            "callback option",
        ),
        (
            r#"{"callback": {"url": "ftp://x/cb", "body": "a"}}"#,
            "http://",
        ),
        (
            r#"{"callback": {"url": "http://127.0.0.1/cb"}}"#,
            "callback.body",
        ),
        (
            r#"{"callback": {"url": "http://127.0.0.1/cb", "body": "a", "contentType": "text/plain"}}"#,
            "application/json",
        ),
        (
            r#"{"callback": {"url": "http://127.0.0.1/cb", "body": "a", "customValues": {"Up": "1"}}}"#,
            "lowercase",
        ),
    ] {
        let key = unique("callback/bad");
        let err = upload(&up, &file, &key, Some(js(extra)))
            .await
            .expect_err(extra);
        assert_eq!(oss_code(&err), "InvalidArgument", "{extra}");
        let message = get_str(&err, "message");
        assert!(message.contains(needle), "{extra}: {message}");
        assert!(
            requests_for(&key).await.is_empty(),
            "nothing sent for {extra}"
        );
    }
}

#[wasm_bindgen_test]
async fn traffic_limit_and_part_headers_reach_every_part() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400}"#,
    ))
    .expect("uploader");
    for (extra, limit) in [
        (r#"{"trafficLimit": 819200}"#, 819_200.0),
        (
            r#"{"partHeaders": {"X-OSS-Traffic-Limit": "838860800"}}"#,
            838_860_800.0,
        ),
    ] {
        let key = unique("traffic");
        let file = make_file(3 * 100 * KIB, 5, "t.bin");
        upload(&up, &file, &key, Some(js(extra)))
            .await
            .expect("upload");
        assert_server_has(&key, &file).await;
        let log: js_sys::Array =
            get(&dev_get("/__dev/requests").await, "requests").unchecked_into();
        let mine: Vec<JsValue> = log.iter().filter(|e| get_str(e, "key") == key).collect();
        let parts: Vec<&JsValue> = mine
            .iter()
            .filter(|e| get_str(e, "operation") == "UploadPart")
            .collect();
        assert_eq!(parts.len(), 3);
        for e in &mine {
            let expected = if get_str(e, "operation") == "UploadPart" {
                Some(limit)
            } else {
                None
            };
            assert_eq!(get(e, "trafficLimit").as_f64(), expected, "{extra}");
        }
    }
    // Out of OSS's range, or both ways at once: refused before anything is sent.
    for extra in [
        r#"{"trafficLimit": 819199}"#,
        r#"{"trafficLimit": 838860801}"#,
        r#"{"trafficLimit": 819200, "partHeaders": {"x-oss-traffic-limit": "819200"}}"#,
        r#"{"partHeaders": {"Cache-Control": "no-cache"}}"#,
        r#"{"headers": {"x-oss-traffic-limit": "819200"}}"#,
    ] {
        let key = unique("traffic/bad");
        let err = upload(&up, &make_file(10, 1, "b.bin"), &key, Some(js(extra)))
            .await
            .expect_err(extra);
        assert_eq!(oss_code(&err), "InvalidArgument", "{extra}");
        assert!(requests_for(&key).await.is_empty());
    }
}

#[wasm_bindgen_test]
async fn a_custom_domain_endpoint_reaches_its_bucket() {
    // `localhost` resolves to the dev server's loopback address in every browser; bound to the
    // bucket, it is the bucket's own domain: nothing prefixed, the path only the key.
    dev_post(
        r#"/__dev/cnames"#,
        r#"{"host": "localhost", "bucket": "demo"}"#,
    )
    .await;
    let port = url().rsplit(':').next().unwrap_or_default().to_string();
    let endpoint = format!("http://localhost:{port}");
    let sts = Sts::default();
    let db = unique("db");
    let creds: JsValue = sts.provider(3600).into();
    let opts = options(
        &creds,
        &db,
        r#"{"partSize": 102400, "pathStyle": false, "cname": true}"#,
    );
    set(&opts, "endpoint", endpoint.clone());
    let up = uploader(&opts).expect("uploader");
    for size in [2 * 100 * KIB + 1, 10] {
        let key = unique("cname/dir/a b");
        let file = make_file(size, 9, "n.bin");
        let result = upload(&up, &file, &key, None).await.expect("upload");
        assert_eq!(get_str(&result, "bucket"), "demo");
        assert_server_has(&key, &file).await;
    }
    // V4 needs the region there, and cname excludes pathStyle.
    let no_region = options(&creds, &db, r#"{"pathStyle": false, "cname": true}"#);
    set(&no_region, "endpoint", endpoint.clone());
    delete_field(&no_region, "region");
    let err = uploader(&no_region).err().expect("region required");
    assert_eq!(oss_code(&err), "InvalidArgument");
    assert!(
        get_str(&err, "message").contains("custom domain"),
        "{err:?}"
    );
    let both = options(&creds, &db, r#"{"cname": true}"#);
    let err = uploader(&both).err().expect("cname and pathStyle");
    assert!(get_str(&err, "message").contains("pathStyle"), "{err:?}");
    // The acceleration endpoint likewise names no region.
    let accel = options(
        &creds,
        &db,
        r#"{"endpoint": "https://oss-accelerate.aliyuncs.com", "pathStyle": false}"#,
    );
    delete_field(&accel, "region");
    let err = uploader(&accel).err().expect("region required");
    assert!(get_str(&err, "message").contains("acceleration"), "{err:?}");
}

fn delete_field(o: &JsValue, name: &str) {
    js_sys::Reflect::delete_property(o.unchecked_ref::<Object>(), &JsValue::from_str(name))
        .expect("delete");
}
