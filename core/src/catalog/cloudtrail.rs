//! The `cloudtrail` table: AWS CloudTrail events, columns as in the AWS
//! Athena DDL for CloudTrail (lower case), with `eventtime` a real timestamp.

use datafusion::arrow::datatypes::{DataType, Field};

use super::{SourceKind, TableDef, docs, schema, strukt, ts, utf8};

/// The fields of one `resources` element.
pub(crate) fn resource_fields() -> Vec<Field> {
    vec![utf8("arn"), utf8("accountid"), utf8("type")]
}

pub(super) fn table() -> TableDef {
    let fields = vec![
        utf8("eventversion"),
        strukt(
            "useridentity",
            vec![
                utf8("type"),
                utf8("principalid"),
                utf8("arn"),
                utf8("accountid"),
                utf8("invokedby"),
                utf8("accesskeyid"),
                utf8("username"),
                strukt(
                    "sessioncontext",
                    vec![
                        strukt(
                            "attributes",
                            vec![utf8("mfaauthenticated"), utf8("creationdate")],
                        ),
                        strukt(
                            "sessionissuer",
                            vec![
                                utf8("type"),
                                utf8("principalid"),
                                utf8("arn"),
                                utf8("accountid"),
                                utf8("username"),
                            ],
                        ),
                        utf8("ec2roledelivery"),
                        utf8("sourceidentity"),
                    ],
                ),
            ],
        ),
        ts("eventtime"),
        utf8("eventsource"),
        utf8("eventname"),
        utf8("awsregion"),
        utf8("sourceipaddress"),
        utf8("useragent"),
        utf8("errorcode"),
        utf8("errormessage"),
        utf8("requestparameters"),
        utf8("responseelements"),
        utf8("additionaleventdata"),
        utf8("requestid"),
        utf8("eventid"),
        utf8("readonly"),
        Field::new(
            "resources",
            DataType::List(std::sync::Arc::new(Field::new(
                "item",
                DataType::Struct(resource_fields().into()),
                true,
            ))),
            true,
        ),
        utf8("eventtype"),
        utf8("apiversion"),
        utf8("recipientaccountid"),
        utf8("serviceeventdetails"),
        utf8("sharedeventid"),
        utf8("vpcendpointid"),
        utf8("vpcendpointaccountid"),
        utf8("eventcategory"),
        utf8("managementevent"),
        strukt(
            "addendum",
            vec![
                utf8("reason"),
                utf8("updatedfields"),
                utf8("originalrequestid"),
                utf8("originaleventid"),
            ],
        ),
        utf8("sessioncredentialfromconsole"),
        utf8("edgedevicedetails"),
        strukt(
            "tlsdetails",
            vec![
                utf8("tlsversion"),
                utf8("ciphersuite"),
                utf8("clientprovidedhostheader"),
            ],
        ),
    ];
    TableDef {
        name: "cloudtrail".into(),
        description: "AWS CloudTrail API activity and sign-in events".into(),
        kind: SourceKind::CloudTrail,
        time_column: "eventtime".into(),
        schema: schema(fields),
        docs: docs(DOCS),
    }
}

