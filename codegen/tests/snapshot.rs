//! Snapshot tests of the emitted code for `metadata/fixtures/basic.xml`.
//!
//! Every generated file is compared with `codegen/tests/snapshots/basic/<path>.snap` (so
//! `foo/bar.rs` is stored as `foo/bar.rs.snap`: neither rustfmt nor cargo touches the
//! snapshots). To accept a change of the emitter, run
//! `UPDATE_SNAPSHOTS=1 cargo test -p msgraph-codegen --test snapshot` and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use msgraph_codegen::{generate, Generated, Input};

const FAKE_SHA: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const SNAPSHOT_EXT: &str = ".snap";
const RERUN: &str = "run UPDATE_SNAPSHOTS=1 cargo test -p msgraph-codegen --test snapshot";
/// Lines of context shown around the first difference.
const CONTEXT: usize = 3;
/// Lines of the first difference shown at most.
const MAX_DIFF_LINES: usize = 40;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn snapshot_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("snapshots").join(name)
}

fn generate_fixture(file: &str) -> Generated {
    let path = workspace_root().join("metadata").join("fixtures").join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    generate(&Input { csdl: &text, source_name: file, sha256: FAKE_SHA })
        .unwrap_or_else(|d| panic!("generating from {file} failed:\n{d}"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Every file under `dir` (relative `/` paths) with its content; empty when `dir` is missing.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &rel, out);
            } else {
                let content = fs::read_to_string(entry.path())
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", entry.path().display()));
                out.insert(rel, content);
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.is_dir() {
        walk(dir, "", &mut out);
    }
    out
}

/// The generated files under their snapshot names (`x.rs` → `x.rs.snap`).
fn expected_snapshots(g: &Generated) -> BTreeMap<String, String> {
    g.files.iter().map(|(p, c)| (format!("{p}{SNAPSHOT_EXT}"), c.clone())).collect()
}

/// Replaces the snapshot dir with exactly `files`.
fn write_snapshots(dir: &Path, files: &BTreeMap<String, String>) {
    if dir.exists() {
        fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("cannot remove {}: {e}", dir.display()));
    }
    for (rel, content) in files {
        let path = rel.split('/').fold(dir.to_path_buf(), |p, c| p.join(c));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// A unified-diff-like excerpt around the first differing line of `old` and `new`.
fn first_difference(path: &str, old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let first = old_lines.iter().zip(&new_lines).take_while(|(a, b)| a == b).count();
    // Skip the common tail, so an insertion or a deletion shows as just that.
    let max_tail = old_lines.len().min(new_lines.len()) - first;
    let tail = old_lines.iter().rev().zip(new_lines.iter().rev()).take(max_tail).take_while(|(a, b)| a == b).count();
    let start = first.saturating_sub(CONTEXT);
    let old_end = old_lines.len() - tail;
    let new_end = new_lines.len() - tail;
    let removed = old_lines[first..old_end].iter().map(|l| format!("-{l}"));
    let added = new_lines[first..new_end].iter().map(|l| format!("+{l}"));
    let changed: Vec<String> = removed.chain(added).collect();
    let shown = changed.len().min(MAX_DIFF_LINES);
    let truncated = changed.len() > shown;
    let trailing = if truncated { 0 } else { (old_end + CONTEXT).min(old_lines.len()) - old_end };
    let mut out = vec![
        format!("--- tests/snapshots/basic/{path} (snapshot)"),
        format!("+++ {} (generated now)", path.trim_end_matches(SNAPSHOT_EXT)),
        format!("@@ -{},{} +{},{} @@", start + 1, old_end - start + trailing, start + 1, new_end - start + trailing),
    ];
    out.extend(old_lines[start..first].iter().map(|l| format!(" {l}")));
    out.extend(changed[..shown].iter().cloned());
    if truncated {
        out.push(format!("... {} more changed line(s)", changed.len() - shown));
    } else {
        out.extend(old_lines[old_end..old_end + trailing].iter().map(|l| format!(" {l}")));
    }
    if old.ends_with('\n') != new.ends_with('\n') {
        out.push("\\ the final newline differs".to_string());
    }
    out.join("\n")
}

/// Compares `files` with the snapshots in `dir`; `Err` names every difference.
fn compare(dir: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    let on_disk = read_tree(dir);
    let mut changed = Vec::new();
    let mut missing = Vec::new();
    for (rel, content) in files {
        match on_disk.get(rel) {
            Some(old) if old == content => {}
            Some(_) => changed.push(rel.clone()),
            None => missing.push(rel.clone()),
        }
    }
    let stale: Vec<String> = on_disk.keys().filter(|p| !files.contains_key(*p)).cloned().collect();
    if changed.is_empty() && missing.is_empty() && stale.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "the emitted code differs from the snapshots in {}: {} changed, {} new, {} no longer generated\n",
        dir.display(),
        changed.len(),
        missing.len(),
        stale.len()
    );
    for (title, list) in [("changed", &changed), ("new (no snapshot)", &missing), ("stale snapshot", &stale)] {
        for p in list {
            msg.push_str(&format!("  {title}: {p}\n"));
        }
    }
    if let Some(p) = changed.first() {
        msg.push('\n');
        msg.push_str(&first_difference(p, &on_disk[p], &files[p]));
        msg.push('\n');
    }
    msg.push_str(&format!("\n{RERUN} to accept the new output (then review the diff)"));
    Err(msg)
}

#[test]
fn basic_matches_snapshots() {
    let g = generate_fixture("basic.xml");
    // Sanity checks that hold whatever the snapshots say.
    assert!(g.files.len() > 40, "only {} files", g.files.len());
    for (path, content) in &g.files {
        assert!(content.starts_with(msgraph_codegen::emit::HEADER), "{path}");
        assert_eq!(content.contains(FAKE_SHA), path == msgraph_codegen::emit::METADATA_PATH, "{path}");
        assert!(syn::parse_file(content).is_ok(), "{path} is not valid Rust:\n{content}");
        assert!(!content.contains("compile_error!"), "{path}");
    }
    let files = expected_snapshots(&g);
    let dir = snapshot_dir("basic");
    if updating() {
        write_snapshots(&dir, &files);
        eprintln!("wrote {} snapshot(s) to {}", files.len(), dir.display());
        assert_eq!(read_tree(&dir), files, "the snapshots were not written back faithfully");
        return;
    }
    assert!(dir.is_dir(), "no snapshots at {}: {RERUN} to create them (then review and commit them)", dir.display());
    if let Err(msg) = compare(&dir, &files) {
        panic!("{msg}");
    }
}

/// The differ itself: the message names every kind of difference and shows the first change.
#[test]
fn comparison_reports_changed_new_and_stale_files() {
    let dir = std::env::temp_dir().join(format!("msgraph-codegen-snapshot-{}", std::process::id()));
    let mut old = BTreeMap::new();
    old.insert("a.rs.snap".to_string(), "one\ntwo\nthree\nfour\nfive\n".to_string());
    old.insert("gone.rs.snap".to_string(), "x\n".to_string());
    old.insert("same/b.rs.snap".to_string(), "b\n".to_string());
    write_snapshots(&dir, &old);
    assert_eq!(compare(&dir, &old), Ok(()));

    let mut new = old.clone();
    new.remove("gone.rs.snap");
    new.insert("a.rs.snap".to_string(), "one\ntwo\nTHREE\nfour\nfive\n".to_string());
    new.insert("z/new.rs.snap".to_string(), "n\n".to_string());
    let msg = compare(&dir, &new).unwrap_err();
    let _ = fs::remove_dir_all(&dir);
    assert!(msg.contains("1 changed, 1 new, 1 no longer generated"), "{msg}");
    assert!(msg.contains("  changed: a.rs.snap\n"), "{msg}");
    assert!(msg.contains("  new (no snapshot): z/new.rs.snap\n"), "{msg}");
    assert!(msg.contains("  stale snapshot: gone.rs.snap\n"), "{msg}");
    assert!(msg.contains("@@ -1,5 +1,5 @@\n one\n two\n-three\n+THREE\n four\n five"), "{msg}");
    assert!(msg.ends_with(&format!("{RERUN} to accept the new output (then review the diff)")), "{msg}");
    assert!(!msg.contains("same/b.rs.snap"), "{msg}");

    // Insertions show as just the inserted lines.
    let d = first_difference("f.rs.snap", "a\nb\nc\n", "a\nb\nnew\nc\n");
    assert!(d.ends_with("@@ -1,3 +1,4 @@\n a\n b\n+new\n c"), "{d}");
    let files: BTreeSet<&str> = new.keys().map(String::as_str).collect();
    assert!(files.contains("z/new.rs.snap"));
}
