//! The naming rules hold over the whole generated v1.0 tree: no builder is named like a model,
//! no name carries a numeric suffix the CSDL does not have, and no acronym is split apart.
//! Every name is read back from the generated files (parsed with syn), so the test sees what
//! users see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use msgraph_codegen::{generate, naming, Input};

/// Split acronyms, as heck alone writes them (snake_case segments), that must not appear in any
/// generated name. Type names are checked through their snake_case form.
const SPLIT_ACRONYMS: &[&str] = &[
    "a_i_span",
    "aagui_ds",
    "active_x",
    "app_x",
    "cloud_p_cs",
    "e_book",
    "e_books",
    "e_signature",
    "g_hz",
    "i_books",
    "i_cal",
    "i_cloud",
    "i_os",
    "i_pad",
    "i_phone",
    "i_pod",
    "i_ps",
    "i_pv4",
    "i_pv6",
    "i_tunes",
    "io_t",
    "m365_d",
    "m_dash",
    "m_hz",
    "o_auth",
    "o_auth2",
    "o_data",
    "o_sversion",
    "oi_ds",
    "p_cs",
    "s_p",
    "tt_ps",
    "u_id",
    "v_cpu",
    "v_net",
];

/// Names with a numeric suffix that the CSDL itself forces: two of its names convert to one Rust
/// name inside one type (not overloads), and the later one is numbered by the documented rule:
/// `windowsMalwareCategory` has both `remoteControlSoftware` and `remote_Control_Software`.
/// (`security.alert`'s property `additionalData` is `additional_data_`, by the reserved-name rule.)
const CSDL_COLLISIONS: &[&str] =
    &["Variant RemoteControlSoftware2 in msgraph-models/src/generated/models/_windows_malware_category.rs"];

/// What kind of name an identifier is, for the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Type,
    Variant,
    Field,
    Method,
    Module,
}

#[derive(Default)]
struct Names {
    /// (kind, name, file).
    all: Vec<(Kind, String, String)>,
    /// Type names under `models` (structs, enums), any namespace.
    models: BTreeSet<String>,
    /// Type names under `builders` (item and collection builders, parameter structs).
    builders: BTreeSet<String>,
    item_builders: BTreeSet<String>,
    collection_builders: BTreeSet<String>,
}

fn unraw(s: &str) -> String {
    s.strip_prefix("r#").unwrap_or(s).to_string()
}

fn collect(names: &mut Names, file: &str, items: &[syn::Item], in_builders: bool, in_models: bool) {
    let push = |names: &mut Names, kind, n: String| names.all.push((kind, n, file.to_string()));
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let n = s.ident.to_string();
                if in_models {
                    names.models.insert(n.clone());
                }
                if in_builders {
                    names.builders.insert(n.clone());
                }
                push(names, Kind::Type, n);
                for f in &s.fields {
                    if let Some(i) = &f.ident {
                        push(names, Kind::Field, unraw(&i.to_string()));
                    }
                }
            }
            syn::Item::Enum(e) => {
                let n = e.ident.to_string();
                if in_models {
                    names.models.insert(n.clone());
                }
                if in_builders {
                    names.builders.insert(n.clone());
                }
                push(names, Kind::Type, n);
                for v in &e.variants {
                    push(names, Kind::Variant, v.ident.to_string());
                }
            }
            syn::Item::Impl(i) => {
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        push(names, Kind::Method, unraw(&f.sig.ident.to_string()));
                    }
                }
            }
            syn::Item::Fn(f) => push(names, Kind::Method, unraw(&f.sig.ident.to_string())),
            syn::Item::Mod(m) => {
                push(names, Kind::Module, unraw(&m.ident.to_string()));
                if let Some((_, inner)) = &m.content {
                    collect(names, file, inner, in_builders, in_models);
                }
            }
            syn::Item::Macro(m) => {
                let Some(last) = m.mac.path.segments.last() else { continue };
                let mac = last.ident.to_string();
                if mac != "item_builder" && mac != "collection_builder" {
                    continue;
                }
                let first = m.mac.tokens.clone().into_iter().next();
                let Some(proc_macro2::TokenTree::Ident(name)) = first else { panic!("{file}: {mac}! without a name") };
                let n = name.to_string();
                names.builders.insert(n.clone());
                if mac == "item_builder" {
                    names.item_builders.insert(n.clone());
                } else {
                    names.collection_builders.insert(n.clone());
                }
                push(names, Kind::Type, n);
            }
            syn::Item::Const(c) => {
                // `const _: () = { … }` blocks hold the glue, no public names.
                let _ = c;
            }
            _ => {}
        }
    }
}

