//! Synthetic AWS security logs for `mantissa demo`.
//!
//! Mantissa Log only shows what it can do once it has logs to look at, and most
//! people evaluating it have no multi-account AWS estate they are willing to
//! point at a new tool. This module writes a realistic week of CloudTrail, VPC
//! flow log and GuardDuty data for three fictional accounts, in the exact
//! native formats and S3 key layout AWS delivers, so that the product's real
//! ingest path (not a demo shortcut) turns them into tables. Among the benign
//! background activity it plants a handful of attack stories; each [`Story`]
//! says where it is and carries an Athena-SQL query that finds it.
//!
//! The output is a pure function of [`DemoOptions`]: every random choice comes
//! from a seeded [`StdRng`], iteration order is fixed and gzip headers carry
//! no timestamp, so the same options give byte-identical files. Generation
//! goes hour by hour and file by file, so ten million events need no more
//! memory than one output file's records.

mod cloudtrail;
mod flow;
mod guardduty;
mod identity;
mod stories;
mod world;

/// The product description's example detection ("Suspicious Login Pattern":
/// three or more failed console sign-ins followed by a success from the same
/// principal and IP within the last hour), verbatim. The demo runs it as of
/// the planted brute force; the dialect tests run it on hand-made data.
pub const SUSPICIOUS_LOGIN_PATTERN: &str = include_str!("suspicious_login_pattern.sql");

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Seed used when the caller does not choose one.
pub const DEFAULT_SEED: u64 = 42;
/// Number of events generated when the caller does not choose a number.
pub const DEFAULT_EVENTS: u64 = 200_000;
/// Length of the generated window, in days, when the caller does not choose one.
pub const DEFAULT_DAYS: u32 = 7;
/// Smallest accepted [`DemoOptions::events`]: below it the planted stories
/// would crowd out the benign background.
pub const MIN_EVENTS: u64 = 1_000;
/// Largest accepted [`DemoOptions::days`].
pub const MAX_DAYS: u32 = 366;

/// At least this many benign GuardDuty findings are written whatever the size.
const MIN_BENIGN_FINDINGS: u64 = 20;
/// `progress` is called at least every this many records.
const PROGRESS_STEP: u64 = 2_000;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// What to generate: see [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Seed of every random choice; the same options give byte-identical output.
    pub seed: u64,
    /// Total number of records (CloudTrail events, flow records and GuardDuty
    /// findings together) to write; at least [`MIN_EVENTS`].
    pub events: u64,
    /// Exclusive end of the generated window.
    pub end: DateTime<Utc>,
    /// Length of the window `[end - days, end)`, between 1 and [`MAX_DAYS`].
    pub days: u32,
}

