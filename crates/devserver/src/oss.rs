//! The OSS REST API: resolves bucket and key (path-style `/{bucket}/{key}` or virtual-hosted
//! `Host: {bucket}.…`), names the operation, applies faults, authenticates, and runs PutObject,
//! GetObject, HeadObject, DeleteObject and the multipart operations with OSS's rules and errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, response::Builder, HeaderMap, Method, StatusCode},
    response::Response,
};
use base64::Engine as _;
use bytes::Bytes;
use md5::{Digest, Md5};
use percent_encoding::percent_decode_str;

use crate::auth::{self, SignedRequest};
use crate::error::OssError;
use crate::faults::{self, FaultKind};
use crate::ingest::{self, IngestError, Sink};
use crate::store::{Blob, BlobData, Object, PartRecord, Upload};
use crate::{lock, xml_out, ConnectionKill, HiddenHeaders, LogEntry, Server};
use oss_resumable_core::crc64;
use oss_resumable_core::error::code;
use oss_resumable_core::sign;

/// Smallest size of every part but the last (`EntityTooSmall` below it).
pub const MIN_PART_SIZE: u64 = 100 * 1024;
/// Largest part or PutObject body.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
pub const MAX_PART_NUMBER: u32 = 10_000;
/// Largest CompleteMultipartUpload body accepted (10,000 parts need about 800 KB).
const MAX_COMPLETE_BODY: usize = 4 << 20;
const MAX_KEY_BYTES: usize = 1023;

/// What the request addresses.
struct Target {
    bucket: Option<String>,
    key: String,
    query: Vec<(String, Option<String>)>,
    host: String,
    virtual_host: bool,
}

/// Everything a handler needs about the request besides its body.
struct Ctx {
    method: Method,
    op: &'static str,
    bucket: String,
    key: String,
    query: Vec<(String, Option<String>)>,
    headers: HeaderMap,
    host: String,
    virtual_host: bool,
    received: Arc<AtomicU64>,
}

impl Ctx {
    /// A query parameter's value ("" when it has none, like `uploads`).
    fn q(&self, name: &str) -> Option<&str> {
        query_value(&self.query, name)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn query_value<'a>(query: &'a [(String, Option<String>)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_deref().unwrap_or(""))
}

fn invalid_object_name(message: &str) -> OssError {
    OssError::new(StatusCode::BAD_REQUEST, code::INVALID_OBJECT_NAME, message)
}

/// Splits the URL into bucket, decoded key and decoded query.
fn resolve(
    server: &Server,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Result<Target, OssError> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut query = Vec::new();
    for pair in uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (n, v) = match pair.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (pair, None),
        };
        // Form-style '+' means space in query strings (py-v2 builds URLs with urlencode).
        let dec = |s: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| OssError::invalid_argument("query string is not valid UTF-8"))
        };
        let v = match v {
            Some(v) if !v.is_empty() => Some(dec(v)?),
            // `uploads=` and `uploads` sign alike: an empty value is no value.
            _ => None,
        };
        query.push((dec(n)?, v));
    }
    let path = percent_decode_str(uri.path())
        .decode_utf8()
        .map_err(|_| invalid_object_name("The object name is not valid UTF-8."))?;
    let host_name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    let first_label = host_name.split('.').next().unwrap_or("");
    let virtual_host =
        host_name.contains('.') && server.config.buckets.iter().any(|b| b == first_label);
    let (bucket, key) = if virtual_host {
        (
            Some(first_label.to_string()),
            path.strip_prefix('/').unwrap_or(&path).to_string(),
        )
    } else {
        let rest = path.strip_prefix('/').unwrap_or(&path);
        match rest.split_once('/') {
            Some((b, k)) => (Some(b.to_string()), k.to_string()),
            None if rest.is_empty() => (None, String::new()),
            None => (Some(rest.to_string()), String::new()),
        }
    };
    if key.len() > MAX_KEY_BYTES {
        return Err(invalid_object_name(
            "The object name is longer than 1023 bytes.",
        ));
    }
    if key.starts_with('/') || key.starts_with('\\') || key.contains(['\r', '\n']) {
        return Err(invalid_object_name(
            "The object name must not start with / or \\ or contain CR/LF.",
        ));
    }
    Ok(Target {
        bucket,
        key,
        query,
        host,
        virtual_host,
    })
}

