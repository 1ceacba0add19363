//! `cargo xtask metadata verify`: locate the pinned CSDL and check its sha256.

use std::path::PathBuf;

use msgraph_codegen::pin;

use super::load_pin;
use crate::{repo_root, Failure};

pub(super) fn run(pin_path: Option<PathBuf>) -> Result<(), Failure> {
    let root = repo_root()?;
    let (_, pin) = load_pin(&root, pin_path)?;
    let path = pin::locate(&pin, &root)?;
    let (text, sha) = pin::load_verified(&pin, &path)?;
    println!("ok: {}", path.display());
    println!("sha256 {sha} ({} bytes)", text.len());
    println!("pinned {} {} @ {} ({})", pin.repository, pin.path, pin.commit, pin.date);
    Ok(())
}
