//! Answers as Discord messages, within Discord's limits (checked by
//! [`mantissa_core::chat::discord::validate_message`]).
//!
//! An answer is one embed: the interpretation as title, the result as a
//! monospace table aligned in a code block (the description, ≤ 4096
//! characters), the SQL as a field and a footer (rows, time, translator).
//! More rows than fit → the first rows, a note, and the whole result as a
//! CSV file. Long command texts (rule lists) move from `content` (≤ 2000)
//! into embed descriptions.

use serde_json::{Value, json};

use crate::backend::{Answer, Reply};
use crate::chat::{Flavor, Icon, clip};
use mantissa_core::chat::discord::Attachment;

use mantissa_core::chat::discord::message::{
    MAX_CONTENT, MAX_DESCRIPTION, MAX_EMBEDS, MAX_FIELD_VALUE, MAX_TITLE, MAX_TOTAL,
};

/// Characters shown per table cell.
const MAX_CELL: usize = 40;
/// Characters of the table's code fence (` ```\n ` … ` ``` `).
const FENCE: usize = 8;

/// A message body and the file to attach with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The JSON message (content, embeds, allowed_mentions).
    pub body: Value,
    /// The full result as CSV, when it did not fit.
    pub csv: Option<Attachment>,
}

impl Message {
    /// The body and its files, with the answer's chart ([`crate::chart`])
    /// attached as `chart.png` and shown as the embed's image when the
    /// reply is a time series or a grouped count.
    pub async fn with_chart(self, reply: &Reply) -> (Value, Vec<Attachment>) {
        let mut body = self.body;
        let mut files: Vec<Attachment> = self.csv.into_iter().collect();
        if let Reply::Answer(a) = reply
            && let Some(chart) = crate::chart::render_for(a).await
        {
            if let Some(embed) = body["embeds"].get_mut(0) {
                embed["image"] = json!({ "url": "attachment://chart.png" });
            }
            files.push(Attachment {
                name: "chart.png".into(),
                bytes: chart.png,
                description: chart.alt,
            });
        }
        (body, files)
    }
}

/// A plain text reply: `content` when it fits, else embed descriptions
/// split at lines (cut with a note past Discord's total).
pub fn text_message(text: &str) -> Value {
    if text.chars().count() <= MAX_CONTENT {
        return json!({ "content": text, "allowed_mentions": { "parse": [] } });
    }
    let mut embeds: Vec<Value> = Vec::new();
    let mut cur = String::new();
    let mut total = 0;
    let budget = MAX_TOTAL - 100;
    let mut cut = false;
    for line in text.lines() {
        let line = clip(line, 1000);
        let n = line.chars().count() + 1;
        if total + n > budget || embeds.len() == MAX_EMBEDS {
            cut = true;
            break;
        }
        if cur.chars().count() + n > MAX_DESCRIPTION {
            embeds.push(json!({ "description": cur }));
            cur = String::new();
            if embeds.len() == MAX_EMBEDS {
                cut = true;
                break;
            }
        }
        cur.push_str(&line);
        cur.push('\n');
        total += n;
    }
    if !cur.is_empty() && embeds.len() < MAX_EMBEDS {
        embeds.push(json!({ "description": cur }));
    }
    json!({
        "content": if cut { "(cut to fit Discord's limits)" } else { "" },
        "embeds": embeds,
        "allowed_mentions": { "parse": [] },
    })
}

