//! Checking request bodies (and seed entities) against the schema: the concrete type from
//! `@odata.type`, known properties only, primitive value types, `@odata.bind` references and
//! nested contained entities.
//!
//! Unknown properties are rejected with 400 (as Graph does for its non-open entity types);
//! `@`-annotations are accepted and ignored, except `nav@odata.bind`.

use serde_json::{Map, Value};

use crate::errors::{truncate, GraphError};
use crate::router;
use crate::schema::{Navigation, TypeIndex, SCHEMA};
use crate::validate::{datetime, guid};

/// A request body split into its parts.
#[derive(Debug, Default)]
pub(crate) struct Body {
    /// Structural properties, checked.
    pub(crate) props: Map<String, Value>,
    /// `nav@odata.bind` values: the navigation and the URLs.
    pub(crate) binds: Vec<(&'static Navigation, Vec<String>)>,
    /// Contained navigation values (seed data only; requests get 501 for deep insert).
    pub(crate) nested: Vec<(&'static Navigation, Value)>,
}

pub(crate) fn type_name(ty: TypeIndex) -> &'static str {
    SCHEMA.entity_type_at(ty).map_or("?", |t| t.name)
}

/// Whether `ty` is a directory object (a user, group, ...).
pub(crate) fn is_directory(ty: TypeIndex) -> bool {
    SCHEMA.entity_type("microsoft.graph.directoryObject").is_some_and(|(d, _)| SCHEMA.is_a(ty, d))
}

/// The concrete type of a new entity: `@odata.type` if given (it must be `expected` or derive
/// from it), else `expected`; abstract types cannot be created.
pub(crate) fn concrete_type(body: &Map<String, Value>, expected: TypeIndex) -> Result<TypeIndex, GraphError> {
    let ty = match body.get("@odata.type") {
        None => expected,
        Some(Value::String(name)) => {
            let Some(t) = router::entity_type(name.strip_prefix('#').unwrap_or(name)) else {
                return Err(GraphError::bad_request(format!(
                    "A type named '{}' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.",
                    truncate(name, 100)
                )));
            };
            if !SCHEMA.is_a(t, expected) {
                return Err(GraphError::bad_request(format!(
                    "The type '{}' is not compatible with the type '{}' expected here.",
                    type_name(t),
                    type_name(expected)
                )));
            }
            t
        }
        Some(_) => return Err(GraphError::bad_request("The value of '@odata.type' must be a string.")),
    };
    if SCHEMA.entity_type_at(ty).is_some_and(|t| t.is_abstract) {
        return Err(GraphError::bad_request(format!(
            "Cannot create an instance of the abstract type '{}': send '@odata.type' with a concrete derived type.",
            type_name(ty)
        )));
    }
    Ok(ty)
}

/// Splits and checks a body against `ty`.
pub(crate) fn check_body(ty: TypeIndex, body: &Map<String, Value>) -> Result<Body, GraphError> {
    let mut out = Body::default();
    for (key, value) in body {
        if key.starts_with('@') {
            continue; // instance annotations (@odata.type, @odata.context, ...)
        }
        if let Some((prop, annotation)) = key.split_once('@') {
            if annotation == "odata.bind" {
                let Some(nav) = router::navigation(ty, prop) else {
                    return Err(unknown_property(prop, ty));
                };
                if nav.contains_target {
                    return Err(GraphError::bad_request(format!(
                        "'{prop}@odata.bind' is only valid for navigation properties that are not contained."
                    )));
                }
                let urls = match (value, nav.collection) {
                    (Value::String(s), false) => vec![s.clone()],
                    (Value::Array(items), true) => {
                        items.iter().map(|v| v.as_str().map(String::from)).collect::<Option<Vec<_>>>().ok_or_else(
                            || GraphError::bad_request(format!("'{prop}@odata.bind' must be an array of URLs.")),
                        )?
                    }
                    _ => {
                        return Err(GraphError::bad_request(format!(
                            "'{prop}@odata.bind' must be {}.",
                            if nav.collection { "an array of URLs" } else { "a URL" }
                        )))
                    }
                };
                out.binds.push((nav, urls));
            }
            continue; // other property annotations are ignored
        }
        if let Some((name, edm)) = router::property(ty, key) {
            check_value(name, edm, value)?;
            out.props.insert(name.to_string(), value.clone());
            continue;
        }
        if let Some(nav) = router::navigation(ty, key) {
            out.nested.push((nav, value.clone()));
            continue;
        }
        return Err(unknown_property(key, ty));
    }
    Ok(out)
}

fn unknown_property(name: &str, ty: TypeIndex) -> GraphError {
    GraphError::bad_request(format!(
        "The property '{}' does not exist on type '{}'. Make sure to only use property names that are defined by the type.",
        truncate(name, 100),
        type_name(ty)
    ))
}

fn invalid(name: &str, edm: &str, expected: &str) -> GraphError {
    GraphError::bad_request(format!("Invalid value for property '{name}' of type '{edm}': expected {expected}."))
}

/// A check of a string-encoded value: `Err` says what is wrong and where.
type TextCheck = fn(&str) -> Result<(), String>;

/// The string-encoded types the emulator checks: the expected form, in words, and the check.
fn text_format(edm: &str) -> Option<(&'static str, TextCheck)> {
    let format: (&str, TextCheck) = match edm {
        "Edm.DateTimeOffset" => ("an RFC 3339 date and time such as 2024-01-31T10:00:00Z", |s| {
            datetime::date_time_offset(s).map(drop).map_err(|e| e.to_string())
        }),
        "Edm.Date" => ("a date such as 2024-01-31", |s| datetime::date(s).map(drop).map_err(|e| e.to_string())),
        "Edm.TimeOfDay" => {
            ("a time of day such as 10:00:00", |s| datetime::time_of_day(s).map(drop).map_err(|e| e.to_string()))
        }
        "Edm.Guid" => ("a GUID such as 01234567-89ab-cdef-0123-456789abcdef", |s| {
            guid::parse(s).map(drop).map_err(|e| e.to_string())
        }),
        _ => return None,
    };
    Some(format)
}

/// Checks a JSON value against an Edm type name (`Edm.String`, `Collection(Edm.Guid)`,
/// `microsoft.graph.x`).
pub(crate) fn check_value(name: &str, edm: &str, value: &Value) -> Result<(), GraphError> {
    if value.is_null() {
        return Ok(());
    }
    if let Some(inner) = edm.strip_prefix("Collection(").and_then(|s| s.strip_suffix(')')) {
        let Value::Array(items) = value else { return Err(invalid(name, edm, "an array")) };
        for item in items {
            check_value(name, inner, item)?;
        }
        return Ok(());
    }
    if let Some((expected, check)) = text_format(edm) {
        let Some(text) = value.as_str() else { return Err(invalid(name, edm, expected)) };
        return check(text).map_err(|why| {
            GraphError::bad_request(format!(
                "Invalid value for property '{name}' of type '{edm}': expected {expected} ({why})."
            ))
        });
    }
    let ok = match edm {
        "Edm.String" => value.is_string(),
        "Edm.Boolean" => value.is_boolean(),
        "Edm.Byte" | "Edm.SByte" | "Edm.Int16" | "Edm.Int32" => value.is_i64() || value.is_u64(),
        "Edm.Int64" => value.is_i64() || value.is_u64() || value.as_str().is_some_and(|s| s.parse::<i64>().is_ok()),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => {
            value.is_number() || value.as_str().is_some_and(|s| matches!(s, "NaN" | "INF" | "-INF"))
        }
        "Edm.Duration" | "Edm.Binary" | "Edm.Stream" => value.is_string(),
        "Edm.Untyped" | "microsoft.graph.Json" => true,
        // Enum (string) or complex (object) types: the schema does not say which.
        _ => value.is_string() || value.is_object(),
    };
    if ok {
        return Ok(());
    }
    let expected = match edm {
        "Edm.String" => "a string",
        "Edm.Boolean" => "a boolean",
        "Edm.Byte" | "Edm.SByte" | "Edm.Int16" | "Edm.Int32" | "Edm.Int64" => "an integer",
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => "a number",
        _ if edm.starts_with("Edm.") => "a string",
        _ => "an enum member name or a complex object",
    };
    Err(invalid(name, edm, expected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ty(name: &str) -> TypeIndex {
        SCHEMA.entity_type(name).map(|(i, _)| i).unwrap()
    }

    #[test]
    fn concrete_types() {
        let base = ty("microsoft.graph.authenticationMethod");
        let phone = ty("microsoft.graph.phoneAuthenticationMethod");
        let m = json!({"@odata.type": "#microsoft.graph.phoneAuthenticationMethod"});
        assert_eq!(concrete_type(m.as_object().unwrap(), base).unwrap(), phone);
        assert!(concrete_type(&Map::new(), base).unwrap_err().message.contains("abstract"));
        let m = json!({"@odata.type": "#microsoft.graph.user"});
        assert!(concrete_type(m.as_object().unwrap(), base).unwrap_err().message.contains("not compatible"));
        let m = json!({"@odata.type": "#microsoft.graph.nope"});
        assert!(concrete_type(m.as_object().unwrap(), base).unwrap_err().message.contains("could not be resolved"));
    }

    #[test]
    fn bodies() {
        let user = ty("microsoft.graph.user");
        let b = json!({
            "displayName": "x", "accountEnabled": true, "@odata.type": "#microsoft.graph.user",
            "businessPhones": ["1"], "passwordProfile": {"password": "p"},
            "manager@odata.bind": "https://graph.microsoft.com/v1.0/users/abc",
            "memberOf@odata.bind": ["groups/g"], "displayName@odata.etag": "x"
        });
        let body = check_body(user, b.as_object().unwrap()).unwrap();
        assert_eq!(body.props.len(), 4);
        assert_eq!(body.binds.len(), 2);
        let err = |v: Value| check_body(user, v.as_object().unwrap()).unwrap_err().message;
        assert!(err(json!({"foo": 1})).contains("The property 'foo' does not exist on type 'microsoft.graph.user'"));
        assert!(err(json!({"accountEnabled": "yes"})).contains("expected a boolean"));
        assert!(err(json!({"businessPhones": "1"})).contains("expected an array"));
        assert!(err(json!({"businessPhones": [1]})).contains("expected a string"));
        assert!(err(json!({"createdDateTime": "yesterday"})).contains("RFC 3339"));
        assert!(err(json!({"manager@odata.bind": ["a"]})).contains("must be a URL"));
        assert!(err(json!({"authentication@odata.bind": "a"})).contains("not contained"));
        let ok = json!({"employeeHireDate": "2024-01-01T00:00:00Z", "accountEnabled": null});
        assert!(check_body(user, ok.as_object().unwrap()).is_ok());
    }

    #[test]
    fn text_formats_are_checked_with_the_reason() {
        let check =
            |t: &str, body: Value| check_body(ty(t), body.as_object().unwrap()).map(drop).map_err(|e| e.message);
        let assignment = "microsoft.graph.appRoleAssignment";
        assert!(check(assignment, json!({"principalId": "3179E48A-750b-4051-897c-87b9720928f7"})).is_ok());
        let e = check(assignment, json!({"principalId": "{3179e48a-750b-4051-897c-87b9720928f7}"})).unwrap_err();
        assert!(e.contains("of type 'Edm.Guid': expected a GUID such as") && e.ends_with("at position 0)."), "{e}");
        let image = "microsoft.graph.cloudPcGalleryImage";
        assert!(check(image, json!({"startDate": "2024-02-29", "endDate": null})).is_ok());
        let e = check(image, json!({"startDate": "2023-02-29"})).unwrap_err();
        assert!(e.ends_with("expected a date such as 2024-01-31 (2023-02 has no day 29 at position 8)."), "{e}");
        let e = check(image, json!({"startDate": "2024-02-29T00:00:00Z"})).unwrap_err();
        assert!(e.contains("unexpected character 'T' at position 10"), "{e}");
        let e = check(image, json!({"startDate": 20240229})).unwrap_err();
        assert!(e.ends_with("expected a date such as 2024-01-31."), "{e}");
        let ios = "microsoft.graph.iosUpdateConfiguration";
        assert!(check(ios, json!({"activeHoursStart": "08:30:00", "activeHoursEnd": "17:00"})).is_ok());
        let e = check(ios, json!({"activeHoursStart": "8:30"})).unwrap_err();
        assert!(e.contains("'Edm.TimeOfDay': expected a time of day"), "{e}");
        let user = "microsoft.graph.user";
        assert!(check(user, json!({"createdDateTime": "2024-01-31T10:00:00.1234567+01:00"})).is_ok());
        let e = check(user, json!({"createdDateTime": "2024-01-31T10:00:00"})).unwrap_err();
        assert!(e.contains("expected 'Z' or an offset such as +01:00 after the time at position 19"), "{e}");
    }
}
