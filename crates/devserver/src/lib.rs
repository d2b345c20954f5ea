//! `oss-devserver`: a local server that speaks the OSS REST API (path-style) for oss-resumable's
//! tests, demo and benchmarks. This first cut only listens, answers CORS preflights and serves
//! `GET /__dev/health`; the OSS API grows here.

use std::net::SocketAddr;

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

/// Headers a browser client must be able to read (a bucket CORS rule's `ExposeHeader` list).
pub const EXPOSE_HEADERS: &str = "ETag, x-oss-request-id, x-oss-hash-crc64ecma";

/// How to run the server.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
}

/// A running server; dropping it does not stop it (it runs until the process exits).
pub struct Handle {
    pub url: String,
    pub addr: SocketAddr,
}

/// Binds `config.listen` (port 0 picks a free port) and serves in the background.
pub async fn spawn(config: Config) -> std::io::Result<Handle> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/__dev/health", get(health))
        .layer(middleware::from_fn(cors));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("oss-devserver: {e}");
        }
    });
    Ok(Handle {
        url: format!("http://{addr}"),
        addr,
    })
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

/// Answers preflights and adds CORS headers to every response, as a bucket rule allowing any origin would.
async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut res = if req.method() == Method::OPTIONS {
        let mut res = StatusCode::OK.into_response();
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
    } else {
        next.run(req).await
    };
    add_cors(res.headers_mut(), origin);
    res
}

fn add_cors(h: &mut HeaderMap, origin: Option<HeaderValue>) {
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
}
