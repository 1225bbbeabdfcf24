//! Counting the requests in the difference of two policies, bounded by the service catalog
//! (`compare-policies --count`).
//!
//! A policy difference is an infinite set of requests (strings are unbounded), so a raw count is
//! only meaningful over equivalence classes. What a reviewer wants to know is *how much* new access
//! a change grants, in AWS's own units, so the count is bounded by the catalog:
//!
//! - **actions**: the catalog actions `a` such that some request with action `a` lies in the
//!   difference. Every value of one action class behaves the same in every formula, so deciding one
//!   query per action class decides all of that class's catalog actions exactly.
//! - **action × resource type pairs**: the pairs `(a, t)`, `t` one of the resource types the catalog
//!   lists for `a`, such that some request with action `a` on a resource of type `t` lies in the
//!   difference. A resource type's language is its ARN format with each `${…}` placeholder read as
//!   `*`, so where a policy's resource pattern crosses a placeholder's real boundary (`b/*` against
//!   `${BucketName}`) the pair count is an upper bound. An action with no resource types supports only `"Resource": "*"`: its one pair is the
//!   request whose resource is the literal `*`.
//!   When the difference restricts the resource of an action class, the space is compiled again
//!   with the needed ARN formats registered as patterns, so the answer stays exact; budgets turn
//!   into an `unknown` reason, never into a guess.
//! - **class assignments**: the number of satisfying assignments of equivalence classes, the
//!   engine's own unit (not requests).
//!
//! Requests whose action names no catalog action are counted apart: AWS rejects them before any
//! policy is read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use perimeter_iam::Policy;
use perimeter_iam::catalog::Catalog;
use perimeter_logic::{
    Bdd, Case, ClassId, Glob, GlobToken, KeyId, Natural, Pattern, Value, Weights,
};
use serde::Serialize;

use crate::check::{AccessCheckPolicyType, default_limits};
use crate::compile::{CompileError, RESOURCE, Space, compile_space};
use perimeter_logic::Limits;

/// The size of one direction of a difference, in catalog units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DifferenceCount {
    /// Catalog actions with some request in the difference.
    pub actions: u64,
    /// The same, per service prefix.
    pub actions_by_service: BTreeMap<String, u64>,
    /// (action, resource type) pairs with some request in the difference; an action without
    /// resource types counts once. `None` when it could not be decided (see `reason`).
    pub action_resource_types: Option<u64>,
    /// Equivalence classes of action strings in the difference that hold no catalog action.
    pub uncatalogued_action_classes: u64,
    /// Satisfying class assignments (the engine's unit, not requests).
    pub class_assignments: String,
    /// Why a part of the count is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One catalog action: its service, its name and the ARN format of each of its resource types
/// ([`ANY_RESOURCE`] alone for an action that supports only `"Resource": "*"`).
struct CatalogAction {
    service: &'static str,
    name: String,
    arn_formats: Vec<&'static str>,
}

/// The "format" of an action without resource types: the request's resource is the literal `*`
/// (the Service Authorization Reference: such actions need `"Resource": "*"`).
const ANY_RESOURCE: &str = "*";

/// The resource values of a format.
fn format_pattern(format: &str) -> Pattern {
    if format == ANY_RESOURCE {
        return Pattern::literal(ANY_RESOURCE, Case::Sensitive);
    }
    // ARN segments: partition, service, region and account hold no `:`, so their placeholders
    // do not cross one; the resource part (the rest) may.
    let parts: Vec<Glob> = format.splitn(6, ':').map(arn_format_glob).collect();
    if parts.len() == 6 {
        Pattern::segmented(':', parts, Case::Sensitive)
    } else {
        Pattern::whole(arn_format_glob(format), Case::Sensitive)
    }
}

