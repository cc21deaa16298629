//! Tests of the demo generator: determinism, counts, formats and stories.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use flate2::read::GzDecoder;
use serde_json::Value;

use super::{DemoError, DemoOptions, DemoSummary, Story, generate};

fn end() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-28T09:30:00Z")
        .expect("valid timestamp")
        .with_timezone(&Utc)
}

fn options(events: u64) -> DemoOptions {
    DemoOptions {
        events,
        ..DemoOptions::new(end())
    }
}

fn run(opts: &DemoOptions, dir: &Path) -> (DemoSummary, Vec<u64>) {
    let mut calls = Vec::new();
    let summary = generate(opts, dir, &mut |n| calls.push(n)).expect("generation succeeds");
    (summary, calls)
}

/// Every file under `dir`, as (path relative to `dir` with `/`, bytes), sorted.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let entries = std::fs::read_dir(dir).expect("readable directory");
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, std::fs::read(&path).expect("readable file")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn gunzip(bytes: &[u8]) -> String {
    let mut s = String::new();
    GzDecoder::new(bytes)
        .read_to_string(&mut s)
        .expect("valid gzip");
    s
}

/// Everything written, decoded.
struct Logs {
    files: Vec<(String, Vec<u8>)>,
    cloudtrail: Vec<Value>,
    /// (path, decompressed text) of each flow log file.
    flow_files: Vec<(String, String)>,
    guardduty: Vec<Value>,
}

impl Logs {
    fn load(dir: &Path) -> Self {
        let files = files(dir);
        let mut cloudtrail = Vec::new();
        let mut flow_files = Vec::new();
        let mut guardduty = Vec::new();
        for (path, bytes) in &files {
            let text = gunzip(bytes);
            if path.contains("/CloudTrail/") {
                let doc: Value = serde_json::from_str(&text).expect("CloudTrail JSON");
                let records = doc["Records"].as_array().expect("Records array");
                assert!(!records.is_empty(), "{path} is empty");
                cloudtrail.extend(records.iter().cloned());
            } else if path.contains("/vpcflowlogs/") {
                flow_files.push((path.clone(), text));
            } else if path.contains("/GuardDuty/") {
                for line in text.lines() {
                    guardduty.push(serde_json::from_str(line).expect("GuardDuty JSON line"));
                }
            } else {
                panic!("unexpected file {path}");
            }
        }
        Self {
            files,
            cloudtrail,
            flow_files,
            guardduty,
        }
    }

    fn flow_records(&self) -> impl Iterator<Item = Vec<&str>> {
        self.flow_files
            .iter()
            .flat_map(|(_, text)| text.lines().skip(1).map(|l| l.split(' ').collect()))
    }
}

/// Whether second `t` lies in the window `[end - days, end)`.
fn in_window(opts: &DemoOptions, t: i64) -> bool {
    let end_ms = opts.end.timestamp_millis();
    let start_ms = end_ms - i64::from(opts.days) * 86_400_000;
    (start_ms..end_ms).contains(&(t * 1000))
}

fn secs(iso: &str) -> i64 {
    DateTime::parse_from_rfc3339(iso)
        .expect("RFC 3339 time")
        .timestamp()
}

fn str_of<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn story<'a>(summary: &'a DemoSummary, id: &str) -> &'a Story {
    summary
        .stories
        .iter()
        .find(|s| s.id == id)
        .expect("story present")
}

#[test]
fn same_options_give_identical_files() {
    let a = tempfile::tempdir().expect("temp dir");
    let b = tempfile::tempdir().expect("temp dir");
    let opts = options(5_000);
    let (sa, _) = run(&opts, a.path());
    let (sb, _) = run(&opts, b.path());
    assert_eq!(sa, sb);
    let fa = files(a.path());
    let fb = files(b.path());
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.0, y.0);
        assert!(x.1 == y.1, "{} differs", x.0);
    }

    let c = tempfile::tempdir().expect("temp dir");
    let (sc, _) = run(&DemoOptions { seed: 7, ..opts }, c.path());
    assert_ne!(sa.accounts, sc.accounts, "the seed changes the accounts");
    assert_ne!(fa, files(c.path()));
}

