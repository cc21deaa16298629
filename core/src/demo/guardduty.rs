//! GuardDuty: findings in the shape GuardDuty exports them to S3 (JSON Lines
//! under `AWSLogs/<acct>/GuardDuty/<region>/`), benign low/medium noise.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::world::{self, Account, ActorKind, Host};
use super::{Cell, DemoError, Log, Output, hex, iso_ms, key_parts, pick, pick_weighted, uuid};

/// One finding and its creation time.
#[derive(Debug, Clone)]
pub(super) struct Finding {
    /// `createdAt`, unix seconds.
    pub(super) t: i64,
    pub(super) json: Value,
}

/// Where a remote address appears to be.
#[derive(Debug, Clone, Copy)]
pub(super) struct Geo {
    pub(super) country: &'static str,
    pub(super) city: &'static str,
    pub(super) lat: f64,
    pub(super) lon: f64,
    pub(super) asn: &'static str,
    pub(super) org: &'static str,
}

const GEOS: &[Geo] = &[
    geo("China", "Shanghai", 31.22, 121.46, "4812", "China Telecom"),
    geo("Russia", "Moscow", 55.75, 37.62, "12389", "Rostelecom"),
    geo(
        "Netherlands",
        "Amsterdam",
        52.37,
        4.89,
        "14061",
        "DigitalOcean, LLC",
    ),
    geo(
        "United States",
        "Ashburn",
        39.04,
        -77.49,
        "14618",
        "Amazon.com, Inc.",
    ),
    geo(
        "Brazil",
        "Sao Paulo",
        -23.55,
        -46.63,
        "28573",
        "Claro NXT Telecomunicacoes Ltda",
    ),
    geo("Vietnam", "Hanoi", 21.03, 105.85, "45899", "VNPT Corp"),
    geo(
        "Germany",
        "Frankfurt am Main",
        50.11,
        8.68,
        "24940",
        "Hetzner Online GmbH",
    ),
    geo(
        "India",
        "Mumbai",
        19.08,
        72.88,
        "9829",
        "National Internet Backbone",
    ),
];

/// Where the planted attackers appear to be.
pub(super) const ATTACKER_GEO: Geo = geo(
    "Romania",
    "Bucharest",
    44.43,
    26.10,
    "9009",
    "M247 Europe SRL",
);

const fn geo(
    country: &'static str,
    city: &'static str,
    lat: f64,
    lon: f64,
    asn: &'static str,
    org: &'static str,
) -> Geo {
    Geo {
        country,
        city,
        lat,
        lon,
        asn,
        org,
    }
}

/// `remoteIpDetails`.
pub(super) fn remote_ip(ip: &str, g: &Geo) -> Value {
    json!({
        "ipAddressV4": ip,
        "organization": { "asn": g.asn, "asnOrg": g.org, "isp": g.org, "org": g.org },
        "country": { "countryName": g.country },
        "city": { "cityName": g.city },
        "geoLocation": { "lat": g.lat, "lon": g.lon },
    })
}

/// A `resource` of type `Instance`.
pub(super) fn instance_resource(acct: &Account, region: usize, host: &Host) -> Value {
    let region_name = world::REGIONS[region];
    let (private_domain, public_domain) = if region == world::MAIN {
        (
            "ec2.internal".to_string(),
            "compute-1.amazonaws.com".to_string(),
        )
    } else {
        (
            format!("{region_name}.compute.internal"),
            format!("{region_name}.compute.amazonaws.com"),
        )
    };
    let dns = format!("ip-{}.{private_domain}", host.ip.replace('.', "-"));
    json!({
        "resourceType": "Instance",
        "instanceDetails": {
            "instanceId": host.instance_id,
            "instanceType": host.instance_type,
            "launchTime": iso_ms(host.launched, 0),
            "platform": null,
            "productCodes": [],
            "iamInstanceProfile": {
                "arn": format!("arn:aws:iam::{}:instance-profile/{}-{}-profile", acct.id, acct.alias, host.name),
                "id": format!("AIPA{}", host.eni[4..].to_uppercase()),
            },
            "networkInterfaces": [{
                "ipv6Addresses": [],
                "networkInterfaceId": host.eni,
                "privateDnsName": dns,
                "privateIpAddress": host.ip,
                "privateIpAddresses": [{ "privateDnsName": dns, "privateIpAddress": host.ip }],
                "publicDnsName": host.public_ip.as_ref().map(|ip| format!("ec2-{}.{public_domain}", ip.replace('.', "-"))).unwrap_or_default(),
                "publicIp": host.public_ip,
                "securityGroups": [{ "groupId": host.sg, "groupName": host.sg_name }],
                "subnetId": host.subnet,
                "vpcId": acct.vpc_id,
            }],
            "outpostArn": null,
            "tags": [{ "key": "Name", "value": format!("{}-{}", acct.alias, host.name) }, { "key": "env", "value": acct.alias }],
            "instanceState": "running",
            "availabilityZone": host.az,
            "imageId": host.image,
            "imageDescription": "Amazon Linux 2023 AMI 2023.6.20241121.0 x86_64 HVM kernel-6.1",
        },
    })
}

