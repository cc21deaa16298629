//! Reading the model's answer: the SQL in its reply (a fenced block, or
//! the text from the first SELECT/WITH), or its refusal.

/// What the model said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// SQL to check and run (not yet guarded).
    Sql(String),
    /// The model says the question cannot be answered from the logs.
    CannotAnswer(String),
}

/// The marker the prompt asks the model to use when it cannot answer.
pub const CANNOT_ANSWER: &str = "CANNOT_ANSWER:";

/// Extracts the SQL (or the refusal) from a reply. `None` when the reply
/// holds neither.
pub fn parse(reply: &str) -> Option<Parsed> {
    let text = reply.trim();
    if let Some(pos) = text.find(CANNOT_ANSWER)
        && !contains_fence(text)
    {
        let reason = text[pos + CANNOT_ANSWER.len()..]
            .lines()
            .next()
            .unwrap_or("")
            .trim();
        return Some(Parsed::CannotAnswer(if reason.is_empty() {
            "the model could not answer from these logs".into()
        } else {
            reason.to_string()
        }));
    }
    let sql = fenced(text).or_else(|| from_keyword(text))?;
    let sql = sql.trim();
    // One trailing semicolon ends a statement; anything after it stays for
    // the guard to refuse.
    let sql = sql.strip_suffix(';').unwrap_or(sql).trim_end();
    (!sql.is_empty()).then(|| Parsed::Sql(sql.to_string()))
}

fn contains_fence(text: &str) -> bool {
    text.contains("```")
}

/// The body of the first ``` fence (``` or ```sql).
fn fenced(text: &str) -> Option<&str> {
    let start = text.find("```")?;
    let after = &text[start + 3..];
    let body_start = after.find('\n').map(|i| i + 1).unwrap_or(0);
    let lang = after[..body_start].trim();
    let body = &after[body_start..];
    if !lang.is_empty() && !lang.eq_ignore_ascii_case("sql") && !lang.eq_ignore_ascii_case("trino")
    {
        // Another language's block: ignore it, look further.
        return fenced(body.split_once("```").map(|(_, rest)| rest)?);
    }
    Some(body.split_once("```").map(|(b, _)| b).unwrap_or(body))
}

/// From the first line starting with SELECT or WITH to the end.
fn from_keyword(text: &str) -> Option<&str> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let upper = t.get(..6).unwrap_or(t).to_ascii_uppercase();
        if upper.starts_with("SELECT") || upper.starts_with("WITH ") {
            let lead = line.len() - t.len();
            return Some(&text[offset + lead..]);
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(s: &str) -> String {
        match parse(s) {
            Some(Parsed::Sql(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fenced_plain_and_prefixed_replies() {
        assert_eq!(
            sql("Here you go:\n```sql\nSELECT 1 FROM cloudtrail;\n```\nThis counts."),
            "SELECT 1 FROM cloudtrail"
        );
        assert_eq!(sql("```\nSELECT a\nFROM t\n```"), "SELECT a\nFROM t");
        assert_eq!(sql("SELECT a FROM t"), "SELECT a FROM t");
        assert_eq!(sql("The query is:\n  select a from t\n"), "select a from t");
        assert_eq!(
            sql("```python\nprint(1)\n```\n```sql\nSELECT 2\n```"),
            "SELECT 2"
        );
        // Hostile tails survive to reach the guard.
        assert_eq!(
            sql("```sql\nSELECT 1; DROP TABLE cloudtrail;\n```"),
            "SELECT 1; DROP TABLE cloudtrail"
        );
    }

    #[test]
    fn refusals_and_nothing() {
        assert_eq!(
            parse("CANNOT_ANSWER: weather is not in the logs"),
            Some(Parsed::CannotAnswer("weather is not in the logs".into()))
        );
        assert_eq!(parse("I am not sure."), None);
        assert_eq!(parse("```sql\n```"), None);
    }
}
