//! `cargo xtask bench-report`: runs the benchmarks in `benches/` (criterion, plus the custom
//! measurements they write), measures a clean build of an SDK consumer against the
//! reqwest + tokio + serde_json floor, and writes `docs/benchmarks.md` with `docs/benchmarks.svg`.
//!
//! Criterion's `estimates.json` is read with serde_json, the benches write `key value` lines, and
//! the chart is hand-written SVG (no plotting dependency).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::args::{Arg, Args};
use crate::{failed, repo_root, Failure};

mod build;
mod criterion;
mod facts;
mod figures;
mod render;
mod results;

use build::measure_build;
use facts::Facts;
use figures::rows;
use render::{markdown, svg, table};
use results::Data;

pub(crate) struct BenchOpts {
    quick: bool,
    skip_build_measure: bool,
    skip_bench: bool,
    out: Option<PathBuf>,
    build_dir: Option<PathBuf>,
}

impl BenchOpts {
    /// `None` when help was asked for.
    pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<BenchOpts>, Failure> {
        let mut args = Args::new("bench-report", args);
        let mut opts =
            BenchOpts { quick: false, skip_build_measure: false, skip_bench: false, out: None, build_dir: None };
        while let Some(arg) = args.next()? {
            match arg {
                Arg::Help => return Ok(None),
                Arg::Positional(value) => return Err(args.unexpected(&value)),
                Arg::Flag(flag) => match flag.as_str() {
                    "--quick" => args.switch(&mut opts.quick, &flag)?,
                    "--skip-build-measure" => args.switch(&mut opts.skip_build_measure, &flag)?,
                    "--skip-bench" => args.switch(&mut opts.skip_bench, &flag)?,
                    "--out" => args.path(&mut opts.out, &flag)?,
                    "--build-dir" => args.path(&mut opts.build_dir, &flag)?,
                    _ => return Err(args.unknown(&flag)),
                },
            }
        }
        if opts.skip_bench && opts.quick {
            return Err(args.error("--quick has no effect with --skip-bench"));
        }
        Ok(Some(opts))
    }
}

pub(crate) fn run(opts: &BenchOpts) -> Result<(), Failure> {
    let started = Instant::now();
    let root = repo_root()?;
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let facts = Facts::collect(opts);
    let results_dir = target.join("msgraph-bench");
    let mut problems = Vec::new();

    let mut bench_time = None;
    if !opts.skip_bench {
        let t = Instant::now();
        if let Some(problem) = criterion::run_benches(&root, &target, &cargo, &results_dir, opts.quick)? {
            problems.push(problem);
        }
        bench_time = Some(t.elapsed());
    }

    let mut build = None;
    if !opts.skip_build_measure {
        let t = Instant::now();
        match measure_build(&root, &cargo, opts.build_dir.as_deref()) {
            Ok(b) => build = Some((b, t.elapsed())),
            Err(Failure::Failed(m) | Failure::Usage(m)) => problems.push(format!("build measurement failed: {m}")),
        }
    }

    if let Some((b, _)) = &build {
        // Kept with the benches' files, so `--skip-bench --skip-build-measure` can rewrite the report.
        let text = format!(
            "floor_s {:.3}\nusers_s {:.3}\nconsumer_s {:.3}\n",
            b.floor.as_secs_f64(),
            b.users.as_secs_f64(),
            b.consumer.as_secs_f64()
        );
        fs::create_dir_all(&results_dir)
            .map_err(|e| failed(format!("cannot create {}: {e}", results_dir.display())))?;
        write(&results_dir.join("build.txt"), &text)?;
    }
    let data = Data::load(&target, &results_dir);
    let rows = rows(&data);
    let total = started.elapsed();
    let out = opts.out.clone().unwrap_or_else(|| root.join("docs"));
    fs::create_dir_all(&out).map_err(|e| failed(format!("cannot create {}: {e}", out.display())))?;
    let md = markdown(&facts, &rows, opts, &data, build.as_ref(), bench_time, total, &problems);
    let svg = svg(&rows, &facts);
    write(&out.join("benchmarks.md"), &md)?;
    write(&out.join("benchmarks.svg"), &svg)?;

    println!("\n{}", table(&rows));
    println!(
        "bench-report: {} in {:.0} s (benchmarks {}, build measurement {}); wrote {} and {}",
        if opts.quick { "quick run" } else { "full run" },
        total.as_secs_f64(),
        bench_time.map_or("skipped".into(), |d| format!("{:.0} s", d.as_secs_f64())),
        build.as_ref().map_or("skipped".into(), |(_, d)| format!("{:.0} s", d.as_secs_f64())),
        out.join("benchmarks.md").display(),
        out.join("benchmarks.svg").display()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(failed(problems.join("\n")))
    }
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    fs::write(path, text).map_err(|e| failed(format!("cannot write {}: {e}", path.display())))
}

fn remove_dir_if_present(dir: &Path) -> Result<(), Failure> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(failed(format!("cannot remove {}: {e}", dir.display()))),
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = String::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            let _ = write!(s, "{}={} ", k.to_string_lossy(), v.to_string_lossy());
        }
    }
    let _ = write!(s, "{}", cmd.get_program().to_string_lossy());
    for a in cmd.get_args() {
        let _ = write!(s, " {}", a.to_string_lossy());
    }
    s
}
