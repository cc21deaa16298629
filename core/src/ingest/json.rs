//! JSON helpers shared by the record parsers: a lenient text type that keeps
//! real-world type drift (numbers or booleans where AWS documents strings) from
//! rejecting a record, and raw JSON fields kept as compact text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A string field that also accepts numbers, booleans and (as JSON text)
/// objects and arrays. Borrows from the input when it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'a> Text<'a> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(if v { "true" } else { "false" })))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// Text of an optional lenient string.
pub fn opt<'b>(t: &'b Option<Text<'_>>) -> Option<&'b str> {
    t.as_ref().map(Text::as_str)
}

/// Compact JSON text of a raw value (whitespace outside strings removed);
/// borrows when the value is already compact.
pub fn compact(raw: &RawValue) -> Cow<'_, str> {
    let s = raw.get();
    if !s.bytes().any(|b| matches!(b, b'\n' | b'\r' | b'\t' | b' ')) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut in_str = false;
    let mut esc = false;
    for c in s.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A raw JSON member that is kept as text, with JSON `null` treated as absent.
pub fn raw_text<'b>(raw: &'b Option<&RawValue>) -> Option<Cow<'b, str>> {
    match raw {
        Some(r) if r.get() != "null" => Some(compact(r)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T<'a> {
        #[serde(borrow)]
        a: Option<Text<'a>>,
        #[serde(borrow)]
        r: Option<&'a RawValue>,
    }

    #[test]
    fn lenient_text() {
        for (json, want) in [
            (r#"{"a":"x"}"#, Some("x")),
            (r#"{"a":"x\"y"}"#, Some("x\"y")),
            (r#"{"a":true}"#, Some("true")),
            (r#"{"a":12}"#, Some("12")),
            (r#"{"a":1.5}"#, Some("1.5")),
            (r#"{"a":{"b":[1]}}"#, Some(r#"{"b":[1]}"#)),
            (r#"{"a":null}"#, None),
            (r#"{}"#, None),
        ] {
            let t: T<'_> = serde_json::from_str(json).unwrap();
            assert_eq!(opt(&t.a), want, "{json}");
        }
    }

    #[test]
    fn compacts_raw_json() {
        let t: T<'_> =
            serde_json::from_str("{\"r\": {\n  \"name\" : \"a b\",\n \"x\": [1, 2]\n}}").unwrap();
        assert_eq!(raw_text(&t.r).unwrap(), r#"{"name":"a b","x":[1,2]}"#);
        let t: T<'_> = serde_json::from_str(r#"{"r": null}"#).unwrap();
        assert!(raw_text(&t.r).is_none());
    }
}
