//! The options of issue 13 part A, read from the page's objects: `cname` on `Uploader`, and
//! `callback`, `partHeaders` and `trafficLimit` on `upload()`. Each is checked by the core's rule
//! (`oss_resumable_core::callback`, `::part_headers`, `request::Endpoint::parse_cname`) and
//! refused with an `InvalidArgument` that names the option.

use oss_resumable_core::callback::Callback;
use oss_resumable_core::error::OssError;
use oss_resumable_core::part_headers;
use oss_resumable_core::request::Endpoint;
use oss_resumable_core::vecmap::VecMap;
use wasm_bindgen::JsValue;

use super::options::{absent, boolean, get, integer, invalid, record, string};

/// The endpoint of `new Uploader(options)`: a custom domain with `cname: true` (§1), otherwise
/// OSS's endpoint, virtual-hosted or path style.
pub fn endpoint(options: &JsValue, text: &str, path_style: bool) -> Result<Endpoint, OssError> {
    let parsed = if boolean(options, "cname")?.unwrap_or(false) {
        if path_style {
            return Err(invalid(
                "options.cname and options.pathStyle exclude each other: a custom domain is the \
                 bucket's own host, so nothing goes in the path"
                    .to_string(),
            ));
        }
        Endpoint::parse_cname(text)
    } else {
        Endpoint::parse(text, path_style)
    };
    parsed.map_err(|e| invalid(format!("options.endpoint: {e}")))
}

/// Why V4 has no region from this endpoint, for the `options.region` error (§1).
pub fn why_no_region(endpoint: &Endpoint) -> &'static str {
    if endpoint.cname() {
        ", a custom domain (cname: true), which names no region: give the bucket's region"
    } else if endpoint.is_acceleration() {
        ", an acceleration endpoint, which serves every region: give the bucket's region"
    } else {
        ""
    }
}

/// `options.callback` (§10.1), or `None`.
pub fn callback(options: &JsValue) -> Result<Option<Callback>, OssError> {
    let v = get(options, "callback");
    if absent(&v) {
        return Ok(None);
    }
    if !v.is_object() {
        return Err(invalid(
            "options.callback must be an object {url, body, contentType?, host?, sni?, \
             customValues?}"
                .to_string(),
        ));
    }
    let field = |name: &str| -> Result<Option<String>, OssError> {
        string(&v, name, false)
            .map_err(|_| invalid(format!("options.callback.{name} must be a string")))
    };
    let callback = Callback {
        url: field("url")?
            .ok_or_else(|| invalid("options.callback.url is required".to_string()))?,
        body: field("body")?
            .ok_or_else(|| invalid("options.callback.body is required".to_string()))?,
        content_type: field("contentType")?,
        host: field("host")?,
        sni: boolean(&v, "sni")
            .map_err(|_| invalid("options.callback.sni must be true or false".to_string()))?,
        custom_values: record(&v, "customValues")
            .map_err(|_| {
                invalid("options.callback.customValues must be an object of strings".to_string())
            })?
            .into_iter()
            .collect::<VecMap<String, String>>(),
    };
    callback
        .validate()
        .map_err(|e| invalid(format!("options.{e}")))?;
    Ok(Some(callback))
}

/// `options.partHeaders` and `options.trafficLimit`, checked (§10.3).
pub fn part_headers(options: &JsValue) -> Result<Vec<(String, String)>, OssError> {
    let headers = record(options, "partHeaders")?;
    let limit = integer(options, "trafficLimit")?;
    part_headers::part_headers(&headers, limit).map_err(|e| invalid(format!("options.{e}")))
}
