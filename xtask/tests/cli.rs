//! Drives the real `xtask` binary: exit codes, messages, and what is (not) written to disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use msgraph_codegen::csdl_file;

const SENTINEL: &str = "sentinel.txt";
const SENTINEL_CONTENT: &str = "left here by the test; codegen must not touch it\n";

// ----- helpers -----

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `$MSGRAPH_METADATA_DIR` when set (relative to the workspace root, as the xtask takes it): the
/// override the real-metadata tests pass on to the binary. Unset, everything uses the files
/// committed under `metadata/`.
fn metadata_override() -> Option<PathBuf> {
    std::env::var_os("MSGRAPH_METADATA_DIR").filter(|d| !d.is_empty()).map(|d| workspace_root().join(d))
}

/// `("MSGRAPH_METADATA_DIR", dir)` when the override is set, for [`xtask_with`].
fn override_env(dir: &Option<PathBuf>) -> Vec<(&'static str, &std::ffi::OsStr)> {
    dir.iter().map(|d| ("MSGRAPH_METADATA_DIR", d.as_os_str())).collect()
}

/// A real Graph CSDL file where the xtask finds it: in the override first, then in the committed
/// `metadata/`, under `name` or the same name with or without `.gz`. Fails when it is in neither
/// (the freshness check must never pass by not running).
fn real_file(name: &str) -> PathBuf {
    let dirs = msgraph_codegen::pin::search_dirs(&workspace_root());
    msgraph_codegen::pin::find_in(name, &dirs).unwrap_or_else(|| {
        panic!("the Graph metadata file {name} is missing from {dirs:?} (it is committed under metadata/)")
    })
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
    let m = |rel: &str| format!("{}/{rel}", msgraph_codegen::tree::MODELS_ROOT);
    let sdk_mod = format!("{}/mod.rs", msgraph_codegen::tree::SDK_ROOT);
    for f in [
        &sdk_mod,
        &m("mod.rs"),
        &m("models/mod.rs"),
        &m("models/_user.rs"),
        &m("models/security/_alert.rs"),
        &m("models/call_records/mod.rs"),
    ] {
        assert!(files.contains_key(f), "{f} missing; have {:?}", files.keys());
    }
    assert!(files.values().all(|c| c.starts_with(msgraph_codegen::emit::HEADER)), "every file has the header");
    let metadata = &files[msgraph_codegen::emit::METADATA_PATH];
    assert!(metadata.contains(&sha), "the metadata file names the sha256 of basic.xml");
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
    let models = out.join(msgraph_codegen::tree::MODELS_ROOT).join("models");
    let user = models.join("_user.rs");
    let edited = format!("{}// hand edit\n", files[&m("models/_user.rs")]);
    fs::write(&user, &edited).unwrap();
    fs::write(models.join("stray.rs"), "// not generated\n").unwrap();
    let stale = xtask(&["codegen", "--check", "--metadata", "metadata/fixtures/basic.xml", "--out", s(&out)]);
    assert_eq!(stale.code, Some(1), "{stale}");
    assert!(stale.stdout.contains("1 stale, 0 missing, 1 extra"), "{stale}");
    assert!(stale.stderr.contains(&format!("stale (content differs):\n  {}\n", m("models/_user.rs"))), "{stale}");
    assert!(stale.stderr.contains(&format!("extra (on disk, not generated):\n  {}", m("models/stray.rs"))), "{stale}");
    assert!(stale.stderr.contains("generated code is stale: run `cargo xtask codegen --metadata"), "{stale}");
    // --check writes nothing.
    assert_eq!(fs::read_to_string(&user).unwrap(), edited);
    assert!(models.join("stray.rs").is_file());

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
    real_file("graph-v1.0-2026-08-03.csdl.gz");
    let dir = metadata_override();
    let run = xtask_env(&["codegen", "--check"], dir.as_deref());
    assert_eq!(run.code, Some(0), "the generated tree is stale: run `cargo xtask codegen`\n{run}");
    assert!(run.stdout.contains("verified"), "the pinned file's sha256 is checked\n{run}");
    assert!(run.stdout.contains("0 stale, 0 missing, 0 extra"), "{run}");
    assert!(run.stdout.contains("generated code is up to date"), "{run}");
}

// ----- metadata diff -----

const COMMIT_A: &str = "1111111111111111111111111111111111111111";
const COMMIT_B: &str = "2222222222222222222222222222222222222222";

/// Runs `xtask <args>` in the workspace root with extra environment variables
/// (`MSGRAPH_METADATA_DIR` is removed unless given).
fn xtask_with(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args).current_dir(workspace_root()).env_remove("MSGRAPH_METADATA_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output { status, stdout, stderr } = cmd.output().expect("cannot run the xtask binary");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn diff_fixture(name: &str) -> String {
    format!("metadata/fixtures/diff/{name}")
}

