//! Athena (Trino) functions the local engine registers so the canonical
//! dialect runs unchanged: `from_iso8601_timestamp`, `to_iso8601`,
//! `date_add`, `date_diff`, `date_format`, `json_extract_scalar`,
//! `json_extract`, `contains` (arrays and strings), `split`,
//! `regexp_extract`, `to_unixtime`. DataFusion already provides the others
//! used in practice (`regexp_like`, `approx_distinct`, `cardinality`,
//! `element_at`, `date_trunc`, `from_unixtime`, …).

use std::sync::Arc;

use chrono::{DateTime, Datelike, Months, TimeDelta, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder,
    StringArray, StringBuilder, TimestampMicrosecondArray, TimestampMicrosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{DataFusionError, Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::catalog::timestamp_type;

/// Every function this module adds, ready to register.
pub fn all() -> Vec<ScalarUDF> {
    [
        Func::FromIso8601Timestamp,
        Func::ToIso8601,
        Func::DateAdd,
        Func::DateDiff,
        Func::DateFormat,
        Func::JsonExtractScalar,
        Func::JsonExtract,
        Func::Contains,
        Func::Split,
        Func::RegexpExtract,
        Func::ToUnixtime,
        Func::ElementAt,
    ]
    .into_iter()
    .map(|f| ScalarUDF::from(AthenaFn::new(f)))
    .collect()
}

/// Names of the functions added here (for the guard's allowlist).
pub const NAMES: &[&str] = &[
    "from_iso8601_timestamp",
    "to_iso8601",
    "date_add",
    "date_diff",
    "date_format",
    "json_extract_scalar",
    "json_extract",
    "contains",
    "split",
    "regexp_extract",
    "to_unixtime",
    "element_at",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Func {
    FromIso8601Timestamp,
    ToIso8601,
    DateAdd,
    DateDiff,
    DateFormat,
    JsonExtractScalar,
    JsonExtract,
    Contains,
    Split,
    RegexpExtract,
    ToUnixtime,
    ElementAt,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct AthenaFn {
    func: Func,
    signature: Signature,
}

impl AthenaFn {
    fn new(func: Func) -> Self {
        Self {
            func,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn ts_type() -> DataType {
    timestamp_type()
}

fn is_string(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    )
}

impl ScalarUDFImpl for AthenaFn {
    fn name(&self) -> &str {
        match self.func {
            Func::FromIso8601Timestamp => "from_iso8601_timestamp",
            Func::ToIso8601 => "to_iso8601",
            Func::DateAdd => "date_add",
            Func::DateDiff => "date_diff",
            Func::DateFormat => "date_format",
            Func::JsonExtractScalar => "json_extract_scalar",
            Func::JsonExtract => "json_extract",
            Func::Contains => "contains",
            Func::Split => "split",
            Func::RegexpExtract => "regexp_extract",
            Func::ToUnixtime => "to_unixtime",
            Func::ElementAt => "element_at",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        let want = |n: usize, usage: &str| -> Result<()> {
            if args.len() != n {
                return plan_err!("{name} takes {n} arguments: {usage}");
            }
            Ok(())
        };
        let s = DataType::Utf8;
        Ok(match self.func {
            Func::FromIso8601Timestamp => {
                want(1, "from_iso8601_timestamp(text)")?;
                vec![s]
            }
            Func::ToIso8601 | Func::ToUnixtime => {
                want(1, "(timestamp)")?;
                vec![ts_type()]
            }
            Func::DateAdd => {
                want(3, "date_add(unit, value, timestamp)")?;
                vec![s, DataType::Int64, ts_type()]
            }
            Func::DateDiff => {
                want(3, "date_diff(unit, timestamp1, timestamp2)")?;
                vec![s, ts_type(), ts_type()]
            }
            Func::DateFormat => {
                want(2, "date_format(timestamp, format)")?;
                vec![ts_type(), s]
            }
            Func::JsonExtractScalar | Func::JsonExtract => {
                want(2, "(json, json_path)")?;
                vec![text(args.first()), s]
            }
            Func::Split => {
                want(2, "split(text, delimiter)")?;
                vec![text(args.first()), s]
            }
            Func::RegexpExtract => match args.len() {
                2 => vec![text(args.first()), s],
                3 => vec![text(args.first()), s, DataType::Int64],
                _ => {
                    return plan_err!(
                        "regexp_extract takes 2 or 3 arguments: regexp_extract(text, pattern[, group])"
                    );
                }
            },
            Func::ElementAt => {
                want(2, "element_at(array, index)")?;
                match &args[0] {
                    DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                        vec![list_of(f.data_type()), DataType::Int64]
                    }
                    other => {
                        return plan_err!(
                            "element_at expects an array as first argument, got {other}"
                        );
                    }
                }
            }
            Func::Contains => {
                want(2, "contains(array, element) or contains(text, substring)")?;
                match &args[0] {
                    DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                        vec![list_of(f.data_type()), f.data_type().clone()]
                    }
                    t if is_string(t) => vec![s.clone(), s],
                    other => {
                        return plan_err!(
                            "contains expects an array or text as first argument, got {other}"
                        );
                    }
                }
            }
        })
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(match self.func {
            Func::FromIso8601Timestamp | Func::DateAdd => ts_type(),
            Func::ToIso8601
            | Func::DateFormat
            | Func::JsonExtractScalar
            | Func::JsonExtract
            | Func::RegexpExtract => DataType::Utf8,
            Func::DateDiff => DataType::Int64,
            Func::ToUnixtime => DataType::Float64,
            Func::Contains => DataType::Boolean,
            Func::ElementAt => match args.first() {
                Some(DataType::List(f))
                | Some(DataType::LargeList(f))
                | Some(DataType::FixedSizeList(f, _)) => f.data_type().clone(),
                _ => return plan_err!("element_at expects an array"),
            },
            Func::Split => list_of(&DataType::Utf8),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out = match self.func {
            Func::FromIso8601Timestamp => from_iso8601(&arrays, n)?,
            Func::ToIso8601 => to_iso8601(&arrays, n)?,
            Func::DateAdd => date_add(&arrays, n)?,
            Func::DateDiff => date_diff(&arrays, n)?,
            Func::DateFormat => date_format(&arrays, n)?,
            Func::JsonExtractScalar => json_extract(&arrays, n, true)?,
            Func::JsonExtract => json_extract(&arrays, n, false)?,
            Func::Contains => contains(&arrays, n)?,
            Func::Split => split(&arrays, n)?,
            Func::RegexpExtract => regexp_extract(&arrays, n)?,
            Func::ToUnixtime => to_unixtime(&arrays, n)?,
            Func::ElementAt => element_at(&arrays, n)?,
        };
        if all_scalar {
            return Ok(ColumnarValue::Scalar(
                datafusion::common::ScalarValue::try_from_array(&out, 0)?,
            ));
        }
        Ok(ColumnarValue::Array(out))
    }
}

/// A text column in either Arrow string layout (no copy for `Utf8View`,
/// which is how tables are read).
enum Strs {
    Plain(StringArray),
    View(datafusion::arrow::array::StringViewArray),
}

impl Strs {
    fn get(&self, i: usize) -> Option<&str> {
        match self {
            Strs::Plain(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strs::View(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }
}

fn strings(a: &ArrayRef) -> Result<Strs> {
    Ok(match a.data_type() {
        DataType::Utf8View => Strs::View(a.as_string_view().clone()),
        DataType::Utf8 => Strs::Plain(a.as_string::<i32>().clone()),
        _ => Strs::Plain(cast(a, &DataType::Utf8)?.as_string::<i32>().clone()),
    })
}

/// A (32-bit offset) list of `item`s.
fn list_of(item: &DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item.clone(), true)))
}

/// Text arguments keep the `Utf8View` layout when they have it.
fn text(t: Option<&DataType>) -> DataType {
    match t {
        Some(DataType::Utf8View) => DataType::Utf8View,
        _ => DataType::Utf8,
    }
}

fn times(a: &ArrayRef) -> Result<TimestampMicrosecondArray> {
    let c = cast(a, &ts_type())?;
    Ok(
        c.as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>()
            .clone(),
    )
}

fn ints(a: &ArrayRef) -> Result<datafusion::arrow::array::Int64Array> {
    Ok(cast(a, &DataType::Int64)?
        .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
        .clone())
}

fn opt_time(a: &TimestampMicrosecondArray, i: usize) -> Option<DateTime<Utc>> {
    (!a.is_null(i))
        .then(|| DateTime::from_timestamp_micros(a.value(i)))
        .flatten()
}

fn ts_builder(n: usize) -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC")
}

fn from_iso8601(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let s = strings(&a[0])?;
    let mut b = ts_builder(n);
    for i in 0..n {
        match s.get(i) {
            None => b.append_null(),
            Some(t) => match crate::ingest::time::parse_time(t) {
                Some(m) => b.append_value(m),
                None => {
                    return exec_err!("from_iso8601_timestamp: `{t}` is not an ISO 8601 timestamp");
                }
            },
        }
    }
    Ok(Arc::new(b.finish()))
}

fn to_iso8601(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let t = times(&a[0])?;
    let mut b = StringBuilder::with_capacity(n, n * 24);
    for i in 0..n {
        b.append_option(opt_time(&t, i).map(crate::clock::format_instant));
    }
    Ok(Arc::new(b.finish()))
}

/// A Trino date/time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

fn unit(s: &str) -> Result<Unit> {
    Ok(match s.trim().to_ascii_lowercase().trim_end_matches('s') {
        "millisecond" => Unit::Millisecond,
        "second" => Unit::Second,
        "minute" => Unit::Minute,
        "hour" => Unit::Hour,
        "day" => Unit::Day,
        "week" => Unit::Week,
        "month" => Unit::Month,
        "quarter" => Unit::Quarter,
        "year" => Unit::Year,
        _ => {
            return exec_err!(
                "unknown unit `{s}`; expected millisecond, second, minute, hour, day, week, month, quarter or year"
            );
        }
    })
}

fn add(t: DateTime<Utc>, u: Unit, v: i64) -> Option<DateTime<Utc>> {
    let months = |m: i64| -> Option<DateTime<Utc>> {
        if m >= 0 {
            t.checked_add_months(Months::new(u32::try_from(m).ok()?))
        } else {
            t.checked_sub_months(Months::new(u32::try_from(-m).ok()?))
        }
    };
    match u {
        Unit::Millisecond => t.checked_add_signed(TimeDelta::try_milliseconds(v)?),
        Unit::Second => t.checked_add_signed(TimeDelta::try_seconds(v)?),
        Unit::Minute => t.checked_add_signed(TimeDelta::try_minutes(v)?),
        Unit::Hour => t.checked_add_signed(TimeDelta::try_hours(v)?),
        Unit::Day => t.checked_add_signed(TimeDelta::try_days(v)?),
        Unit::Week => t.checked_add_signed(TimeDelta::try_weeks(v)?),
        Unit::Month => months(v),
        Unit::Quarter => months(v.checked_mul(3)?),
        Unit::Year => months(v.checked_mul(12)?),
    }
}

fn date_add(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let (units, vals, t) = (strings(&a[0])?, ints(&a[1])?, times(&a[2])?);
    let mut b = ts_builder(n);
    for i in 0..n {
        let (Some(u), false, Some(ti)) = (units.get(i), vals.is_null(i), opt_time(&t, i)) else {
            b.append_null();
            continue;
        };
        let r = add(ti, unit(u)?, vals.value(i));
        b.append_option(r.map(|r| r.timestamp_micros()));
    }
    Ok(Arc::new(b.finish()))
}

fn months_between(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    let mut m = i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month());
    // Only whole months count, as in Trino.
    if m > 0 && add(a, Unit::Month, m).is_some_and(|x| x > b) {
        m -= 1;
    } else if m < 0 && add(a, Unit::Month, m).is_some_and(|x| x < b) {
        m += 1;
    }
    m
}

fn date_diff(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let (units, t1, t2) = (strings(&a[0])?, times(&a[1])?, times(&a[2])?);
    let mut b = Int64Builder::with_capacity(n);
    for i in 0..n {
        let (Some(u), Some(x), Some(y)) = (units.get(i), opt_time(&t1, i), opt_time(&t2, i)) else {
            b.append_null();
            continue;
        };
        let d = y - x;
        let v = match unit(u)? {
            Unit::Millisecond => d.num_milliseconds(),
            Unit::Second => d.num_seconds(),
            Unit::Minute => d.num_minutes(),
            Unit::Hour => d.num_hours(),
            Unit::Day => d.num_days(),
            Unit::Week => d.num_weeks(),
            Unit::Month => months_between(x, y),
            Unit::Quarter => months_between(x, y) / 3,
            Unit::Year => months_between(x, y) / 12,
        };
        b.append_value(v);
    }
    Ok(Arc::new(b.finish()))
}

/// Translates a MySQL-style format (as Trino's `date_format` takes) to chrono's.
fn mysql_to_chrono(fmt: &str) -> Result<String> {
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else { break };
        let tr = match spec {
            'Y' => "%Y",
            'y' => "%y",
            'm' => "%m",
            'c' => "%-m",
            'd' => "%d",
            'e' => "%-d",
            'H' => "%H",
            'k' => "%-H",
            'h' | 'I' => "%I",
            'l' => "%-I",
            'i' => "%M",
            's' | 'S' => "%S",
            'f' => "%6f",
            'p' => "%p",
            'a' => "%a",
            'b' => "%b",
            'M' => "%B",
            'W' => "%A",
            'j' => "%j",
            'T' => "%H:%M:%S",
            'r' => "%I:%M:%S %p",
            'v' => "%V",
            'x' => "%G",
            '%' => "%%",
            other => return exec_err!("date_format: unsupported specifier `%{other}`"),
        };
        out.push_str(tr);
    }
    Ok(out)
}

fn date_format(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let (t, f) = (times(&a[0])?, strings(&a[1])?);
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let mut cached: Option<(String, String)> = None;
    for i in 0..n {
        let (Some(ti), Some(fmt)) = (opt_time(&t, i), f.get(i)) else {
            b.append_null();
            continue;
        };
        if cached.as_ref().is_none_or(|(raw, _)| raw != fmt) {
            cached = Some((fmt.to_string(), mysql_to_chrono(fmt)?));
        }
        let chrono_fmt = cached.as_ref().map(|(_, c)| c.as_str()).unwrap_or("");
        b.append_value(ti.format(chrono_fmt).to_string());
    }
    Ok(Arc::new(b.finish()))
}

/// One step of a JSONPath: `.key`, `["key"]` or `[n]`.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Parses the JSONPath subset Athena documents: `$`, `.key`, `["key"]`, `[n]`.
fn parse_path(path: &str) -> Result<Vec<Step>> {
    let p = path.trim();
    let Some(mut rest) = p.strip_prefix('$') else {
        return exec_err!("invalid JSON path `{path}`: must start with `$`");
    };
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return exec_err!("invalid JSON path `{path}`: empty key");
            }
            steps.push(Step::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(close) = r.find(']') else {
                return exec_err!("invalid JSON path `{path}`: missing `]`");
            };
            let inner = r[..close].trim();
            if let Some(q) = inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                steps.push(Step::Key(q.to_string()));
            } else if let Some(q) = inner.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                steps.push(Step::Key(q.to_string()));
            } else if let Ok(i) = inner.parse::<usize>() {
                steps.push(Step::Index(i));
            } else {
                return exec_err!("invalid JSON path `{path}`: bad subscript `[{inner}]`");
            }
            rest = &r[close + 1..];
        } else {
            return exec_err!("invalid JSON path `{path}`: unexpected `{rest}`");
        }
    }
    Ok(steps)
}

