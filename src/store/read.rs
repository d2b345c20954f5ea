//! Reads a stored checkpoint object back into the core's serde model: a serde `Deserializer`
//! over a structured-clone value, for the few JS types the record is made of (plain objects,
//! arrays, strings, booleans, integers as numbers, `null`).
//!
//! It replaces serde-wasm-bindgen's deserializer for size (docs/architecture.md, "Checkpoints"):
//! serde's default error constructors format their message, and `serde::de::Unexpected`'s
//! `Display` links `core::fmt`'s float formatting, about 7 KB gzip of .wasm for messages nobody
//! reads (a damaged record is deleted and reported by its kind alone). [`Error`] overrides every
//! constructor and keeps only the kind and, where serde hands one over, the field's name, so no
//! message is ever formatted while reading. It never calls `visit_f64`: the record has no float.

use std::fmt;

use js_sys::{Array, Object, Reflect};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::{JsCast, JsValue};

use crate::js_number::{f64_to_u64, MAX_SAFE_INTEGER};

/// Why a stored value does not read as the record, without formatting anything.
#[derive(Debug)]
pub enum Error {
    /// A value of another JS type than the field's (or a number that is no safe integer).
    WrongType,
    /// A field the record has is absent.
    MissingField(&'static str),
    /// Anything else serde refuses (an integer out of its type's range, a bad decimal string).
    Invalid,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WrongType => f.write_str("a field holds a value of the wrong type"),
            Error::MissingField(name) => write!(f, "field {name} is missing"),
            Error::Invalid => f.write_str("a field holds a value the record does not allow"),
        }
    }
}

impl std::error::Error for Error {}

// Every constructor is overridden: serde's defaults would format `Unexpected` and `Expected`.
impl de::Error for Error {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Error::Invalid
    }
    fn invalid_type(_: de::Unexpected<'_>, _: &dyn de::Expected) -> Self {
        Error::WrongType
    }
    fn invalid_value(_: de::Unexpected<'_>, _: &dyn de::Expected) -> Self {
        Error::Invalid
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Error::Invalid
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Error::Invalid
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Error::Invalid
    }
    fn missing_field(field: &'static str) -> Self {
        Error::MissingField(field)
    }
    fn duplicate_field(_: &'static str) -> Self {
        Error::Invalid
    }
}

/// A stored JS value, to be read as a serde type.
pub struct Stored(pub JsValue);

impl<'de> de::Deserializer<'de> for Stored {
    type Error = Error;

    /// Nothing but the record's own types is read: a value the record's type does not ask
    /// for is of the wrong type.
    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(Error::WrongType)
    }

    // One method per leaf type, each calling one visit method, so that each visitor is
    // instantiated with only the branch its type needs.
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0.as_string().ok_or(Error::WrongType)?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(self.0.as_bool().ok_or(Error::WrongType)?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Integers only: a fraction, a negative or a number past 2^53 is no value this client
        // wrote.
        let n = self
            .0
            .as_f64()
            .and_then(f64_to_u64)
            .ok_or(Error::WrongType)?;
        visitor.visit_u64(n)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.as_f64() {
            Some(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER => {
                visitor.visit_i64(n as i64)
            }
            _ => Err(Error::WrongType),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if !Array::is_array(&self.0) {
            return Err(Error::WrongType);
        }
        let array: Array = self.0.unchecked_into();
        visitor.visit_seq(Items { array, next: 0 })
    }

    /// An object's own enumerable string-keyed properties (a `VecMap` of strings).
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let object = plain_object(self.0)?;
        visitor.visit_map(Entries {
            entries: Object::entries(&object),
            next: 0,
            value: None,
        })
    }

    /// Only the named properties are read, as serde-wasm-bindgen did: an extra property is
    /// never seen (the integrity covers every field the record has).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let object = plain_object(self.0)?;
        visitor.visit_map(Fields {
            object,
            fields: fields.iter(),
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u128 f32 f64 char bytes byte_buf unit unit_struct newtype_struct
        tuple tuple_struct enum identifier ignored_any
    }
}

/// `value` as an object, refusing what cannot hold the record's fields.
fn plain_object(value: JsValue) -> Result<Object, Error> {
    if value.is_object() && !Array::is_array(&value) {
        Ok(value.unchecked_into())
    } else {
        Err(Error::WrongType)
    }
}

struct Items {
    array: Array,
    next: u32,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        let item = self.array.get(self.next);
        self.next += 1;
        seed.deserialize(Stored(item)).map(Some)
    }
}

/// `Object.entries` of a map, as `[key, value]` pairs.
struct Entries {
    entries: Array,
    next: u32,
    value: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = Some(pair.get(1));
        seed.deserialize(Stored(pair.get(0))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or(Error::Invalid)?;
        seed.deserialize(Stored(value))
    }
}

/// A struct's named properties that the object has, in the struct's order.
struct Fields {
    object: Object,
    fields: std::slice::Iter<'static, &'static str>,
    value: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        for &name in self.fields.by_ref() {
            // A getter that throws reads as absent.
            let value =
                Reflect::get(&self.object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
            if value.is_undefined() {
                continue;
            }
            self.value = Some(value);
            let key: de::value::StrDeserializer<'_, Error> = name.into_deserializer();
            return seed.deserialize(key).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or(Error::Invalid)?;
        seed.deserialize(Stored(value))
    }
}
