//! `oss-resumable-core`: every OSS and resume rule of oss-resumable, with no I/O, no clock and no
//! randomness. Time and jitter are passed in; requests come out as plain data; the browser glue
//! (the root crate) and the dev server (`crates/devserver`) perform them.

mod date;
mod prim;

pub mod callback;
pub mod checkpoint;
pub mod crc64;
pub mod error;
pub mod operation;
pub mod part_headers;
pub mod plan;
pub mod request;
pub mod retry;
pub mod sign;
pub mod upload;
pub mod url;
pub mod xml;

// The browser glue uses these two primitives as well.
pub use prim::{sort, vecmap};
