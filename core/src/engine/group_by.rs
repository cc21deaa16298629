//! Partial aggregation keyed by string views.
//!
//! The commonest log question is a count grouped by a low-cardinality string
//! column: events by `eventname`, failures by `sourceipaddress`, calls by
//! `errorcode`. Parquet stores such columns dictionary-encoded, and the reader
//! decodes them into `Utf8View` arrays whose 16-byte views point into the
//! dictionary page, so equal values in one batch carry equal views.
//! DataFusion's hash aggregation hashes and compares every row's bytes;
//! [`ViewKeyedAggregateExec`] first looks the row's *view* up in a small
//! per-batch cache and reads the bytes only for the first occurrence of each
//! view in a batch. The group ids it computes feed DataFusion's own group
//! accumulators, so every aggregate sees the same rows in the same groups as
//! before.
//!
//! Only the *partial* stage is replaced: it emits group keys plus
//! accumulator state, exactly the schema of the `AggregateExec` it replaces,
//! and the unchanged final stage merges them. A partial stage may emit a group
//! more than once, so when the group table grows past [`MAX_GROUPS`] or the
//! memory pool refuses more memory, the operator emits what it has and starts
//! afresh: memory stays bounded on high-cardinality keys.
//!
//! [`ViewKeyedAggregation`] is the physical optimizer rule that swaps the
//! operator in where it applies (plain `GROUP BY` of one to four `Utf8View`
//! expressions, aggregates with group accumulators, no `FILTER`, `ORDER BY`
//! inside the aggregate, grouping sets, or limit) and leaves every other plan
//! alone.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, StringViewArray, StringViewBuilder, UInt32Array,
};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{HashMap, Result};
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, InputOrderMode,
    PhysicalExpr, PlanProperties, ReplaceChildrenOptions, SendableRecordBatchStream,
};
use futures::StreamExt;

/// Groups held before the partial state is emitted and the table restarts.
pub const MAX_GROUPS: usize = 1 << 16;

/// Most group expressions handled (their value ids pack into a `u128`).
const MAX_KEYS: usize = 4;

/// Slots of the per-batch view cache (a power of two).
const CACHE_SLOTS: usize = 1024;

/// Physical optimizer rule: replaces eligible partial `AggregateExec`s with
/// [`ViewKeyedAggregateExec`].
#[derive(Debug)]
pub struct ViewKeyedAggregation {
    max_groups: usize,
}

impl Default for ViewKeyedAggregation {
    fn default() -> Self {
        Self {
            max_groups: MAX_GROUPS,
        }
    }
}

impl ViewKeyedAggregation {
    /// Emit partial state whenever `max_groups` groups are held (tests use a
    /// small number to exercise early emission).
    pub fn with_max_groups(max_groups: usize) -> Self {
        Self {
            max_groups: max_groups.max(1),
        }
    }
}

