//! The time-expression grammar. Everything is relative to the query clock
//! (`--now`), in UTC:
//!
//! - rolling: "last/past N minutes|hours|days|weeks|months", "last/past
//!   hour", "past day" (24 h), "past week" (7 days), "past month", "24h",
//!   "recently"/"lately" (7 days);
//! - calendar: "today", "yesterday", "this week" and "last week" (weeks
//!   start on Monday 00:00 UTC), "this month", "last month";
//! - dates: "on 2024-03-10", "on March 10", "since Nov 20", "between
//!   2024-03-01 and 2024-03-05" (both days included), "on Monday" (the
//!   most recent Monday, today included).
//!
//! "last week" is the previous calendar week, "past week" the last 7 days.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use regex::Regex;

use super::spec::{TimeRange, TimeUnit};

/// A time expression found in a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The range it means.
    pub range: TimeRange,
    /// A month said without its year ("and in August?"): a conversation
    /// keeps its year.
    pub month_only: bool,
    /// Byte span of the expression in the (lower-cased) text.
    pub span: (usize, usize),
}

const NUM: &str = r"(\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|twenty[- ]four|thirty|forty[- ]eight|ninety)";
const UNIT: &str = r"(minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?)";
const MONTH: &str = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*";
const WEEKDAY: &str = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)";

fn date_re() -> String {
    format!(
        r"(\d{{4}}-\d{{2}}-\d{{2}}(?:[t ]\d{{2}}:\d{{2}}(?::\d{{2}})?z?)?|{MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{MONTH}(?:,? \d{{4}})?|{WEEKDAY}|{HOLIDAY}(?:,? \d{{4}})?|yesterday|today)"
    )
}

/// Words after a period that leave it open ("from 2024 onwards").
static ONWARDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:onwards?|forwards?|on\b|and (?:later|after)|or later)").expect("onwards")
});

/// Fixed-date holidays analysts name ("between Christmas and New Year").
const HOLIDAY: &str = r"(?:christmas eve|christmas day|christmas|xmas|new year'?s eve|new year'?s day|new year'?s|new year|halloween|valentine'?s day)";

const LEAD: &str = r"(?:(?:in|over|during|within|for|from|of) )?(?:the )?";

struct Patterns {
    year_words: Regex,
    before_n: Regex,
    week_of: Regex,
    last_weekday: Regex,
    part_of_day: Regex,
    between: Regex,
    since: Regex,
    on: Regex,
    rolling: Regex,
    compact: Regex,
    single: Regex,
    calendar: Regex,
    weekend: Regex,
    recent: Regex,
    bare_date: Regex,
    period: Regex,
    quarter: Regex,
    months: Regex,
    bare_month: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let d = date_re();
    let re = |s: &str| Regex::new(s).expect("time pattern");
    Patterns {
        // "January 21st last year", "Q4 of last year": the year's number.
        year_words: re(&format!(
            r"\b({MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{MONTH}|q[1-4]|(?:first|second|third|fourth|1st|2nd|3rd|4th) quarter)(,? (?:of )?)(last|this) year\b"
        )),
        // "the two weeks before Christmas 2024"
        before_n: re(&format!(
            r"\b{LEAD}{NUM} ?(days?|weeks?) (?:before|leading up to|prior to|ahead of|preceding) {d}"
        )),
        // "during the week of January 15th 2024"
        week_of: re(&format!(
            r"\b{LEAD}week (?:of|starting|starting on|beginning|beginning on|commencing) {d}"
        )),
        // "last Tuesday": the latest one before today
        last_weekday: re(&format!(r"\b(?:on )?(?:last|this past|past) ({WEEKDAY})\b")),
        // "this morning", "yesterday afternoon"
        part_of_day: re(
            r"\b(?:(this|yesterday) (morning|afternoon|evening)|(tonight)|(?:in|during) the (morning|afternoon|evening) (today|yesterday))\b",
        ),
        between: re(&format!(
            r"\b(?:between|from) {d} (?:and|to|until|through|-) {d}\b"
        )),
        since: re(&format!(r"\b(?:since|after|starting(?: from)?) {d}\b")),
        on: re(&format!(r"\b(?:on|for|during|from) {d}\b")),
        rolling: re(&format!(
            r"\b{LEAD}(?:last|past|previous|prior|recent) {NUM} ?{UNIT}\b"
        )),
        compact: re(&format!(
            r"\b{LEAD}(?:last |past )?(\d+) ?(h|hrs?|hours?|d|days?|m|mins?|minutes?|w|weeks?)\b"
        )),
        single: re(&format!(
            r"\b{LEAD}(last|past|previous) (minute|hour|day|week|month|year|24 hours)\b"
        )),
        calendar: re(&format!(
            r"\b{LEAD}(today|yesterday|this week|this month)\b"
        )),
        weekend: re(
            r"\b(?:(?:over|during|on|at|for|from|in) )?(?:the |this |(last|past|previous) )?weekend\b",
        ),
        recent: re(r"\b(?:(?:most )?recently|lately|(?:in )?recent days)\b"),
        bare_date: re(&format!(
            r"\b(\d{{4}}-\d{{2}}-\d{{2}})\b|\b({MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?)\b"
        )),
        quarter: re(&format!(
            r"\b{LEAD}(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th) quarter(?: of)?) ((?:19|20)\d\d)\b"
        )),
        months: re(&format!(
            r"\b(?:between|from) ({MONTH})(?: ((?:19|20)\d\d))? (?:and|to|until|through|-) ({MONTH}) ((?:19|20)\d\d)(?:,? inclusive(?:ly)?)?\b"
        )),
        period: re(&format!(
            r"\b{LEAD}(?:(?:(?:the )?(?:month|year) of )?({MONTH}) )?((?:19|20)\d\d)\b|\b{LEAD}(this|last) year\b"
        )),
        // "and in August?", "break August down": a month without its year
        // ("march" and "may" only after "in": they are verbs too).
        bare_month: re(
            r"\b(?:(?:in|during|for|over|of) (?:the month of )?(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)|(january|february|april|june|july|august|september|october|november|december))\b",
        ),
    }
});

