//! SQL guard.