impl PhysicalOptimizerRule for ViewKeyedAggregation {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            Ok(
                match ViewKeyedAggregateExec::try_new(&node, self.max_groups)? {
                    Some(exec) => Transformed::yes(Arc::new(exec) as Arc<dyn ExecutionPlan>),
                    None => Transformed::no(node),
                },
            )
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "view_keyed_aggregation"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The partial stage of a `GROUP BY` on string columns, keyed by views.
#[derive(Debug)]
pub struct ViewKeyedAggregateExec {
    /// The `AggregateExec` this replaces: its schema, properties and
    /// expressions are ours.
    original: Arc<dyn ExecutionPlan>,
    input: Arc<dyn ExecutionPlan>,
    group_exprs: Vec<Arc<dyn PhysicalExpr>>,
    /// Per aggregate, the argument expressions.
    args: Vec<Vec<Arc<dyn PhysicalExpr>>>,
    aggregates: Vec<Arc<datafusion::physical_expr::aggregate::AggregateFunctionExpr>>,
    max_groups: usize,
    metrics: ExecutionPlanMetricsSet,
}

impl ViewKeyedAggregateExec {
    /// The replacement for `plan` when it is an eligible partial aggregate.
    pub fn try_new(plan: &Arc<dyn ExecutionPlan>, max_groups: usize) -> Result<Option<Self>> {
        let Some(agg) = plan.downcast_ref::<AggregateExec>() else {
            return Ok(None);
        };
        let group_by = agg.group_expr();
        let input_schema = agg.input().schema();
        let eligible = *agg.mode() == AggregateMode::Partial
            && group_by.is_single()
            && !group_by.has_grouping_set()
            && !group_by.expr().is_empty()
            && group_by.expr().len() <= MAX_KEYS
            && agg.filter_expr().iter().all(Option::is_none)
            && agg.limit_options().is_none()
            && agg.dynamic_expressions_produced().is_empty()
            && *agg.input_order_mode() == InputOrderMode::Linear
            && agg.aggr_expr().iter().all(|a| {
                a.order_bys().is_empty() && !a.is_distinct() && a.groups_accumulator_supported()
            });
        if !eligible {
            return Ok(None);
        }
        for (expr, _) in group_by.expr() {
            if expr.data_type(&input_schema)? != DataType::Utf8View {
                return Ok(None);
            }
        }
        Ok(Some(Self {
            original: Arc::clone(plan),
            input: Arc::clone(agg.input()),
            group_exprs: group_by.expr().iter().map(|(e, _)| Arc::clone(e)).collect(),
            args: agg.aggr_expr().iter().map(|a| a.expressions()).collect(),
            aggregates: agg.aggr_expr().to_vec(),
            max_groups,
            metrics: ExecutionPlanMetricsSet::new(),
        }))
    }

    fn accumulators(&self) -> Result<Vec<Box<dyn GroupsAccumulator>>> {
        self.aggregates
            .iter()
            .map(|a| a.create_groups_accumulator())
            .collect()
    }
}

impl DisplayAs for ViewKeyedAggregateExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let keys: Vec<String> = self.group_exprs.iter().map(|e| e.to_string()).collect();
        let aggs: Vec<&str> = self.aggregates.iter().map(|a| a.name()).collect();
        write!(
            f,
            "ViewKeyedAggregateExec: mode=Partial, gby=[{}], aggr=[{}]",
            keys.join(", "),
            aggs.join(", ")
        )
    }
}

