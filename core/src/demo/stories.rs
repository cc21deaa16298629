//! The planted attack stories: when they happen, the records they add to the
//! three logs, and their [`Story`] summaries with the SQL that finds them.
//!
//! Two chains run through the week. In prod, a brute-forced legacy admin user
//! creates a backdoor admin user, whose key then downloads customer exports,
//! makes the backups bucket public and stops CloudTrail in staging. Later,
//! SSH is opened to the world on the prod bastion, which is port-scanned,
//! taken over and starts talking to its controller, mining and leaking its
//! role credentials (GuardDuty). Unrelated, someone uses the security
//! account's root user from an unknown address.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::Story;
use super::cloudtrail::{self, CtEvent, Resource};
use super::flow::{FlowRec, TCP, Traffic};
use super::guardduty::{self, ATTACKER_GEO, Finding, Meta};
use super::identity::UserIdentity;
use super::world::{self, MAIN, PROD, SECURITY, STAGING, World};
use super::{Counts, DAY, HOUR, TAG_STORY, access_key, civil, human_factor, sql_ts, sub_rng};

/// Where the brute force and the console session come from.
const CONSOLE_ATTACKER_IP: &str = "203.0.113.45";
/// Where the backdoor user's key is used from.
const KEY_ATTACKER_IP: &str = "198.51.100.77";
/// The port scanner, later the bastion's controller.
const SCANNER_IP: &str = "198.51.100.23";
/// Where the root user signs in from.
const ROOT_IP: &str = "203.0.113.88";
/// The brute-forced user.
const VICTIM_USER: &str = "dev-ops-admin";
/// The backdoor user the attacker creates.
const NEW_USER: &str = "backup-svc-admin";
const ATTACKER_BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const ATTACKER_CLI: &str =
    "aws-cli/2.13.0 Python/3.11.4 Linux/6.1.0-kali9-amd64 exe/x86_64.kali.2023 prompt/off";
const ROOT_BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const CONSOLE: &str = "console.amazonaws.com";
const MINING_DOMAIN: &str = "xmr.pool.minergate.com";
const C2_PORT: u16 = 4444;
/// Distinct ports the scanner probes.
const SCAN_PORTS: usize = 260;

/// Hours before the end of the window at which each chain starts, for a
/// window of seven days or more (shorter windows scale them down).
const BRUTE_HOURS: i64 = 130;
const EXFIL_HOURS: i64 = 100;
const ROOT_HOURS: i64 = 75;
const SSH_HOURS: i64 = 54;
const SCAN_HOURS: i64 = 30;

/// Minutes into the chain hours.
const BRUTE_MIN: i64 = 12;
const NEW_ADMIN_MIN: i64 = 65;
const EXFIL_MIN: i64 = 18;
const POLICY_MIN: i64 = 100;
const TRAIL_MIN: i64 = 160;
const ROOT_MIN: i64 = 15;
const SSH_MIN: i64 = 30;
const SCAN_MIN: i64 = 8;

/// When the stories happen.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    seed: u64,
    exfil_objects: u64,
    brute: i64,
    exfil: i64,
    root: i64,
    ssh: i64,
    scan: i64,
    /// Planted findings with their (account, region).
    findings: Vec<(usize, usize, Finding)>,
}

/// A CloudTrail story: the accounts it writes to, the span its events lie
/// in, and how to build them.
struct CtStory {
    accounts: &'static [usize],
    from: i64,
    to: i64,
    build: fn(&Plan, &World) -> Vec<CtEvent>,
}

fn hours_before(base: i64, days: u32) -> i64 {
    if days >= 7 {
        base
    } else {
        (base * i64::from(days)).div_euclid(7) + 1
    }
}

impl Plan {
    /// Places the stories in the window ending (exclusively) at `hi`.
    pub(super) fn new(world: &World, hi: i64, days: u32, events: u64) -> Self {
        let base = hi.div_euclid(HOUR) * HOUR;
        let lo = hi - i64::from(days) * DAY;
        let at = |h: i64| base - hours_before(h, days) * HOUR;
        // A person opens the security group: move it back into working hours.
        let ssh = (0..18)
            .map(|k| at(SSH_HOURS) - k * HOUR)
            .find(|&h| h >= lo && human_factor(h) >= 1.0)
            .unwrap_or(at(SSH_HOURS));
        let mut plan = Self {
            seed: world.seed,
            exfil_objects: (500 + events / 1000).min(5000),
            brute: at(BRUTE_HOURS),
            exfil: at(EXFIL_HOURS),
            root: at(ROOT_HOURS),
            ssh,
            scan: at(SCAN_HOURS),
            findings: Vec::new(),
        };
        plan.findings = plan.build_findings(world);
        plan
    }

    fn rng(&self, story: u64) -> StdRng {
        sub_rng(self.seed, &[TAG_STORY, story])
    }