/// Finds the first time expression in `text` (lower case) relative to `now`.
pub fn find(text: &str, now: DateTime<Utc>) -> Option<Found> {
    let p = &*PATTERNS;
    // ("Jan 20 last year" is "Jan 20 2025", said in as many bytes, so that
    // spans stay the text's; a span ending inside it takes all of it)
    let said: Vec<(usize, usize)> = p
        .year_words
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    if said.is_empty() {
        return find_in(text, now);
    }
    let normal = p
        .year_words
        .replace_all(text, |c: &regex::Captures<'_>| {
            let year = now.year() - i32::from(&c[3] == "last");
            let said = format!("{} {year}", &c[1]);
            format!("{said:<width$}", width = c[0].len())
        })
        .into_owned();
    let mut f = find_in(&normal, now)?;
    for (a, b) in said {
        if f.span.1 > a && f.span.1 < b {
            f.span.1 = b;
        }
    }
    Some(f)
}

fn find_in(text: &str, now: DateTime<Utc>) -> Option<Found> {
    let p = &*PATTERNS;
    if let Some(c) = p.before_n.captures(text) {
        let amount = i64::from(number(&c[1])?);
        let (end, _) = parse_date(&c[3], now)?;
        let days = if c[2].starts_with('w') {
            7 * amount
        } else {
            amount
        };
        return Some(found(
            TimeRange::Absolute {
                start: end - Duration::days(days),
                end: Some(end),
                label: format!("{} {} before {}", &c[1], &c[2], &c[3]),
            },
            &c,
        ));
    }
    if let Some(c) = p.week_of.captures(text) {
        let (start, _) = parse_date(&c[1], now)?;
        return Some(found(
            TimeRange::Absolute {
                start,
                end: Some(start + Duration::days(7)),
                label: format!("the week of {}", &c[1]),
            },
            &c,
        ));
    }
    if let Some(c) = p.last_weekday.captures(text) {
        let wd = weekday(&c[1])?;
        let back = match (7 + now.weekday().num_days_from_monday() - wd) % 7 {
            0 => 7,
            n => n,
        };
        let start = midnight(now) - Duration::days(i64::from(back));
        return Some(found(
            TimeRange::Absolute {
                start,
                end: Some(start + Duration::days(1)),
                label: format!("last {}", &c[1]),
            },
            &c,
        ));
    }
    if let Some(c) = p.part_of_day.captures(text) {
        let (day, part) = match (c.get(1), c.get(2), c.get(3), c.get(4), c.get(5)) {
            (Some(d), Some(part), ..) => (d.as_str(), part.as_str()),
            (_, _, Some(_), ..) => ("this", "evening"),
            (_, _, _, Some(part), Some(d)) => (d.as_str(), part.as_str()),
            _ => return None,
        };
        let start = midnight(now) - Duration::days(i64::from(day == "yesterday"));
        let (from, to) = match part {
            "morning" => (0, 12),
            "afternoon" => (12, 18),
            _ => (18, 24),
        };
        return Some(found(
            TimeRange::Absolute {
                start: start + Duration::hours(from),
                end: Some(start + Duration::hours(to)),
                label: c[0].to_string(),
            },
            &c,
        ));
    }
    if let Some(c) = p.between.captures(text) {
        let (b, b_day) = parse_date(&c[2], now)?;
        // "between October 15 and November 1, 2020": the year is both dates'.
        let year_of = |s: &str| {
            s.split(|ch: char| !ch.is_ascii_digit())
                .find(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")))
                .map(str::to_string)
        };
        let (a, a_day) = match (year_of(&c[1]), year_of(&c[2])) {
            (None, Some(y)) => {
                parse_date(&format!("{}, {y}", &c[1]), now).or_else(|| parse_date(&c[1], now))?
            }
            _ => parse_date(&c[1], now)?,
        };
        let end = if b_day { b + Duration::days(1) } else { b };
        let (start, end) = if a <= end {
            (a, end)
        } else {
            (b, a + Duration::days(i64::from(a_day)))
        };
        return Some(found(
            TimeRange::Absolute {
                start,
                end: Some(end),
                label: format!("between {} and {}", &c[1], &c[2]),
            },
            &c,
        ));
    }
    if let Some(c) = p.since.captures(text) {
        let (start, _) = parse_date(&c[1], now)?;
        return Some(found(
            TimeRange::Absolute {
                start,
                end: None,
                label: format!("since {}", &c[1]),
            },
            &c,
        ));
    }
    if let Some(c) = p.rolling.captures(text) {
        let amount = number(&c[1])?;
        let unit = unit(&c[2])?;
        return Some(found(TimeRange::Rolling { amount, unit }, &c));
    }
    if let Some(c) = p.single.captures(text) {
        let range = match &c[2] {
            "minute" => TimeRange::Rolling {
                amount: 1,
                unit: TimeUnit::Minute,
            },
            "hour" => TimeRange::Rolling {
                amount: 1,
                unit: TimeUnit::Hour,
            },
            "day" | "24 hours" => TimeRange::Rolling {
                amount: 24,
                unit: TimeUnit::Hour,
            },
            "week" if &c[1] == "past" => TimeRange::Rolling {
                amount: 7,
                unit: TimeUnit::Day,
            },
            "week" => calendar_week(now, -1),
            "month" if &c[1] == "past" => TimeRange::Rolling {
                amount: 1,
                unit: TimeUnit::Month,
            },
            "year" if &c[1] == "past" => TimeRange::Rolling {
                amount: 12,
                unit: TimeUnit::Month,
            },
            "year" => {
                let year = now.year();
                let jan1 = |y: i32| {
                    Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0)
                        .single()
                        .unwrap_or(now)
                };
                TimeRange::Absolute {
                    start: jan1(year - 1),
                    end: Some(jan1(year)),
                    label: format!("last year ({})", year - 1),
                }
            }
            _ => calendar_month(now, -1),
        };
        return Some(found(range, &c));
    }
    if let Some(c) = p.calendar.captures(text) {
        let today = midnight(now);
        let range = match &c[1] {
            "today" => TimeRange::Absolute {
                start: today,
                end: None,
                label: "today".into(),
            },
            "yesterday" => TimeRange::Absolute {
                start: today - Duration::days(1),
                end: Some(today),
                label: "yesterday".into(),
            },
            "this week" => calendar_week(now, 0),
            _ => calendar_month(now, 0),
        };
        return Some(found(range, &c));
    }
    if let Some(c) = p.weekend.captures(text) {
        return Some(found(weekend(now, c.get(1).is_some()), &c));
    }
    if let Some(c) = p.on.captures(text) {
        return on_day(&c[1], now).map(|r| found(r, &c));
    }
    if let Some(c) = p.recent.captures(text) {
        return Some(found(
            TimeRange::Rolling {
                amount: 7,
                unit: TimeUnit::Day,
            },
            &c,
        ));
    }
    if let Some(c) = p.compact.captures(text) {
        let amount = number(&c[1])?;
        let unit = unit(&c[2])?;
        // A bare "22 m" is not a time; require a lead word or a compact form.
        let whole = &c[0];
        let compact = !whole.contains(' ')
            || whole.starts_with("last")
            || whole.starts_with("past")
            || whole.contains("the ");
        if compact && amount > 0 {
            return Some(found(TimeRange::Rolling { amount, unit }, &c));
        }
    }
    if let Some(c) = p.bare_date.captures(text) {
        let m = c.get(1).or_else(|| c.get(2))?;
        return on_day(m.as_str(), now).map(|r| found(r, &c));
    }
    let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN));
    // "Q4 2020", "the third quarter of 2024".
    if let Some(c) = p.quarter.captures(text) {
        let q: u32 = match c.get(1).map(|m| m.as_str()) {
            Some(n) => n.parse().ok()?,
            None => match &c[2] {
                "first" | "1st" => 1,
                "second" | "2nd" => 2,
                "third" | "3rd" => 3,
                _ => 4,
            },
        };
        let year: i32 = c[3].parse().ok()?;
        let start = NaiveDate::from_ymd_opt(year, 3 * (q - 1) + 1, 1)?;
        let end = start.checked_add_months(Months::new(3))?;
        return Some(found(
            TimeRange::Absolute {
                start: at(start),
                end: Some(at(end)),
                label: format!("Q{q} {year}"),
            },
            &c,
        ));
    }
    // "between October 2024 and January 2025 inclusive": whole months.
    if let Some(c) = p.months.captures(text) {
        let (m1, m2) = (month_number(&c[1])?, month_number(&c[3])?);
        let y2: i32 = c[4].parse().ok()?;
        let y1: i32 = match c.get(2) {
            Some(y) => y.as_str().parse().ok()?,
            None if m1 > m2 => y2 - 1,
            None => y2,
        };
        let start = NaiveDate::from_ymd_opt(y1, m1, 1)?;
        let end = NaiveDate::from_ymd_opt(y2, m2, 1)?.checked_add_months(Months::new(1))?;
        if start < end {
            return Some(found(
                TimeRange::Absolute {
                    start: at(start),
                    end: Some(at(end)),
                    label: format!("{} {y1} to {} {y2}", &c[1], &c[3]),
                },
                &c,
            ));
        }
    }
    // "in 2024", "July 2024", "during the month of August 2024", "last year".
    for c in p.period.captures_iter(text) {
        let whole = c.get(0).expect("whole match");
        if text[whole.end()..].starts_with(['-', '/', ':', '.']) {
            continue;
        }
        let (year, month) = match (c.get(2), c.get(3)) {
            (Some(y), _) => (y.as_str().parse::<i32>().ok()?, c.get(1)),
            (None, Some(which)) => (now.year() - i32::from(which.as_str() == "last"), None),
            _ => continue,
        };
        let (start, end, label) = match month.and_then(|m| month_number(m.as_str())) {
            Some(m) => {
                let start = NaiveDate::from_ymd_opt(year, m, 1)?;
                (
                    start,
                    start.checked_add_months(Months::new(1))?,
                    format!("{} {year}", month?.as_str()),
                )
            }
            None => (
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
                format!("in {year}"),
            ),
        };
        // "since 2024", "from March 2024 onwards", "after 2023": open-ended.
        let before = text[..whole.start()].trim_end();
        let after_text = &text[whole.end()..];
        let onwards = ONWARDS.find(after_text);
        let since = before.ends_with("since")
            || before.ends_with("starting")
            || before.ends_with("starting in")
            || before.ends_with("starting from")
            || onwards.is_some();
        let after = before.ends_with("after") && !since;
        let mut f = found(
            match (since, after) {
                (true, _) => TimeRange::Absolute {
                    start: at(start),
                    end: None,
                    label: format!("since {label}"),
                },
                (_, true) => TimeRange::Absolute {
                    start: at(end),
                    end: None,
                    label: format!("after {label}"),
                },
                _ => TimeRange::Absolute {
                    start: at(start),
                    end: Some(at(end)),
                    label,
                },
            },
            &c,
        );
        if let Some(o) = onwards {
            f.span.1 = whole.end() + o.end();
        }
        // (the lead word goes with the period)
        for lead in ["starting from", "starting in", "starting", "since", "after"] {
            if before.ends_with(lead) && (since || after) {
                f.span.0 = before.len() - lead.len();
                break;
            }
        }
        return Some(f);
    }
    // A month alone: the latest one up to now.
    for c in p.bare_month.captures_iter(text) {
        let whole = c.get(0).expect("whole match");
        // ("in August 12" or "August 2024" are dates, read above)
        let rest = text[whole.end()..].trim_start();
        if rest.starts_with(|ch: char| ch.is_ascii_digit()) {
            continue;
        }
        let Some(name) = c.get(1).or(c.get(2)) else {
            continue;
        };
        let m = month_number(name.as_str())?;
        let year = if m <= now.month() {
            now.year()
        } else {
            now.year() - 1
        };
        let start = NaiveDate::from_ymd_opt(year, m, 1)?;
        let mut f = found(
            TimeRange::Absolute {
                start: at(start),
                end: Some(at(start.checked_add_months(Months::new(1))?)),
                label: format!("{} {year}", name.as_str()),
            },
            &c,
        );
        f.month_only = true;
        return Some(f);
    }
    None
}

