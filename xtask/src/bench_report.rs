//! `cargo xtask bench-report`: runs the benchmarks in `benches/` (criterion, plus the custom
//! measurements they write), measures a clean build of an SDK consumer against the
//! reqwest + tokio + serde_json floor, and writes `docs/benchmarks.md` with `docs/benchmarks.svg`.
//!
//! No JSON or plotting dependency: criterion's `estimates.json` is read with a small extractor,
//! the benches write `key value` lines, and the chart is hand-written SVG.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::args::{next_arg, path_value, switch, Arg};
use crate::{failed, repo_root, usage, Failure};

pub(super) struct BenchOpts {
    quick: bool,
    skip_build_measure: bool,
    skip_bench: bool,
    out: Option<PathBuf>,
    build_dir: Option<PathBuf>,
}

impl BenchOpts {
    /// `None` when help was asked for.
    pub(super) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<BenchOpts>, Failure> {
        const CMD: &str = "bench-report";
        let mut opts =
            BenchOpts { quick: false, skip_build_measure: false, skip_bench: false, out: None, build_dir: None };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match next_arg(arg, CMD)? {
                Arg::Help => return Ok(None),
                Arg::Flag { name, inline } => (name, inline),
            };
            match name.as_str() {
                "--quick" => switch(&mut opts.quick, &name, inline, CMD)?,
                "--skip-build-measure" => switch(&mut opts.skip_build_measure, &name, inline, CMD)?,
                "--skip-bench" => switch(&mut opts.skip_bench, &name, inline, CMD)?,
                "--out" => path_value(&mut opts.out, &name, inline, &mut args, CMD)?,
                "--build-dir" => path_value(&mut opts.build_dir, &name, inline, &mut args, CMD)?,
                _ => return Err(usage(format!("`{CMD}`: unknown option `{name}`"))),
            }
        }
        if opts.skip_bench && opts.quick {
            return Err(usage("`bench-report`: --quick has no effect with --skip-bench"));
        }
        Ok(Some(opts))
    }
}

pub(super) fn run(opts: &BenchOpts) -> Result<(), Failure> {
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
        // Removed before a run, so no stale figure is read.
        for group in criterion_groups() {
            remove_dir_if_present(&target.join("criterion").join(group))?;
        }
        remove_dir_if_present(&results_dir)?;
        let t = Instant::now();
        let mut cmd = Command::new(&cargo);
        cmd.args(["bench", "--manifest-path"])
            .arg(root.join("benches").join("Cargo.toml"))
            .arg("--no-fail-fast")
            .env("CARGO_TARGET_DIR", &target)
            // The benches write their own measurements here (one definition of the path).
            .env("MSGRAPH_BENCH_OUT", &results_dir)
            .current_dir(&root);
        if opts.quick {
            cmd.env("MSGRAPH_BENCH_QUICK", "1");
        } else {
            cmd.env_remove("MSGRAPH_BENCH_QUICK");
        }
        println!("bench-report: {}", describe(&cmd));
        let status = cmd.status().map_err(|e| failed(format!("cannot run cargo bench: {e}")))?;
        if !status.success() {
            problems.push(format!("`cargo bench` failed ({status}); figures it did not produce are missing"));
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

// ---------------------------------------------------------------------------------------------
// Machine facts
// ---------------------------------------------------------------------------------------------

struct Facts {
    date: String,
    nproc: usize,
    rustc: String,
    cpu: String,
    load: String,
    mode: &'static str,
}

impl Facts {
    fn collect(opts: &BenchOpts) -> Facts {
        let first_line = |program: &str, arg: &str| {
            Command::new(program)
                .arg(arg)
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.lines().next().map(str::to_string))
                .unwrap_or_else(|| "unknown".into())
        };
        let cpu = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let load = fs::read_to_string("/proc/loadavg")
            .ok()
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| "unknown".into());
        Facts {
            date: utc_now(),
            nproc: std::thread::available_parallelism().map_or(1, usize::from),
            rustc: first_line("rustc", "-V"),
            cpu,
            load,
            mode: match (opts.skip_bench, opts.quick) {
                (true, _) => "report only (--skip-bench: figures from the previous run's files)",
                (false, true) => "quick (--quick: short criterion measurements, for development only)",
                (false, false) => "full",
            },
        }
    }
}

/// `YYYY-MM-DD HH:MM UTC` without a date crate (days-to-civil, proleptic Gregorian).
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02} UTC")
}

// ---------------------------------------------------------------------------------------------
// Build measurement
// ---------------------------------------------------------------------------------------------

struct BuildTimes {
    floor: Duration,
    /// A consumer with only the `users` API area (the quickstart's phone-method scenario).
    users: Duration,
    /// A consumer of the whole SDK (default features).
    consumer: Duration,
    dir: PathBuf,
}

const FLOOR_TOML: &str = r#"[package]
name = "floor"
version = "0.0.0"
edition = "2021"
[dependencies]
reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", "json"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
serde_json = "1"
[workspace]
"#;

const FLOOR_MAIN: &str = r#"#[tokio::main]
async fn main() {
    let client = reqwest::Client::new();
    let v: serde_json::Value = serde_json::json!({"ok": true});
    println!("{client:?} {v}");
}
"#;

