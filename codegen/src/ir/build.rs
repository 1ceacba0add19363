//! The builder's state and the lookups the passes share.

use std::collections::BTreeMap;

use super::{Deprecation, Docs, Model, Primitive, QName, TypeRef, TypeTarget, JSON};
use crate::csdl::{self, Annotation, AnnotationValue, Location};
use crate::naming::Scope;
use crate::Diagnostic;

/// Where a declared type is in the document: (schema index, index in its list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Declared {
    Entity(usize, usize),
    Complex(usize, usize),
    Enum(usize, usize),
    TypeDef(usize, usize),
}

/// What the passes know so far. Each pass reads what earlier ones left here (and in the model
/// being built) and reports problems into `errors`, then carries on.
pub(super) struct Builder<'d> {
    pub(super) doc: &'d csdl::Document,
    errors: Vec<Diagnostic>,
    /// alias or namespace → namespace
    pub(super) namespaces: BTreeMap<String, String>,
    pub(super) declared: BTreeMap<QName, Declared>,
    /// Every annotation by normalised target, inline ones included.
    pub(super) annotations: BTreeMap<String, Vec<Annotation>>,
    /// The resolved base type of each entity and complex type (`None`: a root, or a base in
    /// error, or a member of an inheritance cycle).
    pub(super) bases: BTreeMap<QName, Option<QName>>,
    /// The Rust name of each entity, complex and enum type, and whether it was renamed.
    pub(super) type_names: BTreeMap<QName, (String, bool)>,
    /// The type-name scope of each namespace (module); `…Kind` wrappers claim names in it last.
    pub(super) scopes: BTreeMap<String, Scope>,
}

