//! The typed query plan both translators produce: [`QuerySpec`].
//!
//! A plan names *what* to ask (table, time range, filters, shape of the
//! answer) in terms of logical [`Field`]s, never SQL text. One compiler
//! ([`super::compile`]) turns it into Athena SQL, one renderer
//! ([`super::interpret`]) into a sentence, and follow-ups edit it
//! ([`super::followup`]), so the three can never disagree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A log table the plan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// `cloudtrail`: API activity and sign-ins.
    Cloudtrail,
    /// `vpc_flow`: network flows.
    VpcFlow,
    /// `guardduty`: threat findings.
    Guardduty,
}

impl Table {
    /// Every table, in catalog order.
    pub const ALL: [Table; 3] = [Table::Cloudtrail, Table::VpcFlow, Table::Guardduty];

    /// The SQL table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Cloudtrail => "cloudtrail",
            Table::VpcFlow => "vpc_flow",
            Table::Guardduty => "guardduty",
        }
    }

    /// The event-time column.
    pub fn time_column(self) -> &'static str {
        match self {
            Table::Cloudtrail => "eventtime",
            Table::VpcFlow => "start",
            Table::Guardduty => "updatedat",
        }
    }

    /// What one row is, in words (plural).
    pub fn rows_label(self) -> &'static str {
        match self {
            Table::Cloudtrail => "CloudTrail events",
            Table::VpcFlow => "VPC flow records",
            Table::Guardduty => "GuardDuty findings",
        }
    }
}

/// A logical field: what an analyst names ("user", "source IP"), mapped to
/// a column expression per table by [`Field::expr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The event time column of the table.
    Time,
    /// CloudTrail API action.
    EventName,
    /// CloudTrail service endpoint.
    EventSource,
    /// CloudTrail error code.
    ErrorCode,
    /// CloudTrail identity type (Root, IAMUser, AssumedRole, AWSService…).
    IdentityType,
    /// The calling principal (ARN: users, role sessions, root).
    User,
    /// The IAM user name.
    UserName,
    /// CloudTrail caller address.
    SourceIp,
    /// Any address: CloudTrail caller, flow source or destination, GuardDuty remote IP.
    Ip,
    /// CloudTrail user agent.
    UserAgent,
    /// Region of the event.
    Region,
    /// Account the record belongs to.
    Account,
    /// Account of the calling principal.
    CallerAccount,
    /// Access key id used to sign the request.
    AccessKey,
    /// CloudTrail `readonly` flag.
    ReadOnly,
    /// Whether a console sign-in used MFA (`Yes`/`No`).
    MfaUsed,
    /// S3 bucket named in the request.
    Bucket,
    /// Free text in the request parameters (CloudTrail) or finding text (GuardDuty).
    Text,
    /// Flow source address.
    SrcAddr,
    /// Flow destination address.
    DstAddr,
    /// Flow source port.
    SrcPort,
    /// Flow destination port.
    DstPort,
    /// Flow IANA protocol number.
    Protocol,
    /// Flow ACCEPT/REJECT.
    Action,
    /// Flow direction (ingress/egress).
    Direction,
    /// Flow network interface.
    Interface,
    /// EC2 instance id.
    Instance,
    /// Flow bytes.
    Bytes,
    /// GuardDuty severity (0.1-10).
    Severity,
    /// GuardDuty finding type.
    FindingType,
    /// GuardDuty finding title.
    Title,
    /// Record id (CloudTrail `eventid`, GuardDuty finding `id`).
    Id,
    /// Flow packets.
    Packets,
    /// CloudTrail error message.
    ErrorMessage,
    /// CloudTrail event type (AwsApiCall, AwsConsoleSignIn…).
    EventType,
    /// Flow log record status (OK, NODATA, SKIPDATA).
    LogStatus,
    /// GuardDuty affected resource type (Instance, AccessKey, S3Bucket…).
    ResourceType,
    /// Whether a GuardDuty finding is archived (`true`/`false`).
    Archived,
    /// The role an `AssumeRole` call asked for (its `roleArn` parameter).
    RoleArn,
    /// The role whose session made a call (`sessionissuer.arn`).
    SessionIssuer,
    /// Whether the session's credentials were issued after MFA (`true`).
    SessionMfa,
    /// The IAM user an action was done to (its `userName` parameter).
    TargetUser,
    /// The AWS service a flow's packets went to (`pkt_dst_aws_service`: S3, DYNAMODB…).
    DstService,
    /// The AWS service a flow's packets came from (`pkt_src_aws_service`).
    SrcService,
}

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// Text.
    Text(String),
}

impl Value {
    /// Text value.
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }
}

/// A comparison applied to a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal to the value.
    Eq(Value),
    /// One of the values.
    In(Vec<Value>),
    /// Matches an SQL LIKE pattern (`%`, `_`), case-sensitive.
    Like(String),
    /// Matches any of the LIKE patterns.
    LikeAny(Vec<String>),
    /// Present (not NULL).
    NotNull,
    /// Absent (NULL).
    IsNull,
    /// Greater than or equal.
    Ge(Value),
    /// Less than.
    Lt(Value),
    /// Greater than.
    Gt(Value),
    /// Less than or equal.
    Le(Value),
    /// Differs from another field of the same row (a caller from another
    /// account than the one the record belongs to).
    OtherThan(Field),
}

/// One condition of the WHERE clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// The field compared.
    pub field: Field,
    /// The comparison.
    pub op: Op,
    /// Whether the condition is negated ("exclude", "not", "except").
    #[serde(default)]
    pub negate: bool,
}

