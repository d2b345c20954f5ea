//! Issue 16, the adaptive pace in real browsers against oss-devserver: an upload with neither
//! `parallel` nor `partSize` raises the UploadParts in flight above the fixed default of 3 and
//! cuts larger parts when each part's answer is slow, and the object is still the file.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Promise;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/support/devserver.js")]
extern "C" {
    #[wasm_bindgen(js_name = resetInFlight)]
    fn reset_in_flight(dev_url: &str, key_prefix: &str) -> Promise;
    #[wasm_bindgen(js_name = inFlight)]
    fn in_flight(dev_url: &str) -> Promise;
}

const MIB: u64 = 1 << 20;

/// Each UploadPart's answer is held 1.5 s after its body was read (the `slowAnswer` fault), as on
/// a link with a long round trip: more parts in flight then carry more bytes per second, so the
/// pace climbs above 3, and a part's transfer is short next to its overhead, so it cuts larger
/// parts than 8 MiB. (A `delay` fault leaves the body unread for 1.5 s instead, which the browser
/// sees as a slow link: the upload stalls, Chromium and Firefox report its last bytes only with
/// the answer, and larger parts rightly do not help. That is why this test once kept 8 MiB
/// parts in Firefox.) The wait is long so that the sends, not the hashing of a debug build
/// (slowest in WebKit), bound the throughput: where hashing bounds it, more parts in flight
/// rightly do not help.
#[wasm_bindgen_test]
async fn a_default_upload_adapts_to_slow_answers() {
    let sts = Sts::default();
    let up = uploader(&options(&sts.provider(3600).into(), &unique("db"), "")).expect("uploader");
    faults(r#"{"operation":"UploadPart","count":0,"kind":"slowAnswer","delayMs":1500}"#).await;
    let key = unique("pace/default");
    JsFuture::from(reset_in_flight(url(), &key))
        .await
        .expect("reset");
    let file = make_file(200 * MIB, 16, "pace.bin");
    let result = upload(&up, &file, &key, None).await;
    clear_faults().await;
    let result = result.expect("upload");
    let counts = JsFuture::from(in_flight(url())).await.expect("in flight");
    assert_server_has(&key, &file).await;
    assert_eq!(get_str(&result, "crc64"), crc_of(&file).await.to_string());
    let peak = get_f64(&counts, "peakUploadPart");
    web_sys::console::log_1(&format!("pace: peak {peak} UploadParts in flight").into());
    assert!(
        peak > 3.0,
        "at most {peak} UploadParts in flight at the server"
    );
    assert!(peak <= 6.0, "{peak} UploadParts in flight at the server");
    let log = requests_for(&key).await;
    let parts: Vec<u64> = log
        .iter()
        .filter(|l| l.operation == "UploadPart" && l.status < 300)
        .map(|l| l.bytes_received)
        .collect();
    // 25 parts at the fixed 8 MiB; larger ones make fewer.
    assert!(parts.len() < 25, "{} parts", parts.len());
    assert!(parts.iter().any(|b| *b > 8 * MIB), "{parts:?}");
}
