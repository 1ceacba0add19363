//! Developer tasks for msgraph-rs: `cargo xtask <command>` (see `cargo xtask help`).

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use msgraph_codegen::diff::{self, Diff, Side};
use msgraph_codegen::ir::Model;
use msgraph_codegen::{emit, pin, tree, Generated, Input};

mod bench_report;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  codegen [--check] [--metadata PATH] [--out DIR] [--pin PATH]
      Generate crates/msgraph/src/generated from the pinned Graph CSDL.
        --check          write nothing; exit 1 if the code on disk differs from what would be generated
        --metadata PATH  generate from this CSDL file instead of the pinned one (sha256 printed, not checked)
        --out DIR        write (or check) DIR instead of crates/msgraph/src/generated
  metadata fetch [--pin PATH]
      Download the pinned CSDL with curl into $MSGRAPH_METADATA_DIR (or metadata/), verifying its sha256.
  metadata verify [--pin PATH]
      Locate the pinned CSDL and verify its sha256.
  metadata diff (OLD | --pinned) NEW [--json] [--pin PATH]
      Compare two CSDL documents at the IR level and print, grouped by namespace, added/removed
      types, properties and navigation properties (type, nullability, collection changes), enum
      members, polymorphic wrappers, actions/functions (parameters, return types), entity sets and
      singletons, Rust renames and doc changes, with the semver verdict (major/minor/patch) for
      the generated crate and its reasons.
        --pinned         use the pinned CSDL (located and sha256-verified) as OLD
        --json           print JSON instead of text
  metadata update (NEW | --fetch) [--commit SHA] [--date YYYY-MM-DD] [--file NAME] [--sha256 HEX]
                  [--pin PATH] [--out DIR] [--changelog PATH]
      Move the pin to a new CSDL document: verify it (UTF-8, CSDL, Microsoft Graph, resolves),
      diff it against the pinned one and generate in memory; only then place the file where the
      pin finds it ($MSGRAPH_METADATA_DIR when set and writable, else metadata/), rewrite the pin
      (commit, date, sha256, file, url), the generated tree and the changelog, and print the
      summary and verdict. Any failure before the writes leaves everything untouched.
        --commit SHA     upstream commit of NEW (40 hex digits; required unless --fetch)
        --date DATE      date of that commit (required unless --fetch)
        --file NAME      file name recorded in the pin (default: NEW's name; with --fetch
                         graph-v1.0-DATE.csdl)
        --sha256 HEX     refuse NEW unless it has this sha256
        --fetch          download the pinned path at --commit, or at the newest upstream commit
                         that touched it (GitHub API), with curl
        --out DIR        generated tree to rewrite (default crates/msgraph/src/generated)
        --changelog PATH changelog to add the entry to (default CHANGELOG.md)
  bench-report [--quick] [--skip-build-measure] [--skip-bench] [--out DIR] [--build-dir DIR]
      Run the benchmarks in benches/ (cargo bench --manifest-path benches/Cargo.toml: criterion plus
      custom measurements), measure clean debug builds of the reqwest+tokio+serde_json floor, a
      users-only consumer and a whole-SDK consumer (fresh target dirs, one after the other), then write
      docs/benchmarks.md and docs/benchmarks.svg and print the table.
        --quick               short criterion measurements (development only)
        --skip-build-measure  do not run the clean builds
        --skip-bench          do not run the benchmarks; report the figures of the last run
        --out DIR             write the report into DIR instead of docs/
        --build-dir DIR       work directory for the clean builds (default: a new temp dir)
  help
      Print this text.

options:
  --pin PATH   use this pin manifest instead of metadata/graph-v1.0.toml

environment:
  MSGRAPH_METADATA_DIR   directory searched first for the pinned CSDL file (then metadata/)

exit status: 0 success, 1 failure (or stale code with --check), 2 usage error
";

/// Why a command did not succeed.
enum Failure {
    /// Bad command line: usage text, exit status 2.
    Usage(String),
    /// The command failed: exit status 1.
    Failed(String),
}

