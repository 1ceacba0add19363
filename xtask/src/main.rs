//! Developer tasks for msgraph-rs: `cargo xtask <command>` (see `cargo xtask help`).
//!
//! One module per command: [`codegen`], [`metadata`] (`fetch`, `verify`, `diff`, `update`) and
//! [`bench_report`]; this file only dispatches.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use msgraph_codegen::{csdl_file, pin, Generated};

mod args;
mod bench_report;
mod codegen;
mod metadata;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  codegen [--check] [--metadata PATH] [--out DIR] [--pin PATH]
      Generate crates/msgraph/src/generated from the pinned Graph CSDL.
        --check          write nothing; exit 1 if the code on disk differs from what would be generated
        --metadata PATH  generate from this CSDL file instead of the pinned one (sha256 printed, not checked)
        --out DIR        write (or check) DIR instead of crates/msgraph/src/generated
  metadata fetch [--pin PATH]
      Download the pinned CSDL with curl into $MSGRAPH_METADATA_DIR (or metadata/), verifying its
      sha256, and store it under the pinned name (gzip-compressed for a *.csdl.gz name). Nothing is
      downloaded when the file is there already (it is committed under metadata/).
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
      diff it against the pinned one and generate in memory; only then place the file, gzip-
      compressed, where the pin finds it ($MSGRAPH_METADATA_DIR when set and writable, else
      metadata/, where it is to be committed), rewrite the pin
      (commit, date, sha256, file, url), the generated tree and the changelog, and print the
      summary and verdict. Any failure before the writes leaves everything untouched.
        --commit SHA     upstream commit of NEW (40 hex digits; required unless --fetch)
        --date DATE      date of that commit (required unless --fetch)
        --file NAME      file name recorded in the pin, NAME.csdl.gz (default: NEW's name, with
                         .gz added to a *.csdl name; with --fetch graph-v1.0-DATE.csdl.gz)
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

CSDL files are read plain (.csdl) or gzip-compressed (.csdl.gz); a sha256 is always that of the
uncompressed document. The pinned file is found under its pinned name or the same name with or
without .gz.

environment:
  MSGRAPH_METADATA_DIR   directory searched first for the pinned CSDL file (then metadata/, where
                         it is committed)

exit status: 0 success, 1 failure (or stale code with --check), 2 usage error
";

/// Why a command did not succeed.
pub(crate) enum Failure {
    /// Bad command line: usage text, exit status 2.
    Usage(String),
    /// The command failed: exit status 1.
    Failed(String),
}

pub(crate) fn failed(message: impl Into<String>) -> Failure {
    Failure::Failed(message.into())
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

impl From<csdl_file::ReadError> for Failure {
    fn from(e: csdl_file::ReadError) -> Failure {
        Failure::Failed(e.to_string())
    }
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
            let Some(opts) = codegen::CodegenOpts::parse(args)? else {
                print!("{USAGE}");
                return Ok(());
            };
            codegen::run(&opts)
        }
        "bench-report" => {
            let Some(opts) = bench_report::BenchOpts::parse(args)? else {
                print!("{USAGE}");
                return Ok(());
            };
            bench_report::run(&opts)
        }
        "metadata" => metadata::run(args),
        other => Err(usage(format!("unknown command `{other}`"))),
    }
}

/// The workspace root: the parent of this crate's directory.
fn repo_root() -> Result<PathBuf, Failure> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| failed("cannot determine the repository root from CARGO_MANIFEST_DIR"))
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
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
