//! The form bodies of the token endpoints.

use std::collections::HashMap;

use hyper::StatusCode;

use crate::errors::AadError;

/// A parsed form body.
pub(super) type Form = HashMap<String, String>;

/// The `application/x-www-form-urlencoded` body of a token request.
pub(super) fn parse_form(content_type: Option<&str>, body: &[u8]) -> Result<Form, AadError> {
    let ok = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
        .unwrap_or(false);
    if !ok {
        return Err(missing("grant_type"));
    }
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        out.insert(k.into_owned(), v.into_owned());
    }
    Ok(out)
}

/// The error for a missing parameter.
pub(super) fn missing(param: &str) -> AadError {
    AadError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

/// A parameter that must be present and non-empty.
pub(super) fn required<'a>(form: &'a Form, name: &str) -> Result<&'a str, AadError> {
    form.get(name).map(String::as_str).filter(|s| !s.is_empty()).ok_or_else(|| missing(name))
}