impl<'d> Builder<'d> {
    pub(super) fn new(doc: &'d csdl::Document) -> Builder<'d> {
        Builder {
            doc,
            errors: Vec::new(),
            namespaces: BTreeMap::new(),
            declared: BTreeMap::new(),
            annotations: BTreeMap::new(),
            bases: BTreeMap::new(),
            type_names: BTreeMap::new(),
            scopes: BTreeMap::new(),
        }
    }

    /// The model, or every problem found, sorted by location (duplicates dropped).
    pub(super) fn finish(self, model: Model) -> Result<Model, Vec<Diagnostic>> {
        if self.errors.is_empty() {
            return Ok(model);
        }
        let mut errors = self.errors;
        errors.sort_by(|a, b| {
            (a.location.line, a.location.column, &a.message).cmp(&(b.location.line, b.location.column, &b.message))
        });
        errors.dedup();
        Err(errors)
    }

    pub(super) fn error(&mut self, location: &Location, message: String) {
        self.errors.push(Diagnostic { message, location: location.clone() });
    }

    /// Replaces an alias prefix in an annotation target with its namespace. An operation
    /// overload's parameter list (`graph.op(graph.user, Collection(Edm.String))`) is normalised
    /// too: aliases replaced, types separated by `", "`.
    pub(super) fn normalise_target(&self, target: &str) -> String {
        let (head, rest) = match target.find(['/', '(']) {
            Some(i) => target.split_at(i),
            None => (target, ""),
        };
        let head = self.qualify(head).unwrap_or_else(|| head.to_string());
        let Some(after_open) = rest.strip_prefix('(') else {
            return format!("{head}{rest}");
        };
        // Find the `)` closing the parameter list (types may be `Collection(..)`).
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in after_open.char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    close = Some(i);
                    break;
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        let Some(close) = close else {
            return format!("{head}{rest}");
        };
        let params = after_open[..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.strip_prefix("Collection(").and_then(|t| t.strip_suffix(')')) {
                Some(inner) => {
                    let inner = inner.trim();
                    format!("Collection({})", self.qualify(inner).unwrap_or_else(|| inner.to_string()))
                }
                None => self.qualify(p).unwrap_or_else(|| p.to_string()),
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("{head}({params}){}", &after_open[close + 1..])
    }

    /// The normalised annotation target of an operation overload naming its first `n`
    /// parameter types: `microsoft.graph.op(microsoft.graph.user, Edm.String)`.
    pub(super) fn operation_target(&self, namespace: &str, op: &csdl::Operation, n: usize) -> String {
        let types: Vec<String> = op
            .parameters
            .iter()
            .take(n)
            .map(|p| if p.r#type.collection { format!("Collection({})", p.r#type.name) } else { p.r#type.name.clone() })
            .collect();
        self.normalise_target(&format!("{namespace}.{}({})", op.name, types.join(", ")))
    }

    /// `graph.user` → `microsoft.graph.user` (None when the namespace or alias is unknown).
    pub(super) fn qualify(&self, name: &str) -> Option<QName> {
        let (ns, simple) = name.rsplit_once('.')?;
        let ns = self.namespaces.get(ns)?;
        Some(format!("{ns}.{simple}"))
    }

    pub(super) fn location_of(&self, q: &str) -> Location {
        match self.declared.get(q) {
            Some(Declared::Entity(s, i)) => self.doc.schemas[*s].entity_types[*i].location.clone(),
            Some(Declared::Complex(s, i)) => self.doc.schemas[*s].complex_types[*i].location.clone(),
            Some(Declared::Enum(s, i)) => self.doc.schemas[*s].enum_types[*i].location.clone(),
            Some(Declared::TypeDef(s, i)) => self.doc.schemas[*s].type_definitions[*i].location.clone(),
            None => Location::default(),
        }
    }

    pub(super) fn resolve(&mut self, r: &csdl::TypeRef, loc: &Location, what: &str) -> Option<TypeRef> {
        let target = self.resolve_name(&r.name, loc, what, 0)?;
        Some(TypeRef { target, collection: r.collection })
    }

    fn resolve_name(&mut self, name: &str, loc: &Location, what: &str, depth: u32) -> Option<TypeTarget> {
        if let Some(p) = Primitive::from_edm(name) {
            return Some(TypeTarget::Primitive(p));
        }
        let found = self.qualify(name).and_then(|q| self.declared.get(&q).map(|d| (q, *d)));
        match found {
            Some((q, _)) if q == JSON => Some(TypeTarget::Json),
            Some((q, Declared::Entity(..) | Declared::Complex(..))) => Some(TypeTarget::Struct(q)),
            Some((q, Declared::Enum(..))) => Some(TypeTarget::Enum(q)),
            Some((_, Declared::TypeDef(s, i))) if depth < 8 => {
                let underlying = self.doc.schemas[s].type_definitions[i].underlying_type.clone();
                self.resolve_name(&underlying, loc, what, depth + 1)
            }
            _ => {
                self.error(loc, format!("unknown type {name} in {what}"));
                None
            }
        }
    }

    /// Annotations of a normalised target. Inline annotations were merged into the same map, so
    /// it is the single source.
    fn annotations_for<'a>(&'a self, target: &str) -> impl Iterator<Item = &'a Annotation> {
        self.annotations.get(target).into_iter().flatten()
    }

    pub(super) fn docs(&self, target: &str) -> Docs {
        let mut docs = Docs::default();
        for a in self.annotations_for(target) {
            match (a.term.as_str(), &a.value) {
                ("Org.OData.Core.V1.Description", AnnotationValue::String(s)) if docs.description.is_none() => {
                    docs.description = Some(s.clone());
                }
                ("Org.OData.Core.V1.LongDescription", AnnotationValue::String(s))
                    if docs.long_description.is_none() =>
                {
                    docs.long_description = Some(s.clone());
                }
                ("Org.OData.Core.V1.Revisions", AnnotationValue::Collection(items)) => {
                    for item in items {
                        let AnnotationValue::Record(rec) = item else { continue };
                        let kind = match rec.properties.get("Kind") {
                            Some(AnnotationValue::EnumMember(k)) => k.as_str(),
                            _ => "",
                        };
                        if !kind.ends_with("/Deprecated") {
                            continue;
                        }
                        let text = |k: &str| match rec.properties.get(k) {
                            Some(AnnotationValue::String(s) | AnnotationValue::Date(s)) => Some(s.clone()),
                            _ => None,
                        };
                        docs.deprecation = Some(Deprecation {
                            date: text("Date"),
                            removal_date: text("RemovalDate"),
                            description: text("Description"),
                            version: text("Version"),
                        });
                    }
                }
                _ => {}
            }
        }
        docs
    }

    /// `Org.OData.Core.V1.Permissions` on `target` is `Read` alone (one member or a collection of
    /// one).
    pub(super) fn read_permission_only(&self, target: &str) -> bool {
        let is_read =
            |v: &AnnotationValue| matches!(v, AnnotationValue::EnumMember(m) if m.trim().ends_with("Permission/Read"));
        self.annotations_for(target).filter(|a| a.term == "Org.OData.Core.V1.Permissions").any(|a| match &a.value {
            AnnotationValue::Collection(items) => items.len() == 1 && items.iter().all(is_read),
            v => is_read(v),
        })
    }

    pub(super) fn bool_annotation(&self, target: &str, term: &str) -> bool {
        self.annotations_for(target)
            .any(|a| a.term == term && matches!(a.value, AnnotationValue::Bool(true) | AnnotationValue::Empty))
    }
}
