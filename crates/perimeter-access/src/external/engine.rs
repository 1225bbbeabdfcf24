//! The stratified abstraction over one resource policy (see the module docs of [`super`]).

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use perimeter_iam::Policy;
use perimeter_iam::arn::{Arn, is_account_id};
use perimeter_iam::catalog::Catalog;
use perimeter_iam::model::{Effect, OperatorBase, OperatorFamily, PrincipalKind};
use perimeter_logic::{Bdd, Case, Cidr, ClassSet, Glob, KeyId, KeyKind, PartitionCache, Pattern};

use super::{ExternalError, ZoneOfTrust};
use crate::check::{TRUSTED_KEYS, default_limits};
use crate::compile::{ACTION, PRINCIPAL, RESOURCE, Space, compile_space_with, template_glob};
use crate::witness::{RequestWitness, prettify_action, request_of};

thread_local! {
    /// String partitions shared by the resources analysed on this thread: across an account the
    /// action, principal and condition keys see the same few pattern sets again and again. A memo
    /// only (a hit builds the universe a miss would), bounded in size.
    static PARTITIONS: std::cell::RefCell<PartitionCache> =
        std::cell::RefCell::new(PartitionCache::new(512));
}

/// Cubes visited before the rest of the work-list is emitted as-is (still a sound cover).
const MAX_ROUNDS: usize = 50_000;

/// One finding of a policy: a cube with its actions.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyFinding {
    pub principal: BTreeMap<String, String>,
    pub action: Vec<String>,
    pub condition: BTreeMap<String, String>,
    pub is_public: bool,
    /// Allow statements (indexes) whose allowed external requests meet the cube.
    pub statements: Vec<usize>,
    pub witness: Option<RequestWitness>,
    pub notes: Vec<String>,
}

struct Label {
    /// The principal map (principal stratum) or the condition value.
    principal: Option<BTreeMap<String, String>>,
    value: String,
    bdd: Bdd,
    set: Option<ClassSet>,
    fixed: bool,
}

struct Stratum {
    /// The condition key as written; empty for the principal stratum.
    key: String,
    labels: Vec<Label>,
    /// `within[i][j]`: label i's language is inside label j's.
    within: Vec<Vec<bool>>,
    /// The OR of the children's BDDs of each label.
    child_or: Vec<Bdd>,
    children: Vec<Vec<usize>>,
}

fn account_pattern(account: Glob, case: Case) -> Pattern {
    Pattern::segmented(
        ':',
        vec![
            Glob::parse("*"),
            Glob::parse("*"),
            Glob::parse("*"),
            Glob::parse("*"),
            account,
            Glob::parse("*"),
        ],
        case,
    )
}

/// Restricting keys (access-analyzer.md §1.4): the attacker cannot choose their value.
fn is_restricting(lower: &str, trust_policy: bool) -> bool {
    if matches!(lower, "aws:principalarn" | "aws:principalaccount")
        || TRUSTED_KEYS.iter().any(|t| t.eq_ignore_ascii_case(lower))
    {
        return true;
    }
    trust_policy
        && (lower.ends_with(":aud")
            || lower.ends_with(":sub")
            || lower.ends_with(":oaud")
            || lower.starts_with("saml:"))
}

