//! Query engines.
