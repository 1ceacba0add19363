//! Runs every example as its own process (each starts the embedded emulator) and checks that it
//! exits with success and prints what it should.
//!
//! The examples are built once, by `cargo build -p msgraph --examples` with the same profile and
//! target directory as this test (see `common::cargo`), then the binaries are run directly and
//! in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Builds every example once (the first test to get here builds; the others wait).
fn build_examples() -> &'static Result<(), String> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut cargo = common::cargo(&["build", "-q", "-p", "msgraph", "--examples"]);
        let out = cargo.output().map_err(|e| format!("running cargo: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("cargo build --examples failed:\n{}", String::from_utf8_lossy(&out.stderr)))
        }
    })
}

/// Runs an example to completion (at most `limit`) and returns its stdout.
fn run(name: &str, limit: Duration) -> String {
    if let Err(e) = build_examples() {
        panic!("{e}");
    }
    let exe = common::profile_dir().join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut child = Command::new(&exe)
        // Always the emulator: never the real Graph, whatever the environment says.
        .env_remove("MSGRAPH_TENANT_ID")
        .env_remove("MSGRAPH_CLIENT_ID")
        .env_remove("MSGRAPH_CLIENT_SECRET")
        .env_remove("MSGRAPH_USER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", exe.display()));
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("{name} did not finish within {limit:?}:\n{}", String::from_utf8_lossy(&out.stdout));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status);
    stdout
}

fn assert_lines(name: &str, out: &str, expected: &[&str]) {
    for e in expected {
        assert!(out.contains(e), "{name}: expected {e:?} in the output:\n{out}");
    }
}

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn quickstart() {
    let out = run("quickstart", LIMIT);
    assert_lines(
        "quickstart",
        &out,
        &[
            "started the local Graph emulator at http://127.0.0.1:",
            "signed in as AdeleV@",
            "phone methods before: 2",
            "SMS sign-in enabled",
        ],
    );
}

#[test]
fn sign_in() {
    let out = run("sign_in", LIMIT);
    assert_lines(
        "sign_in",
        &out,
        &[
            "sign-in URL: http://127.0.0.1:",
            "/oauth2/v2.0/authorize?…",
            "signed in as AdeleV@",
            "signed in again silently: Adele Vance",
        ],
    );
    assert_eq!(out.matches("sign-in URL:").count(), 1, "one browser sign-in:\n{out}");
}

#[test]
fn large_file() {
    let out = run("large_file", LIMIT);
    assert_lines(
        "large_file",
        &out,
        &[
            "/drive/root:/Reports/2026/big%20report.bin:",
            "progress: 25165824/25165824 bytes (100%)",
            "uploaded 25165824 bytes as \"big report.bin\"",
            "in Reports/2026: big report.bin (25165824 bytes)",
            "downloaded 25165824 bytes",
            "contents match",
            "pre-authenticated URLs got no Authorization header: true",
        ],
    );
}

#[test]
fn paging_users() {
    let out = run("paging_users", LIMIT);
    assert_lines(
        "paging_users",
        &out,
        &[
            "ConsistencyLevel: Some(\"eventual\")",
            "page 1: [\"Aaron K\", \"Adele Vance\"] (more: true)",
            "page 3: [\"Ana P\"] (more: false)",
            "@odata.count: Some(5), pages fetched: 3",
            "all users, 3 per page: 8 users",
            "no protocol violations",
        ],
    );
}

#[test]
fn batch_mixed() {
    let out = run("batch_mixed", LIMIT);
    assert_lines(
        "batch_mixed",
        &out,
        &[
            "queued 6 queries",
            "execute_query: 6 queries, 5 succeeded, 1 failed, 2 round trip(s) (2 $batch, 0 direct)",
            "read Alex      -> Some(\"Alex Wilber\")",
            "rename Lee     -> ok",
            "list groups    -> [\"Sales and Marketing\"",
            "enable SMS     -> ok",
            "HTTP Some(400) Some(\"badRequest\") (innerError code smsSignInNotSupported: true)",
            "Nestor's mobile now: sms sign-in Some(Ready)",
        ],
    );
}

#[test]
fn delta_sync() {
    let out = run("delta_sync", LIMIT);
    assert_lines(
        "delta_sync",
        &out,
        &[
            "first round: 5 users in 3 pages",
            "$deltatoken=",
            "changes since the deltaLink: 3",
            "created: Some(\"Kim Akers\")",
            "updated: Some(\"Alex Wilber\") (jobTitle Some(\"Head of Retail\"))",
            "removed (Deleted)",
            "replica now has 5 users",
            "polling again: 0 changes",
            "expired deltaLink: Some(410) Some(\"resyncRequired\")",
            "new first round: 5 users",
        ],
    );
}

#[test]
fn error_handling() {
    let out = run("error_handling", LIMIT);
    assert_lines(
        "error_handling",
        &out,
        &[
            "1. missing user: kind Http, status Some(404), code Some(\"Request_ResourceNotFound\")",
            "innerError.code Some(\"smsSignInNotSupported\")",
            "has_code(\"smsSignInNotSupported\"): true",
            "(requests sent: 0)",
            "statuses [429, 200]",
            // Its own retry policy: 1 try + 1 retry, not the client's 3 retries.
            "5. gave up after 2 tries: status Some(429), is_throttled true, is_transient true, retry_after Some(1s)",
            "then the request succeeded",
            "no protocol violations",
        ],
    );
}

#[test]
fn excel_range() {
    let out = run("excel_range", LIMIT);
    assert_lines(
        "excel_range",
        &out,
        &[
            "read Sheet1!A1:B2: [[\"Fruit\",\"Qty\"],[\"Apples\",3]]",
            "after the update: [[\"Fruit\",\"Qty\"],[\"Apples\",5]]",
            "/workbook/worksheets/Sheet1/range(address=",
            "sent {\"values\":[[\"Fruit\",\"Qty\"],[\"Apples\",5]]}",
            "captured: sheet Sheet1, address A1:B2",
        ],
    );
}

#[test]
fn send_mail() {
    let out = run("send_mail", LIMIT);
    assert_lines(
        "send_mail",
        &out,
        &[
            "sent \"Meeting notes\" with notes.txt inline (28 bytes)",
            "sent \"Quarterly report\" through a draft: 1 attachment(s) uploaded, 0 inline",
            "in Sent Items: \"Meeting notes\" with \"notes.txt\" (28 bytes, content equal)",
            "in Sent Items: \"Quarterly report\" with \"report.bin\" (4000000 bytes, content equal)",
        ],
    );
}
