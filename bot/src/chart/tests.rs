use serde_json::json;

use super::*;
use crate::backend::Column;

/// An answer shaped like `mantissa ask --format json` on demo data.
fn answer(interpretation: &str, columns: &[(&str, &str)], rows: Vec<Vec<Value>>) -> Answer {
    Answer {
        question: "the question".into(),
        interpretation: interpretation.into(),
        sql: "SELECT 1".into(),
        translator: "builtin".into(),
        columns: columns
            .iter()
            .map(|(n, t)| Column {
                name: (*n).into(),
                data_type: (*t).into(),
            })
            .collect(),
        row_count: rows.len(),
        rows,
        truncated: false,
        elapsed_ms: 3,
        scan: None,
    }
}

/// "hourly console logins this week" on demo data.
fn hourly_logins() -> Answer {
    answer(
        "Number of CloudTrail events per hour where the event name is ConsoleLogin, in the last 7 days",
        &[("hour", "timestamp"), ("n", "bigint")],
        vec![
            vec![json!("2026-11-21T05:00:00Z"), json!(8)],
            vec![json!("2026-11-23T12:00:00Z"), json!(1)],
            vec![json!("2026-11-23T17:00:00Z"), json!(1)],
            vec![json!("2026-11-26T08:00:00Z"), json!(1)],
        ],
    )
}

/// "count of events by event name" on demo data (first rows).
fn by_event_name(n: usize) -> Answer {
    let names = [
        "GetObject",
        "DescribeInstances",
        "AssumeRole",
        "Decrypt",
        "PutObject",
        "ListBuckets",
        "ConsoleLogin",
    ];
    answer(
        "Number of CloudTrail events per event name, all time, largest first",
        &[("eventname", "varchar"), ("n", "bigint")],
        (0..n)
            .map(|i| {
                vec![
                    json!(format!("{}{i}", names[i % names.len()])),
                    json!(1000 / (i + 1)),
                ]
            })
            .collect(),
    )
}

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "IHDR first");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}

/// Decodes our own PNG (chunk CRCs, zlib, Up filter) back to RGB.
fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
    use std::io::Read;
    let (w, h) = png_size(png);
    let mut i = 8;
    let mut idat = Vec::new();
    let mut kinds = Vec::new();
    while i < png.len() {
        let len = u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]) as usize;
        let kind = &png[i + 4..i + 8];
        let data = &png[i + 8..i + 8 + len];
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let stored = &png[i + 8 + len..i + 12 + len];
        assert_eq!(crc.sum().to_be_bytes(), stored, "CRC of {kind:?}");
        if kind == b"IDAT" {
            idat.extend_from_slice(data);
        }
        kinds.push(String::from_utf8_lossy(kind).to_string());
        i += 12 + len;
    }
    assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = w as usize * 3;
    assert_eq!(raw.len(), (stride + 1) * h as usize);
    let mut out: Vec<u8> = Vec::with_capacity(stride * h as usize);
    for (y, row) in raw.chunks_exact(stride + 1).enumerate() {
        for (x, b) in row[1..].iter().enumerate() {
            let v = match row[0] {
                0 => *b,
                2 => b.wrapping_add(if y == 0 { 0 } else { out[(y - 1) * stride + x] }),
                f => panic!("filter {f}"),
            };
            out.push(v);
        }
    }
    (w, h, out)
}

#[test]
fn column_types_as_the_engine_reports_them() {
    for t in [
        "timestamp",
        "date",
        "Timestamp(Microsecond, None)",
        "timestamp(3) with time zone",
    ] {
        assert_eq!(role(t), Role::Time, "{t}");
    }
    for t in [
        "bigint",
        "integer",
        "double",
        "real",
        "decimal(10,2)",
        "Int64",
        "Float64",
    ] {
        assert_eq!(role(t), Role::Number, "{t}");
    }
    for t in ["varchar", "Utf8View", "varchar(20)"] {
        assert_eq!(role(t), Role::Text, "{t}");
    }
    for t in ["boolean", "array(varchar)", "row(arn varchar)"] {
        assert_eq!(role(t), Role::Other, "{t}");
    }
    assert_eq!(
        time_of(&json!("2026-11-23T12:00:00Z")),
        DateTime::from_timestamp(1_795_435_200, 0)
    );
    assert_eq!(
        time_of(&json!("2026-11-23 12:00:00.000")),
        time_of(&json!("2026-11-23T12:00:00Z"))
    );
    assert_eq!(
        time_of(&json!("2026-11-23")),
        time_of(&json!("2026-11-23T00:00:00+00:00"))
    );
    assert_eq!(time_of(&json!("yesterday")), None);
    assert_eq!(number_of(&json!("12.5")), Some(12.5));
    assert_eq!(number_of(&json!(null)), None);
}

