//! Real uploads from headless Chromium, Firefox and WebKit to oss-devserver through the exported JS API. Every test
//! asserts what the server holds (size, CRC-64) and what it was sent (its request log), not only
//! what the client says.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Object, Reflect};
use oss_resumable::core::checkpoint::{Checkpoint, ObjectOptions, CHECKPOINT_MAGIC};
use oss_resumable::observe::hash_worker_jobs;
use serde::Serialize;
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::File;

wasm_bindgen_test_configure!(run_in_browser);

/// 0 B, 1 B, 100 KiB − 1 (single PutObject), exactly one part, one part + 1 byte (multipart).
#[wasm_bindgen_test]
async fn sizes_round_trip_with_v4_and_sts() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400}"#,
    ))
    .expect("uploader");
    for (size, multipart) in [
        (0, false),
        (1, false),
        (100 * KIB - 1, false),
        (100 * KIB, true),
        (100 * KIB + 1, true),
    ] {
        let key = unique(&format!("sizes/{size}"));
        let file = make_file(size, size as u32 + 7, "f.bin");
        let result = upload(&up, &file, &key, None).await.expect("upload");
        assert_server_has(&key, &file).await;
        assert_eq!(get_str(&result, "crc64"), crc_of(&file).await.to_string());
        assert_eq!(get_f64(&result, "size"), size as f64);
        assert_eq!(get_str(&result, "key"), key);
        assert!(!get(&result, "resumed").is_truthy());
        let log = requests_for(&key).await;
        if multipart {
            assert_eq!(count(&log, "InitiateMultipartUpload"), 1, "{size}: {log:?}");
            assert_eq!(
                count(&log, "UploadPart"),
                if size > 100 * KIB { 2 } else { 1 }
            );
            assert_eq!(count(&log, "CompleteMultipartUpload"), 1);
            assert!(!get_str(&result, "uploadId").is_empty());
        } else {
            assert_eq!(count(&log, "PutObject"), 1, "{size}: {log:?}");
            assert_eq!(count(&log, "InitiateMultipartUpload"), 0);
        }
    }
    // Nothing is left to resume once every upload completed.
    assert_eq!(pending(&up).await.length(), 0);
}

/// 50 MiB with the defaults (8 MiB parts, 3 in flight), progress that never goes backwards.
#[wasm_bindgen_test]
async fn fifty_mib_with_defaults_and_monotonic_progress() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(&sts.provider(3600).into(), &db, "")).expect("uploader");
    let key = unique("big/50mib");
    let file = make_file(50 * MIB, 50, "big.bin");

    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<(f64, String)>::new()));
    let on_progress = {
        let seen = seen.clone();
        wasm_bindgen::closure::Closure::<dyn Fn(JsValue)>::new(move |p: JsValue| {
            seen.borrow_mut()
                .push((get_f64(&p, "loaded"), get_str(&p, "phase")));
        })
    };
    let opts = js("{}");
    set(&opts, "onProgress", on_progress.into_js_value());
    let result = upload(&up, &file, &key, Some(opts)).await.expect("upload");

    assert_server_has(&key, &file).await;
    let log = requests_for(&key).await;
    assert_eq!(
        count(&log, "UploadPart"),
        7,
        "50 MiB / 8 MiB = 7 parts: {log:?}"
    );
    assert_eq!(get_f64(&result, "size"), (50 * MIB) as f64);
    let seen = seen.borrow().clone();
    assert!(
        seen.len() >= 7,
        "progress was reported {} times",
        seen.len()
    );
    for pair in seen.windows(2) {
        assert!(pair[1].0 >= pair[0].0, "progress went backwards: {pair:?}");
    }
    assert!(seen.iter().any(|(_, phase)| phase == "completing"));
    assert_eq!(
        seen.last().map(|(l, p)| (*l, p.as_str())),
        Some(((50 * MIB) as f64, "done"))
    );
    sts.assert_absent(&dump_store(&db).await, "IndexedDB");
}

/// V1 (HMAC-SHA1) signing with credentials given as a fixed object in the STS API's PascalCase.
#[wasm_bindgen_test]
async fn v1_signing_with_fixed_pascal_case_credentials() {
    let sts = Sts::default();
    let creds = sts.fixed().await;
    let db = unique("db");
    let up = uploader(&options(
        &creds,
        &db,
        r#"{"signatureVersion": "v1", "partSize": 102400}"#,
    ))
    .expect("uploader");
    let key = unique("v1/obj");
    let file = make_file(250 * KIB, 3, "v1.bin");
    upload(&up, &file, &key, None).await.expect("upload");
    assert_server_has(&key, &file).await;
    assert_eq!(count(&requests_for(&key).await, "UploadPart"), 3);
}

