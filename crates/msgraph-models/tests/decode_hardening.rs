//! Decoding limits of the generated models: stack use at the reader's nesting limit and the cost
//! of the `@odata.type` look-ahead. Run with `--no-default-features --features users` for a
//! quicker build (everything here is in the users area).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgraph_codec::json::{self, MAX_DEPTH};
use msgraph_models::models::{DirectoryObjectKind, User};

/// `depth` users, each the `manager` of the one before: `depth` nested JSON objects, with
/// `@odata.type` last in every nested one (the worst case for the look-ahead).
fn nested_managers(depth: usize) -> String {
    let mut doc = String::new();
    for level in 0..depth {
        doc.push_str(&format!(r#"{{"id":"u{level}","displayName":"Level {level}""#));
        if level + 1 < depth {
            doc.push_str(r#","manager":"#);
        }
    }
    for level in (0..depth).rev() {
        if level > 0 {
            doc.push_str(r##","@odata.type":"#microsoft.graph.user""##);
        }
        doc.push('}');
    }
    doc
}

/// Runs `f` on a thread with a 2 MiB stack (a tokio worker's default). A stack overflow aborts
/// the whole test process, which fails the test run.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap()
}

fn manager_depth(user: &User) -> usize {
    let mut depth = 1;
    let mut current = user.manager.as_ref();
    while let Some(DirectoryObjectKind::User(u)) = current {
        depth += 1;
        current = u.manager.as_ref();
    }
    depth
}

/// Every depth the reader accepts decodes on a 2 MiB stack; one more level is an error, not a
/// crash.
#[test]
fn nested_polymorphic_users_at_the_depth_limit_fit_a_2_mib_stack() {
    let (ok, too_deep) = on_small_stack(|| {
        let ok = json::from_str::<User>(&nested_managers(MAX_DEPTH)).map(|u| manager_depth(&u));
        let too_deep = json::from_str::<User>(&nested_managers(MAX_DEPTH + 1)).map(|u| manager_depth(&u));
        (ok, too_deep)
    });
    assert_eq!(ok.unwrap(), MAX_DEPTH);
    let err = too_deep.unwrap_err();
    assert!(err.message().contains("nesting deeper than"), "{err}");
}

/// Not a check: prints the stack one level of nested users takes to decode (the smallest thread
/// stack that decodes 32 and 128 levels, found by running this test binary as a child process):
/// `cargo test -p msgraph-models --test decode_hardening -- --ignored --nocapture stack_per_level`.
#[test]
#[ignore = "a measurement"]
fn stack_per_level() {
    if let Ok(probe) = std::env::var("MSGRAPH_STACK_PROBE") {
        let (depth, bytes) = probe.split_once(',').unwrap();
        let doc = nested_managers(depth.parse().unwrap());
        let bytes: usize = bytes.parse().unwrap();
        std::thread::Builder::new()
            .stack_size(bytes)
            .spawn(move || json::from_str::<User>(&doc).map(|u| manager_depth(&u)).unwrap())
            .unwrap()
            .join()
            .unwrap();
        return;
    }
    let fits = |depth: usize, bytes: usize| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "stack_per_level", "--ignored", "--test-threads=1", "-q"])
            .env("MSGRAPH_STACK_PROBE", format!("{depth},{bytes}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    let smallest = |depth: usize| {
        let (mut lo, mut hi) = (16 << 10, 256 << 20);
        while hi - lo > 4 << 10 {
            let mid = (lo + hi) / 2;
            if fits(depth, mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    };
    let (shallow, deep) = (smallest(32), smallest(MAX_DEPTH));
    println!(
        "smallest stack: {} KiB for 32 levels, {} KiB for {MAX_DEPTH}: {} bytes per level",
        shallow >> 10,
        deep >> 10,
        (deep - shallow) / (MAX_DEPTH - 32)
    );
}
