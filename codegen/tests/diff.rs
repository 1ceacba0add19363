//! `msgraph_codegen::diff`: hand-written fixture pairs (`metadata/fixtures/diff/*.{old,new}.xml`)
//! with the exact changes and verdict expected from each, every change kind covered, identity
//! diffs, the renderers, and the real Graph v1.0 documents 2026-05-05 → 2026-08-03 checked against
//! counts computed here by an independent roxmltree scan (not by the diff code).
//!
//! The real documents are the committed `metadata/*.csdl.gz` (or `$MSGRAPH_METADATA_DIR` first
//! when set, relative to the workspace root); a missing file fails the test, it is never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

mod common;
use common::{real_text, workspace_root};
use msgraph_codegen::diff::render::{self, insert_changelog_entry, CHANGELOG_HEADER};
use msgraph_codegen::diff::{self, Change, ChangeKind, ChangelogInfo, Diff, Level, Side};
use msgraph_codegen::ir::Model;
use msgraph_codegen::{pin, Input};

const OLD_REAL: &str = "graph-v1.0-2026-05-05.csdl";
const NEW_REAL: &str = "graph-v1.0-2026-08-03.csdl";

// ----- helpers -----

fn fixture_text(name: &str) -> String {
    let path = workspace_root().join("metadata").join("fixtures").join("diff").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn model(text: &str, name: &str) -> Model {
    let sha = pin::sha256_hex(text.as_bytes());
    diff::load_graph_model(&Input { csdl: text, source_name: name, sha256: &sha })
        .unwrap_or_else(|d| panic!("loading {name} failed:\n{d}"))
}

fn fixture_model(name: &str) -> Model {
    model(&fixture_text(name), name)
}

fn pair(name: &str) -> Diff {
    Diff::between(&fixture_model(&format!("{name}.old.xml")), &fixture_model(&format!("{name}.new.xml")))
}

/// `level kind path`, one per change, in the diff's order.
fn lines(d: &Diff) -> Vec<String> {
    d.changes.iter().map(|c| format!("{} {} {}", c.level, c.kind, c.path())).collect()
}

fn assert_changes(name: &str, d: &Diff, expected: &[&str]) {
    let got = lines(d);
    let got_set: BTreeSet<&str> = got.iter().map(String::as_str).collect();
    let want_set: BTreeSet<&str> = expected.iter().copied().collect();
    let missing: Vec<&&str> = want_set.difference(&got_set).collect();
    let unexpected: Vec<&&str> = got_set.difference(&want_set).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty() && got.len() == expected.len(),
        "{name}: changes differ\nmissing: {missing:#?}\nunexpected: {unexpected:#?}\nall:\n{}",
        got.join("\n")
    );
}

fn find<'a>(d: &'a Diff, kind: ChangeKind, path: &str) -> &'a Change {
    d.changes
        .iter()
        .find(|c| c.kind == kind && c.path() == path)
        .unwrap_or_else(|| panic!("no {kind} at {path} in:\n{}", lines(d).join("\n")))
}

const PAIRS: [&str; 4] = ["additions", "retypes", "renames", "docs"];

// ----- the fixture pairs -----

#[test]
fn additions_are_minor() {
    let d = pair("additions");
    assert_changes(
        "additions",
        &d,
        &[
            "minor namespace_added microsoft.graph.security",
            "minor type_added microsoft.graph.security.alert",
            "minor type_added microsoft.graph.security.alertSeverity",
            "minor type_added microsoft.graph.servicePrincipal",
            "minor type_added microsoft.graph.square",
            "minor property_added microsoft.graph.directoryObject/jobTitle",
            "minor navigation_added microsoft.graph.directoryObject/manager",
            "minor navigation_added microsoft.graph.group/owners",
            "minor property_added microsoft.graph.user/accountEnabled",
            "minor property_added microsoft.graph.user/favoriteShape",
            "patch property_moved microsoft.graph.user/jobTitle",
            "patch navigation_moved microsoft.graph.user/manager",
            "minor enum_member_added microsoft.graph.riskLevel/medium",
            "minor kind_added microsoft.graph.shape",
            "minor kind_variant_added microsoft.graph.directoryObject/microsoft.graph.servicePrincipal",
            "minor parameter_optionality_changed action assignLicense on microsoft.graph.user/note",
            "minor parameter_added action assignLicense on microsoft.graph.user/removeLicenses",
            "minor operation_added action revokeSessions on microsoft.graph.user",
            "minor operation_added function delta on Collection(microsoft.graph.user)",
            "minor operation_added function range(address) on microsoft.graph.group",
            "minor entity_set_added entity set groups",
            "minor singleton_added singleton myGroup",
        ],
    );
    let v = d.verdict();
    assert_eq!(v.level, Level::Minor);
    assert_eq!(v.reasons.len(), 20, "every addition is a reason");
    assert!(v.reasons.iter().all(|c| c.level == Level::Minor));

    // Details users read.
    let shape = find(&d, ChangeKind::PropertyAdded, "microsoft.graph.user/favoriteShape");
    assert_eq!(
        shape.new.as_deref(),
        Some("microsoft.graph.shape (Rust `favorite_shape: Option<models::ShapeKind>`)"),
        "a property of a polymorphic type holds the wrapper"
    );
    let owners = find(&d, ChangeKind::NavigationAdded, "microsoft.graph.group/owners");
    assert_eq!(
        owners.new.as_deref(),
        Some("Collection(microsoft.graph.directoryObject) (Rust `owners: Option<Vec<models::DirectoryObjectKind>>`)")
    );
    let moved = find(&d, ChangeKind::PropertyMoved, "microsoft.graph.user/jobTitle");
    assert_eq!(moved.old.as_deref(), Some("declared in microsoft.graph.user"));
    assert_eq!(moved.new.as_deref(), Some("declared in microsoft.graph.directoryObject"));
    let ns = find(&d, ChangeKind::NamespaceAdded, "microsoft.graph.security");
    assert_eq!(ns.new.as_deref(), Some("models::security"));
    let alert = find(&d, ChangeKind::TypeAdded, "microsoft.graph.security.alert");
    assert_eq!(alert.new.as_deref(), Some("entity type models::security::Alert"));
    let op = find(&d, ChangeKind::OperationAdded, "function range(address) on microsoft.graph.group");
    assert_eq!(op.new.as_deref(), Some("(address: Edm.String) -> Edm.String"));
    let p = find(&d, ChangeKind::ParameterAdded, "action assignLicense on microsoft.graph.user/removeLicenses");
    assert_eq!(p.new.as_deref(), Some("Collection(Edm.Guid) (optional)"));
}

