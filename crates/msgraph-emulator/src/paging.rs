//! Opaque, tamper-evident `$skiptoken`s for server-driven paging.
//!
//! A token carries the position in the (filtered, ordered) result, whether it leads to the
//! deliberate empty page (see `EmulatorBuilder::empty_pages`), and a fingerprint of the query it
//! belongs to, all authenticated with HMAC-SHA256 under the emulator's secret. A token used with
//! another query, or edited, is rejected with 400.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::errors::GraphError;

const VERSION: u8 = 1;
const MAC_LEN: usize = 10;

/// What a token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    /// Index of the first item of the page.
    pub(crate) offset: u64,
    /// The page is the deliberate empty page before `offset`.
    pub(crate) empty: bool,
}

/// A fingerprint of a query: the decoded path and the decoded query options other than
/// `$skiptoken`, sorted (so a client that re-encodes a next link still gets its page; the
/// protocol guard reports it).
pub(crate) fn fingerprint(path_segments: &[String], options: &[(String, String)]) -> [u8; 8] {
    let mut h = Sha256::new();
    for s in path_segments {
        h.update(s.as_bytes());
        h.update([0]);
    }
    let mut opts: Vec<&(String, String)> = options.iter().collect();
    opts.sort();
    for (k, v) in opts {
        h.update([1]);
        h.update(k.to_ascii_lowercase().as_bytes());
        h.update([2]);
        h.update(v.as_bytes());
    }
    let d = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

fn mac(secret: &[u8; 32], payload: &[u8]) -> Vec<u8> {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else { return vec![0; MAC_LEN] };
    m.update(b"skiptoken");
    m.update(payload);
    m.finalize().into_bytes()[..MAC_LEN].to_vec()
}

/// Encodes a token.
pub(crate) fn encode(secret: &[u8; 32], pos: Position, fp: [u8; 8]) -> String {
    let mut payload = Vec::with_capacity(18 + MAC_LEN);
    payload.push(VERSION);
    payload.extend_from_slice(&pos.offset.to_be_bytes());
    payload.push(u8::from(pos.empty));
    payload.extend_from_slice(&fp);
    let m = mac(secret, &payload);
    payload.extend_from_slice(&m);
    URL_SAFE_NO_PAD.encode(payload)
}

/// Decodes and checks a token against the query's fingerprint.
pub(crate) fn decode(secret: &[u8; 32], token: &str, fp: [u8; 8]) -> Result<Position, GraphError> {
    let invalid = || {
        GraphError::bad_request(
            "The $skiptoken is not valid for this request: follow @odata.nextLink exactly as the service returned it.",
        )
        .with_inner("invalidSkipToken")
    };
    let raw = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).map_err(|_| invalid())?;
    if raw.len() != 18 + MAC_LEN || raw[0] != VERSION {
        return Err(invalid());
    }
    let (payload, tag) = raw.split_at(18);
    if mac(secret, payload) != tag {
        return Err(invalid());
    }
    if payload[10..18] != fp {
        return Err(invalid());
    }
    let mut off = [0u8; 8];
    off.copy_from_slice(&payload[1..9]);
    Ok(Position { offset: u64::from_be_bytes(off), empty: payload[9] == 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let secret = [7u8; 32];
        let fp = fingerprint(&["users".into()], &[("$top".into(), "5".into())]);
        let t = encode(&secret, Position { offset: 42, empty: true }, fp);
        assert_eq!(decode(&secret, &t, fp).unwrap(), Position { offset: 42, empty: true });
        // Other query.
        let fp2 = fingerprint(&["users".into()], &[("$top".into(), "6".into())]);
        assert!(decode(&secret, &t, fp2).is_err());
        // Other secret.
        assert!(decode(&[8u8; 32], &t, fp).is_err());
        // Edited.
        let mut bytes = URL_SAFE_NO_PAD.decode(&t).unwrap();
        bytes[8] ^= 1;
        assert!(decode(&secret, &URL_SAFE_NO_PAD.encode(bytes), fp).is_err());
        assert!(decode(&secret, "garbage!", fp).is_err());
        // Option order does not matter.
        let a = fingerprint(&[], &[("a".into(), "1".into()), ("b".into(), "2".into())]);
        let b = fingerprint(&[], &[("b".into(), "2".into()), ("a".into(), "1".into())]);
        assert_eq!(a, b);
    }
}
