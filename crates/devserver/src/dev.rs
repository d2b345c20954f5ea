//! `/__dev/`: the server's control API, outside OSS's namespace (no OSS operation depends on it).
//! Health, STS minting, faults, the clock, the request log, reset, object info, the
//! benchmark sink, and for upload callbacks (docs/protocol.md §10.1) the public key they are
//! signed with, a callback receiver that records what it got (`/__dev/callback-sink/…`, listed by
//! `GET /__dev/callbacks`) and custom domains bound at run time (`POST /__dev/cnames`).

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Json, Router,
};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use crate::auth::StsCredential;
use crate::faults::{FaultRequest, FaultRule};
use crate::ingest::{self, Sink};
use crate::{lock, random_alnum, random_bytes, Clock, Server, StsTriple};
use oss_resumable_core::sign;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/__dev/health", get(health))
        .route("/__dev/sts", post(mint_sts))
        .route("/__dev/sts/register", post(register_sts))
        .route(
            "/__dev/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/__dev/clock", get(get_clock).post(set_clock))
        .route("/__dev/requests", get(requests))
        .route("/__dev/reset", post(reset))
        .route("/__dev/object-info", get(object_info))
        .route("/__dev/sink/{*path}", put(sink))
        .route(crate::callback::PUBLIC_KEY_PATH, get(callback_public_key))
        .route("/__dev/callback-sink", post(callback_sink))
        .route("/__dev/callback-sink/{*path}", post(callback_sink))
        .route("/__dev/callbacks", get(callbacks))
        .route("/__dev/cnames", post(add_cname))
}

#[derive(Deserialize)]
struct CnameBody {
    host: String,
    bucket: String,
}

/// Binds a custom domain to a bucket at run time, as `--cname HOST=BUCKET` does at start (for
/// browser tests, which cannot pass flags to the server they share).
async fn add_cname(State(s): State<Arc<Server>>, Json(b): Json<CnameBody>) -> Response {
    if !s.config.buckets.contains(&b.bucket) || b.host.is_empty() {
        return bad_request("give {host, bucket} with one of the server's buckets");
    }
    let mut cnames = lock(&s.cnames);
    let host = b.host.to_ascii_lowercase();
    cnames.retain(|(h, _)| *h != host);
    cnames.push((host, b.bucket));
    Json(json!({ "ok": true })).into_response()
}

/// The PEM public key upload callbacks are signed with (`x-oss-pub-key-url` points here).
async fn callback_public_key() -> Response {
    match crate::callback::public_key_pem() {
        Ok(pem) => ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SinkQuery {
    /// Answer with this status instead of 200.
    status: Option<u16>,
    /// Answer with this text (not JSON) instead of the default JSON.
    text: Option<String>,
    /// Wait this long before answering.
    delay_ms: Option<u64>,
}

/// A callback receiver for tests that cannot run their own (browser tests): records what it
/// received (`GET /__dev/callbacks`) and answers `{"received":true,"body":<the body>}`, or as
/// the query asks (`?status=500`, `?text=OK`, `?delayMs=6000`).
async fn callback_sink(
    State(s): State<Arc<Server>>,
    uri: axum::http::Uri,
    Query(q): Query<SinkQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    lock(&s.callbacks).push(json!({
        "pathAndQuery": uri.path_and_query().map(|p| p.as_str().to_string()),
        "host": header("host"),
        "contentType": header("content-type"),
        "authorization": header("authorization"),
        "pubKeyUrl": header("x-oss-pub-key-url"),
        "body": text,
    }));
    if let Some(ms) = q.delay_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let status = q
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    match q.text {
        Some(t) => (status, t).into_response(),
        None => (status, Json(json!({ "received": true, "body": text }))).into_response(),
    }
}

async fn callbacks(State(s): State<Arc<Server>>) -> Response {
    let list: Vec<_> = lock(&s.callbacks).clone();
    Json(json!({ "callbacks": list })).into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

async fn health() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-oss-request-id"),
                "DEV0000000000000000000001",
            ),
        ],
        r#"{"ok":true}"#,
    )
}

#[derive(Deserialize)]
struct TtlQuery {
    ttl: Option<u64>,
}