#[test]
fn metadata_diff_prints_text_and_json() {
    let old = diff_fixture("additions.old.xml");
    let new = diff_fixture("additions.new.xml");
    let run = xtask(&["metadata", "diff", &old, &new]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.starts_with(&format!("metadata diff\n  old: {old} (sha256 ")), "{run}");
    assert!(run.stdout.contains("semver verdict: minor (only additions)\n"), "{run}");
    assert!(run.stdout.contains("\nnamespace microsoft.graph.security (3 change(s))\n"), "{run}");
    assert!(run.stdout.contains("\n  type user:\n    + property accountEnabled: Edm.Boolean"), "{run}");
    assert!(run.stderr.contains("metadata diff: 22 change(s), verdict minor; read "), "{run}");

    let json = xtask(&["metadata", "diff", &new, &old, "--json"]);
    assert_eq!(json.code, Some(0), "{json}");
    assert!(json.stdout.starts_with(&format!("{{\"old\":{{\"source\":\"{new}\",\"sha256\":\"")), "{json}");
    assert!(json.stdout.contains("\"verdict\":{\"level\":\"major\""), "{json}");
    assert!(json.stdout.contains("{\"kind\":\"namespace_removed\",\"level\":\"major\""), "{json}");
    assert_eq!(json.stdout.lines().count(), 1, "one JSON document");

    let same = xtask(&["metadata", "diff", &old, &old]);
    assert_eq!(same.code, Some(0), "{same}");
    assert!(same.stdout.contains("semver verdict: none (no differences at the IR level)"), "{same}");
    assert!(!same.stdout.contains("namespace "), "{same}");
}

#[test]
fn metadata_diff_usage_errors() {
    for (args, want) in [
        (vec!["metadata", "diff"], "give two files"),
        (vec!["metadata", "diff", "a.xml"], "give two files"),
        (vec!["metadata", "diff", "a", "b", "c"], "give two files"),
        (vec!["metadata", "diff", "--pinned"], "with --pinned, give exactly one file"),
        (vec!["metadata", "diff", "--pinned", "a", "b"], "with --pinned, give exactly one file"),
        (vec!["metadata", "diff", "a", "b", "--pin", "p.toml"], "--pin only makes sense with --pinned"),
        (vec!["metadata", "diff", "a", "b", "--json=yes"], "--json takes no value"),
        (vec!["metadata", "diff", "a", "b", "--frobnicate"], "unknown option `--frobnicate`"),
        (vec!["metadata", "frobnicate"], "expected fetch, verify, diff or update"),
    ] {
        let run = xtask(&args);
        assert_eq!(run.code, Some(2), "{args:?}\n{run}");
        assert!(run.stderr.contains(want), "{args:?}: want `{want}`\n{run}");
    }
}

/// Bad inputs: exit 1 with the file and the position of the problem.
#[test]
fn metadata_diff_refuses_bad_input_with_its_position() {
    let good = diff_fixture("additions.old.xml");
    for (bad, want) in [
        ("metadata/fixtures/not-csdl.xml".to_string(), "not a CSDL document"),
        ("metadata/fixtures/truncated.xml".to_string(), ""),
        ("metadata/fixtures/broken-xml.xml".to_string(), "malformed XML"),
        (diff_fixture("other-service.xml"), "not a Microsoft Graph CSDL document"),
    ] {
        for args in [["metadata", "diff", &good, &bad], ["metadata", "diff", &bad, &good]] {
            let run = xtask(&args);
            assert_eq!(run.code, Some(1), "{args:?}\n{run}");
            assert!(run.stderr.contains(want), "{args:?}: want `{want}`\n{run}");
            let positioned = run.stderr.lines().any(|l| {
                l.strip_prefix(&format!("{bad}:")).is_some_and(|rest| {
                    let mut parts = rest.splitn(3, ':');
                    parts.next().is_some_and(|n| n.parse::<u32>().is_ok())
                        && parts.next().is_some_and(|c| c.split(' ').next().is_some_and(|c| c.parse::<u32>().is_ok()))
                })
            });
            assert!(positioned, "{args:?}: the error names {bad}:line:column\n{run}");
            assert!(
                run.stderr.contains(&format!("error: {bad} is not a usable Microsoft Graph CSDL document")),
                "{run}"
            );
            assert!(run.stdout.is_empty(), "{run}");
        }
    }
    let run = xtask(&["metadata", "diff", &good, "metadata/fixtures/diff/no-such-file.xml"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("cannot read metadata file metadata/fixtures/diff/no-such-file.xml"), "{run}");
}

/// The real v1.0 documents through the binary (the budget is 1 s with the binary prebuilt; the
/// assertion here is generous because the machine is shared, the report has the measured time).
#[test]
fn metadata_diff_of_the_real_documents() {
    let old = real_file("graph-v1.0-2026-05-05.csdl.gz");
    let new = real_file("graph-v1.0-2026-08-03.csdl.gz");
    let started = std::time::Instant::now();
    let run = xtask(&["metadata", "diff", s(&old), s(&new), "--json"]);
    let elapsed = started.elapsed();
    eprintln!("metadata diff of the real documents: {elapsed:?}");
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("\"verdict\":{\"level\":\"major\""), "{}", run.stderr);
    assert!(run.stdout.contains("\"microsoft.graph.security\":{"), "{}", run.stderr);
    assert!(elapsed < std::time::Duration::from_secs(10), "took {elapsed:?}");
}

