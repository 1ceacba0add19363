//! Cargo features by API area: which generated items each feature compiles.
//!
//! A consumer that only manages users' authentication methods should not compile device
//! management, Teams or eDiscovery. Every area below is a cargo feature of the `msgraph` crate
//! (`full`, the default, enables all of them). An area is given by a few *root* entity types; its
//! *closure* is everything those roots need to be typed:
//!
//! * the base types of every type in it (not their other derived types);
//! * the complex and enum types of structural properties, and the parameter and return types
//!   (complex, enum) of operations bound to a type in it, including the derived types of a
//!   complex type read polymorphically;
//! * the targets of **contained** navigation properties of entity types, with their derived types —
//!   stopping at the roots of other areas (`user.messages` belongs to `mail`, not `users`).
//!
//! A type compiles when any area whose closure holds it is enabled (types no area reaches always
//! compile). Every place that mentions a type — a struct field, a `…Kind` variant, a navigation
//! or cast method, an operation, an entry point — carries the `#[cfg]` of that type unless its
//! owner's own `#[cfg]` already implies it. A field compiled out decodes into `additional_data`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Model, StructKind, TypeTarget, ValueType};

/// One API area: a cargo feature and the entity types it is rooted at.
#[derive(Debug, Clone, Copy)]
pub struct Area {
    /// The cargo feature name.
    pub feature: &'static str,
    /// One line for the README and the `Cargo.toml` comment.
    pub doc: &'static str,
    /// Qualified names of the root entity types (missing ones are skipped: other clouds' CSDL
    /// differ; a test checks that every root exists in the pinned v1.0 file).
    pub roots: &'static [&'static str],
}