/// Renders a reply; `asked` (user id, question) adds "<@id> asked: …".
pub fn reply_message(reply: &Reply, asked: Option<(&str, &str)>) -> Message {
    let f = Flavor::Discord;
    let asked_line = asked
        .map(|(u, q)| clip(&format!("{} asked: {}", f.mention(u), f.escape(q)), 1000))
        .unwrap_or_default();
    match reply {
        Reply::Answer(a) => {
            let (embed, csv) = answer_embed(a);
            Message {
                body: json!({
                    "content": asked_line,
                    "embeds": [embed],
                    "allowed_mentions": { "parse": [] },
                }),
                csv,
            }
        }
        Reply::Declined {
            reason,
            suggestions,
        } => {
            let mut text = format!(
                "{} {}",
                f.icon(Icon::Thinking),
                if reason.is_empty() {
                    "I'm not sure what you mean."
                } else {
                    reason
                }
            );
            if !suggestions.is_empty() {
                text.push_str("\nDid you mean:");
                for s in suggestions.iter().take(10) {
                    text.push_str(&format!("\n• {}", clip(&f.escape(s), 150)));
                }
            }
            let text = if asked_line.is_empty() {
                text
            } else {
                format!("{asked_line}\n{text}")
            };
            let body =
                json!({ "content": clip(&text, MAX_CONTENT), "allowed_mentions": { "parse": [] } });
            Message { body, csv: None }
        }
        Reply::Failed { message, sql } => {
            let mut embed = json!({
                "description": clip(&format!("{} {message}", f.icon(Icon::Warning)), MAX_DESCRIPTION),
            });
            if let Some(sql) = sql {
                embed["fields"] = json!([sql_field(sql)]);
            }
            Message {
                body: json!({ "content": asked_line, "embeds": [embed], "allowed_mentions": { "parse": [] } }),
                csv: None,
            }
        }
    }
}

fn sql_field(sql: &str) -> Value {
    let fence = "```sql\n\n```".chars().count();
    json!({ "name": "SQL", "value": format!("```sql\n{}\n```", clip(sql, MAX_FIELD_VALUE - fence)) })
}

fn cell_text(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // Backticks would end the code block; control characters break alignment.
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_control() {
                ' '
            } else if c == '`' {
                '\''
            } else {
                c
            }
        })
        .collect();
    clip(&s, MAX_CELL)
}

/// The result as aligned lines (header, rule, rows) of at most `budget`
/// characters; returns the table and the rows shown.
fn table(a: &Answer, budget: usize) -> (String, usize) {
    let header: Vec<String> = a.columns.iter().map(|c| clip(&c.name, MAX_CELL)).collect();
    let cells: Vec<Vec<String>> = a
        .rows
        .iter()
        .map(|r| {
            (0..header.len())
                .map(|i| r.get(i).map(cell_text).unwrap_or_default())
                .collect()
        })
        .collect();
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            a.rows
                .iter()
                .all(|r| r.get(i).is_none_or(|v| v.is_number() || v.is_null()))
        })
        .collect();
    // Column widths over the rows that can possibly fit, so one long value
    // far down does not widen everything.
    let mut shown = 0;
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    let line_len = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1) + 1;
    loop {
        if shown == cells.len() {
            break;
        }
        let mut w = widths.clone();
        for (i, c) in cells[shown].iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
        // header + rule + rows, each a line.
        if line_len(&w) * (shown + 3) > budget {
            break;
        }
        widths = w;
        shown += 1;
    }
    let render = |row: &[String]| {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i].saturating_sub(c.chars().count());
            if numeric[i] {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(pad));
            }
        }
        line.trim_end().to_string()
    };
    let mut out = render(&header);
    out.push('\n');
    out.push_str(&"-".repeat(line_len(&widths).saturating_sub(1).max(1)));
    for r in cells.iter().take(shown) {
        out.push('\n');
        out.push_str(&render(r));
    }
    if out.chars().count() > budget {
        // Even the header is too wide: cut it (alignment is lost, nothing else).
        out = clip(&out, budget);
        shown = 0;
    }
    (out, shown)
}

