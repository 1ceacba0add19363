//! Drives the real `xtask` binary: exit codes, messages, and what is (not) written to disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const SENTINEL: &str = "sentinel.txt";
const SENTINEL_CONTENT: &str = "left here by the test; codegen must not touch it\n";

// ----- helpers -----

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `$MSGRAPH_METADATA_DIR` (relative to the workspace root, where the README runs the tests),
/// else `<workspace>/../shared/metadata`; fails when the pinned file is not there (the freshness
/// check must never pass by not running).
fn metadata_dir() -> PathBuf {
    let dir = match std::env::var_os("MSGRAPH_METADATA_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("..").join("shared").join("metadata"),
    };
    let pinned = dir.join("graph-v1.0-2026-08-03.csdl");
    assert!(
        pinned.is_file(),
        "the pinned Graph metadata {} is missing: set MSGRAPH_METADATA_DIR to the directory holding it",
        pinned.display()
    );
    dir
}

/// A fresh, empty directory under the system temp dir; removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-cli-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {:?}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs `xtask <args>` in the workspace root, with `MSGRAPH_METADATA_DIR` as given.
fn xtask_env(args: &[&str], metadata_dir: Option<&Path>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args).current_dir(workspace_root());
    match metadata_dir {
        Some(dir) => cmd.env("MSGRAPH_METADATA_DIR", dir),
        None => cmd.env_remove("MSGRAPH_METADATA_DIR"),
    };
    let Output { status, stdout, stderr } = cmd.output().expect("cannot run the xtask binary");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn xtask(args: &[&str]) -> Run {
    xtask_env(args, None)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// Every file under `dir` with its content (relative `/` paths).
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &rel, out);
            } else {
                out.insert(rel, fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    v.sort();
    v
}

fn fixture_text(name: &str) -> String {
    fs::read_to_string(workspace_root().join("metadata").join("fixtures").join(name)).unwrap()
}

fn line_of_nth(text: &str, needle: &str, nth: usize) -> usize {
    let (pos, _) = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` #{nth} not found"));
    text[..pos].matches('\n').count() + 1
}

/// Runs `codegen --metadata <metadata> --out <tmp>/out` where `out` holds only a sentinel file,
/// expects exit 1 and an untouched `out`; returns the run.
fn failing_codegen(metadata: &str) -> Run {
    let tmp = TempDir::new("fail");
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join(SENTINEL), SENTINEL_CONTENT).unwrap();
    let run = xtask(&["codegen", "--metadata", metadata, "--out", s(&out)]);
    assert_eq!(run.code, Some(1), "{metadata}: expected exit 1\n{run}");
    assert!(run.stderr.contains("error: "), "{metadata}: {run}");
    let after = tree(&out);
    assert_eq!(after.len(), 1, "{metadata}: codegen wrote into the output dir: {:?}", after.keys());
    assert_eq!(after.get(SENTINEL).map(String::as_str), Some(SENTINEL_CONTENT), "{metadata}");
    assert_eq!(entries(tmp.path()), ["out"], "{metadata}: no temporary sibling directories are left");
    assert!(!run.stdout.contains("generated into"), "{metadata}: {run}");
    run
}

// ----- failures write nothing -----

#[test]
fn bad_refs_lists_every_error_and_writes_nothing() {
    let run = failing_codegen("metadata/fixtures/bad-refs.xml");
    let text = fixture_text("bad-refs.xml");
    let expected = [
        ("duplicate enum member low", line_of_nth(&text, r#"<Member Name="low""#, 1)),
        ("graph.doesNotExist", line_of_nth(&text, "graph.doesNotExist", 0)),
        ("9lives", line_of_nth(&text, r#"Name="9lives""#, 0)),
        ("graph.missingBase", line_of_nth(&text, "graph.missingBase", 0)),
        ("duplicate type name", line_of_nth(&text, r#"<ComplexType Name="address""#, 1)),
        ("inheritance cycle", line_of_nth(&text, r#"<ComplexType Name="cycleA""#, 0)),
    ];
    for (needle, line) in expected {
        let lines: Vec<&str> = run.stderr.lines().filter(|l| l.contains(needle)).collect();
        assert_eq!(lines.len(), 1, "`{needle}` must be reported once\n{run}");
        let prefix = format!("metadata/fixtures/bad-refs.xml:{line}:");
        assert!(lines[0].starts_with(&prefix), "`{needle}` must be reported as {prefix}...\n{run}");
    }
    assert!(run.stderr.contains("metadata/fixtures/bad-refs.xml: 6 error(s)"), "{run}");
    assert!(run.stderr.contains("code generation failed with 6 error(s); nothing was written"), "{run}");
}

#[test]
fn broken_xml_fails_with_its_position() {
    let run = failing_codegen("metadata/fixtures/broken-xml.xml");
    let line = line_of_nth(&fixture_text("broken-xml.xml"), "</EntityType>", 1);
    assert!(run.stderr.contains(&format!("metadata/fixtures/broken-xml.xml:{line}:")), "{run}");
    assert!(run.stderr.contains("malformed XML"), "{run}");
}

#[test]
fn html_document_fails_as_not_csdl() {
    let run = failing_codegen("metadata/fixtures/not-csdl.xml");
    let line = line_of_nth(&fixture_text("not-csdl.xml"), "<html", 0);
    assert!(run.stderr.contains(&format!("metadata/fixtures/not-csdl.xml:{line}:")), "{run}");
    assert!(run.stderr.contains("not a CSDL document"), "{run}");
}

#[test]
fn truncated_document_fails() {
    let run = failing_codegen("metadata/fixtures/truncated.xml");
    assert!(run.stderr.contains("metadata/fixtures/truncated.xml:"), "{run}");
}

#[test]
fn missing_metadata_file_fails_clearly() {
    let run = failing_codegen("metadata/fixtures/no-such-file.xml");
    assert!(run.stderr.contains("cannot read metadata file metadata/fixtures/no-such-file.xml"), "{run}");
}

// ----- a successful run, then --check -----

#[test]
fn codegen_writes_then_is_idempotent_then_check_finds_stale_and_extra() {
    let tmp = TempDir::new("ok");
    let out = tmp.path().join("generated");
    let sha = msgraph_codegen::pin::sha256_hex(fixture_text("basic.xml").as_bytes());

    let first = xtask(&["codegen", "--metadata", "metadata/fixtures/basic.xml", "--out", s(&out)]);
    assert_eq!(first.code, Some(0), "{first}");
    let files = tree(&out);
    for f in ["mod.rs", "models/mod.rs", "models/_user.rs", "models/security/_alert.rs", "models/call_records/mod.rs"] {
        assert!(files.contains_key(f), "{f} missing; have {:?}", files.keys());
    }
    let header = format!("// @generated by `cargo xtask codegen` from Graph CSDL sha256 {sha}. Do not edit.\n");
    assert!(files.values().all(|c| c.starts_with(&header)), "every file names the sha256 of basic.xml");
    assert!(first.stdout.contains(&format!("{} written, 0 unchanged, 0 removed", files.len())), "{first}");
    assert!(first.stdout.contains(&sha), "{first}");
    assert_eq!(entries(tmp.path()), ["generated"], "no temporary directories are left");

    let second = xtask(&["codegen", "--metadata", "metadata/fixtures/basic.xml", "--out", s(&out)]);
    assert_eq!(second.code, Some(0), "{second}");
    assert!(second.stdout.contains(&format!("0 written, {} unchanged, 0 removed", files.len())), "{second}");
    assert_eq!(tree(&out), files);

    let check = xtask(&["codegen", "--check", "--metadata", "metadata/fixtures/basic.xml", "--out", s(&out)]);
    assert_eq!(check.code, Some(0), "{check}");
    assert!(check.stdout.contains("0 stale, 0 missing, 0 extra"), "{check}");
    assert!(check.stdout.contains("generated code is up to date"), "{check}");

    // Make the tree stale: change one file, add one.
    let user = out.join("models").join("_user.rs");
    let edited = format!("{}// hand edit\n", files["models/_user.rs"]);
    fs::write(&user, &edited).unwrap();
    fs::write(out.join("models").join("stray.rs"), "// not generated\n").unwrap();
    let stale = xtask(&["codegen", "--check", "--metadata", "metadata/fixtures/basic.xml", "--out", s(&out)]);
    assert_eq!(stale.code, Some(1), "{stale}");
    assert!(stale.stdout.contains("1 stale, 0 missing, 1 extra"), "{stale}");
    assert!(stale.stderr.contains("stale (content differs):\n  models/_user.rs\n"), "{stale}");
    assert!(stale.stderr.contains("extra (on disk, not generated):\n  models/stray.rs"), "{stale}");
    assert!(stale.stderr.contains("generated code is stale: run `cargo xtask codegen --metadata"), "{stale}");
    // --check writes nothing.
    assert_eq!(fs::read_to_string(&user).unwrap(), edited);
    assert!(out.join("models").join("stray.rs").is_file());

    // Regenerating repairs both.
    let repair = xtask(&["codegen", "--metadata", "metadata/fixtures/basic.xml", "--out", s(&out)]);
    assert_eq!(repair.code, Some(0), "{repair}");
    assert!(repair.stdout.contains(&format!("1 written, {} unchanged, 1 removed", files.len() - 1)), "{repair}");
    assert_eq!(tree(&out), files);
}

// ----- usage -----

#[test]
fn unknown_command_is_a_usage_error() {
    let run = xtask(&["frobnicate"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("error: unknown command `frobnicate`"), "{run}");
    assert!(run.stderr.contains("usage: cargo xtask <command>"), "{run}");
    assert!(run.stdout.is_empty(), "{run}");

    let none = xtask(&[]);
    assert_eq!(none.code, Some(2), "{none}");
    assert!(none.stderr.contains("usage:"), "{none}");

    let bad_option = xtask(&["codegen", "--frobnicate"]);
    assert_eq!(bad_option.code, Some(2), "{bad_option}");
    assert!(bad_option.stderr.contains("unknown option `--frobnicate`"), "{bad_option}");

    let help = xtask(&["help"]);
    assert_eq!(help.code, Some(0), "{help}");
    assert!(help.stdout.contains("usage: cargo xtask <command>"), "{help}");
}

// ----- the CI freshness check -----

#[test]
fn committed_tree_is_fresh() {
    let dir = metadata_dir();
    let run = xtask_env(&["codegen", "--check"], Some(&dir));
    assert_eq!(
        run.code,
        Some(0),
        "crates/msgraph/src/generated is stale: run `MSGRAPH_METADATA_DIR={} cargo xtask codegen`\n{run}",
        dir.display()
    );
    assert!(run.stdout.contains("verified"), "the pinned file's sha256 is checked\n{run}");
    assert!(run.stdout.contains("0 stale, 0 missing, 0 extra"), "{run}");
    assert!(run.stdout.contains("generated code is up to date"), "{run}");
}
