//! Rendering a [`Diff`]: readable text, JSON, and the `CHANGELOG.md` entry.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{Change, ChangeKind, Diff, Level, Section, Subject};

/// One side of the comparison, for headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Side {
    /// Where the document came from (a path).
    pub source: String,
    /// The sha256 of its bytes.
    pub sha256: String,
}

/// What the verdict level means for this SDK.
pub fn explanation(level: Level) -> &'static str {
    match level {
        Level::Major => "something users could rely on was removed, retyped or renamed",
        Level::Minor => "only additions",
        Level::Patch => "documentation and metadata only; the Rust API is unchanged",
        Level::None => "no differences at the IR level",
    }
}

/// `+`, `-` or `~`.
fn sign(kind: ChangeKind) -> char {
    let name = kind.as_str();
    if name.ends_with("_added") || kind == ChangeKind::Deprecated {
        '+'
    } else if name.ends_with("_removed") {
        '-'
    } else {
        '~'
    }
}

/// What a change is about, for a reader ("property", "navigation property type", ...).
pub fn noun(kind: ChangeKind) -> &'static str {
    use ChangeKind as K;
    match kind {
        K::NamespaceAdded | K::NamespaceRemoved => "namespace",
        K::TypeAdded | K::TypeRemoved => "type",
        K::TypeKindChanged => "kind of type",
        K::TypeRenamed => "Rust name",
        K::BaseTypeChanged => "base type",
        K::TypeAttributesChanged => "attribute",
        K::EnumFlagsChanged => "flags",
        K::PropertyAdded | K::PropertyRemoved => "property",
        K::PropertyRetyped => "property type",
        K::PropertyNullabilityChanged => "property nullability",
        K::PropertyReadOnlyChanged => "property read-only",
        K::PropertyRenamed => "property Rust name",
        K::PropertyMoved => "property declaration",
        K::PropertyKindChanged => "property kind",
        K::NavigationAdded | K::NavigationRemoved => "navigation property",
        K::NavigationRetyped => "navigation property type",
        K::NavigationNullabilityChanged => "navigation property nullability",
        K::NavigationContainmentChanged => "navigation property containment",
        K::NavigationReadOnlyChanged => "navigation property read-only",
        K::NavigationRenamed => "navigation property Rust name",
        K::NavigationMoved => "navigation property declaration",
        K::EnumMemberAdded | K::EnumMemberRemoved => "member",
        K::EnumMemberRenamed => "member Rust name",
        K::EnumMemberValueChanged => "member value",
        K::KindAdded | K::KindRemoved => "polymorphic wrapper",
        K::KindRenamed => "wrapper Rust name",
        K::KindVariantAdded | K::KindVariantRemoved => "variant",
        K::KindVariantRenamed => "variant Rust name",
        K::OperationAdded | K::OperationRemoved => "operation",
        K::ParameterAdded | K::ParameterRemoved => "parameter",
        K::ParameterRetyped => "parameter type",
        K::ParameterOptionalityChanged => "parameter optionality",
        K::ParameterNullabilityChanged => "parameter nullability",
        K::ParameterRenamed => "parameter Rust name",
        K::ParametersReordered => "parameter order",
        K::ReturnTypeChanged => "return type",
        K::ReturnNullabilityChanged => "return nullability",
        K::OperationAttributesChanged => "attribute",
        K::ContainerRenamed => "container name",
        K::EntitySetAdded | K::EntitySetRemoved => "entity set",
        K::EntitySetRetyped => "entity set type",
        K::EntitySetRenamed => "entity set Rust name",
        K::SingletonAdded | K::SingletonRemoved => "singleton",
        K::SingletonRetyped => "singleton type",
        K::SingletonRenamed => "singleton Rust name",
        K::BindingsChanged => "navigation bindings",
        K::DocsChanged => "docs",
        K::Deprecated => "deprecated",
        K::DeprecationRemoved => "no longer deprecated",
        K::DeprecationChanged => "deprecation",
    }
}