/// Every `Name="…"` (and `Term="…"`) value of the CSDL, split at dots.
fn csdl_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for attr in ["Name=\"", "Term=\""] {
        let mut rest = text;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let Some(end) = rest.find('"') else { break };
            for part in rest[..end].split('.') {
                if !part.is_empty() {
                    out.insert(part.to_string());
                }
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The last two words of a name (snake_case segments, or UpperCamelCase words).
fn tail(name: &str, snake: bool) -> String {
    if snake {
        let segs: Vec<&str> = name.split('_').filter(|s| !s.is_empty()).collect();
        segs[segs.len().saturating_sub(2)..].join("_")
    } else {
        let starts: Vec<usize> = name.char_indices().filter(|(_, c)| c.is_ascii_uppercase()).map(|(i, _)| i).collect();
        let from = if starts.len() >= 2 { starts[starts.len() - 2] } else { 0 };
        name[from..].to_string()
    }
}

#[test]
fn names_follow_the_rules_over_the_whole_v1_tree() {
    let text = common::real_text("graph-v1.0-2026-08-03.csdl");
    let out = generate(&Input { csdl: &text, source_name: "v1.0", sha256: "0" }).expect("generate");
    let mut names = Names::default();
    for (path, content) in &out.files {
        if !path.ends_with(".rs") {
            continue;
        }
        let in_builders = path.contains("/generated/builders/");
        let in_models = path.contains("/generated/models/");
        let file = syn::parse_file(content).unwrap_or_else(|e| panic!("{path}: {e}"));
        collect(&mut names, path, &file.items, in_builders, in_models);
        let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".rs");
        names.all.push((Kind::Module, stem.trim_start_matches('_').to_string(), path.clone()));
        for dir in path.split('/').rev().skip(1).take_while(|d| *d != "models" && *d != "builders") {
            names.all.push((Kind::Module, dir.to_string(), path.clone()));
        }
    }
    assert!(names.models.len() > 3000, "{} model types", names.models.len());
    assert!(names.item_builders.len() > 1000, "{} item builders", names.item_builders.len());

    // 1. Builders: item `TBuilder`, collection `TCollectionBuilder`, never a model's name.
    let models_lower: BTreeMap<String, &String> = names.models.iter().map(|m| (m.to_ascii_lowercase(), m)).collect();
    let clashes: Vec<String> = names
        .builders
        .iter()
        .filter_map(|b| models_lower.get(&b.to_ascii_lowercase()).map(|m| format!("builder {b} = model {m}")))
        .collect();
    assert!(clashes.is_empty(), "{clashes:#?}");
    for b in &names.item_builders {
        assert!(b.ends_with("Builder"), "item builder {b}");
    }
    for b in &names.collection_builders {
        assert!(b.ends_with("CollectionBuilder"), "collection builder {b}");
    }
    assert!(names.item_builders.contains("UserBuilder") && names.collection_builders.contains("UserCollectionBuilder"));
    assert!(names.item_builders.contains("DriveBuilder") && names.item_builders.contains("DriveItemBuilder"));
    assert!(names.item_builders.contains("ListBuilder") && names.item_builders.contains("ListItemBuilder"));
    assert!(!names.models.iter().any(|m| m.ends_with("Builder")), "a model named like a builder");

    // 2. No numeric suffix the CSDL does not have: a name ending in a digit must end like the
    // conversion of some CSDL name (`v8_0` from `v8_0`, `Fido2` from `fido2`, `AgesAbove18`).
    let csdl = csdl_names(&text);
    let snake_tails: BTreeSet<String> =
        csdl.iter().map(|n| tail(naming::field_name(n).trim_start_matches("r#").trim_end_matches('_'), true)).collect();
    let camel_tails: BTreeSet<String> = csdl.iter().map(|n| tail(&naming::type_name(n), false)).collect();
    let mut numbered = BTreeSet::new();
    for (kind, n, file) in &names.all {
        if !n.ends_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let snake = matches!(kind, Kind::Field | Kind::Method | Kind::Module);
        let t = tail(n, snake);
        let known = if snake {
            snake_tails.iter().any(|c| c == &t || c.ends_with(&format!("_{t}")) || t.ends_with(&format!("_{c}")))
        } else {
            camel_tails.iter().any(|c| c.ends_with(&t) || t.ends_with(c.as_str()))
        };
        if !known {
            numbered.insert(format!("{kind:?} {n} in {file}"));
        }
    }
    let expected: BTreeSet<String> = CSDL_COLLISIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(numbered, expected, "numbered names (only the collisions of the CSDL itself may be)");
    for (kind, n, _) in &names.all {
        if matches!(kind, Kind::Method) {
            assert!(n.rsplit('_').next().is_none_or(|s| s.parse::<u32>().is_err()), "method {n}");
        }
    }

    // 3. No split acronym anywhere (type names through their snake_case form).
    let mut split = BTreeSet::new();
    for (kind, n, file) in &names.all {
        let s = match kind {
            Kind::Type | Kind::Variant => n.to_snake_case(),
            _ => n.clone(),
        };
        let wrapped = format!("_{}_", s.trim_matches('_'));
        for bad in SPLIT_ACRONYMS {
            if wrapped.contains(&format!("_{bad}_")) {
                split.insert(format!("{kind:?} {n} ({bad}) in {file}"));
            }
        }
    }
    assert!(split.is_empty(), "split acronyms: {split:#?}");

    // The acronyms the issue named read as a person writes them.
    let all: BTreeSet<&str> = names.all.iter().map(|(_, n, _)| n.as_str()).collect();
    for want in [
        "cloud_pcs",
        "iot_hub",
        "external_ips",
        "unsupported_os_version_devices",
        "minimum_cpu_speed_in_mhz",
        "ical_uid",
        "iphone_and_ipod",
        "oauth2_permission_grant",
        "ipv4_range",
        "as_ios_vpp_ebook",
        "Oauth2PermissionGrant",
        "Ipv4Range",
        // Overloads named by what distinguishes them.
        "delta_with_token",
        "delete_with_shift",
        "image_with_width_and_height",
        "count_function",
        "ExportEdiscoveryReviewSetParams",
    ] {
        assert!(all.contains(want), "no name {want}");
    }
}
