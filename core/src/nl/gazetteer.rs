//! The analyst vocabulary: phrases and what they mean for each table.
//!
//! Each entry maps a phrase (one or more words, matched after stemming and
//! typo correction) to a [`Concept`]: a table, filters per table, a field
//! noun, an action verb or resource (combined into CloudTrail event
//! names), an intent word, or a filler. Adding a synonym is one line here.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::spec::{Bucket, Field, Filter, Measure, Op, Order, Table, Value};

/// What an API action does to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// Create / new / add.
    Create,
    /// Delete / remove.
    Delete,
    /// Change / modify / update.
    Modify,
    /// Attach (policies).
    Attach,
    /// Stop / disable.
    Stop,
    /// Start / enable / launch.
    Start,
    /// Read / download / get.
    Read,
    /// Assume (roles).
    Assume,
}

/// Words that shape the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// "how many", "count", "number of".
    Count,
    /// "top", "most", "most common", "busiest".
    Top,
    /// "distinct", "unique", "different".
    Distinct,
    /// "which", "what" (distinct of the following noun).
    Which,
    /// "who" (the principals).
    Who,
    /// "timeline", "over time", "trend".
    Timeline,
    /// "first seen", "earliest".
    First,
    /// "last seen", "latest", "most recent".
    Last,
    /// "show", "list", "find".
    List,
    /// "raw events", "details".
    Raw,
}