/// A `resource` of type `AccessKey`.
pub(super) fn access_key_resource(
    key: &str,
    principal: &str,
    user: &str,
    user_type: &str,
) -> Value {
    json!({
        "resourceType": "AccessKey",
        "accessKeyDetails": {
            "accessKeyId": key,
            "principalId": principal,
            "userName": user,
            "userType": user_type,
        },
    })
}

/// A `PORT_PROBE` action.
pub(super) fn port_probe(port: u16, remote: Value) -> Value {
    json!({
        "actionType": "PORT_PROBE",
        "portProbeAction": {
            "portProbeDetails": [{
                "localPortDetails": { "port": port, "portName": port_name(port) },
                "localIpDetails": { "ipAddressV4": null },
                "remoteIpDetails": remote,
            }],
            "blocked": false,
        },
    })
}

/// A `NETWORK_CONNECTION` action.
pub(super) fn network_connection(
    direction: &str,
    local_ip: &str,
    local_port: u16,
    remote_port: u16,
    remote: Value,
    blocked: bool,
) -> Value {
    json!({
        "actionType": "NETWORK_CONNECTION",
        "networkConnectionAction": {
            "connectionDirection": direction,
            "localIpDetails": { "ipAddressV4": local_ip },
            "localPortDetails": { "port": local_port, "portName": port_name(local_port) },
            "remoteIpDetails": remote,
            "remotePortDetails": { "port": remote_port, "portName": port_name(remote_port) },
            "protocol": "TCP",
            "blocked": blocked,
        },
    })
}

/// A `DNS_REQUEST` action.
pub(super) fn dns_request(domain: &str) -> Value {
    json!({
        "actionType": "DNS_REQUEST",
        "dnsRequestAction": { "domain": domain, "protocol": "UDP", "blocked": false },
    })
}

/// An `AWS_API_CALL` action.
pub(super) fn api_call(api: &str, service: &str, remote: Value) -> Value {
    json!({
        "actionType": "AWS_API_CALL",
        "awsApiCallAction": {
            "api": api,
            "serviceName": service,
            "callerType": "Remote IP",
            "remoteIpDetails": remote,
            "affectedResources": {},
        },
    })
}

fn port_name(port: u16) -> &'static str {
    match port {
        22 => "SSH",
        23 => "Telnet",
        53 => "DNS",
        80 => "HTTP",
        443 => "HTTPS",
        445 => "SMB",
        3306 => "MYSQL",
        3389 => "RDP",
        5432 => "POSTGRESQL",
        _ => "Unknown",
    }
}

/// What a finding says, apart from its resource and action.
pub(super) struct Meta<'a> {
    pub(super) kind: &'a str,
    pub(super) severity: f64,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) feature: &'a str,
    /// `TARGET` or `ACTOR`.
    pub(super) role: &'a str,
    pub(super) count: u64,
    pub(super) first_seen: i64,
}

