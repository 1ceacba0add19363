//! Request builders: per entity type an item builder (`UserBuilder`) and a collection builder
//! (`UserCollectionBuilder`), plus the entry points on `crate::GraphClient` for every entity set and
//! singleton. Navigation methods return the target type's builder and the URL accumulates at run
//! time (`msgraph_core::builder::Node`), so every path Graph's containment allows is covered by
//! one small pair of types per entity type.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::{doc_attrs, ident, path_text, str_lit, type_path, value_tokens, MacroCall, Paths, Piece};
use crate::features::{Cond, Gates};
use crate::ir::{
    Model, Operation, OperationKind, Parameter, Primitive, StructKind, StructType, TypeRef, TypeTarget, ValueType,
};
use crate::naming::{self, Scope};

/// Above this many derived types (e.g. `entity`), no typed `as_…` cast methods are generated;
/// `Builder::cast::<B>()` covers them.
const MAX_TYPED_CASTS: usize = 64;

/// Names of the builders of one entity type.
#[derive(Debug, Clone)]
pub(super) struct BuilderNames {
    pub(super) namespace: String,
    pub(super) item: String,
    pub(super) collection: String,
    /// For a complex type: which of the two builders it needs (`None` for an entity type).
    pub(super) complex: Option<ComplexForms>,
}

/// The name of every model type (structs, enums, `…Kind` wrappers) of every namespace: a builder
/// or a parameter struct never takes one of them.
fn model_type_names(model: &Model) -> Vec<&str> {
    let mut names: Vec<&str> = model.structs.values().map(|s| s.rust_name.as_str()).collect();
    names.extend(model.enums.values().map(|e| e.rust_name.as_str()));
    names.extend(model.kinds.values().map(|k| k.rust_name.as_str()));
    names
}

/// Builder names for every entity type and for every complex type a property path or a
/// composable function reaches ([`complex_builder_forms`]) — the only place the emitter gets
/// them from — by the rule of [`naming::item_builder_names`]/[`naming::collection_builder_names`]:
/// claimed per module, in a scope where every model name of every namespace is taken; entity
/// collection builders first, then entity item builders, then complex types' builders, each in
/// qualified-name order.
pub(super) fn builder_names(model: &Model) -> BTreeMap<String, BuilderNames> {
    let models = model_type_names(model);
    let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
    let mut collections = BTreeMap::new();
    let entities: Vec<&StructType> = model.structs.values().filter(|s| s.kind == StructKind::Entity).collect();
    let mut claim = |ns: &str, candidates: &[String]| -> String {
        let scope = scopes.entry(ns.to_string()).or_insert_with(|| {
            let mut reserved = models.clone();
            reserved.push("Params");
            Scope::with_reserved(&reserved)
        });
        match candidates.iter().find(|c| scope.try_claim(c)) {
            Some(c) => c.clone(),
            None => scope.claim(&candidates[0], false).0,
        }
    };
    for s in &entities {
        collections.insert(s.qname.clone(), claim(&s.namespace, &naming::collection_builder_names(&s.rust_name)));
    }
    let mut out = BTreeMap::new();
    for s in &entities {
        let item = claim(&s.namespace, &naming::item_builder_names(&s.rust_name));
        let collection = collections.remove(&s.qname).unwrap_or_default();
        out.insert(s.qname.clone(), BuilderNames { namespace: s.namespace.clone(), item, collection, complex: None });
    }
    let complex = complex_builder_forms(model);
    for s in model.structs.values().filter(|s| complex.contains_key(&s.qname)) {
        let forms = complex.get(&s.qname).copied();
        let collection = claim(&s.namespace, &naming::collection_builder_names(&s.rust_name));
        let item = claim(&s.namespace, &naming::item_builder_names(&s.rust_name));
        out.insert(s.qname.clone(), BuilderNames { namespace: s.namespace.clone(), item, collection, complex: forms });
    }
    out
}

/// Which builders a complex type needs: `(single, collection)`, for a single-valued and a
/// collection-valued use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ComplexForms {
    pub(super) single: bool,
    pub(super) collection: bool,
}

