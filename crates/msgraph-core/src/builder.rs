//! Runtime support for the generated request builders.
//!
//! A generated builder (`UserBuilder`, `PhoneAuthenticationMethodCollectionBuilder`, ...) is a thin
//! newtype around a [`Node`]: the client plus the raw (not yet encoded) URL segments reached so
//! far. Navigation methods append a segment; request methods call one of the few functions
//! here, so the generated code stays small and every URL is built (and percent-encoded, key by
//! key) in one place: [`crate::request::RequestParts::new`].

use std::fmt;
use std::sync::Arc;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::http::{HttpResponse, Method};
use crate::paging::Page;
use crate::request::{Request, RequestParts, ResponseBody};
use msgraph_codec::json::{Reader, Writer};
use msgraph_codec::model::{Codec, Model, Param};
use msgraph_codec::odata::literal;

#[doc(hidden)]
/// A position in Graph's URL tree.
#[derive(Clone)]
pub struct Node {
    client: Client,
    segments: Arc<Vec<Segment>>,
    /// Parameter aliases of composable function calls on the path (`range(p=@p)` and
    /// `?@p=<json>`): every request from this node, or a node below it, carries them.
    aliases: Arc<Vec<(String, String)>>,
}

/// One raw (not yet encoded) segment and how it is encoded.
#[derive(Clone)]
struct Segment {
    text: String,
    /// A key given by the caller ([`Node::key`]): only unreserved characters stay as they are.
    key: bool,
    /// Path addressing after this segment (`root:/docs/report.pdf:`): the names, raw.
    path: Option<Vec<String>>,
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Node");
        d.field("segments", &self.segments());
        if !self.aliases.is_empty() {
            d.field("aliases", &self.aliases);
        }
        d.finish_non_exhaustive()
    }
}

impl Node {
    /// A root node (an entity set or singleton).
    pub fn root(client: &Client, segment: &str) -> Node {
        Node {
            client: client.clone(),
            segments: Arc::new(vec![Segment { text: segment.to_string(), key: false, path: None }]),
            aliases: Arc::default(),
        }
    }

    fn push(&self, text: &str, key: bool) -> Node {
        let mut segments = Vec::with_capacity(self.segments.len() + 1);
        segments.extend(self.segments.iter().cloned());
        segments.push(Segment { text: text.to_string(), key, path: None });
        Node { client: self.client.clone(), segments: Arc::new(segments), aliases: Arc::clone(&self.aliases) }
    }

    /// This node addressed by a path below it: `…/root` + `docs/report.pdf` →
    /// `…/root:/docs/report.pdf:`, `…/items/{id}` + `a b` → `…/items/{id}:/a%20b:` (OneDrive's
    /// path addressing). `/` separates names; every name is percent-encoded as data (spaces,
    /// `#`, `%`, `?`, `:`, non-ASCII: everything but RFC 3986 unreserved characters). One leading
    /// `/` is ignored. A path with an empty, `.` or `..` name is an
    /// [`ErrorKind::Validation`](crate::error::ErrorKind::Validation) error when a request is
    /// built from it. On a node that has a path already, the names are appended
    /// (`item_by_path("a").item_by_path("b")` is `root:/a/b:`).
    pub fn path(&self, path: &str) -> Node {
        let names: Vec<String> = path.strip_prefix('/').unwrap_or(path).split('/').map(String::from).collect();
        let mut segments: Vec<Segment> = self.segments.iter().cloned().collect();
        match segments.last_mut() {
            Some(last) => last.path.get_or_insert_with(Vec::new).extend(names),
            None => segments.push(Segment { text: String::new(), key: false, path: Some(names) }),
        }
        Node { client: self.client.clone(), segments: Arc::new(segments), aliases: Arc::clone(&self.aliases) }
    }

    /// This node plus one segment of Graph's URL syntax the SDK writes itself (a navigation
    /// property, a type cast, a function call): percent-encoded when the request is built,
    /// keeping the sub-delimiters Graph's syntax uses (`$ ( ) = , : @`).
    pub fn child(&self, segment: &str) -> Node {
        self.push(segment, false)
    }

