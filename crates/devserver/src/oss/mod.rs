//! The OSS REST API: every request outside `/__dev/` goes through [`handle`], which resolves
//! what it addresses (`route.rs`), applies the faults that fire for it, authenticates it as OSS
//! does (`crate::auth`), runs the operation (`object.rs`, `multipart.rs`) and answers, with
//! OSS's `<Error>` body on failure (`crate::error`).

mod body;
mod context;
mod exchange;
mod multipart;
mod object;
mod response;
pub(crate) mod route;

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    response::Response,
};

use crate::auth::{self, SignedRequest};
use crate::error::OssError;
use crate::faults::Effects;
use crate::{ingest, lock, ConnectionKill, Server};
use context::Ctx;
use exchange::Exchange;
use oss_resumable_core::error::code;
use oss_resumable_core::operation::Operation;
use oss_resumable_core::sign;
use route::{Route, Served};

/// Entry point for every request outside `/__dev/`.
pub async fn handle(State(server): State<Arc<Server>>, req: Request) -> Response {
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let (request, body) = req.into_parts();
    let mut exchange = Exchange::begin(&server, &request);
    let buckets = &server.config.buckets;
    let cnames = lock(&server.cnames).clone();
    let route = match Route::resolve(
        buckets,
        &cnames,
        &request.method,
        &request.uri,
        &request.headers,
    ) {
        Ok(route) => route,
        Err(e) => return exchange.refuse(body, e).await,
    };
    exchange.addresses(&route);
    // Counted until the answer is written (`/__dev/in-flight`).
    let _part = (route.operation == Served::Oss(Operation::UploadPart))
        .then(|| server.in_flight.enter(&route.key));

    let mut effects = Effects::fire(
        &mut lock(&server.faults),
        route.operation.name(),
        route.part_number(),
        route.upload_id(),
    );
    exchange.faulted(&effects.fired, &effects.hidden_headers);
    apply_faults(&server, &effects, &request.headers, route.upload_id()).await;
    if let Some(after_bytes) = effects.drop_after_bytes {
        return exchange.drop_connection(body, after_bytes, kill).await;
    }
    if let Some(err) = effects.error.take() {
        return exchange.refuse(body, err).await;
    }

    let Some(bucket) = route.bucket else {
        let err = OssError::not_implemented("ListBuckets is not supported by oss-devserver.");
        return exchange.refuse(body, err).await;
    };
    let ctx = Ctx {
        method: request.method,
        operation: route.operation,
        bucket,
        key: route.key,
        query: route.query,
        headers: request.headers,
        host: route.host,
        virtual_host: route.virtual_host,
        received: &exchange.received,
    };
    let mut body = Some(body);
    let result = dispatch(&server, &ctx, &mut body, &effects).await;
    // An operation that answered before reading the body (an error) leaves it to be drained.
    if let Some(rest) = body {
        ingest::drain(rest, &exchange.received).await;
    }
    if !effects.answer_delay.is_zero() {
        tokio::time::sleep(effects.answer_delay).await;
    }
    exchange.finish(result)
}

/// What faults do before the request is handled: the wait first (the request arrives late),
/// then the state they change. Skew and token expiry are applied by [`authenticate`]; `drop`
/// and `error` decide the answer in [`handle`].
async fn apply_faults(
    server: &Server,
    effects: &Effects,
    headers: &HeaderMap,
    upload_id: Option<&str>,
) {
    if !effects.delay.is_zero() {
        tokio::time::sleep(effects.delay).await;
    }
    if effects.expire_token {
        expire_sts_credentials(server, headers);
    }
    if let (true, Some(id)) = (effects.forget_upload, upload_id) {
        let mut store = lock(&server.store);
        if let Some(u) = store.uploads.remove(id) {
            store.release(u.parts.into_values().map(|p| p.blob));
            let _ = store.persist();
        }
    }
}

/// Expires the STS credentials the request is signed with, for it and every later request, as
/// real expiry does: in-flight parts signed with them all fail, and only fresh ones work again.
fn expire_sts_credentials(server: &Server, headers: &HeaderMap) {
    let access_key_id = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(sign::parse_authorization)
        .map(|a| match a {
            sign::ParsedAuthorization::V1 { access_key_id, .. }
            | sign::ParsedAuthorization::V4 { access_key_id, .. } => access_key_id,
        });
    if let Some(id) = access_key_id {
        let now = server.now_ms();
        if let Some(sts) = lock(&server.creds).sts.get_mut(&id) {
            sts.expiration_ms = sts.expiration_ms.min(now);
        }
    }
}

/// Checks the bucket, authenticates, then runs the operation.
async fn dispatch(
    s: &Server,
    c: &Ctx<'_>,
    body: &mut Option<Body>,
    effects: &Effects,
) -> Result<Response, OssError> {
    if !s.config.buckets.iter().any(|b| b == &c.bucket) {
        return Err(OssError::no_such_bucket(&c.bucket));
    }
    authenticate(s, c, effects)?;
    match c.operation {
        Served::Oss(Operation::PutObject) => object::put_object(s, c, body).await,
        Served::GetObject => object::get_object(s, c, false),
        Served::Oss(Operation::HeadObject) => object::get_object(s, c, true),
        Served::DeleteObject => object::delete_object(s, c),
        Served::Oss(Operation::InitiateMultipartUpload) => {
            multipart::initiate_multipart_upload(s, c)
        }
        Served::Oss(Operation::UploadPart) => multipart::upload_part(s, c, body).await,
        Served::Oss(Operation::CompleteMultipartUpload) => {
            multipart::complete_multipart_upload(s, c, body).await
        }
        Served::Oss(Operation::ListParts) => multipart::list_parts(s, c),
        Served::Oss(Operation::AbortMultipartUpload) => multipart::abort_multipart_upload(s, c),
        Served::Oss(Operation::ListMultipartUploads) => multipart::list_multipart_uploads(s, c),
        Served::Unsupported => Err(OssError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            code::METHOD_NOT_ALLOWED,
            "The specified method is not allowed against this resource.",
        )),
        Served::ListBuckets | Served::ListObjects | Served::BucketOperation => {
            Err(OssError::not_implemented(format!(
                "{} is not supported by oss-devserver.",
                c.operation.name()
            )))
        }
    }
}

/// Verifies signature and credentials against the server clock, shifted by a `skew` fault and
/// with the token treated as expired after an `expireToken` fault.
fn authenticate(s: &Server, c: &Ctx<'_>, effects: &Effects) -> Result<(), OssError> {
    let headers: Vec<(String, String)> = c
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    auth::authenticate(
        &lock(&s.creds),
        &SignedRequest {
            method: c.method.as_str(),
            bucket: &c.bucket,
            key: &c.key,
            query: &c.query,
            headers: &headers,
            now_ms: s.now_ms() + effects.skew_ms,
            region: &s.config.region,
            force_token_expired: effects.expire_token,
        },
    )
}
