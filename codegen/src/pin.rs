//! The metadata pin: which upstream Microsoft Graph CSDL document the SDK is generated from.
//!
//! The pin manifest (`metadata/graph-v1.0.toml`) is a TOML document of string keys, read with the
//! `toml` crate into a serde struct: every key in [`KEYS`] is required (all missing ones are
//! listed together), unknown and duplicate keys are errors, and each value is checked for its key;
//! errors name the file, the line and the key. The comment lines above the first key are kept
//! when the pin is rewritten.
//!
//! The pinned CSDL file is committed gzip-compressed next to the manifest (`metadata/*.csdl.gz`;
//! about 3.4 MB uncompressed). [`locate`] looks for it in `$MSGRAPH_METADATA_DIR` first (an
//! override), then in `<repo>/metadata/`, under its pinned name or the same name with or without
//! `.gz`; [`load_verified`] reads it through [`csdl_file::read`] and checks the sha256 of the
//! uncompressed bytes, which is what the pin records.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_derive::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::csdl_file;

/// The pin manifest, relative to the repository root.
pub const PIN_PATH: &str = "metadata/graph-v1.0.toml";

/// Environment variable naming a directory that holds the pinned CSDL file.
pub const METADATA_DIR_ENV: &str = "MSGRAPH_METADATA_DIR";

/// The comment written at the top of a pin manifest that has none.
pub const DEFAULT_HEADER: &str = "\
# The upstream Microsoft Graph v1.0 CSDL the SDK is generated from. `file` is its committed,
# gzip-compressed copy in metadata/; `sha256` is that of the uncompressed document.
# Move the pin with `cargo xtask metadata update` (see metadata/README.md).";

/// The keys of a pin manifest, in the order they are written.
pub const KEYS: [&str; 7] = ["repository", "path", "commit", "date", "sha256", "file", "url"];

/// The pinned upstream CSDL document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Comment (and blank) lines before the first key, written back verbatim by [`Pin::write`].
    /// Comments further down are not preserved.
    pub header: Vec<String>,
    /// Upstream GitHub repository, `owner/name`.
    pub repository: String,
    /// Path of the CSDL document in that repository.
    pub path: String,
    /// Upstream commit (40 hex digits).
    pub commit: String,
    /// Date of that commit, `YYYY-MM-DD`.
    pub date: String,
    /// sha256 of the CSDL bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Local file name of the CSDL document (a bare name, no directories).
    pub file: String,
    /// Where to download the exact bytes from.
    pub url: String,
}

/// Everything that can go wrong with the pin or the pinned file.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing a file failed.
    Io { path: PathBuf, action: &'static str, source: io::Error },
    /// The pin manifest is malformed; `line` is 1-based when the problem is on one line.
    Parse { path: PathBuf, line: Option<usize>, message: String },
    /// A pin that would not load again (an invalid value) cannot be written.
    Invalid { message: String },
    /// A CSDL file could not be read or decompressed.
    File(csdl_file::ReadError),
    /// The pinned CSDL file is in none of the places searched.
    NotFound { file: String, sha256: String, tried: Vec<SearchDir> },
    /// The file's sha256 is not the pinned one.
    ShaMismatch { path: PathBuf, expected: String, actual: String },
    /// The file is not UTF-8.
    NotUtf8 { path: PathBuf, valid_up_to: usize },
}