fn catalog_actions() -> &'static [CatalogAction] {
    static ALL: OnceLock<Vec<CatalogAction>> = OnceLock::new();
    ALL.get_or_init(|| {
        let catalog = Catalog::get();
        let mut out = Vec::new();
        for service in catalog.services() {
            for action in service.actions() {
                let mut arn_formats: Vec<&'static str> = action
                    .resources()
                    .iter()
                    .filter_map(|r| service.resource_type(r.name()))
                    .map(|t| t.arn_format())
                    .collect();
                if arn_formats.is_empty() {
                    arn_formats.push(ANY_RESOURCE);
                }
                out.push(CatalogAction {
                    service: service.prefix(),
                    name: format!("{}:{}", service.prefix(), action.name()),
                    arn_formats,
                });
            }
        }
        out
    })
}

/// The language of a resource type: its ARN format with every `${…}` placeholder as `*`, a `*`
/// as `*` (the reference writes `*` for "any account" in a few formats), every other character
/// literal.
pub fn arn_format_glob(format: &str) -> Glob {
    let literal = |c: char| {
        if c == '*' {
            GlobToken::AnyString
        } else {
            GlobToken::Char(c)
        }
    };
    let mut tokens = Vec::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        tokens.extend(before.chars().map(literal));
        match after.find('}') {
            Some(end) => {
                tokens.push(GlobToken::AnyString);
                rest = after.get(end + 1..).unwrap_or("");
            }
            None => {
                tokens.extend(after.chars().map(literal));
                rest = "";
            }
        }
    }
    tokens.extend(rest.chars().map(literal));
    Glob::from_tokens(tokens)
}

fn scope(space: &mut Space, ty: AccessCheckPolicyType) -> Result<Bdd, CompileError> {
    let mut scope = space.valid;
    if ty == AccessCheckPolicyType::IdentityPolicy {
        // Identity-based policies apply to IAM principals only (as in `check`).
        let iam = space.iam_caller_formula()?;
        scope = space.universe.and(scope, iam)?;
    }
    Ok(scope)
}

/// The requests `x` allows and `y` does not, in a compiled space.
fn difference(
    space: &mut Space,
    x: &Policy,
    y: &Policy,
    ty: AccessCheckPolicyType,
) -> Result<Bdd, CompileError> {
    let cx = space.compile_policy(x)?;
    let cy = space.compile_policy(y)?;
    let s = scope(space, ty)?;
    let fx = space.universe.and(cx.allowed, s)?;
    Ok(space.universe.diff(fx, cy.allowed)?)
}

/// 0/1 weights that select some classes of some single-valued keys: a weighted count under them
/// is non-zero iff some satisfying assignment uses only selected classes of those keys.
struct Select {
    keys: Vec<(KeyId, Vec<bool>)>,
}

impl Weights for Select {
    fn value(&self, key: KeyId, class: Option<ClassId>) -> Natural {
        let Some((_, allowed)) = self.keys.iter().find(|(k, _)| *k == key) else {
            return Natural::one();
        };
        let hit = class.is_some_and(|c| allowed.get(c.0 as usize).copied().unwrap_or(false));
        Natural::from(u32::from(hit))
    }
    fn member(&self, _: KeyId, _: ClassId, _: bool) -> Natural {
        Natural::one()
    }
    fn absent(&self, _: KeyId) -> Natural {
        Natural::one()
    }
}

fn one_hot(n: usize, class: ClassId) -> Vec<bool> {
    (0..n).map(|i| i == class.0 as usize).collect()
}

/// Whether some request of `f` has its keys in the selected classes.
fn satisfiable_within(space: &mut Space, f: Bdd, select: Select) -> Result<bool, CompileError> {
    Ok(!space.universe.weighted_count(f, &select)?.is_zero())
}

/// Catalog actions grouped by their class of the action key (`None`: no class, which cannot
/// happen for a string key but is kept apart rather than dropped).
fn group_actions(space: &Space) -> Result<HashMap<ClassId, Vec<usize>>, CompileError> {
    let mut groups: HashMap<ClassId, Vec<usize>> = HashMap::new();
    for (i, a) in catalog_actions().iter().enumerate() {
        if let Some(c) = space
            .universe
            .class_of(space.action, &Value::String(a.name.clone()))?
        {
            groups.entry(c).or_default().push(i);
        }
    }
    Ok(groups)
}