/// A complete finding created at `t`.
pub(super) fn finding(
    rng: &mut StdRng,
    acct: &Account,
    region: usize,
    t: i64,
    meta: Meta<'_>,
    resource: Value,
    action: Value,
) -> Finding {
    let id = hex(rng, 32);
    let region_name = world::REGIONS[region];
    let detector = &acct.detector_ids[region];
    let ms = rng.random_range(0..1000);
    let json = json!({
        "schemaVersion": "2.0",
        "accountId": acct.id,
        "region": region_name,
        "partition": "aws",
        "id": id,
        "arn": format!("arn:aws:guardduty:{region_name}:{}:detector/{detector}/finding/{id}", acct.id),
        "type": meta.kind,
        "resource": resource,
        "service": {
            "serviceName": "guardduty",
            "detectorId": detector,
            "action": action,
            "resourceRole": meta.role,
            "additionalInfo": { "value": "{}", "type": "default" },
            "evidence": null,
            "featureName": meta.feature,
            "eventFirstSeen": iso_ms(meta.first_seen, 0),
            "eventLastSeen": iso_ms(t, 0),
            "archived": false,
            "count": meta.count,
        },
        "severity": meta.severity,
        "createdAt": iso_ms(t, ms),
        "updatedAt": iso_ms(t, ms),
        "title": meta.title,
        "description": meta.description,
    });
    Finding { t, json }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    PortProbe,
    SshBruteForce,
    RdpBruteForce,
    PortUnusual,
    UnusualResolver,
    AnomalousDiscovery,
}

const KINDS: &[(Kind, u32)] = &[
    (Kind::PortProbe, 35),
    (Kind::SshBruteForce, 25),
    (Kind::RdpBruteForce, 8),
    (Kind::PortUnusual, 10),
    (Kind::UnusualResolver, 8),
    (Kind::AnomalousDiscovery, 8),
];

fn benign(rng: &mut StdRng, cell: &Cell<'_>, t: i64) -> Finding {
    let acct = cell.account();
    let instances: Vec<&Host> = acct.instances(cell.region).collect();
    let host = *pick(rng, &instances);
    let iid = host.instance_id.clone().unwrap_or_default();
    let g = pick(rng, GEOS);
    let first_seen = t - rng.random_range(0..6 * super::HOUR);
    let count = rng.random_range(1..60);
    let users: Vec<_> = acct
        .humans
        .iter()
        .filter(|h| h.kind == ActorKind::IamUser && h.name != "dev-ops-admin")
        .collect();
    let mut kind = *pick_weighted(rng, KINDS);
    if users.is_empty() && matches!(kind, Kind::AnomalousDiscovery) {
        kind = Kind::PortProbe;
    }
    let meta = |kind: &'static str,
                severity: f64,
                title: String,
                description: String,
                feature: &'static str,
                role: &'static str| Meta {
        kind,
        severity,
        title,
        description,
        feature,
        role,
        count,
        first_seen,
    };
    let (m, resource, action) = match kind {
        Kind::PortProbe => {
            let port = *pick(rng, &[22, 3389, 80, 443, 8080]);
            let ip = world::scanner_ip(rng);
            (
                meta(
                    "Recon:EC2/PortProbeUnprotectedPort",
                    2.0,
                    format!("Unprotected port on EC2 instance {iid} is being probed."),
                    format!(
                        "EC2 instance {iid} has an unprotected port {port} which is being probed by a known malicious host."
                    ),
                    "FlowLogs",
                    "TARGET",
                ),
                instance_resource(acct, cell.region, host),
                port_probe(port, remote_ip(&ip, g)),
            )
        }
        Kind::SshBruteForce | Kind::RdpBruteForce => {
            let (proto, port, kind) = if matches!(kind, Kind::SshBruteForce) {
                ("SSH", 22, "UnauthorizedAccess:EC2/SSHBruteForce")
            } else {
                ("RDP", 3389, "UnauthorizedAccess:EC2/RDPBruteForce")
            };
            let ip = world::scanner_ip(rng);
            (
                meta(
                    kind,
                    2.0,
                    format!("{ip} is performing {proto} brute force attacks against {iid}."),
                    format!(
                        "{ip} is performing {proto} brute force attacks against {iid}. Brute force attacks are used to gain unauthorized access to your instance by guessing the {proto} password."
                    ),
                    "FlowLogs",
                    "TARGET",
                ),
                instance_resource(acct, cell.region, host),
                network_connection(
                    "INBOUND",
                    &host.ip,
                    port,
                    rng.random_range(32_768..61_000),
                    remote_ip(&ip, g),
                    true,
                ),
            )
        }
        Kind::PortUnusual => {
            let port = *pick(rng, &[8443, 9000, 6667, 1337, 4433]);
            let ip = world::saas_ip(rng);
            (
                meta(
                    "Behavior:EC2/NetworkPortUnusual",
                    5.0,
                    format!(
                        "Unusual outbound communication seen from EC2 instance {iid} on server port {port}."
                    ),
                    format!(
                        "EC2 instance {iid} is communicating with a remote host {ip} on an unusual server port {port}."
                    ),
                    "FlowLogs",
                    "ACTOR",
                ),
                instance_resource(acct, cell.region, host),
                network_connection(
                    "OUTBOUND",
                    &host.ip,
                    rng.random_range(32_768..61_000),
                    port,
                    remote_ip(&ip, g),
                    false,
                ),
            )
        }
        Kind::UnusualResolver => {
            let ip = world::saas_ip(rng);
            (
                meta(
                    "DefenseEvasion:EC2/UnusualDNSResolver",
                    5.0,
                    format!("EC2 instance {iid} is communicating with an unusual DNS resolver."),
                    format!(
                        "EC2 instance {iid} is communicating with a public DNS resolver {ip} that it has not used before."
                    ),
                    "FlowLogs",
                    "ACTOR",
                ),
                instance_resource(acct, cell.region, host),
                network_connection(
                    "OUTBOUND",
                    &host.ip,
                    rng.random_range(32_768..61_000),
                    53,
                    remote_ip(&ip, g),
                    false,
                ),
            )
        }
        Kind::AnomalousDiscovery => {
            let user = *pick(rng, &users);
            let ip = user.ips.last().cloned().unwrap_or_default();
            let api = *pick(
                rng,
                &[
                    "ListBuckets",
                    "DescribeInstances",
                    "ListRoles",
                    "GetAccountAuthorizationDetails",
                ],
            );
            let key = user.identity.access_key_id.clone().unwrap_or_default();
            let principal = user.identity.principal_id.clone().unwrap_or_default();
            (
                meta(
                    "Discovery:IAMUser/AnomalousBehavior",
                    5.0,
                    format!(
                        "The API {api} was invoked using credentials of IAM user {}, in an unusual way.",
                        user.name
                    ),
                    format!(
                        "APIs commonly used in discovery tactics were invoked by user IAMUser : {} under unusual circumstances. Such activity is not typically seen from this user.",
                        user.name
                    ),
                    "CloudTrail",
                    "TARGET",
                ),
                access_key_resource(&key, &principal, &user.name, "IAMUser"),
                api_call(api, "iam.amazonaws.com", remote_ip(&ip, &GEOS[3])),
            )
        }
    };
    finding(rng, acct, cell.region, t, m, resource, action)
}

