//! `oss-devserver`: a local server that speaks the OSS REST API (path-style and virtual-hosted)
//! for oss-resumable's tests, demo and benchmarks, as strictly as real OSS: signatures (V1, V4,
//! STS), XML errors, multipart rules, CORS. Control endpoints live under `/__dev/` (see `dev.rs`).
//!
//! Use it from Rust tests with [`spawn`]; the `oss-devserver` binary wraps the same function.

mod auth;
mod callback;
mod dev;
mod error;
mod faults;
pub mod fuzzing;
mod ingest;
mod oss;
mod signer;
mod store;
mod xml_out;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, Method},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

pub use auth::MAX_SKEW_MS;
/// The CRC-64 the server computes (re-exported for benchmarks).
pub use oss_resumable_core::crc64::Crc64;
/// Parses `2022-12-28T10:27:41Z` (with or without milliseconds) into Unix milliseconds.
pub use oss_resumable_core::sign::parse_iso8601_ms;

/// Headers a browser client must be able to read (a bucket CORS rule's `ExposeHeader` list).
pub const EXPOSE_HEADERS: &str = "ETag, x-oss-request-id, x-oss-hash-crc64ecma";

/// Request log entries kept (the oldest are dropped first).
const LOG_CAPACITY: usize = 20_000;

/// An STS credential given in the configuration (the test vectors use a fixed one).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StsTriple {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub security_token: String,
    /// ISO 8601 UTC, e.g. `2022-12-28T11:27:41Z`.
    pub expiration: String,
}

/// How to run the server.
#[derive(Clone, Debug)]
pub struct Config {
    /// Port 0 picks a free port.
    pub listen: SocketAddr,
    pub buckets: Vec<String>,
    /// The long-term key pair requests may be signed with.
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The V4 signing region the server accepts in the credential scope.
    pub region: String,
    /// Keep objects and uploads here (they survive restarts); `None` = memory.
    pub data_dir: Option<PathBuf>,
    /// Allowed CORS origins; `*` (the default) allows any and echoes it.
    pub cors_origins: Vec<String>,
    /// Lifetime of credentials minted by `POST /__dev/sts` without `?ttl=`.
    pub sts_ttl_secs: u64,
    /// Benchmark mode: hash part and object bodies (MD5 + CRC-64), then discard them.
    pub sink: bool,
    /// Freeze the server clock at this Unix time in milliseconds.
    pub fixed_clock_ms: Option<i64>,
    /// Extra STS credentials accepted as if the server had minted them.
    pub sts_credentials: Vec<StsTriple>,
    /// Custom domains bound to buckets (`--cname HOST=BUCKET`): a request whose host (port
    /// aside) is one of them addresses that bucket, the whole path being the key (§1).
    pub cnames: Vec<(String, String)>,
    /// How long an upload callback may take to answer (OSS: 5 s, §10.1).
    pub callback_timeout_ms: u64,
}

impl Default for Config {
    /// Listens on 127.0.0.1:9000 with bucket `demo` and a freshly generated key pair.
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 9000)),
            buckets: vec!["demo".to_string()],
            access_key_id: format!("LTAI5tDev{}", random_alnum(14)),
            access_key_secret: random_alnum(30),
            region: "cn-hangzhou".to_string(),
            data_dir: None,
            cors_origins: vec!["*".to_string()],
            sts_ttl_secs: 3600,
            sink: false,
            fixed_clock_ms: None,
            sts_credentials: Vec::new(),
            cnames: Vec::new(),
            callback_timeout_ms: 5_000,
        }
    }
}

