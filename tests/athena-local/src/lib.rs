//! The query runner behind a local Athena-protocol server: each query the
//! server receives runs on the embedded engine (DataFusion), built afresh
//! over the tables' storage so files ingested since are seen, exactly as
//! an Athena client sent it (after the Athena-dialect guard), with results
//! rendered the way Athena's API carries them.

use std::sync::Arc;

use mantissa_core::catalog::Catalog;
use mantissa_core::config::EngineConfig;
use mantissa_core::conformance::engine::run_as_athena;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::storage::Storage;
use mantissa_testkit::athena::{AthenaTable, Runner};

/// A runner over the tables at `tables` (`s3://bucket/prefix`, a directory).
pub fn runner(tables: Storage, catalog: Catalog) -> Runner {
    Arc::new(move |query| {
        let (tables, catalog) = (tables.clone(), catalog.clone());
        Box::pin(async move {
            let engine = DataFusionEngine::new(&catalog, &tables, &EngineConfig::default())
                .map_err(|e| e.to_string())?;
            let text = run_as_athena(&engine, &catalog, &query.sql).await?;
            Ok(AthenaTable {
                columns: text.columns,
                rows: text.rows,
                bytes_scanned: text.bytes_scanned,
            })
        })
    })
}
