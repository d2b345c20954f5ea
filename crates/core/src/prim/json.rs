//! The JSON the core writes itself: string literals for the upload callback's `x-oss-callback` and
//! `x-oss-callback-var` objects (docs/protocol.md §10.1), a few fixed keys with string values, and
//! [`to_string`], a serde serializer for the checkpoint record's types (strings, integers, bools,
//! options, sequences, structs, string-keyed maps). serde_json's writer in its place made the
//! package 1,367 bytes gzip larger (docs/architecture.md, `prim/`); the tests hold this one to
//! serde_json's bytes.

use std::fmt::Write as _;

use serde::ser::{self, Impossible, Serialize};

/// Appends `s` to `out` as a JSON string: quoted, with `"`, `\` and control characters escaped
/// (RFC 8259 §7); everything else, non-ASCII included, as UTF-8.
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    // The runs between characters to escape are copied whole, not a character at a time: the
    // checkpoint's text is written after every part. Every byte to escape is ASCII, so each run
    // ends on a character boundary.
    let mut run = 0;
    for (at, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..at]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        run = at + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// A value [`to_string`] does not write: a type the checkpoint record does not use (floats,
/// bytes, chars, enums, tuples), a map key that is not a string, or an integer past 2^53, which
/// a JS number (what `JSON.parse` makes of it) would round.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field holds a value JSON cannot carry exactly")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_message: T) -> Self {
        Unsupported
    }
}

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `value` as compact JSON text, exactly as `serde_json::to_string` writes it for the types it
/// accepts (the tests hold the two to the same bytes): structs and maps as objects in their
/// order, sequences as arrays, `None` and `()` as `null`, integers in decimal.
///
/// The browser stores a checkpoint through it (`src/store/`): one string crosses from the .wasm
/// to JS and `JSON.parse` builds the object there, where building it property by property from
/// the .wasm cost a few hundred calls across per record, written after every part.
pub(crate) fn to_string<T: ?Sized + Serialize>(value: &T) -> Result<String, Unsupported> {
    let mut out = String::new();
    value.serialize(Writer { out: &mut out })?;
    Ok(out)
}

struct Writer<'a> {
    out: &'a mut String,
}

type Done = Result<(), Unsupported>;

impl Writer<'_> {
    fn integer(self, negative: bool, magnitude: u64) -> Done {
        if magnitude > MAX_SAFE_INTEGER {
            return Err(Unsupported);
        }
        if negative {
            self.out.push('-');
        }
        let _ = write!(self.out, "{magnitude}");
        Ok(())
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Items<'a>;
    type SerializeStruct = Items<'a>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Done {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Done {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Done {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Done {
        self.integer(v < 0, v.unsigned_abs())
    }
    fn serialize_u8(self, v: u8) -> Done {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Done {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Done {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Done {
        self.integer(false, v)
    }
    fn serialize_f32(self, _: f32) -> Done {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Done {
        Err(Unsupported)
    }
    fn serialize_char(self, _: char) -> Done {
        Err(Unsupported)
    }
    fn serialize_str(self, v: &str) -> Done {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Done {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Done {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        Err(Unsupported)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Done {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'a>, Unsupported> {
        Ok(Items::open(self.out, '['))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Items<'a>, Unsupported> {
        Ok(Items::open(self.out, '{'))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Items<'a>, Unsupported> {
        Ok(Items::open(self.out, '{'))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

/// An array's elements or an object's members, written as they come.
struct Items<'a> {
    out: &'a mut String,
    first: bool,
    close: char,
}

impl<'a> Items<'a> {
    fn open(out: &'a mut String, open: char) -> Self {
        out.push(open);
        let close = if open == '[' { ']' } else { '}' };
        Items {
            out,
            first: true,
            close,
        }
    }

    fn separate(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    fn close(self) -> Done {
        self.out.push(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Items<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        self.separate();
        value.serialize(Writer { out: self.out })
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeMap for Items<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Done {
        self.separate();
        let at = self.out.len();
        key.serialize(Writer { out: self.out })?;
        // An object's keys are strings; serde_json would quote a number, nothing here needs it.
        if !self.out[at..].starts_with('"') {
            return Err(Unsupported);
        }
        self.out.push(':');
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        value.serialize(Writer { out: self.out })
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeStruct for Items<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, name: &'static str, value: &T) -> Done {
        self.separate();
        write_str(self.out, name);
        self.out.push(':');
        value.serialize(Writer { out: self.out })
    }
    fn end(self) -> Done {
        self.close()
    }
}
