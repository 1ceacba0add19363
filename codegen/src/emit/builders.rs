//! Request builders: per entity type an item builder (`UserItem`) and a collection builder
//! (`UserCollection`), plus the entry points on `crate::GraphClient` for every entity set and
//! singleton. Navigation methods return the target type's builder and the URL accumulates at run
//! time (`msgraph_core::builder::Node`), so every path Graph's containment allows is covered by
//! one small pair of types per entity type.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{doc_attrs, doc_lines, ident, type_path, value_tokens, Paths};
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
}

/// Builder names for every entity type, claimed per module in a scope of their own.
pub(super) fn builder_names(model: &Model) -> BTreeMap<String, BuilderNames> {
    let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for s in model.structs.values().filter(|s| s.kind == StructKind::Entity) {
        let scope = scopes.entry(s.namespace.clone()).or_insert_with(|| Scope::with_reserved(&["Params"]));
        let (item, _) = scope.claim(&format!("{}Item", s.rust_name), false);
        let (collection, _) = scope.claim(&format!("{}Collection", s.rust_name), false);
        out.insert(s.qname.clone(), BuilderNames { namespace: s.namespace.clone(), item, collection });
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

pub(super) fn param_structs(model: &Model, names: &BTreeMap<String, BuilderNames>) -> ParamStructs {
    let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
    for n in names.values() {
        let scope = scopes.entry(n.namespace.clone()).or_default();
        scope.claim(&n.item, false);
        scope.claim(&n.collection, false);
    }
    let mut out = BTreeMap::new();
    for op in model.operations.iter().filter(|o| needs_param_struct(o)) {
        let scope = scopes.entry(op.namespace.clone()).or_default();
        let (name, _) = scope.claim(&format!("{}Params", op.name.to_upper_camel_case()), false);
        out.insert(op_key(op), (op.namespace.clone(), name));
    }
    ParamStructs { names: out }
}

/// Emits the parameter struct of an action (a model, so the codec writes the body).
pub(super) fn param_struct_tokens(op: &Operation, name: &str) -> TokenStream {
    let name_ident = ident(name);
    let mut scope = Scope::with_reserved(&[naming::ADDITIONAL_DATA_FIELD]);
    let mut fields = Vec::new();
    let mut infos = Vec::new();
    let mut arms = Vec::new();
    for (i, p) in op.parameters.iter().enumerate() {
        let (fname, _) = scope.claim(&naming::field_name(&p.name), true);
        let f = ident(&fname);
        let ty = arg_type(p);
        let doc = format!(" `{}`: `{}`{}.", p.name, p.r#type.display(), if p.optional { " (optional)" } else { "" });
        fields.push(quote! { #[doc = #doc] pub #f: ::core::option::Option<#ty>, });
        let wire = &p.name;
        let flags = super::field_flags(false, false, p.r#type.collection);
        infos.push(quote! { (#wire, #flags), });
        let idx = Literal::usize_unsuffixed(i);
        arms.push(quote! { #idx => #f, });
    }
    let qualified = format!("{}.{}", op.namespace, op.name);
    let info = super::model_info(&qualified, &infos, false);
    let doc = format!(" Parameters of the action `{qualified}` (sent as its JSON body).");
    quote! {
        #[doc = #doc]
        #[derive(Default)]
        pub struct #name_ident {
            #(#fields)*
            /// Extra parameters to send as they are.
            pub additional_data: ::msgraph_codec::model::AdditionalData,
        }
        const _: () = {
            static INFO: ::msgraph_codec::__private::ModelInfo = #info;
            ::msgraph_codec::__private::impl_model!(#name_ident, INFO, [#(#arms)*]);
        };
    }
}

/// A method for one operation on a builder.
fn op_method(model: &Model, op: &Operation, method_name: &str, params: &ParamStructs) -> TokenStream {
    let m = ident(method_name);
    let segment = op_segment(op);
    let ret = return_type(op);
    let mut doc = doc_lines(&op.docs);
    if !doc.is_empty() {
        doc.push(String::new());
    }
    let verb = if op.kind == OperationKind::Action { "POST" } else { "GET" };
    doc.push(format!(
        "`{verb} …/{segment}` ({} `{}.{}`).",
        if op.kind == OperationKind::Action { "action" } else { "function" },
        op.namespace,
        op.name
    ));
    let docs = doc_attrs(&doc);
    let deprecated = super::deprecated_attr(&op.docs);
    if needs_param_struct(op) {
        if let Some((ns, name)) = params.names.get(&op_key(op)) {
            let p = builder_path(model, ns, name);
            return quote! {
                #docs #deprecated
                #[inline]
                pub fn #m(&self, params: &#p) -> ::msgraph_core::request::Request<#ret> {
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
        #[inline]
        pub fn #m(&self, #(#args),*) -> ::msgraph_core::request::Request<#ret> {
            #call
        }
    }
}

/// The builders of one entity type.
pub(super) fn builder_tokens(
    model: &Model,
    gates: &Gates,
    s: &StructType,
    names: &BTreeMap<String, BuilderNames>,
    params: &ParamStructs,
) -> TokenStream {
    let Some(own) = names.get(&s.qname) else { return quote! {} };
    let own_gate = gates.of(&s.qname);
    let item = ident(&own.item);
    let coll = ident(&own.collection);
    let response = value_type(&model.value_type(&TypeTarget::Struct(s.qname.clone())));
    let model_ty = type_path(model, &s.namespace, &s.rust_name);
    let fixed_item =
        ["get", "update", "delete", "node", "from_node", "cast", "content", "set_content", "set_ref", "delete_ref"];
    let fixed_coll = ["list", "create", "by_id", "count", "add_ref", "node", "from_node", "cast"];

    // Item: navigation properties (own and inherited), operations, casts.
    let mut scope = Scope::with_reserved(&fixed_item);
    let mut item_methods = Vec::new();
    for p in s.properties.iter().filter(|p| p.navigation) {
        let TypeTarget::Struct(t) = &p.r#type.target else { continue };
        let Some(tn) = names.get(t) else { continue };
        let (mname, _) = scope.claim(&naming::field_name(&p.name), true);
        let m = ident(&mname);
        let wire = &p.name;
        let target = if p.r#type.collection { &tn.collection } else { &tn.item };
        let tp = builder_path(model, &tn.namespace, target);
        let kind = match (p.contains_target, p.r#type.collection) {
            (true, true) => "contained collection",
            (true, false) => "contained entity",
            (false, true) => "collection of references (`add_ref`/`by_id(..).delete_ref()` manage them)",
            (false, false) => "reference (`set_ref`/`delete_ref` on it manage it)",
        };
        let doc = format!(" `…/{wire}`: navigation to `{}`, {kind}.", p.r#type.display());
        let cfg = Cond::of(gates.of(t)).under(own_gate).attr();
        item_methods.push(quote! {
            #[doc = #doc]
            #cfg
            #[inline]
            pub fn #m(&self) -> #tp { #tp(self.0.child(#wire)) }
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
        let gdoc = format!(" `GET …/{wire}`: the content of the stream property `{wire}`.");
        let sdoc = format!(" `PUT …/{wire}`: replaces the content of the stream property `{wire}`.");
        item_methods.push(quote! {
            #[doc = #gdoc]
            #[inline]
            pub fn #g(&self) -> ::msgraph_core::request::Request<::msgraph_core::http::HttpResponse> { self.0.stream(#wire) }
            #[doc = #sdoc]
            #[inline]
            pub fn #st(&self, bytes: ::std::vec::Vec<u8>, content_type: &str) -> ::msgraph_core::request::Request<()> {
                self.0.put_stream(#wire, bytes, content_type)
            }
        });
    }
    for op in operations_for(model, s, false) {
        let (mname, _) = scope.claim(&naming::field_name(&op.name), true);
        let cfg = op_cond(gates, op).under(own_gate).attr();
        let method = op_method(model, op, &mname, params);
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
        let doc = format!(" `…/{d}`: cast to the derived type.");
        let cfg = Cond::of(gates.of(d)).under(own_gate).attr();
        casts_item.push(quote! { #[doc = #doc] #cfg #[inline] pub fn #mi(&self) -> #ip { #ip(self.0.child(#d)) } });
        casts_coll.push(quote! { #[doc = #doc] #cfg #[inline] pub fn #mc(&self) -> #cp { #cp(self.0.child(#d)) } });
    }
    let media = if s.has_stream {
        quote! {
            /// `GET …/$value`: the media content.
            #[inline]
            pub fn content(&self) -> ::msgraph_core::request::Request<::msgraph_core::http::HttpResponse> { self.0.value() }
            /// `PUT …/$value`: replaces the media content.
            #[inline]
            pub fn set_content(&self, bytes: ::std::vec::Vec<u8>, content_type: &str) -> ::msgraph_core::request::Request<()> {
                self.0.put_value(bytes, content_type)
            }
        }
    } else {
        quote! {}
    };
    let mut coll_methods = Vec::new();
    for op in operations_for(model, s, true) {
        let (mname, _) = cscope.claim(&naming::field_name(&op.name), true);
        let cfg = op_cond(gates, op).under(own_gate).attr();
        let method = op_method(model, op, &mname, params);
        coll_methods.push(quote! { #cfg #method });
    }
    let qname = &s.qname;
    quote! {
        ::msgraph_core::__private::item_builder!(#item, #qname, #model_ty, #response);
        impl #item {
            #media
            #(#item_methods)*
            #(#casts_item)*
        }
        ::msgraph_core::__private::collection_builder!(#coll, #item, #qname, #model_ty, #response);
        impl #coll {
            #(#coll_methods)*
            #(#casts_coll)*
        }
    }
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
        let doc =
            format!(" `/{wire}`: the {} of `{}`.", if is_set { "entity set" } else { "singleton" }, set.entity_type);
        let cfg = Cond::of(gates.of(&set.entity_type)).attr();
        methods.push(quote! {
            #[doc = #doc]
            #cfg
            #[inline]
            pub fn #m(&self) -> #tp { #tp(::msgraph_core::__private::Node::root(self.core(), #wire)) }
        });
    }
    quote! {
        #![doc = " Entry points: a method on `GraphClient` for every entity set and singleton."]
        impl crate::GraphClient {
            #(#methods)*
        }
    }
}