#[test]
fn ten_thousand_events_counts_match_files_and_split() {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = options(10_000);
    let (summary, calls) = run(&opts, dir.path());
    let logs = Logs::load(dir.path());

    assert_eq!(summary.files, logs.files.len() as u64);
    assert_eq!(
        summary.bytes,
        logs.files.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
    );
    assert_eq!(summary.cloudtrail_events, logs.cloudtrail.len() as u64);
    assert_eq!(summary.flow_records, logs.flow_records().count() as u64);
    assert_eq!(summary.guardduty_findings, logs.guardduty.len() as u64);
    let total = summary.cloudtrail_events + summary.flow_records + summary.guardduty_findings;
    assert_eq!(total, opts.events);

    let n = opts.events as f64;
    for (got, share) in [
        (summary.cloudtrail_events, 0.55),
        (summary.flow_records, 0.44),
        (summary.guardduty_findings, 0.01),
    ] {
        let want = n * share;
        assert!(
            (got as f64 - want).abs() <= want * 0.05,
            "{got} is not within 5% of {want}"
        );
    }

    // Progress: increasing, never more than a few thousand records apart, ends at the total.
    assert!(calls.windows(2).all(|w| w[0] <= w[1]));
    assert!(calls.windows(2).all(|w| w[1] - w[0] <= 5_000));
    assert!(calls.first().is_some_and(|&c| c <= 5_000));
    assert_eq!(calls.last(), Some(&total));

    // Accounts: three distinct 12-digit ids, and every file lies under one.
    assert_eq!(summary.accounts.len(), 3);
    assert_eq!(summary.accounts.iter().collect::<BTreeSet<_>>().len(), 3);
    for a in &summary.accounts {
        assert!(
            a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()),
            "{a}"
        );
    }
    for (path, _) in &logs.files {
        let parts: Vec<&str> = path.split('/').collect();
        assert_eq!(parts[0], "AWSLogs");
        assert!(summary.accounts.iter().any(|a| a == parts[1]), "{path}");
    }
}

