//! Router integration tests: every destination against a local server
//! speaking its protocol, fault injection, routing policy.

mod destinations;
mod fake;
mod faults;
mod policy;
mod support;
