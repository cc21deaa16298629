//! The storage seam: where the log tables live, as an [`object_store`]
//! location. Ingest publishes its Parquet files here and the query engine
//! lists and reads them from here; neither knows whether the tables are a
//! local directory (`file://`, the default `<data-dir>/tables`) or a bucket.
//!
//! A [`Storage`] is a store rooted at its scheme (`file:///`, `memory:///`,
//! `s3://bucket/`) plus a key prefix: the table `cloudtrail` of
//! `file:///var/lib/mantissa/tables` is the prefix
//! `var/lib/mantissa/tables/cloudtrail/` of the local file system store, the
//! layout the engine's listing tables expect.
//!
//! **Invariant:** ingest output becomes visible only through
//! [`Storage::publish`], once per finished file, so a query never lists half
//! a file.

#[cfg(feature = "s3")]
pub mod s3;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as Key;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};
use url::Url;

/// Why a storage location cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL does not parse or names no place.
    #[error("storage location `{url}` {why}")]
    Location {
        /// The URL as given.
        url: String,
        /// What is wrong and what to write instead.
        why: String,
    },
    /// The store refused or failed an operation.
    #[error("storage `{location}`")]
    Store {
        /// The object or prefix.
        location: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
    /// A local file could not be read or moved.
    #[error("storage `{location}`")]
    Io {
        /// The file.
        location: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// One object found under a prefix.
#[derive(Debug, Clone)]
pub struct Object {
    /// The key, relative to the storage's root.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
}

/// A place that holds tables (or raw logs): an object store and a prefix.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// `scheme://authority/`, the store's root.
    root: Url,
    /// Key prefix under the root, without slashes at either end ("" for none).
    prefix: String,
    /// The local directory, for `file://` (fast path for publishing).
    local: Option<PathBuf>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").field("url", &self.url()).finish()
    }
}

impl Storage {
    /// The local directory `dir` (created when something is published).
    pub fn local(dir: &Path) -> Self {
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let prefix = abs
            .to_string_lossy()
            .trim_matches(std::path::MAIN_SEPARATOR)
            .replace(std::path::MAIN_SEPARATOR, "/");
        Self {
            store: Arc::new(LocalFileSystem::new()),
            root: Url::parse("file:///").expect("a valid URL"),
            prefix,
            local: Some(abs),
        }
    }

    /// An empty store in this process (tests, and proof that nothing on the
    /// ingest and query paths needs a file system for the tables).
    pub fn in_memory() -> Self {
        Self::with_store(
            Arc::new(InMemory::new()),
            Url::parse("memory:///").expect("a valid URL"),
            "",
        )
    }

    /// `store` rooted at `root` (`scheme://authority/`), keys under `prefix`.
    pub fn with_store(store: Arc<dyn ObjectStore>, root: Url, prefix: &str) -> Self {
        Self {
            store,
            root,
            prefix: prefix.trim_matches('/').to_string(),
            local: None,
        }
    }

