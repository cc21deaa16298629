//! Answers as Slack messages (Block Kit), within Slack's limits.
//!
//! An answer is: the interpretation, the result as a native `table` block
//! (at most 100 rows including the header × 20 columns, one per message),
//! the SQL in a code block, and a context line (rows, time, translator).
//! More rows than fit → the first rows plus the whole result as a CSV file
//! in the thread. Empty results say so and suggest widening the time range.
//! Declined questions offer their "Did you mean" suggestions as buttons.

use serde_json::{Value, json};

use crate::backend::{Answer, Reply};

use mantissa_core::chat::slack::blocks::{
    MAX_ACTIONS, MAX_BUTTON_TEXT, MAX_BUTTON_VALUE, MAX_SECTION_TEXT, MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
};

/// Characters shown per table cell.
const MAX_CELL: usize = 200;

/// A message to post: fallback text, blocks, and an optional file.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Notification / fallback text.
    pub text: String,
    /// Block Kit blocks.
    pub blocks: Value,
    /// A CSV of the full result when it did not fit: (file name, bytes).
    pub csv: Option<(String, Vec<u8>)>,
}

pub use crate::chat::clip;
use crate::chat::{file_name, to_csv};

/// Renders a reply.
pub fn reply_message(reply: &Reply) -> Message {
    match reply {
        Reply::Answer(a) => answer_message(a),
        Reply::Declined {
            reason,
            suggestions,
        } => declined_message(reason, suggestions),
        Reply::Failed { message, sql } => {
            let mut blocks = vec![section(&format!(":warning: {message}"))];
            if let Some(sql) = sql {
                blocks.push(sql_block(sql));
            }
            Message {
                text: clip(message, 300),
                blocks: Value::Array(blocks),
                csv: None,
            }
        }
    }
}

fn section(text: &str) -> Value {
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT) } })
}

fn sql_block(sql: &str) -> Value {
    // The code fence costs 8 characters.
    let body = clip(sql, MAX_SECTION_TEXT - 8);
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("```{body}```") } })
}

fn context(text: &str) -> Value {
    json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT) }] })
}

fn cell_text(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s = s.replace(['\n', '\r', '\t'], " ");
    let s = if s.is_empty() { " ".into() } else { s };
    clip(&s, MAX_CELL)
}

fn answer_message(a: &Answer) -> Message {
    let mut blocks = vec![section(&format!("*{}*", escape(&a.interpretation)))];
    let shown_cols = a.columns.len().min(MAX_TABLE_COLUMNS);
    let shown_rows = a.rows.len().min(MAX_TABLE_ROWS - 1);
    let mut notes = Vec::new();
    if a.rows.is_empty() {
        blocks.push(section(
            "No rows matched. Try widening the time range (\"in the last 7 days\"), or loosen a filter.",
        ));
    } else {
        let mut rows = Vec::with_capacity(shown_rows + 1);
        rows.push(Value::Array(
            a.columns[..shown_cols]
                .iter()
                .map(|c| json!({ "type": "raw_text", "text": clip(&c.name, MAX_CELL) }))
                .collect(),
        ));
        for r in a.rows.iter().take(shown_rows) {
            rows.push(Value::Array(
                r.iter()
                    .take(shown_cols)
                    .map(|v| json!({ "type": "raw_text", "text": cell_text(v) }))
                    .collect(),
            ));
        }
        let numeric: Vec<Value> = a.columns[..shown_cols]
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let num = a
                    .rows
                    .iter()
                    .take(shown_rows)
                    .all(|r| r.get(i).is_none_or(Value::is_number));
                json!({ "align": if num { "right" } else { "left" } })
            })
            .collect();
        blocks.push(json!({ "type": "table", "rows": rows, "column_settings": numeric }));
        if a.columns.len() > shown_cols {
            notes.push(format!(
                "{} of {} columns shown",
                shown_cols,
                a.columns.len()
            ));
        }
    }
    blocks.push(sql_block(&a.sql));
    let mut ctx = format!(
        "{} row{} · {} ms · {}",
        a.row_count,
        if a.row_count == 1 { "" } else { "s" },
        a.elapsed_ms,
        a.translator
    );
    if let Some(scan) = &a.scan {
        ctx.push_str(&format!(" · {scan}"));
    }
    let csv = (a.rows.len() > shown_rows || a.columns.len() > shown_cols).then(|| {
        notes.push(format!(
            "first {shown_rows} rows shown; the full result is attached as CSV"
        ));
        (file_name(&a.question), to_csv(a))
    });
    if a.truncated {
        notes.push("the result hit the row limit; narrow the question for the rest".into());
    }
    for n in &notes {
        ctx.push_str(" · ");
        ctx.push_str(n);
    }
    blocks.push(context(&ctx));
    Message {
        text: clip(&format!("{} ({} rows)", a.interpretation, a.row_count), 300),
        blocks: Value::Array(blocks),
        csv,
    }
}

