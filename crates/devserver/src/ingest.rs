//! Streams a request body into a blob while computing its MD5 and CRC-64 on the fly: the whole
//! body is never in one buffer (memory blobs keep hyper's chunks as they arrived).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use md5::{Digest, Md5};
use tokio::io::AsyncWriteExt;

use crate::store::{Blob, BlobData};
use oss_resumable_core::crc64::Crc64;

/// Where the bytes go.
pub enum Sink {
    Memory,
    /// A new file `name` under `dir`.
    File {
        dir: std::path::PathBuf,
        name: String,
    },
    Discard,
}

pub struct Ingested {
    pub blob: Blob,
    pub md5: [u8; 16],
    pub crc64: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A `drop` fault's byte budget was reached; the caller closes the connection.
    #[error("dropped after {0} bytes by a fault")]
    Dropped(u64),
    /// The client went away or sent a malformed body.
    #[error("request body: {0}")]
    Body(String),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads `body` to its end (or to `drop_after` bytes), counting bytes into `received`.
pub async fn ingest(
    body: Body,
    sink: Sink,
    drop_after: Option<u64>,
    received: &AtomicU64,
) -> Result<Ingested, IngestError> {
    let mut body = body;
    let mut md5 = Md5::new();
    let mut crc = Crc64::new();
    let mut len = 0u64;
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut file = match &sink {
        Sink::File { dir, name } => Some(tokio::io::BufWriter::with_capacity(
            1 << 20,
            tokio::fs::File::create(dir.join(name)).await?,
        )),
        _ => None,
    };
    loop {
        let frame = match body.frame().await {
            None => break,
            Some(Ok(f)) => f,
            Some(Err(e)) => return Err(IngestError::Body(e.to_string())),
        };
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers carry no bytes
        };
        let mut stop = false;
        if let Some(limit) = drop_after {
            let room = limit.saturating_sub(len);
            if (data.len() as u64) >= room {
                data.truncate(room as usize);
                stop = true;
            }
        }
        len += data.len() as u64;
        received.fetch_add(data.len() as u64, Ordering::Relaxed);
        md5.update(&data);
        crc.update(&data);
        match (&sink, &mut file) {
            (Sink::Memory, _) => chunks.push(data),
            (Sink::File { .. }, Some(f)) => f.write_all(&data).await?,
            _ => {}
        }
        if stop {
            return Err(IngestError::Dropped(len));
        }
    }
    if let Some(f) = &mut file {
        f.flush().await?;
        f.get_mut().sync_data().await?;
    }
    let data = match sink {
        Sink::Memory => BlobData::Memory(chunks),
        Sink::File { name, .. } => BlobData::File(name),
        Sink::Discard => BlobData::Discarded,
    };
    Ok(Ingested {
        blob: Blob { len, data },
        md5: md5.finalize().into(),
        crc64: crc.finish(),
    })
}

/// Reads and discards a body (so that an early error reply does not race the client's upload).
pub async fn drain(body: Body, received: &AtomicU64) {
    let mut body = body;
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(d) = frame.into_data() {
            received.fetch_add(d.len() as u64, Ordering::Relaxed);
        }
    }
}

/// Reads a small body (a Complete XML) into memory, refusing more than `limit` bytes.
pub async fn read_small(body: Body, limit: usize, received: &AtomicU64) -> Result<Vec<u8>, String> {
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        if let Ok(d) = frame.into_data() {
            received.fetch_add(d.len() as u64, Ordering::Relaxed);
            if out.len() + d.len() > limit {
                return Err(format!("body larger than {limit} bytes"));
            }
            out.extend_from_slice(&d);
        }
    }
    Ok(out)
}