const CONSUMER_MAIN: &str = r###"fn main() {
    let json = r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065555555","phoneType":"mobile","smsSignInState":"ready"}"##;
    let m: msgraph::models::AuthenticationMethodKind = msgraph::json::from_str(json).expect("valid");
    println!("{}", msgraph::json::to_string(&m));
}
"###;

/// Clean debug builds (`CARGO_INCREMENTAL=0`, a fresh target dir each), one after the other in
/// this run: the floor (reqwest + tokio + serde_json), a consumer with only the `users` API area,
/// then a consumer of the whole SDK. All start from the workspace's Cargo.lock, so they build the
/// same dependency versions.
fn measure_build(root: &Path, cargo: &OsString, dir: Option<&Path>) -> Result<BuildTimes, Failure> {
    let Some(dir) = dir else {
        // Three fresh target dirs are a few GB: remove the temporary work directory whether the
        // builds succeeded or not.
        let work = std::env::temp_dir().join(format!("msgraph-build-measure-{}", std::process::id()));
        let result = build_all(root, cargo, &work);
        let _ = fs::remove_dir_all(&work);
        return result;
    };
    build_all(root, cargo, dir)
}

fn build_all(root: &Path, cargo: &OsString, work: &Path) -> Result<BuildTimes, Failure> {
    let msgraph = root.join("crates").join("msgraph");
    let consumer = |name: &str, extra: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[dependencies]\nmsgraph = {{ path = {:?}{extra} }}\n[workspace]\n",
            msgraph.display().to_string()
        )
    };
    let users_toml = consumer("users", ", default-features = false, features = [\"users\"]");
    let consumer_toml = consumer("consumer", "");
    let crates = [
        ("floor", FLOOR_TOML.to_string(), FLOOR_MAIN),
        ("users", users_toml, CONSUMER_MAIN),
        ("consumer", consumer_toml, CONSUMER_MAIN),
    ];
    let io = |what: &str, p: &Path, e: std::io::Error| failed(format!("cannot {what} {}: {e}", p.display()));
    for (name, toml, main) in &crates {
        let src = work.join(name).join("src");
        fs::create_dir_all(&src).map_err(|e| io("create", &src, e))?;
        let manifest = work.join(name).join("Cargo.toml");
        fs::write(&manifest, toml).map_err(|e| io("write", &manifest, e))?;
        fs::write(src.join("main.rs"), main).map_err(|e| io("write", &src, e))?;
        let lock = work.join(name).join("Cargo.lock");
        fs::copy(root.join("Cargo.lock"), &lock).map_err(|e| io("write", &lock, e))?;
        cargo_in(cargo, &work.join(name), &["fetch", "-q"])?;
    }
    let mut times = Vec::new();
    for (name, _, _) in &crates {
        let dir = work.join(name);
        remove_dir_if_present(&dir.join("target"))?;
        println!("bench-report: clean debug build of `{name}` in {}", dir.display());
        let t = Instant::now();
        cargo_in(cargo, &dir, &["build", "-q"])?;
        let d = t.elapsed();
        println!("bench-report: {name:<9} clean debug build: {:6.1} s", d.as_secs_f64());
        times.push(d);
    }
    let (floor, users, consumer) = match times[..] {
        [f, u, c] => (f, u, c),
        _ => return Err(failed("build measurement: expected three builds")),
    };
    Ok(BuildTimes { floor, users, consumer, dir: work.to_path_buf() })
}

fn cargo_in(cargo: &OsString, dir: &Path, args: &[&str]) -> Result<(), Failure> {
    let status = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .stdin(Stdio::null())
        .status()
        .map_err(|e| failed(format!("cannot run cargo {}: {e}", args.join(" "))))?;
    if status.success() {
        Ok(())
    } else {
        Err(failed(format!("`cargo {}` in {} failed ({status})", args.join(" "), dir.display())))
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the results
// ---------------------------------------------------------------------------------------------

/// Criterion medians (ns per iteration) by `group/function`, and the benches' own `key value` files.
struct Data {
    criterion: BTreeMap<String, f64>,
    custom: BTreeMap<String, BTreeMap<String, String>>,
}

impl Data {
    fn load(target: &Path, results: &Path) -> Data {
        let mut criterion = BTreeMap::new();
        for group in criterion_groups() {
            let Ok(entries) = fs::read_dir(target.join("criterion").join(group)) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let file = entry.path().join("new").join("estimates.json");
                if let Some(ns) = fs::read_to_string(&file).ok().and_then(|t| point_estimate(&t, "median")) {
                    criterion.insert(format!("{group}/{name}"), ns);
                }
            }
        }
        let mut custom = BTreeMap::new();
        if let Ok(entries) = fs::read_dir(results) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().and_then(|e| e.to_str()) != Some("txt") {
                    continue;
                }
                let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else { continue };
                let Ok(text) = fs::read_to_string(&path) else { continue };
                custom.insert(stem, parse_pairs(&text));
            }
        }
        Data { criterion, custom }
    }

    fn ns(&self, key: &str) -> Option<f64> {
        self.criterion.get(key).copied()
    }

    fn num(&self, file: &str, key: &str) -> Option<f64> {
        self.custom.get(file)?.get(key)?.parse().ok()
    }
}

