//! DataFusion's errors in the engine-neutral vocabulary ([`EngineError`]),
//! shared by the embedded engine and the activity summaries.

use ::datafusion::error::DataFusionError;

use super::EngineError;

/// Maps DataFusion errors onto the engine-neutral vocabulary.
pub(crate) fn map_error(e: DataFusionError) -> EngineError {
    match e.find_root() {
        DataFusionError::ResourcesExhausted(m) => EngineError::ResourcesExhausted(m.clone()),
        DataFusionError::Plan(m) => EngineError::Query(clean(m)),
        DataFusionError::SchemaError(s, _) => EngineError::Query(clean(&s.to_string())),
        DataFusionError::SQL(p, _) => EngineError::Query(clean(&p.to_string())),
        DataFusionError::NotImplemented(m) => {
            EngineError::Query(format!("not supported: {}", clean(m)))
        }
        DataFusionError::Execution(m) => EngineError::Execution(clean(m)),
        DataFusionError::ArrowError(a, _) => EngineError::Execution(a.to_string()),
        DataFusionError::IoError(io) => EngineError::Execution(io.to_string()),
        DataFusionError::Internal(m) => EngineError::Internal(m.clone()),
        other => EngineError::Execution(other.to_string()),
    }
}

fn clean(m: &str) -> String {
    m.replace("mantissa.logs.", "").trim().to_string()
}
