//! A deserializer over a JSON value that also accepts the text forms of scalars.
//!
//! Form bodies and query strings carry every value as text, while JSON clients send numbers
//! and booleans natively. Parameter structs are written once with their real types; this
//! deserializer lets `"30"` fill a `u32`, `"true"`/`"1"` a `bool`, a JSON number a `String`
//! (phone numbers sent as numbers), and a lone value a one-element list, at any depth.

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserializer, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Number, Value};

type Error = serde_json::Error;

/// A [`Value`] read with text-to-scalar coercion.
#[derive(Debug)]
pub(crate) struct Coerce(pub(crate) Value);

impl<'de> IntoDeserializer<'de, Error> for Coerce {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

fn visit_number<'de, V: Visitor<'de>>(n: Number, visitor: V) -> Result<V::Value, Error> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else {
        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

fn visit_map<'de, V: Visitor<'de>>(
    map: serde_json::Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = MapDeserializer::new(map.into_iter().map(|(k, v)| (k, Coerce(v))));
    let out = visitor.visit_map(&mut access)?;
    access.end()?;
    Ok(out)
}

fn visit_seq<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let mut access = SeqDeserializer::new(items.into_iter().map(Coerce));
    let out = visitor.visit_seq(&mut access)?;
    access.end()?;
    Ok(out)
}

/// Parses an integer from text; `Err` keeps the text for the error message.
fn text_number(s: &str) -> Option<Number> {
    let t = s.trim();
    if let Ok(u) = t.parse::<u64>() {
        return Some(u.into());
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(i.into());
    }
    t.parse::<f64>().ok().and_then(Number::from_f64)
}

impl<'de> Deserializer<'de> for Coerce {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_seq(items, visitor),
            Value::Object(map) => visit_map(map, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0 {
            Value::String(s) => match s.trim() {
                "true" | "1" => visitor.visit_bool(true),
                "false" | "0" => visitor.visit_bool(false),
                other => Err(de::Error::invalid_value(
                    Unexpected::Str(other),
                    &"true or false",
                )),
            },
            Value::Number(n) => match n.as_u64() {
                Some(1) => visitor.visit_bool(true),
                Some(0) => visitor.visit_bool(false),
                _ => Err(de::Error::invalid_value(
                    Unexpected::Other("number"),
                    &"true or false",
                )),
            },
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Number(n) => visitor.visit_string(n.to_string()),
            other => Coerce(other).deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_seq(items, visitor),
            // A form or query string with the key once: a one-element list.
            Value::String(s) => visit_seq(vec![Value::String(s)], visitor),
            other => Coerce(other).deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            other => other.deserialize_enum(name, variants, visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier
    }

    // Integers and floats: text is parsed, anything else is left to the visitor's checks.
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.number(v)
    }
}

impl Coerce {
    fn number<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => match text_number(&s) {
                Some(n) => visit_number(n, visitor),
                None => Err(de::Error::invalid_value(Unexpected::Str(&s), &visitor)),
            },
            other => Coerce(other).deserialize_any(visitor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct P {
        n: u32,
        b: bool,
        s: String,
        o: Option<u16>,
        list: Vec<String>,
        #[serde(default)]
        neg: Option<i32>,
    }

    fn de(v: Value) -> Result<P, Error> {
        P::deserialize(Coerce(v))
    }

    #[test]
    fn text_fills_typed_fields() {
        let p =
            de(json!({"n": "30", "b": "true", "s": "x", "o": null, "list": "one", "neg": "-4"}))
                .unwrap();
        assert_eq!(
            p,
            P {
                n: 30,
                b: true,
                s: "x".into(),
                o: None,
                list: vec!["one".into()],
                neg: Some(-4)
            }
        );
    }

    #[test]
    fn native_json_still_works() {
        let p = de(json!({"n": 7, "b": false, "s": 13800138000u64, "o": 5, "list": ["a", "b"]}))
            .unwrap();
        assert_eq!(p.s, "13800138000");
        assert_eq!(p.o, Some(5));
        assert_eq!(p.list, vec!["a", "b"]);
    }

    #[test]
    fn bad_text_is_an_error_not_a_zero() {
        assert!(de(json!({"n": "3x", "b": true, "s": "", "o": null, "list": []})).is_err());
        assert!(de(json!({"n": "-1", "b": true, "s": "", "o": null, "list": []})).is_err());
        assert!(de(json!({"n": 1, "b": "yes", "s": "", "o": null, "list": []})).is_err());
        assert!(de(json!({"n": 1, "b": 2, "s": "", "o": null, "list": []})).is_err());
        assert!(de(json!({"n": 1, "b": true, "s": "", "o": "70000", "list": []})).is_err());
    }

    #[test]
    fn unknown_fields_still_refused() {
        let e =
            de(json!({"n": 1, "b": true, "s": "", "o": null, "list": [], "zz": 1})).unwrap_err();
        assert!(e.to_string().contains("unknown field `zz`"), "{e}");
    }
}