/// The additions pair read backwards: everything added is removed, which is major.
#[test]
fn removals_are_major() {
    let d = Diff::between(&fixture_model("additions.new.xml"), &fixture_model("additions.old.xml"));
    assert_changes(
        "additions reversed",
        &d,
        &[
            "major namespace_removed microsoft.graph.security",
            "major type_removed microsoft.graph.security.alert",
            "major type_removed microsoft.graph.security.alertSeverity",
            "major type_removed microsoft.graph.servicePrincipal",
            "major type_removed microsoft.graph.square",
            "major property_removed microsoft.graph.directoryObject/jobTitle",
            "major navigation_removed microsoft.graph.directoryObject/manager",
            "major navigation_removed microsoft.graph.group/owners",
            "major property_removed microsoft.graph.user/accountEnabled",
            "major property_removed microsoft.graph.user/favoriteShape",
            "patch property_moved microsoft.graph.user/jobTitle",
            "patch navigation_moved microsoft.graph.user/manager",
            "major enum_member_removed microsoft.graph.riskLevel/medium",
            "major kind_removed microsoft.graph.shape",
            "major kind_variant_removed microsoft.graph.directoryObject/microsoft.graph.servicePrincipal",
            "major parameter_optionality_changed action assignLicense on microsoft.graph.user/note",
            "major parameter_removed action assignLicense on microsoft.graph.user/removeLicenses",
            "major operation_removed action revokeSessions on microsoft.graph.user",
            "major operation_removed function delta on Collection(microsoft.graph.user)",
            "major operation_removed function range(address) on microsoft.graph.group",
            "major entity_set_removed entity set groups",
            "major singleton_removed singleton myGroup",
        ],
    );
    assert_eq!(d.verdict().level, Level::Major);
    assert_eq!(d.verdict().reasons.len(), 20);
}

#[test]
fn retypes_are_major() {
    let d = pair("retypes");
    assert_changes(
        "retypes",
        &d,
        &[
            "major navigation_retyped microsoft.graph.chat/messages",
            "major enum_flags_changed microsoft.graph.dayOfWeek",
            "major base_type_changed microsoft.graph.group",
            "major type_kind_changed microsoft.graph.mailboxSettings",
            "major base_type_changed microsoft.graph.mailboxSettings",
            "patch type_attributes_changed microsoft.graph.mailboxSettings",
            "minor type_added microsoft.graph.targetedChatMessage",
            "major property_retyped microsoft.graph.user/age",
            "major navigation_retyped microsoft.graph.user/directReports",
            "major property_kind_changed microsoft.graph.user/mailboxSettings",
            "major navigation_retyped microsoft.graph.user/mailboxSettings",
            "major property_retyped microsoft.graph.user/otherMails",
            "major property_retyped microsoft.graph.user/risk",
            "major property_retyped microsoft.graph.user/workDays",
            "minor kind_added microsoft.graph.chatMessage",
            "minor kind_added microsoft.graph.directoryObject",
            "major return_type_changed action assignLicense on microsoft.graph.user",
            "major parameter_retyped action assignLicense on microsoft.graph.user/addLicenses",
            "major parameter_removed action assignLicense on microsoft.graph.user/legacy",
            "major parameter_optionality_changed action assignLicense on microsoft.graph.user/note",
            "major parameter_added action assignLicense on microsoft.graph.user/reason",
            "major entity_set_retyped entity set users",
            "major singleton_retyped singleton me",
        ],
    );
    assert_eq!(d.verdict().level, Level::Major);

    let age = find(&d, ChangeKind::PropertyRetyped, "microsoft.graph.user/age");
    assert_eq!(age.old.as_deref(), Some("Edm.Int32 as Option<i32>"));
    assert_eq!(age.new.as_deref(), Some("Edm.String as Option<String>"));
    let mails = find(&d, ChangeKind::PropertyRetyped, "microsoft.graph.user/otherMails");
    assert_eq!(mails.new.as_deref(), Some("Collection(Edm.String) as Option<Vec<String>>"));
    let risk = find(&d, ChangeKind::PropertyRetyped, "microsoft.graph.user/risk");
    assert_eq!(risk.new.as_deref(), Some("microsoft.graph.riskLevel as Option<models::RiskLevel>"));
    let days = find(&d, ChangeKind::PropertyRetyped, "microsoft.graph.user/workDays");
    assert_eq!(days.new.as_deref(), Some("microsoft.graph.dayOfWeek as Option<Flags<models::DayOfWeek>>"));
    assert!(days.note.as_deref().unwrap().contains("became a flags enum"), "{days:?}");
    // Same CSDL type, but chatMessage got its first derived type: the field's Rust type changes.
    let messages = find(&d, ChangeKind::NavigationRetyped, "microsoft.graph.chat/messages");
    assert_eq!(
        messages.old.as_deref(),
        Some("Collection(microsoft.graph.chatMessage) as Option<Vec<models::ChatMessage>>")
    );
    assert_eq!(
        messages.new.as_deref(),
        Some("Collection(microsoft.graph.chatMessage) as Option<Vec<models::ChatMessageKind>>")
    );
    assert!(messages.note.as_deref().unwrap().contains("now has derived types"), "{messages:?}");
    let mailbox = find(&d, ChangeKind::NavigationRetyped, "microsoft.graph.user/mailboxSettings");
    assert!(mailbox.note.as_deref().unwrap().contains("now boxed"), "{mailbox:?}");
    let group = find(&d, ChangeKind::BaseTypeChanged, "microsoft.graph.group");
    assert_eq!(
        (group.old.as_deref(), group.new.as_deref()),
        (Some("microsoft.graph.directoryObject"), Some("microsoft.graph.entity"))
    );
    assert!(group.note.as_deref().unwrap().contains("loses deletedDateTime"), "{group:?}");
    let reason = find(&d, ChangeKind::ParameterAdded, "action assignLicense on microsoft.graph.user/reason");
    assert_eq!(reason.new.as_deref(), Some("Edm.String (required)"));
    let ret = find(&d, ChangeKind::ReturnTypeChanged, "action assignLicense on microsoft.graph.user");
    assert_eq!(
        (ret.old.as_deref(), ret.new.as_deref()),
        (Some("microsoft.graph.user"), Some("microsoft.graph.directoryObject"))
    );
}

