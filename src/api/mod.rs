//! The JS surface, and the only `#[wasm_bindgen]` items of the crate: `Uploader` with
//! `upload`, `pending` and `discard`, the conversion of results and pending uploads to plain JS
//! objects (progress is converted where the driver reports it, `crate::progress`), and of
//! failures to an `Error` named "OssError" (or a `DOMException` named "AbortError" for a pause).
//! Signatures and shapes are the contract in the README and `typescript.rs`.

mod object_options;
mod options;
mod typescript;

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use js_sys::{Array, Object, Reflect};
use oss_resumable_core::checkpoint::Checkpoint;
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::request::{self, Endpoint};
use oss_resumable_core::upload::{Abort, AbortConfig, Upload, UploadConfig, UploadResult};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::Blob;

use crate::credentials::CredentialSource;
use crate::driver::{self, Run, Stopped};
use crate::file::Source;
use crate::js_number::u64_to_f64;
use crate::lock;
use crate::store::{warn_once, Store};
use options::{upload_settings, uploader_settings, UploaderSettings};
pub use typescript::*;

/// The package version, so a page can show which build it loaded.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Uploads files to one OSS bucket. Calls may overlap: every method works on a shared inner
/// state (`Rc`), never on a `&mut self` that wasm-bindgen would have to borrow across awaits.
#[wasm_bindgen]
pub struct Uploader {
    inner: Rc<Inner>,
}

struct Inner {
    settings: UploaderSettings,
    credentials: Rc<CredentialSource>,
    store: RefCell<Option<Store>>,
}

#[wasm_bindgen]
impl Uploader {
    #[wasm_bindgen(constructor)]
    pub fn new(options: UploaderOptionsJs) -> Result<Uploader, JsValue> {
        let options: JsValue = options.into();
        let settings = uploader_settings(&options).map_err(|e| to_js_error(&e))?;
        let credentials = CredentialSource::from_option(&Reflect::get(
            &options,
            &JsValue::from_str("credentials"),
        )?)
        .map_err(|e| to_js_error(&e))?;
        Ok(Uploader {
            inner: Rc::new(Inner {
                settings,
                credentials: Rc::new(credentials),
                store: RefCell::new(None),
            }),
        })
    }

    /// Uploads `file` to `key`, resuming from a checkpoint of the same file when there is one.
    pub fn upload(
        &self,
        file: FileOrBlob,
        key: String,
        options: Option<UploadOptionsJs>,
    ) -> UploadResultPromise {
        let inner = self.inner.clone();
        let file: JsValue = file.into();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        future_to_promise(async move { inner.upload(file, key, options).await }).unchecked_into()
    }

    /// The checkpoints in the store, newest first.
    pub fn pending(&self) -> PendingUploadsPromise {
        let inner = self.inner.clone();
        future_to_promise(async move { inner.pending().await }).unchecked_into()
    }

    /// Aborts the multipart upload on the server and deletes its checkpoint.
    pub fn discard(&self, id: String) -> VoidPromise {
        let inner = self.inner.clone();
        future_to_promise(async move { inner.discard(id).await }).unchecked_into()
    }
}

/// Forgets a prefetched credentials call when the upload that made it ends (see
/// `CredentialSource::forget_prefetch`).
struct ForgetPrefetch<'a>(&'a CredentialSource, js_sys::Promise);

impl Drop for ForgetPrefetch<'_> {
    fn drop(&mut self) {
        self.0.forget_prefetch(&self.1);
    }
}

/// Runs two futures at once on this thread and waits for both.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

impl Inner {
    async fn store(&self) -> Store {
        if let Some(store) = self.store.borrow().clone() {
            return store;
        }
        let store = Store::open(self.settings.store.as_deref()).await;
        self.store.borrow_mut().get_or_insert(store).clone()
    }

