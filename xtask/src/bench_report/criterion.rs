//! Running the benchmarks: `cargo bench` in `benches/` (criterion plus the benches' own
//! measurements), with the previous run's figures removed first.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use super::figures::criterion_groups;
use super::{describe, remove_dir_if_present};
use crate::{failed, Failure};

/// Runs every bench; `Ok(Some(problem))` when `cargo bench` ran but failed (the figures it
/// produced are still reported).
pub(super) fn run_benches(
    root: &Path,
    target: &Path,
    cargo: &OsString,
    results_dir: &Path,
    quick: bool,
) -> Result<Option<String>, Failure> {
    // Removed before a run, so no stale figure is read.
    for group in criterion_groups() {
        remove_dir_if_present(&target.join("criterion").join(group))?;
    }
    remove_dir_if_present(results_dir)?;
    let mut cmd = Command::new(cargo);
    cmd.args(["bench", "--manifest-path"])
        .arg(root.join("benches").join("Cargo.toml"))
        .arg("--no-fail-fast")
        .env("CARGO_TARGET_DIR", target)
        // The benches write their own measurements here (one definition of the path).
        .env("MSGRAPH_BENCH_OUT", results_dir)
        .current_dir(root);
    if quick {
        cmd.env("MSGRAPH_BENCH_QUICK", "1");
    } else {
        cmd.env_remove("MSGRAPH_BENCH_QUICK");
    }
    println!("bench-report: {}", describe(&cmd));
    let status = cmd.status().map_err(|e| failed(format!("cannot run cargo bench: {e}")))?;
    if status.success() {
        Ok(None)
    } else {
        Ok(Some(format!("`cargo bench` failed ({status}); figures it did not produce are missing")))
    }
}