fn failed(message: impl Into<String>) -> Failure {
    Failure::Failed(message.into())
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

impl From<pin::Error> for Failure {
    fn from(e: pin::Error) -> Failure {
        Failure::Failed(e.to_string())
    }
}

fn main() -> ExitCode {
    match run(env::args_os().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<OsString>) -> Result<(), Failure> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Err(usage("no command given"));
    };
    let command = command.to_str().ok_or_else(|| usage("the command is not valid UTF-8"))?;
    match command {
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        "codegen" => {
            let Some(opts) = CodegenOpts::parse(args)? else {
                print!("{USAGE}");
                return Ok(());
            };
            codegen(&opts)
        }
        "bench-report" => {
            let Some(opts) = bench_report::BenchOpts::parse(args)? else {
                print!("{USAGE}");
                return Ok(());
            };
            bench_report::run(&opts)
        }
        "metadata" => {
            let Some(sub) = args.next() else {
                return Err(usage("`metadata` needs a subcommand: fetch, verify, diff or update"));
            };
            let sub = sub.to_string_lossy().into_owned();
            match sub.as_str() {
                "diff" => {
                    let Some(opts) = DiffOpts::parse(args)? else {
                        print!("{USAGE}");
                        return Ok(());
                    };
                    return metadata_diff(&opts);
                }
                "update" => {
                    let Some(opts) = UpdateOpts::parse(args)? else {
                        print!("{USAGE}");
                        return Ok(());
                    };
                    return metadata_update(&opts);
                }
                _ => {}
            }
            if !matches!(sub.as_str(), "fetch" | "verify" | "-h" | "--help") {
                return Err(usage(format!(
                    "unknown `metadata` subcommand `{sub}` (expected fetch, verify, diff or update)"
                )));
            }
            let Some(pin_path) = parse_pin_only(args, &format!("metadata {sub}"))? else {
                print!("{USAGE}");
                return Ok(());
            };
            match sub.as_str() {
                "fetch" => metadata_fetch(pin_path),
                "verify" => metadata_verify(pin_path),
                _ => {
                    print!("{USAGE}");
                    Ok(())
                }
            }
        }
        other => Err(usage(format!("unknown command `{other}`"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Argument parsing
// ---------------------------------------------------------------------------------------------

struct CodegenOpts {
    check: bool,
    metadata: Option<PathBuf>,
    out: Option<PathBuf>,
    pin: Option<PathBuf>,
}

/// One command-line argument: a flag (with an inline `--flag=value` if given), or help.
enum Arg {
    Help,
    Flag { name: String, inline: Option<String> },
}

fn next_arg(arg: OsString, command: &str) -> Result<Arg, Failure> {
    let s = arg.to_str().ok_or_else(|| usage(format!("`{command}`: argument {arg:?} is not valid UTF-8")))?;
    if s == "-h" || s == "--help" {
        return Ok(Arg::Help);
    }
    if !s.starts_with("--") {
        return Err(usage(format!("`{command}`: unexpected argument `{s}`")));
    }
    Ok(match s.split_once('=') {
        Some((name, value)) => Arg::Flag { name: name.to_string(), inline: Some(value.to_string()) },
        None => Arg::Flag { name: s.to_string(), inline: None },
    })
}

/// Stores the value of a `--flag PATH` option, from `--flag=PATH` or the next argument.
fn path_value(
    slot: &mut Option<PathBuf>,
    name: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = OsString>,
    command: &str,
) -> Result<(), Failure> {
    if slot.is_some() {
        return Err(usage(format!("`{command}`: {name} given more than once")));
    }
    let value = match inline {
        Some(v) => OsString::from(v),
        None => rest.next().ok_or_else(|| usage(format!("`{command}`: {name} needs a value")))?,
    };
    if value.is_empty() {
        return Err(usage(format!("`{command}`: {name} needs a non-empty value")));
    }
    *slot = Some(PathBuf::from(value));
    Ok(())
}

impl CodegenOpts {
    /// `None` when help was asked for.
    fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<CodegenOpts>, Failure> {
        const CMD: &str = "codegen";
        let mut opts = CodegenOpts { check: false, metadata: None, out: None, pin: None };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match next_arg(arg, CMD)? {
                Arg::Help => return Ok(None),
                Arg::Flag { name, inline } => (name, inline),
            };
            match name.as_str() {
                "--check" => {
                    if inline.is_some() {
                        return Err(usage("`codegen`: --check takes no value"));
                    }
                    if opts.check {
                        return Err(usage("`codegen`: --check given more than once"));
                    }
                    opts.check = true;
                }
                "--metadata" => path_value(&mut opts.metadata, &name, inline, &mut args, CMD)?,
                "--out" => path_value(&mut opts.out, &name, inline, &mut args, CMD)?,
                "--pin" => path_value(&mut opts.pin, &name, inline, &mut args, CMD)?,
                _ => return Err(usage(format!("`codegen`: unknown option `{name}`"))),
            }
        }
        if opts.metadata.is_some() && opts.pin.is_some() {
            return Err(usage("`codegen`: --metadata and --pin cannot be used together"));
        }
        Ok(Some(opts))
    }
}

/// One argument of a command that takes positional arguments.
enum ArgOrPositional {
    Help,
    Flag { name: String, inline: Option<String> },
    Positional(PathBuf),
}

fn next_arg_or_positional(arg: OsString, command: &str) -> Result<ArgOrPositional, Failure> {
    let is_flag = arg.to_str().is_some_and(|s| s.starts_with("--") || s == "-h");
    if !is_flag {
        if arg.is_empty() {
            return Err(usage(format!("`{command}`: empty argument")));
        }
        return Ok(ArgOrPositional::Positional(PathBuf::from(arg)));
    }
    Ok(match next_arg(arg, command)? {
        Arg::Help => ArgOrPositional::Help,
        Arg::Flag { name, inline } => ArgOrPositional::Flag { name, inline },
    })
}

/// A flag that takes no value.
fn switch(slot: &mut bool, name: &str, inline: Option<String>, command: &str) -> Result<(), Failure> {
    if inline.is_some() {
        return Err(usage(format!("`{command}`: {name} takes no value")));
    }
    if *slot {
        return Err(usage(format!("`{command}`: {name} given more than once")));
    }
    *slot = true;
    Ok(())
}

/// Stores the value of a `--flag VALUE` option that must be UTF-8.
fn string_value(
    slot: &mut Option<String>,
    name: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = OsString>,
    command: &str,
) -> Result<(), Failure> {
    let mut path = None;
    path_value(&mut path, name, inline, rest, command)?;
    if slot.is_some() {
        return Err(usage(format!("`{command}`: {name} given more than once")));
    }
    let value = path.unwrap_or_default().into_os_string().into_string();
    *slot = Some(value.map_err(|v| usage(format!("`{command}`: the value of {name} ({v:?}) is not valid UTF-8")))?);
    Ok(())
}

struct DiffOpts {
    old: Option<PathBuf>,
    new: PathBuf,
    json: bool,
    pin: Option<PathBuf>,
}

impl DiffOpts {
    /// `None` when help was asked for.
    fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<DiffOpts>, Failure> {
        const CMD: &str = "metadata diff";
        let (mut pinned, mut json, mut pin) = (false, false, None);
        let mut positional = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match next_arg_or_positional(arg, CMD)? {
                ArgOrPositional::Help => return Ok(None),
                ArgOrPositional::Positional(p) => positional.push(p),
                ArgOrPositional::Flag { name, inline } => match name.as_str() {
                    "--pinned" => switch(&mut pinned, &name, inline, CMD)?,
                    "--json" => switch(&mut json, &name, inline, CMD)?,
                    "--pin" => path_value(&mut pin, &name, inline, &mut args, CMD)?,
                    _ => return Err(usage(format!("`{CMD}`: unknown option `{name}`"))),
                },
            }
        }
        if pin.is_some() && !pinned {
            return Err(usage(format!("`{CMD}`: --pin only makes sense with --pinned")));
        }
        let mut positional = positional.into_iter();
        let (old, new) = match (pinned, positional.next(), positional.next(), positional.next()) {
            (true, Some(new), None, None) => (None, new),
            (false, Some(old), Some(new), None) => (Some(old), new),
            (true, _, _, _) => return Err(usage(format!("`{CMD}`: with --pinned, give exactly one file (NEW)"))),
            (false, _, _, _) => return Err(usage(format!("`{CMD}`: give two files, OLD and NEW (or --pinned NEW)"))),
        };
        Ok(Some(DiffOpts { old, new, json, pin }))
    }
}

struct UpdateOpts {
    new: Option<PathBuf>,
    fetch: bool,
    commit: Option<String>,
    date: Option<String>,
    file: Option<String>,
    sha256: Option<String>,
    pin: Option<PathBuf>,
    out: Option<PathBuf>,
    changelog: Option<PathBuf>,
}

impl UpdateOpts {
    /// `None` when help was asked for.
    fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<UpdateOpts>, Failure> {
        const CMD: &str = "metadata update";
        let mut o = UpdateOpts {
            new: None,
            fetch: false,
            commit: None,
            date: None,
            file: None,
            sha256: None,
            pin: None,
            out: None,
            changelog: None,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match next_arg_or_positional(arg, CMD)? {
                ArgOrPositional::Help => return Ok(None),
                ArgOrPositional::Positional(p) => {
                    if o.new.is_some() {
                        return Err(usage(format!("`{CMD}`: give one NEW file")));
                    }
                    o.new = Some(p);
                }
                ArgOrPositional::Flag { name, inline } => match name.as_str() {
                    "--fetch" => switch(&mut o.fetch, &name, inline, CMD)?,
                    "--commit" => string_value(&mut o.commit, &name, inline, &mut args, CMD)?,
                    "--date" => string_value(&mut o.date, &name, inline, &mut args, CMD)?,
                    "--file" => string_value(&mut o.file, &name, inline, &mut args, CMD)?,
                    "--sha256" => string_value(&mut o.sha256, &name, inline, &mut args, CMD)?,
                    "--pin" => path_value(&mut o.pin, &name, inline, &mut args, CMD)?,
                    "--out" => path_value(&mut o.out, &name, inline, &mut args, CMD)?,
                    "--changelog" => path_value(&mut o.changelog, &name, inline, &mut args, CMD)?,
                    _ => return Err(usage(format!("`{CMD}`: unknown option `{name}`"))),
                },
            }
        }
        match (&o.new, o.fetch) {
            (Some(_), true) => return Err(usage(format!("`{CMD}`: give NEW or --fetch, not both"))),
            (None, false) => return Err(usage(format!("`{CMD}`: give the NEW file (or --fetch)"))),
            _ => {}
        }
        if !o.fetch {
            let missing: Vec<&str> = [("--commit", o.commit.is_none()), ("--date", o.date.is_none())]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| n)
                .collect();
            if !missing.is_empty() {
                return Err(usage(format!(
                    "`{CMD}`: {} required: the upstream commit and date of the new file go into the pin",
                    missing.join(" and ")
                )));
            }
        }
        Ok(Some(o))
    }
}

/// Parses `[--pin PATH]`; `Ok(None)` when help was asked for.
fn parse_pin_only(args: impl IntoIterator<Item = OsString>, command: &str) -> Result<Option<Option<PathBuf>>, Failure> {
    let mut pin = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match next_arg(arg, command)? {
            Arg::Help => return Ok(None),
            Arg::Flag { name, inline } if name == "--pin" => {
                path_value(&mut pin, &name, inline, &mut args, command)?;
            }
            Arg::Flag { name, .. } => {
                return Err(usage(format!("`{command}`: unknown option `{name}`")));
            }
        }
    }
    Ok(Some(pin))
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/// The workspace root: the parent of this crate's directory.
fn repo_root() -> Result<PathBuf, Failure> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| failed("cannot determine the repository root from CARGO_MANIFEST_DIR"))
}

