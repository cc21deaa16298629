//! The fictional organisation behind the demo data: its accounts, people,
//! roles, hosts, buckets and IP addresses. Everything is derived from the seed.

use rand::Rng;
use rand::rngs::StdRng;

use super::identity::UserIdentity;
use super::{TAG_WORLD, access_key, hex, name_tag, pick, sub_rng, unique_id};

/// Regions with activity; most of it in the first.
pub(super) const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];
/// Share of CloudTrail activity per region.
pub(super) const REGION_WEIGHTS: [f64; 3] = [0.74, 0.16, 0.10];
/// Share of GuardDuty findings per region.
pub(super) const GD_REGION_WEIGHTS: [f64; 3] = [0.80, 0.12, 0.08];
/// The main region: global services, sign-in, buckets and flow logs live here.
pub(super) const MAIN: usize = 0;
/// Account aliases, in account order.
pub(super) const ALIASES: [&str; 3] = ["prod", "staging", "security"];
/// The organisation's name, used in bucket names and e-mail addresses.
pub(super) const ORG: &str = "acme-corp";
/// Index of the prod account.
pub(super) const PROD: usize = 0;
/// Index of the staging account.
pub(super) const STAGING: usize = 1;
/// Index of the security account.
pub(super) const SECURITY: usize = 2;

/// Buckets of every account, by purpose (index into [`Account::buckets`]).
pub(super) const BUCKET_PURPOSES: [&str; 7] = [
    "app-data",
    "uploads",
    "logs",
    "terraform-state",
    "marketing-site",
    "customer-exports",
    "db-backups",
];
/// Index of the Terraform state bucket.
pub(super) const BUCKET_TFSTATE: usize = 3;
/// Index of the customer exports bucket (the exfiltration target).
pub(super) const BUCKET_EXPORTS: usize = 5;
/// Index of the database backups bucket (made public by the attacker).
pub(super) const BUCKET_BACKUPS: usize = 6;
/// Buckets that benign workloads read and write.
pub(super) const BENIGN_BUCKETS: usize = 5;

/// What a host does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HostRole {
    /// Application load balancer node (internet-facing).
    Alb,
    /// Web/application server behind the load balancer.
    Web,
    /// Background worker.
    Worker,
    /// RDS database.
    Db,
    /// NAT gateway.
    Nat,
    /// SSH jump host with a public IP.
    Bastion,
    /// Lambda function ENI in the VPC.
    Lambda,
}

/// A network interface and, for EC2 roles, the instance behind it.
#[derive(Debug, Clone)]
pub(super) struct Host {
    pub(super) name: String,
    pub(super) role: HostRole,
    /// `i-...` for EC2 instances, `None` for managed ENIs.
    pub(super) instance_id: Option<String>,
    pub(super) eni: String,
    pub(super) ip: String,
    pub(super) public_ip: Option<String>,
    pub(super) sg: String,
    pub(super) sg_name: String,
    pub(super) subnet: String,
    pub(super) az: String,
    pub(super) instance_type: &'static str,
    pub(super) image: String,
    pub(super) launched: i64,
}

/// What kind of principal an actor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ActorKind {
    /// A person with an IAM user (long-term keys, console password).
    IamUser,
    /// A person signing in through IAM Identity Center (SSO role).
    Sso,
    /// The CI/CD deployment role.
    Ci,
    /// A Lambda execution role.
    Lambda,
    /// An EC2 instance profile role.
    Instance,
    /// AWS Config's service-linked role.
    Config,
    /// AWS services acting on their own (`AWSService` identities).
    Service,
}

/// A principal producing benign CloudTrail activity.
#[derive(Debug, Clone)]
pub(super) struct Actor {
    pub(super) kind: ActorKind,
    /// User name, or role session name.
    pub(super) name: String,
    /// Identity for API calls (long-term key, or role session).
    pub(super) identity: UserIdentity,
    /// Identity for API calls made from a console session (IAM users only).
    pub(super) console_identity: Option<UserIdentity>,
    /// Source addresses: office egress first, then home, for people.
    pub(super) ips: Vec<String>,
    /// User agents: CLI, SDK, browser for people; one entry for machines.
    pub(super) agents: Vec<String>,
    /// Relative activity.
    pub(super) weight: u32,
    /// Member of the security team (uses CloudTrail and GuardDuty APIs).
    pub(super) security: bool,
    /// Signs in with MFA.
    pub(super) mfa: bool,
    /// Seconds between the session start and the start of the hour.
    pub(super) session_lead: i64,
}