fn found(range: TimeRange, c: &regex::Captures<'_>) -> Found {
    let m = c.get(0).expect("whole match");
    Found {
        range,
        span: (m.start(), m.end()),
        month_only: false,
    }
}

fn on_day(text: &str, now: DateTime<Utc>) -> Option<TimeRange> {
    let (start, day) = parse_date(text, now)?;
    let end = if day {
        Some(start + Duration::days(1))
    } else {
        None
    };
    Some(TimeRange::Absolute {
        start,
        end,
        label: format!("on {text}"),
    })
}

/// A holiday's most recent date on or before `now` ("new year" alone is
/// its first moment, not the whole day).
fn holiday(s: &str, now: DateTime<Utc>) -> Option<(DateTime<Utc>, bool)> {
    let ((month, day), whole_day) = match s.replace('\'', "").as_str() {
        "christmas eve" => ((12, 24), true),
        "christmas" | "christmas day" | "xmas" => ((12, 25), true),
        "new years eve" => ((12, 31), true),
        "new years day" => ((1, 1), true),
        "new year" | "new years" => ((1, 1), false),
        "halloween" => ((10, 31), true),
        "valentines day" => ((2, 14), true),
        _ => return None,
    };
    let on = |year: i32| {
        NaiveDate::from_ymd_opt(year, month, day)
            .map(|d| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
    };
    let this_year = on(now.year())?;
    let date = if this_year <= now {
        this_year
    } else {
        on(now.year() - 1)?
    };
    Some((date, whole_day))
}

/// The weekend (Saturday 00:00 to Monday 00:00 UTC): the current one on a
/// Saturday or Sunday, else the one just past; `previous` goes one further back.
fn weekend(now: DateTime<Utc>, previous: bool) -> TimeRange {
    let today = midnight(now);
    let since_saturday = (i64::from(now.weekday().num_days_from_monday()) + 2) % 7;
    let mut start = today - Duration::days(since_saturday);
    if previous && since_saturday < 2 {
        start -= Duration::weeks(1);
    }
    TimeRange::Absolute {
        start,
        end: Some(start + Duration::days(2)),
        label: "the weekend".into(),
    }
}

/// Midnight UTC of `t`'s day.
pub fn midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.from_utc_datetime(&t.date_naive().and_time(NaiveTime::MIN))
}

