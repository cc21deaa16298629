//! CloudTrail: the record shape, benign background activity, and the hourly
//! `{"Records":[...]}` files under `AWSLogs/<acct>/CloudTrail/<region>/`.

use std::collections::BTreeMap;

use rand::Rng;
use rand::rngs::StdRng;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::identity::UserIdentity;
use super::world::{self, Actor, ActorKind, HostRole};
use super::{
    BASE64, Cell, DemoError, HOUR, Log, Output, access_key, civil, hex, iso, key_parts, pick,
    pick_weighted, uuid,
};

/// Human activity at the busiest hour, relative to machine activity.
pub(super) const HUMAN_SHARE: f64 = 1.6;

/// One element of `resources`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Resource {
    #[serde(rename = "accountId", skip_serializing_if = "Option::is_none")]
    pub(super) account_id: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    #[serde(rename = "ARN")]
    pub(super) arn: String,
}

impl Resource {
    /// A resource owned by `acct`.
    pub(super) fn new(acct: &str, kind: &'static str, arn: String) -> Self {
        Self {
            account_id: Some(acct.to_string()),
            kind,
            arn,
        }
    }
}

/// `tlsDetails`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TlsDetails {
    pub(super) tls_version: &'static str,
    pub(super) cipher_suite: &'static str,
    pub(super) client_provided_host_header: String,
}

/// One CloudTrail record, fields in CloudTrail's order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CtEvent {
    /// Event time, unix seconds (serialized as `eventTime`).
    #[serde(skip)]
    pub(super) t: i64,
    pub(super) event_version: &'static str,
    pub(super) user_identity: UserIdentity,
    pub(super) event_time: String,
    pub(super) event_source: &'static str,
    pub(super) event_name: &'static str,
    pub(super) aws_region: &'static str,
    #[serde(rename = "sourceIPAddress")]
    pub(super) source_ip_address: String,
    pub(super) user_agent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) error_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) error_message: Option<String>,
    pub(super) request_parameters: Value,
    pub(super) response_elements: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) additional_event_data: Option<Value>,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    pub(super) request_id: Option<String>,
    #[serde(rename = "eventID")]
    pub(super) event_id: String,
    pub(super) read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) resources: Option<Vec<Resource>>,
    pub(super) event_type: &'static str,
    pub(super) management_event: bool,
    pub(super) recipient_account_id: String,
    #[serde(rename = "sharedEventID", skip_serializing_if = "Option::is_none")]
    pub(super) shared_event_id: Option<String>,
    pub(super) event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tls_details: Option<TlsDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) session_credential_from_console: Option<&'static str>,
}

impl CtEvent {
    /// A successful management API call with null parameters; the caller
    /// fills in the rest.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        rng: &mut StdRng,
        t: i64,
        identity: UserIdentity,
        source: &'static str,
        name: &'static str,
        region: &'static str,
        ip: &str,
        agent: &str,
        recipient: &str,
    ) -> Self {
        let tls_details = if identity.invoked_by.is_some() {
            None
        } else {
            Some(tls(rng, source, region))
        };
        Self {
            t,
            event_version: "1.09",
            user_identity: identity,
            event_time: iso(t),
            event_source: source,
            event_name: name,
            aws_region: region,
            source_ip_address: ip.to_string(),
            user_agent: agent.to_string(),
            error_code: None,
            error_message: None,
            request_parameters: Value::Null,
            response_elements: Value::Null,
            additional_event_data: None,
            request_id: Some(uuid(rng)),
            event_id: uuid(rng),
            read_only: false,
            resources: None,
            event_type: "AwsApiCall",
            management_event: true,
            recipient_account_id: recipient.to_string(),
            shared_event_id: None,
            event_category: "Management",
            tls_details,
            session_credential_from_console: None,
        }
    }

    /// Marks the call as failed.
    pub(super) fn fail(&mut self, code: &'static str, message: String) {
        self.error_code = Some(code);
        self.error_message = Some(message);
        self.response_elements = Value::Null;
    }
}

fn tls(rng: &mut StdRng, source: &str, region: &str) -> TlsDetails {
    let svc = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    let host = match svc {
        "iam" => "iam.amazonaws.com".to_string(),
        "signin" => "signin.aws.amazon.com".to_string(),
        "s3" => format!("s3.{region}.amazonaws.com"),
        _ => format!("{svc}.{region}.amazonaws.com"),
    };
    let (tls_version, cipher_suite) = if rng.random_bool(0.85) {
        ("TLSv1.3", "TLS_AES_128_GCM_SHA256")
    } else {
        ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")
    };
    TlsDetails {
        tls_version,
        cipher_suite,
        client_provided_host_header: host,
    }
}

/// A `ConsoleLogin` sign-in event, successful or failed as CloudTrail writes
/// it: failures carry `errorMessage` "Failed authentication" and no `errorCode`.
#[allow(clippy::too_many_arguments)]
pub(super) fn console_login(
    rng: &mut StdRng,
    t: i64,
    identity: UserIdentity,
    ip: &str,
    browser: &str,
    recipient: &str,
    success: bool,
    mfa: bool,
) -> CtEvent {
    let mut e = CtEvent::new(
        rng,
        t,
        identity.sign_in(),
        "signin.amazonaws.com",
        "ConsoleLogin",
        "us-east-1",
        ip,
        browser,
        recipient,
    );
    e.event_version = "1.08";
    e.event_type = "AwsConsoleSignIn";
    e.request_id = None;
    e.response_elements = json!({ "ConsoleLogin": if success { "Success" } else { "Failure" } });
    e.additional_event_data = Some(json!({
        "LoginTo": "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_",
        "MobileVersion": "No",
        "MFAUsed": if mfa && success { "Yes" } else { "No" },
    }));
    if !success {
        e.error_message = Some("Failed authentication".to_string());
    }
    e
}

