//! One rule, one evaluation time: run the query, apply the threshold, group
//! rows by the dedup fields.

use std::collections::BTreeMap;
use tracing::Instrument;

use chrono::{DateTime, Utc};
use mantissa_core::arrow::datatypes::DataType;
use mantissa_core::engine::{EngineError, QueryEngine, QueryTime};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::rule::Rule;

/// One dedup group of a rule's result: a candidate alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Dedup field values.
    pub key: Map<String, Value>,
    /// The group's rows (capped at the evidence limit).
    pub rows: Vec<Map<String, Value>>,
    /// Rows in the group before capping.
    pub row_count: usize,
    /// Identifies rule + key.
    pub fingerprint: String,
    /// Identifies the group's full evidence (to tell new sightings from re-reads).
    pub evidence_hash: String,
}

/// Why an evaluation failed.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The engine failed (query error, timeout, memory, I/O).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// `dedup.fields` names a column the query does not return.
    #[error("dedup field `{field}` is not a result column; the query returns: {columns}")]
    UnknownDedupField {
        /// The field as written.
        field: String,
        /// The result columns.
        columns: String,
    },
}

/// What one evaluation produced.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Result rows.
    pub rows: usize,
    /// Groups, empty when the threshold was not met.
    pub groups: Vec<Group>,
    /// What the query read (and cost, on Athena).
    pub scan: Option<mantissa_core::engine::Scan>,
}

/// Runs `rule` as of `now` and groups the result.
pub async fn evaluate(
    rule: &Rule,
    engine: &dyn QueryEngine,
    now: DateTime<Utc>,
    evidence_rows: usize,
) -> Result<Evaluation, EvalError> {
    let time = QueryTime::window(now, rule.threshold.window.get());
    // The span names the rule in the engine's "Query executed." debug line
    // (bench/detect.sh reads per-rule times from it).
    let result = engine
        .execute(&rule.guarded, time)
        .instrument(tracing::debug_span!("rule", id = %rule.id))
        .await?;
    let rows = result.row_count;
    if (rows as u64) < rule.threshold.count {
        return Ok(Evaluation {
            rows,
            groups: Vec::new(),
            scan: result.scan,
        });
    }
    let names: Vec<String> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let key_idx: Vec<usize> = match &rule.dedup_fields {
        Some(fields) => fields
            .iter()
            .map(|f| {
                names
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(f))
                    .ok_or_else(|| EvalError::UnknownDedupField {
                        field: f.clone(),
                        columns: names.join(", "),
                    })
            })
            .collect::<Result<_, _>>()?,
        None => result
            .schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| is_text(f.data_type()))
            .map(|(i, _)| i)
            .collect(),
    };
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut hashers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in result.json_rows() {
        let key: Map<String, Value> = key_idx
            .iter()
            .map(|&i| (names[i].clone(), row[i].clone()))
            .collect();
        let key_text = serde_json::to_string(&key).unwrap_or_default();
        let obj: Map<String, Value> = names.iter().cloned().zip(row).collect();
        hashers
            .entry(key_text.clone())
            .or_default()
            .push(serde_json::to_string(&obj).unwrap_or_default());
        let g = groups.entry(key_text.clone()).or_insert_with(|| Group {
            fingerprint: fingerprint(&rule.id, &key_text),
            key,
            rows: Vec::new(),
            row_count: 0,
            evidence_hash: String::new(),
        });
        g.row_count += 1;
        if g.rows.len() < evidence_rows {
            g.rows.push(obj);
        }
    }
    let mut out: Vec<Group> = groups.into_values().collect();
    for g in &mut out {
        let key_text = serde_json::to_string(&g.key).unwrap_or_default();
        let mut rows = hashers.remove(&key_text).unwrap_or_default();
        rows.sort();
        g.evidence_hash = hex(&Sha256::digest(rows.join("\n").as_bytes()))[..32].to_string();
    }
    Ok(Evaluation {
        rows,
        groups: out,
        scan: result.scan,
    })
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

fn fingerprint(rule_id: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    hex(&h.finalize())[..32].to_string()
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