impl DemoOptions {
    /// Default options (seed [`DEFAULT_SEED`], [`DEFAULT_EVENTS`] events,
    /// [`DEFAULT_DAYS`] days) for a window ending at `end`.
    pub fn new(end: DateTime<Utc>) -> Self {
        Self {
            seed: DEFAULT_SEED,
            events: DEFAULT_EVENTS,
            end,
            days: DEFAULT_DAYS,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Number of files written.
    pub files: u64,
    /// Total size of the files written, in bytes (compressed, as on disk).
    pub bytes: u64,
    /// CloudTrail records written, planted ones included.
    pub cloudtrail_events: u64,
    /// VPC flow log records written (header lines not counted).
    pub flow_records: u64,
    /// GuardDuty findings written, planted ones included.
    pub guardduty_findings: u64,
    /// The 12-digit ids of the generated accounts: prod, staging, security.
    pub accounts: Vec<String>,
    /// The planted attack stories, in time order.
    pub stories: Vec<Story>,
}

/// One planted attack story: where it is and how to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// Stable identifier, such as `console-brute-force`.
    pub id: &'static str,
    /// Human-readable one-line title.
    pub title: &'static str,
    /// The 12-digit id of the account the story happens in.
    pub account: String,
    /// When the story starts (its first planted record).
    pub at: DateTime<Utc>,
    /// One line naming the principal, IP addresses and resources involved.
    pub details: String,
    /// An Athena (Trino) SQL query over the ingested tables that finds the story.
    pub sql: String,
}

/// Why [`generate`] failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A directory or file could not be created or written.
    #[error("cannot write `{path}`")]
    Io {
        /// The directory or file that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The options are out of range.
    #[error("invalid demo options: {0}")]
    InvalidOptions(String),
}

/// Writes the demo logs under `out_dir` (as `AWSLogs/<account>/...`, the layout
/// of an AWS log bucket) and returns what was written.
///
/// `progress` is called with the cumulative number of records written, at
/// least every few thousand records and once at the end. Existing files with
/// the same names are overwritten; other files under `out_dir` are left alone.
pub fn generate(
    opts: &DemoOptions,
    out_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<DemoSummary, DemoError> {
    validate(opts)?;
    // Events have whole-second times; with a fractional `end` the window
    // [lo, hi) of whole seconds still lies inside [end - days, end).
    let end_secs = opts.end.timestamp();
    let hi = if opts.end.timestamp_subsec_nanos() > 0 {
        end_secs + 1
    } else {
        end_secs
    };
    let lo = hi - i64::from(opts.days) * DAY;

    let world = world::World::build(opts.seed);
    let plan = stories::Plan::new(&world, hi, opts.days, opts.events);
    let planted = plan.counts(&world);
    let budget = Budget::split(opts.events, planted.guardduty);

    let hours = hours(lo, hi);
    let n_acct = world.accounts.len();
    let n_reg = world::REGIONS.len();
    let mut ct_w = Vec::with_capacity(hours.len() * n_acct * n_reg);
    let mut flow_w = Vec::with_capacity(hours.len() * n_acct);
    let mut gd_w = Vec::with_capacity(hours.len() * n_acct * n_reg);
    for h in &hours {
        let cover = (h.hi - h.lo) as f64 / HOUR as f64;
        for acct in &world.accounts {
            for (r, rw) in world::REGION_WEIGHTS.iter().enumerate() {
                ct_w.push(cover * (1.0 + cloudtrail::HUMAN_SHARE * h.human) * acct.ct_weight * rw);
                gd_w.push(cover * acct.gd_weight * world::GD_REGION_WEIGHTS[r]);
            }
            flow_w.push(cover * (1.0 + 0.6 * h.human) * acct.flow_weight);
        }
    }
    let ct_n = allocate(budget.cloudtrail.saturating_sub(planted.cloudtrail), &ct_w);
    let flow_n = allocate(budget.flow.saturating_sub(planted.flow), &flow_w);
    let gd_n = allocate(budget.guardduty.saturating_sub(planted.guardduty), &gd_w);
    drop((ct_w, flow_w, gd_w));

    let mut out = Output::new(out_dir, progress);
    let mut typos = cloudtrail::TypoGuard::default();
    for (hi_idx, h) in hours.iter().enumerate() {
        let tag = h.start as u64;
        for a in 0..n_acct {
            for r in 0..n_reg {
                let n = ct_n[(hi_idx * n_acct + a) * n_reg + r];
                let planted = plan.cloudtrail(&world, a, r, h.lo, h.hi);
                let mut rng = sub_rng(opts.seed, &[TAG_CLOUDTRAIL, a as u64, r as u64, tag]);
                let cell = Cell {
                    world: &world,
                    acct: a,
                    region: r,
                    hour: h,
                };
                cloudtrail::write_hour(&mut out, &cell, n, planted, &mut rng, &mut typos)?;
            }
        }
        for a in 0..n_acct {
            let n = flow_n[hi_idx * n_acct + a];
            let planted = plan.flows(&world, a, h.lo, h.hi);
            let mut rng = sub_rng(opts.seed, &[TAG_FLOW, a as u64, tag]);
            let cell = Cell {
                world: &world,
                acct: a,
                region: world::MAIN,
                hour: h,
            };
            flow::write_hour(&mut out, &cell, n, planted, &mut rng)?;
        }
        for a in 0..n_acct {
            for r in 0..n_reg {
                let n = gd_n[(hi_idx * n_acct + a) * n_reg + r];
                let planted = plan.findings(a, r, h.lo, h.hi);
                let mut rng = sub_rng(opts.seed, &[TAG_GUARDDUTY, a as u64, r as u64, tag]);
                let cell = Cell {
                    world: &world,
                    acct: a,
                    region: r,
                    hour: h,
                };
                guardduty::write_hour(&mut out, &cell, n, planted, &mut rng)?;
            }
        }
    }
    out.finish();

    Ok(DemoSummary {
        files: out.files,
        bytes: out.bytes,
        cloudtrail_events: out.cloudtrail,
        flow_records: out.flow,
        guardduty_findings: out.guardduty,
        accounts: world.accounts.iter().map(|a| a.id.clone()).collect(),
        stories: plan.stories(&world),
    })
}

fn validate(opts: &DemoOptions) -> Result<(), DemoError> {
    if opts.events < MIN_EVENTS {
        return Err(DemoError::InvalidOptions(format!(
            "events must be at least {MIN_EVENTS}, got {}",
            opts.events
        )));
    }
    if opts.days == 0 || opts.days > MAX_DAYS {
        return Err(DemoError::InvalidOptions(format!(
            "days must be between 1 and {MAX_DAYS}, got {}",
            opts.days
        )));
    }
    let start = opts.end.timestamp() - i64::from(opts.days) * DAY;
    // 2000-01-01 .. 9999-01-01: four-digit years in every key and timestamp.
    if start < 946_684_800 || opts.end.timestamp() > 253_370_764_800 {
        return Err(DemoError::InvalidOptions(format!(
            "the window must lie between the years 2000 and 9999, got end {}",
            opts.end
        )));
    }
    Ok(())
}

/// How many records of each log type to write in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget {
    cloudtrail: u64,
    flow: u64,
    guardduty: u64,
}

impl Budget {
    /// ~55% CloudTrail, ~1% GuardDuty (never fewer than the planted findings
    /// plus [`MIN_BENIGN_FINDINGS`]), the rest VPC flow records.
    fn split(events: u64, planted_findings: u64) -> Self {
        let cloudtrail = (u128::from(events) * 55 / 100) as u64;
        let guardduty = (events / 100).max(planted_findings + MIN_BENIGN_FINDINGS);
        let flow = events.saturating_sub(cloudtrail + guardduty);
        Self {
            cloudtrail,
            flow,
            guardduty,
        }
    }
}

/// Records planted by the stories, per log type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    cloudtrail: u64,
    flow: u64,
    guardduty: u64,
}

