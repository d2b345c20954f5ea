//! The OSS operations this crate builds requests for, spelt once: the retry rules, the upload
//! machine, the test model of OSS and the dev server all name an operation with [`Operation`],
//! and [`classify`] reads a [`Request`] back into its operation, the inverse of the builders in
//! `request.rs` (docs/protocol.md §4).

use std::fmt;
use std::str::FromStr;

use crate::request::{Method, Request};

/// An OSS API operation, named as OSS's documentation names it (§4.1–§4.6, §4.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    PutObject,
    HeadObject,
    InitiateMultipartUpload,
    UploadPart,
    ListParts,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListMultipartUploads,
}

impl Operation {
    /// Every operation, in the order of the builders in `request.rs`.
    pub const ALL: [Operation; 8] = [
        Operation::PutObject,
        Operation::HeadObject,
        Operation::InitiateMultipartUpload,
        Operation::UploadPart,
        Operation::ListParts,
        Operation::CompleteMultipartUpload,
        Operation::AbortMultipartUpload,
        Operation::ListMultipartUploads,
    ];

    /// OSS's name: `"UploadPart"`, `"CompleteMultipartUpload"`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::PutObject => "PutObject",
            Operation::HeadObject => "HeadObject",
            Operation::InitiateMultipartUpload => "InitiateMultipartUpload",
            Operation::UploadPart => "UploadPart",
            Operation::ListParts => "ListParts",
            Operation::CompleteMultipartUpload => "CompleteMultipartUpload",
            Operation::AbortMultipartUpload => "AbortMultipartUpload",
            Operation::ListMultipartUploads => "ListMultipartUploads",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`Operation`]'s (names are case-sensitive, as OSS spells them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an OSS operation this crate knows (e.g. \"UploadPart\")")]
pub struct UnknownOperation(pub String);

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(name: &str) -> Result<Operation, UnknownOperation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.as_str() == name)
            .ok_or_else(|| UnknownOperation(name.to_owned()))
    }
}

/// What a request asks OSS to do: its operation and, for UploadPart, the part number it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Classified {
    pub operation: Operation,
    /// `partNumber` of an UploadPart (`None` when absent or not a number); `None` for every
    /// other operation.
    pub part_number: Option<u32>,
}

/// The operation a request performs, read from its method, key and query as OSS reads them (the
/// inverse of the builders in `request.rs`); `None` for a request none of them makes (GetObject,
/// DeleteObject, a bucket listing, …).
///
/// OSS routes on the sub-resource, not on the other parameters (§4): `?uploads` makes a POST an
/// Initiate and a bucket GET a ListMultipartUploads; `?uploadId` makes a PUT an UploadPart, a POST
/// a Complete, a GET a ListParts and a DELETE an Abort. A PUT with `partNumber` alone is an
/// UploadPart too (OSS then answers that the upload id is missing), not a PutObject.
pub fn classify(request: &Request) -> Option<Classified> {
    let has = |name: &str| request.query_param(name).is_some();
    let operation = if request.key.is_empty() {
        match request.method {
            Method::Get if has("uploads") => Operation::ListMultipartUploads,
            _ => return None,
        }
    } else {
        match request.method {
            Method::Post if has("uploads") => Operation::InitiateMultipartUpload,
            Method::Post if has("uploadId") => Operation::CompleteMultipartUpload,
            Method::Put if has("uploadId") || has("partNumber") => Operation::UploadPart,
            Method::Put => Operation::PutObject,
            Method::Get if has("uploadId") => Operation::ListParts,
            Method::Head => Operation::HeadObject,
            Method::Delete if has("uploadId") => Operation::AbortMultipartUpload,
            Method::Get | Method::Post | Method::Delete => return None,
        }
    };
    let part_number = match operation {
        Operation::UploadPart => request
            .query_param("partNumber")
            .flatten()
            .and_then(|n| n.parse().ok()),
        _ => None,
    };
    Some(Classified {
        operation,
        part_number,
    })
}
