//! Comparing the generated tree with the one on disk, and replacing it atomically.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::Generated;

/// The directory of the crates, relative to the workspace root. Generated file paths are
/// relative to it and start with one of [`GENERATED_ROOTS`].
pub const GENERATED_DIR: &str = "crates";

/// The generated models and routing schema (the `msgraph-models` crate).
pub const MODELS_ROOT: &str = "msgraph-models/src/generated";
/// The generated request builders and client entry points (the `msgraph` crate).
pub const SDK_ROOT: &str = "msgraph/src/generated";
/// Every directory the generator owns, relative to [`GENERATED_DIR`]: each holds exactly the
/// generated files under it, nothing hand-written.
pub const GENERATED_ROOTS: [&str; 2] = [MODELS_ROOT, SDK_ROOT];

/// How the tree on disk differs from the generated one. All lists hold sorted relative paths
/// with `/` separators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeDiff {
    /// Generated files present on disk with different content.
    pub stale: Vec<String>,
    /// Generated files absent from disk.
    pub missing: Vec<String>,
    /// Files on disk that are not generated.
    pub extra: Vec<String>,
}

impl TreeDiff {
    /// True when the disk holds exactly the generated files with exactly the generated content.
    pub fn is_clean(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Paths listed per category by `{}`; `{:#}` lists every path.
const DISPLAY_LIMIT: usize = 50;

impl fmt::Display for TreeDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return write!(f, "generated tree is up to date");
        }
        write!(f, "{} stale, {} missing, {} extra file(s)", self.stale.len(), self.missing.len(), self.extra.len())?;
        let limit = if f.alternate() { usize::MAX } else { DISPLAY_LIMIT };
        for (title, paths) in [
            ("stale (content differs)", &self.stale),
            ("missing (generated, not on disk)", &self.missing),
            ("extra (on disk, not generated)", &self.extra),
        ] {
            if paths.is_empty() {
                continue;
            }
            write!(f, "\n{title}:")?;
            for p in paths.iter().take(limit) {
                write!(f, "\n  {p}")?;
            }
            if paths.len() > limit {
                write!(f, "\n  ... and {} more", paths.len() - limit)?;
            }
        }
        Ok(())
    }
}

/// What [`write_atomically`] did, counted against the tree that was there before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Generated files that were new or whose content changed.
    pub written: usize,
    /// Generated files whose content was already on disk.
    pub unchanged: usize,
    /// Files on disk that are no longer generated.
    pub removed: usize,
}

/// Compares the tree under `root` with `generated`. A missing `root` counts as empty.
pub fn diff(root: &Path, generated: &Generated) -> io::Result<TreeDiff> {
    validate_paths(generated)?;
    let mut out = TreeDiff::default();
    for sub in GENERATED_ROOTS {
        let d = diff_files(&join(root, sub), &part(generated, sub))?;
        let prefixed = |v: Vec<String>| v.into_iter().map(|rel| format!("{sub}/{rel}"));
        out.stale.extend(prefixed(d.stale));
        out.missing.extend(prefixed(d.missing));
        out.extra.extend(prefixed(d.extra));
    }
    Ok(out)
}

/// Generated files as borrowed `(relative path, content)` pairs, ordered by path.
type Files<'a> = BTreeMap<&'a str, &'a str>;

/// The files of `generated` under the generated root `sub`, relative to it (borrowed).
fn part<'a>(generated: &'a Generated, sub: &str) -> Files<'a> {
    let prefix = format!("{sub}/");
    generated.files.iter().filter_map(|(rel, content)| Some((rel.strip_prefix(&prefix)?, content.as_str()))).collect()
}

/// All files of `generated` (borrowed).
fn all(generated: &Generated) -> Files<'_> {
    generated.files.iter().map(|(rel, content)| (rel.as_str(), content.as_str())).collect()
}

