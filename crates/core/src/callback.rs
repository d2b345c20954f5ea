//! Upload callbacks (docs/protocol.md §10.1): the `callback` option of `upload()`, checked, and
//! written as OSS reads it: `x-oss-callback` = Base64 of the JSON `{callbackUrl, callbackBody,
//! callbackHost?, callbackBodyType?, callbackSNI?}` and `x-oss-callback-var` = Base64 of the JSON
//! `{"x:name": "value", …}`. Both go on the request that creates the object: PutObject, or
//! CompleteMultipartUpload (never Initiate or UploadPart). OSS POSTs to the URL once the object is
//! stored; its answer becomes the response body, and a failed callback is `203 CallbackFailed`
//! with the object stored all the same (see `upload/answers.rs`).
//!
//! The options hold no secret, so the checkpoint keeps them and a resumed upload completes with
//! the callback it started with.

use serde::{Deserialize, Serialize};

use crate::prim::json::write_str as write_json_str;
use crate::vecmap::VecMap;

/// The `callbackBodyType`s OSS accepts; the first is its default (§10.1).
pub const BODY_TYPES: [&str; 2] = ["application/x-www-form-urlencoded", "application/json"];
/// OSS tries at most five `;`-separated callback URLs (EC 0007-00000005).
pub const MAX_URLS: usize = 5;

/// The `callback` option of `upload()`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Callback {
    /// `callbackUrl`: one URL, or up to five separated by `;` (tried in order).
    pub url: String,
    /// `callbackBody`, with `${bucket}`, `${object}`, `${etag}`, `${size}`, `${mimeType}`,
    /// `${crc64}` and `${x:name}` for the custom values.
    pub body: String,
    /// `callbackBodyType`; OSS's default (form-urlencoded) when `None`.
    pub content_type: Option<String>,
    /// `callbackHost`: the `Host` header of the callback request; the URL's host when `None`.
    pub host: Option<String>,
    /// `callbackSNI`: send the host as TLS SNI to an https callback URL.
    pub sni: Option<bool>,
    /// `x-oss-callback-var`, names without the `x:` prefix (a given prefix is accepted).
    pub custom_values: VecMap<String, String>,
}

/// Why a callback option is refused; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("callback: {0}")]
pub struct CallbackError(pub String);

fn err(message: impl Into<String>) -> CallbackError {
    CallbackError(message.into())
}

impl Callback {
    /// Checks what OSS would refuse (EC 0007-00000004/5: bad or too many URLs; an unknown body
    /// type; a custom name that is not `x:` + lowercase, §10.1).
    pub fn validate(&self) -> Result<(), CallbackError> {
        let urls: Vec<&str> = self
            .url
            .split(';')
            .filter(|u| !u.trim().is_empty())
            .collect();
        if urls.is_empty() {
            return Err(err("url is empty: give the URL OSS should POST to"));
        }
        if urls.len() > MAX_URLS {
            return Err(err(format!(
                "url lists {} URLs; OSS tries at most {MAX_URLS} (separated by ';')",
                urls.len()
            )));
        }
        for url in urls {
            let url = url.trim();
            let lower = url.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("http://")
                .or_else(|| lower.strip_prefix("https://"))
                .ok_or_else(|| err(format!("url {url:?} must start with http:// or https://")))?;
            if rest.is_empty() || rest.starts_with('/') {
                return Err(err(format!("url {url:?} has no host")));
            }
            if url.bytes().any(|b| b <= b' ' || b >= 0x7f) {
                return Err(err(format!(
                    "url {url:?} must be percent-encoded (no spaces, controls or non-ASCII)"
                )));
            }
        }
        if self.body.is_empty() {
            return Err(err("body is empty: OSS requires a callbackBody"));
        }
        if let Some(t) = &self.content_type {
            if !BODY_TYPES.contains(&t.as_str()) {
                return Err(err(format!(
                    "contentType {t:?} is not one OSS sends: use {:?} or {:?}",
                    BODY_TYPES[0], BODY_TYPES[1]
                )));
            }
        }
        if let Some(h) = &self.host {
            if h.is_empty() || h.bytes().any(|b| b <= b' ' || b >= 0x7f || b == b'/') {
                return Err(err(format!("host {h:?} must be a host name or IP address")));
            }
        }
        for name in self.custom_values.keys() {
            let bare = name.strip_prefix("x:").unwrap_or(name);
            if bare.is_empty()
                || !bare
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            {
                return Err(err(format!(
                    "customValues name {name:?} is invalid: OSS wants lowercase letters, digits, \
                     '_' and '-' (it is sent as \"x:{bare}\")"
                )));
            }
        }
        Ok(())
    }

    /// The `x-oss-callback` and (when there are custom values) `x-oss-callback-var` headers.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut json = String::from("{\"callbackUrl\":");
        write_json_str(&mut json, &self.url);
        if let Some(host) = &self.host {
            json.push_str(",\"callbackHost\":");
            write_json_str(&mut json, host);
        }
        json.push_str(",\"callbackBody\":");
        write_json_str(&mut json, &self.body);
        if let Some(t) = &self.content_type {
            json.push_str(",\"callbackBodyType\":");
            write_json_str(&mut json, t);
        }
        if let Some(sni) = self.sni {
            json.push_str(if sni {
                ",\"callbackSNI\":true"
            } else {
                ",\"callbackSNI\":false"
            });
        }
        json.push('}');
        let mut out = vec![(
            "x-oss-callback".to_owned(),
            crate::prim::b64::encode(json.as_bytes()),
        )];
        if !self.custom_values.is_empty() {
            let mut vars = String::from("{");
            for (i, (name, value)) in self.custom_values.iter().enumerate() {
                if i > 0 {
                    vars.push(',');
                }
                let bare = name.strip_prefix("x:").unwrap_or(name);
                write_json_str(&mut vars, &format!("x:{bare}"));
                vars.push(':');
                write_json_str(&mut vars, value);
            }
            vars.push('}');
            out.push((
                "x-oss-callback-var".to_owned(),
                crate::prim::b64::encode(vars.as_bytes()),
            ));
        }
        out
    }
}
