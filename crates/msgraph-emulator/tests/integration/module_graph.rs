//! The library's modules depend on each other without cycles, and only `src/schema.rs` names
//! the SDK crates (the emulator uses nothing of the SDK but its routing schema).
//!
//! Every `src/**/*.rs` file is a module (`lib.rs` is the crate root, `a/mod.rs` is `a`,
//! `a/b.rs` is `a::b`; `main.rs` is the binary, not part of the library). A module depends on
//! every module its code names: `crate::…`, `super::…` and `self::…` paths, `use` groups
//! (`crate::a::{b, c::d}`), paths through the child modules it declares (`mod child;` …
//! `child::f()`) and through modules it imported by name (`use crate::a;` … `a::b::f()`;
//! `use … as …` renames are not followed). A path counts for the longest module prefix it has
//! (`crate::a::b::Item` → `a::b` when that is a module, else `a`; anything else → the crate
//! root). Comment lines and a file's test module (from an unindented `#[cfg(test)]` line to the
//! end) are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;
type Graph = BTreeMap<Module, BTreeSet<Module>>;

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// `lib.rs` → the root, `a/mod.rs` → `a`, `a/b.rs` → `a::b`; `None` for `main.rs`.
fn module_of(rel: &str) -> Option<Module> {
    let rel = rel.strip_suffix(".rs")?;
    if rel == "main" {
        return None;
    }
    let mut m: Module = rel.split('/').map(String::from).collect();
    if matches!(m.last().map(String::as_str), Some("mod" | "lib")) {
        m.pop();
    }
    Some(m)
}

/// The code that counts: no comment lines, nothing from the test module on.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        if !line.trim_start().starts_with("//") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Reads the path starting at `i` (`a::b::{c, d::e}`, after `prefix`) into `out`, one entry
/// per leaf; returns where it ends.
fn read_path(s: &[u8], mut i: usize, mut path: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    loop {
        while s.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if s.get(i) == Some(&b'{') {
            i += 1;
            while i < s.len() && s[i] != b'}' {
                if s[i] == b',' || s[i].is_ascii_whitespace() || s[i] == b'*' {
                    i += 1;
                } else {
                    i = read_path(s, i, path.clone(), out).max(i + 1);
                }
            }
            return i + 1;
        }
        let start = i;
        while s.get(i).copied().is_some_and(is_ident) {
            i += 1;
        }
        if i == start {
            break;
        }
        path.push(String::from_utf8_lossy(&s[start..i]).into_owned());
        if s[i..].starts_with(b"::") {
            i += 2;
        } else {
            break;
        }
    }
    out.push(path);
    i
}

/// The modules a file declares (`mod child;`).
fn children(code: &str) -> Vec<&str> {
    code.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace().rev();
            let child = words.next()?.strip_suffix(';')?;
            (words.next()? == "mod").then_some(child)
        })
        .collect()
}

/// The paths in `code` whose first segment is `anchored` (`first::…`, not `x::first::…`).
fn paths(code: &str, anchored: impl Fn(&str) -> bool) -> Vec<Vec<String>> {
    let s = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let boundary = i == 0 || !(is_ident(s[i - 1]) || s[i - 1] == b':');
        if !(boundary && is_ident(s[i])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && is_ident(s[i]) {
            i += 1;
        }
        if anchored(&code[start..i]) && s[i..].starts_with(b"::") {
            i = read_path(s, start, Vec::new(), &mut out);
        }
    }
    out
}

/// The absolute segments of a path in module `from`.
fn absolute(from: &[String], path: &[String]) -> Vec<String> {
    let mut abs: Vec<String> = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("self") => {
            abs = from.to_vec();
            rest = &path[1..];
        }
        Some("super") => {
            abs = from.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                abs.pop();
                rest = &rest[1..];
            }
        }
        _ => abs = from.to_vec(), // a declared child
    }
    abs.extend(rest.iter().filter(|s| *s != "self").cloned());
    abs
}

/// The longest prefix of `abs` that is a module.
fn module_prefix(mut abs: Vec<String>, modules: &BTreeSet<Module>) -> Module {
    while !modules.contains(&abs) {
        abs.pop();
    }
    abs
}

