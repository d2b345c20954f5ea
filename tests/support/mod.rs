//! Shared helpers for the browser tests: the dev server's URL and control API, STS credential
//! providers that count their calls, deterministic files, and calls into the exported JS API.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use oss_resumable::api::Uploader;
use oss_resumable::core::checkpoint::{sample_crc, sample_ranges, Checkpoint, FileIdentity};
use oss_resumable::core::crc64::crc64;
use oss_resumable::core::request::Endpoint;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::File;

pub const BUCKET: &str = "demo";
pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * 1024;

#[wasm_bindgen(module = "/tests/support/devserver.js")]
extern "C" {
    #[wasm_bindgen(js_name = postJson, catch)]
    async fn post_json_js(url: &str, body: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = getJson, catch)]
    async fn get_json_js(url: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = makeFile)]
    fn make_file_js(size: f64, seed: u32, name: &str, last_modified: f64) -> File;
    #[wasm_bindgen(js_name = alterFile, catch)]
    async fn alter_file_js(file: &File, offset: f64, length: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = deleteDatabase, catch)]
    async fn delete_database_js(db: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = dumpStore, catch)]
    async fn dump_store_js(db: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = editCheckpoint, catch)]
    async fn edit_checkpoint_js(db: &str, id: &str, edit: &Function) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = storeAsText, catch)]
    async fn store_as_text_js(db: &str, id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = putRecord, catch)]
    async fn put_record_js(db: &str, id: &str, value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = captureWarnings)]
    fn capture_warnings_js() -> JsValue;
    #[wasm_bindgen(js_name = later)]
    fn later_js(ms: u32) -> Promise;
}

// Not `env!`: `cargo clippy --target wasm32-unknown-unknown` compiles the tests without a
// server, and a missing URL must fail the test run (clearly) rather than the lint.
#[allow(clippy::option_env_unwrap)]
pub fn url() -> &'static str {
    option_env!("OSS_DEVSERVER_URL").expect(
        "OSS_DEVSERVER_URL was not set at compile time: run the browser tests through `make test-browser`",
    )
}

pub fn js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).expect("test JSON")
}