impl Filter {
    /// A positive filter.
    pub fn new(field: Field, op: Op) -> Self {
        Self {
            field,
            op,
            negate: false,
        }
    }

    /// `field = value`.
    pub fn eq(field: Field, value: Value) -> Self {
        Self::new(field, Op::Eq(value))
    }

    /// The negated filter.
    pub fn negated(mut self) -> Self {
        self.negate = !self.negate;
        self
    }
}

/// Unit of a rolling time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Weeks (7 days).
    Week,
    /// Calendar months.
    Month,
}

impl TimeUnit {
    /// SQL interval unit keyword.
    pub fn sql(self) -> &'static str {
        match self {
            TimeUnit::Minute => "MINUTE",
            TimeUnit::Hour => "HOUR",
            TimeUnit::Day | TimeUnit::Week => "DAY",
            TimeUnit::Month => "MONTH",
        }
    }

    /// English name (singular).
    pub fn word(self) -> &'static str {
        match self {
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
        }
    }
}

/// The time range of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeRange {
    /// The last `amount` units up to now (rolling), e.g. "last 24 hours".
    Rolling {
        /// How many units.
        amount: u32,
        /// The unit.
        unit: TimeUnit,
    },
    /// From `start` (inclusive) to `end` (exclusive; `None` = now).
    Absolute {
        /// Start, inclusive.
        start: DateTime<Utc>,
        /// End, exclusive; `None` means up to now.
        end: Option<DateTime<Utc>>,
        /// How the analyst said it ("this week", "yesterday", "on 2024-03-10").
        label: String,
    },
}

/// Time buckets of a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Per minute.
    Minute,
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week (from Monday).
    Week,
    /// Per calendar month.
    Month,
    /// Per calendar year.
    Year,
}

impl Bucket {
    /// The `date_trunc` unit.
    pub fn unit(self) -> &'static str {
        match self {
            Bucket::Minute => "minute",
            Bucket::Hour => "hour",
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
            Bucket::Year => "year",
        }
    }
}

/// What is measured per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Number of rows.
    Count,
    /// Sum of flow bytes.
    Bytes,
    /// Sum of flow packets.
    Packets,
    /// Distinct destination ports (port scans).
    DistinctPorts,
    /// Distinct values of a field ("distinct event names per service").
    Distinct(Field),
    /// The highest GuardDuty severity ("highest severity per account").
    MaxSeverity,
}

/// The shape of the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// The matching rows.
    List,
    /// One number.
    Count,
    /// The number of distinct values of a field.
    CountDistinct {
        /// The field.
        field: Field,
    },
    /// A measure per group, largest first.
    Group {
        /// Grouping fields.
        by: Vec<Field>,
        /// The measure.
        measure: Measure,
    },
    /// The distinct values of a field.
    Distinct {
        /// The field.
        field: Field,
    },
    /// Counts per time bucket, optionally split by a field.
    Timeline {
        /// Bucket width.
        bucket: Bucket,
        /// Optional split.
        by: Option<Field>,
    },
    /// First and last time seen (and how often), optionally per group.
    Seen {
        /// Optional grouping.
        by: Option<Field>,
    },
}

/// Sort direction of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Newest first (lists) / largest first (groups).
    Desc,
    /// Oldest first / smallest first.
    Asc,
}

/// A complete, typed query plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuerySpec {
    /// The table read.
    pub table: Table,
    /// The time range; `None` = all retained data.
    pub time: Option<TimeRange>,
    /// Conditions, all of which must hold.
    pub filters: Vec<Filter>,
    /// Columns of a [`Shape::List`] answer; empty = the table's default columns.
    #[serde(default)]
    pub projection: Vec<Field>,
    /// The shape of the answer.
    pub shape: Shape,
    /// Sort direction (lists by time, groups by measure).
    pub order: Order,
    /// At most this many rows (top-N for groups).
    pub limit: Option<u64>,
    /// Sort a list by this field instead of time ("highest severity findings").
    #[serde(default)]
    pub sort_by: Option<Field>,
    /// Keep only groups with more than this many rows ("more than 3 times").
    #[serde(default)]
    pub more_than: Option<u64>,
}

impl QuerySpec {
    /// A list of newest rows of `table`, unfiltered.
    pub fn new(table: Table) -> Self {
        Self {
            table,
            time: None,
            filters: Vec::new(),
            projection: Vec::new(),
            shape: Shape::List,
            order: Order::Desc,
            limit: None,
            sort_by: None,
            more_than: None,
        }
    }

    /// Adds a filter, replacing earlier filters on the same field with the
    /// same polarity (a follow-up "only S3" replaces a previous service). An
    /// upper bound (`Lt`) joins a lower bound instead, forming a range.
    pub fn add_filter(&mut self, f: Filter) {
        // "errors" does not widen "AccessDenied errors" back to any error.
        if f.op == Op::NotNull
            && !f.negate
            && self.filters.iter().any(|x| x.field == f.field && !x.negate)
        {
            return;
        }
        if f.field != Field::Text {
            let upper = matches!(f.op, Op::Lt(_) | Op::Le(_));
            self.filters.retain(|x| {
                !(x.field == f.field
                    && x.negate == f.negate
                    && !(upper && matches!(x.op, Op::Ge(_) | Op::Gt(_))))
            });
        }
        if !self.filters.contains(&f) {
            self.filters.push(f);
        }
    }
}
