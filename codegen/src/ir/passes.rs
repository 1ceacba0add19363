//! The passes of [`Model::build`], in the order [`Builder::run`] runs them.
//!
//! Each pass is a small function that reads what the earlier ones produced. The resolution
//! passes here check their rules where they meet an element (a `check_…` helper, or the `Rule:`
//! in their doc): a problem is reported into the builder, the element is skipped and the pass
//! carries on, so one run finds every problem, and nothing is emitted unless no pass reported
//! one. The passes in `lower` only decide the Rust side (derived-type links, polymorphic
//! wrappers, field names, Rust types) and cannot fail.

use std::collections::{BTreeMap, BTreeSet};

use super::build::{Builder, Declared};
use super::{
    graph, lower, Container, Docs, EntitySet, EnumMember, EnumType, FieldType, Model, Namespace, Operation,
    OperationKind, Parameter, Property, QName, ReturnType, StructKind, StructType, TypeRef, TypeTarget, ValueType,
    Wrap,
};
use crate::csdl::{self, Location};
use crate::naming::{self, Scope};

impl<'d> Builder<'d> {
    /// Runs every pass. The model is only meaningful when no problem was reported.
    pub(super) fn run(&mut self) -> Model {
        let mut model = Model::default();
        // Names and declarations.
        self.declare_namespaces(&mut model);
        self.declare_types();
        self.collect_annotations();
        // Inheritance.
        self.resolve_bases();
        self.break_inheritance_cycles();
        model.inheritance_order = graph::inheritance_order(&self.bases);
        // Elements.
        self.name_types();
        self.build_enums(&mut model);
        self.build_structs(&mut model);
        lower::link_derived(&mut model);
        self.build_operations(&mut model);
        self.build_container(&mut model);
        // The Rust side.
        lower::build_kinds(&mut model, &mut self.scopes);
        lower::mark_odata_type_writers(&mut model);
        lower::name_fields(&mut model);
        lower::assign_rust_types(&mut model);
        model.annotations = std::mem::take(&mut self.annotations);
        model
    }

    /// Rule: CSDL names are simple identifiers. Reports `message` and returns false otherwise.
    fn check_identifier(&mut self, name: &str, location: &Location, message: impl FnOnce() -> String) -> bool {
        let valid = naming::is_valid_csdl_identifier(name);
        if !valid {
            self.error(location, message());
        }
        valid
    }

    // ----- names and declarations -----

    /// Namespaces and their aliases. Rules: a namespace name is dotted identifiers; a namespace
    /// is declared once; an alias names one namespace.
    fn declare_namespaces(&mut self, model: &mut Model) {
        for schema in &self.doc.schemas {
            let ns = &schema.namespace;
            if ns.is_empty() || !ns.split('.').all(naming::is_valid_csdl_identifier) {
                self.error(&schema.location, format!("invalid namespace name {ns:?}"));
            }
            if model.namespaces.contains_key(ns) {
                self.error(&schema.location, format!("namespace {ns} is declared twice"));
                continue;
            }
            self.namespaces.insert(ns.clone(), ns.clone());
            if let Some(alias) = &schema.alias {
                self.declare_alias(alias, ns, &schema.location);
            }
            let module_path = naming::module_path(ns);
            model
                .namespaces
                .insert(ns.clone(), Namespace { name: ns.clone(), alias: schema.alias.clone(), module_path });
        }
    }

    fn declare_alias(&mut self, alias: &str, namespace: &str, location: &Location) {
        match self.namespaces.get(alias).filter(|n| *n != namespace) {
            Some(other) => {
                let msg = format!("alias {alias} of {namespace} is already used by {other}");
                self.error(location, msg);
            }
            None => {
                self.namespaces.insert(alias.to_string(), namespace.to_string());
            }
        }
    }

    /// Entity, complex, enum types and type definitions by qualified name. Rules: a type name is
    /// an identifier; a qualified name is declared once.
    fn declare_types(&mut self) {
        let doc = self.doc;
        for (si, schema) in doc.schemas.iter().enumerate() {
            for (name, loc, d) in type_declarations(si, schema) {
                if !self.check_identifier(name, loc, || format!("invalid type name {name:?}: not a valid identifier")) {
                    continue;
                }
                let q = format!("{}.{}", schema.namespace, name);
                if self.declared.contains_key(&q) {
                    self.error(loc, format!("duplicate type name {q}"));
                    continue;
                }
                self.declared.insert(q, d);
            }
        }
    }

