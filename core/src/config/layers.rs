//! The configuration's layers merged into one tree and read into [`Config`].
//!
//! A TOML file's values keep the types TOML gives them. An environment
//! variable's value is text, typed by the field it lands in: `5` becomes a
//! number for `engine.max_rows` and stays text for `discord.application_id`
//! or a secret made of digits; `true`/`false` for switches; a list is written
//! TOML-style (`[a, b]`) or comma-separated. Missing keys take the defaults of
//! the `#[serde(default)]` structs, so the defaults are a layer too.
//!
//! Every error names the key, the problem and the layer it came from: the
//! file, or the environment variable.
//!
//! [`Config`]: super::Config

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

/// Config sections; `MANTISSA_<SECTION>_<KEY>` maps to `<section>.<key>`.
const SECTIONS: &[&str] = &[
    "engine",
    "stores",
    "storage",
    "ingest",
    "detector",
    "enrich",
    "llm",
    "slack",
    "discord",
    "router",
    "api",
    "permissions",
];

/// `MANTISSA_*` variables that are not config keys (logging, the binary's
/// own flags, test and bench knobs).
const NON_CONFIG_ENV: &[&str] = &["log", "config", "now", "bin", "nl_eval"];

/// Prefixes of `MANTISSA_*` variables that are not config keys (test and
/// bench knobs; the Lambda functions' own settings, `MANTISSA_LAMBDA_*`).
const NON_CONFIG_ENV_PREFIXES: &[&str] = &["test_", "bench_", "lambda_"];

/// One value in the merged tree.
#[derive(Debug)]
enum Node {
    /// A table: from the file, from environment variables, or both.
    Table(BTreeMap<String, Node>),
    /// A value other than a table, as the file wrote it.
    File(toml::Value),
    /// A value from an environment variable: text, typed by its field.
    Env { var: String, text: String },
}

/// The layers read so far: a file (at most one) and the environment.
#[derive(Debug, Default)]
pub(super) struct Layers {
    root: BTreeMap<String, Node>,
    file: Option<PathBuf>,
}

impl Layers {
    /// Reads a TOML file as the lowest layer above the defaults.
    pub(super) fn file(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))?;
        for (key, value) in table {
            merge(&mut self.root, key, file_node(value));
        }
        self.file = Some(path.to_path_buf());
        Ok(())
    }

    /// Lays `MANTISSA_*` variables over the file: `MANTISSA_ENGINE_MAX_ROWS`
    /// sets `engine.max_rows`; `__` separates deeper keys
    /// (`MANTISSA_API__JWT__ISSUER`). Other variables are ignored.
    pub(super) fn env(&mut self, vars: impl IntoIterator<Item = (String, String)>) {
        let mut vars: Vec<(String, String)> = vars
            .into_iter()
            .filter(|(k, _)| config_key(k).is_some())
            .collect();
        vars.sort();
        for (var, text) in vars {
            let Some(path) = config_key(&var) else {
                continue;
            };
            let mut segments: Vec<String> = path.split('.').map(str::to_string).collect();
            let last = segments.pop().unwrap_or_default();
            let mut table = &mut self.root;
            for segment in segments {
                let node = table
                    .entry(segment)
                    .or_insert_with(|| Node::Table(BTreeMap::new()));
                if !matches!(node, Node::Table(_)) {
                    *node = Node::Table(BTreeMap::new());
                }
                let Node::Table(inner) = node else {
                    unreachable!("made a table above")
                };
                table = inner;
            }
            table.insert(last, Node::Env { var, text });
        }
    }

    /// Reads the merged tree into `T`, or says which key is wrong, why, and
    /// where it was set.
    pub(super) fn extract<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_path_to_error::deserialize(TableDe(&self.root)).map_err(|e| self.explain(e))
    }

    /// `engine.max_rows: invalid type: … (from MANTISSA_ENGINE_MAX_ROWS)`.
    fn explain(&self, e: serde_path_to_error::Error<DeError>) -> String {
        let segments: Vec<String> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                _ => None,
            })
            .collect();
        let message = e.inner().to_string();
        let origin = self.origin(&segments, &message);
        let key = match segments.is_empty() {
            true => String::new(),
            false => format!("{}: ", segments.join(".")),
        };
        format!("{key}{message}{origin}")
    }

    /// Where the failing key came from: the environment variable that set it
    /// (or set a key the message names), else the file.
    fn origin(&self, path: &[String], message: &str) -> String {
        let mut node = None;
        let mut table = Some(&self.root);
        for segment in path {
            node = table.and_then(|t| t.get(segment));
            table = match node {
                Some(Node::Table(t)) => Some(t),
                _ => None,
            };
        }
        if path.is_empty() {
            node = None;
        }
        let from_env = match (node, table) {
            (Some(Node::Env { var, .. }), _) => Some(var.as_str()),
            (_, Some(t)) => t.iter().find_map(|(k, n)| match n {
                Node::Env { var, .. } if message.contains(&format!("`{k}`")) => Some(var.as_str()),
                _ => None,
            }),
            _ => None,
        };
        match (from_env, &self.file) {
            (Some(var), _) => format!(" (from environment variable {var})"),
            (None, Some(file)) => format!(" (in {})", file.display()),
            (None, None) => String::new(),
        }
    }
}

