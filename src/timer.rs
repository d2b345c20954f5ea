//! `setTimeout` of the window or worker the package runs in: the driver's timers (retry
//! back-off, the watchdog, the pace's epochs) and work moved out of the current task.

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Runs `f` once after `delay_ms` (0: in a task of its own, after the current one). Where there
/// is no `setTimeout` (no such global), `f` never runs.
pub fn later(delay_ms: i64, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    let global = js_sys::global();
    if let Some(set_timeout) = Reflect::get(&global, &JsValue::from_str("setTimeout"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    {
        let delay = JsValue::from_f64(delay_ms.clamp(0, i32::MAX as i64) as f64);
        let _ = set_timeout.call2(&global, &callback, &delay);
    }
}