    /// Annotations by normalised target: `Annotations` blocks first, then inline ones.
    fn collect_annotations(&mut self) {
        for schema in &self.doc.schemas {
            for block in &schema.annotations {
                let target = self.normalise_target(&block.target);
                self.annotations.entry(target).or_default().extend(block.annotations.iter().cloned());
            }
        }
        self.collect_inline_annotations();
    }

    fn collect_inline_annotations(&mut self) {
        let doc = self.doc;
        let add = |target: String, anns: &[csdl::Annotation], map: &mut BTreeMap<String, Vec<csdl::Annotation>>| {
            if !anns.is_empty() {
                map.entry(target).or_default().extend(anns.iter().cloned());
            }
        };
        let mut map = std::mem::take(&mut self.annotations);
        for s in &doc.schemas {
            let ns = &s.namespace;
            for t in &s.entity_types {
                add(format!("{ns}.{}", t.name), &t.annotations, &mut map);
                for p in &t.properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
                for p in &t.navigation_properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
            }
            for t in &s.complex_types {
                add(format!("{ns}.{}", t.name), &t.annotations, &mut map);
                for p in &t.properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
                for p in &t.navigation_properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
            }
            for t in &s.enum_types {
                add(format!("{ns}.{}", t.name), &t.annotations, &mut map);
                for m in &t.members {
                    add(format!("{ns}.{}/{}", t.name, m.name), &m.annotations, &mut map);
                }
            }
            for op in s.actions.iter().chain(&s.functions) {
                add(self.operation_target(ns, op, op.parameters.len()), &op.annotations, &mut map);
            }
            for c in &s.entity_containers {
                add(format!("{ns}.{}", c.name), &c.annotations, &mut map);
                for e in &c.entity_sets {
                    add(format!("{ns}.{}/{}", c.name, e.name), &e.annotations, &mut map);
                }
                for e in &c.singletons {
                    add(format!("{ns}.{}/{}", c.name, e.name), &e.annotations, &mut map);
                }
            }
        }
        self.annotations = map;
    }

    // ----- inheritance -----

    /// The base type of every entity and complex type. Rule: a base type is declared and of
    /// the same kind (entity from entity, complex from complex).
    fn resolve_bases(&mut self) {
        let structs: Vec<QName> = self.declared.keys().cloned().collect();
        for q in structs {
            let Some(decl) = self.struct_decl(&q) else { continue };
            let base = decl.base_type.and_then(|b| self.resolve_base(&q, b, &decl));
            self.bases.insert(q, base);
        }
    }

    fn resolve_base(&mut self, q: &str, base: &str, decl: &StructDecl<'_>) -> Option<QName> {
        let is_entity = decl.kind == StructKind::Entity;
        match self.qualify(base).and_then(|bq| self.declared.get(&bq).map(|d| (bq, *d))) {
            Some((bq, Declared::Entity(..))) if is_entity => Some(bq),
            Some((bq, Declared::Complex(..))) if !is_entity => Some(bq),
            Some((bq, _)) => {
                let what = if is_entity { "an entity type" } else { "a complex type" };
                self.error(decl.location, format!("base type {bq} of {q} is not {what}"));
                None
            }
            None => {
                self.error(decl.location, format!("unknown base type {base} of {q}"));
                None
            }
        }
    }

    /// Rule: inheritance is acyclic. Each cycle is reported once, at its first member by name;
    /// its members lose their base type so the later passes terminate.
    fn break_inheritance_cycles(&mut self) {
        for chain in graph::inheritance_cycles(&self.bases) {
            let Some(first) = chain.first() else { continue };
            let loc = self.location_of(first);
            self.error(&loc, format!("inheritance cycle: {}", chain.join(" -> ")));
            for q in chain {
                self.bases.insert(q, None);
            }
        }
    }

    // ----- elements -----

    /// The Rust names of entity, complex and enum types, claimed per namespace (module) in
    /// document order, so the first declared keeps the plain name.
    fn name_types(&mut self) {
        let doc = self.doc;
        let mut by_ns: BTreeMap<&str, Vec<(&Location, &QName, &str)>> = BTreeMap::new();
        for (q, d) in &self.declared {
            let (s, name, loc) = match *d {
                Declared::Entity(s, i) => {
                    (s, &doc.schemas[s].entity_types[i].name, &doc.schemas[s].entity_types[i].location)
                }
                Declared::Complex(s, i) => {
                    (s, &doc.schemas[s].complex_types[i].name, &doc.schemas[s].complex_types[i].location)
                }
                Declared::Enum(s, i) => (s, &doc.schemas[s].enum_types[i].name, &doc.schemas[s].enum_types[i].location),
                Declared::TypeDef(..) => continue,
            };
            by_ns.entry(doc.schemas[s].namespace.as_str()).or_default().push((loc, q, name.as_str()));
        }
        for (ns, mut items) in by_ns {
            items.sort_by(|a, b| (a.0.line, a.0.column, a.1).cmp(&(b.0.line, b.0.column, b.1)));
            let scope = self.scopes.entry(ns.to_string()).or_default();
            for (_, q, name) in items {
                let named = scope.claim(&naming::type_name(name), false);
                self.type_names.insert(q.clone(), named);
            }
        }
    }