/// A plural label for counts ("properties added").
fn counted(kind: ChangeKind) -> &'static str {
    use ChangeKind as K;
    match kind {
        K::NamespaceAdded => "namespaces added",
        K::NamespaceRemoved => "namespaces removed",
        K::TypeAdded => "types added",
        K::TypeRemoved => "types removed",
        K::TypeKindChanged => "types changed kind",
        K::TypeRenamed => "types renamed in Rust",
        K::BaseTypeChanged => "base types changed",
        K::TypeAttributesChanged => "type attributes changed",
        K::EnumFlagsChanged => "enums changed IsFlags",
        K::PropertyAdded => "properties added",
        K::PropertyRemoved => "properties removed",
        K::PropertyRetyped => "properties retyped",
        K::PropertyNullabilityChanged => "property nullability changes",
        K::PropertyReadOnlyChanged => "property read-only changes",
        K::PropertyRenamed => "fields renamed in Rust",
        K::PropertyMoved => "property declarations moved",
        K::PropertyKindChanged => "properties changed between structural and navigation",
        K::NavigationAdded => "navigation properties added",
        K::NavigationRemoved => "navigation properties removed",
        K::NavigationRetyped => "navigation properties retyped",
        K::NavigationNullabilityChanged => "navigation nullability changes",
        K::NavigationContainmentChanged => "navigation containment changes",
        K::NavigationReadOnlyChanged => "navigation read-only changes",
        K::NavigationRenamed => "navigation fields renamed in Rust",
        K::NavigationMoved => "navigation declarations moved",
        K::EnumMemberAdded => "enum members added",
        K::EnumMemberRemoved => "enum members removed",
        K::EnumMemberRenamed => "enum variants renamed in Rust",
        K::EnumMemberValueChanged => "enum member values changed",
        K::KindAdded => "polymorphic wrappers added",
        K::KindRemoved => "polymorphic wrappers removed",
        K::KindRenamed => "polymorphic wrappers renamed in Rust",
        K::KindVariantAdded => "wrapper variants added",
        K::KindVariantRemoved => "wrapper variants removed",
        K::KindVariantRenamed => "wrapper variants renamed in Rust",
        K::OperationAdded => "operations added",
        K::OperationRemoved => "operations removed",
        K::ParameterAdded => "parameters added",
        K::ParameterRemoved => "parameters removed",
        K::ParameterRetyped => "parameters retyped",
        K::ParameterOptionalityChanged => "parameter optionality changes",
        K::ParameterNullabilityChanged => "parameter nullability changes",
        K::ParameterRenamed => "parameters renamed in Rust",
        K::ParametersReordered => "parameter lists reordered",
        K::ReturnTypeChanged => "return types changed",
        K::ReturnNullabilityChanged => "return nullability changes",
        K::OperationAttributesChanged => "operation attributes changed",
        K::ContainerRenamed => "container renames",
        K::EntitySetAdded => "entity sets added",
        K::EntitySetRemoved => "entity sets removed",
        K::EntitySetRetyped => "entity sets retyped",
        K::EntitySetRenamed => "entity sets renamed in Rust",
        K::SingletonAdded => "singletons added",
        K::SingletonRemoved => "singletons removed",
        K::SingletonRetyped => "singletons retyped",
        K::SingletonRenamed => "singletons renamed in Rust",
        K::BindingsChanged => "navigation binding changes",
        K::DocsChanged => "documentation changes",
        K::Deprecated => "new deprecations",
        K::DeprecationRemoved => "deprecations removed",
        K::DeprecationChanged => "deprecation notices changed",
    }
}

/// Whether the change is about its owner as a whole (printed on one line, not under a heading).
fn whole_owner(c: &Change) -> bool {
    use ChangeKind as K;
    c.member.is_none()
        && matches!(
            c.kind,
            K::NamespaceAdded
                | K::NamespaceRemoved
                | K::TypeAdded
                | K::TypeRemoved
                | K::KindAdded
                | K::KindRemoved
                | K::OperationAdded
                | K::OperationRemoved
                | K::EntitySetAdded
                | K::EntitySetRemoved
                | K::SingletonAdded
                | K::SingletonRemoved
                | K::ContainerRenamed
        )
}

/// `old -> new`, `old`, `new`, with the note after ` — `.
fn values(c: &Change) -> String {
    let mut out = match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{o} -> {n}"),
        (Some(o), None) => o.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    };
    if let Some(note) = &c.note {
        if !out.is_empty() {
            out.push_str(" — ");
        }
        out.push_str(note);
    }
    out
}

/// The heading that groups the member changes of an owner.
fn heading(c: &Change) -> String {
    match c.subject {
        Subject::Type => format!("type {}", c.owner),
        Subject::Kind => format!("polymorphic wrapper of {}", c.owner),
        Subject::Namespace => "namespace".to_string(),
        Subject::Operation | Subject::Container => c.owner.clone(),
    }
}