/// Pause at about half, then a new Uploader in the same page resumes: only the missing parts
/// are sent, the result says so, and the object is byte-identical.
#[wasm_bindgen_test]
async fn pause_at_half_then_a_new_uploader_resumes() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 262144, "parallel": 2}"#,
    );
    let key = unique("resume/obj");
    let file = make_file(2 * MIB, 11, "resume.bin"); // 8 parts
                                                     // The second half is slow, so the pause lands in the middle whatever the machine's speed.
    faults(
        r#"[{"operation":"UploadPart","partNumber":5,"count":1,"kind":"delay","delayMs":3000},
               {"operation":"UploadPart","partNumber":6,"count":1,"kind":"delay","delayMs":3000}]"#,
    )
    .await;
    let (pause, _controller) = abort_after_parts(4);
    let first = uploader(&opts).expect("uploader");
    let err = upload(&first, &file, &key, Some(pause))
        .await
        .expect_err("paused");
    assert_eq!(get_str(&err, "name"), "AbortError");
    clear_faults().await;

    let listed = pending(&first).await;
    assert_eq!(listed.length(), 1);
    let record = listed.get(0);
    assert_eq!(get_str(&record, "key"), key);
    assert!(get_f64(&record, "bytesDone") >= (4 * 256 * KIB) as f64);
    assert!(
        server_object(&key).await.is_none(),
        "nothing is completed while paused"
    );
    sts.assert_absent(&dump_store(&db).await, "IndexedDB");

    let log_before = requests_for(&key).await;
    let sent_before: Vec<u32> = log_before
        .iter()
        .filter(|l| l.operation == "UploadPart" && l.status == 200)
        .filter_map(|l| l.part_number)
        .collect();
    let second = uploader(&opts).expect("uploader");
    let result = upload(&second, &file, &key, None).await.expect("resume");
    assert!(get(&result, "resumed").is_truthy());
    let reused = get_f64(&result, "partsReused") as usize;
    assert!(reused >= 4, "partsReused = {reused}");

    let log = requests_for(&key).await;
    assert_eq!(
        count(&log, "InitiateMultipartUpload"),
        1,
        "resume must not start over"
    );
    assert!(count(&log, "ListParts") >= 1, "resume asks the server");
    // The parts the second uploader stored (the log is in the order requests ended; its first
    // parts leave with its ListParts, so they may end before it does).
    let resent: Vec<u32> = log
        .iter()
        .skip(log_before.len())
        .filter(|l| l.operation == "UploadPart" && l.status == 200)
        .filter_map(|l| l.part_number)
        .collect();
    assert_eq!(
        resent.len(),
        8 - reused,
        "only missing parts are sent: {resent:?}"
    );
    assert!(
        reused <= sent_before.len(),
        "{reused} parts reused but only {sent_before:?} were sent before the pause"
    );
    assert_server_has(&key, &file).await;
    assert_eq!(
        pending(&second).await.length(),
        0,
        "the checkpoint is deleted after Complete"
    );
}

/// A connection dropped mid-part and a 503 are retried; the object is intact.
#[wasm_bindgen_test]
async fn dropped_connection_and_503_are_retried() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "retry": {"baseDelayMs": 10, "maxDelayMs": 50}}"#,
    ))
    .expect("uploader");
    let key = unique("faults/drop");
    faults(r#"[{"operation":"UploadPart","partNumber":2,"count":1,"kind":"drop","afterBytes":50000},
               {"operation":"UploadPart","partNumber":3,"count":1,"kind":"error","status":503,"code":"ServiceUnavailable"}]"#)
        .await;
    let file = make_file(450 * KIB, 21, "drop.bin");
    upload(&up, &file, &key, None).await.expect("upload");
    clear_faults().await;
    assert_server_has(&key, &file).await;
    let log = requests_for(&key).await;
    let tries = |n: u32| {
        log.iter()
            .filter(|l| l.operation == "UploadPart" && l.part_number == Some(n))
            .count()
    };
    assert_eq!(tries(2), 2, "part 2 was dropped once then re-sent: {log:?}");
    assert_eq!(tries(3), 2, "part 3 got a 503 once then was re-sent");
    assert_eq!(tries(1), 1);
}