/// Replaces the tree under `root` with exactly `generated`.
///
/// The new tree is written into a fresh sibling directory (`.<name>.tmp-<pid>`) and then swapped
/// in: `root` is renamed to `.<name>.old-<pid>`, the new tree is renamed to `root`, and the old
/// tree is removed. If anything fails before the swap, the temporary directory is removed and
/// `root` is left untouched. When the tree on disk already matches, nothing is written at all
/// (so file modification times, and cargo's fingerprints, stay as they are).
pub fn write_atomically(root: &Path, generated: &Generated) -> io::Result<WriteStats> {
    validate_paths(generated)?;
    let mut total = WriteStats::default();
    for sub in GENERATED_ROOTS {
        let stats = write_files(&join(root, sub), &part(generated, sub))?;
        total.written += stats.written;
        total.unchanged += stats.unchanged;
        total.removed += stats.removed;
    }
    Ok(total)
}

/// [`diff`] for one generated root: `generated` holds paths relative to `root`.
pub fn diff_root(root: &Path, generated: &Generated) -> io::Result<TreeDiff> {
    validate_relative_paths(generated)?;
    diff_files(root, &all(generated))
}

/// [`diff_root`] of already validated files.
fn diff_files(root: &Path, files: &Files<'_>) -> io::Result<TreeDiff> {
    let on_disk = list_files(root)?;
    let mut out = TreeDiff::default();
    for (&rel, content) in files {
        if on_disk.contains(rel) {
            let path = join(root, rel);
            let bytes = fs::read(&path).map_err(|e| with_path(e, "cannot read", &path))?;
            if bytes != content.as_bytes() {
                out.stale.push(rel.to_string());
            }
        } else {
            out.missing.push(rel.to_string());
        }
    }
    out.extra = on_disk.into_iter().filter(|p| !files.contains_key(p.as_str())).collect();
    Ok(out)
}

/// Replaces the tree under one generated `root` with exactly `generated` (paths relative to it).
pub fn write_root(root: &Path, generated: &Generated) -> io::Result<WriteStats> {
    validate_relative_paths(generated)?;
    write_files(root, &all(generated))
}

/// [`write_root`] of already validated files.
fn write_files(root: &Path, files: &Files<'_>) -> io::Result<WriteStats> {
    let before = diff_files(root, files)?;
    let written = before.stale.len() + before.missing.len();
    let stats = WriteStats { written, unchanged: files.len() - written, removed: before.extra.len() };
    let root_exists = fs::metadata(root).is_ok();
    if root_exists && before.is_clean() {
        return Ok(stats);
    }

    let name = root.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("output directory {} has no final path component", root.display()),
        )
    })?;
    let parent = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let sibling = |what: &str| {
        let mut n = OsString::from(".");
        n.push(name);
        n.push(format!(".{what}-{}", std::process::id()));
        parent.join(n)
    };
    let tmp = sibling("tmp");
    let old = sibling("old");

    fs::create_dir_all(&parent).map_err(|e| with_path(e, "cannot create", &parent))?;
    let prepared = remove_if_exists(&tmp).and_then(|()| remove_if_exists(&old)).and_then(|()| write_tree(&tmp, files));
    if let Err(e) = prepared {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }

    if root_exists {
        if let Err(e) = fs::rename(root, &old) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(io::Error::new(e.kind(), format!("cannot move {} to {}: {e}", root.display(), old.display())));
        }
    }
    if let Err(e) = fs::rename(&tmp, root) {
        let restored = !root_exists || fs::rename(&old, root).is_ok();
        let _ = fs::remove_dir_all(&tmp);
        let note = if restored { String::new() } else { format!("; the previous tree is at {}", old.display()) };
        return Err(io::Error::new(
            e.kind(),
            format!("cannot move {} to {}: {e}{note}", tmp.display(), root.display()),
        ));
    }
    if root_exists {
        fs::remove_dir_all(&old).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "the new tree is in place at {}, but removing the previous tree at {} failed: {e}",
                    root.display(),
                    old.display()
                ),
            )
        })?;
    }
    Ok(stats)
}

/// Writes every file under `dir` (which must not exist yet).
fn write_tree(dir: &Path, files: &Files<'_>) -> io::Result<()> {
    fs::create_dir(dir).map_err(|e| with_path(e, "cannot create", dir))?;
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    for (&rel, content) in files {
        let path = join(dir, rel);
        if let Some(parent) = path.parent() {
            if parent != dir && made.insert(parent.to_path_buf()) {
                fs::create_dir_all(parent).map_err(|e| with_path(e, "cannot create", parent))?;
            }
        }
        fs::write(&path, content.as_bytes()).map_err(|e| with_path(e, "cannot write", &path))?;
    }
    Ok(())
}