#[test]
fn a_time_series_is_a_sorted_line_chart() {
    let mut a = hourly_logins();
    a.rows.reverse(); // the engine's order does not matter
    let c = chart_for(&a).expect("a chart");
    assert_eq!(c.title, a.interpretation);
    assert_eq!((c.width, c.height), (DEFAULT_WIDTH, DEFAULT_HEIGHT));
    let ChartKind::Lines {
        x_label,
        y_label,
        series,
        omitted,
    } = &c.kind
    else {
        panic!("{c:?}");
    };
    assert_eq!(
        (x_label.as_str(), y_label.as_str(), *omitted),
        ("hour", "n", 0)
    );
    assert_eq!(series.len(), 1);
    let values: Vec<f64> = series[0].points.iter().map(|p| p.1).collect();
    assert_eq!(values, [8.0, 1.0, 1.0, 1.0]);
    assert!(series[0].points.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(
        c.alt_text().contains("Line chart of n by hour"),
        "{}",
        c.alt_text()
    );
    assert!(
        c.alt_text()
            .contains("from 2026-11-21 05:00 to 2026-11-26 08:00 UTC"),
        "{}",
        c.alt_text()
    );
}

#[test]
fn several_numeric_columns_are_several_lines_at_most_six() {
    let cols: Vec<(String, String)> = std::iter::once(("day".to_string(), "date".to_string()))
        .chain((0..8).map(|i| (format!("m{i}"), "double".to_string())))
        .collect();
    let cols: Vec<(&str, &str)> = cols.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let rows = (1..=5)
        .map(|d| {
            let mut r = vec![json!(format!("2026-11-0{d}"))];
            r.extend((0..8).map(|i| json!(d as f64 * i as f64)));
            r
        })
        .collect();
    let c = chart_for(&answer("metrics per day", &cols, rows)).unwrap();
    let ChartKind::Lines {
        series, omitted, ..
    } = &c.kind
    else {
        panic!("{c:?}");
    };
    assert_eq!(series.len(), MAX_SERIES);
    assert_eq!(*omitted, 2);
    assert_eq!(series[0].name, "m0");
    assert_eq!(series[0].points.len(), 5);
}

#[test]
fn a_long_time_series_pivots_its_text_column_into_lines_largest_first() {
    // "events per hour by region this week": hour, awsregion, n.
    let mut rows = Vec::new();
    for h in 0..10 {
        let t = format!("2026-11-23T{h:02}:00:00Z");
        rows.push(vec![json!(t), json!("us-east-1"), json!(7)]);
        rows.push(vec![json!(t), json!("eu-west-1"), json!(1)]);
        if h % 2 == 0 {
            rows.push(vec![json!(t), json!(null), json!(3)]);
        }
    }
    let a = answer(
        "Number of CloudTrail events per hour and region",
        &[
            ("hour", "timestamp"),
            ("awsregion", "varchar"),
            ("n", "bigint"),
        ],
        rows,
    );
    let c = chart_for(&a).unwrap();
    let ChartKind::Lines { series, .. } = &c.kind else {
        panic!("{c:?}");
    };
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["us-east-1", "(null)", "eu-west-1"]);
    assert_eq!(series[1].points.len(), 5);
}

