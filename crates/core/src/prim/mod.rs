//! Small primitives the core writes itself instead of taking a crate, for the size of the shipped
//! .wasm: each of those crates' generic code is instantiated per type or per engine and cost
//! kilobytes for a handful of uses here (docs/architecture.md, "Size-driven primitives").
//! Everything else (hashing, percent-encoding, serde for the checkpoint) comes from crates.
//!
//! Private to the core; `sort` and `vecmap` are re-exported at the crate root because the browser
//! glue uses them too, and `xml` through the public `xml` module whose body types it reads and
//! writes.

pub(crate) mod b64;
pub(crate) mod hex;
pub(crate) mod json;
pub mod sort;
pub mod vecmap;
pub(crate) mod xml;
