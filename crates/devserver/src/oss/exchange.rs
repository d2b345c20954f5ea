//! One request's bookkeeping from arrival to answer: its request id, timing, bytes received and
//! line of the request log, and the headers every OSS response carries (`x-oss-request-id`,
//! `Server`, `Date`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::{
    body::Body,
    http::{header, request::Parts, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::route::Route;
use crate::error::OssError;
use crate::ingest::{self, Sink};
use crate::{ConnectionKill, HiddenHeaders, LogEntry, Server};
use oss_resumable_core::sign;

pub struct Exchange<'s> {
    server: &'s Server,
    started: Instant,
    /// Request body bytes read so far, whoever reads them.
    pub received: AtomicU64,
    log: LogEntry,
    /// HEAD answers carry the error body in `x-oss-err` instead (§5.1).
    head: bool,
    /// The `Host` header: an error's `HostId`.
    host: String,
    /// Headers a `hideHeader` fault keeps out of CORS exposure.
    hidden_headers: Vec<String>,
}

impl<'s> Exchange<'s> {
    pub fn begin(server: &'s Server, request: &Parts) -> Self {
        let host = request
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        Exchange {
            server,
            started: Instant::now(),
            received: AtomicU64::new(0),
            log: LogEntry {
                time: sign::format_iso8601(server.now_ms()),
                operation: "Unknown".to_string(),
                method: request.method.to_string(),
                bucket: None,
                key: None,
                part_number: None,
                upload_id: None,
                status: 0,
                code: None,
                bytes_received: 0,
                request_id: server.request_id(),
                faults: Vec::new(),
                duration_ms: 0,
                traffic_limit: request
                    .headers
                    .get("x-oss-traffic-limit")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok()),
                callback: request.headers.contains_key("x-oss-callback"),
            },
            head: request.method == Method::HEAD,
            host,
            hidden_headers: Vec::new(),
        }
    }

    /// Records what the request addresses in its log line.
    pub fn addresses(&mut self, route: &Route) {
        self.log.operation = route.operation.name().to_string();
        self.log.bucket = route.bucket.clone();
        self.log.key = Some(route.key.clone()).filter(|k| !k.is_empty());
        self.log.part_number = route.part_number();
        self.log.upload_id = route.upload_id().map(str::to_string);
    }

    /// Records the faults that fired, and the headers they hide from CORS.
    pub fn faulted(&mut self, fired: &[&'static str], hidden_headers: &[String]) {
        self.log.faults = fired.iter().map(|f| f.to_string()).collect();
        self.hidden_headers = hidden_headers.to_vec();
    }

    /// Answers with `err` without running an operation; the body is read first, as OSS does.
    pub async fn refuse(self, body: Body, err: OssError) -> Response {
        ingest::drain(body, &self.received).await;
        self.finish(Err(err))
    }

    /// Reads up to `after_bytes` of the body, then closes the socket without answering.
    pub async fn drop_connection(
        mut self,
        body: Body,
        after_bytes: u64,
        kill: Option<ConnectionKill>,
    ) -> Response {
        let _ = ingest::ingest(body, Sink::Discard, Some(after_bytes), &self.received).await;
        self.log.status = 0;
        self.log.bytes_received = self.received.load(Ordering::Relaxed);
        self.log.duration_ms = self.started.elapsed().as_millis() as u64;
        self.server.record(self.log);
        if let Some(k) = kill {
            k.kill();
            // The connection task drops this future with the socket.
            std::future::pending::<()>().await;
        }
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }

    /// The response as sent: an error gets its `<Error>` body; every response gets the request
    /// id, `Server` and `Date`; the request is logged.
    pub fn finish(mut self, result: Result<Response, OssError>) -> Response {
        let mut res = match result {
            Ok(r) => r,
            Err(e) => {
                self.log.code = Some(e.code().to_string());
                e.to_response(&self.log.request_id, self.head, &self.host)
            }
        };
        self.log.status = res.status().as_u16();
        self.log.bytes_received = self.received.load(Ordering::Relaxed);
        self.log.duration_ms = self.started.elapsed().as_millis() as u64;
        let h = res.headers_mut();
        if let Ok(v) = self.log.request_id.parse() {
            h.insert("x-oss-request-id", v);
        }
        h.insert(header::SERVER, HeaderValue::from_static("AliyunOSS"));
        if let Ok(v) = sign::format_rfc1123(self.server.now_ms()).parse() {
            h.insert(header::DATE, v);
        }
        if !self.hidden_headers.is_empty() {
            res.extensions_mut()
                .insert(HiddenHeaders(self.hidden_headers));
        }
        self.server.record(self.log);
        res
    }
}
