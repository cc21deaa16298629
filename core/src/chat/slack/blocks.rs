//! Slack's documented Block Kit limits, and [`validate_blocks`], which every
//! message the bot or the router renders is tested against.

use serde_json::Value;

/// Most blocks in one message.
pub const MAX_BLOCKS: usize = 50;
/// Longest section text.
pub const MAX_SECTION_TEXT: usize = 3000;
/// Longest header text.
pub const MAX_HEADER_TEXT: usize = 150;
/// Most fields in one section.
pub const MAX_FIELDS: usize = 10;
/// Longest section field.
pub const MAX_FIELD_TEXT: usize = 2000;
/// Most elements in a context block.
pub const MAX_CONTEXT_ELEMENTS: usize = 10;
/// Most elements in an actions block.
pub const MAX_ACTIONS: usize = 25;
/// Longest button text.
pub const MAX_BUTTON_TEXT: usize = 75;
/// Longest button value.
pub const MAX_BUTTON_VALUE: usize = 2000;
/// Longest `block_id` or `action_id`.
pub const MAX_ID: usize = 255;
/// Most rows in a table block (header included).
pub const MAX_TABLE_ROWS: usize = 100;
/// Most cells in a table row.
pub const MAX_TABLE_COLUMNS: usize = 20;
/// Longest fallback `text` the product sends (Slack truncates at 40,000).
pub const MAX_TEXT: usize = 4000;

/// Checks a `blocks` array against Slack's message limits: at most 50
/// blocks and one table (≤100 rows × 20 cells); header plain text ≤150;
/// section text ≤3000 and ≤10 fields of ≤2000; context 1–10 elements;
/// actions 1–25 elements with button text ≤75, value ≤2000; ids ≤255.
/// Returns every violation.
pub fn validate_blocks(blocks: &Value) -> Result<(), Vec<String>> {
    let Some(list) = blocks.as_array() else {
        return Err(vec!["blocks is not an array".into()]);
    };
    let mut errors = Vec::new();
    if list.len() > MAX_BLOCKS {
        errors.push(format!("{} blocks (limit {MAX_BLOCKS})", list.len()));
    }
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let mut tables = 0;
    for (i, b) in list.iter().enumerate() {
        if len(&b["block_id"]) > MAX_ID {
            errors.push(format!("block {i}: block_id over {MAX_ID}"));
        }
        match b["type"].as_str() {
            Some("header") => {
                if b["text"]["type"] != "plain_text" {
                    errors.push(format!("block {i}: header text must be plain_text"));
                }
                if len(&b["text"]["text"]) > MAX_HEADER_TEXT {
                    errors.push(format!("block {i}: header over {MAX_HEADER_TEXT}"));
                }
            }
            Some("section") => {
                if b.get("text").is_none() && b.get("fields").is_none() {
                    errors.push(format!("block {i}: section without text or fields"));
                }
                if len(&b["text"]["text"]) > MAX_SECTION_TEXT {
                    errors.push(format!("block {i}: section text over {MAX_SECTION_TEXT}"));
                }
                if let Some(fields) = b["fields"].as_array() {
                    if fields.len() > MAX_FIELDS {
                        errors.push(format!(
                            "block {i}: {} fields (limit {MAX_FIELDS})",
                            fields.len()
                        ));
                    }
                    if fields.iter().any(|f| len(&f["text"]) > MAX_FIELD_TEXT) {
                        errors.push(format!("block {i}: a field over {MAX_FIELD_TEXT}"));
                    }
                }
            }
            Some("context") => {
                let els = b["elements"].as_array().map_or(0, Vec::len);
                if els == 0 || els > MAX_CONTEXT_ELEMENTS {
                    errors.push(format!(
                        "block {i}: context with {els} elements (1..={MAX_CONTEXT_ELEMENTS})"
                    ));
                }
                for e in b["elements"].as_array().into_iter().flatten() {
                    if len(&e["text"]) > MAX_SECTION_TEXT {
                        errors.push(format!(
                            "block {i}: context element over {MAX_SECTION_TEXT}"
                        ));
                    }
                }
            }
            Some("actions") => {
                let els = b["elements"].as_array().map_or(0, Vec::len);
                if els == 0 || els > MAX_ACTIONS {
                    errors.push(format!(
                        "block {i}: actions with {els} elements (1..={MAX_ACTIONS})"
                    ));
                }
                for e in b["elements"].as_array().into_iter().flatten() {
                    if len(&e["text"]["text"]) > MAX_BUTTON_TEXT {
                        errors.push(format!("block {i}: button text over {MAX_BUTTON_TEXT}"));
                    }
                    if len(&e["value"]) > MAX_BUTTON_VALUE {
                        errors.push(format!("block {i}: button value over {MAX_BUTTON_VALUE}"));
                    }
                    if len(&e["action_id"]) > MAX_ID {
                        errors.push(format!("block {i}: action_id over {MAX_ID}"));
                    }
                }
            }
            Some("table") => {
                tables += 1;
                let rows = b["rows"].as_array().map_or(&[][..], Vec::as_slice);
                if rows.len() > MAX_TABLE_ROWS {
                    errors.push(format!(
                        "block {i}: table with {} rows (limit {MAX_TABLE_ROWS})",
                        rows.len()
                    ));
                }
                if rows
                    .iter()
                    .any(|r| r.as_array().map_or(0, Vec::len) > MAX_TABLE_COLUMNS)
                {
                    errors.push(format!(
                        "block {i}: table row over {MAX_TABLE_COLUMNS} cells"
                    ));
                }
            }
            Some("divider" | "image" | "rich_text" | "markdown") => {}
            other => errors.push(format!("block {i}: unexpected type {other:?}")),
        }
    }
    if tables > 1 {
        errors.push(format!("{tables} tables in one message (limit 1)"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_violation_is_named() {
        let long = "x".repeat(MAX_SECTION_TEXT + 1);
        let blocks = json!([
            { "type": "header", "text": { "type": "mrkdwn", "text": "h" } },
            { "type": "section", "text": { "type": "mrkdwn", "text": long } },
            { "type": "context", "elements": [] },
            { "type": "actions", "elements": [{ "type": "button", "text": { "type": "plain_text", "text": "b".repeat(76) }, "action_id": "a", "value": "v" }] },
            { "type": "table", "rows": [] },
            { "type": "table", "rows": [] },
            { "type": "video" },
        ]);
        let errors = validate_blocks(&blocks).unwrap_err();
        for expected in [
            "block 0: header text must be plain_text",
            "block 1: section text over 3000",
            "block 2: context with 0 elements",
            "block 3: button text over 75",
            "2 tables in one message",
            "block 6: unexpected type Some(\"video\")",
        ] {
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{expected}: {errors:?}"
            );
        }
        assert!(validate_blocks(&json!([{ "type": "divider" }])).is_ok());
        assert!(validate_blocks(&json!({})).is_err());
    }
}
