//! CSDL files on disk: plain (`.csdl`, as published upstream) or gzip-compressed (`.csdl.gz`, as
//! committed under `metadata/`). [`read`] is how every CSDL file is read: a gzip stream is
//! recognised by its magic bytes, whatever the file is called, and decompressed, so a sha256 is
//! always that of the CSDL text itself. [`compress`] writes the committed form, byte for byte
//! reproducible (no file name, no timestamp, best compression).

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};

/// The suffix of a compressed CSDL file (after `.csdl`).
pub const GZ_SUFFIX: &str = ".gz";

/// The largest CSDL document accepted after decompression (the v1.0 document is about 3.4 MB): a
/// corrupt or hostile `.gz` cannot make a reader allocate without bound.
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// The first two bytes of every gzip stream (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Why a CSDL file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read.
    Io { path: PathBuf, source: io::Error },
    /// The file is a gzip stream that does not decompress (truncated, corrupt).
    Gzip { path: PathBuf, source: io::Error },
    /// The file decompresses to more than `limit` bytes ([`MAX_BYTES`]).
    TooLarge { path: PathBuf, limit: u64 },
    /// The file is named `*.gz` but is not a gzip stream.
    NotGzip { path: PathBuf },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { path, source } => write!(f, "cannot read metadata file {}: {source}", path.display()),
            ReadError::Gzip { path, source } => {
                write!(f, "cannot decompress metadata file {} (gzip): {source}", path.display())
            }
            ReadError::TooLarge { path, limit } => {
                write!(f, "metadata file {} decompresses to more than {limit} bytes; refusing it", path.display())
            }
            ReadError::NotGzip { path } => {
                write!(f, "metadata file {} is named *{GZ_SUFFIX} but is not gzip-compressed", path.display())
            }
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io { source, .. } | ReadError::Gzip { source, .. } => Some(source),
            ReadError::TooLarge { .. } | ReadError::NotGzip { .. } => None,
        }
    }
}

/// The CSDL bytes of the file at `path`, decompressed if it is gzip-compressed.
pub fn read(path: &Path) -> Result<Vec<u8>, ReadError> {
    let bytes = fs::read(path).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
    if is_gzip(&bytes) {
        decompress(&bytes, path)
    } else if path.to_string_lossy().ends_with(GZ_SUFFIX) {
        Err(ReadError::NotGzip { path: path.to_path_buf() })
    } else {
        Ok(bytes)
    }
}

/// Whether `bytes` start like a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Decompresses a gzip stream (every member, as `gzip -d` does) of at most [`MAX_BYTES`];
/// `path` is only used in errors.
pub fn decompress(gz: &[u8], path: &Path) -> Result<Vec<u8>, ReadError> {
    decompress_at_most(gz, path, MAX_BYTES)
}

fn decompress_at_most(gz: &[u8], path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    MultiGzDecoder::new(gz)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|source| ReadError::Gzip { path: path.to_path_buf(), source })?;
    if out.len() as u64 > limit {
        return Err(ReadError::TooLarge { path: path.to_path_buf(), limit });
    }
    Ok(out)
}

/// `bytes` gzip-compressed as committed: best compression, no file name, modification time 0,
/// so the same input always gives the same bytes.
pub fn compress(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder: GzEncoder<Vec<u8>> = GzBuilder::new().mtime(0).write(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// The other name a CSDL file may have: `x.csdl.gz` for `x.csdl`, and `x.csdl` for `x.csdl.gz`.
pub fn other_name(file: &str) -> String {
    match file.strip_suffix(GZ_SUFFIX) {
        Some(plain) => plain.to_string(),
        None => format!("{file}{GZ_SUFFIX}"),
    }
}

/// `file` as the name of a compressed file: `x.csdl.gz` for `x.csdl` (and for `x.csdl.gz`).
pub fn compressed_name(file: &str) -> String {
    if file.ends_with(GZ_SUFFIX) {
        file.to_string()
    } else {
        format!("{file}{GZ_SUFFIX}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TempDir;

    const CSDL: &str = "<?xml version=\"1.0\"?>\n<edmx:Edmx Version=\"4.0\"/>\n";

    #[test]
    fn plain_and_compressed_read_the_same() {
        let dir = TempDir::new("csdl-file");
        let plain = dir.0.join("a.csdl");
        let gz = dir.0.join("a.csdl.gz");
        fs::write(&plain, CSDL).unwrap();
        fs::write(&gz, compress(CSDL.as_bytes()).unwrap()).unwrap();
        assert_eq!(read(&plain).unwrap(), CSDL.as_bytes());
        assert_eq!(read(&gz).unwrap(), CSDL.as_bytes());
        // Recognised by content, not by name.
        let odd = dir.0.join("a.xml");
        fs::write(&odd, compress(CSDL.as_bytes()).unwrap()).unwrap();
        assert_eq!(read(&odd).unwrap(), CSDL.as_bytes());
    }

    #[test]
    fn compression_is_deterministic_and_standard() {
        let a = compress(CSDL.as_bytes()).unwrap();
        assert_eq!(a, compress(CSDL.as_bytes()).unwrap());
        assert!(is_gzip(&a));
        // RFC 1952 header: deflate, no flags (no file name), mtime 0, best compression.
        assert_eq!(&a[..9], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2]);
        // Two concatenated members decompress to both, as with `gzip -d`.
        let mut two = a.clone();
        two.extend_from_slice(&a);
        assert_eq!(decompress(&two, Path::new("two.gz")).unwrap(), [CSDL, CSDL].concat().as_bytes());
    }

    #[test]
    fn bad_files_are_named() {
        let dir = TempDir::new("csdl-file");
        let missing = dir.0.join("missing.csdl.gz");
        let e = read(&missing).unwrap_err().to_string();
        assert!(e.starts_with(&format!("cannot read metadata file {}: ", missing.display())), "{e}");

        let truncated = dir.0.join("t.csdl.gz");
        let gz = compress(CSDL.as_bytes()).unwrap();
        fs::write(&truncated, &gz[..gz.len() / 2]).unwrap();
        let e = read(&truncated).unwrap_err().to_string();
        assert!(e.starts_with(&format!("cannot decompress metadata file {} (gzip): ", truncated.display())), "{e}");

        let not_gz = dir.0.join("n.csdl.gz");
        fs::write(&not_gz, CSDL).unwrap();
        let e = read(&not_gz).unwrap_err().to_string();
        assert!(e.ends_with("n.csdl.gz is named *.gz but is not gzip-compressed"), "{e}");
    }

    #[test]
    fn a_gzip_bomb_is_refused() {
        let bomb = compress(&vec![0u8; 1 << 20]).unwrap();
        assert!(bomb.len() < 4096, "{} bytes", bomb.len());
        let e = decompress_at_most(&bomb, Path::new("bomb.gz"), 1000).unwrap_err().to_string();
        assert_eq!(e, "metadata file bomb.gz decompresses to more than 1000 bytes; refusing it");
        assert_eq!(decompress_at_most(&bomb, Path::new("bomb.gz"), 1 << 20).unwrap().len(), 1 << 20);
    }

    #[test]
    fn names() {
        assert_eq!(other_name("a.csdl"), "a.csdl.gz");
        assert_eq!(other_name("a.csdl.gz"), "a.csdl");
        assert_eq!(compressed_name("a.csdl"), "a.csdl.gz");
        assert_eq!(compressed_name("a.csdl.gz"), "a.csdl.gz");
    }
}
