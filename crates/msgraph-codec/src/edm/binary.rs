//! `Edm.Binary`.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use super::text::serde_as_string;
use super::EdmParseError;

const BASE64_CONFIG: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const BASE64_STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, BASE64_CONFIG);
const BASE64_URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, BASE64_CONFIG);

/// `Edm.Binary`: bytes, written as base64 text.
///
/// Parsing accepts the standard (`+/`) and the URL-safe (`-_`) alphabet, with
/// or without `=` padding (but not both alphabets mixed, and no whitespace).
/// Printing always uses the standard alphabet with padding.
///
/// ```
/// use msgraph_codec::edm::Binary;
///
/// let b: Binary = "aGk_".parse()?; // URL-safe, unpadded
/// assert_eq!(b.as_bytes(), b"hi?");
/// assert_eq!(b.to_string(), "aGk/");
/// assert_eq!(Binary::from(b"hello".to_vec()).to_string(), "aGVsbG8=");
/// assert!("not base64!".parse::<Binary>().is_err());
/// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binary(Vec<u8>);

impl Binary {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Binary(bytes)
    }
}

impl From<&[u8]> for Binary {
    fn from(bytes: &[u8]) -> Self {
        Binary(bytes.to_vec())
    }
}

impl From<Binary> for Vec<u8> {
    fn from(value: Binary) -> Self {
        value.0
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl FromStr for Binary {
    type Err = EdmParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url_safe = s.bytes().any(|b| matches!(b, b'-' | b'_'));
        let standard = s.bytes().any(|b| matches!(b, b'+' | b'/'));
        if url_safe && standard {
            return Err(EdmParseError::new(
                "Edm.Binary",
                s,
                "mixes the standard ('+', '/') and URL-safe ('-', '_') base64 alphabets",
            ));
        }
        let engine = if url_safe { &BASE64_URL_SAFE_LENIENT } else { &BASE64_STANDARD_LENIENT };
        engine.decode(s).map(Binary).map_err(|e| EdmParseError::new("Edm.Binary", s, format!("not valid base64: {e}")))
    }
}

impl fmt::Display for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&STANDARD.encode(&self.0))
    }
}

serde_as_string!(Binary, "Edm.Binary");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edm::testing::{err, round_trip};

    #[test]
    fn binary() {
        let bytes: Vec<u8> = (0u8..=255).collect();
        let b = Binary::from(bytes.clone());
        let standard = b.to_string();
        assert_eq!(standard, STANDARD.encode(&bytes));
        round_trip::<Binary>(&standard);
        let url_safe = standard.replace('+', "-").replace('/', "_");
        let unpadded = standard.trim_end_matches('=');
        let url_unpadded = url_safe.trim_end_matches('=');
        for s in [url_safe.as_str(), unpadded, url_unpadded] {
            assert_eq!(s.parse::<Binary>().unwrap().as_bytes(), &bytes[..], "{s}");
        }
        assert_eq!("aGVsbG8".parse::<Binary>().unwrap().into_bytes(), b"hello");
        assert_eq!(Binary::from(&b"hello"[..]).to_string(), "aGVsbG8=");
        assert_eq!(Vec::from(Binary::from(vec![1, 2])), vec![1, 2]);
        assert_eq!(Binary::default().to_string(), "");

        assert_eq!(
            err::<Binary>("a+b-").reason(),
            "mixes the standard ('+', '/') and URL-safe ('-', '_') base64 alphabets"
        );
        for s in ["a", "aGVsbG8===", "aGV sbG8=", "é", "aGVsbG8=\n", "aGVsbG9="] {
            let e = err::<Binary>(s);
            assert!(e.reason().starts_with("not valid base64"), "{s}: {e}");
        }

        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, format!("\"{standard}\""));
        assert_eq!(serde_json::from_str::<Binary>(&json).unwrap(), b);
        assert!(serde_json::from_str::<Binary>(r#""!!""#).is_err());
    }
}