fn load_pin(root: &Path, pin_path: Option<PathBuf>) -> Result<(PathBuf, pin::Pin), Failure> {
    let path = pin_path.unwrap_or_else(|| root.join(pin::PIN_PATH));
    let pin = pin::Pin::load(&path)?;
    Ok((path, pin))
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn codegen(opts: &CodegenOpts) -> Result<(), Failure> {
    let root = repo_root()?;

    let started = Instant::now();
    let (source, text, sha) = match &opts.metadata {
        Some(path) => {
            let bytes =
                fs::read(path).map_err(|e| failed(format!("cannot read metadata file {}: {e}", path.display())))?;
            let sha = pin::sha256_hex(&bytes);
            let text = String::from_utf8(bytes).map_err(|e| {
                failed(format!(
                    "{} is not valid UTF-8 (first invalid byte at offset {})",
                    path.display(),
                    e.utf8_error().valid_up_to()
                ))
            })?;
            println!("metadata: {} (sha256 {sha}; given with --metadata, not checked against the pin)", path.display());
            (path.clone(), text, sha)
        }
        None => {
            let (_, pin) = load_pin(&root, opts.pin.clone())?;
            let path = pin::locate(&pin, &root)?;
            let (text, sha) = pin::load_verified(&pin, &path)?;
            println!(
                "metadata: {} ({}@{} {}, sha256 {sha} verified)",
                path.display(),
                pin.repository,
                short(&pin.commit),
                pin.date
            );
            (path, text, sha)
        }
    };
    let load_time = started.elapsed();

    let source_name = source.display().to_string();
    let started = Instant::now();
    let result = msgraph_codegen::generate(&Input { csdl: &text, source_name: &source_name, sha256: &sha });
    let generate_time = started.elapsed();
    let generated = match result {
        Ok(generated) => generated,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            return Err(failed(format!(
                "code generation failed with {} error(s); nothing was written",
                diagnostics.errors.len()
            )));
        }
    };

    let out = match &opts.out {
        Some(dir) => dir.clone(),
        None => root.join(tree::GENERATED_DIR),
    };
    let size = Size::of(&generated);

    // The `[features]` of the SDK and models crates follow the API areas the generator knows.
    let mut manifests = Vec::new();
    for rel in msgraph_codegen::features::MANIFEST_PATHS {
        let path = root.join(rel);
        let text =
            fs::read_to_string(&path).map_err(|e| failed(format!("cannot read {}: {e}", path.display())))?;
        let synced = msgraph_codegen::features::sync_manifest_at(rel, &text).map_err(failed)?;
        if synced != text {
            manifests.push((path, synced));
        }
    }
    let manifest_stale = !manifests.is_empty();

    if opts.check {
        for (path, _) in &manifests {
            eprintln!("{}: the generated [features] block is stale", path.display());
        }
        let started = Instant::now();
        let diff =
            tree::diff(&out, &generated).map_err(|e| failed(format!("cannot compare with {}: {e}", out.display())))?;
        let compare_time = started.elapsed();
        println!(
            "codegen --check: {size} generated; {} stale, {} missing, {} extra in {}; \
             load {} ms, parse+generate {} ms, compare {} ms",
            diff.stale.len(),
            diff.missing.len(),
            diff.extra.len(),
            out.display(),
            ms(load_time),
            ms(generate_time),
            ms(compare_time),
        );
        if diff.is_clean() && !manifest_stale {
            println!("generated code is up to date");
            return Ok(());
        }
        eprintln!("{diff}");
        return Err(failed(format!("generated code is stale: run `{}`", rerun_command(opts))));
    }

    if opts.metadata.is_some() && opts.out.is_none() {
        eprintln!(
            "warning: writing code generated from --metadata into {}; the freshness test fails \
             until the pin ({}) names the same file",
            tree::GENERATED_DIR,
            pin::PIN_PATH
        );
    }
    let started = Instant::now();
    let stats = tree::write_atomically(&out, &generated)
        .map_err(|e| failed(format!("cannot write the generated tree to {}: {e}", out.display())))?;
    let write_time = started.elapsed();
    for (path, synced) in &manifests {
        fs::write(path, synced).map_err(|e| failed(format!("cannot write {}: {e}", path.display())))?;
        println!("updated the [features] block of {}", path.display());
    }
    println!(
        "codegen: {size} generated into {}; {} written, {} unchanged, {} removed; \
         load {} ms, parse+generate {} ms, write {} ms",
        out.display(),
        stats.written,
        stats.unchanged,
        stats.removed,
        ms(load_time),
        ms(generate_time),
        ms(write_time),
    );
    Ok(())
}