/// The language of a principal value on the caller key, and its display.
fn principal_label(
    kind: PrincipalKind,
    value: &str,
) -> Option<(Pattern, BTreeMap<String, String>, bool)> {
    let mut m = BTreeMap::new();
    match kind {
        PrincipalKind::Aws => {
            if value == "*" {
                return None;
            }
            m.insert("AWS".to_owned(), value.to_owned());
            if is_account_id(value) {
                return Some((
                    account_pattern(Glob::literal(value), Case::Sensitive),
                    m,
                    true,
                ));
            }
            let arn = Arn::parse(value)?;
            let acct = arn.account;
            match arn.service {
                "iam" if arn.resource == "root" => {
                    m.insert("AWS".to_owned(), acct.to_owned());
                    Some((
                        account_pattern(Glob::literal(acct), Case::Sensitive),
                        m,
                        true,
                    ))
                }
                "iam" if arn.resource.starts_with("user/") => {
                    Some((Pattern::literal(value, Case::Sensitive), m, true))
                }
                "iam" => {
                    let rest = arn.resource.strip_prefix("role/")?;
                    let name = rest.rsplit('/').next().unwrap_or(rest);
                    Some((
                        Pattern::literal(
                            &format!("arn:aws:iam::{acct}:role/{name}"),
                            Case::Sensitive,
                        ),
                        m,
                        true,
                    ))
                }
                "sts" if arn.resource.starts_with("federated-user/") => {
                    Some((Pattern::literal(value, Case::Sensitive), m, true))
                }
                _ => None,
            }
        }
        // Service principals are never external (§1.5): they are cut from the external callers.
        PrincipalKind::Service => None,
        PrincipalKind::Federated => {
            m.insert("Federated".to_owned(), value.to_owned());
            Some((
                Pattern::literal(&format!("federated/{value}"), Case::Sensitive),
                m,
                false,
            ))
        }
        PrincipalKind::CanonicalUser => {
            m.insert("CanonicalUser".to_owned(), value.to_owned());
            Some((
                Pattern::literal(&format!("canonical/{value}"), Case::Sensitive),
                m,
                true,
            ))
        }
    }
}

/// Splits a glob text into six ARN components at the first five colons.
fn arn_pattern(text: &str) -> Option<Pattern> {
    if text == "*" {
        return Some(Pattern::glob("*", Case::Sensitive));
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    (parts.len() == 6).then(|| {
        Pattern::segmented(
            ':',
            parts.iter().map(|p| Glob::parse(p)).collect(),
            Case::Sensitive,
        )
    })
}

/// The language of a string condition value, as a pattern on the key's values.
fn value_pattern(base: OperatorBase, text: &str, principal_account: bool) -> Option<Pattern> {
    use OperatorBase::*;
    let case = if matches!(base, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase) {
        Case::Insensitive
    } else {
        Case::Sensitive
    };
    if principal_account {
        let g = if base.uses_wildcards() {
            Glob::parse(text)
        } else {
            Glob::literal(text)
        };
        return Some(account_pattern(g, case));
    }
    match base.family() {
        OperatorFamily::Arn => arn_pattern(text),
        OperatorFamily::String if base.uses_wildcards() => Some(Pattern::glob(text, case)),
        OperatorFamily::String => Some(Pattern::literal(text, case)),
        _ => None,
    }
}

/// Whether a label value counts as fixed for `isPublic` (access-analyzer.md §1.3).
fn value_is_fixed(lower: &str, text: &str, ip: bool) -> bool {
    if ip {
        return cidr_is_fixed(text);
    }
    if !text.contains(['*', '?']) {
        return true;
    }
    // An ARN whose account is pinned (`arn:aws:iam::123456789012:user/*bc`) names one account.
    if lower.ends_with("arn") || lower == "aws:principalarn" {
        return text.split(':').nth(4).is_some_and(is_account_id);
    }
    false
}

fn cidr_is_fixed(text: &str) -> bool {
    let (addr, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (text.trim(), None),
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let p = prefix.unwrap_or(32);
            let o = v4.octets();
            p >= 8 || o.first() == Some(&10) || (o.first() == Some(&192) && o.get(1) == Some(&168))
        }
        Ok(std::net::IpAddr::V6(_)) => prefix.unwrap_or(128) >= 32,
        Err(_) => false,
    }
}

