//! Talking to upstream: curl, the GitHub commits API, downloading a CSDL document at a commit.

use std::env;
use std::io;
use std::process::Command;

use msgraph_codegen::pin;
use serde_derive::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::update::Incoming;
use super::{Document, TempFile};
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

/// A GitHub commits API response: one commit (`/commits/<sha>`) or a list (`/commits?path=..`).
#[derive(Deserialize)]
#[serde(untagged)]
enum CommitsResponse {
    List(Vec<ApiCommit>),
    One(ApiCommit),
}

#[derive(Deserialize)]
struct ApiCommit {
    sha: String,
    commit: CommitDetail,
}

#[derive(Deserialize)]
struct CommitDetail {
    committer: Signature,
}

#[derive(Deserialize)]
struct Signature {
    date: String,
}

/// `(commit, date)` of a GitHub commits API response: the (first) commit's `sha` and the UTC day
/// (`YYYY-MM-DD`) of its committer's RFC 3339 timestamp.
fn parse_commit_json(json: &[u8]) -> Result<(String, String), String> {
    let response: CommitsResponse = serde_json::from_slice(json).map_err(|e| {
        // GitHub's error answers are `{"message": ".."}`: show that rather than a type error.
        match serde_json::from_slice::<serde_json::Value>(json).ok().as_ref().and_then(|v| v.get("message")) {
            Some(serde_json::Value::String(message)) => format!("GitHub answered: {message}"),
            _ => format!("not a commit or a list of commits: {e}"),
        }
    })?;
    let commit = match response {
        CommitsResponse::One(commit) => commit,
        CommitsResponse::List(list) => list.into_iter().next().ok_or("no commit in the list")?,
    };
    let date = commit.commit.committer.date;
    let utc = OffsetDateTime::parse(&date, &Rfc3339)
        .map_err(|e| format!("the committer date `{date}` is not an RFC 3339 timestamp: {e}"))?
        .to_offset(UtcOffset::UTC);
    let day = utc.date().format(format_description!("[year]-[month]-[day]")).map_err(|e| e.to_string())?;
    Ok((commit.sha, day))
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
            let (sha, api_date) = parse_commit_json(&body)
                .map_err(|e| failed(format!("cannot find a commit sha and date in the response of {api}: {e}")))?;
            (commit.map(str::to_string).unwrap_or(sha), date.map(str::to_string).unwrap_or(api_date))
        }
    };
    let url = format!("https://raw.githubusercontent.com/{}/{commit}/{}", pin.repository, pin.path);
    let tmp = TempFile(env::temp_dir().join(format!("msgraph-metadata-{}-{commit}.csdl", std::process::id())));
    println!("downloading {url}");
    let path_arg = tmp.0.to_str().ok_or_else(|| failed("the temporary directory path is not UTF-8"))?.to_string();
    curl(&["-o", &path_arg], &url)?;
    let document = Document::read(&tmp.0)?;
    Ok(Incoming { document, file: format!("graph-v1.0-{date}.csdl.gz"), commit, date, _download: Some(tmp) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_commit_json() {
        let list = br#"[{"sha":"3333333333333333333333333333333333333333","node_id":"C_1","commit":{"author":
            {"name":"a","email":"a@example.com","date":"2026-09-01T10:00:00Z"},"committer":{"name":"GitHub",
            "email":"noreply@github.com","date" : "2026-09-02T11:00:00Z"},"message":"m"},"parents":[{"sha":"x"}],
            "committer":{"login":"web-flow"}}]"#;
        let want = ("3333333333333333333333333333333333333333".to_string(), "2026-09-02".to_string());
        assert_eq!(parse_commit_json(list), Ok(want.clone()));
        // `/commits/<sha>` answers one object.
        let one = &list[1..list.len() - 1];
        assert_eq!(parse_commit_json(one), Ok(want));
        assert_eq!(parse_commit_json(b"[]"), Err("no commit in the list".to_string()));
        assert_eq!(
            parse_commit_json(br#"{"message":"API rate limit exceeded"}"#),
            Err("GitHub answered: API rate limit exceeded".to_string())
        );
        let e = parse_commit_json(br#"[{"sha":"3333"}]"#).unwrap_err();
        assert!(e.starts_with("not a commit or a list of commits: "), "{e}");
        let e = parse_commit_json(br#"{"sha":"3333","commit":{"committer":{"date":"2026-09-02"}}}"#).unwrap_err();
        assert!(e.starts_with("the committer date `2026-09-02` is not an RFC 3339 timestamp"), "{e}");
        // The day is the UTC one.
        let late = br#"{"sha":"3333","commit":{"committer":{"date":"2026-09-02T23:30:00-02:00"}}}"#;
        assert_eq!(parse_commit_json(late), Ok(("3333".to_string(), "2026-09-03".to_string())));
        let e = parse_commit_json(b"<html>").unwrap_err();
        assert!(e.starts_with("not a commit or a list of commits: "), "{e}");
    }
}
