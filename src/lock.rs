//! One upload per checkpoint at a time, across calls and tabs: a Web Lock
//! (`navigator.locks.request(name, {ifAvailable: true}, …)`) held for as long as the upload runs.
//! IndexedDB is shared by every tab of the origin, so without it two tabs would upload the same
//! parts and race on Complete. The browser releases the lock by itself if a tab crashes.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Holds a lock until dropped.
pub struct LockGuard {
    release: Option<Function>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            // Resolving the promise the lock callback returned releases the lock.
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

/// `Some(guard)` when the lock was free (or Web Locks are unavailable: older browsers, insecure
/// contexts, where we proceed unguarded), `None` when someone else holds it.
pub async fn try_acquire(name: &str) -> Option<LockGuard> {
    let Some(locks) = lock_manager() else {
        return Some(LockGuard { release: None });
    };
    let Ok(request) =
        Reflect::get(&locks, &JsValue::from_str("request")).and_then(|f| f.dyn_into::<Function>())
    else {
        return Some(LockGuard { release: None });
    };

    let mut release: Option<Function> = None;
    let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
    let mut answer: Option<Function> = None;
    let acquired = Promise::new(&mut |resolve, _reject| answer = Some(resolve));
    let (Some(release), Some(answer)) = (release, answer) else {
        return Some(LockGuard { release: None });
    };

    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() || lock.is_undefined() {
            let _ = answer.call1(&JsValue::UNDEFINED, &JsValue::FALSE);
            JsValue::UNDEFINED
        } else {
            let _ = answer.call1(&JsValue::UNDEFINED, &JsValue::TRUE);
            held.into()
        }
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &JsValue::from_str("ifAvailable"), &JsValue::TRUE);
    if request
        .call3(&locks, &JsValue::from_str(name), &options, &callback)
        .is_err()
    {
        return Some(LockGuard { release: None });
    }
    match JsFuture::from(acquired).await {
        Ok(v) if v.is_truthy() => Some(LockGuard {
            release: Some(release),
        }),
        _ => None,
    }
}

/// `navigator.locks` of the window or worker, if any.
fn lock_manager() -> Option<JsValue> {
    let navigator = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).ok()?;
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then_some(locks)
}
