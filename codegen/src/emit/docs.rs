//! The doc text of generated fields and builder methods: what a reader needs to write the call
//! (wire names for `$select`, read-only fields, whether `$expand` is needed) and to know what
//! it sends (HTTP method, URL template, response type). Every sentence is built here so the
//! wording is decided in one place; the emitters only place the lines.

use std::collections::{BTreeMap, VecDeque};

use super::doc_lines;
use crate::ir::{EntitySet, Model, Operation, OperationKind, Property, Scalar, StructType, TypeTarget, ValueType};

/// The doc lines of a model field: the CSDL description, then (on its last line, to keep the
/// tree small) the wire name, read-only, and for a navigation property that it needs `$expand`.
pub(crate) fn field_doc(p: &Property) -> Vec<String> {
    let mut facts = format!("Wire name `{}`", p.name);
    if p.renamed {
        facts.push_str(" (renamed: the converted name collides with another field)");
    }
    facts.push('.');
    if p.navigation {
        // The target and whether it is a collection are in the field's type.
        facts.push_str(if p.contains_target {
            " Contained navigation: in responses only with `$expand`."
        } else {
            " Navigation: in responses only with `$expand`."
        });
    }
    if p.computed {
        facts.push_str(" Read-only: never sent in requests.");
    } else if p.read_only {
        facts.push_str(" Read-only.");
    }
    append(doc_lines(&p.docs), facts)
}

/// `lines` with `sentence` appended to the last line (or as the only line).
fn append(mut lines: Vec<String>, sentence: String) -> Vec<String> {
    match lines.last_mut() {
        Some(last) if !last.is_empty() => {
            let ends = last.ends_with(['.', '!', '?', ':', ')']);
            last.push_str(if ends { " " } else { ". " });
            last.push_str(&sentence);
        }
        _ => lines.push(sentence),
    }
    lines
}

/// Example absolute URLs of one entity type's builders, for their method docs: the shortest
/// path from an entity set or singleton through contained navigation properties (entity sets
/// first, then singletons, each in container order), else a cast below the nearest ancestor
/// that has one. `None`: no such path; the docs then show URLs relative to the builder (`…/x`).
pub(crate) struct Urls {
    item: Option<String>,
    collection: Option<String>,
}

impl Urls {
    pub(crate) fn of(model: &Model, s: &StructType) -> Urls {
        let found = shortest_paths(model);
        let own = found.get(s.qname.as_str()).cloned();
        let inherited =
            || {
                model.ancestors(&s.qname).iter().find_map(|a| found.get(a.as_str())).map(|(item, coll)| {
                    (format!("{item}/{}", s.qname), coll.as_ref().map(|c| format!("{c}/{}", s.qname)))
                })
            };
        match own.or_else(inherited) {
            Some((item, collection)) => Urls { item: Some(item), collection },
            None => Urls { item: None, collection: None },
        }
    }

    fn base(&self, collection: bool) -> Option<&str> {
        if collection {
            self.collection.as_deref()
        } else {
            self.item.as_deref()
        }
    }
}

/// Breadth-first from the container: entity type → (item URL, collection URL if reached as a
/// collection).
fn shortest_paths(model: &Model) -> BTreeMap<&str, (String, Option<String>)> {
    let mut found: BTreeMap<&str, (String, Option<String>)> = BTreeMap::new();
    let mut queue = VecDeque::new();
    let key = |t: &str| format!("{{{}-id}}", short_name(t));
    if let Some(c) = &model.container {
        for e in &c.entity_sets {
            let coll = format!("/{}", e.name);
            seed(&mut found, &mut queue, &e.entity_type, format!("{coll}/{}", key(&e.entity_type)), Some(coll));
        }
        for e in &c.singletons {
            seed(&mut found, &mut queue, &e.entity_type, format!("/{}", e.name), None);
        }
    }
    while let Some(q) = queue.pop_front() {
        let Some(t) = model.structs.get(q) else { continue };
        let Some(base) = found.get(q).map(|(item, _)| item.clone()) else { continue };
        for p in t.properties.iter().filter(|p| p.navigation && p.contains_target) {
            let TypeTarget::Struct(target) = &p.r#type.target else { continue };
            let (item, coll) = if p.r#type.collection {
                let coll = format!("{base}/{}", p.name);
                (format!("{coll}/{}", key(target)), Some(coll))
            } else {
                (format!("{base}/{}", p.name), None)
            };
            seed(&mut found, &mut queue, target, item, coll);
        }
    }
    found
}

fn seed<'m>(
    found: &mut BTreeMap<&'m str, (String, Option<String>)>,
    queue: &mut VecDeque<&'m str>,
    qname: &'m str,
    item: String,
    collection: Option<String>,
) {
    if !found.contains_key(qname) {
        found.insert(qname, (item, collection));
        queue.push_back(qname);
    }
}