/// An S3 object-level data event (`GetObject`, `PutObject`, `HeadObject`).
#[allow(clippy::too_many_arguments)]
pub(super) fn s3_object(
    rng: &mut StdRng,
    t: i64,
    identity: UserIdentity,
    name: &'static str,
    ip: &str,
    agent: &str,
    acct: &str,
    bucket: &str,
    key: &str,
    size: u64,
) -> CtEvent {
    let mut e = CtEvent::new(
        rng,
        t,
        identity,
        "s3.amazonaws.com",
        name,
        "us-east-1",
        ip,
        agent,
        acct,
    );
    if let Some(tls) = &mut e.tls_details {
        tls.client_provided_host_header = format!("{bucket}.s3.us-east-1.amazonaws.com");
    }
    e.event_category = "Data";
    e.management_event = false;
    e.read_only = name != "PutObject";
    e.request_id = Some(format!("{:016X}", rng.random::<u64>()));
    e.request_parameters = json!({
        "bucketName": bucket,
        "Host": format!("{bucket}.s3.us-east-1.amazonaws.com"),
        "key": key,
    });
    let (bytes_in, bytes_out) = match name {
        "PutObject" => (size, 0),
        "GetObject" => (0, size),
        _ => (0, 0),
    };
    e.additional_event_data = Some(s3_extra(rng, bytes_in, bytes_out));
    if name == "PutObject" {
        e.response_elements = json!({
            "x-amz-server-side-encryption": "AES256",
            "x-amz-version-id": super::chars(rng, super::ALNUM, 32),
        });
    }
    e.resources = Some(vec![
        Resource {
            account_id: None,
            kind: "AWS::S3::Object",
            arn: format!("arn:aws:s3:::{bucket}/{key}"),
        },
        Resource::new(acct, "AWS::S3::Bucket", format!("arn:aws:s3:::{bucket}")),
    ]);
    e
}

fn s3_extra(rng: &mut StdRng, bytes_in: u64, bytes_out: u64) -> Value {
    json!({
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": bytes_in,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": super::chars(rng, BASE64, 76),
        "bytesTransferredOut": bytes_out,
    })
}

/// A bucket-level S3 management event on `bucket` with `params` merged into
/// the usual `bucketName`/`Host` parameters.
#[allow(clippy::too_many_arguments)]
pub(super) fn s3_bucket(
    rng: &mut StdRng,
    t: i64,
    identity: UserIdentity,
    name: &'static str,
    ip: &str,
    agent: &str,
    acct: &str,
    bucket: &str,
    params: Value,
) -> CtEvent {
    let mut e = CtEvent::new(
        rng,
        t,
        identity,
        "s3.amazonaws.com",
        name,
        "us-east-1",
        ip,
        agent,
        acct,
    );
    e.read_only = name.starts_with("Get") || name.starts_with("List");
    e.request_id = Some(format!("{:016X}", rng.random::<u64>()));
    let mut p = Map::new();
    p.insert("bucketName".into(), Value::from(bucket));
    p.insert(
        "Host".into(),
        Value::from(format!("{bucket}.s3.amazonaws.com")),
    );
    if let Value::Object(extra) = params {
        p.extend(extra);
    }
    e.request_parameters = Value::Object(p);
    e.additional_event_data = Some(s3_extra(rng, 0, 0));
    e.resources = Some(vec![Resource::new(
        acct,
        "AWS::S3::Bucket",
        format!("arn:aws:s3:::{bucket}"),
    )]);
    e
}

/// `requestParameters` and `responseElements` of an
/// `AuthorizeSecurityGroupIngress` call opening `port` to `cidr`.
pub(super) fn ingress_rule(
    rng: &mut StdRng,
    acct: &str,
    sg: &str,
    port: u16,
    cidr: &str,
    description: &str,
) -> (Value, Value) {
    let request = json!({
        "groupId": sg,
        "ipPermissions": { "items": [{
            "ipProtocol": "tcp",
            "fromPort": port,
            "toPort": port,
            "groups": {},
            "ipRanges": { "items": [{ "cidrIp": cidr, "description": description }] },
            "ipv6Ranges": {},
            "prefixListIds": {},
        }] },
    });
    let response = json!({
        "requestId": uuid(rng),
        "_return": true,
        "securityGroupRuleSet": { "items": [{
            "groupOwnerId": acct,
            "groupId": sg,
            "securityGroupRuleId": format!("sgr-{}", hex(rng, 17)),
            "isEgress": false,
            "ipProtocol": "tcp",
            "fromPort": port,
            "toPort": port,
            "cidrIpv4": cidr,
            "description": description,
        }] },
    });
    (request, response)
}