/// `key value` lines.
fn parse_pairs(text: &str) -> BTreeMap<String, String> {
    text.lines().filter_map(|l| l.split_once(' ')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect()
}

/// `estimates.json` → `<statistic>.point_estimate` (criterion writes
/// `{"mean":{"confidence_interval":{...},"point_estimate":N,"standard_error":N},"median":{...},...}`).
fn point_estimate(json: &str, statistic: &str) -> Option<f64> {
    let at = json.find(&format!("\"{statistic}\""))?;
    let rest = &json[at..];
    let key = "\"point_estimate\":";
    let from = rest.find(key)? + key.len();
    let tail = rest[from..].trim_start();
    let end =
        tail.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))).unwrap_or(tail.len());
    tail[..end].parse().ok()
}

// ---------------------------------------------------------------------------------------------
// The figures
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Goal {
    /// No goal set for this figure.
    None,
    /// The ratio must be at least this.
    AtLeast(f64),
    /// The ratio must be at most this.
    AtMost(f64),
}

/// How a row's ratio is computed from its two numbers, and how it is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RatioKind {
    /// No ratio: the figure is reported, not compared (`—`).
    None,
    /// Measured ÷ baseline, a multiple of the baseline (`0.99×`).
    Multiple,
    /// Measured speed ÷ baseline speed (`1.90× the speed`).
    Speed,
    /// Baseline time ÷ measured time (`47.93× faster`).
    Faster,
    /// The measured count itself (`5 round trips`).
    RoundTrips,
}

impl RatioKind {
    fn of(self, value: Option<f64>, baseline: Option<f64>) -> Option<f64> {
        match self {
            RatioKind::None => None,
            RatioKind::Multiple | RatioKind::Speed => ratio_of(value, baseline),
            RatioKind::Faster => ratio_of(baseline, value),
            RatioKind::RoundTrips => value,
        }
    }

    fn text(self, ratio: Option<f64>) -> String {
        match (self, ratio) {
            (RatioKind::None, _) => "—".into(),
            (_, None) => NOT_MEASURED.into(),
            (RatioKind::Multiple, Some(v)) => format!("{v:.2}×"),
            (RatioKind::Speed, Some(v)) => format!("{v:.2}× the speed"),
            (RatioKind::Faster, Some(v)) => format!("{v:.2}× faster"),
            (RatioKind::RoundTrips, Some(v)) => format!("{v:.0} round trips"),
        }
    }
}

/// Where a number of the report comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// A criterion median in ns per iteration: group, function.
    Median(&'static str, &'static str),
    /// A number of a `key value` results file (`<results>/<file>.txt`): file, key.
    Figure(&'static str, &'static str),
    /// MB/s: the `codec` results figure `bytes` over the criterion median of `group/function`.
    MbPerS { group: &'static str, function: &'static str, bytes: &'static str },
}

impl Source {
    fn get(self, data: &Data) -> Option<f64> {
        match self {
            Source::Median(group, function) => data.ns(&format!("{group}/{function}")),
            Source::Figure(file, key) => data.num(file, key),
            Source::MbPerS { group, function, bytes } => {
                data.ns(&format!("{group}/{function}")).zip(data.num("codec", bytes)).map(|(ns, b)| mb_s(b, ns))
            }
        }
    }

    /// The criterion group the number is read from, if it is a criterion figure.
    fn group(self) -> Option<&'static str> {
        match self {
            Source::Median(group, _) | Source::MbPerS { group, .. } => Some(group),
            Source::Figure(..) => None,
        }
    }
}

const NOT_MEASURED: &str = "not measured";
const NONE_SET: &str = "none set";

/// One side of a comparison: the number and how it is written.
struct Side {
    source: Source,
    /// Writes the number (`data`: for the figures written next to it).
    text: fn(f64, &Data) -> String,
    /// Written when the number was not measured.
    missing: &'static str,
}

const fn side(source: Source, text: fn(f64, &Data) -> String) -> Side {
    Side { source, text, missing: NOT_MEASURED }
}

impl Side {
    fn render(&self, value: Option<f64>, data: &Data) -> String {
        value.map_or_else(|| self.missing.into(), |v| (self.text)(v, data))
    }
}

/// A row of the report as data: where its numbers come from and how they are written.
struct Figure {
    /// The figure's name; each `{}` is one of `figure_args` (`{:.0}`), written as the default
    /// given with it when not measured.
    figure: &'static str,
    figure_args: &'static [(Source, f64)],
    value: Side,
    baseline: Side,
    ratio: RatioKind,
    goal: Goal,
    goal_text: &'static str,
    /// Drawn in the chart.
    chart: bool,
}

/// A codec throughput row: `group/typed` against `group/value`, each over its byte count.
const fn throughput(
    figure: &'static str,
    group: &'static str,
    (typed_bytes, value_bytes): (&'static str, &'static str),
    goal: Goal,
    goal_text: &'static str,
) -> Figure {
    Figure {
        figure,
        figure_args: &[],
        value: side(Source::MbPerS { group, function: "typed", bytes: typed_bytes }, |v, _| {
            format!("{v:.0} MB/s typed")
        }),
        baseline: side(Source::MbPerS { group, function: "value", bytes: value_bytes }, |v, _| {
            format!("{v:.0} MB/s `Value`")
        }),
        ratio: RatioKind::Speed,
        goal,
        goal_text,
        chart: true,
    }
}