/// The restricting condition values of a policy: (lowercase key, key as written, operator, value).
fn condition_values(policy: &Policy, trust: bool) -> Vec<(String, String, OperatorBase, String)> {
    let mut out = Vec::new();
    for st in &policy.statements {
        for c in &st.conditions {
            let lower = c.key.to_ascii_lowercase();
            if !is_restricting(&lower, trust) || c.operator.qualifier.is_some() {
                continue;
            }
            for v in &c.values {
                if v.template.has_variables() {
                    continue;
                }
                out.push((
                    lower.clone(),
                    c.key.clone(),
                    c.operator.base,
                    v.text.clone(),
                ));
            }
        }
    }
    out
}

/// The external-access findings of one resource policy.
///
/// `resource_patterns` are the request resources the policy governs (the ARN, and `ARN/*` for
/// buckets); `service_prefixes` the services whose actions count (`s3`, `sts`, …).
pub fn find_policy_findings(
    policy: &Policy,
    resource_patterns: &[Pattern],
    service_prefixes: &[&str],
    trust_policy: bool,
    zone: &ZoneOfTrust,
) -> Result<Vec<PolicyFinding>, ExternalError> {
    // Statements whose principals are all service principals or principals inside the zone match no
    // external request, whatever their effect: leave them out of the question.
    let sliced;
    let policy = if policy
        .statements
        .iter()
        .all(|st| may_match_external(st, zone))
    {
        policy
    } else {
        let mut p = policy.clone();
        p.statements.retain(|st| may_match_external(st, zone));
        if !p.statements.iter().any(|st| st.effect == Effect::Allow) {
            return Ok(Vec::new());
        }
        sliced = p;
        &sliced
    };
    let catalog = Catalog::get();
    let mut extras: Vec<(&str, Pattern)> = Vec::new();
    for p in resource_patterns {
        extras.push((RESOURCE, p.clone()));
    }
    // The catalog actions a finding may list: those some Action pattern names (every action of the
    // services when a statement uses NotAction or a policy variable in Action).
    let mut action_names: BTreeSet<String> = BTreeSet::new();
    let every = policy
        .statements
        .iter()
        .any(|st| st.action.negated || st.action.patterns.iter().any(|t| t.has_variables()));
    for prefix in service_prefixes {
        extras.push((
            ACTION,
            Pattern::glob(&format!("{prefix}:*"), Case::Insensitive),
        ));
        if every {
            if let Some(svc) = catalog.service(prefix) {
                for a in svc.actions() {
                    action_names.insert(format!("{prefix}:{}", a.name()));
                }
            }
            continue;
        }
        for st in &policy.statements {
            for t in &st.action.patterns {
                let text = crate::compile::render_template(t);
                for a in catalog.actions_matching(&text) {
                    if a.service.prefix().eq_ignore_ascii_case(prefix) {
                        action_names.insert(a.full_name());
                    }
                }
            }
        }
    }
    let zone_accounts = zone.accounts();
    for a in &zone_accounts {
        extras.push((
            PRINCIPAL,
            account_pattern(Glob::literal(a), Case::Sensitive),
        ));
        for k in [
            "aws:SourceAccount",
            "aws:SourceOwner",
            "kms:CallerAccount",
            "aws:PrincipalAccount",
        ] {
            extras.push((k, Pattern::literal(a, Case::Sensitive)));
        }
    }
    let org_id = match zone {
        ZoneOfTrust::Organization { id, .. } => Some(id.clone()),
        ZoneOfTrust::Account(_) => None,
    };
    if let Some(o) = &org_id {
        for k in ["aws:PrincipalOrgID", "aws:SourceOrgID"] {
            extras.push((k, Pattern::literal(o, Case::Sensitive)));
        }
    }
    let mut principal_labels = Vec::new();
    for st in &policy.statements {
        if let Some(pc) = &st.principal {
            for p in &pc.principals {
                if let Some(l) = principal_label(p.kind, &p.value) {
                    extras.push((PRINCIPAL, l.0.clone()));
                    principal_labels.push(l);
                }
            }
        }
    }
    let conds = condition_values(policy, trust_policy);
    let mut cond_patterns: Vec<Option<Pattern>> = Vec::new();
    for (lower, _, base, text) in &conds {
        let derived_principal =
            matches!(lower.as_str(), "aws:principalarn" | "aws:principalaccount");
        let p = value_pattern(*base, text, lower == "aws:principalaccount");
        if let Some(p) = &p {
            if derived_principal {
                extras.push((PRINCIPAL, p.clone()));
            } else {
                extras.push((lower.as_str(), p.clone()));
            }
        }
        cond_patterns.push(p);
    }
    let mut space = PARTITIONS.with_borrow_mut(|cache| {
        compile_space_with(&[policy], &extras, default_limits(), Some(cache))
    })?;
    let mut notes: Vec<String> = space
        .unknown
        .iter()
        .map(|u| format!("over-approximated: {u}"))
        .collect();
    let cp = space.compile_policy(policy)?;

    // The allowed external requests.
    let u = &mut space.universe;
    let mut ext = u.classes_all(space.principal)?;
    let svc = u.classes_like(
        space.principal,
        &Pattern::glob("service/*", Case::Sensitive),
    )?;
    ext = ext.difference(&svc);
    for a in &zone_accounts {
        let s = u.classes_like(
            space.principal,
            &account_pattern(Glob::literal(a), Case::Sensitive),
        )?;
        ext = ext.difference(&s);
    }
    let mut e = u.value_in(&ext)?;
    e = u.and(e, space.valid)?;
    let mut res = u.classes_none(space.resource)?;
    for p in resource_patterns {
        res = res.union(&u.classes_like(space.resource, p)?);
    }
    let rb = u.value_in(&res)?;
    e = u.and(e, rb)?;
    let mut acts = u.classes_none(space.action)?;
    for prefix in service_prefixes {
        let p = Pattern::glob(&format!("{prefix}:*"), Case::Insensitive);
        acts = acts.union(&u.classes_like(space.action, &p)?);
    }
    let ab = u.value_in(&acts)?;
    e = u.and(e, ab)?;
    // Pinning to the zone: a caller-identifying key whose value is inside the zone.
    let mut pins: Vec<(&str, Vec<String>)> = vec![
        ("aws:sourceaccount", zone_accounts.clone()),
        ("aws:sourceowner", zone_accounts.clone()),
        ("kms:calleraccount", zone_accounts.clone()),
    ];
    if let Some(o) = &org_id {
        pins.push(("aws:principalorgid", vec![o.clone()]));
        pins.push(("aws:sourceorgid", vec![o.clone()]));
    }
    for (k, vals) in pins {
        let Some(ck) = space.context.get(k).cloned() else {
            continue;
        };
        if ck.multi || ck.kind != KeyKind::String {
            continue;
        }
        let mut inside = space.universe.classes_none(ck.key)?;
        for v in vals {
            inside = inside.union(
                &space
                    .universe
                    .classes_like(ck.key, &Pattern::literal(&v, Case::Sensitive))?,
            );
        }
        let b = space.universe.value_in(&inside)?;
        let nb = space.universe.not(b)?;
        e = space.universe.and(e, nb)?;
    }
    let p_ext = space.universe.and(cp.allowed, e)?;
    if space.universe.any_assignment(p_ext)?.is_none() {
        return Ok(Vec::new());
    }
    // Valid class codes of the single-valued keys: inside `p_valid`, a BDD other than FALSE has a
    // request, so the explanation and action questions below need no assignment search.
    let mut p_valid = p_ext;
    let keys: Vec<KeyId> = space.universe.keys().collect();
    for k in keys {
        if space.universe.key_arity(k)? != perimeter_logic::Arity::Single {
            continue;
        }
        let all = space.universe.classes_all(k)?;
        let inside = space.universe.value_in(&all)?;
        let absent = space.universe.absent(k)?;
        let ok = space.universe.or(inside, absent)?;
        p_valid = space.universe.and(p_valid, ok)?;
    }

    // The catalog actions grouped by request class: a class is a cell of the Venn diagram of the
    // action patterns, so its class set is the intersection of those patterns or their complements.
    let mut action_sets: Vec<ClassSet> = Vec::new();
    {
        let mut pats: Vec<Pattern> = service_prefixes
            .iter()
            .map(|p| Pattern::glob(&format!("{p}:*"), Case::Insensitive))
            .collect();
        for st in &policy.statements {
            for t in &st.action.patterns {
                for g in [template_glob(t, false), template_glob(t, true)]
                    .into_iter()
                    .flatten()
                {
                    pats.push(Pattern::whole(g, Case::Insensitive));
                }
            }
        }
        for p in pats {
            if let Ok(set) = space.universe.classes_like(space.action, &p)
                && !action_sets.contains(&set)
            {
                action_sets.push(set);
            }
        }
    }
    let mut by_class: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for name in &action_names {
        if let Some(c) = space
            .universe
            .class_of(space.action, &perimeter_logic::Value::String(name.clone()))?
        {
            by_class.entry(c.0).or_default().push(name.clone());
        }
    }
    let mut action_groups: Vec<(ClassSet, Vec<String>)> = Vec::new();
    for (c, names) in by_class {
        let mut cell = space.universe.classes_all(space.action)?;
        for set in &action_sets {
            if set.contains(perimeter_logic::ClassId(c)) {
                cell = cell.intersection(set);
            } else {
                cell = cell.difference(set);
            }
        }
        action_groups.push((cell, names));
    }

    // Strata.
    let mut strata: Vec<Stratum> = Vec::new();
    {
        let mut labels = vec![Label {
            principal: Some(BTreeMap::from([("AWS".to_owned(), "*".to_owned())])),
            value: "*".to_owned(),
            bdd: Bdd::TRUE,
            set: None,
            fixed: false,
        }];
        for (pat, m, fixed) in &principal_labels {
            let s = space.universe.classes_like(space.principal, pat)?;
            let b = space.universe.value_in(&s)?;
            labels.push(Label {
                principal: Some(m.clone()),
                value: String::new(),
                bdd: b,
                set: Some(s),
                fixed: *fixed,
            });
        }
        strata.push(finish_stratum(&mut space, String::new(), labels)?);
    }
    let mut keys: Vec<(String, String)> = conds
        .iter()
        .map(|(l, n, _, _)| (l.clone(), n.clone()))
        .collect();
    keys.sort();
    keys.dedup_by(|a, b| a.0 == b.0);
    for (lower, name) in keys {
        let derived = matches!(lower.as_str(), "aws:principalarn" | "aws:principalaccount");
        let (key, kind) = if derived {
            (space.principal, KeyKind::String)
        } else {
            match space.context.get(&lower) {
                Some(ck) if !ck.multi => (ck.key, ck.kind),
                _ => continue,
            }
        };
        let mut labels = vec![Label {
            principal: None,
            value: "*".to_owned(),
            bdd: Bdd::TRUE,
            set: None,
            fixed: false,
        }];
        for ((l, _, base, text), pat) in conds.iter().zip(&cond_patterns) {
            if *l != lower {
                continue;
            }
            let set: Option<ClassSet> = match (kind, base.family()) {
                (KeyKind::Ip, OperatorFamily::Ip) => match Cidr::parse(text.trim()) {
                    Some(c) => Some(space.universe.classes_in_cidr(key, c)?),
                    None => None,
                },
                (KeyKind::String, _) => match pat {
                    Some(p) => Some(space.universe.classes_like(key, p)?),
                    None => None,
                },
                _ => None,
            };
            let Some(set) = set else { continue };
            let bdd = space.universe.value_in(&set)?;
            labels.push(Label {
                principal: None,
                value: text.clone(),
                bdd,
                set: Some(set),
                fixed: value_is_fixed(&lower, text, kind == KeyKind::Ip),
            });
        }
        if labels.len() > 1 {
            strata.push(finish_stratum(&mut space, name, labels)?);
        }
    }

    // The work-list.
    let n = strata.len();
    // Each entry: a cube, its parent's requests, and the label that refines the parent into it (a
    // child differs from its parent in one stratum, with a label inside the parent's).
    let mut queue: VecDeque<(Vec<usize>, Bdd, Bdd)> =
        VecDeque::from([(vec![0; n], p_ext, Bdd::TRUE)]);
    let mut seen: HashSet<Vec<usize>, CubeHash> = HashSet::default();
    let mut emitted: Vec<(Vec<usize>, Bdd, Option<perimeter_logic::Assignment>)> = Vec::new();
    let mut rounds = 0usize;
    while let Some((cube, parent, refine)) = queue.pop_front() {
        if !seen.insert(cube.clone()) {
            continue;
        }
        rounds += 1;
        let b = space.universe.and(parent, refine)?;
        if b.is_false() {
            continue;
        }
        let mut children_or = Bdd::FALSE;
        for (s, &l) in strata.iter().zip(&cube) {
            if let Some(co) = s.child_or.get(l)
                && !co.is_false()
            {
                children_or = space.universe.or(children_or, *co)?;
            }
        }
        if rounds > MAX_ROUNDS {
            if let Some(a) = space.universe.any_assignment(b)? {
                emitted.push((cube, b, Some(a)));
            }
            continue;
        }
        let rest = space.universe.diff(b, children_or)?;
        match space.universe.any_assignment(rest)? {
            None => {
                for (k, s) in strata.iter().enumerate() {
                    let Some(l) = cube.get(k) else { continue };
                    for c in s.children.get(*l).into_iter().flatten() {
                        let mut child = cube.clone();
                        if let Some(slot) = child.get_mut(k) {
                            *slot = *c;
                        }
                        if !seen.contains(&child)
                            && let Some(lab) = s.labels.get(*c)
                        {
                            queue.push_back((child, b, lab.bdd));
                        }
                    }
                }
            }
            Some(a) => emitted.push((cube, b, Some(a))),
        }
    }
    if rounds > MAX_ROUNDS {
        notes.push(format!(
            "the refinement stopped after {MAX_ROUNDS} cubes; coarser findings cover the rest"
        ));
    }
    // Simple subsumption.
    let within = |a: &[usize], b: &[usize]| {
        strata.iter().zip(a.iter().zip(b)).all(|(s, (x, y))| {
            s.within
                .get(*x)
                .and_then(|r| r.get(*y))
                .copied()
                .unwrap_or(false)
        })
    };
    let mut keep = Vec::new();
    for (i, (c, _, _)) in emitted.iter().enumerate() {
        let dominated = emitted
            .iter()
            .enumerate()
            .any(|(j, (d, _, _))| j != i && c != d && within(c, d));
        if !dominated {
            keep.push(i);
        }
    }

    let mut out = Vec::new();
    for i in keep {
        let Some((cube, b, assignment)) = emitted.get(i) else {
            continue;
        };
        let mut principal = BTreeMap::new();
        let mut condition = BTreeMap::new();
        let mut fixed = false;
        for (s, &l) in strata.iter().zip(cube) {
            let Some(lab) = s.labels.get(l) else { continue };
            fixed |= lab.fixed;
            if let Some(m) = &lab.principal {
                principal = m.clone();
            } else if l != 0 {
                condition.insert(s.key.clone(), lab.value.clone());
            }
        }
        let bv = space.universe.and(*b, p_valid)?;
        let mut action = BTreeSet::new();
        for (cell, names) in &action_groups {
            let ab = space.universe.value_in(cell)?;
            let x = space.universe.and(bv, ab)?;
            if !x.is_false() {
                action.extend(names.iter().cloned());
            }
        }
        // The explanation: the Allow statements that allow the finding's witness request.
        let mut statements = Vec::new();
        let mut witness = None;
        if let Some(a) = assignment {
            for (idx, eff, f) in &cp.statements {
                if *eff == Effect::Allow && space.universe.eval(*f, a) {
                    statements.push(*idx);
                }
            }
            let w = space.universe.witness(a);
            let mut rw = request_of(&space, &w);
            prettify_action(&space, &w, &mut rw);
            witness = Some(rw);
        }
        let mut n = notes.clone();
        if action.is_empty() {
            n.push("the allowed actions are not in the action catalog".to_owned());
        }
        out.push(PolicyFinding {
            principal,
            action: action.into_iter().collect(),
            condition,
            is_public: !fixed,
            statements,
            witness,
            notes: n,
        });
    }
    Ok(out)
}

