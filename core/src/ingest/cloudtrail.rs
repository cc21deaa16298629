//! CloudTrail records → the `cloudtrail` table.
//!
//! Records are parsed with borrowed, lenient types: unknown and future fields
//! are ignored, unknown regions and account ids are kept as text, and
//! free-form members (`requestParameters`, …) are kept as compact JSON text.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringBuilder, TimestampMicrosecondBuilder};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::columns::{StrStruct, StrStructList, struct_fields};
use super::json::{Text, opt, raw_text};
use super::record::{RecordError, UNRECOGNISED};
use super::time::{Micros, parse_time};

/// A CloudTrail record, borrowed from the input.
#[derive(Debug, Deserialize)]
pub struct Record<'a> {
    #[serde(borrow, rename = "eventVersion")]
    event_version: Option<Text<'a>>,
    #[serde(borrow, rename = "userIdentity")]
    user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow, rename = "eventTime")]
    event_time: Option<Text<'a>>,
    #[serde(borrow, rename = "@timestamp")]
    shipper_time: Option<Text<'a>>,
    #[serde(borrow, rename = "eventSource")]
    event_source: Option<Text<'a>>,
    #[serde(borrow, rename = "eventName")]
    event_name: Option<Text<'a>>,
    #[serde(borrow, rename = "awsRegion")]
    aws_region: Option<Text<'a>>,
    #[serde(borrow, rename = "sourceIPAddress", alias = "sourceIpAddress")]
    source_ip: Option<Text<'a>>,
    #[serde(borrow, rename = "userAgent")]
    user_agent: Option<Text<'a>>,
    #[serde(borrow, rename = "errorCode")]
    error_code: Option<Text<'a>>,
    #[serde(borrow, rename = "errorMessage")]
    error_message: Option<Text<'a>>,
    #[serde(borrow, rename = "requestParameters")]
    request_parameters: Option<&'a RawValue>,
    #[serde(borrow, rename = "responseElements")]
    response_elements: Option<&'a RawValue>,
    #[serde(borrow, rename = "additionalEventData")]
    additional_event_data: Option<&'a RawValue>,
    #[serde(borrow, rename = "requestID", alias = "requestId")]
    request_id: Option<Text<'a>>,
    #[serde(borrow, rename = "eventID", alias = "eventId")]
    event_id: Option<Text<'a>>,
    #[serde(borrow, rename = "readOnly")]
    read_only: Option<Text<'a>>,
    #[serde(borrow)]
    resources: Option<Vec<MaybeResource<'a>>>,
    #[serde(borrow, rename = "eventType")]
    event_type: Option<Text<'a>>,
    #[serde(borrow, rename = "apiVersion")]
    api_version: Option<Text<'a>>,
    #[serde(borrow, rename = "recipientAccountId")]
    recipient_account_id: Option<Text<'a>>,
    #[serde(borrow, rename = "serviceEventDetails")]
    service_event_details: Option<&'a RawValue>,
    #[serde(borrow, rename = "sharedEventID", alias = "sharedEventId")]
    shared_event_id: Option<Text<'a>>,
    #[serde(borrow, rename = "vpcEndpointId")]
    vpc_endpoint_id: Option<Text<'a>>,
    #[serde(borrow, rename = "vpcEndpointAccountId")]
    vpc_endpoint_account_id: Option<Text<'a>>,
    #[serde(borrow, rename = "eventCategory")]
    event_category: Option<Text<'a>>,
    #[serde(borrow, rename = "managementEvent")]
    management_event: Option<Text<'a>>,
    #[serde(borrow)]
    addendum: Option<Addendum<'a>>,
    #[serde(borrow, rename = "sessionCredentialFromConsole")]
    session_credential_from_console: Option<Text<'a>>,
    #[serde(borrow, rename = "edgeDeviceDetails")]
    edge_device_details: Option<&'a RawValue>,
    #[serde(borrow, rename = "tlsDetails")]
    tls_details: Option<TlsDetails<'a>>,
}