#[test]
fn collision_renames_are_major() {
    let d = pair("renames");
    assert_changes(
        "renames",
        &d,
        &[
            "minor type_added microsoft.graph.Widget",
            "minor type_added microsoft.graph.directoryObjectKind",
            "minor property_added microsoft.graph.directoryObject/DisplayName",
            "minor property_added microsoft.graph.directoryObject/Manager",
            "minor enum_member_added microsoft.graph.riskLevel/LOW",
            "major enum_member_renamed microsoft.graph.riskLevel/low",
            "major property_renamed microsoft.graph.user/displayName",
            "major navigation_renamed microsoft.graph.user/manager",
            "major type_renamed microsoft.graph.widget",
            "major kind_renamed microsoft.graph.directoryObject",
            "major kind_variant_renamed microsoft.graph.directoryObject/microsoft.graph.widget",
            "minor parameter_added action assignLicense on microsoft.graph.user/AddLicenses",
            "major parameter_renamed action assignLicense on microsoft.graph.user/addLicenses",
            "minor entity_set_added entity set Me",
            "minor entity_set_added entity set Users",
            "major entity_set_renamed entity set users",
            "major singleton_renamed singleton me",
        ],
    );
    assert_eq!(d.verdict().level, Level::Major);
    let renames: Vec<(&str, &str)> = d
        .changes
        .iter()
        .filter(|c| c.level == Level::Major)
        .map(|c| (c.old.as_deref().unwrap(), c.new.as_deref().unwrap()))
        .collect();
    assert_eq!(
        renames,
        [
            ("Low", "Low2"),
            ("display_name", "display_name_2"),
            ("manager", "manager_2"),
            ("models::Widget", "models::Widget2"),
            ("models::DirectoryObjectKind", "models::DirectoryObjectKind2"),
            ("DirectoryObjectKind::Widget", "DirectoryObjectKind2::Widget2"),
            ("add_licenses", "add_licenses_2"),
            ("users", "users_2"),
            ("me", "me_2"),
        ]
    );
}

#[test]
fn docs_and_metadata_only_are_patch() {
    let d = pair("docs");
    assert_changes(
        "docs",
        &d,
        &[
            "patch deprecation_removed microsoft.graph.oldReport",
            "patch type_attributes_changed microsoft.graph.profilePhoto",
            "patch type_attributes_changed microsoft.graph.profilePhoto",
            "patch enum_member_value_changed microsoft.graph.riskLevel/high",
            "patch docs_changed microsoft.graph.riskLevel/high",
            "patch enum_member_value_changed microsoft.graph.riskLevel/low",
            "patch docs_changed microsoft.graph.user",
            "patch property_read_only_changed microsoft.graph.user/createdDateTime",
            "patch deprecated microsoft.graph.user/displayName",
            "patch deprecation_changed microsoft.graph.user/faxNumber",
            "patch property_nullability_changed microsoft.graph.user/mail",
            "patch docs_changed microsoft.graph.user/mail",
            "patch navigation_nullability_changed microsoft.graph.user/manager",
            "patch navigation_read_only_changed microsoft.graph.user/manager",
            "patch property_retyped microsoft.graph.user/photo",
            "patch navigation_containment_changed microsoft.graph.user/photos",
            "patch parameters_reordered action sendMail on microsoft.graph.user",
            "patch return_nullability_changed action sendMail on microsoft.graph.user",
            "patch docs_changed action sendMail on microsoft.graph.user",
            "patch parameter_nullability_changed action sendMail on microsoft.graph.user/saveToSentItems",
            "patch operation_attributes_changed function reminderView on microsoft.graph.user",
            "patch container_renamed entity container",
            "patch bindings_changed entity set users",
        ],
    );
    let v = d.verdict();
    assert_eq!(v.level, Level::Patch);
    assert_eq!(v.reasons.len(), d.changes.len());

    let photo = find(&d, ChangeKind::PropertyRetyped, "microsoft.graph.user/photo");
    assert_eq!(photo.old.as_deref(), Some("Edm.Binary as Option<edm::Binary>"));
    assert_eq!(photo.new.as_deref(), Some("Edm.Stream as Option<edm::Binary>"));
    assert_eq!(photo.note.as_deref(), Some("the Rust type is the same"));
    let docs = find(&d, ChangeKind::DocsChanged, "microsoft.graph.user");
    assert_eq!(docs.note.as_deref(), Some("description and long description"));
    let dep = find(&d, ChangeKind::Deprecated, "microsoft.graph.user/displayName");
    assert_eq!(dep.new.as_deref(), Some("Use givenName and surname. Deprecated on 2026-07-01."));
    let changed = find(&d, ChangeKind::DeprecationChanged, "microsoft.graph.user/faxNumber");
    assert!(changed.new.as_deref().unwrap().ends_with("Planned removal: 2027-01-01."), "{changed:?}");
    let bindings = find(&d, ChangeKind::BindingsChanged, "entity set users");
    assert_eq!(bindings.note.as_deref(), Some("added manager -> directoryObjects; removed manager -> users"));
    let container = find(&d, ChangeKind::ContainerRenamed, "entity container");
    assert_eq!(
        (container.old.as_deref(), container.new.as_deref()),
        (Some("microsoft.graph.GraphService"), Some("microsoft.graph.GraphServiceV2"))
    );
}

