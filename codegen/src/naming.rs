//! Every Rust name the generator produces is computed here, and only here.
//!
//! Rules (also in README.md, pinned by tests):
//! * Namespace `microsoft.graph` → module `models`; `microsoft.graph.x.y` → `models::x::y` with each
//!   segment in snake_case (`callRecords` → `call_records`). Other roots keep all segments.
//! * Types: heck UpperCamelCase of the CSDL name (`oAuth2PermissionGrant` → `OAuth2PermissionGrant`).
//! * Fields: heck snake_case; Rust keywords become raw identifiers (`type` → `r#type`) except
//!   `self`, `Self`, `super`, `crate` (and `_`), which get a trailing `_`.
//! * Enum members: UpperCamelCase; the catch-all variant is [`UNKNOWN_VARIANT`].
//! * Collisions after conversion (compared case-insensitively, inside one module, one struct or
//!   one enum, including names reserved by the generator) keep the first name in document order
//!   and give later ones the suffix `2`, `3`, … (`_2` for snake_case names). The doc comment of
//!   a renamed item says so, and the wire name is always kept for JSON.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The catch-all variant of every generated enum: holds a member the schema does not know.
pub const UNKNOWN_VARIANT: &str = "Unrecognized";

/// The field holding unknown properties and annotations in every generated struct.
pub const ADDITIONAL_DATA_FIELD: &str = "additional_data";

/// The namespace that maps to `models` itself.
pub const ROOT_NAMESPACE: &str = "microsoft.graph";

/// Strict keywords and reserved words of Rust 2021 (plus 2024's `gen`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Whether `s` is a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` is a valid OData SimpleIdentifier as this generator accepts it:
/// `[A-Za-z_][A-Za-z0-9_]*`, at most 128 characters.
pub fn is_valid_csdl_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    s.len() <= 128 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Module path segments for a namespace.
pub fn module_path(namespace: &str) -> Vec<String> {
    let rest = if namespace == ROOT_NAMESPACE {
        ""
    } else if let Some(r) = namespace.strip_prefix("microsoft.graph.") {
        r
    } else {
        namespace
    };
    rest.split('.').filter(|s| !s.is_empty()).map(|s| escape_module(&s.to_snake_case())).collect()
}

fn escape_module(s: &str) -> String {
    if is_keyword(s) || s == "models" {
        format!("{s}_")
    } else {
        s.to_string()
    }
}

/// The Rust type name for a CSDL type name (before collision handling).
pub fn type_name(csdl: &str) -> String {
    let n = csdl.to_upper_camel_case();
    if n == "Self" || n.is_empty() {
        format!("{n}_")
    } else {
        n
    }
}

/// The name of the polymorphic wrapper enum of a base type.
pub fn kind_name(type_rust_name: &str) -> String {
    format!("{type_rust_name}Kind")
}

/// The Rust field name for a CSDL property name (before collision handling); may be a raw
/// identifier such as `r#type`.
pub fn field_name(csdl: &str) -> String {
    let n = csdl.to_snake_case();
    if NOT_RAW.contains(&n.as_str()) || n.is_empty() {
        format!("{n}_")
    } else if is_keyword(&n) {
        format!("r#{n}")
    } else {
        n
    }
}

/// The Rust variant name for an enum member (before collision handling).
pub fn variant_name(csdl: &str) -> String {
    type_name(csdl)
}

/// The file name (without `.rs`) of the file holding a type: `_` + snake_case of its Rust
/// name, so it can never clash with a sub-namespace module.
pub fn type_file_stem(rust_name: &str) -> String {
    format!("_{}", rust_name.to_snake_case())
}