/// One line for a change, without indentation, as listed under its owner.
fn member_line(c: &Change) -> String {
    let mut out = format!("{} {}", sign(c.kind), noun(c.kind));
    if let Some(m) = &c.member {
        out.push(' ');
        out.push_str(m);
    }
    let v = values(c);
    if !v.is_empty() {
        out.push_str(": ");
        out.push_str(&v);
    }
    out
}

/// One self-contained line for a change, e.g.
/// `microsoft.graph.user: - property mail: Edm.String` (Rust: `mail: Option<String>`).
pub fn describe(c: &Change) -> String {
    if whole_owner(c) {
        return match c.subject {
            Subject::Namespace => format!("{}: {} namespace: {}", c.namespace, sign(c.kind), values(c)),
            _ => format!("{}: {}", c.namespace, whole_owner_line(c)),
        };
    }
    let location = match c.subject {
        Subject::Type => format!("{}.{}", c.namespace, c.owner),
        Subject::Kind => format!("{}.{} (polymorphic wrapper)", c.namespace, c.owner),
        Subject::Namespace => c.namespace.clone(),
        Subject::Operation | Subject::Container => format!("{}: {}", c.namespace, c.owner),
    };
    format!("{location}: {}", member_line(c))
}

/// The counts per kind of a set of changes, largest first, as `458 types added, 3 ...`.
fn kind_counts<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Vec<(ChangeKind, usize)> {
    let mut counts: BTreeMap<ChangeKind, usize> = BTreeMap::new();
    for c in changes {
        *counts.entry(c.kind).or_default() += 1;
    }
    let mut v: Vec<(ChangeKind, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn join_counts(counts: &[(ChangeKind, usize)]) -> String {
    counts.iter().map(|(k, n)| format!("{n} {}", counted(*k))).collect::<Vec<_>>().join(", ")
}

/// The counts shown in the summary line of a namespace.
struct NamespaceSummary {
    types: [usize; 3],
    properties: [usize; 3],
    navigation: [usize; 3],
    members: [usize; 2],
    operations: [usize; 3],
    sets: [usize; 2],
    docs: usize,
}

fn namespace_summary<'a>(changes: impl Iterator<Item = &'a Change>) -> NamespaceSummary {
    use ChangeKind as K;
    let mut s = NamespaceSummary {
        types: [0; 3],
        properties: [0; 3],
        navigation: [0; 3],
        members: [0; 2],
        operations: [0; 3],
        sets: [0; 2],
        docs: 0,
    };
    let mut changed_types: BTreeSet<&str> = BTreeSet::new();
    let mut changed_ops: BTreeSet<&str> = BTreeSet::new();
    for c in changes {
        match c.kind {
            K::TypeAdded => s.types[0] += 1,
            K::TypeRemoved => s.types[1] += 1,
            K::PropertyAdded => s.properties[0] += 1,
            K::PropertyRemoved => s.properties[1] += 1,
            K::PropertyRetyped => s.properties[2] += 1,
            K::NavigationAdded => s.navigation[0] += 1,
            K::NavigationRemoved => s.navigation[1] += 1,
            K::NavigationRetyped => s.navigation[2] += 1,
            K::EnumMemberAdded => s.members[0] += 1,
            K::EnumMemberRemoved => s.members[1] += 1,
            K::OperationAdded => s.operations[0] += 1,
            K::OperationRemoved => s.operations[1] += 1,
            K::EntitySetAdded | K::SingletonAdded => s.sets[0] += 1,
            K::EntitySetRemoved | K::SingletonRemoved => s.sets[1] += 1,
            K::DocsChanged | K::Deprecated | K::DeprecationRemoved | K::DeprecationChanged => s.docs += 1,
            _ => {}
        }
        match c.section() {
            Section::Type if !matches!(c.kind, K::TypeAdded | K::TypeRemoved) => {
                changed_types.insert(&c.owner);
            }
            Section::Operation if !matches!(c.kind, K::OperationAdded | K::OperationRemoved) => {
                changed_ops.insert(&c.owner);
            }
            _ => {}
        }
    }
    s.types[2] = changed_types.len();
    s.operations[2] = changed_ops.len();
    s
}

impl NamespaceSummary {
    fn line(&self) -> String {
        let mut parts = Vec::new();
        let three = |name: &str, v: [usize; 3], parts: &mut Vec<String>| {
            if v != [0; 3] {
                parts.push(format!("{name} +{} -{} ~{}", v[0], v[1], v[2]));
            }
        };
        three("types", self.types, &mut parts);
        three("properties", self.properties, &mut parts);
        three("navigation", self.navigation, &mut parts);
        if self.members != [0; 2] {
            parts.push(format!("enum members +{} -{}", self.members[0], self.members[1]));
        }
        three("operations", self.operations, &mut parts);
        if self.sets != [0; 2] {
            parts.push(format!("entity sets/singletons +{} -{}", self.sets[0], self.sets[1]));
        }
        if self.docs != 0 {
            parts.push(format!("docs/deprecations {}", self.docs));
        }
        if parts.is_empty() {
            "other changes only".to_string()
        } else {
            parts.join("; ")
        }
    }
}

fn level_counts_line(diff: &Diff) -> String {
    let counts = diff.level_counts();
    let n = |l: Level| counts.get(&l).copied().unwrap_or(0);
    format!(
        "{} change(s): {} major, {} minor, {} patch",
        diff.changes.len(),
        n(Level::Major),
        n(Level::Minor),
        n(Level::Patch)
    )
}

/// The verdict and its reasons, as text lines (used by `diff` and `update`).
pub fn verdict_text(diff: &Diff) -> String {
    let verdict = diff.verdict();
    let mut out = String::new();
    let _ = writeln!(out, "semver verdict: {} ({})", verdict.level, explanation(verdict.level));
    if verdict.level == Level::None {
        return out;
    }
    let _ = writeln!(out, "reasons: {}", join_counts(&kind_counts(verdict.reasons.iter().copied())));
    if verdict.level == Level::Major {
        for c in &verdict.reasons {
            let _ = writeln!(out, "  * {}", describe(c));
        }
    }
    out
}

/// The per-namespace summary lines.
pub fn summary_text(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "summary: {}", level_counts_line(diff));
    for ns in diff.namespaces() {
        let _ = writeln!(out, "  {ns}: {}", namespace_summary(diff.in_namespace(ns)).line());
    }
    out
}

