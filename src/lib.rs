//! oss-resumable: resumable multipart uploads from a web page to Alibaba Cloud OSS.
//!
//! This crate is the browser glue only (wasm32): it performs what `oss_resumable_core`'s upload
//! machine decides. The JS API lives in `api`; everything else is the machinery under it.

pub mod api;
mod credentials;
mod driver;
mod file;
mod file_handle;
mod hash_worker;
mod http;
mod js_number;
mod lock;
mod progress;
mod steer;
mod store;
mod timer;

pub use oss_resumable_core as core;

/// What the browser tests observe of the machinery that the JS API does not show.
#[doc(hidden)]
pub mod observe {
    pub use crate::hash_worker::jobs as hash_worker_jobs;
}
