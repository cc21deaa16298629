//! The `vpc_flow` table: Amazon VPC Flow Logs, every field of versions 2–8 in
//! the AWS Athena DDL naming (hyphens become underscores). `start` and `end`
//! are real timestamps (the raw records carry Unix seconds).

use datafusion::arrow::datatypes::{DataType, Field};

use super::{SourceKind, TableDef, docs, schema, ts, utf8};

/// Type of a flow-log field, keyed by its raw (hyphenated) name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowType {
    /// Text.
    Str,
    /// 32-bit integer.
    Int,
    /// 64-bit integer.
    BigInt,
    /// Unix seconds, stored as a timestamp.
    Time,
}

/// Every known flow-log field: raw name, column name, type, description.
pub const FIELDS: &[(&str, &str, FlowType, &str)] = &[
    (
        "version",
        "version",
        FlowType::Int,
        "flow log format version (2 = default format)",
    ),
    (
        "account-id",
        "account_id",
        FlowType::Str,
        "account that owns the network interface",
    ),
    (
        "interface-id",
        "interface_id",
        FlowType::Str,
        "network interface (ENI) id",
    ),
    (
        "srcaddr",
        "srcaddr",
        FlowType::Str,
        "source IP address (IPv4 or IPv6) of the packets",
    ),
    (
        "dstaddr",
        "dstaddr",
        FlowType::Str,
        "destination IP address of the packets",
    ),
    ("srcport", "srcport", FlowType::Int, "source port"),
    ("dstport", "dstport", FlowType::Int, "destination port"),
    (
        "protocol",
        "protocol",
        FlowType::BigInt,
        "IANA protocol number: 6 TCP, 17 UDP, 1 ICMP",
    ),
    (
        "packets",
        "packets",
        FlowType::BigInt,
        "packets transferred in the flow during the window",
    ),
    (
        "bytes",
        "bytes",
        FlowType::BigInt,
        "bytes transferred in the flow during the window",
    ),
    (
        "start",
        "start",
        FlowType::Time,
        "when the first packet of the window was received (UTC timestamp)",
    ),
    (
        "end",
        "end",
        FlowType::Time,
        "when the last packet of the window was received (UTC timestamp; quote it: \"end\")",
    ),
    (
        "action",
        "action",
        FlowType::Str,
        "ACCEPT or REJECT (NULL for NODATA/SKIPDATA records)",
    ),
    (
        "log-status",
        "log_status",
        FlowType::Str,
        "OK, NODATA (no traffic) or SKIPDATA (records skipped)",
    ),
    ("vpc-id", "vpc_id", FlowType::Str, "VPC id"),
    ("subnet-id", "subnet_id", FlowType::Str, "subnet id"),
    (
        "instance-id",
        "instance_id",
        FlowType::Str,
        "EC2 instance id, when the ENI belongs to an instance you own",
    ),
    (
        "tcp-flags",
        "tcp_flags",
        FlowType::Int,
        "bitmask OR of TCP flags seen: FIN 1, SYN 2, RST 4, SYN-ACK 18",
    ),
    (
        "type",
        "type",
        FlowType::Str,
        "traffic type: IPv4, IPv6 or EFA",
    ),
    (
        "pkt-srcaddr",
        "pkt_srcaddr",
        FlowType::Str,
        "packet-level original source address (differs from srcaddr behind NAT/TGW)",
    ),
    (
        "pkt-dstaddr",
        "pkt_dstaddr",
        FlowType::Str,
        "packet-level original destination address",
    ),
    (
        "region",
        "region",
        FlowType::Str,
        "region of the network interface",
    ),
    (
        "az-id",
        "az_id",
        FlowType::Str,
        "availability zone id, e.g. use1-az1",
    ),
    (
        "sublocation-type",
        "sublocation_type",
        FlowType::Str,
        "wavelength, outpost or localzone",
    ),
    (
        "sublocation-id",
        "sublocation_id",
        FlowType::Str,
        "id of the sublocation",
    ),
    (
        "pkt-src-aws-service",
        "pkt_src_aws_service",
        FlowType::Str,
        "AWS service owning pkt_srcaddr, e.g. S3",
    ),
    (
        "pkt-dst-aws-service",
        "pkt_dst_aws_service",
        FlowType::Str,
        "AWS service owning pkt_dstaddr",
    ),
    (
        "flow-direction",
        "flow_direction",
        FlowType::Str,
        "ingress or egress relative to the interface",
    ),
    (
        "traffic-path",
        "traffic_path",
        FlowType::Int,
        "egress path: 1 same VPC, 2 IGW/gateway endpoint, 3 VGW, 4 peering, 5 TGW, 6 LB, 7 IGW, 8 NAT",
    ),
    (
        "ecs-cluster-arn",
        "ecs_cluster_arn",
        FlowType::Str,
        "ECS cluster ARN",
    ),
    (
        "ecs-cluster-name",
        "ecs_cluster_name",
        FlowType::Str,
        "ECS cluster name",
    ),
    (
        "ecs-container-instance-arn",
        "ecs_container_instance_arn",
        FlowType::Str,
        "ECS container instance ARN",
    ),
    (
        "ecs-container-instance-id",
        "ecs_container_instance_id",
        FlowType::Str,
        "ECS container instance id",
    ),
    (
        "ecs-container-id",
        "ecs_container_id",
        FlowType::Str,
        "Docker id of the first container of the task",
    ),
    (
        "ecs-second-container-id",
        "ecs_second_container_id",
        FlowType::Str,
        "Docker id of the second container",
    ),
    (
        "ecs-service-name",
        "ecs_service_name",
        FlowType::Str,
        "ECS service name",
    ),
    (
        "ecs-task-definition-arn",
        "ecs_task_definition_arn",
        FlowType::Str,
        "ECS task definition ARN",
    ),
    (
        "ecs-task-arn",
        "ecs_task_arn",
        FlowType::Str,
        "ECS task ARN",
    ),
    ("ecs-task-id", "ecs_task_id", FlowType::Str, "ECS task id"),
    (
        "reject-reason",
        "reject_reason",
        FlowType::Str,
        "why traffic was rejected, e.g. BPA (block public access)",
    ),
    (
        "resource-id",
        "resource_id",
        FlowType::Str,
        "id of the resource (e.g. NAT gateway) the flow belongs to",
    ),
    (
        "encryption-status",
        "encryption_status",
        FlowType::Str,
        "0 not encrypted, 1 Nitro-encrypted, 2 app-encrypted, 3 both",
    ),
];

