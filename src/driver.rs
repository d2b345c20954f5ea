//! Runs one machine of the core, an upload or the abort of one (`discard`): asks it for actions,
//! performs them (XHR, hashing, credentials, checkpoint writes, timers) and feeds every result
//! back, until the machine reports completion, failure or a pause. All I/O completions arrive in
//! one mailbox, so the loop is a plain "wait for the next message" with no select. What the app
//! steers while the run lives (cancel, a shared part limit, the network, the signer) arrives
//! there too (`crate::steer`).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll, Waker};

use js_sys::{Function, Reflect};
use oss_resumable_core::checkpoint::Checkpoint;
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::request::Endpoint;
use oss_resumable_core::sign::Credentials;
use oss_resumable_core::upload::{
    Abort, Action, Event, Progress, Response, TransportError, Upload, UploadResult,
};
use oss_resumable_core::vecmap::VecMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::AbortSignal;

use crate::credentials::CredentialSource;
use crate::file::{Hasher, Source};
use crate::http::{self, Exchange, Report};
use crate::progress::progress_to_js;
use crate::steer::{self, Control, PartLimit};
use crate::store::{warn_once, Store};

/// What the page gave this run.
pub struct Run {
    pub endpoint: Endpoint,
    pub credentials: Rc<CredentialSource>,
    pub store: Store,
    /// The file an upload reads; `None` for an abort, which reads none.
    pub source: Option<Source>,
    pub signal: Option<AbortSignal>,
    pub on_progress: Option<Function>,
    /// A checkpoint is stored under the machine's id already (the one passed to it). Until the
    /// machine deletes it, a save only updates that record.
    pub resumed_from_checkpoint: bool,
    /// `onStart`, with what it is told besides the upload id.
    pub on_start: Option<OnStart>,
    /// `Uploader.cancel(id)`'s handle on this run.
    pub control: Option<Control>,
    /// The `Uploader`'s `maxPartsInFlight`, shared with its other uploads.
    pub limit: Option<Rc<PartLimit>>,
}

/// `onStart({id, uploadId, key, resumed})`: the callback, the checkpoint id and the key.
pub struct OnStart {
    pub callback: Function,
    pub id: String,
    pub key: String,
}

/// Where a machine's events for the page go.
pub struct Reporter<'a> {
    pub on_progress: Option<&'a Function>,
    pub on_start: Option<&'a OnStart>,
}

/// How a run ends when it does not complete.
pub enum Stopped {
    Failed(OssError),
    /// The page's AbortSignal fired: the remote upload and the checkpoint are kept.
    Paused,
}

/// A sans-IO machine of the core this loop can perform: [`Upload`] or [`Abort`]. Both ask for the
/// same actions and take the same answers (docs/machine-interface.md); they differ in how they
/// end.
pub trait Machine {
    /// What a completed run gives.
    type Output;
    fn poll_action(&mut self, now_ms: i64) -> Option<Action>;
    fn poll_timeout(&self) -> Option<i64>;
    fn handle_timeout(&mut self, now_ms: i64);
    fn handle_credentials(&mut self, result: Result<Credentials, OssError>, now_ms: i64);
    fn handle_hash(&mut self, id: u64, result: Result<u64, OssError>, now_ms: i64);
    fn handle_progress(&mut self, id: u64, bytes_sent: u64, now_ms: i64);
    fn handle_response(&mut self, id: u64, result: Result<Response, TransportError>, now_ms: i64);
    fn handle_signature(&mut self, id: u64, result: Result<String, OssError>, now_ms: i64);
    fn set_online(&mut self, online: bool, now_ms: i64);
    fn pause(&mut self, now_ms: i64);
    /// `Uploader.cancel(id)`; nothing for a machine that cannot be cancelled.
    fn cancel(&mut self, _now_ms: i64) {}
    /// UploadParts in flight and wanted, for a shared `maxPartsInFlight`.
    fn parts(&self) -> (usize, usize) {
        (0, 0)
    }
    fn set_part_cap(&mut self, _cap: usize, _now_ms: i64) {}
    /// Reports progress (and the start) as it comes; returns the end, once there is one.
    fn poll_end(&mut self, reporter: &Reporter) -> Option<Result<Self::Output, Stopped>>;
}