/// Writes the GuardDuty export of one (account, region, hour): `n` benign
/// findings plus the `planted` ones, in creation order.
pub(super) fn write_hour(
    out: &mut Output<'_>,
    cell: &Cell<'_>,
    n: u64,
    mut planted: Vec<Finding>,
    rng: &mut StdRng,
) -> Result<(), DemoError> {
    let n = if cell.account().instances(cell.region).next().is_some() {
        n
    } else {
        0
    };
    if n == 0 && planted.is_empty() {
        return Ok(());
    }
    planted.sort_by_key(|f| f.t);
    let times = cell.sorted_times(n, rng);

    let acct = cell.account();
    let region = cell.region_name();
    let ([yyyy, mm, dd], _) = key_parts(cell.hour.start);
    let name = format!("{}.jsonl.gz", uuid(rng));
    let mut f = out.create(&[
        "AWSLogs",
        &acct.id,
        "GuardDuty",
        region,
        &yyyy,
        &mm,
        &dd,
        &name,
    ])?;
    let mut planted = planted.into_iter().peekable();
    for t in times {
        while let Some(p) = planted.next_if(|p| p.t <= t) {
            f.json(&p.json)?;
            f.write(b"\n")?;
            out.count(Log::GuardDuty);
        }
        let b = benign(rng, cell, t);
        f.json(&b.json)?;
        f.write(b"\n")?;
        out.count(Log::GuardDuty);
    }
    for p in planted {
        f.json(&p.json)?;
        f.write(b"\n")?;
        out.count(Log::GuardDuty);
    }
    out.close(f)
}
