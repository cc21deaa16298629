//! The view-keyed partial aggregation gives exactly the answers of
//! DataFusion's own hash aggregation: the same queries run on the same Parquet
//! file with and without the optimizer rule, results compared row for row.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::TaskContext;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties, common::collect};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use mantissa_core::engine::group_by::ViewKeyedAggregation;

const ROWS: usize = 40_000;

/// Small enough that every partition emits early many times.
const MAX_GROUPS: usize = 1_000;
const _: () = assert!(
    ROWS > 3 * MAX_GROUPS,
    "the unique column must overflow the group table"
);

/// A Parquet file whose string columns cover what the operator must handle:
/// long (non-inline) and short (inline) low-cardinality values, nulls, empty
/// strings, non-ASCII text, and a unique column with more than `MAX_GROUPS`
/// values, spread over several row groups (so several dictionaries).
fn write_fixture(path: &std::path::Path) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("short", DataType::Utf8, true),
        Field::new("user", DataType::Utf8, true),
        Field::new("uniq", DataType::Utf8, false),
        Field::new("n", DataType::Int64, true),
    ]));
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(15_000))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).unwrap();
    for start in (0..ROWS).step_by(5_000) {
        let rows = start..(start + 5_000).min(ROWS);
        let name: StringArray = rows
            .clone()
            .map(|i| match i % 41 {
                0 => None,
                1 => Some(String::new()),
                2 => Some("ÄnderungsProtokoll-éèê-Ereignis".to_string()),
                k => Some(format!("DescribeSomethingRatherLong{k:02}")),
            })
            .collect();
        let short: StringArray = rows
            .clone()
            .map(|i| (i % 13 != 0).then(|| format!("s{}", i % 7)))
            .collect();
        let user: StringArray = rows
            .clone()
            .map(|i| {
                Some(format!(
                    "arn:aws:iam::123456789012:user/analyst-{}",
                    i % 997
                ))
            })
            .collect();
        let uniq: StringArray = rows
            .clone()
            .map(|i| Some(format!("event-{i:08}")))
            .collect();
        let n: Int64Array = rows
            .clone()
            .map(|i| (i % 5 != 0).then_some((i % 1000) as i64 - 300))
            .collect();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(name),
            Arc::new(short),
            Arc::new(user),
            Arc::new(uniq),
            Arc::new(n),
        ];
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
}

async fn context(path: &std::path::Path, with_rule: bool, partitions: usize) -> SessionContext {
    let mut config = SessionConfig::new()
        .with_target_partitions(partitions)
        .with_batch_size(4096);
    // Split the one file into byte ranges so that the aggregation runs in
    // partial and final stages (a single partition aggregates in one stage,
    // which the rule leaves alone).
    config.options_mut().optimizer.repartition_file_min_size = 1024;
    let mut builder = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(RuntimeEnvBuilder::new().build_arc().unwrap())
        .with_default_features();
    if with_rule {
        builder = builder.with_physical_optimizer_rule(Arc::new(
            ViewKeyedAggregation::with_max_groups(MAX_GROUPS),
        ));
    }
    let ctx = SessionContext::new_with_state(builder.build());
    register(&ctx, path).await;
    ctx
}

/// Registers the fixture as `t`, strings read as `Utf8View` as the engine does.
async fn register(ctx: &SessionContext, path: &std::path::Path) {
    let view = Schema::new(vec![
        Field::new("name", DataType::Utf8View, true),
        Field::new("short", DataType::Utf8View, true),
        Field::new("user", DataType::Utf8View, true),
        Field::new("uniq", DataType::Utf8View, false),
        Field::new("n", DataType::Int64, true),
    ]);
    ctx.register_parquet(
        "t",
        path.to_str().unwrap(),
        ParquetReadOptions::default().schema(&view),
    )
    .await
    .unwrap();
}