    /// This node plus a key given by the caller (`by_id`): everything but RFC 3986 unreserved
    /// characters is percent-encoded ([`msgraph_codec::odata::percent_encode_key`]), so any
    /// string addresses the entity with that id and nothing else — `delta()` is not the delta
    /// function, `$count`, `$ref` and `$value` are not those segments, `a/b` stays one segment.
    pub fn key(&self, key: &str) -> Node {
        self.push(key, true)
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The raw segments.
    pub fn segments(&self) -> Vec<&str> {
        self.segments.iter().map(|s| s.text.as_str()).collect()
    }

    /// A request to this node.
    pub fn request<T>(&self, method: Method) -> Request<T> {
        self.with_aliases(Request::from_parts(&self.client, self.parts(method, None)))
    }

    fn request_at<T>(&self, method: Method, extra: &str) -> Request<T> {
        self.with_aliases(Request::from_parts(&self.client, self.parts(method, Some(extra))))
    }

    fn parts(&self, method: Method, extra: Option<&str>) -> RequestParts {
        let mut parts = RequestParts::new(method, &[]);
        for s in self.segments.iter() {
            if s.key {
                parts.push_key(&s.text);
            } else {
                parts.push_segment(&s.text);
            }
            if let Some(names) = &s.path {
                parts.push_drive_path(names);
            }
        }
        if let Some(extra) = extra {
            parts.push_segment(extra);
        }
        parts
    }

    fn with_aliases<T>(&self, mut req: Request<T>) -> Request<T> {
        for (alias, json) in self.aliases.iter() {
            req = req.query_param(alias, json);
        }
        req
    }

    /// `GET` this node.
    pub fn get<T>(&self) -> Request<T> {
        self.request(Method::Get)
    }

    /// `GET` a collection: the first page; `.pages()`/`.items()` on the request follow
    /// `@odata.nextLink`.
    pub fn list<T>(&self) -> Request<Page<T>> {
        self.request(Method::Get)
    }

    /// `POST` a new entity to a collection (read-only properties left out).
    pub fn create<T>(&self, body: &dyn Model) -> Request<T> {
        self.request(Method::Post).body_json(body)
    }

    /// `PATCH` this entity with the fields that are set (and explicit nulls).
    pub fn update(&self, patch: &dyn Model) -> Request<()> {
        self.request(Method::Patch).body_json(patch)
    }

    /// `PUT` this entity or property: replaces it with `value` (read-only properties left out).
    pub fn replace(&self, value: &dyn Model) -> Request<()> {
        self.request(Method::Put).body_json(value)
    }

    /// `DELETE` this entity.
    pub fn delete(&self) -> Request<()> {
        self.request(Method::Delete)
    }

    /// `GET …/$count` (adds `ConsistencyLevel: eventual`, which directory objects require).
    pub fn count(&self) -> Request<Count> {
        self.request_at(Method::Get, "$count").header("ConsistencyLevel", "eventual")
    }

    /// `GET …/$value`: the raw content of a media entity or stream property.
    pub fn value(&self) -> Request<HttpResponse> {
        self.request_at(Method::Get, "$value")
    }

    /// `PUT …/$value`: replaces the content.
    pub fn put_value(&self, bytes: Vec<u8>, content_type: &str) -> Request<()> {
        self.request_at(Method::Put, "$value").body_bytes(bytes, content_type)
    }

    /// `GET …/{property}`: the content of a stream property (e.g. a drive item's `content`).
    pub fn stream(&self, property: &str) -> Request<HttpResponse> {
        self.request_at(Method::Get, property)
    }

    /// `PUT …/{property}`: replaces the content of a stream property.
    pub fn put_stream(&self, property: &str, bytes: Vec<u8>, content_type: &str) -> Request<()> {
        self.request_at(Method::Put, property).body_bytes(bytes, content_type)
    }

    /// `POST …/$ref` with `{"@odata.id": url}`: adds a reference to a collection-valued
    /// navigation property (or sets a single-valued one with `PUT`).
    pub fn add_ref(&self, odata_id: &str) -> Request<()> {
        self.request_at(Method::Post, "$ref").body_json_text(ref_body(odata_id))
    }

    /// `PUT …/$ref`: sets a single-valued navigation property.
    pub fn set_ref(&self, odata_id: &str) -> Request<()> {
        self.request_at(Method::Put, "$ref").body_json_text(ref_body(odata_id))
    }

    /// `DELETE …/$ref`: removes a reference (for a collection, call it on the item:
    /// `nav.by_id(id)`).
    pub fn remove_ref(&self) -> Request<()> {
        self.request_at(Method::Delete, "$ref")
    }

    /// `GET …/$ref`: the references of a collection-valued navigation property, one page.
    pub fn list_refs(&self) -> Request<Page<Reference>> {
        self.request_at(Method::Get, "$ref")
    }

    /// `DELETE …/$ref?$id={url}`: removes the member with that `@odata.id` URL from a
    /// collection-valued navigation property (the URL is percent-encoded as a query value).
    pub fn remove_ref_by_url(&self, odata_id: &str) -> Request<()> {
        self.request_at(Method::Delete, "$ref").query_param("$id", odata_id)
    }

    /// `POST …/{name}` with the parameters as a JSON object (absent optional ones left out).
    pub fn action<T>(&self, name: &str, params: &[ActionParam<'_>]) -> Request<T> {
        let req = self.request_at(Method::Post, name);
        if params.is_empty() {
            return req;
        }
        let mut w = Writer::new();
        w.begin_object();
        for p in params {
            let json = param_json(p.value);
            if p.optional && json == "null" {
                continue;
            }
            w.key(p.name);
            w.raw(&json);
        }
        w.end_object();
        req.body_json_text(w.into_string())
    }

    /// `POST …/{name}` with a generated parameter struct as the body, typed response.
    pub fn action_with_body<T>(&self, name: &str, params: &dyn Model) -> Request<T> {
        self.request_at(Method::Post, name).body_json(params)
    }

    /// `GET …/{name}(p1=…,p2=…)`: a bound function. Strings and enum members become quoted
    /// OData literals (`'O''Neil'`), numbers/booleans/guids/dates are written bare, and
    /// complex or collection values are passed as parameter aliases (`p=@p` and `?@p=<json>`).
    pub fn function<T>(&self, name: &str, params: &[FunctionParam<'_>]) -> Request<T> {
        self.function_node(name, params).get()
    }

    /// `…/{name}(p1=…,p2=…)` as a node: the call of a composable function, which further
    /// segments (navigation, actions, functions) and requests follow. Parameters are written as
    /// in [`Node::function`]; aliases go with every request from the node.
    pub fn function_node(&self, name: &str, params: &[FunctionParam<'_>]) -> Node {
        let mut call = String::with_capacity(name.len() + 2 + params.len() * 16);
        call.push_str(name);
        call.push('(');
        let mut aliases: Vec<(String, String)> = Vec::new();
        let mut first = true;
        for p in params {
            let json = param_json(p.value);
            if p.optional && json == "null" {
                continue;
            }
            if !first {
                call.push(',');
            }
            first = false;
            call.push_str(p.name);
            call.push('=');
            match function_literal(p.edm_type, json) {
                Literal::Inline(text) => call.push_str(&text),
                Literal::Alias(json) => {
                    // Aliases of an earlier call on the path keep their names unique.
                    let mut alias = format!("@{}", p.name);
                    let mut n = 1;
                    while self.aliases.iter().chain(&aliases).any(|(a, _)| *a == alias) {
                        n += 1;
                        alias = format!("@{}{n}", p.name);
                    }
                    call.push_str(&alias);
                    aliases.push((alias, json));
                }
            }
        }
        call.push(')');
        let mut node = self.child(&call);
        if !aliases.is_empty() {
            let mut all = Vec::with_capacity(node.aliases.len() + aliases.len());
            all.extend(node.aliases.iter().cloned());
            all.extend(aliases);
            node.aliases = Arc::new(all);
        }
        node
    }
}

/// `{"@odata.id": url}`: the body of a `$ref` request.
fn ref_body(odata_id: &str) -> String {
    let mut w = Writer::new();
    w.begin_object();
    w.key("@odata.id");
    w.string(odata_id);
    w.end_object();
    w.into_string()
}

#[doc(hidden)]
/// One parameter of an action call.
#[derive(Clone, Copy)]
pub struct ActionParam<'a> {
    /// Wire name.
    pub name: &'a str,
    /// The value.
    pub value: &'a dyn Param,
    /// Left out of the body when the value is `None`.
    pub optional: bool,
}

impl fmt::Debug for ActionParam<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionParam").field("name", &self.name).finish_non_exhaustive()
    }
}

#[doc(hidden)]
/// One parameter of a function call.
#[derive(Clone, Copy)]
pub struct FunctionParam<'a> {
    /// Wire name.
    pub name: &'a str,
    /// The schema type (`Edm.String`, `microsoft.graph.x`, `Collection(...)`): decides the
    /// literal form.
    pub edm_type: &'a str,
    /// The value.
    pub value: &'a dyn Param,
    /// Left out of the call when the value is `None`.
    pub optional: bool,
}