/// One clock hour of the window, clipped to it.
#[derive(Debug, Clone, Copy)]
struct Hour {
    /// Start of the clock hour (unix seconds).
    start: i64,
    /// First second inside the window.
    lo: i64,
    /// First second after the part inside the window.
    hi: i64,
    /// End of the whole window: nothing, not even a flow's end, lies after it.
    window_end: i64,
    /// Relative human activity, 1.0 in weekday working hours (08-19 UTC).
    human: f64,
}

/// One output cell: an hour of one account (and region).
struct Cell<'a> {
    world: &'a world::World,
    acct: usize,
    region: usize,
    hour: &'a Hour,
}

impl Cell<'_> {
    fn account(&self) -> &world::Account {
        &self.world.accounts[self.acct]
    }

    fn region_name(&self) -> &'static str {
        world::REGIONS[self.region]
    }

    /// `n` random instants (seconds) within this cell's hour, in order.
    fn sorted_times(&self, n: u64, rng: &mut StdRng) -> Vec<i64> {
        let mut times: Vec<i64> = (0..n)
            .map(|_| rng.random_range(self.hour.lo..self.hour.hi))
            .collect();
        times.sort_unstable();
        times
    }
}

fn hours(lo: i64, hi: i64) -> Vec<Hour> {
    let mut out = Vec::new();
    let mut start = lo.div_euclid(HOUR) * HOUR;
    while start < hi {
        out.push(Hour {
            start,
            lo: start.max(lo),
            hi: (start + HOUR).min(hi),
            window_end: hi,
            human: human_factor(start),
        });
        start += HOUR;
    }
    out
}

