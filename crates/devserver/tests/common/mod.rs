//! Test helpers: a raw HTTP/1 client (one connection per request) and an OSS request signer
//! built on the same signing rules the client library uses.

#![allow(dead_code, unused_imports)]

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use oss_devserver::{Config, Handle};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

pub use oss_resumable_core::crc64;
pub use oss_resumable_core::sign;

pub const KEY_ID: &str = "LTAI5tTestDevServerKey01";
pub const SECRET: &str = "TestDevServerSecret0123456789abcd";

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

pub fn config() -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        buckets: vec!["demo".into(), "other".into()],
        access_key_id: KEY_ID.into(),
        access_key_secret: SECRET.into(),
        ..Config::default()
    }
}

pub async fn start() -> Handle {
    oss_devserver::spawn(config()).await.unwrap()
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The text of `<name>…</name>` in the body (first occurrence).
    pub fn xml(&self, name: &str) -> Option<String> {
        xml_el(&self.text(), name)
    }
    pub fn code(&self) -> Option<String> {
        self.xml("Code")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

pub fn xml_el(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&close)? + start;
    Some(
        text[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

pub fn xml_all(text: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(v) = xml_el(rest, name) {
        out.push(v);
        let close = format!("</{name}>");
        rest = &rest[rest.find(&close).unwrap() + close.len()..];
    }
    out
}

/// Sends one request on a fresh connection.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: Bytes,
) -> Result<Resp, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = Request::builder().method(method).uri(path_and_query);
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        req = req.header("host", addr.to_string());
    }
    for (n, v) in headers {
        req = req.header(n.as_str(), v.as_str());
    }
    let res = sender
        .send_request(req.body(Full::new(body)).unwrap())
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub async fn dev_post(h: &Handle, path: &str, json: serde_json::Value) -> Resp {
    send(
        h.addr,
        "POST",
        path,
        &[("content-type".into(), "application/json".into())],
        Bytes::from(json.to_string()),
    )
    .await
    .unwrap()
}

pub async fn dev_get(h: &Handle, path: &str) -> Resp {
    send(h.addr, "GET", path, &[], Bytes::new()).await.unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sig {
    V1,
    /// V1 the browser way: the RFC 1123 date in `x-oss-date`, no `Date` header.
    V1XOssDate,
    V4,
}

#[derive(Clone, Debug)]
pub struct Creds {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Creds {
    pub fn long_term() -> Self {
        Creds {
            id: KEY_ID.into(),
            secret: SECRET.into(),
            token: None,
        }
    }

    /// Mints STS credentials through `POST /__dev/sts`.
    pub async fn sts(h: &Handle, ttl: u64) -> Self {
        let r = send(
            h.addr,
            "POST",
            &format!("/__dev/sts?ttl={ttl}"),
            &[],
            Bytes::new(),
        )
        .await
        .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        Creds {
            id: j["AccessKeyId"].as_str().unwrap().into(),
            secret: j["AccessKeySecret"].as_str().unwrap().into(),
            token: Some(j["SecurityToken"].as_str().unwrap().into()),
        }
    }
}

/// Signs and sends OSS requests path-style to one bucket.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub bucket: String,
    pub creds: Creds,
    pub sig: Sig,
    pub region: String,
    /// Added to the wall clock when signing (to simulate a skewed client).
    pub offset_ms: i64,
    /// Sign with this time instead of the wall clock.
    pub fixed_ms: Option<i64>,
}

pub struct Req<'a> {
    pub method: &'a str,
    pub key: &'a str,
    pub query: Vec<(String, Option<String>)>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl<'a> Req<'a> {
    pub fn new(method: &'a str, key: &'a str) -> Self {
        Req {
            method,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }
    pub fn q(mut self, name: &str, value: Option<&str>) -> Self {
        self.query
            .push((name.to_string(), value.map(str::to_string)));
        self
    }
    pub fn h(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

impl Client {
    pub fn new(h: &Handle, creds: Creds, sig: Sig) -> Self {
        Client {
            addr: h.addr,
            bucket: h.buckets[0].clone(),
            creds,
            sig,
            region: h.region.clone(),
            offset_ms: 0,
            fixed_ms: None,
        }
    }

    pub fn path(&self, key: &str, query: &[(String, Option<String>)]) -> String {
        let mut p = format!("/{}/{}", self.bucket, utf8_percent_encode(key, PATH));
        for (i, (n, v)) in query.iter().enumerate() {
            p.push(if i == 0 { '?' } else { '&' });
            p.push_str(&utf8_percent_encode(n, UNRESERVED).to_string());
            if let Some(v) = v {
                p.push('=');
                p.push_str(&utf8_percent_encode(v, UNRESERVED).to_string());
            }
        }
        p
    }

    /// The headers a signed request carries (the caller's, the date, the token, Authorization).
    pub fn signed_headers(&self, r: &Req) -> Vec<(String, String)> {
        let now = self.fixed_ms.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64
        }) + self.offset_ms;
        let mut headers = r.headers.clone();
        if let Some(t) = &self.creds.token {
            headers.push(("x-oss-security-token".into(), t.clone()));
        }
        let auth = match self.sig {
            Sig::V1 | Sig::V1XOssDate => {
                let name = if self.sig == Sig::V1 {
                    "date"
                } else {
                    "x-oss-date"
                };
                headers.push((name.into(), sign::format_rfc1123(now)));
                let sts =
                    sign::v1_string_to_sign(r.method, &self.bucket, r.key, &r.query, &headers);
                format!(
                    "OSS {}:{}",
                    self.creds.id,
                    sign::v1_signature(&self.creds.secret, &sts)
                )
            }
            Sig::V4 => {
                let date = sign::format_x_oss_date_v4(now);
                headers.push(("x-oss-date".into(), date.clone()));
                headers.push(("x-oss-content-sha256".into(), "UNSIGNED-PAYLOAD".into()));
                let canonical = sign::v4_canonical_request(
                    r.method,
                    &self.bucket,
                    r.key,
                    &r.query,
                    &headers,
                    &[],
                );
                let sts = sign::v4_string_to_sign(&date, &self.region, "oss", &canonical);
                let key = sign::v4_signing_key(&self.creds.secret, &date[..8], &self.region, "oss");
                format!(
                    "OSS4-HMAC-SHA256 Credential={}/{}/{}/oss/aliyun_v4_request,Signature={}",
                    self.creds.id,
                    &date[..8],
                    self.region,
                    sign::v4_signature(&key, &sts)
                )
            }
        };
        headers.push(("authorization".into(), auth));
        headers
    }

    pub async fn send(&self, r: Req<'_>) -> Resp {
        self.try_send(r).await.unwrap()
    }

    pub async fn try_send(&self, r: Req<'_>) -> Result<Resp, String> {
        let headers = self.signed_headers(&r);
        let path = self.path(r.key, &r.query);
        send(self.addr, r.method, &path, &headers, r.body).await
    }

    pub async fn put(&self, key: &str, body: impl Into<Bytes>) -> Resp {
        self.send(Req::new("PUT", key).body(body)).await
    }

    pub async fn get(&self, key: &str) -> Resp {
        self.send(Req::new("GET", key)).await
    }

    pub async fn initiate(&self, key: &str) -> String {
        let r = self.send(Req::new("POST", key).q("uploads", None)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.xml("UploadId").unwrap()
    }

    pub async fn upload_part(&self, key: &str, id: &str, n: u32, body: impl Into<Bytes>) -> Resp {
        self.send(
            Req::new("PUT", key)
                .q("partNumber", Some(&n.to_string()))
                .q("uploadId", Some(id))
                .body(body),
        )
        .await
    }

    pub async fn complete(&self, key: &str, id: &str, parts: &[(u32, String)]) -> Resp {
        use oss_resumable_core::xml::{to_xml, CompleteMultipartUpload, CompletePart};
        // The core's body type, built as a literal so the parts keep the order given (tests send
        // them out of order on purpose; `CompleteMultipartUpload::new` would sort them).
        let body = CompleteMultipartUpload {
            parts: parts
                .iter()
                .map(|(n, etag)| CompletePart {
                    part_number: *n,
                    etag: etag.clone(),
                })
                .collect(),
        };
        self.send(
            Req::new("POST", key)
                .q("uploadId", Some(id))
                .h("content-type", "application/xml")
                .body(to_xml(&body)),
        )
        .await
    }

    pub async fn list_parts(&self, key: &str, id: &str) -> Resp {
        self.send(Req::new("GET", key).q("uploadId", Some(id)))
            .await
    }
}

/// Deterministic test bytes.
pub fn data(len: usize, seed: u8) -> Bytes {
    let mut v = Vec::with_capacity(len);
    let mut x = 0x9E37_79B9u32 ^ u32::from(seed);
    for _ in 0..len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push(x as u8);
    }
    Bytes::from(v)
}

pub fn md5_etag(b: &[u8]) -> String {
    use md5::Digest;
    let d = md5::Md5::digest(b);
    format!(
        "\"{}\"",
        d.iter().map(|b| format!("{b:02X}")).collect::<String>()
    )
}