#[test]
fn every_change_kind_is_covered_by_a_fixture_pair() {
    let mut seen: BTreeMap<ChangeKind, BTreeSet<Level>> = BTreeMap::new();
    let reversed = Diff::between(&fixture_model("additions.new.xml"), &fixture_model("additions.old.xml"));
    for d in PAIRS.iter().map(|p| pair(p)).chain([reversed]) {
        for c in &d.changes {
            seen.entry(c.kind).or_default().insert(c.level);
        }
    }
    let missing: Vec<&str> = ChangeKind::ALL.iter().filter(|k| !seen.contains_key(k)).map(|k| k.as_str()).collect();
    assert!(missing.is_empty(), "change kinds no fixture pair produces: {missing:?}");
    // Kinds whose level depends on the change show both levels.
    assert_eq!(seen[&ChangeKind::ParameterAdded], BTreeSet::from([Level::Minor, Level::Major]));
    assert_eq!(seen[&ChangeKind::ParameterOptionalityChanged], BTreeSet::from([Level::Minor, Level::Major]));
    assert_eq!(seen[&ChangeKind::PropertyRetyped], BTreeSet::from([Level::Patch, Level::Major]));
    // Stable, unique JSON names.
    let names: BTreeSet<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), ChangeKind::ALL.len());
}

#[test]
fn verdict_per_fixture_pair() {
    let verdicts: Vec<(&str, Level)> = PAIRS.iter().map(|p| (*p, pair(p).verdict().level)).collect();
    assert_eq!(
        verdicts,
        [("additions", Level::Minor), ("retypes", Level::Major), ("renames", Level::Major), ("docs", Level::Patch)]
    );
}

#[test]
fn a_document_diffed_with_itself_is_empty() {
    for name in PAIRS.iter().flat_map(|p| [format!("{p}.old.xml"), format!("{p}.new.xml")]) {
        // Two separately built models of the same text.
        let d = Diff::between(&fixture_model(&name), &fixture_model(&name));
        assert!(d.is_empty(), "{name}: {:#?}", d.changes);
        assert_eq!(d.verdict().level, Level::None);
        assert!(d.verdict().reasons.is_empty());
    }
    let basic = std::fs::read_to_string(workspace_root().join("metadata/fixtures/basic.xml")).unwrap();
    assert!(Diff::between(&model(&basic, "basic.xml"), &model(&basic, "basic.xml")).is_empty());

    let text = real_text(NEW_REAL);
    let started = Instant::now();
    let (a, b) = (model(&text, NEW_REAL), model(&text, NEW_REAL));
    let d = Diff::between(&a, &b);
    eprintln!("{NEW_REAL} with itself: {:?}", started.elapsed());
    assert!(d.is_empty(), "{} changes, first: {:?}", d.changes.len(), d.changes.first());
    let side = Side { source: NEW_REAL.into(), sha256: "x".into() };
    let text = diff::to_text(&d, &side, &side);
    assert!(text.contains("semver verdict: none (no differences at the IR level)"), "{text}");
    assert!(!text.contains("namespace "), "{text}");
}

// ----- loading -----

#[test]
fn non_graph_and_broken_documents_are_refused_with_a_position() {
    let other = fixture_text("other-service.xml");
    let e = diff::load_graph_model(&Input { csdl: &other, source_name: "trippin.xml", sha256: "x" }).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("trippin.xml: 1 error(s)\ntrippin.xml:6:5 (Schema[Trippin]): not a Microsoft Graph"),
        "{msg}"
    );
    assert!(msg.contains("declares Trippin"), "{msg}");

    let no_container = fixture_text("additions.old.xml")
        .replace("<EntityContainer Name=\"GraphService\">", "<!--")
        .replace("</EntityContainer>", "-->");
    let e = diff::load_graph_model(&Input { csdl: &no_container, source_name: "x.xml", sha256: "x" }).unwrap_err();
    assert!(e.to_string().contains("it has no <EntityContainer>"), "{e}");

    let text = fixture_text("additions.old.xml");
    let truncated = &text[..text.len() / 2];
    let e = diff::load_graph_model(&Input { csdl: truncated, source_name: "half.xml", sha256: "x" }).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("half.xml:") && msg.contains("malformed XML"), "{msg}");
}

// ----- rendering -----

