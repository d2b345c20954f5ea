//! Receiving a PutObject or UploadPart body: streamed into a new blob (memory, a file under the
//! data directory, or nowhere with `--sink`) while its MD5 and CRC-64 are computed, then checked
//! against `Content-MD5` (docs/protocol.md §4.2, §6).

use axum::{body::Body, http::StatusCode};
use base64::Engine as _;

use super::context::Ctx;
use super::response::b64;
use crate::error::OssError;
use crate::ingest::{self, IngestError, Ingested, Sink};
use crate::Server;
use oss_resumable_core::error::code;

/// Largest part or PutObject body (§4.2, §4.9).
const MAX_BODY_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// Streams the body into a new blob; deletes a half-written file on failure.
pub async fn receive(
    s: &Server,
    c: &Ctx<'_>,
    body: &mut Option<Body>,
) -> Result<Ingested, OssError> {
    if let Some(len) = c
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > MAX_BODY_SIZE {
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
    let got = ingest::ingest(b, sink, None, c.received)
        .await
        .map_err(|e| match e {
            IngestError::Io(e) => e.into(),
            other => OssError::new(
                StatusCode::BAD_REQUEST,
                code::INCOMPLETE_BODY,
                format!("The request body ended early: {other}"),
            ),
        })
        .and_then(|got| check_content_md5(c, &got.md5).map(|()| got));
    if got.is_err() {
        if let Some(f) = file {
            let _ = std::fs::remove_file(f);
        }
    }
    got
}

/// Where a new body goes: nowhere (`--sink`), a new file under the data directory, or memory.
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

/// Rejects the body if `Content-MD5` was sent and does not match (`InvalidDigest`).
pub fn check_content_md5(c: &Ctx<'_>, md5: &[u8; 16]) -> Result<(), OssError> {
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
