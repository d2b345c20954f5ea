//! The JS surface, and the only `#[wasm_bindgen]` items of the crate: `Uploader` with
//! `upload`, `pending`, `discard` and `resume` (`resume.rs`), the conversion of results and pending uploads to plain JS
//! objects (progress is converted where the driver reports it, `crate::progress`), and of
//! failures to an `Error` named "OssError" (or a `DOMException` named "AbortError" for a pause).
//! Signatures and shapes are the contract in the README and `typescript.rs`.

mod object_options;
mod options;
mod resume;
mod steer_options;
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

use crate::credentials::CredentialSource;
use crate::driver::{self, OnStart, Run, Stopped};
use crate::file::Source;
use crate::file_handle::{self, Given};
use crate::js_number::u64_to_f64;
use crate::lock;
use crate::steer::{Control, PartLimit};
use crate::store::{warn_once, Store};
use options::{upload_settings, uploader_settings, UploaderSettings};
use oss_resumable_core::retry::ShouldRetry;
use oss_resumable_core::vecmap::VecMap;
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
    /// `maxPartsInFlight`, shared by every running upload.
    limit: Option<Rc<PartLimit>>,
    /// `retry.shouldRetry`.
    should_retry: Option<ShouldRetry>,
    /// Running uploads by checkpoint id, for `cancel(id)`.
    running: RefCell<VecMap<String, Control>>,
}

#[wasm_bindgen]
impl Uploader {
    #[wasm_bindgen(constructor)]
    pub fn new(options: UploaderOptionsJs) -> Result<Uploader, JsValue> {
        let options: JsValue = options.into();
        let mut settings = uploader_settings(&options).map_err(|e| to_js_error(&e))?;
        let steering = steer_options::uploader_steering(&options).map_err(|e| to_js_error(&e))?;
        if let Some(ms) = steering.offline_wait_ms {
            settings.retry.offline_wait_ms = ms;
        }
        let credentials = CredentialSource::from_option(&Reflect::get(
            &options,
            &JsValue::from_str("credentials"),
        )?)
        .map_err(|e| to_js_error(&e))?
        .asked_ahead(settings.store.as_deref());
        let inner = Rc::new(Inner {
            settings,
            credentials: Rc::new(credentials),
            store: RefCell::new(None),
            limit: steering
                .max_parts_in_flight
                .map(|n| Rc::new(PartLimit::new(n))),
            should_retry: steering.should_retry,
            running: RefCell::new(VecMap::new()),
        });
        // An app makes its Uploader as its page loads, long before its first `upload()`: the
        // database is opened now (a round trip to the browser's storage), so that a resume after
        // a reload does not wait for it (issue 16). The connection is shared (store.js), so an
        // upload that starts meanwhile waits for the same opening.
        let opening = inner.clone();
        wasm_bindgen_futures::spawn_local(async move {
            opening.store().await;
        });
        Ok(Uploader { inner })
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

    /// Aborts the multipart upload on the server and deletes its checkpoint. An id with no
    /// checkpoint stored under it (already discarded, completed, never there) is a no-op that
    /// resolves, as a DELETE of something gone does.
    pub fn discard(&self, id: String) -> VoidPromise {
        let inner = self.inner.clone();
        future_to_promise(async move { inner.discard(id).await }).unchecked_into()
    }

    /// Continues the pending upload `id` from the file handle stored beside its checkpoint.
    pub fn resume(&self, id: String, options: Option<UploadOptionsJs>) -> UploadResultPromise {
        let inner = self.inner.clone();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        future_to_promise(async move { inner.resume(id, options).await }).unchecked_into()
    }

    /// Stops a running upload of this `Uploader` (the `id` `onStart` and `pending()` give) and
    /// aborts it on the server; its `upload()` promise rejects with code `Cancelled`. Resolves
    /// once the upload has stopped; at once when no such upload is running here.
    pub fn cancel(&self, id: String) -> VoidPromise {
        let control = self.inner.running.borrow().get(&id).cloned();
        future_to_promise(async move {
            if let Some(control) = control {
                control.cancel();
                control.ended().await;
            }
            Ok(JsValue::UNDEFINED)
        })
        .unchecked_into()
    }
}

/// Takes a run out of `Inner::running` when it ends, however it ends.
struct Running<'a> {
    inner: &'a Inner,
    id: String,
    control: Control,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.inner.running.borrow_mut().remove(&self.id);
        self.control.end();
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
        let on_start = steer_options::on_start(&options).map_err(|e| to_js_error(&e))?;
        if settings.signal.as_ref().is_some_and(|s| s.aborted()) {
            return Err(abort_error());
        }
        request::validate_key(&key).map_err(|e| to_js_error(&invalid_argument(&e.to_string())))?;
        // Headers and metadata too, so that a bad one asks no credentials (docs/bad-input.md).
        settings
            .object
            .validate(&key)
            .map_err(|e| to_js_error(&invalid_argument(&e.to_string())))?;
        let (blob, handle) = match file_handle::given(file).await {
            Ok(Given::Blob(blob)) => (blob, None),
            Ok(Given::Handle(blob, handle)) => (blob, Some(handle)),
            Ok(Given::Other) => {
                return Err(to_js_error(&invalid_argument(
                    "upload(file, key) needs a File, a Blob or a FileSystemFileHandle",
                )))
            }
            Err(file_handle::Unreadable(why)) => {
                return Err(to_js_error(&OssError::client(
                    ClientCode::FileUnreadable,
                    format!("the file handle cannot be read ({why})"),
                )))
            }
        };
        // The checks above ran in the caller's task, so that bad input is refused at once; the
        // rest of the start (credentials, the file's identity, the store) runs in a task of its
        // own. A page's first upload runs this code for the first time, which costs far more
        // than later runs (the engine compiles functions on first call): in one task, with the
        // `Uploader` made just before, it took 10–39 ms in Chromium on a quiet machine (3–9 ms
        // for a second upload on the same page), and once 50 ms under load (the longest-task
        // figure of issue 16); split here, the first task takes 8–15 ms.
        crate::timer::next_task().await;
        let source = Source::new(blob).map_err(|e| to_js_error(&e))?;
        // Started now, so that they overlap the identity read and the checkpoint lookup below
        // instead of delaying the first request (a resume's first part waits on all of them).
        // The worker's start costs this thread a few ms: in a task of its own, so that the
        // upload's first task stays short (the longest-task figure of issue 16).
        crate::timer::later(0, crate::hash_worker::warm);
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

