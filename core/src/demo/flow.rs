//! VPC flow logs: default version-2 records and the hourly text files under
//! `AWSLogs/<acct>/vpcflowlogs/<region>/`, each starting with the header line.

use std::fmt;

use rand::Rng;
use rand::rngs::StdRng;

use super::world::{self, Host, HostRole};
use super::{Cell, DemoError, Log, Output, key_parts, pick, pick_weighted};

/// The header AWS writes as the first line of every flow log file.
pub(super) const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// IANA protocol numbers.
pub(super) const TCP: u8 = 6;
/// UDP.
pub(super) const UDP: u8 = 17;
/// ICMP.
pub(super) const ICMP: u8 = 1;

/// The traffic part of a flow record (absent for NODATA/SKIPDATA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Traffic {
    pub(super) src: String,
    pub(super) dst: String,
    pub(super) sport: u16,
    pub(super) dport: u16,
    pub(super) protocol: u8,
    pub(super) packets: u64,
    pub(super) bytes: u64,
}

/// One flow log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FlowRec {
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) eni: String,
    pub(super) traffic: Option<Traffic>,
    /// `ACCEPT`, `REJECT`, or `-` without traffic.
    pub(super) action: &'static str,
    /// `OK`, `NODATA` or `SKIPDATA`.
    pub(super) status: &'static str,
}

impl FlowRec {
    /// A record of `traffic` seen on `eni`.
    pub(super) fn new(start: i64, end: i64, eni: &str, traffic: Traffic, accept: bool) -> Self {
        Self {
            start,
            end,
            eni: eni.to_string(),
            traffic: Some(traffic),
            action: if accept { "ACCEPT" } else { "REJECT" },
            status: "OK",
        }
    }
}

/// The record as a line, without the account id and newline.
struct Line<'a>(&'a FlowRec);

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        write!(f, "{} ", r.eni)?;
        match &r.traffic {
            Some(t) => write!(
                f,
                "{} {} {} {} {} {} {} ",
                t.src, t.dst, t.sport, t.dport, t.protocol, t.packets, t.bytes
            )?,
            None => f.write_str("- - - - - - - ")?,
        }
        write!(f, "{} {} {} {}", r.start, r.end, r.action, r.status)
    }
}

fn ephemeral(rng: &mut StdRng) -> u16 {
    rng.random_range(32_768..=60_999)
}

/// Hosts of the main region by role.
struct Net<'a> {
    albs: Vec<&'a Host>,
    webs: Vec<&'a Host>,
    workers: Vec<&'a Host>,
    dbs: Vec<&'a Host>,
    lambdas: Vec<&'a Host>,
    all: Vec<&'a Host>,
    dns: String,
}