/// Waits up to 2 s for `done` (the test's assertion after it says what was expected).
async fn wait_until(done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        sleep(20).await;
    }
}

/// An Uploader whose store holds an upload to resume asks its provider for credentials as it is
/// made, and the resume uses that answer instead of asking again; one over an empty store asks
/// nothing before an upload (issue 16).
#[wasm_bindgen_test]
async fn an_uploader_with_an_upload_to_resume_asks_for_credentials_as_it_is_made() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("early-credentials/obj");
    let file = make_file(500 * KIB, 103, "early.bin");
    upload_then_pause(&opts, &file, &key, 2).await;
    let idle = Sts::default();
    let _idle = uploader(&options(&idle.provider(3600).into(), &unique("db"), "")).expect("u");
    let before = sts.calls.get();
    let second = uploader(&opts).expect("uploader");
    wait_until(|| sts.calls.get() > before).await;
    assert_eq!(
        sts.calls.get(),
        before + 1,
        "asked as the Uploader was made"
    );
    assert_eq!(idle.calls.get(), 0, "an empty store asks nothing");
    let result = upload(&second, &file, &key, None).await.expect("resume");
    assert!(get(&result, "resumed").is_truthy());
    assert_server_has(&key, &file).await;
    assert_eq!(
        sts.calls.get(),
        before + 1,
        "the resume used the answer asked for as the Uploader was made"
    );
}

/// The call made as the Uploader was made failed (the token service was down then): the resume
/// asks the provider again and goes on, with no error.
#[wasm_bindgen_test]
async fn a_failed_early_credentials_call_is_made_again_by_the_upload() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("early-credentials/failed");
    let file = make_file(500 * KIB, 107, "early-failed.bin");
    upload_then_pause(&opts, &file, &key, 2).await;
    // Fails its first call, then asks the dev server's STS.
    let real = sts.provider(3600);
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let counted = calls.clone();
    let flaky = wasm_bindgen::closure::Closure::<dyn Fn() -> JsValue>::new(move || {
        counted.set(counted.get() + 1);
        if counted.get() == 1 {
            js_sys::Promise::reject(&JsValue::from_str("token service down")).into()
        } else {
            real.call0(&JsValue::UNDEFINED)
                .unwrap_or(JsValue::UNDEFINED)
        }
    })
    .into_js_value();
    let second = uploader(&options(
        &flaky,
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    ))
    .expect("uploader");
    wait_until(|| calls.get() > 0).await;
    assert_eq!(calls.get(), 1, "asked as the Uploader was made");
    let result = upload(&second, &file, &key, None).await.expect("resume");
    assert!(get(&result, "resumed").is_truthy());
    assert_server_has(&key, &file).await;
    assert_eq!(calls.get(), 2, "asked once more by the upload");
}

/// Three parts failing together on an expired token cause exactly one credential refresh.
#[wasm_bindgen_test]
async fn expired_token_mid_upload_refreshes_once() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 3}"#,
    ))
    .expect("uploader");
    let key = unique("faults/token");
    // The first UploadPart expires the credentials it carries; the parts in flight with them
    // fail together, and exactly one refresh must fix all of them.
    faults(r#"{"operation":"UploadPart","count":1,"kind":"expireToken"}"#).await;
    let file = make_file(600 * KIB, 31, "token.bin");
    upload(&up, &file, &key, None).await.expect("upload");
    clear_faults().await;
    assert_server_has(&key, &file).await;
    assert_eq!(
        sts.calls.get(),
        2,
        "one call at start and exactly one refresh"
    );
    let log = requests_for(&key).await;
    let expired = log
        .iter()
        .filter(|l| l.code == "SecurityTokenExpired")
        .count();
    assert!(expired >= 1, "the token expired mid-upload: {log:?}");
}

/// A page clock 20 minutes off: the first request is refused, the offset is taken from
/// `<ServerTime>` and kept, and the upload completes.
#[wasm_bindgen_test]
async fn clock_skew_is_corrected_from_server_time() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400}"#,
    ))
    .expect("uploader");
    let key = unique("faults/skew");
    faults(r#"{"count":0,"kind":"skew","skewMs":1200000}"#).await;
    let file = make_file(300 * KIB, 41, "skew.bin");
    let outcome = upload(&up, &file, &key, None).await;
    clear_faults().await;
    outcome.expect("upload");
    assert_server_has(&key, &file).await;
    let log = requests_for(&key).await;
    let skewed = log
        .iter()
        .filter(|l| l.code == "RequestTimeTooSkewed")
        .count();
    assert_eq!(skewed, 1, "one refusal, then the offset is kept: {log:?}");
}