impl Machine for Upload {
    type Output = UploadResult;
    fn poll_action(&mut self, now_ms: i64) -> Option<Action> {
        Upload::poll_action(self, now_ms)
    }
    fn poll_timeout(&self) -> Option<i64> {
        Upload::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now_ms: i64) {
        Upload::handle_timeout(self, now_ms);
    }
    fn handle_credentials(&mut self, result: Result<Credentials, OssError>, now_ms: i64) {
        Upload::handle_credentials(self, result, now_ms);
    }
    fn handle_hash(&mut self, id: u64, result: Result<u64, OssError>, now_ms: i64) {
        Upload::handle_hash(self, id, result, now_ms);
    }
    fn handle_progress(&mut self, id: u64, bytes_sent: u64, now_ms: i64) {
        Upload::handle_progress(self, id, bytes_sent, now_ms);
    }
    fn handle_response(&mut self, id: u64, result: Result<Response, TransportError>, now_ms: i64) {
        Upload::handle_response(self, id, result, now_ms);
    }
    fn handle_signature(&mut self, id: u64, result: Result<String, OssError>, now_ms: i64) {
        Upload::handle_signature(self, id, result, now_ms);
    }
    fn set_online(&mut self, online: bool, now_ms: i64) {
        Upload::set_online(self, online, now_ms);
    }
    fn pause(&mut self, now_ms: i64) {
        Upload::pause(self, now_ms);
    }
    fn cancel(&mut self, now_ms: i64) {
        Upload::cancel(self, now_ms);
    }
    fn parts(&self) -> (usize, usize) {
        (self.parts_in_flight(), self.parts_wanted())
    }
    fn set_part_cap(&mut self, cap: usize, now_ms: i64) {
        Upload::set_part_cap(self, Some(cap), now_ms);
    }
    fn poll_end(&mut self, reporter: &Reporter) -> Option<Result<UploadResult, Stopped>> {
        while let Some(event) = self.poll_event() {
            match event {
                Event::Progress(p) => report_progress(reporter.on_progress, &p),
                Event::Started { upload_id, resumed } => {
                    report_start(reporter.on_start, &upload_id, resumed)
                }
                Event::PartDone { .. } => {}
                Event::Completed(result) => return Some(Ok(result)),
                Event::Failed(error) => return Some(Err(Stopped::Failed(error))),
                Event::Paused => return Some(Err(Stopped::Paused)),
            }
        }
        None
    }
}

impl Machine for Abort {
    type Output = ();
    fn poll_action(&mut self, now_ms: i64) -> Option<Action> {
        Abort::poll_action(self, now_ms)
    }
    fn poll_timeout(&self) -> Option<i64> {
        Abort::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now_ms: i64) {
        Abort::handle_timeout(self, now_ms);
    }
    fn handle_credentials(&mut self, result: Result<Credentials, OssError>, now_ms: i64) {
        Abort::handle_credentials(self, result, now_ms);
    }
    // An abort asks for no hash, sends no body and is given no AbortSignal: nothing to take.
    fn handle_hash(&mut self, _id: u64, _result: Result<u64, OssError>, _now_ms: i64) {}
    fn handle_progress(&mut self, _id: u64, _bytes_sent: u64, _now_ms: i64) {}
    fn pause(&mut self, _now_ms: i64) {}
    fn handle_response(&mut self, id: u64, result: Result<Response, TransportError>, now_ms: i64) {
        Abort::handle_response(self, id, result, now_ms);
    }
    fn handle_signature(&mut self, id: u64, result: Result<String, OssError>, _now_ms: i64) {
        Abort::handle_signature(self, id, result);
    }
    fn set_online(&mut self, online: bool, now_ms: i64) {
        Abort::set_online(self, online, now_ms);
    }
    fn poll_end(&mut self, _reporter: &Reporter) -> Option<Result<(), Stopped>> {
        self.poll_outcome().map(|r| r.map_err(Stopped::Failed))
    }
}

/// A request whose body stops moving for this long is aborted and retried as a timeout.
/// A stall watchdog rather than a total timeout: a large part on a slow link may take minutes,
/// and only silence while sending means the connection is dead (ali-oss's 60 s total timeout
/// breaks big parts). Once the body is sent, waiting is legitimate: OSS may take minutes to
/// answer a Complete of a large object.
const STALL_MS: i64 = 60_000;
/// How often in-flight requests are checked for stalls.
const WATCHDOG_EVERY_MS: i64 = 5_000;

pub(crate) enum Message {
    Watchdog,
    /// `Uploader.cancel(id)`.
    Cancel,
    /// Slots of the shared part limit were given back: settle again.
    Settle,
    /// The `online` (true) or `offline` (false) event.
    Online(bool),
    /// The app's signer answered `Action::Sign { id, .. }`.
    Signature(u64, Result<String, OssError>),
    Credentials(Result<Credentials, OssError>),
    Hash(u64, Result<u64, OssError>),
    Progress(u64, u64),
    Response(u64, Result<Response, TransportError>),
    Timer(u64),
    Abort,
}

