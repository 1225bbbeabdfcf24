//! Witnesses: a class assignment from `perimeter-logic` made into a concrete IAM request, and its
//! replay through the reference evaluator (`perimeter_iam::eval`).

use std::collections::BTreeMap;

use perimeter_iam::eval::{
    Caller, Context, ContextKeyType, Decision, PolicyDocument, PolicySet, PolicyType, Request,
    ResourcePolicyKind, eval_request,
};
use perimeter_iam::model::Policy;
use perimeter_iam::pattern::{Part, Template, split_arn};
use perimeter_logic::{KeyKind, Value, Witness, WitnessValue};
use serde::Serialize;

use crate::compile::{AtomMode, AtomTarget, Space};

/// A concrete request: who, what, on which resource, with which context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestWitness {
    /// `{"AWS": arn}`, `{"Service": name}`, `{"Federated": provider}`, `{"CanonicalUser": id}` or
    /// `{"AWS": "anonymous"}` for an unsigned request.
    pub principal: BTreeMap<String, String>,
    pub action: String,
    pub resource: String,
    /// Condition keys present in the request; a list for multi-valued keys.
    pub context: BTreeMap<String, serde_json::Value>,
    #[serde(skip)]
    pub caller: CallerKey,
    #[serde(skip)]
    pub entries: Vec<(String, ContextKeyType, Vec<String>)>,
}

/// The caller key's value (see `compile`), kept to rebuild the evaluator's caller.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CallerKey(pub String);

/// Interprets the caller key's string; `None` if it is not a well-formed caller.
pub fn caller_from_key(s: &str) -> Option<Caller> {
    if s == "anonymous" {
        return Some(Caller::Anonymous);
    }
    if let Some(n) = s.strip_prefix("service/") {
        return Some(Caller::Service(n.to_owned()));
    }
    if let Some(n) = s.strip_prefix("federated/") {
        return Some(Caller::Federated(n.to_owned()));
    }
    if let Some(n) = s.strip_prefix("canonical/") {
        return Some(Caller::CanonicalUser(n.to_owned()));
    }
    let [arn, _p, service, _r, account, resource] = split_arn(s)?;
    if arn != "arn" {
        return None;
    }
    let account = account.to_owned();
    match service {
        "iam" if resource == "root" => Some(Caller::Root { account }),
        "iam" if resource.starts_with("user/") => Some(Caller::User {
            arn: s.to_owned(),
            account,
        }),
        "iam" => {
            let name = resource.strip_prefix("role/")?;
            Some(Caller::AssumedRole {
                arn: format!("arn:aws:sts::{account}:assumed-role/{name}/perimeter-session"),
                account,
                role_name: name.to_owned(),
            })
        }
        "sts" if resource.starts_with("federated-user/") => Some(Caller::FederatedUser {
            arn: s.to_owned(),
            account,
        }),
        // A role caller with its session name (`request_of` writes it when a policy names sessions).
        "sts" => {
            let (role, session) = resource.strip_prefix("assumed-role/")?.split_once('/')?;
            // (An empty role name is kept, as for `role/` callers above; the evaluator compares names.)
            (!session.is_empty()).then(|| Caller::AssumedRole {
                arn: s.to_owned(),
                account,
                role_name: role.to_owned(),
            })
        }
        _ => None,
    }
}

