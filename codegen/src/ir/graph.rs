//! Graph algorithms over qualified names.

use std::collections::{BTreeMap, BTreeSet};

use super::QName;

/// Base before derived; siblings by qualified name.
pub(super) fn inheritance_order(bases: &BTreeMap<QName, Option<QName>>) -> Vec<QName> {
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut roots = Vec::new();
    for (q, b) in bases {
        match b {
            Some(b) if bases.contains_key(b) => children.entry(b.as_str()).or_default().push(q),
            _ => roots.push(q.as_str()),
        }
    }
    let mut out = Vec::with_capacity(bases.len());
    let mut stack: Vec<&str> = roots.into_iter().rev().collect();
    while let Some(q) = stack.pop() {
        out.push(q.to_string());
        if let Some(c) = children.get(q) {
            stack.extend(c.iter().rev());
        }
    }
    out
}

/// Every inheritance cycle once, as the chain from its first member (by name) back to that
/// member: `[a, b, a]`. A type whose ancestors end in a cycle it is not on is in no chain.
pub(super) fn inheritance_cycles(bases: &BTreeMap<QName, Option<QName>>) -> Vec<Vec<QName>> {
    let mut in_cycle: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for start in bases.keys() {
        let mut seen = vec![start.as_str()];
        let mut cur = bases.get(start).and_then(Option::as_deref);
        while let Some(c) = cur {
            if c == start {
                if seen.iter().all(|s| !in_cycle.contains(s)) {
                    let mut chain: Vec<QName> = seen.iter().map(|s| s.to_string()).collect();
                    chain.push(start.clone());
                    out.push(chain);
                }
                in_cycle.extend(seen.iter().copied());
                break;
            }
            if seen.contains(&c) {
                break; // a cycle further up; found from its own members
            }
            seen.push(c);
            cur = bases.get(c).and_then(Option::as_deref);
        }
    }
    out
}

/// Tarjan's algorithm (iterative); maps each node on a cycle to a component id. Nodes not on
/// any cycle (singleton components without a self-loop) are left out.
pub(super) fn strongly_connected(edges: &BTreeMap<QName, BTreeSet<QName>>) -> BTreeMap<QName, usize> {
    let nodes: Vec<&str> = {
        let mut set: BTreeSet<&str> = edges.keys().map(String::as_str).collect();
        for targets in edges.values() {
            set.extend(targets.iter().map(String::as_str));
        }
        set.into_iter().collect()
    };
    let index_of: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges
                .get(*n)
                .map(|t| t.iter().filter_map(|x| index_of.get(x.as_str()).copied()).collect())
                .unwrap_or_default()
        })
        .collect();
    let n = nodes.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0usize;
    let mut comp_id = 0usize;
    let mut out = BTreeMap::new();
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            if let Some(&w) = adj[v].get(*ei) {
                *ei += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut members = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        members.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let cyclic = members.len() > 1 || adj[v].contains(&v);
                    if cyclic {
                        for m in members {
                            out.insert(nodes[m].to_string(), comp_id);
                        }
                    }
                    comp_id += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scc_finds_cycles_only() {
        let mut e: BTreeMap<QName, BTreeSet<QName>> = BTreeMap::new();
        e.entry("a".into()).or_default().insert("b".into());
        e.entry("b".into()).or_default().insert("a".into());
        e.entry("b".into()).or_default().insert("c".into());
        e.entry("d".into()).or_default().insert("d".into());
        let s = strongly_connected(&e);
        assert_eq!(s.get("a"), s.get("b"));
        assert!(s.contains_key("a"));
        assert!(!s.contains_key("c"));
        assert!(s.contains_key("d"));
        assert_ne!(s.get("a"), s.get("d"));
    }

    #[test]
    fn inheritance_is_base_first() {
        let mut b: BTreeMap<QName, Option<QName>> = BTreeMap::new();
        b.insert("z".into(), None);
        b.insert("a".into(), Some("z".into()));
        b.insert("m".into(), Some("a".into()));
        b.insert("b".into(), None);
        assert_eq!(inheritance_order(&b), ["b", "z", "a", "m"]);
    }

    #[test]
    fn each_inheritance_cycle_is_found_once() {
        let mut b: BTreeMap<QName, Option<QName>> = BTreeMap::new();
        b.insert("a".into(), Some("b".into()));
        b.insert("b".into(), Some("a".into()));
        b.insert("c".into(), Some("a".into()));
        b.insert("d".into(), Some("d".into()));
        b.insert("e".into(), None);
        assert_eq!(inheritance_cycles(&b), [vec!["a", "b", "a"], vec!["d", "d"]]);
    }
}