/// The readable report: sides, verdict with reasons, summary, then every change grouped by
/// namespace and owner.
pub fn to_text(diff: &Diff, old: &Side, new: &Side) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "metadata diff");
    let _ = writeln!(out, "  old: {} (sha256 {})", old.source, old.sha256);
    let _ = writeln!(out, "  new: {} (sha256 {})", new.source, new.sha256);
    out.push('\n');
    out.push_str(&verdict_text(diff));
    if diff.is_empty() {
        return out;
    }
    out.push('\n');
    out.push_str(&summary_text(diff));
    for ns in diff.namespaces() {
        let changes: Vec<&Change> = diff.in_namespace(ns).collect();
        let _ = writeln!(out, "\nnamespace {ns} ({} change(s))", changes.len());
        let mut current: Option<(Section, &str)> = None;
        for c in changes {
            let tag = format!("  [{}]", c.level);
            if whole_owner(c) {
                current = None;
                let _ = writeln!(out, "  {}{tag}", whole_owner_line(c));
                continue;
            }
            let key = (c.section(), c.owner.as_str());
            if current != Some(key) {
                let _ = writeln!(out, "  {}:", heading(c));
                current = Some(key);
            }
            let _ = writeln!(out, "    {}{tag}", member_line(c));
        }
    }
    out
}

fn whole_owner_line(c: &Change) -> String {
    let what = match c.subject {
        Subject::Namespace => format!("namespace {}", c.namespace),
        Subject::Type | Subject::Kind => format!("{} {}", noun(c.kind), c.owner),
        Subject::Operation | Subject::Container => c.owner.clone(),
    };
    let v = values(c);
    if v.is_empty() {
        format!("{} {what}", sign(c.kind))
    } else {
        format!("{} {what}: {v}", sign(c.kind))
    }
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/// A JSON string literal.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_opt(out: &mut String, v: Option<&str>) {
    match v {
        Some(s) => json_str(out, s),
        None => out.push_str("null"),
    }
}

fn subject_str(s: Subject) -> &'static str {
    match s {
        Subject::Namespace => "namespace",
        Subject::Type => "type",
        Subject::Kind => "kind",
        Subject::Operation => "operation",
        Subject::Container => "container",
    }
}