/// `kib_text` of a `memory` results figure, `?` when missing.
fn kept(data: &Data, key: &str) -> String {
    data.num("memory", key).map_or("?".into(), kib_text)
}

const LATENCY_MS: &[(Source, f64)] = &[(Source::Figure("queue", "latency_ms"), 20.0)];
const PIPELINE_RAW: Source = Source::Median("pipeline", "reqwest");
const FLOOR: Source = Source::Figure("build", "floor_s");

/// Every row of the report, in order. The criterion groups a bench run must produce (and that
/// are cleared before it) are the ones named here: [`criterion_groups`].
static FIGURES: &[Figure] = &[
    throughput(
        "Decode a 999-user page into `Page<User>`",
        "decode_users",
        ("users_bytes", "users_bytes"),
        Goal::AtLeast(1.5),
        "≥ 1.5× `Value`",
    ),
    throughput(
        "Encode the 999-user page",
        "encode_users",
        ("users_typed_out_bytes", "users_value_out_bytes"),
        Goal::None,
        NONE_SET,
    ),
    Figure {
        figure: "Peak heap decoding the 999-user page",
        figure_args: &[],
        value: side(Source::Figure("memory", "users_typed_peak"), |v, d| {
            format!("{} typed (result keeps {})", kib_text(v), kept(d, "users_typed_retained"))
        }),
        baseline: side(Source::Figure("memory", "users_value_peak"), |v, d| {
            format!("{} `Value` (keeps {})", kib_text(v), kept(d, "users_value_retained"))
        }),
        ratio: RatioKind::Multiple,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: true,
    },
    throughput(
        "Decode a 500-item `/me/authentication/methods` page into `Page<AuthenticationMethodKind>`",
        "decode_methods",
        ("methods_bytes", "methods_bytes"),
        Goal::None,
        NONE_SET,
    ),
    throughput(
        "Encode the 500-method page",
        "encode_methods",
        ("methods_typed_out_bytes", "methods_value_out_bytes"),
        Goal::None,
        NONE_SET,
    ),
    Figure {
        figure: "Peak heap decoding the 500-method page",
        figure_args: &[],
        value: side(Source::Figure("memory", "methods_typed_peak"), |v, d| {
            format!("{} typed (result keeps {})", kib_text(v), kept(d, "methods_typed_retained"))
        }),
        baseline: side(Source::Figure("memory", "methods_value_peak"), |v, d| {
            format!("{} `Value` (keeps {})", kib_text(v), kept(d, "methods_value_retained"))
        }),
        ratio: RatioKind::Multiple,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: true,
    },
    Figure {
        figure: "`cargo xtask codegen` on the full v1.0 CSDL (release)",
        figure_args: &[],
        value: side(Source::Figure("codegen", "best_s"), |best, d| {
            let cg = |k: &str| d.num("codegen", k);
            match (cg("median_s"), cg("peak_rss_kib")) {
                (Some(median), Some(rss)) => format!(
                    "{best:.2} s best, {median:.2} s median of {}; peak RSS {:.0} MiB",
                    cg("runs").unwrap_or(1.0),
                    rss / 1024.0
                ),
                _ => NOT_MEASURED.into(),
            }
        }),
        baseline: Side {
            source: Source::Figure("codegen", "files"),
            text: |files, d| {
                format!(
                    "({files:.0} files, {:.1} MB generated)",
                    d.num("codegen", "generated_bytes").unwrap_or(0.0) / 1e6
                )
            },
            missing: "—",
        },
        ratio: RatioKind::None,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: false,
    },
    Figure {
        figure: "100 SMS sign-in toggles, {} ms latency per HTTP request: queued vs sequential",
        figure_args: LATENCY_MS,
        value: side(Source::Median("queue", "queued_100"), |v, _| format!("{} queued (`execute_query`)", ms_text(v))),
        baseline: side(Source::Median("queue", "sequential_100"), |v, _| format!("{} sequential (`send`)", ms_text(v))),
        ratio: RatioKind::Faster,
        goal: Goal::AtLeast(10.0),
        goal_text: "≥ 10×",
        chart: true,
    },
    Figure {
        figure: "The same, {} ms also per `$batch` item (items of a batch run in parallel)",
        figure_args: LATENCY_MS,
        value: side(Source::Median("queue", "queued_100_item_latency"), |v, _| format!("{} queued", ms_text(v))),
        baseline: side(Source::Median("queue", "sequential_100"), |v, _| format!("{} sequential", ms_text(v))),
        ratio: RatioKind::Faster,
        goal: Goal::AtLeast(10.0),
        goal_text: "≥ 10×",
        chart: true,
    },
    Figure {
        figure: "HTTP round trips for the 100 toggles (emulator's request log)",
        figure_args: &[],
        value: side(Source::Figure("queue", "request_latency_queued_round_trips"), |v, _| format!("{v:.0} queued")),
        baseline: side(Source::Figure("queue", "request_latency_sequential_round_trips"), |v, _| {
            format!("{v:.0} sequential")
        }),
        ratio: RatioKind::RoundTrips,
        goal: Goal::AtMost(5.0),
        goal_text: "≤ 5 round trips",
        chart: false,
    },
    Figure {
        figure: "Per-request time through the msgraph-core pipeline vs plain reqwest (criterion)",
        figure_args: &[],
        value: side(Source::Median("pipeline", "msgraph_core"), |v, _| format!("{} msgraph-core", ms_text(v))),
        baseline: side(PIPELINE_RAW, |v, _| format!("{} reqwest", ms_text(v))),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.10),
        goal_text: "≤ 1.10×",
        chart: true,
    },
    Figure {
        figure: "The same, interleaved (best of {} alternating rounds of {} requests)",
        figure_args: &[
            (Source::Figure("pipeline", "interleaved_rounds"), 0.0),
            (Source::Figure("pipeline", "interleaved_requests_per_round"), 0.0),
        ],
        value: side(Source::Figure("pipeline", "interleaved_msgraph_core_ns"), |v, _| {
            format!("{} msgraph-core", ms_text(v))
        }),
        baseline: side(Source::Figure("pipeline", "interleaved_reqwest_ns"), |v, _| format!("{} reqwest", ms_text(v))),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.10),
        goal_text: "≤ 1.10×",
        chart: true,
    },
    Figure {
        figure: "Per-request time, typed builder (`users().by_id(..).get()`, decodes a `UserKind`)",
        figure_args: &[],
        value: side(Source::Median("pipeline", "msgraph_typed"), |v, _| format!("{} typed", ms_text(v))),
        baseline: side(PIPELINE_RAW, |v, _| format!("{} reqwest", ms_text(v))),
        ratio: RatioKind::Multiple,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: false,
    },
    Figure {
        figure: "Clean debug build of a consumer with only the `users` API area (phone methods) vs the reqwest + \
                 tokio + serde_json floor",
        figure_args: &[],
        value: side(Source::Figure("build", "users_s"), |v, _| format!("{v:.1} s users-only consumer")),
        baseline: side(FLOOR, |v, _| format!("{v:.1} s floor")),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.5),
        goal_text: "≤ 1.5×",
        chart: true,
    },
    Figure {
        figure: "Clean debug build of a consumer of the whole SDK (default features) vs the same floor",
        figure_args: &[],
        value: side(Source::Figure("build", "consumer_s"), |v, _| format!("{v:.1} s consumer")),
        baseline: side(FLOOR, |v, _| format!("{v:.1} s floor")),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.5),
        goal_text: "≤ 1.5× (issue #5); ≤ 2.3× for the whole typed surface (compile-time.md)",
        chart: true,
    },
];

