//! OData v4 CSDL XML → [`Document`], with roxmltree.
//!
//! The parser is deliberately lenient about things it does not model (unknown elements,
//! unknown attributes, elements in foreign namespaces, `edmx:Reference`, unmodelled annotation
//! expressions) and strict about what it does model: a missing required attribute, a non-boolean
//! `Nullable`, a non-integer enum `Value` are reported as errors. All such errors are collected;
//! the document is returned only when there are none.

use super::*;
use roxmltree::{Node, ParsingOptions};

/// The EDM namespace: everything inside `<Schema>`.
const EDM_NS: &str = "http://docs.oasis-open.org/odata/ns/edm";
/// The EDMX namespace: `Edmx`, `DataServices`, `Reference`.
const EDMX_NS: &str = "http://docs.oasis-open.org/odata/ns/edmx";

pub(super) fn parse(text: &str) -> Result<Document, Vec<ParseError>> {
    let options = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    let mut parser = Parser::new(text);
    let xml = match roxmltree::Document::parse_with_options(text, options) {
        Ok(xml) => xml,
        Err(err) => return Err(vec![parser.xml_error(&err)]),
    };
    let doc = parser.document(&xml);
    if parser.errors.is_empty() {
        Ok(doc)
    } else {
        Err(parser.errors)
    }
}

/// Element children of `node` in the EDM namespace.
fn edm_children<'a, 'i: 'a>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|c| c.is_element() && c.tag_name().namespace() == Some(EDM_NS))
}

/// Element children of `node` in the EDMX namespace with the given local name.
fn edmx_children<'a, 'i: 'a>(node: Node<'a, 'i>, local: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().namespace() == Some(EDMX_NS) && c.tag_name().name() == local)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `parent/Kind[name]`, or `Kind[name]` at the top.
fn child_path(parent: &str, kind: &str, name: Option<&str>) -> String {
    let name = match name {
        Some(n) if !n.is_empty() => n,
        _ => "?",
    };
    let mut path = String::with_capacity(parent.len() + kind.len() + name.len() + 3);
    if !parent.is_empty() {
        path.push_str(parent);
        path.push('/');
    }
    path.push_str(kind);
    path.push('[');
    path.push_str(name);
    path.push(']');
    path
}

/// `parent/Kind` (for elements without a name: `Key`, `ReturnType`, `Record`, ...).
fn plain_child_path(parent: &str, kind: &str) -> String {
    let mut path = String::with_capacity(parent.len() + kind.len() + 1);
    path.push_str(parent);
    path.push('/');
    path.push_str(kind);
    path
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Where a constant expression sits, to build the path of an error only when there is one.
#[derive(Debug, Clone, Copy)]
enum ValuePath<'p> {
    /// An attribute of the element at this path.
    Attribute(&'p str),
    /// A child element `kind` of the element at this path.
    Element(&'p str, &'p str),
}

impl ValuePath<'_> {
    fn build(self) -> String {
        match self {
            ValuePath::Attribute(path) => path.to_string(),
            ValuePath::Element(parent, kind) => plain_child_path(parent, kind),
        }
    }
}

