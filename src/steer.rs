//! What the app steers in a running upload, as the driver performs it: `Uploader.cancel(id)`
//! ([`Control`]), one `maxPartsInFlight` for every upload of an `Uploader` ([`PartLimit`], the
//! core's `PartShare` with a way to wake the other uploads' drivers), the browser's
//! online/offline state ([`Network`]), and calls to the app's signer ([`call_signer`]). The rules
//! are the core's (`upload/handle.rs`, `upload/share.rs`); this file only carries the messages.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::{Function, Object, Promise, Reflect};
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::request::{Endpoint, Request};
use oss_resumable_core::sign::SignatureVersion;
use oss_resumable_core::upload::PartShare;
use oss_resumable_core::vecmap::VecMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::EventTarget;

use crate::driver::{Mailbox, Message};
use crate::file::describe_js_error;

/// The handle `Uploader.cancel(id)` uses on one running upload: it reaches the upload's driver,
/// and tells when the run has ended.
#[derive(Clone, Default)]
pub struct Control(Rc<ControlState>);

#[derive(Default)]
struct ControlState {
    mailbox: RefCell<Option<Mailbox>>,
    /// Cancelled before the driver started: it cancels as soon as it does.
    cancel_early: Cell<bool>,
    ended: Cell<bool>,
    waiters: RefCell<Vec<Waker>>,
}

impl Control {
    /// Asks the upload to cancel (the core's `Upload::cancel`).
    pub fn cancel(&self) {
        match self.0.mailbox.borrow().as_ref() {
            Some(mailbox) => mailbox.push(Message::Cancel),
            None => self.0.cancel_early.set(true),
        }
    }

    /// The driver of the run takes its messages through `mailbox` from now on.
    pub(crate) fn attach(&self, mailbox: &Mailbox) {
        *self.0.mailbox.borrow_mut() = Some(mailbox.clone());
        if self.0.cancel_early.take() {
            mailbox.push(Message::Cancel);
        }
    }

    /// The run is over (however it ended).
    pub fn end(&self) {
        self.0.ended.set(true);
        self.0.mailbox.borrow_mut().take();
        for w in self.0.waiters.borrow_mut().drain(..) {
            w.wake();
        }
    }

    /// Resolves once [`Control::end`] was called.
    pub fn ended(&self) -> Ended {
        Ended(self.clone())
    }
}

pub struct Ended(Control);

impl Future for Ended {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &(self.0).0;
        if state.ended.get() {
            Poll::Ready(())
        } else {
            state.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// `maxPartsInFlight` of one `Uploader`: the core's [`PartShare`], and the drivers of the
/// uploads in it, woken to settle again when slots are given back.
pub struct PartLimit {
    share: RefCell<PartShare>,
    drivers: RefCell<VecMap<u64, Mailbox>>,
}

impl PartLimit {
    pub fn new(limit: usize) -> PartLimit {
        PartLimit {
            share: RefCell::new(PartShare::new(limit)),
            drivers: RefCell::new(VecMap::new()),
        }
    }

    /// A driver joins with its mailbox; returns its member id.
    pub(crate) fn join(&self, mailbox: &Mailbox) -> u64 {
        let member = self.share.borrow_mut().join();
        self.drivers.borrow_mut().insert(member, mailbox.clone());
        member
    }

    /// The upload ended: its slots go to the others.
    pub(crate) fn leave(&self, member: u64) {
        self.drivers.borrow_mut().remove(&member);
        if self.share.borrow_mut().leave(member) {
            self.wake_others(member);
        }
    }

    /// The cap this upload may use now (see `PartShare::settle`).
    pub(crate) fn settle(&self, member: u64, in_flight: usize, wanted: usize) -> usize {
        let settled = self.share.borrow_mut().settle(member, in_flight, wanted);
        if settled.released {
            self.wake_others(member);
        }
        settled.cap
    }

    fn wake_others(&self, member: u64) {
        for (id, mailbox) in self.drivers.borrow().iter() {
            if *id != member {
                mailbox.push(Message::Settle);
            }
        }
    }
}

/// The browser's `online` / `offline` events, posted to a driver's mailbox while it lives.
pub(crate) struct Network {
    target: Option<EventTarget>,
    online: Closure<dyn FnMut()>,
    offline: Closure<dyn FnMut()>,
}

impl Network {
    pub(crate) fn listen(mailbox: &Mailbox) -> Network {
        let target = js_sys::global().dyn_into::<EventTarget>().ok();
        let on = mailbox.clone();
        let online = Closure::<dyn FnMut()>::new(move || on.push(Message::Online(true)));
        let off = mailbox.clone();
        let offline = Closure::<dyn FnMut()>::new(move || off.push(Message::Online(false)));
        if let Some(t) = &target {
            let _ = t.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
            let _ = t.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
        }
        Network {
            target,
            online,
            offline,
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        if let Some(t) = &self.target {
            let _ = t.remove_event_listener_with_callback(
                "online",
                self.online.as_ref().unchecked_ref(),
            );
            let _ = t.remove_event_listener_with_callback(
                "offline",
                self.offline.as_ref().unchecked_ref(),
            );
        }
    }
}

/// `navigator.onLine` of the window or worker; true when there is no such thing. Only `false`
/// is reliable (the browser knows it has no network); `true` may still mean no route.
pub(crate) fn navigator_online() -> bool {
    Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .ok()
        .filter(|n| n.is_object())
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("onLine")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// Calls the app's signer with `{version, stringToSign, date, region, method, url, headers}` and
/// posts its answer (a string, or why there is none) as `Message::Signature(id, …)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn call_signer(
    signer: &Function,
    endpoint: &Endpoint,
    id: u64,
    request: &Request,
    string_to_sign: &str,
    version: SignatureVersion,
    date: &str,
    region: &str,
    mailbox: &Mailbox,
) {
    let req = Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = Reflect::set(&req, &JsValue::from_str(name), value);
    };
    let version = match version {
        SignatureVersion::V4 => "v4",
        SignatureVersion::V1 => "v1",
    };
    set("version", &JsValue::from_str(version));
    set("stringToSign", &JsValue::from_str(string_to_sign));
    set("date", &JsValue::from_str(date));
    set("region", &JsValue::from_str(region));
    set("method", &JsValue::from_str(request.method.as_str()));
    set("url", &JsValue::from_str(&endpoint.url(request)));
    let headers = Object::new();
    for (name, value) in &request.headers {
        let _ = Reflect::set(
            &headers,
            &JsValue::from_str(name),
            &JsValue::from_str(value),
        );
    }
    set("headers", &headers);
    let called = signer.call1(&JsValue::UNDEFINED, &req);
    let mailbox = mailbox.clone();
    spawn_local(async move {
        let answer = match called {
            Ok(value) => JsFuture::from(Promise::resolve(&value)).await,
            Err(e) => Err(e),
        };
        let result = match answer {
            Ok(v) => v.as_string().ok_or_else(|| {
                OssError::client(
                    ClientCode::SignerError,
                    "credentials.signer must resolve to the signature as a string",
                )
            }),
            Err(e) => Err(OssError::client(
                ClientCode::SignerError,
                describe_js_error(&e),
            )),
        };
        mailbox.push(Message::Signature(id, result));
    });
}