/// The server forgot the upload between pause and resume: a fresh upload, nothing lost.
#[wasm_bindgen_test]
async fn no_such_upload_on_resume_starts_over() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("faults/forgotten");
    let file = make_file(600 * KIB, 51, "gone.bin");
    upload_then_pause(&opts, &file, &key, 2).await;
    faults(r#"{"operation":"ListParts","count":1,"kind":"forgetUpload"}"#).await;
    let result = upload(&uploader(&opts).expect("u"), &file, &key, None)
        .await
        .expect("restart");
    clear_faults().await;
    assert!(!get(&result, "resumed").is_truthy());
    assert_server_has(&key, &file).await;
    let log = requests_for(&key).await;
    assert_eq!(
        count(&log, "InitiateMultipartUpload"),
        2,
        "a second upload was started: {log:?}"
    );
    assert!(log.iter().any(|l| l.code == "NoSuchUpload"));
}

/// A bucket whose CORS rule hides ETag: a clear error naming the rule to add.
#[wasm_bindgen_test]
async fn hidden_etag_is_a_clear_error() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400}"#,
    ))
    .expect("uploader");
    let key = unique("faults/etag");
    faults(r#"{"count":0,"kind":"hideHeader","header":"ETag"}"#).await;
    let file = make_file(300 * KIB, 61, "etag.bin");
    let err = upload(&up, &file, &key, None).await.expect_err("must fail");
    clear_faults().await;
    assert_eq!(oss_code(&err), "EtagNotExposed");
    let message = get_str(&err, "message");
    assert!(
        message.contains("ETag") && message.to_lowercase().contains("expose"),
        "{message}"
    );
    assert!(server_object(&key).await.is_none());
}

/// A damaged checkpoint is never trusted: the upload starts over and completes.
#[wasm_bindgen_test]
async fn damaged_checkpoint_means_a_fresh_start() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("damage/obj");
    let file = make_file(500 * KIB, 71, "damage.bin");
    let up = upload_then_pause(&opts, &file, &key, 2).await;
    let id = get_str(&pending(&up).await.get(0), "id");
    // Change one part's recorded size without resealing: the integrity check must catch it.
    edit_checkpoint(&db, &id, |json| {
        json.replacen("\"size\":102400", "\"size\":102401", 1)
    })
    .await;

    let result = upload(&uploader(&opts).expect("u"), &file, &key, None)
        .await
        .expect("fresh");
    assert!(!get(&result, "resumed").is_truthy());
    assert_server_has(&key, &file).await;
    assert_eq!(
        count(&requests_for(&key).await, "InitiateMultipartUpload"),
        2
    );
}

/// A value under an upload's checkpoint id that is not what the store wrote is deleted, said once
/// on the console, and replaced by the new upload's record: that upload is then listed by
/// `pending()` and resumes like any other, instead of starting over every time.
#[wasm_bindgen_test]
async fn damaged_records_are_replaced_and_the_upload_resumes() {
    let sts = Sts::default();
    for (n, what) in [
        "raw bytes",
        "a truncated record",
        "a record of another version",
        "v0.1 text cut short",
        "a number where text belongs",
        "a fractional number",
    ]
    .into_iter()
    .enumerate()
    {
        let db = unique("db");
        let opts = options(
            &sts.provider(3600).into(),
            &db,
            r#"{"partSize": 102400, "parallel": 1}"#,
        );
        let key = unique("heal/obj");
        let file = make_file(500 * KIB, 110 + n as u32, "heal.bin");
        let id = checkpoint_id(&key, &file).await;
        put_record(&db, &id, &damaged(what, &key, &file).await).await;

        let warnings = Warnings::capture();
        let up = upload_then_pause(&opts, &file, &key, 2).await;
        let warned = warnings.stop();
        let about_it = warned.iter().filter(|w| w.contains(&id)).count();
        assert_eq!(about_it, 1, "{what}: said once: {warned:?}");
        sts.assert_absent(&warned.join("\n"), "the console");

        let listed = pending(&up).await;
        assert_eq!(listed.length(), 1, "{what}: listed by pending()");
        assert_eq!(get_str(&listed.get(0), "id"), id);
        // Replaced by the store's own record, not kept beside it.
        let dump = dump_store(&db).await;
        let records: js_sys::Array = js(&dump).unchecked_into();
        assert_eq!(records.length(), 1, "{what}: {dump}");
        let record = js_sys::Array::from(&records.get(0)).get(1);
        assert_eq!(
            get_str(&get(&record, "checkpoint"), "magic"),
            CHECKPOINT_MAGIC,
            "{what}: {dump}"
        );

        let result = upload(&uploader(&opts).expect("u"), &file, &key, None)
            .await
            .expect("resume");
        assert!(get(&result, "resumed").is_truthy(), "{what}: resumed");
        let reused = get_f64(&result, "partsReused");
        assert!(reused >= 2.0, "{what}: partsReused = {reused}");
        assert_server_has(&key, &file).await;
        let log = requests_for(&key).await;
        assert_eq!(
            count(&log, "InitiateMultipartUpload"),
            1,
            "{what}: one upload after the damaged record: {log:?}"
        );
        assert_eq!(pending(&up).await.length(), 0);
    }
}

