//! Recognises which log source a file holds, from its first records, and
//! which envelope (if any) wraps each record.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::json::Text;

/// What wraps each record of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// The record is the top-level value.
    None,
    /// EventBridge: the record is the `detail` member.
    Detail,
    /// Splunk HEC / rule-test style: the record is the `event` member.
    Event,
    /// A `{"Records": [...]}` object (not at the start of the file).
    Records,
}

/// A built-in JSON source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonSource {
    /// CloudTrail events.
    CloudTrail,
    /// GuardDuty findings.
    GuardDuty,
}

#[derive(Deserialize)]
struct Sniff<'a> {
    #[serde(rename = "eventVersion")]
    event_version: Option<IgnoredAny>,
    #[serde(rename = "eventName")]
    event_name: Option<IgnoredAny>,
    #[serde(rename = "eventSource")]
    event_source: Option<IgnoredAny>,
    #[serde(rename = "eventTime")]
    event_time: Option<IgnoredAny>,
    #[serde(rename = "schemaVersion")]
    schema_version: Option<IgnoredAny>,
    #[serde(rename = "type")]
    kind: Option<IgnoredAny>,
    severity: Option<IgnoredAny>,
    resource: Option<IgnoredAny>,
    service: Option<IgnoredAny>,
    #[serde(borrow, rename = "detail-type")]
    detail_type: Option<Text<'a>>,
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(rename = "Records")]
    records: Option<IgnoredAny>,
}

/// Recognises one JSON record; `None` when it is neither CloudTrail nor GuardDuty.
pub fn sniff_record(bytes: &[u8]) -> Option<(JsonSource, Envelope)> {
    let s: Sniff<'_> = serde_json::from_slice(bytes).ok()?;
    if let Some(src) = direct(&s) {
        return Some((src, Envelope::None));
    }
    if s.records.is_some() {
        return Some((JsonSource::CloudTrail, Envelope::Records));
    }
    if let Some(detail) = s.detail {
        let is_gd = s
            .detail_type
            .as_ref()
            .is_some_and(|t| t.as_str().contains("GuardDuty"));
        if is_gd {
            return Some((JsonSource::GuardDuty, Envelope::Detail));
        }
        let inner: Sniff<'_> = serde_json::from_str(detail.get()).ok()?;
        return direct(&inner).map(|src| (src, Envelope::Detail));
    }
    if let Some(event) = s.event {
        let inner: Sniff<'_> = serde_json::from_str(event.get()).ok()?;
        return direct(&inner).map(|src| (src, Envelope::Event));
    }
    None
}

fn direct(s: &Sniff<'_>) -> Option<JsonSource> {
    if s.schema_version.is_some()
        && s.kind.is_some()
        && (s.severity.is_some() || s.resource.is_some() || s.service.is_some())
    {
        return Some(JsonSource::GuardDuty);
    }
    if s.event_name.is_some()
        || s.event_source.is_some()
        || s.event_version.is_some()
        || s.event_time.is_some()
    {
        return Some(JsonSource::CloudTrail);
    }
    None
}

#[derive(Deserialize)]
struct DetailEnv<'a> {
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct EventEnv<'a> {
    #[serde(borrow)]
    event: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RecordsEnv<'a> {
    #[serde(borrow, rename = "Records")]
    records: Option<Vec<&'a RawValue>>,
}

/// Removes the envelope from a record: the inner records' bytes.
pub fn unwrap(bytes: &[u8], envelope: Envelope) -> Result<Vec<&[u8]>, serde_json::Error> {
    Ok(match envelope {
        Envelope::None => vec![bytes],
        Envelope::Detail => {
            let e: DetailEnv<'_> = serde_json::from_slice(bytes)?;
            e.detail
                .map(|r| vec![r.get().as_bytes()])
                .unwrap_or_else(|| vec![bytes])
        }
        Envelope::Event => {
            let e: EventEnv<'_> = serde_json::from_slice(bytes)?;
            e.event
                .map(|r| vec![r.get().as_bytes()])
                .unwrap_or_else(|| vec![bytes])
        }
        Envelope::Records => {
            let e: RecordsEnv<'_> = serde_json::from_slice(bytes)?;
            match e.records {
                Some(list) => list.into_iter().map(|r| r.get().as_bytes()).collect(),
                None => vec![bytes],
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_sources_and_envelopes() {
        assert_eq!(
            sniff_record(br#"{"eventName":"X"}"#),
            Some((JsonSource::CloudTrail, Envelope::None))
        );
        assert_eq!(
            sniff_record(br#"{"schemaVersion":"2.0","type":"Recon:EC2/PortProbeUnprotectedPort","severity":2}"#),
            Some((JsonSource::GuardDuty, Envelope::None))
        );
        assert_eq!(
            sniff_record(br#"{"detail-type":"GuardDuty Finding","detail":{"id":"1"}}"#),
            Some((JsonSource::GuardDuty, Envelope::Detail))
        );
        assert_eq!(
            sniff_record(br#"{"rule_id":"x","event":{"eventName":"ConsoleLogin"}}"#),
            Some((JsonSource::CloudTrail, Envelope::Event))
        );
        assert_eq!(
            sniff_record(br#"{"Records":[]}"#),
            Some((JsonSource::CloudTrail, Envelope::Records))
        );
        assert_eq!(sniff_record(br#"{"srcAddr":"1.2.3.4"}"#), None);
        assert_eq!(sniff_record(b"not json"), None);
    }

    #[test]
    fn unwraps() {
        let inner = unwrap(br#"{"event":{"a":1}}"#, Envelope::Event).unwrap();
        assert_eq!(inner, vec![br#"{"a":1}"#.as_slice()]);
        let inner = unwrap(br#"{"x":1,"Records":[{"a":1},{"b":2}]}"#, Envelope::Records).unwrap();
        assert_eq!(inner.len(), 2);
    }
}
