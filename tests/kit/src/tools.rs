//! Python tools the tests run (moto, checkov, shellcheck), each installed
//! from PyPI at a pinned version into its own virtual environment under the
//! target directory on first use, so a fresh clone needs nothing but
//! Python 3 and the package index. Concurrent tests share one install
//! (a file lock).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target directory: `CARGO_TARGET_DIR`, else the workspace's `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// The `bin/` directory of a virtual environment named `name` holding the
/// pip requirements `requirements` (pinned: `checkov==3.3.30`), installed on
/// first use.
pub fn python_tool(name: &str, requirements: &[&str]) -> PathBuf {
    let dir = target_dir().join("tools").join(name);
    let bin = dir.join("bin");
    let done = dir.join(".installed");
    let wanted = requirements.join("\n");
    let installed = |done: &Path| std::fs::read_to_string(done).is_ok_and(|s| s == wanted);
    if installed(&done) {
        return bin;
    }
    std::fs::create_dir_all(dir.parent().unwrap()).expect("create the tools directory");
    let lock_path = dir.with_file_name(format!("{name}.lock"));
    let lock = std::fs::File::create(&lock_path).expect("create the install lock");
    lock.lock().expect("take the install lock");
    if installed(&done) {
        return bin;
    }
    let run = |cmd: &mut Command, what: &str| {
        let out = cmd.output().unwrap_or_else(|e| {
            panic!("{what}: cannot run {:?}: {e}", cmd.get_program());
        });
        assert!(
            out.status.success(),
            "{what} failed (these tests need Python 3 and PyPI):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(
        Command::new("python3").arg("-m").arg("venv").arg(&dir),
        &format!("creating the {name} virtual environment"),
    );
    run(
        Command::new(bin.join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(requirements),
        &format!("installing {}", requirements.join(" ")),
    );
    std::fs::write(&done, wanted).expect("mark the install done");
    bin
}