fn short_name(qname: &str) -> &str {
    qname.rsplit('.').next().unwrap_or(qname)
}

/// The URL template of `tail` below a builder: absolute (`/users/{user-id}/messages`) when the
/// builder's type has a known URL, else relative to the builder (`…/messages`).
fn url(base: Option<&str>, tail: &str) -> String {
    format!("{}/{tail}", base.unwrap_or("…"))
}

/// The doc lines of a navigation method on an item builder. The URL is relative (`…/messages`):
/// the method sends nothing, and the requests of the builder it returns say their URLs.
pub(crate) fn navigation_doc(p: &Property) -> Vec<String> {
    // The target type is the returned builder's; the line says only what the signature cannot.
    let refs = match (p.contains_target, p.r#type.collection) {
        (true, _) => "",
        (false, true) => " (references: `add_ref`, `delete_ref`)",
        (false, false) => " (the reference: `set_ref`, `delete_ref`)",
    };
    let line = format!("`…/{}`: {}navigation{refs}.", p.name, if p.contains_target { "contained " } else { "" });
    paragraph(doc_lines(&p.docs), line)
}

/// `lines`, an empty line when there are any, and `line`.
fn paragraph(mut lines: Vec<String>, line: String) -> Vec<String> {
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(line);
    lines
}

/// The doc line of a stream property's download (`put == false`) or upload method.
pub(crate) fn stream_doc(urls: &Urls, wire: &str, put: bool) -> Vec<String> {
    let at = url(urls.base(false), wire);
    vec![if put {
        format!("`PUT {at}`: replaces the content of the stream property `{wire}`.")
    } else {
        format!("`GET {at}`: the raw content of the stream property `{wire}`.")
    }]
}

/// The doc lines of an operation method on an item builder or (`collection`) a collection
/// builder: the CSDL description, then the HTTP method, URL template and response.
pub(crate) fn operation_doc(urls: &Urls, op: &Operation, segment: &str, collection: bool) -> Vec<String> {
    let (verb, kind, tail) = match op.kind {
        OperationKind::Action => ("POST", "action", segment.to_string()),
        OperationKind::Function => {
            let args: Vec<String> = op.parameters.iter().map(|p| format!("{0}={{{0}}}", p.name)).collect();
            ("GET", "function", format!("{segment}({})", args.join(",")))
        }
    };
    let at = url(urls.base(collection), &tail);
    // The URL names the operation; its namespace only when it is not `microsoft.graph`.
    let line = format!("`{verb} {at}`: {kind}, returns {}.", returns(op));
    paragraph(doc_lines(&op.docs), line)
}

/// `` `Page<UserKind>` (`Collection(microsoft.graph.user)`) ``.
fn returns(op: &Operation) -> String {
    let Some(rt) = &op.return_type else { return "`()` (no content)".to_string() };
    let inner = short_type(&rt.rust_type);
    let rust = if rt.r#type.collection {
        if op.name == "delta" {
            format!("DeltaPage<{inner}>")
        } else {
            format!("Page<{inner}>")
        }
    } else {
        match rt.r#type.target {
            TypeTarget::Struct(_) => inner,
            _ => format!("Value<{inner}>"),
        }
    };
    format!("`{rust}` (`{}`)", rt.r#type.display())
}

/// A value's Rust type by its short name (`UserKind`, `String`, `Flags<Weekday>`).
fn short_type(v: &ValueType) -> String {
    match v {
        ValueType::Scalar(s) => match s {
            Scalar::String => "String",
            Scalar::Bool => "bool",
            Scalar::U8 => "u8",
            Scalar::I8 => "i8",
            Scalar::I16 => "i16",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::Decimal => "Decimal",
            Scalar::DateTimeOffset => "DateTimeOffset",
            Scalar::Date => "Date",
            Scalar::TimeOfDay => "TimeOfDay",
            Scalar::Duration => "Duration",
            Scalar::Guid => "Guid",
            Scalar::Binary => "Binary",
        }
        .to_string(),
        ValueType::Json => "serde_json::Value".to_string(),
        ValueType::Enum(p) | ValueType::Struct(p) | ValueType::Kind(p) => p.rust_name.clone(),
        ValueType::Flags(p) => format!("Flags<{}>", p.rust_name),
    }
}

/// The doc line of a typed cast method (`as_…`) to the derived type `derived`.
pub(crate) fn cast_doc(urls: &Urls, derived: &str, collection: bool) -> Vec<String> {
    vec![format!("`{}`: cast to the derived type.", url(urls.base(collection), derived))]
}

/// The doc line of a client entry point (an entity set or a singleton).
pub(crate) fn entry_point_doc(set: &EntitySet, is_set: bool) -> Vec<String> {
    let what = if is_set { "entity set" } else { "singleton" };
    vec![format!("`/{}`: the {what} of `{}`.", set.name, set.entity_type)]
}