struct Parser<'t> {
    text: &'t str,
    /// Byte offsets at which each line starts (`line_starts[0] == 0`).
    line_starts: Vec<usize>,
    errors: Vec<ParseError>,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 48 + 1);
        line_starts.push(0);
        line_starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        Parser { text, line_starts, errors: Vec::new() }
    }

    /// 1-based (line, column) of a byte offset, counted like roxmltree's `text_pos_at`
    /// (column in characters), in O(log lines).
    fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(idx).copied().unwrap_or(0);
        let col = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (to_u32(idx + 1), to_u32(col))
    }

    fn loc(&self, node: Node<'_, '_>, path: String) -> Location {
        let (line, column) = self.line_col(node.range().start);
        Location { line, column, path }
    }

    fn error(&mut self, node: Node<'_, '_>, path: &str, message: String) {
        let location = self.loc(node, path.to_string());
        self.errors.push(ParseError { message, location });
    }

    /// The qualified name of an element as written in the source (`edmx:Edmx`, `html`).
    fn raw_tag_name(&self, node: Node<'_, '_>) -> String {
        let start = node.range().start + 1;
        let rest = self.text.get(start..).unwrap_or("");
        let end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
        match rest.get(..end) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => node.tag_name().name().to_string(),
        }
    }

    fn xml_error(&self, err: &roxmltree::Error) -> ParseError {
        let (line, column) = match err {
            // roxmltree reports these at 1:1; the problem is really at the end of the input
            // (a truncated document).
            roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
                self.line_col(self.text.trim_end().len())
            }
            _ => {
                let pos = err.pos();
                (pos.row, pos.col)
            }
        };
        ParseError {
            message: format!("malformed XML: {err}"),
            location: Location { line, column, path: String::new() },
        }
    }

    // ----- attributes -----

    /// A required attribute; reports an error (and returns "") when missing or empty.
    fn required(&mut self, node: Node<'_, '_>, attr: &str, kind: &str, path: &str) -> String {
        match node.attribute(attr) {
            Some(v) if !v.trim().is_empty() => v.to_string(),
            Some(_) => {
                self.error(node, path, format!("attribute `{attr}` of <{kind}> is empty"));
                String::new()
            }
            None => {
                self.error(node, path, format!("<{kind}> is missing the required attribute `{attr}`"));
                String::new()
            }
        }
    }

    fn optional(node: Node<'_, '_>, attr: &str) -> Option<String> {
        node.attribute(attr).map(str::to_string)
    }

    /// A boolean attribute with a default; reports an error for anything but true/false.
    fn boolean(&mut self, node: Node<'_, '_>, attr: &str, default: bool, kind: &str, path: &str) -> bool {
        match node.attribute(attr) {
            None => default,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    self.error(
                        node,
                        path,
                        format!("invalid value `{v}` for attribute `{attr}` of <{kind}>: expected `true` or `false`"),
                    );
                    default
                }
            },
        }
    }

    // ----- document -----

    fn document(&mut self, xml: &roxmltree::Document<'_>) -> Document {
        let root = xml.root_element();
        let raw = self.raw_tag_name(root);
        let tag = root.tag_name();
        if tag.name() != "Edmx" {
            self.error(root, &raw, format!("not a CSDL document: root element is <{raw}>, expected <edmx:Edmx>"));
            return Document::default();
        }
        if tag.namespace() != Some(EDMX_NS) {
            let ns = tag.namespace().unwrap_or("");
            self.error(
                root,
                &raw,
                format!(
                    "not an OData v4 CSDL document: root element <{raw}> is in namespace `{ns}`, expected `{EDMX_NS}`"
                ),
            );
            return Document::default();
        }
        let mut doc = Document::default();
        let mut data_services = 0usize;
        for ds in edmx_children(root, "DataServices") {
            data_services += 1;
            for child in ds.children().filter(Node::is_element) {
                let ctag = child.tag_name();
                if ctag.name() != "Schema" {
                    continue;
                }
                if ctag.namespace() == Some(EDM_NS) {
                    let schema = self.schema(child);
                    doc.schemas.push(schema);
                } else {
                    let ns = ctag.namespace().unwrap_or("");
                    let path = child_path("", "Schema", child.attribute("Namespace"));
                    self.error(
                        child,
                        &path,
                        format!(
                            "<Schema> is in namespace `{ns}`, expected `{EDM_NS}` (only OData v4 CSDL is supported)"
                        ),
                    );
                }
            }
        }
        if data_services == 0 {
            self.error(root, &raw, format!("not a CSDL document: <{raw}> has no <edmx:DataServices> element"));
        } else if doc.schemas.is_empty() && self.errors.is_empty() {
            self.error(root, &raw, "not a CSDL document: <edmx:DataServices> contains no <Schema> element".into());
        }
        doc
    }

    fn schema(&mut self, node: Node<'_, '_>) -> Schema {
        let namespace_attr = node.attribute("Namespace");
        let path = child_path("", "Schema", namespace_attr);
        let namespace = self.required(node, "Namespace", "Schema", &path);
        let mut schema = Schema { namespace, alias: Self::optional(node, "Alias"), ..Schema::default() };
        for child in edm_children(node) {
            match child.tag_name().name() {
                "EntityType" => {
                    let t = self.entity_type(child, &path);
                    schema.entity_types.push(t);
                }
                "ComplexType" => {
                    let t = self.complex_type(child, &path);
                    schema.complex_types.push(t);
                }
                "EnumType" => {
                    let t = self.enum_type(child, &path);
                    schema.enum_types.push(t);
                }
                "TypeDefinition" => {
                    let t = self.type_definition(child, &path);
                    schema.type_definitions.push(t);
                }
                "Action" => {
                    let op = self.operation(child, &path, "Action");
                    schema.actions.push(op);
                }
                "Function" => {
                    let op = self.operation(child, &path, "Function");
                    schema.functions.push(op);
                }
                "EntityContainer" => {
                    let c = self.entity_container(child, &path);
                    schema.entity_containers.push(c);
                }
                "Term" => {
                    let t = self.term(child, &path);
                    schema.terms.push(t);
                }
                "Annotations" => {
                    let b = self.annotations_block(child, &path);
                    schema.annotations.push(b);
                }
                // Schema-level <Annotation>s annotate the schema itself; not modelled.
                _ => {}
            }
        }
        schema.location = self.loc(node, path);
        schema
    }

    // ----- types -----

    fn entity_type(&mut self, node: Node<'_, '_>, parent: &str) -> EntityType {
        let path = child_path(parent, "EntityType", node.attribute("Name"));
        let kind = "EntityType";
        let mut t = EntityType {
            name: self.required(node, "Name", kind, &path),
            base_type: Self::optional(node, "BaseType"),
            is_abstract: self.boolean(node, "Abstract", false, kind, &path),
            open_type: self.boolean(node, "OpenType", false, kind, &path),
            has_stream: self.boolean(node, "HasStream", false, kind, &path),
            ..EntityType::default()
        };
        for child in edm_children(node) {
            match child.tag_name().name() {
                "Key" => self.key(child, &path, &mut t.key),
                "Property" => {
                    let p = self.property(child, &path);
                    t.properties.push(p);
                }
                "NavigationProperty" => {
                    let p = self.navigation_property(child, &path);
                    t.navigation_properties.push(p);
                }
                "Annotation" => {
                    let a = self.annotation(child, &path);
                    t.annotations.push(a);
                }
                _ => {}
            }
        }
        t.location = self.loc(node, path);
        t
    }

    fn key(&mut self, node: Node<'_, '_>, parent: &str, key: &mut Vec<String>) {
        for child in edm_children(node).filter(|c| c.tag_name().name() == "PropertyRef") {
            match child.attribute("Name") {
                Some(n) if !n.trim().is_empty() => key.push(n.to_string()),
                _ => {
                    let path = child_path(&plain_child_path(parent, "Key"), "PropertyRef", None);
                    self.required(child, "Name", "PropertyRef", &path);
                }
            }
        }
    }

    fn complex_type(&mut self, node: Node<'_, '_>, parent: &str) -> ComplexType {
        let path = child_path(parent, "ComplexType", node.attribute("Name"));
        let kind = "ComplexType";
        let mut t = ComplexType {
            name: self.required(node, "Name", kind, &path),
            base_type: Self::optional(node, "BaseType"),
            is_abstract: self.boolean(node, "Abstract", false, kind, &path),
            open_type: self.boolean(node, "OpenType", false, kind, &path),
            ..ComplexType::default()
        };
        for child in edm_children(node) {
            match child.tag_name().name() {
                "Property" => {
                    let p = self.property(child, &path);
                    t.properties.push(p);
                }
                "NavigationProperty" => {
                    let p = self.navigation_property(child, &path);
                    t.navigation_properties.push(p);
                }
                "Annotation" => {
                    let a = self.annotation(child, &path);
                    t.annotations.push(a);
                }
                _ => {}
            }
        }
        t.location = self.loc(node, path);
        t
    }

    fn enum_type(&mut self, node: Node<'_, '_>, parent: &str) -> EnumType {
        let path = child_path(parent, "EnumType", node.attribute("Name"));
        let kind = "EnumType";
        let mut t = EnumType {
            name: self.required(node, "Name", kind, &path),
            is_flags: self.boolean(node, "IsFlags", false, kind, &path),
            underlying_type: Self::optional(node, "UnderlyingType"),
            ..EnumType::default()
        };
        for child in edm_children(node) {
            match child.tag_name().name() {
                "Member" => {
                    let m = self.enum_member(child, &path);
                    t.members.push(m);
                }
                "Annotation" => {
                    let a = self.annotation(child, &path);
                    t.annotations.push(a);
                }
                _ => {}
            }
        }
        t.location = self.loc(node, path);
        t
    }

    fn enum_member(&mut self, node: Node<'_, '_>, parent: &str) -> EnumMember {
        let path = child_path(parent, "Member", node.attribute("Name"));
        let name = self.required(node, "Name", "Member", &path);
        let value = match node.attribute("Value") {
            None => None,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.error(node, &path, format!("invalid enum member value `{v}`: expected an integer"));
                    None
                }
            },
        };
        let annotations = self.inline_annotations(node, &path);
        EnumMember { name, value, annotations, location: self.loc(node, path) }
    }

    fn type_definition(&mut self, node: Node<'_, '_>, parent: &str) -> TypeDefinition {
        let path = child_path(parent, "TypeDefinition", node.attribute("Name"));
        let name = self.required(node, "Name", "TypeDefinition", &path);
        let underlying_type = self.required(node, "UnderlyingType", "TypeDefinition", &path);
        // Inline annotations of a type definition are not modelled, but still checked.
        let _ = self.inline_annotations(node, &path);
        TypeDefinition { name, underlying_type, location: self.loc(node, path) }
    }

    fn term(&mut self, node: Node<'_, '_>, parent: &str) -> Term {
        let path = child_path(parent, "Term", node.attribute("Name"));
        let name = self.required(node, "Name", "Term", &path);
        let r#type = self.required(node, "Type", "Term", &path);
        let applies_to = Self::optional(node, "AppliesTo");
        let _ = self.inline_annotations(node, &path);
        Term { name, r#type, applies_to, location: self.loc(node, path) }
    }

    // ----- properties -----

    fn property(&mut self, node: Node<'_, '_>, parent: &str) -> Property {
        let path = child_path(parent, "Property", node.attribute("Name"));
        let kind = "Property";
        let name = self.required(node, "Name", kind, &path);
        let r#type = TypeRef::parse(&self.required(node, "Type", kind, &path));
        let nullable = self.boolean(node, "Nullable", true, kind, &path);
        let default_value = Self::optional(node, "DefaultValue");
        let annotations = self.inline_annotations(node, &path);
        Property { name, r#type, nullable, default_value, annotations, location: self.loc(node, path) }
    }

    fn navigation_property(&mut self, node: Node<'_, '_>, parent: &str) -> NavigationProperty {
        let path = child_path(parent, "NavigationProperty", node.attribute("Name"));
        let kind = "NavigationProperty";
        let name = self.required(node, "Name", kind, &path);
        let r#type = TypeRef::parse(&self.required(node, "Type", kind, &path));
        let nullable = self.boolean(node, "Nullable", true, kind, &path);
        let contains_target = self.boolean(node, "ContainsTarget", false, kind, &path);
        let partner = Self::optional(node, "Partner");
        let annotations = self.inline_annotations(node, &path);
        NavigationProperty {
            name,
            r#type,
            nullable,
            contains_target,
            partner,
            annotations,
            location: self.loc(node, path),
        }
    }

    // ----- operations -----

    fn operation(&mut self, node: Node<'_, '_>, parent: &str, kind: &str) -> Operation {
        let path = child_path(parent, kind, node.attribute("Name"));
        let mut op = Operation {
            name: self.required(node, "Name", kind, &path),
            is_bound: self.boolean(node, "IsBound", false, kind, &path),
            is_composable: kind == "Function" && self.boolean(node, "IsComposable", false, kind, &path),
            entity_set_path: Self::optional(node, "EntitySetPath"),
            ..Operation::default()
        };
        for child in edm_children(node) {
            match child.tag_name().name() {
                "Parameter" => {
                    let p = self.parameter(child, &path);
                    op.parameters.push(p);
                }
                "ReturnType" => {
                    let rpath = plain_child_path(&path, "ReturnType");
                    if op.return_type.is_some() {
                        self.error(child, &rpath, format!("<{kind}> has more than one <ReturnType>"));
                    }
                    let r#type = TypeRef::parse(&self.required(child, "Type", "ReturnType", &rpath));
                    let nullable = self.boolean(child, "Nullable", true, "ReturnType", &rpath);
                    let annotations = self.inline_annotations(child, &rpath);
                    op.return_type = Some(ReturnType { r#type, nullable, annotations });
                }
                "Annotation" => {
                    let a = self.annotation(child, &path);
                    op.annotations.push(a);
                }
                _ => {}
            }
        }
        if op.is_bound && op.parameters.is_empty() {
            self.error(node, &path, format!("bound <{kind}> has no binding parameter"));
        }
        op.location = self.loc(node, path);
        op
    }

    fn parameter(&mut self, node: Node<'_, '_>, parent: &str) -> Parameter {
        let path = child_path(parent, "Parameter", node.attribute("Name"));
        let kind = "Parameter";
        let name = self.required(node, "Name", kind, &path);
        let r#type = TypeRef::parse(&self.required(node, "Type", kind, &path));
        let nullable = self.boolean(node, "Nullable", true, kind, &path);
        let annotations = self.inline_annotations(node, &path);
        Parameter { name, r#type, nullable, annotations, location: self.loc(node, path) }
    }

    // ----- container -----

    fn entity_container(&mut self, node: Node<'_, '_>, parent: &str) -> EntityContainer {
        let path = child_path(parent, "EntityContainer", node.attribute("Name"));
        let mut c = EntityContainer {
            name: self.required(node, "Name", "EntityContainer", &path),
            ..EntityContainer::default()
        };
        for child in edm_children(node) {
            match child.tag_name().name() {
                "EntitySet" => {
                    let spath = child_path(&path, "EntitySet", child.attribute("Name"));
                    let name = self.required(child, "Name", "EntitySet", &spath);
                    let entity_type = self.required(child, "EntityType", "EntitySet", &spath);
                    let (navigation_property_bindings, annotations) = self.container_element_children(child, &spath);
                    c.entity_sets.push(EntitySet {
                        name,
                        entity_type,
                        navigation_property_bindings,
                        annotations,
                        location: self.loc(child, spath),
                    });
                }
                "Singleton" => {
                    let spath = child_path(&path, "Singleton", child.attribute("Name"));
                    let name = self.required(child, "Name", "Singleton", &spath);
                    let r#type = self.required(child, "Type", "Singleton", &spath);
                    let (navigation_property_bindings, annotations) = self.container_element_children(child, &spath);
                    c.singletons.push(Singleton {
                        name,
                        r#type,
                        navigation_property_bindings,
                        annotations,
                        location: self.loc(child, spath),
                    });
                }
                "Annotation" => {
                    let a = self.annotation(child, &path);
                    c.annotations.push(a);
                }
                // ActionImport / FunctionImport: not modelled.
                _ => {}
            }
        }
        c.location = self.loc(node, path);
        c
    }

    /// `<NavigationPropertyBinding>` and `<Annotation>` children of an entity set or singleton.
    fn container_element_children(
        &mut self,
        node: Node<'_, '_>,
        path: &str,
    ) -> (Vec<NavigationPropertyBinding>, Vec<Annotation>) {
        let mut bindings = Vec::new();
        let mut annotations = Vec::new();
        for child in edm_children(node) {
            match child.tag_name().name() {
                "NavigationPropertyBinding" => {
                    let p = child.attribute("Path");
                    let t = child.attribute("Target");
                    match (p, t) {
                        (Some(p), Some(t)) if !p.trim().is_empty() && !t.trim().is_empty() => {
                            bindings.push(NavigationPropertyBinding { path: p.to_string(), target: t.to_string() });
                        }
                        _ => {
                            let bpath = child_path(path, "NavigationPropertyBinding", p);
                            let kind = "NavigationPropertyBinding";
                            let path_attr = self.required(child, "Path", kind, &bpath);
                            let target = self.required(child, "Target", kind, &bpath);
                            bindings.push(NavigationPropertyBinding { path: path_attr, target });
                        }
                    }
                }
                "Annotation" => {
                    let a = self.annotation(child, path);
                    annotations.push(a);
                }
                _ => {}
            }
        }
        (bindings, annotations)
    }

    // ----- annotations -----

    fn annotations_block(&mut self, node: Node<'_, '_>, parent: &str) -> AnnotationsBlock {
        let path = child_path(parent, "Annotations", node.attribute("Target"));
        let target = self.required(node, "Target", "Annotations", &path);
        let annotations = self.inline_annotations(node, &path);
        AnnotationsBlock { target, annotations, location: self.loc(node, path) }
    }

    /// All `<Annotation>` children of `node`.
    fn inline_annotations(&mut self, node: Node<'_, '_>, path: &str) -> Vec<Annotation> {
        let mut out = Vec::new();
        for child in edm_children(node).filter(|c| c.tag_name().name() == "Annotation") {
            let a = self.annotation(child, path);
            out.push(a);
        }
        out
    }

    fn annotation(&mut self, node: Node<'_, '_>, parent: &str) -> Annotation {
        let term_attr = node.attribute("Term");
        let qualifier = Self::optional(node, "Qualifier");
        let path = match (term_attr, &qualifier) {
            (Some(t), Some(q)) => child_path(parent, "Annotation", Some(&format!("{t}#{q}"))),
            _ => child_path(parent, "Annotation", term_attr),
        };
        let term = self.required(node, "Term", "Annotation", &path);
        let value = self.value_of(node, &path);
        Annotation { term, qualifier, value, location: self.loc(node, path) }
    }

    /// The value of an `<Annotation>` or `<PropertyValue>`: an attribute form (first one wins),
    /// else the first expression child element, else [`AnnotationValue::Empty`].
    fn value_of(&mut self, node: Node<'_, '_>, path: &str) -> AnnotationValue {
        for attr in node.attributes() {
            if attr.namespace().is_some() {
                continue;
            }
            if let Some(v) = self.constant(node, attr.name(), attr.value(), ValuePath::Attribute(path)) {
                return v;
            }
        }
        match edm_children(node).find(|c| c.tag_name().name() != "Annotation") {
            Some(expr) => self.expression(expr, path),
            None => AnnotationValue::Empty,
        }
    }

    /// A constant or path expression in attribute or element notation; `None` when `kind` is not
    /// one (so the caller can look further).
    fn constant(
        &mut self,
        node: Node<'_, '_>,
        kind: &str,
        value: &str,
        path: ValuePath<'_>,
    ) -> Option<AnnotationValue> {
        let v = match kind {
            "String" => AnnotationValue::String(value.to_string()),
            "Bool" => match parse_bool(value) {
                Some(b) => AnnotationValue::Bool(b),
                None => {
                    self.error(
                        node,
                        &path.build(),
                        format!("invalid Bool value `{value}`: expected `true` or `false`"),
                    );
                    AnnotationValue::Empty
                }
            },
            "Int" => match value.trim().parse::<i64>() {
                Ok(n) => AnnotationValue::Int(n),
                Err(_) => {
                    self.error(node, &path.build(), format!("invalid Int value `{value}`: expected an integer"));
                    AnnotationValue::Empty
                }
            },
            "Float" => match value.trim().parse::<f64>() {
                Ok(n) => AnnotationValue::Float(n),
                Err(_) => {
                    self.error(node, &path.build(), format!("invalid Float value `{value}`: expected a number"));
                    AnnotationValue::Empty
                }
            },
            "Decimal" => AnnotationValue::Decimal(value.trim().to_string()),
            "Date" => AnnotationValue::Date(value.trim().to_string()),
            "DateTimeOffset" => AnnotationValue::DateTimeOffset(value.trim().to_string()),
            "EnumMember" => AnnotationValue::EnumMember(value.trim().to_string()),
            "Path" => AnnotationValue::Path(value.trim().to_string()),
            "PropertyPath" => AnnotationValue::PropertyPath(value.trim().to_string()),
            "NavigationPropertyPath" => AnnotationValue::NavigationPropertyPath(value.trim().to_string()),
            // Valid CSDL expressions that are not modelled.
            "AnnotationPath" | "Binary" | "Duration" | "Guid" | "TimeOfDay" | "UrlRef" | "ModelElementPath" => {
                AnnotationValue::Empty
            }
            _ => return None,
        };
        Some(v)
    }

    /// An expression in element notation. Unknown or unmodelled forms give `Empty`.
    fn expression(&mut self, node: Node<'_, '_>, parent: &str) -> AnnotationValue {
        match node.tag_name().name() {
            "Record" => {
                let path = plain_child_path(parent, "Record");
                AnnotationValue::Record(self.record(node, &path))
            }
            "Collection" => {
                let path = plain_child_path(parent, "Collection");
                let mut items = Vec::new();
                for child in edm_children(node).filter(|c| c.tag_name().name() != "Annotation") {
                    let item = self.expression(child, &path);
                    items.push(item);
                }
                AnnotationValue::Collection(items)
            }
            kind => {
                let text = node.text().unwrap_or("");
                self.constant(node, kind, text, ValuePath::Element(parent, kind)).unwrap_or(AnnotationValue::Empty)
            }
        }
    }

    fn record(&mut self, node: Node<'_, '_>, path: &str) -> Record {
        let mut record = Record { r#type: Self::optional(node, "Type"), ..Record::default() };
        for child in edm_children(node).filter(|c| c.tag_name().name() == "PropertyValue") {
            match child.attribute("Property") {
                Some(p) if !p.trim().is_empty() => {
                    let vpath = child_path(path, "PropertyValue", Some(p));
                    let value = self.value_of(child, &vpath);
                    record.properties.insert(p.to_string(), value);
                }
                _ => {
                    let vpath = child_path(path, "PropertyValue", None);
                    self.required(child, "Property", "PropertyValue", &vpath);
                    let _ = self.value_of(child, &vpath);
                }
            }
        }
        record
    }
}