/// Calendar week `offset` weeks from the current one (0 = this week), Monday 00:00 UTC.
fn calendar_week(now: DateTime<Utc>, offset: i64) -> TimeRange {
    let today = midnight(now);
    let monday = today - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let start = monday + Duration::weeks(offset);
    let (end, label) = if offset == 0 {
        (None, "this week")
    } else {
        (Some(start + Duration::weeks(1)), "last week")
    };
    TimeRange::Absolute {
        start,
        end,
        label: label.into(),
    }
}

/// Calendar month `offset` months from the current one (0 = this month).
fn calendar_month(now: DateTime<Utc>, offset: i32) -> TimeRange {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or(now.date_naive());
    let first = Utc.from_utc_datetime(&first.and_time(NaiveTime::MIN));
    if offset == 0 {
        return TimeRange::Absolute {
            start: first,
            end: None,
            label: "this month".into(),
        };
    }
    let start = first - Months::new(offset.unsigned_abs());
    TimeRange::Absolute {
        start,
        end: Some(first),
        label: "last month".into(),
    }
}

/// A count written in digits or words ("three", "twenty-four").
pub(super) fn number(s: &str) -> Option<u32> {
    Some(match s {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "fifteen" => 15,
        "twenty" => 20,
        "twenty four" | "twenty-four" => 24,
        "thirty" => 30,
        "forty eight" | "forty-eight" => 48,
        "ninety" => 90,
        n => n.parse().ok().filter(|n| *n > 0 && *n <= 100_000)?,
    })
}