    fn ct_stories(&self) -> [CtStory; 8] {
        let m = 60;
        [
            CtStory {
                accounts: &[PROD],
                from: self.brute,
                to: self.brute + HOUR,
                build: Plan::brute_force,
            },
            CtStory {
                accounts: &[PROD],
                from: self.brute + NEW_ADMIN_MIN * m,
                to: self.brute + 2 * HOUR,
                build: Plan::new_admin,
            },
            CtStory {
                accounts: &[PROD],
                from: self.exfil,
                to: self.exfil + HOUR,
                build: Plan::exfiltration,
            },
            CtStory {
                accounts: &[PROD],
                from: self.exfil + POLICY_MIN * m,
                to: self.exfil + 2 * HOUR,
                build: Plan::public_policy,
            },
            CtStory {
                accounts: &[PROD, STAGING],
                from: self.exfil + (TRAIL_MIN - 5) * m,
                to: self.exfil + 4 * HOUR,
                build: Plan::trail_stopped,
            },
            CtStory {
                accounts: &[SECURITY],
                from: self.root,
                to: self.root + HOUR,
                build: Plan::root_usage,
            },
            CtStory {
                accounts: &[PROD],
                from: self.ssh,
                to: self.ssh + HOUR,
                build: Plan::ssh_open,
            },
            CtStory {
                accounts: &[PROD],
                from: self.scan + 2 * HOUR,
                to: self.scan + 3 * HOUR,
                build: Plan::stolen_credentials,
            },
        ]
    }

    /// Number of records the stories add to each log.
    pub(super) fn counts(&self, world: &World) -> Counts {
        Counts {
            cloudtrail: self
                .ct_stories()
                .iter()
                .map(|s| (s.build)(self, world).len() as u64)
                .sum(),
            flow: self.port_scan(world).len() as u64,
            guardduty: self.findings.len() as u64,
        }
    }

    /// Planted CloudTrail events of account `acct` in `region` within `[lo, hi)`.
    pub(super) fn cloudtrail(
        &self,
        world: &World,
        acct: usize,
        region: usize,
        lo: i64,
        hi: i64,
    ) -> Vec<CtEvent> {
        if region != MAIN {
            return Vec::new();
        }
        let id = &world.accounts[acct].id;
        let mut out = Vec::new();
        for s in self.ct_stories() {
            if s.accounts.contains(&acct) && s.from < hi && lo < s.to {
                out.extend(
                    (s.build)(self, world)
                        .into_iter()
                        .filter(|e| &e.recipient_account_id == id && (lo..hi).contains(&e.t)),
                );
            }
        }
        out
    }

    /// Planted flow records of account `acct` starting within `[lo, hi)`.
    pub(super) fn flows(&self, world: &World, acct: usize, lo: i64, hi: i64) -> Vec<FlowRec> {
        if acct != PROD || hi <= self.scan || self.scan + HOUR <= lo {
            return Vec::new();
        }
        self.port_scan(world)
            .into_iter()
            .filter(|r| (lo..hi).contains(&r.start))
            .collect()
    }

    /// Planted findings of account `acct` in `region` created within `[lo, hi)`.
    pub(super) fn findings(&self, acct: usize, region: usize, lo: i64, hi: i64) -> Vec<Finding> {
        self.findings
            .iter()
            .filter(|(a, r, f)| *a == acct && *r == region && (lo..hi).contains(&f.t))
            .map(|(_, _, f)| f.clone())
            .collect()
    }

    fn devops(&self, world: &World) -> UserIdentity {
        let acct = &world.accounts[PROD].id;
        UserIdentity::iam_user(
            acct,
            VICTIM_USER,
            &world::user_principal(self.seed, PROD, VICTIM_USER),
            &world::user_key(self.seed, PROD, VICTIM_USER),
        )
    }

    fn devops_console(&self, world: &World) -> UserIdentity {
        let acct = &world.accounts[PROD].id;
        UserIdentity::iam_user_console(
            acct,
            VICTIM_USER,
            &world::user_principal(self.seed, PROD, VICTIM_USER),
            &world::session_key(self.seed, PROD, &format!("console-{VICTIM_USER}")),
            false,
        )
        .at(self.brute_success())
    }

    fn new_user(&self, world: &World) -> UserIdentity {
        UserIdentity::iam_user(
            &world.accounts[PROD].id,
            NEW_USER,
            &world::user_principal(self.seed, PROD, NEW_USER),
            &world::user_key(self.seed, PROD, NEW_USER),
        )
    }

    fn brute_success(&self) -> i64 {
        self.brute + BRUTE_MIN * 60 + 1_140
    }

    /// Seven failed sign-ins from one address within 16 minutes, a success
    /// three minutes later, then a look around from the new console session.
    fn brute_force(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(1);
        let acct = &world.accounts[PROD].id;
        let user = self.devops(world);
        let t0 = self.brute + BRUTE_MIN * 60;
        let mut out = Vec::new();
        for i in 0..7 {
            let t = t0 + i * 150 + rng.random_range(0..40);
            out.push(cloudtrail::console_login(
                &mut rng,
                t,
                user.clone(),
                CONSOLE_ATTACKER_IP,
                ATTACKER_BROWSER,
                acct,
                false,
                false,
            ));
        }
        let ts = self.brute_success();
        out.push(cloudtrail::console_login(
            &mut rng,
            ts,
            user,
            CONSOLE_ATTACKER_IP,
            ATTACKER_BROWSER,
            acct,
            true,
            false,
        ));
        let console = self.devops_console(world);
        let recon: [(&'static str, &'static str, Value); 5] = [
            ("iam.amazonaws.com", "GetAccountSummary", Value::Null),
            ("iam.amazonaws.com", "ListUsers", Value::Null),
            (
                "iam.amazonaws.com",
                "ListAttachedUserPolicies",
                json!({ "userName": VICTIM_USER }),
            ),
            (
                "ec2.amazonaws.com",
                "DescribeInstances",
                json!({ "instancesSet": {}, "filterSet": {} }),
            ),
            (
                "s3.amazonaws.com",
                "ListBuckets",
                json!({ "Host": "s3.amazonaws.com" }),
            ),
        ];
        for (k, (source, name, params)) in recon.into_iter().enumerate() {
            let t = ts + 90 + k as i64 * 110 + rng.random_range(0..30);
            let mut e = CtEvent::new(
                &mut rng,
                t,
                console.clone(),
                source,
                name,
                "us-east-1",
                CONSOLE_ATTACKER_IP,
                CONSOLE,
                acct,
            );
            e.read_only = true;
            e.request_parameters = params;
            e.session_credential_from_console = Some("true");
            out.push(e);
        }
        out
    }

