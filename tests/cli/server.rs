//! Starting `mantissa serve` for the end-to-end tests: a hermetic
//! environment (no inherited `MANTISSA_*`), the bound address read from
//! stderr, and every log line checked for secrets.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::Run;

/// A running `mantissa serve`, killed on drop.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `mantissa <args>` (a `serve` command line) in `r`'s folder with
/// `env`, waits until it listens, and fails the test if a log line ever
/// contains one of `secrets`.
pub(crate) fn start(
    r: &Run,
    env: &[(&str, &str)],
    args: &[&str],
    secrets: &[&'static str],
) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    cmd.current_dir(r.dir.path());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("MANTISSA_")) {
        cmd.env_remove(k);
    }
    let mut child = cmd
        .envs(env.iter().copied())
        .args(args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let secrets = secrets.to_vec();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            // Shown with the test's output when it fails.
            eprintln!("serve: {line}");
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.to_string());
            }
            for s in &secrets {
                assert!(!line.contains(s), "a secret reached the logs: {line}");
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server started");
    Server { child, base }
}
