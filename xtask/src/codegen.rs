//! `cargo xtask codegen`: generate `crates/msgraph/src/generated` from the pinned CSDL (or
//! check that it is up to date).

use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use msgraph_codegen::{csdl_file, pin, tree, Input};

use crate::args::{Arg, Args};
use crate::metadata::{load_pin, short};
use crate::{failed, ms, repo_root, Failure, Size};

pub(crate) struct CodegenOpts {
    check: bool,
    metadata: Option<PathBuf>,
    out: Option<PathBuf>,
    pin: Option<PathBuf>,
}

impl CodegenOpts {
    /// `None` when help was asked for.
    pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<CodegenOpts>, Failure> {
        let mut args = Args::new("codegen", args);
        let mut opts = CodegenOpts { check: false, metadata: None, out: None, pin: None };
        while let Some(arg) = args.next()? {
            match arg {
                Arg::Help => return Ok(None),
                Arg::Positional(value) => return Err(args.unexpected(&value)),
                Arg::Flag(flag) => match flag.as_str() {
                    "--check" => args.switch(&mut opts.check, &flag)?,
                    "--metadata" => args.path(&mut opts.metadata, &flag)?,
                    "--out" => args.path(&mut opts.out, &flag)?,
                    "--pin" => args.path(&mut opts.pin, &flag)?,
                    _ => return Err(args.unknown(&flag)),
                },
            }
        }
        if opts.metadata.is_some() && opts.pin.is_some() {
            return Err(args.error("--metadata and --pin cannot be used together"));
        }
        Ok(Some(opts))
    }
}

pub(crate) fn run(opts: &CodegenOpts) -> Result<(), Failure> {
    let root = repo_root()?;

    let started = Instant::now();
    let (source, text, sha) = match &opts.metadata {
        Some(path) => {
            let bytes = csdl_file::read(path)?;
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
        let text = fs::read_to_string(&path).map_err(|e| failed(format!("cannot read {}: {e}", path.display())))?;
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