/// One AWS account of the organisation.
#[derive(Debug, Clone)]
pub(super) struct Account {
    pub(super) id: String,
    pub(super) alias: &'static str,
    /// Second octet of the account's 10.x.0.0/16 VPC.
    pub(super) octet: u8,
    pub(super) humans: Vec<Actor>,
    pub(super) machines: Vec<Actor>,
    pub(super) buckets: Vec<String>,
    /// Hosts per region (index as [`REGIONS`]).
    pub(super) hosts: Vec<Vec<Host>>,
    /// Index of the bastion in `hosts[MAIN]`.
    pub(super) bastion: usize,
    pub(super) flow_log_id: String,
    pub(super) detector_ids: Vec<String>,
    pub(super) trail_arn: String,
    pub(super) vpc_id: String,
    pub(super) kms_keys: Vec<String>,
    pub(super) functions: Vec<String>,
    pub(super) stacks: Vec<String>,
    pub(super) roles: Vec<String>,
    pub(super) log_groups: Vec<String>,
    pub(super) secrets: Vec<String>,
    pub(super) parameters: Vec<String>,
    pub(super) ct_weight: f64,
    pub(super) flow_weight: f64,
    pub(super) gd_weight: f64,
}

impl Account {
    /// Region-specific hosts that are EC2 instances.
    pub(super) fn instances(&self, region: usize) -> impl Iterator<Item = &Host> {
        self.hosts[region]
            .iter()
            .filter(|h| h.instance_id.is_some())
    }

    /// The prod bastion (the port-scan target).
    pub(super) fn bastion(&self) -> &Host {
        &self.hosts[MAIN][self.bastion]
    }
}

/// The whole fictional organisation.
#[derive(Debug, Clone)]
pub(super) struct World {
    pub(super) seed: u64,
    pub(super) accounts: Vec<Account>,
    /// Office egress addresses (shared by everyone at the office).
    pub(super) corp_ips: Vec<String>,
}

/// How a person is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    IamUser,
    SsoAdmin,
    SsoReadOnly,
    SsoSecurity,
}

struct Person {
    name: &'static str,
    access: Access,
    accounts: &'static [usize],
    weight: u32,
    mfa: bool,
}

const PEOPLE: &[Person] = &[
    person("alice", Access::IamUser, &[PROD, SECURITY], 10, true),
    person("bob", Access::IamUser, &[PROD, STAGING], 8, true),
    person("carol", Access::SsoAdmin, &[PROD, STAGING], 9, true),
    person("dave", Access::IamUser, &[PROD, STAGING], 6, true),
    person("erin", Access::SsoAdmin, &[PROD, STAGING], 7, true),
    person("frank", Access::IamUser, &[PROD], 5, true),
    person("grace", Access::SsoAdmin, &[PROD, STAGING], 6, true),
    person("heidi", Access::SsoReadOnly, &[PROD, STAGING], 4, true),
    person("ivan", Access::IamUser, &[PROD], 4, false),
    person("judy", Access::SsoSecurity, &[PROD, SECURITY], 7, true),
    person("ken", Access::IamUser, &[STAGING], 5, true),
    person("liam", Access::SsoSecurity, &[SECURITY], 6, true),
    // A shared legacy admin user without MFA: the brute-force target.
    person("dev-ops-admin", Access::IamUser, &[PROD], 1, false),
];

const fn person(
    name: &'static str,
    access: Access,
    accounts: &'static [usize],
    weight: u32,
    mfa: bool,
) -> Person {
    Person {
        name,
        access,
        accounts,
        weight,
        mfa,
    }
}

/// First octets for home (ISP) addresses.
const ISP_OCTETS: &[u8] = &[24, 67, 71, 73, 76, 81, 86, 90, 92, 98, 109, 174];
/// First octets for office egress addresses.
const CORP_OCTETS: &[u8] = &[38, 64, 66];
/// First octets for CI runner addresses.
const CI_OCTETS: &[u8] = &[4, 13, 20, 40];
/// First octets for AWS public addresses (NAT gateways, EIPs).
const AWS_OCTETS: &[u8] = &[3, 18, 34, 44, 52, 54];
/// First octets for web clients.
const CLIENT_OCTETS: &[u8] = &[
    2, 5, 24, 31, 46, 49, 62, 68, 71, 73, 77, 82, 86, 92, 99, 101, 112, 125, 151, 172, 176, 187,
    201,
];
/// First octets for internet background scanners.
const SCANNER_OCTETS: &[u8] = &[5, 37, 45, 61, 80, 89, 91, 103, 118, 185, 193, 222];
/// First octets for third-party HTTPS destinations.
const SAAS_OCTETS: &[u8] = &[104, 140, 151, 162, 199];