/// The command that brings the checked tree up to date.
fn rerun_command(opts: &CodegenOpts) -> String {
    let mut cmd = String::from("cargo xtask codegen");
    for (flag, value) in [("--metadata", &opts.metadata), ("--out", &opts.out), ("--pin", &opts.pin)] {
        if let Some(v) = value {
            cmd.push_str(&format!(" {flag} {}", v.display()));
        }
    }
    cmd
}

/// Files, lines and bytes of a generated tree.
struct Size {
    files: usize,
    lines: usize,
    bytes: usize,
}

impl Size {
    fn of(generated: &Generated) -> Size {
        let mut size = Size { files: generated.files.len(), lines: 0, bytes: 0 };
        for content in generated.files.values() {
            size.lines += content.lines().count();
            size.bytes += content.len();
        }
        size
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} files, {} lines, {} bytes", self.files, self.lines, self.bytes)
    }
}

fn metadata_verify(pin_path: Option<PathBuf>) -> Result<(), Failure> {
    let root = repo_root()?;
    let (_, pin) = load_pin(&root, pin_path)?;
    let path = pin::locate(&pin, &root)?;
    let (text, sha) = pin::load_verified(&pin, &path)?;
    println!("ok: {}", path.display());
    println!("sha256 {sha} ({} bytes)", text.len());
    println!("pinned {} {} @ {} ({})", pin.repository, pin.path, pin.commit, pin.date);
    Ok(())
}

