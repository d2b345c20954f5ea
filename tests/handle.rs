//! Issue 13, part B, in real browsers against oss-devserver: signing on the app's server
//! (`credentials.signer`), one `maxPartsInFlight` for many uploads, `onStart` and `cancel(id)`,
//! and `retry.shouldRetry`. Each test asserts what the server holds (size, CRC-64) and what it
//! saw (its request log, its count of UploadParts in flight). Offline waiting needs the browser's
//! own network switch: `e2e/offline.test.mjs`.
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/support/devserver.js")]
extern "C" {
    #[wasm_bindgen(js_name = mintStsWithoutSecret)]
    fn mint_sts_without_secret(dev_url: &str) -> Promise;
    #[wasm_bindgen(js_name = devSigner)]
    fn dev_signer(dev_url: &str, access_key_id: &str, calls: &Array, tamper: &JsValue) -> Function;
    #[wasm_bindgen(js_name = resetInFlight)]
    fn reset_in_flight(dev_url: &str, key_prefix: &str) -> Promise;
    #[wasm_bindgen(js_name = inFlight)]
    fn in_flight(dev_url: &str) -> Promise;
    #[wasm_bindgen(js_name = settleAll)]
    fn settle_all(promises: &Array) -> Promise;
}

async fn wait(p: Promise) -> JsValue {
    JsFuture::from(p).await.expect("fixture")
}

/// `{accessKeyId, securityToken, signer}` for a freshly minted STS key; the page never sees its
/// secret. Returns the credentials, the signer's calls and the token.
async fn signer_credentials(tamper: JsValue) -> (JsValue, Array, String) {
    let sts = wait(mint_sts_without_secret(url())).await;
    let id = get_str(&sts, "accessKeyId");
    let token = get_str(&sts, "securityToken");
    let calls = Array::new();
    let creds: JsValue = Object::new().into();
    set(&creds, "accessKeyId", id.as_str());
    set(&creds, "securityToken", token.as_str());
    set(&creds, "signer", dev_signer(url(), &id, &calls, &tamper));
    (creds, calls, token)
}