/// A public-looking address with the first octet from `octets`. None of the
/// octet lists contains 10, 100, 127, 169, 172 with a private second octet,
/// 192, 198 or 203, so benign addresses never fall in private ranges or in the
/// documentation ranges the attackers use.
fn ip_from(rng: &mut StdRng, octets: &[u8]) -> String {
    let a = *pick(rng, octets);
    let b: u8 = if a == 172 {
        rng.random_range(32..=255)
    } else {
        rng.random()
    };
    format!(
        "{a}.{b}.{}.{}",
        rng.random::<u8>(),
        rng.random_range(1..=254u8)
    )
}

/// A web client's address.
pub(super) fn client_ip(rng: &mut StdRng) -> String {
    ip_from(rng, CLIENT_OCTETS)
}

/// An internet background scanner's address.
pub(super) fn scanner_ip(rng: &mut StdRng) -> String {
    ip_from(rng, SCANNER_OCTETS)
}

/// A third-party or AWS HTTPS endpoint's address.
pub(super) fn saas_ip(rng: &mut StdRng) -> String {
    if rng.random_bool(0.5) {
        ip_from(rng, AWS_OCTETS)
    } else {
        ip_from(rng, SAAS_OCTETS)
    }
}

/// The IAM unique id (`AIDA...`) of user `name` in account `acct`.
pub(super) fn user_principal(seed: u64, acct: usize, name: &str) -> String {
    let mut rng = sub_rng(seed, &[TAG_WORLD, 10, acct as u64, name_tag(name)]);
    unique_id(&mut rng, "AIDA")
}

/// The long-term access key (`AKIA...`) of user `name` in account `acct`.
pub(super) fn user_key(seed: u64, acct: usize, name: &str) -> String {
    let mut rng = sub_rng(seed, &[TAG_WORLD, 11, acct as u64, name_tag(name)]);
    access_key(&mut rng, "AKIA")
}

/// The IAM unique id (`AROA...`) of role `role` in account `acct`.
pub(super) fn role_principal(seed: u64, acct: usize, role: &str) -> String {
    let mut rng = sub_rng(seed, &[TAG_WORLD, 12, acct as u64, name_tag(role)]);
    unique_id(&mut rng, "AROA")
}

/// A session key (`ASIA...`) for `session` in account `acct`.
pub(super) fn session_key(seed: u64, acct: usize, session: &str) -> String {
    let mut rng = sub_rng(seed, &[TAG_WORLD, 13, acct as u64, name_tag(session)]);
    access_key(&mut rng, "ASIA")
}

/// The name of an IAM Identity Center permission-set role in account `acct`.
pub(super) fn sso_role(seed: u64, acct: usize, permission_set: &str) -> String {
    let mut rng = sub_rng(
        seed,
        &[TAG_WORLD, 14, acct as u64, name_tag(permission_set)],
    );
    format!("AWSReservedSSO_{permission_set}_{}", hex(&mut rng, 16))
}

/// The identity of the Identity Center session of `person` with `permission_set`.
pub(super) fn sso_identity(
    seed: u64,
    acct: &str,
    acct_idx: usize,
    permission_set: &str,
    person: &str,
) -> UserIdentity {
    let role = sso_role(seed, acct_idx, permission_set);
    let session = format!("{person}@{ORG}.example");
    UserIdentity::assumed_role(
        acct,
        &role,
        "aws-reserved/sso.amazonaws.com/",
        &role_principal(seed, acct_idx, &role),
        &session,
        &session_key(seed, acct_idx, &session),
        false,
    )
}

