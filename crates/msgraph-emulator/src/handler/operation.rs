//! Bound operations (actions and functions): method and parameter checks, then the built-in
//! handlers of [`crate::rules::operation`]; 501 for operations the emulator has no handler for.

use hyper::Method;
use serde_json::{Map, Value};

use crate::context::Ctx;
use crate::entity::type_name;
use crate::errors::{truncate, GraphError, HandlerResult};
use crate::rules;
use crate::schema::{Operation, OperationKind};
use crate::store::Store;
use crate::target::Binding;

/// Runs a bound operation (`store` is `None` for GET: functions cannot change data).
pub(super) fn operation(
    ctx: &Ctx<'_>,
    store: Option<&mut Store>,
    binding: Binding,
    op: &'static Operation,
    args: Option<String>,
    method: &Method,
    body: Option<Map<String, Value>>,
) -> HandlerResult {
    let expected = match op.kind {
        OperationKind::Action => Method::POST,
        OperationKind::Function => Method::GET,
    };
    if *method != expected {
        return Err(GraphError::method_not_allowed(
            method.as_str(),
            &format!(
                "the {} '{}' (call it with {expected})",
                if op.kind == OperationKind::Action { "action" } else { "function" },
                op.name
            ),
        ));
    }
    if let (OperationKind::Action, Some(body)) = (op.kind, &body) {
        for key in body.keys().filter(|k| !k.starts_with('@')) {
            // Graph matches parameter names case-insensitively (`message` and `Message`).
            if !op.parameters.iter().any(|(p, _)| p.eq_ignore_ascii_case(key)) {
                return Err(GraphError::bad_request(format!(
                    "The parameter '{}' is not in scope of the action '{}'.",
                    truncate(key, 100),
                    op.name
                )));
            }
        }
    }
    if let Some(store) = store {
        if let Some(result) = rules::operation(ctx.shared, store, &binding, op, body.as_ref()) {
            return result;
        }
    }
    let _ = args; // checked by the router (overload resolution)
    let bound_to = match &binding {
        Binding::Coll(c) => format!("a collection of '{}'", type_name(c.item_type())),
        Binding::Ent(e) => format!("'{}'", type_name(e.declared)),
    };
    Err(GraphError::not_implemented(format!(
        "The {} '{}' bound to {bound_to} exists in Graph v1.0, but the emulator has no handler for it.",
        if op.kind == OperationKind::Action { "action" } else { "function" },
        op.name
    )))
}
