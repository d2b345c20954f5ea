//! What an operation reads from its request besides the body: the addressed bucket and key, the
//! query and the OSS headers (`x-oss-forbid-overwrite`, `x-oss-meta-*`, `Content-Type`,
//! `encoding-type`), each read with OSS's rules and errors.

use std::sync::atomic::AtomicU64;

use axum::http::{HeaderMap, Method, StatusCode};

use super::route::{query_value, Query, Served};
use crate::error::OssError;
use crate::store::{Store, Upload};
use oss_resumable_core::error::code;

/// Everything an operation needs about the request besides its body.
pub struct Ctx<'r> {
    pub method: Method,
    pub operation: Served,
    pub bucket: String,
    pub key: String,
    pub query: Query,
    pub headers: HeaderMap,
    pub host: String,
    pub virtual_host: bool,
    /// Body bytes read so far (for the request log).
    pub received: &'r AtomicU64,
}

impl Ctx<'_> {
    /// A query parameter's value (`""` when it has none, like `uploads`).
    pub fn q(&self, name: &str) -> Option<&str> {
        query_value(&self.query, name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `uploadId` (`""` when absent, which no upload has).
    pub fn upload_id(&self) -> &str {
        self.q("uploadId").unwrap_or("")
    }

    /// `x-oss-forbid-overwrite` accepts only `true` and `false` (§10.2).
    pub fn forbid_overwrite(&self) -> Result<bool, OssError> {
        match self.header("x-oss-forbid-overwrite") {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(OssError::invalid_argument(
                "x-oss-forbid-overwrite must be true or false.",
            )),
        }
    }

    /// `x-oss-traffic-limit`, checked as OSS does: bit/s from 819200 to 838860800, else 400
    /// InvalidArgument (§10.3). The dev server does not throttle; it logs the limit.
    pub fn traffic_limit(&self) -> Result<Option<u64>, OssError> {
        use oss_resumable_core::part_headers::{TRAFFIC_LIMIT_MAX, TRAFFIC_LIMIT_MIN};
        let Some(v) = self.headers.get("x-oss-traffic-limit") else {
            return Ok(None);
        };
        v.to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| (TRAFFIC_LIMIT_MIN..=TRAFFIC_LIMIT_MAX).contains(n))
            .map(Some)
            .ok_or_else(|| {
                OssError::invalid_argument(format!(
                    "The value of x-oss-traffic-limit is invalid: it must be between \
                     {TRAFFIC_LIMIT_MIN} and {TRAFFIC_LIMIT_MAX}."
                ))
                .with("ArgumentName", "x-oss-traffic-limit")
                .with("ArgumentValue", String::from_utf8_lossy(v.as_bytes()))
            })
    }

    /// The object's `Content-Type`, `application/octet-stream` when none is given.
    pub fn content_type(&self) -> String {
        self.header("content-type")
            .filter(|v| !v.is_empty())
            .unwrap_or("application/octet-stream")
            .to_string()
    }

    /// `x-oss-meta-*` headers, names lowercased (OSS stores them so).
    pub fn user_meta(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter(|(n, _)| n.as_str().starts_with("x-oss-meta-"))
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect()
    }

    /// True when the request asked for `encoding-type=url` (keys percent-encoded in the answer).
    pub fn encoding_url(&self) -> Result<bool, OssError> {
        match self.q("encoding-type") {
            None => Ok(false),
            Some("url") => Ok(true),
            Some(_) => Err(OssError::invalid_argument("encoding-type must be url.")),
        }
    }

    /// A numeric query parameter, `default` when absent.
    pub fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, OssError> {
        match self.q(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| OssError::invalid_argument(format!("{name} must be a number."))),
        }
    }

    /// The object's URL, as CompleteMultipartUpload's `Location` gives it.
    pub fn location(&self) -> String {
        if self.virtual_host {
            format!("http://{}/{}", self.host, self.key)
        } else {
            format!("http://{}/{}/{}", self.host, self.bucket, self.key)
        }
    }

    /// The upload named by `uploadId`, if it is one of this bucket and key (`NoSuchUpload`).
    pub fn upload_in<'s>(&self, store: &'s mut Store) -> Result<&'s mut Upload, OssError> {
        let id = self.upload_id();
        match store.uploads.get_mut(id) {
            Some(u) if u.bucket == self.bucket && u.key == self.key => Ok(u),
            _ => Err(OssError::no_such_upload(id)),
        }
    }

    /// True when the bucket already holds this key.
    pub fn object_exists(&self, store: &Store) -> bool {
        store
            .buckets
            .get(&self.bucket)
            .is_some_and(|objects| objects.contains_key(&self.key))
    }
}

/// `x-oss-forbid-overwrite: true` and the object exists (§4.3, §4.9).
pub fn file_already_exists() -> OssError {
    OssError::new(
        StatusCode::CONFLICT,
        code::FILE_ALREADY_EXISTS,
        "The object you specified already exists and can not be overwritten.",
    )
    .ec("0042-00000214")
}