/// A value that the store did not write as it is, under the checkpoint id of an upload of `file`
/// to `key`: built from a real record of that upload (with an upload id never issued).
async fn damaged(what: &str, key: &str, file: &File) -> JsValue {
    let checkpoint = Checkpoint::new(
        checkpoint_endpoint(),
        BUCKET,
        key,
        "upload-id-never-issued",
        100 * KIB,
        file_identity(file).await,
        ObjectOptions::default(),
        1_700_000_000_000,
    )
    .expect("checkpoint");
    let object = checkpoint
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("serialize");
    let json = String::from(js_sys::JSON::stringify(&object).expect("stringify"));
    let record = |checkpoint: &JsValue| -> JsValue {
        let record: JsValue = Object::new().into();
        set(&record, "checkpoint", checkpoint.clone());
        record
    };
    match what {
        "raw bytes" => js_sys::Uint8Array::from(json.as_bytes()).into(),
        "a truncated record" => {
            for field in ["created_at_ms", "updated_at_ms", "integrity"] {
                Reflect::delete_property(object.unchecked_ref::<Object>(), &field.into())
                    .expect("delete");
            }
            record(&object)
        }
        "a record of another version" => {
            set(&object, "version", 2);
            set(&object, "parts", Object::new());
            record(&object)
        }
        "v0.1 text cut short" => record(&json[..json.len() / 2].into()),
        "a number where text belongs" => {
            set(&object, "upload_id", 7);
            record(&object)
        }
        "a fractional number" => {
            set(&object, "part_size", 102_400.5);
            record(&object)
        }
        _ => unreachable!("{what}"),
    }
}

/// A checkpoint stored as JSON text, as v0.1 wrote it, resumes as it is.
#[wasm_bindgen_test]
async fn checkpoint_stored_as_v0_1_json_text_resumes() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("v0.1/obj");
    let file = make_file(500 * KIB, 120, "old.bin");
    upload_then_pause(&opts, &file, &key, 2).await;
    let id = checkpoint_id(&key, &file).await;
    let dump = dump_store(&db).await;
    assert!(
        dump.contains(r#""checkpoint":{"version":1,"#),
        "this version stores an object"
    );
    // The object written is the serde model exactly as serde-wasm-bindgen, an independent
    // reader and writer, reads and writes it (the shape and field order of v0.1's JSON text).
    let records: js_sys::Array = js(&dump).unchecked_into();
    let stored = get(&js_sys::Array::from(&records.get(0)).get(1), "checkpoint");
    let read: Checkpoint = serde_wasm_bindgen::from_value(stored.clone()).expect("read");
    read.validate().expect("intact");
    let written = read
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("serialize");
    assert_eq!(
        js_sys::JSON::stringify(&stored).expect("stringify"),
        js_sys::JSON::stringify(&written).expect("stringify")
    );
    store_as_text(&db, &id).await;
    assert!(
        dump_store(&db)
            .await
            .contains(r#""checkpoint":"{\"version\":1,"#),
        "now stored as text"
    );

    let warnings = Warnings::capture();
    let result = upload(&uploader(&opts).expect("u"), &file, &key, None)
        .await
        .expect("resume");
    let warned = warnings.stop();
    assert!(
        warned.iter().all(|w| !w.contains(&id)),
        "a v0.1 record is no damage: {warned:?}"
    );
    assert!(get(&result, "resumed").is_truthy());
    assert!(get_f64(&result, "partsReused") >= 2.0);
    assert_server_has(&key, &file).await;
    assert_eq!(
        count(&requests_for(&key).await, "InitiateMultipartUpload"),
        1
    );
}

/// The file changed between attempts (same name, size and lastModified; bytes in an uploaded
/// part differ): never a mixed object.
#[wasm_bindgen_test]
async fn changed_file_is_never_mixed_into_the_object() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("changed/obj");
    let file = make_file(1000 * KIB, 81, "changed.bin");
    upload_then_pause(&opts, &file, &key, 3).await;
    // Bytes inside part 2 (already on the server), away from the sampled start/middle/end.
    let changed = alter_file(&file, 150 * KIB, 100).await;
    match upload(&uploader(&opts).expect("u"), &changed, &key, None).await {
        Ok(_) => assert_server_has(&key, &changed).await,
        Err(e) => {
            assert_eq!(oss_code(&e), "FileChanged");
            assert!(server_object(&key).await.is_none());
        }
    }
}

