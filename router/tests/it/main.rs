//! Router integration tests: every destination against a local server
//! speaking its protocol, fault injection, routing policy.

use mantissa_testkit as fake;

mod destinations;
mod faults;
mod policy;
mod support;
