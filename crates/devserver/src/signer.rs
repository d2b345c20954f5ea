//! `/__dev/sign` and `/__dev/in-flight`, for issue 13's browser features.
//!
//! `POST /__dev/sign` is the app server's signer of the demo and the tests
//! (`credentials.signer`): it takes what the client hands its signer (`version`, `stringToSign`,
//! `date`, `region`) plus the `accessKeyId`, and answers `{"signature"}` computed with that key's
//! secret (a minted STS key or the long-term one), so the page never holds a secret. Only
//! loopback callers are served: it signs anything for anyone who can reach it.
//!
//! `GET /__dev/in-flight` counts UploadParts being handled right now and the most at once since
//! `POST /__dev/in-flight/reset` (body `{"keyPrefix": "…"}` to count only those keys, so that
//! parts a previous test left at the server do not count), to check a client's
//! `maxPartsInFlight` at the server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::{
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use crate::{lock, Server};
use oss_resumable_core::sign;

/// The peer of a connection, put on every request by the accept loop.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub SocketAddr);

/// UploadParts in flight at the server, and the most seen at once.
#[derive(Default)]
pub(crate) struct InFlight(Mutex<Watch>);

#[derive(Default)]
struct Watch {
    now: u64,
    peak: u64,
    /// Only UploadParts of keys starting with this are counted.
    key_prefix: String,
    /// Bumped by every reset: a part counted before it is not uncounted after it.
    generation: u64,
}

/// Counts one UploadPart while it lives (when its key is watched).
pub(crate) struct PartGuard<'a>(Option<(&'a InFlight, u64)>);

impl InFlight {
    pub fn enter(&self, key: &str) -> PartGuard<'_> {
        let mut w = lock(&self.0);
        if !key.starts_with(w.key_prefix.as_str()) {
            return PartGuard(None);
        }
        w.now += 1;
        w.peak = w.peak.max(w.now);
        PartGuard(Some((self, w.generation)))
    }
}

impl Drop for PartGuard<'_> {
    fn drop(&mut self) {
        if let Some((counter, generation)) = self.0 {
            let mut w = lock(&counter.0);
            if w.generation == generation {
                w.now = w.now.saturating_sub(1);
            }
        }
    }
}

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/__dev/sign", post(sign_for_app))
        .route("/__dev/in-flight", get(in_flight))
        .route("/__dev/in-flight/reset", post(reset_in_flight))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignRequest {
    access_key_id: String,
    version: String,
    string_to_sign: String,
    /// `x-oss-date` as the client sent it (V4: its first 8 characters are the scope date).
    date: String,
    region: String,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn sign_for_app(State(s): State<Arc<Server>>, req: Request) -> Response {
    let loopback = req
        .extensions()
        .get::<PeerAddr>()
        .is_some_and(|p| p.0.ip().is_loopback());
    if !loopback {
        return refuse(
            StatusCode::FORBIDDEN,
            "/__dev/sign serves loopback callers only",
        );
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 1 << 20).await else {
        return refuse(StatusCode::BAD_REQUEST, "unreadable body");
    };
    let r: SignRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &format!("sign request: {e}")),
    };
    let secret = {
        let creds = lock(&s.creds);
        creds.long_term.get(&r.access_key_id).cloned().or_else(|| {
            creds
                .sts
                .get(&r.access_key_id)
                .map(|c| c.access_key_secret.clone())
        })
    };
    let Some(secret) = secret else {
        return refuse(StatusCode::NOT_FOUND, "unknown accessKeyId");
    };
    let signature = match r.version.as_str() {
        "v4" => {
            let Some(day) = r.date.get(..8) else {
                return refuse(StatusCode::BAD_REQUEST, "date must be the V4 x-oss-date");
            };
            let key = sign::v4_signing_key(&secret, day, &r.region, sign::V4_PRODUCT);
            sign::v4_signature(&key, &r.string_to_sign)
        }
        "v1" => sign::v1_signature(&secret, &r.string_to_sign),
        _ => return refuse(StatusCode::BAD_REQUEST, "version must be \"v4\" or \"v1\""),
    };
    Json(json!({ "signature": signature })).into_response()
}

async fn in_flight(State(s): State<Arc<Server>>) -> Response {
    let w = lock(&s.in_flight.0);
    Json(json!({ "uploadPart": w.now, "peakUploadPart": w.peak, "keyPrefix": w.key_prefix }))
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    key_prefix: String,
}

/// Starts counting afresh, for keys starting with `keyPrefix` (all keys without one). Parts
/// already in flight are forgotten: their guards were taken under the old watch.
async fn reset_in_flight(State(s): State<Arc<Server>>, body: axum::body::Bytes) -> Response {
    let r: ResetRequest = if body.is_empty() {
        ResetRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return refuse(StatusCode::BAD_REQUEST, &format!("reset: {e}")),
        }
    };
    let mut w = lock(&s.in_flight.0);
    *w = Watch {
        key_prefix: r.key_prefix,
        generation: w.generation + 1,
        ..Watch::default()
    };
    Json(json!({ "ok": true })).into_response()
}