fn metadata_fetch(pin_path: Option<PathBuf>) -> Result<(), Failure> {
    let root = repo_root()?;
    let (_, pin) = load_pin(&root, pin_path)?;
    let dir = pin::fetch_dir(&root);
    let dest = dir.join(&pin.file);

    if dest.is_file() {
        match fs::read(&dest).map(|bytes| pin::verify_bytes(&pin, &dest, &bytes)) {
            Ok(Ok(sha)) => {
                println!("already present: {} (sha256 {sha} verified)", dest.display());
                return Ok(());
            }
            Ok(Err(e)) => eprintln!("warning: {e}\ndownloading it again"),
            Err(e) => eprintln!("warning: cannot read {}: {e}\ndownloading it again", dest.display()),
        }
    }

    fs::create_dir_all(&dir).map_err(|e| failed(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = dir.join(format!(".{}.download-{}", pin.file, std::process::id()));
    let result = download_verified(&pin, &tmp, &dest);
    let result = result.and_then(|(sha, len)| {
        fs::rename(&tmp, &dest)
            .map(|()| (sha, len))
            .map_err(|e| failed(format!("cannot move {} to {}: {e}", tmp.display(), dest.display())))
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    let (sha, len) = result?;
    println!("fetched {} ({len} bytes, sha256 {sha} verified)", dest.display());
    Ok(())
}

/// Downloads `pin.url` into `tmp` with curl and checks its sha256; returns the sha and length.
/// `dest` (where the file goes next) is only used in messages.
fn download_verified(pin: &pin::Pin, tmp: &Path, dest: &Path) -> Result<(String, usize), Failure> {
    println!("downloading {}", pin.url);
    let status =
        Command::new("curl").args(["-fsSL", "--retry", "3", "-o"]).arg(tmp).arg(&pin.url).status().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                failed(format!(
                    "`curl` was not found on PATH; install curl, or download {} yourself to {}, \
                     then run `cargo xtask metadata verify`",
                    pin.url,
                    dest.display()
                ))
            } else {
                failed(format!("cannot run curl: {e}"))
            }
        })?;
    if !status.success() {
        return Err(failed(format!(
            "curl failed ({status}) downloading {}; check network access, or download the file \
             yourself to {}, then run `cargo xtask metadata verify`",
            pin.url,
            dest.display()
        )));
    }
    let bytes = fs::read(tmp).map_err(|e| failed(format!("cannot read the downloaded file {}: {e}", tmp.display())))?;
    let sha = pin::sha256_hex(&bytes);
    if sha != pin.sha256 {
        return Err(failed(format!(
            "the downloaded file does not match the pin; refusing to install it\n  \
             url:            {}\n  expected (pin): {}\n  actual:         {sha}",
            pin.url, pin.sha256
        )));
    }
    Ok((sha, bytes.len()))
}

// ---------------------------------------------------------------------------------------------
// metadata diff / update
// ---------------------------------------------------------------------------------------------

/// The extension of pinned metadata files (`.gitignore` keeps `*.csdl` out of git).
const CSDL_EXTENSION: &str = ".csdl";

/// A CSDL document read from disk.
struct Document {
    path: PathBuf,
    text: String,
    sha256: String,
}

impl Document {
    /// Reads any file (no pin check); errors name the file.
    fn read(path: &Path) -> Result<Document, Failure> {
        let bytes = fs::read(path).map_err(|e| failed(format!("cannot read metadata file {}: {e}", path.display())))?;
        Document::from_bytes(path, bytes)
    }

    fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Document, Failure> {
        let sha256 = pin::sha256_hex(&bytes);
        let text = String::from_utf8(bytes).map_err(|e| {
            failed(format!(
                "{}: not a CSDL document: not valid UTF-8 (first invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok(Document { path: path.to_path_buf(), text, sha256 })
    }

    /// The pinned document, located and sha256-verified.
    fn pinned(root: &Path, pin: &pin::Pin) -> Result<Document, Failure> {
        let path = pin::locate(pin, root)?;
        let (text, sha256) = pin::load_verified(pin, &path)?;
        Ok(Document { path, text, sha256 })
    }

    fn side(&self) -> Side {
        Side { source: self.path.display().to_string(), sha256: self.sha256.clone() }
    }

    /// Parses, checks that it is a Microsoft Graph document, and resolves it. Errors (with
    /// file:line:column) go to stderr.
    fn model(&self) -> Result<Model, Failure> {
        let source_name = self.path.display().to_string();
        let input = Input { csdl: &self.text, source_name: &source_name, sha256: &self.sha256 };
        diff::load_graph_model(&input).map_err(|diagnostics| {
            eprint!("{diagnostics}");
            failed(format!(
                "{source_name} is not a usable Microsoft Graph CSDL document ({} error(s))",
                diagnostics.errors.len()
            ))
        })
    }
}

fn metadata_diff(opts: &DiffOpts) -> Result<(), Failure> {
    let started = Instant::now();
    let old = match &opts.old {
        Some(path) => Document::read(path)?,
        None => {
            let root = repo_root()?;
            let (_, pin) = load_pin(&root, opts.pin.clone())?;
            Document::pinned(&root, &pin)?
        }
    };
    let new = Document::read(&opts.new)?;
    let read_time = started.elapsed();

    let started = Instant::now();
    let old_model = old.model()?;
    let new_model = new.model()?;
    let model_time = started.elapsed();

    let started = Instant::now();
    let d = Diff::between(&old_model, &new_model);
    let diff_time = started.elapsed();

    let (old_side, new_side) = (old.side(), new.side());
    if opts.json {
        print!("{}", diff::to_json(&d, &old_side, &new_side));
    } else {
        print!("{}", diff::to_text(&d, &old_side, &new_side));
    }
    eprintln!(
        "metadata diff: {} change(s), verdict {}; read {} ms, parse+resolve {} ms, diff {} ms",
        d.changes.len(),
        d.verdict().level,
        ms(read_time),
        ms(model_time),
        ms(diff_time)
    );
    Ok(())
}

/// A file removed on drop unless it was renamed away first.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A temporary sibling of `path` (same directory, so a rename replaces `path` atomically).
fn temp_sibling(path: &Path, what: &str) -> PathBuf {
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".{what}-{}", std::process::id()));
    path.with_file_name(name)
}

fn write_temp(path: &Path, bytes: &[u8]) -> Result<TempFile, Failure> {
    let tmp = TempFile(temp_sibling(path, "tmp"));
    fs::write(&tmp.0, bytes).map_err(|e| failed(format!("cannot write {}: {e}", tmp.0.display())))?;
    Ok(tmp)
}

fn rename_into_place(tmp: &TempFile, path: &Path) -> Result<(), Failure> {
    fs::rename(&tmp.0, path).map_err(|e| failed(format!("cannot move {} to {}: {e}", tmp.0.display(), path.display())))
}

/// Where the new CSDL file goes so that `pin::locate` finds it.
enum Placement {
    /// A file with that name and the same sha256 is already the first one `locate` finds.
    AlreadyThere(PathBuf),
    /// Copy the bytes to `dest` (no file of that name in any searched directory).
    Copy { dest: PathBuf, origin: String },
}

/// A directory is writable when its permissions say so (a directory marked read-only is left
/// alone even for root) and a probe file can be created in it.
fn dir_is_writable(dir: &Path) -> bool {
    let Ok(meta) = fs::metadata(dir) else { return false };
    if !meta.is_dir() || meta.permissions().readonly() {
        return false;
    }
    let probe = dir.join(format!(".msgraph-write-probe-{}", std::process::id()));
    let ok = fs::write(&probe, b"").is_ok();
    let _ = fs::remove_file(&probe);
    ok
}

/// `$MSGRAPH_METADATA_DIR` if set and writable, else `metadata/` — unless `locate` already finds
/// a file with this name, which must then be the same file.
fn plan_placement(root: &Path, file: &str, sha256: &str) -> Result<Placement, Failure> {
    let dirs = pin::search_dirs(root);
    for d in &dirs {
        let path = d.dir.join(file);
        if path.is_file() {
            let bytes = fs::read(&path).map_err(|e| failed(format!("cannot read {}: {e}", path.display())))?;
            let existing = pin::sha256_hex(&bytes);
            if existing == sha256 {
                return Ok(Placement::AlreadyThere(path));
            }
            return Err(failed(format!(
                "{} (from {}) already exists with other content (sha256 {existing}); the pin would \
                 find it instead of the new file: choose another name with --file, or remove it",
                path.display(),
                d.origin
            )));
        }
    }
    for d in &dirs {
        if dir_is_writable(&d.dir) {
            return Ok(Placement::Copy { dest: d.dir.join(file), origin: d.origin.clone() });
        }
        eprintln!("note: {} (from {}) is not writable; not placing the new file there", d.dir.display(), d.origin);
    }
    Err(failed(format!(
        "no writable directory to place {file} in (tried {})",
        dirs.iter().map(|d| d.dir.display().to_string()).collect::<Vec<_>>().join(", ")
    )))
}

/// The new document with its upstream commit and date.
struct Incoming {
    document: Document,
    commit: String,
    date: String,
    /// Default file name for the pin.
    file: String,
    /// A downloaded temporary file, removed when done.
    _download: Option<TempFile>,
}

fn metadata_update(opts: &UpdateOpts) -> Result<(), Failure> {
    let root = repo_root()?;
    let pin_path = opts.pin.clone().unwrap_or_else(|| root.join(pin::PIN_PATH));
    let old_pin_text = fs::read_to_string(&pin_path)
        .map_err(|e| failed(format!("cannot read pin manifest {}: {e}", pin_path.display())))?;
    let old_pin = pin::Pin::parse(&old_pin_text, &pin_path)?;
    let out = opts.out.clone().unwrap_or_else(|| root.join(tree::GENERATED_DIR));
    let changelog_path = opts.changelog.clone().unwrap_or_else(|| root.join("CHANGELOG.md"));
    if opts.pin.is_some() != opts.out.is_some() {
        eprintln!(
            "warning: only one of --pin and --out is given: the pin {} and the tree {} will not match \
             the committed ones",
            pin_path.display(),
            out.display()
        );
    }

    // Check the flags that go into the pin before doing any work.
    let provisional = |commit: &str, date: &str, file: &str| -> Result<pin::Pin, Failure> {
        let p = pin::Pin {
            header: old_pin.header.clone(),
            repository: old_pin.repository.clone(),
            path: old_pin.path.clone(),
            commit: commit.to_string(),
            date: date.to_string(),
            sha256: old_pin.sha256.clone(),
            file: file.to_string(),
            url: format!("https://raw.githubusercontent.com/{}/{commit}/{}", old_pin.repository, old_pin.path),
        };
        pin::Pin::parse(&p.to_toml(), &pin_path).map_err(|e| failed(format!("invalid value for the new pin: {e}")))?;
        Ok(p)
    };
    if let (Some(c), Some(d)) = (&opts.commit, &opts.date) {
        provisional(c, d, opts.file.as_deref().unwrap_or(&old_pin.file)).map_err(|e| match e {
            Failure::Failed(m) | Failure::Usage(m) => usage(format!("`metadata update`: {m}")),
        })?;
    }
    if let Some(sha) = &opts.sha256 {
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(usage(format!("`metadata update`: --sha256 must be 64 hex digits, found `{sha}`")));
        }
    }
    // The file may be placed in metadata/, where only `*.csdl` is git-ignored.
    let named = opts
        .file
        .clone()
        .or_else(|| opts.new.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()));
    if let Some(name) = named.filter(|n| !n.ends_with(CSDL_EXTENSION)) {
        return Err(usage(format!(
            "`metadata update`: the pinned file name `{name}` must end in `{CSDL_EXTENSION}` (metadata/ ignores \
             only *{CSDL_EXTENSION} files); give --file NAME{CSDL_EXTENSION}"
        )));
    }

    // 1. The pinned (old) document.
    let started = Instant::now();
    let old = Document::pinned(&root, &old_pin)?;

    // 2. The new document.
    let incoming = match &opts.new {
        Some(path) => {
            let document = Document::read(path)?;
            let file = match path.file_name().and_then(|n| n.to_str()) {
                Some(n) => n.to_string(),
                None => return Err(failed(format!("{} has no usable file name; give --file", path.display()))),
            };
            Incoming {
                document,
                commit: opts.commit.clone().unwrap_or_default(),
                date: opts.date.clone().unwrap_or_default(),
                file,
                _download: None,
            }
        }
        None => fetch_upstream(&old_pin, opts.commit.as_deref(), opts.date.as_deref())?,
    };
    let new = &incoming.document;
    if let Some(expected) = &opts.sha256 {
        if !expected.eq_ignore_ascii_case(&new.sha256) {
            return Err(failed(format!(
                "sha256 mismatch for {}:\n  expected (--sha256): {expected}\n  actual:              {}",
                new.path.display(),
                new.sha256
            )));
        }
    }
    if new.sha256 == old.sha256 {
        println!("{} is the pinned document already (sha256 {}); nothing to do", new.path.display(), new.sha256);
        return Ok(());
    }
    let file = opts.file.clone().unwrap_or_else(|| incoming.file.clone());
    let mut new_pin = provisional(&incoming.commit, &incoming.date, &file)?;
    new_pin.sha256 = new.sha256.clone();
    let new_pin_text = new_pin.to_toml();
    pin::Pin::parse(&new_pin_text, &pin_path).map_err(|e| failed(format!("invalid value for the new pin: {e}")))?;
    let read_time = started.elapsed();

    // 3. Verify, diff and generate, all in memory.
    let started = Instant::now();
    let new_model = new.model()?;
    let old_model = old.model()?;
    let d = Diff::between(&old_model, &new_model);
    let generated = emit::emit(&new_model, &new.sha256);
    let work_time = started.elapsed();
    println!(
        "metadata update: {} ({} @ {} {}) -> {} ({} {})",
        old.path.display(),
        short(&old_pin.commit),
        old_pin.date,
        short(&old.sha256),
        new.path.display(),
        short(&new_pin.commit),
        new_pin.date
    );
    println!(
        "verified {}: {} namespaces, {} struct and {} enum types, {} operations; sha256 {}",
        new.path.display(),
        new_model.namespaces.len(),
        new_model.structs.len(),
        new_model.enums.len(),
        new_model.operations.len(),
        new.sha256
    );

    // 4. Everything that will be written, prepared before anything is.
    let placement = plan_placement(&root, &new_pin.file, &new.sha256)?;
    let old_changelog = match fs::read_to_string(&changelog_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(failed(format!("cannot read {}: {e}", changelog_path.display()))),
    };
    let info = diff::ChangelogInfo {
        repository: new_pin.repository.clone(),
        path: new_pin.path.clone(),
        old_commit: old_pin.commit.clone(),
        old_date: old_pin.date.clone(),
        new_commit: new_pin.commit.clone(),
        new_date: new_pin.date.clone(),
        new_sha256: new_pin.sha256.clone(),
    };
    let entry = diff::changelog_entry(&d, &info);
    let new_changelog = diff::render::insert_changelog_entry(old_changelog.as_deref(), &entry);

    let csdl_tmp = match &placement {
        Placement::Copy { dest, .. } => {
            let bytes = new.text.as_bytes();
            Some((write_temp(dest, bytes)?, dest.clone()))
        }
        Placement::AlreadyThere(_) => None,
    };
    let pin_tmp = write_temp(&pin_path, new_pin_text.as_bytes())?;
    let changelog_tmp = write_temp(&changelog_path, new_changelog.as_bytes())?;

    // 5. Commit: the CSDL file (new name, harmless alone), the tree (atomic swap), the pin and the
    // changelog (renames). A failure after the tree was swapped restores the previous state.
    let started = Instant::now();
    if let Some((tmp, dest)) = &csdl_tmp {
        rename_into_place(tmp, dest)?;
    }
    let remove_placed = || {
        if let Some((_, dest)) = &csdl_tmp {
            let _ = fs::remove_file(dest);
        }
    };
    let stats = match tree::write_atomically(&out, &generated) {
        Ok(stats) => stats,
        Err(e) => {
            remove_placed();
            return Err(failed(format!(
                "cannot write the generated tree to {}: {e}\nnothing was changed (pin, tree and changelog are as before)",
                out.display()
            )));
        }
    };
    let restore_tree = || -> String {
        match tree::write_atomically(&out, &emit::emit(&old_model, &old.sha256)) {
            Ok(_) => format!("the generated tree in {} was restored", out.display()),
            Err(e) => {
                format!("restoring the generated tree in {} failed too ({e}): run `cargo xtask codegen`", out.display())
            }
        }
    };
    if let Err(Failure::Failed(m) | Failure::Usage(m)) = rename_into_place(&pin_tmp, &pin_path) {
        remove_placed();
        return Err(failed(format!("{m}\n{}", restore_tree())));
    }
    if let Err(Failure::Failed(m) | Failure::Usage(m)) = rename_into_place(&changelog_tmp, &changelog_path) {
        let pin_note = match fs::write(&pin_path, &old_pin_text) {
            Ok(()) => format!("the pin {} was restored", pin_path.display()),
            Err(e) => format!("restoring the pin {} failed too: {e}", pin_path.display()),
        };
        remove_placed();
        return Err(failed(format!("{m}\n{pin_note}; {}", restore_tree())));
    }
    let write_time = started.elapsed();

    println!();
    print!("{}", diff::render::summary_text(&d));
    print!("{}", diff::render::verdict_text(&d));
    println!();
    match &placement {
        Placement::AlreadyThere(path) => println!("metadata file: {} (already in place)", path.display()),
        Placement::Copy { dest, origin } => {
            println!("metadata file: copied to {} ({origin}; *.csdl is git-ignored)", dest.display())
        }
    }
    println!(
        "pin: {} now names {} ({} @ {} {}, sha256 {})",
        pin_path.display(),
        new_pin.file,
        new_pin.repository,
        short(&new_pin.commit),
        new_pin.date,
        new_pin.sha256
    );
    println!(
        "codegen: {} generated into {}; {} written, {} unchanged, {} removed",
        Size::of(&generated),
        out.display(),
        stats.written,
        stats.unchanged,
        stats.removed
    );
    println!("changelog: entry added to {}", changelog_path.display());
    println!(
        "timing: read {} ms, verify+diff+generate {} ms, write {} ms",
        ms(read_time),
        ms(work_time),
        ms(write_time)
    );
    Ok(())
}

/// Runs curl with `args`, returning its stdout.
fn curl(args: &[&str], url: &str) -> Result<Vec<u8>, Failure> {
    let output = Command::new("curl").args(["-fsSL", "--retry", "3"]).args(args).arg(url).output().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            failed(format!("`curl` was not found on PATH; download {url} yourself and give it as NEW"))
        } else {
            failed(format!("cannot run curl: {e}"))
        }
    })?;
    if !output.status.success() {
        return Err(failed(format!(
            "curl failed ({}) for {url}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output.stdout)
}

/// The string value of the first `"key": "value"` in `json` after byte `from` (no escapes: commit
/// ids and dates have none).
fn json_string_after(json: &str, key: &str, from: usize) -> Option<String> {
    let needle = format!("\"{key}\"");
    let start = from + json.get(from..)?.find(&needle)? + needle.len();
    let rest = json.get(start..)?.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    rest.find('"').map(|end| rest[..end].to_string())
}

/// `(commit, date)` of a GitHub commits API response: the first object's `sha` and its
/// committer's `date` (its first 10 characters).
fn parse_commit_json(json: &str) -> Option<(String, String)> {
    let sha = json_string_after(json, "sha", 0)?;
    let committer = json.find("\"committer\"")?;
    let date = json_string_after(json, "date", committer)?;
    Some((sha, date.get(..10)?.to_string()))
}

/// Downloads the pinned path at `commit` (or at the newest commit touching it) into a temporary
/// file.
fn fetch_upstream(pin: &pin::Pin, commit: Option<&str>, date: Option<&str>) -> Result<Incoming, Failure> {
    let (commit, date) = match (commit, date) {
        (Some(c), Some(d)) => (c.to_string(), d.to_string()),
        _ => {
            let api = match commit {
                Some(c) => format!("https://api.github.com/repos/{}/commits/{c}", pin.repository),
                None => format!("https://api.github.com/repos/{}/commits?path={}&per_page=1", pin.repository, pin.path),
            };
            println!("asking {api}");
            let body = curl(&["-H", "Accept: application/vnd.github+json"], &api)?;
            let body = String::from_utf8_lossy(&body);
            let (sha, api_date) = parse_commit_json(&body)
                .ok_or_else(|| failed(format!("cannot find a commit sha and date in the response of {api}")))?;
            (commit.map(str::to_string).unwrap_or(sha), date.map(str::to_string).unwrap_or(api_date))
        }
    };
    let url = format!("https://raw.githubusercontent.com/{}/{commit}/{}", pin.repository, pin.path);
    let tmp = TempFile(env::temp_dir().join(format!("msgraph-metadata-{}-{commit}.csdl", std::process::id())));
    println!("downloading {url}");
    let path_arg = tmp.0.to_str().ok_or_else(|| failed("the temporary directory path is not UTF-8"))?.to_string();
    curl(&["-o", &path_arg], &url)?;
    let bytes = fs::read(&tmp.0).map_err(|e| failed(format!("cannot read the download {}: {e}", tmp.0.display())))?;
    let document = Document::from_bytes(&tmp.0, bytes)?;
    Ok(Incoming { document, file: format!("graph-v1.0-{date}.csdl"), commit, date, _download: Some(tmp) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_commit_json() {
        let list = r#"[{"sha":"3333333333333333333333333333333333333333","node_id":"C_1","commit":{"author":
            {"name":"a","email":"a@example.com","date":"2026-09-01T10:00:00Z"},"committer":{"name":"GitHub",
            "email":"noreply@github.com","date" : "2026-09-02T11:00:00Z"},"message":"m"},"parents":[{"sha":"x"}]}]"#;
        assert_eq!(
            parse_commit_json(list),
            Some(("3333333333333333333333333333333333333333".to_string(), "2026-09-02".to_string()))
        );
        assert_eq!(parse_commit_json("[]"), None);
        assert_eq!(parse_commit_json(r#"{"message":"API rate limit exceeded"}"#), None);
        assert_eq!(json_string_after(r#"{"a": "x", "b":"y"}"#, "b", 0).as_deref(), Some("y"));
        assert_eq!(json_string_after(r#"{"b": "x", "b":"y"}"#, "b", 5).as_deref(), Some("y"));
        assert_eq!(json_string_after(r#"{"a": 1}"#, "a", 0), None);
    }

    #[test]
    fn read_only_directories_are_not_writable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = env::temp_dir().join(format!("xtask-writable-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        assert!(dir_is_writable(&dir));
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "the probe file is removed");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
        assert!(!dir_is_writable(&dir), "a directory marked read-only is left alone, even for root");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!dir_is_writable(&dir.join("missing")));
        fs::remove_dir_all(&dir).unwrap();
    }
}