impl fmt::Debug for FunctionParam<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionParam")
            .field("name", &self.name)
            .field("edm_type", &self.edm_type)
            .finish_non_exhaustive()
    }
}

fn param_json(value: &dyn Param) -> String {
    let mut w = Writer::new();
    value.write_param(&mut w);
    w.into_string()
}

enum Literal {
    Inline(String),
    Alias(String),
}

fn function_literal(edm_type: &str, json: String) -> Literal {
    let collection = edm_type.starts_with("Collection(");
    let quoted_string = json.starts_with('"');
    if collection || json.starts_with('{') || json.starts_with('[') {
        return Literal::Alias(json);
    }
    if !quoted_string {
        // numbers, booleans, null
        return Literal::Inline(json);
    }
    // A JSON string: decode it back to text.
    let text = match Reader::new(json.as_bytes()).read_str() {
        Ok(s) => s.into_owned(),
        Err(_) => return Literal::Alias(json),
    };
    match edm_type {
        "Edm.Guid" | "Edm.DateTimeOffset" | "Edm.Date" | "Edm.TimeOfDay" | "Edm.Int64" | "Edm.Decimal"
        | "Edm.Double" | "Edm.Single" => Literal::Inline(text),
        "Edm.Duration" => Literal::Inline(format!("duration{}", literal::string(&text))),
        "Edm.Binary" | "Edm.Stream" => Literal::Inline(format!("binary{}", literal::string(&text))),
        _ => Literal::Inline(literal::string(&text)),
    }
}

