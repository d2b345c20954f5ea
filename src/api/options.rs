//! Reading the page's option objects into typed settings, with an `InvalidArgument` error that
//! names the option for anything out of place (a typo'd number is not silently ignored).

use js_sys::{Function, Object, Reflect};
use oss_resumable_core::error::{ClientCode, OssError};
use oss_resumable_core::plan::{MAX_PART_SIZE, MIN_PART_SIZE};
use oss_resumable_core::request::{Endpoint, ObjectOptions};
use oss_resumable_core::retry::RetryPolicy;
use oss_resumable_core::sign::SignatureVersion;
use oss_resumable_core::upload::checkpoint_endpoint;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::js_number::f64_to_u64;

/// Default IndexedDB database.
pub const DEFAULT_STORE: &str = "oss-resumable";
/// Parts in flight when the app gives `partSize` but no `parallel` (Alibaba's Go SDK v2 and C++
/// SDK use 3 as well). With neither, the core's adaptive pace starts at 3 and adapts
/// (`crates/core/src/upload/pace.rs`).
pub const DEFAULT_PARALLEL: usize = 3;
/// More parallel parts than this only queue behind HTTP/1.1's six connections per host.
const MAX_PARALLEL: usize = 32;

/// `UploaderOptions`, checked.
pub struct UploaderSettings {
    /// The endpoint as checkpoints record it (`scheme://host[:port]`).
    pub endpoint_text: String,
    pub endpoint: Endpoint,
    pub bucket: String,
    pub region: String,
    pub signature_version: SignatureVersion,
    pub part_size: Option<u64>,
    pub parallel: usize,
    /// Neither `parallel` nor `partSize` given: the pace adapts both.
    pub adaptive: bool,
    pub store: Option<String>,
    pub retry: RetryPolicy,
}

/// `UploadOptions`, checked.
pub struct UploadSettings {
    pub signal: Option<AbortSignal>,
    pub on_progress: Option<Function>,
    pub object: ObjectOptions,
}

pub(super) fn invalid(message: String) -> OssError {
    OssError::client(ClientCode::InvalidArgument, message)
}

pub(super) fn get(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

pub(super) fn string(
    obj: &JsValue,
    name: &str,
    required: bool,
) -> Result<Option<String>, OssError> {
    let v = get(obj, name);
    if absent(&v) {
        return if required {
            Err(invalid(format!("options.{name} is required")))
        } else {
            Ok(None)
        };
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| invalid(format!("options.{name} must be a string")))
}

pub(super) fn integer(obj: &JsValue, name: &str) -> Result<Option<u64>, OssError> {
    let v = get(obj, name);
    if absent(&v) {
        return Ok(None);
    }
    v.as_f64().and_then(f64_to_u64).map(Some).ok_or_else(|| {
        invalid(format!(
            "options.{name} must be a non-negative whole number"
        ))
    })
}

pub(super) fn boolean(obj: &JsValue, name: &str) -> Result<Option<bool>, OssError> {
    let v = get(obj, name);
    if absent(&v) {
        return Ok(None);
    }
    v.as_bool()
        .map(Some)
        .ok_or_else(|| invalid(format!("options.{name} must be true or false")))
}

/// `{name: value}` string records (meta, headers).
pub(super) fn record(obj: &JsValue, name: &str) -> Result<Vec<(String, String)>, OssError> {
    let v = get(obj, name);
    if absent(&v) {
        return Ok(Vec::new());
    }
    if !v.is_object() {
        return Err(invalid(format!(
            "options.{name} must be an object of strings"
        )));
    }
    let mut out = Vec::new();
    for entry in Object::entries(v.unchecked_ref::<Object>()).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let value = pair
            .get(1)
            .as_string()
            .ok_or_else(|| invalid(format!("options.{name}.{key} must be a string")))?;
        out.push((key, value));
    }
    Ok(out)
}