/// The config key a `MANTISSA_*` variable sets, if it sets one.
fn config_key(var: &str) -> Option<String> {
    let rest = var.strip_prefix("MANTISSA_")?.to_ascii_lowercase();
    if NON_CONFIG_ENV.contains(&rest.as_str())
        || NON_CONFIG_ENV_PREFIXES.iter().any(|p| rest.starts_with(p))
        || rest.is_empty()
    {
        return None;
    }
    let rest = rest.replace("__", ".");
    for section in SECTIONS {
        if let Some(key) = rest.strip_prefix(section).and_then(|r| r.strip_prefix('_')) {
            return Some(format!("{section}.{key}"));
        }
    }
    Some(rest)
}

fn file_node(value: toml::Value) -> Node {
    match value {
        toml::Value::Table(t) => {
            Node::Table(t.into_iter().map(|(k, v)| (k, file_node(v))).collect())
        }
        other => Node::File(other),
    }
}

fn merge(table: &mut BTreeMap<String, Node>, key: String, node: Node) {
    match (table.get_mut(&key), node) {
        (Some(Node::Table(old)), Node::Table(new)) => {
            for (k, v) in new {
                merge(old, k, v);
            }
        }
        (_, node) => {
            table.insert(key, node);
        }
    }
}

/// A deserialization error: serde's message, or TOML's for a file value.
#[derive(Debug)]
pub(super) struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

impl From<toml::de::Error> for DeError {
    fn from(e: toml::de::Error) -> Self {
        Self(e.message().trim_end().to_string())
    }
}

/// A table of the merged tree as a serde deserializer.
#[derive(Clone, Copy)]
struct TableDe<'a>(&'a BTreeMap<String, Node>);

impl<'de> de::Deserializer<'de> for TableDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(MapDeserializer::new(
            self.0.iter().map(|(k, v)| (k.as_str(), NodeDe(v))),
        ))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// One node of the merged tree as a serde deserializer.
#[derive(Clone, Copy)]
struct NodeDe<'a>(&'a Node);

impl<'de> IntoDeserializer<'de, DeError> for NodeDe<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Calls the same method on a file value (TOML's own typing) or a table,
/// and on environment text through [`EnvText`].
macro_rules! by_node {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, DeError> {
                match self.0 {
                    Node::Table(t) => TableDe(t).$method($($arg,)* visitor),
                    Node::File(v) => Ok(v.clone().$method($($arg,)* visitor)?),
                    Node::Env { text, .. } => EnvText(text).$method($($arg,)* visitor),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    by_node! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_seq();
        deserialize_map();
        deserialize_identifier();
        deserialize_ignored_any();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// An environment variable's text, typed by the field that asks for it.
struct EnvText<'a>(&'a str);

impl EnvText<'_> {
    fn number<T: std::str::FromStr>(&self, what: &str) -> Result<T, DeError> {
        self.0.trim().parse().map_err(|_| {
            DeError(format!(
                "invalid value: `{}`, expected {what}",
                self.0.escape_debug()
            ))
        })
    }

    /// A list: TOML-style `[a, "b", 3]`, or comma-separated words.
    fn list(&self) -> Result<Vec<String>, DeError> {
        let text = self.0.trim();
        if text.starts_with('[') {
            let parsed: toml::Table = toml::from_str(&format!("v = {text}")).map_err(|e| {
                DeError(format!(
                    "`{text}` is not a list: {}",
                    e.message().trim_end()
                ))
            })?;
            let Some(toml::Value::Array(items)) = parsed.get("v") else {
                return Err(DeError(format!("`{text}` is not a list")));
            };
            return items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    toml::Value::Integer(n) => Ok(n.to_string()),
                    toml::Value::Float(n) => Ok(n.to_string()),
                    toml::Value::Boolean(b) => Ok(b.to_string()),
                    _ => Err(DeError(format!(
                        "`{text}`: list items must be text, numbers or `true`/`false`"
                    ))),
                })
                .collect();
        }
        Ok(text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
}

macro_rules! env_numbers {
    ($($method:ident => $visit:ident: $ty:ty, $what:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                visitor.$visit(self.number::<$ty>($what)?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for EnvText<'_> {
    type Error = DeError;

    /// Text, unless the field says otherwise (untagged ids, free-form values).
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.trim().to_ascii_lowercase().as_str() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(DeError(format!(
                "invalid value: `{}`, expected `true` or `false`",
                self.0.escape_debug()
            ))),
        }
    }

    env_numbers! {
        deserialize_i8 => visit_i64: i64, "an integer";
        deserialize_i16 => visit_i64: i64, "an integer";
        deserialize_i32 => visit_i64: i64, "an integer";
        deserialize_i64 => visit_i64: i64, "an integer";
        deserialize_u8 => visit_u64: u64, "a non-negative integer";
        deserialize_u16 => visit_u64: u64, "a non-negative integer";
        deserialize_u32 => visit_u64: u64, "a non-negative integer";
        deserialize_u64 => visit_u64: u64, "a non-negative integer";
        deserialize_f32 => visit_f64: f64, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let items = self.list()?;
        visitor.visit_seq(SeqDeserializer::new(items.iter().map(|s| EnvText(s))))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DeError> {
        Err(self.not_a_table())
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DeError> {
        Err(self.not_a_table())
    }

    forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct tuple
        tuple_struct identifier ignored_any
    }
}

impl<'de, 'a> IntoDeserializer<'de, DeError> for EnvText<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl EnvText<'_> {
    fn not_a_table(&self) -> DeError {
        DeError(
            "this key is a table: set its fields one by one (`__` separates keys, \
             e.g. MANTISSA_API__JWT__ISSUER)"
                .into(),
        )
    }
}