/// The OSS operation name (as the docs and the fault rules spell it).
fn classify(method: &Method, t: &Target) -> &'static str {
    let has = |n: &str| t.query.iter().any(|(k, _)| k == n);
    if t.bucket.is_none() {
        return "ListBuckets";
    }
    if t.key.is_empty() {
        return match *method {
            Method::GET if has("uploads") => "ListMultipartUploads",
            Method::GET => "ListObjects",
            _ => "BucketOperation",
        };
    }
    match *method {
        Method::POST if has("uploads") => "InitiateMultipartUpload",
        Method::POST if has("uploadId") => "CompleteMultipartUpload",
        Method::PUT if has("uploadId") || has("partNumber") => "UploadPart",
        Method::PUT => "PutObject",
        Method::GET if has("uploadId") => "ListParts",
        Method::GET => "GetObject",
        Method::HEAD => "HeadObject",
        Method::DELETE if has("uploadId") => "AbortMultipartUpload",
        Method::DELETE => "DeleteObject",
        _ => "Unsupported",
    }
}

/// Entry point for every request outside `/__dev/`.
/// An `expireToken` fault expires the STS credentials the request carries, for this and every
/// later request, as real expiry does: in-flight parts signed with them all fail, and only
/// fresh credentials work again.
fn expire_sts_key_of(server: &Server, headers: &axum::http::HeaderMap) {
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

pub async fn handle(State(server): State<Arc<Server>>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = server.request_id();
    let received = Arc::new(AtomicU64::new(0));
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let (parts, body) = req.into_parts();
    let head = parts.method == Method::HEAD;
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut log = LogEntry {
        time: sign::format_iso8601(server.now_ms()),
        operation: "Unknown".to_string(),
        method: parts.method.to_string(),
        bucket: None,
        key: None,
        part_number: None,
        upload_id: None,
        status: 0,
        code: None,
        bytes_received: 0,
        request_id: request_id.clone(),
        faults: Vec::new(),
        duration_ms: 0,
    };
    let target = match resolve(&server, &parts.uri, &parts.headers) {
        Ok(t) => t,
        Err(e) => {
            ingest::drain(body, &received).await;
            return finish(
                &server,
                log,
                &received,
                started,
                Err(e),
                head,
                &host,
                Vec::new(),
            );
        }
    };
    let op = classify(&parts.method, &target);
    let part_number = query_value(&target.query, "partNumber").and_then(|v| v.parse().ok());
    let upload_id = query_value(&target.query, "uploadId").map(str::to_string);
    log.operation = op.to_string();
    log.bucket = target.bucket.clone();
    log.key = Some(target.key.clone()).filter(|k| !k.is_empty());
    log.part_number = part_number;
    log.upload_id = upload_id.clone();

    let fired = faults::take_matching(
        &mut lock(&server.faults),
        op,
        part_number,
        upload_id.as_deref(),
    );
    let mut force_token_expired = false;
    let mut extra_skew = 0i64;
    let mut hidden = Vec::new();
    let mut drop_after = None;
    let mut injected = None;
    for f in fired {
        log.faults.push(fault_name(&f).to_string());
        match f {
            FaultKind::Delay { delay_ms } => {
                tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await
            }
            FaultKind::ExpireToken => {
                force_token_expired = true;
                expire_sts_key_of(&server, &parts.headers);
            }
            FaultKind::Skew { skew_ms } => extra_skew += skew_ms,
            FaultKind::HideHeader { header } => hidden.push(header),
            FaultKind::Drop { after_bytes } => drop_after = Some(after_bytes),
            FaultKind::ForgetUpload => {
                if let Some(id) = &upload_id {
                    let mut store = lock(&server.store);
                    if let Some(u) = store.uploads.remove(id) {
                        store.release(u.parts.into_values().map(|p| p.blob));
                        let _ = store.persist();
                    }
                }
            }
            FaultKind::Error {
                status,
                code,
                message,
            } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                injected = Some(OssError::new(
                    status,
                    &code,
                    message.unwrap_or_else(|| "Injected by an oss-devserver fault.".to_string()),
                ));
            }
        }
    }
    if let Some(after) = drop_after {
        // Read up to the budget, then close the socket without answering.
        let _ = ingest::ingest(body, Sink::Discard, Some(after), &received).await;
        log.status = 0;
        log.bytes_received = received.load(Ordering::Relaxed);
        log.duration_ms = started.elapsed().as_millis() as u64;
        server.record(log);
        if let Some(k) = kill {
            k.kill();
            std::future::pending::<()>().await;
        }
        return StatusCode::INTERNAL_SERVER_ERROR.into_response_compat();
    }
    if let Some(err) = injected {
        ingest::drain(body, &received).await;
        return finish(
            &server,
            log,
            &received,
            started,
            Err(err),
            head,
            &host,
            hidden,
        );
    }

    let Some(bucket) = target.bucket.clone() else {
        ingest::drain(body, &received).await;
        let err = OssError::not_implemented("ListBuckets is not supported by oss-devserver.");
        return finish(
            &server,
            log,
            &received,
            started,
            Err(err),
            head,
            &host,
            hidden,
        );
    };
    let ctx = Ctx {
        method: parts.method.clone(),
        op,
        bucket,
        key: target.key,
        query: target.query,
        headers: parts.headers,
        host: target.host,
        virtual_host: target.virtual_host,
        received: received.clone(),
    };
    let mut slot = Some(body);
    let result = dispatch(&server, &ctx, &mut slot, extra_skew, force_token_expired).await;
    if let Some(b) = slot.take() {
        ingest::drain(b, &received).await;
    }
    finish(
        &server, log, &received, started, result, head, &host, hidden,
    )
}

