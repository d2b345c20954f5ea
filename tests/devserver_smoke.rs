//! The chain works: this test runs in headless Chromium and makes a cross-origin request to the
//! oss-devserver that `make test` started (its URL is baked in at compile time).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// Not `env!`: `cargo clippy --target wasm32-unknown-unknown` compiles this file without a
// server, and a missing URL must fail the test run (clearly) rather than the lint.
#[allow(clippy::option_env_unwrap)]
fn devserver_url() -> &'static str {
    option_env!("OSS_DEVSERVER_URL")
        .expect("OSS_DEVSERVER_URL was not set at compile time: run the browser tests through `make test-browser`")
}

#[wasm_bindgen_test]
async fn cross_origin_request_reads_body_and_exposed_header() {
    let window = web_sys::window().expect("a window");
    let page_origin = window.location().origin().expect("origin");
    let url = format!("{}/__dev/health", devserver_url());
    assert!(
        !url.starts_with(&page_origin),
        "the test page ({page_origin}) and the server ({url}) must be different origins"
    );

    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_mode(web_sys::RequestMode::Cors);
    let request = web_sys::Request::new_with_str_and_init(&url, &init).expect("request");
    // A custom header makes the request non-simple, so Chromium sends a real CORS preflight.
    request
        .headers()
        .set("x-oss-date", "20221228T102741Z")
        .expect("header");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .expect("fetch (a failed preflight shows up here as a TypeError)")
        .dyn_into()
        .expect("a Response");

    assert_eq!(response.status(), 200);
    let request_id = response.headers().get("x-oss-request-id").expect("get");
    assert!(
        request_id.is_some_and(|id| !id.is_empty()),
        "x-oss-request-id must be readable cross-origin (Access-Control-Expose-Headers)"
    );
    let text = JsFuture::from(response.text().expect("text"))
        .await
        .expect("body");
    assert_eq!(text.as_string().as_deref(), Some(r#"{"ok":true}"#));
}

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(oss_resumable::api::version(), env!("CARGO_PKG_VERSION"));
}