#[test]
fn keys_follow_the_aws_layout() {
    let dir = tempfile::tempdir().expect("temp dir");
    run(&options(2_000), dir.path());
    for (path, _) in files(dir.path()) {
        let p: Vec<&str> = path.split('/').collect();
        assert_eq!(p.len(), 8, "{path}");
        let (acct, kind, region, y, m, d, name) = (p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
        assert!(
            ["us-east-1", "us-west-2", "eu-west-1"].contains(&region),
            "{path}"
        );
        assert!(y.len() == 4 && m.len() == 2 && d.len() == 2, "{path}");
        let ymd = format!("{y}{m}{d}T");
        match kind {
            "CloudTrail" => {
                let prefix = format!("{acct}_CloudTrail_{region}_{ymd}");
                assert!(name.starts_with(&prefix), "{path}");
                let rest = name
                    .strip_prefix(&prefix)
                    .and_then(|r| r.strip_suffix(".json.gz"))
                    .unwrap_or_default();
                let (stamp, random) = rest.split_once('_').unwrap_or_default();
                assert!(stamp.len() == 5 && stamp.ends_with('Z'), "{path}");
                assert!(
                    random.len() == 16 && random.bytes().all(|b| b.is_ascii_alphanumeric()),
                    "{path}"
                );
            }
            "vpcflowlogs" => {
                assert_eq!(region, "us-east-1");
                let prefix = format!("{acct}_vpcflowlogs_{region}_fl-");
                assert!(
                    name.starts_with(&prefix) && name.ends_with(".log.gz"),
                    "{path}"
                );
                let rest: Vec<&str> = name[prefix.len()..name.len() - 7].split('_').collect();
                assert_eq!(rest.len(), 3, "{path}");
                assert_eq!(rest[0].len(), 17);
                assert!(rest[1].starts_with(&ymd) && rest[1].ends_with('Z'));
                assert!(rest[2].len() == 8 && rest[2].bytes().all(|b| b.is_ascii_hexdigit()));
            }
            "GuardDuty" => {
                let id = name.strip_suffix(".jsonl.gz").unwrap_or_default();
                assert_eq!(id.len(), 36, "{path}");
                assert_eq!(id.matches('-').count(), 4, "{path}");
            }
            other => panic!("unexpected log type {other} in {path}"),
        }
    }
}

#[test]
fn flow_files_have_header_and_fourteen_fields() {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = options(10_000);
    run(&opts, dir.path());
    let logs = Logs::load(dir.path());
    assert!(!logs.flow_files.is_empty());
    let (mut nodata, mut skipdata, mut reject) = (0, 0, 0);
    for (path, text) in &logs.flow_files {
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(super::flow::HEADER), "{path}");
        for line in lines {
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!(f.len(), 14, "{path}: {line}");
            assert_eq!(f[0], "2");
            let (start, end): (i64, i64) =
                (f[10].parse().expect("start"), f[11].parse().expect("end"));
            assert!(
                in_window(&opts, start) && end >= start && end - start <= 600,
                "{line}"
            );
            assert!(end <= opts.end.timestamp(), "{line}");
            match f[13] {
                "OK" => {
                    assert!(["ACCEPT", "REJECT"].contains(&f[12]), "{line}");
                    assert!(["1", "6", "17"].contains(&f[7]), "{line}");
                    for field in &f[5..=9] {
                        field.parse::<u64>().expect("numeric field");
                    }
                    reject += usize::from(f[12] == "REJECT");
                }
                status @ ("NODATA" | "SKIPDATA") => {
                    assert_eq!(&f[3..10], ["-"; 7], "{line}");
                    assert_eq!(f[12], "-");
                    if status == "NODATA" {
                        nodata += 1;
                    } else {
                        skipdata += 1;
                    }
                }
                other => panic!("bad log-status {other}"),
            }
        }
    }
    assert!(
        nodata > 0 && skipdata > 0 && reject > 0,
        "{nodata} NODATA, {skipdata} SKIPDATA, {reject} REJECT"
    );
}

#[test]
fn cloudtrail_records_are_well_formed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = options(10_000);
    run(&opts, dir.path());
    let logs = Logs::load(dir.path());
    let mut services = BTreeSet::new();
    for r in &logs.cloudtrail {
        let t = secs(str_of(r, "/eventTime"));
        assert!(in_window(&opts, t), "{r}");
        for field in [
            "/eventVersion",
            "/eventSource",
            "/eventName",
            "/awsRegion",
            "/sourceIPAddress",
            "/userAgent",
            "/eventID",
            "/eventType",
            "/recipientAccountId",
            "/eventCategory",
        ] {
            assert!(!str_of(r, field).is_empty(), "{field} missing in {r}");
        }
        assert!(r.get("userIdentity").is_some_and(Value::is_object));
        assert!(r.get("requestParameters").is_some() && r.get("responseElements").is_some());
        assert!(r["readOnly"].is_boolean() && r["managementEvent"].is_boolean());
        if str_of(r, "/eventName") == "ConsoleLogin" {
            assert!(
                r.get("errorCode").is_none(),
                "sign-in failures carry no errorCode"
            );
            let outcome = str_of(r, "/responseElements/ConsoleLogin");
            assert_eq!(
                outcome == "Failure",
                str_of(r, "/errorMessage") == "Failed authentication"
            );
            assert!(["Yes", "No"].contains(&str_of(r, "/additionalEventData/MFAUsed")));
        }
        if str_of(r, "/eventCategory") == "Data" && str_of(r, "/eventSource") == "s3.amazonaws.com"
        {
            assert!(r["resources"].as_array().is_some_and(|a| !a.is_empty()));
        }
        services.insert(str_of(r, "/eventSource").to_string());
    }
    for s in [
        "ec2",
        "s3",
        "sts",
        "iam",
        "kms",
        "lambda",
        "logs",
        "cloudformation",
        "rds",
        "signin",
    ] {
        assert!(
            services.contains(&format!("{s}.amazonaws.com")),
            "no {s} events"
        );
    }
    // Within each file, records are in time order.
    for (path, bytes) in &logs.files {
        if path.contains("/CloudTrail/") {
            let doc: Value = serde_json::from_str(&gunzip(bytes)).expect("JSON");
            let times: Vec<&str> = doc["Records"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| str_of(r, "/eventTime"))
                .collect();
            assert!(
                times.windows(2).all(|w| w[0] <= w[1]),
                "{path} not in time order"
            );
        }
    }
}

