//! The embedded engine: Apache DataFusion over the local Parquet tables.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::datafusion_errors::map_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_plan::execute_stream;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use super::pruning::TimePrunedTable;
use super::pruning::Visible;
use super::{EngineError, QueryEngine, QueryResult, QueryTime, Scan};
use crate::catalog::{Catalog, PARTITION_COLUMN, TableDef, string_view_schema};
use crate::config::EngineConfig;
use crate::guard::GuardedSql;
use crate::storage::Storage;
use datafusion::common::ScalarValue;
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::physical_plan::ExecutionPlan;

/// DataFusion over `<tables>/<table>/dt=*/**.parquet` in a [`Storage`]
/// (`<data-dir>/tables` by default).
#[derive(Clone)]
pub struct DataFusionEngine {
    ctx: SessionContext,
    limits: EngineConfig,
    /// Event-time column per table.
    time_columns: std::collections::HashMap<String, String>,
}

impl std::fmt::Debug for DataFusionEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataFusionEngine")
            .field("limits", &self.limits)
            .finish()
    }
}

impl DataFusionEngine {
    /// An engine over the tables of `catalog` stored in `tables`.
    pub fn new(
        catalog: &Catalog,
        tables: &Storage,
        limits: &EngineConfig,
    ) -> Result<Self, EngineError> {
        // DATAFUSION_* environment variables tune the engine (expert knobs,
        // e.g. DATAFUSION_EXECUTION_BATCH_SIZE); our defaults below apply
        // unless such a variable sets them.
        let base = SessionConfig::from_env().map_err(|e| EngineError::Internal(e.to_string()))?;
        let env_sets = |key: &str| std::env::var_os(key).is_some();
        let mut config = base
            .with_information_schema(false)
            .with_default_catalog_and_schema("mantissa", "logs")
            .with_create_default_catalog_and_schema(true);
        if let Some(n) = limits.target_partitions {
            config = config.with_target_partitions(n.max(1));
        }
        let opts = config.options_mut();
        // Strings are read as Utf8View (see `view_schema`); filters are
        // evaluated while decoding so selective queries skip work.
        if !env_sets("DATAFUSION_EXECUTION_PARQUET_PUSHDOWN_FILTERS") {
            opts.execution.parquet.pushdown_filters = true;
        }
        // File-level statistics cost ~10 ms of footer decoding per query on a
        // week of data and buy little here: partition pruning and row-group
        // statistics (read at scan time) do the pruning.
        if !env_sets("DATAFUSION_EXECUTION_COLLECT_STATISTICS") {
            opts.execution.collect_statistics = false;
        }
        if !env_sets("DATAFUSION_EXECUTION_PARQUET_REORDER_FILTERS") {
            opts.execution.parquet.reorder_filters = true;
        }
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(
                (limits.memory_limit_mb as usize).saturating_mul(1024 * 1024),
                1.0,
            )
            .build_arc()
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        runtime.register_object_store(tables.root(), tables.store());
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .with_physical_optimizer_rule(
                Arc::new(super::group_by::ViewKeyedAggregation::default()),
            )
            .build();
        let ctx = SessionContext::new_with_state(state);
        for udf in super::functions::all() {
            ctx.register_udf(udf);
        }
        for table in catalog.tables() {
            let provider = table_provider(table, tables)?;
            ctx.register_table(table.name.as_str(), provider)
                .map_err(|e| EngineError::Internal(e.to_string()))?;
        }
        Ok(Self {
            ctx,
            limits: limits.clone(),
            time_columns: catalog
                .tables()
                .iter()
                .map(|t| (t.name.clone(), t.time_column.clone()))
                .collect(),
        })
    }

    /// Runs `work` under the configured query time limit.
    async fn limited<T>(
        &self,
        work: impl Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        let secs = self.limits.query_timeout_secs.max(1);
        tokio::time::timeout(Duration::from_secs(secs), work)
            .await
            .unwrap_or(Err(EngineError::Timeout(secs)))
    }