#[test]
fn text_report_groups_by_namespace_and_lists_reasons() {
    let d = pair("retypes");
    let old = Side { source: "retypes.old.xml".into(), sha256: "aaa".into() };
    let new = Side { source: "retypes.new.xml".into(), sha256: "bbb".into() };
    let text = diff::to_text(&d, &old, &new);
    assert!(
        text.starts_with("metadata diff\n  old: retypes.old.xml (sha256 aaa)\n  new: retypes.new.xml (sha256 bbb)\n")
    );
    assert!(text.contains("semver verdict: major (something users could rely on was removed, retyped or renamed)\n"));
    // Every major change is listed as a reason.
    let reasons = text.lines().filter(|l| l.starts_with("  * ")).count();
    assert_eq!(reasons, d.changes.iter().filter(|c| c.level == Level::Major).count(), "{text}");
    assert!(text.contains(
        "  * microsoft.graph.user: ~ property type age: Edm.Int32 as Option<i32> -> Edm.String as Option<String> — the Rust type changes\n"
    ), "{text}");
    assert!(text.contains("\nnamespace microsoft.graph (23 change(s))\n"), "{text}");
    assert!(text.contains("\n  type user:\n"), "{text}");
    assert!(text.contains("\n    ~ property type otherMails: Edm.String as Option<String> -> Collection(Edm.String) as Option<Vec<String>> — the Rust type changes  [major]\n"), "{text}");
    assert!(
        text.contains("\n  + type targetedChatMessage: entity type models::TargetedChatMessage  [minor]\n"),
        "{text}"
    );
    assert!(text.contains("\n  action assignLicense on microsoft.graph.user:\n    ~ return type: microsoft.graph.user -> microsoft.graph.directoryObject  [major]\n"), "{text}");
    assert!(text.contains("\n  entity set users:\n    ~ entity set type: microsoft.graph.user -> microsoft.graph.directoryObject  [major]\n"), "{text}");
    assert!(text.contains("summary: 23 change(s): 19 major, 3 minor, 1 patch\n"), "{text}");

    // Minor and patch verdicts count their reasons instead of listing them.
    let text = diff::to_text(&pair("additions"), &old, &new);
    assert!(
        text.contains("semver verdict: minor (only additions)\nreasons: 4 types added, 3 properties added"),
        "{text}"
    );
    assert!(text.contains("\nnamespace microsoft.graph.security (3 change(s))\n  + namespace microsoft.graph.security: models::security  [minor]\n"), "{text}");
}

#[test]
fn json_report_is_valid_and_complete() {
    for p in PAIRS {
        let d = pair(p);
        let old = Side { source: format!("{p}.old.xml"), sha256: "a\"b\\c".into() };
        let new = Side { source: format!("{p}.new.xml"), sha256: "d".into() };
        let text = diff::to_json(&d, &old, &new);
        assert!(text.ends_with("}\n"));
        let json = json::parse(&text).unwrap_or_else(|e| panic!("{p}: invalid JSON ({e}):\n{text}"));
        assert_eq!(json.get("old").get("sha256").str(), "a\"b\\c");
        assert_eq!(json.get("verdict").get("level").str(), d.verdict().level.as_str());
        assert_eq!(json.get("verdict").get("reasons").arr().len(), d.verdict().reasons.len());
        assert_eq!(json.get("counts").get("total").num(), d.changes.len() as f64);
        let changes: Vec<&json::Value> =
            json.get("namespaces").arr().iter().flat_map(|ns| ns.get("changes").arr()).collect();
        assert_eq!(changes.len(), d.changes.len(), "{p}");
        for (j, c) in changes.iter().zip(&d.changes) {
            assert_eq!(j.get("kind").str(), c.kind.as_str());
            assert_eq!(j.get("level").str(), c.level.as_str());
            assert_eq!(j.get("namespace").str(), c.namespace);
            assert_eq!(j.get("owner").str(), c.owner);
            assert_eq!(j.get("member").opt_str(), c.member.as_deref());
            assert_eq!(j.get("old").opt_str(), c.old.as_deref());
            assert_eq!(j.get("new").opt_str(), c.new.as_deref());
            assert_eq!(j.get("note").opt_str(), c.note.as_deref());
            assert_eq!(j.get("text").str(), render::describe(c));
        }
        let summary = json.get("summary");
        for (ns, counts) in d.summary() {
            for (kind, n) in counts {
                assert_eq!(summary.get(ns).get(kind.as_str()).num(), n as f64, "{p}: {ns} {kind}");
            }
        }
    }
}

#[test]
fn changelog_entry_lists_breaking_changes_and_additions() {
    let d = pair("retypes");
    let info = ChangelogInfo {
        repository: "microsoftgraph/msgraph-metadata".into(),
        path: "schemas/v1.0-Prod.csdl".into(),
        old_commit: "2f862436fa18415f791e8fdd0cf0ba4b6b20e02d".into(),
        old_date: "2026-05-05".into(),
        new_commit: "0564689b82afc308d5aa8be54edfb9e5f1e0539f".into(),
        new_date: "2026-08-03".into(),
        new_sha256: "a9d32d3611746c96043229a98867be064fb782c801b3405bce00c224ea3f6a03".into(),
    };
    let entry = diff::changelog_entry(&d, &info);
    assert!(entry.starts_with("## Microsoft Graph metadata 2026-08-03 (semver: major)\n\n"), "{entry}");
    assert!(entry.contains("at `0564689b82af` (2026-08-03, sha256 `a9d32d36"), "{entry}");
    assert!(entry.contains("previously `2f862436fa18` (2026-05-05)"), "{entry}");
    assert!(entry.contains("\n### Breaking changes (19)\n"), "{entry}");
    assert!(entry.contains("\n- microsoft.graph: singleton me: ~ singleton type: microsoft.graph.user -> microsoft.graph.directoryObject\n"), "{entry}");
    assert!(entry.contains("\n### Additions (3)\n"), "{entry}");
    assert!(entry.contains("  - new types: `targetedChatMessage`\n"), "{entry}");
    assert!(entry.contains("\n### Documentation and metadata-only changes (1)\n"), "{entry}");
    // Markdown-sensitive characters in generated text are escaped.
    assert!(!entry.contains("Option<Vec<String>>") && entry.contains("Option\\<Vec\\<String>>"), "{entry}");

    // Inserting: a new file gets the header; later entries go above earlier ones.
    let first = insert_changelog_entry(None, "## A\n\nfirst\n");
    assert_eq!(first, format!("{CHANGELOG_HEADER}\n## A\n\nfirst\n"));
    let second = insert_changelog_entry(Some(&first), "## B\n\nsecond\n");
    assert_eq!(second, format!("{CHANGELOG_HEADER}\n## B\n\nsecond\n\n## A\n\nfirst\n"));
    let custom = insert_changelog_entry(Some("# My log\n"), "## C\n");
    assert_eq!(custom, "# My log\n\n## C\n");
}

// ----- the real documents -----

