//! `setTimeout` of the window or worker the package runs in: the driver's timers (retry
//! back-off, the watchdog, the pace's epochs) and work moved out of the current task.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Runs `f` once after `delay_ms` (0: in a task of its own, after the current one). Where there
/// is no `setTimeout` (no such global), `f` never runs and `false` is returned.
pub fn later(delay_ms: i64, f: impl FnOnce() + 'static) -> bool {
    let global = js_sys::global();
    let Some(set_timeout) = Reflect::get(&global, &JsValue::from_str("setTimeout"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return false;
    };
    let callback = Closure::once_into_js(f);
    let delay = JsValue::from_f64(delay_ms.clamp(0, i32::MAX as i64) as f64);
    set_timeout.call2(&global, &callback, &delay).is_ok()
}

/// Resolves in a task of its own, after the current one: the rest of an async function runs
/// there, so that a long stretch of work is two tasks and the page can handle input between
/// them. (Without `setTimeout`, it resolves at once.)
pub async fn next_task() {
    // (fired, who waits): set by the timer, read by the poll below; one thread, so Rc + RefCell.
    let state: Rc<RefCell<(bool, Option<Waker>)>> = Rc::default();
    let timer_state = state.clone();
    let scheduled = later(0, move || {
        // Woken after the borrow ends, as `Mailbox::push` does.
        let waker = {
            let mut s = timer_state.borrow_mut();
            s.0 = true;
            s.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    if !scheduled {
        return;
    }
    poll_fn(|cx| {
        let mut s = state.borrow_mut();
        if s.0 {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    })
    .await
}
