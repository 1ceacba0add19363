//! `cargo xtask metadata <fetch|verify|diff|update>`: the pinned upstream CSDL document.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use msgraph_codegen::diff::Side;
use msgraph_codegen::ir::Model;
use msgraph_codegen::{csdl_file, pin, Input};

use crate::args::{Arg, Args};
use crate::{failed, usage, Failure, USAGE};

mod diff;
mod fetch;
mod update;
mod upstream;
mod verify;

/// `metadata <subcommand> [options]`.
pub(crate) fn run(mut args: impl Iterator<Item = OsString>) -> Result<(), Failure> {
    let Some(sub) = args.next() else {
        return Err(usage("`metadata` needs a subcommand: fetch, verify, diff or update"));
    };
    let sub = sub.to_string_lossy().into_owned();
    match sub.as_str() {
        "diff" => {
            let Some(opts) = diff::DiffOpts::parse(args)? else {
                print!("{USAGE}");
                return Ok(());
            };
            return diff::run(&opts);
        }
        "update" => {
            let Some(opts) = update::UpdateOpts::parse(args)? else {
                print!("{USAGE}");
                return Ok(());
            };
            return update::run(&opts);
        }
        _ => {}
    }
    if !matches!(sub.as_str(), "fetch" | "verify" | "-h" | "--help") {
        return Err(usage(format!("unknown `metadata` subcommand `{sub}` (expected fetch, verify, diff or update)")));
    }
    let Some(pin_path) = parse_pin_only(args, &format!("metadata {sub}"))? else {
        print!("{USAGE}");
        return Ok(());
    };
    match sub.as_str() {
        "fetch" => fetch::run(pin_path),
        "verify" => verify::run(pin_path),
        _ => {
            print!("{USAGE}");
            Ok(())
        }
    }
}

/// Parses `[--pin PATH]`; `Ok(None)` when help was asked for.
fn parse_pin_only(args: impl IntoIterator<Item = OsString>, command: &str) -> Result<Option<Option<PathBuf>>, Failure> {
    let mut args = Args::new(command, args);
    let mut pin = None;
    while let Some(arg) = args.next()? {
        match arg {
            Arg::Help => return Ok(None),
            Arg::Positional(value) => return Err(args.unexpected(&value)),
            Arg::Flag(flag) if flag == "--pin" => args.path(&mut pin, &flag)?,
            Arg::Flag(flag) => return Err(args.unknown(&flag)),
        }
    }
    Ok(Some(pin))
}

pub(crate) fn load_pin(root: &Path, pin_path: Option<PathBuf>) -> Result<(PathBuf, pin::Pin), Failure> {
    let path = pin_path.unwrap_or_else(|| root.join(pin::PIN_PATH));
    let pin = pin::Pin::load(&path)?;
    Ok((path, pin))
}

/// The first 12 digits of a commit id.
pub(crate) fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The extension of CSDL files (stored as `*.csdl.gz`; `.gitignore` keeps uncompressed `*.csdl`
/// copies out of git).
const CSDL_EXTENSION: &str = ".csdl";

/// A CSDL document read from disk.
struct Document {
    path: PathBuf,
    text: String,
    sha256: String,
}

impl Document {
    /// Reads any CSDL file, plain or gzip-compressed (no pin check); errors name the file.
    fn read(path: &Path) -> Result<Document, Failure> {
        Document::from_bytes(path, csdl_file::read(path)?)
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
        msgraph_codegen::diff::load_graph_model(&input).map_err(|diagnostics| {
            eprint!("{diagnostics}");
            failed(format!(
                "{source_name} is not a usable Microsoft Graph CSDL document ({} error(s))",
                diagnostics.errors.len()
            ))
        })
    }
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
