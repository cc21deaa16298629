//! Discord's documented message limits, and the validators every message
//! the bot or the router renders is tested against.

use serde_json::Value;

/// Longest message content.
pub const MAX_CONTENT: usize = 2000;
/// Most embeds in a message.
pub const MAX_EMBEDS: usize = 10;
/// Longest embed title (and author name).
pub const MAX_TITLE: usize = 256;
/// Longest embed description.
pub const MAX_DESCRIPTION: usize = 4096;
/// Most fields in an embed.
pub const MAX_FIELDS: usize = 25;
/// Longest field name.
pub const MAX_FIELD_NAME: usize = 256;
/// Longest field value.
pub const MAX_FIELD_VALUE: usize = 1024;
/// Longest footer.
pub const MAX_FOOTER: usize = 2048;
/// Most characters across all embeds' titles, descriptions, fields,
/// footers and author names.
pub const MAX_TOTAL: usize = 6000;
/// Most action rows in a message.
pub const MAX_ACTION_ROWS: usize = 5;
/// Most buttons in an action row.
pub const MAX_BUTTONS: usize = 5;
/// Longest `custom_id`.
pub const MAX_CUSTOM_ID: usize = 100;

fn len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Checks one embed (title ≤256, description ≤4096, footer ≤2048, author
/// ≤256, ≤25 fields with a name of 1–256 and a value of 1–1024, ≤6000 in
/// all); returns every violation and adds the embed's characters to `total`.
fn check_embed(embed: &Value, errors: &mut Vec<String>, prefix: &str) -> usize {
    let mut total = 0;
    let checks = [
        ("title", len(&embed["title"]), MAX_TITLE),
        ("description", len(&embed["description"]), MAX_DESCRIPTION),
        ("footer", len(&embed["footer"]["text"]), MAX_FOOTER),
        ("author", len(&embed["author"]["name"]), MAX_TITLE),
    ];
    for (what, n, max) in checks {
        if n > max {
            errors.push(format!("{prefix}{what} of {n} characters (limit {max})"));
        }
        total += n;
    }
    let fields = embed["fields"].as_array().map_or(&[][..], Vec::as_slice);
    if fields.len() > MAX_FIELDS {
        errors.push(format!(
            "{prefix}{} fields (limit {MAX_FIELDS})",
            fields.len()
        ));
    }
    for (j, f) in fields.iter().enumerate() {
        let (n, v) = (len(&f["name"]), len(&f["value"]));
        if n == 0 || n > MAX_FIELD_NAME {
            errors.push(format!(
                "{prefix}field {j}: name empty or over {MAX_FIELD_NAME}"
            ));
        }
        if v == 0 || v > MAX_FIELD_VALUE {
            errors.push(format!(
                "{prefix}field {j}: value empty or over {MAX_FIELD_VALUE}"
            ));
        }
        total += n + v;
    }
    total
}

/// Checks one embed against Discord's limits; returns every violation.
pub fn validate_embed(embed: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let total = check_embed(embed, &mut errors, "");
    if total > MAX_TOTAL {
        errors.push(format!("{total} characters in total (limit {MAX_TOTAL})"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks a whole message: content ≤2000, ≤10 embeds each within its
/// limits and ≤6000 characters across them, ≤5 action rows of ≤5 buttons
/// whose `custom_id` is 1–100 characters. Returns every violation.
pub fn validate_message(message: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let content = len(&message["content"]);
    if content > MAX_CONTENT {
        errors.push(format!(
            "content of {content} characters (limit {MAX_CONTENT})"
        ));
    }
    let embeds = message["embeds"].as_array().map_or(&[][..], Vec::as_slice);
    if embeds.len() > MAX_EMBEDS {
        errors.push(format!("{} embeds (limit {MAX_EMBEDS})", embeds.len()));
    }
    let total: usize = embeds
        .iter()
        .enumerate()
        .map(|(i, e)| check_embed(e, &mut errors, &format!("embed {i}: ")))
        .sum();
    if total > MAX_TOTAL {
        errors.push(format!(
            "{total} characters across embeds (limit {MAX_TOTAL})"
        ));
    }
    let rows = message["components"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    if rows.len() > MAX_ACTION_ROWS {
        errors.push(format!(
            "{} action rows (limit {MAX_ACTION_ROWS})",
            rows.len()
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        let buttons = row["components"].as_array().map_or(&[][..], Vec::as_slice);
        if buttons.len() > MAX_BUTTONS {
            errors.push(format!(
                "action row {i}: {} buttons (limit {MAX_BUTTONS})",
                buttons.len()
            ));
        }
        for b in buttons {
            let n = len(&b["custom_id"]);
            if b.get("custom_id").is_some() && (n == 0 || n > MAX_CUSTOM_ID) {
                errors.push(format!(
                    "action row {i}: custom_id empty or over {MAX_CUSTOM_ID}"
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn every_violation_is_named() {
        let message = json!({
            "content": "c".repeat(2001),
            "embeds": [
                { "title": "t".repeat(257), "fields": [{ "name": "", "value": "v" }] },
                { "description": "d".repeat(4096) },
                { "description": "d".repeat(4096) },
            ],
            "components": [{ "type": 1, "components": [{ "type": 2, "custom_id": "x".repeat(101) }] }],
        });
        let errors = validate_message(&message).unwrap_err();
        for expected in [
            "content of 2001 characters",
            "embed 0: title of 257 characters",
            "embed 0: field 0: name empty",
            "characters across embeds (limit 6000)",
            "action row 0: custom_id empty or over 100",
        ] {
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{expected}: {errors:?}"
            );
        }
        assert!(
            validate_embed(&json!({ "title": "ok", "fields": [{ "name": "a", "value": "b" }] }))
                .is_ok()
        );
    }

    #[test]
    fn the_validator_catches_each_limit() {
        let e = |v: Value| validate_message(&v).unwrap_err().join("; ");
        assert!(e(json!({"content": "c".repeat(2001)})).contains("content"));
        assert!(e(json!({"embeds": vec![json!({}); 11]})).contains("embeds"));
        assert!(e(json!({"embeds": [{"title": "t".repeat(257)}]})).contains("title"));
        assert!(e(json!({"embeds": [{"description": "d".repeat(4097)}]})).contains("description"));
        assert!(
            e(json!({"embeds": [{"fields": vec![json!({"name":"n","value":"v"}); 26]}]}))
                .contains("fields")
        );
        assert!(
            e(json!({"embeds": [{"fields": [{"name":"n","value":"v".repeat(1025)}]}]}))
                .contains("value")
        );
        assert!(e(json!({"embeds": [{"description": "d".repeat(4000)}, {"description": "d".repeat(2001)}]})).contains("across embeds"));
        assert!(e(json!({"components": [{"type": 1, "components": vec![json!({"custom_id": "x"}); 6]}]})).contains("buttons"));
    }
}