/// A multiplicative hash for cubes (short vectors of small label indexes); SipHash dominated the
/// work-list otherwise. Not exposed to untrusted keys: the cubes are our own indexes.
#[derive(Clone, Copy, Default)]
struct CubeHash;

#[derive(Default)]
struct CubeHasher(u64);

impl std::hash::Hasher for CubeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::BuildHasher for CubeHash {
    type Hasher = CubeHasher;
    fn build_hasher(&self) -> CubeHasher {
        CubeHasher::default()
    }
}

/// Whether a statement can match a request from outside the zone (its principal is absent, `*`,
/// negated, or names something other than a service principal or a principal inside the zone).
fn may_match_external(st: &perimeter_iam::model::Statement, zone: &ZoneOfTrust) -> bool {
    let Some(pc) = &st.principal else {
        return true;
    };
    if pc.negated || pc.any {
        return true;
    }
    pc.principals.iter().any(|p| match p.kind {
        PrincipalKind::Service => false,
        PrincipalKind::Aws => {
            let account = if is_account_id(&p.value) {
                Some(p.value.as_str())
            } else {
                Arn::parse(&p.value).map(|a| a.account)
            };
            !account.is_some_and(|a| zone.contains_account(a))
        }
        PrincipalKind::Federated | PrincipalKind::CanonicalUser => true,
    })
}