/// `StatusCode::into_response` without importing the trait at every call site.
trait IntoResponseCompat {
    fn into_response_compat(self) -> Response;
}
impl IntoResponseCompat for StatusCode {
    fn into_response_compat(self) -> Response {
        axum::response::IntoResponse::into_response(self)
    }
}

fn fault_name(f: &FaultKind) -> &'static str {
    match f {
        FaultKind::Error { .. } => "error",
        FaultKind::Drop { .. } => "drop",
        FaultKind::Delay { .. } => "delay",
        FaultKind::ExpireToken => "expireToken",
        FaultKind::Skew { .. } => "skew",
        FaultKind::ForgetUpload => "forgetUpload",
        FaultKind::HideHeader { .. } => "hideHeader",
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    server: &Server,
    mut log: LogEntry,
    received: &AtomicU64,
    started: Instant,
    result: Result<Response, OssError>,
    head: bool,
    host: &str,
    hidden: Vec<String>,
) -> Response {
    let mut res = match result {
        Ok(r) => r,
        Err(e) => {
            log.code = Some(e.code().to_string());
            e.to_response(&log.request_id, head, host)
        }
    };
    log.status = res.status().as_u16();
    log.bytes_received = received.load(Ordering::Relaxed);
    log.duration_ms = started.elapsed().as_millis() as u64;
    let h = res.headers_mut();
    if let Ok(v) = log.request_id.parse() {
        h.insert("x-oss-request-id", v);
    }
    h.insert(
        header::SERVER,
        axum::http::HeaderValue::from_static("AliyunOSS"),
    );
    if let Ok(v) = sign::format_rfc1123(server.now_ms()).parse() {
        h.insert(header::DATE, v);
    }
    if !hidden.is_empty() {
        res.extensions_mut().insert(HiddenHeaders(hidden));
    }
    server.record(log);
    res
}

async fn dispatch(
    s: &Server,
    c: &Ctx,
    body: &mut Option<Body>,
    extra_skew: i64,
    force_token_expired: bool,
) -> Result<Response, OssError> {
    if !s.config.buckets.iter().any(|b| b == &c.bucket) {
        return Err(OssError::no_such_bucket(&c.bucket));
    }
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
    {
        let creds = lock(&s.creds);
        auth::authenticate(
            &creds,
            &SignedRequest {
                method: c.method.as_str(),
                bucket: &c.bucket,
                key: &c.key,
                query: &c.query,
                headers: &headers,
                now_ms: s.now_ms() + extra_skew,
                region: &s.config.region,
                force_token_expired,
            },
        )?;
    }
    match c.op {
        "PutObject" => put_object(s, c, body).await,
        "GetObject" => get_object(s, c, false),
        "HeadObject" => get_object(s, c, true),
        "DeleteObject" => delete_object(s, c),
        "InitiateMultipartUpload" => initiate(s, c),
        "UploadPart" => upload_part(s, c, body).await,
        "CompleteMultipartUpload" => complete(s, c, body).await,
        "ListParts" => list_parts(s, c),
        "AbortMultipartUpload" => abort(s, c),
        "ListMultipartUploads" => list_uploads(s, c),
        "Unsupported" => Err(OssError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            code::METHOD_NOT_ALLOWED,
            "The specified method is not allowed against this resource.",
        )),
        other => Err(OssError::not_implemented(format!(
            "{other} is not supported by oss-devserver."
        ))),
    }
}

// ---- helpers -------------------------------------------------------------------------------

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

fn quoted_etag(md5: &[u8; 16]) -> String {
    format!("\"{}\"", hex_upper(md5))
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn ok() -> Builder {
    Response::builder().status(StatusCode::OK)
}

fn built(b: Builder, body: Body) -> Result<Response, OssError> {
    b.body(body)
        .map_err(|e| OssError::internal(format!("response: {e}")))
}

fn xml_response(b: Builder, xml: String) -> Result<Response, OssError> {
    built(
        b.header(header::CONTENT_TYPE, "application/xml"),
        Body::from(xml),
    )
}

/// `x-oss-forbid-overwrite` accepts only `true` and `false`.
fn forbid_overwrite(c: &Ctx) -> Result<bool, OssError> {
    match c.header("x-oss-forbid-overwrite") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(OssError::invalid_argument(
            "x-oss-forbid-overwrite must be true or false.",
        )),
    }
}