    /// From the stolen console session: a new user, admin rights, a key.
    fn new_admin(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(2);
        let acct = &world.accounts[PROD].id;
        let console = self.devops_console(world);
        let t0 = self.brute + NEW_ADMIN_MIN * 60 + rng.random_range(0..30);
        let new_key = world::user_key(self.seed, PROD, NEW_USER);
        let user_arn = format!("arn:aws:iam::{acct}:user/{NEW_USER}");
        let call = |rng: &mut StdRng, t: i64, name: &'static str| {
            let mut e = CtEvent::new(
                rng,
                t,
                console.clone(),
                "iam.amazonaws.com",
                name,
                "us-east-1",
                CONSOLE_ATTACKER_IP,
                CONSOLE,
                acct,
            );
            e.session_credential_from_console = Some("true");
            e
        };
        let mut create = call(&mut rng, t0, "CreateUser");
        create.request_parameters = json!({ "userName": NEW_USER });
        create.response_elements = json!({ "user": {
            "path": "/",
            "userName": NEW_USER,
            "userId": world::user_principal(self.seed, PROD, NEW_USER),
            "arn": user_arn,
            "createDate": cloudtrail::sts_expiration(t0),
        }});
        let mut attach = call(&mut rng, t0 + 95, "AttachUserPolicy");
        attach.request_parameters = json!({
            "userName": NEW_USER,
            "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
        });
        let mut key = call(&mut rng, t0 + 200, "CreateAccessKey");
        key.request_parameters = json!({ "userName": NEW_USER });
        key.response_elements = json!({ "accessKey": {
            "userName": NEW_USER,
            "accessKeyId": new_key,
            "status": "Active",
            "createDate": cloudtrail::sts_expiration(t0 + 200),
        }});
        vec![create, attach, key]
    }

    /// The backdoor key lists the buckets, then downloads the customer
    /// exports within ten minutes.
    fn exfiltration(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(3);
        let acct = &world.accounts[PROD];
        let user = self.new_user(world);
        let bucket = &acct.buckets[world::BUCKET_EXPORTS];
        let t0 = self.exfil + EXFIL_MIN * 60 + rng.random_range(0..20);
        let mut out = Vec::new();
        let mut list = CtEvent::new(
            &mut rng,
            t0,
            user.clone(),
            "s3.amazonaws.com",
            "ListBuckets",
            "us-east-1",
            KEY_ATTACKER_IP,
            ATTACKER_CLI,
            &acct.id,
        );
        list.read_only = true;
        list.request_parameters = json!({ "Host": "s3.amazonaws.com" });
        out.push(list);
        let mut objects = cloudtrail::s3_bucket(
            &mut rng,
            t0 + 40,
            user.clone(),
            "ListObjects",
            KEY_ATTACKER_IP,
            ATTACKER_CLI,
            &acct.id,
            bucket,
            json!({ "prefix": "exports/customers/", "list-type": "2", "encoding-type": "url" }),
        );
        objects.event_category = "Data";
        objects.management_event = false;
        out.push(objects);
        let start = t0 + 120;
        let n = self.exfil_objects;
        let c = civil(t0);
        for i in 0..n {
            let t = start + (i * 590 / n) as i64;
            let key = format!(
                "exports/customers/{:04}-{:02}/part-{i:05}.csv.gz",
                c.year, c.month
            );
            let size = rng.random_range(2_000_000..40_000_000);
            out.push(cloudtrail::s3_object(
                &mut rng,
                t,
                user.clone(),
                "GetObject",
                KEY_ATTACKER_IP,
                ATTACKER_CLI,
                &acct.id,
                bucket,
                &key,
                size,
            ));
        }
        out
    }

    /// The backdoor key removes the public access block of the backups
    /// bucket and grants everyone read access.
    fn public_policy(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(4);
        let acct = &world.accounts[PROD];
        let user = self.new_user(world);
        let bucket = &acct.buckets[world::BUCKET_BACKUPS];
        let t0 = self.exfil + POLICY_MIN * 60 + rng.random_range(0..30);
        let unblock = cloudtrail::s3_bucket(
            &mut rng,
            t0,
            user.clone(),
            "DeleteBucketPublicAccessBlock",
            KEY_ATTACKER_IP,
            ATTACKER_CLI,
            &acct.id,
            bucket,
            json!({ "publicAccessBlock": "" }),
        );
        let policy = cloudtrail::s3_bucket(
            &mut rng,
            t0 + 75,
            user,
            "PutBucketPolicy",
            KEY_ATTACKER_IP,
            ATTACKER_CLI,
            &acct.id,
            bucket,
            json!({
                "bucketPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": format!("arn:aws:s3:::{bucket}/*"),
                    }],
                },
                "policy": "",
            }),
        );
        vec![unblock, policy]
    }

    fn staging_session(&self, world: &World) -> UserIdentity {
        let role = "OrganizationAccountAccessRole";
        UserIdentity::assumed_role(
            &world.accounts[STAGING].id,
            role,
            "",
            &world::role_principal(self.seed, STAGING, role),
            NEW_USER,
            &world::session_key(self.seed, STAGING, &format!("{role}/{NEW_USER}")),
            false,
        )
    }

    fn trail_time(&self) -> i64 {
        self.exfil + TRAIL_MIN * 60 + 80
    }

    /// The backdoor key assumes the organisation role into staging and
    /// stops its trail.
    fn trail_stopped(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(5);
        let prod = &world.accounts[PROD];
        let staging = &world.accounts[STAGING];
        let t_stop = self.trail_time();
        let t_assume = t_stop - 140;
        let session = self.staging_session(world);
        let role_arn = session
            .session_context
            .as_ref()
            .and_then(|c| c.session_issuer.as_ref())
            .map(|i| i.arn.clone())
            .unwrap_or_default();

        let shared = super::uuid(&mut rng);
        let mut assume = CtEvent::new(
            &mut rng,
            t_assume,
            self.new_user(world),
            "sts.amazonaws.com",
            "AssumeRole",
            "us-east-1",
            KEY_ATTACKER_IP,
            ATTACKER_CLI,
            &prod.id,
        );
        assume.read_only = true;
        assume.request_parameters = json!({ "roleArn": role_arn, "roleSessionName": NEW_USER });
        assume.response_elements = json!({
            "credentials": {
                "accessKeyId": session.access_key_id,
                "sessionToken": format!("IQoJb3JpZ2luX2Vj{}", super::hex(&mut rng, 80)),
                "expiration": cloudtrail::sts_expiration(t_assume + HOUR),
            },
            "assumedRoleUser": { "assumedRoleId": session.principal_id, "arn": session.arn },
        });
        assume.resources = Some(vec![Resource::new(&staging.id, "AWS::IAM::Role", role_arn)]);
        assume.shared_event_id = Some(shared);

        let session = session.at(t_assume);
        let call = |rng: &mut StdRng, t: i64, name: &'static str, params: Value| {
            let mut e = CtEvent::new(
                rng,
                t,
                session.clone(),
                "cloudtrail.amazonaws.com",
                name,
                "us-east-1",
                KEY_ATTACKER_IP,
                ATTACKER_CLI,
                &staging.id,
            );
            e.read_only = name != "StopLogging";
            e.request_parameters = params;
            e
        };
        let describe = call(
            &mut rng,
            t_stop - 75,
            "DescribeTrails",
            json!({ "includeShadowTrails": false }),
        );
        let status = call(
            &mut rng,
            t_stop - 40,
            "GetTrailStatus",
            json!({ "name": staging.trail_arn }),
        );
        let stop = call(
            &mut rng,
            t_stop,
            "StopLogging",
            json!({ "name": staging.trail_arn }),
        );
        vec![assume, describe, status, stop]
    }

    fn root_key(&self) -> String {
        world::session_key(self.seed, SECURITY, "root-console")
    }

    /// The security account's root user signs in without MFA from an
    /// unknown address, looks around and creates a root access key.
    fn root_usage(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(6);
        let acct = &world.accounts[SECURITY].id;
        let t0 = self.root + ROOT_MIN * 60 + rng.random_range(0..40);
        let mut out = vec![cloudtrail::console_login(
            &mut rng,
            t0,
            UserIdentity::root(acct, None, false),
            ROOT_IP,
            ROOT_BROWSER,
            acct,
            true,
            false,
        )];
        let root = UserIdentity::root(acct, Some(&self.root_key()), false).at(t0);
        let calls: [(i64, &'static str, &'static str, Value); 6] = [
            (45, "iam.amazonaws.com", "GetAccountSummary", Value::Null),
            (80, "iam.amazonaws.com", "ListAccountAliases", Value::Null),
            (150, "iam.amazonaws.com", "ListUsers", Value::Null),
            (
                260,
                "s3.amazonaws.com",
                "ListBuckets",
                json!({ "Host": "s3.amazonaws.com" }),
            ),
            (
                330,
                "ec2.amazonaws.com",
                "DescribeInstances",
                json!({ "instancesSet": {}, "filterSet": {} }),
            ),
            (540, "iam.amazonaws.com", "CreateAccessKey", Value::Null),
        ];
        for (dt, source, name, params) in calls {
            let mut e = CtEvent::new(
                &mut rng,
                t0 + dt,
                root.clone(),
                source,
                name,
                "us-east-1",
                ROOT_IP,
                CONSOLE,
                acct,
            );
            e.read_only = name != "CreateAccessKey";
            e.request_parameters = params;
            e.session_credential_from_console = Some("true");
            if name == "CreateAccessKey" {
                e.response_elements = json!({ "accessKey": {
                    "accessKeyId": access_key(&mut rng, "AKIA"),
                    "status": "Active",
                    "createDate": cloudtrail::sts_expiration(t0 + dt),
                }});
            }
            out.push(e);
        }
        out
    }

    fn ssh_time(&self) -> i64 {
        self.ssh + SSH_MIN * 60 + 17
    }

    /// An administrator opens SSH on the bastion's security group to 0.0.0.0/0.
    fn ssh_open(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(7);
        let acct = &world.accounts[PROD];
        let sg = &acct.bastion().sg;
        let t = self.ssh_time();
        let carol = world::sso_identity(self.seed, &acct.id, PROD, "AdministratorAccess", "carol")
            .at(t - 1_500);
        let ip = world.corp_ips.first().map_or("", String::as_str);
        let mut describe = CtEvent::new(
            &mut rng,
            t - 110,
            carol.clone(),
            "ec2.amazonaws.com",
            "DescribeSecurityGroups",
            "us-east-1",
            ip,
            CONSOLE,
            &acct.id,
        );
        describe.read_only = true;
        describe.request_parameters =
            json!({ "securityGroupIdSet": { "items": [{ "groupId": sg }] }, "filterSet": {} });
        describe.session_credential_from_console = Some("true");
        let mut open = CtEvent::new(
            &mut rng,
            t,
            carol,
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            "us-east-1",
            ip,
            CONSOLE,
            &acct.id,
        );
        let (req, resp) =
            cloudtrail::ingress_rule(&mut rng, &acct.id, sg, 22, "0.0.0.0/0", "temp debug access");
        open.request_parameters = req;
        open.response_elements = resp;
        open.session_credential_from_console = Some("true");
        vec![describe, open]
    }

    fn bastion_session(&self, world: &World) -> (UserIdentity, String) {
        let acct = &world.accounts[PROD];
        let role = format!("{}-bastion-role", acct.alias);
        let iid = acct.bastion().instance_id.clone().unwrap_or_default();
        let id = UserIdentity::assumed_role(
            &acct.id,
            &role,
            "",
            &world::role_principal(self.seed, PROD, &role),
            &iid,
            &world::session_key(self.seed, PROD, &format!("{role}/{iid}")),
            false,
        );
        (id, role)
    }

    /// The bastion's role credentials used from the attacker's machine.
    fn stolen_credentials(&self, world: &World) -> Vec<CtEvent> {
        let mut rng = self.rng(8);
        let acct = &world.accounts[PROD];
        let (session, _) = self.bastion_session(world);
        let session = session.at(self.scan + HOUR);
        let t0 = self.scan + 150 * 60;
        let calls: [(i64, &'static str, &'static str, Value); 4] = [
            (0, "sts.amazonaws.com", "GetCallerIdentity", Value::Null),
            (
                50,
                "s3.amazonaws.com",
                "ListBuckets",
                json!({ "Host": "s3.amazonaws.com" }),
            ),
            (
                120,
                "ec2.amazonaws.com",
                "DescribeInstances",
                json!({ "instancesSet": {}, "filterSet": {} }),
            ),
            (
                200,
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                json!({ "secretId": acct.secrets.first() }),
            ),
        ];
        let mut out = Vec::new();
        for (dt, source, name, params) in calls {
            let mut e = CtEvent::new(
                &mut rng,
                t0 + dt,
                session.clone(),
                source,
                name,
                "us-east-1",
                SCANNER_IP,
                ATTACKER_CLI,
                &acct.id,
            );
            e.read_only = true;
            e.request_parameters = params;
            if name == "GetSecretValue" {
                cloudtrail::deny(&mut e);
            }
            out.push(e);
        }
        out
    }

    /// 260 distinct ports of the bastion probed within four minutes, the
    /// accepted SSH session that follows, and the bastion calling back.
    fn port_scan(&self, world: &World) -> Vec<FlowRec> {
        let mut rng = self.rng(9);
        let acct = &world.accounts[PROD];
        let bastion = acct.bastion();
        let t0 = self.scan + SCAN_MIN * 60 + rng.random_range(0..30);
        let mut ports: Vec<u16> = vec![
            21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1433, 1521, 1723,
            2049, 2375, 3306, 3389, 5432, 5900, 5985, 6379, 8080, 8443, 9200, 27017,
        ];
        while ports.len() < SCAN_PORTS {
            let p = rng.random_range(1..=10_000u16);
            if !ports.contains(&p) {
                ports.push(p);
            }
        }
        for i in (1..ports.len()).rev() {
            let j = rng.random_range(0..=i);
            ports.swap(i, j);
        }
        let sport = rng.random_range(40_000..60_000u16);
        let mut out = Vec::new();
        for (i, port) in ports.iter().enumerate() {
            let start = t0 + (i * 240 / SCAN_PORTS) as i64;
            let open = *port == 22;
            let traffic = Traffic {
                src: SCANNER_IP.to_string(),
                dst: bastion.ip.clone(),
                sport,
                dport: *port,
                protocol: TCP,
                packets: if open { 2 } else { 1 },
                bytes: if open { 88 } else { 44 },
            };
            out.push(FlowRec::new(start, start + 60, &bastion.eni, traffic, open));
        }
        let ssh = Traffic {
            src: SCANNER_IP.to_string(),
            dst: bastion.ip.clone(),
            sport: rng.random_range(40_000..60_000),
            dport: 22,
            protocol: TCP,
            packets: 1_840,
            bytes: 311_240,
        };
        out.push(FlowRec::new(
            t0 + 14 * 60,
            t0 + 14 * 60 + 540,
            &bastion.eni,
            ssh,
            true,
        ));
        for k in 0..3 {
            let start = t0 + 40 * 60 + k * 120;
            let packets = rng.random_range(40..120);
            let c2 = Traffic {
                src: bastion.ip.clone(),
                dst: SCANNER_IP.to_string(),
                sport: rng.random_range(32_768..61_000),
                dport: C2_PORT,
                protocol: TCP,
                packets,
                bytes: packets * rng.random_range(90..400),
            };
            out.push(FlowRec::new(start, start + 60, &bastion.eni, c2, true));
        }
        out
    }

    fn build_findings(&self, world: &World) -> Vec<(usize, usize, Finding)> {
        let mut rng = self.rng(10);
        let prod = &world.accounts[PROD];
        let bastion = prod.bastion();
        let iid = bastion.instance_id.clone().unwrap_or_default();
        let scanner = guardduty::remote_ip(SCANNER_IP, &ATTACKER_GEO);
        let scan_t0 = self.scan + SCAN_MIN * 60;
        let mut out = Vec::new();
        let mut add = |rng: &mut StdRng,
                       acct: usize,
                       t: i64,
                       meta: Meta<'_>,
                       resource: Value,
                       action: Value| {
            let f = guardduty::finding(rng, &world.accounts[acct], MAIN, t, meta, resource, action);
            out.push((acct, MAIN, f));
        };

        let t = self.scan + 14 * 60 + rng.random_range(0..60);
        add(
            &mut rng,
            PROD,
            t,
            Meta {
                kind: "Recon:EC2/PortProbeUnprotectedPort",
                severity: 2.0,
                title: format!("Unprotected port on EC2 instance {iid} is being probed."),
                description: format!(
                    "EC2 instance {iid} has an unprotected port 22 which is being probed by a known malicious host."
                ),
                feature: "FlowLogs",
                role: "TARGET",
                count: SCAN_PORTS as u64,
                first_seen: scan_t0,
            },
            guardduty::instance_resource(prod, MAIN, bastion),
            guardduty::port_probe(22, scanner.clone()),
        );
        let t = self.scan + 52 * 60 + rng.random_range(0..60);
        let c2_sport = rng.random_range(32_768..61_000);
        add(
            &mut rng,
            PROD,
            t,
            Meta {
                kind: "Backdoor:EC2/C&CActivity.B",
                severity: 8.0,
                title: format!(
                    "EC2 instance {iid} is querying an IP address associated with a known command and control server."
                ),
                description: format!(
                    "EC2 instance {iid} is querying IP address {SCANNER_IP}, which is associated with a known command and control server."
                ),
                feature: "FlowLogs",
                role: "ACTOR",
                count: 3,
                first_seen: scan_t0 + 40 * 60,
            },
            guardduty::instance_resource(prod, MAIN, bastion),
            guardduty::network_connection(
                "OUTBOUND",
                &bastion.ip,
                c2_sport,
                C2_PORT,
                scanner.clone(),
                false,
            ),
        );
        let t = self.scan + 85 * 60 + rng.random_range(0..60);
        add(
            &mut rng,
            PROD,
            t,
            Meta {
                kind: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                severity: 8.0,
                title: format!(
                    "EC2 instance {iid} is querying a domain name that is associated with Bitcoin-related activity."
                ),
                description: format!(
                    "EC2 instance {iid} is querying {MINING_DOMAIN}, a domain name associated with Bitcoin-related activity."
                ),
                feature: "DnsLogs",
                role: "ACTOR",
                count: 42,
                first_seen: t - 20 * 60,
            },
            guardduty::instance_resource(prod, MAIN, bastion),
            guardduty::dns_request(MINING_DOMAIN),
        );
        let (session, role) = self.bastion_session(world);
        let t = self.scan + 160 * 60 + rng.random_range(0..60);
        add(
            &mut rng,
            PROD,
            t,
            Meta {
                kind: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                severity: 8.0,
                title: format!(
                    "Credentials for instance role {role} used from external IP address."
                ),
                description: format!(
                    "Credentials created exclusively for an EC2 instance using instance role {role} have been used from external IP address {SCANNER_IP}."
                ),
                feature: "CloudTrail",
                role: "TARGET",
                count: 4,
                first_seen: self.scan + 150 * 60,
            },
            guardduty::access_key_resource(
                session.access_key_id.as_deref().unwrap_or_default(),
                session.principal_id.as_deref().unwrap_or_default(),
                &role,
                "AssumedRole",
            ),
            guardduty::api_call("ListBuckets", "s3.amazonaws.com", scanner),
        );

        let security = &world.accounts[SECURITY];
        let t = self.root + ROOT_MIN * 60 + 25 * 60 + rng.random_range(0..60);
        add(
            &mut rng,
            SECURITY,
            t,
            Meta {
                kind: "Policy:IAMUser/RootCredentialUsage",
                severity: 2.0,
                title: "API ListUsers was invoked using root credentials.".to_string(),
                description: format!(
                    "API ListUsers was invoked using root credentials from IP address {ROOT_IP}."
                ),
                feature: "CloudTrail",
                role: "TARGET",
                count: 6,
                first_seen: self.root + ROOT_MIN * 60,
            },
            guardduty::access_key_resource(&self.root_key(), &security.id, "Root", "Root"),
            guardduty::api_call(
                "ListUsers",
                "iam.amazonaws.com",
                guardduty::remote_ip(ROOT_IP, &ATTACKER_GEO),
            ),
        );

        let staging = &world.accounts[STAGING];
        let session = self.staging_session(world);
        let t = self.trail_time() + 5 * 60 + rng.random_range(0..60);
        let trail = staging
            .trail_arn
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        add(
            &mut rng,
            STAGING,
            t,
            Meta {
                kind: "Stealth:IAMUser/CloudTrailLoggingDisabled",
                severity: 2.0,
                title: format!("AWS CloudTrail trail {trail} was disabled."),
                description: format!(
                    "The user AssumedRole : OrganizationAccountAccessRole called StopLogging to disable trail {}.",
                    staging.trail_arn
                ),
                feature: "CloudTrail",
                role: "TARGET",
                count: 1,
                first_seen: self.trail_time(),
            },
            guardduty::access_key_resource(
                session.access_key_id.as_deref().unwrap_or_default(),
                session.principal_id.as_deref().unwrap_or_default(),
                "OrganizationAccountAccessRole",
                "AssumedRole",
            ),
            guardduty::api_call(
                "StopLogging",
                "cloudtrail.amazonaws.com",
                guardduty::remote_ip(KEY_ATTACKER_IP, &ATTACKER_GEO),
            ),
        );
        out
    }

    /// The story summaries, in time order.
    pub(super) fn stories(&self, world: &World) -> Vec<Story> {
        let prod = &world.accounts[PROD];
        let staging = &world.accounts[STAGING];
        let security = &world.accounts[SECURITY];
        let first = |events: &[CtEvent], name: &str| {
            events
                .iter()
                .filter(|e| e.event_name == name)
                .map(|e| e.t)
                .min()
                .unwrap_or(0)
        };
        let window = |t: i64, hours: i64| {
            let lo = t.div_euclid(HOUR) * HOUR;
            (sql_ts(lo), sql_ts(lo + hours * HOUR))
        };
        let mut out = Vec::new();

        let brute = self.brute_force(world);
        let at = first(&brute, "ConsoleLogin");
        let failures = brute.iter().filter(|e| e.error_message.is_some()).count();
        let (lo, hi) = window(at, 2);
        out.push(story(
            "console-brute-force",
            "Console password brute force followed by a successful sign-in",
            &prod.id,
            at,
            format!("IAM user {VICTIM_USER} (no MFA): {failures} failed ConsoleLogin from {CONSOLE_ATTACKER_IP} within 16 minutes, then a successful sign-in from the same address; account {} (prod), us-east-1", prod.id),
            format!("SELECT sourceipaddress, useridentity.username AS username, count(*) AS failures, min(eventtime) AS first_failure, max(eventtime) AS last_failure FROM cloudtrail WHERE eventname = 'ConsoleLogin' AND errormessage = 'Failed authentication' AND eventtime >= TIMESTAMP '{lo}' AND eventtime < TIMESTAMP '{hi}' GROUP BY sourceipaddress, useridentity.username HAVING count(*) >= 5 ORDER BY failures DESC"),
        ));

        let admin = self.new_admin(world);
        let at = first(&admin, "CreateUser");
        let (lo, hi) = window(at, 2);
        out.push(story(
            "new-admin-user",
            "New IAM user given AdministratorAccess and an access key",
            &prod.id,
            at,
            format!("{VICTIM_USER}'s console session from {CONSOLE_ATTACKER_IP} created IAM user {NEW_USER}, attached arn:aws:iam::aws:policy/AdministratorAccess and created access key {}; account {} (prod)", world::user_key(self.seed, PROD, NEW_USER), prod.id),
            format!("SELECT eventtime, eventname, useridentity.arn AS actor, sourceipaddress, json_extract_scalar(requestparameters, '$.userName') AS target_user, json_extract_scalar(requestparameters, '$.policyArn') AS policy_arn, json_extract_scalar(responseelements, '$.accessKey.accessKeyId') AS access_key FROM cloudtrail WHERE eventsource = 'iam.amazonaws.com' AND eventname IN ('CreateUser', 'AttachUserPolicy', 'CreateAccessKey') AND recipientaccountid = '{}' AND eventtime >= TIMESTAMP '{lo}' AND eventtime < TIMESTAMP '{hi}' ORDER BY eventtime", prod.id),
        ));

        let exfil = self.exfiltration(world);
        let at = first(&exfil, "GetObject");
        let bucket = &prod.buckets[world::BUCKET_EXPORTS];
        let (lo, hi) = window(at, 2);
        out.push(story(
            "s3-exfiltration",
            "Mass download of customer exports from S3",
            &prod.id,
            at,
            format!("IAM user {NEW_USER} from {KEY_ATTACKER_IP} ran {} GetObject on s3://{bucket} within 10 minutes; account {} (prod)", self.exfil_objects, prod.id),
            format!("SELECT useridentity.arn AS principal, sourceipaddress, json_extract_scalar(requestparameters, '$.bucketName') AS bucket, count(*) AS objects, sum(CAST(json_extract_scalar(additionaleventdata, '$.bytesTransferredOut') AS BIGINT)) AS bytes_out, min(eventtime) AS first_seen, max(eventtime) AS last_seen FROM cloudtrail WHERE eventname = 'GetObject' AND eventtime >= TIMESTAMP '{lo}' AND eventtime < TIMESTAMP '{hi}' GROUP BY useridentity.arn, sourceipaddress, json_extract_scalar(requestparameters, '$.bucketName') HAVING count(*) >= 100 ORDER BY objects DESC"),
        ));

        let policy = self.public_policy(world);
        let at = first(&policy, "PutBucketPolicy");
        let bucket = &prod.buckets[world::BUCKET_BACKUPS];
        let (lo, hi) = window(at, 2);
        out.push(story(
            "public-bucket-policy",
            "Bucket made public with a Principal \"*\" bucket policy",
            &prod.id,
            at,
            format!("IAM user {NEW_USER} from {KEY_ATTACKER_IP} deleted the public access block of s3://{bucket} and put a policy allowing s3:GetObject to \"*\"; account {} (prod)", prod.id),
            format!("SELECT eventtime, eventname, useridentity.arn AS principal, sourceipaddress, json_extract_scalar(requestparameters, '$.bucketName') AS bucket, requestparameters FROM cloudtrail WHERE eventname IN ('PutBucketPolicy', 'DeleteBucketPublicAccessBlock') AND eventtime >= TIMESTAMP '{lo}' AND eventtime < TIMESTAMP '{hi}' ORDER BY eventtime"),
        ));

        let trail = self.trail_stopped(world);
        let at = first(&trail, "StopLogging");
        let (lo, hi) = window(at, 2);
        out.push(story(
            "cloudtrail-stopped",
            "CloudTrail logging stopped",
            &staging.id,
            at,
            format!("Role session OrganizationAccountAccessRole/{NEW_USER} (assumed from prod by {NEW_USER}) from {KEY_ATTACKER_IP} called StopLogging on {}; account {} (staging)", staging.trail_arn, staging.id),
            format!("SELECT eventtime, eventname, useridentity.arn AS principal, useridentity.sessioncontext.sessionissuer.username AS role, sourceipaddress, json_extract_scalar(requestparameters, '$.name') AS trail FROM cloudtrail WHERE eventsource = 'cloudtrail.amazonaws.com' AND eventname IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors') AND eventtime >= TIMESTAMP '{lo}' AND eventtime < TIMESTAMP '{hi}' ORDER BY eventtime"),
        ));

        let root = self.root_usage(world);
        let at = first(&root, "ConsoleLogin");
        let (lo, hi) = window(at, 2);
        out.push(story(
            "root-usage",
            "Root user signed in without MFA and used the API",
            &security.id,
            at,
            format!("Root user of account {} (security) signed in from {ROOT_IP} without MFA, ran {} API calls and created a root access key", security.id, root.len() - 1),
            format!("SELECT eventtime, eventname, eventsource, sourceipaddress, useragent, errorcode FROM cloudtrail WHERE useridentity.type = 'Root' AND recipientaccountid = '{}' AND eventtime >= TIMESTAMP '{lo}' AND eventtime < TIMESTAMP '{hi}' ORDER BY eventtime", security.id),
        ));

        let ssh = self.ssh_open(world);
        let at = first(&ssh, "AuthorizeSecurityGroupIngress");
        let bastion = prod.bastion();
        let (lo, hi) = window(at, 2);
        out.push(story(
            "ssh-open-to-world",
            "SSH opened to 0.0.0.0/0 on a security group",
            &prod.id,
            at,
            format!("SSO user carol@{}.example (AdministratorAccess) from {} allowed tcp/22 from 0.0.0.0/0 on {} ({}, bastion {}); account {} (prod)", world::ORG, world.corp_ips.first().map_or("", String::as_str), bastion.sg, bastion.sg_name, bastion.instance_id.as_deref().unwrap_or_default(), prod.id),
            format!("SELECT eventtime, useridentity.arn AS principal, sourceipaddress, json_extract_scalar(requestparameters, '$.groupId') AS group_id, requestparameters FROM cloudtrail WHERE eventname = 'AuthorizeSecurityGroupIngress' AND requestparameters LIKE '%0.0.0.0/0%' AND eventtime >= TIMESTAMP '{lo}' AND eventtime < TIMESTAMP '{hi}' ORDER BY eventtime"),
        ));

        let scan = self.port_scan(world);
        let at = scan.iter().map(|r| r.start).min().unwrap_or(0);
        let (lo, hi) = window(at, 2);
        out.push(story(
            "port-scan",
            "Port scan of the internet-facing bastion",
            &prod.id,
            at,
            format!("{SCANNER_IP} probed {SCAN_PORTS} distinct ports of bastion {} ({}, {}) within 4 minutes, mostly REJECT; SSH (22) was accepted and the bastion later connected back to {SCANNER_IP}:{C2_PORT}; account {} (prod)", bastion.ip, bastion.instance_id.as_deref().unwrap_or_default(), bastion.eni, prod.id),
            format!("SELECT srcaddr, dstaddr, count(DISTINCT dstport) AS ports, count(*) AS flows, sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected, min(start) AS first_seen, max(\"end\") AS last_seen FROM vpc_flow WHERE start >= TIMESTAMP '{lo}' AND start < TIMESTAMP '{hi}' GROUP BY srcaddr, dstaddr HAVING count(DISTINCT dstport) >= 100 ORDER BY ports DESC"),
        ));

        let high: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|(_, _, f)| {
                f.json
                    .get("severity")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
                    >= 7.0
            })
            .map(|(_, _, f)| f)
            .collect();
        let at = high.iter().map(|f| f.t).min().unwrap_or(0);
        let (lo, hi) = window(at, 4);
        out.push(story(
            "guardduty-high",
            "High-severity GuardDuty findings on the compromised bastion",
            &prod.id,
            at,
            format!("{} findings of severity 8 for bastion {}: Backdoor:EC2/C&CActivity.B ({SCANNER_IP}), CryptoCurrency:EC2/BitcoinTool.B!DNS ({MINING_DOMAIN}), InstanceCredentialExfiltration.OutsideAWS (its role used from {SCANNER_IP}); account {} (prod), us-east-1", high.len(), bastion.instance_id.as_deref().unwrap_or_default(), prod.id),
            format!("SELECT createdat, type, severity, title, accountid, region FROM guardduty WHERE severity >= 7 AND createdat >= TIMESTAMP '{lo}' AND createdat < TIMESTAMP '{hi}' ORDER BY createdat"),
        ));

        out.sort_by_key(|s| s.at);
        out
    }
}

fn story(
    id: &'static str,
    title: &'static str,
    account: &str,
    at: i64,
    details: String,
    sql: String,
) -> Story {
    Story {
        id,
        title,
        account: account.to_string(),
        at: chrono::DateTime::from_timestamp(at, 0).unwrap_or_default(),
        details,
        sql,
    }
}
