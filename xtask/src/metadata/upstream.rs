//! Talking to upstream: curl, the GitHub commits API, downloading a CSDL document at a commit.

use std::env;
use std::fs;
use std::io;
use std::process::Command;

use msgraph_codegen::pin;

use super::update::{Incoming, TempFile};
use super::Document;
use crate::{failed, Failure};

/// Runs curl with `args`, returning its stdout.
fn curl(args: &[&str], url: &str) -> Result<Vec<u8>, Failure> {
    let output = Command::new("curl").args(["-fsSL", "--retry", "3"]).args(args).arg(url).output().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            failed(format!("`curl` was not found on PATH; download {url} yourself and give it as NEW"))
        } else {
            failed(format!("cannot run curl: {e}"))
        }
    })?;
    if !output.status.success() {
        return Err(failed(format!(
            "curl failed ({}) for {url}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output.stdout)
}

/// The string value of the first `"key": "value"` in `json` after byte `from` (no escapes: commit
/// ids and dates have none).
fn json_string_after(json: &str, key: &str, from: usize) -> Option<String> {
    let needle = format!("\"{key}\"");
    let start = from + json.get(from..)?.find(&needle)? + needle.len();
    let rest = json.get(start..)?.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    rest.find('"').map(|end| rest[..end].to_string())
}

/// `(commit, date)` of a GitHub commits API response: the first object's `sha` and its
/// committer's `date` (its first 10 characters).
fn parse_commit_json(json: &str) -> Option<(String, String)> {
    let sha = json_string_after(json, "sha", 0)?;
    let committer = json.find("\"committer\"")?;
    let date = json_string_after(json, "date", committer)?;
    Some((sha, date.get(..10)?.to_string()))
}

/// Downloads the pinned path at `commit` (or at the newest commit touching it) into a temporary
/// file.
pub(super) fn fetch_upstream(pin: &pin::Pin, commit: Option<&str>, date: Option<&str>) -> Result<Incoming, Failure> {
    let (commit, date) = match (commit, date) {
        (Some(c), Some(d)) => (c.to_string(), d.to_string()),
        _ => {
            let api = match commit {
                Some(c) => format!("https://api.github.com/repos/{}/commits/{c}", pin.repository),
                None => format!("https://api.github.com/repos/{}/commits?path={}&per_page=1", pin.repository, pin.path),
            };
            println!("asking {api}");
            let body = curl(&["-H", "Accept: application/vnd.github+json"], &api)?;
            let body = String::from_utf8_lossy(&body);
            let (sha, api_date) = parse_commit_json(&body)
                .ok_or_else(|| failed(format!("cannot find a commit sha and date in the response of {api}")))?;
            (commit.map(str::to_string).unwrap_or(sha), date.map(str::to_string).unwrap_or(api_date))
        }
    };
    let url = format!("https://raw.githubusercontent.com/{}/{commit}/{}", pin.repository, pin.path);
    let tmp = TempFile(env::temp_dir().join(format!("msgraph-metadata-{}-{commit}.csdl", std::process::id())));
    println!("downloading {url}");
    let path_arg = tmp.0.to_str().ok_or_else(|| failed("the temporary directory path is not UTF-8"))?.to_string();
    curl(&["-o", &path_arg], &url)?;
    let bytes = fs::read(&tmp.0).map_err(|e| failed(format!("cannot read the download {}: {e}", tmp.0.display())))?;
    let document = Document::from_bytes(&tmp.0, bytes)?;
    Ok(Incoming { document, file: format!("graph-v1.0-{date}.csdl"), commit, date, _download: Some(tmp) })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn github_commit_json() {
        let list = r#"[{"sha":"3333333333333333333333333333333333333333","node_id":"C_1","commit":{"author":
            {"name":"a","email":"a@example.com","date":"2026-09-01T10:00:00Z"},"committer":{"name":"GitHub",
            "email":"noreply@github.com","date" : "2026-09-02T11:00:00Z"},"message":"m"},"parents":[{"sha":"x"}]}]"#;
        assert_eq!(
            parse_commit_json(list),
            Some(("3333333333333333333333333333333333333333".to_string(), "2026-09-02".to_string()))
        );
        assert_eq!(parse_commit_json("[]"), None);
        assert_eq!(parse_commit_json(r#"{"message":"API rate limit exceeded"}"#), None);
        assert_eq!(json_string_after(r#"{"a": "x", "b":"y"}"#, "b", 0).as_deref(), Some("y"));
        assert_eq!(json_string_after(r#"{"b": "x", "b":"y"}"#, "b", 5).as_deref(), Some("y"));
        assert_eq!(json_string_after(r#"{"a": 1}"#, "a", 0), None);
    }
}