/// Every file (anything that is not a directory) under `root`, as relative `/` paths.
fn list_files(root: &Path) -> io::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    match fs::metadata(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(with_path(e, "cannot access", root)),
        Ok(m) if !m.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} exists but is not a directory", root.display()),
            ))
        }
        Ok(_) => {}
    }
    walk(root, "", &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) -> io::Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| with_path(e, "cannot read directory", dir))?;
    for entry in entries {
        let entry = entry.map_err(|e| with_path(e, "cannot read directory", dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let rel = if prefix.is_empty() { name.into_owned() } else { format!("{prefix}/{name}") };
        let file_type = entry.file_type().map_err(|e| with_path(e, "cannot access", &entry.path()))?;
        if file_type.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.insert(rel);
        }
    }
    Ok(())
}

/// Rejects paths that are not plain relative `/` paths, paths that would need a file and a
/// directory of the same name, and paths that collide on case-insensitive file systems.
/// [`validate_relative_paths`], and every path is under one of the [`GENERATED_ROOTS`].
fn validate_paths(generated: &Generated) -> io::Result<()> {
    validate_relative_paths(generated)?;
    for rel in generated.files.keys() {
        if !GENERATED_ROOTS.iter().any(|r| rel.strip_prefix(r).is_some_and(|rest| rest.starts_with('/'))) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid generated path `{rel}`: not under one of the generated roots {GENERATED_ROOTS:?}"),
            ));
        }
    }
    Ok(())
}

/// Relative `/` paths without `.`/`..`, no file that is also a directory, no two paths that
/// differ only in case.
fn validate_relative_paths(generated: &Generated) -> io::Result<()> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    let mut folded: BTreeMap<String, &str> = BTreeMap::new();
    for rel in generated.files.keys() {
        let bad_component =
            rel.split('/').any(|c| c.is_empty() || c == "." || c == ".." || c.contains(['\\', ':', '\0']));
        if bad_component {
            return Err(invalid(format!(
                "invalid generated path `{rel}`: expected a relative path with `/` separators"
            )));
        }
        let mut prefix = rel.as_str();
        while let Some((parent, _)) = prefix.rsplit_once('/') {
            if generated.files.contains_key(parent) {
                return Err(invalid(format!(
                    "invalid generated tree: `{parent}` is both a file and the directory of `{rel}`"
                )));
            }
            prefix = parent;
        }
        if let Some(other) = folded.insert(rel.to_lowercase(), rel) {
            return Err(invalid(format!(
                "invalid generated tree: `{other}` and `{rel}` differ only in case \
                 (they collide on case-insensitive file systems)"
            )));
        }
    }
    Ok(())
}

fn join(root: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(root.to_path_buf(), |p, c| p.join(c))
}

fn remove_if_exists(path: &Path) -> io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    };
    result.map_err(|e| with_path(e, "cannot remove", path))
}

fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TempDir;

    fn gen(files: &[(&str, &str)]) -> Generated {
        Generated { files: files.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect() }
    }

    fn put(root: &Path, rel: &str, content: &str) {
        let path = join(root, rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    /// Everything under `dir`, files with content.
    fn snapshot(dir: &Path) -> BTreeMap<String, String> {
        list_files(dir)
            .unwrap()
            .into_iter()
            .map(|rel| {
                let content = fs::read_to_string(join(dir, &rel)).unwrap();
                (rel, content)
            })
            .collect()
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn missing_root_means_everything_is_missing() {
        let t = TempDir::new("tree-missing");
        let g = gen(&[("mod.rs", "x"), ("a/b.rs", "y")]);
        let d = diff_root(&t.0.join("generated"), &g).unwrap();
        assert_eq!(d.missing, ["a/b.rs", "mod.rs"]);
        assert!(d.stale.is_empty() && d.extra.is_empty());
        assert!(!d.is_clean());
        assert!(diff_root(&t.0.join("generated"), &Generated::default()).unwrap().is_clean());
    }

    #[test]
    fn diff_finds_stale_missing_and_extra_sorted() {
        let t = TempDir::new("tree-diff");
        let root = t.0.join("generated");
        put(&root, "mod.rs", "same\n");
        put(&root, "models/user.rs", "old\n");
        put(&root, "models/z.rs", "old\n");
        put(&root, "models/extra.rs", "gone\n");
        put(&root, "a/deep/extra.txt", "gone\n");
        let g = gen(&[
            ("mod.rs", "same\n"),
            ("models/z.rs", "new\n"),
            ("models/user.rs", "new\n"),
            ("models/group.rs", "new\n"),
            ("requests/mod.rs", "new\n"),
        ]);
        let d = diff_root(&root, &g).unwrap();
        assert_eq!(d.stale, ["models/user.rs", "models/z.rs"]);
        assert_eq!(d.missing, ["models/group.rs", "requests/mod.rs"]);
        assert_eq!(d.extra, ["a/deep/extra.txt", "models/extra.rs"]);
        let shown = d.to_string();
        assert!(shown.starts_with("2 stale, 2 missing, 2 extra file(s)\n"), "{shown}");
        assert!(shown.contains("stale (content differs):\n  models/user.rs\n  models/z.rs\n"), "{shown}");
        assert!(shown.contains("extra (on disk, not generated):\n  a/deep/extra.txt\n  models/extra.rs"), "{shown}");
    }

    #[test]
    fn newline_differences_are_stale() {
        let t = TempDir::new("tree-crlf");
        put(&t.0, "mod.rs", "a\r\nb\r\n");
        let d = diff_root(&t.0, &gen(&[("mod.rs", "a\nb\n")])).unwrap();
        assert_eq!(d.stale, ["mod.rs"]);
    }

    #[test]
    fn display_is_limited_unless_alternate() {
        let d = TreeDiff { missing: (0..60).map(|i| format!("m{i:02}.rs")).collect(), ..TreeDiff::default() };
        let short = d.to_string();
        assert!(short.contains("m49.rs") && !short.contains("m50.rs"), "{short}");
        assert!(short.ends_with("... and 10 more"), "{short}");
        let full = format!("{d:#}");
        assert!(full.ends_with("m59.rs"), "{full}");
        assert_eq!(TreeDiff::default().to_string(), "generated tree is up to date");
    }

    #[test]
    fn root_that_is_a_file_is_an_error() {
        let t = TempDir::new("tree-file-root");
        put(&t.0, "generated", "not a dir");
        let e = diff_root(&t.0.join("generated"), &gen(&[("a.rs", "")])).unwrap_err();
        assert!(e.to_string().contains("is not a directory"), "{e}");
        assert!(write_root(&t.0.join("generated"), &gen(&[("a.rs", "")])).is_err());
        assert_eq!(fs::read_to_string(t.0.join("generated")).unwrap(), "not a dir");
    }

    #[test]
    fn write_creates_then_reports_unchanged() {
        let t = TempDir::new("tree-write");
        let root = t.0.join("out").join("generated");
        let g = gen(&[("mod.rs", "pub mod a;\n"), ("a/mod.rs", "x\ny\n"), ("a/b/c.rs", "\n")]);
        let s = write_root(&root, &g).unwrap();
        assert_eq!(s, WriteStats { written: 3, unchanged: 0, removed: 0 });
        assert_eq!(snapshot(&root), g.files);
        assert!(diff_root(&root, &g).unwrap().is_clean());

        let before = fs::metadata(root.join("mod.rs")).unwrap().modified().unwrap();
        let s = write_root(&root, &g).unwrap();
        assert_eq!(s, WriteStats { written: 0, unchanged: 3, removed: 0 });
        assert_eq!(fs::metadata(root.join("mod.rs")).unwrap().modified().unwrap(), before);
        // No temporary or old trees are left next to the root.
        assert_eq!(entries(&t.0.join("out")), ["generated"]);
    }

    #[test]
    fn write_replaces_the_whole_tree() {
        let t = TempDir::new("tree-replace");
        let root = t.0.join("generated");
        put(&root, "mod.rs", "same\n");
        put(&root, "models/user.rs", "old\n");
        put(&root, "models/gone.rs", "gone\n");
        put(&root, "stray/file.txt", "gone\n");
        let g =
            gen(&[("mod.rs", "same\n"), ("models/user.rs", "new\n"), ("models/group.rs", "new\r\nkept as given\n")]);
        let s = write_root(&root, &g).unwrap();
        assert_eq!(s, WriteStats { written: 2, unchanged: 1, removed: 2 });
        assert_eq!(snapshot(&root), g.files);
        assert_eq!(fs::read(root.join("models/group.rs")).unwrap(), b"new\r\nkept as given\n");
        assert!(!root.join("stray").exists());
        assert_eq!(entries(&t.0), ["generated"]);
    }

    #[test]
    fn empty_tree_empties_the_root() {
        let t = TempDir::new("tree-empty");
        let root = t.0.join("generated");
        put(&root, "old.rs", "x");
        let s = write_root(&root, &Generated::default()).unwrap();
        assert_eq!(s, WriteStats { written: 0, unchanged: 0, removed: 1 });
        assert!(root.is_dir());
        assert!(entries(&root).is_empty());
        assert_eq!(entries(&t.0), ["generated"]);
    }

    #[test]
    fn failure_before_swap_leaves_root_untouched() {
        let t = TempDir::new("tree-fail");
        let root = t.0.join("generated");
        put(&root, "mod.rs", "old\n");
        // A file name longer than any file system allows: fails while writing the temp tree.
        let long = format!("{}.rs", "x".repeat(300));
        let g = gen(&[("mod.rs", "new\n"), ("a.rs", "a"), (&long, "never")]);
        let e = write_root(&root, &g).unwrap_err();
        assert!(e.to_string().contains("cannot write"), "{e}");
        assert_eq!(snapshot(&root), gen(&[("mod.rs", "old\n")]).files);
        assert_eq!(entries(&t.0), ["generated"]);
    }

    #[test]
    fn invalid_paths_are_rejected_before_writing() {
        let t = TempDir::new("tree-invalid");
        let root = t.0.join("generated");
        for (files, want) in [
            (vec!["../escape.rs"], "invalid generated path `../escape.rs`"),
            (vec!["/abs.rs"], "invalid generated path"),
            (vec!["a//b.rs"], "invalid generated path"),
            (vec!["a\\b.rs"], "invalid generated path"),
            (vec!["./a.rs"], "invalid generated path"),
            (vec![""], "invalid generated path"),
            (vec!["a", "a/b.rs"], "`a` is both a file and the directory of `a/b.rs`"),
            (vec!["models/User.rs", "models/user.rs"], "differ only in case"),
        ] {
            let g = Generated { files: files.iter().map(|p| (p.to_string(), String::new())).collect() };
            let e = write_root(&root, &g).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
            assert!(e.to_string().contains(want), "{files:?}: {e}");
            assert!(diff_root(&root, &g).is_err());
        }
        assert!(entries(&t.0).is_empty());
    }

    #[test]
    fn the_workspace_tree_spans_the_generated_roots_only() {
        let t = TempDir::new("tree-roots");
        put(&t.0, "msgraph/src/lib.rs", "hand-written\n");
        put(&t.0, &format!("{SDK_ROOT}/stale.rs"), "old\n");
        let g = gen(&[(&format!("{MODELS_ROOT}/mod.rs"), "m\n"), (&format!("{SDK_ROOT}/mod.rs"), "s\n")]);
        let d = diff(&t.0, &g).unwrap();
        assert_eq!(d.missing, [format!("{MODELS_ROOT}/mod.rs"), format!("{SDK_ROOT}/mod.rs")]);
        assert_eq!(d.extra, [format!("{SDK_ROOT}/stale.rs")], "hand-written files are not extra");
        let s = write_atomically(&t.0, &g).unwrap();
        assert_eq!(s, WriteStats { written: 2, unchanged: 0, removed: 1 });
        assert!(diff(&t.0, &g).unwrap().is_clean());
        assert_eq!(fs::read_to_string(t.0.join("msgraph/src/lib.rs")).unwrap(), "hand-written\n");
        let outside = gen(&[("msgraph/src/lib.rs", "")]);
        assert!(write_atomically(&t.0, &outside)
            .unwrap_err()
            .to_string()
            .contains("not under one of the generated roots"));
    }

    #[test]
    fn the_metadata_file_is_in_the_models_root() {
        assert!(crate::emit::METADATA_PATH.starts_with(&format!("{MODELS_ROOT}/")));
    }
}