fn unit(s: &str) -> Option<TimeUnit> {
    Some(match s.trim_end_matches('s') {
        "minute" | "min" | "m" => TimeUnit::Minute,
        "hour" | "hr" | "h" => TimeUnit::Hour,
        "day" | "d" => TimeUnit::Day,
        "week" | "wk" | "w" => TimeUnit::Week,
        "month" => TimeUnit::Month,
        _ => return None,
    })
}

/// Parses a date expression; returns its start and whether it is a whole day.
fn parse_date(s: &str, now: DateTime<Utc>) -> Option<(DateTime<Utc>, bool)> {
    let s = s.trim().trim_end_matches('.');
    let today = midnight(now);
    match s {
        "today" => return Some((today, true)),
        "yesterday" => return Some((today - Duration::days(1), true)),
        _ => {}
    }
    if let Some(found) = holiday(s, now) {
        return Some(found);
    }
    // ("christmas 2024": that year's)
    if let Some((name, year)) = s.rsplit_once(' ')
        && let Ok(year) = year.parse::<i32>()
        && year > 1900
        && let Some((date, whole_day)) = holiday(name.trim_end_matches(','), now)
    {
        let date = date.with_year(year)?;
        return Some((date, whole_day));
    }
    if let Some(wd) = weekday(s) {
        let back = (7 + now.weekday().num_days_from_monday() - wd) % 7;
        return Some((today - Duration::days(i64::from(back)), true));
    }
    if s.len() >= 10 && s.as_bytes()[4] == b'-' {
        let day = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok()?;
        if s.len() > 10 {
            let time = s[11..].trim_end_matches('z');
            let t = NaiveTime::parse_from_str(time, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
                .ok()?;
            return Some((Utc.from_utc_datetime(&day.and_time(t)), false));
        }
        return Some((Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)), true));
    }
    // "march 10", "mar 10th, 2024", "10 march", "10th of march 2024".
    let words: Vec<&str> = s
        .split([' ', ','])
        .filter(|w| !w.is_empty() && *w != "of")
        .collect();
    let mut month = None;
    let mut day = None;
    let mut year = None;
    for w in words {
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if let Some(m) = month_number(w) {
            month = Some(m);
        } else if let Ok(n) = digits.parse::<u32>() {
            if n > 31 {
                year = Some(n as i32);
            } else {
                day = Some(n);
            }
        }
    }
    let (month, day) = (month?, day?);
    let date = match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day)?,
        None => {
            let d = NaiveDate::from_ymd_opt(now.year(), month, day)?;
            if d > now.date_naive() {
                NaiveDate::from_ymd_opt(now.year() - 1, month, day)?
            } else {
                d
            }
        }
    };
    Some((Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)), true))
}