/// Counts the requests `x` allows and `y` does not, in catalog units.
pub fn count_difference(x: &Policy, y: &Policy, ty: AccessCheckPolicyType) -> DifferenceCount {
    count_difference_with(x, y, ty, default_limits())
}

/// [`count_difference`] with explicit budgets.
pub fn count_difference_with(
    x: &Policy,
    y: &Policy,
    ty: AccessCheckPolicyType,
    limits: Limits,
) -> DifferenceCount {
    match try_count(x, y, ty, limits) {
        Ok(c) => c,
        Err(e) => DifferenceCount {
            action_resource_types: None,
            class_assignments: String::new(),
            reason: Some(e.to_string()),
            ..DifferenceCount::default()
        },
    }
}

/// Above this many (action class, resource class) queries, phase 1 does not look for
/// unconstrained resources and every action class goes to phase 2.
const PROBE_BUDGET: usize = 4096;

fn try_count(
    x: &Policy,
    y: &Policy,
    ty: AccessCheckPolicyType,
    limits: Limits,
) -> Result<DifferenceCount, CompileError> {
    let mut out = DifferenceCount::default();
    let mut space = compile_space(&[x, y], &[], limits)?;
    if !space.unknown.is_empty() {
        out.reason = Some(space.unknown.join("; "));
        return Ok(out);
    }
    let d = difference(&mut space, x, y, ty)?;
    out.class_assignments = space.universe.count_assignments(d)?.to_string();

    // Phase 1: which action classes have requests in the difference, and is their resource free?
    let n_actions = space.universe.class_count(space.action)?;
    let n_resources = space.universe.class_count(space.resource)?;
    let groups = group_actions(&space)?;
    let probe = n_actions.saturating_mul(n_resources) <= PROBE_BUDGET;
    let mut in_diff: Vec<ClassId> = Vec::new();
    let mut constrained: Vec<ClassId> = Vec::new();
    for c in space.universe.classes_all(space.action)?.iter() {
        let action = (space.action, one_hot(n_actions, c));
        if !satisfiable_within(
            &mut space,
            d,
            Select {
                keys: vec![action.clone()],
            },
        )? {
            continue;
        }
        in_diff.push(c);
        if !groups.contains_key(&c) {
            out.uncatalogued_action_classes += 1;
            continue;
        }
        let mut free = probe;
        if probe {
            for r in space.universe.classes_all(space.resource)?.iter() {
                let select = Select {
                    keys: vec![action.clone(), (space.resource, one_hot(n_resources, r))],
                };
                if !satisfiable_within(&mut space, d, select)? {
                    free = false;
                    break;
                }
            }
        }
        if !free {
            constrained.push(c);
        }
    }

    let mut pairs: u64 = 0;
    let mut formats_needed: BTreeSet<&'static str> = BTreeSet::new();
    for c in &in_diff {
        for &i in groups.get(c).map(Vec::as_slice).unwrap_or_default() {
            let Some(a) = catalog_actions().get(i) else {
                continue;
            };
            out.actions += 1;
            *out.actions_by_service
                .entry(a.service.to_owned())
                .or_default() += 1;
            if constrained.contains(c) {
                formats_needed.extend(a.arn_formats.iter().copied());
            } else {
                pairs += a.arn_formats.len() as u64;
            }
        }
    }
    if formats_needed.is_empty() {
        out.action_resource_types = Some(pairs);
        return Ok(out);
    }

    // Phase 2: register the ARN formats the constrained classes need, and decide each pair.
    // Formats of different services differ in a literal segment, so they are registered one
    // service at a time: each space stays as small as the policies plus a handful of formats.
    let mut by_service: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
    for f in formats_needed {
        by_service.entry(format_service(f)).or_default().insert(f);
    }
    let mut failed: Vec<String> = Vec::new();
    for (service, formats) in &by_service {
        match pairs_in_chunk(x, y, ty, &limits, formats, &constrained, &groups) {
            Ok(n) => pairs += n,
            // Many overlapping formats of one service can exceed the automaton budget together;
            // one at a time each stays small.
            Err(_) => {
                for f in formats {
                    let one = BTreeSet::from([*f]);
                    match pairs_in_chunk(x, y, ty, &limits, &one, &constrained, &groups) {
                        Ok(n) => pairs += n,
                        Err(e) => failed.push(format!("`{service}` format `{f}`: {e}")),
                    }
                }
            }
        }
    }
    if failed.is_empty() {
        out.action_resource_types = Some(pairs);
    } else {
        out.reason = Some(format!(
            "the action × resource type count is unknown for {} service(s): {}",
            failed.len(),
            failed.join("; ")
        ));
    }
    Ok(out)
}