    async fn run(&self, sql: &GuardedSql, time: QueryTime) -> Result<QueryResult, EngineError> {
        let started = Instant::now();
        let mut state = self.ctx.state();
        state.execution_props_mut().query_execution_start_time = Some(time.now);
        if time.as_of || time.since.is_some() {
            state.config_mut().set_extension(Arc::new(Visible {
                after: time.since.map(|t| t.timestamp_micros()),
                until: time.as_of.then(|| time.now.timestamp_micros()),
            }));
        }
        let plan = state
            .create_logical_plan(sql.embedded_sql())
            .await
            .map_err(map_error)?;
        let physical = state.create_physical_plan(&plan).await.map_err(map_error)?;
        let planned = started.elapsed();
        let mut stream = execute_stream(physical.clone(), state.task_ctx()).map_err(map_error)?;
        let schema = stream.schema();
        let limit = sql.row_limit() as usize;
        let mut batches = Vec::new();
        let mut rows = 0usize;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(map_error)?;
            let take = batch.num_rows().min(limit.saturating_sub(rows));
            if take < batch.num_rows() {
                batches.push(batch.slice(0, take));
                rows += take;
                break;
            }
            rows += batch.num_rows();
            batches.push(batch);
            if rows >= limit {
                break;
            }
        }
        tracing::debug!(
            message = "Query executed.",
            plan_ms = planned.as_secs_f64() * 1e3,
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            rows
        );
        let schema = Arc::new(Schema::new(schema.fields().clone()));
        Ok(QueryResult {
            sql: sql.sql().to_string(),
            schema,
            batches,
            row_count: rows,
            truncated: sql.limit_enforced() && rows >= limit,
            elapsed: started.elapsed(),
            scan: Some(scanned(&physical)),
        })
    }
}

#[async_trait]
impl QueryEngine for DataFusionEngine {
    fn name(&self) -> &str {
        "datafusion"
    }

    async fn execute(&self, sql: &GuardedSql, time: QueryTime) -> Result<QueryResult, EngineError> {
        self.limited(self.run(sql, time)).await
    }

    async fn activity(
        &self,
        sql: &GuardedSql,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Option<Vec<DateTime<Utc>>>, EngineError> {
        self.limited(super::activity::hours(
            &self.ctx,
            &self.time_columns,
            sql,
            from,
            to,
        ))
        .await
    }
}

/// What a finished plan read: Parquet bytes (the scans' `bytes_scanned`
/// metric) and the `dt` partitions of the files it was given.
fn scanned(plan: &Arc<dyn ExecutionPlan>) -> Scan {
    fn walk(plan: &Arc<dyn ExecutionPlan>, bytes: &mut u64, days: &mut Vec<String>) {
        if let Some(m) = plan.metrics()
            && let Some(v) = m.sum_by_name("bytes_scanned")
        {
            *bytes += v.as_usize() as u64;
        }
        if let Some(exec) = plan.downcast_ref::<DataSourceExec>()
            && let Some(config) = exec.data_source().downcast_ref::<FileScanConfig>()
        {
            for group in &config.file_groups {
                for file in group.files() {
                    if let Some(ScalarValue::Utf8(Some(day))) = file.partition_values.first() {
                        days.push(day.clone());
                    }
                }
            }
        }
        for child in plan.children() {
            walk(child, bytes, days);
        }
    }
    let mut scan = Scan::default();
    walk(plan, &mut scan.bytes, &mut scan.days);
    scan.days.sort();
    scan.days.dedup();
    scan
}

/// A listing table over `<tables>/<table>/`: a table with no files yet
/// (or no directory) is empty, and files published later are seen by the
/// next engine built.
fn table_provider(
    table: &TableDef,
    tables: &Storage,
) -> Result<Arc<dyn TableProvider>, EngineError> {
    let schema = Arc::new(string_view_schema(&table.schema));
    let url = ListingTableUrl::parse(tables.dir_url(&table.name))
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![(PARTITION_COLUMN.to_string(), DataType::Utf8)]);
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    let inner: Arc<dyn TableProvider> =
        Arc::new(ListingTable::try_new(config).map_err(|e| EngineError::Internal(e.to_string()))?);
    Ok(Arc::new(TimePrunedTable::new(
        inner,
        table.time_column.clone(),
    )))
}