/// Checks that every story's records are there. Used at two sizes.
fn check_stories(opts: &DemoOptions) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (summary, _) = run(opts, dir.path());
    let logs = Logs::load(dir.path());
    for r in &logs.cloudtrail {
        assert!(in_window(opts, secs(str_of(r, "/eventTime"))), "{r}");
    }
    for f in logs.flow_records() {
        assert!(in_window(opts, f[10].parse().expect("start")));
    }
    for f in &logs.guardduty {
        assert!(in_window(opts, secs(str_of(f, "/createdAt"))), "{f}");
    }

    let ids: BTreeSet<&str> = summary.stories.iter().map(|s| s.id).collect();
    for id in [
        "console-brute-force",
        "root-usage",
        "cloudtrail-stopped",
        "new-admin-user",
        "ssh-open-to-world",
        "public-bucket-policy",
        "s3-exfiltration",
        "port-scan",
        "guardduty-high",
    ] {
        assert!(ids.contains(id), "missing story {id}");
    }
    for s in &summary.stories {
        assert!(
            in_window(opts, s.at.timestamp()),
            "{} at {} is outside the window",
            s.id,
            s.at
        );
        assert!(summary.accounts.contains(&s.account));
        assert!(!s.details.contains('\n') && !s.details.is_empty());
        assert!(
            s.sql.starts_with("SELECT ") && s.sql.contains(" TIMESTAMP '"),
            "{}",
            s.sql
        );
        let bound = s
            .sql
            .split("TIMESTAMP '")
            .nth(1)
            .and_then(|r| r.get(..19))
            .unwrap_or_default();
        assert_eq!(
            bound,
            s.at.format("%Y-%m-%d %H:00:00").to_string(),
            "{} time bound",
            s.id
        );
    }
    assert!(summary.stories.windows(2).all(|w| w[0].at <= w[1].at));

    let ct = &logs.cloudtrail;
    let by = |name: &str| -> Vec<&Value> {
        ct.iter()
            .filter(|r| str_of(r, "/eventName") == name)
            .collect()
    };

    // console-brute-force: >= 6 failures from one IP for one user within an hour, then success.
    let brute = story(&summary, "console-brute-force");
    let logins = by("ConsoleLogin");
    let fails: Vec<i64> = logins
        .iter()
        .filter(|r| {
            str_of(r, "/userIdentity/userName") == "dev-ops-admin"
                && str_of(r, "/responseElements/ConsoleLogin") == "Failure"
        })
        .map(|r| {
            assert_eq!(str_of(r, "/sourceIPAddress"), "203.0.113.45");
            assert_eq!(str_of(r, "/recipientAccountId"), brute.account);
            secs(str_of(r, "/eventTime"))
        })
        .collect();
    assert!(fails.len() >= 6, "{} failures", fails.len());
    let (first, last) = (
        fails.iter().min().copied().unwrap_or(0),
        fails.iter().max().copied().unwrap_or(0),
    );
    assert!(last - first <= 20 * 60);
    assert_eq!(first, brute.at.timestamp());
    let success = logins
        .iter()
        .find(|r| {
            str_of(r, "/userIdentity/userName") == "dev-ops-admin"
                && str_of(r, "/responseElements/ConsoleLogin") == "Success"
                && str_of(r, "/sourceIPAddress") == "203.0.113.45"
        })
        .expect("successful brute-force sign-in");
    let ts = secs(str_of(success, "/eventTime"));
    assert!(ts > last && ts - first < 3_600);
    assert_eq!(str_of(success, "/additionalEventData/MFAUsed"), "No");

    // No other address ever fails three sign-ins within an hour.
    let mut per_ip: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for r in &logins {
        if str_of(r, "/responseElements/ConsoleLogin") == "Failure" {
            per_ip
                .entry(str_of(r, "/sourceIPAddress"))
                .or_default()
                .push(secs(str_of(r, "/eventTime")));
        }
    }
    for (ip, mut times) in per_ip {
        times.sort_unstable();
        let burst = times.windows(3).any(|w| w[2] - w[0] < 3_600);
        assert_eq!(burst, ip == "203.0.113.45", "{ip}: {times:?}");
    }

    // root-usage
    let root: Vec<&Value> = ct
        .iter()
        .filter(|r| str_of(r, "/userIdentity/type") == "Root")
        .collect();
    assert!(
        root.iter()
            .any(|r| str_of(r, "/eventName") == "ConsoleLogin"
                && str_of(r, "/responseElements/ConsoleLogin") == "Success")
    );
    assert!(
        root.iter()
            .filter(|r| str_of(r, "/eventName") != "ConsoleLogin")
            .count()
            >= 3
    );
    let root_story = story(&summary, "root-usage");
    for r in &root {
        assert_eq!(
            str_of(r, "/userIdentity/arn"),
            format!("arn:aws:iam::{}:root", root_story.account)
        );
    }

    // cloudtrail-stopped
    let stops = by("StopLogging");
    assert_eq!(stops.len(), 1);
    let stop = stops[0];
    assert_eq!(str_of(stop, "/eventSource"), "cloudtrail.amazonaws.com");
    assert_eq!(str_of(stop, "/userIdentity/type"), "AssumedRole");
    assert!(str_of(stop, "/requestParameters/name").starts_with("arn:aws:cloudtrail:"));
    assert_eq!(
        str_of(stop, "/recipientAccountId"),
        story(&summary, "cloudtrail-stopped").account
    );

    // new-admin-user
    let create = by("CreateUser");
    assert_eq!(create.len(), 1);
    let new_user = str_of(create[0], "/requestParameters/userName");
    let ip = str_of(create[0], "/sourceIPAddress");
    assert!(
        by("AttachUserPolicy")
            .iter()
            .any(|r| str_of(r, "/requestParameters/userName") == new_user
                && str_of(r, "/requestParameters/policyArn")
                    == "arn:aws:iam::aws:policy/AdministratorAccess"
                && str_of(r, "/sourceIPAddress") == ip)
    );
    let key = by("CreateAccessKey")
        .into_iter()
        .find(|r| str_of(r, "/requestParameters/userName") == new_user)
        .map(|r| str_of(r, "/responseElements/accessKey/accessKeyId").to_string())
        .expect("access key for the new user");
    assert!(key.starts_with("AKIA") && key.len() == 20);

    // ssh-open-to-world
    let open = by("AuthorizeSecurityGroupIngress")
        .into_iter()
        .filter(|r| {
            str_of(
                r,
                "/requestParameters/ipPermissions/items/0/ipRanges/items/0/cidrIp",
            ) == "0.0.0.0/0"
        })
        .collect::<Vec<_>>();
    assert_eq!(open.len(), 1);
    let perm = &open[0]["requestParameters"]["ipPermissions"]["items"][0];
    assert_eq!(
        (
            perm["ipProtocol"].as_str(),
            perm["fromPort"].as_u64(),
            perm["toPort"].as_u64()
        ),
        (Some("tcp"), Some(22), Some(22))
    );
    assert!(str_of(open[0], "/requestParameters/groupId").starts_with("sg-"));

    // public-bucket-policy
    let policies = by("PutBucketPolicy");
    assert_eq!(policies.len(), 1);
    let statement = &policies[0]["requestParameters"]["bucketPolicy"]["Statement"][0];
    let bucket = str_of(policies[0], "/requestParameters/bucketName");
    assert_eq!(statement["Principal"], "*");
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Resource"], format!("arn:aws:s3:::{bucket}/*"));

    // s3-exfiltration: the new user's key, one IP, >= 500 objects within ~10 minutes.
    let exfil: Vec<&Value> = by("GetObject")
        .into_iter()
        .filter(|r| str_of(r, "/userIdentity/accessKeyId") == key)
        .collect();
    assert!(exfil.len() >= 500, "{} GetObject", exfil.len());
    let ips: BTreeSet<&str> = exfil
        .iter()
        .map(|r| str_of(r, "/sourceIPAddress"))
        .collect();
    let buckets: BTreeSet<&str> = exfil
        .iter()
        .map(|r| str_of(r, "/requestParameters/bucketName"))
        .collect();
    assert_eq!((ips.len(), buckets.len()), (1, 1));
    let times: Vec<i64> = exfil
        .iter()
        .map(|r| secs(str_of(r, "/eventTime")))
        .collect();
    let span = times.iter().max().copied().unwrap_or(0) - times.iter().min().copied().unwrap_or(0);
    assert!(span <= 11 * 60, "{span} s");
    for r in &exfil {
        assert!(
            r["additionalEventData"]["bytesTransferredOut"]
                .as_u64()
                .is_some_and(|b| b > 0)
        );
        assert!(str_of(r, "/resources/0/ARN").starts_with("arn:aws:s3:::"));
    }

    // port-scan
    #[derive(Default)]
    struct Pair<'a> {
        ports: BTreeSet<&'a str>,
        flows: usize,
        rejects: Vec<i64>,
        first: Option<i64>,
    }
    let mut pairs: BTreeMap<(&str, &str), Pair<'_>> = BTreeMap::new();
    for f in logs.flow_records() {
        if f[13] != "OK" {
            continue;
        }
        let e = pairs.entry((f[3], f[4])).or_default();
        let start: i64 = f[10].parse().expect("start");
        e.ports.insert(f[6]);
        e.flows += 1;
        if f[12] == "REJECT" {
            e.rejects.push(start);
        }
        e.first = Some(e.first.map_or(start, |t| t.min(start)));
    }
    let scans: Vec<_> = pairs.iter().filter(|(_, v)| v.ports.len() >= 100).collect();
    assert_eq!(scans.len(), 1, "exactly one scanner");
    let ((src, dst), pair) = scans[0];
    assert_eq!(*src, "198.51.100.23");
    assert!(dst.starts_with("10."));
    assert!(pair.ports.len() >= 200, "{} ports", pair.ports.len());
    assert!(pair.rejects.len() * 10 >= pair.flows * 9, "mostly REJECT");
    let span = pair.rejects.iter().max().copied().unwrap_or(0)
        - pair.rejects.iter().min().copied().unwrap_or(0);
    assert!(span <= 5 * 60, "{span} s");
    assert_eq!(
        pair.first,
        Some(story(&summary, "port-scan").at.timestamp())
    );

    // guardduty-high
    let high: Vec<&Value> = logs
        .guardduty
        .iter()
        .filter(|f| f["severity"].as_f64().is_some_and(|s| s >= 7.0))
        .collect();
    assert!(high.len() >= 3);
    let types: BTreeSet<&str> = high.iter().map(|f| str_of(f, "/type")).collect();
    for t in [
        "Backdoor:EC2/C&CActivity.B",
        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    ] {
        assert!(types.contains(t), "missing {t}");
    }
    let benign_low = logs
        .guardduty
        .iter()
        .filter(|f| f["severity"].as_f64().is_some_and(|s| s < 7.0))
        .count();
    assert!(benign_low >= 20);
}

#[test]
fn stories_are_present() {
    check_stories(&options(10_000));
}

#[test]
fn stories_fit_a_one_day_window_with_the_minimum_events() {
    let mut opts = options(1_000);
    opts.days = 1;
    opts.end += chrono::Duration::milliseconds(250);
    check_stories(&opts);
}

#[test]
fn guardduty_findings_have_the_export_shape() {
    let dir = tempfile::tempdir().expect("temp dir");
    run(&options(10_000), dir.path());
    let logs = Logs::load(dir.path());
    assert!(logs.guardduty.len() >= 20);
    for f in &logs.guardduty {
        assert_eq!(f["schemaVersion"], "2.0");
        assert_eq!(f["partition"], "aws");
        assert_eq!(str_of(f, "/id").len(), 32);
        assert!(str_of(f, "/arn").ends_with(str_of(f, "/id")));
        assert_eq!(f["service"]["serviceName"], "guardduty");
        assert_eq!(f["service"]["archived"], false);
        assert!(f["severity"].is_number());
        assert!(f["resource"]["resourceType"].is_string());
        assert!(f["service"]["action"]["actionType"].is_string());
        for field in ["/createdAt", "/updatedAt"] {
            let t = str_of(f, field);
            assert!(
                t.len() == 24 && t.ends_with('Z') && t.as_bytes()[19] == b'.',
                "{t}"
            );
        }
    }
}

#[test]
fn invalid_options_are_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut calls = 0;
    for opts in [
        options(999),
        options(0),
        DemoOptions {
            days: 0,
            ..options(10_000)
        },
        DemoOptions {
            days: 10_000,
            ..options(10_000)
        },
        DemoOptions {
            end: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            ..options(10_000)
        },
    ] {
        let err = generate(&opts, dir.path(), &mut |_| calls += 1).expect_err("rejected");
        assert!(matches!(err, DemoError::InvalidOptions(_)), "{err}");
    }
    assert_eq!(calls, 0);
    assert!(files(dir.path()).is_empty());
}

#[test]
fn unwritable_output_is_an_io_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a directory").expect("write");
    let err =
        generate(&options(1_000), &blocker, &mut |_| {}).expect_err("cannot write under a file");
    match err {
        DemoError::Io { path, .. } => assert!(path.starts_with(&blocker)),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn helpers() {
    use super::{allocate, civil, iso, key_parts, sql_ts};
    assert_eq!(iso(0), "1970-01-01T00:00:00Z");
    assert_eq!(iso(1_795_857_000), "2026-11-28T09:10:00Z");
    assert_eq!(sql_ts(951_782_400), "2000-02-29 00:00:00");
    let c = civil(4_107_542_399);
    assert_eq!(
        (c.year, c.month, c.day, c.hour, c.minute, c.second),
        (2100, 2, 28, 23, 59, 59)
    );
    assert_eq!(key_parts(1_795_857_000).1, "20261128T0910Z");
    let a = allocate(10, &[1.0, 1.0, 1.0]);
    assert_eq!(a, vec![4, 3, 3]);
    assert_eq!(allocate(7, &[0.0, 2.0, 5.0]).iter().sum::<u64>(), 7);
    assert_eq!(allocate(5, &[0.0, 0.0]), vec![0, 0]);
    assert_eq!(
        super::cloudtrail::sts_expiration(1_795_857_000 + 4 * 3_600),
        "Nov 28, 2026, 1:10:00 PM"
    );
}
