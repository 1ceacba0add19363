//! Where delegated credentials keep what lets them sign a user in again silently: the
//! [`TokenCache`] trait, the in-memory default [`MemoryTokenCache`] and the file-backed
//! [`FileTokenCache`].
//!
//! What is kept is the refresh token and the scopes granted so far, by [`CacheKey`] (login
//! host, tenant, client id, account). Access tokens are not persisted: they live an hour and
//! the client keeps them in memory ([`CachingTokenProvider`](super::CachingTokenProvider)),
//! so a new process spends one refresh-token request, and a stolen cache file holds no bearer
//! token that works against Graph on its own.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::Secret;
use crate::error::{Error, ErrorKind, Result};
use msgraph_codec::json::{Reader, Writer};

/// Whose tokens: one entry (and one file, for [`FileTokenCache`]) per login host, tenant,
/// client and account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    /// The login host, e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    /// The tenant as configured (`organizations`, a tenant id, a domain).
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// The account: the `login_hint` the credential was given, or `default`.
    pub account: String,
}

impl CacheKey {
    /// A key.
    pub fn new(
        authority: impl Into<String>,
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        account: impl Into<String>,
    ) -> CacheKey {
        CacheKey {
            authority: authority.into(),
            tenant: tenant.into(),
            client_id: client_id.into(),
            account: account.into(),
        }
    }

    /// A stable file name for the key: `msgraph-token-<hash>.json` (the hash of the four
    /// parts, so odd characters in a tenant or account never reach the file system).
    pub fn file_name(&self) -> String {
        let mut h = Sha256::new();
        for part in [&self.authority, &self.tenant, &self.client_id, &self.account] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("msgraph-token-{hex}.json")
    }
}

/// What a cache keeps for one key.
#[derive(Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// The refresh token (rotated: every refresh stores the new one).
    pub refresh_token: Secret,
    /// Scopes granted so far (what later silent requests may ask for).
    pub scopes: BTreeSet<String>,
}

impl fmt::Debug for CacheEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheEntry").field("refresh_token", &self.refresh_token).field("scopes", &self.scopes).finish()
    }
}

/// Storage for delegated credentials' refresh tokens.
///
/// Calls are synchronous and small (one entry of a few kilobytes); they happen on sign-in and
/// refresh only, not per Graph request. Implementations must never log token values.
pub trait TokenCache: Send + Sync + fmt::Debug {
    /// The entry for `key`, if any. An unreadable entry is treated as absent (with a warning).
    fn load(&self, key: &CacheKey) -> Option<CacheEntry>;
    /// Stores `entry` for `key`, replacing the previous one.
    fn save(&self, key: &CacheKey, entry: &CacheEntry) -> Result<()>;
    /// Forgets the entry for `key` (a rejected refresh token, a sign-out).
    fn remove(&self, key: &CacheKey) -> Result<()>;
}

/// The default cache: entries live as long as the process.
#[derive(Default)]
pub struct MemoryTokenCache {
    entries: Mutex<HashMap<CacheKey, CacheEntry>>,
}

impl MemoryTokenCache {
    /// An empty cache.
    pub fn new() -> MemoryTokenCache {
        MemoryTokenCache::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, CacheEntry>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

impl fmt::Debug for MemoryTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenCache").field("entries", &self.entries().len()).finish()
    }
}

impl TokenCache for MemoryTokenCache {
    fn load(&self, key: &CacheKey) -> Option<CacheEntry> {
        self.entries().get(key).cloned()
    }
    fn save(&self, key: &CacheKey, entry: &CacheEntry) -> Result<()> {
        self.entries().insert(key.clone(), entry.clone());
        Ok(())
    }
    fn remove(&self, key: &CacheKey) -> Result<()> {
        self.entries().remove(key);
        Ok(())
    }
}

/// Largest cache file read (a real entry is a few kilobytes).
const MAX_FILE_BYTES: u64 = 256 * 1024;

/// A cache of one JSON file per [`CacheKey`] in a directory.
///
/// * Files are written atomically: a new temporary file in the same directory, flushed to
///   disk, then renamed over the old one, so a crash never leaves half a file.
/// * On Unix the directory is created `0700` and the files `0600` (owner only).
/// * A file that cannot be parsed (truncated, edited, another format) is treated as empty,
///   with a warning naming the file, never a token; the next sign-in overwrites it.
/// * The refresh token is stored as is (not encrypted): protect the directory as you would
///   an SSH key. Operating-system keychains can be plugged in by implementing [`TokenCache`].
pub struct FileTokenCache {
    dir: PathBuf,
}

impl fmt::Debug for FileTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenCache").field("dir", &self.dir).finish()
    }
}

impl FileTokenCache {
    /// A cache in `dir` (created on the first save).
    pub fn new(dir: impl Into<PathBuf>) -> FileTokenCache {
        FileTokenCache { dir: dir.into() }
    }

    /// The file of `key`.
    pub fn path_for(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
        Error::with_source(ErrorKind::Auth, format!("token cache: could not {what} {}", path.display()), e)
    }

    fn create_dir(&self) -> Result<()> {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&self.dir).map_err(|e| FileTokenCache::io_error("create the directory", &self.dir, e))
    }
}

fn encode(key: &CacheKey, entry: &CacheEntry) -> String {
    let mut w = Writer::new();
    w.begin_object();
    w.key("version");
    w.i64(1);
    w.key("authority");
    w.string(&key.authority);
    w.key("tenant");
    w.string(&key.tenant);
    w.key("client_id");
    w.string(&key.client_id);
    w.key("account");
    w.string(&key.account);
    w.key("scopes");
    w.begin_array();
    for s in &entry.scopes {
        w.string(s);
    }
    w.end_array();
    w.key("refresh_token");
    w.string(entry.refresh_token.expose());
    w.end_object();
    w.into_string()
}