/// The complex types that get builders: those a structural property reaches from an entity type
/// (directly or through other complex properties, `mailboxSettings/automaticRepliesSetting`) and
/// those a composable function returns. `microsoft.graph.Json` is left out (untyped).
pub(super) fn complex_builder_forms(model: &Model) -> BTreeMap<String, ComplexForms> {
    let mut out: BTreeMap<String, ComplexForms> = BTreeMap::new();
    let mut queue: Vec<String> = Vec::new();
    let mark = |t: &TypeRef, out: &mut BTreeMap<String, ComplexForms>, queue: &mut Vec<String>| {
        let TypeTarget::Struct(q) = &t.target else { return };
        if q == crate::ir::JSON || model.structs.get(q).is_none_or(|c| c.kind != StructKind::Complex) {
            return;
        }
        let forms = out.entry(q.clone()).or_default();
        let seen = forms.single || forms.collection;
        if t.collection {
            forms.collection = true;
        } else {
            forms.single = true;
        }
        if !seen {
            queue.push(q.clone());
        }
    };
    for s in model.structs.values().filter(|s| s.kind == StructKind::Entity) {
        for p in s.properties.iter().filter(|p| !p.navigation) {
            mark(&p.r#type, &mut out, &mut queue);
        }
    }
    for op in model.operations.iter().filter(|o| composable_returns_builder(o)) {
        if let Some(rt) = &op.return_type {
            mark(&rt.r#type, &mut out, &mut queue);
        }
    }
    while let Some(q) = queue.pop() {
        let Some(c) = model.structs.get(&q) else { continue };
        for p in c.properties.iter().filter(|p| !p.navigation) {
            mark(&p.r#type, &mut out, &mut queue);
        }
    }
    out
}

/// A bound composable function returning an entity or complex type: its method returns that
/// type's builder at the call segment, so the path goes on (`range(address='A1')/format`).
/// `delta` keeps its request (its pages carry the delta link).
fn composable_returns_builder(op: &Operation) -> bool {
    op.kind == OperationKind::Function
        && op.is_composable
        && op.binding.is_some()
        && op.name != "delta"
        && op
            .return_type
            .as_ref()
            .is_some_and(|r| matches!(&r.r#type.target, TypeTarget::Struct(q) if q != crate::ir::JSON))
}

/// The builder (path tokens) reached by a value of type `t`: the item or collection builder of
/// its entity or complex type, when it has one.
fn target_builder(model: &Model, names: &BTreeMap<String, BuilderNames>, t: &TypeRef) -> Option<TokenStream> {
    let TypeTarget::Struct(q) = &t.target else { return None };
    let n = names.get(q)?;
    Some(builder_path(model, &n.namespace, if t.collection { &n.collection } else { &n.item }))
}

/// Whether the type (or an ancestor) is annotated `Capabilities.UpdateRestrictions` with
/// `UpdateMethod = PUT`: Graph updates it by replacement.
pub(super) fn updates_with_put(model: &Model, qname: &str) -> bool {
    use crate::csdl::AnnotationValue as V;
    let mut chain = vec![qname.to_string()];
    chain.extend(model.ancestors(qname));
    chain.iter().any(|t| {
        model.annotations.get(t).into_iter().flatten().any(|a| {
            a.term == "Org.OData.Capabilities.V1.UpdateRestrictions"
                && matches!(&a.value, V::Record(r) if matches!(
                    r.properties.get("UpdateMethod"),
                    Some(V::EnumMember(m)) if m.rsplit('/').next() == Some("PUT")
                ))
        })
    })
}

/// Methods for the complex-typed structural properties of `s` (each returns the property's
/// builder), claimed in `scope` after everything else so they never rename existing methods.
fn complex_property_methods(
    model: &Model,
    gates: &Gates,
    s: &StructType,
    names: &BTreeMap<String, BuilderNames>,
    scope: &mut Scope,
) -> Vec<TokenStream> {
    let own_gate = gates.of(&s.qname);
    let mut out = Vec::new();
    for p in s.properties.iter().filter(|p| !p.navigation) {
        let TypeTarget::Struct(t) = &p.r#type.target else { continue };
        if model.structs.get(t).is_none_or(|c| c.kind != StructKind::Complex) {
            continue;
        }
        let Some(tp) = target_builder(model, names, &p.r#type) else { continue };
        // A property named like a method the builder already has (`content`, `delete`) gets
        // the suffix `_property`: never a number.
        let plain = naming::field_name(&p.name);
        let suffixed = format!("{}_property", plain.trim_start_matches("r#").trim_end_matches('_'));
        let mname = if scope.try_claim(&plain) { plain } else { scope.claim(&suffixed, true).0 };
        let m = ident(&mname);
        let wire = &p.name;
        let doc = format!(" `…/{wire}`: complex property.");
        let cfg = Cond::of(gates.of(t)).under(own_gate).attr();
        out.push(quote! {
            #[doc = #doc]
            #cfg
                        #[inline] pub fn #m(&self) -> #tp { self.0.child(#wire).into() }
        });
    }
    out
}

/// The builders of a complex type: `…Item` (`get`/`update`, and a method per complex-typed
/// property) for single-valued uses, `…Collection` (`get`) for collection-valued ones.
fn complex_builder_pieces(
    model: &Model,
    gates: &Gates,
    s: &StructType,
    names: &BTreeMap<String, BuilderNames>,
    own: &BuilderNames,
    forms: ComplexForms,
) -> Vec<Piece> {
    let response = path_text(&value_type(&model.value_type(&TypeTarget::Struct(s.qname.clone()))));
    let model_ty = path_text(&type_path(model, &s.namespace, &s.rust_name));
    let qname = str_lit(&s.qname);
    let mut out = Vec::new();
    if forms.single {
        let item = ident(&own.item);
        out.push(Piece::Macro(MacroCall::new(
            "::msgraph_core::__private::complex_builder",
            vec![own.item.clone(), qname.clone(), model_ty, response.clone()],
        )));
        let mut scope = Scope::with_reserved(&["get", "update", "node", "from_node", "cast"]);
        let methods = complex_property_methods(model, gates, s, names, &mut scope);
        if !methods.is_empty() {
            out.push(Piece::Items(quote! { impl #item { #(#methods)* } }));
        }
    }
    if forms.collection {
        out.push(Piece::Macro(MacroCall::new(
            "::msgraph_core::__private::complex_collection_builder",
            vec![own.collection.clone(), qname, response],
        )));
    }
    out
}

/// The builder type names a struct's builder file declares (for the module's re-exports).
pub(super) fn declared_builders(n: &BuilderNames) -> Vec<&str> {
    let Some(forms) = n.complex else { return vec![n.item.as_str(), n.collection.as_str()] };
    let mut out = Vec::new();
    if forms.single {
        out.push(n.item.as_str());
    }
    if forms.collection {
        out.push(n.collection.as_str());
    }
    out
}

fn builder_path(model: &Model, namespace: &str, name: &str) -> TokenStream {
    let segs = model.module_path(namespace);
    let segs = segs.iter().map(|s| ident(s));
    let name = ident(name);
    quote! { crate::builders:: #(#segs::)* #name }
}

/// The tokens of a value's Rust type in builder signatures (always absolute paths).
fn value_type(v: &ValueType) -> TokenStream {
    value_tokens(v, Paths { absolute: true })
}

/// The response type of an operation.
fn return_type(op: &Operation) -> TokenStream {
    let Some(rt) = &op.return_type else { return quote! { () } };
    let inner = value_type(&rt.rust_type);
    if rt.r#type.collection {
        if op.name == "delta" {
            quote! { ::msgraph_core::paging::DeltaPage<#inner> }
        } else {
            quote! { ::msgraph_core::paging::Page<#inner> }
        }
    } else {
        match rt.r#type.target {
            TypeTarget::Struct(_) => inner,
            _ => quote! { ::msgraph_core::builder::Value<#inner> },
        }
    }
}

/// The argument type of a positional parameter.
fn arg_type(p: &Parameter) -> TokenStream {
    let inner = value_type(&p.rust_type);
    if p.r#type.collection {
        quote! { ::std::vec::Vec<#inner> }
    } else {
        inner
    }
}

/// Operations bound to a type or its ancestors (single or collection binding), the most
/// specific binding first, deduplicated by (name, parameter names).
fn operations_for<'m>(model: &'m Model, s: &StructType, collection: bool) -> Vec<&'m Operation> {
    let mut chain = vec![s.qname.clone()];
    chain.extend(model.ancestors(&s.qname));
    let mut out: Vec<&Operation> = Vec::new();
    let mut seen = BTreeSet::new();
    for t in &chain {
        for op in &model.operations {
            let Some(b) = &op.binding else { continue };
            if b.collection != collection || b.target != TypeTarget::Struct(t.clone()) {
                continue;
            }
            let key = (
                op.namespace.clone(),
                op.name.clone(),
                op.parameters.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            );
            if seen.insert(key) {
                out.push(op);
            }
        }
    }
    out
}

fn op_segment(op: &Operation) -> String {
    if op.namespace == naming::ROOT_NAMESPACE {
        op.name.clone()
    } else {
        format!("{}.{}", op.namespace, op.name)
    }
}

/// Parameter structs for actions with three or more parameters: (op identity) → struct name.
pub(super) struct ParamStructs {
    names: BTreeMap<String, (String, String)>,
}

fn op_key(op: &Operation) -> String {
    format!(
        "{}.{}({})|{}",
        op.namespace,
        op.name,
        op.binding.as_ref().map(TypeRef::display).unwrap_or_default(),
        op.parameters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(",")
    )
}

/// What an operation's parameter struct needs: the types of its parameters.
pub(super) fn param_cond(gates: &Gates, op: &Operation) -> Cond {
    let mut c = Cond::default();
    for p in &op.parameters {
        c.require(gates.of_target(&p.r#type.target));
    }
    c
}

/// What an operation method needs: its parameter and return types.
fn op_cond(gates: &Gates, op: &Operation) -> Cond {
    let mut c = param_cond(gates, op);
    if let Some(r) = &op.return_type {
        c.require(gates.of_target(&r.r#type.target));
    }
    c
}

fn needs_param_struct(op: &Operation) -> bool {
    op.kind == OperationKind::Action && op.parameters.len() >= 3
}

impl ParamStructs {
    /// `(namespace, struct name)` of an operation's parameter struct.
    pub(super) fn name_of(&self, op: &Operation) -> Option<(&str, &str)> {
        if !needs_param_struct(op) {
            return None;
        }
        self.names.get(&op_key(op)).map(|(ns, n)| (ns.as_str(), n.as_str()))
    }
}

/// Parameter struct names: `{Action}Params`, or, when several actions of one name in one
/// namespace need one, `{Action}{BindingType}Params` (`ExportEdiscoveryReviewSetParams`), with
/// `Collection` after a collection binding; never a model's or a builder's name.
pub(super) fn param_structs(model: &Model, names: &BTreeMap<String, BuilderNames>) -> ParamStructs {
    let models = model_type_names(model);
    let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
    for n in names.values() {
        let scope = scopes.entry(n.namespace.clone()).or_insert_with(|| Scope::with_reserved(&models));
        scope.claim(&n.item, false);
        scope.claim(&n.collection, false);
    }
    let mut wanted: BTreeMap<(String, String), usize> = BTreeMap::new();
    for op in model.operations.iter().filter(|o| needs_param_struct(o)) {
        *wanted.entry((op.namespace.clone(), naming::camel(&op.name))).or_default() += 1;
    }
    let mut out = BTreeMap::new();
    for op in model.operations.iter().filter(|o| needs_param_struct(o)) {
        let scope = scopes.entry(op.namespace.clone()).or_insert_with(|| Scope::with_reserved(&models));
        let action = naming::camel(&op.name);
        let binding = op.binding.as_ref().map_or_else(String::new, |b| {
            let t = match &b.target {
                TypeTarget::Struct(q) => model.structs.get(q).map_or_else(|| naming::camel(q), |s| s.rust_name.clone()),
                other => naming::camel(&format!("{other:?}")),
            };
            if b.collection {
                format!("{t}Collection")
            } else {
                t
            }
        });
        let mut candidates = Vec::new();
        if wanted.get(&(op.namespace.clone(), action.clone())).copied().unwrap_or(0) < 2 {
            candidates.push(format!("{action}Params"));
        }
        candidates.push(format!("{action}{binding}Params"));
        candidates.push(format!("{action}{binding}ActionParams"));
        let name = match candidates.iter().find(|c| scope.try_claim(c)) {
            Some(c) => c.clone(),
            None => scope.claim(&candidates[0], false).0,
        };
        out.insert(op_key(op), (op.namespace.clone(), name));
    }
    ParamStructs { names: out }
}

/// Emits the parameter struct of an action (a model, so the codec writes the body).
pub(super) fn param_struct_tokens(op: &Operation, name: &str) -> (TokenStream, String) {
    let name_ident = ident(name);
    let mut scope = Scope::with_reserved(&[naming::ADDITIONAL_DATA_FIELD]);
    let mut fields = Vec::new();
    let mut names = Vec::new();
    for p in &op.parameters {
        let (fname, _) = scope.claim(&naming::field_name(&p.name), true);
        let f = ident(&fname);
        let ty = arg_type(p);
        let doc = format!(" `{}`: `{}`{}.", p.name, p.r#type.display(), if p.optional { " (optional)" } else { "" });
        fields.push(quote! { #[doc = #doc] pub #f: ::core::option::Option<#ty>, });
        names.push(fname);
    }
    let glue_fields: Vec<super::GlueField<'_>> = op
        .parameters
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(index, (p, field))| super::GlueField {
            cfg: TokenStream::new(),
            index,
            field,
            wire: &p.name,
            flags: super::flag_names(false, false, p.r#type.collection),
        })
        .collect();
    let qualified = format!("{}.{}", op.namespace, op.name);
    let doc = format!(" Parameters of the action `{qualified}` (sent as its JSON body).");
    let tokens = quote! {
        #[doc = #doc]
        #[derive(Default)]
        pub struct #name_ident {
            #(#fields)*
            /// Extra parameters to send as they are.
            pub additional_data: ::msgraph_codec::model::AdditionalData,
        }
    };
    (tokens, super::model_glue(name, None, &qualified, false, &glue_fields))
}

/// A method for one operation on a builder.
fn op_method(
    model: &Model,
    urls: &docs::Urls,
    collection: bool,
    op: &Operation,
    method_name: &str,
    params: &ParamStructs,
    names: &BTreeMap<String, BuilderNames>,
) -> TokenStream {
    let m = ident(method_name);
    let segment = op_segment(op);
    let ret = return_type(op);
    let composed = if composable_returns_builder(op) {
        op.return_type.as_ref().and_then(|r| target_builder(model, names, &r.r#type))
    } else {
        None
    };
    let mut doc = docs::operation_doc(urls, op, &segment, collection);
    if composed.is_some() {
        doc.push(String::new());
        doc.push(format!("Composable: returns the builder at `…/{segment}(…)`, so paths and requests go on from it."));
    }
    let docs = doc_attrs(&doc);
    let deprecated = super::deprecated_attr(&op.docs);
    if needs_param_struct(op) {
        if let Some((ns, name)) = params.names.get(&op_key(op)) {
            let p = builder_path(model, ns, name);
            return quote! {
                #docs #deprecated
                                #[inline] pub fn #m(&self, params: &#p) -> ::msgraph_core::request::Request<#ret> {
                    self.0.action_with_body(#segment, params)
                }
            };
        }
    }
    let mut args = Vec::new();
    let mut entries = Vec::new();
    let mut scope = Scope::with_reserved(&["self"]);
    for p in &op.parameters {
        let (aname, _) = scope.claim(&naming::field_name(&p.name), true);
        let a = ident(&aname);
        let wire = &p.name;
        let optional = p.optional;
        let is_string = !p.r#type.collection && p.r#type.target == TypeTarget::Primitive(Primitive::String);
        if is_string {
            if optional {
                args.push(quote! { #a: ::core::option::Option<&str> });
            } else {
                args.push(quote! { #a: &str });
            }
        } else {
            let ty = arg_type(p);
            if optional {
                args.push(quote! { #a: ::core::option::Option<#ty> });
            } else {
                args.push(quote! { #a: #ty });
            }
        }
        let t = p.r#type.display();
        entries.push(match (op.kind, optional) {
            (OperationKind::Action, false) => quote! { P::new(#wire, &#a), },
            (OperationKind::Action, true) => quote! { P::optional(#wire, &#a), },
            (OperationKind::Function, false) => quote! { P::new(#wire, #t, &#a), },
            (OperationKind::Function, true) => quote! { P::optional(#wire, #t, &#a), },
        });
    }
    if let Some(tp) = composed {
        let call = if entries.is_empty() {
            quote! { self.0.function_node(#segment, &[]).into() }
        } else {
            quote! {
                use ::msgraph_core::__private::FunctionParam as P;
                self.0.function_node(#segment, &[#(#entries)*]).into()
            }
        };
        return quote! {
            #docs #deprecated
                        #[inline] pub fn #m(&self, #(#args),*) -> #tp {
                #call
            }
        };
    }
    let call = match (op.kind, entries.is_empty()) {
        (OperationKind::Action, true) => quote! { self.0.action(#segment, &[]) },
        (OperationKind::Function, true) => quote! { self.0.function(#segment, &[]) },
        (OperationKind::Action, false) => quote! {
            use ::msgraph_core::__private::ActionParam as P;
            self.0.action(#segment, &[#(#entries)*])
        },
        (OperationKind::Function, false) => quote! {
            use ::msgraph_core::__private::FunctionParam as P;
            self.0.function(#segment, &[#(#entries)*])
        },
    };
    quote! {
        #docs #deprecated
                #[inline] pub fn #m(&self, #(#args),*) -> ::msgraph_core::request::Request<#ret> {
            #call
        }
    }
}

/// Method names for the operations of one builder, in order: operations wanting one name are
/// overloads, named by [`naming::overload_names`] against what `scope` already holds.
fn op_method_names(ops: &[&Operation], scope: &mut Scope) -> Vec<String> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let base = naming::field_name(&op.name);
        match groups.iter_mut().find(|(b, _)| b.eq_ignore_ascii_case(&base)) {
            Some((_, members)) => members.push(i),
            None => groups.push((base, vec![i])),
        }
    }
    let mut out = vec![String::new(); ops.len()];
    for (base, members) in groups {
        let claimants: Vec<naming::Overload> = members
            .iter()
            .map(|&i| {
                let op = ops[i];
                naming::Overload {
                    params: op.parameters.iter().map(|p| p.name.clone()).collect(),
                    params_struct: needs_param_struct(op),
                    kind: if op.kind == OperationKind::Action { "action" } else { "function" },
                    namespace: op.namespace.clone(),
                }
            })
            .collect();
        for (&i, name) in members.iter().zip(naming::overload_names(&base, &claimants, scope)) {
            out[i] = name;
        }
    }
    out
}

/// The builders of one entity type.
pub(super) fn builder_tokens(
    model: &Model,
    gates: &Gates,
    s: &StructType,
    names: &BTreeMap<String, BuilderNames>,
    params: &ParamStructs,
) -> Vec<Piece> {
    let Some(own) = names.get(&s.qname) else { return Vec::new() };
    if let Some(forms) = own.complex {
        return complex_builder_pieces(model, gates, s, names, own, forms);
    }
    let own_gate = gates.of(&s.qname);
    let item = ident(&own.item);
    let coll = ident(&own.collection);
    let response = value_type(&model.value_type(&TypeTarget::Struct(s.qname.clone())));
    let model_ty = type_path(model, &s.namespace, &s.rust_name);
    let fixed_item = [
        "get",
        "update",
        "replace",
        "delete",
        "node",
        "from_node",
        "cast",
        "content",
        "set_content",
        "set_ref",
        "delete_ref",
    ];
    let fixed_coll =
        ["list", "create", "by_id", "count", "add_ref", "list_refs", "delete_ref", "node", "from_node", "cast"];
    let urls = docs::Urls::of(model, s);

    // Item: navigation properties (own and inherited), operations, casts.
    let mut scope = Scope::with_reserved(&fixed_item);
    let mut item_methods = Vec::new();
    for p in s.properties.iter().filter(|p| p.navigation) {
        let TypeTarget::Struct(t) = &p.r#type.target else { continue };
        let Some(tn) = names.get(t) else { continue };
        // A property named like a method the builder already has (`content`, `delete`) gets
        // the suffix `_property`: never a number.
        let plain = naming::field_name(&p.name);
        let suffixed = format!("{}_property", plain.trim_start_matches("r#").trim_end_matches('_'));
        let mname = if scope.try_claim(&plain) { plain } else { scope.claim(&suffixed, true).0 };
        let m = ident(&mname);
        let wire = &p.name;
        let target = if p.r#type.collection { &tn.collection } else { &tn.item };
        let tp = builder_path(model, &tn.namespace, target);
        let doc = doc_attrs(&docs::navigation_doc(p));
        let cfg = Cond::of(gates.of(t)).under(own_gate).attr();
        item_methods.push(quote! {
            #doc
            #cfg
                        #[inline] pub fn #m(&self) -> #tp { self.0.child(#wire).into() }
        });
    }
    // Stream properties (`Edm.Stream`): raw download and upload.
    for p in s.properties.iter().filter(|p| {
        !p.navigation && !p.r#type.collection && p.r#type.target == TypeTarget::Primitive(Primitive::Stream)
    }) {
        let snake = naming::field_name(&p.name);
        let base = snake.trim_start_matches("r#").trim_end_matches('_');
        let (get_name, _) = scope.claim(&format!("{base}_stream"), true);
        let (set_name, _) = scope.claim(&format!("set_{base}_stream"), true);
        let (g, st) = (ident(&get_name), ident(&set_name));
        let wire = &p.name;
        let gdoc = doc_attrs(&docs::stream_doc(&urls, wire, false));
        let sdoc = doc_attrs(&docs::stream_doc(&urls, wire, true));
        item_methods.push(quote! {
            #gdoc
                        #[inline] pub fn #g(&self) -> ::msgraph_core::request::Request<::msgraph_core::http::HttpResponse> { self.0.stream(#wire) }
            #sdoc
                        #[inline] pub fn #st(&self, bytes: ::std::vec::Vec<u8>, content_type: &str) -> ::msgraph_core::request::Request<()> {
                self.0.put_stream(#wire, bytes, content_type)
            }
        });
    }
    let ops = operations_for(model, s, false);
    for (op, mname) in ops.iter().zip(op_method_names(&ops, &mut scope)) {
        let cfg = op_cond(gates, op).under(own_gate).attr();
        let method = op_method(model, &urls, false, op, &mname, params, names);
        item_methods.push(quote! { #cfg #method });
    }
    // Typed cast methods for hierarchies up to MAX_TYPED_CASTS types; every builder also has the
    // generic `Builder::cast::<B>()`.
    let mut derived = model.descendants(&s.qname);
    if derived.len() > MAX_TYPED_CASTS {
        derived.clear();
    }
    let mut casts_item = Vec::new();
    let mut casts_coll = Vec::new();
    let mut cscope = Scope::with_reserved(&fixed_coll);
    for d in &derived {
        let (Some(dt), Some(dn)) = (model.structs.get(d), names.get(d)) else { continue };
        let wanted = format!("as_{}", dt.rust_name.to_snake_case());
        let (mi, _) = scope.claim(&wanted, true);
        let (mc, _) = cscope.claim(&wanted, true);
        let (mi, mc) = (ident(&mi), ident(&mc));
        let ip = builder_path(model, &dn.namespace, &dn.item);
        let cp = builder_path(model, &dn.namespace, &dn.collection);
        let (idoc, cdoc) = (doc_attrs(&docs::cast_doc(&urls, d, false)), doc_attrs(&docs::cast_doc(&urls, d, true)));
        let cfg = Cond::of(gates.of(d)).under(own_gate).attr();
        casts_item.push(quote! { #idoc #cfg #[inline] pub fn #mi(&self) -> #ip { self.0.child(#d).into() } });
        casts_coll.push(quote! { #cdoc #cfg #[inline] pub fn #mc(&self) -> #cp { self.0.child(#d).into() } });
    }
    let complex_props = complex_property_methods(model, gates, s, names, &mut scope);
    let media = if s.has_stream {
        quote! {
            /// `GET …/$value`: the media content.
                        #[inline] pub fn content(&self) -> ::msgraph_core::request::Request<::msgraph_core::http::HttpResponse> { self.0.value() }
            /// `PUT …/$value`: replaces the media content.
                        #[inline] pub fn set_content(&self, bytes: ::std::vec::Vec<u8>, content_type: &str) -> ::msgraph_core::request::Request<()> {
                self.0.put_value(bytes, content_type)
            }
        }
    } else {
        quote! {}
    };
    let mut coll_methods = Vec::new();
    let ops = operations_for(model, s, true);
    for (op, mname) in ops.iter().zip(op_method_names(&ops, &mut cscope)) {
        let cfg = op_cond(gates, op).under(own_gate).attr();
        let method = op_method(model, &urls, true, op, &mname, params, names);
        coll_methods.push(quote! { #cfg #method });
    }
    let (qname, model_ty, response) = (str_lit(&s.qname), path_text(&model_ty), path_text(&response));
    let mut item_args = vec![item.to_string(), qname.clone(), model_ty.clone(), response.clone()];
    if updates_with_put(model, &s.qname) {
        item_args.push("put".into());
    }
    let mut pieces = vec![Piece::Macro(MacroCall::new("::msgraph_core::__private::item_builder", item_args))];
    // An impl block only when it has items.
    if !(media.is_empty() && item_methods.is_empty() && casts_item.is_empty() && complex_props.is_empty()) {
        pieces.push(Piece::Items(quote! {
            impl #item {
                #media
                #(#item_methods)*
                #(#casts_item)*
                #(#complex_props)*
            }
        }));
    }
    pieces.push(Piece::Macro(MacroCall::new(
        "::msgraph_core::__private::collection_builder",
        vec![coll.to_string(), item.to_string(), qname, model_ty, response],
    )));
    if !(coll_methods.is_empty() && casts_coll.is_empty()) {
        pieces.push(Piece::Items(quote! {
            impl #coll {
                #(#coll_methods)*
                #(#casts_coll)*
            }
        }));
    }
    pieces
}

/// Entry points on `crate::GraphClient`: one method per entity set and singleton.
pub(super) fn entry_points(model: &Model, gates: &Gates, names: &BTreeMap<String, BuilderNames>) -> TokenStream {
    let Some(c) = &model.container else { return quote! {} };
    // The hand-written methods of `msgraph::GraphClient` (crates/msgraph/src/client.rs).
    let mut scope = Scope::with_reserved(&[
        "add_query",
        "add_query_after",
        "api_root",
        "base_url",
        "builder",
        "core",
        "default_queue",
        "delta_from_link",
        "execute_query",
        "execute_query_with",
        "from",
        "get",
        "is_own_origin",
        "new",
        "pages_from_link",
        "queue",
        "queued_count",
        "request",
        "send_http",
    ]);
    let mut methods = Vec::new();
    for (set, is_set) in c.entity_sets.iter().map(|e| (e, true)).chain(c.singletons.iter().map(|e| (e, false))) {
        let Some(n) = names.get(&set.entity_type) else { continue };
        let (mname, _) = scope.claim(&naming::field_name(&set.name), true);
        let m = ident(&mname);
        let wire = &set.name;
        let target = if is_set { &n.collection } else { &n.item };
        let tp = builder_path(model, &n.namespace, target);
        let doc = doc_attrs(&docs::entry_point_doc(set, is_set));
        let cfg = Cond::of(gates.of(&set.entity_type)).attr();
        methods.push(quote! {
            #doc
            #cfg
                        #[inline] pub fn #m(&self) -> #tp { #tp(::msgraph_core::__private::Node::root(self.core(), #wire)) }
        });
    }
    quote! {
        #![doc = " Entry points: a method on `GraphClient` for every entity set and singleton."]
        impl crate::GraphClient {
            #(#methods)*
        }
    }
}
