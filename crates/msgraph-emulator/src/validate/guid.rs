//! `Edm.Guid` as OData writes it: 32 hexadecimal digits in groups of 8-4-4-4-12 separated by
//! hyphens (`01234567-89ab-cdef-0123-456789abcdef`), upper or lower case. Braces, a
//! `urn:uuid:` prefix or 32 digits without hyphens are other spellings of a UUID that the
//! `uuid` crate reads, but not OData's.

use std::fmt;

use uuid::Uuid;

/// Length of the hyphenated form.
const LEN: usize = 36;
/// Where the hyphens are.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

/// Why a text is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GuidError {
    /// Where the problem is (0-based, in characters).
    pub(crate) position: usize,
    /// What is wrong there.
    pub(crate) message: &'static str,
}

impl fmt::Display for GuidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for GuidError {}

/// Parses a GUID in OData's 8-4-4-4-12 form.
pub(crate) fn parse(text: &str) -> Result<Uuid, GuidError> {
    let error = |position, message| Err(GuidError { position, message });
    let mut count = 0;
    for (i, c) in text.chars().enumerate() {
        count = i + 1;
        if i >= LEN {
            return error(i, "a GUID has 36 characters, this one more");
        }
        if HYPHENS.contains(&i) {
            if c != '-' {
                return error(i, "expected '-' (a GUID is 8-4-4-4-12 hexadecimal digits)");
            }
        } else if !c.is_ascii_hexdigit() {
            return error(i, "expected a hexadecimal digit");
        }
    }
    if count < LEN {
        return error(count, "the GUID ends early (a GUID is 8-4-4-4-12 hexadecimal digits)");
    }
    // The shape is checked: 36 ASCII characters the uuid crate reads.
    Uuid::try_parse(text).or_else(|_| error(0, "not a GUID"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid() {
        for s in [
            "3179e48a-750b-4051-897c-87b9720928f7",
            "3179E48A-750B-4051-897C-87B9720928F7",
            "3179e48a-750B-4051-897c-87b9720928F7",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "00000003-0000-0000-c000-000000000000",
        ] {
            let u = parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(u.to_string(), s.to_ascii_lowercase());
        }
        assert_eq!(parse("00000000-0000-0000-0000-000000000000").unwrap(), Uuid::nil());
    }

    #[test]
    fn invalid() {
        for (s, at) in [
            ("", 0),
            ("3179e48a", 8),
            ("3179e48a-750b-4051-897c-87b9720928f", 35),
            ("3179e48a-750b-4051-897c-87b9720928f7a", 36),
            ("3179e48a-750b-4051-897c-87b9720928f7 ", 36),
            (" 3179e48a-750b-4051-897c-87b9720928f7", 0),
            ("3179e48a750b4051897c87b9720928f7", 8),
            ("{3179e48a-750b-4051-897c-87b9720928f7}", 0),
            ("urn:uuid:3179e48a-750b-4051-897c-87b9720928f7", 0),
            ("3179e48a-750b-4051-897c_87b9720928f7", 23),
            ("3179e48a-750b-4051-897c-87b9720928g7", 34),
            ("3179e48a-750b-4051-897-c87b9720928f7", 22),
            ("3179e48a-750b-4051-897c-87b9720928ｆ7", 34),
            ("not a guid", 0),
        ] {
            match parse(s) {
                Err(e) => {
                    assert_eq!(e.position, at, "{s:?}: {e}");
                    assert!(e.to_string().ends_with(&format!("at position {at}")), "{e}");
                }
                Ok(u) => panic!("{s:?} was accepted as {u}"),
            }
        }
    }
}