fn json_change(out: &mut String, c: &Change) {
    out.push_str("{\"kind\":");
    json_str(out, c.kind.as_str());
    out.push_str(",\"level\":");
    json_str(out, c.level.as_str());
    out.push_str(",\"subject\":");
    json_str(out, subject_str(c.subject));
    out.push_str(",\"namespace\":");
    json_str(out, &c.namespace);
    out.push_str(",\"owner\":");
    json_str(out, &c.owner);
    out.push_str(",\"member\":");
    json_opt(out, c.member.as_deref());
    out.push_str(",\"old\":");
    json_opt(out, c.old.as_deref());
    out.push_str(",\"new\":");
    json_opt(out, c.new.as_deref());
    out.push_str(",\"note\":");
    json_opt(out, c.note.as_deref());
    out.push_str(",\"text\":");
    json_str(out, &describe(c));
    out.push('}');
}

fn json_side(out: &mut String, s: &Side) {
    out.push_str("{\"source\":");
    json_str(out, &s.source);
    out.push_str(",\"sha256\":");
    json_str(out, &s.sha256);
    out.push('}');
}

fn json_counts(out: &mut String, counts: &BTreeMap<ChangeKind, usize>) {
    out.push('{');
    for (i, (k, n)) in counts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(out, k.as_str());
        let _ = write!(out, ":{n}");
    }
    out.push('}');
}

/// The whole diff as one JSON object (one line, newline-terminated):
/// `{"old":{..},"new":{..},"verdict":{"level","explanation","reason_counts","reasons"},
/// "counts":{"major","minor","patch","total"},"summary":{ns:{kind:n}},
/// "namespaces":[{"namespace","changes":[{kind,level,subject,namespace,owner,member,old,new,note,text}]}]}`.
/// `reasons` lists every change at the verdict's level (as its `text`).
pub fn to_json(diff: &Diff, old: &Side, new: &Side) -> String {
    let mut out = String::with_capacity(256 + diff.changes.len() * 256);
    let verdict = diff.verdict();
    out.push_str("{\"old\":");
    json_side(&mut out, old);
    out.push_str(",\"new\":");
    json_side(&mut out, new);
    out.push_str(",\"verdict\":{\"level\":");
    json_str(&mut out, verdict.level.as_str());
    out.push_str(",\"explanation\":");
    json_str(&mut out, explanation(verdict.level));
    out.push_str(",\"reason_counts\":");
    let mut reason_counts: BTreeMap<ChangeKind, usize> = BTreeMap::new();
    for c in &verdict.reasons {
        *reason_counts.entry(c.kind).or_default() += 1;
    }
    json_counts(&mut out, &reason_counts);
    out.push_str(",\"reasons\":[");
    for (i, c) in verdict.reasons.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(&mut out, &describe(c));
    }
    out.push_str("]},\"counts\":{");
    let levels = diff.level_counts();
    for (i, l) in [Level::Major, Level::Minor, Level::Patch].into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{}\":{}", l.as_str(), levels.get(&l).copied().unwrap_or(0));
    }
    let _ = write!(out, ",\"total\":{}}}", diff.changes.len());
    out.push_str(",\"summary\":{");
    for (i, (ns, counts)) in diff.summary().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(&mut out, ns);
        out.push(':');
        json_counts(&mut out, counts);
    }
    out.push_str("},\"namespaces\":[");
    for (i, ns) in diff.namespaces().into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"namespace\":");
        json_str(&mut out, ns);
        out.push_str(",\"changes\":[");
        for (j, c) in diff.in_namespace(ns).enumerate() {
            if j > 0 {
                out.push(',');
            }
            json_change(&mut out, c);
        }
        out.push_str("]}");
    }
    out.push_str("]}\n");
    out
}

// ---------------------------------------------------------------------------------------------
// CHANGELOG.md
// ---------------------------------------------------------------------------------------------

/// The pin before and after an update, for the changelog entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangelogInfo {
    /// Upstream repository (`microsoftgraph/msgraph-metadata`).
    pub repository: String,
    /// Path of the document in that repository.
    pub path: String,
    pub old_commit: String,
    pub old_date: String,
    pub new_commit: String,
    pub new_date: String,
    pub new_sha256: String,
}