fn finish_stratum(
    space: &mut Space,
    key: String,
    labels: Vec<Label>,
) -> Result<Stratum, ExternalError> {
    // Drop labels with the same language as an earlier one.
    let mut uniq: Vec<Label> = Vec::new();
    for l in labels {
        let dup = uniq.iter().any(|u| match (&u.set, &l.set) {
            (Some(a), Some(b)) => a == b,
            (None, None) => true,
            _ => false,
        });
        if !dup {
            uniq.push(l);
        }
    }
    let n = uniq.len();
    let mut within = vec![vec![false; n]; n];
    for (i, a) in uniq.iter().enumerate() {
        for (j, b) in uniq.iter().enumerate() {
            let w = match (&a.set, &b.set) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(x), Some(y)) => x.difference(y).is_empty(),
            };
            if let Some(slot) = within.get_mut(i).and_then(|r| r.get_mut(j)) {
                *slot = w;
            }
        }
    }
    let strictly = |i: usize, j: usize| {
        i != j
            && within
                .get(i)
                .and_then(|r| r.get(j))
                .copied()
                .unwrap_or(false)
            && !within
                .get(j)
                .and_then(|r| r.get(i))
                .copied()
                .unwrap_or(false)
    };
    let mut children = Vec::new();
    let mut child_or = Vec::new();
    for j in 0..n {
        let below: Vec<usize> = (0..n).filter(|&i| strictly(i, j)).collect();
        let maximal: Vec<usize> = below
            .iter()
            .copied()
            .filter(|&i| !below.iter().any(|&k| k != i && strictly(i, k)))
            .collect();
        let mut o = Bdd::FALSE;
        for &i in &maximal {
            if let Some(l) = uniq.get(i) {
                o = space.universe.or(o, l.bdd)?;
            }
        }
        children.push(maximal);
        child_or.push(o);
    }
    let _ = KeyId::index;
    Ok(Stratum {
        key,
        labels: uniq,
        within,
        child_or,
        children,
    })
}