impl<'a> Net<'a> {
    fn new(cell: &'a Cell<'a>) -> Option<Self> {
        let acct = cell.account();
        let hosts = &acct.hosts[world::MAIN];
        let of =
            |role: HostRole| -> Vec<&'a Host> { hosts.iter().filter(|h| h.role == role).collect() };
        let net = Self {
            albs: of(HostRole::Alb),
            webs: of(HostRole::Web),
            workers: of(HostRole::Worker),
            dbs: of(HostRole::Db),
            lambdas: of(HostRole::Lambda),
            all: hosts.iter().collect(),
            dns: format!("10.{}.0.2", acct.octet),
        };
        let complete = [&net.albs, &net.webs, &net.workers, &net.dbs, &net.lambdas]
            .iter()
            .all(|v| !v.is_empty());
        complete.then_some(net)
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    WebIn,
    WebOut,
    AlbToApp,
    AppToDb,
    Egress,
    Dns,
    Scan,
    AdminSsh,
    Icmp,
    InternalReject,
    NoData,
    SkipData,
}

const KINDS: &[(Kind, u32)] = &[
    (Kind::WebIn, 180),
    (Kind::WebOut, 120),
    (Kind::AlbToApp, 140),
    (Kind::AppToDb, 120),
    (Kind::Egress, 120),
    (Kind::Dns, 110),
    (Kind::Scan, 70),
    (Kind::AdminSsh, 8),
    (Kind::Icmp, 20),
    (Kind::InternalReject, 12),
    (Kind::NoData, 30),
    (Kind::SkipData, 3),
];

const SCAN_PORTS: &[(u16, u32)] = &[
    (22, 30),
    (3389, 20),
    (23, 8),
    (445, 8),
    (1433, 4),
    (3306, 4),
    (5900, 4),
    (8080, 6),
    (6379, 3),
    (2222, 3),
    (5432, 3),
    (25, 2),
];

fn benign(rng: &mut StdRng, cell: &Cell<'_>, net: &Net<'_>, start: i64) -> FlowRec {
    let end = (start + rng.random_range(60..=600)).min(cell.hour.window_end);
    let kind = *pick_weighted(rng, KINDS);
    let tcp = |src: &str,
               dst: &str,
               sport: u16,
               dport: u16,
               packets: u64,
               size: (u64, u64),
               rng: &mut StdRng| Traffic {
        src: src.to_string(),
        dst: dst.to_string(),
        sport,
        dport,
        protocol: TCP,
        packets,
        bytes: packets * rng.random_range(size.0..size.1),
    };
    match kind {
        Kind::WebIn | Kind::WebOut => {
            let alb = *pick(rng, &net.albs);
            let client = world::client_ip(rng);
            let port = if rng.random_bool(0.88) { 443 } else { 80 };
            let packets = rng.random_range(4..120);
            let cport = ephemeral(rng);
            let t = if matches!(kind, Kind::WebIn) {
                tcp(&client, &alb.ip, cport, port, packets, (60, 700), rng)
            } else {
                tcp(&alb.ip, &client, port, cport, packets, (200, 1_400), rng)
            };
            FlowRec::new(start, end, &alb.eni, t, true)
        }
        Kind::AlbToApp => {
            let alb = *pick(rng, &net.albs);
            let web = *pick(rng, &net.webs);
            let packets = rng.random_range(4..200);
            let t = tcp(
                &alb.ip,
                &web.ip,
                ephemeral(rng),
                8080,
                packets,
                (80, 1_200),
                rng,
            );
            FlowRec::new(start, end, &web.eni, t, true)
        }
        Kind::AppToDb => {
            let app = if rng.random_bool(0.75) {
                *pick(rng, &net.webs)
            } else {
                *pick(rng, &net.workers)
            };
            let db = *pick(rng, &net.dbs);
            let packets = rng.random_range(6..400);
            let t = tcp(
                &app.ip,
                &db.ip,
                ephemeral(rng),
                5432,
                packets,
                (90, 1_100),
                rng,
            );
            let eni = if rng.random_bool(0.5) {
                &db.eni
            } else {
                &app.eni
            };
            FlowRec::new(start, end, eni, t, true)
        }
        Kind::Egress => {
            let src = match rng.random_range(0..3) {
                0 => *pick(rng, &net.webs),
                1 => *pick(rng, &net.workers),
                _ => *pick(rng, &net.lambdas),
            };
            let dst = world::saas_ip(rng);
            let packets = rng.random_range(6..300);
            let t = tcp(
                &src.ip,
                &dst,
                ephemeral(rng),
                443,
                packets,
                (80, 1_300),
                rng,
            );
            FlowRec::new(start, end, &src.eni, t, true)
        }
        Kind::Dns => {
            let src = *pick(rng, &net.all);
            let packets = rng.random_range(1..12);
            let t = Traffic {
                src: src.ip.clone(),
                dst: net.dns.clone(),
                sport: ephemeral(rng),
                dport: 53,
                protocol: UDP,
                packets,
                bytes: packets * rng.random_range(60..160),
            };
            FlowRec::new(start, end, &src.eni, t, true)
        }
        Kind::Scan => {
            let acct = cell.account();
            let target = if rng.random_bool(0.5) {
                acct.bastion()
            } else {
                *pick(rng, &net.albs)
            };
            let port = *pick_weighted(rng, SCAN_PORTS);
            let packets = rng.random_range(1..4);
            let src = world::scanner_ip(rng);
            let t = tcp(
                &src,
                &target.ip,
                ephemeral(rng),
                port,
                packets,
                (40, 61),
                rng,
            );
            // Background scans are blocked by the security groups.
            FlowRec::new(start, end, &target.eni, t, false)
        }
        Kind::AdminSsh => {
            let bastion = cell.account().bastion();
            let src = pick(rng, &cell.world.corp_ips);
            let packets = rng.random_range(20..2_000);
            let t = tcp(
                src,
                &bastion.ip,
                ephemeral(rng),
                22,
                packets,
                (60, 400),
                rng,
            );
            FlowRec::new(start, end, &bastion.eni, t, true)
        }
        Kind::Icmp => {
            let target = *pick(rng, &net.albs);
            let src = world::scanner_ip(rng);
            let packets = rng.random_range(1..5);
            let t = Traffic {
                src,
                dst: target.ip.clone(),
                sport: 0,
                dport: 0,
                protocol: ICMP,
                packets,
                bytes: packets * 84,
            };
            FlowRec::new(start, end, &target.eni, t, false)
        }
        Kind::InternalReject => {
            let src = *pick(rng, &net.workers);
            let db = *pick(rng, &net.dbs);
            let t = tcp(
                &src.ip,
                &db.ip,
                ephemeral(rng),
                22,
                rng.random_range(1..4),
                (40, 61),
                rng,
            );
            FlowRec::new(start, end, &db.eni, t, false)
        }
        Kind::NoData | Kind::SkipData => FlowRec {
            start,
            end,
            eni: pick(rng, &net.all).eni.clone(),
            traffic: None,
            action: "-",
            status: if matches!(kind, Kind::NoData) {
                "NODATA"
            } else {
                "SKIPDATA"
            },
        },
    }
}

/// Writes the flow log file of one (account, hour) in the main region: `n`
/// benign records plus the `planted` ones, ordered by start time.
pub(super) fn write_hour(
    out: &mut Output<'_>,
    cell: &Cell<'_>,
    n: u64,
    mut planted: Vec<FlowRec>,
    rng: &mut StdRng,
) -> Result<(), DemoError> {
    let net = Net::new(cell);
    let n = if net.is_some() { n } else { 0 };
    if n == 0 && planted.is_empty() {
        return Ok(());
    }
    planted.sort_by_key(|r| r.start);
    let times = cell.sorted_times(n, rng);

    let acct = cell.account();
    let region = cell.region_name();
    let ([yyyy, mm, dd], _) = key_parts(cell.hour.start);
    let (_, stamp) = key_parts(cell.hour.start + 55 * 60);
    let name = format!(
        "{}_vpcflowlogs_{region}_{}_{stamp}_{}.log.gz",
        acct.id,
        acct.flow_log_id,
        super::hex(rng, 8)
    );
    let mut f = out.create(&[
        "AWSLogs",
        &acct.id,
        "vpcflowlogs",
        region,
        &yyyy,
        &mm,
        &dd,
        &name,
    ])?;
    f.write(HEADER.as_bytes())?;
    f.write(b"\n")?;
    let mut planted = planted.into_iter().peekable();
    for t in times {
        while let Some(r) = planted.next_if(|r| r.start <= t) {
            writeln!(f, "2 {} {}", acct.id, Line(&r))?;
            out.count(Log::Flow);
        }
        if let Some(net) = &net {
            let r = benign(rng, cell, net, t);
            writeln!(f, "2 {} {}", acct.id, Line(&r))?;
            out.count(Log::Flow);
        }
    }
    for r in planted {
        writeln!(f, "2 {} {}", acct.id, Line(&r))?;
        out.count(Log::Flow);
    }
    out.close(f)
}
