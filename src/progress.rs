//! What `onProgress` receives: the upload machine's `Progress` as a plain JS object, in the shape
//! `UploadProgress` declares (`api/typescript.rs`). The driver reports it; the JS API only passes
//! the page's callback along.

use js_sys::{Object, Reflect};
use oss_resumable_core::upload::{Phase, Progress};
use wasm_bindgen::JsValue;

use crate::js_number::u64_to_f64;

/// `{loaded, total, partsDone, partsTotal, bytesPerSecond, phase}`.
pub fn progress_to_js(p: &Progress) -> JsValue {
    let obj = Object::new();
    set(&obj, "loaded", &JsValue::from_f64(u64_to_f64(p.loaded)));
    set(&obj, "total", &JsValue::from_f64(u64_to_f64(p.total)));
    set(&obj, "partsDone", &JsValue::from(p.parts_done));
    set(&obj, "partsTotal", &JsValue::from(p.parts_total));
    set(
        &obj,
        "bytesPerSecond",
        &JsValue::from_f64(p.bytes_per_second),
    );
    let phase = match p.phase {
        Phase::Preparing => "preparing",
        Phase::Uploading => "uploading",
        Phase::Completing => "completing",
        Phase::Done => "done",
        Phase::Offline => "offline",
    };
    set(&obj, "phase", &JsValue::from_str(phase));
    obj.into()
}

fn set(obj: &Object, name: &str, value: &JsValue) {
    // Setting a plain property on a fresh Object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(name), value);
}