fn file_already_exists() -> OssError {
    OssError::new(
        StatusCode::CONFLICT,
        code::FILE_ALREADY_EXISTS,
        "The object you specified already exists and can not be overwritten.",
    )
    .ec("0042-00000214")
}

fn content_type(c: &Ctx) -> String {
    c.header("content-type")
        .filter(|v| !v.is_empty())
        .unwrap_or("application/octet-stream")
        .to_string()
}

/// `x-oss-meta-*` headers, names lowercased (OSS stores them so).
fn user_meta(c: &Ctx) -> Vec<(String, String)> {
    c.headers
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("x-oss-meta-"))
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

/// Rejects the body if `Content-MD5` was sent and does not match (`InvalidDigest`).
fn check_content_md5(c: &Ctx, md5: &[u8; 16]) -> Result<(), OssError> {
    let Some(v) = c.headers.get("content-md5") else {
        return Ok(());
    };
    let invalid = |m: &str| OssError::new(StatusCode::BAD_REQUEST, code::INVALID_DIGEST, m);
    let sent = v
        .to_str()
        .ok()
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        })
        .filter(|d| d.len() == 16)
        .ok_or_else(|| invalid("The Content-MD5 you specified is not valid."))?;
    if sent != md5 {
        return Err(
            invalid("The Content-MD5 you specified did not match what we received.")
                .with("CalculatedDigest", b64(md5))
                .with("ProvidedDigest", b64(&sent)),
        );
    }
    Ok(())
}

fn new_sink(s: &Server) -> Sink {
    if s.config.sink {
        Sink::Discard
    } else if let Some(dir) = &s.config.data_dir {
        let r = crate::random_bytes::<12>();
        Sink::File {
            dir: dir.join("blobs"),
            name: r.iter().map(|b| format!("{b:02x}")).collect(),
        }
    } else {
        Sink::Memory
    }
}

/// Streams the body into a new blob; deletes a half-written file on failure.
async fn receive(
    s: &Server,
    c: &Ctx,
    body: &mut Option<Body>,
) -> Result<ingest::Ingested, OssError> {
    if let Some(len) = c
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > MAX_PART_SIZE {
            return Err(OssError::new(
                StatusCode::BAD_REQUEST,
                code::ENTITY_TOO_LARGE,
                "Your proposed upload exceeds the maximum allowed size.",
            ));
        }
    }
    let Some(b) = body.take() else {
        return Err(OssError::internal("request body already consumed"));
    };
    let sink = new_sink(s);
    let file = match &sink {
        Sink::File { dir, name } => Some(dir.join(name)),
        _ => None,
    };
    match ingest::ingest(b, sink, None, &c.received).await {
        Ok(got) => {
            if let Err(e) = check_content_md5(c, &got.md5) {
                if let Some(f) = file {
                    let _ = std::fs::remove_file(f);
                }
                return Err(e);
            }
            Ok(got)
        }
        Err(e) => {
            if let Some(f) = file {
                let _ = std::fs::remove_file(f);
            }
            Err(match e {
                IngestError::Io(e) => e.into(),
                other => OssError::new(
                    StatusCode::BAD_REQUEST,
                    code::INCOMPLETE_BODY,
                    format!("The request body ended early: {other}"),
                ),
            })
        }
    }
}

fn upload_of<'a>(store: &'a mut crate::store::Store, c: &Ctx) -> Result<&'a mut Upload, OssError> {
    let id = c.q("uploadId").unwrap_or("");
    match store.uploads.get_mut(id) {
        Some(u) if u.bucket == c.bucket && u.key == c.key => Ok(u),
        _ => Err(OssError::no_such_upload(id)),
    }
}

fn location(c: &Ctx) -> String {
    if c.virtual_host {
        format!("http://{}/{}", c.host, c.key)
    } else {
        format!("http://{}/{}/{}", c.host, c.bucket, c.key)
    }
}

fn encoding_url(c: &Ctx) -> Result<bool, OssError> {
    match c.q("encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(_) => Err(OssError::invalid_argument("encoding-type must be url.")),
    }
}

fn parse_num<T: std::str::FromStr>(c: &Ctx, name: &str, default: T) -> Result<T, OssError> {
    match c.q(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| OssError::invalid_argument(format!("{name} must be a number."))),
    }
}

// ---- operations ----------------------------------------------------------------------------