/// A directory searched for the pinned file, and why it was searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    pub dir: PathBuf,
    /// Where the directory came from, e.g. `$MSGRAPH_METADATA_DIR`.
    pub origin: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, action, source } => {
                write!(f, "cannot {action} {}: {source}", path.display())
            }
            Error::Parse { path, line: Some(line), message } => {
                write!(f, "{}:{line}: {message}", path.display())
            }
            Error::Parse { path, line: None, message } => write!(f, "{}: {message}", path.display()),
            Error::Invalid { message } => f.write_str(message),
            Error::File(e) => e.fmt(f),
            Error::NotFound { file, sha256, tried } => {
                writeln!(f, "pinned metadata file `{file}` (sha256 {sha256}) not found; looked for:")?;
                for t in tried {
                    for name in [file.clone(), csdl_file::other_name(file)] {
                        writeln!(f, "  {} (from {})", t.dir.join(name).display(), t.origin)?;
                    }
                }
                if !tried.iter().any(|t| t.origin.contains(METADATA_DIR_ENV)) {
                    writeln!(f, "({METADATA_DIR_ENV} is not set)")?;
                }
                write!(
                    f,
                    "set {METADATA_DIR_ENV} to a directory containing `{file}` or `{}`, or run \
                     `cargo xtask metadata fetch` to download it (the repository's pinned file is \
                     committed under metadata/)",
                    csdl_file::other_name(file)
                )
            }
            Error::ShaMismatch { path, expected, actual } => write!(
                f,
                "sha256 mismatch for {}:\n  expected (pin): {expected}\n  actual (file):  {actual}\n\
                 the file is not the pinned metadata (another version, or corrupted); \
                 fetch it again with `cargo xtask metadata fetch`, or update the pin",
                path.display()
            ),
            Error::NotUtf8 { path, valid_up_to } => {
                write!(f, "{} is not valid UTF-8 (first invalid byte at offset {valid_up_to})", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::File(e) => Some(e),
            _ => None,
        }
    }
}

impl From<csdl_file::ReadError> for Error {
    fn from(e: csdl_file::ReadError) -> Error {
        Error::File(e)
    }
}

impl Pin {
    /// Reads and parses a pin manifest.
    pub fn load(path: &Path) -> Result<Pin, Error> {
        let bytes = fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            action: "read pin manifest",
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!("not valid UTF-8 (first invalid byte at offset {})", e.utf8_error().valid_up_to()),
        })?;
        Pin::parse(&text, path)
    }

    /// Parses the text of a pin manifest; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Pin, Error> {
        let err = |line: Option<usize>, message: String| Error::Parse { path: path.to_path_buf(), line, message };
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            err(line, toml_message(text, &e))
        })?;
        let fields = manifest.fields();
        let missing: Vec<&str> = KEYS.iter().zip(&fields).filter(|(_, v)| v.is_none()).map(|(k, _)| *k).collect();
        if !missing.is_empty() {
            return Err(err(None, format!("missing required key(s): {}", missing.join(", "))));
        }
        let mut values: [String; KEYS.len()] = Default::default();
        for ((key, field), slot) in KEYS.iter().zip(fields).zip(&mut values) {
            let Some(field) = field else { continue };
            let line = Some(line_of(text, field.span().start));
            let toml::Value::String(value) = field.into_inner() else {
                return Err(err(line, format!("the value of `{key}` must be a string (in double quotes)")));
            };
            validate_value(key, &value).map_err(|m| err(line, m))?;
            *slot = value;
        }
        let [repository, path_, commit, date, sha256, file, url] = values;
        Ok(Pin { header: header_of(text), repository, path: path_, commit, date, sha256, file, url })
    }

    /// The manifest text: the header (or [`DEFAULT_HEADER`]), then every key in [`KEYS`] order.
    /// Refuses a pin with an invalid value or header line (it would not load again).
    pub fn to_toml(&self) -> Result<String, Error> {
        for (key, value) in KEYS.iter().zip(self.values()) {
            validate_value(key, value).map_err(|message| Error::Invalid { message })?;
        }
        for line in &self.header {
            let t = line.trim();
            if !(t.is_empty() || t.starts_with('#')) || line.contains(['\n', '\r']) {
                return Err(Error::Invalid { message: format!("header line `{line}` is not a comment") });
            }
        }
        let [repository, path, commit, date, sha256, file, url] = self.values();
        let body = toml::to_string(&ManifestOut { repository, path, commit, date, sha256, file, url })
            .map_err(|e| Error::Invalid { message: e.to_string() })?;
        let mut out = String::new();
        if self.header.is_empty() {
            out.push_str(DEFAULT_HEADER);
            out.push('\n');
        } else {
            for line in &self.header {
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str(&body);
        Ok(out)
    }

    /// Writes the manifest (atomically: a temporary sibling file, then a rename).
    /// Every value is validated first, so that the written file loads again.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let text = self.to_toml().map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!("refusing to write an invalid pin: {e}"),
        })?;
        let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let io_err = |p: &Path, action: &'static str| {
            let p = p.to_path_buf();
            move |source| Error::Io { path: p, action, source }
        };
        fs::write(&tmp, text).map_err(io_err(&tmp, "write"))?;
        fs::rename(&tmp, path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(path, "replace pin manifest")(e)
        })
    }

    fn values(&self) -> [&str; KEYS.len()] {
        [&self.repository, &self.path, &self.commit, &self.date, &self.sha256, &self.file, &self.url]
    }
}

