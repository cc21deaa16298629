//! Lenient event-time parsing: RFC 3339 (`2024-07-31T13:06:24Z`, with or
//! without fractions or offsets), `YYYY-MM-DD HH:MM:SS[.fff]` taken as UTC,
//! and Unix epoch numbers (seconds, or milliseconds when they are that large).

use chrono::{DateTime, NaiveDateTime};

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

/// Microseconds per day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Parses an event time; `None` when the text is not a time we understand.
pub fn parse_time(text: &str) -> Option<Micros> {
    let t = text.trim();
    if let Some(m) = fast_rfc3339_utc(t.as_bytes()) {
        return Some(m);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp_micros());
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.fZ",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(n.and_utc().timestamp_micros());
        }
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().ok()?;
        return Some(epoch_to_micros(n));
    }
    None
}

/// Interprets an epoch number as seconds, or milliseconds when it is beyond
/// the year 5138 as seconds (i.e. clearly milliseconds).
pub fn epoch_to_micros(n: i64) -> Micros {
    if n.abs() >= 100_000_000_000 {
        n.saturating_mul(1_000)
    } else {
        n.saturating_mul(1_000_000)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (the CloudTrail shape) without allocation.
fn fast_rfc3339_utc(b: &[u8]) -> Option<Micros> {
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    if d > days_in_month(y, mo) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi) * 60_000_000 + s * 1_000_000)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day (days since the epoch) an instant falls on.
pub fn day_of(micros: Micros) -> i32 {
    micros.div_euclid(MICROS_PER_DAY) as i32
}

/// `YYYY-MM-DD` of a day number.
pub fn day_label(day: i32) -> String {
    DateTime::from_timestamp(i64::from(day) * 86_400, 0)
        .map(|d| d.date_naive().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(m: Micros) -> String {
        DateTime::from_timestamp_micros(m).unwrap().to_rfc3339()
    }

    #[test]
    fn formats() {
        let base = parse_time("2024-07-31T13:06:24Z").unwrap();
        assert_eq!(rfc(base), "2024-07-31T13:06:24+00:00");
        assert_eq!(parse_time("2024-07-31T13:06:24.000Z"), Some(base));
        assert_eq!(parse_time("2024-07-31T15:06:24+02:00"), Some(base));
        assert_eq!(parse_time("2024-07-31 13:06:24"), Some(base));
        assert_eq!(
            parse_time("2025-02-25 20:40:06.721").map(rfc).unwrap(),
            "2025-02-25T20:40:06.721+00:00"
        );
        assert_eq!(parse_time("1722431184"), Some(base));
        assert_eq!(parse_time("1722431184000"), Some(base));
        assert_eq!(parse_time("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn fast_path_matches_chrono() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "2026-11-30T03:18:34Z",
            "1969-12-31T23:59:59Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
            assert_eq!(fast_rfc3339_utc(s.as_bytes()), Some(chrono), "{s}");
        }
    }

    #[test]
    fn days() {
        let t = parse_time("2024-07-31T23:59:59Z").unwrap();
        assert_eq!(day_label(day_of(t)), "2024-07-31");
        assert_eq!(day_label(day_of(-1)), "1969-12-31");
    }
}