fn answer_embed(a: &Answer) -> (Value, Option<Attachment>) {
    let title = clip(&a.interpretation, MAX_TITLE);
    let sql = sql_field(&a.sql);
    let mut notes = Vec::new();
    let (description, shown) = if a.rows.is_empty() {
        (
            "No rows matched. Try widening the time range (\"in the last 7 days\"), or loosen a filter.".to_string(),
            0,
        )
    } else {
        // Title, SQL and footer (≤ 300) come first; the table gets the rest.
        let used = title.chars().count()
            + "SQL".len()
            + sql["value"].as_str().map_or(0, |s| s.chars().count())
            + 300;
        let budget = MAX_TOTAL
            .saturating_sub(used)
            .min(MAX_DESCRIPTION)
            .saturating_sub(FENCE);
        let (t, shown) = table(a, budget);
        (format!("```\n{t}\n```"), shown)
    };
    let csv = (shown < a.rows.len()).then(|| {
        notes.push(format!(
            "first {shown} of {} rows shown; the full result is attached as CSV",
            a.rows.len()
        ));
        Attachment {
            name: crate::chat::file_name(&a.question),
            bytes: crate::chat::to_csv(a),
            description: "Full result".into(),
        }
    });
    if a.truncated {
        notes.push("the result hit the row limit; narrow the question for the rest".into());
    }
    let mut footer = format!(
        "{} row{} · {} ms · {}",
        a.row_count,
        if a.row_count == 1 { "" } else { "s" },
        a.elapsed_ms,
        a.translator
    );
    if let Some(scan) = &a.scan {
        footer.push_str(&format!(" · {scan}"));
    }
    for n in &notes {
        footer.push_str(" · ");
        footer.push_str(n);
    }
    (
        json!({
            "title": title,
            "description": description,
            "fields": [sql],
            "footer": { "text": clip(&footer, 300) },
        }),
        csv,
    )
}

#[cfg(test)]
mod tests {
    use mantissa_core::chat::discord::validate_message as validate;

    use super::*;
    use crate::backend::Column;

    fn answer(rows: usize, cols: usize, cell: &str) -> Answer {
        Answer {
            question: "show me failed logins by source IP".into(),
            interpretation: "I".repeat(400),
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
            truncated: true,
            elapsed_ms: 12,
            scan: None,
        }
    }

    #[test]
    fn the_largest_result_fits_with_a_note_and_the_full_csv() {
        let a = answer(10_000, 20, &"x`\n".repeat(20));
        let m = reply_message(&Reply::Answer(a.clone()), Some(("111", "failed logins")));
        validate(&m.body).unwrap();
        let csv = m.csv.expect("csv attached");
        assert_eq!(csv.name, "show-me-failed-logins-by-source-ip.csv");
        assert!(csv.bytes.iter().filter(|b| **b == b'\n').count() > 10_000);
        let footer = m.body["embeds"][0]["footer"]["text"].as_str().unwrap();
        assert!(
            footer.contains("rows shown; the full result is attached as CSV"),
            "{footer}"
        );
        assert!(footer.contains("row limit"), "{footer}");
        assert!(
            m.body["content"]
                .as_str()
                .unwrap()
                .starts_with("<@111> asked:")
        );
        // Small results: aligned, no CSV.
        let mut small = answer(3, 2, "v");
        small.rows[1][1] = json!(12345);
        small.rows[0][1] = json!(7);
        small.rows[2][1] = json!(null);
        let m = reply_message(&Reply::Answer(small), None);
        validate(&m.body).unwrap();
        assert!(m.csv.is_none());
        let d = m.body["embeds"][0]["description"].as_str().unwrap();
        assert_eq!(
            d,
            "```\ncol0   col1\n-----------\nv0-0      7\nv1-0  12345\nv2-0\n```"
        );
    }

    #[test]
    fn long_texts_and_declines_stay_within_limits() {
        let long: String = (0..400)
            .map(|i| format!("line {i} {}\n", "r".repeat(60)))
            .collect();
        let m = text_message(&long);
        validate(&m).unwrap();
        assert_eq!(m["content"], "(cut to fit Discord's limits)");
        assert!(validate(&text_message("short")).is_ok());
        let d = reply_message(
            &Reply::Declined {
                reason: "Not sure.".into(),
                suggestions: (0..40)
                    .map(|i| format!("s{i} {}", "y".repeat(300)))
                    .collect(),
            },
            Some(("1", "weather?")),
        );
        validate(&d.body).unwrap();
        let f = reply_message(
            &Reply::Failed {
                message: "m".repeat(5000),
                sql: Some("S".repeat(5000)),
            },
            None,
        );
        validate(&f.body).unwrap();
        let empty = reply_message(&Reply::Answer(answer(0, 2, "")), None);
        assert!(empty.body.to_string().contains("widening the time range"));
    }
}