// ----- metadata update -----

/// A temp workspace for `metadata update`: `meta/` (as `$MSGRAPH_METADATA_DIR`) holding the
/// pinned `old.csdl`, `pin.toml`, `generated/` generated from it, and `CHANGELOG.md`.
struct Workspace {
    tmp: TempDir,
    meta: PathBuf,
    pin: PathBuf,
    out: PathBuf,
    changelog: PathBuf,
}

const OLD_CHANGELOG: &str = "# Changelog\n\nSome intro.\n\n## An older entry\n\nolder text\n";

fn pin_text(commit: &str, date: &str, sha: &str, file: &str) -> String {
    format!(
        "# test pin\nrepository = \"microsoftgraph/msgraph-metadata\"\npath = \"schemas/v1.0-Prod.csdl\"\n\
         commit = \"{commit}\"\ndate = \"{date}\"\nsha256 = \"{sha}\"\nfile = \"{file}\"\n\
         url = \"https://raw.githubusercontent.com/microsoftgraph/msgraph-metadata/{commit}/schemas/v1.0-Prod.csdl\"\n"
    )
}

impl Workspace {
    fn new(name: &str, old_fixture: &str) -> Workspace {
        let tmp = TempDir::new(name);
        let meta = tmp.path().join("meta");
        fs::create_dir(&meta).unwrap();
        let bytes = fs::read(workspace_root().join(diff_fixture(old_fixture))).unwrap();
        fs::write(meta.join("old.csdl"), &bytes).unwrap();
        let pin = tmp.path().join("pin.toml");
        let sha = msgraph_codegen::pin::sha256_hex(&bytes);
        fs::write(&pin, pin_text(COMMIT_A, "2026-05-05", &sha, "old.csdl")).unwrap();
        let out = tmp.path().join("generated");
        let changelog = tmp.path().join("CHANGELOG.md");
        fs::write(&changelog, OLD_CHANGELOG).unwrap();
        fs::create_dir(tmp.path().join("incoming")).unwrap();
        let ws = Workspace { tmp, meta, pin, out, changelog };
        let run = ws.run(&["codegen", "--pin", s(&ws.pin), "--out", s(&ws.out)]);
        assert_eq!(run.code, Some(0), "{run}");
        ws
    }

    fn run(&self, args: &[&str]) -> Run {
        xtask_with(args, &[("MSGRAPH_METADATA_DIR", self.meta.as_os_str())])
    }

    /// `metadata update NEW --commit B --date 2026-09-01 --pin --out --changelog` plus `extra`.
    fn update(&self, new: &Path, extra: &[&str]) -> Run {
        let mut args = vec![
            "metadata",
            "update",
            s(new),
            "--pin",
            s(&self.pin),
            "--out",
            s(&self.out),
            "--changelog",
            s(&self.changelog),
        ];
        if !extra.contains(&"--commit") {
            args.extend(["--commit", COMMIT_B, "--date", "2026-09-01"]);
        }
        args.extend(extra);
        self.run(&args)
    }

    /// A file in `incoming/` (outside `meta/`).
    fn incoming(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.tmp.path().join("incoming").join(name);
        fs::write(&path, content).unwrap();
        path
    }

    /// Everything `update` may touch.
    fn state(&self) -> State {
        State {
            pin: fs::read_to_string(&self.pin).unwrap(),
            tree: tree(&self.out),
            changelog: fs::read_to_string(&self.changelog).unwrap(),
            meta: entries(&self.meta),
            top: entries(self.tmp.path()),
        }
    }
}