fn principal_map(s: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let (k, v) = if s == "anonymous" {
        ("AWS", "anonymous")
    } else if let Some(n) = s.strip_prefix("service/") {
        ("Service", n)
    } else if let Some(n) = s.strip_prefix("federated/") {
        ("Federated", n)
    } else if let Some(n) = s.strip_prefix("canonical/") {
        ("CanonicalUser", n)
    } else {
        ("AWS", s)
    };
    m.insert(k.to_owned(), v.to_owned());
    m
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn key_type(kind: KeyKind, multi: bool) -> ContextKeyType {
    match (kind, multi) {
        (KeyKind::String, false) => ContextKeyType::String,
        (KeyKind::String, true) => ContextKeyType::StringList,
        (KeyKind::Number, false) => ContextKeyType::Numeric,
        (KeyKind::Number, true) => ContextKeyType::NumericList,
        (KeyKind::Date, false) => ContextKeyType::Date,
        (KeyKind::Date, true) => ContextKeyType::DateList,
        (KeyKind::Ip, false) => ContextKeyType::Ip,
        (KeyKind::Ip, true) => ContextKeyType::IpList,
        (KeyKind::Bool, false) => ContextKeyType::Boolean,
        (KeyKind::Bool, true) => ContextKeyType::BooleanList,
        (_, false) => ContextKeyType::String,
        (_, true) => ContextKeyType::StringList,
    }
}

/// Finds values for the variables of `t` so that `text` matches it (variables read as captures).
/// Only templates with one variable are solved; others return `None`.
fn solve_template(t: &Template, text: &str, ignore_case: bool) -> Option<(String, String)> {
    let vars: Vec<&str> = t.variables().collect();
    let [var] = vars.as_slice() else {
        return None;
    };
    let chars: Vec<char> = text.chars().collect();
    // Try every substring as the variable's value, shortest first from the left.
    for start in 0..=chars.len() {
        for end in start..=chars.len() {
            let value: String = chars.get(start..end)?.iter().collect();
            let sub = t.substitute(&|k| (k == *var).then(|| value.clone()))?;
            if sub.matches(text, ignore_case) {
                return Some(((*var).to_owned(), value));
            }
        }
    }
    None
}

fn literal_template(t: &Template) -> Template {
    Template {
        parts: t
            .parts
            .iter()
            .map(|p| match p {
                Part::Star => Part::Lit("*".to_owned()),
                Part::Question => Part::Lit("?".to_owned()),
                other => other.clone(),
            })
            .collect(),
    }
}

/// Replaces a caller's account by a realistic 12-digit id, and an empty user, role or federated
/// user name by a readable one, when the class stays the same (same class: the same answer for every
/// formula of the space).
fn prettify_caller(space: &Space, w: &Witness, caller: String) -> String {
    let Some(perimeter_logic::KeyValue::Class(class)) =
        w.assignment.values.get(space.principal.index())
    else {
        return caller;
    };
    let same_class = |text: &str| {
        space
            .universe
            .same_class(space.principal, *class, &Value::String(text.to_owned()))
            .unwrap_or(false)
    };
    let Some([arn, p, service, region, account, resource]) = split_arn(&caller) else {
        return caller;
    };
    let mut caller = caller.clone();
    if !perimeter_iam::arn::is_account_id(account)
        && let Some(text) = [
            "111122223333",
            "444455556666",
            "777788889999",
            "123456789012",
        ]
        .iter()
        .map(|c| format!("{arn}:{p}:{service}:{region}:{c}:{resource}"))
        .find(|t| same_class(t))
    {
        caller = text;
    }
    for kind in ["user/", "role/", "federated-user/"] {
        if caller.ends_with(&format!(":{kind}"))
            && let Some(text) = ["perimeter", "perimeter-2", "perimeter-3"]
                .iter()
                .map(|n| format!("{caller}{n}"))
                .find(|t| same_class(t))
        {
            caller = text;
        }
    }
    caller
}

/// How many catalog actions outside the witness's own service are tried (the scan is only a
/// prettifier: a miss keeps the class's own witness string).
const ACTION_SCAN_LIMIT: usize = 2_000;

/// Shows a catalog action of the witness's action class when the class's own witness string is
/// not an action (`s3:` or the empty string). Meant for the one witness a report shows: it scans
/// the catalog, while any string of the class replays the same.
pub fn prettify_action(space: &Space, w: &Witness, rw: &mut RequestWitness) {
    if perimeter_iam::catalog::Catalog::get()
        .action_by_full_name(&rw.action)
        .is_none()
        && let Some(a) = catalog_action_in_class(space, w, &rw.action)
    {
        rw.action = a;
    }
}

/// A catalog action in the same action class as the witness (`ec2:AcceptAddressTransfer` rather
/// than the shortest string of the class, which may be empty or `s3:`), trying the witness's own
/// service first. Same class means the same answer for every formula of the space.
fn catalog_action_in_class(space: &Space, w: &Witness, witness: &str) -> Option<String> {
    let Some(perimeter_logic::KeyValue::Class(class)) =
        w.assignment.values.get(space.action.index())
    else {
        return None;
    };
    let catalog = perimeter_iam::catalog::Catalog::get();
    let own = witness.split_once(':').map(|(p, _)| p.to_ascii_lowercase());
    let test = space.universe.class_test(space.action, *class).ok()?;
    if test.within_literal() {
        return None;
    }
    let mut name = String::new();
    let mut in_class = |prefix: &str, action: &str| -> Option<String> {
        name.clear();
        name.push_str(prefix);
        name.push(':');
        name.push_str(action);
        test.contains_str(&name).then(|| name.clone())
    };
    if let Some(service) = own.as_deref().and_then(|p| catalog.service(p)) {
        let hit = service
            .actions()
            .iter()
            .find_map(|a| in_class(service.prefix(), a.name()));
        if hit.is_some() {
            return hit;
        }
    }
    catalog
        .services()
        .filter(|s| Some(s.prefix()) != own.as_deref())
        .flat_map(|s| s.actions().iter().map(move |a| (s.prefix(), a.name())))
        .take(ACTION_SCAN_LIMIT)
        .find_map(|(p, n)| in_class(p, n))
}

/// Builds the concrete request of a witness. Derived keys (`aws:PrincipalArn`,
/// `aws:PrincipalAccount`) are filled from the caller; variables of true atoms are solved.
pub fn request_of(space: &Space, w: &Witness) -> RequestWitness {
    let mut caller = String::new();
    let mut session: Option<String> = None;
    let mut action = String::new();
    let mut resource = String::new();
    let mut entries: Vec<(String, ContextKeyType, Vec<String>)> = Vec::new();
    let mut atoms_true = Vec::new();
    for e in &w.entries {
        let one = match &e.value {
            WitnessValue::One(v) => Some(value_text(v)),
            _ => None,
        };
        if e.key == space.principal {
            caller = prettify_caller(space, w, one.unwrap_or_default());
        } else if e.key == space.action {
            action = one.unwrap_or_default();
        } else if e.key == space.resource {
            resource = one.unwrap_or_default();
        } else if Some(e.key) == space.session {
            session = one;
        } else if let Some(a) = space.atoms.iter().find(|a| a.key == e.key) {
            if one.is_some() {
                atoms_true.push(a.clone());
            }
        } else if let Some(ck) = space.context.values().find(|c| c.key == e.key) {
            let ty = key_type(ck.kind, ck.multi);
            match &e.value {
                WitnessValue::Absent => {}
                WitnessValue::One(v) => entries.push((ck.name.clone(), ty, vec![value_text(v)])),
                WitnessValue::Set(vs) => {
                    entries.push((ck.name.clone(), ty, vs.iter().map(value_text).collect()));
                }
            }
        }
    }
    // Solve variables of the atoms that must hold.
    for a in atoms_true {
        let text = match &a.target {
            AtomTarget::Action => Some(action.clone()),
            AtomTarget::Resource => Some(resource.clone()),
            AtomTarget::Context(k) => entries
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(k))
                .and_then(|(_, _, v)| v.first().cloned()),
        };
        let Some(text) = text else { continue };
        let t = match a.mode {
            AtomMode::Literal | AtomMode::LiteralIgnoreCase => literal_template(&a.template),
            _ => a.template.clone(),
        };
        let ic = matches!(
            a.mode,
            AtomMode::LiteralIgnoreCase | AtomMode::GlobIgnoreCase
        );
        if let Some((var, value)) = solve_template(&t, &text, ic)
            && !entries.iter().any(|(n, _, _)| n.eq_ignore_ascii_case(&var))
        {
            entries.push((var, ContextKeyType::String, vec![value]));
        }
    }
    // With sessions in the space, a role caller is one session of the role: the named session of
    // its class, or a name the policies do not name ("any other session", or no value at all).
    if space.session.is_some()
        && let Some([arn, p, "iam", region, account, resource]) = split_arn(&caller)
        && let Some(role) = resource.strip_prefix("role/")
    {
        let name = match session {
            Some(n) if space.session_names.contains(&n) => n,
            _ => (1..)
                .map(|i| match i {
                    1 => "perimeter-session".to_owned(),
                    i => format!("perimeter-session-{i}"),
                })
                .find(|n| !space.session_names.contains(n))
                .unwrap_or_default(),
        };
        caller = format!("{arn}:{p}:sts:{region}:{account}:assumed-role/{role}/{name}");
    }
    if let Some(c) = caller_from_key(&caller) {
        if let Some(arn) = c.principal_arn() {
            entries.retain(|(n, _, _)| !n.eq_ignore_ascii_case("aws:PrincipalArn"));
            entries.push((
                "aws:PrincipalArn".to_owned(),
                ContextKeyType::String,
                vec![arn],
            ));
        }
        if let Some(acct) = c.account() {
            entries.retain(|(n, _, _)| !n.eq_ignore_ascii_case("aws:PrincipalAccount"));
            entries.push((
                "aws:PrincipalAccount".to_owned(),
                ContextKeyType::String,
                vec![acct.to_owned()],
            ));
        }
    }
    let mut context = BTreeMap::new();
    for (n, ty, vs) in &entries {
        let v = if ty.is_list() {
            serde_json::Value::Array(vs.iter().cloned().map(serde_json::Value::String).collect())
        } else {
            serde_json::Value::String(vs.first().cloned().unwrap_or_default())
        };
        context.insert(n.clone(), v);
    }
    // Action names compare case-insensitively, so the witness may show the catalog's spelling
    // (`s3:PutObject` rather than the folded class witness `s3:putobject`).
    let action = perimeter_iam::catalog::Catalog::get()
        .action_by_full_name(&action)
        .map_or(action, |a| a.full_name());
    RequestWitness {
        principal: principal_map(&caller),
        action,
        resource,
        context,
        caller: CallerKey(caller),
        entries,
    }
}

