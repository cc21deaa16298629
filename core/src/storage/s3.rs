//! Amazon S3 behind the storage seam: an [`ObjectStore`] over the AWS SDK's
//! S3 client (`aws-sdk-s3`), so `s3://` tables and raw-log buckets use the
//! same HTTP/TLS stack, credentials chain and `AWS_ENDPOINT_URL[_S3]` as
//! every other AWS client of the product (object_store's own S3 client
//! would bring a second reqwest and ring).
//!
//! What ingest, the query engine and rules loading need, faithfully: ranged
//! and conditional GETs, HEAD, PUT (with `If-None-Match: *` for create-only
//! writes and `If-Match` for updates), paged listing with and without a
//! delimiter, copy, delete. Multipart uploads are buffered and sent as one
//! PUT on completion (objects here are Parquet files and rules, far below
//! S3's 5 GB single-PUT limit).
//!
//! Against a local server (`AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3` set)
//! requests use path-style addressing, which local servers expect.

use std::fmt;
use std::ops::Range;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyMode, CopyOptions, GetOptions, GetRange, GetResult, GetResultPayload, ListResult,
    MultipartUpload, ObjectMeta, ObjectStore, PutMode, PutMultipartOptions, PutOptions, PutPayload,
    PutResult, UploadPart,
};
use tokio::sync::OnceCell;

const STORE: &str = "S3";

/// One bucket.
pub struct S3Store {
    bucket: String,
    client: std::sync::Arc<OnceCell<Client>>,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .finish()
    }
}

impl fmt::Display for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S3Store({})", self.bucket)
    }
}

impl S3Store {
    /// `bucket`, with a client from the AWS SDK's environment made on first use.
    pub fn from_env(bucket: &str) -> Self {
        Self {
            bucket: bucket.to_string(),
            client: std::sync::Arc::new(OnceCell::new()),
        }
    }