#[derive(Debug, PartialEq)]
struct State {
    pin: String,
    tree: BTreeMap<String, String>,
    changelog: String,
    meta: Vec<String>,
    top: Vec<String>,
}

impl State {
    /// Fails naming what changed (without dumping whole trees).
    fn assert_same(&self, after: &State, what: &str) {
        assert_eq!(self.pin, after.pin, "{what}: the pin changed");
        assert_eq!(self.changelog, after.changelog, "{what}: the changelog changed");
        assert_eq!(self.meta, after.meta, "{what}: the metadata directory changed");
        assert_eq!(self.top, after.top, "{what}: files were left next to the pin");
        let changed: Vec<&String> =
            self.tree.keys().chain(after.tree.keys()).filter(|k| self.tree.get(*k) != after.tree.get(*k)).collect();
        assert!(changed.is_empty(), "{what}: the generated tree changed: {changed:?}");
    }
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    fs::read(workspace_root().join(diff_fixture(name))).unwrap()
}

#[test]
fn metadata_update_moves_the_pin_regenerates_and_writes_the_changelog() {
    let ws = Workspace::new("update-ok", "additions.old.xml");
    let new_bytes = fixture_bytes("additions.new.xml");
    let new = ws.incoming("additions-new.csdl", &new_bytes);
    let new_sha = msgraph_codegen::pin::sha256_hex(&new_bytes);

    // `diff --pinned` compares the pinned file with NEW.
    let diff = ws.run(&["metadata", "diff", "--pinned", s(&new), "--pin", s(&ws.pin)]);
    assert_eq!(diff.code, Some(0), "{diff}");
    assert!(diff.stdout.contains(&format!("  old: {} (sha256 ", s(&ws.meta.join("old.csdl")))), "{diff}");
    assert!(diff.stdout.contains("semver verdict: minor"), "{diff}");

    let run = ws.update(&new, &[]);
    assert_eq!(run.code, Some(0), "{run}");
    for want in [
        "verified ",
        "summary: 22 change(s): 0 major, 20 minor, 2 patch\n",
        "semver verdict: minor (only additions)\n",
        &format!(
            "metadata file: copied to {} ($MSGRAPH_METADATA_DIR), gzip-compressed",
            s(&ws.meta.join("additions-new.csdl.gz"))
        ),
        &format!("pin: {} now names additions-new.csdl.gz", s(&ws.pin)),
        &format!("changelog: entry added to {}", s(&ws.changelog)),
    ] {
        assert!(run.stdout.contains(want), "want `{want}`\n{run}");
    }

    // The pin: new commit, date, sha256, file and url; the header comment is kept.
    let pin = msgraph_codegen::pin::Pin::load(&ws.pin).unwrap();
    assert_eq!(pin.header, ["# test pin"]);
    assert_eq!((pin.commit.as_str(), pin.date.as_str()), (COMMIT_B, "2026-09-01"));
    assert_eq!((pin.sha256.as_str(), pin.file.as_str()), (new_sha.as_str(), "additions-new.csdl.gz"));
    assert_eq!(
        pin.url,
        format!("https://raw.githubusercontent.com/microsoftgraph/msgraph-metadata/{COMMIT_B}/schemas/v1.0-Prod.csdl")
    );
    // The file is where the pin finds it, compressed as committed files are.
    let placed = fs::read(ws.meta.join("additions-new.csdl.gz")).unwrap();
    assert_eq!(placed, csdl_file::compress(&new_bytes).unwrap());
    assert_eq!(csdl_file::read(&ws.meta.join("additions-new.csdl.gz")).unwrap(), new_bytes);
    assert_eq!(entries(&ws.meta), ["additions-new.csdl.gz", "old.csdl"]);

    // The tree is what codegen generates from the new file, and `codegen --check` agrees with
    // the new pin.
    let expected = ws.tmp.path().join("expected");
    let gen = xtask(&["codegen", "--metadata", s(&new), "--out", s(&expected)]);
    assert_eq!(gen.code, Some(0), "{gen}");
    assert_eq!(tree(&ws.out), tree(&expected));
    let check = ws.run(&["codegen", "--check", "--pin", s(&ws.pin), "--out", s(&ws.out)]);
    assert_eq!(check.code, Some(0), "{check}");

    // The changelog: the new entry above the older one, below the intro.
    let log = fs::read_to_string(&ws.changelog).unwrap();
    assert!(
        log.starts_with("# Changelog\n\nSome intro.\n\n## Microsoft Graph metadata 2026-09-01 (semver: minor)\n\n"),
        "{log}"
    );
    assert!(log.contains("at `222222222222` (2026-09-01"), "{log}");
    assert!(log.contains("previously `111111111111` (2026-05-05)"), "{log}");
    assert!(log.contains("  - new types: `servicePrincipal`, `square`\n"), "{log}");
    assert!(log.ends_with("\n## An older entry\n\nolder text\n"), "{log}");

    // No temporary files are left anywhere.
    assert_eq!(entries(ws.tmp.path()), ["CHANGELOG.md", "expected", "generated", "incoming", "meta", "pin.toml"]);

    // The same file again: nothing to do, nothing written.
    let before = ws.state();
    let again = ws.update(&new, &[]);
    assert_eq!(again.code, Some(0), "{again}");
    assert!(again.stdout.contains("is the pinned document already"), "{again}");
    before.assert_same(&ws.state(), "second update");
}