/// The manifest as read: every key optional, so that all missing ones are reported together;
/// values as TOML values with their position, so that a wrong type names the key and the line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    repository: Option<Spanned<toml::Value>>,
    path: Option<Spanned<toml::Value>>,
    commit: Option<Spanned<toml::Value>>,
    date: Option<Spanned<toml::Value>>,
    sha256: Option<Spanned<toml::Value>>,
    file: Option<Spanned<toml::Value>>,
    url: Option<Spanned<toml::Value>>,
}

impl Manifest {
    /// The fields in [`KEYS`] order.
    fn fields(self) -> [Option<Spanned<toml::Value>>; KEYS.len()] {
        [self.repository, self.path, self.commit, self.date, self.sha256, self.file, self.url]
    }
}

/// The manifest as written, keys in [`KEYS`] order.
#[derive(Serialize)]
struct ManifestOut<'a> {
    repository: &'a str,
    path: &'a str,
    commit: &'a str,
    date: &'a str,
    sha256: &'a str,
    file: &'a str,
    url: &'a str,
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// The comment (and blank) lines before the first key, without trailing blank ones.
fn header_of(text: &str) -> Vec<String> {
    let mut header: Vec<String> = text
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .map(|l| l.trim_end().to_string())
        .collect();
    while header.last().is_some_and(|l| l.trim().is_empty()) {
        header.pop();
    }
    header
}

/// The message of a TOML error, with the key named where the `toml` crate does not name it
/// (a duplicate key, with the line where it was first set).
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().to_string();
    let Some(span) = e.span().filter(|_| message == "duplicate key") else { return message };
    let Some(key) = text.get(span.clone()).map(|k| k.trim().trim_matches('"')) else { return message };
    // The text before the duplicate's line is valid TOML up to that point: where was the key set?
    let line_start = text.get(..span.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let first = text
        .get(..line_start)
        .and_then(|before| toml::from_str::<BTreeMap<String, Spanned<toml::Value>>>(before).ok())
        .and_then(|keys| keys.get(key).map(|v| line_of(text, v.span().start)));
    match first {
        Some(line) => format!("duplicate key `{key}` (first set on line {line})"),
        None => format!("duplicate key `{key}`"),
    }
}