/// The answer of `…/$count`: a plain-text number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i64);

impl ResponseBody for Count {
    fn from_response(response: HttpResponse) -> Result<Count> {
        let text = String::from_utf8_lossy(response.body());
        let t = text.trim().trim_start_matches('\u{feff}');
        t.parse::<i64>()
            .map(Count)
            .map_err(|_| Error::validation(format!("expected a plain-text count from $count, got {:?}", truncate(t))))
    }
}

/// One entry of `GET …/$ref`: the `@odata.id` URL of a referenced entity
/// (`https://graph.microsoft.com/v1.0/directoryObjects/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reference {
    /// The entity's URL: what [`Node::add_ref`] takes and `delete_ref` on a collection builder
    /// removes.
    pub odata_id: String,
}

impl Reference {
    /// The last path segment of the URL, percent-decoded: the entity's id for the usual
    /// `…/directoryObjects/{id}` form. `None` when the URL has no path segment.
    pub fn id(&self) -> Option<String> {
        let url = self.odata_id.split(['?', '#']).next().unwrap_or_default();
        // Leave out the scheme and authority of an absolute URL.
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
            None => url,
        };
        let last = path.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty())?;
        Some(percent_encoding::percent_decode_str(last).decode_utf8_lossy().into_owned())
    }
}

