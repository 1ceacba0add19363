//! JSON throughput of the table-driven model codec against `serde_json::Value`, on the same bytes:
//!
//! * `decode_users`: a 999-user page (`@odata.context`, `@odata.nextLink`, ~29 set properties per
//!   user with nested complex types, explicit nulls and unknown extension properties) into
//!   `msgraph::Page<msgraph::models::User>` vs into `serde_json::Value`;
//! * `encode_users`: the decoded page back to JSON, typed vs `Value`;
//! * `decode_methods` / `encode_methods`: a 500-item polymorphic `/me/authentication/methods` page
//!   into `Page<AuthenticationMethodKind>` vs `Value`.
//!
//! `cargo bench -p msgraph-bench --bench codec`; criterion reports MB/s (Throughput::Bytes), and the
//! page sizes are written to `<target>/msgraph-bench/codec.txt` for `cargo xtask bench-report`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use msgraph::models::{AuthenticationMethodKind, User};
use msgraph::Page;
use serde_json::Value;

/// Decodes both ways once and checks that the typed path loses nothing (so the comparison is
/// between two complete decodings of the same document).
fn check_round_trip<T: msgraph::model::Codec>(json: &str, expected_items: usize) -> (Page<T>, Value) {
    let typed: Page<T> = msgraph::json::from_str(json).expect("typed decode");
    assert_eq!(typed.value.len(), expected_items);
    let value: Value = serde_json::from_str(json).expect("Value decode");
    let mut again: Value = serde_json::from_str(&msgraph::json::to_string(&typed)).expect("re-encoded JSON");
    // The encoder may add `@odata.type` to items that had none (a type with derived types);
    // everything else must come back as it was.
    let items = again["value"].as_array_mut().expect("value array");
    for (i, item) in items.iter_mut().enumerate() {
        let original = &value["value"][i];
        if original.get("@odata.type").is_none() {
            item.as_object_mut().expect("object").remove("@odata.type");
        }
        assert_eq!(item, original, "item {i}: typed decode → encode must keep every property");
    }
    assert_eq!(again, value, "typed decode → encode must keep every property");
    (typed, value)
}

fn codec(c: &mut Criterion) {
    let users = common::users_page(999);
    let methods = common::methods_page(500);
    let (typed_users, value_users) = check_round_trip::<User>(&users, 999);
    let (typed_methods, value_methods) = check_round_trip::<AuthenticationMethodKind>(&methods, 500);
    let kinds: std::collections::BTreeSet<&str> =
        typed_methods.value.iter().map(AuthenticationMethodKind::odata_type).collect();
    assert!(kinds.len() >= 9, "a polymorphic mix: {kinds:?}");

    let typed_users_out = msgraph::json::to_string(&typed_users);
    let value_users_out = serde_json::to_string(&value_users).unwrap();
    let typed_methods_out = msgraph::json::to_string(&typed_methods);
    let value_methods_out = serde_json::to_string(&value_methods).unwrap();
    let set_props: usize = value_users["value"].as_array().unwrap().iter().map(|u| u.as_object().unwrap().len()).sum();
    common::write_results(
        "codec",
        &[
            ("users_items", "999".into()),
            ("users_bytes", users.len().to_string()),
            ("users_props_per_item", format!("{:.1}", set_props as f64 / 999.0)),
            ("user_struct_bytes", std::mem::size_of::<User>().to_string()),
            ("users_typed_out_bytes", typed_users_out.len().to_string()),
            ("users_value_out_bytes", value_users_out.len().to_string()),
            ("methods_items", "500".into()),
            ("methods_kinds", kinds.len().to_string()),
            ("methods_bytes", methods.len().to_string()),
            ("methods_typed_out_bytes", typed_methods_out.len().to_string()),
            ("methods_value_out_bytes", value_methods_out.len().to_string()),
        ],
    );

    let mut g = c.benchmark_group("decode_users");
    g.throughput(Throughput::Bytes(users.len() as u64));
    g.bench_function("typed", |b| {
        b.iter(|| black_box(msgraph::json::from_str::<Page<User>>(black_box(&users)).unwrap()))
    });
    g.bench_function("value", |b| b.iter(|| black_box(serde_json::from_str::<Value>(black_box(&users)).unwrap())));
    g.finish();

    let mut g = c.benchmark_group("encode_users");
    g.throughput(Throughput::Bytes(typed_users_out.len() as u64));
    g.bench_function("typed", |b| b.iter(|| black_box(msgraph::json::to_string(black_box(&typed_users)))));
    g.throughput(Throughput::Bytes(value_users_out.len() as u64));
    g.bench_function("value", |b| b.iter(|| black_box(serde_json::to_string(black_box(&value_users)).unwrap())));
    g.finish();

    let mut g = c.benchmark_group("decode_methods");
    g.throughput(Throughput::Bytes(methods.len() as u64));
    g.bench_function("typed", |b| {
        b.iter(|| black_box(msgraph::json::from_str::<Page<AuthenticationMethodKind>>(black_box(&methods)).unwrap()))
    });
    g.bench_function("value", |b| b.iter(|| black_box(serde_json::from_str::<Value>(black_box(&methods)).unwrap())));
    g.finish();

    let mut g = c.benchmark_group("encode_methods");
    g.throughput(Throughput::Bytes(typed_methods_out.len() as u64));
    g.bench_function("typed", |b| b.iter(|| black_box(msgraph::json::to_string(black_box(&typed_methods)))));
    g.throughput(Throughput::Bytes(value_methods_out.len() as u64));
    g.bench_function("value", |b| b.iter(|| black_box(serde_json::to_string(black_box(&value_methods)).unwrap())));
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = codec
}
criterion_main!(benches);