/// Checks one value of the manifest; the error names the key.
fn validate_value(key: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("`{key}` is empty"));
    }
    if let Some(c) = value.chars().find(|c| *c == '"' || *c == '\\' || c.is_control()) {
        return Err(format!(
            "the value of `{key}` contains {c:?}; quotes, backslashes and control characters \
             are not supported"
        ));
    }
    let is_hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    match key {
        "sha256" if value.len() != 64 || !is_hex(value) => {
            Err(format!("`sha256` must be 64 lowercase hex digits, found `{value}`"))
        }
        "commit" if value.len() != 40 || !is_hex(value) => {
            Err(format!("`commit` must be a full 40-digit lowercase hex commit id, found `{value}`"))
        }
        "date" if !is_date(value) => Err(format!("`date` must be YYYY-MM-DD, found `{value}`")),
        "file" if value.contains(['/', '\\', ':']) || value == "." || value == ".." || value.starts_with('.') => {
            Err(format!("`file` must be a plain file name (no directories), found `{value}`"))
        }
        "url" if !value.contains("://") => Err(format!("`url` must be an absolute URL, found `{value}`")),
        "repository" if value.split('/').filter(|p| !p.is_empty()).count() != 2 => {
            Err(format!("`repository` must be `owner/name`, found `{value}`"))
        }
        _ => Ok(()),
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `$MSGRAPH_METADATA_DIR`, when set and not empty.
pub fn metadata_dir_from_env() -> Option<PathBuf> {
    std::env::var_os(METADATA_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// `$MSGRAPH_METADATA_DIR` with a relative value taken relative to the workspace root, so the
/// same value (e.g. `../graph-metadata`) works from `cargo xtask` and from every test binary
/// (cargo runs those in their package directory).
pub fn metadata_dir_from_env_in(repo_root: &Path) -> Option<PathBuf> {
    metadata_dir_from_env().map(|d| if d.is_absolute() { d } else { repo_root.join(d) })
}

/// Where the pinned file is downloaded to: `$MSGRAPH_METADATA_DIR`, else `<repo_root>/metadata`.
pub fn fetch_dir(repo_root: &Path) -> PathBuf {
    metadata_dir_from_env_in(repo_root).unwrap_or_else(|| repo_root.join("metadata"))
}

/// The directories [`locate`] searches, in order.
pub fn search_dirs(repo_root: &Path) -> Vec<SearchDir> {
    let mut dirs = Vec::new();
    if let Some(dir) = metadata_dir_from_env_in(repo_root) {
        dirs.push(SearchDir { dir, origin: format!("${METADATA_DIR_ENV}") });
    }
    dirs.push(SearchDir { dir: repo_root.join("metadata"), origin: "the repository".to_string() });
    dirs
}

/// Finds the pinned CSDL file: in `$MSGRAPH_METADATA_DIR` (if the variable is set), then in
/// `<repo_root>/metadata/` (see [`find_in`]).
pub fn locate(pin: &Pin, repo_root: &Path) -> Result<PathBuf, Error> {
    locate_in(pin, &search_dirs(repo_root))
}

/// Finds `pin.file` in the first of `dirs` that has it (see [`find_in`]).
pub fn locate_in(pin: &Pin, dirs: &[SearchDir]) -> Result<PathBuf, Error> {
    find_in(&pin.file, dirs).ok_or_else(|| Error::NotFound {
        file: pin.file.clone(),
        sha256: pin.sha256.clone(),
        tried: dirs.to_vec(),
    })
}

/// The first of `dir/file` and `dir/<file with or without .gz>` that exists, for each of `dirs`
/// in order: a directory holding the plain upstream `x.csdl` serves a pin naming `x.csdl.gz`, and
/// the other way round (the sha256 is that of the uncompressed bytes either way).
pub fn find_in(file: &str, dirs: &[SearchDir]) -> Option<PathBuf> {
    let names = [file.to_string(), csdl_file::other_name(file)];
    dirs.iter().flat_map(|d| names.iter().map(|n| d.dir.join(n))).find(|p| p.is_file())
}

/// The sha256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// Checks `bytes` (read from `path`) against the pinned sha256; returns the sha256.
pub fn verify_bytes(pin: &Pin, path: &Path, bytes: &[u8]) -> Result<String, Error> {
    let actual = sha256_hex(bytes);
    if actual.eq_ignore_ascii_case(&pin.sha256) {
        Ok(actual)
    } else {
        Err(Error::ShaMismatch { path: path.to_path_buf(), expected: pin.sha256.clone(), actual })
    }
}

/// Reads the pinned CSDL file at `path` (plain or gzip-compressed), verifies the sha256 of the
/// CSDL bytes against the pin and that they are UTF-8. Returns the text and its sha256.
pub fn load_verified(pin: &Pin, path: &Path) -> Result<(String, String), Error> {
    let bytes = csdl_file::read(path)?;
    let sha = verify_bytes(pin, path, &bytes)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::NotUtf8 { path: path.to_path_buf(), valid_up_to: e.utf8_error().valid_up_to() })?;
    Ok((text, sha))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TempDir;

    const PIN: &str = r#"# The upstream Microsoft Graph v1.0 CSDL the SDK is generated from. `file` is its committed,
# gzip-compressed copy in metadata/; `sha256` is that of the uncompressed document.
# Move the pin with `cargo xtask metadata update` (see metadata/README.md).
repository = "microsoftgraph/msgraph-metadata"
path = "schemas/v1.0-Prod.csdl"
commit = "0564689b82afc308d5aa8be54edfb9e5f1e0539f"
date = "2026-08-03"
sha256 = "a9d32d3611746c96043229a98867be064fb782c801b3405bce00c224ea3f6a03"
file = "graph-v1.0-2026-08-03.csdl.gz"
url = "https://raw.githubusercontent.com/microsoftgraph/msgraph-metadata/0564689b82afc308d5aa8be54edfb9e5f1e0539f/schemas/v1.0-Prod.csdl"
"#;

    fn parse(text: &str) -> Result<Pin, Error> {
        Pin::parse(text, Path::new("pin.toml"))
    }

    fn parse_err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_the_pin() {
        let pin = parse(PIN).unwrap();
        assert_eq!(pin.repository, "microsoftgraph/msgraph-metadata");
        assert_eq!(pin.path, "schemas/v1.0-Prod.csdl");
        assert_eq!(pin.commit, "0564689b82afc308d5aa8be54edfb9e5f1e0539f");
        assert_eq!(pin.date, "2026-08-03");
        assert_eq!(pin.sha256, "a9d32d3611746c96043229a98867be064fb782c801b3405bce00c224ea3f6a03");
        assert_eq!(pin.file, "graph-v1.0-2026-08-03.csdl.gz");
        assert!(pin.url.ends_with("/0564689b82afc308d5aa8be54edfb9e5f1e0539f/schemas/v1.0-Prod.csdl"));
        assert_eq!(pin.header.join("\n"), DEFAULT_HEADER);
        assert_eq!(pin.to_toml().unwrap(), PIN);
    }

    #[test]
    fn the_checked_in_pin_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(PIN_PATH);
        let pin = Pin::load(&path).unwrap();
        assert_eq!(pin.to_toml().unwrap(), PIN);
    }

    #[test]
    fn blank_lines_comments_and_spacing() {
        let text = PIN.replace("date = ", "\n# a comment\n  date   =   ").replace('\n', "\r\n");
        let pin = parse(&text).unwrap();
        assert_eq!(pin.date, "2026-08-03");
        assert_eq!(pin, parse(PIN).unwrap());
    }

    #[test]
    fn unknown_key_is_an_error_with_line() {
        let text = format!("{PIN}branch = \"main\"\n");
        let e = parse_err(&text);
        assert!(e.starts_with("pin.toml:11: unknown field `branch`, expected one of `repository`, `path`"), "{e}");
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let text = format!("{PIN}date = \"2026-08-04\"\n");
        let e = parse_err(&text);
        assert!(e.contains("pin.toml:11: duplicate key `date` (first set on line 7)"), "{e}");
    }

    #[test]
    fn missing_keys_are_listed() {
        let text: String = PIN
            .lines()
            .filter(|l| !l.starts_with("url") && !l.starts_with("commit"))
            .map(|l| format!("{l}\n"))
            .collect();
        let e = parse_err(&text);
        assert_eq!(e, "pin.toml: missing required key(s): commit, url");
    }

    #[test]
    fn malformed_lines_are_errors() {
        for (key, bad, want) in [
            ("date", "date 2026-08-03", "expected `=`"),
            ("date", "date = 2026-08-03", "the value of `date` must be a string (in double quotes)"),
            ("date", "date = \"2026-08-03", "invalid basic string"),
            ("date", "date = \"", "invalid basic string"),
            ("date", "date = \"2026-8-3\"", "YYYY-MM-DD"),
            ("sha256", "sha256 = \"A9D3\"", "64 lowercase hex"),
            ("commit", "commit = \"0564689\"", "40-digit"),
            ("commit", "commit = 564689", "the value of `commit` must be a string"),
            ("file", "file = \"../x.csdl\"", "plain file name"),
            ("url", "url = \"raw.githubusercontent.com/x\"", "absolute URL"),
            ("path", "path = \"a\\\"b\"", "quotes, backslashes"),
            ("path", "path = \"a\\u0007b\"", "control characters"),
            ("path", "[section]", "unknown field `section`"),
        ] {
            let text: String = PIN
                .lines()
                .map(|l| if l.starts_with(&format!("{key} ")) { bad } else { l })
                .map(|l| format!("{l}\n"))
                .collect();
            assert!(text.contains(bad), "{bad}");
            let e = parse_err(&text);
            assert!(e.contains(want), "{bad}: {e}");
            let line = PIN.lines().position(|l| l.starts_with(&format!("{key} "))).unwrap() + 1;
            assert!(e.starts_with(&format!("pin.toml:{line}: ")), "{bad}: {e}");
        }
    }

    /// What TOML allows is allowed: trailing comments, other quoting, any key order.
    #[test]
    fn toml_syntax_is_accepted() {
        let text = PIN
            .replace("date = \"2026-08-03\"", "date = '2026-08-03'  # the commit's date")
            .replace("path = \"schemas/v1.0-Prod.csdl\"", "path = \"schemas/v1.0\\u002DProd.csdl\"");
        let (first, rest) = text.split_once("commit = ").unwrap();
        let text =
            format!("{first}{}\ncommit = {}", rest.split_once('\n').unwrap().1, rest.split_once('\n').unwrap().0);
        assert_eq!(parse(&text).unwrap(), parse(PIN).unwrap());
    }

    #[test]
    fn write_round_trips_and_keeps_header() {
        let dir = TempDir::new("pin-write");
        let path = dir.0.join("graph-v1.0.toml");
        let custom = format!(
            "# line one\n#\n# line three\n\n{}",
            PIN.lines().skip_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect::<String>()
        );
        fs::write(&path, &custom).unwrap();
        let mut pin = Pin::load(&path).unwrap();
        assert_eq!(pin.header, ["# line one", "#", "# line three"]);
        pin.date = "2026-09-01".to_string();
        pin.write(&path).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# line one\n#\n# line three\nrepository = "), "{text}");
        assert!(text.contains("\ndate = \"2026-09-01\"\n"));
        assert_eq!(Pin::load(&path).unwrap(), pin);
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(&dir.0).unwrap().count(), 1);

        pin.header.clear();
        pin.write(&path).unwrap();
        assert!(fs::read_to_string(&path).unwrap().starts_with(DEFAULT_HEADER));

        pin.url = "has \"quote\"".to_string();
        let e = pin.write(&path).unwrap_err().to_string();
        assert!(e.contains("refusing to write an invalid pin"), "{e}");
    }

    #[test]
    fn load_reports_missing_file() {
        let e = Pin::load(Path::new("/nonexistent/pin.toml")).unwrap_err().to_string();
        assert!(e.starts_with("cannot read pin manifest /nonexistent/pin.toml:"), "{e}");
    }

    #[test]
    fn sha256_of_known_inputs() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn locate_searches_in_order_and_explains_failure() {
        let a = TempDir::new("pin-locate-a");
        let b = TempDir::new("pin-locate-b");
        let pin = parse(PIN).unwrap();
        let dirs = vec![
            SearchDir { dir: a.0.clone(), origin: format!("${METADATA_DIR_ENV}") },
            SearchDir { dir: b.0.clone(), origin: "the repository".into() },
        ];
        let e = locate_in(&pin, &dirs).unwrap_err().to_string();
        assert!(e.contains("pinned metadata file `graph-v1.0-2026-08-03.csdl.gz`"), "{e}");
        assert!(e.contains(&a.0.join(&pin.file).display().to_string()), "{e}");
        assert!(e.contains(&b.0.join(&pin.file).display().to_string()), "{e}");
        assert!(e.contains("set MSGRAPH_METADATA_DIR"), "{e}");
        assert!(e.contains("cargo xtask metadata fetch"), "{e}");
        assert!(!e.contains("is not set"), "{e}");

        let e = locate_in(&pin, &dirs[1..]).unwrap_err().to_string();
        assert!(e.contains("(MSGRAPH_METADATA_DIR is not set)"), "{e}");

        fs::write(b.0.join(&pin.file), "x").unwrap();
        assert_eq!(locate_in(&pin, &dirs).unwrap(), b.0.join(&pin.file));
        fs::write(a.0.join(&pin.file), "x").unwrap();
        assert_eq!(locate_in(&pin, &dirs).unwrap(), a.0.join(&pin.file));
    }

    #[test]
    fn plain_and_compressed_files_are_found_and_verified_alike() {
        let a = TempDir::new("pin-gz-a");
        let b = TempDir::new("pin-gz-b");
        let text = "<edmx:Edmx Version=\"4.0\"/>\n";
        let mut pin = parse(PIN).unwrap();
        pin.file = "x.csdl.gz".into();
        pin.sha256 = sha256_hex(text.as_bytes());
        let dirs = vec![
            SearchDir { dir: a.0.clone(), origin: "a".into() },
            SearchDir { dir: b.0.clone(), origin: "b".into() },
        ];
        let e = locate_in(&pin, &dirs).unwrap_err().to_string();
        assert!(e.contains(&format!("  {} (from a)\n", a.0.join("x.csdl.gz").display())), "{e}");
        assert!(e.contains(&format!("  {} (from a)\n", a.0.join("x.csdl").display())), "{e}");

        // The upstream (plain) name serves a pin naming the compressed file.
        fs::write(b.0.join("x.csdl"), text).unwrap();
        let found = locate_in(&pin, &dirs).unwrap();
        assert_eq!(found, b.0.join("x.csdl"));
        assert_eq!(load_verified(&pin, &found).unwrap(), (text.to_string(), pin.sha256.clone()));

        // An earlier directory wins; in one directory, the pinned name wins.
        fs::write(a.0.join("x.csdl"), text).unwrap();
        assert_eq!(locate_in(&pin, &dirs).unwrap(), a.0.join("x.csdl"));
        fs::write(a.0.join("x.csdl.gz"), csdl_file::compress(text.as_bytes()).unwrap()).unwrap();
        let found = locate_in(&pin, &dirs).unwrap();
        assert_eq!(found, a.0.join("x.csdl.gz"));
        // The sha256 is that of the uncompressed bytes.
        assert_eq!(load_verified(&pin, &found).unwrap(), (text.to_string(), pin.sha256.clone()));

        // And a pin naming the plain file finds a compressed one.
        pin.file = "y.csdl".into();
        fs::write(b.0.join("y.csdl.gz"), csdl_file::compress(text.as_bytes()).unwrap()).unwrap();
        assert_eq!(locate_in(&pin, &dirs).unwrap(), b.0.join("y.csdl.gz"));

        // A damaged compressed file is named.
        let gz = csdl_file::compress(text.as_bytes()).unwrap();
        fs::write(a.0.join("x.csdl.gz"), &gz[..gz.len() - 4]).unwrap();
        pin.file = "x.csdl.gz".into();
        let e = load_verified(&pin, &a.0.join("x.csdl.gz")).unwrap_err().to_string();
        assert!(e.starts_with(&format!("cannot decompress metadata file {}", a.0.join("x.csdl.gz").display())), "{e}");
    }

    #[test]
    fn load_verified_checks_sha_and_utf8() {
        let dir = TempDir::new("pin-verify");
        let mut pin = parse(PIN).unwrap();
        let path = dir.0.join("graph-v1.0-2026-08-03.csdl");
        let text = "<edmx:Edmx Version=\"4.0\"/>\n";
        fs::write(&path, text).unwrap();

        let e = load_verified(&pin, &path).unwrap_err();
        assert!(matches!(e, Error::ShaMismatch { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains(&pin.sha256) && msg.contains(&sha256_hex(text.as_bytes())), "{msg}");

        pin.sha256 = sha256_hex(text.as_bytes());
        let (loaded, sha) = load_verified(&pin, &path).unwrap();
        assert_eq!(loaded, text);
        assert_eq!(sha, pin.sha256);

        let bytes = b"<a>\xff</a>";
        fs::write(&path, bytes).unwrap();
        pin.sha256 = sha256_hex(bytes);
        let e = load_verified(&pin, &path).unwrap_err().to_string();
        assert!(e.contains("not valid UTF-8 (first invalid byte at offset 3)"), "{e}");
    }

    /// A pin naming the 2026-05-05 file but carrying the 2026-08-03 sha256 must be refused.
    #[test]
    fn wrong_sha_for_a_real_metadata_file_is_refused() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = TempDir::new("pin-wrong-sha");
        let pin_path = dir.0.join("graph-v1.0.toml");
        fs::write(&pin_path, PIN.replace("graph-v1.0-2026-08-03.csdl", "graph-v1.0-2026-05-05.csdl")).unwrap();
        let pin = Pin::load(&pin_path).unwrap();
        assert_eq!(pin.file, "graph-v1.0-2026-05-05.csdl.gz");
        // The committed file (or the override's, when $MSGRAPH_METADATA_DIR is set).
        let path = locate(&pin, &root).unwrap();
        let e = load_verified(&pin, &path).unwrap_err().to_string();
        assert!(e.contains("sha256 mismatch"), "{e}");
        assert!(e.contains("a9d32d3611746c96043229a98867be064fb782c801b3405bce00c224ea3f6a03"), "{e}");
        assert!(e.contains("4f626da463ed4b883f3ede21168612d9afc8746b89f12621073a3a028e4f2154"), "{e}");
    }
}