/// The diurnal curve: people work 08-19 UTC on weekdays.
fn human_factor(t: i64) -> f64 {
    let weekday = (t.div_euclid(DAY) + 3).rem_euclid(7); // 0 = Monday
    let hour = t.rem_euclid(DAY) / HOUR;
    if weekday >= 5 {
        return if (10..18).contains(&hour) { 0.12 } else { 0.03 };
    }
    match hour {
        8..=18 => 1.0,
        6 | 7 | 19..=21 => 0.35,
        _ => 0.05,
    }
}

/// Splits `total` over cells in proportion to `weights` (largest remainder:
/// exact total, deterministic tie-break by index).
fn allocate(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if total == 0 || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let mut counts = Vec::with_capacity(weights.len());
    let mut fracs = Vec::with_capacity(weights.len());
    let mut given = 0u64;
    for (i, w) in weights.iter().enumerate() {
        let quota = total as f64 * w / sum;
        let base = quota.floor() as u64;
        given += base;
        counts.push(base);
        fracs.push((quota - base as f64, i));
    }
    let rest = total.saturating_sub(given) as usize;
    fracs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in fracs.iter().take(rest) {
        counts[i] += 1;
    }
    counts
}

const TAG_WORLD: u64 = 1;
const TAG_CLOUDTRAIL: u64 = 2;
const TAG_FLOW: u64 = 3;
const TAG_GUARDDUTY: u64 = 4;
const TAG_STORY: u64 = 5;

/// SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An RNG for one independent part of the output, so each file's content
/// depends only on the seed and the file's coordinates.
fn sub_rng(seed: u64, tags: &[u64]) -> StdRng {
    let mut h = mix(seed);
    for t in tags {
        h = mix(h ^ mix(*t));
    }
    StdRng::seed_from_u64(h)
}