/// The API areas, sorted by feature name.
pub const AREAS: &[Area] = &[
    Area {
        feature: "admin",
        doc: "admin, tenant relationships, Copilot, privacy, subscriptions",
        roots: &[
            "microsoft.graph.admin",
            "microsoft.graph.tenantRelationship",
            "microsoft.graph.copilotRoot",
            "microsoft.graph.privacy",
            "microsoft.graph.subscription",
            "microsoft.graph.cloudClipboardRoot",
        ],
    },
    Area {
        feature: "calendar",
        doc: "calendars, events, places",
        roots: &[
            "microsoft.graph.calendar",
            "microsoft.graph.calendarGroup",
            "microsoft.graph.event",
            "microsoft.graph.place",
        ],
    },
    Area {
        feature: "cloud-pc",
        doc: "Windows 365 Cloud PCs",
        roots: &["microsoft.graph.cloudPC", "microsoft.graph.virtualEndpoint"],
    },
    Area {
        feature: "communications",
        doc: "calls, online meetings, call records",
        roots: &[
            "microsoft.graph.cloudCommunications",
            "microsoft.graph.onlineMeeting",
            "microsoft.graph.onlineMeetingBase",
            "microsoft.graph.call",
            "microsoft.graph.callRecords.callRecord",
            "microsoft.graph.adhocCall",
            "microsoft.graph.callRecording",
            "microsoft.graph.callTranscript",
        ],
    },
    Area {
        feature: "contacts",
        doc: "Outlook contacts and people",
        roots: &["microsoft.graph.contact", "microsoft.graph.contactFolder", "microsoft.graph.person"],
    },
    Area {
        feature: "device-management",
        doc: "Intune device and app management",
        roots: &[
            "microsoft.graph.deviceManagement",
            "microsoft.graph.deviceAppManagement",
            "microsoft.graph.managedDevice",
            "microsoft.graph.deviceManagementTroubleshootingEvent",
            "microsoft.graph.mobileApp",
            "microsoft.graph.managedAppRegistration",
            "microsoft.graph.deviceCompliancePolicy",
            "microsoft.graph.deviceConfiguration",
        ],
    },
    Area {
        feature: "directory",
        doc: "applications, service principals, devices, roles, domains, organization",
        roots: &[
            "microsoft.graph.application",
            "microsoft.graph.servicePrincipal",
            "microsoft.graph.device",
            "microsoft.graph.directoryRole",
            "microsoft.graph.directoryRoleTemplate",
            "microsoft.graph.domain",
            "microsoft.graph.domainDnsRecord",
            "microsoft.graph.organization",
            "microsoft.graph.orgContact",
            "microsoft.graph.contract",
            "microsoft.graph.directory",
            "microsoft.graph.subscribedSku",
            "microsoft.graph.oAuth2PermissionGrant",
            "microsoft.graph.schemaExtension",
            "microsoft.graph.administrativeUnit",
            "microsoft.graph.applicationTemplate",
            "microsoft.graph.appRoleAssignment",
            "microsoft.graph.scopedRoleMembership",
            "microsoft.graph.resourceSpecificPermissionGrant",
            "microsoft.graph.dataPolicyOperation",
            "microsoft.graph.certificateBasedAuthConfiguration",
            "microsoft.graph.filterOperatorSchema",
            "microsoft.graph.attributeMappingFunctionSchema",
            "microsoft.graph.licenseDetails",
            "microsoft.graph.extensionProperty",
            "microsoft.graph.synchronization",
            "microsoft.graph.federatedIdentityCredential",
        ],
    },
    Area {
        feature: "education",
        doc: "education classes, schools, assignments",
        roots: &[
            "microsoft.graph.educationRoot",
            "microsoft.graph.educationUser",
            "microsoft.graph.educationClass",
            "microsoft.graph.educationSchool",
        ],
    },
    Area {
        feature: "external",
        doc: "Graph connectors (external items)",
        roots: &[
            "microsoft.graph.externalConnectors.external",
            "microsoft.graph.externalConnectors.externalConnection",
        ],
    },
    Area {
        feature: "files",
        doc: "OneDrive drives and drive items, sharing, storage",
        roots: &[
            "microsoft.graph.drive",
            "microsoft.graph.driveItem",
            "microsoft.graph.sharedDriveItem",
            "microsoft.graph.permission",
            "microsoft.graph.storage",
            "microsoft.graph.fileStorage",
        ],
    },
    Area {
        feature: "groups",
        doc: "groups, group settings and lifecycle, group conversations",
        roots: &[
            "microsoft.graph.group",
            "microsoft.graph.groupLifecyclePolicy",
            "microsoft.graph.groupSetting",
            "microsoft.graph.groupSettingTemplate",
            "microsoft.graph.conversation",
            "microsoft.graph.conversationThread",
            "microsoft.graph.post",
        ],
    },
    Area {
        feature: "identity",
        doc: "identity governance and protection, policies, role management, authentication methods policy",
        roots: &[
            "microsoft.graph.identityContainer",
            "microsoft.graph.identityGovernance",
            "microsoft.graph.identityProtectionRoot",
            "microsoft.graph.policyRoot",
            "microsoft.graph.roleManagement",
            "microsoft.graph.authenticationMethodsPolicy",
            "microsoft.graph.authenticationMethodConfiguration",
            "microsoft.graph.agreement",
            "microsoft.graph.agreementAcceptance",
            "microsoft.graph.invitation",
            "microsoft.graph.identityProvider",
            "microsoft.graph.identityProviderBase",
        ],
    },
    Area {
        feature: "insights",
        doc: "Office Graph insights and user activities",
        roots: &[
            "microsoft.graph.officeGraphInsights",
            "microsoft.graph.itemInsights",
            "microsoft.graph.userActivity",
            "microsoft.graph.activityHistoryItem",
            "microsoft.graph.userInsightsSettings",
        ],
    },
    Area {
        feature: "mail",
        doc: "Outlook mail: messages, folders, rules, categories",
        roots: &[
            "microsoft.graph.message",
            "microsoft.graph.mailFolder",
            "microsoft.graph.messageRule",
            "microsoft.graph.inferenceClassification",
            "microsoft.graph.outlookUser",
            "microsoft.graph.outlookCategory",
        ],
    },
    Area {
        feature: "onenote",
        doc: "OneNote notebooks, sections, pages",
        roots: &[
            "microsoft.graph.onenote",
            "microsoft.graph.notebook",
            "microsoft.graph.onenotePage",
            "microsoft.graph.onenoteSection",
            "microsoft.graph.sectionGroup",
        ],
    },
    Area {
        feature: "planner",
        doc: "Planner plans, buckets, tasks",
        roots: &[
            "microsoft.graph.planner",
            "microsoft.graph.plannerUser",
            "microsoft.graph.plannerGroup",
            "microsoft.graph.plannerPlan",
            "microsoft.graph.plannerTask",
            "microsoft.graph.plannerBucket",
        ],
    },
    Area {
        feature: "print",
        doc: "Universal Print",
        roots: &[
            "microsoft.graph.print",
            "microsoft.graph.printer",
            "microsoft.graph.printerShare",
            "microsoft.graph.printJob",
            "microsoft.graph.printDocument",
        ],
    },
    Area { feature: "reports", doc: "usage and audit reports", roots: &["microsoft.graph.reportRoot"] },
    Area { feature: "search", doc: "Microsoft Search queries", roots: &["microsoft.graph.searchEntity"] },
    Area {
        feature: "security",
        doc: "security, compliance, eDiscovery, information protection, audit logs",
        roots: &[
            "microsoft.graph.security",
            "microsoft.graph.compliance",
            "microsoft.graph.informationProtection",
            "microsoft.graph.auditLogRoot",
            "microsoft.graph.dataSecurityAndGovernance",
            "microsoft.graph.sensitivityLabel",
            "microsoft.graph.itemRetentionLabel",
            "microsoft.graph.security.case",
            "microsoft.graph.security.alert",
            "microsoft.graph.security.incident",
        ],
    },
    Area {
        feature: "sites",
        doc: "SharePoint sites, lists, content types, term store",
        roots: &[
            "microsoft.graph.site",
            "microsoft.graph.list",
            "microsoft.graph.listItem",
            "microsoft.graph.contentType",
            "microsoft.graph.columnDefinition",
            "microsoft.graph.termStore.store",
        ],
    },
    Area {
        feature: "solutions",
        doc: "Bookings, virtual events, employee experience",
        roots: &[
            "microsoft.graph.solutionsRoot",
            "microsoft.graph.bookingBusiness",
            "microsoft.graph.virtualEventsRoot",
            "microsoft.graph.employeeExperience",
            "microsoft.graph.employeeExperienceUser",
            "microsoft.graph.engagementRole",
        ],
    },
    Area {
        feature: "teams",
        doc: "Teams, channels, chats, messages, shifts, apps, presence",
        roots: &[
            "microsoft.graph.team",
            "microsoft.graph.chat",
            "microsoft.graph.channel",
            "microsoft.graph.teamwork",
            "microsoft.graph.chatMessage",
            "microsoft.graph.schedule",
            "microsoft.graph.teamsAppInstallation",
            "microsoft.graph.appCatalogs",
            "microsoft.graph.teamsTemplate",
            "microsoft.graph.teamsApp",
            "microsoft.graph.userTeamwork",
            "microsoft.graph.conversationMember",
            "microsoft.graph.teamworkTag",
            "microsoft.graph.teamsTab",
            "microsoft.graph.presence",
        ],
    },
    Area { feature: "todo", doc: "Microsoft To Do lists and tasks", roots: &["microsoft.graph.todo"] },
    Area {
        feature: "users",
        doc: "users, their authentication methods, settings and profile photo",
        roots: &["microsoft.graph.user", "microsoft.graph.authentication", "microsoft.graph.authenticationMethod"],
    },
];

