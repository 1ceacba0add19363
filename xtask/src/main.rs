//! Developer tasks for msgraph-rs: `cargo xtask <command>` (see `cargo xtask help`).

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use msgraph_codegen::{pin, tree, Generated, Input};

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
        "metadata" => {
            let Some(sub) = args.next() else {
                return Err(usage("`metadata` needs a subcommand: fetch or verify"));
            };
            let sub = sub.to_string_lossy().into_owned();
            if !matches!(sub.as_str(), "fetch" | "verify" | "-h" | "--help") {
                return Err(usage(format!("unknown `metadata` subcommand `{sub}` (expected fetch or verify)")));
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

    if opts.check {
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
        if diff.is_clean() {
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