    /// `bucket` through `client`.
    pub fn with_client(bucket: &str, client: Client) -> Self {
        Self {
            bucket: bucket.to_string(),
            client: std::sync::Arc::new(OnceCell::new_with(Some(client))),
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn client(&self) -> &Client {
        client(&self.client).await
    }

    /// Start-up check: the bucket exists and is reachable with these
    /// credentials (`HeadBucket`).
    pub async fn verify(&self) -> Result<(), String> {
        self.client()
            .await
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| match e.raw_response().map(|r| r.status().as_u16()) {
                Some(404) => format!("the S3 bucket `{}` does not exist", self.bucket),
                Some(403) => format!(
                    "access to the S3 bucket `{}` is denied (s3:ListBucket); check the credentials and the bucket policy",
                    self.bucket
                ),
                _ => format!("cannot reach the S3 bucket `{}`: {}", self.bucket, message(&e)),
            })
    }
}

async fn client(cell: &OnceCell<Client>) -> &Client {
    cell.get_or_init(|| async {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let local = std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some();
        let config = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(local)
            .build();
        Client::from_conf(config)
    })
    .await
}

fn message<E: ProvideErrorMetadata + fmt::Debug, R>(e: &SdkError<E, R>) -> String {
    match e {
        SdkError::ServiceError(s) => match (s.err().code(), s.err().message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            _ => format!("{:?}", s.err()),
        },
        SdkError::DispatchFailure(_) => {
            "cannot reach S3; check AWS_REGION and AWS_ENDPOINT_URL".into()
        }
        other => other.to_string(),
    }
}

#[derive(Debug)]
struct Failure(String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

type Response = aws_sdk_s3::config::http::HttpResponse;

/// Maps an SDK error to object_store's kinds by HTTP status and code.
fn error<E: ProvideErrorMetadata + fmt::Debug>(
    path: &str,
    e: SdkError<E, Response>,
    create: bool,
) -> object_store::Error {
    let status = e.raw_response().map(|r| r.status().as_u16());
    let code = e
        .as_service_error()
        .and_then(|s| s.code())
        .unwrap_or_default()
        .to_string();
    let source = Box::new(Failure(message(&e)));
    let path = path.to_string();
    match (status, code.as_str()) {
        (Some(404), _) | (_, "NoSuchKey" | "NotFound" | "NoSuchBucket") => {
            object_store::Error::NotFound { path, source }
        }
        (Some(412), _) | (_, "PreconditionFailed") if create => {
            object_store::Error::AlreadyExists { path, source }
        }
        (Some(412), _) | (_, "PreconditionFailed") => {
            object_store::Error::Precondition { path, source }
        }
        (Some(304), _) => object_store::Error::NotModified { path, source },
        (Some(403), _) | (_, "AccessDenied") => {
            object_store::Error::PermissionDenied { path, source }
        }
        (Some(401), _) => object_store::Error::Unauthenticated { path, source },
        _ => object_store::Error::Generic {
            store: STORE,
            source,
        },
    }
}

fn to_time(t: Option<&aws_sdk_s3::primitives::DateTime>) -> DateTime<Utc> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
        .unwrap_or_default()
}

fn range_header(range: &GetRange) -> String {
    match range {
        GetRange::Bounded(r) => format!("bytes={}-{}", r.start, r.end.saturating_sub(1)),
        GetRange::Offset(o) => format!("bytes={o}-"),
        GetRange::Suffix(n) => format!("bytes=-{n}"),
    }
}

/// `bytes a-b/total` → (a..b+1, total).
fn content_range(header: &str) -> Option<(Range<u64>, u64)> {
    let rest = header.strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
    Some((a..b + 1, total.parse().ok()?))
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        let bytes: Bytes = payload.into();
        let mut request = self
            .client()
            .await
            .put_object()
            .bucket(&self.bucket)
            .key(location.as_ref())
            .body(ByteStream::from(bytes));
        let create = matches!(opts.mode, PutMode::Create);
        match &opts.mode {
            PutMode::Overwrite => {}
            PutMode::Create => request = request.if_none_match("*"),
            PutMode::Update(v) => match &v.e_tag {
                Some(tag) => request = request.if_match(tag),
                None => {
                    return Err(object_store::Error::Generic {
                        store: STORE,
                        source: Box::new(Failure("an update needs an ETag".into())),
                    });
                }
            },
        }
        let out = request
            .send()
            .await
            .map_err(|e| error(location.as_ref(), e, create))?;
        Ok(PutResult {
            e_tag: out.e_tag().map(str::to_string),
            version: out.version_id().map(str::to_string),
        })
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        let _ = opts;
        Ok(Box::new(Buffered {
            store: S3Store {
                bucket: self.bucket.clone(),
                client: self.client.clone(),
            },
            location: location.clone(),
            parts: Vec::new(),
        }))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let key = location.as_ref();
        let client = self.client().await;
        if options.head {
            let mut request = client.head_object().bucket(&self.bucket).key(key);
            if let Some(t) = &options.if_match {
                request = request.if_match(t);
            }
            if let Some(t) = &options.if_none_match {
                request = request.if_none_match(t);
            }
            if let Some(v) = &options.version {
                request = request.version_id(v);
            }
            let out = request.send().await.map_err(|e| error(key, e, false))?;
            let size = out.content_length().unwrap_or(0).max(0) as u64;
            let meta = ObjectMeta {
                location: location.clone(),
                last_modified: to_time(out.last_modified()),
                size,
                e_tag: out.e_tag().map(str::to_string),
                version: out.version_id().map(str::to_string),
            };
            return Ok(GetResult {
                payload: GetResultPayload::Stream(futures::stream::empty().boxed()),
                meta,
                range: 0..size,
                attributes: Default::default(),
            });
        }
        let mut request = client.get_object().bucket(&self.bucket).key(key);
        if let Some(r) = &options.range {
            request = request.range(range_header(r));
        }
        if let Some(t) = &options.if_match {
            request = request.if_match(t);
        }
        if let Some(t) = &options.if_none_match {
            request = request.if_none_match(t);
        }
        if let Some(v) = &options.version {
            request = request.version_id(v);
        }
        let out = request.send().await.map_err(|e| error(key, e, false))?;
        let length = out.content_length().unwrap_or(0).max(0) as u64;
        let (range, size) = match out.content_range().and_then(content_range) {
            Some((range, total)) => (range, total),
            None => (0..length, length),
        };
        let meta = ObjectMeta {
            location: location.clone(),
            last_modified: to_time(out.last_modified()),
            size,
            e_tag: out.e_tag().map(str::to_string),
            version: out.version_id().map(str::to_string),
        };
        let path = key.to_string();
        let body = out.body;
        let stream = futures::stream::unfold(Some(body), move |state| {
            let path = path.clone();
            async move {
                let mut body = state?;
                match body.try_next().await {
                    Ok(Some(chunk)) => Some((Ok(chunk), Some(body))),
                    Ok(None) => None,
                    Err(e) => Some((
                        Err(object_store::Error::Generic {
                            store: STORE,
                            source: Box::new(Failure(format!("reading {path}: {e}"))),
                        }),
                        None,
                    )),
                }
            }
        })
        .boxed();
        Ok(GetResult {
            payload: GetResultPayload::Stream(stream),
            meta,
            range,
            attributes: Default::default(),
        })
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let bucket = self.bucket.clone();
        let cell = self.client.clone();
        locations
            .then(move |location| {
                let bucket = bucket.clone();
                let cell = cell.clone();
                async move {
                    let location = location?;
                    client(&cell)
                        .await
                        .delete_object()
                        .bucket(&bucket)
                        .key(location.as_ref())
                        .send()
                        .await
                        .map_err(|e| error(location.as_ref(), e, false))?;
                    Ok(location)
                }
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let bucket = self.bucket.clone();
        let cell = self.client.clone();
        let prefix = prefix
            .filter(|p| !p.as_ref().is_empty())
            .map(|p| format!("{}/", p.as_ref()));
        // (continuation token, finished)
        futures::stream::unfold((None::<String>, false), move |(token, done)| {
            let (bucket, cell, prefix) = (bucket.clone(), cell.clone(), prefix.clone());
            async move {
                if done {
                    return None;
                }
                let out = client(&cell)
                    .await
                    .list_objects_v2()
                    .bucket(&bucket)
                    .set_prefix(prefix.clone())
                    .set_continuation_token(token)
                    .send()
                    .await;
                let out = match out {
                    Ok(o) => o,
                    Err(e) => {
                        let e = error(prefix.as_deref().unwrap_or(""), e, false);
                        return Some((futures::stream::iter(vec![Err(e)]), (None, true)));
                    }
                };
                let objects: Vec<object_store::Result<ObjectMeta>> = out
                    .contents()
                    .iter()
                    .filter_map(|o| meta(o).map(Ok))
                    .collect();
                let next = out.next_continuation_token().map(str::to_string);
                let finished = !out.is_truncated().unwrap_or(false) || next.is_none();
                Some((futures::stream::iter(objects), (next, finished)))
            }
        })
        .flatten()
        .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let prefix = prefix
            .filter(|p| !p.as_ref().is_empty())
            .map(|p| format!("{}/", p.as_ref()));
        let client = self.client().await;
        if client.config().region().is_none() {
            // Without a region the SDK cannot pick an endpoint; say so
            // rather than "cannot reach S3".
            return Err(object_store::Error::Generic {
                store: STORE,
                source: Box::new(Failure(
                    "no AWS region is configured: set AWS_REGION (or a profile's region)".into(),
                )),
            });
        }
        let mut result = ListResult {
            common_prefixes: Vec::new(),
            objects: Vec::new(),
        };
        let mut token: Option<String> = None;
        loop {
            let out = client
                .list_objects_v2()
                .bucket(&self.bucket)
                .delimiter("/")
                .set_prefix(prefix.clone())
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| error(prefix.as_deref().unwrap_or(""), e, false))?;
            result
                .objects
                .extend(out.contents().iter().filter_map(meta));
            result.common_prefixes.extend(
                out.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix())
                    .map(|p| Path::from(p.trim_end_matches('/'))),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated().unwrap_or(false) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(result)
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        if matches!(options.mode, CopyMode::Create) {
            return Err(object_store::Error::NotImplemented {
                operation: "copy_if_not_exists".into(),
                implementer: "S3Store".into(),
            });
        }
        self.client()
            .await
            .copy_object()
            .bucket(&self.bucket)
            .key(to.as_ref())
            .copy_source(format!("{}/{}", self.bucket, from.as_ref()))
            .send()
            .await
            .map_err(|e| error(from.as_ref(), e, false))?;
        Ok(())
    }
}

fn meta(o: &aws_sdk_s3::types::Object) -> Option<ObjectMeta> {
    Some(ObjectMeta {
        location: Path::from(o.key()?),
        last_modified: to_time(o.last_modified()),
        size: o.size().unwrap_or(0).max(0) as u64,
        e_tag: o.e_tag().map(str::to_string),
        version: None,
    })
}

/// A multipart upload kept in memory and sent as one PUT on completion.
#[derive(Debug)]
struct Buffered {
    store: S3Store,
    location: Path,
    parts: Vec<PutPayload>,
}

#[async_trait]
impl MultipartUpload for Buffered {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        self.parts.push(data);
        Box::pin(async { Ok(()) })
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        let parts = std::mem::take(&mut self.parts);
        let mut all = Vec::new();
        for p in parts {
            for chunk in p.iter() {
                all.extend_from_slice(chunk);
            }
        }
        self.store
            .put_opts(&self.location, all.into(), PutOptions::default())
            .await
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        self.parts.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_map_to_http_and_back() {
        assert_eq!(range_header(&GetRange::Bounded(10..20)), "bytes=10-19");
        assert_eq!(range_header(&GetRange::Offset(5)), "bytes=5-");
        assert_eq!(range_header(&GetRange::Suffix(8)), "bytes=-8");
        assert_eq!(content_range("bytes 10-19/100"), Some((10..20, 100)));
        assert_eq!(content_range("bytes */100"), None);
    }
}