/// The meaning of a phrase.
#[derive(Debug, Clone, PartialEq)]
pub enum Concept {
    /// Names a table ("cloudtrail", "flow logs", "findings").
    Table(Table),
    /// Conditions, per table (the first table is the phrase's home).
    Filter(Vec<(Table, Filter)>),
    /// Names a field ("user", "source ip"); `filters` apply when it is the
    /// subject ("errors" is error codes, and only rows with one).
    Noun {
        /// The field per table (first = home table).
        fields: Vec<(Table, Field)>,
        /// Filters implied when the noun is what is counted or listed.
        filters: Vec<(Table, Filter)>,
    },
    /// A CloudTrail resource ("access key", "bucket") with event names per verb.
    Resource(&'static Resource),
    /// An action verb ("created", "deletions").
    Verb(Verb),
    /// An intent word.
    Intent(Intent),
    /// "by", "per", "grouped by".
    GroupBy,
    /// "not", "without", "exclude".
    Negate,
    /// "only", "just", "filter to": narrows the previous answer.
    Only,
    /// A measure ("bytes", "packets").
    Measure(Measure),
    /// A time bucket word after "per"/"by" ("hour", "day").
    Bucket(Bucket),
    /// Sort order ("oldest first").
    Order(Order),
    /// "sorted by", "order by": sort rows by the next field.
    SortBy,
    /// Words that name rows without narrowing them ("events", "activity").
    Generic,
    /// "same", "instead", "now", "also": marks a follow-up.
    FollowUp,
    /// Words that point at the previous answer's values ("that ip").
    That,
    /// Source side ("from", "source").
    From,
    /// Destination side ("to", "destination").
    To,
}

/// A CloudTrail resource and the event names of each verb.
#[derive(Debug, PartialEq)]
pub struct Resource {
    /// Name for messages.
    pub name: &'static str,
    /// Event names per verb; the union is used when no verb is given.
    pub events: &'static [(Verb, &'static [&'static str])],
    /// The field this noun names when used as a subject ("by access key").
    pub field: Option<Field>,
}

use Verb::*;

/// Rules let into security groups (added, attached, opened), and revoked.
const INBOUND_ADDED: &[&str] = &["AuthorizeSecurityGroupIngress"];
const OUTBOUND_ADDED: &[&str] = &["AuthorizeSecurityGroupEgress"];
const SG_RULES_ADDED: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
];
const SG_RULES_REVOKED: &[&str] = &["RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"];

static RESOURCES: &[(&[&str], Resource)] = &[
    (
        &[
            "access key",
            "access keys",
            "key pair",
            "api key",
            "iam key",
            "credential",
        ],
        Resource {
            name: "access keys",
            events: &[
                (Create, &["CreateAccessKey"]),
                (Delete, &["DeleteAccessKey"]),
                (Modify, &["UpdateAccessKey"]),
            ],
            field: Some(Field::AccessKey),
        },
    ),
    (
        &["iam user", "user account", "user"],
        Resource {
            name: "IAM users",
            events: &[
                (Create, &["CreateUser"]),
                (Delete, &["DeleteUser"]),
                (Modify, &["UpdateUser"]),
            ],
            field: None,
        },
    ),
    (
        &["role", "iam role"],
        Resource {
            name: "roles",
            events: &[
                (Create, &["CreateRole"]),
                (Delete, &["DeleteRole"]),
                (
                    Modify,
                    &[
                        "UpdateRole",
                        "UpdateAssumeRolePolicy",
                        "PutRolePolicy",
                        "AttachRolePolicy",
                        "DetachRolePolicy",
                    ],
                ),
                (Attach, &["AttachRolePolicy"]),
                (Assume, &["AssumeRole"]),
            ],
            field: None,
        },
    ),
    (
        &["bucket", "s3 bucket"],
        Resource {
            name: "S3 buckets",
            events: &[
                (Create, &["CreateBucket"]),
                (Delete, &["DeleteBucket"]),
                (Read, &["GetObject"]),
                (
                    Modify,
                    &[
                        "PutBucketPolicy",
                        "DeleteBucketPolicy",
                        "PutBucketAcl",
                        "PutBucketPublicAccessBlock",
                        "DeleteBucketPublicAccessBlock",
                        "PutBucketVersioning",
                        "PutBucketEncryption",
                    ],
                ),
            ],
            field: Some(Field::Bucket),
        },
    ),
    (
        &["bucket policy", "s3 bucket policy", "bucket policie"],
        Resource {
            name: "bucket policies",
            events: &[
                (Create, &["PutBucketPolicy"]),
                (Delete, &["DeleteBucketPolicy"]),
                (Modify, &["PutBucketPolicy", "DeleteBucketPolicy"]),
            ],
            field: None,
        },
    ),
    (
        &["public access block", "block public access"],
        Resource {
            name: "public access blocks",
            events: &[
                (Create, &["PutBucketPublicAccessBlock"]),
                (Delete, &["DeleteBucketPublicAccessBlock"]),
                (
                    Modify,
                    &[
                        "PutBucketPublicAccessBlock",
                        "DeleteBucketPublicAccessBlock",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &["security group", "sg"],
        Resource {
            name: "security groups",
            events: &[
                (Create, &["CreateSecurityGroup"]),
                (Delete, &["DeleteSecurityGroup"]),
                // ("opened SSH on a security group": a rule let in)
                (Attach, SG_RULES_ADDED),
                (
                    Modify,
                    &[
                        "AuthorizeSecurityGroupIngress",
                        "AuthorizeSecurityGroupEgress",
                        "RevokeSecurityGroupIngress",
                        "RevokeSecurityGroupEgress",
                        "ModifySecurityGroupRules",
                        "CreateSecurityGroup",
                        "DeleteSecurityGroup",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        // A rule of a security group: added is let in, removed is revoked.
        &["security group rule", "sg rule", "firewall rule"],
        Resource {
            name: "security group rules",
            events: &[
                (Create, SG_RULES_ADDED),
                (Attach, SG_RULES_ADDED),
                (Start, SG_RULES_ADDED),
                (Delete, SG_RULES_REVOKED),
                (
                    Modify,
                    &[
                        "AuthorizeSecurityGroupIngress",
                        "AuthorizeSecurityGroupEgress",
                        "RevokeSecurityGroupIngress",
                        "RevokeSecurityGroupEgress",
                        "ModifySecurityGroupRules",
                        "UpdateSecurityGroupRuleDescriptionsIngress",
                        "UpdateSecurityGroupRuleDescriptionsEgress",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &[
            "inbound rule",
            "ingress rule",
            "inbound security group rule",
            "ingress security group rule",
        ],
        Resource {
            name: "inbound security group rules",
            events: &[
                (Create, INBOUND_ADDED),
                (Attach, INBOUND_ADDED),
                (Start, INBOUND_ADDED),
                (Delete, &["RevokeSecurityGroupIngress"]),
                (
                    Modify,
                    &[
                        "AuthorizeSecurityGroupIngress",
                        "RevokeSecurityGroupIngress",
                        "UpdateSecurityGroupRuleDescriptionsIngress",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &[
            "outbound rule",
            "egress rule",
            "outbound security group rule",
            "egress security group rule",
        ],
        Resource {
            name: "outbound security group rules",
            events: &[
                (Create, OUTBOUND_ADDED),
                (Attach, OUTBOUND_ADDED),
                (Start, OUTBOUND_ADDED),
                (Delete, &["RevokeSecurityGroupEgress"]),
                (
                    Modify,
                    &[
                        "AuthorizeSecurityGroupEgress",
                        "RevokeSecurityGroupEgress",
                        "UpdateSecurityGroupRuleDescriptionsEgress",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &["policy", "iam policy", "permission"],
        Resource {
            name: "IAM policies",
            events: &[
                (Create, &["CreatePolicy", "CreatePolicyVersion"]),
                (Delete, &["DeletePolicy", "DeletePolicyVersion"]),
                (
                    Attach,
                    &["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"],
                ),
                (
                    Modify,
                    &[
                        "CreatePolicy",
                        "CreatePolicyVersion",
                        "DeletePolicy",
                        "DeletePolicyVersion",
                        "AttachUserPolicy",
                        "AttachRolePolicy",
                        "AttachGroupPolicy",
                        "DetachUserPolicy",
                        "DetachRolePolicy",
                        "DetachGroupPolicy",
                        "PutUserPolicy",
                        "PutRolePolicy",
                        "PutGroupPolicy",
                        "SetDefaultPolicyVersion",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &[
            "trail",
            "cloudtrail logging",
            "logging",
            "audit logging",
            "cloudtrail trail",
        ],
        Resource {
            name: "CloudTrail trails",
            events: &[
                (Create, &["CreateTrail"]),
                (Delete, &["DeleteTrail"]),
                (Stop, &["StopLogging"]),
                (Start, &["StartLogging"]),
                (
                    Modify,
                    &[
                        "StopLogging",
                        "DeleteTrail",
                        "UpdateTrail",
                        "PutEventSelectors",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &["instance", "ec2 instance", "server", "vm"],
        Resource {
            name: "EC2 instances",
            events: &[
                (Create, &["RunInstances"]),
                (Start, &["StartInstances"]),
                (Delete, &["TerminateInstances"]),
                (Stop, &["StopInstances"]),
                (Modify, &["ModifyInstanceAttribute"]),
                (Read, &["DescribeInstanceAttribute"]),
            ],
            field: None,
        },
    ),
    (
        &["mfa device", "mfa"],
        Resource {
            name: "MFA devices",
            events: &[
                (Create, &["CreateVirtualMFADevice", "EnableMFADevice"]),
                (Start, &["EnableMFADevice"]),
                (Delete, &["DeactivateMFADevice", "DeleteVirtualMFADevice"]),
                (Stop, &["DeactivateMFADevice"]),
                (
                    Modify,
                    &[
                        "CreateVirtualMFADevice",
                        "EnableMFADevice",
                        "DeactivateMFADevice",
                        "DeleteVirtualMFADevice",
                        "ResyncMFADevice",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        // A Lambda function's resource policy is changed by (Add|Remove)Permission.
        &[
            "lambda resource policy",
            "lambda function resource policy",
            "function resource policy",
            "lambda function policy",
            "function policy",
            "lambda permission",
            "lambda function permission",
            "function permission",
            "invoke permission",
        ],
        Resource {
            name: "Lambda function permissions",
            events: &[
                (
                    Create,
                    &[
                        "AddPermission",
                        "AddPermission20150331",
                        "AddPermission20150331v2",
                    ],
                ),
                (
                    Delete,
                    &[
                        "RemovePermission",
                        "RemovePermission20150331",
                        "RemovePermission20150331v2",
                    ],
                ),
                (
                    Modify,
                    &[
                        "AddPermission",
                        "AddPermission20150331",
                        "AddPermission20150331v2",
                        "RemovePermission",
                        "RemovePermission20150331",
                        "RemovePermission20150331v2",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &["login profile", "password", "console password"],
        Resource {
            name: "console passwords",
            events: &[
                (Create, &["CreateLoginProfile"]),
                (Delete, &["DeleteLoginProfile"]),
                // (the root user's own change is the sign-in event `PasswordUpdated`)
                (
                    Modify,
                    &["UpdateLoginProfile", "ChangePassword", "PasswordUpdated"],
                ),
            ],
            field: None,
        },
    ),
    (
        // The API's own noun: an administrator's action on it, not a
        // user's own password change.
        &["console login profile", "login profile"],
        Resource {
            name: "login profiles",
            events: &[
                (Create, &["CreateLoginProfile"]),
                (Delete, &["DeleteLoginProfile"]),
                (Modify, &["UpdateLoginProfile"]),
            ],
            field: None,
        },
    ),
    (
        &["kms key", "encryption key", "cmk"],
        Resource {
            name: "KMS keys",
            events: &[
                (Create, &["CreateKey"]),
                (Delete, &["ScheduleKeyDeletion"]),
                (Stop, &["DisableKey"]),
                (
                    Modify,
                    &[
                        "ScheduleKeyDeletion",
                        "DisableKey",
                        "PutKeyPolicy",
                        "RotateKey",
                    ],
                ),
            ],
            field: None,
        },
    ),
    (
        &["secret"],
        Resource {
            name: "secrets",
            events: &[
                (Read, &["GetSecretValue", "BatchGetSecretValue"]),
                (Create, &["CreateSecret"]),
                (Delete, &["DeleteSecret"]),
                (Modify, &["PutSecretValue", "UpdateSecret"]),
            ],
            field: None,
        },
    ),
    (
        &["detector", "guardduty detector"],
        Resource {
            name: "GuardDuty detectors",
            events: &[
                (Delete, &["DeleteDetector"]),
                (Stop, &["DeleteDetector", "UpdateDetector"]),
                (Modify, &["UpdateDetector", "DeleteDetector"]),
            ],
            field: None,
        },
    ),
    (
        &["object", "file", "s3 object"],
        Resource {
            name: "S3 objects",
            events: &[
                (Read, &["GetObject"]),
                (Create, &["PutObject"]),
                (Delete, &["DeleteObject", "DeleteObjects"]),
                (Modify, &["PutObject", "DeleteObject"]),
            ],
            field: None,
        },
    ),
    (
        // A policy embedded in one user, role or group (not a managed one).
        &["inline policy", "embedded policy"],
        Resource {
            name: "inline policies",
            events: &[
                (
                    Create,
                    &["PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"],
                ),
                (
                    Attach,
                    &["PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"],
                ),
                (
                    Modify,
                    &["PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"],
                ),
                (
                    Delete,
                    &["DeleteUserPolicy", "DeleteRolePolicy", "DeleteGroupPolicy"],
                ),
                (Read, &["GetUserPolicy", "GetRolePolicy", "GetGroupPolicy"]),
            ],
            field: None,
        },
    ),
    (
        // Who may assume a role: its trust (assume-role) policy.
        &["trust policy", "assume role policy", "role trust policy"],
        Resource {
            name: "role trust policies",
            events: &[
                (Create, &["CreateRole"]),
                (Modify, &["UpdateAssumeRolePolicy"]),
                (Attach, &["UpdateAssumeRolePolicy"]),
            ],
            field: None,
        },
    ),
    (
        &["session token", "sts session token"],
        Resource {
            name: "session tokens",
            events: &[(Create, &["GetSessionToken"]), (Read, &["GetSessionToken"])],
            field: None,
        },
    ),
    (
        // A federated user's console sign-in URL token.
        &[
            "sign-in token",
            "sign in token",
            "signin token",
            "console sign-in token",
            "console sign in token",
            "console signin token",
            "federation sign-in token",
            "federation sign in token",
            "federation signin token",
        ],
        Resource {
            name: "console sign-in tokens",
            events: &[(Create, &["GetSigninToken"]), (Read, &["GetSigninToken"])],
            field: None,
        },
    ),
    (
        // Temporary credentials STS issues for a federated user.
        &[
            "federation token",
            "federated token",
            "federated user token",
        ],
        Resource {
            name: "federation tokens",
            events: &[
                (Create, &["GetFederationToken"]),
                (Read, &["GetFederationToken"]),
            ],
            field: None,
        },
    ),
    (
        // A bucket's lifecycle (expiration and transition) rules.
        &[
            "lifecycle rule",
            "lifecycle configuration",
            "lifecycle policy",
            "lifecycle expiration rule",
            "expiration rule",
            "bucket lifecycle",
            "lifecycle",
        ],
        Resource {
            name: "bucket lifecycle rules",
            events: &[
                (
                    Create,
                    &["PutBucketLifecycle", "PutBucketLifecycleConfiguration"],
                ),
                (
                    Attach,
                    &["PutBucketLifecycle", "PutBucketLifecycleConfiguration"],
                ),
                (
                    Modify,
                    &[
                        "PutBucketLifecycle",
                        "PutBucketLifecycleConfiguration",
                        "DeleteBucketLifecycle",
                    ],
                ),
                (Delete, &["DeleteBucketLifecycle"]),
                (
                    Read,
                    &["GetBucketLifecycle", "GetBucketLifecycleConfiguration"],
                ),
            ],
            field: None,
        },
    ),
    (
        // Accounts of an AWS Organization.
        &["member account", "organization account"],
        Resource {
            name: "member accounts",
            events: &[
                (Create, &["CreateAccount"]),
                (Delete, &["RemoveAccountFromOrganization", "CloseAccount"]),
                (Modify, &["MoveAccount"]),
                (Read, &["DescribeAccount", "ListAccounts"]),
            ],
            field: None,
        },
    ),
    (
        // S3 server access logging of a bucket.
        &["server access logging", "access logging", "bucket logging"],
        Resource {
            name: "bucket access logging",
            events: &[
                (Modify, &["PutBucketLogging"]),
                (Create, &["PutBucketLogging"]),
                (Delete, &["PutBucketLogging"]),
                (Stop, &["PutBucketLogging"]),
                (Start, &["PutBucketLogging"]),
                (Read, &["GetBucketLogging"]),
            ],
            field: None,
        },
    ),
    (
        &["snapshot"],
        Resource {
            name: "snapshots",
            events: &[
                (Create, &["CreateSnapshot"]),
                (Delete, &["DeleteSnapshot"]),
                (Modify, &["ModifySnapshotAttribute"]),
            ],
            field: None,
        },
    ),
];

static VERBS: &[(&[&str], Verb)] = &[
    (
        &[
            "create",
            "created",
            "creating",
            "creation",
            "new",
            "add",
            "added",
            "issued",
            "write",
            "written",
            "wrote",
            "writing",
            "addition",
            "hand out",
            "handed out",
            "handing out",
            "hands out",
            "launch",
            "launched",
            "launches",
            "launching",
            "give",
            "gave",
            "given",
            "generate",
            "generated",
            "generating",
        ],
        Create,
    ),
    (
        &[
            "delete",
            "deleted",
            "deleting",
            "deletion",
            "remove",
            "removed",
            "removal",
            "destroy",
            "destroyed",
            "drop",
            "dropped",
            "terminate",
            "terminated",
            "termination",
        ],
        Delete,
    ),
    (
        &[
            "change",
            "changed",
            "modify",
            "modified",
            "reset",
            "resets",
            "resetting",
            "rewrite",
            "rewritten",
            "rewrote",
            "rewriting",
            "configure",
            "configured",
            "configuring",
            "modification",
            "update",
            "updated",
            "edit",
            "edited",
            "alter",
            "altered",
            "tamper",
            "tampering",
            "tampered",
        ],
        Modify,
    ),
    (
        &[
            "attach",
            "attached",
            "put",
            "embed",
            "embedded",
            "embedding",
            "attachment",
            "grant",
            "granted",
            "open",
            "opened",
            "opening",
        ],
        Attach,
    ),
    (
        &[
            "stop",
            "stopped",
            "disable",
            "disabled",
            "turn off",
            "turned off",
            "switch off",
            "switched off",
            "shut off",
            "deactivate",
            "deactivated",
            "pause",
            "paused",
            "halt",
            "halted",
        ],
        Stop,
    ),
    (
        &[
            "start",
            "started",
            "enable",
            "enabled",
            "turn on",
            "turned on",
            "switch on",
            "switched on",
            "activate",
        ],
        Start,
    ),
    (
        &[
            "read",
            "retrieve",
            "retrieved",
            "download",
            "downloaded",
            "fetched",
            "fetch",
            "fetching",
            "pull",
            "pulled",
            "pulling",
            "grab",
            "grabbed",
            "accessed",
        ],
        Read,
    ),
    (&["assume", "assumed", "assumption"], Assume),
];

/// The resource part of GuardDuty finding types (`Recon:EC2/…`) for the
/// service with event source `source`.
pub(super) fn finding_service(source: &str) -> Option<&'static str> {
    Some(match source.strip_suffix(".amazonaws.com")? {
        "s3" => "S3",
        "ec2" => "EC2",
        "iam" => "IAMUser",
        "eks" => "Kubernetes",
        "rds" => "RDS",
        "lambda" => "Lambda",
        _ => return None,
    })
}

fn ct(field: Field, op: Op) -> (Table, Filter) {
    (Table::Cloudtrail, Filter::new(field, op))
}
fn flow(field: Field, op: Op) -> (Table, Filter) {
    (Table::VpcFlow, Filter::new(field, op))
}
fn gd(field: Field, op: Op) -> (Table, Filter) {
    (Table::Guardduty, Filter::new(field, op))
}
fn eq(s: &str) -> Op {
    Op::Eq(Value::text(s))
}
fn int(n: i64) -> Op {
    Op::Eq(Value::Int(n))
}
fn like(s: &str) -> Op {
    Op::Like(s.to_string())
}
fn any_of(xs: &[&str]) -> Op {
    Op::In(xs.iter().map(|x| Value::text(*x)).collect())
}
fn likes(xs: &[&str]) -> Op {
    Op::LikeAny(xs.iter().map(|x| x.to_string()).collect())
}

fn service(name: &str) -> Op {
    eq(&format!("{name}.amazonaws.com"))
}

/// The phrase table: (phrase, concept), phrases in their surface form.
fn entries() -> Vec<(&'static str, Concept)> {
    use Concept as C;
    use Field as F;
    let mut v: Vec<(&'static str, Concept)> = Vec::new();
    let mut add = |phrases: &[&'static str], c: Concept| {
        for p in phrases {
            v.push((p, c.clone()));
        }
    };
    // Tables.
    add(
        &[
            "cloudtrail",
            "cloud trail",
            "cloudtrail log",
            "api log",
            "audit log",
            "management event",
            "trail log",
            "ct",
        ],
        C::Table(Table::Cloudtrail),
    );
    add(
        &[
            "vpc flow",
            "vpc flow log",
            "flow log",
            "flow",
            "vpc",
            "network traffic",
            "traffic",
            "network flow",
            "connection",
            "packet",
            "netflow",
            "network log",
            "network",
            "network activity",
        ],
        C::Table(Table::VpcFlow),
    );
    add(
        &[
            "guardduty",
            "guard duty",
            "guardduty finding",
            "finding",
            "threat",
            "detection",
            "gd",
            "alert",
            "guardduty alert",
            "security finding",
        ],
        C::Table(Table::Guardduty),
    );
    // CloudTrail vocabulary.
    add(
        &[
            "console login",
            "console log in",
            "console sign in",
            "console signin",
            "login",
            "log in",
            "logon",
            "log on",
            "sign in",
            "signin",
            "sign on",
            "sign-in",
            "authentication",
            "authentication attempt",
            "login attempt",
            "auth",
            "logins attempt",
            "console access",
            "authenticate",
            "logged in",
            "log into",
            "logged into",
            "logging into",
            "logging in",
            "logs into",
            "signed into",
            "signed in",
            "signing in",
            "signs in",
            "signed on",
        ],
        C::Filter(vec![ct(F::EventName, eq("ConsoleLogin"))]),
    );
    add(
        &[
            "failed",
            "failure",
            "fail",
            "failing",
            "unsuccessful",
            "error",
            "errored",
            "erroring",
            "broken",
        ],
        C::Noun {
            fields: vec![
                (Table::Cloudtrail, F::ErrorCode),
                (Table::VpcFlow, F::Action),
            ],
            filters: vec![ct(F::ErrorCode, Op::NotNull), flow(F::Action, eq("REJECT"))],
        },
    );
    add(
        &[
            "error code",
            "errorcode",
            "error type",
            "failure reason",
            "reason",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::ErrorCode)],
            filters: vec![ct(F::ErrorCode, Op::NotNull)],
        },
    );
    add(
        &[
            "denied",
            "unauthorized",
            "unauthorised",
            "permission denied",
            "permission error",
            "permissions error",
            "permission failure",
            "permission denial",
            "permissions denied",
            "forbidden",
            "not authorized",
            "refused",
        ],
        C::Filter(vec![
            ct(F::ErrorCode, likes(&["%AccessDenied%", "%Unauthorized%"])),
            flow(F::Action, eq("REJECT")),
        ]),
    );
    // The code itself, as analysts say it (EC2's `Client.UnauthorizedOperation`
    // and the `AccessDeniedException` of JSON APIs are "denied" above).
    // Read-only listing calls ("EC2 describe calls").
    add(
        &[
            "describe call",
            "describe api call",
            "describe request",
            "describe event",
        ],
        C::Filter(vec![ct(F::EventName, like("Describe%"))]),
    );
    // IAM Identity Center's own sign-in event.
    add(
        &["identitycenterlogin"],
        C::Filter(vec![ct(F::EventName, eq("Authenticate"))]),
    );
    // Parameter Store reads that asked for the plain value.
    add(
        &["withdecryption", "with decryption", "decrypted value"],
        C::Filter(vec![ct(F::Text, like("%\"withDecryption\":true%"))]),
    );
    // A failure's cause said in words (tokens from `builtin::rewrite`).
    for (token, codes) in [
        ("errexpiredtoken", &["%ExpiredToken%", "%TokenExpired%"][..]),
        (
            "errexpiredrequest",
            &["%RequestExpired%", "%SignatureExpired%"][..],
        ),
        ("errquota", &["%LimitExceeded%", "%QuotaExceeded%"][..]),
        ("erralreadyexists", &["%AlreadyExist%", "%Duplicate%"][..]),
        ("errnotfound", &["%NoSuch%", "%NotFound%", "%NotExist%"][..]),
        (
            "errvalidation",
            &["%Validation%", "%InvalidParameter%", "%Malformed%"][..],
        ),
        (
            "errwrongstate",
            &["%Invalid%State%", "%IncorrectState%"][..],
        ),
        ("errpasswordpolicy", &["%PasswordPolicy%"][..]),
        ("errunauthorizedop", &["%UnauthorizedOperation%"][..]),
        ("errvpcepolicy", &["%VpceAccessDenied%"][..]),
        ("errinvalidname", &["%Invalid%Name%"][..]),
    ] {
        add(
            &[token],
            C::Filter(vec![ct(
                F::ErrorCode,
                Op::LikeAny(codes.iter().map(|c| c.to_string()).collect()),
            )]),
        );
    }
    add(
        &["access denied", "access-denied", "accessdenied"],
        C::Filter(vec![
            ct(F::ErrorCode, eq("AccessDenied")),
            flow(F::Action, eq("REJECT")),
        ]),
    );
    add(
        &[
            "throttled",
            "throttling",
            "throttle",
            "rate limited",
            "rate limit",
            "rate exceeded",
        ],
        C::Filter(vec![ct(
            F::ErrorCode,
            // (EC2's throttling is `RequestLimitExceeded`; a quota's
            // `LimitExceededException` is no throttling)
            likes(&["%Throttl%", "%RequestLimitExceeded%", "%TooManyRequests%"]),
        )]),
    );
    add(
        &[
            "limit exceeded",
            "quota exceeded",
            "over the limit",
            "over quota",
        ],
        C::Filter(vec![ct(
            F::ErrorCode,
            likes(&["%LimitExceeded%", "%QuotaExceeded%"]),
        )]),
    );
    add(
        &[
            "expired token",
            "expired tokens",
            "expired credentials",
            "expired credential",
        ],
        C::Filter(vec![ct(F::ErrorCode, likes(&["%Expired%"]))]),
    );
    add(
        &[
            "successful",
            "success",
            "succeeded",
            "succeed",
            "worked",
            "passed",
            "completed",
        ],
        C::Filter(vec![
            ct(F::ErrorCode, Op::IsNull),
            flow(F::Action, eq("ACCEPT")),
        ]),
    );
    add(
        &[
            "root",
            "root account",
            "root user",
            "root credential",
            "root login",
        ],
        C::Filter(vec![ct(F::IdentityType, eq("Root"))]),
    );
    add(
        &["iam user", "iam users"],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::User)],
            filters: vec![ct(F::IdentityType, eq("IAMUser"))],
        },
    );
    add(
        &["assumed role", "role session", "assumed-role"],
        C::Filter(vec![ct(F::IdentityType, eq("AssumedRole"))]),
    );
    // IAM Identity Center sign-ins: sessions of its permission sets' roles.
    add(
        &[
            "sso user",
            "sso role",
            "sso session",
            "identity center user",
            "identity center role",
            "identity center session",
            "permission set role",
            "awsreservedsso",
            "awsreservedsso role",
        ],
        C::Filter(vec![ct(F::User, like("%assumed-role/AWSReservedSSO%"))]),
    );
    // An EC2 instance's role: sessions named after the instance ID.
    add(
        &[
            "instance role",
            "ec2 instance role",
            "ec2 role",
            "instance role credential",
            "instance profile credential",
            "instance credential",
            "ec2 instance credential",
            "ec2 instance role credential",
            "credential of an ec2 instance role",
            "credential of an instance role",
            "credential of the instance role",
            "credential of ec2 instance role",
        ],
        C::Filter(vec![ct(F::User, like("%assumed-role/%/i-%"))]),
    );
    // CloudTrail's own identity type for GetFederationToken sessions.
    add(
        &[
            "federated user",
            "federated users",
            "federateduser",
            "federation user",
        ],
        C::Filter(vec![ct(F::IdentityType, eq("FederatedUser"))]),
    );
    // An instance's user data (the `userData` attribute of the request).
    add(
        &[
            "user data",
            "userdata",
            "user-data",
            "instance user data",
            "user data script",
            "startup script",
            "withuserdata",
        ],
        C::Filter(vec![ct(F::Text, like("%userData%"))]),
    );
    // An EC2 Windows instance's administrator password (`GetPasswordData`).
    add(
        &[
            "windows password",
            "windows administrator password",
            "windows admin password",
            "administrator password",
            "ec2 password",
            "instance password",
            "password data",
        ],
        C::Filter(vec![ct(F::EventName, eq("GetPasswordData"))]),
    );
    add(
        &[
            "aws service",
            "aws services",
            "service principal",
            "awsservice",
        ],
        C::Filter(vec![ct(F::IdentityType, eq("AWSService"))]),
    );
    add(
        &[
            "without mfa",
            "no mfa",
            "non mfa",
            "mfa not used",
            "mfa was not used",
            "mfa wasn t used",
            "mfa is not used",
            "without multi factor",
            "lacking mfa",
            "not use mfa",
            "not using mfa",
            "not used mfa",
            "didn t use mfa",
            "without using mfa",
            "without an mfa",
            "mfa disabled",
            "no multi factor",
            "without 2fa",
            "no 2fa",
        ],
        C::Filter(vec![ct(F::MfaUsed, eq("No"))]),
    );
    add(
        &["with mfa", "mfa used", "using mfa"],
        C::Filter(vec![ct(F::MfaUsed, eq("Yes"))]),
    );
    add(
        &[
            "not mfa-authenticated",
            "not mfa authenticated",
            "non-mfa sessions",
            "non mfa sessions",
            "sessions without mfa",
        ],
        C::Filter(vec![ct(F::SessionMfa, eq("false"))]),
    );
    // Temporary credentials issued after an MFA check (the session's own flag).
    add(
        &[
            "mfa-authenticated",
            "mfa authenticated",
            "mfa-backed",
            "mfa backed",
            "mfa sessions",
            "mfa session",
        ],
        C::Filter(vec![ct(F::SessionMfa, eq("true"))]),
    );
    add(
        &[
            "long-term access keys",
            "long-term access key",
            "long term access keys",
            "long-term keys",
            "long-term credentials",
            "long term credentials",
            "permanent access keys",
            "akia keys",
            "akia",
        ],
        C::Filter(vec![ct(F::AccessKey, Op::Like("AKIA%".into()))]),
    );
    // Rules opened to every address ("SSH open to the whole internet").
    add(
        &[
            "to the whole internet",
            "to the entire internet",
            "to the internet",
            "to the world",
            "to the whole world",
            "to everyone",
            "to anyone",
            "to any address",
            "to all addresses",
            "world-open",
            "world open",
            "open to the world",
        ],
        C::Filter(vec![ct(F::Text, likes(&["%0.0.0.0/0%", "%::/0%"]))]),
    );
    add(
        &[
            "aws account principal",
            "account principal",
            "whole aws account",
            "whole account",
            "awsaccount",
        ],
        C::Filter(vec![ct(F::IdentityType, eq("AWSAccount"))]),
    );
    add(
        &[
            "assume role",
            "role assumption",
            "assumerole",
            "sts assume role",
        ],
        C::Filter(vec![ct(F::EventName, eq("AssumeRole"))]),
    );
    add(
        &["readonly_flag"],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::ReadOnly)],
            filters: vec![],
        },
    );
    add(
        &["read only", "readonly", "read-only"],
        C::Filter(vec![ct(F::ReadOnly, eq("true"))]),
    );
    add(
        &[
            "write",
            "mutating",
            "write call",
            "write event",
            "non read only",
            "change event",
        ],
        C::Filter(vec![ct(F::ReadOnly, eq("false"))]),
    );
    add(
        &["bucket deletion", "deleted bucket", "bucket delete"],
        C::Filter(vec![ct(F::EventName, eq("DeleteBucket"))]),
    );
    add(
        &[
            "security group change",
            "sg change",
            "firewall change",
            "security group modification",
            "opened port",
            "ingress rule change",
        ],
        C::Filter(vec![ct(
            F::EventName,
            any_of(&[
                "AuthorizeSecurityGroupIngress",
                "AuthorizeSecurityGroupEgress",
                "RevokeSecurityGroupIngress",
                "RevokeSecurityGroupEgress",
                "ModifySecurityGroupRules",
                "CreateSecurityGroup",
                "DeleteSecurityGroup",
            ]),
        )]),
    );
    add(
        &["iam change", "iam modification", "permission change"],
        C::Filter(vec![
            ct(F::EventSource, service("iam")),
            ct(F::ReadOnly, eq("false")),
        ]),
    );
    // In CloudTrail, IAM writes; in GuardDuty, the finding types of that purpose.
    add(
        &["privilege escalation", "privesc"],
        C::Filter(vec![
            ct(F::EventSource, service("iam")),
            ct(F::ReadOnly, eq("false")),
            gd(F::FindingType, like("PrivilegeEscalation:%")),
        ]),
    );
    add(
        &[
            "object download",
            "s3 download",
            "s3 read",
            "getobject",
            "data access",
            "download",
        ],
        C::Filter(vec![ct(F::EventName, eq("GetObject"))]),
    );
    add(
        &["object upload", "s3 upload", "upload", "putobject"],
        C::Filter(vec![ct(F::EventName, eq("PutObject"))]),
    );
    add(
        &[
            "cloudtrail tampering",
            "logging disabled",
            "logging stopped",
            "stop logging",
            "stoplogging",
            "defense evasion",
        ],
        C::Filter(vec![ct(
            F::EventName,
            any_of(&[
                "StopLogging",
                "DeleteTrail",
                "UpdateTrail",
                "PutEventSelectors",
            ]),
        )]),
    );
    add(
        &["public bucket", "bucket made public", "public access"],
        C::Filter(vec![ct(
            F::EventName,
            any_of(&[
                "PutBucketPolicy",
                "PutBucketAcl",
                "DeleteBucketPublicAccessBlock",
            ]),
        )]),
    );
    // Services (event sources); "s3 events" = eventsource s3.
    for (words, svc) in [
        (&["s3", "amazon s3", "simple storage"][..], "s3"),
        (&["iam", "identity and access management"][..], "iam"),
        (&["ec2", "compute"][..], "ec2"),
        (&["kms", "key management"][..], "kms"),
        (&["sts", "security token service"][..], "sts"),
        (&["lambda"][..], "lambda"),
        (&["rds", "database"][..], "rds"),
        (&["ssm", "systems manager", "parameter store"][..], "ssm"),
        (&["secrets manager", "secretsmanager"][..], "secretsmanager"),
        (&["cloudformation", "cfn"][..], "cloudformation"),
        (&["cloudwatch logs", "cloudwatch"][..], "logs"),
        (&["signin", "sign-in service"][..], "signin"),
        (&["organizations", "aws organizations"][..], "organizations"),
    ] {
        let mut rules = vec![ct(F::EventSource, service(svc))];
        // In flow logs: packets headed to the service ("traffic to S3").
        if svc == "s3" {
            rules.push(flow(F::DstService, eq("S3")));
        }
        // In GuardDuty: findings about the service ("findings involving S3").
        if let Some(kind) = finding_service(&format!("{svc}.amazonaws.com")) {
            rules.push((
                Table::Guardduty,
                Filter::new(F::FindingType, Op::Like(format!("%:{kind}/%"))),
            ));
        }
        add(words, C::Filter(rules));
    }
    add(
        &["guardduty api", "guardduty call"],
        C::Filter(vec![ct(F::EventSource, service("guardduty"))]),
    );
    add(
        &["cloudtrail api", "cloudtrail call"],
        C::Filter(vec![ct(F::EventSource, service("cloudtrail"))]),
    );
    // Field nouns.
    add(
        &[
            "user",
            "users",
            "principal",
            "identity",
            "person",
            "people",
            "session",
            "sessions",
            "role session",
            "role sessions",
            "caller",
            "actor",
            "username",
            "user name",
            "account user",
            "human",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::User)],
            filters: vec![],
        },
    );
    add(
        &[
            "source ip",
            "source address",
            "ip",
            "ip address",
            "address",
            "client ip",
            "caller ip",
            "origin",
            "sourceipaddress",
            "src ip",
            "srcaddr",
            "source",
            "ips",
            "remote ip",
            "attacker ip",
            "host",
        ],
        C::Noun {
            fields: vec![
                (Table::Cloudtrail, F::SourceIp),
                (Table::VpcFlow, F::SrcAddr),
                (Table::Guardduty, F::Ip),
            ],
            filters: vec![],
        },
    );
    add(
        &[
            "destination ip",
            "destination address",
            "destination",
            "dest ip",
            "dst ip",
            "dstaddr",
            "target ip",
            "target",
        ],
        C::Noun {
            fields: vec![(Table::VpcFlow, F::DstAddr)],
            filters: vec![],
        },
    );
    add(
        &[
            "event name",
            "eventname",
            "api call",
            "api",
            "action name",
            "operation",
            "api action",
            "call",
            "method",
            "event",
            "action",
            "api request",
            "request",
        ],
        C::Noun {
            fields: vec![
                (Table::Cloudtrail, F::EventName),
                (Table::VpcFlow, F::Action),
            ],
            filters: vec![],
        },
    );
    add(
        &[
            "service",
            "event source",
            "eventsource",
            "aws service name",
            "api service",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::EventSource)],
            filters: vec![],
        },
    );
    add(
        &["region", "aws region", "awsregion", "location"],
        C::Noun {
            fields: vec![
                (Table::Cloudtrail, F::Region),
                (Table::VpcFlow, F::Region),
                (Table::Guardduty, F::Region),
            ],
            filters: vec![],
        },
    );
    add(
        &[
            "account",
            "account id",
            "aws account",
            "accountid",
            "account_id",
        ],
        C::Noun {
            fields: vec![
                (Table::Cloudtrail, F::Account),
                (Table::VpcFlow, F::Account),
                (Table::Guardduty, F::Account),
            ],
            filters: vec![],
        },
    );
    add(
        &[
            "user agent",
            "useragent",
            "client",
            "tool",
            "sdk",
            "browser",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::UserAgent)],
            filters: vec![],
        },
    );
    add(
        &["event type", "eventtype", "type of event", "kind of event"],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::EventType)],
            filters: vec![],
        },
    );
    add(
        &[
            "calling account",
            "caller account",
            "caller's account",
            "caller account id",
            "caller's account id",
            "callers' account",
            "callers' accounts",
            "caller accounts",
            "account id of the caller",
            "account of the caller",
            "source account",
            "principal account",
            "principal's account",
            "originating account",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::CallerAccount)],
            filters: vec![],
        },
    );
    // The role a session was issued for ("which roles were behind the
    // assumed-role sessions").
    add(
        &[
            "roles behind",
            "role behind",
            "underlying role",
            "underlying roles",
            "issuing role",
            "issuing roles",
            "session issuer",
            "session issuers",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::SessionIssuer)],
            filters: vec![],
        },
    );
    add(
        &["log status", "record status", "flow log status"],
        C::Noun {
            fields: vec![(Table::VpcFlow, F::LogStatus)],
            filters: vec![],
        },
    );
    add(
        &["no data", "nodata"],
        C::Filter(vec![flow(F::LogStatus, eq("NODATA"))]),
    );
    add(
        &["skipped", "skipdata", "skip data"],
        C::Filter(vec![flow(F::LogStatus, eq("SKIPDATA"))]),
    );
    add(
        &[
            "role arn",
            "assumed role arn",
            "target role",
            "target role arn",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::RoleArn)],
            filters: vec![],
        },
    );
    // "whoami" checks: who the credentials belong to.
    add(
        &[
            "whoami",
            "who am i",
            "caller identity",
            "caller identity check",
        ],
        C::Filter(vec![ct(F::EventName, eq("GetCallerIdentity"))]),
    );
    add(
        &["ipv6", "ipv6 address", "ipv6 addresses"],
        C::Filter(vec![
            flow(F::SrcAddr, like("%:%")),
            ct(F::SourceIp, like("%:%")),
        ]),
    );
    add(
        &[
            "resource type",
            "resource types",
            "type of resource",
            "kind of resource",
            "affected resource type",
            "affected resource types",
        ],
        C::Noun {
            fields: vec![(Table::Guardduty, F::ResourceType)],
            filters: vec![],
        },
    );
    add(&["archived"], C::Filter(vec![gd(F::Archived, eq("true"))]));
    add(
        &["dry run", "dry runs", "dry-run", "dryrun", "dry-run checks"],
        C::Filter(vec![ct(F::ErrorCode, eq("Client.DryRunOperation"))]),
    );
    add(
        &[
            "uploaded to s3",
            "uploads to s3",
            "upload to s3",
            "s3 uploads",
            "s3 upload",
            "uploaded to a bucket",
            "uploaded to the bucket",
            "uploaded to buckets",
            "uploads to buckets",
        ],
        C::Filter(vec![ct(F::EventName, eq("PutObject"))]),
    );
    // Callers from another account than the one the record belongs to.
    add(
        &[
            "outside our account",
            "outside the account",
            "outside that account",
            "outside this account",
            "outside those accounts",
            "outside the owning account",
            "outside of our account",
            "outside our accounts",
            "outside our organization",
            "cross-account",
            "cross account",
            "from other accounts",
            "from another account",
            "external account",
            "external accounts",
            "foreign account",
            "foreign accounts",
        ],
        C::Filter(vec![ct(F::CallerAccount, Op::OtherThan(F::Account))]),
    );
    // Calls made in the AWS web console, whose requests carry a console
    // user agent ("IAM users created outside the web console"). A bare
    // "console" stays filler: "console logins" are their own event.
    add(
        &[
            "web console",
            "management console",
            "aws console",
            "from the console",
            "via the console",
            "through the console",
            "using the console",
            "in the console",
            "console ui",
        ],
        C::Filter(vec![ct(F::UserAgent, like("%console%"))]),
    );
    add(
        &[
            "outside the console",
            "outside of the console",
            "outside the web console",
            "outside the management console",
            "outside the aws console",
            "not through the console",
            "not from the console",
            "not in the console",
            "not via the console",
            "programmatically",
        ],
        C::Filter(vec![(
            Table::Cloudtrail,
            Filter::new(F::UserAgent, like("%console%")).negated(),
        )]),
    );
    // Clients named by their user agent ("calls from the AWS CLI").
    for (words, pattern) in [
        (
            &["aws cli", "the cli", "command line", "awscli"][..],
            "%aws-cli%",
        ),
        (&["boto3"][..], "%boto3%"),
        (&["boto", "python sdk"][..], "%boto%"),
        (&["terraform"][..], "%terraform%"),
        (&["stratus red team", "stratus"][..], "%stratus-red-team%"),
    ] {
        add(words, C::Filter(vec![ct(F::UserAgent, like(pattern))]));
    }
    add(
        &[
            "identity type",
            "principal type",
            "user type",
            "type of user",
        ],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::IdentityType)],
            filters: vec![],
        },
    );
    add(
        &["bucket name", "bucket names"],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::Bucket)],
            filters: vec![],
        },
    );
    add(
        &["access key id", "accesskeyid", "key id"],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::AccessKey)],
            filters: vec![],
        },
    );
    // VPC flow vocabulary.
    // (of API calls: failed ones, "rejected because the request expired")
    add(
        &["rejected", "reject", "blocked", "refused"],
        C::Filter(vec![
            flow(F::Action, eq("REJECT")),
            ct(F::ErrorCode, Op::NotNull),
        ]),
    );
    add(
        &[
            "dropped",
            "denied traffic",
            "rejected traffic",
            "rejected connection",
            "blocked traffic",
        ],
        C::Filter(vec![flow(F::Action, eq("REJECT"))]),
    );
    add(
        &[
            "accepted",
            "accept",
            "allowed",
            "permitted",
            "accepted traffic",
            "allowed traffic",
        ],
        C::Filter(vec![flow(F::Action, eq("ACCEPT"))]),
    );
    for (words, port) in [
        (&["ssh"][..], 22),
        (&["rdp", "remote desktop"][..], 3389),
        (&["https", "tls"][..], 443),
        (&["http", "web traffic"][..], 80),
        (&["dns"][..], 53),
        (&["telnet"][..], 23),
        (&["smb"][..], 445),
        (&["ftp"][..], 21),
        (&["smtp", "email traffic"][..], 25),
        (&["mysql"][..], 3306),
        (&["postgres", "postgresql"][..], 5432),
        (&["redis"][..], 6379),
    ] {
        let mut rules = vec![flow(F::DstPort, int(port))];
        // In CloudTrail: a security group rule for the port ("SSH opened
        // to the world on a security group").
        if matches!(port, 22 | 3389) {
            rules.push(ct(F::Text, Op::Like(format!("%\"fromPort\":{port}%"))));
        }
        add(words, C::Filter(rules));
    }
    add(&["tcp"], C::Filter(vec![flow(F::Protocol, int(6))]));
    add(&["udp"], C::Filter(vec![flow(F::Protocol, int(17))]));
    add(
        &["icmp", "ping"],
        C::Filter(vec![flow(F::Protocol, int(1))]),
    );
    add(
        &["inbound", "ingress", "incoming"],
        C::Filter(vec![flow(F::Direction, eq("ingress"))]),
    );
    add(
        &["outbound", "egress", "outgoing"],
        C::Filter(vec![flow(F::Direction, eq("egress"))]),
    );
    add(
        &[
            "destination port",
            "dest port",
            "dst port",
            "dstport",
            "port",
            "service port",
            "target port",
        ],
        C::Noun {
            fields: vec![(Table::VpcFlow, F::DstPort)],
            filters: vec![],
        },
    );
    add(
        &["source port", "src port", "srcport"],
        C::Noun {
            fields: vec![(Table::VpcFlow, F::SrcPort)],
            filters: vec![],
        },
    );
    add(
        &["protocol"],
        C::Noun {
            fields: vec![(Table::VpcFlow, F::Protocol)],
            filters: vec![],
        },
    );
    add(
        &[
            "instance",
            "instance id",
            "ec2 instance",
            "instances",
            "host id",
        ],
        C::Noun {
            fields: vec![
                (Table::VpcFlow, F::Instance),
                (Table::Guardduty, F::Instance),
            ],
            filters: vec![],
        },
    );
    add(
        &["interface", "eni", "network interface"],
        C::Noun {
            fields: vec![(Table::VpcFlow, F::Interface)],
            filters: vec![],
        },
    );
    add(
        &[
            "talker",
            "top talker",
            "talkers",
            "top talkers",
            "bandwidth hog",
        ],
        C::Noun {
            fields: vec![(Table::VpcFlow, F::SrcAddr)],
            filters: vec![],
        },
    );
    add(
        &[
            "bytes",
            "byte",
            "bytes out",
            "bytes sent",
            "data transferred",
            "data volume",
            "traffic volume",
            "bandwidth",
            "volume",
            "data sent",
            "transfer",
        ],
        C::Measure(Measure::Bytes),
    );
    add(&["max_severity"], C::Measure(Measure::MaxSeverity));
    add(
        &[
            "packets count",
            "packet count",
            "total packets",
            "packets",
            "number of packets",
            "total number of packets",
        ],
        C::Measure(Measure::Packets),
    );
    add(
        &[
            "port scan",
            "port scanning",
            "scan",
            "scanning",
            "scanner",
            "port sweep",
        ],
        C::Measure(Measure::DistinctPorts),
    );
    // GuardDuty vocabulary.
    add(
        &[
            "high severity",
            "high",
            "severe",
            "high sev",
            "high-severity",
            "serious",
            "important",
        ],
        C::Filter(vec![gd(F::Severity, Op::Ge(Value::Float(7.0)))]),
    );
    add(
        &["critical", "critical severity"],
        C::Filter(vec![gd(F::Severity, Op::Ge(Value::Float(9.0)))]),
    );
    add(
        &["medium severity", "medium", "moderate"],
        C::Filter(vec![
            gd(F::Severity, Op::Ge(Value::Float(4.0))),
            gd(F::Severity, Op::Lt(Value::Float(7.0))),
        ]),
    );
    add(
        &["low severity", "low", "minor"],
        C::Filter(vec![gd(F::Severity, Op::Lt(Value::Float(4.0)))]),
    );
    add(
        &["severity", "severity level", "sev"],
        C::Noun {
            fields: vec![(Table::Guardduty, F::Severity)],
            filters: vec![],
        },
    );
    add(
        &[
            "finding type",
            "type",
            "threat type",
            "kind",
            "category",
            "types",
        ],
        C::Noun {
            fields: vec![(Table::Guardduty, F::FindingType)],
            filters: vec![],
        },
    );
    for (words, pat) in [
        (
            &["backdoor", "c2", "command and control", "c&c"][..],
            "Backdoor:%",
        ),
        (
            &[
                "crypto",
                "cryptocurrency",
                "bitcoin",
                "mining",
                "miner",
                "cryptomining",
                "coin mining",
            ][..],
            "CryptoCurrency:%",
        ),
        (
            &["recon", "reconnaissance", "port probe", "probe", "probing"][..],
            "Recon:%",
        ),
        (
            &[
                "brute force",
                "bruteforce",
                "brute forcing",
                "password spraying",
            ][..],
            "%BruteForce%",
        ),
        (
            &["unauthorized access finding", "unauthorizedaccess"][..],
            "UnauthorizedAccess:%",
        ),
        (&["trojan", "malware"][..], "Trojan:%"),
        (
            &[
                "credential exfiltration",
                "exfiltration",
                "instance credential",
            ][..],
            "%Exfiltration%",
        ),
        (&["stealth"][..], "Stealth:%"),
        (&["discovery"][..], "Discovery:%"),
        (&["anomalous", "anomaly", "unusual"][..], "%Anomalous%"),
        (&["policy violation"][..], "Policy:%"),
        // The other threat purposes of GuardDuty's finding-type format
        // (ThreatPurpose:ResourceTypeAffected/ThreatFamilyName).
        (&["escalation"][..], "PrivilegeEscalation:%"),
        (
            &["attack sequence", "attacksequence", "multi-stage attack"][..],
            "AttackSequence:%",
        ),
        (&["defense evasion", "evasion"][..], "DefenseEvasion:%"),
        (&["credential access"][..], "CredentialAccess:%"),
        (&["initial access"][..], "InitialAccess:%"),
        (&["persistence"][..], "Persistence:%"),
        (&["impact finding"][..], "Impact:%"),
        (&["execution finding"][..], "Execution:%"),
        (
            &[
                "pentest",
                "pen test",
                "penetration test",
                "penetration testing",
            ][..],
            "PenTest:%",
        ),
        (&["canary"][..], "Canary:%"),
    ] {
        add(words, C::Filter(vec![gd(F::FindingType, like(pat))]));
    }
    add(
        &["ssh brute force"],
        C::Filter(vec![gd(F::FindingType, like("%SSHBruteForce%"))]),
    );
    add(
        &["rdp brute force"],
        C::Filter(vec![gd(F::FindingType, like("%RDPBruteForce%"))]),
    );
    add(
        &[
            "concern ec2",
            "concerning ec2",
            "about ec2",
            "involve ec2",
            "involving ec2",
        ],
        C::Filter(vec![gd(F::FindingType, like("%:EC2/%"))]),
    );
    add(
        &["ec2 finding"],
        C::Filter(vec![gd(F::FindingType, like("%:EC2/%"))]),
    );
    add(
        &["iam finding", "iam user finding"],
        C::Filter(vec![gd(F::FindingType, like("%:IAMUser/%"))]),
    );
    add(
        &["s3 finding"],
        C::Filter(vec![gd(F::FindingType, like("%:S3/%"))]),
    );
    add(
        &["error message", "errormessage", "failure message"],
        C::Noun {
            fields: vec![(Table::Cloudtrail, F::ErrorMessage)],
            filters: vec![ct(F::ErrorCode, Op::NotNull)],
        },
    );
    // Intents.
    add(
        &[
            "how many",
            "count",
            "number of",
            "total",
            "how much",
            "tally",
            "amount of",
            "volume of",
        ],
        C::Intent(Intent::Count),
    );
    add(
        &[
            "top",
            "most",
            "most common",
            "most frequent",
            "most active",
            "busiest",
            "biggest",
            "largest",
            "highest",
            "frequent",
            "common",
            "noisiest",
            "heaviest",
            "most often",
            "leading",
            "ranking",
            "rank",
        ],
        C::Intent(Intent::Top),
    );
    add(
        &[
            "distinct",
            "unique",
            "different",
            "list of",
            "set of",
            "every distinct",
        ],
        C::Intent(Intent::Distinct),
    );
    add(&["which", "what"], C::Intent(Intent::Which));
    add(&["who", "whom", "whose"], C::Intent(Intent::Who));
    add(
        &[
            "timeline",
            "over time",
            "trend",
            "histogram",
            "time series",
            "timeseries",
            "activity over time",
        ],
        C::Intent(Intent::Timeline),
    );
    add(
        &["hourly", "per hour", "each hour", "every hour"],
        C::Bucket(Bucket::Hour),
    );
    add(
        &["daily", "per day", "each day", "every day"],
        C::Bucket(Bucket::Day),
    );
    add(
        &["per minute", "each minute", "every minute", "minutely"],
        C::Bucket(Bucket::Minute),
    );
    add(&["hour"], C::Bucket(Bucket::Hour));
    add(&["day", "date"], C::Bucket(Bucket::Day));
    add(&["minute"], C::Bucket(Bucket::Minute));
    add(
        &["weekly", "per week", "each week", "every week", "week"],
        C::Bucket(Bucket::Week),
    );
    add(
        &["monthly", "per month", "each month", "every month", "month"],
        C::Bucket(Bucket::Month),
    );
    add(
        &[
            "yearly",
            "annually",
            "per year",
            "each year",
            "every year",
            "year",
        ],
        C::Bucket(Bucket::Year),
    );
    add(
        &[
            "first seen",
            "first time",
            "first",
            "earliest",
            "first appear",
            "first appearance",
            "first show up",
            "start",
        ],
        C::Intent(Intent::First),
    );
    add(
        &[
            "last seen",
            "last time",
            "latest",
            "most recent",
            "last",
            "final",
            "last appear",
        ],
        C::Intent(Intent::Last),
    );
    add(
        &[
            "show",
            "list",
            "find",
            "get",
            "display",
            "give",
            "search",
            "return",
            "pull",
            "fetch",
            "see",
            "view",
            "look",
            "print",
            "report",
            "tell",
            "retrieve",
            "query",
            "search for",
            "look for",
            "look up",
            "lookup",
            "dig",
            "investigate",
            "check",
        ],
        C::Intent(Intent::List),
    );
    add(
        &[
            "raw",
            "raw event",
            "raw events",
            "list them",
            "show them",
            "list those",
            "show those",
            "show me them",
            "list each",
            "which ones",
            "detail",
            "details",
            "underlying",
            "individual",
            "full event",
            "row",
            "rows",
            "record detail",
        ],
        C::Intent(Intent::Raw),
    );
    add(
        &[
            "by",
            "per",
            "group by",
            "grouped by",
            "broken down by",
            "breakdown by",
            "break down by",
            "break that down by",
            "break it down by",
            "break this down by",
            "break them down by",
            "broken out by",
            "split by",
            "split that by",
            "split it by",
            "split them by",
            "for each",
            "each",
            "for every",
            "across",
            "breakdown",
            "aggregate by",
            "bucketed by",
        ],
        C::GroupBy,
    );
    add(
        &[
            "not",
            "no",
            "without",
            "didn",
            "don",
            "doesn",
            "wasn",
            "weren",
            "never",
            "except",
            "excluding",
            "exclude",
            "other than",
            "non",
            "ignore",
            "ignoring",
            "minus",
            "omit",
            "hide",
            "filter out",
            "remove",
            "drop",
            "leave out",
            "but not",
            "besides",
            "apart from",
        ],
        C::Negate,
    );
    add(
        &[
            "only",
            "just",
            "filter",
            "filter to",
            "filter for",
            "limit to",
            "restrict to",
            "narrow",
            "narrow to",
            "narrow down",
            "focus on",
            "keep",
            "solely",
            "exclusively",
            "where",
            "filtered",
            "with",
            "that have",
            "having",
        ],
        C::Only,
    );
    add(
        &[
            "sorted by",
            "sort by",
            "order by",
            "ordered by",
            "ranked by",
            "sorting by",
        ],
        C::SortBy,
    );
    add(
        &[
            "oldest first",
            "oldest",
            "chronological",
            "ascending",
            "earliest first",
            "in order",
        ],
        C::Order(Order::Asc),
    );
    add(
        &[
            "newest first",
            "newest",
            "descending",
            "reverse chronological",
        ],
        C::Order(Order::Desc),
    );
    add(
        &[
            "same",
            "instead",
            "now",
            "also",
            "again",
            "what about",
            "how about",
            "and now",
            "too",
            "as well",
            "switch to",
            "but",
            "then",
            "same thing",
            "same query",
            "same question",
            "same search",
            "same for",
            "same but",
            "do the same",
            "rather",
        ],
        C::FollowUp,
    );
    add(
        &[
            "that", "those", "these", "this", "it", "them", "same ip", "that ip", "the same",
        ],
        C::That,
    );
    add(
        &["from", "source of", "coming from", "originating from"],
        C::From,
    );
    add(
        &[
            "to",
            "toward",
            "towards",
            "destined for",
            "going to",
            "into",
            "headed to",
            "headed for",
            "aimed at",
            "aimed to",
            "targeting",
            "targeted at",
            "heading to",
            "bound for",
        ],
        C::To,
    );
    add(
        &[
            "events",
            "event log",
            "activity",
            "activities",
            "log",
            "logs",
            "entry",
            "entries",
            "record",
            "records",
            "happening",
            "happened",
            "occurrence",
            "thing",
            "stuff",
            "everything",
            "anything",
            "all events",
            "data",
            "result",
            "results",
            "item",
            "attempt",
            "attempts",
            "attempted",
            "attempting",
            "try",
            "tried",
            "trying",
            "action taken",
            "incident",
            "suspicious",
            "recorded",
            "happen",
            "occur",
            "occurred",
            "made",
            "done",
            "did",
            "performed",
            "sorted",
            "sort",
            "ordered",
            "order",
            "appear",
            "appeared",
            "seen",
            "ranked",
            "after",
            "specific",
            "because",
            "referenced",
            "running",
            "operating",
            "operated",
            "working",
            "involve",
            "involved",
            "involving",
            "related",
            "regarding",
            "about",
            "against",
            "targeting",
            "hit",
            "hitting",
            "originate",
            "come",
            "came",
            "coming",
            "doing",
            "using",
            "used",
            "via",
            "through",
            "grouped",
            "group",
            "aws",
            "amazon",
            "account activity",
            "all",
            "everything",
            "api activity",
            "console",
            "access",
            "happening",
            "going on",
            "behavior",
            "behaviour",
            "usage",
            "use",
            "level",
            "value",
            "values",
            "name",
            "names",
            "list them",
            "them all",
            "pls",
            "please",
            "recent",
            "latest events",
            "logged",
            "occurring",
            "observed",
            "detected",
            "generated",
            "produced",
            "caused",
            "triggered",
            "involved",
            "initiated",
            "called",
            "invoked",
            "ran",
            "executed",
            "times",
            "time",
            "talked",
            "talking",
            "talk",
            "communicated",
            "communicating",
            "connected",
            "connecting",
            "contacted",
            "reached",
            "sent",
            "send",
            "sending",
            "received",
            "receive",
            "break down",
            "breakdown of",
            "generate",
            "generating",
            "active",
            "busy",
            "transferred",
            "moved",
            "exchanged",
            "been",
            "doing",
            "in use",
            "there",
            "carry",
            "carried",
            "carrying",
            "touch",
            "touched",
            "touching",
            "outside",
            "default",
            "acted",
            "acting",
            "act as",
            "session credentials",
            "with session credentials",
            "with temporary credentials",
            "calling",
            "we own",
            "we have",
            "flagged",
            "flag",
            "flags",
            "flagging",
            "spotted",
            "noticed",
            "on our behalf",
            "on my behalf",
            "on their behalf",
            "on its behalf",
            "on behalf of us",
            "poke at",
            "poked at",
            "poked around",
            "interact with",
            "interacted with",
            "working",
        ],
        C::Generic,
    );
    add(
        &[
            "how much data",
            "how many bytes",
            "amount of data",
            "how much traffic",
        ],
        C::Measure(Measure::Bytes),
    );
    v
}

/// Words that carry no meaning here.
pub const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "me",
    "us",
    "i",
    "we",
    "you",
    "my",
    "our",
    "your",
    "of",
    "in",
    "on",
    "at",
    "for",
    "and",
    "or",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "there",
    "any",
    "some",
    "can",
    "could",
    "would",
    "should",
    "will",
    "might",
    "must",
    "do",
    "does",
    "have",
    "has",
    "had",
    "please",
    "kindly",
    "let",
    "lets",
    "let's",
    "want",
    "need",
    "like",
    "to",
    "up",
    "out",
    "into",
    "than",
    "more",
    "their",
    "its",
    "his",
    "her",
    "they",
    "he",
    "she",
    "how",
    "when",
    "where",
    "why",
    "affected",
    "reported",
    "behind",
    "landed",
    "overall",
    "among",
    "involves",
    "involving",
    "ever",
    "anywhere",
    "somewhere",
    "e",
    "g",
    "i",
    "ie",
    "eg",
    "etc",
    "several",
    // Adverbs and adjectives that leave the question's meaning as it is.
    "publicly",
    "directly",
    "weakened",
    "loosened",
    "straight",
    "permanently",
    "manually",
    "manual",
    "existing",
    "saw",
    "managed",
    "gpu",
    "widen",
    "broaden",
    "expand",
    "extend",
    "include",
    "flag",
    "actually",
    "throw",
    "throws",
    "thrown",
    "single",
    "so",
    "far",
    "yet",
    "am",
    "if",
    "whether",
    "as",
    "there's",
    "what's",
    "who's",
    "which's",
    "whats",
    "whos",
    "hey",
    "hi",
    "ok",
    "okay",
    "then",
    "thanks",
    "thank",
    "there",
    "here",
    "s",
    "t",
    "d",
    "ve",
    "ll",
    "re",
    "m",
    "were",
    "during",
    "within",
    "over",
    "under",
    "across",
    "between",
    "since",
    "till",
    "until",
    "upon",
    "onto",
    "off",
    "all",
    "every",
    "everyone",
    "somebody",
    "someone",
    "anyone",
    "anybody",
    "also",
    "really",
    "actually",
    "currently",
    "still",
    "many",
    "much",
    "one",
    "ones",
    "got",
    "gotten",
    "been",
    "did",
    "doing",
    "does",
    "make",
    "makes",
    "both",
    "either",
    "neither",
];

/// The phrase table, indexed by first word (stemmed).
pub struct Gazetteer {
    /// Phrases (stemmed words) and their concepts, keyed by the first word.
    by_first: HashMap<String, Vec<(Vec<String>, Concept)>>,
    /// Every known word (stemmed), for typo correction.
    pub vocabulary: Vec<String>,
    /// The vocabulary by length in characters (index = length).
    pub by_len: Vec<Vec<String>>,
}

/// The gazetteer (built once).
pub static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::build);

impl Gazetteer {
    fn build() -> Self {
        let mut by_first: HashMap<String, Vec<(Vec<String>, Concept)>> = HashMap::new();
        let mut vocab: Vec<String> = Vec::new();
        let mut push = |phrase: &str, c: Concept| {
            let words: Vec<String> = super::tokens::words(phrase)
                .iter()
                .map(|w| super::tokens::stem(w))
                .collect();
            if words.is_empty() {
                return;
            }
            vocab.extend(words.iter().cloned());
            by_first
                .entry(words[0].clone())
                .or_default()
                .push((words, c));
        };
        for (p, c) in entries() {
            push(p, c);
        }
        for (phrases, r) in RESOURCES {
            for p in *phrases {
                push(p, Concept::Resource(r));
            }
        }
        for (phrases, verb) in VERBS {
            for p in *phrases {
                push(p, Concept::Verb(*verb));
            }
        }
        for list in by_first.values_mut() {
            // Longest phrase first.
            list.sort_by_key(|x| std::cmp::Reverse(x.0.len()));
        }
        vocab.extend(STOPWORDS.iter().map(|s| s.to_string()));
        vocab.sort();
        vocab.dedup();
        let mut by_len: Vec<Vec<String>> = Vec::new();
        for w in &vocab {
            let n = w.chars().count();
            if by_len.len() <= n {
                by_len.resize(n + 1, Vec::new());
            }
            by_len[n].push(w.clone());
        }
        Self {
            by_first,
            vocabulary: vocab,
            by_len,
        }
    }

    /// The longest phrase starting at `words[i]`: (word count, concepts).
    /// A phrase may mean several things ("user" is a field and a resource).
    pub fn longest(&self, words: &[String], i: usize) -> Option<(usize, Vec<&Concept>)> {
        let list = self.by_first.get(&words[i])?;
        let mut best: Option<(usize, Vec<&Concept>)> = None;
        for (phrase, c) in list {
            let n = phrase.len();
            if i + n <= words.len() && words[i..i + n] == phrase[..] {
                match &mut best {
                    Some((bn, cs)) if *bn == n => cs.push(c),
                    Some((bn, _)) if *bn > n => {}
                    _ => best = Some((n, vec![c])),
                }
            }
        }
        best
    }

    /// Whether a (stemmed) word is known.
    pub fn knows(&self, word: &str) -> bool {
        self.vocabulary
            .binary_search_by(|w| w.as_str().cmp(word))
            .is_ok()
    }
}

/// Common API actions, for names written in lower case ("decrypt").
const EVENT_NAMES: &[&str] = &[
    "ConsoleLogin",
    "AssumeRole",
    "GetCallerIdentity",
    "GetSessionToken",
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GetObject",
    "PutObject",
    "DeleteObject",
    "ListBuckets",
    "ListObjects",
    "DescribeInstances",
    "RunInstances",
    "TerminateInstances",
    "GetSecretValue",
    "GetParameter",
    "ListUsers",
    "ListRoles",
    "GetUser",
    "GetRole",
    "CreateUser",
    "DeleteUser",
    "CreateRole",
    "CreateAccessKey",
    "DeleteAccessKey",
    "StopLogging",
    "DeleteTrail",
    "PutBucketPolicy",
    "DeleteBucket",
    "CreateBucket",
    "LookupEvents",
    "Invoke",
    "AuthorizeSecurityGroupIngress",
    "AttachUserPolicy",
    "AttachRolePolicy",
    "PutUserPolicy",
    "PutRolePolicy",
    "CreateLoginProfile",
    "UpdateLoginProfile",
    "DescribeSecurityGroups",
    "GetBucketAcl",
    "GetBucketPolicy",
    "DeleteBucketPublicAccessBlock",
    "ListAccessKeys",
    "ScheduleKeyDeletion",
    "DisableKey",
];

/// The API action a lower-case word names, if any (`"decrypt"` → `Decrypt`).
pub fn event_name(word: &str) -> Option<&'static str> {
    let found = EVENT_NAMES
        .iter()
        .find(|e| e.eq_ignore_ascii_case(word))
        .copied();
    found.or_else(|| {
        RESOURCES
            .iter()
            .flat_map(|(_, r)| r.events.iter().flat_map(|(_, evs)| evs.iter()))
            .find(|e| e.eq_ignore_ascii_case(word))
            .copied()
    })
}

/// Events of a resource for a verb (all of its events without a verb).
pub fn resource_events(r: &Resource, verb: Option<Verb>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (v, evs) in r.events {
        if verb.is_none() || verb == Some(*v) {
            for e in *evs {
                if !out.contains(e) {
                    out.push(e);
                }
            }
        }
    }
    if out.is_empty() && verb.is_some() && verb != Some(Verb::Modify) {
        // "stopped access keys": no exact verb; fall back to modifications.
        return resource_events(r, Some(Verb::Modify));
    }
    out
}