#[derive(Debug, Deserialize)]
struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(borrow, rename = "principalId")]
    principal_id: Option<Text<'a>>,
    #[serde(borrow)]
    arn: Option<Text<'a>>,
    #[serde(borrow, rename = "accountId")]
    account_id: Option<Text<'a>>,
    #[serde(borrow, rename = "invokedBy")]
    invoked_by: Option<Text<'a>>,
    #[serde(borrow, rename = "accessKeyId")]
    access_key_id: Option<Text<'a>>,
    #[serde(borrow, rename = "userName")]
    user_name: Option<Text<'a>>,
    #[serde(borrow, rename = "sessionContext")]
    session_context: Option<SessionContext<'a>>,
}

#[derive(Debug, Deserialize)]
struct SessionContext<'a> {
    #[serde(borrow)]
    attributes: Option<Attributes<'a>>,
    #[serde(borrow, rename = "sessionIssuer")]
    session_issuer: Option<SessionIssuer<'a>>,
    #[serde(borrow, rename = "ec2RoleDelivery")]
    ec2_role_delivery: Option<Text<'a>>,
    #[serde(borrow, rename = "sourceIdentity")]
    source_identity: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct Attributes<'a> {
    #[serde(borrow, rename = "mfaAuthenticated")]
    mfa_authenticated: Option<Text<'a>>,
    #[serde(borrow, rename = "creationDate")]
    creation_date: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct SessionIssuer<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(borrow, rename = "principalId")]
    principal_id: Option<Text<'a>>,
    #[serde(borrow)]
    arn: Option<Text<'a>>,
    #[serde(borrow, rename = "accountId")]
    account_id: Option<Text<'a>>,
    #[serde(borrow, rename = "userName")]
    user_name: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct Resource<'a> {
    #[serde(borrow, rename = "ARN", alias = "arn")]
    arn: Option<Text<'a>>,
    #[serde(borrow, rename = "accountId")]
    account_id: Option<Text<'a>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
}

/// A `resources` element; one that is not an object (seen in the wild as a
/// stringified dict) becomes an element with NULL fields instead of
/// rejecting the whole record.
#[derive(Debug)]
struct MaybeResource<'a>(Option<Resource<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for MaybeResource<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: &'de RawValue = Deserialize::deserialize(d)?;
        Ok(MaybeResource(serde_json::from_str(raw.get()).ok()))
    }
}

#[derive(Debug, Deserialize)]
struct Addendum<'a> {
    #[serde(borrow)]
    reason: Option<Text<'a>>,
    #[serde(borrow, rename = "updatedFields")]
    updated_fields: Option<Text<'a>>,
    #[serde(borrow, rename = "originalRequestID", alias = "originalRequestId")]
    original_request_id: Option<Text<'a>>,
    #[serde(borrow, rename = "originalEventID", alias = "originalEventId")]
    original_event_id: Option<Text<'a>>,
}

#[derive(Debug, Deserialize)]
struct TlsDetails<'a> {
    #[serde(borrow, rename = "tlsVersion")]
    tls_version: Option<Text<'a>>,
    #[serde(borrow, rename = "cipherSuite")]
    cipher_suite: Option<Text<'a>>,
    #[serde(borrow, rename = "clientProvidedHostHeader")]
    client_provided_host_header: Option<Text<'a>>,
}

/// A record ready to append: parsed, validated, with its event time.
#[derive(Debug)]
pub struct Parsed<'a> {
    record: Record<'a>,
    /// Event time.
    pub time: Micros,
    error_code: Option<Cow<'a, str>>,
}

/// Parses and validates one record.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, RecordError> {
    let record: Record<'_> = serde_json::from_slice(bytes).map_err(|e| RecordError::json(&e))?;
    validate(record)
}

