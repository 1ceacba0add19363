//! Every Rust name the generator produces is computed here, and only here.
//!
//! Rules (also in README.md, pinned by tests):
//! * Namespace `microsoft.graph` → module `models`; `microsoft.graph.x.y` → `models::x::y` with each
//!   segment in snake_case (`callRecords` → `call_records`). Other roots keep all segments.
//! * Words: a CSDL name is split into words where its case changes (heck's rule), except that
//!   the spellings in [`ACRONYMS`] are one word each, so `cloudPCs` is `cloud_pcs` (not
//!   `cloud_p_cs`), `ioTHub` is `iot_hub`, `oAuth2PermissionGrant` is `oauth2_permission_grant`.
//! * Types: UpperCamelCase of the words, an acronym being one word like any other (as in Rust's
//!   own `Uuid` or `Ipv4Addr`): `oAuth2PermissionGrant` → `Oauth2PermissionGrant`, `IPv4Range` →
//!   `Ipv4Range`, `phoneAuthenticationMethod` → `PhoneAuthenticationMethod`.
//! * Fields, modules, methods, file names: snake_case of the words; Rust keywords become raw
//!   identifiers (`type` → `r#type`) except `self`, `Self`, `super`, `crate` (and `_`), which get
//!   a trailing `_`.
//! * Enum members: UpperCamelCase; the catch-all variant is [`UNKNOWN_VARIANT`].
//! * Builders: the item builder of entity type `T` is `TBuilder` ([`item_builder_name`]), its
//!   collection builder `TCollectionBuilder` ([`collection_builder_name`]). A builder never takes
//!   the name of a model of any namespace: when a candidate is taken (by a model of any namespace, or by another builder, e.g. the item builder of an
//!   entity `fooCollection` against the collection builder of `foo`) the next of
//!   [`item_builder_names`] / [`collection_builder_names`] is used; collection builders claim
//!   their names before item builders.
//! * Overloads (operations sharing a method name on one builder, or an operation named like a
//!   method the builder always has, such as `delete` or `count`): see `overload_names`; never a
//!   number.
//! * Other collisions after conversion (compared case-insensitively, inside one module, one
//!   struct or one enum, including names reserved by the generator) keep the first name in
//!   document order and give later ones the suffix `2`, `3`, … (`_2` for snake_case names). The
//!   doc comment of a renamed item says so, and the wire name is always kept for JSON. The v1.0
//!   metadata has two, both between names of the CSDL itself (`remote_Control_Software` next to
//!   `remoteControlSoftware`; `security.alert`'s property `additionalData`), and a test pins that
//!   there are no others.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The catch-all variant of every generated enum: holds a member the schema does not know.
pub const UNKNOWN_VARIANT: &str = "Unrecognized";

/// The field holding unknown properties and annotations in every generated struct.
pub const ADDITIONAL_DATA_FIELD: &str = "additional_data";

/// The field of a derived struct that holds its base type (the struct derefs to it).
pub const BASE_FIELD: &str = "base";

/// Field names the generator uses itself; a CSDL property converting to one of them gets a
/// trailing `_` (`base` → `base_`), like the keywords that cannot be raw identifiers.
const GENERATOR_FIELDS: &[&str] = &[BASE_FIELD, ADDITIONAL_DATA_FIELD];

/// The namespace that maps to `models` itself.
pub const ROOT_NAMESPACE: &str = "microsoft.graph";

/// Spellings that are one word although their case changes inside (`PCs`, `IoT`, `iPhone`),
/// and the word each becomes (capitalised as heck would write it). A spelling matches at the
/// start of a word (the start of the name, after `_`, or an upper-case letter after a character
/// that is not upper-case), comparing its first letter in either case, and ends where a new word
/// starts (the end, `_`, a digit or an upper-case letter that is not inside a longer upper-case
/// run: `SPOSite` keeps `SPO` whole).
pub const ACRONYMS: &[(&str, &str)] = &[
    ("AAGUIDs", "Aaguids"),
    ("ActiveX", "Activex"),
    ("AppX", "Appx"),
    ("EBook", "Ebook"),
    ("EBooks", "Ebooks"),
    ("ESignature", "Esignature"),
    ("GHz", "Ghz"),
    ("iBooks", "Ibooks"),
    ("iCal", "Ical"),
    ("iCloud", "Icloud"),
    ("iOS", "Ios"),
    ("iosiPadOS", "IosIpadOs"),
    ("iPad", "Ipad"),
    ("iPhone", "Iphone"),
    ("iPod", "Ipod"),
    ("iTunes", "Itunes"),
    ("IoT", "Iot"),
    ("IPs", "Ips"),
    ("IPv4", "Ipv4"),
    ("IPv6", "Ipv6"),
    ("m365D", "M365d"),
    ("mDASH", "Mdash"),
    ("MHz", "Mhz"),
    ("OAuth", "Oauth"),
    ("OData", "Odata"),
    ("OIDs", "Oids"),
    ("OSversion", "OsVersion"),
    ("PCs", "Pcs"),
    ("sP", "Sp"),
    ("TTPs", "Ttps"),
    ("UId", "Uid"),
    ("vCpu", "Vcpu"),
    ("VNet", "Vnet"),
    ("aISpan", "AiSpan"),
];

