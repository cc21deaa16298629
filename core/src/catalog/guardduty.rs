//! The `guardduty` table: Amazon GuardDuty findings, columns as in the AWS
//! Athena DDL for exported findings (lower case). `resource` and `service`
//! stay JSON text (query with `json_extract_scalar`); `severity` is numeric
//! and `createdat`/`updatedat` are real timestamps.

use datafusion::arrow::datatypes::{DataType, Field};

use super::{SourceKind, TableDef, docs, schema, ts, utf8};

pub(super) fn table() -> TableDef {
    let fields = vec![
        utf8("schemaversion"),
        utf8("accountid"),
        utf8("region"),
        utf8("partition"),
        utf8("id"),
        utf8("arn"),
        utf8("type"),
        utf8("resource"),
        utf8("service"),
        Field::new("severity", DataType::Float64, true),
        ts("createdat"),
        ts("updatedat"),
        utf8("title"),
        utf8("description"),
    ];
    TableDef {
        name: "guardduty".into(),
        description: "Amazon GuardDuty threat detection findings".into(),
        kind: SourceKind::GuardDuty,
        time_column: "updatedat".into(),
        schema: schema(fields),
        docs: docs(DOCS),
    }
}

const DOCS: &[(&str, &str)] = &[
    ("schemaversion", "finding schema version, e.g. 2.0"),
    ("accountid", "account the finding is about"),
    ("region", "region where the finding was generated"),
    ("partition", "AWS partition, e.g. aws"),
    (
        "id",
        "finding id (stable across updates of the same finding)",
    ),
    ("arn", "finding ARN"),
    (
        "type",
        "finding type, e.g. UnauthorizedAccess:EC2/SSHBruteForce",
    ),
    (
        "resource",
        "affected resource as JSON text; e.g. json_extract_scalar(resource, '$.instanceDetails.instanceId')",
    ),
    (
        "service",
        "detection details as JSON text; e.g. json_extract_scalar(service, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4')",
    ),
    (
        "severity",
        "0.1-10: low < 4, medium 4-6.9, high 7-8.9, critical >= 9",
    ),
    (
        "createdat",
        "when the finding was first created (UTC timestamp)",
    ),
    (
        "updatedat",
        "when the finding was last updated (UTC timestamp)",
    ),
    ("title", "one-line summary"),
    ("description", "longer explanation"),
];