async fn put_object(s: &Server, c: &Ctx, body: &mut Option<Body>) -> Result<Response, OssError> {
    let forbid = forbid_overwrite(c)?;
    if forbid && lock(&s.store).buckets[&c.bucket].contains_key(&c.key) {
        return Err(file_already_exists());
    }
    let got = receive(s, c, body).await?;
    let blob = Arc::new(got.blob);
    let etag = quoted_etag(&got.md5);
    let object = Object {
        size: blob.len,
        etag: etag.clone(),
        crc64: got.crc64,
        content_type: content_type(c),
        meta: user_meta(c),
        last_modified_ms: s.now_ms(),
        multipart: false,
        blobs: vec![blob.clone()],
    };
    let mut store = lock(&s.store);
    let objects = store
        .buckets
        .get_mut(&c.bucket)
        .ok_or_else(|| OssError::no_such_bucket(&c.bucket))?;
    // Checked again: another request may have created the object while this body streamed in.
    if forbid && objects.contains_key(&c.key) {
        store.release([blob]);
        return Err(file_already_exists());
    }
    let old = objects.insert(c.key.clone(), object);
    store.release(old.into_iter().flat_map(|o| o.blobs));
    store.persist()?;
    built(
        ok().header(header::ETAG, &etag)
            .header("x-oss-hash-crc64ecma", got.crc64.to_string())
            .header("content-md5", b64(&got.md5)),
        Body::empty(),
    )
}

fn initiate(s: &Server, c: &Ctx) -> Result<Response, OssError> {
    let forbid = forbid_overwrite(c)?;
    let encoding = encoding_url(c)?;
    let mut store = lock(&s.store);
    if forbid && store.buckets[&c.bucket].contains_key(&c.key) {
        return Err(file_already_exists());
    }
    let now = s.now_ms();
    // Time first, so uploadIds sort in initiation order (ListMultipartUploads relies on it).
    let r = crate::random_bytes::<8>();
    let id = format!("{:016X}{}", now.max(0) as u64, hex_upper(&r));
    store.uploads.insert(
        id.clone(),
        Upload {
            id: id.clone(),
            bucket: c.bucket.clone(),
            key: c.key.clone(),
            initiated_ms: now,
            content_type: content_type(c),
            meta: user_meta(c),
            parts: Default::default(),
        },
    );
    store.persist()?;
    xml_response(
        ok(),
        xml_out::to_xml(&xml_out::InitiateMultipartUploadResult {
            bucket: c.bucket.clone(),
            key: xml_out::key_out(&c.key, encoding),
            upload_id: id,
            encoding_type: xml_out::encoding_type(encoding),
        }),
    )
}

async fn upload_part(s: &Server, c: &Ctx, body: &mut Option<Body>) -> Result<Response, OssError> {
    let number: u32 = c
        .q("partNumber")
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            OssError::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
            .with("ArgumentName", "partNumber")
            .with("ArgumentValue", c.q("partNumber").unwrap_or(""))
        })?;
    upload_of(&mut lock(&s.store), c)?;
    let got = receive(s, c, body).await?;
    let etag = quoted_etag(&got.md5);
    let blob = Arc::new(got.blob);
    let part = PartRecord {
        number,
        size: blob.len,
        etag: etag.clone(),
        crc64: got.crc64,
        md5: got.md5,
        last_modified_ms: s.now_ms(),
        blob: blob.clone(),
    };
    let mut store = lock(&s.store);
    // The upload may have been aborted or completed while the part streamed in.
    let old = match upload_of(&mut store, c) {
        Ok(u) => u.parts.insert(number, part),
        Err(e) => {
            store.release([blob]);
            return Err(e);
        }
    };
    // Re-uploading a part number replaces it.
    store.release(old.map(|p| p.blob));
    store.persist()?;
    built(
        ok().header(header::ETAG, &etag)
            .header("x-oss-hash-crc64ecma", got.crc64.to_string())
            .header("content-md5", b64(&got.md5)),
        Body::empty(),
    )
}

