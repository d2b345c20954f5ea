//! `oss-resumable-core`: every OSS and resume rule of oss-resumable, with no I/O, no clock and no
//! randomness. Time and jitter are passed in; requests come out as plain data; the browser glue
//! (the root crate) and the dev server (`crates/devserver`) perform them.

pub mod b64;
pub mod checkpoint;
pub mod crc64;
pub mod error;
pub mod plan;
pub mod request;
pub mod retry;
pub mod sign;
pub mod sort;
pub mod upload;
pub mod url;
pub mod vecmap;
pub mod xml;