impl World {
    /// Builds the organisation for `seed`.
    pub(super) fn build(seed: u64) -> Self {
        let mut rng = sub_rng(seed, &[TAG_WORLD, 0]);
        let mut ids: Vec<String> = Vec::new();
        while ids.len() < ALIASES.len() {
            let id = format!(
                "{:012}",
                rng.random_range(100_000_000_000u64..1_000_000_000_000)
            );
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let corp_ips: Vec<String> = (0..3).map(|_| ip_from(&mut rng, CORP_OCTETS)).collect();
        let ci_ips: Vec<String> = (0..4).map(|_| ip_from(&mut rng, CI_OCTETS)).collect();

        // Per-person traits, the same in every account.
        let traits: Vec<PersonTraits> = PEOPLE
            .iter()
            .map(|p| PersonTraits::new(seed, p.name))
            .collect();

        let accounts = ids
            .iter()
            .enumerate()
            .map(|(i, id)| build_account(seed, i, id, &corp_ips, &ci_ips, &traits))
            .collect();
        Self {
            seed,
            accounts,
            corp_ips,
        }
    }
}

struct PersonTraits {
    home_ip: String,
    cli: String,
    sdk: String,
    browser: String,
}

impl PersonTraits {
    fn new(seed: u64, name: &str) -> Self {
        let mut rng = sub_rng(seed, &[TAG_WORLD, 20, name_tag(name)]);
        let home_ip = ip_from(&mut rng, ISP_OCTETS);
        let (os_cli, os_sdk, browser) = match rng.random_range(0..3) {
            0 => (
                format!("Darwin/23.{}.0", rng.random_range(1..7)),
                format!("os/macos#23.{}.0", rng.random_range(1..7)),
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            ),
            1 => (
                format!(
                    "Linux/6.{}.0-{}-generic",
                    rng.random_range(5..9),
                    rng.random_range(20..50)
                ),
                format!("os/linux#6.{}.0", rng.random_range(5..9)),
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            ),
            _ => (
                "Windows/10".to_string(),
                "os/windows#10".to_string(),
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            ),
        };
        let py = rng.random_range(6..10);
        let cli = format!(
            "aws-cli/2.{}.{} Python/3.12.{py} {os_cli} exe/x86_64 prompt/off",
            rng.random_range(15..23),
            rng.random_range(0..40)
        );
        let b = rng.random_range(20..36);
        let sdk = format!(
            "Boto3/1.35.{b} md/Botocore#1.35.{b} ua/2.0 {os_sdk} md/arch#x86_64 lang/python#3.12.{py} md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.{b}"
        );
        Self {
            home_ip,
            cli,
            sdk,
            browser: browser.to_string(),
        }
    }
}

const TERRAFORM_UA: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.78.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.5 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/sts#1.33.1";
const LAMBDA_UA: &str = "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.145";
const GO_SDK_UA: &str = "aws-sdk-go/1.55.5 (go1.22.7; linux; amd64) amazon-ssm-agent/3.3.1142.0";

fn build_account(
    seed: u64,
    idx: usize,
    id: &str,
    corp_ips: &[String],
    ci_ips: &[String],
    traits: &[PersonTraits],
) -> Account {
    let mut rng = sub_rng(seed, &[TAG_WORLD, 1, idx as u64]);
    let alias = ALIASES[idx];
    let octet = [20u8, 40, 60][idx % 3];
    let nat_ips: Vec<String> = (0..2).map(|_| ip_from(&mut rng, AWS_OCTETS)).collect();

    let mut humans = Vec::new();
    for (p, t) in PEOPLE.iter().zip(traits) {
        if !p.accounts.contains(&idx) {
            continue;
        }
        let mut ips: Vec<String> = corp_ips.to_vec();
        ips.push(t.home_ip.clone());
        let agents = vec![t.cli.clone(), t.sdk.clone(), t.browser.clone()];
        let session_lead = 300 + (name_tag(p.name) % 3000) as i64;
        let (kind, identity, console_identity) = match p.access {
            Access::IamUser => {
                let principal = user_principal(seed, idx, p.name);
                let key = user_key(seed, idx, p.name);
                let console_key = session_key(seed, idx, &format!("console-{}", p.name));
                (
                    ActorKind::IamUser,
                    UserIdentity::iam_user(id, p.name, &principal, &key),
                    Some(UserIdentity::iam_user_console(
                        id,
                        p.name,
                        &principal,
                        &console_key,
                        p.mfa,
                    )),
                )
            }
            Access::SsoAdmin | Access::SsoReadOnly | Access::SsoSecurity => {
                let set = match p.access {
                    Access::SsoAdmin => "AdministratorAccess",
                    Access::SsoReadOnly => "ReadOnlyAccess",
                    _ => "SecurityAudit",
                };
                (
                    ActorKind::Sso,
                    sso_identity(seed, id, idx, set, p.name),
                    None,
                )
            }
        };
        humans.push(Actor {
            kind,
            name: p.name.to_string(),
            identity,
            console_identity,
            ips,
            agents,
            weight: p.weight,
            security: p.access == Access::SsoSecurity,
            mfa: p.mfa,
            session_lead,
        });
    }

    let functions: Vec<String> = match idx {
        PROD => vec![
            "orders-api",
            "image-resizer",
            "nightly-report",
            "stripe-webhook",
        ],
        STAGING => vec!["orders-api-staging", "image-resizer-staging"],
        _ => vec!["log-shipper", "guardduty-forwarder"],
    }
    .into_iter()
    .map(String::from)
    .collect();

    let mut machines = Vec::new();
    let role_actor = |kind: ActorKind,
                      role: &str,
                      path: &str,
                      session: &str,
                      ips: Vec<String>,
                      agent: &str,
                      weight: u32,
                      invoked_by: Option<&'static str>| {
        let mut identity = UserIdentity::assumed_role(
            id,
            role,
            path,
            &role_principal(seed, idx, role),
            session,
            &session_key(seed, idx, &format!("{role}/{session}")),
            false,
        );
        identity.invoked_by = invoked_by;
        Actor {
            kind,
            name: session.to_string(),
            identity,
            console_identity: None,
            ips,
            agents: vec![agent.to_string()],
            weight,
            security: false,
            mfa: false,
            session_lead: 600 + (name_tag(session) % 2400) as i64,
        }
    };
    let ci_weight = if idx == SECURITY { 1 } else { 6 };
    machines.push(role_actor(
        ActorKind::Ci,
        "ci-deployer",
        "",
        "GitHubActions",
        ci_ips.to_vec(),
        TERRAFORM_UA,
        ci_weight,
        None,
    ));
    for (i, f) in functions.iter().enumerate() {
        let w = [10, 6, 2, 3][i % 4];
        machines.push(role_actor(
            ActorKind::Lambda,
            &format!("{f}-exec-role"),
            "service-role/",
            f,
            nat_ips.clone(),
            LAMBDA_UA,
            w,
            None,
        ));
    }
    machines.push(role_actor(
        ActorKind::Config,
        "AWSServiceRoleForConfig",
        "aws-service-role/config.amazonaws.com/",
        "AWSConfig-Describe",
        vec!["config.amazonaws.com".to_string()],
        "config.amazonaws.com",
        if idx == PROD { 8 } else { 5 },
        Some("config.amazonaws.com"),
    ));
    machines.push(Actor {
        kind: ActorKind::Service,
        name: "aws-service".to_string(),
        identity: UserIdentity::service("lambda.amazonaws.com"),
        console_identity: None,
        ips: Vec::new(),
        agents: Vec::new(),
        weight: if idx == PROD { 5 } else { 3 },
        security: false,
        mfa: false,
        session_lead: 0,
    });