/// A running server. Dropping it leaves the server running; call [`Handle::shutdown`] to stop it.
pub struct Handle {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub addr: SocketAddr,
    pub buckets: Vec<String>,
    pub access_key_id: String,
    pub access_key_secret: String,
    pub region: String,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Handle {
    /// Stops accepting, closes every connection and waits for the listener to be released.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// The server clock: real time, or frozen, plus a skew (both settable through `/__dev/clock`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Clock {
    pub fixed_ms: Option<i64>,
    pub skew_ms: i64,
}

/// One line of `GET /__dev/requests`. Never holds secrets, tokens or Authorization.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogEntry {
    pub time: String,
    pub operation: String,
    pub method: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub part_number: Option<u32>,
    pub upload_id: Option<String>,
    /// 0 when a fault dropped the connection without a response.
    pub status: u16,
    pub code: Option<String>,
    pub bytes_received: u64,
    pub request_id: String,
    pub faults: Vec<String>,
    pub duration_ms: u64,
    /// `x-oss-traffic-limit` of the request, bit/s (§10.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_limit: Option<u64>,
    /// Set when the request carried `x-oss-callback` (§10.1).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub callback: bool,
}

/// Shared server state.
pub(crate) struct Server {
    pub config: Config,
    pub store: Mutex<store::Store>,
    pub creds: Mutex<auth::Credentials>,
    pub clock: Mutex<Clock>,
    pub faults: Mutex<Vec<faults::FaultRule>>,
    pub log: Mutex<std::collections::VecDeque<LogEntry>>,
    /// `http://host:port` the server listens on (the callback public key's URL is built on it).
    pub url: String,
    /// What `/__dev/callback-sink` received, for tests (`GET /__dev/callbacks`).
    pub callbacks: Mutex<Vec<serde_json::Value>>,
    /// Custom domains: the configuration's, plus those added by `POST /__dev/cnames`.
    pub cnames: Mutex<Vec<(String, String)>>,
    next_request: AtomicU64,
    request_prefix: u32,
    /// UploadParts being handled (`/__dev/in-flight`).
    pub in_flight: signer::InFlight,
}

/// Locks a mutex even if a panicking thread poisoned it (the state stays usable for a dev server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Server {
    /// Server time in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let c = *lock(&self.clock);
        c.fixed_ms.unwrap_or_else(system_now_ms) + c.skew_ms
    }

    /// A fresh OSS-style request id: 24 uppercase hex digits.
    pub fn request_id(&self) -> String {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        format!("{:08X}{:016X}", self.request_prefix, n)
    }

    pub fn record(&self, entry: LogEntry) {
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.config
            .cors_origins
            .iter()
            .any(|o| o == "*" || o == origin)
    }
}

pub(crate) fn system_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: fall back to the clock (a dev server's ids need only be unique).
        let t = system_now_ms().to_le_bytes();
        for (i, x) in b.iter_mut().enumerate() {
            *x = t[i % 8] ^ (i as u8).wrapping_mul(31);
        }
    }
    b
}