/// Rewrites the spellings of [`ACRONYMS`] in a CSDL name so heck sees each as one word
/// (`cloudPCs` → `cloudPcs`, `iPhoneAndIPod` → `iphoneAndIpod`).
pub fn words(csdl: &str) -> String {
    let chars: Vec<char> = csdl.chars().collect();
    let mut out = String::with_capacity(csdl.len());
    let mut i = 0;
    'outer: while i < chars.len() {
        let c = chars[i];
        let starts_word =
            i == 0 || chars[i - 1] == '_' || (c.is_ascii_uppercase() && !chars[i - 1].is_ascii_uppercase());
        if starts_word {
            for (spelling, word) in ACRONYMS {
                let sp: Vec<char> = spelling.chars().collect();
                let Some(text) = chars.get(i..i + sp.len()) else { continue };
                if !text[0].eq_ignore_ascii_case(&sp[0]) || text[1..] != sp[1..] {
                    continue;
                }
                let ends_word =
                    chars.get(i + sp.len()).is_none_or(|n| *n == '_' || n.is_ascii_digit() || n.is_ascii_uppercase());
                let run_goes_on = sp.last().is_some_and(char::is_ascii_uppercase)
                    && chars.get(i + sp.len()).is_some_and(char::is_ascii_uppercase)
                    && chars.get(i + sp.len() + 1).is_none_or(|n| n.is_ascii_uppercase() || n.is_ascii_digit());
                if !ends_word || run_goes_on {
                    continue;
                }
                let mut w = word.chars();
                if let Some(first) = w.next() {
                    out.push(if c.is_ascii_uppercase() {
                        first.to_ascii_uppercase()
                    } else {
                        first.to_ascii_lowercase()
                    });
                }
                out.extend(w);
                i += sp.len();
                continue 'outer;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// snake_case of a CSDL name, acronyms kept whole.
pub fn snake(csdl: &str) -> String {
    words(csdl).to_snake_case()
}

/// UpperCamelCase of a CSDL name, acronyms kept whole.
pub fn camel(csdl: &str) -> String {
    words(csdl).to_upper_camel_case()
}

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
    rest.split('.').filter(|s| !s.is_empty()).map(|s| escape_module(&snake(s))).collect()
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
    let n = camel(csdl);
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
    let n = snake(csdl);
    if NOT_RAW.contains(&n.as_str()) || GENERATOR_FIELDS.contains(&n.as_str()) || n.is_empty() {
        format!("{n}_")
    } else if is_keyword(&n) {
        format!("r#{n}")
    } else {
        n
    }
}

/// The downcast methods of a `…Kind` variant: `as_agent_user` and `into_agent_user` for
/// `AgentUser`.
pub fn downcast_names(variant_rust_name: &str) -> (String, String) {
    let snake = variant_rust_name.to_snake_case();
    (format!("as_{snake}"), format!("into_{snake}"))
}

/// The Rust variant name for an enum member (before collision handling).
pub fn variant_name(csdl: &str) -> String {
    type_name(csdl)
}

/// The candidate names of the item builder of an entity type, best first: `TBuilder`, then
/// `TItemBuilder`, `TEntityBuilder`.
pub fn item_builder_names(type_rust_name: &str) -> [String; 3] {
    [
        format!("{type_rust_name}Builder"),
        format!("{type_rust_name}ItemBuilder"),
        format!("{type_rust_name}EntityBuilder"),
    ]
}

/// The candidate names of the collection builder of an entity type, best first:
/// `TCollectionBuilder`, then `TSetBuilder`, `TListBuilder`.
pub fn collection_builder_names(type_rust_name: &str) -> [String; 3] {
    [
        format!("{type_rust_name}CollectionBuilder"),
        format!("{type_rust_name}SetBuilder"),
        format!("{type_rust_name}ListBuilder"),
    ]
}

/// The item builder name of an entity type when nothing clashes: `UserBuilder`.
pub fn item_builder_name(type_rust_name: &str) -> String {
    format!("{type_rust_name}Builder")
}

/// The collection builder name of an entity type when nothing clashes: `UserCollectionBuilder`.
pub fn collection_builder_name(type_rust_name: &str) -> String {
    format!("{type_rust_name}CollectionBuilder")
}

/// One claimant of a method name on a builder, as `overload_names` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overload {
    /// The CSDL names of its parameters (not the binding parameter).
    pub params: Vec<String>,
    /// Whether its arguments are a parameter struct (actions with three or more parameters).
    pub params_struct: bool,
    /// `"action"` or `"function"`.
    pub kind: &'static str,
    /// Namespace of the operation (for the last resort).
    pub namespace: String,
}

/// The method names of overloads: operations that want one snake_case name `base` on one
/// builder (operations of one name bound to a type and to its ancestors, an action and a
/// function of one name), maybe against a method the builder already has under that name (a
/// fixed one such as `delete` or `count`, or a navigation). Never a number:
/// * the method already there keeps `base`; otherwise the claimant with the fewest parameters
///   does (among equals, the first);
/// * another becomes `{base}_with_{p1}_and_{p2}…`, naming in snake_case the parameters that the
///   plain one lacks (`delta_with_token`, `delete_with_shift`, `image_with_width_and_height`);
/// * when there are none, the name is taken, or the claimant takes a parameter struct:
///   `{base}_{kind}` (`count_function`, `create_action`), then `{base}_{kind}_with_…`, then the
///   same with the operation's namespace in snake_case after the kind.
///
/// `taken` holds the names already used on the builder (compared case-insensitively); the result
/// is one name per claimant, in order.
pub fn overload_names(base: &str, claimants: &[Overload], taken: &mut Scope) -> Vec<String> {
    let mut out = vec![String::new(); claimants.len()];
    let existing = taken.is_taken(base);
    let plain = if existing { None } else { (0..claimants.len()).min_by_key(|&i| (claimants[i].params.len(), i)) };
    let no_params = Vec::new();
    let plain_params = plain.map_or(&no_params, |p| &claimants[p].params);
    if let Some(p) = plain {
        out[p] = taken.claim(base, true).0;
    }
    let stem = base.strip_prefix("r#").unwrap_or(base).trim_end_matches('_');
    for (i, c) in claimants.iter().enumerate() {
        if Some(i) == plain {
            continue;
        }
        let extra: Vec<String> = c.params.iter().filter(|p| !plain_params.contains(p)).map(|p| snake(p)).collect();
        let with = if extra.is_empty() { String::new() } else { format!("_with_{}", extra.join("_and_")) };
        let ns = snake(&c.namespace.replace('.', "_"));
        let kind = c.kind;
        let mut candidates = Vec::new();
        if !with.is_empty() && !c.params_struct {
            candidates.push(format!("{stem}{with}"));
        }
        candidates.push(format!("{stem}_{kind}"));
        candidates.push(format!("{stem}_{kind}{with}"));
        candidates.push(format!("{stem}_{kind}_{ns}{with}"));
        out[i] = match candidates.iter().find(|n| taken.try_claim(n)) {
            Some(n) => n.clone(),
            // Only for operations equal in namespace, kind and parameters, which the builder
            // never lists twice; kept total rather than panicking on odd input.
            None => taken.claim(&candidates[candidates.len() - 1], true).0,
        };
    }
    out
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

    /// Claims `wanted` if it is free; returns whether it was.
    pub fn try_claim(&mut self, wanted: &str) -> bool {
        self.taken.insert(key(wanted))
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(&key(name))
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
        assert_eq!(type_name("oAuth2PermissionGrant"), "Oauth2PermissionGrant");
        assert_eq!(type_name("IPv4Range"), "Ipv4Range");
        assert_eq!(type_name("ioTDeviceEvidence"), "IotDeviceEvidence");
        assert_eq!(type_name("iosVppEBook"), "IosVppEbook");
        assert_eq!(type_name("windowsUniversalAppXContainedApp"), "WindowsUniversalAppxContainedApp");
        assert_eq!(type_name("managedIOSLobApp"), "ManagedIosLobApp");
        assert_eq!(type_name("iOS"), "Ios");
        assert_eq!(type_name("Dictionary"), "Dictionary");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(kind_name("AuthenticationMethod"), "AuthenticationMethodKind");
        assert_eq!(type_file_stem(&type_name("oAuth2PermissionGrant")), "_oauth2_permission_grant");
        assert_eq!(type_file_stem(&type_name("IPv4Range")), "_ipv4_range");
        assert_eq!(item_builder_name("User"), "UserBuilder");
        assert_eq!(collection_builder_name("User"), "UserCollectionBuilder");
        assert_eq!(item_builder_names("User")[0], item_builder_name("User"));
        assert_eq!(collection_builder_names("User")[0], collection_builder_name("User"));
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
        assert_eq!(field_name("base"), "base_");
        assert_eq!(field_name("additionalData"), "additional_data_");
        for (csdl, rust) in [
            ("cloudPCs", "cloud_pcs"),
            ("ioTHub", "iot_hub"),
            ("ioTSecurityAgentId", "iot_security_agent_id"),
            ("externalIPs", "external_ips"),
            ("unsupportedOSversionDevices", "unsupported_os_version_devices"),
            ("minimumCpuSpeedInMHz", "minimum_cpu_speed_in_mhz"),
            ("frequency24GHz", "frequency24_ghz"),
            ("iCalUId", "ical_uid"),
            ("callTranscriptICalUid", "call_transcript_ical_uid"),
            ("iPhoneAndIPod", "iphone_and_ipod"),
            ("iCloudBlockBackup", "icloud_block_backup"),
            ("managedEBooks", "managed_ebooks"),
            ("enterpriseCloudPrintOAuthAuthority", "enterprise_cloud_print_oauth_authority"),
            ("similarTTPsOrBehavior", "similar_ttps_or_behavior"),
            ("allowedAAGUIDs", "allowed_aaguids"),
            ("vCpuCount", "vcpu_count"),
            ("sPBlockAnonymousAccess", "sp_block_anonymous_access"),
            ("iosiPadOSWebClip", "ios_ipad_os_web_clip"),
            ("iOSMobileApplicationManagement", "ios_mobile_application_management"),
            // Not acronyms: upper-case runs heck already keeps whole, and Excel's own names.
            ("SPOSite", "spo_site"),
            ("sizeInGB", "size_in_gb"),
            ("macOSLobApp", "mac_os_lob_app"),
            ("norm_S_Inv", "norm_s_inv"),
            ("eTag", "e_tag"),
        ] {
            assert_eq!(field_name(csdl), rust, "{csdl}");
        }
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

    fn claimant(params: &[&str], kind: &'static str) -> Overload {
        Overload {
            params: params.iter().map(|p| p.to_string()).collect(),
            params_struct: kind == "action" && params.len() >= 3,
            kind,
            namespace: "microsoft.graph".into(),
        }
    }

    #[test]
    fn overloads_are_named_by_their_parameters() {
        let mut s = Scope::with_reserved(&["get", "delete"]);
        let image = [
            claimant(&[], "function"),
            claimant(&["width"], "function"),
            claimant(&["width", "height"], "function"),
            claimant(&["width", "height", "fittingMode"], "function"),
        ];
        assert_eq!(
            overload_names("image", &image, &mut s),
            [
                "image",
                "image_with_width",
                "image_with_width_and_height",
                "image_with_width_and_height_and_fitting_mode"
            ]
        );
        // The fewest parameters keep the plain name, wherever they come in the list.
        let delta = [claimant(&["token"], "function"), claimant(&[], "function")];
        assert_eq!(overload_names("delta", &delta, &mut s), ["delta_with_token", "delta"]);
        // Against a fixed method of the builder.
        assert_eq!(overload_names("delete", &[claimant(&["shift"], "action")], &mut s), ["delete_with_shift"]);
        let mut c = Scope::with_reserved(&["count", "create"]);
        assert_eq!(overload_names("count", &[claimant(&[], "function")], &mut c), ["count_function"]);
        assert_eq!(overload_names("create", &[claimant(&["a", "b", "c"], "action")], &mut c), ["create_action"]);
        // An action with a parameter struct against a function of the same name.
        let browse = [claimant(&["a", "b", "c"], "action"), claimant(&["nextFetchToken"], "function")];
        assert_eq!(overload_names("browse", &browse, &mut c), ["browse_action", "browse"]);
        // Taken candidates move on to more distinguishing names, never a number.
        let mut t = Scope::with_reserved(&["run"]);
        let mut other_namespace = claimant(&[], "function");
        other_namespace.namespace = "microsoft.graph.security".into();
        let runs = [claimant(&[], "function"), other_namespace];
        assert_eq!(overload_names("run", &runs, &mut t), ["run_function", "run_function_microsoft_graph_security"]);
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