async fn complete(s: &Server, c: &Ctx, body: &mut Option<Body>) -> Result<Response, OssError> {
    let forbid = forbid_overwrite(c)?;
    let encoding = encoding_url(c)?;
    let complete_all = match c.header("x-oss-complete-all") {
        None => false,
        Some("yes") => true,
        Some(_) => {
            return Err(OssError::invalid_argument(
                "x-oss-complete-all must be yes.",
            ))
        }
    };
    let Some(b) = body.take() else {
        return Err(OssError::internal("request body already consumed"));
    };
    let xml = ingest::read_small(b, MAX_COMPLETE_BODY, &c.received)
        .await
        .map_err(|e| OssError::invalid_argument(format!("CompleteMultipartUpload body: {e}")))?;
    check_content_md5(c, &Md5::digest(&xml).into())?;
    let listed = if complete_all {
        if !xml.is_empty() {
            return Err(OssError::invalid_argument(
                "The body must be empty when x-oss-complete-all is yes.",
            )
            .ec("0042-00000216"));
        }
        None
    } else {
        Some(xml_out::parse_complete(&xml)?)
    };

    let mut store = lock(&s.store);
    let upload = upload_of(&mut store, c)?;
    let chosen: Vec<PartRecord> = match listed {
        None => upload.parts.values().cloned().collect(),
        Some(list) => {
            if list.windows(2).any(|w| w[1].0 <= w[0].0) {
                return Err(OssError::new(
                    StatusCode::BAD_REQUEST,
                    code::INVALID_PART_ORDER,
                    "The list of parts was not in ascending order. Parts list must specified in order by part number.",
                )
                .ec("0042-00000209"));
            }
            let mut chosen = Vec::with_capacity(list.len());
            for (number, etag) in list {
                match upload.parts.get(&number) {
                    Some(p) if p.etag.trim_matches('"') == etag.trim().trim_matches('"') => {
                        chosen.push(p.clone())
                    }
                    _ => {
                        return Err(OssError::new(
                            StatusCode::BAD_REQUEST,
                            code::INVALID_PART,
                            "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
                        )
                        .with("PartNumber", number.to_string())
                        .with("ETag", etag))
                    }
                }
            }
            chosen
        }
    };
    if chosen.is_empty() {
        return Err(OssError::invalid_argument(
            "The upload has no parts to complete.",
        ));
    }
    if let Some(small) = chosen[..chosen.len() - 1]
        .iter()
        .find(|p| p.size < MIN_PART_SIZE)
    {
        return Err(OssError::new(
            StatusCode::BAD_REQUEST,
            code::ENTITY_TOO_SMALL,
            "Your proposed upload is smaller than the minimum allowed size.",
        )
        .with("PartNumber", small.number.to_string())
        .with("ProposedSize", small.size.to_string())
        .with("MinSizeAllowed", MIN_PART_SIZE.to_string()));
    }
    if forbid && store.buckets[&c.bucket].contains_key(&c.key) {
        return Err(file_already_exists());
    }
    let Some(upload) = store.uploads.remove(c.q("uploadId").unwrap_or("")) else {
        return Err(OssError::no_such_upload(c.q("uploadId").unwrap_or("")));
    };
    // The whole object's CRC is the parts' CRCs combined, as the SDKs compute it.
    let mut crc = 0u64;
    let mut size = 0u64;
    let mut md5s = Md5::new();
    for p in &chosen {
        crc = crc64::combine(crc, p.crc64, p.size);
        size += p.size;
        md5s.update(p.md5);
    }
    // Multipart ETag: MD5 of the parts' binary MD5s, then "-<count>"; not the content's MD5.
    let etag = format!("\"{}-{}\"", hex_upper(&md5s.finalize()), chosen.len());
    let object = Object {
        size,
        etag: etag.clone(),
        crc64: crc,
        content_type: upload.content_type.clone(),
        meta: upload.meta.clone(),
        last_modified_ms: s.now_ms(),
        multipart: true,
        blobs: chosen.iter().map(|p| p.blob.clone()).collect(),
    };
    let objects = store
        .buckets
        .get_mut(&c.bucket)
        .ok_or_else(|| OssError::no_such_bucket(&c.bucket))?;
    let old = objects.insert(c.key.clone(), object);
    // Parts not listed are discarded with the upload.
    store.release(
        old.into_iter()
            .flat_map(|o| o.blobs)
            .chain(upload.parts.into_values().map(|p| p.blob)),
    );
    store.persist()?;
    drop(store);
    xml_response(
        ok().header(header::ETAG, &etag)
            .header("x-oss-hash-crc64ecma", crc.to_string()),
        xml_out::to_xml(&xml_out::CompleteMultipartUploadResult {
            encoding_type: xml_out::encoding_type(encoding),
            location: location(c),
            bucket: c.bucket.clone(),
            key: xml_out::key_out(&c.key, encoding),
            etag: etag.clone(),
        }),
    )
}