        // A handle is stored beside the checkpoint while this runs (`file_handle`).
        let _kept = handle.map(|h| file_handle::Kept::new(&id, &h));

        // The store hands out only records that decode (a damaged one it deleted, and said so);
        // the machine decides whether a decoded record may be resumed (for this target and file)
        // and asks for its deletion when not.
        let checkpoint = match store.get(&id).await {
            Ok(Some(cp)) => Some(cp),
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
            adaptive: s.adaptive,
            retry: s.retry,
            should_retry: self.should_retry.clone(),
            object: settings.object,
            jitter_seed: js_sys::Math::random().to_bits(),
        };
        let resumed_from_checkpoint = checkpoint.is_some();
        let key = config.key.clone();
        let machine =
            Upload::new(config, identity, checkpoint, now_ms()).map_err(|e| to_js_error(&e))?;
        let control = Control::default();
        self.running
            .borrow_mut()
            .insert(id.clone(), control.clone());
        let _running = Running {
            inner: self,
            id: id.clone(),
            control: control.clone(),
        };
        let run = Run {
            endpoint: s.endpoint.clone(),
            credentials: self.credentials.clone(),
            store,
            source: Some(source),
            signal: settings.signal,
            on_progress: settings.on_progress,
            resumed_from_checkpoint,
            on_start: on_start.map(|callback| OnStart { callback, id, key }),
            control: Some(control),
            limit: self.limit.clone(),
        };
        match driver::run(machine, run).await {
            Ok(result) => Ok(result_to_js(&result)),
            Err(Stopped::Failed(e)) => Err(to_js_error(&e)),
            Err(Stopped::Paused) => Err(abort_error()),
        }
    }

    async fn pending(&self) -> Result<JsValue, JsValue> {
        let store = self.store().await;
        // Records that do not decode (they can never be resumed) are deleted by the store.
        let mut checkpoints = store.all().await.map_err(|e| {
            to_js_error(&OssError::client(
                ClientCode::CheckpointInvalid,
                format!("cannot read checkpoints: {e}"),
            ))
        })?;
        oss_resumable_core::sort::sort_by_key(&mut checkpoints, |cp| {
            std::cmp::Reverse(cp.updated_at_ms)
        });
        let with_handle = file_handle::ids(&store).await;
        let list = Array::new();
        for cp in &checkpoints {
            let handle = with_handle.contains(&cp.id());
            list.push(&pending_to_js(cp, handle));
        }
        Ok(list.into())
    }

    async fn discard(&self, id: String) -> Result<JsValue, JsValue> {
        let store = self.store().await;
        let checkpoint = store.get(&id).await.map_err(|e| {
            to_js_error(&OssError::client(
                ClientCode::CheckpointInvalid,
                format!("cannot read checkpoints: {e}"),
            ))
        })?;
        // Nothing stored under that id (or only a damaged value, which the store deleted):
        // nothing to discard, as a DELETE of something gone succeeds.
        let Some(cp) = checkpoint else {
            return Ok(JsValue::UNDEFINED);
        };
        let Some(_lock) = lock::try_acquire(&lock_name(&id)).await else {
            return Err(to_js_error(&OssError::client(
                ClientCode::UploadInProgress,
                "this upload is running (here or in another tab); pause it before discarding it",
            )));
        };
        self.abort_remote(&cp, store).await
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
            should_retry: self.should_retry.clone(),
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
            on_start: None,
            control: None,
            limit: None,
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

/// `handle`: a file handle is stored beside it, so `resume(id)` can read the file.
fn pending_to_js(cp: &Checkpoint, handle: bool) -> JsValue {
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
    let resume_with = if handle { "handle" } else { "file" };
    set(&obj, "resumeWith", &JsValue::from_str(resume_with));
    obj.into()
}
