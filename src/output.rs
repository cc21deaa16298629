//! Rendering results for the terminal: aligned tables fitted to the width
//! (wide cells cut with an ellipsis), CSV and JSON.

use std::fmt::Write as _;

use mantissa_core::engine::QueryResult;
use serde_json::json;

/// Terminal width: `COLUMNS`, else the terminal's, else 80.
pub(crate) fn terminal_width() -> usize {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
    {
        return c.max(20);
    }
    console::Term::stdout()
        .size_checked()
        .map(|(_, w)| usize::from(w))
        .unwrap_or(80)
        .max(20)
}

fn width_of(s: &str) -> usize {
    console::measure_text_width(s)
}

/// Cuts `s` to `max` display columns, ending with `…` when cut. Newlines and
/// tabs become spaces so one row stays one line.
pub(crate) fn fit(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if width_of(&clean) <= max {
        return clean;
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in clean.chars() {
        let cw = console::measure_text_width(c.encode_utf8(&mut [0; 4]));
        if w + cw > max - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Renders an aligned table no wider than `width`.
pub(crate) fn table(
    headers: &[String],
    rows: &[Vec<String>],
    width: usize,
    right_align: &[bool],
) -> String {
    let n = headers.len();
    if n == 0 {
        return String::new();
    }
    let sep = 2;
    let mut widths: Vec<usize> = headers.iter().map(|h| width_of(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(width_of(&c.replace(['\n', '\t', '\r'], " ")));
        }
    }
    let budget = width.saturating_sub(sep * (n - 1));
    let min_w = |i: usize| width_of(&headers[i]).clamp(3, 8);
    // First cut long free-text columns down to 24, so short columns (ids,
    // timestamps, counts) stay whole; then shrink the widest, rightmost first.
    const SOFT: usize = 24;
    while widths.iter().sum::<usize>() > budget {
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > SOFT)
            .max_by_key(|(i, w)| (**w, *i))
        else {
            break;
        };
        widths[i] -= 1;
    }
    while widths.iter().sum::<usize>() > budget {
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| **w > min_w(*i))
            .max_by_key(|(i, w)| (**w, *i))
        else {
            break;
        };
        widths[i] -= 1;
    }
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let mut parts = Vec::with_capacity(n);
        for (i, w) in widths.iter().enumerate() {
            let cell = fit(cells.get(i).map(String::as_str).unwrap_or(""), *w);
            let pad = w.saturating_sub(width_of(&cell));
            let right = right_align.get(i).copied().unwrap_or(false);
            parts.push(if right {
                format!("{}{cell}", " ".repeat(pad))
            } else {
                format!("{cell}{}", " ".repeat(pad))
            });
        }
        let _ = writeln!(out, "{}", parts.join(&" ".repeat(sep)).trim_end());
    };
    line(headers, &mut out);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    let _ = writeln!(out, "{}", rule.join(&" ".repeat(sep)));
    for r in rows {
        line(r, &mut out);
    }
    out
}

/// A query result as an aligned table with a footer.
pub(crate) fn result_table(r: &QueryResult, width: usize) -> String {
    let cols = r.columns();
    let headers: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    let numeric: Vec<bool> = cols
        .iter()
        .map(|c| {
            matches!(
                c.sql_type.as_str(),
                "bigint" | "integer" | "smallint" | "tinyint" | "double" | "real"
            )
        })
        .collect();
    let mut out = table(&headers, &r.text_rows(), width, &numeric);
    let rows = if r.row_count == 1 {
        "1 row".to_string()
    } else {
        format!("{} rows", r.row_count)
    };
    match &r.scan {
        Some(scan) => {
            let _ = write!(out, "({rows}, {} ms, {scan})", r.elapsed.as_millis());
        }
        None => {
            let _ = write!(out, "({rows}, {} ms)", r.elapsed.as_millis());
        }
    }
    if r.truncated {
        let _ = write!(
            out,
            "\nresult cut at the {}-row limit; aggregate, add filters or an explicit LIMIT",
            r.row_count
        );
    }
    out.push('\n');
    out
}

/// A query result as one JSON object.
pub(crate) fn result_json(r: &QueryResult) -> serde_json::Value {
    json!({
        "sql": r.sql,
        "columns": r.columns(),
        "rows": r.json_rows(),
        "row_count": r.row_count,
        "truncated": r.truncated,
        "elapsed_ms": r.elapsed.as_millis() as u64,
        "bytes_scanned": r.scan.as_ref().map(|s| s.bytes),
        "cost_usd": r.scan.as_ref().and_then(|s| s.usd),
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A query result as CSV (RFC 4180 quoting).
pub(crate) fn result_csv(r: &QueryResult) -> String {
    let mut out = String::new();
    let headers: Vec<String> = r.columns().iter().map(|c| csv_field(&c.name)).collect();
    let _ = writeln!(out, "{}", headers.join(","));
    for row in r.text_rows() {
        let cells: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_80_columns() {
        let headers = vec![
            "eventname".to_string(),
            "requestparameters".to_string(),
            "n".to_string(),
        ];
        let rows = vec![vec![
            "ConsoleLogin".to_string(),
            "x".repeat(300),
            "12".to_string(),
        ]];
        let t = table(&headers, &rows, 80, &[false, false, true]);
        for line in t.lines() {
            assert!(width_of(line) <= 80, "{line}");
        }
        assert!(t.contains('…'));
        assert!(t.contains("ConsoleLogin"));
    }

    #[test]
    fn csv_quotes() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
