//! `mantissa-athena-local`: serve Athena's query API on loopback over the
//! tables at `--tables`, for trying the AWS backends with no AWS (see the
//! README, "Try the AWS backends locally").
//!
//! ```text
//! mantissa-athena-local --tables s3://mantissa-tables/ [--port 4567]
//!                       [--workgroup mantissa] [--cutoff-bytes 10000000000]
//! ```
//! S3 is reached through the AWS SDK's environment (`AWS_ENDPOINT_URL`…).

use std::process::ExitCode;
use std::time::Duration;

use mantissa_core::catalog::Catalog;
use mantissa_core::storage::Storage;
use mantissa_testkit::athena::AthenaFake;

const USAGE: &str =
    "usage: mantissa-athena-local --tables URL [--port N] [--workgroup NAME] [--cutoff-bytes N]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut tables = None;
    let mut port = 0u16;
    let mut workgroup = "mantissa".to_string();
    let mut cutoff: u64 = 10_000_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next();
        let parsed = match (flag.as_str(), value) {
            ("--tables", Some(v)) => {
                tables = Some(v);
                true
            }
            ("--port", Some(v)) => v.parse().map(|p| port = p).is_ok(),
            ("--workgroup", Some(v)) => {
                workgroup = v;
                true
            }
            ("--cutoff-bytes", Some(v)) => v.parse().map(|c| cutoff = c).is_ok(),
            _ => false,
        };
        if !parsed {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let Some(tables) = tables else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let storage = match Storage::from_url(&tables) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("--tables: {e}");
            return ExitCode::from(2);
        }
    };
    let runner = mantissa_athena_local::runner(storage, Catalog::builtin());
    let fake = AthenaFake::start_on(
        port,
        runner,
        Duration::from_millis(50),
        Duration::from_millis(50),
    )
    .await;
    fake.workgroup(&workgroup, Some(cutoff), true);
    println!(
        "Athena-protocol server on {} (workgroup `{workgroup}`, cutoff {cutoff} bytes); Ctrl-C stops it",
        fake.url()
    );
    println!("export AWS_ENDPOINT_URL_ATHENA={}", fake.url());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