impl ExecutionPlan for ViewKeyedAggregateExec {
    fn name(&self) -> &'static str {
        "ViewKeyedAggregateExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.original.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        for expr in self.group_exprs.iter().chain(self.args.iter().flatten()) {
            if f(expr)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // Rebuild the original aggregate over the new input, then replace it
        // again (or keep the plain aggregate if it no longer qualifies).
        let original = Arc::clone(&self.original).replace_children(children, options)?;
        Ok(match Self::try_new(&original, self.max_groups)? {
            Some(exec) => Arc::new(exec),
            None => original,
        })
    }

    #[allow(deprecated)]
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, Arc::clone(&context))?;
        let schema = self.original.schema();
        let reservation = MemoryConsumer::new(format!("ViewKeyedAggregateExec[{partition}]"))
            .with_can_spill(true)
            .register(context.memory_pool());
        let table = GroupTable {
            keys: (0..self.group_exprs.len())
                .map(|_| ColumnKeys::new())
                .collect(),
            combos: HashMap::default(),
            combo_ids: Vec::new(),
            accumulators: self.accumulators()?,
            groups: 0,
            row_groups: Vec::new(),
        };
        let state = StreamState {
            input,
            table,
            exec: Arc::new(Evaluator {
                group_exprs: self.group_exprs.clone(),
                args: self.args.clone(),
                aggregates: self.aggregates.clone(),
                schema: Arc::clone(&schema),
                batch_size: context.session_config().batch_size(),
                max_groups: self.max_groups,
            }),
            pending: VecDeque::new(),
            done: false,
            reservation,
            baseline: BaselineMetrics::new(&self.metrics, partition),
        };
        let stream = futures::stream::unfold(state, |mut st| async move {
            let item = st.next().await?;
            Some((item, st))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}

/// What a stream needs of its plan node.
struct Evaluator {
    group_exprs: Vec<Arc<dyn PhysicalExpr>>,
    args: Vec<Vec<Arc<dyn PhysicalExpr>>>,
    aggregates: Vec<Arc<datafusion::physical_expr::aggregate::AggregateFunctionExpr>>,
    schema: SchemaRef,
    batch_size: usize,
    max_groups: usize,
}

struct StreamState {
    input: SendableRecordBatchStream,
    table: GroupTable,
    exec: Arc<Evaluator>,
    pending: VecDeque<RecordBatch>,
    done: bool,
    reservation: MemoryReservation,
    baseline: BaselineMetrics,
}

impl StreamState {
    async fn next(&mut self) -> Option<Result<RecordBatch>> {
        loop {
            if let Some(batch) = self.pending.pop_front() {
                self.baseline.record_output(batch.num_rows());
                return Some(Ok(batch));
            }
            if self.done {
                return None;
            }
            let next = self.input.next().await;
            let compute = self.baseline.elapsed_compute().clone();
            let _timer = compute.timer();
            let step = match next {
                Some(Ok(batch)) => self.absorb(&batch),
                Some(Err(e)) => Err(e),
                None => {
                    self.done = true;
                    self.flush()
                }
            };
            if let Err(e) = step {
                self.done = true;
                self.pending.clear();
                return Some(Err(e));
            }
        }
    }

    fn absorb(&mut self, batch: &RecordBatch) -> Result<()> {
        self.table.add(batch, &self.exec)?;
        let full = self.table.groups >= self.exec.max_groups
            || self.reservation.try_resize(self.table.size()).is_err();
        if full { self.flush() } else { Ok(()) }
    }

    /// Emits every group's key and state and restarts the table.
    fn flush(&mut self) -> Result<()> {
        if self.table.groups > 0 {
            let out = self.table.emit(&self.exec)?;
            let size = self.exec.batch_size.max(1);
            let mut offset = 0;
            while offset < out.num_rows() {
                let len = size.min(out.num_rows() - offset);
                self.pending.push_back(out.slice(offset, len));
                offset += len;
            }
            self.table.reset(&self.exec)?;
        }
        self.reservation.shrink(self.reservation.size());
        Ok(())
    }
}

/// Group ids for the rows of a batch, and the accumulators they feed.
struct GroupTable {
    keys: Vec<ColumnKeys>,
    /// Packed value ids → group id (two or more keys only).
    combos: HashMap<u128, u32>,
    /// Per group, its value ids (two or more keys only).
    combo_ids: Vec<[u32; MAX_KEYS]>,
    accumulators: Vec<Box<dyn GroupsAccumulator>>,
    groups: usize,
    /// Scratch: the group of each row of the current batch.
    row_groups: Vec<usize>,
}

impl GroupTable {
    fn add(&mut self, batch: &RecordBatch, exec: &Evaluator) -> Result<()> {
        let rows = batch.num_rows();
        if rows == 0 {
            return Ok(());
        }
        let columns = exec
            .group_exprs
            .iter()
            .map(|e| e.evaluate(batch)?.into_array(rows))
            .collect::<Result<Vec<ArrayRef>>>()?;
        self.row_groups.clear();
        if let [only] = columns.as_slice() {
            let keys = &mut self.keys[0];
            keys.ids_for(only.as_string_view(), &mut self.row_groups);
            self.groups = keys.len as usize;
        } else {
            let mut per_key: Vec<Vec<usize>> = Vec::with_capacity(columns.len());
            for (keys, column) in self.keys.iter_mut().zip(&columns) {
                let mut ids = Vec::with_capacity(rows);
                keys.ids_for(column.as_string_view(), &mut ids);
                per_key.push(ids);
            }
            for row in 0..rows {
                let mut ids = [0u32; MAX_KEYS];
                let mut packed = 0u128;
                for (k, column_ids) in per_key.iter().enumerate() {
                    let id = column_ids[row] as u32;
                    ids[k] = id;
                    packed |= u128::from(id) << (32 * k);
                }
                let next = self.combo_ids.len() as u32;
                let group = *self.combos.entry(packed).or_insert(next);
                if group == next {
                    self.combo_ids.push(ids);
                }
                self.row_groups.push(group as usize);
            }
            self.groups = self.combo_ids.len();
        }
        for (acc, args) in self.accumulators.iter_mut().zip(&exec.args) {
            let values = args
                .iter()
                .map(|e| e.evaluate(batch)?.into_array(rows))
                .collect::<Result<Vec<ArrayRef>>>()?;
            acc.update_batch(&values, &self.row_groups, None, self.groups)?;
        }
        Ok(())
    }

    /// Bytes held by the table and its accumulators.
    fn size(&self) -> usize {
        self.keys.iter().map(ColumnKeys::size).sum::<usize>()
            + self.combos.capacity() * 24
            + self.combo_ids.capacity() * size_of::<[u32; MAX_KEYS]>()
            + self.accumulators.iter().map(|a| a.size()).sum::<usize>()
    }

    /// One batch of every group: keys, then each accumulator's state.
    fn emit(&mut self, exec: &Evaluator) -> Result<RecordBatch> {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(exec.schema.fields().len());
        if self.keys.len() == 1 {
            columns.push(self.keys[0].values());
        } else {
            for (k, keys) in self.keys.iter_mut().enumerate() {
                let ids: UInt32Array = self.combo_ids.iter().map(|ids| ids[k]).collect();
                columns.push(take(keys.values().as_ref(), &ids, None)?);
            }
        }
        for acc in &mut self.accumulators {
            columns.extend(acc.state(EmitTo::All)?);
        }
        Ok(RecordBatch::try_new(Arc::clone(&exec.schema), columns)?)
    }

    fn reset(&mut self, exec: &Evaluator) -> Result<()> {
        for keys in &mut self.keys {
            *keys = ColumnKeys::new();
        }
        self.combos = HashMap::default();
        self.combo_ids = Vec::new();
        self.groups = 0;
        self.accumulators = exec
            .aggregates
            .iter()
            .map(|a| a.create_groups_accumulator())
            .collect::<Result<_>>()?;
        Ok(())
    }
}

/// Dense ids for the distinct values of one group column.
struct ColumnKeys {
    ids: HashMap<Box<str>, u32>,
    /// Value id → value (the null value has an id too).
    values: StringViewBuilder,
    /// Bytes of the distinct values.
    bytes: usize,
    null_id: Option<u32>,
    len: u32,
    /// Direct-mapped cache of this batch: view → value id. A view names a
    /// value only within its batch (it may point into the batch's buffers),
    /// so the cache is cleared per batch.
    cache: Vec<(u128, u32)>,
}

impl ColumnKeys {
    fn new() -> Self {
        Self {
            ids: HashMap::default(),
            values: StringViewBuilder::new(),
            bytes: 0,
            null_id: None,
            len: 0,
            cache: vec![(0, u32::MAX); CACHE_SLOTS],
        }
    }

    /// Appends the value id of each row of `array` to `out`.
    fn ids_for(&mut self, array: &StringViewArray, out: &mut Vec<usize>) {
        self.cache.fill((0, u32::MAX));
        out.reserve(array.len());
        let views = array.views();
        for (row, &view) in views.iter().enumerate() {
            if array.is_null(row) {
                let id = self.null();
                out.push(id as usize);
                continue;
            }
            let slot = slot_of(view);
            let (cached, id) = self.cache[slot];
            if id != u32::MAX && cached == view {
                out.push(id as usize);
                continue;
            }
            let id = self.intern(array.value(row));
            self.cache[slot] = (view, id);
            out.push(id as usize);
        }
    }

    fn intern(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.len;
        self.len += 1;
        self.ids.insert(value.into(), id);
        self.values.append_value(value);
        self.bytes += value.len();
        id
    }

    fn null(&mut self) -> u32 {
        *self.null_id.get_or_insert_with(|| {
            let id = self.len;
            self.len += 1;
            self.values.append_null();
            id
        })
    }

    fn values(&mut self) -> ArrayRef {
        Arc::new(self.values.finish_cloned())
    }

    fn size(&self) -> usize {
        // Each value is held twice (map key, builder) plus a view and a slot.
        self.ids.capacity() * (size_of::<(Box<str>, u32)>() + 1)
            + self.len as usize * 16
            + 2 * self.bytes
            + self.cache.capacity() * size_of::<(u128, u32)>()
    }
}

/// The cache slot of a view: a multiplicative hash of its two halves.
fn slot_of(view: u128) -> usize {
    let folded = (view as u64) ^ ((view >> 64) as u64);
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - CACHE_SLOTS.trailing_zeros())) as usize
}
