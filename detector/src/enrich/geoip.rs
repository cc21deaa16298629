//! IP geolocation and network owner from MaxMind-format databases.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use mantissa_core::alert::IpContext;
use maxminddb::Reader;
use serde::Deserialize;

/// A set of `.mmdb` databases (City, Country, ASN, …) answered together.
pub struct GeoIp {
    readers: Vec<(PathBuf, Reader<Vec<u8>>)>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp")
            .field(
                "databases",
                &self.readers.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The fields of GeoIP2/GeoLite2 City, Country and ASN records we show.
#[derive(Debug, Default, Deserialize)]
struct Record {
    #[serde(default)]
    city: Option<Named>,
    #[serde(default)]
    country: Option<Country>,
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(default)]
    autonomous_system_organization: Option<String>,
    // ip-location-db ASN/country layouts
    #[serde(default)]
    country_code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Named {
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct Country {
    #[serde(default)]
    iso_code: Option<String>,
    #[serde(default)]
    names: BTreeMap<String, String>,
}

impl GeoIp {
    /// Opens every database; the ones that fail are returned as warnings.
    pub fn open(paths: &[PathBuf]) -> (Self, Vec<String>) {
        let mut readers = Vec::new();
        let mut warnings = Vec::new();
        for p in paths {
            match Reader::open_readfile(p) {
                Ok(r) => readers.push((p.clone(), r)),
                Err(e) => warnings.push(format!(
                    "geoip: cannot open {} ({e}); alerts get no geolocation from it",
                    p.display()
                )),
            }
        }
        (Self { readers }, warnings)
    }

    /// Whether any database is open.
    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }

    /// What the databases know about `ip`; lookup errors become warnings.
    pub fn lookup(&self, ip: IpAddr, warnings: &mut Vec<String>) -> IpContext {
        let mut ctx = IpContext {
            ip: ip.to_string(),
            ..Default::default()
        };
        if !is_global(ip) {
            ctx.private = true;
            return ctx;
        }
        for (path, reader) in &self.readers {
            match lookup_one(reader, ip) {
                Ok(Some(rec)) => merge(&mut ctx, rec),
                Ok(None) => {}
                Err(e) => warnings.push(format!("geoip: {} lookup of {ip}: {e}", name(path))),
            }
        }
        ctx
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn lookup_one(
    reader: &Reader<Vec<u8>>,
    ip: IpAddr,
) -> Result<Option<Record>, maxminddb::MaxMindDbError> {
    reader.lookup(ip)?.decode::<Record>()
}

fn merge(ctx: &mut IpContext, rec: Record) {
    if let Some(country) = rec.country {
        if ctx.country.is_none() {
            ctx.country = country.iso_code;
        }
        if ctx.country_name.is_none() {
            ctx.country_name = country.names.get("en").cloned();
        }
    }
    if ctx.country.is_none() {
        ctx.country = rec.country_code;
    }
    if ctx.city.is_none() {
        ctx.city = rec.city.and_then(|c| c.names.get("en").cloned());
    }
    if ctx.asn.is_none() {
        ctx.asn = rec.autonomous_system_number;
    }
    if ctx.as_org.is_none() {
        ctx.as_org = rec.autonomous_system_organization;
    }
}

/// Routable on the public internet (not private, loopback, link-local,
/// shared, documentation or unspecified).
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}