/// The default (version 2) format, used when a file has no header line.
pub const DEFAULT_FORMAT: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Looks a raw field name up (`log-status` or `log_status` or `${log-status}`).
pub fn field_index(raw: &str) -> Option<usize> {
    let raw = raw.trim_start_matches("${").trim_end_matches('}');
    FIELDS
        .iter()
        .position(|(r, c, _, _)| r.eq_ignore_ascii_case(raw) || c.eq_ignore_ascii_case(raw))
}

pub(super) fn table() -> TableDef {
    let fields: Vec<Field> = FIELDS
        .iter()
        .map(|(_, name, ty, _)| match ty {
            FlowType::Str => utf8(name),
            FlowType::Int => Field::new(*name, DataType::Int32, true),
            FlowType::BigInt => Field::new(*name, DataType::Int64, true),
            FlowType::Time => ts(name),
        })
        .collect();
    let list: Vec<(&str, &str)> = FIELDS.iter().map(|(_, n, _, d)| (*n, *d)).collect();
    TableDef {
        name: "vpc_flow".into(),
        description: "Amazon VPC Flow Logs: accepted and rejected network flows".into(),
        kind: SourceKind::VpcFlow,
        time_column: "start".into(),
        schema: schema(fields),
        docs: docs(&list),
    }
}