/// The title of a new changelog file.
pub const CHANGELOG_HEADER: &str = "# Changelog\n\n\
All notable changes to msgraph-rs. Entries titled \"Microsoft Graph metadata\" are written by\n\
`cargo xtask metadata update` from the metadata diff (newest first); the semver level is the\n\
diff's verdict for the generated `msgraph` crate (see README, \"Metadata updates and semver\").\n";

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The Markdown entry for one metadata update: the verdict, every breaking change, the additions
/// per namespace (with the names of new types and operations), and counts of the patch-level
/// changes.
pub fn changelog_entry(diff: &Diff, info: &ChangelogInfo) -> String {
    let verdict = diff.verdict();
    let mut out = String::new();
    let _ = writeln!(out, "## Microsoft Graph metadata {} (semver: {})\n", info.new_date, verdict.level);
    let _ = writeln!(
        out,
        "Pinned `{}` `{}` at `{}` ({}, sha256 `{}`), previously `{}` ({}), and regenerated the \
         models. {}.",
        info.repository,
        info.path,
        short(&info.new_commit),
        info.new_date,
        info.new_sha256,
        short(&info.old_commit),
        info.old_date,
        level_counts_line(diff)
    );
    let _ = writeln!(out, "Verdict: **{}** — {}.", verdict.level, explanation(verdict.level));

    let major: Vec<&Change> = diff.changes.iter().filter(|c| c.level == Level::Major).collect();
    if !major.is_empty() {
        let _ = writeln!(out, "\n### Breaking changes ({})\n", major.len());
        for c in major {
            let _ = writeln!(out, "- {}", markdown_escape(&describe(c)));
        }
    }

    let minor: Vec<&Change> = diff.changes.iter().filter(|c| c.level == Level::Minor).collect();
    if !minor.is_empty() {
        let _ = writeln!(out, "\n### Additions ({})\n", minor.len());
        let mut by_ns: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
        for c in minor {
            by_ns.entry(c.namespace.as_str()).or_default().push(c);
        }
        for (ns, changes) in by_ns {
            let _ = writeln!(out, "- `{ns}`: {}", join_counts(&kind_counts(changes.iter().copied())));
            let names = |kind: ChangeKind| -> Vec<String> {
                changes.iter().filter(|c| c.kind == kind).map(|c| format!("`{}`", c.owner)).collect()
            };
            for (label, kind) in [
                ("new types", ChangeKind::TypeAdded),
                ("new operations", ChangeKind::OperationAdded),
                ("new entity sets", ChangeKind::EntitySetAdded),
                ("new singletons", ChangeKind::SingletonAdded),
            ] {
                let list = names(kind);
                if !list.is_empty() {
                    let _ = writeln!(out, "  - {label}: {}", list.join(", "));
                }
            }
        }
    }

    let patch: Vec<&Change> = diff.changes.iter().filter(|c| c.level == Level::Patch).collect();
    if !patch.is_empty() {
        let _ = writeln!(out, "\n### Documentation and metadata-only changes ({})\n", patch.len());
        let _ = writeln!(out, "- {}", join_counts(&kind_counts(patch.iter().copied())));
        let deprecated: Vec<String> = patch
            .iter()
            .filter(|c| c.kind == ChangeKind::Deprecated)
            .map(|c| format!("`{}`", markdown_escape(&c.path())))
            .collect();
        if !deprecated.is_empty() {
            let _ = writeln!(out, "- newly deprecated: {}", deprecated.join(", "));
        }
    }
    out
}

/// Keeps generated text from turning into Markdown markup it does not mean: `<` would open an
/// HTML tag (`Option<Vec<..>>`), `*` emphasis. (Intraword `_` is literal in CommonMark.)
fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '*' | '<' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

/// The changelog with `entry` added as the newest entry: right before the first existing `## `
/// entry, or at the end; a missing or empty changelog starts with [`CHANGELOG_HEADER`].
pub fn insert_changelog_entry(existing: Option<&str>, entry: &str) -> String {
    let existing = match existing {
        Some(text) if !text.trim().is_empty() => text.to_string(),
        _ => CHANGELOG_HEADER.to_string(),
    };
    let entry = entry.trim_end();
    let mut offset = 0;
    for line in existing.split_inclusive('\n') {
        if line.starts_with("## ") {
            let (before, after) = existing.split_at(offset);
            return format!("{before}{entry}\n\n{after}");
        }
        offset += line.len();
    }
    let mut out = existing.trim_end().to_string();
    out.push_str("\n\n");
    out.push_str(entry);
    out.push('\n');
    out
}
