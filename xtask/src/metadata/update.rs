//! `cargo xtask metadata update`: move the pin to a new CSDL document, regenerate, and write
//! the changelog entry; everything is checked before anything is written.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use msgraph_codegen::diff::{self, Diff};
use msgraph_codegen::{csdl_file, emit, pin, tree};

use super::upstream::fetch_upstream;
use super::{rename_into_place, short, write_temp, Document, TempFile, CSDL_EXTENSION};
use crate::args::{Arg, Args};
use crate::{failed, ms, repo_root, usage, Failure, Size};

pub(super) struct UpdateOpts {
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
    pub(super) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<UpdateOpts>, Failure> {
        let mut args = Args::new("metadata update", args);
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
        while let Some(arg) = args.next()? {
            match arg {
                Arg::Help => return Ok(None),
                Arg::Positional(value) => {
                    if o.new.is_some() {
                        return Err(args.error("give one NEW file"));
                    }
                    o.new = Some(args.positional_path(value)?);
                }
                Arg::Flag(flag) => match flag.as_str() {
                    "--fetch" => args.switch(&mut o.fetch, &flag)?,
                    "--commit" => args.string(&mut o.commit, &flag)?,
                    "--date" => args.string(&mut o.date, &flag)?,
                    "--file" => args.string(&mut o.file, &flag)?,
                    "--sha256" => args.string(&mut o.sha256, &flag)?,
                    "--pin" => args.path(&mut o.pin, &flag)?,
                    "--out" => args.path(&mut o.out, &flag)?,
                    "--changelog" => args.path(&mut o.changelog, &flag)?,
                    _ => return Err(args.unknown(&flag)),
                },
            }
        }
        match (&o.new, o.fetch) {
            (Some(_), true) => return Err(args.error("give NEW or --fetch, not both")),
            (None, false) => return Err(args.error("give the NEW file (or --fetch)")),
            _ => {}
        }
        if !o.fetch {
            let missing: Vec<&str> = [("--commit", o.commit.is_none()), ("--date", o.date.is_none())]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| n)
                .collect();
            if !missing.is_empty() {
                return Err(args.error(format_args!(
                    "{} required: the upstream commit and date of the new file go into the pin",
                    missing.join(" and ")
                )));
            }
        }
        Ok(Some(o))
    }
}

/// Where the new CSDL file goes so that `pin::locate` finds it.
enum Placement {
    /// A file with that name and the same sha256 is already the first one `locate` finds.
    AlreadyThere(PathBuf),
    /// Write the document gzip-compressed to `dest` (no file of that name in any searched
    /// directory).
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
/// a file with this name (or the same name with or without `.gz`), which must then hold the same
/// CSDL document.
fn plan_placement(root: &Path, file: &str, sha256: &str) -> Result<Placement, Failure> {
    let dirs = pin::search_dirs(root);
    for d in &dirs {
        if let Some(path) = pin::find_in(file, std::slice::from_ref(d)) {
            let existing = pin::sha256_hex(&csdl_file::read(&path)?);
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

/// The name the new document is pinned and stored under: `NAME.csdl.gz` for a `NAME.csdl` or
/// `NAME.csdl.gz` (the file is always stored gzip-compressed).
fn pinned_name(name: &str) -> Result<String, String> {
    if name.ends_with(CSDL_EXTENSION) || name.ends_with(&format!("{CSDL_EXTENSION}{}", csdl_file::GZ_SUFFIX)) {
        Ok(csdl_file::compressed_name(name))
    } else {
        Err(format!(
            "the pinned file name `{name}` must end in `{CSDL_EXTENSION}{gz}` (or `{CSDL_EXTENSION}`, to which \
             `{gz}` is added: the file is stored gzip-compressed); give --file NAME{CSDL_EXTENSION}{gz}",
            gz = csdl_file::GZ_SUFFIX
        ))
    }
}

/// The new document with its upstream commit and date.
pub(super) struct Incoming {
    pub(super) document: Document,
    pub(super) commit: String,
    pub(super) date: String,
    /// Default file name for the pin.
    pub(super) file: String,
    /// A downloaded temporary file, removed when done.
    pub(super) _download: Option<TempFile>,
}

pub(super) fn run(opts: &UpdateOpts) -> Result<(), Failure> {
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
        let text = p.to_toml().map_err(|e| failed(format!("invalid value for the new pin: {e}")))?;
        pin::Pin::parse(&text, &pin_path).map_err(|e| failed(format!("invalid value for the new pin: {e}")))?;
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
    // The file is stored gzip-compressed, as `NAME.csdl.gz`.
    let named = opts
        .file
        .clone()
        .or_else(|| opts.new.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()));
    if let Some(name) = named {
        pinned_name(&name).map_err(|m| usage(format!("`metadata update`: {m}")))?;
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
    let file = pinned_name(opts.file.as_deref().unwrap_or(&incoming.file)).map_err(failed)?;
    let mut new_pin = provisional(&incoming.commit, &incoming.date, &file)?;
    new_pin.sha256 = new.sha256.clone();
    let new_pin_text = new_pin.to_toml().map_err(|e| failed(format!("invalid value for the new pin: {e}")))?;
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
            let gz = csdl_file::compress(new.text.as_bytes())
                .map_err(|e| failed(format!("cannot compress {}: {e}", new.path.display())))?;
            Some((write_temp(dest, &gz)?, dest.clone()))
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
            println!("metadata file: copied to {} ({origin}), gzip-compressed", dest.display())
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

#[cfg(test)]
mod tests {
    use std::env;

    use super::*;

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
