//! [`EdmParseError`], the one parse error of every Edm type.

use std::borrow::Cow;
use std::fmt;

/// Maximum number of characters of the offending input kept in an [`EdmParseError`].
const MAX_ERROR_INPUT_CHARS: usize = 64;

/// Error returned when text is not a valid value of an `Edm` primitive type.
///
/// Displays as `invalid <Edm type> "<input>": <reason>`; inputs longer than
/// 64 characters are truncated (and marked with `...`).
///
/// ```
/// use msgraph_codec::edm::DateTimeOffset;
///
/// let err = "2021-13-01T00:00:00Z".parse::<DateTimeOffset>().unwrap_err();
/// assert_eq!(err.type_name(), "Edm.DateTimeOffset");
/// assert_eq!(err.reason(), "month out of range");
/// assert_eq!(
///     err.to_string(),
///     r#"invalid Edm.DateTimeOffset "2021-13-01T00:00:00Z": month out of range"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdmParseError {
    type_name: &'static str,
    input: String,
    truncated: bool,
    reason: Cow<'static, str>,
}

impl EdmParseError {
    /// Creates an error for `input` (kept truncated to 64 characters) that is
    /// not a valid `type_name` (e.g. `"Edm.Date"`) because of `reason`.
    pub fn new(type_name: &'static str, input: &str, reason: impl Into<Cow<'static, str>>) -> Self {
        let mut chars = input.char_indices();
        let (input, truncated) = match chars.nth(MAX_ERROR_INPUT_CHARS) {
            Some((cut, _)) => (input.get(..cut).unwrap_or_default().to_owned(), true),
            None => (input.to_owned(), false),
        };
        EdmParseError { type_name, input, truncated, reason: reason.into() }
    }

    /// The Edm type name, e.g. `"Edm.DateTimeOffset"`.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The rejected input, truncated to its first 64 characters.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Whether [`input`](Self::input) was truncated.
    pub fn is_input_truncated(&self) -> bool {
        self.truncated
    }

    /// Why the input was rejected, e.g. `"month out of range"`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for EdmParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} \"{}{}\": {}",
            self.type_name,
            self.input.escape_debug(),
            if self.truncated { "..." } else { "" },
            self.reason
        )
    }
}

impl std::error::Error for EdmParseError {}
