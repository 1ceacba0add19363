//! Checks for the `decode_user` and `decode_auth_methods` targets: JSON → generated models.
//!
//! Shared by the fuzz targets and by `crates/msgraph/tests/fuzz_regressions.rs` (included there
//! with `#[path]`, with `round_trip.rs`).

use msgraph::models::{AuthenticationMethodKind, User};
use msgraph::{DeltaPage, Page};

use crate::round_trip::round_trip;

/// What a well-behaved decode gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Decoded; the compact encoding of what was decoded.
    Decoded(String),
    /// Rejected with this decode error (`at $.path (byte n): message`).
    Rejected(String),
}

/// Bytes → `User`, with the round trip and the request-body form checked.
pub fn check_user(data: &[u8]) -> Result<Outcome, String> {
    let user = match msgraph::json::from_slice::<User>(data) {
        Ok(u) => u,
        Err(e) => return Ok(Outcome::Rejected(e.to_string())),
    };
    let (once, _) = round_trip(&user, "User")?;
    let body = msgraph::model::to_request_body(&user);
    serde_json::from_str::<serde_json::Value>(&body).map_err(|e| format!("request body is not JSON ({e}): {body}"))?;
    msgraph::json::from_str::<User>(&body)
        .map_err(|e| format!("request body does not decode as a User ({e}): {body}"))?;
    let _ = format!("{user:?}");
    Ok(Outcome::Decoded(once))
}

/// Bytes → `Page<AuthenticationMethodKind>` (what `GET /me/authentication/methods` decodes
/// to), with the round trip, variant stability per item, and the same bytes as a `DeltaPage`.
pub fn check_auth_methods(data: &[u8]) -> Result<Outcome, String> {
    if let Ok(page) = msgraph::json::from_slice::<DeltaPage<AuthenticationMethodKind>>(data) {
        let once = msgraph::json::to_string(&page);
        msgraph::json::from_str::<DeltaPage<AuthenticationMethodKind>>(&once)
            .map_err(|e| format!("a decoded delta page encodes to JSON that does not decode ({e}): {once}"))?;
    }
    let page = match msgraph::json::from_slice::<Page<AuthenticationMethodKind>>(data) {
        Ok(p) => p,
        Err(e) => return Ok(Outcome::Rejected(e.to_string())),
    };
    let (once, again) = round_trip(&page, "page")?;
    if page.next_link() != again.next_link() || page.count() != again.count() || page.value.len() != again.value.len() {
        return Err(format!("page links or length changed in a round trip: {once}"));
    }
    for (a, b) in page.value.iter().zip(&again.value) {
        if a.odata_type() != b.odata_type() {
            return Err(format!("an item changed from {} to {} in a round trip", a.odata_type(), b.odata_type()));
        }
        let item = msgraph::json::to_string(a);
        let alone = msgraph::json::from_str::<AuthenticationMethodKind>(&item)
            .map_err(|e| format!("an item encodes to JSON that does not decode ({e}): {item}"))?;
        if alone.odata_type() != a.odata_type() {
            return Err(format!(
                "an item decodes alone as {} instead of {}: {item}",
                alone.odata_type(),
                a.odata_type()
            ));
        }
    }
    Ok(Outcome::Decoded(once))
}
