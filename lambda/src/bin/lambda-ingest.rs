//! `lambda-ingest`: S3 `ObjectCreated` notifications from the raw-log
//! buckets (CloudTrail, VPC Flow Logs, GuardDuty exports, custom JSON) →
//! each new object is read, recognised from its content and normalised into
//! the tables bucket, exactly as `mantissa ingest s3://…` does. The ingest
//! manifest (content hashes, DynamoDB in the deployment) makes a
//! redelivered notification a no-op; a malformed record goes to quarantine
//! and the rest of the object is ingested.

use std::sync::Arc;

use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use mantissa_core::ingest::{IngestOptions, Ingestor, NoProgress, Source};
use mantissa_core::storage::Storage;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let ingestor = mantissa_lambda::start(init()).await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| {
        let ingestor = ingestor.clone();
        async move { handle(ingestor, event.payload).await }
    }))
    .await
}

async fn init() -> anyhow::Result<Ingestor> {
    Ok(mantissa_lambda::compose().await?.ingestor()?)
}

async fn handle(ingestor: Arc<Ingestor>, event: S3Event) -> Result<Value, Error> {
    let mut sources = Vec::new();
    for record in &event.records {
        let (Some(bucket), Some(key)) = (&record.s3.bucket.name, &record.s3.object.key) else {
            tracing::warn!("an S3 event record without a bucket or key was ignored");
            continue;
        };
        let key = object_key(key);
        tracing::info!(bucket = %bucket, key = %key, "new object");
        sources.push(match Storage::from_url(&format!("s3://{bucket}/")) {
            Ok(storage) => Source::Objects {
                storage,
                prefix: key,
            },
            Err(e) => Source::Unusable {
                name: format!("s3://{bucket}/{key}"),
                why: e.to_string(),
            },
        });
    }
    // Ingest reads and writes through a runtime of its own: off this one.
    let report = tokio::task::spawn_blocking(move || {
        ingestor.ingest(&sources, &IngestOptions::default(), &NoProgress)
    })
    .await??;
    tracing::info!(
        files_read = report.files_read,
        files_skipped = report.files_skipped,
        files_failed = report.files_failed,
        rows = report.records_total(),
        quarantined = report.quarantined_total(),
        "ingested"
    );
    Ok(serde_json::to_value(&report)?)
}

/// An S3 event's key is URL-encoded, spaces as `+`.
fn object_key(encoded: &str) -> String {
    percent_encoding::percent_decode_str(&encoded.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn event_keys_are_decoded() {
        assert_eq!(
            super::object_key("AWSLogs/1/CloudTrail/trail+file%3D1.json.gz"),
            "AWSLogs/1/CloudTrail/trail file=1.json.gz"
        );
    }
}
