//! The query runner behind a local Athena-protocol server: each query the
//! server receives runs on the embedded engine (DataFusion), built afresh
//! over the tables' storage so files ingested since are seen, exactly as
//! an Athena client sent it (after the Athena-dialect guard), with results
//! rendered the way Athena's API carries them.
//!
//! [`glue_runner`] finds the tables as Athena does: in a Glue database
//! (columns, types and `StorageDescriptor.Location`), read afresh for each
//! query; [`runner`] takes them from a storage URL and a catalog.

use std::sync::Arc;

use mantissa_core::catalog::Catalog;
use mantissa_core::catalog::glue_catalog::GlueCatalog;
use mantissa_core::config::EngineConfig;
use mantissa_core::conformance::engine::run_as_athena;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::storage::Storage;
use mantissa_testkit::athena::{AthenaTable, Runner};

/// A runner over the tables at `tables` (`s3://bucket/prefix`, a directory).
pub fn runner(tables: Storage, catalog: Catalog) -> Runner {
    Arc::new(move |query| {
        let (tables, catalog) = (tables.clone(), catalog.clone());
        Box::pin(async move { run(&catalog, &tables, &query.sql).await })
    })
}

/// Runs `sql` on a fresh embedded engine over `tables`, rendered as
/// Athena's API carries results.
async fn run(catalog: &Catalog, tables: &Storage, sql: &str) -> Result<AthenaTable, String> {
    let engine = DataFusionEngine::new(catalog, tables, &EngineConfig::default())
        .map_err(|e| e.to_string())?;
    let text = run_as_athena(&engine, catalog, sql).await?;
    Ok(AthenaTable {
        columns: text.columns,
        rows: text.rows,
        bytes_scanned: text.bytes_scanned,
    })
}

/// A runner over the tables of the Glue database `glue` describes: each
/// query reads the database's tables (so a table created since is seen) and
/// runs over the files at their locations, which must share one root
/// (`s3://bucket/prefix/<table>/`). `open` makes the storage of the tables' root URL (`Storage::from_url`
/// reaches S3 through the process's AWS environment).
pub fn glue_runner(glue: GlueCatalog, open: OpenStorage) -> Runner {
    Arc::new(move |query| {
        let (glue, open) = (glue.clone(), open.clone());
        Box::pin(async move {
            let (root, catalog) = from_glue(&glue).await?;
            let storage = open(&root)?;
            run(&catalog, &storage, &query.sql).await
        })
    })
}

/// Opens the storage at a URL.
pub type OpenStorage = Arc<dyn Fn(&str) -> Result<Storage, String> + Send + Sync>;

/// The tables' common storage root and their definitions.
async fn from_glue(glue: &GlueCatalog) -> Result<(String, Catalog), String> {
    let tables = glue.tables().await.map_err(|e| e.to_string())?;
    let mut root: Option<String> = None;
    for t in &tables {
        let location = t.location.trim_end_matches('/');
        let Some(base) = location.strip_suffix(&format!("/{}", t.def.name)) else {
            return Err(format!(
                "Glue table `{}` is at `{}`: this server reads tables at <root>/<table name>/",
                t.def.name, t.location
            ));
        };
        match &root {
            Some(r) if r != base => {
                return Err(format!(
                    "Glue tables under two roots (`{r}` and `{base}`): this server reads one"
                ));
            }
            _ => root = Some(base.to_string()),
        }
    }
    let Some(root) = root else {
        return Err(format!(
            "Glue database `{}` has no tables: create them with `mantissa tables --glue --apply`",
            glue.database()
        ));
    };
    Ok((
        format!("{root}/"),
        Catalog::from_tables(tables.into_iter().map(|t| t.def).collect()),
    ))
}