    async fn upload(
        &self,
        file: JsValue,
        key: String,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let settings = upload_settings(&options).map_err(|e| to_js_error(&e))?;
        if settings.signal.as_ref().is_some_and(|s| s.aborted()) {
            return Err(abort_error());
        }
        request::validate_key(&key).map_err(|e| to_js_error(&invalid_argument(&e.to_string())))?;
        let blob: Blob = file.dyn_into().map_err(|_| {
            to_js_error(&invalid_argument(
                "upload(file, key) needs a File or a Blob",
            ))
        })?;
        let source = Source::new(blob).map_err(|e| to_js_error(&e))?;
        // Started now, so that they overlap the identity read and the checkpoint lookup below
        // instead of delaying the first request (a resume's first part waits on all of them).
        crate::hash_worker::warm();
        let prefetched = self.credentials.prefetch();
        let _forget = prefetched.map(|p| ForgetPrefetch(&self.credentials, p));
        let (identity, store) = join(source.identity(), self.store()).await;
        let identity = identity.map_err(|e| to_js_error(&e))?;
        let s = &self.settings;
        let id = Checkpoint::id_for(&s.endpoint_text, &s.bucket, &key, &identity);

        // One run per checkpoint across calls and tabs.
        let Some(_lock) = lock::try_acquire(&lock_name(&id)).await else {
            return Err(to_js_error(&OssError::client(ClientCode::UploadInProgress, format!("{key:?} is already being uploaded from this file, in this page or another tab; wait for it or pause it first"),
            )));
        };

        // The machine decides whether a record may be resumed (intact, for this target and file)
        // and asks for its deletion when not; only a record that cannot be read at all (or fails
        // its integrity check) never reaches it.
        let checkpoint = match store.get(&id).await {
            Ok(Some(json)) => {
                match Checkpoint::from_json(&json) {
                    Ok(cp) => Some(cp),
                    Err(_) => {
                        warn_once("oss-resumable: a damaged checkpoint was discarded; the upload starts over");
                        let _ = store.delete(&id).await;
                        None
                    }
                }
            }
            Ok(None) => None,
            Err(e) => {
                warn_once(&format!("oss-resumable: cannot read checkpoints ({e})"));
                None
            }
        };

        let config = UploadConfig {
            endpoint: s.endpoint.clone(),
            bucket: s.bucket.clone(),
            key,
            region: s.region.clone(),
            signature_version: s.signature_version,
            part_size: s.part_size,
            parallel: s.parallel,
            retry: s.retry,
            object: settings.object,
            jitter_seed: js_sys::Math::random().to_bits(),
        };
        let resumed_from_checkpoint = checkpoint.is_some();
        let machine =
            Upload::new(config, identity, checkpoint, now_ms()).map_err(|e| to_js_error(&e))?;
        let run = Run {
            endpoint: s.endpoint.clone(),
            credentials: self.credentials.clone(),
            store,
            source: Some(source),
            signal: settings.signal,
            on_progress: settings.on_progress,
            resumed_from_checkpoint,
        };
        match driver::run(machine, run).await {
            Ok(result) => Ok(result_to_js(&result)),
            Err(Stopped::Failed(e)) => Err(to_js_error(&e)),
            Err(Stopped::Paused) => Err(abort_error()),
        }
    }

    async fn pending(&self) -> Result<JsValue, JsValue> {
        let store = self.store().await;
        let records = store.all().await.map_err(|e| {
            to_js_error(&OssError::client(
                ClientCode::CheckpointInvalid,
                format!("cannot read checkpoints: {e}"),
            ))
        })?;
        let mut checkpoints: Vec<Checkpoint> = Vec::new();
        for (id, json) in records {
            match Checkpoint::from_json(&json) {
                Ok(cp) => checkpoints.push(cp),
                Err(_) => {
                    // A record that fails its integrity check can never be resumed.
                    let _ = store.delete(&id).await;
                }
            }
        }
        oss_resumable_core::sort::sort_by_key(&mut checkpoints, |cp| {
            std::cmp::Reverse(cp.updated_at_ms)
        });
        let list = Array::new();
        for cp in &checkpoints {
            list.push(&pending_to_js(cp));
        }
        Ok(list.into())
    }

    async fn discard(&self, id: String) -> Result<JsValue, JsValue> {
        let store = self.store().await;
        let json = store.get(&id).await.map_err(|e| {
            to_js_error(&OssError::client(
                ClientCode::CheckpointInvalid,
                format!("cannot read checkpoints: {e}"),
            ))
        })?;
        let Some(json) = json else {
            return Ok(JsValue::UNDEFINED); // Nothing stored under that id: nothing to discard.
        };
        let Some(_lock) = lock::try_acquire(&lock_name(&id)).await else {
            return Err(to_js_error(&OssError::client(
                ClientCode::UploadInProgress,
                "this upload is running (here or in another tab); pause it before discarding it",
            )));
        };
        match Checkpoint::from_json(&json) {
            Ok(cp) => self.abort_remote(&cp, store).await,
            Err(_) => {
                // A record failing its integrity check names no upload we can trust: forget it.
                store.delete(&id).await.map_err(|e| {
                    to_js_error(&OssError::client(
                        ClientCode::CheckpointInvalid,
                        format!("cannot delete the checkpoint: {e}"),
                    ))
                })?;
                Ok(JsValue::UNDEFINED)
            }
        }
    }

