//! `cargo xtask codegen` on the full pinned v1.0 CSDL, release build: the same steps as the xtask
//! (locate the pinned file, verify its sha256, parse + resolve + emit, write the tree atomically —
//! here into a temporary `--out` directory), timed in process, best and median of a few runs; and
//! its peak RSS, from a child process (this binary again) that does one full run and reports its
//! own `VmHWM` — what `/usr/bin/time -v` calls "Maximum resident set size".
//!
//! Reads the pinned metadata where the xtask does: the committed `metadata/*.csdl.gz`, or
//! `$MSGRAPH_METADATA_DIR` first when set (relative to the workspace root). Writes
//! `<target>/msgraph-bench/codegen.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use msgraph_codegen::{pin, tree, Input};

const CHILD_ENV: &str = "MSGRAPH_BENCH_CODEGEN_CHILD";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// One `cargo xtask codegen --out <out>`: (files generated, bytes generated).
fn codegen_once(root: &Path, out: &Path) -> (usize, usize) {
    let pin = pin::Pin::load(&root.join(pin::PIN_PATH)).unwrap();
    let path = pin::locate(&pin, root).unwrap_or_else(|e| panic!("{e}"));
    let (text, sha) = pin::load_verified(&pin, &path).unwrap();
    let source_name = path.display().to_string();
    let generated = msgraph_codegen::generate(&Input { csdl: &text, source_name: &source_name, sha256: &sha })
        .unwrap_or_else(|d| panic!("codegen failed:\n{d}"));
    tree::write_atomically(out, &generated).unwrap();
    (generated.files.len(), generated.files.values().map(String::len).sum())
}

/// `VmHWM` / `VmRSS` of this process, in KiB.
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key} in /proc/self/status"));
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().unwrap()
}

fn temp_out(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("msgraph-bench-codegen-{tag}-{}", std::process::id()))
}

fn main() {
    let root = workspace_root();
    if std::env::var_os(CHILD_ENV).is_some() {
        let before = status_kib("VmHWM:");
        let out = temp_out("child");
        codegen_once(&root, &out);
        let _ = std::fs::remove_dir_all(&out);
        println!("base_kib {before}");
        println!("peak_kib {}", status_kib("VmHWM:"));
        return;
    }

    // Peak RSS of a fresh process doing exactly one run.
    let child = Command::new(std::env::current_exe().unwrap()).env(CHILD_ENV, "1").output().unwrap();
    assert!(child.status.success(), "child failed: {}", String::from_utf8_lossy(&child.stderr));
    let stdout = String::from_utf8(child.stdout).unwrap();
    let field = |k: &str| -> u64 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or_else(|| panic!("{k} missing: {stdout}"))
            .trim()
            .parse()
            .unwrap()
    };
    let (base_kib, peak_kib) = (field("base_kib "), field("peak_kib "));

    let runs = if common::quick() { 1 } else { 3 };
    let out = temp_out("timed");
    let mut times: Vec<Duration> = Vec::new();
    let mut size = (0, 0);
    for _ in 0..runs {
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        size = codegen_once(&root, &out);
        times.push(t.elapsed());
    }
    let _ = std::fs::remove_dir_all(&out);
    times.sort();
    let secs = |d: Duration| format!("{:.2}", d.as_secs_f64());
    common::write_results(
        "codegen",
        &[
            ("runs", runs.to_string()),
            ("best_s", secs(times[0])),
            ("median_s", secs(times[times.len() / 2])),
            ("files", size.0.to_string()),
            ("generated_bytes", size.1.to_string()),
            ("peak_rss_kib", peak_kib.to_string()),
            ("process_base_kib", base_kib.to_string()),
        ],
    );
}
