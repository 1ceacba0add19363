//! Replays `fuzz/regressions/<target>/` in the normal test suite (stable Rust, no libFuzzer).
//!
//! Every file in the directory is run through the same check as the fuzz target; the check must
//! not panic, must hold its invariants (`Ok`), and the `Debug` rendering of its outcome must
//! contain the text recorded for the file in `EXPECTED` (`file<TAB>text`, one per line; `#`
//! starts a comment). A file without an entry fails the test, so a new crash input cannot be
//! added without saying what it must give.
//!
//! `MSGRAPH_FUZZ_BLESS=1` rewrites `EXPECTED` from the current outcomes (review the diff!).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

/// Longest outcome text recorded when blessing (a prefix is still a valid expectation).
const BLESS_CHARS: usize = 240;

/// `fuzz/regressions/<target>`, found from the test crate's manifest directory upwards.
pub fn regressions_dir(manifest_dir: &str, target: &str) -> Result<PathBuf, String> {
    let mut dir = Some(Path::new(manifest_dir));
    while let Some(d) = dir {
        let candidate = d.join("fuzz").join("regressions").join(target);
        if candidate.is_dir() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(format!("no fuzz/regressions/{target} above {manifest_dir}"))
}

fn read_expected(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (file, expected) =
            line.split_once('\t').ok_or_else(|| format!("{}:{}: no tab in {line:?}", path.display(), n + 1))?;
        out.insert(file.to_string(), expected.to_string());
    }
    Ok(out)
}

/// Replays `fuzz/regressions/<target>/` through `check` (see [`replay`]) and fails, listing one
/// line per problem, each naming its input file, when any outcome is not as `EXPECTED` says.
pub fn assert_replays<O: Debug>(manifest_dir: &str, target: &str, check: impl Fn(&[u8]) -> Result<O, String>) {
    let problems = replay(manifest_dir, target, check);
    assert!(problems.is_empty(), "fuzz/regressions/{target}: {} problem(s):\n{}", problems.len(), problems.join("\n"));
}

/// Runs every regression input of `target` through `check`; returns one line per problem.
pub fn replay<O: Debug>(manifest_dir: &str, target: &str, check: impl Fn(&[u8]) -> Result<O, String>) -> Vec<String> {
    let dir = match regressions_dir(manifest_dir, target) {
        Ok(d) => d,
        Err(e) => return vec![e],
    };
    let expected_path = dir.join("EXPECTED");
    let bless = std::env::var_os("MSGRAPH_FUZZ_BLESS").is_some_and(|v| v == "1");
    let expected = if bless {
        BTreeMap::new()
    } else {
        match read_expected(&expected_path) {
            Ok(m) => m,
            Err(e) => return vec![e],
        }
    };
    let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(e) => return vec![format!("{}: {e}", dir.display())],
    };
    files.retain(|p| p.file_name().is_some_and(|n| n != "EXPECTED"));
    files.sort();
    let mut problems = Vec::new();
    let mut blessed = String::from("# file<TAB>text the Debug rendering of the outcome must contain\n");
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let data = match fs::read(path) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let outcome = match check(&data) {
            Ok(o) => format!("{o:?}"),
            Err(bug) => {
                problems.push(format!("{name}: invariant broken: {bug}"));
                continue;
            }
        };
        if bless {
            let cut: String = outcome.chars().take(BLESS_CHARS).collect();
            blessed.push_str(&format!("{name}\t{cut}\n"));
            continue;
        }
        match expected.get(&name) {
            None => problems.push(format!("{name}: no entry in {} (outcome: {outcome})", expected_path.display())),
            Some(want) if !outcome.contains(want.as_str()) => {
                problems.push(format!("{name}: expected an outcome containing\n    {want}\n  got\n    {outcome}"))
            }
            Some(_) => {}
        }
    }
    if bless {
        if let Err(e) = fs::write(&expected_path, blessed) {
            problems.push(format!("{}: {e}", expected_path.display()));
        }
    } else {
        for name in expected.keys() {
            if !files.iter().any(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == *name)) {
                problems.push(format!("{name}: listed in EXPECTED but missing"));
            }
        }
    }
    if files.is_empty() {
        problems.push(format!("{}: no regression inputs", dir.display()));
    }
    problems
}
