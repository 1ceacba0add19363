//! [`Model::build`]'s steps (resolution, validation, naming, representation).

use std::collections::{BTreeMap, BTreeSet};

use super::build::{Builder, Declared};
use super::graph::{inheritance_order, strongly_connected};
use super::{
    Container, Docs, EntitySet, EnumMember, EnumType, FieldType, KindEnum, KindVariant, Model, Namespace, Operation,
    OperationKind, Parameter, Property, QName, ReturnType, StructKind, StructType, TypeRef, TypeTarget, ValueType,
    Wrap, ENTITY,
};
use crate::csdl::{self, Annotation, Location};
use crate::naming::{self, Scope};

impl Builder<'_> {
    pub(super) fn run(&mut self) -> Model {
        let doc = self.doc;
        let mut model = Model::default();

        // 1. Namespaces and aliases.
        for schema in &doc.schemas {
            if schema.namespace.is_empty() || !schema.namespace.split('.').all(naming::is_valid_csdl_identifier) {
                self.error(&schema.location, format!("invalid namespace name {:?}", schema.namespace));
            }
            if model.namespaces.contains_key(&schema.namespace) {
                self.error(&schema.location, format!("namespace {} is declared twice", schema.namespace));
                continue;
            }
            self.namespaces.insert(schema.namespace.clone(), schema.namespace.clone());
            if let Some(alias) = &schema.alias {
                if let Some(other) = self.namespaces.get(alias).filter(|n| *n != &schema.namespace) {
                    let msg = format!("alias {alias} of {} is already used by {other}", schema.namespace);
                    self.error(&schema.location, msg);
                } else {
                    self.namespaces.insert(alias.clone(), schema.namespace.clone());
                }
            }
            model.namespaces.insert(
                schema.namespace.clone(),
                Namespace {
                    name: schema.namespace.clone(),
                    alias: schema.alias.clone(),
                    module_path: naming::module_path(&schema.namespace),
                },
            );
        }

        // 2. Declared types (duplicates are errors).
        for (si, schema) in doc.schemas.iter().enumerate() {
            let mut decls: Vec<(&str, &Location, Declared)> = Vec::new();
            decls.extend(
                schema
                    .entity_types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::Entity(si, i))),
            );
            decls.extend(
                schema
                    .complex_types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::Complex(si, i))),
            );
            decls.extend(
                schema
                    .enum_types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::Enum(si, i))),
            );
            decls.extend(
                schema
                    .type_definitions
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::TypeDef(si, i))),
            );
            for (name, loc, d) in decls {
                if !naming::is_valid_csdl_identifier(name) {
                    self.error(loc, format!("invalid type name {name:?}: not a valid identifier"));
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

        // 3. Annotations by normalised target (blocks first, then inline ones).
        for schema in &doc.schemas {
            for block in &schema.annotations {
                let target = self.normalise_target(&block.target);
                self.annotations.entry(target).or_default().extend(block.annotations.iter().cloned());
            }
        }
        self.collect_inline_annotations();

        // 4. Structs: resolve bases, detect cycles, order base before derived.
        let mut bases: BTreeMap<QName, Option<QName>> = BTreeMap::new();
        for (q, d) in self.declared.clone() {
            let (base, loc, is_entity) = match d {
                Declared::Entity(s, i) => {
                    let t = &doc.schemas[s].entity_types[i];
                    (t.base_type.as_deref(), &t.location, true)
                }
                Declared::Complex(s, i) => {
                    let t = &doc.schemas[s].complex_types[i];
                    (t.base_type.as_deref(), &t.location, false)
                }
                _ => continue,
            };
            let resolved = match base {
                None => None,
                Some(b) => match self.qualify(b).and_then(|bq| self.declared.get(&bq).map(|d| (bq, *d))) {
                    Some((bq, Declared::Entity(..))) if is_entity => Some(bq),
                    Some((bq, Declared::Complex(..))) if !is_entity => Some(bq),
                    Some((bq, _)) => {
                        let what = if is_entity { "an entity type" } else { "a complex type" };
                        self.error(loc, format!("base type {bq} of {q} is not {what}"));
                        None
                    }
                    None => {
                        self.error(loc, format!("unknown base type {b} of {q}"));
                        None
                    }
                },
            };
            bases.insert(q, resolved);
        }
        let mut in_cycle: BTreeSet<QName> = BTreeSet::new();
        for start in bases.keys() {
            let mut seen = vec![start.clone()];
            let mut cur = bases.get(start).cloned().flatten();
            while let Some(c) = cur {
                if c == *start {
                    if seen.iter().all(|s| !in_cycle.contains(s)) {
                        let loc = self.location_of(start);
                        let mut chain = seen.clone();
                        chain.push(start.clone());
                        self.error(&loc, format!("inheritance cycle: {}", chain.join(" -> ")));
                    }
                    in_cycle.extend(seen.iter().cloned());
                    break;
                }
                if seen.contains(&c) {
                    break; // a cycle further up; reported from its own members
                }
                seen.push(c.clone());
                cur = bases.get(&c).cloned().flatten();
            }
        }
        for q in &in_cycle {
            bases.insert(q.clone(), None);
        }
        model.inheritance_order = inheritance_order(&bases);

        // 5. Type names per module (document order within each namespace).
        let mut type_names: BTreeMap<QName, (String, bool)> = BTreeMap::new();
        let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
        {
            let mut by_ns: BTreeMap<&str, Vec<(&Location, QName, &str)>> = BTreeMap::new();
            for (q, d) in &self.declared {
                let (s, name, loc) = match *d {
                    Declared::Entity(s, i) => {
                        (s, &doc.schemas[s].entity_types[i].name, &doc.schemas[s].entity_types[i].location)
                    }
                    Declared::Complex(s, i) => {
                        (s, &doc.schemas[s].complex_types[i].name, &doc.schemas[s].complex_types[i].location)
                    }
                    Declared::Enum(s, i) => {
                        (s, &doc.schemas[s].enum_types[i].name, &doc.schemas[s].enum_types[i].location)
                    }
                    Declared::TypeDef(..) => continue,
                };
                by_ns.entry(doc.schemas[s].namespace.as_str()).or_default().push((loc, q.clone(), name.as_str()));
            }
            for (ns, mut items) in by_ns {
                items.sort_by(|a, b| (a.0.line, a.0.column, &a.1).cmp(&(b.0.line, b.0.column, &b.1)));
                let scope = scopes.entry(ns.to_string()).or_default();
                for (_, q, name) in items {
                    let named = scope.claim(&naming::type_name(name), false);
                    type_names.insert(q, named);
                }
            }
        }

        // 6. Enums.
        for (q, d) in self.declared.clone() {
            let q = &q;
            let Declared::Enum(s, i) = d else { continue };
            let schema = &doc.schemas[s];
            let t = &schema.enum_types[i];
            let mut scope = Scope::with_reserved(&[naming::UNKNOWN_VARIANT]);
            let mut members = Vec::new();
            let mut seen = BTreeSet::new();
            for (mi, m) in t.members.iter().enumerate() {
                if !naming::is_valid_csdl_identifier(&m.name) {
                    self.error(&m.location, format!("invalid enum member name {:?} in {q}", m.name));
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
            let (rust_name, renamed) = type_names.get(q).cloned().unwrap_or_default();
            let docs = self.docs(q);
            model.enums.insert(
                q.clone(),
                EnumType {
                    qname: q.clone(),
                    namespace: schema.namespace.clone(),
                    name: t.name.clone(),
                    rust_name,
                    renamed,
                    is_flags: t.is_flags,
                    members,
                    docs,
                    location: t.location.clone(),
                },
            );
        }

        // 7. Structs, in inheritance order so a base's properties are ready for its derived types.
        let order = model.inheritance_order.clone();
        for q in &order {
            let Some(d) = self.declared.get(q).copied() else { continue };
            let schema_index = match d {
                Declared::Entity(s, _) | Declared::Complex(s, _) => s,
                _ => continue,
            };
            let schema = &doc.schemas[schema_index];
            let (kind, name, is_abstract, open_type, has_stream, key, props, navs, location) = match d {
                Declared::Entity(_, i) => {
                    let t = &schema.entity_types[i];
                    (
                        StructKind::Entity,
                        &t.name,
                        t.is_abstract,
                        t.open_type,
                        t.has_stream,
                        t.key.clone(),
                        &t.properties,
                        &t.navigation_properties,
                        &t.location,
                    )
                }
                Declared::Complex(_, i) => {
                    let t = &schema.complex_types[i];
                    (
                        StructKind::Complex,
                        &t.name,
                        t.is_abstract,
                        t.open_type,
                        false,
                        Vec::new(),
                        &t.properties,
                        &t.navigation_properties,
                        &t.location,
                    )
                }
                _ => continue,
            };
            let base = bases.get(q).cloned().flatten();
            let base_type = base.as_ref().and_then(|b| model.structs.get(b));
            let mut properties: Vec<Property> = base_type.map(|b| b.properties.clone()).unwrap_or_default();
            let key = if key.is_empty() { base_type.map(|b| b.key.clone()).unwrap_or_default() } else { key };
            let has_stream = has_stream || base_type.is_some_and(|b| b.has_stream);
            let mut wire_names: BTreeSet<String> = properties.iter().map(|p| p.name.clone()).collect();
            let own = props.iter().map(|p| (p.name.as_str(), &p.r#type, p.nullable, false, false, &p.location)).chain(
                navs.iter().map(|n| (n.name.as_str(), &n.r#type, n.nullable, true, n.contains_target, &n.location)),
            );
            for (pname, ptype, nullable, navigation, contains_target, ploc) in own {
                if !naming::is_valid_csdl_identifier(pname) {
                    self.error(ploc, format!("invalid property name {pname:?} in {q}: not a valid identifier"));
                    continue;
                }
                if !wire_names.insert(pname.to_string()) {
                    self.error(
                        ploc,
                        format!("duplicate property {pname} in {q} (declared here and in {q} or a base type)"),
                    );
                    continue;
                }
                let Some(r#type) = self.resolve(ptype, ploc, &format!("property {pname} of {q}")) else { continue };
                if navigation && !matches!(r#type.target, TypeTarget::Struct(_)) {
                    self.error(
                        ploc,
                        format!(
                            "navigation property {pname} of {q} must target an entity type, not {}",
                            r#type.display()
                        ),
                    );
                    continue;
                }
                let target = format!("{q}/{pname}");
                let docs = self.docs(&target);
                let computed = self.bool_annotation(&target, "Org.OData.Core.V1.Computed");
                properties.push(Property {
                    name: pname.to_string(),
                    rust_name: String::new(),
                    renamed: false,
                    rust_type: FieldType { value: ValueType::Json, wrap: Wrap::Plain },
                    r#type,
                    nullable,
                    navigation,
                    contains_target,
                    computed,
                    declared_in: q.clone(),
                    docs,
                    location: ploc.clone(),
                });
            }
            for k in &key {
                if !properties.iter().any(|p| &p.name == k) {
                    self.error(location, format!("key property {k} of {q} is not a property of the type"));
                }
            }
            let (rust_name, renamed) = type_names.get(q).cloned().unwrap_or_default();
            let docs = self.docs(q);
            model.structs.insert(
                q.clone(),
                StructType {
                    qname: q.clone(),
                    namespace: schema.namespace.clone(),
                    name: name.clone(),
                    rust_name,
                    renamed,
                    kind,
                    base,
                    is_abstract,
                    open_type,
                    has_stream,
                    key,
                    properties,
                    derived: Vec::new(),
                    writes_odata_type: false,
                    docs,
                    location: location.clone(),
                },
            );
        }
        let children: Vec<(QName, QName)> =
            model.structs.values().filter_map(|s| s.base.clone().map(|b| (b, s.qname.clone()))).collect();
        for (b, c) in children {
            if let Some(s) = model.structs.get_mut(&b) {
                s.derived.push(c);
            }
        }
        for s in model.structs.values_mut() {
            s.derived.sort();
        }

        // 8. Operations.
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

        // 9. Container.
        model.container = self.container(&doc.schemas);

        // 10. Polymorphism, representation, boxing, field names.
        self.finish_structs(&mut model, &mut scopes);
        model.annotations = std::mem::take(&mut self.annotations);
        model
    }

    fn collect_inline_annotations(&mut self) {
        let doc = self.doc;
        let add = |target: String, anns: &[Annotation], map: &mut BTreeMap<String, Vec<Annotation>>| {
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

    fn operation(&mut self, kind: OperationKind, namespace: &str, op: &csdl::Operation) -> Option<Operation> {
        let what =
            format!("{} {namespace}.{}", if kind == OperationKind::Action { "action" } else { "function" }, op.name);
        if !naming::is_valid_csdl_identifier(&op.name) {
            self.error(&op.location, format!("invalid operation name {:?}", op.name));
            return None;
        }
        let mut params = op.parameters.iter();
        let binding = if op.is_bound {
            match params.next() {
                Some(p) => Some(self.resolve(&p.r#type, &p.location, &format!("binding parameter of {what}"))?),
                None => {
                    self.error(&op.location, format!("bound {what} has no binding parameter"));
                    return None;
                }
            }
        } else {
            None
        };
        let mut parameters = Vec::new();
        let mut scope = Scope::new();
        let mut ok = true;
        for p in params {
            if !naming::is_valid_csdl_identifier(&p.name) {
                self.error(&p.location, format!("invalid parameter name {:?} in {what}", p.name));
                ok = false;
                continue;
            }
            let Some(r#type) = self.resolve(&p.r#type, &p.location, &format!("parameter {} of {what}", p.name)) else {
                ok = false;
                continue;
            };
            let optional = p.annotations.iter().any(|a| a.term == "Org.OData.Core.V1.OptionalParameter");
            let (rust_name, _) = scope.claim(&naming::field_name(&p.name), true);
            parameters.push(Parameter {
                name: p.name.clone(),
                rust_name,
                r#type,
                rust_type: ValueType::Json,
                nullable: p.nullable,
                optional,
            });
        }
        let return_type = match &op.return_type {
            Some(rt) => match self.resolve(&rt.r#type, &op.location, &format!("return type of {what}")) {
                Some(t) => Some(ReturnType { r#type: t, rust_type: ValueType::Json, nullable: rt.nullable }),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if !ok {
            return None;
        }
        // Graph targets an overload with all its parameter types
        // (`microsoft.graph.resetPassword(microsoft.graph.authenticationMethod, Edm.String)`);
        // OData also allows the binding parameter type alone, or the bare name for all overloads.
        // The most specific target wins, field by field.
        let plain = format!("{namespace}.{}", op.name);
        let mut targets = vec![self.operation_target(namespace, op, op.parameters.len())];
        if op.is_bound && op.parameters.len() > 1 {
            targets.push(self.operation_target(namespace, op, 1));
        }
        targets.push(plain);
        let mut docs = Docs::default();
        for target in &targets {
            let d = self.docs(target);
            docs.description = docs.description.or(d.description);
            docs.long_description = docs.long_description.or(d.long_description);
            docs.deprecation = docs.deprecation.or(d.deprecation);
        }
        Some(Operation {
            kind,
            namespace: namespace.to_string(),
            name: op.name.clone(),
            binding,
            parameters,
            return_type,
            is_composable: op.is_composable,
            entity_set_path: op.entity_set_path.clone(),
            docs,
            location: op.location.clone(),
        })
    }

    fn container(&mut self, schemas: &[csdl::Schema]) -> Option<Container> {
        let mut found: Option<Container> = None;
        for s in schemas {
            for c in &s.entity_containers {
                if found.is_some() {
                    self.error(&c.location, format!("more than one EntityContainer ({})", c.name));
                    continue;
                }
                let mut out =
                    Container { name: c.name.clone(), namespace: s.namespace.clone(), ..Container::default() };
                let mut scope = Scope::new();
                for (set, is_set) in c
                    .entity_sets
                    .iter()
                    .map(|e| (&e.name, &e.entity_type, &e.navigation_property_bindings, &e.location, true))
                    .chain(
                        c.singletons
                            .iter()
                            .map(|e| (&e.name, &e.r#type, &e.navigation_property_bindings, &e.location, false)),
                    )
                    .map(|t| ((t.0, t.1, t.2, t.3), t.4))
                {
                    let (name, ty, bindings, loc) = set;
                    if !naming::is_valid_csdl_identifier(name) {
                        self.error(loc, format!("invalid entity set or singleton name {name:?}"));
                        continue;
                    }
                    let entity_type = match self.qualify(ty).and_then(|q| self.declared.get(&q).map(|d| (q, *d))) {
                        Some((q, Declared::Entity(..))) => q,
                        _ => {
                            self.error(loc, format!("unknown entity type {ty} of {name}"));
                            continue;
                        }
                    };
                    let (rust_name, _) = scope.claim(&naming::field_name(name), true);
                    let set = EntitySet {
                        name: name.clone(),
                        rust_name,
                        entity_type,
                        bindings: bindings.iter().map(|b| (b.path.clone(), b.target.clone())).collect(),
                    };
                    if is_set {
                        out.entity_sets.push(set);
                    } else {
                        out.singletons.push(set);
                    }
                }
                out.entity_sets.sort_by(|a, b| a.name.cmp(&b.name));
                out.singletons.sort_by(|a, b| a.name.cmp(&b.name));
                found = Some(out);
            }
        }
        found
    }

    fn finish_structs(&mut self, model: &mut Model, scopes: &mut BTreeMap<String, Scope>) {
        // Which base types are referenced polymorphically (as a property, navigation, parameter
        // or return type) and have derived types?
        let mut referenced: BTreeSet<QName> = BTreeSet::new();
        for s in model.structs.values() {
            for p in &s.properties {
                if let TypeTarget::Struct(q) = &p.r#type.target {
                    referenced.insert(q.clone());
                }
            }
        }
        for o in &model.operations {
            for t in o.parameters.iter().map(|p| &p.r#type).chain(o.return_type.as_ref().map(|r| &r.r#type)) {
                if let TypeTarget::Struct(q) = &t.target {
                    referenced.insert(q.clone());
                }
            }
        }
        let polymorphic: BTreeSet<QName> =
            referenced.into_iter().filter(|q| model.structs.get(q).is_some_and(|s| !s.derived.is_empty())).collect();
        for q in &polymorphic {
            let Some(base) = model.structs.get(q) else { continue };
            let scope = scopes.entry(base.namespace.clone()).or_default();
            let (rust_name, _) = scope.claim(&naming::kind_name(&base.rust_name), false);
            let mut vscope = Scope::new();
            let mut variants = Vec::new();
            for v in std::iter::once(q.clone()).chain(model.descendants(q)) {
                let Some(t) = model.structs.get(&v) else { continue };
                let wanted = if t.namespace == base.namespace {
                    t.rust_name.clone()
                } else {
                    let prefix: String = model.module_path(&t.namespace).iter().map(|m| naming::type_name(m)).collect();
                    format!("{prefix}{}", t.rust_name)
                };
                let (rust_name, _) = vscope.claim(&wanted, false);
                variants.push(KindVariant { qname: v, rust_name });
            }
            model.kinds.insert(
                q.clone(),
                KindEnum { base: q.clone(), namespace: base.namespace.clone(), rust_name, variants },
            );
        }
        let writes: BTreeSet<QName> = model
            .structs
            .keys()
            .filter(|q| model.ancestors(q).iter().any(|a| a != ENTITY && polymorphic.contains(a)))
            .cloned()
            .collect();

        // Inline containment graph for boxing: single-valued, non-navigation struct fields.
        let mut edges: BTreeMap<QName, BTreeSet<QName>> = BTreeMap::new();
        for s in model.structs.values() {
            for p in &s.properties {
                if let TypeTarget::Struct(t) = &p.r#type.target {
                    if !p.navigation && !p.r#type.collection && !polymorphic.contains(t) {
                        edges.entry(s.qname.clone()).or_default().insert(t.clone());
                    }
                }
            }
        }
        let scc = strongly_connected(&edges);

        // Rust types, computed from the finished names and wrappers.
        let mut field_types: BTreeMap<QName, Vec<FieldType>> = BTreeMap::new();
        for s in model.structs.values() {
            let types = s
                .properties
                .iter()
                .map(|p| {
                    let value = model.value_type(&p.r#type.target);
                    let wrap = if p.r#type.collection {
                        Wrap::Vec
                    } else if matches!(&value, ValueType::Struct(t)
                        if p.navigation || scc.get(&s.qname).is_some_and(|c| Some(c) == scc.get(&t.qname)))
                    {
                        Wrap::Boxed
                    } else {
                        Wrap::Plain
                    };
                    FieldType { value, wrap }
                })
                .collect();
            field_types.insert(s.qname.clone(), types);
        }
        let mut operation_types = Vec::with_capacity(model.operations.len());
        for o in &model.operations {
            let params: Vec<ValueType> = o.parameters.iter().map(|p| model.value_type(&p.r#type.target)).collect();
            operation_types.push((params, o.return_type.as_ref().map(|r| model.value_type(&r.r#type.target))));
        }
        for (o, (params, ret)) in model.operations.iter_mut().zip(operation_types) {
            for (p, t) in o.parameters.iter_mut().zip(params) {
                p.rust_type = t;
            }
            if let (Some(r), Some(t)) = (o.return_type.as_mut(), ret) {
                r.rust_type = t;
            }
        }

        for s in model.structs.values_mut() {
            s.writes_odata_type = writes.contains(&s.qname);
            let mut scope = Scope::with_reserved(&[naming::ADDITIONAL_DATA_FIELD]);
            let types = field_types.remove(&s.qname).unwrap_or_default();
            for (p, t) in s.properties.iter_mut().zip(types) {
                let (rust_name, renamed) = scope.claim(&naming::field_name(&p.name), true);
                p.rust_name = rust_name;
                p.renamed = renamed;
                p.rust_type = t;
            }
        }
    }
}
