//! The model codec on a small hand-declared polymorphic model (the glue macros the generated
//! models use): the cost of the `@odata.type` look-ahead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgraph_codec::json::{Codec, Reader};
use msgraph_codec::model::AdditionalData;

/// The base type: a node with an optional child of any node type.
#[derive(Clone, Default)]
pub struct Node {
    pub id: Option<String>,
    pub child: Option<NodeKind>,
    pub additional_data: AdditionalData,
}

msgraph_codec::__private::impl_model! {
    type Node = "test.node", writes_odata_type: false;
    0 => id: "id",
    1 => child: "child",
}

/// A derived type.
#[derive(Clone, Default)]
pub struct Special {
    pub base: Node,
    pub extra: Option<i32>,
}

msgraph_codec::__private::impl_model! {
    type Special: Node = "test.special", writes_odata_type: true;
    2 => extra: "extra",
}

/// A node of any type.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Node(Box<Node>),
    Special(Box<Special>),
}

msgraph_codec::__private::impl_kind! {
    NodeKind: Node;
    Node(Node) [] as_node into_node = "test.node",
    Special(Special) [base] as_special into_special = "test.special",
}

/// `depth` nested specials, each with `@odata.type` after its child (the worst case for a
/// look-ahead that stops at the key).
fn nested(depth: usize) -> String {
    let mut doc = String::new();
    for level in 0..depth {
        doc.push_str(&format!(r#"{{"id":"n{level}","extra":{level}"#));
        if level + 1 < depth {
            doc.push_str(r#","child":"#);
        }
    }
    for _ in 0..depth {
        doc.push_str(r##","@odata.type":"#test.special"}"##);
    }
    doc
}

/// The look-ahead reads each byte at most once per document, however deep the polymorphic
/// values nest (it used to rescan every nested object once per enclosing one: quadratic).
#[test]
fn odata_type_lookahead_is_linear_in_the_input() {
    for depth in [1, 10, 100] {
        let doc = nested(depth);
        let mut r = Reader::new(doc.as_bytes());
        let value = NodeKind::decode(&mut r).unwrap();
        r.finish().unwrap();
        let mut levels = 0;
        let mut current = Some(&value);
        while let Some(NodeKind::Special(s)) = current {
            assert_eq!(s.extra, Some(levels));
            levels += 1;
            current = s.child.as_ref();
        }
        assert_eq!(levels, depth as i32);
        assert!(
            r.lookahead_bytes() <= doc.len(),
            "depth {depth}: look-ahead read {} bytes of a {}-byte document",
            r.lookahead_bytes(),
            doc.len()
        );
    }
}