/// Parts are hashed in the hashing worker (one job per part, each hashed there, not handed back
/// to the main thread), and an upload where no `Worker` exists hashes on the main thread
/// instead; both put the exact bytes on the server.
#[wasm_bindgen_test]
async fn parts_are_hashed_in_a_worker_or_without_one() {
    let sts = Sts::default();
    let db = unique("db");
    let up = uploader(&options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400}"#,
    ))
    .expect("uploader");

    let (done_before, fallback_before) = hash_worker_jobs();
    let key = unique("worker/on");
    let file = make_file(350 * KIB, 91, "w.bin");
    upload(&up, &file, &key, None).await.expect("upload");
    assert_server_has(&key, &file).await;
    let (done, fallback) = hash_worker_jobs();
    assert_eq!(
        fallback - fallback_before,
        0,
        "every part was hashed by the worker, none handed back to the main thread"
    );
    assert_eq!(done - done_before, 4, "one hashing job per part (4 parts)");

    // No Worker at all (old browser, or a page that removed it): the main thread hashes.
    let worker = get(&js_sys::global(), "Worker");
    set(&js_sys::global(), "Worker", JsValue::UNDEFINED);
    let before = hash_worker_jobs();
    let key = unique("worker/off");
    let file = make_file(350 * KIB, 92, "w.bin");
    let result = upload(&up, &file, &key, None).await;
    set(&js_sys::global(), "Worker", worker);
    result.expect("upload without a worker");
    assert_server_has(&key, &file).await;
    assert_eq!(
        hash_worker_jobs(),
        before,
        "no hashing job may reach a worker"
    );
}

/// Two uploads of the same file to the same key at once: the second is refused.
#[wasm_bindgen_test]
async fn concurrent_uploads_of_one_checkpoint_are_refused() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(&sts.provider(3600).into(), &db, r#"{"partSize": 102400}"#);
    let key = unique("lock/obj");
    let file = make_file(300 * KIB, 91, "lock.bin");
    faults(r#"{"operation":"UploadPart","partNumber":1,"count":1,"kind":"delay","delayMs":1500}"#)
        .await;
    let a = uploader(&opts).expect("u");
    let b = uploader(&opts).expect("u");
    let first = upload(&a, &file, &key, None);
    let second = async {
        sleep(300).await;
        upload(&b, &file, &key, None).await
    };
    let (first, second) = futures_join(first, second).await;
    clear_faults().await;
    first.expect("the first upload completes");
    assert_eq!(
        oss_code(&second.expect_err("the second is refused")),
        "UploadInProgress"
    );
    assert_server_has(&key, &file).await;
    assert_eq!(
        count(&requests_for(&key).await, "InitiateMultipartUpload"),
        1
    );
}

/// `discard` aborts the server's upload and removes the checkpoint.
#[wasm_bindgen_test]
async fn discard_aborts_the_upload_and_forgets_it() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let key = unique("discard/obj");
    let file = make_file(500 * KIB, 101, "discard.bin");
    let up = upload_then_pause(&opts, &file, &key, 2).await;
    let listed = pending(&up).await;
    assert_eq!(listed.length(), 1);
    let id = get_str(&listed.get(0), "id");

    // An id with nothing stored under it: a no-op that resolves, like a DELETE of something
    // gone; no credentials asked for, nothing sent, the real checkpoint untouched.
    let calls = sts.calls.get();
    let unknown = discard(&up, "cp-00000000000000000000000000000000")
        .await
        .expect("an unknown id resolves");
    assert!(unknown.is_undefined());
    assert_eq!(sts.calls.get(), calls, "nothing was signed");
    assert_eq!(pending(&up).await.length(), 1);

    discard(&up, &id).await.expect("discard");
    assert_eq!(pending(&up).await.length(), 0);
    let log = requests_for(&key).await;
    let abort = log
        .iter()
        .find(|l| l.operation == "AbortMultipartUpload")
        .expect("an Abort was sent");
    assert_eq!(abort.status, 204);

    // The same id again: nothing is left to discard, so it resolves and sends nothing.
    let again = discard(&up, &id).await.expect("a discarded id resolves");
    assert!(again.is_undefined());
    assert_eq!(
        count(&requests_for(&key).await, "AbortMultipartUpload"),
        1,
        "one Abort only"
    );
}