/// What an independent scan of a CSDL file sees (roxmltree directly, aliases resolved by hand).
#[derive(Default)]
struct Scan {
    /// namespace -> type name -> type
    types: BTreeMap<String, BTreeMap<String, ScannedType>>,
    /// (kind, namespace, name, binding type, parameter names after the binding parameter)
    operations: BTreeSet<(String, String, String, String, Vec<String>)>,
    entity_sets: BTreeSet<String>,
    singletons: BTreeSet<String>,
}

#[derive(Default, Clone)]
struct ScannedType {
    element: String,
    base: Option<String>,
    /// own property name -> is navigation
    properties: BTreeMap<String, bool>,
    members: BTreeSet<String>,
}

fn scan(text: &str) -> Scan {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(text, opts).unwrap();
    let schemas: Vec<roxmltree::Node> = doc.descendants().filter(|n| n.has_tag_name("Schema")).collect();
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    for s in &schemas {
        let ns = s.attribute("Namespace").unwrap().to_string();
        if let Some(a) = s.attribute("Alias") {
            aliases.insert(a.to_string(), ns.clone());
        }
        aliases.insert(ns.clone(), ns);
    }
    let resolve = |t: &str| -> String {
        let (inner, coll) = match t.strip_prefix("Collection(").and_then(|x| x.strip_suffix(')')) {
            Some(i) => (i, true),
            None => (t, false),
        };
        let q = match inner.rsplit_once('.') {
            Some((ns, n)) if aliases.contains_key(ns) => format!("{}.{n}", aliases[ns]),
            _ => inner.to_string(),
        };
        if coll {
            format!("Collection({q})")
        } else {
            q
        }
    };
    let mut out = Scan::default();
    for s in &schemas {
        let ns = s.attribute("Namespace").unwrap().to_string();
        let types = out.types.entry(ns.clone()).or_default();
        for t in s.children().filter(|c| c.is_element()) {
            let element = t.tag_name().name();
            match element {
                "EntityType" | "ComplexType" | "EnumType" => {
                    let mut st = ScannedType {
                        element: element.to_string(),
                        base: t.attribute("BaseType").map(resolve),
                        ..Default::default()
                    };
                    for c in t.children().filter(|c| c.is_element()) {
                        match c.tag_name().name() {
                            "Property" => {
                                st.properties.insert(c.attribute("Name").unwrap().to_string(), false);
                            }
                            "NavigationProperty" => {
                                st.properties.insert(c.attribute("Name").unwrap().to_string(), true);
                            }
                            "Member" => {
                                st.members.insert(c.attribute("Name").unwrap().to_string());
                            }
                            _ => {}
                        }
                    }
                    types.insert(t.attribute("Name").unwrap().to_string(), st);
                }
                "Action" | "Function" => {
                    let params: Vec<roxmltree::Node> = t.children().filter(|c| c.has_tag_name("Parameter")).collect();
                    let bound = t.attribute("IsBound") == Some("true");
                    let binding = if bound { resolve(params[0].attribute("Type").unwrap()) } else { String::new() };
                    let names = params
                        .iter()
                        .skip(usize::from(bound))
                        .map(|p| p.attribute("Name").unwrap().to_string())
                        .collect();
                    out.operations.insert((
                        element.to_string(),
                        ns.clone(),
                        t.attribute("Name").unwrap().to_string(),
                        binding,
                        names,
                    ));
                }
                "EntityContainer" => {
                    for c in t.children().filter(|c| c.is_element()) {
                        let name = c.attribute("Name").unwrap_or_default().to_string();
                        match c.tag_name().name() {
                            "EntitySet" => out.entity_sets.insert(name),
                            "Singleton" => out.singletons.insert(name),
                            _ => false,
                        };
                    }
                }
                _ => {}
            }
        }
    }
    out
}

impl Scan {
    fn get(&self, q: &str) -> Option<&ScannedType> {
        let (ns, name) = q.rsplit_once('.')?;
        self.types.get(ns)?.get(name)
    }

    /// Own and inherited property names (with the navigation flag of the declaring type).
    fn effective(&self, q: &str) -> BTreeMap<String, bool> {
        let mut out = BTreeMap::new();
        let mut cur = Some(q.to_string());
        let mut guard = 0;
        while let Some(c) = cur {
            let Some(t) = self.get(&c) else { break };
            for (p, nav) in &t.properties {
                out.entry(p.clone()).or_insert(*nav);
            }
            cur = t.base.clone();
            guard += 1;
            assert!(guard < 32, "inheritance cycle at {q}");
        }
        out
    }

    fn has_derived(&self, q: &str) -> bool {
        self.types.values().flat_map(|m| m.values()).any(|t| t.base.as_deref() == Some(q))
    }
}