/// How a policy takes part in a replayed decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Identity,
    Resource(ResourcePolicyKind),
}

/// The decision of one policy alone for the witness request: does the policy allow it (an Allow
/// statement matches and no Deny statement does)? `None` if the request cannot be built.
pub fn replay(policy: &Policy, side: Side, w: &RequestWitness) -> Option<bool> {
    Replayer::new(policy, side).allows(w)
}

/// The reference evaluator for one policy on one side, with the policy compiled once (on the first
/// replay) for all the witnesses replayed through it ([`replay`] is one witness).
pub struct Replayer<'a> {
    policy: &'a Policy,
    side: Side,
    set: std::cell::OnceCell<PolicySet>,
}

impl<'a> Replayer<'a> {
    /// A replayer; nothing is compiled until the first witness.
    pub fn new(policy: &'a Policy, side: Side) -> Replayer<'a> {
        Replayer {
            policy,
            side,
            set: std::cell::OnceCell::new(),
        }
    }

    /// Does the policy alone allow the witness request? `None` if the request cannot be built.
    pub fn allows(&self, w: &RequestWitness) -> Option<bool> {
        let caller = caller_from_key(&w.caller.0)?;
        let mut ctx = Context::new();
        for (n, ty, vs) in &w.entries {
            ctx.insert(n, *ty, vs.clone());
        }
        let req = Request::new(caller, &w.action, &w.resource, ctx);
        let set = self.set.get_or_init(|| {
            let doc = PolicyDocument::new("policy", self.policy.clone());
            match self.side {
                Side::Identity => PolicySet {
                    identity: vec![doc],
                    ..PolicySet::default()
                },
                Side::Resource(kind) => PolicySet {
                    resource: Some(doc),
                    resource_kind: kind,
                    ..PolicySet::default()
                },
            }
        });
        let ty = match self.side {
            Side::Identity => PolicyType::Identity,
            Side::Resource(_) => PolicyType::Resource,
        };
        let ev = eval_request(set, &req);
        Some(ev.details.get(ty)? == Decision::Allowed)
    }
}
