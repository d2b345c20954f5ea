//! Native upload throughput through the dev server on loopback: 8 MiB parts, 4 in flight, each a
//! V4-signed UploadPart on a kept-alive connection. Three runs: the memory store, `--sink` mode
//! (hash then discard) and the unauthenticated `PUT /__dev/sink/…` route.
//!
//! `RUSTUP_TOOLCHAIN=debian cargo run --profile server -p oss-devserver --example throughput -- [MiB]`

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use oss_resumable_core::sign;

const PART: usize = 8 << 20;
const PARALLEL: usize = 4;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// V4 headers for a path-style request (no body hash: `UNSIGNED-PAYLOAD`, as browsers send).
fn signed(
    h: &oss_devserver::Handle,
    method: &str,
    key: &str,
    query: &[(String, Option<String>)],
) -> Vec<(String, String)> {
    Signer::from(h).sign(method, key, query)
}

async fn connect(
    addr: std::net::SocketAddr,
) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).ok();
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    sender
}

async fn request(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Bytes,
) -> (u16, String) {
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (n, v) in headers {
        req = req.header(n.as_str(), v.as_str());
    }
    let res = sender
        .send_request(req.body(Full::new(body)).expect("request"))
        .await
        .expect("send");
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Uploads `parts` parts of 8 MiB, 4 in flight; returns MB/s (10^6 bytes per second).
async fn run(h: &oss_devserver::Handle, parts: u32, dev_sink: bool) -> f64 {
    let body = Bytes::from((0..PART).map(|i| (i * 31 % 251) as u8).collect::<Vec<u8>>());
    let key = "bench/throughput.bin";
    let mut s = connect(h.addr).await;
    let q = [("uploads".to_string(), None)];
    let (status, xml) = request(
        &mut s,
        h.addr,
        "POST",
        &format!("/{}/{key}?uploads", h.buckets[0]),
        &signed(h, "POST", key, &q),
        Bytes::new(),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    let upload_id = xml
        .split("<UploadId>")
        .nth(1)
        .and_then(|r| r.split("</UploadId>").next())
        .expect("UploadId")
        .to_string();
    let next = Arc::new(AtomicU32::new(1));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..PARALLEL {
        let (h_addr, next, body, upload_id) =
            (h.addr, next.clone(), body.clone(), upload_id.clone());
        let bucket = h.buckets[0].clone();
        let signer = Signer::from(h);
        workers.push(tokio::spawn(async move {
            let mut s = connect(h_addr).await;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n > parts {
                    break;
                }
                let (path, headers) = if dev_sink {
                    (format!("/__dev/sink/{key}/{n}"), Vec::new())
                } else {
                    let q = [
                        ("partNumber".to_string(), Some(n.to_string())),
                        ("uploadId".to_string(), Some(upload_id.clone())),
                    ];
                    (
                        format!("/{bucket}/{key}?partNumber={n}&uploadId={upload_id}"),
                        signer.sign("PUT", key, &q),
                    )
                };
                let (status, text) =
                    request(&mut s, h_addr, "PUT", &path, &headers, body.clone()).await;
                assert_eq!(status, 200, "{text}");
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    let secs = started.elapsed().as_secs_f64();
    // Free the parts again.
    let q = [("uploadId".to_string(), Some(upload_id.clone()))];
    request(
        &mut s,
        h.addr,
        "DELETE",
        &format!("/{}/{key}?uploadId={upload_id}", h.buckets[0]),
        &signed(h, "DELETE", key, &q),
        Bytes::new(),
    )
    .await;
    (f64::from(parts) * PART as f64) / secs / 1e6
}

/// What a worker needs to sign (the handle itself stays with the main task).
#[derive(Clone)]
struct Signer {
    bucket: String,
    region: String,
    access_key_id: String,
    access_key_secret: String,
}

impl Signer {
    fn from(h: &oss_devserver::Handle) -> Self {
        Signer {
            bucket: h.buckets[0].clone(),
            region: h.region.clone(),
            access_key_id: h.access_key_id.clone(),
            access_key_secret: h.access_key_secret.clone(),
        }
    }

    fn sign(
        &self,
        method: &str,
        key: &str,
        query: &[(String, Option<String>)],
    ) -> Vec<(String, String)> {
        let date = sign::format_x_oss_date_v4(now_ms());
        let day = &date[..8];
        let mut headers = vec![
            ("x-oss-date".to_string(), date.clone()),
            (
                "x-oss-content-sha256".to_string(),
                sign::UNSIGNED_PAYLOAD.to_string(),
            ),
        ];
        let canonical = sign::v4_canonical_request(method, &self.bucket, key, query, &headers, &[]);
        let sts = sign::v4_string_to_sign(&date, &self.region, sign::V4_PRODUCT, &canonical);
        let k = sign::v4_signing_key(&self.access_key_secret, day, &self.region, sign::V4_PRODUCT);
        headers.push((
            "authorization".to_string(),
            sign::v4_authorization(
                &self.access_key_id,
                &sign::v4_scope(day, &self.region, sign::V4_PRODUCT),
                &[],
                &sign::v4_signature(&k, &sts),
            ),
        ));
        headers
    }
}

#[tokio::main]
async fn main() {
    let mib: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let parts = (mib / 8).max(1);
    println!(
        "{parts} parts of 8 MiB ({} MiB), {PARALLEL} in flight, loopback",
        parts * 8
    );
    // Baseline: the per-byte work alone (MD5 + CRC-64), one thread, no HTTP.
    let buf: Vec<u8> = (0..PART).map(|i| (i * 31 % 251) as u8).collect();
    let rounds = parts.min(32);
    let started = Instant::now();
    for _ in 0..rounds {
        use md5::Digest as _;
        std::hint::black_box(md5::Md5::digest(&buf));
    }
    let md5_mbps = f64::from(rounds) * PART as f64 / started.elapsed().as_secs_f64() / 1e6;
    let started = Instant::now();
    for _ in 0..rounds {
        let mut c = oss_devserver::Crc64::new();
        c.update(&buf);
        std::hint::black_box(c.finish());
    }
    let crc_mbps = f64::from(rounds) * PART as f64 / started.elapsed().as_secs_f64() / 1e6;
    println!("{:<28} {md5_mbps:>8.0} MB/s", "MD5 alone, 1 thread");
    println!("{:<28} {crc_mbps:>8.0} MB/s", "CRC-64 alone, 1 thread");
    for (name, sink, dev_sink) in [
        ("UploadPart, memory store", false, false),
        ("UploadPart, --sink", true, false),
        ("PUT /__dev/sink", true, true),
    ] {
        let h = oss_devserver::spawn(oss_devserver::Config {
            listen: "127.0.0.1:0".parse().expect("addr"),
            sink,
            ..oss_devserver::Config::default()
        })
        .await
        .expect("spawn");
        let mbps = run(&h, parts, dev_sink).await;
        println!("{name:<28} {mbps:>8.0} MB/s");
        h.shutdown().await;
    }
}