/// Per namespace: the counts the diff must report, computed from two scans.
fn expected_counts(old: &Scan, new: &Scan) -> BTreeMap<String, BTreeMap<ChangeKind, usize>> {
    let mut out: BTreeMap<String, BTreeMap<ChangeKind, usize>> = BTreeMap::new();
    let mut bump = |ns: &str, k: ChangeKind, n: usize| {
        if n > 0 {
            *out.entry(ns.to_string()).or_default().entry(k).or_default() += n;
        }
    };
    let namespaces: BTreeSet<&String> = old.types.keys().chain(new.types.keys()).collect();
    for ns in namespaces {
        let empty = BTreeMap::new();
        let (o, n) = (old.types.get(ns).unwrap_or(&empty), new.types.get(ns).unwrap_or(&empty));
        if !old.types.contains_key(ns) {
            bump(ns, ChangeKind::NamespaceAdded, 1);
        }
        if !new.types.contains_key(ns) {
            bump(ns, ChangeKind::NamespaceRemoved, 1);
        }
        bump(ns, ChangeKind::TypeAdded, n.keys().filter(|k| !o.contains_key(*k)).count());
        bump(ns, ChangeKind::TypeRemoved, o.keys().filter(|k| !n.contains_key(*k)).count());
        for (name, nt) in n {
            let Some(ot) = o.get(name) else { continue };
            if ot.element != nt.element {
                bump(ns, ChangeKind::TypeKindChanged, 1);
                continue;
            }
            if ot.base != nt.base {
                bump(ns, ChangeKind::BaseTypeChanged, 1);
            }
            bump(ns, ChangeKind::EnumMemberAdded, nt.members.difference(&ot.members).count());
            bump(ns, ChangeKind::EnumMemberRemoved, ot.members.difference(&nt.members).count());
            // A property is added where it is declared, when the type did not have it before
            // (own or inherited); removed where it was declared, when the type no longer has it.
            let q = format!("{ns}.{name}");
            let (old_eff, new_eff) = (old.effective(&q), new.effective(&q));
            for (p, nav) in &nt.properties {
                if !old_eff.contains_key(p) {
                    let k = if *nav { ChangeKind::NavigationAdded } else { ChangeKind::PropertyAdded };
                    bump(ns, k, 1);
                }
            }
            for (p, nav) in &ot.properties {
                if !new_eff.contains_key(p) {
                    let k = if *nav { ChangeKind::NavigationRemoved } else { ChangeKind::PropertyRemoved };
                    bump(ns, k, 1);
                }
            }
        }
    }
    for (k, ns, ..) in new.operations.difference(&old.operations) {
        let _ = k;
        bump(ns, ChangeKind::OperationAdded, 1);
    }
    for (_, ns, ..) in old.operations.difference(&new.operations) {
        bump(ns, ChangeKind::OperationRemoved, 1);
    }
    bump("microsoft.graph", ChangeKind::EntitySetAdded, new.entity_sets.difference(&old.entity_sets).count());
    bump("microsoft.graph", ChangeKind::EntitySetRemoved, old.entity_sets.difference(&new.entity_sets).count());
    bump("microsoft.graph", ChangeKind::SingletonAdded, new.singletons.difference(&old.singletons).count());
    bump("microsoft.graph", ChangeKind::SingletonRemoved, old.singletons.difference(&new.singletons).count());
    out
}

#[test]
fn real_v1_diff_matches_an_independent_scan() {
    let (old_text, new_text) = (real_text(OLD_REAL), real_text(NEW_REAL));
    let (old_scan, new_scan) = (scan(&old_text), scan(&new_text));

    // The scan itself agrees with counts taken with grep on the uncompressed new file.
    let count = |s: &Scan, el: &str| s.types.values().flat_map(|m| m.values()).filter(|t| t.element == el).count();
    assert_eq!(
        (count(&new_scan, "EntityType"), count(&new_scan, "ComplexType"), count(&new_scan, "EnumType")),
        (1182, 1779, 861)
    );
    assert_eq!(new_scan.types.len(), 11);
    assert_eq!((new_scan.entity_sets.len(), new_scan.singletons.len()), (41, 31));
    assert_eq!(new_scan.operations.len(), 857 + 326);

    let started = Instant::now();
    let (old, new) = (model(&old_text, OLD_REAL), model(&new_text, NEW_REAL));
    let built = started.elapsed();
    let started = Instant::now();
    let d = Diff::between(&old, &new);
    eprintln!("real diff: {} changes; models {built:?}, diff {:?}", d.changes.len(), started.elapsed());

    // The kinds the scan can count, per namespace.
    let expected = expected_counts(&old_scan, &new_scan);
    let scanned_kinds = [
        ChangeKind::NamespaceAdded,
        ChangeKind::NamespaceRemoved,
        ChangeKind::TypeAdded,
        ChangeKind::TypeRemoved,
        ChangeKind::TypeKindChanged,
        ChangeKind::BaseTypeChanged,
        ChangeKind::EnumMemberAdded,
        ChangeKind::EnumMemberRemoved,
        ChangeKind::PropertyAdded,
        ChangeKind::PropertyRemoved,
        ChangeKind::NavigationAdded,
        ChangeKind::NavigationRemoved,
        ChangeKind::OperationAdded,
        ChangeKind::OperationRemoved,
        ChangeKind::EntitySetAdded,
        ChangeKind::EntitySetRemoved,
        ChangeKind::SingletonAdded,
        ChangeKind::SingletonRemoved,
    ];
    let summary = d.summary();
    let mut got: BTreeMap<String, BTreeMap<ChangeKind, usize>> = BTreeMap::new();
    for (ns, counts) in &summary {
        for (k, n) in counts {
            if scanned_kinds.contains(k) {
                got.entry((*ns).to_string()).or_default().insert(*k, *n);
            }
        }
    }
    for (ns, counts) in &expected {
        let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        eprintln!("scan {ns}: {}", parts.join(", "));
    }
    assert_eq!(got, expected, "diff counts (left) vs independent scan (right)");

    // Operations only appear or disappear: no overload changed its parameters (the scan keys
    // operations by their parameter names, so a changed list would show as removed + added).
    assert_eq!(d.count(ChangeKind::ParameterAdded) + d.count(ChangeKind::ParameterRemoved), 0);

    // Numbers for the record (also in the report): 535 types added in 6 namespaces.
    let total = |k: ChangeKind| expected.values().map(|m| m.get(&k).copied().unwrap_or(0)).sum::<usize>();
    assert_eq!(total(ChangeKind::TypeAdded), 535);
    assert_eq!(total(ChangeKind::TypeRemoved), 0);
    assert_eq!(d.count(ChangeKind::TypeAdded), 535);

    // The verdict: major, and every breaking change is a field whose target type got its first
    // derived type (checked with the scan: no derived types before, some after).
    let v = d.verdict();
    assert_eq!(v.level, Level::Major);
    assert!(!v.reasons.is_empty());
    for c in &v.reasons {
        assert!(
            matches!(c.kind, ChangeKind::NavigationRetyped | ChangeKind::PropertyRetyped),
            "unexpected breaking change {c:?}"
        );
        let target = c.old.as_deref().unwrap().split(' ').next().unwrap();
        let target = target.strip_prefix("Collection(").and_then(|t| t.strip_suffix(')')).unwrap_or(target);
        assert!(!old_scan.has_derived(target) && new_scan.has_derived(target), "{c:?}");
        assert!(c.new.as_deref().unwrap().contains("Kind"), "{c:?}");
    }

    // The report names every namespace with changes and ends with its listing.
    let side = |n: &str| Side { source: n.into(), sha256: pin::sha256_hex(n.as_bytes()) };
    let text = diff::to_text(&d, &side(OLD_REAL), &side(NEW_REAL));
    for ns in d.namespaces() {
        assert!(text.contains(&format!("\nnamespace {ns} (")), "{ns} missing from the text report");
    }
    json::parse(&diff::to_json(&d, &side(OLD_REAL), &side(NEW_REAL))).unwrap();
}

