//! Upload callbacks as OSS performs them (docs/protocol.md §10.1): `x-oss-callback` and
//! `x-oss-callback-var` are read and checked before the object is stored; once it is, the body's
//! variables are substituted, the request is signed with an RSA key of the server's own
//! (`authorization` = Base64 RSA-MD5 over urldecoded path + query + "\n" + body,
//! `x-oss-pub-key-url` = Base64 of `/__dev/callback-public-key`) and POSTed to the first URL that
//! answers 2xx with JSON. That answer becomes the client's response body; any failure (refused
//! connection, non-2xx, non-JSON, 5 s timeout) is `203 CallbackFailed`, the object stored anyway.
//!
//! Unlike OSS, which refuses private addresses (EC 0007-00000008), the dev server calls back
//! loopback addresses only, so a test can never make it reach another machine.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::signature::{SignatureEncoding as _, Signer as _};
use rsa::RsaPrivateKey;

use crate::error::OssError;
use oss_resumable_core::error::code;

/// The dev server's callback signing key. **A development key, committed on purpose**: it signs
/// only callbacks of oss-devserver to loopback addresses and protects nothing. Generated with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` (a fixed key keeps debug
/// builds from spending seconds on key generation at every start).
const DEV_KEY_PEM: &str = include_str!("callback_dev_key.pem");

/// Route serving the public key, whose URL `x-oss-pub-key-url` carries.
pub const PUBLIC_KEY_PATH: &str = "/__dev/callback-public-key";

/// `callbackBody` variables are URL-encoded for form bodies: everything but RFC 3986 unreserved.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn key() -> Result<&'static RsaPrivateKey, OssError> {
    static KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::from_pkcs8_pem(DEV_KEY_PEM).ok())
        .as_ref()
        .ok_or_else(|| OssError::internal("the callback signing key does not parse"))
}

/// The PEM (`BEGIN PUBLIC KEY`) of the signing key, as `/__dev/callback-public-key` serves it.
pub fn public_key_pem() -> Result<String, OssError> {
    key()?
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| OssError::internal(format!("public key: {e}")))
}

/// One callback URL, split for the request.
#[derive(Clone, Debug)]
struct Target {
    host: String,
    port: u16,
    /// `host[:port]` as the URL gives it (the default `Host`).
    authority: String,
    /// Path and query as sent (still percent-encoded).
    path_and_query: String,
}

/// What `x-oss-callback` and `x-oss-callback-var` ask for.
#[derive(Clone, Debug)]
pub struct Spec {
    targets: Vec<Target>,
    host: Option<String>,
    body: String,
    json: bool,
    vars: Vec<(String, String)>,
}

/// The stored object, as the variables describe it.
pub struct Stored<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// Quoted, as the `ETag` header has it; `${etag}` is without the quotes.
    pub etag: &'a str,
    pub size: u64,
    pub mime_type: &'a str,
    pub crc64: u64,
}

fn bad_callback(message: &str) -> OssError {
    OssError::invalid_argument(message)
}

fn decode_json(value: &str, what: &str) -> Result<serde_json::Value, OssError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| bad_callback(&format!("The {what} is not base64 encoded.")))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| bad_callback(&format!("The {what} configuration is not json format.")))
}

/// Reads the callback headers; `None` without `x-oss-callback` (or with an empty URL, which OSS
/// takes as no callback). Checked before anything is stored, as OSS does.
pub fn parse(headers: &HeaderMap) -> Result<Option<Spec>, OssError> {
    let Some(value) = headers.get("x-oss-callback") else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| bad_callback("The callback is not base64 encoded."))?;
    let json = decode_json(value, "callback")?;
    let field = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let url = field("callbackUrl").unwrap_or_default();
    if url.trim().is_empty() {
        return Ok(None);
    }
    let body =
        field("callbackBody").ok_or_else(|| bad_callback("The callbackBody is not specified."))?;
    let json_body = match field("callbackBodyType").as_deref() {
        None | Some("application/x-www-form-urlencoded") => false,
        Some("application/json") => true,
        Some(_) => return Err(bad_callback("The callbackBodyType is invalid.")),
    };
    let urls: Vec<&str> = url.split(';').filter(|u| !u.trim().is_empty()).collect();
    if urls.len() > 5 {
        return Err(bad_callback("The callbackUrl contains more than 5 urls.").ec("0007-00000005"));
    }
    let targets = urls
        .into_iter()
        .map(target)
        .collect::<Result<Vec<_>, _>>()?;
    let mut vars = Vec::new();
    if let Some(v) = headers.get("x-oss-callback-var") {
        let v = v
            .to_str()
            .map_err(|_| bad_callback("The callback-var is not base64 encoded."))?;
        let json = decode_json(v, "callback-var")?;
        let object = json
            .as_object()
            .ok_or_else(|| bad_callback("The callback-var configuration is not json format."))?;
        for (name, value) in object {
            let (true, Some(value)) = (name.starts_with("x:"), value.as_str()) else {
                return Err(bad_callback(
                    "The callback-var keys must start with x: and the values be strings.",
                ));
            };
            vars.push((name.clone(), value.to_string()));
        }
    }
    Ok(Some(Spec {
        targets,
        host: field("callbackHost"),
        body,
        json: json_body,
        vars,
    }))
}