/// The criterion groups [`FIGURES`] read, in order of first use.
fn criterion_groups() -> Vec<&'static str> {
    let mut groups = Vec::new();
    for f in FIGURES {
        let sources = f.figure_args.iter().map(|(s, _)| *s).chain([f.value.source, f.baseline.source]);
        for group in sources.filter_map(Source::group) {
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }
    groups
}

impl Figure {
    fn row(&self, data: &Data) -> Row {
        let (value, baseline) = (self.value.source.get(data), self.baseline.source.get(data));
        Row {
            figure: self.name(data),
            value: self.value.render(value, data),
            baseline: self.baseline.render(baseline, data),
            ratio: self.ratio.of(value, baseline),
            ratio_kind: self.ratio,
            goal: self.goal,
            goal_text: self.goal_text,
            chart: self.chart,
        }
    }

    /// `figure` with its `{}`s filled in.
    fn name(&self, data: &Data) -> String {
        let mut args = self.figure_args.iter();
        let mut name = String::new();
        for (i, part) in self.figure.split("{}").enumerate() {
            if i > 0 {
                match args.next() {
                    Some((source, default)) => {
                        let _ = write!(name, "{:.0}", source.get(data).unwrap_or(*default));
                    }
                    None => name.push('?'),
                }
            }
            name.push_str(part);
        }
        name
    }
}

/// A row as written.
struct Row {
    figure: String,
    value: String,
    baseline: String,
    /// The ratio of value and baseline as `ratio_kind` defines it.
    ratio: Option<f64>,
    ratio_kind: RatioKind,
    goal: Goal,
    goal_text: &'static str,
    /// Drawn in the chart.
    chart: bool,
}

impl Row {
    fn met(&self) -> &'static str {
        match (self.goal, self.ratio) {
            (Goal::None, _) => "—",
            (_, None) => NOT_MEASURED,
            (Goal::AtLeast(g), Some(r)) if r >= g => "met",
            (Goal::AtMost(g), Some(r)) if r <= g => "met",
            _ => "**not met**",
        }
    }

    fn is_met(&self) -> Option<bool> {
        match (self.goal, self.ratio) {
            (Goal::AtLeast(g), Some(r)) => Some(r >= g),
            (Goal::AtMost(g), Some(r)) => Some(r <= g),
            _ => None,
        }
    }

    fn ratio_text(&self) -> String {
        self.ratio_kind.text(self.ratio)
    }
}

fn mb_s(bytes: f64, ns: f64) -> f64 {
    bytes / ns * 1e3
}

fn kib_text(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", bytes / 1024.0 / 1024.0)
    } else {
        format!("{:.0} KiB", bytes / 1024.0)
    }
}