/// Mints STS credentials in the STS API's own shape; real STS tokens are long and contain `+/=`.
async fn mint_sts(State(s): State<Arc<Server>>, Query(q): Query<TtlQuery>) -> Response {
    let ttl = q.ttl.unwrap_or(s.config.sts_ttl_secs);
    if !(1..=43_200).contains(&ttl) {
        return bad_request("ttl must be between 1 and 43200 seconds");
    }
    let access_key_id = format!("STS.N{}", random_alnum(23));
    let access_key_secret = random_alnum(44);
    let security_token = loop {
        let mut raw = [0u8; 600];
        for chunk in raw.chunks_mut(32) {
            let r = random_bytes::<32>();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
        // 601 bytes end in "=" padding; retry until the token also has '+' and '/'.
        let mut with_pad = raw.to_vec();
        with_pad.push(0x3f);
        let t = format!(
            "CAIS{}",
            base64::engine::general_purpose::STANDARD.encode(&with_pad)
        );
        if t.contains('+') && t.contains('/') && t.ends_with('=') {
            break t;
        }
    };
    let expiration_ms = s.now_ms() + ttl as i64 * 1000;
    lock(&s.creds).sts.insert(
        access_key_id.clone(),
        StsCredential {
            access_key_secret: access_key_secret.clone(),
            security_token: security_token.clone(),
            expiration_ms,
        },
    );
    // STS reports Expiration to the second, without milliseconds.
    let expiration = format!(
        "{}Z",
        &sign::format_iso8601(expiration_ms - expiration_ms.rem_euclid(1000))[..19]
    );
    Json(json!({
        "AccessKeyId": access_key_id,
        "AccessKeySecret": access_key_secret,
        "SecurityToken": security_token,
        "Expiration": expiration,
    }))
    .into_response()
}

/// Test hook: accept a given STS triple (e.g. the signing vectors' fixed one).
async fn register_sts(State(s): State<Arc<Server>>, Json(t): Json<StsTriple>) -> Response {
    let Some(expiration_ms) = sign::parse_iso8601_ms(&t.expiration) else {
        return bad_request("Expiration must be ISO 8601, e.g. 2022-12-28T11:27:41Z");
    };
    lock(&s.creds).sts.insert(
        t.access_key_id.clone(),
        StsCredential {
            access_key_secret: t.access_key_secret,
            security_token: t.security_token,
            expiration_ms,
        },
    );
    Json(json!({ "ok": true, "AccessKeyId": t.access_key_id })).into_response()
}

async fn list_faults(State(s): State<Arc<Server>>) -> Response {
    let rules: Vec<FaultRule> = lock(&s.faults).clone();
    Json(json!({ "rules": rules })).into_response()
}

async fn add_faults(State(s): State<Arc<Server>>, body: axum::body::Bytes) -> Response {
    let rules = match serde_json::from_slice::<FaultRequest>(&body) {
        Ok(r) => r.into_rules(),
        Err(e) => return bad_request(format!("fault rules: {e}")),
    };
    let mut faults = lock(&s.faults);
    faults.extend(rules);
    Json(json!({ "ok": true, "rules": faults.len() })).into_response()
}

async fn clear_faults(State(s): State<Arc<Server>>) -> Response {
    lock(&s.faults).clear();
    Json(json!({ "ok": true })).into_response()
}

fn clock_json(s: &Server) -> serde_json::Value {
    let c = *lock(&s.clock);
    let now = s.now_ms();
    json!({
        "nowMs": now,
        "now": sign::format_iso8601(now),
        "fixedMs": c.fixed_ms,
        "skewMs": c.skew_ms,
    })
}

async fn get_clock(State(s): State<Arc<Server>>) -> Response {
    Json(clock_json(&s)).into_response()
}

/// `{"fixed": "2022-12-28T10:27:41Z"}` or `{"fixedMs": …}` freezes the clock, `{"real": true}`
/// unfreezes it, `{"skewMs": …}` shifts it; fields combine.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockRequest {
    fixed: Option<String>,
    fixed_ms: Option<i64>,
    #[serde(default)]
    real: bool,
    skew_ms: Option<i64>,
}

async fn set_clock(State(s): State<Arc<Server>>, body: axum::body::Bytes) -> Response {
    let req: ClockRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("clock: {e}")),
    };
    let fixed = match (&req.fixed, req.fixed_ms) {
        (Some(t), _) => match sign::parse_iso8601_ms(t) {
            Some(ms) => Some(ms),
            None => return bad_request("fixed must be ISO 8601, e.g. 2022-12-28T10:27:41Z"),
        },
        (None, ms) => ms,
    };
    {
        let mut c = lock(&s.clock);
        if req.real {
            c.fixed_ms = None;
        }
        if fixed.is_some() {
            c.fixed_ms = fixed;
        }
        if let Some(skew) = req.skew_ms {
            c.skew_ms = skew;
        }
    }
    Json(clock_json(&s)).into_response()
}

async fn requests(State(s): State<Arc<Server>>) -> Response {
    let log: Vec<_> = lock(&s.log).iter().cloned().collect();
    Json(json!({ "requests": log })).into_response()
}

/// Forgets objects, uploads, faults and the log, and puts the clock back to its configuration.
async fn reset(State(s): State<Arc<Server>>) -> Response {
    if let Err(e) = lock(&s.store).clear() {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    lock(&s.faults).clear();
    lock(&s.log).clear();
    lock(&s.callbacks).clear();
    *lock(&s.cnames) = s.config.cnames.clone();
    *lock(&s.clock) = Clock {
        fixed_ms: s.config.fixed_clock_ms,
        skew_ms: 0,
    };
    Json(json!({ "ok": true })).into_response()
}

#[derive(Deserialize)]
struct ObjectQuery {
    bucket: String,
    key: String,
}

/// Size, CRC-64 and ETag of a stored object, unauthenticated (a convenience for tests).
async fn object_info(State(s): State<Arc<Server>>, Query(q): Query<ObjectQuery>) -> Response {
    let store = lock(&s.store);
    let Some(o) = store.buckets.get(&q.bucket).and_then(|b| b.get(&q.key)) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no such object" })),
        )
            .into_response();
    };
    Json(json!({
        "bucket": q.bucket,
        "key": q.key,
        "size": o.size,
        "crc64": o.crc64.to_string(),
        "etag": o.etag,
        "contentType": o.content_type,
        "multipart": o.multipart,
        "lastModified": sign::format_iso8601(o.last_modified_ms),
    }))
    .into_response()
}

/// Same per-byte work as UploadPart (stream, MD5, CRC-64), then the bytes are dropped.
async fn sink(body: Body) -> Response {
    let received = AtomicU64::new(0);
    match ingest::ingest(body, Sink::Discard, None, &received).await {
        Ok(got) => {
            let etag: String = got.md5.iter().map(|b| format!("{b:02X}")).collect();
            (
                [
                    (header::ETAG, format!("\"{etag}\"")),
                    (
                        header::HeaderName::from_static("x-oss-hash-crc64ecma"),
                        got.crc64.to_string(),
                    ),
                ],
                "",
            )
                .into_response()
        }
        Err(e) => bad_request(e.to_string()),
    }
}
