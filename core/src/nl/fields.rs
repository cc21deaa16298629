//! Where each logical [`Field`] lives in each table: the column expression,
//! the result column name and the words used to describe it.

use super::spec::{Field, Table};

/// How a field reads in one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The SQL expression.
    pub expr: &'static str,
    /// The result column name (an alias when it differs from `expr`).
    pub alias: &'static str,
}

const fn col(expr: &'static str, alias: &'static str) -> Option<Column> {
    Some(Column { expr, alias })
}

impl Field {
    /// The column of this field in `table`, if the table has it.
    pub fn column(self, table: Table) -> Option<Column> {
        use Field::*;
        match table {
            Table::Cloudtrail => match self {
                Time => col("eventtime", "eventtime"),
                EventName => col("eventname", "eventname"),
                EventSource => col("eventsource", "eventsource"),
                ErrorCode => col("errorcode", "errorcode"),
                ErrorMessage => col("errormessage", "errormessage"),
                EventType => col("eventtype", "eventtype"),
                IdentityType => col("useridentity.type", "identity_type"),
                User => col("useridentity.arn", "user_arn"),
                UserName => col("useridentity.username", "user_name"),
                SourceIp | Ip => col("sourceipaddress", "sourceipaddress"),
                UserAgent => col("useragent", "useragent"),
                Region => col("awsregion", "awsregion"),
                Account => col("recipientaccountid", "recipientaccountid"),
                CallerAccount => col("useridentity.accountid", "caller_account"),
                AccessKey => col("useridentity.accesskeyid", "access_key_id"),
                ReadOnly => col("readonly", "readonly"),
                MfaUsed => col(
                    "json_extract_scalar(additionaleventdata, '$.MFAUsed')",
                    "mfa_used",
                ),
                Bucket => col(
                    "json_extract_scalar(requestparameters, '$.bucketName')",
                    "bucket",
                ),
                Text => col("requestparameters", "requestparameters"),
                Id => col("eventid", "eventid"),
                RoleArn => col(
                    "json_extract_scalar(requestparameters, '$.roleArn')",
                    "role_arn",
                ),
                SessionIssuer => col(
                    "useridentity.sessioncontext.sessionissuer.arn",
                    "session_issuer_arn",
                ),
                SessionMfa => col(
                    "useridentity.sessioncontext.attributes.mfaauthenticated",
                    "mfa_authenticated",
                ),
                TargetUser => col(
                    "json_extract_scalar(requestparameters, '$.userName')",
                    "target_user",
                ),
                _ => None,
            },
            Table::VpcFlow => match self {
                DstService => col("pkt_dst_aws_service", "pkt_dst_aws_service"),
                SrcService => col("pkt_src_aws_service", "pkt_src_aws_service"),
                Time => col("start", "start"),
                Ip | SrcAddr | SourceIp => col("srcaddr", "srcaddr"),
                DstAddr => col("dstaddr", "dstaddr"),
                SrcPort => col("srcport", "srcport"),
                DstPort => col("dstport", "dstport"),
                Protocol => col("protocol", "protocol"),
                Action => col("action", "action"),
                Direction => col("flow_direction", "flow_direction"),
                Interface => col("interface_id", "interface_id"),
                Instance => col("instance_id", "instance_id"),
                Bytes => col("bytes", "bytes"),
                Packets => col("packets", "packets"),
                Region => col("region", "region"),
                Account => col("account_id", "account_id"),
                LogStatus => col("log_status", "log_status"),
                _ => None,
            },
            Table::Guardduty => match self {
                ResourceType => col(
                    "json_extract_scalar(resource, '$.resourceType')",
                    "resource_type",
                ),
                Archived => col("json_extract_scalar(service, '$.archived')", "archived"),
                Time => col("updatedat", "updatedat"),
                Severity => col("severity", "severity"),
                FindingType => col("type", "type"),
                Title => col("title", "title"),
                Region => col("region", "region"),
                Account => col("accountid", "accountid"),
                Ip => col(
                    "json_extract_scalar(service, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4')",
                    "remote_ip",
                ),
                Instance => col(
                    "json_extract_scalar(resource, '$.instanceDetails.instanceId')",
                    "instance_id",
                ),
                Text => col("title", "title"),
                Id => col("id", "id"),
                _ => None,
            },
        }
    }

    /// Whether many CloudTrail records lack this field (a successful call has
    /// no error code, an AWS service no ARN, a console call no access key).
    pub fn often_absent(self) -> bool {
        use Field::*;
        matches!(
            self,
            ErrorCode
                | ErrorMessage
                | User
                | UserName
                | UserAgent
                | AccessKey
                | MfaUsed
                | Bucket
                | RoleArn
                | SessionIssuer
                | SessionMfa
                | TargetUser
                | Text
        )
    }

    /// Whether `table` has this field.
    pub fn in_table(self, table: Table) -> bool {
        self.column(table).is_some()
    }

    /// The field in words, for interpretations.
    pub fn label(self) -> &'static str {
        use Field::*;
        match self {
            Time => "time",
            EventName => "event name",
            EventSource => "service",
            ErrorCode => "error code",
            IdentityType => "identity type",
            User => "user",
            UserName => "IAM user",
            SourceIp => "source IP",
            Ip => "IP",
            UserAgent => "user agent",
            Region => "region",
            Account => "account",
            CallerAccount => "caller account",
            AccessKey => "access key",
            ReadOnly => "read-only flag",
            MfaUsed => "MFA used",
            Bucket => "bucket",
            Text => "text",
            SrcAddr => "source address",
            DstAddr => "destination address",
            SrcPort => "source port",
            DstPort => "destination port",
            Protocol => "protocol",
            Action => "action",
            Direction => "direction",
            Interface => "network interface",
            Instance => "instance",
            Bytes => "bytes",
            Severity => "severity",
            FindingType => "finding type",
            Title => "title",
            Id => "id",
            Packets => "packets",
            ErrorMessage => "error message",
            EventType => "event type",
            LogStatus => "log status",
            ResourceType => "resource type",
            Archived => "archived flag",
            RoleArn => "role ARN",
            SessionIssuer => "role of the session",
            SessionMfa => "MFA-authenticated session",
            TargetUser => "user acted on",
            DstService => "destination AWS service",
            SrcService => "source AWS service",
        }
    }
}

/// Columns of a list answer when the plan names none.
pub fn default_projection(table: Table) -> &'static [Field] {
    use Field::*;
    match table {
        Table::Cloudtrail => &[
            Time,
            EventName,
            EventSource,
            User,
            SourceIp,
            Region,
            ErrorCode,
            Id,
        ],
        Table::VpcFlow => &[
            Time, SrcAddr, SrcPort, DstAddr, DstPort, Protocol, Action, Bytes, Interface, Account,
        ],
        Table::Guardduty => &[Time, Severity, FindingType, Title, Account, Region, Id],
    }
}