pub(crate) fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes::<32>() {
            // 248 = 4 * 62: rejecting the top keeps the choice uniform.
            if b < 248 && out.len() < n {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    out
}

/// Closes the request's connection without answering (the `drop` fault).
#[derive(Clone)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// Response extension: headers a `hideHeader` fault removes from CORS exposure.
#[derive(Clone, Default)]
pub(crate) struct HiddenHeaders(pub Vec<String>);

/// Binds `config.listen` (port 0 picks a free port) and serves in the background.
pub async fn spawn(config: Config) -> std::io::Result<Handle> {
    if config.buckets.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "at least one bucket is needed",
        ));
    }
    let store = store::Store::open(&config.buckets, config.data_dir.clone())?;
    let mut creds = auth::Credentials::default();
    creds.long_term.insert(
        config.access_key_id.clone(),
        config.access_key_secret.clone(),
    );
    for t in &config.sts_credentials {
        let Some(expiration_ms) = oss_resumable_core::sign::parse_iso8601_ms(&t.expiration) else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("STS expiration {:?} is not ISO 8601", t.expiration),
            ));
        };
        creds.sts.insert(
            t.access_key_id.clone(),
            auth::StsCredential {
                access_key_secret: t.access_key_secret.clone(),
                security_token: t.security_token.clone(),
                expiration_ms,
            },
        );
    }
    let prefix = random_bytes::<4>();
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let server = Arc::new(Server {
        url: format!("http://{addr}"),
        callbacks: Mutex::new(Vec::new()),
        cnames: Mutex::new(config.cnames.clone()),
        clock: Mutex::new(Clock {
            fixed_ms: config.fixed_clock_ms,
            skew_ms: 0,
        }),
        store: Mutex::new(store),
        creds: Mutex::new(creds),
        faults: Mutex::new(Vec::new()),
        log: Mutex::new(Default::default()),
        next_request: AtomicU64::new(1),
        request_prefix: u32::from_le_bytes(prefix),
        in_flight: Default::default(),
        config: config.clone(),
    });
    let router = dev::routes()
        .merge(signer::routes())
        .fallback(oss::handle)
        .layer(middleware::from_fn_with_state(server.clone(), cors))
        .with_state(server);

    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router, shutdown_rx));
    Ok(Handle {
        url: format!("http://{addr}"),
        addr,
        buckets: config.buckets,
        access_key_id: config.access_key_id,
        access_key_secret: config.access_key_secret,
        region: config.region,
        shutdown,
        task,
    })
}

/// hyper's HTTP/1 connection loop, with a per-connection switch that drops the socket on command.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("oss-devserver: accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let (stream, peer) = stream;
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let conn_kill = ConnectionKill(kill.clone());
            let service =
                hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(conn_kill.clone());
                    req.extensions_mut().insert(signer::PeerAddr(peer));
                    let mut router = router.clone();
                    async move {
                        use tower_service::Service as _;
                        router.call(req.map(axum::body::Body::new)).await
                    }
                });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            // Dropping `conn` closes the socket at once; unread request bytes make the kernel reset it.
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

/// CORS as a bucket rule allowing the configured origins, methods PUT/POST/GET/DELETE/HEAD and any
/// header would answer; also gives every response an `x-oss-request-id`.
async fn cors(State(server): State<Arc<Server>>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allowed = origin.as_deref().filter(|o| server.origin_allowed(o));
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight {
        preflight_response(&server, &req, allowed.is_some())
    } else {
        next.run(req).await
    };
    let hidden = res
        .extensions()
        .get::<HiddenHeaders>()
        .cloned()
        .unwrap_or_default();
    let h = res.headers_mut();
    if !h.contains_key("x-oss-request-id") {
        if let Ok(v) = HeaderValue::from_str(&server.request_id()) {
            h.insert(HeaderName::from_static("x-oss-request-id"), v);
        }
    }
    if let Some(origin) = allowed {
        add_cors(h, origin, &hidden.0);
    }
    res
}

fn preflight_response(server: &Server, req: &Request, origin_ok: bool) -> Response {
    let method = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let method_ok = ["PUT", "POST", "GET", "DELETE", "HEAD"].contains(&method);
    if !origin_ok || !method_ok {
        // OSS answers a preflight no rule matches with 403 AccessForbidden and no CORS headers.
        let err = error::OssError::new(
            axum::http::StatusCode::FORBIDDEN,
            oss_resumable_core::error::code::ACCESS_FORBIDDEN,
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.",
        );
        return err.to_response(&server.request_id(), false, "");
    }
    let mut res = axum::http::StatusCode::OK.into_response();
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("PUT, POST, GET, DELETE, HEAD"),
    );
    // Echo the requested headers: OSS's `AllowedHeader *`.
    if let Some(v) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
    }
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}

fn add_cors(h: &mut HeaderMap, origin: &str, hidden: &[String]) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    let exposed: Vec<&str> = EXPOSE_HEADERS
        .split(", ")
        .filter(|e| !hidden.iter().any(|x| x.eq_ignore_ascii_case(e)))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&exposed.join(", ")) {
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
    }
}