    /// Enum types.
    fn build_enums(&mut self, model: &mut Model) {
        let enums: Vec<(QName, usize, usize)> = self
            .declared
            .iter()
            .filter_map(|(q, d)| match *d {
                Declared::Enum(s, i) => Some((q.clone(), s, i)),
                _ => None,
            })
            .collect();
        for (q, s, i) in enums {
            let e = self.enum_type(&q, s, i);
            model.enums.insert(q, e);
        }
    }

    fn enum_type(&mut self, q: &QName, schema: usize, index: usize) -> EnumType {
        let doc = self.doc;
        let schema = &doc.schemas[schema];
        let t = &schema.enum_types[index];
        let members = self.enum_members(q, t);
        let (rust_name, renamed) = self.type_names.get(q).cloned().unwrap_or_default();
        EnumType {
            qname: q.clone(),
            namespace: schema.namespace.clone(),
            name: t.name.clone(),
            rust_name,
            renamed,
            is_flags: t.is_flags,
            members,
            docs: self.docs(q),
            location: t.location.clone(),
        }
    }

    /// Rules: a member name is an identifier and unique in its enum. A member without a value
    /// gets its position (flags: the bit at its position).
    fn enum_members(&mut self, q: &QName, t: &csdl::EnumType) -> Vec<EnumMember> {
        let mut scope = Scope::with_reserved(&[naming::UNKNOWN_VARIANT]);
        let mut members = Vec::new();
        let mut seen = BTreeSet::new();
        for (mi, m) in t.members.iter().enumerate() {
            if !self.check_identifier(&m.name, &m.location, || format!("invalid enum member name {:?} in {q}", m.name))
            {
                continue;
            }
            if !seen.insert(m.name.clone()) {
                self.error(&m.location, format!("duplicate enum member {} in {q}", m.name));
                continue;
            }
            let (rust_name, renamed) = scope.claim(&naming::variant_name(&m.name), false);
            let value = m.value.unwrap_or(if t.is_flags { 1i64 << mi.min(62) } else { mi as i64 });
            let docs = self.docs(&format!("{q}/{}", m.name));
            members.push(EnumMember { name: m.name.clone(), rust_name, renamed, value, docs });
        }
        members
    }

    /// Entity and complex types, base before derived, so a base's properties are ready for its
    /// derived types.
    fn build_structs(&mut self, model: &mut Model) {
        for q in model.inheritance_order.clone() {
            let Some(decl) = self.struct_decl(&q) else { continue };
            let s = self.struct_type(model, &q, &decl);
            model.structs.insert(q, s);
        }
    }

