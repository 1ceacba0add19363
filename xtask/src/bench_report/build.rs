//! Build measurement: clean debug builds of the reqwest + tokio + serde_json floor, a users-only
//! consumer and a whole-SDK consumer, one after the other.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::remove_dir_if_present;
use crate::{failed, Failure};

pub(super) struct BuildTimes {
    pub(super) floor: Duration,
    /// A consumer with only the `users` API area (the quickstart's phone-method scenario).
    pub(super) users: Duration,
    /// A consumer of the whole SDK (default features).
    pub(super) consumer: Duration,
    pub(super) dir: PathBuf,
}

const FLOOR_TOML: &str = r#"[package]
name = "floor"
version = "0.0.0"
edition = "2021"
[dependencies]
reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", "json"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
serde_json = "1"
[workspace]
"#;

const FLOOR_MAIN: &str = r#"#[tokio::main]
async fn main() {
    let client = reqwest::Client::new();
    let v: serde_json::Value = serde_json::json!({"ok": true});
    println!("{client:?} {v}");
}
"#;

const CONSUMER_MAIN: &str = r###"fn main() {
    let json = r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065555555","phoneType":"mobile","smsSignInState":"ready"}"##;
    let m: msgraph::models::AuthenticationMethodKind = msgraph::json::from_str(json).expect("valid");
    println!("{}", msgraph::json::to_string(&m));
}
"###;

/// Clean debug builds (`CARGO_INCREMENTAL=0`, a fresh target dir each), one after the other in
/// this run: the floor (reqwest + tokio + serde_json), a consumer with only the `users` API area,
/// then a consumer of the whole SDK. All start from the workspace's Cargo.lock, so they build the
/// same dependency versions.
pub(super) fn measure_build(root: &Path, cargo: &OsString, dir: Option<&Path>) -> Result<BuildTimes, Failure> {
    let Some(dir) = dir else {
        // Three fresh target dirs are a few GB: remove the temporary work directory whether the
        // builds succeeded or not.
        let work = std::env::temp_dir().join(format!("msgraph-build-measure-{}", std::process::id()));
        let result = build_all(root, cargo, &work);
        let _ = fs::remove_dir_all(&work);
        return result;
    };
    build_all(root, cargo, dir)
}

fn build_all(root: &Path, cargo: &OsString, work: &Path) -> Result<BuildTimes, Failure> {
    let msgraph = root.join("crates").join("msgraph");
    let consumer = |name: &str, extra: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[dependencies]\nmsgraph = {{ path = {:?}{extra} }}\n[workspace]\n",
            msgraph.display().to_string()
        )
    };
    let users_toml = consumer("users", ", default-features = false, features = [\"users\"]");
    let consumer_toml = consumer("consumer", "");
    let crates = [
        ("floor", FLOOR_TOML.to_string(), FLOOR_MAIN),
        ("users", users_toml, CONSUMER_MAIN),
        ("consumer", consumer_toml, CONSUMER_MAIN),
    ];
    let io = |what: &str, p: &Path, e: std::io::Error| failed(format!("cannot {what} {}: {e}", p.display()));
    for (name, toml, main) in &crates {
        let src = work.join(name).join("src");
        fs::create_dir_all(&src).map_err(|e| io("create", &src, e))?;
        let manifest = work.join(name).join("Cargo.toml");
        fs::write(&manifest, toml).map_err(|e| io("write", &manifest, e))?;
        fs::write(src.join("main.rs"), main).map_err(|e| io("write", &src, e))?;
        let lock = work.join(name).join("Cargo.lock");
        fs::copy(root.join("Cargo.lock"), &lock).map_err(|e| io("write", &lock, e))?;
        cargo_in(cargo, &work.join(name), &["fetch", "-q"])?;
    }
    let mut times = Vec::new();
    for (name, _, _) in &crates {
        let dir = work.join(name);
        remove_dir_if_present(&dir.join("target"))?;
        println!("bench-report: clean debug build of `{name}` in {}", dir.display());
        let t = Instant::now();
        cargo_in(cargo, &dir, &["build", "-q"])?;
        let d = t.elapsed();
        println!("bench-report: {name:<9} clean debug build: {:6.1} s", d.as_secs_f64());
        times.push(d);
    }
    let (floor, users, consumer) = match times[..] {
        [f, u, c] => (f, u, c),
        _ => return Err(failed("build measurement: expected three builds")),
    };
    Ok(BuildTimes { floor, users, consumer, dir: work.to_path_buf() })
}

fn cargo_in(cargo: &OsString, dir: &Path, args: &[&str]) -> Result<(), Failure> {
    let status = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .stdin(Stdio::null())
        .status()
        .map_err(|e| failed(format!("cannot run cargo {}: {e}", args.join(" "))))?;
    if status.success() {
        Ok(())
    } else {
        Err(failed(format!("`cargo {}` in {} failed ({status})", args.join(" "), dir.display())))
    }
}