#[test]
fn metadata_update_refuses_bad_input_and_changes_nothing() {
    let ws = Workspace::new("update-bad", "additions.old.xml");
    let before = ws.state();
    let new_text = String::from_utf8(fixture_bytes("additions.new.xml")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "login-page.csdl",
            fs::read(workspace_root().join("metadata/fixtures/not-csdl.xml")).unwrap(),
            "not a CSDL document",
        ),
        ("trippin.csdl", fixture_bytes("other-service.xml"), "not a Microsoft Graph CSDL document"),
        ("truncated.csdl", new_text.as_bytes()[..new_text.len() / 2].to_vec(), "malformed XML"),
        ("bad-refs.csdl", fs::read(workspace_root().join("metadata/fixtures/bad-refs.xml")).unwrap(), "6 error(s)"),
    ];
    for (name, bytes, want) in cases {
        let path = ws.incoming(name, &bytes);
        let run = ws.update(&path, &[]);
        assert_eq!(run.code, Some(1), "{name}\n{run}");
        assert!(run.stderr.contains(want), "{name}: want `{want}`\n{run}");
        let prefix = format!("{}:", s(&path));
        let positioned = run.stderr.lines().any(|l| {
            l.strip_prefix(&prefix).is_some_and(|r| r.split(':').next().is_some_and(|n| n.parse::<u32>().is_ok()))
        });
        assert!(positioned, "{name}: the error names the file and a line\n{run}");
        fs::remove_file(&path).unwrap();
        before.assert_same(&ws.state(), name);
    }

    // Not UTF-8: the byte offset is named.
    let path = ws.incoming("binary.csdl", b"<?xml version=\"1.0\"?>\n<a>\xff\xfe</a>");
    let run = ws.update(&path, &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains(&format!("{}: not a CSDL document: not valid UTF-8 (first invalid byte at offset 25)", s(&path))),
        "{run}"
    );
    fs::remove_file(&path).unwrap();
    // Missing file.
    let run = ws.update(&ws.tmp.path().join("incoming").join("nope.csdl"), &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("cannot read metadata file"), "{run}");
    before.assert_same(&ws.state(), "missing file");
}