fn validate(record: Record<'_>) -> Result<Parsed<'_>, RecordError> {
    if record.event_name.is_none()
        && record.event_source.is_none()
        && record.event_version.is_none()
        && record.event_time.is_none()
    {
        return Err(RecordError::new(
            UNRECOGNISED,
            "not a CloudTrail record: none of eventName, eventSource, eventVersion, eventTime",
        ));
    }
    let time_text = record.event_time.as_ref().or(record.shipper_time.as_ref());
    let Some(time_text) = time_text else {
        return Err(RecordError::new(
            "missing eventtime",
            "field `eventTime` is missing",
        ));
    };
    let Some(time) = parse_time(time_text.as_str()) else {
        return Err(RecordError::new(
            "bad eventtime",
            format!(
                "field `eventTime`: `{}` is not a timestamp; expected e.g. 2024-07-31T13:06:24Z",
                time_text.as_str()
            ),
        ));
    };
    match opt(&record.event_name) {
        Some(n) if !n.is_empty() => {}
        _ => {
            return Err(RecordError::new(
                "missing eventname",
                "field `eventName` is missing or empty",
            ));
        }
    }
    // CloudTrail records failed console sign-ins without an errorCode (only
    // errorMessage and responseElements.ConsoleLogin = "Failure"). Carry the
    // message into errorcode so `errorcode IS NOT NULL` finds failures, as
    // analysts (and the product's example rules) expect.
    let mut error_code = record.error_code.as_ref().map(|t| t.0.clone());
    if error_code.is_none()
        && opt(&record.event_name) == Some("ConsoleLogin")
        && record
            .response_elements
            .is_some_and(|r| r.get().contains("\"Failure\""))
    {
        error_code = Some(
            record
                .error_message
                .as_ref()
                .map(|t| t.0.clone())
                .unwrap_or(Cow::Borrowed("Failed authentication")),
        );
    }
    Ok(Parsed {
        record,
        time,
        error_code,
    })
}

/// Columnar builder for the `cloudtrail` table.
#[derive(Debug)]
pub struct Builder {
    schema: SchemaRef,
    len: usize,
    eventversion: StringBuilder,
    ui: [StringBuilder; 7],
    ui_nulls: datafusion::arrow::array::NullBufferBuilder,
    sc_attributes: StrStruct<2>,
    sc_issuer: StrStruct<5>,
    sc_ec2roledelivery: StringBuilder,
    sc_sourceidentity: StringBuilder,
    sc_nulls: datafusion::arrow::array::NullBufferBuilder,
    eventtime: TimestampMicrosecondBuilder,
    strings1: [StringBuilder; 13],
    resources: StrStructList<3>,
    strings2: [StringBuilder; 9],
    addendum: StrStruct<4>,
    sessioncredentialfromconsole: StringBuilder,
    edgedevicedetails: StringBuilder,
    tlsdetails: StrStruct<3>,
}

fn sb<const N: usize>() -> [StringBuilder; N] {
    std::array::from_fn(|_| StringBuilder::new())
}

impl Builder {
    /// A builder for `schema` (the catalog's `cloudtrail` schema).
    pub fn new(schema: SchemaRef) -> Self {
        Self {
            schema,
            len: 0,
            eventversion: StringBuilder::new(),
            ui: sb(),
            ui_nulls: datafusion::arrow::array::NullBufferBuilder::new(0),
            sc_attributes: StrStruct::default(),
            sc_issuer: StrStruct::default(),
            sc_ec2roledelivery: StringBuilder::new(),
            sc_sourceidentity: StringBuilder::new(),
            sc_nulls: datafusion::arrow::array::NullBufferBuilder::new(0),
            eventtime: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            strings1: sb(),
            resources: StrStructList::default(),
            strings2: sb(),
            addendum: StrStruct::default(),
            sessioncredentialfromconsole: StringBuilder::new(),
            edgedevicedetails: StringBuilder::new(),
            tlsdetails: StrStruct::default(),
        }
    }

    /// Rows buffered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no rows are buffered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a parsed record.
    pub fn append(&mut self, p: &Parsed<'_>) {
        let r = &p.record;
        self.len += 1;
        self.eventversion.append_option(opt(&r.event_version));
        match &r.user_identity {
            Some(u) => {
                let vals = [
                    opt(&u.kind),
                    opt(&u.principal_id),
                    opt(&u.arn),
                    opt(&u.account_id),
                    opt(&u.invoked_by),
                    opt(&u.access_key_id),
                    opt(&u.user_name),
                ];
                for (b, v) in self.ui.iter_mut().zip(vals) {
                    b.append_option(v);
                }
                self.ui_nulls.append_non_null();
                match &u.session_context {
                    Some(sc) => {
                        self.sc_attributes.append(
                            sc.attributes
                                .as_ref()
                                .map(|a| [opt(&a.mfa_authenticated), opt(&a.creation_date)]),
                        );
                        self.sc_issuer.append(sc.session_issuer.as_ref().map(|i| {
                            [
                                opt(&i.kind),
                                opt(&i.principal_id),
                                opt(&i.arn),
                                opt(&i.account_id),
                                opt(&i.user_name),
                            ]
                        }));
                        self.sc_ec2roledelivery
                            .append_option(opt(&sc.ec2_role_delivery));
                        self.sc_sourceidentity
                            .append_option(opt(&sc.source_identity));
                        self.sc_nulls.append_non_null();
                    }
                    None => self.null_session_context(),
                }
            }
            None => {
                for b in &mut self.ui {
                    b.append_null();
                }
                self.ui_nulls.append_null();
                self.null_session_context();
            }
        }
        self.eventtime.append_value(p.time);
        let rp = raw_text(&r.request_parameters);
        let re = raw_text(&r.response_elements);
        let ad = raw_text(&r.additional_event_data);
        let s1: [Option<&str>; 13] = [
            opt(&r.event_source),
            opt(&r.event_name),
            opt(&r.aws_region),
            opt(&r.source_ip),
            opt(&r.user_agent),
            p.error_code.as_deref(),
            opt(&r.error_message),
            rp.as_deref(),
            re.as_deref(),
            ad.as_deref(),
            opt(&r.request_id),
            opt(&r.event_id),
            opt(&r.read_only),
        ];
        for (b, v) in self.strings1.iter_mut().zip(s1) {
            b.append_option(v);
        }
        self.resources.append(r.resources.as_ref().map(|list| {
            list.iter().map(|x| match &x.0 {
                Some(x) => [opt(&x.arn), opt(&x.account_id), opt(&x.kind)],
                None => [None, None, None],
            })
        }));
        let sed = raw_text(&r.service_event_details);
        let s2: [Option<&str>; 9] = [
            opt(&r.event_type),
            opt(&r.api_version),
            opt(&r.recipient_account_id),
            sed.as_deref(),
            opt(&r.shared_event_id),
            opt(&r.vpc_endpoint_id),
            opt(&r.vpc_endpoint_account_id),
            opt(&r.event_category),
            opt(&r.management_event),
        ];
        for (b, v) in self.strings2.iter_mut().zip(s2) {
            b.append_option(v);
        }
        self.addendum.append(r.addendum.as_ref().map(|a| {
            [
                opt(&a.reason),
                opt(&a.updated_fields),
                opt(&a.original_request_id),
                opt(&a.original_event_id),
            ]
        }));
        self.sessioncredentialfromconsole
            .append_option(opt(&r.session_credential_from_console));
        let edd = raw_text(&r.edge_device_details);
        self.edgedevicedetails.append_option(edd.as_deref());
        self.tlsdetails.append(r.tls_details.as_ref().map(|t| {
            [
                opt(&t.tls_version),
                opt(&t.cipher_suite),
                opt(&t.client_provided_host_header),
            ]
        }));
    }

    fn null_session_context(&mut self) {
        self.sc_attributes.append(None);
        self.sc_issuer.append(None);
        self.sc_ec2roledelivery.append_null();
        self.sc_sourceidentity.append_null();
        self.sc_nulls.append_null();
    }

    /// Finishes the buffered rows into a batch and resets the builder.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        use datafusion::arrow::array::StructArray;
        let schema = self.schema.clone();
        let field = |name: &str| schema.field_with_name(name).map(|f| f.data_type().clone());
        let ui_fields = struct_fields(&field("useridentity")?)?.clone();
        let sc_type = ui_fields
            .find("sessioncontext")
            .map(|(_, f)| f.data_type().clone())
            .ok_or_else(|| ArrowError::SchemaError("useridentity.sessioncontext missing".into()))?;
        let sc_fields = struct_fields(&sc_type)?.clone();
        let sub = |name: &str| -> Result<datafusion::arrow::datatypes::Fields, ArrowError> {
            let (_, f) = sc_fields
                .find(name)
                .ok_or_else(|| ArrowError::SchemaError(format!("sessioncontext.{name} missing")))?;
            Ok(struct_fields(f.data_type())?.clone())
        };
        let sc = StructArray::try_new(
            sc_fields.clone(),
            vec![
                Arc::new(self.sc_attributes.finish(&sub("attributes")?)?) as ArrayRef,
                Arc::new(self.sc_issuer.finish(&sub("sessionissuer")?)?),
                Arc::new(self.sc_ec2roledelivery.finish()),
                Arc::new(self.sc_sourceidentity.finish()),
            ],
            self.sc_nulls.finish(),
        )?;
        let mut ui_children: Vec<ArrayRef> = self
            .ui
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        ui_children.push(Arc::new(sc));
        let ui = StructArray::try_new(ui_fields, ui_children, self.ui_nulls.finish())?;

        let mut cols: Vec<ArrayRef> = vec![Arc::new(self.eventversion.finish()), Arc::new(ui)];
        cols.push(Arc::new(self.eventtime.finish()));
        cols.extend(
            self.strings1
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.resources.finish(&field("resources")?)?));
        cols.extend(
            self.strings2
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(
            self.addendum.finish(struct_fields(&field("addendum")?)?)?,
        ));
        cols.push(Arc::new(self.sessioncredentialfromconsole.finish()));
        cols.push(Arc::new(self.edgedevicedetails.finish()));
        cols.push(Arc::new(
            self.tlsdetails
                .finish(struct_fields(&field("tlsdetails")?)?)?,
        ));
        self.len = 0;
        RecordBatch::try_new(schema, cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn failed_console_login_gets_errorcode() {
        let rec = br#"{"eventVersion":"1.05","eventTime":"2020-10-30T23:25:32Z","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","responseElements":{"ConsoleLogin":"Failure"},"errorMessage":"Failed authentication","userIdentity":{"type":"Root","principalId":"1"}}"#;
        let p = parse(rec).unwrap();
        assert_eq!(p.error_code.as_deref(), Some("Failed authentication"));
        let ok = br#"{"eventTime":"2020-10-30T23:25:32Z","eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Success"}}"#;
        assert_eq!(parse(ok).unwrap().error_code, None);
    }

    #[test]
    fn errors_are_specific() {
        assert_eq!(
            parse(br#"{"eventName":"X"}"#).unwrap_err().reason,
            "missing eventtime"
        );
        assert_eq!(
            parse(br#"{"eventName":"X","eventTime":"soon"}"#)
                .unwrap_err()
                .reason,
            "bad eventtime"
        );
        assert_eq!(
            parse(br#"{"eventTime":"2020-10-30T23:25:32Z"}"#)
                .unwrap_err()
                .reason,
            "missing eventname"
        );
        assert_eq!(parse(br#"{"foo":1}"#).unwrap_err().reason, UNRECOGNISED);
        assert_eq!(
            parse(br#"{"eventName":"X",}"#).unwrap_err().reason,
            "bad json"
        );
        assert_eq!(
            parse(br#"{"eventName":"X""#).unwrap_err().reason,
            "truncated json"
        );
        assert_eq!(
            parse(br#"{"eventName":"X","userIdentity":"root"}"#)
                .unwrap_err()
                .reason,
            "invalid field"
        );
    }

    #[test]
    fn builds_a_batch_matching_the_catalog() {
        let catalog = Catalog::builtin();
        let schema = catalog.get("cloudtrail").unwrap().schema.clone();
        let mut b = Builder::new(schema.clone());
        let recs: [&[u8]; 2] = [
            br#"{"eventTime":"2024-07-31T13:06:24Z","eventName":"StopLogging","awsRegion":"apiso-centralnorth-2r","readOnly":false,"requestParameters":{"name":"t"},"resources":[{"ARN":"arn:x","accountId":"1","type":"AWS::CloudTrail::Trail"}],"userIdentity":{"type":"IAMUser","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"tlsDetails":{"tlsVersion":"TLSv1.3"},"futureField":{"x":1}}"#,
            br#"{"eventTime":"2024-07-31T13:07:24Z","eventName":"GetObject"}"#,
        ];
        for r in recs {
            b.append(&parse(r).unwrap());
        }
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.schema(), schema);
        assert_eq!(b.len(), 0);
    }
}