async fn rows(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let text = pretty_format_batches(&batches).unwrap().to_string();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

async fn plan(ctx: &SessionContext, sql: &str) -> String {
    let batches = ctx
        .sql(&format!("EXPLAIN {sql}"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_keyed_aggregation_matches_datafusion() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_fixture(&path);

    // (query, whether the rule must apply)
    let queries = [
        ("SELECT name, count(*) AS c FROM t GROUP BY name", true),
        (
            "SELECT short, count(*), count(n), sum(n), min(n), max(n), avg(n) FROM t GROUP BY short",
            true,
        ),
        (
            "SELECT name, short, count(*) AS c, sum(n) FROM t GROUP BY name, short",
            true,
        ),
        (
            "SELECT short, name, user, count(*) FROM t GROUP BY short, name, user",
            true,
        ),
        (
            "SELECT user, approx_distinct(uniq) AS d, count(*) FROM t GROUP BY user",
            true,
        ),
        (
            "SELECT uniq, count(*) AS c FROM t GROUP BY uniq HAVING count(*) > 0",
            true,
        ),
        (
            "SELECT name, uniq, max(n) FROM t WHERE n > 500 GROUP BY name, uniq",
            true,
        ),
        (
            "SELECT name, min(short), max(user) FROM t GROUP BY name",
            true,
        ),
        (
            "SELECT name, count(*) FROM t WHERE name LIKE 'Describe%' GROUP BY name ORDER BY 2 DESC, 1 LIMIT 5",
            true,
        ),
        // Not eligible: grouping on a non-string, DISTINCT, FILTER, ORDER BY
        // inside the aggregate; the plain aggregate runs.
        ("SELECT n % 7, count(*) FROM t GROUP BY n % 7", false),
        (
            "SELECT name, count(DISTINCT short) FROM t GROUP BY name",
            false,
        ),
        (
            "SELECT name, count(*) FILTER (WHERE n > 0) FROM t GROUP BY name",
            false,
        ),
        (
            "SELECT name, array_agg(short ORDER BY short) FROM t GROUP BY name",
            false,
        ),
    ];
    for partitions in [2, 3] {
        let plain = context(&path, false, partitions).await;
        let keyed = context(&path, true, partitions).await;
        for (sql, applies) in queries {
            let explained = plan(&keyed, sql).await;
            if applies {
                assert!(
                    explained.contains("ViewKeyedAggregateExec"),
                    "rule did not apply to {sql}:\n{explained}"
                );
            }
            let expected = rows(&plain, sql).await;
            let got = rows(&keyed, sql).await;
            assert!(expected.len() > 3, "{sql} returned nothing");
            assert_eq!(got, expected, "{sql} (partitions {partitions})");
        }
    }
}

/// When the memory pool refuses the group table more memory, the operator
/// emits its partial state early instead of failing: run alone under a
/// 64 KiB pool, its partitions emit far more rows than there are groups, and
/// merging what they emitted gives the exact counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_keyed_aggregation_emits_early_under_memory_pressure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_fixture(&path);
    // 997 users of ~45 bytes: well over 64 KiB of group table.
    let sql = "SELECT user, count(*) AS c FROM t GROUP BY user";
    let plain = context(&path, false, 2).await;
    let batches = plain.sql(sql).await.unwrap().collect().await.unwrap();
    let mut expected = std::collections::BTreeMap::new();
    for b in &batches {
        let users = b.column(0).as_string_view();
        let counts = b.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            expected.insert(users.value(i).to_string(), counts.value(i));
        }
    }
    assert_eq!(expected.len(), 997);

    let keyed = context(&path, true, 2).await;
    let plan = keyed
        .sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    fn find(plan: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
        if plan.name() == "ViewKeyedAggregateExec" {
            return Some(Arc::clone(plan));
        }
        plan.children().into_iter().find_map(find)
    }
    let partial = find(&plan).expect("the rule applies");
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(64 * 1024, 1.0)
        .build_arc()
        .unwrap();
    let task = Arc::new(TaskContext::default().with_runtime(runtime));
    let mut emitted = 0;
    let mut merged = std::collections::BTreeMap::new();
    for partition in 0..partial.output_partitioning().partition_count() {
        let stream = partial.execute(partition, Arc::clone(&task)).unwrap();
        for b in collect(stream).await.unwrap() {
            emitted += b.num_rows();
            let users = b.column(0).as_string_view();
            let counts = b.column(1).as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                *merged.entry(users.value(i).to_string()).or_insert(0) += counts.value(i);
            }
        }
    }
    assert_eq!(merged, expected);
    assert!(
        emitted > 4 * 997,
        "expected repeated early emission, the partial stage emitted {emitted} rows"
    );
}
