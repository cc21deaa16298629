//! `mantissa-athena-local`: serve Athena's query API on loopback over the
//! tables of a Glue database (as Athena finds them) or at `--tables`, for
//! trying the AWS backends with no AWS (see the README, "Try the AWS
//! backends locally").
//!
//! ```text
//! mantissa-athena-local (--glue-database mantissa | --tables s3://mantissa-tables/)
//!                       [--port 4567] [--workgroup mantissa] [--cutoff-bytes 10000000000]
//! ```
//! Glue and S3 are reached through the AWS SDK's environment (`AWS_ENDPOINT_URL`…).

use std::process::ExitCode;
use std::time::Duration;

use mantissa_core::catalog::Catalog;
use mantissa_core::catalog::glue_catalog::GlueCatalog;
use mantissa_core::storage::Storage;
use mantissa_testkit::athena::AthenaFake;

const USAGE: &str = "usage: mantissa-athena-local (--glue-database NAME | --tables URL) [--port N] [--workgroup NAME] [--cutoff-bytes N]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut tables = None;
    let mut database = None;
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
            ("--glue-database", Some(v)) => {
                database = Some(v);
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
    let runner = match (tables, database) {
        (Some(tables), None) => match Storage::from_url(&tables) {
            Ok(s) => mantissa_athena_local::runner(s, Catalog::builtin()),
            Err(e) => {
                eprintln!("--tables: {e}");
                return ExitCode::from(2);
            }
        },
        (None, Some(database)) => mantissa_athena_local::glue_runner(
            GlueCatalog::from_env(&database).await,
            std::sync::Arc::new(|url| Storage::from_url(url).map_err(|e| e.to_string())),
        ),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
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