    /// The location a URL names: `file:///abs/dir` or `file://relative/dir`
    /// (relative to the working directory).
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        if let Some(why) = crate::config::storage_url_problem(url) {
            return Err(StorageError::Location {
                url: url.to_string(),
                why,
            });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            return Self::s3(url, bucket, prefix);
        }
        let path = url.strip_prefix("file://").unwrap_or(url);
        Ok(Self::local(Path::new(path)))
    }

    /// `s3://bucket/prefix`, with a client from the AWS SDK's environment.
    #[cfg(feature = "s3")]
    fn s3(url: &str, bucket: &str, prefix: &str) -> Result<Self, StorageError> {
        Self::over_s3(s3::S3Store::from_env(bucket), prefix).map_err(|e| StorageError::Location {
            url: url.to_string(),
            why: format!("does not name a bucket ({e})"),
        })
    }

    /// `s3://bucket/prefix` through `client` (tests, and callers that
    /// build their own S3 client).
    #[cfg(feature = "s3")]
    pub fn s3_with_client(client: aws_sdk_s3::Client, bucket: &str, prefix: &str) -> Self {
        Self::over_s3(s3::S3Store::with_client(bucket, client), prefix)
            .expect("a bucket name is a valid URL host")
    }

    #[cfg(feature = "s3")]
    fn over_s3(store: s3::S3Store, prefix: &str) -> Result<Self, url::ParseError> {
        let root = Url::parse(&format!("s3://{}/", store.bucket()))?;
        Ok(Self::with_store(Arc::new(store), root, prefix))
    }

    #[cfg(not(feature = "s3"))]
    fn s3(url: &str, _bucket: &str, _prefix: &str) -> Result<Self, StorageError> {
        Err(StorageError::Location {
            url: url.to_string(),
            why: "needs a build with the `aws` feature: cargo build --release --features aws"
                .into(),
        })
    }

    /// Start-up check that the location can be listed (one `LIST` of the
    /// prefix): for S3, the bucket exists and the credentials may read it.
    /// A local directory that does not exist yet is fine (it is created on
    /// first write).
    pub async fn verify(&self) -> Result<(), StorageError> {
        if self.local.is_some() {
            return Ok(());
        }
        let prefix = Key::from(self.prefix.as_str());
        let why = match self.store.list_with_delimiter(Some(&prefix)).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => format!(
                "does not exist: create the bucket `{}` (Terraform does in a deployment) or fix the URL",
                self.root.host_str().unwrap_or_default()
            ),
            Err(object_store::Error::PermissionDenied { source, .. }) => format!(
                "cannot be read with these credentials ({source}): allow s3:ListBucket on it, or use other credentials (AWS_PROFILE)"
            ),
            Err(e) => format!("cannot be reached: {e}"),
        };
        Err(StorageError::Location {
            url: self.url(),
            why,
        })
    }

    /// The location as a URL (`file:///var/lib/mantissa/tables`).
    pub fn url(&self) -> String {
        format!("{}{}", self.root, self.prefix)
    }

    /// The URL of `rel` below the location (`file:///…/tables/cloudtrail`).
    pub fn url_of(&self, rel: &str) -> String {
        format!("{}{}", self.root, self.key(rel).as_ref())
    }

    /// The store's root URL (`file:///`, `memory:///`, `s3://bucket/`), under
    /// which a query engine registers [`Storage::store`].
    pub fn root(&self) -> &Url {
        &self.root
    }

    /// The object store.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// The local directory, for `file://` locations.
    pub fn local_dir(&self) -> Option<&Path> {
        self.local.as_deref()
    }

    /// The URL of a directory below the location, ending in `/`
    /// (`file:///…/tables/cloudtrail/`), as a listing table wants it.
    pub fn dir_url(&self, rel: &str) -> String {
        format!("{}/", self.url_of(rel))
    }

    /// The store key of `rel` (a `/`-separated path below the location).
    pub fn key(&self, rel: &str) -> Key {
        let rel = rel.trim_matches('/');
        match (self.prefix.is_empty(), rel.is_empty()) {
            (true, _) => Key::from(rel),
            (false, true) => Key::from(self.prefix.as_str()),
            (false, false) => Key::from(format!("{}/{rel}", self.prefix)),
        }
    }

    /// A local directory for files on their way to `publish`: inside the
    /// location itself for `file://` (so publishing is an atomic rename on
    /// one file system; the engine never lists it), the system's temporary
    /// directory otherwise.
    pub fn staging_dir(&self, run: &str) -> PathBuf {
        match &self.local {
            Some(dir) => dir.join(".staging").join(run),
            None => std::env::temp_dir().join(format!("mantissa-staging-{run}")),
        }
    }

    /// Makes the finished local file `staged` visible as `rel`, consuming
    /// it: a rename on the local file system, one upload elsewhere.
    pub async fn publish(&self, staged: &Path, rel: &str) -> Result<(), StorageError> {
        let io = |location: String| move |source| StorageError::Io { location, source };
        if let Some(dir) = &self.local {
            let target = dir.join(rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent.display().to_string()))?;
            }
            return std::fs::rename(staged, &target).map_err(io(target.display().to_string()));
        }
        let bytes = std::fs::read(staged).map_err(io(staged.display().to_string()))?;
        self.put(rel, bytes).await?;
        let _ = std::fs::remove_file(staged);
        Ok(())
    }

    /// Writes `bytes` as `rel`.
    pub async fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        let key = self.key(rel);
        self.store
            .put(&key, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|source| self.store_error(&key, source))
    }

    /// Reads `rel` whole.
    pub async fn get(&self, rel: &str) -> Result<Vec<u8>, StorageError> {
        let key = self.key(rel);
        let got = self
            .store
            .get(&key)
            .await
            .map_err(|source| self.store_error(&key, source))?;
        got.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|source| self.store_error(&key, source))
    }

    /// The object `rel` itself (its size), or `None` when there is none.
    pub async fn head(&self, rel: &str) -> Result<Option<Object>, StorageError> {
        let key = self.key(rel);
        match self.store.head(&key).await {
            Ok(meta) => Ok(Some(Object {
                key: rel.to_string(),
                size: meta.size,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(self.store_error(&key, source)),
        }
    }

    /// Every object below `rel`, in key order. A prefix that holds nothing
    /// (or does not exist) lists nothing.
    pub async fn list(&self, rel: &str) -> Result<Vec<Object>, StorageError> {
        let prefix = self.key(rel);
        let metas: Vec<ObjectMeta> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|source| self.store_error(&prefix, source))?;
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut out: Vec<Object> = metas
            .into_iter()
            .map(|m| Object {
                key: m
                    .location
                    .as_ref()
                    .strip_prefix(&strip)
                    .unwrap_or(m.location.as_ref())
                    .to_string(),
                size: m.size,
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn store_error(&self, key: &Key, source: object_store::Error) -> StorageError {
        StorageError::Store {
            location: format!("{}{key}", self.root),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_locations_are_absolute_urls() {
        let s = Storage::local(Path::new("/var/lib/mantissa/tables"));
        assert_eq!(s.url(), "file:///var/lib/mantissa/tables");
        assert_eq!(
            s.dir_url("cloudtrail"),
            "file:///var/lib/mantissa/tables/cloudtrail/"
        );
        let m = Storage::in_memory();
        assert_eq!(m.url(), "memory:///");
        assert_eq!(m.url_of("AWSLogs/a.json"), "memory:///AWSLogs/a.json");
        assert_eq!(
            s.key("cloudtrail/dt=2026-12-01/a.parquet").as_ref(),
            "var/lib/mantissa/tables/cloudtrail/dt=2026-12-01/a.parquet"
        );
    }

    #[test]
    fn unknown_schemes_name_the_valid_ones() {
        let err = Storage::from_url("ftp://host/tables").unwrap_err();
        assert_eq!(
            err.to_string(),
            "storage location `ftp://host/tables` has an unsupported scheme; valid schemes: file://, s3://"
        );
        assert!(Storage::from_url("file://").is_err());
    }

    #[tokio::test]
    async fn published_files_are_listed_and_read_back() {
        for storage in [
            Storage::in_memory(),
            Storage::local(&tempfile::tempdir().unwrap().keep()),
        ] {
            let staging = storage.staging_dir("run1");
            std::fs::create_dir_all(&staging).unwrap();
            let staged = staging.join("a.parquet.tmp");
            std::fs::write(&staged, b"PAR1").unwrap();
            assert!(storage.list("cloudtrail").await.unwrap().is_empty());
            storage
                .publish(&staged, "cloudtrail/dt=2026-12-01/a.parquet")
                .await
                .unwrap();
            assert!(!staged.exists(), "publishing consumes the staged file");
            let listed = storage.list("cloudtrail").await.unwrap();
            assert_eq!(listed.len(), 1, "{listed:?}");
            assert_eq!(listed[0].key, "cloudtrail/dt=2026-12-01/a.parquet");
            assert_eq!(listed[0].size, 4);
            assert_eq!(
                &storage
                    .get("cloudtrail/dt=2026-12-01/a.parquet")
                    .await
                    .unwrap()[..],
                b"PAR1"
            );
        }
    }
}