    /// AbortMultipartUpload of a checkpoint's upload, then the checkpoint's deletion: the core's
    /// `Abort` machine (its retry rules, credential refresh and clock fix), performed by the
    /// driver that performs uploads. An upload the server no longer has is fine.
    async fn abort_remote(&self, cp: &Checkpoint, store: Store) -> Result<JsValue, JsValue> {
        let s = &self.settings;
        let endpoint = if cp.endpoint == s.endpoint_text {
            s.endpoint.clone()
        } else {
            Endpoint::parse(&cp.endpoint, s.endpoint.path_style())
                .map_err(|e| to_js_error(&invalid_argument(&e.to_string())))?
        };
        let config = AbortConfig {
            region: s.region.clone(),
            signature_version: s.signature_version,
            retry: s.retry,
            jitter_seed: js_sys::Math::random().to_bits(),
        };
        let machine = Abort::new(config, cp, now_ms()).map_err(|e| to_js_error(&e))?;
        let run = Run {
            endpoint,
            credentials: self.credentials.clone(),
            store,
            source: None,
            signal: None,
            on_progress: None,
            resumed_from_checkpoint: true,
        };
        match driver::run(machine, run).await {
            Ok(()) => Ok(JsValue::UNDEFINED),
            Err(Stopped::Failed(e)) => Err(to_js_error(&e)),
            Err(Stopped::Paused) => Err(abort_error()),
        }
    }
}

fn lock_name(id: &str) -> String {
    format!("oss-resumable:{id}")
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn invalid_argument(message: &str) -> OssError {
    OssError::client(ClientCode::InvalidArgument, message)
}

fn set(obj: &Object, name: &str, value: &JsValue) {
    // Setting a plain property on a fresh Object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(name), value);
}

/// An `Error` named "OssError" with `code`, `status` and `requestId`.
pub fn to_js_error(e: &OssError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("OssError");
    let obj: &Object = err.unchecked_ref();
    set(obj, "code", &JsValue::from_str(&e.code));
    if let Some(status) = e.status {
        set(obj, "status", &JsValue::from(status));
    }
    if let Some(id) = &e.request_id {
        set(obj, "requestId", &JsValue::from_str(id));
    }
    // CallbackFailed: the object is stored; say which (§10.1).
    if let Some(stored) = &e.stored {
        set(obj, "key", &JsValue::from_str(&stored.key));
        set(obj, "etag", &JsValue::from_str(&stored.etag));
        set(obj, "crc64", &JsValue::from_str(&stored.crc64.to_string()));
    }
    err.into()
}

/// The rejection of a paused upload: what `fetch` rejects with on an aborted signal.
fn abort_error() -> JsValue {
    web_sys::DomException::new_with_message_and_name(
        "the upload was paused; its checkpoint is kept, call upload() again to resume",
        "AbortError",
    )
    .map(Into::into)
    .unwrap_or_else(|_| JsValue::from_str("AbortError"))
}

fn result_to_js(r: &UploadResult) -> JsValue {
    let obj = Object::new();
    set(&obj, "bucket", &JsValue::from_str(&r.bucket));
    set(&obj, "key", &JsValue::from_str(&r.key));
    set(&obj, "etag", &JsValue::from_str(&r.etag));
    set(&obj, "crc64", &JsValue::from_str(&r.crc64.to_string()));
    set(&obj, "size", &JsValue::from_f64(u64_to_f64(r.size)));
    set(&obj, "uploadId", &JsValue::from_str(&r.upload_id));
    set(&obj, "resumed", &JsValue::from_bool(r.resumed));
    set(&obj, "partsReused", &JsValue::from(r.parts_reused));
    set(&obj, "requestId", &JsValue::from_str(&r.request_id));
    if let Some(answer) = &r.callback {
        // The callback server's answer: parsed when it is JSON (OSS requires JSON, §10.1), the
        // text otherwise.
        let value = js_sys::JSON::parse(answer).unwrap_or_else(|_| JsValue::from_str(answer));
        set(&obj, "callback", &value);
    }
    obj.into()
}

fn iso(ms: u64) -> JsValue {
    js_sys::Date::new(&JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into()
}

fn pending_to_js(cp: &Checkpoint) -> JsValue {
    let obj = Object::new();
    set(&obj, "id", &JsValue::from_str(&cp.id()));
    set(&obj, "bucket", &JsValue::from_str(&cp.bucket));
    set(&obj, "key", &JsValue::from_str(&cp.key));
    set(&obj, "fileName", &JsValue::from_str(&cp.file.name));
    set(
        &obj,
        "fileSize",
        &JsValue::from_f64(u64_to_f64(cp.file.size)),
    );
    set(
        &obj,
        "lastModified",
        &JsValue::from_f64(cp.file.last_modified_ms as f64),
    );
    set(&obj, "uploadId", &JsValue::from_str(&cp.upload_id));
    set(
        &obj,
        "bytesDone",
        &JsValue::from_f64(u64_to_f64(cp.bytes_done())),
    );
    set(&obj, "createdAt", &iso(cp.created_at_ms));
    set(&obj, "updatedAt", &iso(cp.updated_at_ms));
    obj.into()
}