fn ms_text(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn ratio_of(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn rows(data: &Data) -> Vec<Row> {
    FIGURES.iter().map(|f| f.row(data)).collect()
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

fn table(rows: &[Row]) -> String {
    let mut s = String::from("| figure | measured | baseline | ratio | goal | met |\n|---|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.figure,
            r.value,
            r.baseline,
            r.ratio_text(),
            r.goal_text,
            r.met()
        );
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn markdown(
    facts: &Facts,
    rows: &[Row],
    opts: &BenchOpts,
    data: &Data,
    build: Option<&(BuildTimes, Duration)>,
    bench_time: Option<Duration>,
    total: Duration,
    problems: &[String],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `cargo xtask bench-report` — do not edit by hand, run it again. Shared 2-core machines \
         drift by ±50% between runs, so every ratio below compares two figures measured in the same run.\n"
    );
    let _ = writeln!(s, "## Machine and run\n");
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| date | {} |", facts.date);
    let _ = writeln!(s, "| nproc | {} |", facts.nproc);
    let _ = writeln!(s, "| CPU | {} |", facts.cpu);
    let _ = writeln!(s, "| rustc | {} |", facts.rustc);
    let _ = writeln!(s, "| load average at start (1/5/15 min) | {} |", facts.load);
    let _ = writeln!(s, "| mode | {} |", facts.mode);
    let _ = writeln!(
        s,
        "| wall time | {:.0} s in all: benchmarks {}, build measurement {} |",
        total.as_secs_f64(),
        bench_time.map_or("skipped".into(), |d| format!("{:.0} s", d.as_secs_f64())),
        build.map_or("skipped".into(), |(_, d)| format!("{:.0} s", d.as_secs_f64()))
    );
    let _ = writeln!(s);
    if !problems.is_empty() {
        let _ = writeln!(s, "**Problems in this run:**\n");
        for p in problems {
            let _ = writeln!(s, "* {p}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Results\n");
    s.push_str(&table(rows));
    let met: Vec<bool> = rows.iter().filter_map(Row::is_met).collect();
    let _ = writeln!(
        s,
        "\n{} of {} figures with a goal meet it. \"none set\": no goal was set for that figure; it is measured to be \
         tracked.\n",
        met.iter().filter(|m| **m).count(),
        met.len()
    );
    let _ = writeln!(s, "![ratios against their baselines and goals](benchmarks.svg)\n");

    let _ = writeln!(s, "## What is measured\n");
    let c = |k: &str| data.custom.get("codec").and_then(|m| m.get(k)).cloned().unwrap_or_else(|| "?".into());
    let _ = writeln!(
        s,
        "* **Decode/encode** (`benches/benches/codec.rs`, criterion, median): a page of {} users generated in \
         the bench ({} bytes, {} properties per user on average: ids, UPNs, mail, names, jobTitle, officeLocation, \
         businessPhones, nested assignedLicenses/assignedPlans, timestamps with 7 fractional digits, booleans, explicit \
         `null`s, two unknown `extension_…` properties; `@odata.context` and `@odata.nextLink` on the page), decoded \
         with `msgraph::json::from_str::<msgraph::Page<User>>` vs `serde_json::from_str::<Value>`, and encoded back \
         (`msgraph::json::to_string` vs `serde_json::to_string`). The bench first checks that the typed round trip \
         keeps every property. MB/s = 10⁶ bytes of JSON read (decode) or written (encode) per second. The \
         polymorphic page has {} methods of {} `@odata.type`s ({} bytes) including one type unknown to v1.0 (decoded \
         as the base variant).",
        c("users_items"),
        c("users_bytes"),
        c("users_props_per_item"),
        c("methods_items"),
        c("methods_kinds"),
        c("methods_bytes")
    );
    let _ = writeln!(
        s,
        "* **Peak heap** (`benches/benches/memory.rs`): a counting global allocator in its own bench binary; the \
         high-water mark of live heap bytes during one decode, above what was live before it (the input text is \
         not counted), and what the decoded result keeps alive."
    );
    let _ = writeln!(
        s,
        "* **Codegen** (`benches/benches/codegen.rs`): the steps of `cargo xtask codegen --out <temp dir>` (locate \
         and sha256-verify the pinned CSDL, parse, resolve, emit, write the tree) in a release build; peak RSS is \
         `VmHWM` of a fresh child process doing one run (what `/usr/bin/time -v` reports as maximum resident set \
         size)."
    );
    let _ = writeln!(
        s,
        "* **Queue** (`benches/benches/queue.rs`, criterion, 10 samples): the emulator seeded with 100 extra users, \
         each with a mobile phone; one iteration toggles SMS sign-in on all 100 (`enable_sms_sign_in`, then \
         `disable_sms_sign_in` on the next iteration) either with 100 × `.send().await` or with 100 × \
         `client.add_query(..)` and one `client.execute_query()` (`$batch`es of 20, up to 4 in flight). The headline \
         puts the 20 ms on every HTTP request (`FaultRule::latency(..).on_batch_items(false)`: a network round \
         trip); the second line uses the emulator's default scope, which also delays every `$batch` item by 20 ms \
         (items of a parallel batch run concurrently). Round trips are counted in the emulator's request log \
         (`Emulator::requests()`, batch items excluded) and must equal the queue's own `ExecuteSummary::round_trips`."
    );
    let _ = writeln!(
        s,
        "* **Pipeline overhead** (`benches/benches/pipeline.rs`): `GET /v1.0/users/1` with a bearer token against a \
         lean keep-alive HTTP/1.1 server on 127.0.0.1 answering a fixed 29-byte JSON; reqwest (`send` + `bytes`) vs \
         `client.get::<HttpResponse>(..)` through the whole msgraph-core pipeline. Criterion runs the two one after \
         the other, so an interleaved measurement is reported too."
    );
    let _ = writeln!(
        s,
        "* **Build**: `cargo build` of three throw-away crates, each with a \
         fresh target dir and `CARGO_INCREMENTAL=0`, one after the other in this run: the floor (reqwest 0.12 with \
         rustls + tokio + serde_json, a trivial `main`), a consumer of `msgraph` with only the `users` API area \
         (`default-features = false, features = [\"users\"]`) and a consumer of the whole typed v1.0 surface (default \
         features), both decoding one model. All start from the workspace's `Cargo.lock`; dependencies are fetched \
         before the clock starts.{}",
        match (build, &opts.build_dir) {
            (Some((b, _)), Some(_)) => format!(" Work directory of this run (kept): `{}`.", b.dir.display()),
            _ => String::new(),
        }
    );
    let _ = writeln!(s, "\n## Commands\n");
    let _ = writeln!(s, "```sh");
    let _ = writeln!(
        s,
        "MSGRAPH_METADATA_DIR=../shared/metadata cargo xtask bench-report   # this file: every benchmark + the build measurement"
    );
    let _ = writeln!(
        s,
        "cargo xtask bench-report --quick --skip-build-measure             # development: short measurements, no clean builds"
    );
    let _ = writeln!(
        s,
        "cargo xtask bench-report --skip-bench --skip-build-measure        # rewrite the report from the last run's files"
    );
    let _ = writeln!(
        s,
        "(cd benches && cargo bench)                                       # the benchmarks alone (main target dir)"
    );
    let _ = writeln!(s, "(cd benches && cargo bench --bench codec)                         # one of codec, memory, queue, pipeline, codegen");
    let _ =
        writeln!(s, "cargo xtask bench-report --skip-bench --out DIR                   # the build measurement alone");
    let _ = writeln!(s, "```\n");
    let _ = writeln!(
        s,
        "This run: `cargo xtask bench-report{}{}`. Criterion's own reports are in `target/criterion/`, the \
         benches' custom figures in `target/msgraph-bench/*.txt`. `benches/` is its own cargo workspace (so \
         criterion never enters `cargo test --workspace`) sharing the main `target/` directory.",
        if opts.quick { " --quick" } else { "" },
        if opts.skip_build_measure { " --skip-build-measure" } else { "" }
    );
    s
}

/// Horizontal bars of every chartable ratio on a log scale (0.1× … 100×), a line at 1×, and each
/// row's goal as a red tick; green bars meet their goal, orange ones do not, grey ones have none.
fn svg(rows: &[Row], facts: &Facts) -> String {
    let chart: Vec<&Row> = rows.iter().filter(|r| r.chart).collect();
    let (left, width, row_h, top) = (430.0_f64, 420.0_f64, 34.0_f64, 50.0_f64);
    let height = top + row_h * chart.len() as f64 + 60.0;
    let (lo, hi) = (0.1_f64.log10(), 100.0_f64.log10());
    let x = |v: f64| left + (v.clamp(0.1, 100.0).log10() - lo) / (hi - lo) * width;
    let esc = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('`', "");
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{height:.0}" viewBox="0 0 {w:.0} {height:.0}" font-family="sans-serif" font-size="12">"##,
        w = left + width + 150.0
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="10" y="22" font-size="15" font-weight="bold">msgraph-rs benchmarks: ratio to baseline (log scale), {}</text>"##,
        esc(&facts.date)
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="40" fill="#555">green: goal met, orange: not met, grey: no goal; red tick: the goal</text>"##
    );
    for tick in [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0] {
        let tx = x(tick);
        let bottom = top + row_h * chart.len() as f64;
        let stroke = if tick == 1.0 { r##"stroke="#000" stroke-width="1.5""## } else { r##"stroke="#ddd""## };
        let _ = writeln!(s, r##"<line x1="{tx:.1}" y1="{top:.1}" x2="{tx:.1}" y2="{bottom:.1}" {stroke}/>"##);
        let _ = writeln!(
            s,
            r##"<text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#555">{tick}×</text>"##,
            bottom + 16.0
        );
    }
    for (i, r) in chart.iter().enumerate() {
        let y = top + row_h * i as f64;
        let mut label = esc(&r.figure);
        if label.chars().count() > 68 {
            label = label.chars().take(66).collect::<String>() + "…";
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            left - 8.0,
            y + row_h / 2.0 + 4.0
        );
        let Some(v) = r.ratio else {
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" fill="#999">not measured</text>"##,
                x(1.0) + 6.0,
                y + row_h / 2.0 + 4.0
            );
            continue;
        };
        let (x0, x1) = (x(1.0).min(x(v)), x(1.0).max(x(v)));
        let fill = match r.is_met() {
            Some(true) => "#4caf50",
            Some(false) => "#ff9800",
            None => "#9e9e9e",
        };
        let _ = writeln!(
            s,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"##,
            y + 7.0,
            (x1 - x0).max(1.0),
            row_h - 14.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}">{}</text>"##,
            x1 + 4.0,
            y + row_h / 2.0 + 4.0,
            esc(&r.ratio_text())
        );
        let goal = match r.goal {
            Goal::AtLeast(g) | Goal::AtMost(g) => Some(g),
            Goal::None => None,
        };
        if let Some(g) = goal {
            let gx = x(g);
            let _ = writeln!(
                s,
                r##"<line x1="{gx:.1}" y1="{:.1}" x2="{gx:.1}" y2="{:.1}" stroke="#d32f2f" stroke-width="3"/>"##,
                y + 3.0,
                y + row_h - 3.0
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<text x="10" y="{:.1}" fill="#555">speed rows: how many times faster than the baseline; time, memory and build rows: multiple of the baseline (lower is better)</text>"##,
        height - 12.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_point_estimates() {
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":10.5,"upper_bound":12.0},"point_estimate":11.25,"standard_error":0.3},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":9.0,"upper_bound":10.0},"point_estimate":9.5e3,"standard_error":0.1}}"#;
        assert_eq!(point_estimate(json, "mean"), Some(11.25));
        assert_eq!(point_estimate(json, "median"), Some(9500.0));
        assert_eq!(point_estimate(json, "slope"), None);
    }

    fn row(ratio: Option<f64>, ratio_kind: RatioKind, goal: Goal) -> Row {
        Row {
            figure: "f".into(),
            value: String::new(),
            baseline: String::new(),
            ratio,
            ratio_kind,
            goal,
            goal_text: "",
            chart: true,
        }
    }

    #[test]
    fn goals_and_dates() {
        let row = |ratio, goal| row(ratio, RatioKind::Multiple, goal);
        assert_eq!(row(Some(1.6), Goal::AtLeast(1.5)).met(), "met");
        assert_eq!(row(Some(1.4), Goal::AtLeast(1.5)).met(), "**not met**");
        assert_eq!(row(Some(1.05), Goal::AtMost(1.1)).met(), "met");
        assert_eq!(row(None, Goal::AtMost(1.1)).met(), "not measured");
        assert_eq!(row(Some(3.0), Goal::None).met(), "—");
        let d = utc_now();
        assert!(d.len() == "2026-01-01 00:00 UTC".len() && d.starts_with("20"), "{d}");
        assert_eq!(parse_pairs("a 1\nb two words\n")["b"], "two words");
    }

    #[test]
    fn ratio_text_per_kind() {
        let text = |ratio, kind| row(ratio, kind, Goal::None).ratio_text();
        assert_eq!(text(Some(0.987), RatioKind::Multiple), "0.99×");
        assert_eq!(text(Some(1.9), RatioKind::Speed), "1.90× the speed");
        assert_eq!(text(Some(47.934), RatioKind::Faster), "47.93× faster");
        assert_eq!(text(Some(5.0), RatioKind::RoundTrips), "5 round trips");
        assert_eq!(text(None, RatioKind::None), "—");
        for kind in [RatioKind::Multiple, RatioKind::Speed, RatioKind::Faster, RatioKind::RoundTrips] {
            assert_eq!(text(None, kind), "not measured", "{kind:?}");
        }
        // How each kind computes its ratio from the measured value and the baseline.
        assert_eq!(RatioKind::Multiple.of(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(RatioKind::Speed.of(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(RatioKind::Faster.of(Some(2.0), Some(3.0)), Some(1.5));
        assert_eq!(RatioKind::RoundTrips.of(Some(4.0), Some(100.0)), Some(4.0));
        assert_eq!(RatioKind::None.of(Some(4.0), Some(100.0)), None);
        assert_eq!(RatioKind::Multiple.of(Some(4.0), Some(0.0)), None);
    }

    #[test]
    fn figures_table() {
        // The groups are derived from the table: these are the ones the benches define.
        assert_eq!(
            criterion_groups(),
            ["decode_users", "encode_users", "decode_methods", "encode_methods", "queue", "pipeline"]
        );
        for f in FIGURES {
            assert_eq!(f.figure.matches("{}").count(), f.figure_args.len(), "{}", f.figure);
        }
        // Nothing measured: every row still renders, with the defaults of the figure names.
        let empty = Data { criterion: BTreeMap::new(), custom: BTreeMap::new() };
        let rows = rows(&empty);
        assert_eq!(rows.len(), FIGURES.len());
        assert!(rows.iter().all(|r| r.ratio.is_none() && r.value == "not measured"));
        assert!(rows.iter().any(|r| r.figure.starts_with("100 SMS sign-in toggles, 20 ms latency per HTTP request")));
        assert!(rows.iter().any(|r| r.figure.starts_with("The same, interleaved (best of 0 alternating rounds of 0")));
        // A criterion median and a results file both feed a row.
        let mut data = Data { criterion: BTreeMap::new(), custom: BTreeMap::new() };
        data.criterion.insert("decode_users/typed".into(), 1000.0);
        data.criterion.insert("decode_users/value".into(), 2000.0);
        data.custom.insert("codec".into(), parse_pairs("users_bytes 500000\n"));
        let r = FIGURES[0].row(&data);
        assert_eq!((r.value.as_str(), r.baseline.as_str()), ("500000 MB/s typed", "250000 MB/s `Value`"));
        assert_eq!(r.ratio_text(), "2.00× the speed");
        assert_eq!(r.met(), "met");
    }
}