/// The feature that enables every area (the default).
pub const FULL: &str = "full";

/// When an item compiles: always, or when any of a set of areas (indexes into [`AREAS`]) is on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gate {
    Always,
    Any(BTreeSet<usize>),
}

impl Gate {
    /// Whether an item under `self` can only exist when one under `other` exists too.
    pub fn implies(&self, other: &Gate) -> bool {
        match (self, other) {
            (_, Gate::Always) => true,
            (Gate::Always, Gate::Any(_)) => false,
            (Gate::Any(a), Gate::Any(b)) => a.is_subset(b),
        }
    }

    /// The predicate, e.g. `any(feature = "mail", feature = "teams")`; `None` when always on.
    fn predicate(&self) -> Option<TokenStream> {
        let Gate::Any(set) = self else { return None };
        let features: Vec<&str> = set.iter().filter_map(|i| AREAS.get(*i)).map(|a| a.feature).collect();
        match features.as_slice() {
            [one] => Some(quote! { feature = #one }),
            _ => Some(quote! { any(#(feature = #features),*) }),
        }
    }
}

/// A conjunction of gates: an item that needs several types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cond(BTreeSet<Gate>);

impl Cond {
    /// The condition of a single gate.
    pub fn of(gate: &Gate) -> Cond {
        let mut c = Cond::default();
        c.require(gate);
        c
    }

    /// Adds a requirement (`Always` adds nothing).
    pub fn require(&mut self, gate: &Gate) {
        if *gate != Gate::Always {
            self.0.insert(gate.clone());
        }
    }

    /// Drops the requirements that `owner` already implies (the owner's own `#[cfg]` covers them).
    pub fn under(mut self, owner: &Gate) -> Cond {
        self.0.retain(|g| !owner.implies(g));
        self
    }

    /// The `#[cfg(...)]` attribute, or nothing.
    pub fn attr(&self) -> TokenStream {
        let preds: Vec<TokenStream> = self.0.iter().filter_map(Gate::predicate).collect();
        match preds.len() {
            0 => quote! {},
            1 => {
                let p = &preds[0];
                quote! { #[cfg(#p)] }
            }
            _ => quote! { #[cfg(all(#(#preds),*))] },
        }
    }
}

/// The gate of every struct and enum type (a `…Kind` wrapper shares its base type's gate).
#[derive(Debug, Clone, Default)]
pub struct Gates {
    types: BTreeMap<String, Gate>,
}

impl Gates {
    /// The gate of a struct, enum or Kind (by base) type; unknown names are always on.
    pub fn of(&self, qname: &str) -> &Gate {
        self.types.get(qname).unwrap_or(&Gate::Always)
    }

    /// The gate of whatever a type target needs (primitives and JSON: always).
    pub fn of_target(&self, t: &TypeTarget) -> &Gate {
        match t {
            TypeTarget::Enum(q) | TypeTarget::Struct(q) => self.of(q),
            TypeTarget::Primitive(_) | TypeTarget::Json => &Gate::Always,
        }
    }

    /// The gate of whatever a value's Rust type names (scalars and JSON: always).
    pub fn of_value(&self, v: &ValueType) -> &Gate {
        match v.model_path() {
            Some(p) => self.of(&p.qname),
            None => &Gate::Always,
        }
    }

    /// How many types each area compiles (for reports and tests), by feature name.
    pub fn area_sizes(&self) -> BTreeMap<&'static str, usize> {
        let mut out: BTreeMap<&'static str, usize> = AREAS.iter().map(|a| (a.feature, 0)).collect();
        for g in self.types.values() {
            if let Gate::Any(set) = g {
                for i in set {
                    if let Some(a) = AREAS.get(*i) {
                        *out.entry(a.feature).or_default() += 1;
                    }
                }
            }
        }
        out
    }

    /// Names of the types that compile whatever the features.
    pub fn always(&self) -> impl Iterator<Item = &str> {
        self.types.iter().filter(|(_, g)| **g == Gate::Always).map(|(q, _)| q.as_str())
    }
}

/// Computes the gate of every type of `model`.
pub fn compute(model: &Model) -> Gates {
    let roots: Vec<Vec<&str>> =
        AREAS.iter().map(|a| a.roots.iter().copied().filter(|r| model.structs.contains_key(*r)).collect()).collect();
    let all_roots: BTreeSet<&str> = roots.iter().flatten().copied().collect();
    // Operations by the entity or complex type they are bound to (once, for every area).
    let mut bound: BTreeMap<&str, Vec<&crate::ir::Operation>> = BTreeMap::new();
    for op in &model.operations {
        if let Some(TypeTarget::Struct(q)) = op.binding.as_ref().map(|b| &b.target) {
            bound.entry(q.as_str()).or_default().push(op);
        }
    }
    let mut membership: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, area_roots) in roots.iter().enumerate() {
        let barriers: BTreeSet<&str> = all_roots.iter().copied().filter(|r| !area_roots.contains(r)).collect();
        for q in closure(model, &bound, area_roots, &barriers) {
            membership.entry(q).or_default().insert(i);
        }
    }
    let mut types = BTreeMap::new();
    for q in model.structs.keys().chain(model.enums.keys()) {
        let gate = match membership.remove(q) {
            Some(set) if !set.is_empty() && q != crate::ir::JSON => Gate::Any(set),
            _ => Gate::Always,
        };
        types.insert(q.clone(), gate);
    }
    // A derived struct holds its base type (`base`), so a base compiles whenever any of its
    // derived types does: widen each base's gate by its derived types', derived ones first.
    for q in model.inheritance_order.iter().rev() {
        let Some(base) = model.structs.get(q).and_then(|s| s.base.as_ref()) else { continue };
        let Some(derived) = types.get(q).cloned() else { continue };
        if let Some(gate) = types.get_mut(base) {
            *gate = match (std::mem::replace(gate, Gate::Always), derived) {
                (Gate::Any(mut a), Gate::Any(b)) => {
                    a.extend(b);
                    Gate::Any(a)
                }
                _ => Gate::Always,
            };
        }
    }
    Gates { types }
}

/// The qualified name of the root of the entity hierarchy: reading it polymorphically would
/// pull in every entity type, so its derived types never join a closure through it.
const ENTITY: &str = "microsoft.graph.entity";

/// The types one area needs (see the module docs).
fn closure(
    model: &Model,
    bound: &BTreeMap<&str, Vec<&crate::ir::Operation>>,
    roots: &[&str],
    barriers: &BTreeSet<&str>,
) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut seen_poly: BTreeSet<String> = BTreeSet::new();
    // (type, read polymorphically: its derived types come along)
    let mut stack: Vec<(String, bool)> = roots.iter().map(|r| (r.to_string(), true)).collect();
    while let Some((q, poly)) = stack.pop() {
        if model.enums.contains_key(&q) {
            seen.insert(q);
            continue;
        }
        let Some(s) = model.structs.get(&q) else { continue };
        if poly && q != ENTITY && seen_poly.insert(q.clone()) {
            // Derived types, not crossing into another area's root (nor below it).
            let mut pending: Vec<&str> = s.derived.iter().map(String::as_str).collect();
            while let Some(d) = pending.pop() {
                if barriers.contains(d) {
                    continue;
                }
                stack.push((d.to_string(), false));
                if let Some(ds) = model.structs.get(d) {
                    pending.extend(ds.derived.iter().map(String::as_str));
                }
            }
        }
        if !seen.insert(q.clone()) {
            continue;
        }
        if let Some(b) = &s.base {
            stack.push((b.clone(), false));
        }
        for p in &s.properties {
            let t = match &p.r#type.target {
                TypeTarget::Enum(t) | TypeTarget::Struct(t) => t,
                _ => continue,
            };
            if p.navigation {
                if p.contains_target && s.kind == StructKind::Entity && !barriers.contains(t.as_str()) {
                    stack.push((t.clone(), true));
                }
            } else if !is_entity(model, t) {
                stack.push((t.clone(), true));
            }
        }
        for op in bound.get(q.as_str()).into_iter().flatten() {
            let refs = op.parameters.iter().map(|p| &p.r#type).chain(op.return_type.iter().map(|r| &r.r#type));
            for r in refs {
                match &r.target {
                    TypeTarget::Enum(t) => stack.push((t.clone(), false)),
                    TypeTarget::Struct(t) if !is_entity(model, t) => stack.push((t.clone(), true)),
                    _ => {}
                }
            }
        }
    }
    seen
}

fn is_entity(model: &Model, q: &str) -> bool {
    model.structs.get(q).is_some_and(|s| s.kind == StructKind::Entity)
}

/// The `[features]` table of `crates/msgraph/Cargo.toml` this generator expects (checked by a
/// test, so the manifest cannot drift from [`AREAS`]): each area forwards to the same feature of
/// `msgraph-models`, so the models and the builders of an area come together.
pub fn cargo_features() -> String {
    features_block(|f| format!("[\"msgraph-models/{f}\"]"))
}

/// The `[features]` table of `crates/msgraph-models/Cargo.toml`.
pub fn models_cargo_features() -> String {
    features_block(|_| "[]".to_string())
}

fn features_block(enables: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    out.push_str("default = [\"full\"]\n");
    out.push_str("# Every API area.\n");
    let all: Vec<String> = AREAS.iter().map(|a| format!("\"{}\"", a.feature)).collect();
    out.push_str(&format!("{FULL} = [{}]\n", all.join(", ")));
    for a in AREAS {
        out.push_str(&format!("# {}\n{} = {}\n", a.doc, a.feature, enables(a.feature)));
    }
    out
}

/// Where the generated `[features]` entries start and end in the manifests.
pub const MANIFEST_BEGIN: &str = "# BEGIN generated by `cargo xtask codegen` (codegen::features::cargo_features)\n";
/// See [`MANIFEST_BEGIN`].
pub const MANIFEST_END: &str = "# END generated\n";
/// The SDK manifest holding the features, relative to the workspace root.
pub const MANIFEST_PATH: &str = "crates/msgraph/Cargo.toml";
/// The models manifest holding the same features.
pub const MODELS_MANIFEST_PATH: &str = "crates/msgraph-models/Cargo.toml";
/// Every manifest with a generated `[features]` block, relative to the workspace root.
pub const MANIFEST_PATHS: [&str; 2] = [MODELS_MANIFEST_PATH, MANIFEST_PATH];

/// `manifest`, the text of the manifest at `path` (one of [`MANIFEST_PATHS`]), with its
/// generated block replaced; an error when the markers are missing or out of order, or the path
/// is not one of them.
pub fn sync_manifest_at(path: &str, manifest: &str) -> Result<String, String> {
    let block = match path {
        MANIFEST_PATH => cargo_features(),
        MODELS_MANIFEST_PATH => models_cargo_features(),
        other => return Err(format!("{other}: not a manifest with generated features")),
    };
    let begin = manifest
        .find(MANIFEST_BEGIN)
        .ok_or_else(|| format!("{path}: marker line `{}` not found", MANIFEST_BEGIN.trim_end()))?;
    let body = begin + MANIFEST_BEGIN.len();
    let end = manifest[body..]
        .find(MANIFEST_END)
        .map(|i| body + i)
        .ok_or_else(|| format!("{path}: marker line `{}` not found after the begin marker", MANIFEST_END.trim_end()))?;
    Ok(format!("{}{}{}", &manifest[..body], block, &manifest[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(ix: &[usize]) -> Gate {
        Gate::Any(ix.iter().copied().collect())
    }

    #[test]
    fn implication() {
        assert!(Gate::Always.implies(&Gate::Always));
        assert!(any(&[1]).implies(&Gate::Always));
        assert!(!Gate::Always.implies(&any(&[1])));
        assert!(any(&[1]).implies(&any(&[1, 2])));
        assert!(!any(&[1, 2]).implies(&any(&[1])));
    }

    #[test]
    fn cfg_attributes() {
        assert_eq!(Cond::of(&Gate::Always).attr().to_string(), "");
        let one = Cond::of(&any(&[0])).attr().to_string();
        assert_eq!(one, format!("# [cfg (feature = \"{}\")]", AREAS[0].feature));
        let two = Cond::of(&any(&[0, 1])).attr().to_string();
        assert!(two.contains("any (feature") && two.contains(AREAS[1].feature), "{two}");
        let mut both = Cond::of(&any(&[0]));
        both.require(&any(&[1]));
        assert!(both.attr().to_string().starts_with("# [cfg (all ("), "{}", both.attr());
        // An owner in area 0 needs no attribute for a type in areas 0 and 1.
        assert_eq!(Cond::of(&any(&[0, 1])).under(&any(&[0])).attr().to_string(), "");
    }
}