    /// The declaration of an entity or complex type.
    fn struct_decl(&self, q: &str) -> Option<StructDecl<'d>> {
        let doc = self.doc;
        Some(match *self.declared.get(q)? {
            Declared::Entity(s, i) => {
                let t = &doc.schemas[s].entity_types[i];
                StructDecl {
                    namespace: &doc.schemas[s].namespace,
                    kind: StructKind::Entity,
                    name: &t.name,
                    base_type: t.base_type.as_deref(),
                    is_abstract: t.is_abstract,
                    open_type: t.open_type,
                    has_stream: t.has_stream,
                    key: &t.key,
                    properties: &t.properties,
                    navigation_properties: &t.navigation_properties,
                    location: &t.location,
                }
            }
            Declared::Complex(s, i) => {
                let t = &doc.schemas[s].complex_types[i];
                StructDecl {
                    namespace: &doc.schemas[s].namespace,
                    kind: StructKind::Complex,
                    name: &t.name,
                    base_type: t.base_type.as_deref(),
                    is_abstract: t.is_abstract,
                    open_type: t.open_type,
                    has_stream: false,
                    key: &[],
                    properties: &t.properties,
                    navigation_properties: &t.navigation_properties,
                    location: &t.location,
                }
            }
            Declared::Enum(..) | Declared::TypeDef(..) => return None,
        })
    }

    /// A struct type: the base's properties, key and stream first, then its own properties.
    fn struct_type(&mut self, model: &Model, q: &QName, decl: &StructDecl<'_>) -> StructType {
        let base = self.bases.get(q).cloned().flatten();
        let base_type = base.as_ref().and_then(|b| model.structs.get(b));
        let mut properties: Vec<Property> = base_type.map(|b| b.properties.clone()).unwrap_or_default();
        let key = match (decl.key, base_type) {
            ([], Some(b)) => b.key.clone(),
            (key, _) => key.to_vec(),
        };
        let has_stream = decl.has_stream || base_type.is_some_and(|b| b.has_stream);
        let mut wire_names: BTreeSet<String> = properties.iter().map(|p| p.name.clone()).collect();
        for p in decl.own_properties() {
            if let Some(p) = self.own_property(q, &p, &mut wire_names) {
                properties.push(p);
            }
        }
        self.check_key(q, &key, &properties, decl.location);
        let (rust_name, renamed) = self.type_names.get(q).cloned().unwrap_or_default();
        StructType {
            qname: q.clone(),
            namespace: decl.namespace.to_string(),
            name: decl.name.to_string(),
            rust_name,
            renamed,
            kind: decl.kind,
            base,
            is_abstract: decl.is_abstract,
            open_type: decl.open_type,
            has_stream,
            key,
            properties,
            derived: Vec::new(),
            writes_odata_type: false,
            docs: self.docs(q),
            location: decl.location.clone(),
        }
    }

    /// A property declared by `q`. Rules: its name is an identifier, not used by `q` or a base
    /// type, its type resolves, and a navigation property targets an entity or complex type.
    /// Its Rust name and type are decided later, in [`lower`].
    fn own_property(&mut self, q: &QName, p: &PropertyDecl<'_>, wire_names: &mut BTreeSet<String>) -> Option<Property> {
        let (name, loc) = (p.name, p.location);
        if !self
            .check_identifier(name, loc, || format!("invalid property name {name:?} in {q}: not a valid identifier"))
        {
            return None;
        }
        if !wire_names.insert(name.to_string()) {
            self.error(loc, format!("duplicate property {name} in {q} (declared here and in {q} or a base type)"));
            return None;
        }
        let r#type = self.resolve(p.r#type, loc, &format!("property {name} of {q}"))?;
        if p.navigation && !matches!(r#type.target, TypeTarget::Struct(_)) {
            let msg = format!("navigation property {name} of {q} must target an entity type, not {}", r#type.display());
            self.error(loc, msg);
            return None;
        }
        let target = format!("{q}/{name}");
        let computed = self.bool_annotation(&target, "Org.OData.Core.V1.Computed");
        let read_only = computed || self.read_permission_only(&target);
        Some(Property {
            name: name.to_string(),
            rust_name: String::new(),
            renamed: false,
            r#type,
            rust_type: FieldType { value: ValueType::Json, wrap: Wrap::Plain },
            nullable: p.nullable,
            navigation: p.navigation,
            contains_target: p.contains_target,
            computed,
            read_only,
            declared_in: q.clone(),
            docs: self.docs(&target),
            location: loc.clone(),
        })
    }

    /// Rule: every key property is a property of the type (declared or inherited).
    fn check_key(&mut self, q: &QName, key: &[String], properties: &[Property], location: &Location) {
        for k in key {
            if !properties.iter().any(|p| &p.name == k) {
                self.error(location, format!("key property {k} of {q} is not a property of the type"));
            }
        }
    }

    /// Actions and functions, sorted by (namespace, name, binding, kind, parameters).
    fn build_operations(&mut self, model: &mut Model) {
        let doc = self.doc;
        for schema in &doc.schemas {
            for (kind, ops) in [(OperationKind::Action, &schema.actions), (OperationKind::Function, &schema.functions)]
            {
                for op in ops {
                    if let Some(o) = self.operation(kind, &schema.namespace, op) {
                        model.operations.push(o);
                    }
                }
            }
        }
        model.operations.sort_by_cached_key(|o| {
            (
                o.namespace.clone(),
                o.name.clone(),
                o.binding.as_ref().map(TypeRef::display),
                o.kind,
                o.parameters.iter().map(|p| format!("{}:{}", p.name, p.r#type.display())).collect::<Vec<_>>(),
            )
        });
    }

    /// One operation. Rule: its name is an identifier; then its binding, parameters and return
    /// type must resolve (every parameter and the return type are checked even when one fails).
    fn operation(&mut self, kind: OperationKind, namespace: &str, op: &csdl::Operation) -> Option<Operation> {
        let what =
            format!("{} {namespace}.{}", if kind == OperationKind::Action { "action" } else { "function" }, op.name);
        if !self.check_identifier(&op.name, &op.location, || format!("invalid operation name {:?}", op.name)) {
            return None;
        }
        let (binding, params) = self.binding(op, &what)?;
        let parameters = self.parameters(params, &what);
        let return_type = self.return_type(op, &what);
        let (parameters, return_type) = (parameters?, return_type?);
        Some(Operation {
            kind,
            namespace: namespace.to_string(),
            name: op.name.clone(),
            binding,
            parameters,
            return_type,
            is_composable: op.is_composable,
            entity_set_path: op.entity_set_path.clone(),
            docs: self.operation_docs(namespace, op),
            location: op.location.clone(),
        })
    }

    /// The binding parameter's type (bound operations) and the other parameters. Rule: a bound
    /// operation has a binding parameter.
    fn binding<'o>(&mut self, op: &'o csdl::Operation, what: &str) -> Option<(Option<TypeRef>, &'o [csdl::Parameter])> {
        if !op.is_bound {
            return Some((None, &op.parameters));
        }
        match op.parameters.split_first() {
            Some((p, rest)) => {
                let t = self.resolve(&p.r#type, &p.location, &format!("binding parameter of {what}"))?;
                Some((Some(t), rest))
            }
            None => {
                self.error(&op.location, format!("bound {what} has no binding parameter"));
                None
            }
        }
    }

    /// Rules: a parameter name is an identifier, its type resolves. `None` if any is in error.
    fn parameters(&mut self, params: &[csdl::Parameter], what: &str) -> Option<Vec<Parameter>> {
        let mut out = Vec::new();
        let mut scope = Scope::new();
        let mut ok = true;
        for p in params {
            if !self.check_identifier(&p.name, &p.location, || format!("invalid parameter name {:?} in {what}", p.name))
            {
                ok = false;
                continue;
            }
            let Some(r#type) = self.resolve(&p.r#type, &p.location, &format!("parameter {} of {what}", p.name)) else {
                ok = false;
                continue;
            };
            let optional = p.annotations.iter().any(|a| a.term == "Org.OData.Core.V1.OptionalParameter");
            let (rust_name, _) = scope.claim(&naming::field_name(&p.name), true);
            out.push(Parameter {
                name: p.name.clone(),
                rust_name,
                r#type,
                rust_type: ValueType::Json,
                nullable: p.nullable,
                optional,
            });
        }
        ok.then_some(out)
    }

    /// The return type, if any (`None`: it does not resolve).
    fn return_type(&mut self, op: &csdl::Operation, what: &str) -> Option<Option<ReturnType>> {
        let Some(rt) = &op.return_type else { return Some(None) };
        let r#type = self.resolve(&rt.r#type, &op.location, &format!("return type of {what}"))?;
        Some(Some(ReturnType { r#type, rust_type: ValueType::Json, nullable: rt.nullable }))
    }

    /// Graph targets an overload with all its parameter types
    /// (`microsoft.graph.resetPassword(microsoft.graph.authenticationMethod, Edm.String)`);
    /// OData also allows the binding parameter type alone, or the bare name for all overloads.
    /// The most specific target wins, field by field.
    fn operation_docs(&self, namespace: &str, op: &csdl::Operation) -> Docs {
        let mut targets = vec![self.operation_target(namespace, op, op.parameters.len())];
        if op.is_bound && op.parameters.len() > 1 {
            targets.push(self.operation_target(namespace, op, 1));
        }
        targets.push(format!("{namespace}.{}", op.name));
        let mut docs = Docs::default();
        for target in &targets {
            let d = self.docs(target);
            docs.description = docs.description.or(d.description);
            docs.long_description = docs.long_description.or(d.long_description);
            docs.deprecation = docs.deprecation.or(d.deprecation);
        }
        docs
    }

    /// The entity container. Rule: there is at most one.
    fn build_container(&mut self, model: &mut Model) {
        let doc = self.doc;
        for s in &doc.schemas {
            for c in &s.entity_containers {
                if model.container.is_some() {
                    self.error(&c.location, format!("more than one EntityContainer ({})", c.name));
                    continue;
                }
                model.container = Some(self.container(&s.namespace, c));
            }
        }
    }

    fn container(&mut self, namespace: &str, c: &csdl::EntityContainer) -> Container {
        let mut out = Container { name: c.name.clone(), namespace: namespace.to_string(), ..Container::default() };
        let mut scope = Scope::new();
        let sets = c.entity_sets.iter().map(|e| SetDecl {
            name: &e.name,
            entity_type: &e.entity_type,
            bindings: &e.navigation_property_bindings,
            location: &e.location,
            is_set: true,
        });
        let singletons = c.singletons.iter().map(|e| SetDecl {
            name: &e.name,
            entity_type: &e.r#type,
            bindings: &e.navigation_property_bindings,
            location: &e.location,
            is_set: false,
        });
        for decl in sets.chain(singletons) {
            let Some(set) = self.entity_set(&decl, &mut scope) else { continue };
            if decl.is_set {
                out.entity_sets.push(set);
            } else {
                out.singletons.push(set);
            }
        }
        out.entity_sets.sort_by(|a, b| a.name.cmp(&b.name));
        out.singletons.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Rules: an entity set or singleton name is an identifier; its type is an entity type.
    fn entity_set(&mut self, decl: &SetDecl<'_>, scope: &mut Scope) -> Option<EntitySet> {
        let (name, ty, loc) = (decl.name, decl.entity_type, decl.location);
        if !self.check_identifier(name, loc, || format!("invalid entity set or singleton name {name:?}")) {
            return None;
        }
        let entity_type = match self.qualify(ty).and_then(|q| self.declared.get(&q).map(|d| (q, *d))) {
            Some((q, Declared::Entity(..))) => q,
            _ => {
                self.error(loc, format!("unknown entity type {ty} of {name}"));
                return None;
            }
        };
        let (rust_name, _) = scope.claim(&naming::field_name(name), true);
        Some(EntitySet {
            name: name.to_string(),
            rust_name,
            entity_type,
            bindings: decl.bindings.iter().map(|b| (b.path.clone(), b.target.clone())).collect(),
        })
    }
}

/// Every type a schema declares, with where it is.
fn type_declarations(si: usize, schema: &csdl::Schema) -> Vec<(&str, &Location, Declared)> {
    let mut decls: Vec<(&str, &Location, Declared)> = Vec::new();
    decls.extend(
        schema.entity_types.iter().enumerate().map(|(i, t)| (t.name.as_str(), &t.location, Declared::Entity(si, i))),
    );
    decls.extend(
        schema.complex_types.iter().enumerate().map(|(i, t)| (t.name.as_str(), &t.location, Declared::Complex(si, i))),
    );
    decls.extend(
        schema.enum_types.iter().enumerate().map(|(i, t)| (t.name.as_str(), &t.location, Declared::Enum(si, i))),
    );
    decls.extend(
        schema
            .type_definitions
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), &t.location, Declared::TypeDef(si, i))),
    );
    decls
}

/// An entity or complex type as declared.
struct StructDecl<'d> {
    namespace: &'d str,
    kind: StructKind,
    name: &'d str,
    base_type: Option<&'d str>,
    is_abstract: bool,
    open_type: bool,
    has_stream: bool,
    key: &'d [String],
    properties: &'d [csdl::Property],
    navigation_properties: &'d [csdl::NavigationProperty],
    location: &'d Location,
}

impl<'d> StructDecl<'d> {
    /// Its own properties: structural ones, then navigation properties, in document order.
    fn own_properties(&self) -> impl Iterator<Item = PropertyDecl<'d>> + 'd {
        let structural = self.properties.iter().map(|p| PropertyDecl {
            name: &p.name,
            r#type: &p.r#type,
            nullable: p.nullable,
            navigation: false,
            contains_target: false,
            location: &p.location,
        });
        let navigation = self.navigation_properties.iter().map(|n| PropertyDecl {
            name: &n.name,
            r#type: &n.r#type,
            nullable: n.nullable,
            navigation: true,
            contains_target: n.contains_target,
            location: &n.location,
        });
        structural.chain(navigation)
    }
}

/// A structural or navigation property as declared.
struct PropertyDecl<'d> {
    name: &'d str,
    r#type: &'d csdl::TypeRef,
    nullable: bool,
    navigation: bool,
    contains_target: bool,
    location: &'d Location,
}

/// An entity set or singleton as declared.
struct SetDecl<'d> {
    name: &'d str,
    entity_type: &'d str,
    bindings: &'d [csdl::NavigationPropertyBinding],
    location: &'d Location,
    is_set: bool,
}