/// A small JSON parser, enough to check that the JSON output is well-formed and to read it.
mod json {
    use std::collections::BTreeMap;

    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Value {
        Null,
        Bool(bool),
        Num(f64),
        Str(String),
        Arr(Vec<Value>),
        Obj(BTreeMap<String, Value>),
    }

    impl Value {
        pub(crate) fn get(&self, key: &str) -> &Value {
            match self {
                Value::Obj(m) => m.get(key).unwrap_or_else(|| panic!("no key {key:?} in {self:?}")),
                _ => panic!("not an object: {self:?}"),
            }
        }
        pub(crate) fn str(&self) -> &str {
            match self {
                Value::Str(s) => s,
                _ => panic!("not a string: {self:?}"),
            }
        }
        pub(crate) fn opt_str(&self) -> Option<&str> {
            match self {
                Value::Null => None,
                _ => Some(self.str()),
            }
        }
        pub(crate) fn num(&self) -> f64 {
            match self {
                Value::Num(n) => *n,
                _ => panic!("not a number: {self:?}"),
            }
        }
        pub(crate) fn arr(&self) -> &[Value] {
            match self {
                Value::Arr(v) => v,
                _ => panic!("not an array: {self:?}"),
            }
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Value, String> {
        let mut p = P { s: text.as_bytes(), i: 0 };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing data at {}", p.i));
        }
        Ok(v)
    }

    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            }
        }
        fn eat(&mut self, b: u8) -> Result<(), String> {
            self.ws();
            if self.s.get(self.i) == Some(&b) {
                self.i += 1;
                Ok(())
            } else {
                Err(format!("expected {:?} at {}", b as char, self.i))
            }
        }
        fn value(&mut self) -> Result<Value, String> {
            self.ws();
            match self.s.get(self.i) {
                Some(b'{') => {
                    self.i += 1;
                    let mut m = BTreeMap::new();
                    self.ws();
                    if self.s.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Ok(Value::Obj(m));
                    }
                    loop {
                        self.ws();
                        let Value::Str(k) = self.string()? else { unreachable!() };
                        self.eat(b':')?;
                        let v = self.value()?;
                        if m.insert(k.clone(), v).is_some() {
                            return Err(format!("duplicate key {k}"));
                        }
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                return Ok(Value::Obj(m));
                            }
                            _ => return Err(format!("expected , or }} at {}", self.i)),
                        }
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    let mut v = Vec::new();
                    self.ws();
                    if self.s.get(self.i) == Some(&b']') {
                        self.i += 1;
                        return Ok(Value::Arr(v));
                    }
                    loop {
                        v.push(self.value()?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                return Ok(Value::Arr(v));
                            }
                            _ => return Err(format!("expected , or ] at {}", self.i)),
                        }
                    }
                }
                Some(b'"') => self.string(),
                Some(b'n') => self.word("null", Value::Null),
                Some(b't') => self.word("true", Value::Bool(true)),
                Some(b'f') => self.word("false", Value::Bool(false)),
                Some(_) => {
                    let start = self.i;
                    while self.i < self.s.len()
                        && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    {
                        self.i += 1;
                    }
                    let t = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                    t.parse().map(Value::Num).map_err(|_| format!("bad number {t:?} at {start}"))
                }
                None => Err("unexpected end".into()),
            }
        }
        fn word(&mut self, w: &str, v: Value) -> Result<Value, String> {
            if self.s[self.i..].starts_with(w.as_bytes()) {
                self.i += w.len();
                Ok(v)
            } else {
                Err(format!("bad literal at {}", self.i))
            }
        }
        fn string(&mut self) -> Result<Value, String> {
            self.eat(b'"')?;
            let mut out = String::new();
            loop {
                let b = *self.s.get(self.i).ok_or("unterminated string")?;
                let len = match b {
                    0x00..=0x7f => 1,
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    _ => 4,
                };
                let bytes = self.s.get(self.i..self.i + len).ok_or("truncated UTF-8")?;
                let c = std::str::from_utf8(bytes).map_err(|e| e.to_string())?.chars().next().ok_or("empty")?;
                self.i += len;
                match c {
                    '"' => return Ok(Value::Str(out)),
                    '\\' => {
                        let e = self.s.get(self.i).copied().ok_or("bad escape")?;
                        self.i += 1;
                        match e {
                            b'"' => out.push('"'),
                            b'\\' => out.push('\\'),
                            b'/' => out.push('/'),
                            b'n' => out.push('\n'),
                            b'r' => out.push('\r'),
                            b't' => out.push('\t'),
                            b'b' => out.push('\u{8}'),
                            b'f' => out.push('\u{c}'),
                            b'u' => {
                                let hex =
                                    std::str::from_utf8(&self.s[self.i..self.i + 4]).map_err(|e| e.to_string())?;
                                self.i += 4;
                                let n = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                                out.push(char::from_u32(n).ok_or("bad \\u escape")?);
                            }
                            _ => return Err(format!("bad escape at {}", self.i)),
                        }
                    }
                    c if (c as u32) < 0x20 => return Err(format!("control character in string at {}", self.i)),
                    c => out.push(c),
                }
            }
        }
    }
}
