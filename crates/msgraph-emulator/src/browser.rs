//! A stand-in for the user's browser in the authorization code flow: it opens the authorize
//! URL an app hands out, and follows the emulator's redirect back to the app's loopback
//! listener, as a browser would after the user signed in (decided beforehand with
//! [`Emulator::approve_next_sign_in`](crate::Emulator::approve_next_sign_in)).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why the test browser could not complete a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserError(String);

impl std::fmt::Display for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "test browser: {}", self.0)
    }
}

impl std::error::Error for BrowserError {}

type Error = BrowserError;

/// Largest answer read (the emulator's redirect, the app's "signed in" page).
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Time for each of the two requests.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Plays the browser in sign-in tests and examples. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SignInBrowser {
    _private: (),
}

/// What the browser saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserVisit {
    /// Where the emulator redirected to (the app's redirect URI with `code` and `state`, or an
    /// `error`).
    pub redirect: String,
    /// The status the app's listener answered the redirect with.
    pub app_status: u16,
}

fn browser_error(msg: impl Into<String>) -> Error {
    BrowserError(msg.into())
}

/// A plain-HTTP GET (loopback only): the status and the `Location` header.
async fn get(url: &str) -> Result<(u16, Option<String>), Error> {
    let rest = url.strip_prefix("http://").ok_or_else(|| browser_error(format!("not an http URL: {url}")))?;
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err(browser_error(format!("the test browser only visits loopback addresses, not {host}")));
    }
    let exchange = async {
        let mut s = TcpStream::connect(authority).await?;
        let req =
            format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nAccept: text/html\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await?;
            if n == 0 || buf.len() >= MAX_ANSWER_BYTES {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.starts_with(b"HTTP/1.1 302") {
                break;
            }
        }
        Ok::<_, std::io::Error>(buf)
    };
    let buf = tokio::time::timeout(STEP_TIMEOUT, exchange)
        .await
        .map_err(|_| browser_error(format!("no answer from {authority} within {STEP_TIMEOUT:?}")))?
        .map_err(|e| browser_error(format!("{authority}: {e}")))?;
    let head = String::from_utf8_lossy(&buf);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| browser_error(format!("{authority} did not answer HTTP")))?;
    let location = lines.take_while(|l| !l.is_empty()).find_map(|l| {
        l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("location")).map(|(_, v)| v.trim().to_string())
    });
    Ok((status, location))
}

impl SignInBrowser {
    /// A browser.
    pub fn new() -> SignInBrowser {
        SignInBrowser::default()
    }

    /// Opens `authorize_url` (the emulator's `…/oauth2/v2.0/authorize?…`) and follows its
    /// redirect to the app.
    pub async fn open(&self, authorize_url: &str) -> Result<BrowserVisit, Error> {
        let (status, location) = get(authorize_url).await?;
        let redirect = match (status, location) {
            (302, Some(l)) => l,
            (s, _) => return Err(browser_error(format!("the authorize endpoint answered {s}, not a redirect"))),
        };
        let (app_status, _) = get(&redirect).await?;
        Ok(BrowserVisit { redirect, app_status })
    }
}
