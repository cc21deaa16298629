//! Threat intelligence from local indicator lists.
//!
//! A list is a text file with one indicator per line (IPv4/IPv6 address,
//! CIDR, domain, MD5/SHA-1/SHA-256 hash; `#` starts a comment; anything
//! after the first whitespace or comma is kept as the description), which
//! covers plain feeds such as IPsum and two-column CSV. Lists are re-read
//! when their modification time changes.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::SystemTime;

use ipnet::IpNet;
use mantissa_core::alert::{Alert, IntelMatch};
use mantissa_core::config::IntelListConfig;
use serde_json::Value;

/// One parsed list.
#[derive(Debug, Default)]
struct Indicators {
    ips: HashMap<IpAddr, Option<String>>,
    nets: Vec<(IpNet, Option<String>)>,
    domains: HashMap<String, Option<String>>,
    hashes: HashMap<String, Option<String>>,
    /// Lines that are not indicators (reported once per load).
    rejected: usize,
}

#[derive(Debug)]
struct Loaded {
    modified: Option<SystemTime>,
    indicators: Indicators,
}

/// Indicator lists, reloaded when they change.
#[derive(Debug)]
pub struct Intel {
    lists: Vec<(IntelListConfig, Mutex<Option<Loaded>>)>,
}

impl Intel {
    /// The configured lists (read on first use).
    pub fn new(lists: &[IntelListConfig]) -> Self {
        Self {
            lists: lists
                .iter()
                .map(|l| (l.clone(), Mutex::new(None)))
                .collect(),
        }
    }

    /// Whether any list is configured.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Matches of the alert's IPs and string values against every list.
    pub fn check(&self, alert: &Alert, warnings: &mut Vec<String>) -> Vec<IntelMatch> {
        let ips = alert.ips();
        let values = string_values(alert);
        let mut out = Vec::new();
        for (cfg, slot) in &self.lists {
            let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = refresh(cfg, &mut guard) {
                warnings.push(e);
            }
            let Some(loaded) = guard.as_ref() else {
                continue;
            };
            let ind = &loaded.indicators;
            for ip in &ips {
                if let Some(detail) = ind.ips.get(ip) {
                    out.push(hit(cfg, ip.to_string(), ip.to_string(), "ip", detail));
                } else if let Some((net, detail)) = ind.nets.iter().find(|(n, _)| n.contains(ip)) {
                    out.push(hit(cfg, ip.to_string(), net.to_string(), "cidr", detail));
                }
            }
            for v in &values {
                let lower = v.to_ascii_lowercase();
                if let Some(detail) = ind.hashes.get(&lower) {
                    out.push(hit(cfg, v.clone(), lower.clone(), "hash", detail));
                    continue;
                }
                for host in hosts_in(&lower) {
                    if let Some((domain, detail)) = domain_match(&ind.domains, host) {
                        out.push(hit(cfg, v.clone(), domain, "domain", &detail));
                        break;
                    }
                }
            }
        }
        out.dedup_by(|a, b| a.value == b.value && a.list == b.list);
        out
    }
}

fn hit(
    cfg: &IntelListConfig,
    value: String,
    indicator: String,
    kind: &str,
    detail: &Option<String>,
) -> IntelMatch {
    IntelMatch {
        value,
        indicator,
        kind: kind.into(),
        list: cfg.name.clone(),
        detail: detail.clone(),
    }
}

/// Re-reads the list when its modification time changed; keeps the old
/// copy when the new one cannot be read.
fn refresh(cfg: &IntelListConfig, slot: &mut Option<Loaded>) -> Result<(), String> {
    let meta = std::fs::metadata(&cfg.path).map_err(|e| {
        format!(
            "threat intel `{}`: cannot read {} ({e}){}",
            cfg.name,
            cfg.path.display(),
            if slot.is_some() {
                "; using the copy loaded earlier"
            } else {
                ""
            }
        )
    })?;
    let modified = meta.modified().ok();
    if let Some(l) = slot
        && l.modified == modified
        && modified.is_some()
    {
        return Ok(());
    }
    let text = std::fs::read_to_string(&cfg.path).map_err(|e| {
        format!(
            "threat intel `{}`: cannot read {} ({e})",
            cfg.name,
            cfg.path.display()
        )
    })?;
    let indicators = parse(&text);
    if indicators.rejected > 0 {
        tracing::warn!(
            list = %cfg.name,
            path = %cfg.path.display(),
            rejected = indicators.rejected,
            "threat intel list has lines that are not IPs, CIDRs, domains or hashes; they are ignored"
        );
    }
    tracing::debug!(list = %cfg.name, ips = indicators.ips.len(), nets = indicators.nets.len(), domains = indicators.domains.len(), hashes = indicators.hashes.len(), "threat intel list loaded");
    *slot = Some(Loaded {
        modified,
        indicators,
    });
    Ok(())
}

fn parse(text: &str) -> Indicators {
    let mut ind = Indicators::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(2, |c: char| c == ',' || c.is_whitespace());
        let raw = parts.next().unwrap_or("").trim().trim_matches('"');
        let detail = parts
            .next()
            .map(|d| {
                d.trim()
                    .trim_matches(|c: char| c == ',' || c == '"')
                    .trim()
                    .to_string()
            })
            .filter(|d| !d.is_empty());
        if i == 0
            && matches!(
                raw.to_ascii_lowercase().as_str(),
                "indicator" | "ip" | "value"
            )
        {
            continue; // CSV header
        }
        if let Ok(ip) = raw.parse::<IpAddr>() {
            ind.ips.insert(ip, detail);
        } else if let Ok(net) = raw.parse::<IpNet>() {
            ind.nets.push((net.trunc(), detail));
        } else if is_hash(raw) {
            ind.hashes.insert(raw.to_ascii_lowercase(), detail);
        } else if is_domain(raw) {
            ind.domains
                .insert(raw.trim_end_matches('.').to_ascii_lowercase(), detail);
        } else {
            ind.rejected += 1;
        }
    }
    ind
}

fn is_hash(s: &str) -> bool {
    matches!(s.len(), 32 | 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_domain(s: &str) -> bool {
    s.contains('.')
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && s.rsplit('.')
            .next()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
}

/// The domain (or a parent domain) of `host` on the list.
fn domain_match(
    domains: &HashMap<String, Option<String>>,
    host: &str,
) -> Option<(String, Option<String>)> {
    let mut h = host.trim_end_matches('.');
    loop {
        if let Some(d) = domains.get(h) {
            return Some((h.to_string(), d.clone()));
        }
        let (_, rest) = h.split_once('.')?;
        if !rest.contains('.') {
            return None;
        }
        h = rest;
    }
}

/// Host names inside a value: the value itself, or the host of a URL.
fn hosts_in(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some((_, rest)) = value.split_once("://") {
        let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
        if !host.is_empty() {
            out.push(host);
        }
    } else if is_domain(value) {
        out.push(value);
    }
    out
}

fn string_values(alert: &Alert) -> Vec<String> {
    let mut seen = HashSet::new();
    let rows = std::iter::once(&alert.group).chain(alert.evidence.iter());
    let mut out = Vec::new();
    for row in rows {
        for v in row.values() {
            if let Value::String(s) = v
                && !s.is_empty()
                && s.len() < 2048
                && seen.insert(s.clone())
            {
                out.push(s.clone());
            }
        }
    }
    out
}