/// `Nov 28, 2026, 10:15:42 AM`, the format of STS credential expirations.
pub(super) fn sts_expiration(t: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = civil(t);
    let (h12, ampm) = match c.hour {
        0 => (12, "AM"),
        1..=11 => (c.hour, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{} {}, {}, {}:{:02}:{:02} {}",
        MONTHS[(c.month as usize).saturating_sub(1) % 12],
        c.day,
        c.year,
        h12,
        c.minute,
        c.second,
        ampm
    )
}

/// The API action a permission check names (`ListFunctions20150331` ->
/// `ListFunctions`).
fn action_name(name: &str) -> &str {
    name.find(|c: char| c.is_ascii_digit())
        .map_or(name, |i| &name[..i])
}

/// Fails `e` as an authorization failure of its caller.
pub(super) fn deny(e: &mut CtEvent) {
    let svc = e
        .event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(e.event_source);
    let action = action_name(e.event_name);
    let arn = e.user_identity.arn_or_empty().to_string();
    let (code, message) = match svc {
        "ec2" => (
            "Client.UnauthorizedOperation",
            format!(
                "You are not authorized to perform this operation. User: {arn} is not authorized to perform: ec2:{action} because no identity-based policy allows the ec2:{action} action"
            ),
        ),
        "s3" => ("AccessDenied", "Access Denied".to_string()),
        "kms" | "lambda" | "secretsmanager" | "ssm" | "logs" => (
            "AccessDeniedException",
            format!(
                "User: {arn} is not authorized to perform: {svc}:{action} because no identity-based policy allows the {svc}:{action} action"
            ),
        ),
        _ => (
            "AccessDenied",
            format!(
                "User: {arn} is not authorized to perform: {svc}:{action} because no identity-based policy allows the {svc}:{action} action"
            ),
        ),
    };
    e.fail(code, message);
}

fn throttle(e: &mut CtEvent) {
    if e.event_source == "ec2.amazonaws.com" {
        e.fail(
            "Client.RequestLimitExceeded",
            "Request limit exceeded.".to_string(),
        );
    } else {
        e.fail("ThrottlingException", "Rate exceeded".to_string());
    }
}

/// A benign API action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// EC2 `Describe*` with the name of its (empty) set parameter.
    Ec2Describe(&'static str, &'static str),
    Ec2CreateTags,
    Ec2AuthorizeInternal,
    SsmUpdateInstanceInformation,
    S3ListBuckets,
    /// Bucket-level read with the name of its marker parameter.
    S3BucketGet(&'static str, &'static str),
    S3Object(&'static str),
    StsAssumeRole,
    StsGetCallerIdentity,
    IamListAll(&'static str),
    IamRoleOp(&'static str),
    IamUserOp(&'static str),
    Kms(&'static str),
    LambdaInvoke,
    LambdaList,
    LambdaGet,
    LambdaUpdate,
    Logs(&'static str),
    Cfn(&'static str),
    Rds(&'static str),
    SecretsGet,
    SsmGetParameter,
    Trail(&'static str),
    GuardDuty(&'static str),
    ConsoleLogin,
}

const DESCRIBE_INSTANCES: Act = Act::Ec2Describe("DescribeInstances", "instancesSet");

impl Act {
    fn source_name(self) -> (&'static str, &'static str) {
        match self {
            Act::Ec2Describe(n, _) => ("ec2.amazonaws.com", n),
            Act::Ec2CreateTags => ("ec2.amazonaws.com", "CreateTags"),
            Act::Ec2AuthorizeInternal => ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress"),
            Act::SsmUpdateInstanceInformation => ("ssm.amazonaws.com", "UpdateInstanceInformation"),
            Act::S3ListBuckets => ("s3.amazonaws.com", "ListBuckets"),
            Act::S3BucketGet(n, _) | Act::S3Object(n) => ("s3.amazonaws.com", n),
            Act::StsAssumeRole => ("sts.amazonaws.com", "AssumeRole"),
            Act::StsGetCallerIdentity => ("sts.amazonaws.com", "GetCallerIdentity"),
            Act::IamListAll(n) | Act::IamRoleOp(n) | Act::IamUserOp(n) => ("iam.amazonaws.com", n),
            Act::Kms(n) => ("kms.amazonaws.com", n),
            Act::LambdaInvoke => ("lambda.amazonaws.com", "Invoke"),
            Act::LambdaList => ("lambda.amazonaws.com", "ListFunctions20150331"),
            Act::LambdaGet => ("lambda.amazonaws.com", "GetFunction20150331v2"),
            Act::LambdaUpdate => ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"),
            Act::Logs(n) => ("logs.amazonaws.com", n),
            Act::Cfn(n) => ("cloudformation.amazonaws.com", n),
            Act::Rds(n) => ("rds.amazonaws.com", n),
            Act::SecretsGet => ("secretsmanager.amazonaws.com", "GetSecretValue"),
            Act::SsmGetParameter => ("ssm.amazonaws.com", "GetParameter"),
            Act::Trail(n) => ("cloudtrail.amazonaws.com", n),
            Act::GuardDuty(n) => ("guardduty.amazonaws.com", n),
            Act::ConsoleLogin => ("signin.amazonaws.com", "ConsoleLogin"),
        }
    }

    /// Only logged in the main region (global services, and buckets, which
    /// all live there).
    fn main_region_only(self) -> bool {
        matches!(
            self,
            Act::S3ListBuckets
                | Act::SsmUpdateInstanceInformation
                | Act::S3BucketGet(..)
                | Act::S3Object(_)
                | Act::IamListAll(_)
                | Act::IamRoleOp(_)
                | Act::IamUserOp(_)
                | Act::ConsoleLogin
        )
    }
}

const HUMAN_POOL: &[(Act, u32)] = &[
    (DESCRIBE_INSTANCES, 10),
    (
        Act::Ec2Describe("DescribeSecurityGroups", "securityGroupSet"),
        4,
    ),
    (Act::Ec2Describe("DescribeVpcs", "vpcSet"), 2),
    (Act::Ec2Describe("DescribeSubnets", "subnetSet"), 2),
    (Act::Ec2Describe("DescribeVolumes", "volumeSet"), 2),
    (Act::Ec2Describe("DescribeRegions", "regionSet"), 2),
    (
        Act::Ec2Describe("DescribeNetworkInterfaces", "networkInterfaceIdSet"),
        1,
    ),
    (Act::S3ListBuckets, 6),
    (Act::S3Object("GetObject"), 8),
    (Act::S3Object("PutObject"), 3),
    (Act::S3BucketGet("GetBucketLocation", "location"), 2),
    (Act::S3BucketGet("GetBucketPolicy", "policy"), 1),
    (Act::StsGetCallerIdentity, 5),
    (Act::StsAssumeRole, 3),
    (Act::IamListAll("ListUsers"), 2),
    (Act::IamListAll("ListRoles"), 2),
    (Act::IamListAll("ListPolicies"), 1),
    (Act::IamRoleOp("GetRole"), 2),
    (Act::IamRoleOp("ListAttachedRolePolicies"), 1),
    (Act::IamUserOp("GetUser"), 1),
    (Act::IamUserOp("ListAccessKeys"), 1),
    (Act::Kms("DescribeKey"), 1),
    (Act::Kms("Decrypt"), 2),
    (Act::LambdaList, 3),
    (Act::LambdaGet, 2),
    (Act::LambdaInvoke, 2),
    (Act::Logs("DescribeLogGroups"), 3),
    (Act::Logs("FilterLogEvents"), 3),
    (Act::Logs("DescribeLogStreams"), 2),
    (Act::Cfn("DescribeStacks"), 3),
    (Act::Cfn("ListStacks"), 1),
    (Act::Cfn("DescribeStackEvents"), 2),
    (Act::Rds("DescribeDBInstances"), 2),
    (Act::Rds("DescribeDBClusters"), 1),
    (Act::SecretsGet, 1),
    (Act::SsmGetParameter, 1),
    (Act::ConsoleLogin, 2),
];

const SECURITY_POOL: &[(Act, u32)] = &[
    (Act::Trail("LookupEvents"), 6),
    (Act::Trail("DescribeTrails"), 2),
    (Act::Trail("GetTrailStatus"), 2),
    (Act::GuardDuty("ListFindings"), 4),
    (Act::GuardDuty("GetFindings"), 3),
    (Act::GuardDuty("ListDetectors"), 1),
];

const CI_POOL: &[(Act, u32)] = &[
    (Act::StsGetCallerIdentity, 6),
    (Act::S3Object("GetObject"), 6),
    (Act::S3Object("PutObject"), 3),
    (Act::Cfn("DescribeStacks"), 5),
    (Act::Cfn("DescribeStackEvents"), 3),
    (Act::Cfn("CreateChangeSet"), 1),
    (Act::Cfn("ExecuteChangeSet"), 1),
    (DESCRIBE_INSTANCES, 3),
    (
        Act::Ec2Describe("DescribeSecurityGroups", "securityGroupSet"),
        3,
    ),
    (Act::Ec2Describe("DescribeVpcs", "vpcSet"), 2),
    (Act::IamRoleOp("GetRole"), 4),
    (Act::IamRoleOp("ListAttachedRolePolicies"), 2),
    (Act::LambdaGet, 3),
    (Act::LambdaUpdate, 1),
    (Act::Ec2CreateTags, 1),
    (Act::Ec2AuthorizeInternal, 1),
];

const LAMBDA_POOL: &[(Act, u32)] = &[
    (Act::S3Object("GetObject"), 10),
    (Act::S3Object("PutObject"), 6),
    (Act::Kms("Decrypt"), 8),
    (Act::Kms("GenerateDataKey"), 4),
    (Act::SecretsGet, 3),
    (Act::SsmGetParameter, 4),
    (Act::LambdaInvoke, 2),
    (Act::StsGetCallerIdentity, 1),
];

const INSTANCE_POOL: &[(Act, u32)] = &[
    (Act::SsmUpdateInstanceInformation, 8),
    (Act::S3Object("GetObject"), 6),
    (Act::S3Object("PutObject"), 2),
    (Act::Kms("Decrypt"), 3),
    (Act::SsmGetParameter, 4),
    (Act::Logs("CreateLogStream"), 2),
    (Act::Logs("DescribeLogStreams"), 2),
    (Act::Ec2Describe("DescribeTags", "filterSet"), 2),
];

const CONFIG_POOL: &[(Act, u32)] = &[
    (DESCRIBE_INSTANCES, 6),
    (
        Act::Ec2Describe("DescribeSecurityGroups", "securityGroupSet"),
        6,
    ),
    (Act::Ec2Describe("DescribeVpcs", "vpcSet"), 3),
    (Act::Ec2Describe("DescribeSubnets", "subnetSet"), 3),
    (Act::Ec2Describe("DescribeVolumes", "volumeSet"), 3),
    (
        Act::Ec2Describe("DescribeNetworkInterfaces", "networkInterfaceIdSet"),
        4,
    ),
    (Act::IamRoleOp("GetRole"), 3),
    (Act::IamRoleOp("ListAttachedRolePolicies"), 2),
    (Act::IamListAll("ListUsers"), 1),
    (Act::S3BucketGet("GetBucketAcl", "acl"), 3),
    (Act::S3BucketGet("GetBucketPolicy", "policy"), 2),
    (Act::S3BucketGet("GetBucketVersioning", "versioning"), 2),
    (Act::Rds("DescribeDBInstances"), 2),
    (Act::LambdaList, 2),
    (Act::Kms("DescribeKey"), 2),
];

/// Fallback for main-region-only actions drawn outside the main region.
const REGIONAL_POOL: &[(Act, u32)] = &[
    (DESCRIBE_INSTANCES, 6),
    (
        Act::Ec2Describe("DescribeSecurityGroups", "securityGroupSet"),
        2,
    ),
    (Act::Kms("DescribeKey"), 1),
    (Act::LambdaList, 2),
    (Act::Logs("DescribeLogGroups"), 2),
    (Act::Cfn("DescribeStacks"), 2),
];

fn pick_actor<'a>(rng: &mut StdRng, actors: &'a [Actor]) -> &'a Actor {
    let total: u32 = actors.iter().map(|a| a.weight).sum();
    let mut x = rng.random_range(0..total.max(1));
    for a in actors {
        if x < a.weight {
            return a;
        }
        x -= a.weight;
    }
    &actors[actors.len() - 1]
}

/// One benign event at time `t` in `cell`.
fn benign(rng: &mut StdRng, cell: &Cell<'_>, t: i64) -> CtEvent {
    let acct = cell.account();
    let human = HUMAN_SHARE * cell.hour.human;
    if rng.random_bool(human / (human + 1.0)) && !acct.humans.is_empty() {
        let actor = pick_actor(rng, &acct.humans);
        human_event(rng, cell, actor, t)
    } else {
        let actor = pick_actor(rng, &acct.machines);
        machine_event(rng, cell, actor, t)
    }
}

fn human_event(rng: &mut StdRng, cell: &Cell<'_>, actor: &Actor, t: i64) -> CtEvent {
    let acct = cell.account();
    let working = cell.hour.human >= 0.99;
    let office = &actor.ips[..actor.ips.len().saturating_sub(1)];
    let ip = if working && !office.is_empty() && rng.random_bool(0.75) {
        pick(rng, office)
    } else {
        pick(rng, &actor.ips[actor.ips.len().saturating_sub(1)..])
    };
    let x = rng.random_range(0..100);
    let console = if actor.kind == ActorKind::Sso {
        x < 45
    } else {
        x < 30
    };
    let mut act = if actor.security && rng.random_bool(0.35) {
        *pick_weighted(rng, SECURITY_POOL)
    } else {
        *pick_weighted(rng, HUMAN_POOL)
    };
    if act == Act::ConsoleLogin {
        if let (true, true, Some(_)) =
            (working, cell.region == world::MAIN, &actor.console_identity)
        {
            let browser = &actor.agents[2];
            return console_login(
                rng,
                t,
                actor.identity.clone(),
                ip,
                browser,
                &acct.id,
                true,
                actor.mfa,
            );
        }
        act = DESCRIBE_INSTANCES;
    }
    if cell.region != world::MAIN && act.main_region_only() {
        act = *pick_weighted(rng, REGIONAL_POOL);
    }
    let (identity, agent) = match (&actor.console_identity, console) {
        (Some(ci), true) => (ci, console_agent(rng)),
        (None, true) => (&actor.identity, console_agent(rng)),
        (_, false) => (&actor.identity, actor.agents[usize::from(x >= 75)].as_str()),
    };
    let creation = t.div_euclid(HOUR) * HOUR - actor.session_lead;
    let (source, name) = act.source_name();
    let mut e = CtEvent::new(
        rng,
        t,
        identity.at(creation),
        source,
        name,
        cell.region_name(),
        ip,
        agent,
        &acct.id,
    );
    fill(rng, cell, actor, act, &mut e);
    if console {
        e.session_credential_from_console = Some("true");
    }
    if e.error_code.is_none() && rng.random_bool(0.03) {
        deny(&mut e);
    }
    e
}

fn console_agent(rng: &mut StdRng) -> &'static str {
    if rng.random_bool(0.7) {
        "console.amazonaws.com"
    } else {
        "AWS Internal"
    }
}

fn machine_event(rng: &mut StdRng, cell: &Cell<'_>, actor: &Actor, t: i64) -> CtEvent {
    let acct = cell.account();
    if actor.kind == ActorKind::Service {
        return service_event(rng, cell, t);
    }
    let pool = match actor.kind {
        ActorKind::Ci => CI_POOL,
        ActorKind::Lambda => LAMBDA_POOL,
        ActorKind::Instance => INSTANCE_POOL,
        ActorKind::Config => CONFIG_POOL,
        _ => HUMAN_POOL,
    };
    let mut act = *pick_weighted(rng, pool);
    if act == Act::Ec2AuthorizeInternal && !rng.random_bool(0.1) {
        act = Act::Ec2CreateTags;
    }
    if act == Act::ConsoleLogin || (cell.region != world::MAIN && act.main_region_only()) {
        act = *pick_weighted(rng, REGIONAL_POOL);
    }
    let ip = if actor.ips.is_empty() {
        ""
    } else {
        pick(rng, &actor.ips).as_str()
    };
    let agent = actor.agents.first().map_or("", String::as_str);
    let creation = t.div_euclid(HOUR) * HOUR - actor.session_lead;
    let (source, name) = act.source_name();
    let mut e = CtEvent::new(
        rng,
        t,
        actor.identity.at(creation),
        source,
        name,
        cell.region_name(),
        ip,
        agent,
        &acct.id,
    );
    fill(rng, cell, actor, act, &mut e);
    if e.error_code.is_none() {
        match actor.kind {
            ActorKind::Config if rng.random_bool(0.02) => throttle(&mut e),
            ActorKind::Ci if rng.random_bool(0.01) => deny(&mut e),
            _ if rng.random_bool(0.003) => deny(&mut e),
            _ => {}
        }
    }
    e
}

/// `AWSService` activity: role assumptions by Lambda and EC2, key rotation.
fn service_event(rng: &mut StdRng, cell: &Cell<'_>, t: i64) -> CtEvent {
    let acct = cell.account();
    let region = cell.region_name();
    if rng.random_bool(0.002) && !acct.kms_keys.is_empty() {
        let key = format!(
            "arn:aws:kms:{region}:{}:key/{}",
            acct.id,
            pick(rng, &acct.kms_keys)
        );
        let identity = UserIdentity {
            account_id: Some(acct.id.clone()),
            invoked_by: Some("kms.amazonaws.com"),
            ..UserIdentity::empty()
        };
        let mut e = CtEvent::new(
            rng,
            t,
            identity,
            "kms.amazonaws.com",
            "RotateKey",
            region,
            "kms.amazonaws.com",
            "kms.amazonaws.com",
            &acct.id,
        );
        e.event_version = "1.08";
        e.event_type = "AwsServiceEvent";
        e.request_id = None;
        e.additional_event_data = Some(json!({ "keyId": key }));
        e.resources = Some(vec![Resource::new(&acct.id, "AWS::KMS::Key", key)]);
        return e;
    }
    let lambda = rng.random_bool(0.6) && !acct.functions.is_empty();
    let (by, role, session) = if lambda {
        let f = pick(rng, &acct.functions);
        (
            "lambda.amazonaws.com",
            format!("service-role/{f}-exec-role"),
            f.clone(),
        )
    } else {
        let iid = acct
            .instances(world::MAIN)
            .find(|h| h.role == HostRole::Web)
            .and_then(|h| h.instance_id.clone())
            .unwrap_or_default();
        (
            "ec2.amazonaws.com",
            format!("{}-app-instance-role", acct.alias),
            iid,
        )
    };
    let role_arn = format!("arn:aws:iam::{}:role/{role}", acct.id);
    let mut e = CtEvent::new(
        rng,
        t,
        UserIdentity::service(by),
        "sts.amazonaws.com",
        "AssumeRole",
        region,
        by,
        by,
        &acct.id,
    );
    e.event_version = "1.08";
    e.read_only = true;
    e.request_parameters = json!({ "roleArn": role_arn, "roleSessionName": session });
    e.response_elements = json!({ "credentials": {
        "accessKeyId": access_key(rng, "ASIA"),
        "sessionToken": session_token(rng),
        "expiration": sts_expiration(t + 6 * HOUR),
    }});
    e.resources = Some(vec![Resource::new(&acct.id, "AWS::IAM::Role", role_arn)]);
    e.shared_event_id = Some(uuid(rng));
    e
}

fn session_token(rng: &mut StdRng) -> String {
    format!("IQoJb3JpZ2luX2Vj{}", super::chars(rng, BASE64, 84))
}

/// An object key that looks like what lives in `bucket_idx`.
fn object_key(rng: &mut StdRng, bucket_idx: usize, t: i64) -> String {
    let c = civil(t);
    match bucket_idx {
        0 => format!(
            "orders/{:04}/{:02}/{:02}/{}.json",
            c.year,
            c.month,
            c.day,
            uuid(rng)
        ),
        1 => format!("uploads/{}/{}.jpg", hex(rng, 8), hex(rng, 16)),
        2 => format!(
            "app/{:04}/{:02}/{:02}/{:02}/web-{}.log.gz",
            c.year,
            c.month,
            c.day,
            c.hour,
            hex(rng, 8)
        ),
        3 => format!(
            "env/{}/terraform.tfstate",
            pick(rng, &["network", "app", "data", "monitoring"])
        ),
        4 => format!(
            "assets/{}.{}",
            hex(rng, 12),
            pick(rng, &["css", "js", "png", "svg"])
        ),
        5 => format!(
            "exports/customers/{:04}-{:02}/part-{:05}.csv.gz",
            c.year,
            c.month,
            rng.random_range(0..400)
        ),
        _ => format!(
            "rds/{:04}-{:02}-{:02}/snapshot-{}.sql.gz",
            c.year,
            c.month,
            c.day,
            hex(rng, 8)
        ),
    }
}

/// Fills parameters, response and resources of a benign `act`.
fn fill(rng: &mut StdRng, cell: &Cell<'_>, actor: &Actor, act: Act, e: &mut CtEvent) {
    let acct = cell.account();
    let region = cell.region_name();
    let id = acct.id.as_str();
    match act {
        Act::Ec2Describe(_, set) => {
            e.read_only = true;
            e.request_parameters = match set {
                "regionSet" => json!({ "regionSet": {} }),
                "filterSet" => {
                    json!({ "filterSet": { "items": [{ "name": "resource-id", "valueSet": { "items": [{ "value": actor.name }] } }] } })
                }
                _ => json!({ set: {}, "filterSet": {} }),
            };
        }
        Act::Ec2CreateTags => {
            let iid = acct
                .instances(cell.region)
                .next()
                .and_then(|h| h.instance_id.clone())
                .unwrap_or_default();
            e.request_parameters = json!({
                "resourcesSet": { "items": [{ "resourceId": iid }] },
                "tagSet": { "items": [{ "key": "deployed-by", "value": "terraform" }] },
            });
            e.response_elements = json!({ "requestId": uuid(rng), "_return": true });
        }
        Act::Ec2AuthorizeInternal => {
            let sg = acct.hosts[cell.region]
                .first()
                .map(|h| h.sg.clone())
                .unwrap_or_default();
            let cidr = format!("10.{}.0.0/16", acct.octet);
            let (req, resp) = ingress_rule(rng, id, &sg, 5432, &cidr, "app subnets");
            e.request_parameters = req;
            e.response_elements = resp;
        }
        Act::SsmUpdateInstanceInformation => {
            let ip = acct
                .instances(cell.region)
                .find(|h| h.instance_id.as_deref() == Some(actor.name.as_str()))
                .map_or_else(|| format!("10.{}.10.5", acct.octet), |h| h.ip.clone());
            e.request_parameters = json!({
                "instanceId": actor.name,
                "agentVersion": "3.3.1142.0",
                "agentStatus": "Active",
                "platformType": "Linux",
                "platformName": "Amazon Linux",
                "platformVersion": "2023",
                "iPAddress": ip,
                "computerName": format!("ip-{}.ec2.internal", ip.replace('.', "-")),
            });
        }
        Act::S3ListBuckets => {
            e.read_only = true;
            e.request_parameters = json!({ "Host": "s3.amazonaws.com" });
            e.request_id = Some(format!("{:016X}", rng.random::<u64>()));
            e.additional_event_data = Some(s3_extra(rng, 0, 0));
        }
        Act::S3BucketGet(name, marker) => {
            let b = pick(rng, &acct.buckets);
            let mut x = s3_bucket(
                rng,
                e.t,
                e.user_identity.clone(),
                name,
                &e.source_ip_address,
                &e.user_agent,
                id,
                b,
                json!({ marker: "" }),
            );
            x.tls_details = e.tls_details.take();
            if name == "GetBucketPolicy" && rng.random_bool(0.5) {
                x.fail(
                    "NoSuchBucketPolicy",
                    "The bucket policy does not exist".to_string(),
                );
            } else if rng.random_bool(0.01) {
                x.fail(
                    "NoSuchBucket",
                    "The specified bucket does not exist".to_string(),
                );
            }
            x.event_id = std::mem::take(&mut e.event_id);
            *e = x;
        }
        Act::S3Object(name) => {
            let bucket_idx = match actor.kind {
                ActorKind::Ci => world::BUCKET_TFSTATE,
                ActorKind::Lambda => rng.random_range(0..3),
                ActorKind::Instance => *pick(rng, &[0, 2]),
                _ if rng.random_bool(0.03) => world::BUCKET_EXPORTS,
                _ => rng.random_range(0..world::BENIGN_BUCKETS),
            };
            let bucket = &acct.buckets[bucket_idx];
            let key = object_key(rng, bucket_idx, e.t);
            let size = match bucket_idx {
                1 => rng.random_range(40_000..4_000_000),
                3 => rng.random_range(20_000..600_000),
                _ => rng.random_range(300..90_000),
            };
            let mut x = s3_object(
                rng,
                e.t,
                e.user_identity.clone(),
                name,
                &e.source_ip_address,
                &e.user_agent,
                id,
                bucket,
                &key,
                size,
            );
            if x.tls_details.is_some() {
                if let Some(tls) = &mut e.tls_details {
                    tls.client_provided_host_header =
                        format!("{bucket}.s3.us-east-1.amazonaws.com");
                }
                x.tls_details = e.tls_details.take();
            }
            if name == "GetObject" && rng.random_bool(0.01) {
                x.fail("NoSuchKey", "The specified key does not exist.".to_string());
            }
            x.event_id = std::mem::take(&mut e.event_id);
            *e = x;
        }
        Act::StsAssumeRole => {
            e.read_only = true;
            let others: Vec<usize> = (0..cell.world.accounts.len())
                .filter(|&i| i != cell.acct)
                .collect();
            let (target_idx, role) = if rng.random_bool(0.7) && !others.is_empty() {
                (*pick(rng, &others), "OrganizationAccountAccessRole")
            } else {
                (cell.acct, "ReadOnly")
            };
            let target = &cell.world.accounts[target_idx];
            let role_arn = format!("arn:aws:iam::{}:role/{role}", target.id);
            let session = actor.name.replace('@', "-");
            let role_id = world::role_principal(cell.world.seed, target_idx, role);
            e.request_parameters =
                json!({ "roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600 });
            e.response_elements = json!({
                "credentials": {
                    "accessKeyId": access_key(rng, "ASIA"),
                    "sessionToken": session_token(rng),
                    "expiration": sts_expiration(e.t + HOUR),
                },
                "assumedRoleUser": {
                    "assumedRoleId": format!("{role_id}:{session}"),
                    "arn": format!("arn:aws:sts::{}:assumed-role/{role}/{session}", target.id),
                },
            });
            e.resources = Some(vec![Resource::new(&target.id, "AWS::IAM::Role", role_arn)]);
            if target.id != acct.id {
                e.shared_event_id = Some(uuid(rng));
            }
        }
        Act::StsGetCallerIdentity => e.read_only = true,
        Act::IamListAll(name) => {
            e.read_only = true;
            if name == "ListPolicies" {
                e.request_parameters = json!({ "scope": "Local", "onlyAttached": false });
            }
        }
        Act::IamRoleOp(_) => {
            e.read_only = true;
            e.request_parameters = json!({ "roleName": pick(rng, &acct.roles) });
        }
        Act::IamUserOp(_) => {
            e.read_only = true;
            let users = acct
                .humans
                .iter()
                .filter(|h| h.kind == ActorKind::IamUser)
                .count();
            let user = acct
                .humans
                .iter()
                .filter(|h| h.kind == ActorKind::IamUser)
                .nth(rng.random_range(0..users.max(1)))
                .map_or("alice", |h| h.name.as_str());
            e.request_parameters = json!({ "userName": user });
        }
        Act::Kms(name) => {
            e.read_only = true;
            let key = format!(
                "arn:aws:kms:{region}:{id}:key/{}",
                pick(rng, &acct.kms_keys)
            );
            e.request_parameters = match name {
                "Decrypt" => json!({ "encryptionAlgorithm": "SYMMETRIC_DEFAULT" }),
                "GenerateDataKey" => {
                    json!({ "keyId": format!("alias/{}-app", acct.alias), "keySpec": "AES_256" })
                }
                _ => json!({ "keyId": key }),
            };
            e.resources = Some(vec![Resource::new(id, "AWS::KMS::Key", key)]);
        }
        Act::LambdaInvoke => {
            let f = pick(rng, &acct.functions);
            let arn = format!("arn:aws:lambda:{region}:{id}:function:{f}");
            e.event_version = "1.08";
            e.event_category = "Data";
            e.management_event = false;
            e.request_parameters = json!({ "functionName": arn });
            e.additional_event_data = Some(json!({ "functionVersion": format!("{arn}:$LATEST") }));
            e.resources = Some(vec![Resource::new(id, "AWS::Lambda::Function", arn)]);
        }
        Act::LambdaList => e.read_only = true,
        Act::LambdaGet => {
            e.read_only = true;
            e.request_parameters = json!({ "functionName": pick(rng, &acct.functions) });
        }
        Act::LambdaUpdate => {
            let f = pick(rng, &acct.functions);
            let artifact = format!("lambda/{f}/{}.zip", hex(rng, 40));
            e.request_parameters = json!({
                "functionName": f,
                "s3Bucket": acct.buckets[world::BUCKET_TFSTATE],
                "s3Key": artifact,
                "publish": true,
            });
            e.response_elements = json!({
                "functionName": f,
                "functionArn": format!("arn:aws:lambda:{region}:{id}:function:{f}:{}", rng.random_range(2..200)),
                "runtime": "python3.12",
                "codeSha256": super::chars(rng, BASE64, 43) + "=",
                "state": "Active",
                "lastUpdateStatus": "InProgress",
            });
        }
        Act::Logs(name) => {
            let g = pick(rng, &acct.log_groups);
            e.read_only = name != "CreateLogStream";
            e.request_parameters = match name {
                "DescribeLogGroups" => json!({ "limit": 50 }),
                "DescribeLogStreams" => {
                    json!({ "logGroupName": g, "orderBy": "LastEventTime", "descending": true, "limit": 5 })
                }
                "FilterLogEvents" => json!({
                    "logGroupName": g,
                    "startTime": (e.t - HOUR) * 1000,
                    "endTime": e.t * 1000,
                    "filterPattern": "ERROR",
                    "interleaved": true,
                }),
                _ => {
                    let c = civil(e.t);
                    json!({
                        "logGroupName": g,
                        "logStreamName": format!("{:04}/{:02}/{:02}/[$LATEST]{}", c.year, c.month, c.day, hex(rng, 32)),
                    })
                }
            };
        }
        Act::Cfn(name) => {
            let s = pick(rng, &acct.stacks);
            let stack_arn = format!(
                "arn:aws:cloudformation:{region}:{id}:stack/{s}/{}",
                uuid(rng)
            );
            e.read_only = name.starts_with("Describe") || name.starts_with("List");
            e.request_parameters = match name {
                "ListStacks" => {
                    json!({ "stackStatusFilter": ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"] })
                }
                "CreateChangeSet" => {
                    let cs = format!("tf-{}", hex(rng, 8));
                    e.response_elements = json!({
                        "id": format!("arn:aws:cloudformation:{region}:{id}:changeSet/{cs}/{}", uuid(rng)),
                        "stackId": stack_arn,
                    });
                    json!({ "stackName": s, "changeSetName": cs, "changeSetType": "UPDATE", "capabilities": ["CAPABILITY_NAMED_IAM"] })
                }
                "ExecuteChangeSet" => {
                    json!({ "stackName": s, "changeSetName": format!("tf-{}", hex(rng, 8)) })
                }
                _ => json!({ "stackName": s }),
            };
        }
        Act::Rds(name) => {
            e.read_only = true;
            e.request_parameters = match name {
                "DescribeDBClusters" => json!({ "includeShared": false }),
                "DescribeDBSnapshots" => {
                    json!({ "dBInstanceIdentifier": format!("{}-db-1", acct.alias) })
                }
                _ => Value::Null,
            };
        }
        Act::SecretsGet => {
            e.read_only = true;
            e.request_parameters = json!({ "secretId": pick(rng, &acct.secrets) });
        }
        Act::SsmGetParameter => {
            e.read_only = true;
            e.request_parameters =
                json!({ "name": pick(rng, &acct.parameters), "withDecryption": true });
        }
        Act::Trail(name) => {
            e.read_only = true;
            e.request_parameters = match name {
                "LookupEvents" => json!({
                    "maxResults": 50,
                    "lookupAttributes": [{ "attributeKey": "EventName", "attributeValue": pick(rng, &["ConsoleLogin", "CreateUser", "PutBucketPolicy", "StopLogging"]) }],
                }),
                "DescribeTrails" => json!({ "includeShadowTrails": false }),
                _ => json!({ "name": acct.trail_arn }),
            };
        }
        Act::GuardDuty(name) => {
            e.read_only = true;
            let det = &acct.detector_ids[cell.region];
            e.request_parameters = match name {
                "ListFindings" => json!({
                    "detectorId": det,
                    "maxResults": 50,
                    "findingCriteria": { "criterion": { "service.archived": { "eq": ["false"] } } },
                }),
                "GetFindings" => {
                    json!({ "detectorId": det, "findingIds": [hex(rng, 32), hex(rng, 32)] })
                }
                _ => Value::Null,
            };
        }
        Act::ConsoleLogin => {}
    }
}

/// Remembers when each IP last produced benign failed sign-ins, so that no
/// IP ever shows three failures within an hour (only the brute force does).
#[derive(Debug, Default)]
pub(super) struct TypoGuard {
    last: BTreeMap<String, i64>,
}

/// A person mistyping their password once or twice, then signing in.
fn typo_episode(rng: &mut StdRng, cell: &Cell<'_>, guard: &mut TypoGuard) -> Vec<CtEvent> {
    let acct = cell.account();
    let users: Vec<&Actor> = acct
        .humans
        .iter()
        .filter(|h| h.kind == ActorKind::IamUser && h.name != "dev-ops-admin")
        .collect();
    if users.is_empty() || cell.hour.hi - cell.hour.lo < 600 {
        return Vec::new();
    }
    let actor = *pick(rng, &users);
    let ip = pick(rng, &actor.ips).clone();
    let t = rng.random_range(cell.hour.lo + 300..cell.hour.hi);
    if guard.last.get(&ip).is_some_and(|&last| t - last < 3 * HOUR) {
        return Vec::new();
    }
    guard.last.insert(ip.clone(), t);
    let failures = rng.random_range(1..=2);
    let browser = &actor.agents[2];
    let mut out = Vec::new();
    for i in (1..=failures).rev() {
        let at = t - i * rng.random_range(15..60);
        out.push(console_login(
            rng,
            at,
            actor.identity.clone(),
            &ip,
            browser,
            &acct.id,
            false,
            false,
        ));
    }
    out.push(console_login(
        rng,
        t,
        actor.identity.clone(),
        &ip,
        browser,
        &acct.id,
        true,
        actor.mfa,
    ));
    out
}

/// Writes the CloudTrail file of one (account, region, hour): `n` benign
/// events plus the `planted` ones, in time order. Writes nothing if empty.
pub(super) fn write_hour(
    out: &mut Output<'_>,
    cell: &Cell<'_>,
    n: u64,
    mut planted: Vec<CtEvent>,
    rng: &mut StdRng,
    typos: &mut TypoGuard,
) -> Result<(), DemoError> {
    let mut n = n;
    if cell.region == world::MAIN && cell.hour.human >= 0.99 && n >= 20 && rng.random_bool(0.2) {
        let episode = typo_episode(rng, cell, typos);
        n -= episode.len() as u64;
        planted.extend(episode);
    }
    if n == 0 && planted.is_empty() {
        return Ok(());
    }
    planted.sort_by_key(|e| e.t);
    let times = cell.sorted_times(n, rng);

    let acct = cell.account();
    let region = cell.region_name();
    let last = times
        .last()
        .copied()
        .unwrap_or(cell.hour.lo)
        .max(planted.last().map_or(cell.hour.lo, |e| e.t));
    let stamp_t = (last.div_euclid(300) * 300).max(cell.hour.start);
    let ([yyyy, mm, dd], _) = key_parts(cell.hour.start);
    let (_, stamp) = key_parts(stamp_t);
    let name = format!(
        "{}_CloudTrail_{region}_{stamp}_{}.json.gz",
        acct.id,
        super::chars(rng, super::ALNUM, 16)
    );
    let mut f = out.create(&[
        "AWSLogs",
        &acct.id,
        "CloudTrail",
        region,
        &yyyy,
        &mm,
        &dd,
        &name,
    ])?;
    f.write(b"{\"Records\":[")?;
    let mut first = true;
    let mut planted = planted.into_iter().peekable();
    let mut emit =
        |f: &mut super::GzFile, out: &mut Output<'_>, e: &CtEvent| -> Result<(), DemoError> {
            if !first {
                f.write(b",")?;
            }
            first = false;
            f.json(e)?;
            out.count(Log::CloudTrail);
            Ok(())
        };
    for t in times {
        while let Some(e) = planted.next_if(|e| e.t <= t) {
            emit(&mut f, out, &e)?;
        }
        let e = benign(rng, cell, t);
        emit(&mut f, out, &e)?;
    }
    for e in planted {
        emit(&mut f, out, &e)?;
    }
    f.write(b"]}")?;
    out.close(f)
}