fn decode(key: &CacheKey, bytes: &[u8]) -> std::result::Result<CacheEntry, String> {
    let mut r = Reader::new(bytes);
    let mut refresh = None;
    let mut scopes = BTreeSet::new();
    let mut parts: [Option<String>; 4] = Default::default();
    let mut version = None;
    (|| -> std::result::Result<(), msgraph_codec::json::DecodeError> {
        r.begin_object()?;
        while let Some(k) = r.next_key()? {
            let slot = match &*k {
                "authority" => Some(0),
                "tenant" => Some(1),
                "client_id" => Some(2),
                "account" => Some(3),
                _ => None,
            };
            match (&*k, slot) {
                (_, Some(i)) => parts[i] = Some(r.read_str()?.into_owned()),
                ("refresh_token", _) => refresh = Some(r.read_str()?.into_owned()),
                ("version", _) => version = Some(r.read_number_text()?.to_string()),
                ("scopes", _) => {
                    r.begin_array()?;
                    while r.next_element()? {
                        scopes.insert(r.read_str()?.into_owned());
                    }
                }
                _ => r.skip_value()?,
            }
        }
        r.finish()
    })()
    .map_err(|e| format!("not a token cache file ({})", e.message()))?;
    if version.as_deref() != Some("1") {
        return Err("unknown token cache file version".into());
    }
    let expected = [&key.authority, &key.tenant, &key.client_id, &key.account];
    if parts.iter().zip(expected).any(|(got, want)| got.as_deref() != Some(want.as_str())) {
        return Err("the file belongs to another account, client or tenant".into());
    }
    let refresh = refresh.filter(|t| super::is_valid_token(t)).ok_or("no usable refresh token in it")?;
    Ok(CacheEntry { refresh_token: Secret::new(refresh), scopes })
}

impl TokenCache for FileTokenCache {
    fn load(&self, key: &CacheKey) -> Option<CacheEntry> {
        let path = self.path_for(key);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "token cache file unreadable: treated as empty");
                return None;
            }
        };
        let mut bytes = Vec::new();
        let read = std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE_BYTES + 1), &mut bytes);
        if let Err(e) = read {
            tracing::warn!(file = %path.display(), error = %e, "token cache file unreadable: treated as empty");
            return None;
        }
        if bytes.len() as u64 > MAX_FILE_BYTES {
            tracing::warn!(file = %path.display(), "token cache file too large: treated as empty");
            return None;
        }
        match decode(key, &bytes) {
            Ok(entry) => Some(entry),
            Err(why) => {
                tracing::warn!(file = %path.display(), reason = %why, "token cache file corrupt: treated as empty");
                None
            }
        }
    }

    fn save(&self, key: &CacheKey, entry: &CacheEntry) -> Result<()> {
        self.create_dir()?;
        let path = self.path_for(key);
        let tmp = self.dir.join(format!(".{}.{}.tmp", key.file_name(), uuid::Uuid::new_v4().simple()));
        let write = || -> std::io::Result<()> {
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.mode(0o600);
            }
            let mut f = o.open(&tmp)?;
            f.write_all(encode(key, entry).as_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            FileTokenCache::io_error("write", &path, e)
        })
    }

    fn remove(&self, key: &CacheKey) -> Result<()> {
        let path = self.path_for(key);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(FileTokenCache::io_error("remove", &path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey::new("https://login.microsoftonline.com", "organizations", "client", "default")
    }

    fn entry(t: &str) -> CacheEntry {
        CacheEntry { refresh_token: Secret::new(t), scopes: ["User.Read".to_string()].into_iter().collect() }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("msgraph-cache-test-{name}-{}", uuid::Uuid::new_v4().simple()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn memory_cache_round_trips() {
        let c = MemoryTokenCache::new();
        assert!(c.load(&key()).is_none());
        c.save(&key(), &entry("r1")).unwrap();
        assert_eq!(c.load(&key()), Some(entry("r1")));
        c.remove(&key()).unwrap();
        assert!(c.load(&key()).is_none());
        assert!(!format!("{:?}", entry("secret-rt")).contains("secret-rt"));
    }

    #[test]
    fn file_cache_writes_atomically_owner_only_and_survives_corruption() {
        let dir = temp_dir("file");
        let c = FileTokenCache::new(&dir);
        assert!(c.load(&key()).is_none());
        c.save(&key(), &entry("r1")).unwrap();
        c.save(&key(), &entry("r2")).unwrap();
        // A second cache on the same directory (a second process) sees the last one.
        assert_eq!(FileTokenCache::new(&dir).load(&key()), Some(entry("r2")));
        // One file, no temporary left behind.
        let names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec![key().file_name()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(c.path_for(&key())).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
        // Another account has its own file.
        let other = CacheKey { account: "adele@contoso.com".into(), ..key() };
        assert!(c.load(&other).is_none());
        // Corrupt: empty, no panic; the next save repairs it.
        for junk in [&b"{\"version\":1,\"refresh"[..], b"", b"\xff\xfe", b"[]", b"{\"version\":2}"] {
            std::fs::write(c.path_for(&key()), junk).unwrap();
            assert!(c.load(&key()).is_none());
        }
        // A file copied from another key is not used.
        std::fs::write(c.path_for(&other), encode(&key(), &entry("r3"))).unwrap();
        assert!(c.load(&other).is_none());
        c.save(&key(), &entry("r4")).unwrap();
        assert_eq!(c.load(&key()), Some(entry("r4")));
        c.remove(&key()).unwrap();
        c.remove(&key()).unwrap();
        assert!(c.load(&key()).is_none());
        assert!(!format!("{c:?}").contains("r4"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