/// FNV-1a, to turn names into RNG tags.
fn name_tag(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A lowercase RFC 4122 version-4 UUID.
fn uuid(rng: &mut StdRng) -> String {
    let v: u128 = rng.random();
    let v = (v & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (v >> 96) as u32,
        (v >> 80) as u16,
        (v >> 64) as u16,
        (v >> 48) as u16,
        (v & 0xffff_ffff_ffff) as u64
    )
}

fn chars(rng: &mut StdRng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

const HEX: &[u8] = b"0123456789abcdef";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn hex(rng: &mut StdRng, n: usize) -> String {
    chars(rng, HEX, n)
}

/// An access key id such as `AKIA...` or `ASIA...` (prefix + 16 base32 chars).
fn access_key(rng: &mut StdRng, prefix: &str) -> String {
    format!("{prefix}{}", chars(rng, BASE32, 16))
}

/// A unique id such as `AIDA...` or `AROA...` (prefix + 17 chars).
fn unique_id(rng: &mut StdRng, prefix: &str) -> String {
    format!("{prefix}{}", chars(rng, UPPER_ALNUM, 17))
}

/// Picks one element; `items` must not be empty.
fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Picks by weight; `items` must not be empty.
fn pick_weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

/// Unix seconds to calendar time (Howard Hinnant's `civil_from_days`).
fn civil(t: i64) -> Civil {
    let days = t.div_euclid(DAY);
    let secs = t.rem_euclid(DAY);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (secs / HOUR) as u32,
        minute: (secs % HOUR / 60) as u32,
        second: (secs % 60) as u32,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, CloudTrail's `eventTime` format.
fn iso(t: i64) -> String {
    let c = civil(t);
    let mut s = String::with_capacity(20);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    s
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, GuardDuty's timestamp format.
fn iso_ms(t: i64, ms: u32) -> String {
    let c = civil(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, ms
    )
}

/// `YYYY-MM-DD HH:MM:SS`, for SQL timestamp literals.
fn sql_ts(t: i64) -> String {
    let c = civil(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// The `YYYY`, `MM`, `DD` key components and the `YYYYMMDDTHHmmZ` stamp of an
/// S3 log object delivered at `t`.
fn key_parts(t: i64) -> ([String; 3], String) {
    let c = civil(t);
    (
        [
            format!("{:04}", c.year),
            format!("{:02}", c.month),
            format!("{:02}", c.day),
        ],
        format!(
            "{:04}{:02}{:02}T{:02}{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute
        ),
    )
}

/// Which log a record belongs to, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Log {
    CloudTrail,
    Flow,
    GuardDuty,
}

/// Where files go, and what has been written so far.
struct Output<'p> {
    root: PathBuf,
    dirs: BTreeSet<PathBuf>,
    files: u64,
    bytes: u64,
    cloudtrail: u64,
    flow: u64,
    guardduty: u64,
    reported: u64,
    progress: &'p mut dyn FnMut(u64),
}

impl<'p> Output<'p> {
    fn new(root: &Path, progress: &'p mut dyn FnMut(u64)) -> Self {
        Self {
            root: root.to_path_buf(),
            dirs: BTreeSet::new(),
            files: 0,
            bytes: 0,
            cloudtrail: 0,
            flow: 0,
            guardduty: 0,
            reported: 0,
            progress,
        }
    }

    /// Creates the gzip file at `root/parts[0]/parts[1]/...`.
    fn create(&mut self, parts: &[&str]) -> Result<GzFile, DemoError> {
        let mut path = self.root.clone();
        for p in parts {
            path.push(p);
        }
        if let Some(dir) = path.parent()
            && !self.dirs.contains(dir)
        {
            std::fs::create_dir_all(dir).map_err(|source| DemoError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            self.dirs.insert(dir.to_path_buf());
        }
        let file = File::create(&path).map_err(|source| DemoError::Io {
            path: path.clone(),
            source,
        })?;
        let gz = GzEncoder::new(Counter { file, n: 0 }, Compression::fast());
        Ok(GzFile {
            path,
            w: BufWriter::with_capacity(64 * 1024, gz),
        })
    }

    /// Finishes `file` and accounts for it.
    fn close(&mut self, file: GzFile) -> Result<(), DemoError> {
        let n = file.finish()?;
        self.files += 1;
        self.bytes += n;
        Ok(())
    }

    /// Accounts for one record written.
    fn count(&mut self, log: Log) {
        match log {
            Log::CloudTrail => self.cloudtrail += 1,
            Log::Flow => self.flow += 1,
            Log::GuardDuty => self.guardduty += 1,
        }
        let total = self.total();
        if total - self.reported >= PROGRESS_STEP {
            self.reported = total;
            (self.progress)(total);
        }
    }

    fn total(&self) -> u64 {
        self.cloudtrail + self.flow + self.guardduty
    }

    /// Reports the final total.
    fn finish(&mut self) {
        let total = self.total();
        self.reported = total;
        (self.progress)(total);
    }
}

/// Counts the bytes that reach the file.
struct Counter {
    file: File,
    n: u64,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A gzip file being written.
struct GzFile {
    path: PathBuf,
    w: BufWriter<GzEncoder<Counter>>,
}

impl GzFile {
    fn io(&self, source: io::Error) -> DemoError {
        DemoError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), DemoError> {
        self.w.write_all(bytes).map_err(|e| self.io(e))
    }

    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> Result<(), DemoError> {
        self.w.write_fmt(args).map_err(|e| self.io(e))
    }

    fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DemoError> {
        serde_json::to_writer(&mut self.w, value).map_err(|e| self.io(io::Error::from(e)))
    }

    /// Flushes and closes the file; returns its size.
    fn finish(self) -> Result<u64, DemoError> {
        let path = self.path;
        let io_err = |source| DemoError::Io {
            path: path.clone(),
            source,
        };
        let gz = self.w.into_inner().map_err(|e| io_err(e.into_error()))?;
        let mut counter = gz.finish().map_err(io_err)?;
        counter.flush().map_err(io_err)?;
        Ok(counter.n)
    }
}

#[cfg(test)]
mod tests;