fn weekday(s: &str) -> Option<u32> {
    Some(match s {
        "monday" => 0,
        "tuesday" => 1,
        "wednesday" => 2,
        "thursday" => 3,
        "friday" => 4,
        "saturday" => 5,
        "sunday" => 6,
        _ => return None,
    })
}

fn month_number(w: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if w.len() < 3 || !w.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    NAMES
        .iter()
        .position(|n| w.starts_with(n))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_instant;

    fn now() -> DateTime<Utc> {
        // A Thursday.
        parse_instant("2026-11-26T15:30:00Z").unwrap()
    }

    fn abs(text: &str) -> (String, Option<String>) {
        match find(text, now())
            .unwrap_or_else(|| panic!("no time in {text:?}"))
            .range
        {
            TimeRange::Absolute { start, end, .. } => {
                (start.to_rfc3339(), end.map(|e| e.to_rfc3339()))
            }
            r => panic!("{text:?} gave {r:?}"),
        }
    }

    fn rolling(text: &str) -> (u32, TimeUnit) {
        match find(text, now())
            .unwrap_or_else(|| panic!("no time in {text:?}"))
            .range
        {
            TimeRange::Rolling { amount, unit } => (amount, unit),
            r => panic!("{text:?} gave {r:?}"),
        }
    }

    #[test]
    fn rolling_windows() {
        assert_eq!(
            rolling("failed logins in the last 24 hours"),
            (24, TimeUnit::Hour)
        );
        assert_eq!(rolling("errors over the past 3 days"), (3, TimeUnit::Day));
        assert_eq!(rolling("last two weeks"), (2, TimeUnit::Week));
        assert_eq!(rolling("past 15 mins"), (15, TimeUnit::Minute));
        assert_eq!(rolling("in the last hour"), (1, TimeUnit::Hour));
        assert_eq!(rolling("the past day"), (24, TimeUnit::Hour));
        assert_eq!(rolling("the past week"), (7, TimeUnit::Day));
        assert_eq!(rolling("from the past month"), (1, TimeUnit::Month));
        let now = Utc.with_ymd_and_hms(2026, 1, 11, 23, 0, 0).unwrap();
        let span = |t: &str| match find(t, now).map(|f| f.range) {
            Some(TimeRange::Absolute { start, end, .. }) => {
                (start.to_rfc3339(), end.map(|e| e.to_rfc3339()))
            }
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(
            span("errors in 2024"),
            (
                "2024-01-01T00:00:00+00:00".into(),
                Some("2025-01-01T00:00:00+00:00".into())
            )
        );
        assert_eq!(
            span("root logins in july 2024"),
            (
                "2024-07-01T00:00:00+00:00".into(),
                Some("2024-08-01T00:00:00+00:00".into())
            )
        );
        assert_eq!(
            span("activity last year"),
            (
                "2025-01-01T00:00:00+00:00".into(),
                Some("2026-01-01T00:00:00+00:00".into())
            )
        );
        assert_eq!(rolling("recently"), (7, TimeUnit::Day));
        assert_eq!(rolling("last 6h"), (6, TimeUnit::Hour));
        assert_eq!(rolling("in the last 30 days"), (30, TimeUnit::Day));
    }

    #[test]
    fn periods_left_open() {
        for (q, start) in [
            ("changes since 2024", "2024-01-01"),
            ("changes from 2024 onwards", "2024-01-01"),
            ("changes since march 2024", "2024-03-01"),
            ("changes after 2024", "2025-01-01"),
        ] {
            assert_eq!(abs(q), (format!("{start}T00:00:00+00:00"), None), "{q}");
        }
    }

    #[test]
    fn weekends_and_holidays() {
        let weekend = (
            "2026-11-21T00:00:00+00:00".to_string(),
            Some("2026-11-23T00:00:00+00:00".to_string()),
        );
        assert_eq!(abs("any activity over the weekend"), weekend);
        assert_eq!(abs("logins last weekend"), weekend);
        // The most recent Christmas; "New Year" alone is its first moment.
        assert_eq!(
            abs("between christmas and new year"),
            (
                "2025-12-25T00:00:00+00:00".into(),
                Some("2026-01-01T00:00:00+00:00".into())
            )
        );
        assert_eq!(
            abs("on new year's day"),
            (
                "2026-01-01T00:00:00+00:00".into(),
                Some("2026-01-02T00:00:00+00:00".into())
            )
        );
    }

    #[test]
    fn calendar_ranges_start_monday_utc() {
        assert_eq!(abs("this week"), ("2026-11-23T00:00:00+00:00".into(), None));
        assert_eq!(
            abs("last week"),
            (
                "2026-11-16T00:00:00+00:00".into(),
                Some("2026-11-23T00:00:00+00:00".into())
            )
        );
        assert_eq!(abs("today"), ("2026-11-26T00:00:00+00:00".into(), None));
        assert_eq!(
            abs("yesterday"),
            (
                "2026-11-25T00:00:00+00:00".into(),
                Some("2026-11-26T00:00:00+00:00".into())
            )
        );
        assert_eq!(
            abs("this month"),
            ("2026-11-01T00:00:00+00:00".into(), None)
        );
        assert_eq!(
            abs("last month"),
            (
                "2026-10-01T00:00:00+00:00".into(),
                Some("2026-11-01T00:00:00+00:00".into())
            )
        );
    }

    #[test]
    fn dates_said_around_other_dates() {
        let day = |d: &str| format!("{d}T00:00:00+00:00");
        // (a date with "last year", its span taking the words)
        assert_eq!(
            abs("on january 21st last year"),
            (day("2025-01-21"), Some(day("2025-01-22")))
        );
        let f = find("what happened on january 21st last year?", now()).unwrap();
        assert_eq!(f.span.1, "what happened on january 21st last year".len());
        assert_eq!(
            abs("between jan 13 and jan 20 last year"),
            (day("2025-01-13"), Some(day("2025-01-21")))
        );
        assert_eq!(
            abs("in q4 of last year"),
            (day("2025-10-01"), Some(day("2026-01-01")))
        );
        assert_eq!(
            abs("during the week of january 15th 2024"),
            (day("2024-01-15"), Some(day("2024-01-22")))
        );
        assert_eq!(
            abs("in the two weeks before christmas 2024"),
            (day("2024-12-11"), Some(day("2024-12-25")))
        );
        // (now is a Thursday: last Tuesday is two days back, last Thursday a week)
        assert_eq!(
            abs("last tuesday"),
            (day("2026-11-24"), Some(day("2026-11-25")))
        );
        assert_eq!(
            abs("last thursday"),
            (day("2026-11-19"), Some(day("2026-11-20")))
        );
        assert_eq!(
            abs("this morning"),
            (day("2026-11-26"), Some("2026-11-26T12:00:00+00:00".into()))
        );
        assert_eq!(
            abs("yesterday afternoon"),
            (
                "2026-11-25T12:00:00+00:00".into(),
                Some("2026-11-25T18:00:00+00:00".into())
            )
        );
    }

    #[test]
    fn dates() {
        assert_eq!(
            abs("on 2026-11-20"),
            (
                "2026-11-20T00:00:00+00:00".into(),
                Some("2026-11-21T00:00:00+00:00".into())
            )
        );
        assert_eq!(
            abs("since nov 20"),
            ("2026-11-20T00:00:00+00:00".into(), None)
        );
        assert_eq!(
            abs("between 2026-11-01 and 2026-11-03"),
            (
                "2026-11-01T00:00:00+00:00".into(),
                Some("2026-11-04T00:00:00+00:00".into())
            )
        );
        assert_eq!(
            abs("on monday"),
            (
                "2026-11-23T00:00:00+00:00".into(),
                Some("2026-11-24T00:00:00+00:00".into())
            )
        );
        // A date later than now in the current year means last year.
        assert_eq!(
            abs("on december 25"),
            (
                "2025-12-25T00:00:00+00:00".into(),
                Some("2025-12-26T00:00:00+00:00".into())
            )
        );
        assert_eq!(
            abs("between 3 november and 5th november"),
            (
                "2026-11-03T00:00:00+00:00".into(),
                Some("2026-11-06T00:00:00+00:00".into())
            )
        );
    }

    #[test]
    fn no_time() {
        assert!(find("show me failed logins", now()).is_none());
        assert!(find("traffic to port 22 m", now()).is_none());
    }
}