/// V4 and V1, multipart and PutObject, signed by the app's server only: the objects are the
/// files, every request the server saw was signed by the signer (one call each), and the page's
/// checkpoint store holds no token.
#[wasm_bindgen_test]
async fn a_signer_on_the_apps_server_signs_every_request() {
    for version in ["v4", "v1"] {
        let (creds, calls, token) = signer_credentials(JsValue::UNDEFINED).await;
        let db = unique("db");
        let up = uploader(&options(
            &creds,
            &db,
            &format!(r#"{{"partSize": 102400, "signatureVersion": "{version}"}}"#),
        ))
        .expect("uploader");
        let key = unique(&format!("signer/{version}"));
        let file = make_file(350 * KIB, 7, "signed.bin");
        let result = upload(&up, &file, &key, None).await.expect("upload");
        assert_server_has(&key, &file).await;
        assert_eq!(get_str(&result, "crc64"), crc_of(&file).await.to_string());
        let log = requests_for(&key).await;
        assert_eq!(count(&log, "UploadPart"), 4, "{log:?}");
        assert!(log.iter().all(|l| l.status < 300), "{log:?}");
        assert_eq!(
            calls.length() as usize,
            log.len(),
            "one signature per request"
        );
        for call in calls.iter() {
            assert_eq!(get_str(&call, "version"), version);
            assert_eq!(get_str(&call, "region"), "cn-hangzhou");
            assert!(get_str(&call, "url").starts_with(url()), "{call:?}");
            assert!(!get_str(&call, "stringToSign").is_empty());
            let headers = get(&call, "headers");
            assert_eq!(get_str(&headers, "x-oss-date"), get_str(&call, "date"));
            assert!(get(&headers, "authorization").is_undefined());
        }
        let small_key = unique(&format!("signer/{version}-small"));
        let small = make_file(1000, 8, "small.bin");
        upload(&up, &small, &small_key, None).await.expect("put");
        assert_server_has(&small_key, &small).await;
        assert!(
            !dump_store(&db).await.contains(&token),
            "a token reached IndexedDB"
        );
    }
}

/// A signature of the wrong shape never leaves the page (SignerError, nothing sent); a
/// well-formed but wrong one is the server's SignatureDoesNotMatch.
#[wasm_bindgen_test]
async fn a_wrong_signature_is_a_typed_error() {
    let not_hex =
        Closure::<dyn Fn(String) -> String>::new(|_| "not a signature".to_owned()).into_js_value();
    let (creds, _, _) = signer_credentials(not_hex).await;
    let up =
        uploader(&options(&creds, &unique("db"), r#"{"partSize": 102400}"#)).expect("uploader");
    let key = unique("signer/shape");
    let err = upload(&up, &make_file(300 * KIB, 9, "x.bin"), &key, None)
        .await
        .expect_err("refused");
    assert_eq!(oss_code(&err), "SignerError");
    assert!(
        requests_for(&key).await.is_empty(),
        "an unsigned request was sent"
    );

    let wrong = Closure::<dyn Fn(String) -> String>::new(|_| "0".repeat(64)).into_js_value();
    let (creds, _, _) = signer_credentials(wrong).await;
    let up =
        uploader(&options(&creds, &unique("db"), r#"{"partSize": 102400}"#)).expect("uploader");
    let key = unique("signer/wrong");
    let err = upload(&up, &make_file(300 * KIB, 9, "x.bin"), &key, None)
        .await
        .expect_err("refused");
    assert_eq!(oss_code(&err), "SignatureDoesNotMatch");
    assert_eq!(get_f64(&err, "status"), 403.0);
    let log = requests_for(&key).await;
    assert!(
        !log.is_empty() && log.iter().all(|l| l.code == "SignatureDoesNotMatch"),
        "{log:?}"
    );
}

/// Five uploads at once with `maxPartsInFlight: 4` (each `parallel: 3`): the server never
/// handles more than 4 UploadParts at a time, uses all 4, and holds all five files.
#[wasm_bindgen_test]
async fn five_uploads_share_max_parts_in_flight() {
    let sts = Sts::default();
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &unique("db"),
        r#"{"partSize": 102400, "parallel": 3, "maxPartsInFlight": 4}"#,
    ))
    .expect("uploader");
    // Parts linger at the server, so the uploads really overlap.
    faults(r#"{"operation":"UploadPart","count":0,"kind":"delay","delayMs":150}"#).await;
    // Only this test's keys count (parts an earlier test cancelled may still be at the server).
    let prefix = unique("limit/");
    wait(reset_in_flight(url(), &prefix)).await;
    let files: Vec<_> = (0..5u32)
        .map(|i| {
            (
                format!("{prefix}/f{i}"),
                make_file(600 * KIB, 40 + i, "f.bin"),
            )
        })
        .collect();
    let promises = Array::new();
    for (key, file) in &files {
        promises.push(
            &up.upload(file.clone().unchecked_into(), key.clone(), None)
                .into(),
        );
    }
    let outcomes: Array = wait(settle_all(&promises)).await.unchecked_into();
    clear_faults().await;
    let counts = wait(in_flight(url())).await;
    for o in outcomes.iter() {
        assert!(get(&o, "ok").is_truthy(), "{:?}", get(&o, "value"));
    }
    for (key, file) in &files {
        assert_server_has(key, file).await;
    }
    let peak = get_f64(&counts, "peakUploadPart");
    assert!(peak <= 4.0, "{peak} UploadParts in flight at the server");
    assert_eq!(peak, 4.0, "the shared limit was never used in full");
}

/// `onStart` comes once, before any part, with the id `cancel` takes; `cancel(id)` stops the
/// upload, aborts it on the server (AbortMultipartUpload of the upload id onStart gave) and
/// forgets the checkpoint; the upload rejects with `Cancelled`.
#[wasm_bindgen_test]
async fn on_start_then_cancel_aborts_the_upload_on_the_server() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 2}"#,
    ))
    .expect("uploader");
    faults(r#"{"operation":"UploadPart","count":0,"kind":"delay","delayMs":300}"#).await;
    let key = unique("cancel/obj");
    let file = make_file(1000 * KIB, 61, "cancel.bin");
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let started: Rc<RefCell<Vec<JsValue>>> = Rc::default();
    let opts: JsValue = Object::new().into();
    let (s, st) = (seen.clone(), started.clone());
    set(
        &opts,
        "onStart",
        Closure::<dyn Fn(JsValue)>::new(move |info: JsValue| {
            s.borrow_mut().push("start".into());
            st.borrow_mut().push(info);
        })
        .into_js_value(),
    );
    let s = seen.clone();
    set(
        &opts,
        "onProgress",
        Closure::<dyn Fn(JsValue)>::new(move |p: JsValue| {
            if get_f64(&p, "partsDone") > 0.0 {
                s.borrow_mut().push("part".into());
            }
        })
        .into_js_value(),
    );
    let running: Promise = up
        .upload(
            file.clone().unchecked_into(),
            key.clone(),
            Some(opts.unchecked_into()),
        )
        .unchecked_into();
    while !seen.borrow().contains(&"part".to_owned()) {
        sleep(20).await;
    }
    let info = started
        .borrow()
        .first()
        .cloned()
        .expect("onStart was called");
    let id = get_str(&info, "id");
    let listed = pending(&up).await;
    assert_eq!(
        get_str(&listed.get(0), "id"),
        id,
        "onStart's id is pending()'s"
    );
    let cancelled: Promise = up.cancel(id.clone()).unchecked_into();
    JsFuture::from(cancelled).await.expect("cancel");
    let err = JsFuture::from(running).await.expect_err("cancelled");
    clear_faults().await;
    assert_eq!(oss_code(&err), "Cancelled");
    assert_eq!(seen.borrow().first().map(String::as_str), Some("start"));
    assert_eq!(started.borrow().len(), 1, "onStart more than once");
    assert_eq!(get_str(&info, "key"), key);
    assert!(!get(&info, "resumed").is_truthy());
    let log = requests_for(&key).await;
    let abort = log
        .iter()
        .find(|l| l.operation == "AbortMultipartUpload")
        .expect("an Abort was sent");
    assert_eq!(abort.status, 204);
    assert_eq!(abort.upload_id, get_str(&info, "uploadId"));
    assert_eq!(count(&log, "CompleteMultipartUpload"), 0);
    assert!(
        count(&log, "UploadPart") < 10,
        "every part went out: {log:?}"
    );
    assert!(server_object(&key).await.is_none());
    assert_eq!(pending(&up).await.length(), 0, "the checkpoint is kept");
}

/// `retry.shouldRetry` is asked for a 503 (which the core would retry) with the error and the
/// try; answering false ends the upload with that error after one try.
#[wasm_bindgen_test]
async fn should_retry_can_stop_a_retry() {
    let sts = Sts::default();
    let asked = Array::new();
    let log_to = asked.clone();
    let should_retry = Closure::<dyn Fn(JsValue, u32) -> bool>::new(move |e: JsValue, n: u32| {
        log_to.push(&JsValue::from_str(&format!("{} {n}", get_str(&e, "code"))));
        false
    })
    .into_js_value();
    let opts = options(
        &sts.provider(3600).into(),
        &unique("db"),
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let retry: JsValue = Object::new().into();
    set(&retry, "shouldRetry", should_retry);
    set(&opts, "retry", retry);
    let up = uploader(&opts).expect("uploader");
    let key = unique("retry/steer");
    faults(r#"{"operation":"UploadPart","partNumber":2,"count":1,"kind":"error","status":503,"code":"ServiceUnavailable"}"#).await;
    let err = upload(&up, &make_file(300 * KIB, 71, "r.bin"), &key, None)
        .await
        .expect_err("stopped");
    clear_faults().await;
    assert_eq!(oss_code(&err), "ServiceUnavailable");
    assert_eq!(
        asked.to_vec(),
        vec![JsValue::from_str("ServiceUnavailable 1")]
    );
    let log = requests_for(&key).await;
    let part2 = log
        .iter()
        .filter(|l| l.operation == "UploadPart" && l.part_number == Some(2))
        .count();
    assert_eq!(part2, 1, "{log:?}");
}