#[test]
fn a_grouped_count_is_a_bar_chart_of_the_top_twenty_largest_first() {
    let mut a = by_event_name(63);
    a.rows.swap(0, 40); // not sorted by the engine
    let c = chart_for(&a).unwrap();
    let ChartKind::Bars {
        label,
        value_label,
        bars,
        omitted,
    } = &c.kind
    else {
        panic!("{c:?}");
    };
    assert_eq!((label.as_str(), value_label.as_str()), ("eventname", "n"));
    assert_eq!(bars.len(), MAX_BARS);
    assert_eq!(*omitted, 43);
    assert_eq!(bars[0], ("GetObject0".to_string(), 1000.0));
    assert!(bars.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!(c.alt_text().contains("(top 20 of 63)"), "{}", c.alt_text());
    // Value column first works too, and null labels are named.
    let swapped = answer(
        "per user",
        &[("n", "bigint"), ("user_arn", "varchar")],
        vec![
            vec![json!(510), json!("arn:aws:iam::1:user/backup-svc-admin")],
            vec![json!(126), json!(null)],
        ],
    );
    let ChartKind::Bars { bars, .. } = chart_for(&swapped).unwrap().kind else {
        panic!()
    };
    assert_eq!(bars[1], ("(null)".to_string(), 126.0));
}

#[test]
fn nothing_to_draw_means_no_chart() {
    // A single value: "how many events this week".
    let single = answer("count", &[("n", "bigint")], vec![vec![json!(1314)]]);
    assert_eq!(chart_for(&single), None);
    // One group only.
    assert_eq!(chart_for(&by_event_name(1)), None);
    // Empty.
    assert_eq!(chart_for(&by_event_name(0)), None);
    // Text only (a listing).
    let text = answer(
        "who",
        &[("user", "varchar"), ("ip", "varchar")],
        vec![vec![json!("a"), json!("1")], vec![json!("b"), json!("2")]],
    );
    assert_eq!(chart_for(&text), None);
    // All values null.
    let nulls = answer(
        "per hour",
        &[("hour", "timestamp"), ("n", "bigint")],
        vec![
            vec![json!("2026-11-23T00:00:00Z"), json!(null)],
            vec![json!("2026-11-23T01:00:00Z"), json!(null)],
        ],
    );
    assert_eq!(chart_for(&nulls), None);
    let null_bars = answer(
        "per name",
        &[("name", "varchar"), ("n", "bigint")],
        vec![vec![json!("a"), json!(null)], vec![json!("b"), json!(null)]],
    );
    assert_eq!(chart_for(&null_bars), None);
    // Only one time carries a value.
    let one_point = answer(
        "per hour",
        &[("hour", "timestamp"), ("n", "bigint")],
        vec![
            vec![json!("2026-11-23T00:00:00Z"), json!(5)],
            vec![json!("2026-11-23T01:00:00Z"), json!(null)],
        ],
    );
    assert_eq!(chart_for(&one_point), None);
    // Raw events (repeated times) are not a series.
    let raw = answer(
        "flows",
        &[("start", "timestamp"), ("bytes", "bigint")],
        vec![
            vec![json!("2026-11-23T00:00:00Z"), json!(5)],
            vec![json!("2026-11-23T00:00:00Z"), json!(9)],
        ],
    );
    assert_eq!(chart_for(&raw), None);
    // Listings with more columns, or numbers only (guardduty severity, n).
    let listing = answer(
        "flows",
        &[
            ("start", "timestamp"),
            ("srcaddr", "varchar"),
            ("dstaddr", "varchar"),
            ("bytes", "bigint"),
        ],
        vec![
            vec![
                json!("2026-11-23T00:00:00Z"),
                json!("a"),
                json!("b"),
                json!(5),
            ],
            vec![
                json!("2026-11-23T01:00:00Z"),
                json!("a"),
                json!("b"),
                json!(9),
            ],
        ],
    );
    assert_eq!(chart_for(&listing), None);
    let numbers = answer(
        "by severity",
        &[("severity", "double"), ("n", "bigint")],
        vec![vec![json!(2.0), json!(39)], vec![json!(5.0), json!(8)]],
    );
    assert_eq!(chart_for(&numbers), None);
    let with_bool = answer(
        "by flag",
        &[("name", "varchar"), ("ok", "boolean"), ("n", "bigint")],
        vec![
            vec![json!("a"), json!(true), json!(1)],
            vec![json!("b"), json!(false), json!(2)],
        ],
    );
    assert_eq!(chart_for(&with_bool), None);
}

#[test]
fn the_png_is_a_real_png_of_the_requested_size() {
    for (c, size) in [
        (chart_for(&hourly_logins()).unwrap(), (1000, 500)),
        (chart_for(&by_event_name(63)).unwrap(), (1000, 500)),
        (
            chart_for(&by_event_name(5)).unwrap().with_size(640, 360),
            (640, 360),
        ),
    ] {
        let png = c.render_png().unwrap();
        assert_eq!(png_size(&png), size);
        let (w, h, rgb) = decode(&png);
        assert_eq!((w, h), size);
        // Something was drawn: white background, the bars' or line's blue.
        let pixels: Vec<&[u8]> = rgb.chunks_exact(3).collect();
        assert!(pixels.iter().any(|p| *p == [255, 255, 255]));
        assert!(pixels.iter().any(|p| *p == [31, 119, 180]), "{:?}", c.kind);
        // And text: dark anti-aliased pixels outside the palette.
        assert!(pixels.iter().filter(|p| p.iter().all(|b| *b < 80)).count() > 200);
    }
    assert!(matches!(
        chart_for(&hourly_logins())
            .unwrap()
            .with_size(10, 5000)
            .render_png(),
        Err(ChartError::Size {
            width: 10,
            height: 5000
        })
    ));
}

#[test]
fn different_data_gives_different_images_and_the_same_data_the_same() {
    let a = chart_for(&by_event_name(10)).unwrap().render_png().unwrap();
    let again = chart_for(&by_event_name(10)).unwrap().render_png().unwrap();
    assert_eq!(a, again, "rendering is deterministic");
    let mut other = by_event_name(10);
    other.rows[3][1] = json!(900);
    let b = chart_for(&other).unwrap().render_png().unwrap();
    assert_ne!(decode(&a).2, decode(&b).2);
    let mut logins = hourly_logins();
    let l1 = chart_for(&logins).unwrap().render_png().unwrap();
    logins.rows[1][1] = json!(6);
    let l2 = chart_for(&logins).unwrap().render_png().unwrap();
    assert_ne!(decode(&l1).2, decode(&l2).2);
}

#[test]
fn a_ten_thousand_point_series_renders_within_a_sane_size() {
    let rows = (0..10_000i64)
        .map(|i| {
            let t = DateTime::from_timestamp(1_795_000_000 + i * 60, 0).unwrap();
            vec![
                json!(t.to_rfc3339()),
                json!((i % 97) as f64 * 1.5),
                json!(i % 13),
            ]
        })
        .collect();
    let a = answer(
        "per minute",
        &[
            ("minute", "timestamp"),
            ("bytes", "double"),
            ("flows", "bigint"),
        ],
        rows,
    );
    let c = chart_for(&a).unwrap();
    let started = std::time::Instant::now();
    let png = c.render_png().unwrap();
    let took = started.elapsed();
    assert_eq!(png_size(&png), (1000, 500));
    assert!(png.len() < 1_000_000, "{} bytes", png.len());
    // Generous: debug builds on a busy 2-core machine.
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
}

#[test]
fn long_titles_and_labels_are_clipped() {
    let mut a = by_event_name(3);
    a.interpretation = "x".repeat(500);
    a.rows[0][0] = json!("a-very-long-label-".repeat(10));
    let c = chart_for(&a).unwrap();
    let caption = c.caption(0, "values", 3);
    assert!(caption.chars().count() <= 1000 / 11, "{caption}");
    assert!(caption.ends_with('…'));
    let arn = "arn:aws:iam::204672741388:user/service-account-19";
    let clipped = clip_middle(arn, MAX_LABEL);
    assert_eq!(clipped.chars().count(), MAX_LABEL);
    assert!(
        clipped.starts_with("arn:aws:iam") && clipped.ends_with("account-19"),
        "{clipped}"
    );
    assert_eq!(clip_middle("short", MAX_LABEL), "short");
    assert!(c.alt_text().chars().count() <= 1000);
    assert!(c.render_png().is_ok());
}

#[test]
fn ticks_fall_on_round_times() {
    let day = 86_400;
    let x0 = 1_795_435_200 + 1234; // 2026-11-23 12:20:34
    let (step, ticks) = time_ticks(x0, x0 + 3 * day);
    assert_eq!(step, 43_200);
    assert!(ticks.iter().all(|t| t % 43_200 == 0 && *t >= x0));
    assert!(ticks.len() <= 8);
    let (step, ticks) = time_ticks(x0, x0 + 3600);
    assert_eq!(step, 600);
    assert!(ticks.iter().all(|t| t % 600 == 0));
    assert_eq!(time_format(600, x0, x0 + 3600), "%H:%M");
    assert_eq!(time_format(43_200, x0, x0 + 3 * day), "%m-%d %H:%M");
    assert_eq!(compact(1314.0), "1314");
    assert_eq!(compact(12_345.0), "12.3k");
    assert_eq!(compact(2.5e6), "2.5M");
    assert_eq!(compact(0.25), "0.25");
}