pub fn uploader_settings(options: &JsValue) -> Result<UploaderSettings, OssError> {
    if !options.is_object() {
        return Err(invalid(
            "new Uploader(options) needs an options object with endpoint, bucket and credentials"
                .to_string(),
        ));
    }
    let endpoint_option = string(options, "endpoint", true)?.unwrap_or_default();
    let bucket = string(options, "bucket", true)?.unwrap_or_default();
    if bucket.is_empty() {
        return Err(invalid("options.bucket must not be empty".to_string()));
    }
    let path_style = boolean(options, "pathStyle")?.unwrap_or(false);
    let endpoint = super::object_options::endpoint(options, &endpoint_option, path_style)?;
    let endpoint_text = checkpoint_endpoint(&endpoint);
    let signature_version = match string(options, "signatureVersion", false)?.as_deref() {
        None | Some("v4") => SignatureVersion::V4,
        Some("v1") => SignatureVersion::V1,
        Some(other) => {
            return Err(invalid(format!(
                "options.signatureVersion must be \"v4\" or \"v1\", not {other:?}"
            )))
        }
    };
    let region = match string(options, "region", false)? {
        Some(r) => r.trim_start_matches("oss-").to_string(),
        None => match endpoint.region() {
            Some(r) => r,
            None if signature_version == SignatureVersion::V1 => String::new(),
            None => {
                return Err(invalid(format!(
                    "options.region is needed for V4 signing: it cannot be derived from the endpoint {endpoint_option:?}{} \
                     (use e.g. \"cn-hangzhou\")",
                    super::object_options::why_no_region(&endpoint)
                )))
            }
        },
    };
    let part_size = integer(options, "partSize")?;
    if let Some(size) = part_size {
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&size) {
            return Err(invalid(format!(
                "options.partSize must be between 100 KiB (102400) and 5 GiB (5368709120), not {size}"
            )));
        }
    }
    let parallel_option = integer(options, "parallel")?;
    let adaptive = parallel_option.is_none() && part_size.is_none();
    let parallel = match parallel_option {
        None => DEFAULT_PARALLEL,
        Some(n) if (1..=MAX_PARALLEL as u64).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(format!(
                "options.parallel must be between 1 and {MAX_PARALLEL}, not {n}"
            )))
        }
    };
    let store_value = get(options, "checkpointStore");
    let store = if store_value.is_undefined() {
        Some(DEFAULT_STORE.to_string())
    } else if store_value.is_null() {
        None
    } else {
        match store_value.as_string() {
            Some(name) if !name.is_empty() => Some(name),
            _ => {
                return Err(invalid(
                    "options.checkpointStore must be a database name or null".to_string(),
                ))
            }
        }
    };
    let mut retry = RetryPolicy::default();
    let retry_value = get(options, "retry");
    if !absent(&retry_value) {
        if let Some(n) = integer(&retry_value, "maxAttempts")? {
            if n == 0 {
                return Err(invalid(
                    "options.retry.maxAttempts must be at least 1".to_string(),
                ));
            }
            retry.max_attempts = n.min(u32::MAX as u64) as u32;
        }
        if let Some(ms) = integer(&retry_value, "baseDelayMs")? {
            retry.base_delay_ms = ms;
        }
        if let Some(ms) = integer(&retry_value, "maxDelayMs")? {
            retry.max_delay_ms = ms;
        }
        if retry.max_delay_ms < retry.base_delay_ms {
            return Err(invalid(
                "options.retry.maxDelayMs must not be smaller than baseDelayMs".to_string(),
            ));
        }
    }
    Ok(UploaderSettings {
        endpoint_text,
        endpoint,
        bucket,
        region,
        signature_version,
        part_size,
        parallel,
        adaptive,
        store,
        retry,
    })
}

pub fn upload_settings(options: &JsValue) -> Result<UploadSettings, OssError> {
    if absent(options) {
        return Ok(UploadSettings {
            signal: None,
            on_progress: None,
            object: ObjectOptions::default(),
        });
    }
    if !options.is_object() {
        return Err(invalid("upload options must be an object".to_string()));
    }
    let signal = {
        let v = get(options, "signal");
        if absent(&v) {
            None
        } else {
            Some(
                v.dyn_into::<AbortSignal>()
                    .map_err(|_| invalid("options.signal must be an AbortSignal".to_string()))?,
            )
        }
    };
    let on_progress = {
        let v = get(options, "onProgress");
        if absent(&v) {
            None
        } else {
            Some(
                v.dyn_into::<Function>()
                    .map_err(|_| invalid("options.onProgress must be a function".to_string()))?,
            )
        }
    };
    let object = ObjectOptions {
        content_type: string(options, "contentType", false)?,
        meta: record(options, "meta")?,
        headers: record(options, "headers")?,
        forbid_overwrite: boolean(options, "forbidOverwrite")?.unwrap_or(false),
        callback: super::object_options::callback(options)?,
        part_headers: super::object_options::part_headers(options)?,
    };
    Ok(UploadSettings {
        signal,
        on_progress,
        object,
    })
}
