//! `cargo xtask metadata fetch`: download the pinned CSDL (with curl) and check its sha256.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use msgraph_codegen::pin;

use super::load_pin;
use crate::{failed, repo_root, Failure};

pub(super) fn run(pin_path: Option<PathBuf>) -> Result<(), Failure> {
    let root = repo_root()?;
    let (_, pin) = load_pin(&root, pin_path)?;
    let dir = pin::fetch_dir(&root);
    let dest = dir.join(&pin.file);

    if dest.is_file() {
        match fs::read(&dest).map(|bytes| pin::verify_bytes(&pin, &dest, &bytes)) {
            Ok(Ok(sha)) => {
                println!("already present: {} (sha256 {sha} verified)", dest.display());
                return Ok(());
            }
            Ok(Err(e)) => eprintln!("warning: {e}\ndownloading it again"),
            Err(e) => eprintln!("warning: cannot read {}: {e}\ndownloading it again", dest.display()),
        }
    }

    fs::create_dir_all(&dir).map_err(|e| failed(format!("cannot create {}: {e}", dir.display())))?;
    let tmp = dir.join(format!(".{}.download-{}", pin.file, std::process::id()));
    let result = download_verified(&pin, &tmp, &dest);
    let result = result.and_then(|(sha, len)| {
        fs::rename(&tmp, &dest)
            .map(|()| (sha, len))
            .map_err(|e| failed(format!("cannot move {} to {}: {e}", tmp.display(), dest.display())))
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    let (sha, len) = result?;
    println!("fetched {} ({len} bytes, sha256 {sha} verified)", dest.display());
    Ok(())
}

/// Downloads `pin.url` into `tmp` with curl and checks its sha256; returns the sha and length.
/// `dest` (where the file goes next) is only used in messages.
fn download_verified(pin: &pin::Pin, tmp: &Path, dest: &Path) -> Result<(String, usize), Failure> {
    println!("downloading {}", pin.url);
    let status =
        Command::new("curl").args(["-fsSL", "--retry", "3", "-o"]).arg(tmp).arg(&pin.url).status().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                failed(format!(
                    "`curl` was not found on PATH; install curl, or download {} yourself to {}, \
                     then run `cargo xtask metadata verify`",
                    pin.url,
                    dest.display()
                ))
            } else {
                failed(format!("cannot run curl: {e}"))
            }
        })?;
    if !status.success() {
        return Err(failed(format!(
            "curl failed ({status}) downloading {}; check network access, or download the file \
             yourself to {}, then run `cargo xtask metadata verify`",
            pin.url,
            dest.display()
        )));
    }
    let bytes = fs::read(tmp).map_err(|e| failed(format!("cannot read the downloaded file {}: {e}", tmp.display())))?;
    let sha = pin::sha256_hex(&bytes);
    if sha != pin.sha256 {
        return Err(failed(format!(
            "the downloaded file does not match the pin; refusing to install it\n  \
             url:            {}\n  expected (pin): {}\n  actual:         {sha}",
            pin.url, pin.sha256
        )));
    }
    Ok((sha, bytes.len()))
}