    // Hosts in the main region, in a fixed order.
    let vpc_id = format!("vpc-{}", hex(&mut rng, 17));
    let azs = |r: usize| [format!("{}a", REGIONS[r]), format!("{}b", REGIONS[r])];
    let mut main = Vec::new();
    let add = |rng: &mut StdRng,
               hosts: &mut Vec<Host>,
               r: usize,
               name: &str,
               role: HostRole,
               subnet_octet: u8,
               public: bool| {
        let instance = matches!(role, HostRole::Web | HostRole::Worker | HostRole::Bastion);
        let az = azs(r)[hosts.len() % 2].clone();
        let region_octet = octet + r as u8;
        let host = Host {
            name: name.to_string(),
            role,
            instance_id: instance.then(|| format!("i-{}", hex(rng, 17))),
            eni: format!("eni-{}", hex(rng, 17)),
            ip: format!(
                "10.{region_octet}.{subnet_octet}.{}",
                rng.random_range(4..250)
            ),
            public_ip: public.then(|| ip_from(rng, AWS_OCTETS)),
            sg: format!("sg-{}", hex(rng, 17)),
            sg_name: format!(
                "{alias}-{}-sg",
                name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-')
            ),
            subnet: format!("subnet-{}", hex(rng, 17)),
            az,
            instance_type: match role {
                HostRole::Web => "m6i.large",
                HostRole::Worker => "c6i.xlarge",
                _ => "t3.micro",
            },
            image: format!("ami-{}", hex(rng, 17)),
            launched: 1_700_000_000 + rng.random_range(0..30_000_000),
        };
        hosts.push(host);
    };
    add(&mut rng, &mut main, MAIN, "alb-1", HostRole::Alb, 1, false);
    add(&mut rng, &mut main, MAIN, "alb-2", HostRole::Alb, 2, false);
    add(&mut rng, &mut main, MAIN, "web-1", HostRole::Web, 10, false);
    add(&mut rng, &mut main, MAIN, "web-2", HostRole::Web, 11, false);
    add(&mut rng, &mut main, MAIN, "web-3", HostRole::Web, 10, false);
    add(
        &mut rng,
        &mut main,
        MAIN,
        "worker-1",
        HostRole::Worker,
        12,
        false,
    );
    add(&mut rng, &mut main, MAIN, "db-1", HostRole::Db, 20, false);
    add(&mut rng, &mut main, MAIN, "nat-1", HostRole::Nat, 0, true);
    add(
        &mut rng,
        &mut main,
        MAIN,
        "bastion-1",
        HostRole::Bastion,
        1,
        true,
    );
    add(
        &mut rng,
        &mut main,
        MAIN,
        "lambda-1",
        HostRole::Lambda,
        30,
        false,
    );
    add(
        &mut rng,
        &mut main,
        MAIN,
        "lambda-2",
        HostRole::Lambda,
        31,
        false,
    );
    let bastion = main.len() - 3;
    let mut hosts = vec![main];
    for r in 1..REGIONS.len() {
        let mut v = Vec::new();
        add(&mut rng, &mut v, r, "worker-1", HostRole::Worker, 12, false);
        add(&mut rng, &mut v, r, "worker-2", HostRole::Worker, 12, false);
        hosts.push(v);
    }
    // The web tier's instance role.
    for h in hosts[MAIN]
        .iter()
        .filter(|h| h.role == HostRole::Web)
        .take(2)
    {
        if let Some(iid) = &h.instance_id {
            machines.push(role_actor(
                ActorKind::Instance,
                &format!("{alias}-app-instance-role"),
                "",
                iid,
                nat_ips.clone(),
                GO_SDK_UA,
                4,
                None,
            ));
        }
    }