/// A single-consumer queue whose `recv` future wakes when something is pushed.
#[derive(Clone, Default)]
pub(crate) struct Mailbox(Rc<RefCell<(VecDeque<Message>, Option<Waker>)>>);

impl Mailbox {
    pub(crate) fn push(&self, message: Message) {
        let waker = {
            let mut inner = self.0.borrow_mut();
            inner.0.push_back(message);
            inner.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn recv(&self) -> Recv {
        Recv(self.clone())
    }
}

struct Recv(Mailbox);

impl Future for Recv {
    type Output = Message;
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Message> {
        let mut inner = (self.0).0.borrow_mut();
        match inner.0.pop_front() {
            Some(m) => Poll::Ready(m),
            None => {
                inner.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Drives `machine` to its end.
pub async fn run<M: Machine>(machine: M, run: Run) -> Result<M::Output, Stopped> {
    let mailbox = Mailbox::default();
    if let Some(control) = &run.control {
        control.attach(&mailbox);
    }
    let member = run.limit.as_ref().map(|limit| limit.join(&mailbox));
    let end = drive(machine, &run, &mailbox, member).await;
    if let (Some(limit), Some(member)) = (&run.limit, member) {
        limit.leave(member);
    }
    end
}

/// The loop of [`run`].
async fn drive<M: Machine>(
    mut machine: M,
    run: &Run,
    mailbox: &Mailbox,
    member: Option<u64>,
) -> Result<M::Output, Stopped> {
    let mailbox = mailbox.clone();
    let _network = steer::Network::listen(&mailbox);
    if !steer::navigator_online() {
        machine.set_online(false, now_ms());
    }
    let reporter = Reporter {
        on_progress: run.on_progress.as_ref(),
        on_start: run.on_start.as_ref(),
    };
    let mut exchanges: VecMap<u64, Exchange> = VecMap::new();
    // Per in-flight request: (last time it was sent or reported progress, bytes sent, body size).
    let mut last_activity: VecMap<u64, (i64, u64, u64)> = VecMap::new();
    let mut watchdog_armed = false;
    let mut cancelled_hashes: VecMap<u64, ()> = VecMap::new();
    let hashing = HashQueue::default();
    let mut timer: Option<(i64, u64)> = None; // (due, generation)
    let mut generation = 0u64;

    // The abort listener lives as long as this run.
    let _abort_listener = run.signal.as_ref().map(|signal| {
        let mailbox = mailbox.clone();
        let listener = Closure::<dyn FnMut()>::new(move || mailbox.push(Message::Abort));
        let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
        AbortListener {
            signal: signal.clone(),
            listener,
        }
    });
    if run.signal.as_ref().is_some_and(|s| s.aborted()) {
        mailbox.push(Message::Abort);
    }

    // Whether the store holds this upload's id already (see SaveCheckpoint below).
    let mut checkpoint_stored = run.resumed_from_checkpoint;
    // A save put off until this batch's requests are sent; each save is the whole checkpoint, so
    // only the newest of a batch needs writing.
    let mut deferred_save: Option<Checkpoint> = None;

    loop {
        // 0. Take the share of a shared maxPartsInFlight this upload may use now (the core's
        //    rule; any moment is safe, since an upload never exceeds the slots it owns).
        if let (Some(limit), Some(member)) = (&run.limit, member) {
            let (in_flight, wanted) = machine.parts();
            let cap = limit.settle(member, in_flight, wanted);
            machine.set_part_cap(cap, now_ms());
        }

        // 1. Perform everything the machine wants done now.
        while let Some(action) = machine.poll_action(now_ms()) {
            match action {
                Action::FetchCredentials => {
                    let mailbox = mailbox.clone();
                    let credentials = run.credentials.clone();
                    spawn_local(async move {
                        let result = credentials.get().await;
                        mailbox.push(Message::Credentials(result));
                    });
                }
                Action::Hash { id, start, end } => match &run.source {
                    Some(source) => hashing.push(id, start, end, source, &mailbox),
                    // Only an upload hashes, and an upload always has its file.
                    None => mailbox.push(Message::Hash(
                        id,
                        Err(OssError::client(ClientCode::FileChanged, "no file to read")),
                    )),
                },
                Action::Send { id, request } => {
                    let body_len = request.body.len();
                    let reporter = {
                        let mailbox = mailbox.clone();
                        move |report: Report| match report {
                            Report::Progress(n) => mailbox.push(Message::Progress(id, n)),
                            Report::Done(r) => mailbox.push(Message::Response(id, r)),
                        }
                    };
                    match http::send(&run.endpoint, &request, run.source.as_ref(), 0, reporter) {
                        Ok(exchange) => {
                            exchanges.insert(id, exchange);
                            last_activity.insert(id, (now_ms(), 0, body_len));
                        }
                        Err(e) => mailbox.push(Message::Response(id, Err(e))),
                    }
                }
                Action::Cancel { id } => {
                    // Dropping the exchange aborts its XHR; a queued hash is withdrawn; the one
                    // being hashed cannot be stopped mid-read, so its result is dropped when it
                    // arrives.
                    last_activity.remove(&id);
                    if exchanges.remove(&id).is_none() && !hashing.withdraw(id) {
                        cancelled_hashes.insert(id, ());
                    }
                }
                Action::SaveCheckpoint(checkpoint) if checkpoint_stored => {
                    // A later save (a part is done): written after this batch's requests are on
                    // their way, so the next part does not wait for IndexedDB (a few ms per part,
                    // every part). Writes still land in order.
                    deferred_save = Some(checkpoint);
                }
                Action::SaveCheckpoint(checkpoint) => {
                    // The first save of a new upload (its upload id) is awaited before any part
                    // is sent, so a page closed during the first part still knows the upload to
                    // resume and leaves no orphan on the server.
                    save_checkpoint(&run.store, &checkpoint).await;
                    checkpoint_stored = true;
                }
                Action::Sign {
                    id,
                    request,
                    string_to_sign,
                    version,
                    date,
                    region,
                } => match run.credentials.signer() {
                    Some(signer) => steer::call_signer(
                        signer,
                        &run.endpoint,
                        id,
                        &request,
                        &string_to_sign,
                        version,
                        &date,
                        &region,
                        &mailbox,
                    ),
                    // Only credentials with a signer make the core ask for signatures.
                    None => mailbox.push(Message::Signature(
                        id,
                        Err(OssError::client(ClientCode::SignerError, "no signer")),
                    )),
                },
                Action::DeleteCheckpoint { id } => {
                    // Awaited in place so that a completed upload's checkpoint is gone before
                    // the upload's promise resolves; a save put off before it is moot. The next
                    // save (a restarted upload's new upload id) is a first save again.
                    deferred_save = None;
                    checkpoint_stored = false;
                    if let Err(e) = run.store.delete(&id).await {
                        warn_once(&format!("oss-resumable: cannot delete a checkpoint ({e})"));
                    }
                }
            }
        }

        if let Some(checkpoint) = deferred_save.take() {
            save_checkpoint(&run.store, &checkpoint).await;
        }

        // 2. Report what happened.
        if let Some(end) = machine.poll_end(&reporter) {
            return end;
        }

        // 3. Keep one timer armed for the machine's earliest deadline.
        if let Some(due) = machine.poll_timeout() {
            if timer.is_none_or(|(at, _)| due < at) {
                generation += 1;
                timer = Some((due, generation));
                set_timeout(&mailbox, generation, (due - now_ms()).max(0));
            }
        }

        if !exchanges.is_empty() && !watchdog_armed {
            watchdog_armed = true;
            post_later(&mailbox, Message::Watchdog, WATCHDOG_EVERY_MS);
        }

        // 4. Wait for the next thing to happen and tell the machine.
        let now = now_ms();
        match mailbox.recv().await {
            Message::Credentials(result) => machine.handle_credentials(result, now_ms()),
            Message::Hash(id, result) => {
                if cancelled_hashes.remove(&id).is_none() {
                    machine.handle_hash(id, result, now_ms());
                }
            }
            Message::Progress(id, bytes) => {
                if exchanges.contains_key(&id) {
                    if let Some(entry) = last_activity.get_mut(&id) {
                        *entry = (now, bytes, entry.2);
                    }
                    machine.handle_progress(id, bytes, now_ms());
                }
            }
            Message::Response(id, result) => {
                last_activity.remove(&id);
                if exchanges.remove(&id).is_some() || result.is_err() {
                    if matches!(result, Err(TransportError::Network)) && !steer::navigator_online()
                    {
                        // The browser knows it has no network: the failure spends no try, and
                        // the request waits for the `online` event (the core's rule).
                        machine.set_online(false, now_ms());
                    }
                    machine.handle_response(id, result, now_ms());
                }
            }
            Message::Signature(id, result) => machine.handle_signature(id, result, now_ms()),
            Message::Online(online) => machine.set_online(online, now_ms()),
            Message::Cancel => machine.cancel(now_ms()),
            // Settled at the top of the loop.
            Message::Settle => {}
            Message::Watchdog => {
                watchdog_armed = false;
                let stalled: Vec<u64> = last_activity
                    .iter()
                    .filter(|(_, (at, sent, len))| sent < len && now - *at >= STALL_MS)
                    .map(|(id, _)| *id)
                    .collect();
                for id in stalled {
                    last_activity.remove(&id);
                    // Dropping the exchange aborts the XHR.
                    if exchanges.remove(&id).is_some() {
                        machine.handle_response(id, Err(TransportError::Timeout), now);
                    }
                }
            }
            Message::Timer(g) => {
                if timer.is_some_and(|(_, current)| current == g) {
                    timer = None;
                }
                if machine.poll_timeout().is_some_and(|due| due <= now) {
                    machine.handle_timeout(now);
                }
            }
            Message::Abort => machine.pause(now),
        }
    }
}

async fn save_checkpoint(store: &Store, checkpoint: &Checkpoint) {
    if let Err(e) = store.put(checkpoint).await {
        warn_once(&format!(
            "oss-resumable: cannot save the checkpoint ({e}); this upload will not resume after a reload"
        ));
    }
}

/// How many ranges are hashed at once. Parts are sent as soon as they are hashed, so with
/// hashing one range at a time the first parts of an upload went out one by one instead of
/// together; three (the default `parallel`) keeps them together while memory stays at three
/// chunks.
const HASHERS: usize = 3;

/// Ranges to hash, started in the order the machine asked for them (first the parts to send
/// next, then reused parts to check), by at most `HASHERS` tasks, each with its own `Hasher`,
/// so memory does not grow with the number of parts waiting to be hashed.
#[derive(Clone, Default)]
struct HashQueue {
    queue: Rc<RefCell<VecDeque<(u64, u64, u64)>>>,
    running: Rc<Cell<usize>>,
    hashers: Rc<RefCell<Vec<Hasher>>>,
}

impl HashQueue {
    fn push(&self, id: u64, start: u64, end: u64, source: &Source, mailbox: &Mailbox) {
        self.queue.borrow_mut().push_back((id, start, end));
        if self.running.get() >= HASHERS {
            return;
        }
        self.running.set(self.running.get() + 1);
        let this = self.clone();
        let source = source.clone();
        let mailbox = mailbox.clone();
        spawn_local(async move {
            let mut hasher = this.hashers.borrow_mut().pop().unwrap_or_else(Hasher::new);
            loop {
                let next = this.queue.borrow_mut().pop_front();
                let Some((id, start, end)) = next else { break };
                let result = source.crc64(&mut hasher, start, end).await;
                mailbox.push(Message::Hash(id, result));
            }
            this.hashers.borrow_mut().push(hasher);
            this.running.set(this.running.get() - 1);
        });
    }
    /// Removes a range that is still waiting; false when it is being hashed (or done).
    fn withdraw(&self, id: u64) -> bool {
        let mut queue = self.queue.borrow_mut();
        let before = queue.len();
        queue.retain(|(i, _, _)| *i != id);
        queue.len() != before
    }
}

struct AbortListener {
    signal: AbortSignal,
    listener: Closure<dyn FnMut()>,
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.listener.as_ref().unchecked_ref());
    }
}

/// `setTimeout` of the window or worker, posting `Timer(generation)` when it fires.
fn set_timeout(mailbox: &Mailbox, generation: u64, delay_ms: i64) {
    post_later(mailbox, Message::Timer(generation), delay_ms);
}

/// Posts `message` to the mailbox after `delay_ms`, with the global `setTimeout`.
fn post_later(mailbox: &Mailbox, message: Message, delay_ms: i64) {
    let mailbox = mailbox.clone();
    crate::timer::later(delay_ms, move || mailbox.push(message));
}

/// `onStart({id, uploadId, key, resumed})`; a throwing callback does not break the upload.
fn report_start(on_start: Option<&OnStart>, upload_id: &str, resumed: bool) {
    let Some(on_start) = on_start else { return };
    let value = js_sys::Object::new();
    for (name, v) in [
        ("id", JsValue::from_str(&on_start.id)),
        ("uploadId", JsValue::from_str(upload_id)),
        ("key", JsValue::from_str(&on_start.key)),
        ("resumed", JsValue::from_bool(resumed)),
    ] {
        let _ = Reflect::set(&value, &JsValue::from_str(name), &v);
    }
    let _ = on_start.callback.call1(&JsValue::UNDEFINED, &value);
}

fn report_progress(callback: Option<&Function>, p: &Progress) {
    let Some(callback) = callback else { return };
    let value = progress_to_js(p);
    // A throwing onProgress must not break the upload.
    let _ = callback.call1(&JsValue::UNDEFINED, &value);
}
