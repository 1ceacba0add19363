//! `cargo xtask metadata fetch`: download the pinned CSDL (with curl), check its sha256 and store
//! it as the pin names it (gzip-compressed for the committed `.csdl.gz` name).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use msgraph_codegen::{csdl_file, pin};

use super::{load_pin, rename_into_place, write_temp, TempFile};
use crate::{failed, repo_root, Failure};

pub(super) fn run(pin_path: Option<PathBuf>) -> Result<(), Failure> {
    let root = repo_root()?;
    let (_, pin) = load_pin(&root, pin_path)?;
    let dir = pin::fetch_dir(&root);
    let dest = dir.join(&pin.file);

    // Already there, under the pinned name or the same name with or without `.gz`?
    let here = [pin::SearchDir { dir: dir.clone(), origin: "the fetch directory".into() }];
    if let Some(found) = pin::find_in(&pin.file, &here) {
        match csdl_file::read(&found).map_err(pin::Error::from).and_then(|b| pin::verify_bytes(&pin, &found, &b)) {
            Ok(sha) => {
                println!("already present: {} (sha256 {sha} verified)", found.display());
                return Ok(());
            }
            Err(e) => eprintln!("warning: {e}\ndownloading it again"),
        }
    }

    fs::create_dir_all(&dir).map_err(|e| failed(format!("cannot create {}: {e}", dir.display())))?;
    let download = TempFile(dir.join(format!(".{}.download-{}", pin.file, std::process::id())));
    // By hand, the upstream file goes in as it is published (uncompressed, `.csdl`).
    let manual = dir.join(pin.file.strip_suffix(csdl_file::GZ_SUFFIX).unwrap_or(&pin.file));
    let (sha, csdl) = download_verified(&pin, &download.0, &manual)?;
    // Stored as the pin names it: gzip-compressed for a `.gz` name (the committed form).
    let (stored, how) = if pin.file.ends_with(csdl_file::GZ_SUFFIX) {
        let gz = csdl_file::compress(&csdl).map_err(|e| failed(format!("cannot compress {}: {e}", pin.url)))?;
        let how = format!(", stored gzip-compressed in {} bytes", gz.len());
        (gz, how)
    } else {
        (csdl.clone(), String::new())
    };
    let tmp = write_temp(&dest, &stored)?;
    rename_into_place(&tmp, &dest)?;
    println!("fetched {} ({} bytes{how}, sha256 {sha} verified)", dest.display(), csdl.len());
    Ok(())
}

/// Downloads `pin.url` into `tmp` with curl and checks its sha256; returns the sha and the CSDL
/// bytes. `manual` (where a hand download would go) is only used in messages.
fn download_verified(pin: &pin::Pin, tmp: &Path, manual: &Path) -> Result<(String, Vec<u8>), Failure> {
    println!("downloading {}", pin.url);
    let status =
        Command::new("curl").args(["-fsSL", "--retry", "3", "-o"]).arg(tmp).arg(&pin.url).status().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                failed(format!(
                    "`curl` was not found on PATH; install curl, or download {} yourself to {}, \
                     then run `cargo xtask metadata verify`",
                    pin.url,
                    manual.display()
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
            manual.display()
        )));
    }
    let bytes = csdl_file::read(tmp)?;
    let sha = pin::sha256_hex(&bytes);
    if sha != pin.sha256 {
        return Err(failed(format!(
            "the downloaded file does not match the pin; refusing to install it\n  \
             url:            {}\n  expected (pin): {}\n  actual:         {sha}",
            pin.url, pin.sha256
        )));
    }
    Ok((sha, bytes))
}