/// One `callbackUrl`: http only (the dev server speaks no TLS), to a loopback host.
fn target(url: &str) -> Result<Target, OssError> {
    let url = url.trim();
    let invalid = || bad_callback("The callbackUrl is invalid.").ec("0007-00000004");
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://").map(|_| ""))
        .ok_or_else(invalid)?;
    if rest.is_empty() {
        return Err(bad_callback(
            "oss-devserver calls back http:// loopback URLs only (it speaks no TLS).",
        ));
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let path_and_query = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    let split = match authority.strip_prefix('[') {
        Some(v6) => v6
            .split_once(']')
            .map(|(h, p)| (h, p.strip_prefix(':')))
            .ok_or_else(invalid)?,
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    let (host, port) = match split {
        (h, Some(p)) => (h.to_string(), p.parse::<u16>().map_err(|_| invalid())?),
        (h, None) => (h.to_string(), 80),
    };
    let bare = host.as_str();
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(bad_callback(&format!(
            "oss-devserver calls back loopback addresses only (127.0.0.0/8, ::1, localhost), \
             not {host:?}."
        )));
    }
    Ok(Target {
        host: bare.to_string(),
        port,
        authority: authority.to_string(),
        path_and_query,
    })
}

impl Spec {
    /// `callbackBody` with its variables replaced: URL-encoded for a form body; for a JSON body
    /// strings as JSON strings and `${size}` as a number (§10.1). Unknown variables stay as they
    /// are.
    pub fn body(&self, o: &Stored<'_>) -> String {
        let mut out = String::with_capacity(self.body.len() + 64);
        let mut rest = self.body.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            match self.value(name, o) {
                Some((value, number)) => out.push_str(&self.encode(&value, number)),
                None => out.push_str(&rest[i..i + 3 + end]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// A variable's value, and whether it is a number.
    fn value(&self, name: &str, o: &Stored<'_>) -> Option<(String, bool)> {
        Some(match name {
            "bucket" => (o.bucket.to_string(), false),
            "object" => (o.key.to_string(), false),
            "etag" => (o.etag.trim_matches('"').to_string(), false),
            "size" => (o.size.to_string(), true),
            "mimeType" => (o.mime_type.to_string(), false),
            "crc64" => (o.crc64.to_string(), false),
            _ => (self.vars.iter().find(|(n, _)| n == name)?.1.clone(), false),
        })
    }

    fn encode(&self, value: &str, number: bool) -> String {
        match (self.json, number) {
            (true, true) => value.to_string(),
            (true, false) => serde_json::Value::String(value.to_string()).to_string(),
            (false, _) => utf8_percent_encode(value, FORM).to_string(),
        }
    }

    /// POSTs `body` to each URL in turn until one answers 2xx with JSON: that answer, or why the
    /// callback failed (the `CallbackFailed` message).
    pub async fn perform(
        &self,
        body: String,
        public_key_url: &str,
        timeout: Duration,
    ) -> Result<Bytes, String> {
        let mut last = String::from("no callback URL");
        for t in &self.targets {
            let signature = sign(&t.path_and_query, &body).map_err(|e| e.to_string())?;
            match tokio::time::timeout(timeout, self.post(t, &body, &signature, public_key_url))
                .await
            {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(why)) => last = why,
                Err(_) => last = format!("Callback to {} timed out.", t.authority),
            }
        }
        Err(last)
    }

    async fn post(
        &self,
        t: &Target,
        body: &str,
        signature: &str,
        public_key_url: &str,
    ) -> Result<Bytes, String> {
        let unreachable = |e: &dyn std::fmt::Display| {
            format!(
                "Error status : -1. Cannot connect to {} ({e}).",
                t.authority
            )
        };
        let stream = tokio::net::TcpStream::connect((t.host.as_str(), t.port))
            .await
            .map_err(|e| unreachable(&e))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| unreachable(&e))?;
        tokio::spawn(conn);
        let content_type = if self.json {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let request = hyper::Request::post(t.path_and_query.as_str())
            .header(header::HOST, self.host.as_deref().unwrap_or(&t.authority))
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::AUTHORIZATION, signature)
            .header(
                "x-oss-pub-key-url",
                base64::engine::general_purpose::STANDARD.encode(public_key_url),
            )
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| format!("Callback request: {e}"))?;
        let answer = sender
            .send_request(request)
            .await
            .map_err(|e| unreachable(&e))?;
        let status = answer.status();
        let bytes = answer
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("Error status : {}. ({e})", status.as_u16()))?
            .to_bytes();
        if !status.is_success() {
            return Err(format!("Error status : {}.", status.as_u16()));
        }
        if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
            return Err("Response body is not valid json format.".to_string());
        }
        Ok(bytes)
    }
}

/// `authorization`: Base64 of the RSA PKCS#1 v1.5 signature, MD5 digest, of the urldecoded path,
/// the query (with its `?`) and `"\n"` + body (§10.1).
fn sign(path_and_query: &str, body: &str) -> Result<String, OssError> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (path_and_query, String::new()),
    };
    let path = percent_decode_str(path).decode_utf8_lossy();
    let message = format!("{path}{query}\n{body}");
    let signer = rsa::pkcs1v15::SigningKey::<md5::Md5>::new(key()?.clone());
    let signature = signer.sign(message.as_bytes());
    Ok(base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()))
}

/// `203 CallbackFailed`: the object is stored, only its callback failed; the answer keeps the
/// object's `ETag` and CRC-64 (§10.1).
pub fn failed(reason: &str, etag: &str, crc64: u64) -> OssError {
    OssError::new(
        StatusCode::NON_AUTHORITATIVE_INFORMATION,
        code::CALLBACK_FAILED,
        reason,
    )
    .header("ETag", etag)
    .header("x-oss-hash-crc64ecma", crc64.to_string())
}