fn declined_message(reason: &str, suggestions: &[String]) -> Message {
    let mut blocks = vec![section(&format!(
        ":thinking_face: {}",
        if reason.is_empty() {
            "I'm not sure what you mean."
        } else {
            reason
        }
    ))];
    if !suggestions.is_empty() {
        blocks.push(section("Did you mean:"));
        let buttons: Vec<Value> = suggestions
            .iter()
            .take(MAX_ACTIONS)
            .enumerate()
            .map(|(i, s)| {
                json!({
                    "type": "button",
                    "action_id": format!("ask_suggestion_{i}"),
                    "text": { "type": "plain_text", "text": clip(s, MAX_BUTTON_TEXT) },
                    "value": clip(s, MAX_BUTTON_VALUE),
                })
            })
            .collect();
        blocks.push(json!({ "type": "actions", "elements": buttons }));
    }
    Message {
        text: clip(reason, 300),
        blocks: Value::Array(blocks),
        csv: None,
    }
}

/// `&`, `<`, `>` escaped for mrkdwn.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use mantissa_core::chat::slack::validate_blocks as validate;

    use super::*;
    use crate::backend::Column;

    fn answer(rows: usize, cols: usize, cell: &str) -> Answer {
        Answer {
            question: "show me failed logins by source IP".into(),
            interpretation: "CloudTrail failed console logins grouped by source IP".into(),
            sql: "SELECT 1 ".repeat(1000),
            translator: "builtin".into(),
            columns: (0..cols)
                .map(|i| Column {
                    name: format!("col{i}"),
                    data_type: "Utf8".into(),
                })
                .collect(),
            rows: (0..rows)
                .map(|r| (0..cols).map(|c| json!(format!("{cell}{r}-{c}"))).collect())
                .collect(),
            row_count: rows,
            truncated: false,
            elapsed_ms: 12,
            scan: None,
        }
    }

    #[test]
    fn the_largest_results_stay_within_block_kit_limits_with_a_csv_for_the_rest() {
        let a = answer(500, 40, &"x".repeat(300));
        let m = answer_message(&a);
        validate(&m.blocks).unwrap();
        let (name, csv) = m.csv.expect("csv attached");
        assert_eq!(name, "show-me-failed-logins-by-source-ip.csv");
        assert_eq!(csv.iter().filter(|b| **b == b'\n').count(), 501);
        let table = &m.blocks[1];
        assert_eq!(table["rows"].as_array().unwrap().len(), 100);
        let ctx = m.blocks[3]["elements"][0]["text"].as_str().unwrap();
        assert!(ctx.contains("first 99 rows shown"), "{ctx}");
        assert!(ctx.contains("20 of 40 columns"), "{ctx}");
    }

    #[test]
    fn empty_results_suggest_widening_and_declines_offer_buttons() {
        let m = answer_message(&answer(0, 2, ""));
        validate(&m.blocks).unwrap();
        assert!(m.blocks.to_string().contains("widening the time range"));
        assert!(m.csv.is_none());
        let suggestions: Vec<String> = (0..40)
            .map(|i| format!("suggestion {i} {}", "y".repeat(100)))
            .collect();
        let d = declined_message("Not sure.", &suggestions);
        validate(&d.blocks).unwrap();
        assert_eq!(
            d.blocks[2]["elements"].as_array().unwrap().len(),
            MAX_ACTIONS
        );
    }
}
