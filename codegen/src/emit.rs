//! IR → Rust source. Token streams are built with `quote!`, parsed into a `syn::File` and
//! printed with prettyplease. One module per namespace, one file per type.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

mod builders;

use crate::features::{self, Cond, Gates};
use crate::ir::{Docs, EnumType, FieldType, KindEnum, Model, ModelPath, Scalar, StructType, ValueType, Wrap};
use crate::naming;
use crate::Generated;

/// Emits the whole generated tree.
pub fn emit(model: &Model, sha256: &str) -> Generated {
    let mut files = BTreeMap::new();
    let header = header(sha256);
    let gates = features::compute(model);
    let put = |files: &mut BTreeMap<String, String>, path: String, tokens: TokenStream| {
        files.insert(path, render(&header, tokens));
    };

    // Which type files live in which module (keyed by module path).
    let mut modules: BTreeMap<Vec<String>, ModuleContents> = BTreeMap::new();
    modules.entry(Vec::new()).or_default();
    for ns in model.namespaces.values() {
        // Make sure every ancestor module exists, with its children listed.
        for depth in 0..ns.module_path.len() {
            let parent = ns.module_path[..depth].to_vec();
            let child = ns.module_path[depth].clone();
            modules.entry(parent).or_default().children.insert(child);
            modules.entry(ns.module_path[..=depth].to_vec()).or_default();
        }
        if let Some(m) = modules.get_mut(&ns.module_path) {
            m.namespaces.push(ns.name.clone());
        }
    }

    for s in model.structs.values() {
        let path = model.module_path(&s.namespace);
        let stem = naming::type_file_stem(&s.rust_name);
        let tokens = if s.qname == crate::ir::JSON { json_alias(s) } else { struct_tokens(&gates, s) };
        put(&mut files, file_path(&path, &stem), tokens);
        if let Some(m) = modules.get_mut(&path) {
            m.cfgs.insert(stem.clone(), Cond::of(gates.of(&s.qname)));
            m.types.push((stem, s.rust_name.clone()));
        }
    }
    for e in model.enums.values() {
        let path = model.module_path(&e.namespace);
        let stem = naming::type_file_stem(&e.rust_name);
        put(&mut files, file_path(&path, &stem), enum_tokens(e));
        if let Some(m) = modules.get_mut(&path) {
            m.cfgs.insert(stem.clone(), Cond::of(gates.of(&e.qname)));
            m.types.push((stem, e.rust_name.clone()));
        }
    }
    for k in model.kinds.values() {
        let path = model.module_path(&k.namespace);
        let stem = naming::type_file_stem(&k.rust_name);
        put(&mut files, file_path(&path, &stem), kind_tokens(model, &gates, k));
        if let Some(m) = modules.get_mut(&path) {
            m.cfgs.insert(stem.clone(), Cond::of(gates.of(&k.base)));
            m.types.push((stem, k.rust_name.clone()));
        }
    }

    for (path, contents) in &modules {
        let rel =
            if path.is_empty() { "models/mod.rs".to_string() } else { format!("models/{}/mod.rs", path.join("/")) };
        put(&mut files, rel, module_tokens(path, contents));
    }
    // Request builders: one file per entity type, parameter structs, and the client entry points.
    let names = builders::builder_names(model);
    let params = builders::param_structs(model, &names);
    let mut bmodules: BTreeMap<Vec<String>, ModuleContents> = BTreeMap::new();
    for (path, contents) in &modules {
        bmodules.insert(
            path.clone(),
            ModuleContents {
                namespaces: contents.namespaces.clone(),
                children: contents.children.clone(),
                types: Vec::new(),
                cfgs: BTreeMap::new(),
            },
        );
    }
    for s in model.structs.values().filter(|s| s.kind == crate::ir::StructKind::Entity) {
        let Some(n) = names.get(&s.qname) else { continue };
        let path = model.module_path(&s.namespace);
        let stem = naming::type_file_stem(&s.rust_name);
        let tokens = builders::builder_tokens(model, &gates, s, &names, &params);
        put(&mut files, builder_file_path(&path, &stem), tokens);
        if let Some(m) = bmodules.get_mut(&path) {
            m.cfgs.insert(stem.clone(), Cond::of(gates.of(&s.qname)));
            m.types.push((stem.clone(), n.item.clone()));
            m.types.push((stem, n.collection.clone()));
        }
    }
    for op in &model.operations {
        let Some((ns, name)) = params.name_of(op) else { continue };
        let path = model.module_path(ns);
        let stem = naming::type_file_stem(name);
        put(&mut files, builder_file_path(&path, &stem), builders::param_struct_tokens(op, name));
        if let Some(m) = bmodules.get_mut(&path) {
            m.cfgs.insert(stem.clone(), builders::param_cond(&gates, op));
            m.types.push((stem, name.to_string()));
        }
    }
    for (path, contents) in &bmodules {
        let rel =
            if path.is_empty() { "builders/mod.rs".to_string() } else { format!("builders/{}/mod.rs", path.join("/")) };
        put(&mut files, rel, module_tokens(path, contents));
    }
    put(&mut files, "client.rs".to_string(), builders::entry_points(model, &gates, &names));

    for (path, tokens) in schema_files(model) {
        put(&mut files, path, tokens);
    }
    put(
        &mut files,
        "mod.rs".to_string(),
        quote! {
            #![doc = " Code generated from the Microsoft Graph CSDL metadata."]
            pub mod builders;
            mod client;
            pub mod models;
            pub mod schema;
        },
    );
    Generated { files }
}