/// The service segment of an ARN format (the whole format when it has none).
fn format_service(format: &'static str) -> &'static str {
    format.split(':').nth(2).unwrap_or(format)
}

/// Why a chunk's pairs are undecided.
enum ChunkError {
    Compile(CompileError),
    Unknown(Vec<String>),
}

impl From<CompileError> for ChunkError {
    fn from(e: CompileError) -> Self {
        ChunkError::Compile(e)
    }
}

impl From<perimeter_logic::LogicError> for ChunkError {
    fn from(e: perimeter_logic::LogicError) -> Self {
        ChunkError::Compile(e.into())
    }
}

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChunkError::Compile(e) => write!(f, "{e}"),
            ChunkError::Unknown(reasons) => write!(f, "{}", reasons.join("; ")),
        }
    }
}

/// The (action, resource type) pairs of the constrained action classes whose format is one of
/// `formats`, decided in a space where those formats are registered.
fn pairs_in_chunk(
    x: &Policy,
    y: &Policy,
    ty: AccessCheckPolicyType,
    limits: &Limits,
    formats: &BTreeSet<&'static str>,
    constrained: &[ClassId],
    groups: &HashMap<ClassId, Vec<usize>>,
) -> Result<u64, ChunkError> {
    let extra: Vec<(&str, Pattern)> = formats
        .iter()
        .map(|f| (RESOURCE, format_pattern(f)))
        .collect();
    let mut fine = compile_space(&[x, y], &extra, *limits)?;
    if !fine.unknown.is_empty() {
        return Err(ChunkError::Unknown(fine.unknown));
    }
    let fd = difference(&mut fine, x, y, ty)?;
    let n_actions = fine.universe.class_count(fine.action)?;
    let n_res = fine.universe.class_count(fine.resource)?;
    let mut memo: HashMap<(ClassId, &'static str), bool> = HashMap::new();
    let mut pairs = 0;
    for c in constrained {
        for &i in groups.get(c).map(Vec::as_slice).unwrap_or_default() {
            let Some(a) = catalog_actions().get(i) else {
                continue;
            };
            let Some(fc) = fine
                .universe
                .class_of(fine.action, &Value::String(a.name.clone()))?
            else {
                continue;
            };
            for f in a.arn_formats.iter().filter(|f| formats.contains(*f)) {
                let hit = match memo.get(&(fc, *f)) {
                    Some(h) => *h,
                    None => {
                        let like = fine
                            .universe
                            .classes_like(fine.resource, &format_pattern(f))?;
                        let res: Vec<bool> = (0..n_res)
                            .map(|r| u32::try_from(r).is_ok_and(|r| like.contains(ClassId(r))))
                            .collect();
                        let select = Select {
                            keys: vec![(fine.action, one_hot(n_actions, fc)), (fine.resource, res)],
                        };
                        let h = satisfiable_within(&mut fine, fd, select)?;
                        memo.insert((fc, *f), h);
                        h
                    }
                };
                pairs += u64::from(hit);
            }
        }
    }
    Ok(pairs)
}