/// Walks `steps` through a JSON document without building it: keys that do
/// not match are skipped, and only the value at the end of the path is kept
/// (as raw JSON text).
struct Seek<'s>(&'s [Step]);

impl<'de> serde::de::DeserializeSeed<'de> for Seek<'_> {
    type Value = Option<Box<serde_json::value::RawValue>>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        if self.0.is_empty() {
            return serde::Deserialize::deserialize(d).map(Some);
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Seek<'_> {
    type Value = Option<Box<serde_json::value::RawValue>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        use serde::de::IgnoredAny;
        let mut found = None;
        while let Some(key) = map.next_key::<crate::ingest::json::Text<'de>>()? {
            match (&self.0[0], found.is_none()) {
                (Step::Key(k), true) if key.as_str() == k => {
                    found = map.next_value_seed(Seek(&self.0[1..]))?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        use serde::de::IgnoredAny;
        let mut found = None;
        let mut i = 0usize;
        loop {
            let hit = matches!(&self.0[0], Step::Index(want) if *want == i);
            if hit {
                match seq.next_element_seed(Seek(&self.0[1..]))? {
                    Some(v) => found = v,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found)
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
}

/// The raw JSON text at `steps` in `doc`, if the document parses and the path exists.
fn seek(doc: &str, steps: &[Step]) -> Option<Box<serde_json::value::RawValue>> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(doc);
    let v = Seek(steps).deserialize(&mut de).ok()?;
    de.end().ok()?;
    v
}

fn json_extract(a: &[ArrayRef], n: usize, scalar: bool) -> Result<ArrayRef> {
    let (docs, paths) = (strings(&a[0])?, strings(&a[1])?);
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let mut cached: Option<(String, Vec<Step>)> = None;
    for i in 0..n {
        let (Some(doc), Some(path)) = (docs.get(i), paths.get(i)) else {
            b.append_null();
            continue;
        };
        if cached.as_ref().is_none_or(|(raw, _)| raw != path) {
            cached = Some((path.to_string(), parse_path(path)?));
        }
        let steps = cached.as_ref().map(|(_, s)| s.as_slice()).unwrap_or(&[]);
        let Some(raw) = seek(doc, steps) else {
            b.append_null();
            continue;
        };
        let text = raw.get();
        match text.as_bytes().first() {
            _ if text == "null" => b.append_null(),
            Some(b'"') if scalar => match serde_json::from_str::<String>(text) {
                Ok(s) => b.append_value(s),
                Err(_) => b.append_null(),
            },
            Some(b'{') | Some(b'[') if scalar => b.append_null(),
            _ => b.append_value(text),
        }
    }
    Ok(Arc::new(b.finish()))
}

fn contains(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let mut b = BooleanBuilder::with_capacity(n);
    match a[0].data_type() {
        DataType::List(_) => {
            let list = a[0].as_list::<i32>();
            let values = strings(list.values())?;
            let needle = strings(&a[1])?;
            let offsets = list.value_offsets();
            for i in 0..n {
                if list.is_null(i) {
                    b.append_null();
                    continue;
                }
                let (s, e) = (offsets[i] as usize, offsets[i + 1] as usize);
                let Some(x) = needle.get(i) else {
                    b.append_null();
                    continue;
                };
                let hit = (s..e).any(|j| values.get(j) == Some(x));
                b.append_value(hit);
            }
        }
        _ => {
            let (hay, needle) = (strings(&a[0])?, strings(&a[1])?);
            for i in 0..n {
                match (hay.get(i), needle.get(i)) {
                    (Some(h), Some(x)) => b.append_value(h.contains(x)),
                    _ => b.append_null(),
                }
            }
        }
    }
    Ok(Arc::new(b.finish()))
}

fn split(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let (s, d) = (strings(&a[0])?, strings(&a[1])?);
    let mut b = ListBuilder::new(StringBuilder::new());
    for i in 0..n {
        match (s.get(i), d.get(i)) {
            (Some(text), Some(delim)) if !delim.is_empty() => {
                for part in text.split(delim) {
                    b.values().append_value(part);
                }
                b.append(true);
            }
            (Some(text), Some(_)) => {
                b.values().append_value(text);
                b.append(true);
            }
            _ => b.append(false),
        }
    }
    Ok(Arc::new(b.finish()))
}

fn regexp_extract(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let (s, p) = (strings(&a[0])?, strings(&a[1])?);
    let groups = if a.len() > 2 {
        Some(ints(&a[2])?)
    } else {
        None
    };
    let mut b = StringBuilder::with_capacity(n, n * 8);
    let mut cached: Option<(String, regex::Regex)> = None;
    for i in 0..n {
        let (Some(text), Some(pat)) = (s.get(i), p.get(i)) else {
            b.append_null();
            continue;
        };
        if cached.as_ref().is_none_or(|(raw, _)| raw != pat) {
            let re = regex::RegexBuilder::new(pat)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    DataFusionError::Execution(format!("regexp_extract: invalid pattern: {e}"))
                })?;
            cached = Some((pat.to_string(), re));
        }
        let Some((_, re)) = cached.as_ref() else {
            continue;
        };
        let g = groups
            .as_ref()
            .map(|g| if g.is_null(i) { 0 } else { g.value(i) })
            .unwrap_or(0);
        let g = usize::try_from(g).unwrap_or(0);
        if g > re.captures_len().saturating_sub(1) {
            return exec_err!("regexp_extract: pattern has no group {g}");
        }
        let m = re.captures(text).and_then(|c| c.get(g)).map(|m| m.as_str());
        b.append_option(m);
    }
    Ok(Arc::new(b.finish()))
}

/// Trino `element_at(array, i)`: 1-based, negative counts from the end,
/// NULL when out of range.
fn element_at(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let list = a[0].as_list::<i32>();
    let idx = ints(&a[1])?;
    let offsets = list.value_offsets();
    let mut take = datafusion::arrow::array::UInt64Builder::with_capacity(n);
    for i in 0..n {
        if list.is_null(i) || idx.is_null(i) {
            take.append_null();
            continue;
        }
        let (s, e) = (offsets[i] as i64, offsets[i + 1] as i64);
        let k = idx.value(i);
        if k == 0 {
            return exec_err!("element_at: SQL array indices start at 1");
        }
        let pos = if k > 0 { s + k - 1 } else { e + k };
        if pos < s || pos >= e {
            take.append_null();
        } else {
            take.append_value(pos as u64);
        }
    }
    Ok(datafusion::arrow::compute::take(
        list.values().as_ref(),
        &take.finish(),
        None,
    )?)
}

fn to_unixtime(a: &[ArrayRef], n: usize) -> Result<ArrayRef> {
    let t = times(&a[0])?;
    let mut b = Float64Builder::with_capacity(n);
    for i in 0..n {
        b.append_option((!t.is_null(i)).then(|| t.value(i) as f64 / 1e6));
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        assert_eq!(
            parse_path("$.a.b[0]").unwrap(),
            vec![Step::Key("a".into()), Step::Key("b".into()), Step::Index(0)]
        );
        assert_eq!(
            parse_path("$[\"x.y\"]").unwrap(),
            vec![Step::Key("x.y".into())]
        );
        assert!(parse_path("a.b").is_err());
        assert!(parse_path("$.a[").is_err());
    }

    #[test]
    fn mysql_formats() {
        assert_eq!(
            mysql_to_chrono("%Y-%m-%d %H:%i:%s").unwrap(),
            "%Y-%m-%d %H:%M:%S"
        );
        assert!(mysql_to_chrono("%Q").is_err());
    }

    #[test]
    fn whole_months() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // As Joda/Trino: Jan 31 + 1 month is Feb 29, so that is one whole month.
        assert_eq!(
            months_between(t("2024-01-31T00:00:00Z"), t("2024-02-29T00:00:00Z")),
            1
        );
        assert_eq!(
            months_between(t("2024-01-31T00:00:01Z"), t("2024-02-29T00:00:00Z")),
            0
        );
        assert_eq!(
            months_between(t("2024-01-15T00:00:00Z"), t("2024-03-15T00:00:00Z")),
            2
        );
        assert_eq!(
            months_between(t("2024-03-15T00:00:00Z"), t("2024-01-16T00:00:00Z")),
            -1
        );
    }
}