/// Hands out names unique within one scope (compared ASCII case-insensitively), applying the
/// numeric suffix rule.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Scope {
        let mut s = Scope::new();
        for r in reserved {
            s.taken.insert(key(r));
        }
        s
    }

    /// Claims `wanted`, or the first free suffixed variant. Returns the name and whether it
    /// had to be changed.
    pub fn claim(&mut self, wanted: &str, snake: bool) -> (String, bool) {
        if self.taken.insert(key(wanted)) {
            return (wanted.to_string(), false);
        }
        let base = wanted.strip_prefix("r#").unwrap_or(wanted).trim_end_matches('_');
        let mut n = 2;
        loop {
            let candidate = if snake { format!("{base}_{n}") } else { format!("{base}{n}") };
            if self.taken.insert(key(&candidate)) {
                return (candidate, true);
            }
            n += 1;
        }
    }
}

fn key(name: &str) -> String {
    name.strip_prefix("r#").unwrap_or(name).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules() {
        assert!(module_path("microsoft.graph").is_empty());
        assert_eq!(module_path("microsoft.graph.security"), ["security"]);
        assert_eq!(module_path("microsoft.graph.callRecords"), ["call_records"]);
        assert_eq!(module_path("microsoft.graph.partners.billing"), ["partners", "billing"]);
        assert_eq!(module_path("microsoft.graph.externalConnectors"), ["external_connectors"]);
        assert_eq!(module_path("Contoso.Sales"), ["contoso", "sales"]);
    }

    #[test]
    fn types() {
        assert_eq!(type_name("phoneAuthenticationMethod"), "PhoneAuthenticationMethod");
        assert_eq!(type_name("oAuth2PermissionGrant"), "OAuth2PermissionGrant");
        assert_eq!(type_name("Dictionary"), "Dictionary");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(kind_name("AuthenticationMethod"), "AuthenticationMethodKind");
        assert_eq!(type_file_stem("OAuth2PermissionGrant"), "_o_auth2_permission_grant");
    }

    #[test]
    fn fields() {
        assert_eq!(field_name("phoneNumber"), "phone_number");
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("move"), "r#move");
        assert_eq!(field_name("final"), "r#final");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("Self"), "self_");
        assert_eq!(field_name("super"), "super_");
        assert_eq!(field_name("crate"), "crate_");
        assert_eq!(field_name("smsSignInState"), "sms_sign_in_state");
        assert_eq!(field_name("id"), "id");
    }

    #[test]
    fn variants() {
        assert_eq!(variant_name("alternateMobile"), "AlternateMobile");
        assert_eq!(variant_name("remote_Control_Software"), "RemoteControlSoftware");
        assert_eq!(variant_name("unknownFutureValue"), "UnknownFutureValue");
    }

    #[test]
    fn collisions_get_suffixes() {
        let mut s = Scope::with_reserved(&[UNKNOWN_VARIANT]);
        assert_eq!(s.claim("RemoteControlSoftware", false), ("RemoteControlSoftware".into(), false));
        assert_eq!(s.claim("RemoteControlSoftware", false), ("RemoteControlSoftware2".into(), true));
        assert_eq!(s.claim("Unrecognized", false), ("Unrecognized2".into(), true));
        let mut f = Scope::with_reserved(&[ADDITIONAL_DATA_FIELD]);
        assert_eq!(f.claim("self_", true), ("self_".into(), false));
        assert_eq!(f.claim("self_", true), ("self_2".into(), true));
        assert_eq!(f.claim("additional_data", true), ("additional_data_2".into(), true));
        assert_eq!(f.claim("r#type", true), ("r#type".into(), false));
        assert_eq!(f.claim("r#type", true), ("type_2".into(), true));
        let mut t = Scope::new();
        assert_eq!(t.claim("Dictionary", false).0, "Dictionary");
        assert_eq!(t.claim("DICTIONARY", false).0, "DICTIONARY2");
    }

    #[test]
    fn identifiers() {
        assert!(is_valid_csdl_identifier("phoneNumber"));
        assert!(is_valid_csdl_identifier("_x1"));
        assert!(!is_valid_csdl_identifier("9lives"));
        assert!(!is_valid_csdl_identifier("a-b"));
        assert!(!is_valid_csdl_identifier(""));
    }
}