/// The dependency graph of `files` (path relative to `src`, text).
fn graph(files: &[(String, String)]) -> Graph {
    let parsed: Vec<(Module, String)> =
        files.iter().filter_map(|(rel, text)| Some((module_of(rel)?, code(text)))).collect();
    let modules: BTreeSet<Module> = parsed.iter().map(|(m, _)| m.clone()).chain([Vec::new()]).collect();
    let mut g = Graph::new();
    for (m, code) in &parsed {
        let children = children(code);
        let direct = paths(code, |w| matches!(w, "crate" | "super" | "self") || children.contains(&w));
        let mut targets: Vec<Module> = Vec::new();
        // A path that names a module itself (`use crate::a::b;`) makes `b::…` a path into it.
        let mut aliases: BTreeMap<String, Module> = BTreeMap::new();
        for p in &direct {
            let abs = absolute(m, p);
            let t = module_prefix(abs.clone(), &modules);
            if t == abs {
                if let Some(last) = t.last() {
                    aliases.insert(last.clone(), t.clone());
                }
            }
            targets.push(t);
        }
        for p in paths(code, |w| aliases.contains_key(w) && !children.contains(&w)) {
            let mut abs = aliases[&p[0]].clone();
            abs.extend(p[1..].iter().filter(|s| *s != "self").cloned());
            targets.push(module_prefix(abs, &modules));
        }
        let deps = g.entry(m.clone()).or_default();
        deps.extend(targets.into_iter().filter(|t| t != m));
    }
    g
}

/// A cycle (`a → b → … → a`), if there is one (depth-first search).
fn find_cycle(g: &Graph) -> Option<Vec<Module>> {
    fn visit(m: &Module, g: &Graph, done: &mut BTreeSet<Module>, stack: &mut Vec<Module>) -> Option<Vec<Module>> {
        if let Some(at) = stack.iter().position(|x| x == m) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(m.clone());
            return Some(cycle);
        }
        if !done.insert(m.clone()) {
            return None;
        }
        stack.push(m.clone());
        for next in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, g, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|m| visit(m, g, &mut done, &mut Vec::new()))
}

fn source_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

#[test]
fn modules_have_no_import_cycles() {
    let g = graph(&source_files());
    assert!(g.len() > 10, "too few modules found: {:?}", g.keys().collect::<Vec<_>>());
    if let Some(cycle) = find_cycle(&g) {
        let text: Vec<String> = cycle.iter().map(|m| name(m)).collect();
        panic!("the emulator's modules import each other in a cycle: {}", text.join(" -> "));
    }
}

#[test]
fn only_the_schema_module_names_the_sdk() {
    for (rel, text) in source_files() {
        if rel == "schema.rs" {
            continue;
        }
        let code = code(&text);
        for sdk in ["msgraph::", "msgraph_core::", "msgraph_codec::", "msgraph_models::"] {
            let named = code.match_indices(sdk).any(|(i, _)| i == 0 || !is_ident(code.as_bytes()[i - 1]));
            assert!(!named, "src/{rel} names `{sdk}`: go through `crate::schema` instead");
        }
    }
}

#[test]
fn the_checker_finds_cycles() {
    let files = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()
    };
    let cycle = |list: &[(&str, &str)]| {
        find_cycle(&graph(&files(list))).map(|c| c.iter().map(|m| name(m)).collect::<Vec<_>>().join(" -> "))
    };
    // `use` lines, groups and inline paths.
    let lib = ("lib.rs", "mod a;\nmod b;\nmod c;\n");
    assert_eq!(cycle(&[lib, ("a.rs", "use crate::b::X;"), ("b.rs", "use crate::{c::Y, d};")]), None);
    assert_eq!(
        cycle(&[
            lib,
            ("a.rs", "use crate::b::X;"),
            ("b.rs", "use crate::{c::Y, d};"),
            ("c.rs", "fn f() { crate::a::g() }")
        ]),
        Some("a -> b -> c -> a".into())
    );
    // Folders: `super::`, declared children, the crate root; comments and tests do not count.
    let lib = ("lib.rs", "mod h;\npub use h::run;\n");
    let mod_rs = ("h/mod.rs", "mod read;\nmod ctx;\npub fn run() { read::go() }\n");
    let ctx = ("h/ctx.rs", "pub struct Ctx;");
    assert_eq!(cycle(&[lib, mod_rs, ctx, ("h/read.rs", "use super::ctx::Ctx;\n// crate::h::run\n")]), None);
    let tested = "use super::ctx::Ctx;\n#[cfg(test)]\nmod tests { use crate::Thing; }\n";
    assert_eq!(cycle(&[lib, mod_rs, ctx, ("h/read.rs", tested)]), None);
    assert_eq!(cycle(&[lib, mod_rs, ctx, ("h/read.rs", "use super::run;")]), Some("h -> h::read -> h".into()));
    let read = ("h/read.rs", "use super::ctx::Ctx;");
    assert_eq!(
        cycle(&[lib, mod_rs, read, ("h/ctx.rs", "fn f() { crate::run() }")]),
        Some("crate -> h -> h::read -> h::ctx -> crate".into())
    );
    // Through a module imported by name.
    let lib = ("lib.rs", "mod v;\nmod p;\n");
    let (v, p) = (("v/mod.rs", "pub mod phone;\n"), ("p.rs", "use crate::v;\nfn f() { v::phone::check() }\n"));
    assert_eq!(cycle(&[lib, v, p, ("v/phone.rs", "pub fn check() {}")]), None);
    assert_eq!(cycle(&[lib, v, p, ("v/phone.rs", "use crate::p::X;")]), Some("p -> v::phone -> p".into()));
}