pub fn get(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub fn get_str(v: &JsValue, name: &str) -> String {
    get(v, name).as_string().unwrap_or_default()
}

pub fn get_f64(v: &JsValue, name: &str) -> f64 {
    get(v, name).as_f64().unwrap_or(f64::NAN)
}

pub fn set(obj: &JsValue, name: &str, value: impl Into<JsValue>) {
    Reflect::set(obj, &JsValue::from_str(name), &value.into()).expect("set");
}

pub async fn sleep(ms: u32) {
    JsFuture::from(later_js(ms)).await.expect("timer");
}

/// Sets fault rules (`POST /__dev/faults`).
pub async fn faults(rules: &str) {
    post_json_js(&format!("{}/__dev/faults", url()), js(rules))
        .await
        .expect("set faults");
}

/// `GET` a `/__dev/` path: the JSON body.
pub async fn dev_get(path: &str) -> JsValue {
    let answer = get_json_js(&format!("{}{path}", url()))
        .await
        .expect("dev GET");
    get(&answer, "body")
}

/// `POST` JSON to a `/__dev/` path: the JSON answer.
pub async fn dev_post(path: &str, body: &str) -> JsValue {
    post_json_js(&format!("{}{path}", url()), js(body))
        .await
        .expect("dev POST")
}

/// Clears faults and the request log (objects stay: every test uses its own keys).
pub async fn clear_faults() {
    let res = web_sys::window().expect("window").fetch_with_str_and_init(
        &format!("{}/__dev/faults", url()),
        &{
            let init = web_sys::RequestInit::new();
            init.set_method("DELETE");
            init
        },
    );
    JsFuture::from(res).await.expect("clear faults");
}

/// One line of the server's request log.
#[derive(Debug, Clone)]
pub struct Logged {
    pub operation: String,
    pub key: String,
    pub part_number: Option<u32>,
    pub upload_id: String,
    pub status: u16,
    pub code: String,
    pub bytes_received: u64,
}

/// The server's request log, for `key` only.
pub async fn requests_for(key: &str) -> Vec<Logged> {
    let answer = get_json_js(&format!("{}/__dev/requests", url()))
        .await
        .expect("request log");
    let list: js_sys::Array = get(&get(&answer, "body"), "requests").unchecked_into();
    list.iter()
        .map(|e| Logged {
            operation: get_str(&e, "operation"),
            key: get_str(&e, "key"),
            part_number: get(&e, "partNumber").as_f64().map(|n| n as u32),
            upload_id: get_str(&e, "uploadId"),
            status: get_f64(&e, "status") as u16,
            code: get_str(&e, "code"),
            bytes_received: get_f64(&e, "bytesReceived") as u64,
        })
        .filter(|l| l.key == key)
        .collect()
}

pub fn count(log: &[Logged], operation: &str) -> usize {
    log.iter().filter(|l| l.operation == operation).count()
}

/// Size and CRC-64 (decimal) of the object the server holds, if any.
pub async fn server_object(key: &str) -> Option<(u64, String)> {
    let answer = get_json_js(&format!(
        "{}/__dev/object-info?bucket={BUCKET}&key={}",
        url(),
        js_sys::encode_uri_component(key)
    ))
    .await
    .expect("object info");
    if get_f64(&answer, "status") != 200.0 {
        return None;
    }
    let body = get(&answer, "body");
    Some((get_f64(&body, "size") as u64, get_str(&body, "crc64")))
}

/// A deterministic file of `size` bytes.
pub fn make_file(size: u64, seed: u32, name: &str) -> File {
    make_file_js(size as f64, seed, name, 1_700_000_000_000.0)
}

/// The same file (name, size, lastModified) with `length` bytes at `offset` changed.
pub async fn alter_file(file: &File, offset: u64, length: u64) -> File {
    alter_file_js(file, offset as f64, length as f64)
        .await
        .expect("alter")
        .unchecked_into()
}

pub async fn crc_of(file: &File) -> u64 {
    let buffer = JsFuture::from(file.array_buffer()).await.expect("read");
    crc64(&js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Every record of a checkpoint database, as one string.
pub async fn dump_store(db: &str) -> String {
    dump_store_js(db)
        .await
        .expect("dump")
        .as_string()
        .unwrap_or_default()
}

/// Deletes the IndexedDB database `db` (it fails when a connection to it stays open).
pub async fn delete_database(db: &str) {
    delete_database_js(db).await.expect("deleteDatabase");
}

/// Rewrites the checkpoint stored under `id` through its JSON text.
pub async fn edit_checkpoint(db: &str, id: &str, edit: impl Fn(String) -> String + 'static) {
    let f = Closure::<dyn Fn(String) -> String>::new(edit);
    edit_checkpoint_js(db, id, f.as_ref().unchecked_ref())
        .await
        .expect("edit checkpoint");
}

/// Stores the checkpoint under `id` as JSON text instead of an object, as v0.1 did.
pub async fn store_as_text(db: &str, id: &str) {
    store_as_text_js(db, id).await.expect("store as text");
}

/// Puts `value` in the checkpoint store under `id` as the whole record, bypassing the library.
pub async fn put_record(db: &str, id: &str, value: &JsValue) {
    put_record_js(db, id, value).await.expect("put record");
}

/// The identity `upload()` reads from `file` (name, size, lastModified, type, sampled CRC-64).
pub async fn file_identity(file: &File) -> FileIdentity {
    let buffer = JsFuture::from(file.array_buffer()).await.expect("read");
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let size = bytes.len() as u64;
    let crcs: Vec<u64> = sample_ranges(size)
        .iter()
        .map(|&(start, end)| crc64(&bytes[start as usize..end as usize]))
        .collect();
    FileIdentity {
        name: file.name(),
        size,
        last_modified_ms: file.last_modified() as i64,
        mime_type: file.type_(),
        sample_crc64: sample_crc(size, &crcs).expect("one CRC per range"),
    }
}

/// The dev server's endpoint as checkpoints record it (`scheme://host:port`).
pub fn checkpoint_endpoint() -> String {
    let endpoint = Endpoint::parse(url(), true).expect("endpoint");
    format!("{}://{}", endpoint.scheme(), endpoint.authority())
}

/// The id the checkpoint of an upload of `file` to `key` is stored under.
pub async fn checkpoint_id(key: &str, file: &File) -> String {
    Checkpoint::id_for(
        &checkpoint_endpoint(),
        BUCKET,
        key,
        &file_identity(file).await,
    )
}

/// What the page passes to `console.warn` from now until [`Warnings::stop`].
pub struct Warnings(JsValue);

impl Warnings {
    pub fn capture() -> Warnings {
        Warnings(capture_warnings_js())
    }

    /// Restores `console.warn` and returns the messages it was given.
    pub fn stop(&self) -> Vec<String> {
        let stop: Function = get(&self.0, "stop").unchecked_into();
        match stop.call0(&self.0).map(|seen| js_sys::Array::from(&seen)) {
            Ok(seen) => seen.iter().filter_map(|m| m.as_string()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for Warnings {
    /// A test that fails while capturing leaves `console.warn` as it found it.
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A unique name for keys and databases, so tests never see each other's state.
pub fn unique(prefix: &str) -> String {
    thread_local!(static N: Cell<u32> = const { Cell::new(0) });
    let n = N.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    format!("{prefix}-{}-{n}", js_sys::Date::now() as u64)
}

/// An STS provider backed by `POST /__dev/sts`, which records every credential it handed out
/// (to assert that none of them ends up stored) and counts its calls.
#[derive(Clone, Default)]
pub struct Sts {
    pub calls: Rc<Cell<u32>>,
    pub issued: Rc<RefCell<Vec<(String, String)>>>, // (secret, token)
}

impl Sts {
    pub fn provider(&self, ttl_secs: u32) -> Function {
        let me = self.clone();
        let f = Closure::<dyn Fn() -> Promise>::new(move || {
            me.calls.set(me.calls.get() + 1);
            let me = me.clone();
            future_to_promise(async move {
                let creds = post_json_js(
                    &format!("{}/__dev/sts?ttl={ttl_secs}", url()),
                    JsValue::UNDEFINED,
                )
                .await?;
                me.issued.borrow_mut().push((
                    get_str(&creds, "AccessKeySecret"),
                    get_str(&creds, "SecurityToken"),
                ));
                Ok(creds)
            })
        });
        f.into_js_value().unchecked_into()
    }

    pub async fn fixed(&self) -> JsValue {
        let creds = post_json_js(&format!("{}/__dev/sts?ttl=3600", url()), JsValue::UNDEFINED)
            .await
            .expect("sts");
        self.issued.borrow_mut().push((
            get_str(&creds, "AccessKeySecret"),
            get_str(&creds, "SecurityToken"),
        ));
        creds
    }

    /// Panics if any secret or token handed out appears in `text`.
    pub fn assert_absent(&self, text: &str, what: &str) {
        for (secret, token) in self.issued.borrow().iter() {
            assert!(
                !text.contains(secret.as_str()),
                "an access key secret leaked into {what}"
            );
            assert!(
                !text.contains(token.as_str()),
                "a security token leaked into {what}"
            );
        }
    }
}

/// Uploader options for the dev server: path-style, V4, region cn-hangzhou, and `extra` on top.
pub fn options(credentials: &JsValue, db: &str, extra: &str) -> JsValue {
    let o: JsValue = Object::new().into();
    set(&o, "endpoint", url());
    set(&o, "bucket", BUCKET);
    set(&o, "region", "cn-hangzhou");
    set(&o, "pathStyle", true);
    set(&o, "credentials", credentials.clone());
    set(&o, "checkpointStore", db);
    if !extra.is_empty() {
        let extra = js(extra);
        Object::assign(o.unchecked_ref::<Object>(), extra.unchecked_ref::<Object>());
    }
    o
}

pub fn uploader(options: &JsValue) -> Result<Uploader, JsValue> {
    Uploader::new(options.clone().unchecked_into())
}

/// `uploader.upload(file, key, options)` awaited.
pub async fn upload(
    uploader: &Uploader,
    file: &File,
    key: &str,
    options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let promise: Promise = uploader
        .upload(
            file.clone().unchecked_into(),
            key.to_string(),
            options.map(|o| o.unchecked_into()),
        )
        .unchecked_into();
    JsFuture::from(promise).await
}

pub async fn pending(uploader: &Uploader) -> js_sys::Array {
    let promise: Promise = uploader.pending().unchecked_into();
    JsFuture::from(promise)
        .await
        .expect("pending")
        .unchecked_into()
}

pub async fn discard(uploader: &Uploader, id: &str) -> Result<JsValue, JsValue> {
    let promise: Promise = uploader.discard(id.to_string()).unchecked_into();
    JsFuture::from(promise).await
}

/// The `code` of a rejection, after checking it is an `OssError`.
pub fn oss_code(e: &JsValue) -> String {
    assert_eq!(
        get_str(e, "name"),
        "OssError",
        "expected an OssError, got {e:?}"
    );
    get_str(e, "code")
}

/// Upload options whose onProgress aborts the upload once `parts_done` parts are done.
pub fn abort_after_parts(parts_done: u32) -> (JsValue, web_sys::AbortController) {
    let controller = web_sys::AbortController::new().expect("AbortController");
    let signal = controller.signal();
    let c = controller.clone();
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |p: JsValue| {
        if get_f64(&p, "partsDone") >= parts_done as f64 {
            c.abort();
        }
    });
    let o: JsValue = Object::new().into();
    set(&o, "signal", signal);
    set(&o, "onProgress", on_progress.into_js_value());
    (o, controller)
}

/// Uploads `file` to `key` with `parallel: 1` options and pauses once `parts_done` parts are
/// done; the next part is held at the server so the pause always lands mid-upload. Returns the
/// paused run's `Uploader` (its checkpoint is kept).
pub async fn upload_then_pause(
    opts: &JsValue,
    file: &File,
    key: &str,
    parts_done: u32,
) -> Uploader {
    faults(&format!(
        r#"{{"operation":"UploadPart","partNumber":{},"count":1,"kind":"delay","delayMs":3000}}"#,
        parts_done + 1
    ))
    .await;
    let (pause, _controller) = abort_after_parts(parts_done);
    let up = uploader(opts).expect("uploader");
    let err = upload(&up, file, key, Some(pause))
        .await
        .expect_err("paused");
    assert_eq!(get_str(&err, "name"), "AbortError");
    clear_faults().await;
    up
}

/// Asserts the server holds exactly `file` under `key`.
pub async fn assert_server_has(key: &str, file: &File) {
    let expected = crc_of(file).await;
    let (size, crc) = server_object(key)
        .await
        .unwrap_or_else(|| panic!("the server has no object {key}"));
    assert_eq!(size, file.size() as u64, "object size of {key}");
    assert_eq!(crc, expected.to_string(), "object CRC-64 of {key}");
}
