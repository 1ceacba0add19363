//! `cargo xtask metadata diff`: compare two CSDL documents at the IR level.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

use msgraph_codegen::diff::{self, Diff};

use super::{load_pin, Document};
use crate::args::{Arg, Args};
use crate::{ms, repo_root, Failure};

pub(super) struct DiffOpts {
    old: Option<PathBuf>,
    new: PathBuf,
    json: bool,
    pin: Option<PathBuf>,
}

impl DiffOpts {
    /// `None` when help was asked for.
    pub(super) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<DiffOpts>, Failure> {
        let mut args = Args::new("metadata diff", args);
        let (mut pinned, mut json, mut pin) = (false, false, None);
        let mut positional = Vec::new();
        while let Some(arg) = args.next()? {
            match arg {
                Arg::Help => return Ok(None),
                Arg::Positional(value) => positional.push(args.positional_path(value)?),
                Arg::Flag(flag) => match flag.as_str() {
                    "--pinned" => args.switch(&mut pinned, &flag)?,
                    "--json" => args.switch(&mut json, &flag)?,
                    "--pin" => args.path(&mut pin, &flag)?,
                    _ => return Err(args.unknown(&flag)),
                },
            }
        }
        if pin.is_some() && !pinned {
            return Err(args.error("--pin only makes sense with --pinned"));
        }
        let mut positional = positional.into_iter();
        let (old, new) = match (pinned, positional.next(), positional.next(), positional.next()) {
            (true, Some(new), None, None) => (None, new),
            (false, Some(old), Some(new), None) => (Some(old), new),
            (true, _, _, _) => return Err(args.error("with --pinned, give exactly one file (NEW)")),
            (false, _, _, _) => return Err(args.error("give two files, OLD and NEW (or --pinned NEW)")),
        };
        Ok(Some(DiffOpts { old, new, json, pin }))
    }
}

pub(super) fn run(opts: &DiffOpts) -> Result<(), Failure> {
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
