//! A JSON string literal, the one piece of JSON the core writes itself: the upload callback's
//! `x-oss-callback` and `x-oss-callback-var` objects (docs/protocol.md §10.1) are a few fixed keys
//! with string values, and serde_json's writer would cost kilobytes of .wasm for them.

use std::fmt::Write as _;

/// Appends `s` to `out` as a JSON string: quoted, with `"`, `\` and control characters escaped
/// (RFC 8259 §7); everything else, non-ASCII included, as UTF-8.
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