fn list_parts(s: &Server, c: &Ctx) -> Result<Response, OssError> {
    let encoding = encoding_url(c)?;
    let max_parts: u32 = parse_num(c, "max-parts", 1000)?;
    if !(1..=1000).contains(&max_parts) {
        return Err(OssError::invalid_argument(
            "max-parts must be between 1 and 1000.",
        ));
    }
    let marker: u32 = parse_num(c, "part-number-marker", 0)?;
    let mut store = lock(&s.store);
    let upload = upload_of(&mut store, c)?;
    let mut after = upload.parts.range(marker.saturating_add(1)..);
    let parts: Vec<&PartRecord> = after
        .by_ref()
        .take(max_parts as usize)
        .map(|(_, p)| p)
        .collect();
    let is_truncated = after.next().is_some();
    let next = parts.last().map_or(marker, |p| p.number);
    let xml = xml_out::to_xml(&xml_out::ListPartsResult {
        encoding_type: xml_out::encoding_type(encoding),
        bucket: c.bucket.clone(),
        key: xml_out::key_out(&c.key, encoding),
        upload_id: upload.id.clone(),
        storage_class: Some("Standard".to_string()),
        part_number_marker: marker,
        next_part_number_marker: next,
        max_parts,
        is_truncated,
        parts: parts
            .iter()
            .map(|p| xml_out::Part {
                part_number: p.number,
                last_modified: sign::format_iso8601(p.last_modified_ms),
                etag: p.etag.clone(),
                hash_crc64ecma: Some(p.crc64),
                size: p.size,
            })
            .collect(),
    });
    xml_response(ok(), xml)
}

fn abort(s: &Server, c: &Ctx) -> Result<Response, OssError> {
    let mut store = lock(&s.store);
    upload_of(&mut store, c)?;
    if let Some(u) = store.uploads.remove(c.q("uploadId").unwrap_or("")) {
        store.release(u.parts.into_values().map(|p| p.blob));
    }
    store.persist()?;
    built(
        Response::builder().status(StatusCode::NO_CONTENT),
        Body::empty(),
    )
}

fn list_uploads(s: &Server, c: &Ctx) -> Result<Response, OssError> {
    let encoding = encoding_url(c)?;
    let prefix = c.q("prefix").unwrap_or("");
    let delimiter = c.q("delimiter").unwrap_or("");
    let key_marker = c.q("key-marker").unwrap_or("");
    let id_marker = c.q("upload-id-marker").unwrap_or("");
    let max: u32 = parse_num(c, "max-uploads", 1000)?;
    if !(1..=1000).contains(&max) {
        return Err(OssError::invalid_argument(
            "max-uploads must be between 1 and 1000.",
        ));
    }
    let store = lock(&s.store);
    let mut all: Vec<&Upload> = store
        .uploads
        .values()
        .filter(|u| u.bucket == c.bucket && u.key.starts_with(prefix))
        .filter(|u| {
            // After the marker: a later key, or the marker key with a later uploadId.
            u.key.as_str() > key_marker
                || (!id_marker.is_empty() && u.key == key_marker && u.id.as_str() > id_marker)
        })
        .collect();
    all.sort_by(|a, b| (&a.key, &a.id).cmp(&(&b.key, &b.id)));
    let mut uploads = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut is_truncated = false;
    let (mut next_key, mut next_id) = (String::new(), String::new());
    for u in all {
        let common = (!delimiter.is_empty())
            .then(|| {
                u.key[prefix.len()..]
                    .find(delimiter)
                    .map(|i| u.key[..prefix.len() + i + delimiter.len()].to_string())
            })
            .flatten();
        if let Some(p) = &common {
            if prefixes.last() == Some(p) {
                continue;
            }
        }
        if uploads.len() + prefixes.len() >= max as usize {
            is_truncated = true;
            break;
        }
        match common {
            Some(p) => {
                next_key = p.clone();
                next_id = String::new();
                prefixes.push(p);
            }
            None => {
                next_key = u.key.clone();
                next_id = u.id.clone();
                uploads.push(xml_out::Upload {
                    key: xml_out::key_out(&u.key, encoding),
                    upload_id: u.id.clone(),
                    initiated: sign::format_iso8601(u.initiated_ms),
                });
            }
        }
    }
    if !is_truncated {
        next_key.clear();
        next_id.clear();
    }
    let enc = |k: &str| xml_out::key_out(k, encoding);
    let xml = xml_out::to_xml(&xml_out::ListMultipartUploadsResult {
        encoding_type: xml_out::encoding_type(encoding),
        bucket: c.bucket.clone(),
        key_marker: enc(key_marker),
        upload_id_marker: id_marker.to_string(),
        next_key_marker: enc(&next_key),
        next_upload_id_marker: next_id,
        delimiter: enc(delimiter),
        prefix: enc(prefix),
        max_uploads: max,
        is_truncated,
        uploads,
        common_prefixes: prefixes
            .iter()
            .map(|p| xml_out::CommonPrefix { prefix: enc(p) })
            .collect(),
    });
    xml_response(ok(), xml)
}

