//! Alerts as the detector raises them: the model lives in
//! [`mantissa_core::alert`], shared with the router, the bot and the CLI.

pub use mantissa_core::alert::{Alert, AlertStatus, group_text};
