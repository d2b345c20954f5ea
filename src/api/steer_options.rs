//! The options behind what the app steers (issue 13, part B), read apart from `options.rs`:
//! `maxPartsInFlight`, `retry.shouldRetry` and `retry.offlineWaitMs` on the `Uploader`, and
//! `onStart` on `upload()`. Same errors: `InvalidArgument` naming the option.

use std::rc::Rc;

use js_sys::{Function, Reflect};
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::retry::ShouldRetry;
use wasm_bindgen::{JsCast, JsValue};

use super::to_js_error;
use crate::js_number::f64_to_u64;
use crate::store::warn_once;

/// More than this only queues behind the browser's six connections per host, times uploads.
const MAX_PARTS_IN_FLIGHT: u64 = 256;

/// `maxPartsInFlight`, `retry.shouldRetry`, `retry.offlineWaitMs`, checked.
pub struct Steering {
    pub max_parts_in_flight: Option<usize>,
    pub should_retry: Option<ShouldRetry>,
    pub offline_wait_ms: Option<u64>,
}

fn invalid(message: &str) -> OssError {
    OssError::client(ClientCode::InvalidArgument, message.to_owned())
}

fn get(obj: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(obj, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn whole(v: &JsValue) -> Option<u64> {
    v.as_f64().and_then(f64_to_u64)
}

fn function(v: JsValue, what: &str) -> Result<Function, OssError> {
    v.dyn_into::<Function>()
        .map_err(|_| invalid(&format!("options.{what} must be a function")))
}

/// Reads the `Uploader`'s steering options.
pub fn uploader_steering(options: &JsValue) -> Result<Steering, OssError> {
    let max_parts_in_flight = match get(options, "maxPartsInFlight") {
        None => None,
        Some(v) => match whole(&v) {
            Some(n) if (1..=MAX_PARTS_IN_FLIGHT).contains(&n) => Some(n as usize),
            _ => {
                return Err(invalid(&format!(
                "options.maxPartsInFlight must be a whole number from 1 to {MAX_PARTS_IN_FLIGHT}"
            )))
            }
        },
    };
    let retry = get(options, "retry");
    let should_retry = match retry.as_ref().and_then(|r| get(r, "shouldRetry")) {
        None => None,
        Some(v) => Some(should_retry(function(v, "retry.shouldRetry")?)),
    };
    let offline_wait_ms = match retry.as_ref().and_then(|r| get(r, "offlineWaitMs")) {
        None => None,
        Some(v) => Some(whole(&v).ok_or_else(|| {
            invalid("options.retry.offlineWaitMs must be a non-negative whole number")
        })?),
    };
    Ok(Steering {
        max_parts_in_flight,
        should_retry,
        offline_wait_ms,
    })
}

/// `retry.shouldRetry(error, attempt)` as the core's hook: called synchronously with the
/// `OssError` the request would fail with and the number of the try that failed. A callback
/// that throws does not stop the upload: the core's rule (retry) stands.
fn should_retry(callback: Function) -> ShouldRetry {
    ShouldRetry(Rc::new(
        move |error: &OssError, attempt: u32| match callback.call2(
            &JsValue::UNDEFINED,
            &to_js_error(error),
            &JsValue::from(attempt),
        ) {
            Ok(answer) => answer.is_truthy(),
            Err(_) => {
                warn_once(
                    "oss-resumable: retry.shouldRetry threw; retrying as if it had said true",
                );
                true
            }
        },
    ))
}

/// `onStart` of `upload()` options.
pub fn on_start(options: &JsValue) -> Result<Option<Function>, OssError> {
    if !options.is_object() {
        return Ok(None);
    }
    get(options, "onStart")
        .map(|v| function(v, "onStart"))
        .transpose()
}