/// Bad options and keys are refused with InvalidArgument before anything is sent.
#[wasm_bindgen_test]
async fn bad_input_is_refused_with_a_typed_error() {
    let sts = Sts::default();
    let db = unique("db");
    let creds: JsValue = sts.provider(3600).into();
    for extra in [
        r#"{"partSize": 1000}"#,
        r#"{"parallel": 0}"#,
        r#"{"signatureVersion": "v5"}"#,
        r#"{"endpoint": "not a url"}"#,
        r#"{"bucket": ""}"#,
    ] {
        let err = uploader(&options(&creds, &db, extra)).err().expect(extra);
        assert_eq!(oss_code(&err), "InvalidArgument", "{extra}");
    }
    let up = uploader(&options(&creds, &db, "")).expect("uploader");
    let file = make_file(10, 1, "x.bin");
    for key in ["", "/leading-slash", "line\nbreak"] {
        let err = upload(&up, &file, key, None).await.expect_err(key);
        assert_eq!(oss_code(&err), "InvalidArgument", "{key:?}");
    }
    assert_eq!(sts.calls.get(), 0, "nothing was attempted");
}

/// Runs two futures concurrently on the page's single thread.
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let a = std::pin::pin!(a);
    let b = std::pin::pin!(b);
    let mut a = Some(a);
    let mut b = Some(b);
    let mut ra = None;
    let mut rb = None;
    std::future::poll_fn(|cx| {
        if let Some(f) = a.as_mut() {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
                ra = Some(v);
                a = None;
            }
        }
        if let Some(f) = b.as_mut() {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
                rb = Some(v);
                b = None;
            }
        }
        if a.is_none() && b.is_none() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.expect("a"), rb.expect("b"))
}

/// An `Uploader` opens its checkpoint store when it is made, and the page shares one connection
/// per database (store.js). A database deleted meanwhile (another tab, the site's data cleared)
/// must not leave that shared connection closed for the next `Uploader`: it opens the database
/// again, lists nothing and keeps the checkpoint of its own paused upload.
#[wasm_bindgen_test]
async fn a_deleted_checkpoint_database_is_opened_again() {
    let sts = Sts::default();
    let db = unique("db");
    let opts = options(
        &sts.provider(3600).into(),
        &db,
        r#"{"partSize": 102400, "parallel": 1}"#,
    );
    let file = make_file(400 * KIB, 141, "reopen.bin");
    let first = upload_then_pause(&opts, &file, &unique("reopen/a"), 1).await;
    assert_eq!(
        pending(&first).await.length(),
        1,
        "the paused upload is listed"
    );

    // Blocked (and failing after 5 s) if the library kept its connection open.
    delete_database(&db).await;

    let second = uploader(&opts).expect("uploader");
    assert_eq!(pending(&second).await.length(), 0, "a new, empty database");
    let key = unique("reopen/b");
    let up = upload_then_pause(&opts, &file, &key, 2).await;
    let listed = pending(&up).await;
    assert_eq!(listed.length(), 1, "its checkpoint is stored");
    assert_eq!(get_str(&listed.get(0), "key"), key);
    let dump = dump_store(&db).await;
    let records: js_sys::Array = js(&dump).unchecked_into();
    assert_eq!(records.length(), 1, "{dump}");
}