#[derive(Default)]
struct ModuleContents {
    namespaces: Vec<String>,
    children: BTreeSet<String>,
    /// (file stem, type name)
    types: Vec<(String, String)>,
    /// When each file stem compiles (no entry: always).
    cfgs: BTreeMap<String, Cond>,
}

fn header(sha256: &str) -> String {
    format!("// @generated by `cargo xtask codegen` from Graph CSDL sha256 {sha256}. Do not edit.\n")
}

fn render(header: &str, tokens: TokenStream) -> String {
    let body = match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // Not expected: the emitter produced tokens that do not parse. Keep the raw tokens so
        // the failure is visible in the compiler error rather than hidden.
        Err(e) => format!("compile_error!({:?});\n{tokens}\n", e.to_string()),
    };
    let mut out = String::with_capacity(header.len() + body.len());
    out.push_str(header);
    out.push_str(&body);
    out
}

fn builder_file_path(module: &[String], stem: &str) -> String {
    if module.is_empty() {
        format!("builders/{stem}.rs")
    } else {
        format!("builders/{}/{stem}.rs", module.join("/"))
    }
}

fn file_path(module: &[String], stem: &str) -> String {
    if module.is_empty() {
        format!("models/{stem}.rs")
    } else {
        format!("models/{}/{stem}.rs", module.join("/"))
    }
}

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `crate::models::a::b::Name`
fn type_path(model: &Model, namespace: &str, rust_name: &str) -> TokenStream {
    let segs = model.module_path(namespace);
    let segs = segs.iter().map(|s| ident(s));
    let name = ident(rust_name);
    quote! { crate::models:: #(#segs::)* #name }
}

fn doc_attrs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|l| {
        let text = format!(" {l}");
        quote! { #[doc = #text] }
    });
    quote! { #(#attrs)* }
}

/// Doc lines from the CSDL descriptions, made safe for rustdoc (no indented code blocks, no
/// fences, no stray HTML).
fn doc_lines(docs: &Docs) -> Vec<String> {
    let mut out = Vec::new();
    for text in [&docs.description, &docs.long_description].into_iter().flatten() {
        if !out.is_empty() {
            out.push(String::new());
        }
        for line in text.lines() {
            let l = line.trim().replace("```", "'''").replace('<', "&lt;").replace('>', "&gt;");
            out.push(l);
        }
    }
    out
}

fn deprecated_attr(docs: &Docs) -> TokenStream {
    match &docs.deprecation {
        Some(d) => {
            let note = d.note();
            quote! { #[deprecated(note = #note)] }
        }
        None => quote! {},
    }
}

/// Names from the Rust prelude the generated code uses. A file whose own type has one of these
/// names spells them with absolute paths; every other file uses the short prelude names (each
/// type lives alone in its module, so nothing else there can shadow them). Other Graph types
/// are always referred to by absolute `crate::models::` paths.
const PRELUDE_NAMES: &[&str] = &["Option", "Some", "None", "Vec", "Box", "String", "Result", "Ok", "Err", "Default"];

#[derive(Clone, Copy)]
struct Paths {
    absolute: bool,
}

impl Paths {
    fn for_type(rust_name: &str) -> Paths {
        Paths { absolute: PRELUDE_NAMES.contains(&rust_name) }
    }
    fn option(self) -> TokenStream {
        if self.absolute {
            quote! { ::core::option::Option }
        } else {
            quote! { Option }
        }
    }
    fn vec(self) -> TokenStream {
        if self.absolute {
            quote! { ::std::vec::Vec }
        } else {
            quote! { Vec }
        }
    }
    fn boxed(self) -> TokenStream {
        if self.absolute {
            quote! { ::std::boxed::Box }
        } else {
            quote! { Box }
        }
    }
    fn string(self) -> TokenStream {
        if self.absolute {
            quote! { ::std::string::String }
        } else {
            quote! { String }
        }
    }
}

fn scalar_tokens(s: Scalar, paths: Paths) -> TokenStream {
    match s {
        Scalar::String => paths.string(),
        Scalar::Bool => quote! { bool },
        Scalar::U8 => quote! { u8 },
        Scalar::I8 => quote! { i8 },
        Scalar::I16 => quote! { i16 },
        Scalar::I32 => quote! { i32 },
        Scalar::I64 => quote! { i64 },
        Scalar::F32 => quote! { f32 },
        Scalar::F64 => quote! { f64 },
        Scalar::Decimal => quote! { ::msgraph_core::edm::Decimal },
        Scalar::DateTimeOffset => quote! { ::msgraph_core::edm::DateTimeOffset },
        Scalar::Date => quote! { ::msgraph_core::edm::Date },
        Scalar::TimeOfDay => quote! { ::msgraph_core::edm::TimeOfDay },
        Scalar::Duration => quote! { ::msgraph_core::edm::Duration },
        Scalar::Guid => quote! { ::msgraph_core::edm::Guid },
        Scalar::Binary => quote! { ::msgraph_core::edm::Binary },
    }
}

/// `crate::models::a::b::Name`
fn model_path_tokens(p: &ModelPath) -> TokenStream {
    let segs = p.module_path.iter().map(|s| ident(s));
    let name = ident(&p.rust_name);
    quote! { crate::models:: #(#segs::)* #name }
}

/// The tokens of a value's Rust type.
fn value_tokens(v: &ValueType, paths: Paths) -> TokenStream {
    match v {
        ValueType::Scalar(s) => scalar_tokens(*s, paths),
        ValueType::Json => quote! { ::serde_json::Value },
        ValueType::Enum(p) | ValueType::Struct(p) | ValueType::Kind(p) => model_path_tokens(p),
        ValueType::Flags(p) => {
            let e = model_path_tokens(p);
            quote! { ::msgraph_core::model::Flags<#e> }
        }
    }
}

fn field_type(t: &FieldType, paths: Paths) -> TokenStream {
    let inner = value_tokens(&t.value, paths);
    let inner = match t.wrap {
        Wrap::Plain => inner,
        Wrap::Boxed => {
            let boxed = paths.boxed();
            quote! { #boxed<#inner> }
        }
        Wrap::Vec => {
            let vec = paths.vec();
            quote! { #vec<#inner> }
        }
    };
    let option = paths.option();
    quote! { #option<#inner> }
}

fn struct_doc(s: &StructType) -> Vec<String> {
    let mut lines = doc_lines(&s.docs);
    if !lines.is_empty() {
        lines.push(String::new());
    }
    let kind = match s.kind {
        crate::ir::StructKind::Entity => "entity type",
        crate::ir::StructKind::Complex => "complex type",
    };
    let mut facts = vec![format!("OData {kind} `{}`", s.qname)];
    if let Some(b) = &s.base {
        facts.push(format!("derived from `{b}`"));
    }
    if s.is_abstract {
        facts.push("abstract".to_string());
    }
    if s.open_type {
        facts.push("open (dynamic properties land in `additional_data`)".to_string());
    }
    if s.has_stream {
        facts.push("media entity".to_string());
    }
    lines.push(format!("{}.", facts.join(", ")));
    if s.renamed {
        lines.push(format!(
            "Renamed to `{}` because its converted name collides with another type in the module.",
            s.rust_name
        ));
    }
    lines
}

fn field_doc(p: &crate::ir::Property) -> Vec<String> {
    let mut lines = doc_lines(&p.docs);
    let mut facts: Vec<String> = Vec::new();
    if p.navigation {
        facts.push(if p.contains_target { "Contained navigation".into() } else { "Navigation".into() });
    }
    if p.computed {
        facts.push("Read-only: never sent on create/update".into());
    }
    if p.renamed {
        facts.push(format!("Wire name `{}` (renamed: the converted name collides with another field)", p.name));
    }
    if !facts.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!("{}.", facts.join("; ")));
    }
    lines
}

fn struct_tokens(gates: &Gates, s: &StructType) -> TokenStream {
    let own_gate = gates.of(&s.qname);
    let paths = Paths::for_type(&s.rust_name);
    let name = ident(&s.rust_name);
    let docs = doc_attrs(&struct_doc(s));
    let deprecated = deprecated_attr(&s.docs);
    let odata_type = &s.qname;

    let mut fields = Vec::new();
    let mut infos = Vec::new();
    let mut field_arms = Vec::new();
    for (i, p) in s.properties.iter().enumerate() {
        let fname = ident(&p.rust_name);
        let ty = field_type(&p.rust_type, paths);
        let fdocs = doc_attrs(&field_doc(p));
        let fdep = deprecated_attr(&p.docs);
        let cfg = Cond::of(gates.of_value(&p.rust_type.value)).under(own_gate).attr();
        fields.push(quote! { #fdocs #fdep #cfg pub #fname: #ty, });
        let wire = &p.name;
        let mut flags = 0u8;
        if p.navigation {
            flags |= 1;
        }
        if p.computed {
            flags |= 2;
        }
        if p.r#type.collection {
            flags |= 4;
        }
        let flags = proc_macro2::Literal::u8_unsuffixed(flags);
        infos.push(quote! { (#wire, #flags), });
        let idx = proc_macro2::Literal::usize_unsuffixed(i);
        field_arms.push(quote! { #cfg #idx => #fname, });
    }
    let writes = s.writes_odata_type;
    let additional = ident(naming::ADDITIONAL_DATA_FIELD);
    quote! {
        #docs
        #deprecated
        #[derive(Clone, Default)]
        pub struct #name {
            #(#fields)*
            /// Properties this version of the SDK does not know, instance annotations
            /// (`@odata.type`, `@odata.etag`, …) and explicit `null`s; kept on round trips.
            pub #additional: ::msgraph_core::model::AdditionalData,
        }

        static INFO: ::msgraph_core::model::ModelInfo = ::msgraph_core::model::ModelInfo {
            odata_type: #odata_type,
            fields: &[#(#infos)*],
            index: ::msgraph_core::model::FieldIndex::new(),
            writes_odata_type: #writes,
        };

        impl #name {
            /// The qualified OData type name.
            pub const ODATA_TYPE: &'static str = #odata_type;
        }

        ::msgraph_core::__impl_model!(#name, INFO, [#(#field_arms)*]);
    }
}

fn json_alias(s: &StructType) -> TokenStream {
    let name = ident(&s.rust_name);
    let mut lines = doc_lines(&s.docs);
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "OData complex type `{}`: Graph's untyped JSON value, so any JSON value (`serde_json::Value`).",
        s.qname
    ));
    let docs = doc_attrs(&lines);
    quote! {
        #docs
        pub type #name = ::serde_json::Value;
    }
}

fn enum_tokens(e: &EnumType) -> TokenStream {
    let paths = Paths::for_type(&e.rust_name);
    let string = paths.string();
    let name = ident(&e.rust_name);
    let mut lines = doc_lines(&e.docs);
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "OData enum type `{}`{}. Unknown members decode to [`{}::{}`], keeping the wire string.",
        e.qname,
        if e.is_flags { " (flags: properties hold a `Flags` set)" } else { "" },
        e.rust_name,
        naming::UNKNOWN_VARIANT
    ));
    if e.renamed {
        lines.push(format!("Renamed to `{}` because its converted name collides with another type.", e.rust_name));
    }
    let docs = doc_attrs(&lines);
    let deprecated = deprecated_attr(&e.docs);
    let unknown = ident(naming::UNKNOWN_VARIANT);
    let mut variants = Vec::new();
    let mut members = Vec::new();
    for (i, m) in e.members.iter().enumerate() {
        let v = ident(&m.rust_name);
        let mut mlines = doc_lines(&m.docs);
        if !mlines.is_empty() {
            mlines.push(String::new());
        }
        mlines.push(format!("`{}` (value {}).", m.name, m.value));
        if m.renamed {
            mlines.push(String::new());
            mlines.push(format!("Named `{}` because the converted name collides with another member.", m.rust_name));
        }
        let mdocs = doc_attrs(&mlines);
        let mdep = deprecated_attr(&m.docs);
        variants.push(quote! { #mdocs #mdep #v, });
        let wire = &m.name;
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        members.push(quote! { #i => #v = #wire, });
    }
    let odata_type = &e.qname;
    quote! {
        #docs
        #deprecated
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A member this version of the SDK does not know; holds the wire string.
            #unknown(#string),
        }

        impl #name {
            /// The qualified OData type name.
            pub const ODATA_TYPE: &'static str = #odata_type;
        }

        ::msgraph_core::__impl_enum!(#name, #unknown, [#(#members)*]);
    }
}

fn kind_tokens(model: &Model, gates: &Gates, k: &KindEnum) -> TokenStream {
    let own_gate = gates.of(&k.base);
    let paths = Paths::for_type(&k.rust_name);
    let boxed = paths.boxed();
    let name = ident(&k.rust_name);
    let lines = vec![
        format!("A value typed as `{}` in the schema: the base type or any type derived from it.", k.base),
        String::new(),
        format!(
            "Decoding picks the variant named by `@odata.type`; a missing or unknown `@odata.type` \
             gives the base variant [`{}::{}`] (also when the base type is abstract: it is the \
             catch-all, keeping the data and unknown properties in `additional_data`). Encoding a \
             derived variant writes its `@odata.type`.",
            k.rust_name,
            k.variants.first().map(|v| v.rust_name.as_str()).unwrap_or_default()
        ),
    ];
    let docs = doc_attrs(&lines);
    let mut variants = Vec::new();
    let mut derived = Vec::new();
    let mut base = None;
    for (i, v) in k.variants.iter().enumerate() {
        let Some(t) = model.structs.get(&v.qname) else { continue };
        let vname = ident(&v.rust_name);
        let tpath = type_path(model, &t.namespace, &t.rust_name);
        let vdoc = format!(" `{}`", v.qname);
        let cfg = Cond::of(gates.of(&v.qname)).under(own_gate).attr();
        variants.push(quote! { #[doc = #vdoc] #cfg #vname(#boxed<#tpath>), });
        let q = &v.qname;
        if i == 0 {
            base = Some(quote! { #vname = #q });
        } else {
            derived.push(quote! { #cfg #vname = #q, });
        }
    }
    let Some(base) = base else {
        return quote! {};
    };
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }

        ::msgraph_core::__impl_kind!(#name, #base, [#(#derived)*]);
    }
}

fn module_tokens(path: &[String], contents: &ModuleContents) -> TokenStream {
    let doc = if contents.namespaces.is_empty() {
        format!(" Parent module of the `{}` namespaces.", path.join("::"))
    } else {
        format!(" Types of the OData namespace `{}`.", contents.namespaces.join("`, `"))
    };
    let children = contents.children.iter().map(|c| {
        let c = ident(c);
        quote! { pub mod #c; }
    });
    let mut types = contents.types.clone();
    types.sort();
    let mut by_stem: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (stem, name) in &types {
        by_stem.entry(stem.as_str()).or_default().push(name.as_str());
    }
    let type_items = by_stem.iter().map(|(stem, names)| {
        let m = ident(stem);
        let n = names.iter().map(|n| ident(n));
        let cfg = contents.cfgs.get(*stem).map(Cond::attr).unwrap_or_default();
        quote! {
            #cfg
            mod #m;
            #cfg
            pub use self::#m::{#(#n),*};
        }
    });
    quote! {
        #![doc = #doc]
        #(#children)*
        #(#type_items)*
    }
}

/// The static routing schema (`msgraph::schema::SCHEMA`), split over a few files so none gets
/// large.
fn schema_files(model: &Model) -> Vec<(String, TokenStream)> {
    let entities: Vec<&StructType> =
        model.structs.values().filter(|s| s.kind == crate::ir::StructKind::Entity).collect();
    let index: BTreeMap<&str, usize> = entities.iter().enumerate().map(|(i, s)| (s.qname.as_str(), i)).collect();
    let lit = |i: usize| proc_macro2::Literal::u16_unsuffixed(u16::try_from(i).unwrap_or(u16::MAX));
    let types = entities.iter().map(|s| {
        let name = &s.qname;
        let base = match s.base.as_deref().and_then(|b| index.get(b)) {
            Some(&b) => {
                let b = lit(b);
                quote! { Some(#b) }
            }
            None => quote! { None },
        };
        let (is_abstract, has_stream) = (s.is_abstract, s.has_stream);
        let key = s.key.iter();
        let own = s.properties.iter().filter(|p| p.declared_in == s.qname);
        let props = own.clone().filter(|p| !p.navigation).map(|p| {
            let (n, t) = (&p.name, p.r#type.display());
            quote! { (#n, #t) }
        });
        let navs = own.filter(|p| p.navigation).filter_map(|p| {
            let crate::ir::TypeTarget::Struct(t) = &p.r#type.target else { return None };
            let target = lit(*index.get(t.as_str())?);
            let (n, c, ct) = (&p.name, p.r#type.collection, p.contains_target);
            Some(quote! { S::Navigation::new(#n, #target, #c, #ct) })
        });
        quote! {
            S::EntityType::new(#name, #base, #is_abstract, #has_stream, &[#(#key),*], &[#(#props),*], &[#(#navs),*])
        }
    });
    let set = |sets: &[crate::ir::EntitySet]| {
        let items: Vec<TokenStream> = sets
            .iter()
            .filter_map(|e| {
                let t = lit(*index.get(e.entity_type.as_str())?);
                let n = &e.name;
                Some(quote! { S::EntitySet::new(#n, #t) })
            })
            .collect();
        quote! { &[#(#items),*] }
    };
    let (sets, singletons) = match &model.container {
        Some(c) => (set(&c.entity_sets), set(&c.singletons)),
        None => (quote! { &[] }, quote! { &[] }),
    };
    let mut ops: Vec<(usize, bool, String, TokenStream)> = model
        .operations
        .iter()
        .filter_map(|o| {
            let b = o.binding.as_ref()?;
            let crate::ir::TypeTarget::Struct(t) = &b.target else { return None };
            let bi = *index.get(t.as_str())?;
            let name = format!("{}.{}", o.namespace, o.name);
            let kind = match o.kind {
                crate::ir::OperationKind::Action => quote! { S::OperationKind::Action },
                crate::ir::OperationKind::Function => quote! { S::OperationKind::Function },
            };
            let params = o.parameters.iter().map(|p| {
                let (n, t) = (&p.name, p.r#type.display());
                quote! { (#n, #t) }
            });
            let returns = match &o.return_type {
                Some(r) => {
                    let t = r.r#type.display();
                    quote! { Some(#t) }
                }
                None => quote! { None },
            };
            let (bl, coll, comp) = (lit(bi), b.collection, o.is_composable);
            let tokens = quote! {
                S::Operation::new(#name, #kind, #bl, #coll, &[#(#params),*], #returns, #comp)
            };
            Some((bi, b.collection, name, tokens))
        })
        .collect();
    ops.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let ops = ops.into_iter().map(|o| o.3);
    let ops: Vec<TokenStream> = ops.collect();
    vec![
        (
            "schema/mod.rs".to_string(),
            quote! {
                #![doc = " The routing schema: entity types, entity sets, singletons and bound operations."]
                mod entity_types;
                mod operations;
                use ::msgraph_core::schema as S;
                /// The schema of the Graph service this crate was generated from.
                pub static SCHEMA: S::Schema = S::Schema {
                    entity_types: entity_types::ENTITY_TYPES,
                    entity_sets: #sets,
                    singletons: #singletons,
                    operations: operations::OPERATIONS,
                };
            },
        ),
        (
            "schema/entity_types.rs".to_string(),
            quote! {
                use ::msgraph_core::schema as S;
                pub(super) static ENTITY_TYPES: &[S::EntityType] = &[#(#types),*];
            },
        ),
        (
            "schema/operations.rs".to_string(),
            quote! {
                use ::msgraph_core::schema as S;
                pub(super) static OPERATIONS: &[S::Operation] = &[#(#ops),*];
            },
        ),
    ]
}