#[test]
fn metadata_update_checks_everything_before_writing() {
    let ws = Workspace::new("update-checks", "additions.old.xml");
    let new_bytes = fixture_bytes("additions.new.xml");
    let new = ws.incoming("additions-new.csdl", &new_bytes);
    let before = ws.state();

    // --sha256 that does not match.
    let wrong = "0".repeat(64);
    let run = ws.update(&new, &["--sha256", &wrong]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("sha256 mismatch"), "{run}");
    before.assert_same(&ws.state(), "--sha256");

    // Another file with the same name where the pin would look first.
    fs::write(ws.meta.join("additions-new.csdl"), "something else").unwrap();
    let run = ws.update(&new, &[]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("already exists with other content"), "{run}");
    assert!(run.stderr.contains("--file"), "{run}");
    fs::remove_file(ws.meta.join("additions-new.csdl")).unwrap();
    before.assert_same(&ws.state(), "name conflict");

    // Writing the tree fails (its parent is a file): the pin, the changelog and the metadata
    // directory stay as they were.
    let blocker = ws.tmp.path().join("blocker");
    fs::write(&blocker, "a file, not a directory").unwrap();
    let bad_out = blocker.join("generated");
    let run = ws.run(&[
        "metadata",
        "update",
        s(&new),
        "--commit",
        COMMIT_B,
        "--date",
        "2026-09-01",
        "--pin",
        s(&ws.pin),
        "--out",
        s(&bad_out),
        "--changelog",
        s(&ws.changelog),
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("cannot write the generated tree"), "{run}");
    assert!(run.stderr.contains("nothing was changed"), "{run}");
    fs::remove_file(&blocker).unwrap();
    before.assert_same(&ws.state(), "tree write failure");

    // Usage errors.
    for (args, want) in [
        (vec!["metadata", "update"], "give the NEW file (or --fetch)"),
        (vec!["metadata", "update", "x.csdl"], "--commit and --date required"),
        (vec!["metadata", "update", "x.csdl", "--commit", COMMIT_B], "--date required"),
        (vec!["metadata", "update", "x.csdl", "--fetch"], "give NEW or --fetch, not both"),
        (vec!["metadata", "update", "a.csdl", "b.csdl"], "give one NEW file"),
        (vec!["metadata", "update", "x.xml", "--commit", COMMIT_B, "--date", "2026-09-01"], "must end in `.csdl.gz`"),
    ] {
        let run = ws.run(&args);
        assert_eq!(run.code, Some(2), "{args:?}\n{run}");
        assert!(run.stderr.contains(want), "{args:?}: want `{want}`\n{run}");
    }
    for (flag, value, want) in [
        ("--commit", "abc123", "40-digit"),
        ("--date", "2026-9-1", "YYYY-MM-DD"),
        ("--file", "../x.csdl", "plain file name"),
        ("--sha256", "xyz", "64 hex digits"),
    ] {
        let mut args = vec!["metadata", "update", s(&new), "--pin", s(&ws.pin), "--out", s(&ws.out)];
        args.extend(["--changelog", s(&ws.changelog)]);
        let (commit, date) = match flag {
            "--commit" => (value, "2026-09-01"),
            "--date" => (COMMIT_B, value),
            _ => (COMMIT_B, "2026-09-01"),
        };
        args.extend(["--commit", commit, "--date", date]);
        if flag == "--file" || flag == "--sha256" {
            args.extend([flag, value]);
        }
        let run = ws.run(&args);
        assert_eq!(run.code, Some(2), "{flag} {value}\n{run}");
        assert!(run.stderr.contains(want), "{flag} {value}: want `{want}`\n{run}");
    }
    before.assert_same(&ws.state(), "usage errors");
}

/// A stand-in `curl` in `<dir>/bin` that logs each URL to `<dir>/requests.log`, answers the
/// GitHub API with `<dir>/api.json` and serves `<dir>/raw.csdl` for raw.githubusercontent.com;
/// returns a `PATH` that finds it first.
fn fake_curl(dir: &Path, raw: &[u8]) -> String {
    use std::os::unix::fs::PermissionsExt;

    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::write(dir.join("raw.csdl"), raw).unwrap();
    let script = "#!/bin/sh\n\
        out=''; url=''\n\
        while [ $# -gt 0 ]; do\n\
          case \"$1\" in\n\
            -o|-H|--retry) [ \"$1\" = -o ] && out=\"$2\"; shift 2;;\n\
            -*) shift;;\n\
            *) url=\"$1\"; shift;;\n\
          esac\n\
        done\n\
        echo \"$url\" >> \"$FAKE_CURL_DIR/requests.log\"\n\
        case \"$url\" in\n\
          https://api.github.com/*) cat \"$FAKE_CURL_DIR/api.json\";;\n\
          https://raw.githubusercontent.com/*) cp \"$FAKE_CURL_DIR/raw.csdl\" \"$out\";;\n\
          *) echo \"unexpected url $url\" >&2; exit 22;;\n\
        esac\n";
    let curl = bin.join("curl");
    fs::write(&curl, script).unwrap();
    fs::set_permissions(&curl, fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", s(&bin), std::env::var("PATH").unwrap_or_default())
}

/// `--fetch` with a stand-in `curl` on PATH that answers the GitHub API and serves the file.
#[test]
fn metadata_update_fetch_asks_github_and_downloads() {
    let ws = Workspace::new("update-fetch", "additions.old.xml");
    let fake = ws.tmp.path().join("fake-curl");
    let path = fake_curl(&fake, &fixture_bytes("additions.new.xml"));
    fs::write(
        fake.join("api.json"),
        r#"[{"sha":"3333333333333333333333333333333333333333","node_id":"C_1","commit":{"author":{"name":"a","email":"a@example.com","date":"2026-09-01T10:00:00Z"},"committer":{"name":"GitHub","email":"noreply@github.com","date":"2026-09-02T11:00:00Z"},"message":"Update metadata"}}]"#,
    )
    .unwrap();

    let args =
        ["metadata", "update", "--fetch", "--pin", s(&ws.pin), "--out", s(&ws.out), "--changelog", s(&ws.changelog)];
    let run = xtask_with(
        &args,
        &[("MSGRAPH_METADATA_DIR", ws.meta.as_os_str()), ("PATH", path.as_ref()), ("FAKE_CURL_DIR", fake.as_os_str())],
    );
    assert_eq!(run.code, Some(0), "{run}");
    let requests = fs::read_to_string(fake.join("requests.log")).unwrap();
    assert_eq!(
        requests,
        "https://api.github.com/repos/microsoftgraph/msgraph-metadata/commits?path=schemas/v1.0-Prod.csdl&per_page=1\n\
         https://raw.githubusercontent.com/microsoftgraph/msgraph-metadata/3333333333333333333333333333333333333333/schemas/v1.0-Prod.csdl\n"
    );
    let pin = msgraph_codegen::pin::Pin::load(&ws.pin).unwrap();
    assert_eq!(pin.commit, "3333333333333333333333333333333333333333");
    assert_eq!(pin.date, "2026-09-02", "the committer's date");
    assert_eq!(pin.file, "graph-v1.0-2026-09-02.csdl.gz");
    assert_eq!(csdl_file::read(&ws.meta.join(&pin.file)).unwrap(), fixture_bytes("additions.new.xml"));
    assert!(run.stdout.contains("semver verdict: minor"), "{run}");
    // The download was a temporary file.
    let leftovers: Vec<String> = fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("msgraph-metadata-") && n.ends_with("-3333333333333333333333333333333333333333.csdl"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `metadata fetch` downloads the pinned URL, checks the sha256 and stores the file compressed
/// under the pinned `.csdl.gz` name; a file already there (under either name) is not fetched again.
#[test]
fn metadata_fetch_stores_the_verified_file_compressed() {
    let tmp = TempDir::new("fetch");
    let meta = tmp.path().join("meta");
    fs::create_dir(&meta).unwrap();
    let fake = tmp.path().join("fake-curl");
    let bytes = fixture_bytes("additions.old.xml");
    let path = fake_curl(&fake, &bytes);
    let sha = msgraph_codegen::pin::sha256_hex(&bytes);
    let pin = tmp.path().join("pin.toml");
    fs::write(&pin, pin_text(COMMIT_A, "2026-05-05", &sha, "old.csdl.gz")).unwrap();
    let env =
        [("MSGRAPH_METADATA_DIR", meta.as_os_str()), ("PATH", path.as_ref()), ("FAKE_CURL_DIR", fake.as_os_str())];

    let run = xtask_with(&["metadata", "fetch", "--pin", s(&pin)], &env);
    assert_eq!(run.code, Some(0), "{run}");
    let stored = meta.join("old.csdl.gz");
    let gz = csdl_file::compress(&bytes).unwrap();
    let want = format!(
        "fetched {} ({} bytes, stored gzip-compressed in {} bytes, sha256 {sha} verified)",
        s(&stored),
        bytes.len(),
        gz.len()
    );
    assert!(run.stdout.contains(&want), "{run}");
    assert_eq!(fs::read(&stored).unwrap(), gz);
    assert_eq!(entries(&meta), ["old.csdl.gz"], "no temporary files are left");
    assert_eq!(
        fs::read_to_string(fake.join("requests.log")).unwrap(),
        format!(
            "https://raw.githubusercontent.com/microsoftgraph/msgraph-metadata/{COMMIT_A}/schemas/v1.0-Prod.csdl\n"
        )
    );
    let verify = xtask_with(&["metadata", "verify", "--pin", s(&pin)], &env);
    assert_eq!(verify.code, Some(0), "{verify}");
    assert!(verify.stdout.contains(&format!("ok: {}\nsha256 {sha} ({} bytes)", s(&stored), bytes.len())), "{verify}");

    // Already there: nothing is downloaded.
    let again = xtask_with(&["metadata", "fetch", "--pin", s(&pin)], &env);
    assert_eq!(again.code, Some(0), "{again}");
    assert!(again.stdout.contains(&format!("already present: {} (sha256 {sha} verified)", s(&stored))), "{again}");
    // The upstream (uncompressed) name counts too.
    fs::remove_file(&stored).unwrap();
    fs::write(meta.join("old.csdl"), &bytes).unwrap();
    let plain = xtask_with(&["metadata", "fetch", "--pin", s(&pin)], &env);
    assert!(plain.stdout.contains(&format!("already present: {}", s(&meta.join("old.csdl")))), "{plain}");
    assert_eq!(fs::read_to_string(fake.join("requests.log")).unwrap().lines().count(), 1);

    // Other bytes upstream: refused, nothing is stored.
    fs::remove_file(meta.join("old.csdl")).unwrap();
    fs::write(fake.join("raw.csdl"), fixture_bytes("additions.new.xml")).unwrap();
    let bad = xtask_with(&["metadata", "fetch", "--pin", s(&pin)], &env);
    assert_eq!(bad.code, Some(1), "{bad}");
    assert!(bad.stderr.contains("the downloaded file does not match the pin; refusing to install it"), "{bad}");
    assert!(entries(&meta).is_empty(), "{:?}", entries(&meta));
}

/// Every command reads `.csdl.gz` as it reads `.csdl`; the sha256 is the uncompressed one.
#[test]
fn compressed_csdl_files_are_read_like_plain_ones() {
    let tmp = TempDir::new("gz-input");
    let plain_bytes = fixture_bytes("additions.old.xml");
    let gz = tmp.path().join("additions.old.csdl.gz");
    fs::write(&gz, csdl_file::compress(&plain_bytes).unwrap()).unwrap();
    let sha = msgraph_codegen::pin::sha256_hex(&plain_bytes);

    let (from_gz, from_plain) = (tmp.path().join("gz"), tmp.path().join("plain"));
    let plain = diff_fixture("additions.old.xml");
    let run = xtask(&["codegen", "--metadata", s(&gz), "--out", s(&from_gz)]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains(&format!("metadata: {} (sha256 {sha};", s(&gz))), "{run}");
    let run = xtask(&["codegen", "--metadata", &plain, "--out", s(&from_plain)]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(tree(&from_gz), tree(&from_plain));

    let diff = xtask(&["metadata", "diff", s(&gz), &plain]);
    assert_eq!(diff.code, Some(0), "{diff}");
    assert!(diff.stdout.contains("semver verdict: none"), "{diff}");
    assert!(diff.stdout.contains(&format!("  old: {} (sha256 {sha})", s(&gz))), "{diff}");

    // A damaged one is named.
    let bytes = fs::read(&gz).unwrap();
    fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let run = xtask(&["metadata", "diff", s(&gz), &plain]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains(&format!("error: cannot decompress metadata file {} (gzip): ", s(&gz))), "{run}");
}

/// The real update the SDK went through: from the 2026-05-05 pin to the 2026-08-03 file. The
/// result must be exactly the committed pin and the committed generated tree.
#[test]
fn metadata_update_from_may_to_august_reproduces_the_committed_pin_and_tree() {
    let dir = metadata_override();
    let tmp = TempDir::new("update-real");
    let real_pin = fs::read_to_string(workspace_root().join("metadata/graph-v1.0.toml")).unwrap();
    let may_pin = real_pin
        .replace("0564689b82afc308d5aa8be54edfb9e5f1e0539f", "2f862436fa18415f791e8fdd0cf0ba4b6b20e02d")
        .replace("2026-08-03", "2026-05-05")
        .replace(
            "a9d32d3611746c96043229a98867be064fb782c801b3405bce00c224ea3f6a03",
            "4f626da463ed4b883f3ede21168612d9afc8746b89f12621073a3a028e4f2154",
        );
    assert!(may_pin.contains("file = \"graph-v1.0-2026-05-05.csdl.gz\""), "{may_pin}");
    let pin = tmp.path().join("graph-v1.0.toml");
    fs::write(&pin, &may_pin).unwrap();
    let out = tmp.path().join("generated");
    let changelog = tmp.path().join("CHANGELOG.md");
    let env = override_env(&dir);

    let gen = xtask_with(&["codegen", "--pin", s(&pin), "--out", s(&out)], &env);
    assert_eq!(gen.code, Some(0), "{gen}");
    let new = real_file("graph-v1.0-2026-08-03.csdl.gz");
    let args = [
        "metadata",
        "update",
        s(&new),
        "--commit",
        "0564689b82afc308d5aa8be54edfb9e5f1e0539f",
        "--date",
        "2026-08-03",
        "--pin",
        s(&pin),
        "--out",
        s(&out),
        "--changelog",
        s(&changelog),
    ];
    let run = xtask_with(&args, &env);
    assert_eq!(run.code, Some(0), "{run}");
    eprintln!("{}", run.stdout);
    assert!(run.stdout.contains(&format!("metadata file: {} (already in place)", s(&new))), "{run}");
    assert!(run.stdout.contains("semver verdict: major"), "{run}");
    assert_eq!(fs::read_to_string(&pin).unwrap(), real_pin, "the update produces the committed pin");
    let check = xtask_with(&["codegen", "--check", "--out", s(&out)], &env);
    assert_eq!(check.code, Some(0), "the update produces the committed tree\n{check}");
    let log = fs::read_to_string(&changelog).unwrap();
    assert!(log.starts_with("# Changelog\n"), "{log}");
    assert!(log.contains("## Microsoft Graph metadata 2026-08-03 (semver: major)"), "{log}");
    assert!(log.contains("### Breaking changes (10)"), "{log}");
}
