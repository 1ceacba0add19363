//! Files of any size by path: upload a 24 MiB file to `Reports/2026/big report.bin` (an upload
//! session in 320 KiB-multiple chunks, read from disk chunk by chunk, with progress), list the
//! folder, and download it back to a file (ranged GETs behind Graph's redirect, written through
//! a temporary file).
//!
//! Runs against the embedded Graph emulator, no configuration needed.
//!
//! Run: `cargo run --example large_file`

use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use msgraph::auth::ClientSecretCredential;
use msgraph::files::ConflictBehavior;
use msgraph::GraphClient;

const SIZE: u64 = 24 * 1024 * 1024;

/// FNV-1a over a file, read 1 MiB at a time.
fn hash_file(path: &std::path::Path) -> std::io::Result<u64> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(h);
        }
        for b in &buf[..n] {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The local emulator is both Graph and the identity platform.
    let emu = msgraph_emulator::Emulator::start().await?;
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;

    // A 24 MiB file on disk, written 1 MiB at a time.
    let dir = std::env::temp_dir().join(format!("msgraph-large-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let local = dir.join("big report.bin");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&local)?);
        let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        for i in 0..SIZE >> 20 {
            let mut b = block.clone();
            b[0] = i as u8;
            file.write_all(&b)?;
        }
        file.flush()?;
    }

    // The user's drive; items addressed by path (`root:/Reports/2026/big%20report.bin:`).
    let user = emu.signed_in_user().user_principal_name;
    let root = client.users().by_id(&user).drive().root();
    let item = root.item_by_path("Reports/2026/big report.bin");
    println!("item: {}", item.get().url());

    // Over 4 MiB: an upload session; missing folders are created.
    let last_percent = Arc::new(AtomicU64::new(0));
    let shown = last_percent.clone();
    let uploaded = item
        .upload_file(&local)
        .conflict_behavior(ConflictBehavior::Replace)
        .on_progress(move |p| {
            let percent = p.uploaded * 100 / p.total.max(1);
            if percent / 25 > shown.load(Ordering::Relaxed) / 25 || percent == 100 {
                shown.store(percent, Ordering::Relaxed);
                println!("progress: {}/{} bytes ({percent}%)", p.uploaded, p.total);
            }
        })
        .send()
        .await?;
    println!("uploaded {} bytes as {:?}", uploaded.size.unwrap_or(0), uploaded.name.as_deref().unwrap_or("?"));

    let listing = root.children_by_path("Reports/2026").list().send().await?;
    for child in &listing.value {
        println!("in Reports/2026: {} ({} bytes)", child.name.as_deref().unwrap_or("?"), child.size.unwrap_or(0));
    }

    // Download it back: `…/content` answers 302 to a pre-authenticated URL, fetched without
    // the token, in ranges from 8 MiB up (24 MiB: one of 8, one of 16).
    let copy = dir.join("copy.bin");
    let bytes = item.download_to_file(&copy).await?;
    println!("downloaded {bytes} bytes");
    if hash_file(&local)? == hash_file(&copy)? {
        println!("contents match");
    } else {
        return Err("the downloaded file differs".into());
    }

    // Only the token endpoint and Graph saw the Authorization header: the upload and download
    // URLs are pre-authenticated.
    let tokenless = emu.requests().iter().filter(|r| r.target.starts_with("/_emulator/")).all(|r| !r.authorization);
    println!("pre-authenticated URLs got no Authorization header: {tokenless}");
    std::fs::remove_dir_all(&dir)?;
    emu.assert_no_violations();
    Ok(())
}