    let buckets = BUCKET_PURPOSES
        .iter()
        .map(|p| format!("{ORG}-{alias}-{p}"))
        .collect();
    let kms_keys = (0..3).map(|_| super::uuid(&mut rng)).collect();
    let detector_ids = (0..REGIONS.len()).map(|_| hex(&mut rng, 32)).collect();
    let stacks = ["network", "app", "data", "monitoring"]
        .iter()
        .map(|s| format!("{alias}-{s}"))
        .collect();
    let roles = vec![
        "ci-deployer".to_string(),
        format!("{alias}-app-instance-role"),
        "OrganizationAccountAccessRole".to_string(),
        "ReadOnly".to_string(),
        format!("{}-exec-role", functions[0]),
    ];
    let log_groups = functions
        .iter()
        .map(|f| format!("/aws/lambda/{f}"))
        .chain([format!("/{alias}/app/web"), format!("/{alias}/app/worker")])
        .collect();
    let secrets = vec![
        format!("{alias}/db/password"),
        format!("{alias}/stripe/api-key"),
    ];
    let parameters = vec![
        format!("/{alias}/app/feature-flags"),
        format!("/{alias}/app/db-host"),
        format!("/{alias}/cloudwatch-agent/config"),
    ];
    let trail_arn = format!("arn:aws:cloudtrail:us-east-1:{id}:trail/{alias}-management-events");
    let (ct_weight, flow_weight, gd_weight) = match idx {
        PROD => (0.6, 0.6, 0.6),
        STAGING => (0.28, 0.28, 0.25),
        _ => (0.12, 0.12, 0.15),
    };
    Account {
        id: id.to_string(),
        alias,
        octet,
        humans,
        machines,
        buckets,
        hosts,
        bastion,
        flow_log_id: format!("fl-{}", hex(&mut rng, 17)),
        detector_ids,
        trail_arn,
        vpc_id,
        kms_keys,
        functions,
        stacks,
        roles,
        log_groups,
        secrets,
        parameters,
        ct_weight,
        flow_weight,
        gd_weight,
    }
}