const DOCS: &[(&str, &str)] = &[
    (
        "eventversion",
        "CloudTrail record format version, e.g. 1.08",
    ),
    ("useridentity", "who made the request"),
    (
        "useridentity.type",
        "identity type: Root, IAMUser, AssumedRole, FederatedUser, AWSService, AWSAccount, IdentityCenterUser",
    ),
    (
        "useridentity.principalid",
        "unique id of the calling principal (for roles: role id:session name)",
    ),
    ("useridentity.arn", "ARN of the calling principal"),
    (
        "useridentity.accountid",
        "account that owns the calling principal",
    ),
    (
        "useridentity.invokedby",
        "AWS service that made the call on the principal's behalf",
    ),
    (
        "useridentity.accesskeyid",
        "access key used to sign the request (AKIA… long-term, ASIA… temporary)",
    ),
    (
        "useridentity.username",
        "friendly name of the IAM user or root",
    ),
    (
        "useridentity.sessioncontext",
        "session details for temporary credentials",
    ),
    (
        "useridentity.sessioncontext.attributes",
        "session attributes",
    ),
    (
        "useridentity.sessioncontext.attributes.mfaauthenticated",
        "'true' when the session was MFA-authenticated",
    ),
    (
        "useridentity.sessioncontext.attributes.creationdate",
        "when the temporary credentials were issued (ISO 8601 text)",
    ),
    (
        "useridentity.sessioncontext.sessionissuer",
        "the role or user that issued the session",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.type",
        "issuer type, e.g. Role",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.principalid",
        "issuer principal id",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.arn",
        "issuer ARN, e.g. the assumed role's ARN",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.accountid",
        "account that owns the issuer",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.username",
        "issuer friendly name, e.g. the role name",
    ),
    (
        "useridentity.sessioncontext.ec2roledelivery",
        "IMDS version that delivered EC2 role credentials (1.0 or 2.0)",
    ),
    (
        "useridentity.sessioncontext.sourceidentity",
        "source identity set when the role was assumed",
    ),
    ("eventtime", "when the request was made (UTC timestamp)"),
    (
        "eventsource",
        "service endpoint, e.g. iam.amazonaws.com, s3.amazonaws.com, signin.amazonaws.com",
    ),
    (
        "eventname",
        "API action, e.g. ConsoleLogin, CreateAccessKey, GetObject",
    ),
    (
        "awsregion",
        "region the request went to (unknown and future regions are kept as is)",
    ),
    (
        "sourceipaddress",
        "caller IP address, or the AWS service name for service calls",
    ),
    (
        "useragent",
        "client user agent, e.g. aws-cli/2.x, console.amazonaws.com",
    ),
    (
        "errorcode",
        "AWS error code when the call failed, NULL on success; failed console sign-ins, which CloudTrail records without one, carry their errormessage here (e.g. 'Failed authentication')",
    ),
    ("errormessage", "AWS error message when the call failed"),
    (
        "requestparameters",
        "request parameters as JSON text; query with json_extract_scalar(requestparameters, '$.bucketName')",
    ),
    (
        "responseelements",
        "response elements as JSON text; e.g. json_extract_scalar(responseelements, '$.ConsoleLogin')",
    ),
    (
        "additionaleventdata",
        "additional event data as JSON text, e.g. MFAUsed for ConsoleLogin",
    ),
    ("requestid", "request id assigned by the service"),
    ("eventid", "unique id of this CloudTrail event"),
    (
        "readonly",
        "'true' for read-only calls, 'false' for mutating calls",
    ),
    (
        "resources",
        "resources the call acted on; use CROSS JOIN UNNEST(resources) AS t(r)",
    ),
    (
        "eventtype",
        "AwsApiCall, AwsConsoleSignIn, AwsServiceEvent, AwsConsoleAction, AwsCloudTrailInsight",
    ),
    ("apiversion", "API version for some services"),
    ("recipientaccountid", "account that received this event"),
    (
        "serviceeventdetails",
        "details of service events as JSON text",
    ),
    (
        "sharedeventid",
        "id shared by the copies of an event delivered to several accounts",
    ),
    ("vpcendpointid", "VPC endpoint the request went through"),
    ("vpcendpointaccountid", "account that owns the VPC endpoint"),
    ("eventcategory", "Management, Data or Insight"),
    ("managementevent", "'true' for management events"),
    (
        "addendum",
        "why a delayed or updated event was delivered again",
    ),
    ("addendum.reason", "reason for the addendum"),
    ("addendum.updatedfields", "fields updated by the addendum"),
    (
        "addendum.originalrequestid",
        "request id of the original event",
    ),
    ("addendum.originaleventid", "event id of the original event"),
    (
        "sessioncredentialfromconsole",
        "'true' when the session credentials came from the console",
    ),
    (
        "edgedevicedetails",
        "details of Snow/edge devices as JSON text",
    ),
    ("tlsdetails", "TLS details of the request"),
    ("tlsdetails.tlsversion", "TLS version, e.g. TLSv1.3"),
    ("tlsdetails.ciphersuite", "TLS cipher suite"),
    (
        "tlsdetails.clientprovidedhostheader",
        "host header the client sent",
    ),
];
