//! The JS surface: the only `#[wasm_bindgen]` items of the crate.

use wasm_bindgen::prelude::*;

/// The package version, so a page can show which build it loaded.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