impl Codec for Reference {
    fn decode(r: &mut Reader<'_>) -> std::result::Result<Self, msgraph_codec::json::DecodeError> {
        r.begin_object()?;
        let mut found = None;
        while let Some(key) = r.next_key()? {
            if key == "@odata.id" {
                found = Some(r.read_str().map_err(|e| e.in_key("@odata.id"))?.into_owned());
            } else {
                r.skip_value()?;
            }
        }
        found.map(|odata_id| Reference { odata_id }).ok_or_else(|| r.error("the reference has no \"@odata.id\""))
    }
    fn encode(&self, w: &mut Writer) {
        w.begin_object();
        w.key("@odata.id");
        w.string(&self.odata_id);
        w.end_object();
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The answer of a function or action that returns a single primitive or enum value:
/// `{"@odata.context": …, "value": x}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Value<T>(pub T);

impl<T> Value<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Codec> Codec for Value<T> {
    fn decode(r: &mut Reader<'_>) -> std::result::Result<Self, msgraph_codec::json::DecodeError> {
        r.begin_object()?;
        let mut found = None;
        while let Some(key) = r.next_key()? {
            if key == "value" {
                found = Some(T::decode(r).map_err(|e| e.in_key("value"))?);
            } else {
                r.skip_value()?;
            }
        }
        found.map(Value).ok_or_else(|| r.error("the response has no \"value\" member"))
    }
    fn encode(&self, w: &mut Writer) {
        w.begin_object();
        w.key("value");
        self.0.encode(w);
        w.end_object();
    }
}

impl<'a> ActionParam<'a> {
    /// A required parameter.
    pub fn new(name: &'a str, value: &'a dyn Param) -> Self {
        ActionParam { name, value, optional: false }
    }
    /// An optional parameter (left out when `None`).
    pub fn optional(name: &'a str, value: &'a dyn Param) -> Self {
        ActionParam { name, value, optional: true }
    }
}

impl<'a> FunctionParam<'a> {
    /// A required parameter.
    pub fn new(name: &'a str, edm_type: &'a str, value: &'a dyn Param) -> Self {
        FunctionParam { name, edm_type, value, optional: false }
    }
    /// An optional parameter (left out when `None`).
    pub fn optional(name: &'a str, edm_type: &'a str, value: &'a dyn Param) -> Self {
        FunctionParam { name, edm_type, value, optional: true }
    }
}

/// A generated builder type (item or collection) that can be reached by a type cast segment.
pub trait Builder: Sized {
    /// The qualified OData type name the builder addresses.
    const ODATA_TYPE: &'static str;
    /// A builder at `node`.
    fn from_node(node: Node) -> Self;
    /// The URL node.
    fn node(&self) -> &Node;
    /// `…/{qualified type name}`: a type-cast segment, typed as builder `B`
    /// (`directory_object.cast::<UserBuilder>()` → `…/microsoft.graph.user`).
    fn cast<B: Builder>(&self) -> B {
        B::from_node(self.node().child(B::ODATA_TYPE))
    }
}

/// The builder struct (a `Node` newtype) and its [`Builder`] impl.
#[doc(hidden)]
#[macro_export]
macro_rules! __builder_struct {
    ($name:ident, $odata:literal, $doc:expr) => {
        #[doc = $doc]
        #[derive(Clone, Debug)]
        pub struct $name(pub(crate) $crate::builder::Node);
        impl ::core::convert::From<$crate::builder::Node> for $name {
            /// The builder at that URL (generated navigation methods build their target so).
            fn from(node: $crate::builder::Node) -> Self {
                Self(node)
            }
        }
        impl $crate::builder::Builder for $name {
            const ODATA_TYPE: &'static str = $odata;
            #[inline]
            fn from_node(node: $crate::builder::Node) -> Self {
                Self(node)
            }
            #[inline]
            fn node(&self) -> &$crate::builder::Node {
                &self.0
            }
        }
    };
}

/// Declares an item builder: the struct and the requests every entity has.
///
/// `__item_builder!(UserBuilder, "microsoft.graph.user", crate::models::User, crate::models::User)`
/// (model type, then response type — a `…Kind` wrapper for polymorphic types). A trailing `put`
/// makes `update` send `PUT` (the type's metadata says `UpdateMethod=PUT`).
#[doc(hidden)]
#[macro_export]
macro_rules! __item_builder {
    ($name:ident, $odata:literal, $model:ty, $response:ty $(,)?) => {
        $crate::__item_builder!(@common $name, $odata, $model, $response);
        impl $name {
            /// `PATCH`: sends the fields that are set (and explicit nulls); read-only ones are left out.
            #[inline]
            pub fn update(&self, patch: &$model) -> $crate::request::Request<()> {
                self.0.update(patch)
            }
        }
    };
    ($name:ident, $odata:literal, $model:ty, $response:ty, put $(,)?) => {
        $crate::__item_builder!(@common $name, $odata, $model, $response);
        impl $name {
            /// `PUT`: Graph updates this type by replacing it (its metadata says
            /// `UpdateMethod=PUT`), so send the whole entity; read-only fields are left out.
            #[inline]
            pub fn update(&self, value: &$model) -> $crate::request::Request<()> {
                self.0.replace(value)
            }
        }
    };
    (@common $name:ident, $odata:literal, $model:ty, $response:ty) => {
        $crate::__builder_struct!($name, $odata, concat!(" Requests for one `", $odata, "`."));
        impl $name {
            #[doc = concat!(" `GET` (this builder's URL): reads the `", $odata, "`; `select`, `expand` and the other query options are on the request.")]
            #[inline]
            pub fn get(&self) -> $crate::request::Request<$response> {
                self.0.get()
            }
            #[doc = concat!(" `PUT` (this builder's URL): replaces the `", $odata, "` with `value` (fields not set are reset by Graph; read-only ones are left out). No content back.")]
            #[inline]
            pub fn replace(&self, value: &$model) -> $crate::request::Request<()> {
                self.0.replace(value)
            }
            #[doc = concat!(" `DELETE` (this builder's URL): deletes the `", $odata, "`. No content back.")]
            #[inline]
            pub fn delete(&self) -> $crate::request::Request<()> {
                self.0.delete()
            }
            /// `PUT …/$ref`: points this single-valued reference at the entity with that `@odata.id` URL.
            #[inline]
            pub fn set_ref(&self, odata_id: &str) -> $crate::request::Request<()> {
                self.0.set_ref(odata_id)
            }
            /// `DELETE …/$ref`: removes this reference (the entity itself stays).
            #[inline]
            pub fn delete_ref(&self) -> $crate::request::Request<()> {
                self.0.remove_ref()
            }
        }
    };
}

/// Declares a collection builder: the struct and the requests every collection has.
///
/// `__collection_builder!(UserCollectionBuilder, UserBuilder, "microsoft.graph.user", crate::models::User, crate::models::User)`
#[doc(hidden)]
#[macro_export]
macro_rules! __collection_builder {
    ($name:ident, $item:ident, $odata:literal, $model:ty, $response:ty $(,)?) => {
        $crate::__builder_struct!($name, $odata, concat!(" Requests for a collection of `", $odata, "`."));
        impl $name {
            #[doc = concat!(" `GET` (this builder's URL): the first page of `", $odata, "`; `.pages()` / `.items()` on the request follow `@odata.nextLink`.")]
            #[inline]
            pub fn list(&self) -> $crate::request::Request<$crate::paging::Page<$response>> {
                self.0.list()
            }
            #[doc = concat!(" `POST` (this builder's URL): creates a `", $odata, "` (read-only properties are left out of the body) and returns it as Graph stored it.")]
            #[inline]
            pub fn create(&self, body: &$model) -> $crate::request::Request<$response> {
                self.0.create(body)
            }
            /// One entity by key. Everything but RFC 3986 unreserved characters
            /// (`A-Z a-z 0-9 - . _ ~`) is percent-encoded, so any string — user input
            /// included — addresses the entity with that id and nothing else: `"delta()"` is
            /// not the delta function, `"$count"` / `"$ref"` / `"$value"` are not those
            /// segments, `"a/b"` is one segment. (An id made only of unreserved characters that
            /// equals a type name such as `microsoft.graph.user` is still read as a cast by
            /// Graph.)
            #[inline]
            pub fn by_id(&self, id: &str) -> $item {
                $item(self.0.key(id))
            }
            /// `GET …/$count`: the number of items (sent with `ConsistencyLevel: eventual`).
            #[inline]
            pub fn count(&self) -> $crate::request::Request<$crate::builder::Count> {
                self.0.count()
            }
            /// `POST …/$ref`: adds a reference to the entity with that `@odata.id` URL.
            #[inline]
            pub fn add_ref(&self, odata_id: &str) -> $crate::request::Request<()> {
                self.0.add_ref(odata_id)
            }
            /// `GET …/$ref`: the references (`@odata.id` URLs) of a navigation property that
            /// does not contain its targets, one page; `.pages()` / `.items()` follow the rest.
            #[inline]
            pub fn list_refs(&self) -> $crate::request::Request<$crate::paging::Page<$crate::builder::Reference>> {
                self.0.list_refs()
            }
            /// `DELETE …/$ref?$id={odata_id}`: removes the reference to the entity with that
            /// `@odata.id` URL (the entity itself stays). Same as `by_id(id).delete_ref()`.
            #[inline]
            pub fn delete_ref(&self, odata_id: &str) -> $crate::request::Request<()> {
                self.0.remove_ref_by_url(odata_id)
            }
        }
    };
}

/// Declares the builder of a complex-typed property (`…/mailboxSettings`): `get` and `update`.
///
/// `__complex_builder!(MailboxSettingsItem, "microsoft.graph.mailboxSettings", crate::models::MailboxSettings, crate::models::MailboxSettings)`
#[doc(hidden)]
#[macro_export]
macro_rules! __complex_builder {
    ($name:ident, $odata:literal, $model:ty, $response:ty $(,)?) => {
        $crate::__builder_struct!($name, $odata, concat!(" Requests for a property of complex type `", $odata, "`."));
        impl $name {
            /// `GET`: the property's value.
            #[inline]
            pub fn get(&self) -> $crate::request::Request<$response> {
                self.0.get()
            }
            /// `PATCH`: updates the fields that are set (and explicit nulls); the others keep
            /// their values.
            #[inline]
            pub fn update(&self, value: &$model) -> $crate::request::Request<()> {
                self.0.update(value)
            }
        }
    };
}

/// Declares the builder of a collection-valued complex property (`…/assignedLicenses`): `get`.
#[doc(hidden)]
#[macro_export]
macro_rules! __complex_collection_builder {
    ($name:ident, $odata:literal, $response:ty $(,)?) => {
        $crate::__builder_struct!(
            $name,
            $odata,
            concat!(" Requests for a collection-valued property of complex type `", $odata, "`.")
        );
        impl $name {
            /// `GET`: the property's values (`{"value": [...]}`).
            #[inline]
            pub fn get(&self) -> $crate::request::Request<$crate::paging::Page<$response>> {
                self.0.list()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_literals() {
        let lit = |t: &str, v: &dyn Param| function_literal(t, param_json(v));
        let s = String::from("O'Neil");
        assert!(matches!(lit("Edm.String", &s), Literal::Inline(t) if t == "'O''Neil'"));
        assert!(matches!(lit("Edm.Int32", &5i32), Literal::Inline(t) if t == "5"));
        assert!(matches!(lit("Edm.Boolean", &true), Literal::Inline(t) if t == "true"));
        let g = msgraph_codec::edm::Guid::nil();
        assert!(matches!(lit("Edm.Guid", &g), Literal::Inline(t) if t == "00000000-0000-0000-0000-000000000000"));
        let v = vec![String::from("a")];
        assert!(matches!(lit("Collection(Edm.String)", &v), Literal::Alias(t) if t == "[\"a\"]"));
        let d: msgraph_codec::edm::Duration = "PT1H".parse().expect("duration");
        assert!(matches!(lit("Edm.Duration", &d), Literal::Inline(t) if t == "duration'PT1H'"));
        let none: Option<String> = None;
        assert_eq!(param_json(&none), "null");
    }

    #[test]
    fn composable_calls_are_nodes() {
        let client = Client::builder().base_url("https://graph.microsoft.com/v1.0").build().unwrap();
        let sheet = Node::root(&client, "me").child("worksheets").child("S'1");
        let address = String::from("O'Neil!A1");
        let range = sheet.function_node("range", &[FunctionParam::new("address", "Edm.String", &address)]);
        let font = range.child("format").child("font");
        let url = font.get::<()>().url();
        assert_eq!(
            url,
            "https://graph.microsoft.com/v1.0/me/worksheets/S%271/range(address=%27O%27%27Neil!A1%27)/format/font"
        );
        // Complex or collection arguments are aliases, carried by every request below the call
        // and kept unique when two calls on the path use the same parameter name.
        let values = vec![String::from("a")];
        let first = sheet.function_node("f", &[FunctionParam::new("v", "Collection(Edm.String)", &values)]);
        let second = first.child("x").function_node("g", &[FunctionParam::new("v", "Collection(Edm.String)", &values)]);
        let url = second.delete().url();
        assert!(url.ends_with("/f(v=@v)/x/g(v=@v2)?%40v=%5B%22a%22%5D&%40v2=%5B%22a%22%5D"), "{url}");
        // The plain function request is unchanged.
        let req = sheet.function::<()>("usedRange", &[FunctionParam::new("valuesOnly", "Edm.Boolean", &true)]);
        assert!(req.url().ends_with("/usedRange(valuesOnly=true)"));
    }

    #[test]
    fn keys_are_only_keys() {
        let client = Client::builder().base_url("https://graph.microsoft.com/v1.0").build().unwrap();
        let users = Node::root(&client, "users");
        let url = |n: &Node| n.get::<()>().url();
        assert_eq!(url(&users.key("delta()")), "https://graph.microsoft.com/v1.0/users/delta%28%29");
        assert_eq!(url(&users.child("delta()")), "https://graph.microsoft.com/v1.0/users/delta()");
        let count = users.key("$count");
        assert_eq!(url(&count), "https://graph.microsoft.com/v1.0/users/%24count");
        assert!(count.get::<()>().headers().get("consistencylevel").is_none(), "not a $count request");
        assert_eq!(users.count().headers().get("consistencylevel"), Some("eventual"));
        for (id, encoded) in [("$ref", "%24ref"), ("$value", "%24value"), ("a@b.c", "a%40b.c"), ("x:y", "x%3Ay")] {
            assert_eq!(url(&users.key(id)), format!("https://graph.microsoft.com/v1.0/users/{encoded}"));
        }
        // The SDK's own segments after a key keep Graph's syntax.
        let member = Node::root(&client, "groups").key("g(1)").child("members").key("$ref");
        assert_eq!(member.remove_ref().url(), "https://graph.microsoft.com/v1.0/groups/g%281%29/members/%24ref/$ref");
        assert_eq!(member.segments(), ["groups", "g(1)", "members", "$ref"]);
        // Empty and dot keys are still refused.
        for bad in ["", ".", ".."] {
            assert!(users.key(bad).get::<()>().parts().error().is_some(), "{bad:?}");
        }
    }

    #[test]
    fn references_decode() {
        let page: Page<Reference> = msgraph_codec::json::from_str(
            r#"{"@odata.context":"x","value":[{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/a%2Fb%C3%A9"},{"@odata.id":"https://h/"}]}"#,
        )
        .unwrap();
        assert_eq!(page.value[0].id().as_deref(), Some("a/bé"));
        assert_eq!(page.value[1].id(), None);
        assert_eq!(Reference { odata_id: "users/u1".into() }.id().as_deref(), Some("u1"));
        assert!(msgraph_codec::json::from_str::<Reference>(r#"{"id":"x"}"#).is_err());
        let r = Reference { odata_id: "u".into() };
        assert_eq!(msgraph_codec::json::to_string(&r), r#"{"@odata.id":"u"}"#);
        assert_eq!(Reference { odata_id: "users/100%25%zz%4".into() }.id().as_deref(), Some("100%%zz%4"));
    }

    #[test]
    fn value_wrapper_decodes() {
        let v: Value<bool> = msgraph_codec::json::from_str(r#"{"@odata.context":"x","value":true}"#).unwrap();
        assert!(v.0);
        let e = msgraph_codec::json::from_str::<Value<bool>>(r#"{"x":1}"#).unwrap_err();
        assert!(e.message().contains("value"));
    }
}