fn delete_object(s: &Server, c: &Ctx) -> Result<Response, OssError> {
    let mut store = lock(&s.store);
    let old = store
        .buckets
        .get_mut(&c.bucket)
        .and_then(|o| o.remove(&c.key));
    // Deleting a missing object is not an error in OSS.
    store.release(old.into_iter().flat_map(|o| o.blobs));
    store.persist()?;
    built(
        Response::builder().status(StatusCode::NO_CONTENT),
        Body::empty(),
    )
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n`; `None` for forms OSS ignores (then the whole object).
fn parse_range(v: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = v.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (size.saturating_sub(n), size.checked_sub(1)?)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            let e: u64 = b.parse().ok()?;
            if e < start {
                return None;
            }
            e.min(size.saturating_sub(1))
        };
        (start, end)
    };
    if start >= size {
        return Some(Err(()));
    }
    Some(Ok((start, end)))
}

fn get_object(s: &Server, c: &Ctx, head: bool) -> Result<Response, OssError> {
    let object = {
        let store = lock(&s.store);
        store.buckets[&c.bucket]
            .get(&c.key)
            .cloned()
            .ok_or_else(|| OssError::no_such_key(&c.key))?
    };
    let range = match c.header("range").and_then(|r| parse_range(r, object.size)) {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(())) => {
            return Err(OssError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                code::INVALID_RANGE,
                "The requested range cannot be satisfied.",
            ))
        }
    };
    let (start, len) = match range {
        Some((a, b)) => (a, b - a + 1),
        None => (0, object.size),
    };
    let mut b = Response::builder()
        .status(if range.is_some() {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        })
        .header(header::CONTENT_TYPE, &object.content_type)
        .header(header::CONTENT_LENGTH, len)
        .header(header::ETAG, &object.etag)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(
            header::LAST_MODIFIED,
            sign::format_rfc1123(object.last_modified_ms),
        )
        .header("x-oss-hash-crc64ecma", object.crc64.to_string())
        .header(
            "x-oss-object-type",
            if object.multipart {
                "Multipart"
            } else {
                "Normal"
            },
        )
        .header("x-oss-storage-class", "Standard");
    for (n, v) in &object.meta {
        b = b.header(n.as_str(), v.as_str());
    }
    if let Some((a, e)) = range {
        b = b.header(
            header::CONTENT_RANGE,
            format!("bytes {a}-{e}/{}", object.size),
        );
    }
    if head {
        return built(b, Body::empty());
    }
    if object
        .blobs
        .iter()
        .any(|bl| matches!(bl.data, BlobData::Discarded))
    {
        return Err(OssError::not_implemented(
            "This object's bytes were discarded (the server runs with --sink).",
        ));
    }
    let dir = s.config.data_dir.as_ref().map(|d| d.join("blobs"));
    built(b, stream_blobs(object.blobs, dir, start, len))
}

/// Streams `len` bytes from `start` across the object's blobs, never loading a whole file.
fn stream_blobs(
    blobs: Vec<Arc<Blob>>,
    dir: Option<std::path::PathBuf>,
    start: u64,
    len: u64,
) -> Body {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let mut skip = start;
        let mut left = len;
        for blob in blobs {
            if left == 0 {
                break;
            }
            if skip >= blob.len {
                skip -= blob.len;
                continue;
            }
            match &blob.data {
                BlobData::Memory(chunks) => {
                    for chunk in chunks {
                        let n = chunk.len() as u64;
                        if skip >= n {
                            skip -= n;
                            continue;
                        }
                        let take = (n - skip).min(left);
                        let piece = chunk.slice(skip as usize..(skip + take) as usize);
                        skip = 0;
                        left -= take;
                        if tx.send(Ok(piece)).await.is_err() || left == 0 {
                            return;
                        }
                    }
                }
                BlobData::File(name) => {
                    let path = dir.as_ref().map(|d| d.join(name)).unwrap_or_default();
                    let mut f = match tokio::fs::File::open(&path).await {
                        Ok(f) => f,
                        Err(e) => {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                    };
                    if let Err(e) = f.seek(std::io::SeekFrom::Start(skip)).await {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                    let mut in_blob = blob.len - skip;
                    skip = 0;
                    while in_blob > 0 && left > 0 {
                        let want = (256 * 1024).min(in_blob).min(left) as usize;
                        let mut buf = vec![0u8; want];
                        if let Err(e) = f.read_exact(&mut buf).await {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                        in_blob -= want as u64;
                        left -= want as u64;
                        if tx.send(Ok(Bytes::from(buf))).await.is_err() {
                            return;
                        }
                    }
                }
                BlobData::Discarded => return,
            }
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}
