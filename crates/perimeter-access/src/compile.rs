//! IAM policies compiled onto `perimeter-logic`: a policy becomes a formula over request keys.
//!
//! A request has four kinds of keys, all `perimeter-logic` keys:
//!
//! - `perimeter:Action`: the action string; `Action` globs match case-insensitively.
//! - `perimeter:Resource`: the resource ARN; `Resource` globs match case-sensitively.
//! - `perimeter:Principal`: the caller, as one string whose shape says what it is
//!   ([`caller_from_key`]): an IAM ARN (`arn:aws:iam::ID:root`, `…:user/NAME`, `…:role/NAME` for a
//!   session of that role, `arn:aws:sts::ID:federated-user/NAME`), `service/NAME`, `federated/NAME`,
//!   `canonical/ID` or `anonymous`. For an IAM caller this string *is* `aws:PrincipalArn`, and its
//!   fifth ARN component is `aws:PrincipalAccount`: conditions on those two keys compile onto this key,
//!   which ties them to `Principal` exactly.
//! - `perimeter:RoleSessionName`: the session name of a role caller, declared when a policy names a
//!   role session (`arn:aws:sts::ID:assumed-role/ROLE/SESSION` names the caller `…:role/ROLE` with
//!   that session name). Only `Principal` and `NotPrincipal` read it.
//! - every condition key (names compare case-insensitively), typed by the operators that use it:
//!   strings (string, ARN, `Bool` and binary operators), numbers, dates, IP addresses. A key used with
//!   `ForAllValues`/`ForAnyValue` anywhere is multi-valued.
//!
//! Policy variables tie two keys together. Each distinct (key, template) pair becomes a free boolean
//! key `perimeter:var:N` ("the value matches the substituted template"), constrained by
//! `var ⇒ value matches the template with every variable read as *`. This over-approximates the
//! requests, so a `Holds` answer is exact; a violation whose witness does not replay through the
//! reference evaluator is reported as unknown.
//!
//! Anything else the engine cannot model exactly is recorded as a reason in [`Space::unknown`]; the
//! checks then answer FAIL with that reason, never PASS.

use std::collections::HashMap;

use perimeter_iam::arn::{Arn, is_account_id};
use perimeter_iam::model::{
    Clause, Condition, Effect, OperatorBase, OperatorFamily, Policy, PrincipalClause,
    PrincipalKind, SetQualifier, Statement,
};
use perimeter_iam::pattern::{Part, Template};
use perimeter_logic::{
    Arity, Bdd, Case, Cidr, ClassSet, CmpOp, Date, Decimal, Glob, GlobToken, KeyId, KeyKind,
    Limits, LogicError, PartitionCache, Pattern, Universe, Vocabulary,
};

/// The action key.
pub const ACTION: &str = "perimeter:Action";
/// The resource key.
pub const RESOURCE: &str = "perimeter:Resource";
/// The caller key.
pub const PRINCIPAL: &str = "perimeter:Principal";
/// The session name of a role caller; declared only when a policy names a role session
/// (`arn:aws:sts::ID:assumed-role/ROLE/SESSION`).
pub const SESSION: &str = "perimeter:RoleSessionName";

/// Any account component: the evaluator compares account ids as text.
const ACCOUNT_SHAPE: &str = "*";

/// Why compilation could not build an exact (or soundly over-approximated) formula.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("{0}")]
    Logic(#[from] LogicError),
}

/// How a key's values are typed, from the operators that use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    String,
    Number,
    Date,
    Ip,
}

impl Ty {
    fn kind(self) -> KeyKind {
        match self {
            Ty::String => KeyKind::String,
            Ty::Number => KeyKind::Number,
            Ty::Date => KeyKind::Date,
            Ty::Ip => KeyKind::Ip,
        }
    }
}

/// A condition key as the request sees it.
#[derive(Clone, Debug)]
pub struct ContextKey {
    /// The name as first written.
    pub name: String,
    pub key: KeyId,
    pub kind: KeyKind,
    pub multi: bool,
}

/// A policy variable atom: "the value of `target` matches `template` after substitution".
#[derive(Clone, Debug)]
pub struct VarAtom {
    pub key: KeyId,
    /// What the template is matched against.
    pub target: AtomTarget,
    pub template: Template,
    /// The comparison: case-insensitive, ARN-wise, or plain glob/literal.
    pub mode: AtomMode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtomTarget {
    Action,
    Resource,
    /// A condition key (lowercase name).
    Context(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomMode {
    Literal,
    LiteralIgnoreCase,
    Glob,
    GlobIgnoreCase,
    Arn,
}

/// The request keys of one question and the compiled policies over them.
pub struct Space {
    pub universe: Universe,
    pub action: KeyId,
    pub resource: KeyId,
    pub principal: KeyId,
    /// Condition keys by lowercase name.
    pub context: HashMap<String, ContextKey>,
    pub atoms: Vec<VarAtom>,
    /// Requests that can exist: well-formed callers, variable atoms consistent with their templates.
    pub valid: Bdd,
    /// Reasons the answer cannot be exact; non-empty means the checks must not PASS.
    pub unknown: Vec<String>,
    /// The session-name key, when some policy names a role session.
    pub session: Option<KeyId>,
    /// The session names the policies name (a witness picks another one for "any other session").
    pub session_names: Vec<String>,
    shapes: Shapes,
    /// The classes of IAM callers, computed once (every statement with a principal or a derived
    /// key asks for them).
    iam: Option<ClassSet>,
}

#[derive(Clone, Debug, Default)]
struct Shapes {
    root: Option<Pattern>,
    user: Option<Pattern>,
    role: Option<Pattern>,
    fed_user: Option<Pattern>,
    service: Option<Pattern>,
    federated: Option<Pattern>,
    canonical: Option<Pattern>,
    anonymous: Option<Pattern>,
}

fn seg(parts: [&str; 6]) -> Pattern {
    Pattern::segmented(
        ':',
        parts.iter().map(|p| Glob::parse(p)).collect(),
        Case::Sensitive,
    )
}

fn shapes() -> Shapes {
    Shapes {
        root: Some(seg(["arn", "aws", "iam", "", ACCOUNT_SHAPE, "root"])),
        user: Some(seg(["arn", "aws", "iam", "", ACCOUNT_SHAPE, "user/*"])),
        role: Some(seg(["arn", "aws", "iam", "", ACCOUNT_SHAPE, "role/*"])),
        fed_user: Some(seg([
            "arn",
            "aws",
            "sts",
            "",
            ACCOUNT_SHAPE,
            "federated-user/*",
        ])),
        service: Some(Pattern::glob("service/*", Case::Sensitive)),
        federated: Some(Pattern::glob("federated/*", Case::Sensitive)),
        canonical: Some(Pattern::glob("canonical/*", Case::Sensitive)),
        anonymous: Some(Pattern::literal("anonymous", Case::Sensitive)),
    }
}

impl Shapes {
    fn all(&self) -> impl Iterator<Item = &Pattern> {
        [
            &self.root,
            &self.user,
            &self.role,
            &self.fed_user,
            &self.service,
            &self.federated,
            &self.canonical,
            &self.anonymous,
        ]
        .into_iter()
        .flatten()
    }
}

/// The number of glob tokens a template gives at most (for allocating them at once).
fn template_len(t: &Template) -> usize {
    t.parts
        .iter()
        .map(|p| match p {
            Part::Lit(l) => l.len(),
            _ => 1,
        })
        .sum()
}

/// A glob from a template; variables are read as `*` (`None` if `vars_as_star` is false and the
/// template has variables). Literal `*`/`?` escapes stay literal characters.
pub fn template_glob(t: &Template, vars_as_star: bool) -> Option<Glob> {
    let mut toks = Vec::with_capacity(template_len(t));
    for p in &t.parts {
        match p {
            Part::Lit(l) => toks.extend(l.chars().map(GlobToken::Char)),
            Part::Star => toks.push(GlobToken::AnyString),
            Part::Question => toks.push(GlobToken::AnyChar),
            Part::Var { .. } if vars_as_star => toks.push(GlobToken::AnyString),
            Part::Var { .. } => return None,
        }
    }
    Some(Glob::from_tokens(toks))
}

/// A `Resource` pattern as a glob. IAM lets a `*` cross `:` only when it ends an ARN segment
/// (it is followed by `:` or ends the pattern); any other `*` matches a run without `:`
/// (reference_policies_elements_resource.html: "If the `*` wildcard is the last character of a
/// resource ARN segment, it can expand to match beyond the colon boundaries"), as the reference
/// evaluator's `Glob::resource` does. A variable read as `*` may cross `:` (its value is free).
pub fn resource_glob(t: &Template, vars_as_star: bool) -> Option<Glob> {
    let mut toks = Vec::with_capacity(template_len(t));
    let mut parts = t.parts.iter().peekable();
    while let Some(p) = parts.next() {
        match p {
            Part::Lit(l) => toks.extend(l.chars().map(GlobToken::Char)),
            Part::Star => {
                let ends_segment = match parts.peek() {
                    None | Some(Part::Star) => true,
                    Some(Part::Lit(l)) => l.starts_with(':'),
                    Some(_) => false,
                };
                toks.push(if ends_segment {
                    GlobToken::AnyString
                } else {
                    GlobToken::AnyStringExcept(':')
                });
            }
            Part::Question => toks.push(GlobToken::AnyChar),
            Part::Var { .. } if vars_as_star => toks.push(GlobToken::AnyString),
            Part::Var { .. } => return None,
        }
    }
    Some(Glob::from_tokens(toks))
}

/// Splits a glob's tokens into six ARN components at the first five literal colons.
fn arn_segments(g: &Glob) -> Option<Vec<Glob>> {
    let mut out: Vec<Vec<GlobToken>> = vec![Vec::new()];
    for t in g.tokens() {
        if *t == GlobToken::Char(':') && out.len() < 6 {
            out.push(Vec::new());
        } else if let Some(cur) = out.last_mut() {
            cur.push(*t);
        }
    }
    (out.len() == 6).then(|| out.into_iter().map(Glob::from_tokens).collect())
}

fn is_star_only(g: &Glob) -> bool {
    g.tokens() == [GlobToken::AnyString]
}

/// The language a condition value denotes for a string-typed operator, or `None` if it can match
/// nothing (an ARN pattern with fewer than six components).
fn string_pattern(base: OperatorBase, g: Glob) -> Option<Pattern> {
    use OperatorBase::*;
    match base {
        StringEquals | StringNotEquals | BinaryEquals => {
            Some(Pattern::whole(literal_of(&g), Case::Sensitive))
        }
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            Some(Pattern::whole(literal_of(&g), Case::Insensitive))
        }
        StringLike | StringNotLike => Some(Pattern::whole(g, Case::Sensitive)),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            if is_star_only(&g) {
                Some(Pattern::glob("*", Case::Sensitive))
            } else {
                arn_segments(&g).map(|s| Pattern::segmented(':', s, Case::Sensitive))
            }
        }
        Bool => Some(Pattern::whole(literal_of(&g), Case::Insensitive)),
        _ => None,
    }
}

/// Reads wildcard tokens as the literal characters they were written as.
fn literal_of(g: &Glob) -> Glob {
    Glob::from_tokens(g.tokens().iter().map(|t| match t {
        GlobToken::AnyChar => GlobToken::Char('?'),
        GlobToken::AnyString => GlobToken::Char('*'),
        c => *c,
    }))
}

fn atom_mode(base: OperatorBase) -> AtomMode {
    use OperatorBase::*;
    match base {
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => AtomMode::LiteralIgnoreCase,
        StringLike | StringNotLike => AtomMode::Glob,
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => AtomMode::Arn,
        _ => AtomMode::Literal,
    }
}

fn ty_of(f: OperatorFamily) -> Option<Ty> {
    match f {
        OperatorFamily::String
        | OperatorFamily::Arn
        | OperatorFamily::Bool
        | OperatorFamily::Binary => Some(Ty::String),
        OperatorFamily::Numeric => Some(Ty::Number),
        OperatorFamily::Date => Some(Ty::Date),
        OperatorFamily::Ip => Some(Ty::Ip),
        OperatorFamily::Null => None,
    }
}

fn cmp_of(base: OperatorBase) -> CmpOp {
    use OperatorBase::*;
    match base {
        NumericLessThan | DateLessThan => CmpOp::Lt,
        NumericLessThanEquals | DateLessThanEquals => CmpOp::Le,
        NumericGreaterThan | DateGreaterThan => CmpOp::Gt,
        NumericGreaterThanEquals | DateGreaterThanEquals => CmpOp::Ge,
        _ => CmpOp::Eq,
    }
}

/// Keys whose value derives from the caller.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Derived {
    PrincipalArn,
    PrincipalAccount,
}

fn derived(key: &str) -> Option<Derived> {
    match key.to_ascii_lowercase().as_str() {
        "aws:principalarn" => Some(Derived::PrincipalArn),
        "aws:principalaccount" => Some(Derived::PrincipalAccount),
        _ => None,
    }
}

/// What a principal value names, as a language over the caller key.
enum Named {
    Everything,
    Account(String),
    Literal(Pattern),
    /// One session of a role: the role's caller string and the session name.
    Session(Pattern, String),
    Nothing,
}

fn named(kind: PrincipalKind, value: &str) -> Named {
    match kind {
        PrincipalKind::Aws => {
            if value == "*" {
                return Named::Everything;
            }
            if is_account_id(value) {
                return Named::Account(value.to_owned());
            }
            let Some(arn) = Arn::parse(value) else {
                return Named::Nothing;
            };
            let acct = arn.account;
            match arn.service {
                "iam" if arn.resource == "root" => Named::Account(acct.to_owned()),
                "iam" if arn.resource.starts_with("user/") => {
                    Named::Literal(Pattern::literal(value, Case::Sensitive))
                }
                "iam" => match arn.resource.strip_prefix("role/") {
                    Some(rest) => {
                        let name = rest.rsplit('/').next().unwrap_or(rest);
                        Named::Literal(Pattern::literal(
                            &format!("arn:aws:iam::{acct}:role/{name}"),
                            Case::Sensitive,
                        ))
                    }
                    None => Named::Nothing,
                },
                "sts" if arn.resource.starts_with("federated-user/") => {
                    Named::Literal(Pattern::literal(value, Case::Sensitive))
                }
                "sts" => match arn.resource.strip_prefix("assumed-role/") {
                    // The evaluator's reading (`Caller::from_arn`): role name, then the rest.
                    Some(rest) => match rest.split_once('/') {
                        Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                            Named::Session(
                                Pattern::literal(
                                    &format!("arn:aws:iam::{acct}:role/{role}"),
                                    Case::Sensitive,
                                ),
                                session.to_owned(),
                            )
                        }
                        _ => Named::Nothing,
                    },
                    None => Named::Nothing,
                },
                _ => Named::Nothing,
            }
        }
        PrincipalKind::Service => Named::Literal(Pattern::literal(
            &format!("service/{value}"),
            Case::Insensitive,
        )),
        PrincipalKind::Federated => Named::Literal(Pattern::literal(
            &format!("federated/{value}"),
            Case::Sensitive,
        )),
        PrincipalKind::CanonicalUser => Named::Literal(Pattern::literal(
            &format!("canonical/{value}"),
            Case::Sensitive,
        )),
    }
}

fn account_pattern(account_glob: Glob, case: Case) -> Pattern {
    Pattern::segmented(
        ':',
        vec![
            Glob::parse("*"),
            Glob::parse("*"),
            Glob::parse("*"),
            Glob::parse("*"),
            account_glob,
            Glob::parse("*"),
        ],
        case,
    )
}

/// The first pass: every literal of every policy, registered before the universe is built.
struct Collector {
    vocab: Vocabulary,
    action: KeyId,
    resource: KeyId,
    principal: KeyId,
    tys: HashMap<String, (String, Option<Ty>, bool)>,
    unknown: Vec<String>,
    atoms: Vec<(AtomTarget, String, AtomMode)>,
    session: Option<KeyId>,
    session_names: Vec<String>,
}

/// Builds the request space for the given policies (any number; `extra_resources` and
/// `extra_actions` add literals that questions mention besides the policies).
pub fn compile_space(
    policies: &[&Policy],
    extra_patterns: &[(&str, Pattern)],
    limits: Limits,
) -> Result<Space, CompileError> {
    compile_space_mode(policies, extra_patterns, limits, false)
}

/// [`compile_space`] with lazy action and resource keys (see
/// [`perimeter_logic::Vocabulary::set_lazy`]): their Venn cells are found as questions need
/// them instead of up front. Same answers; the classes of these two keys are not enumerated, so
/// a lazy space cannot count ([`crate::count`] uses [`compile_space`]). The checks use it.
pub fn compile_space_lazy(
    policies: &[&Policy],
    extra_patterns: &[(&str, Pattern)],
    limits: Limits,
) -> Result<Space, CompileError> {
    compile_space_mode(policies, extra_patterns, limits, true)
}

fn compile_space_mode(
    policies: &[&Policy],
    extra_patterns: &[(&str, Pattern)],
    limits: Limits,
    lazy: bool,
) -> Result<Space, CompileError> {
    CALLER_SHAPES.with_borrow_mut(|slot| {
        let fresh = !matches!(slot, Some((l, _)) if *l == limits);
        if fresh {
            *slot = caller_shapes_partition(limits).map(|c| (limits, c));
        }
        let cache = slot.as_mut().map(|(_, c)| c);
        build_space(policies, extra_patterns, limits, cache, lazy)
    })
}

thread_local! {
    /// The partition of the caller key by the caller shapes alone (the principal key of every
    /// question whose policies name no principal), computed once per thread and bounds: it is a
    /// constant of the compiler, like the shapes. A frozen cache: nothing else is kept.
    static CALLER_SHAPES: std::cell::RefCell<Option<(Limits, PartitionCache)>> =
        const { std::cell::RefCell::new(None) };
}

fn caller_shapes_partition(limits: Limits) -> Option<PartitionCache> {
    let mut vocab = Vocabulary::with_limits(limits);
    let key = vocab
        .add_key(PRINCIPAL, KeyKind::String, Arity::Single)
        .ok()?;
    for p in shapes().all() {
        vocab.add_pattern(key, p.clone()).ok()?;
    }
    let mut cache = PartitionCache::new(1);
    vocab.finish_with(&mut cache).ok()?;
    Some(cache.frozen())
}

/// [`compile_space`], reusing the string partitions of `cache` (see
/// [`perimeter_logic::PartitionCache`]): for callers that compile many spaces over recurring
/// literals, such as the external-access engine.
pub fn compile_space_with(
    policies: &[&Policy],
    extra_patterns: &[(&str, Pattern)],
    limits: Limits,
    cache: Option<&mut PartitionCache>,
) -> Result<Space, CompileError> {
    build_space(policies, extra_patterns, limits, cache, false)
}

fn build_space(
    policies: &[&Policy],
    extra_patterns: &[(&str, Pattern)],
    limits: Limits,
    cache: Option<&mut PartitionCache>,
    lazy: bool,
) -> Result<Space, CompileError> {
    let mut vocab = Vocabulary::with_limits(limits);
    let action = vocab.add_key(ACTION, KeyKind::String, Arity::Single)?;
    let resource = vocab.add_key(RESOURCE, KeyKind::String, Arity::Single)?;
    if lazy {
        vocab.set_lazy(action)?;
        vocab.set_lazy(resource)?;
    }
    let principal = vocab.add_key(PRINCIPAL, KeyKind::String, Arity::Single)?;
    let mut c = Collector {
        vocab,
        action,
        resource,
        principal,
        tys: HashMap::new(),
        unknown: Vec::new(),
        atoms: Vec::new(),
        session: None,
        session_names: Vec::new(),
    };
    let sh = shapes();
    for p in sh.all() {
        c.vocab.add_pattern(principal, p.clone())?;
    }
    // Pass 0: key types.
    for p in policies {
        for st in &p.statements {
            for cond in &st.conditions {
                c.note_key(cond);
            }
        }
    }
    for (name, (_, _, multi)) in c.tys.clone() {
        if derived(&name).is_some() && multi {
            c.unknown.push(format!(
                "the key `{name}` is single-valued but is used with a set operator"
            ));
        }
    }
    let mut ctx = HashMap::new();
    let mut tys: Vec<_> = c.tys.clone().into_iter().collect();
    tys.sort_by(|a, b| a.0.cmp(&b.0));
    for (lower, (name, ty, multi)) in tys {
        if derived(&lower).is_some() {
            continue;
        }
        let ty = ty.unwrap_or(Ty::String);
        let arity = if multi { Arity::Multi } else { Arity::Single };
        let key = c.vocab.add_key(&name, ty.kind(), arity)?;
        ctx.insert(
            lower,
            ContextKey {
                name,
                key,
                kind: ty.kind(),
                multi,
            },
        );
    }
    // Pass 1: literals.
    for p in policies {
        for st in &p.statements {
            c.register_statement(st, &ctx)?;
        }
    }
    for (name, pat) in extra_patterns {
        let key = match *name {
            ACTION => action,
            RESOURCE => resource,
            PRINCIPAL => principal,
            other => match ctx.get(&other.to_ascii_lowercase()) {
                Some(k) => k.key,
                None => continue,
            },
        };
        c.vocab.add_pattern(key, pat.clone())?;
    }
    // Atom keys.
    let mut atom_keys = Vec::new();
    for (i, _) in c.atoms.iter().enumerate() {
        let k = c.vocab.add_key(
            &format!("perimeter:var:{i}"),
            KeyKind::String,
            Arity::Single,
        )?;
        c.vocab
            .add_pattern(k, Pattern::literal("true", Case::Sensitive))?;
        atom_keys.push(k);
    }
    let universe = match cache {
        Some(cache) => c.vocab.finish_with(cache)?,
        None => c.vocab.finish()?,
    };
    let mut space = Space {
        universe,
        action,
        resource,
        principal,
        context: ctx,
        atoms: Vec::new(),
        valid: Bdd::TRUE,
        unknown: c.unknown,
        session: c.session,
        session_names: c.session_names,
        shapes: sh,
        iam: None,
    };
    for ((target, text, mode), key) in c.atoms.into_iter().zip(atom_keys) {
        let (template, _) = Template::parse(&text, true, true);
        space.atoms.push(VarAtom {
            key,
            target,
            template,
            mode,
        });
    }
    space.valid = space.compile_valid()?;
    Ok(space)
}

impl Collector {
    fn note_key(&mut self, cond: &Condition) {
        let lower = cond.key.to_ascii_lowercase();
        let ty = ty_of(cond.operator.base.family());
        let multi = cond.operator.qualifier.is_some();
        let entry = self
            .tys
            .entry(lower.clone())
            .or_insert_with(|| (cond.key.clone(), None, false));
        entry.2 |= multi;
        match (entry.1, ty) {
            (_, None) => {}
            (None, Some(t)) => entry.1 = Some(t),
            (Some(a), Some(b)) if a == b => {}
            (Some(_), Some(_)) => {
                let msg = format!(
                    "the key `{}` is compared both as a string and as another type",
                    cond.key
                );
                if !self.unknown.contains(&msg) {
                    self.unknown.push(msg);
                }
            }
        }
        if derived(&lower).is_some() && !matches!(ty, Some(Ty::String) | None) {
            self.unknown.push(format!(
                "the key `{}` is compared with `{}`",
                cond.key,
                cond.operator.name()
            ));
        }
    }

    fn atom(&mut self, target: AtomTarget, t: &Template, mode: AtomMode) -> usize {
        let text = render_template(t);
        if let Some(i) = self
            .atoms
            .iter()
            .position(|(a, b, m)| *a == target && *b == text && *m == mode)
        {
            return i;
        }
        self.atoms.push((target, text, mode));
        self.atoms.len() - 1
    }

    fn register_statement(
        &mut self,
        st: &Statement,
        ctx: &HashMap<String, ContextKey>,
    ) -> Result<(), CompileError> {
        for t in &st.action.patterns {
            match template_glob(t, false) {
                Some(g) => self
                    .vocab
                    .add_pattern(self.action, Pattern::whole(g, Case::Insensitive))?,
                None => {
                    self.atom(AtomTarget::Action, t, AtomMode::GlobIgnoreCase);
                    if let Some(g) = template_glob(t, true) {
                        self.vocab
                            .add_pattern(self.action, Pattern::whole(g, Case::Insensitive))?;
                    }
                }
            }
        }
        if let Some(r) = &st.resource {
            for t in &r.patterns {
                if t.has_variables() {
                    self.atom(AtomTarget::Resource, t, AtomMode::Glob);
                }
                if let Some(g) = resource_glob(t, true) {
                    self.vocab
                        .add_pattern(self.resource, Pattern::whole(g, Case::Sensitive))?;
                }
            }
        }
        if let Some(pc) = &st.principal {
            for p in &pc.principals {
                match named(p.kind, &p.value) {
                    Named::Account(a) => self.vocab.add_pattern(
                        self.principal,
                        account_pattern(Glob::literal(&a), Case::Sensitive),
                    )?,
                    Named::Literal(pat) => self.vocab.add_pattern(self.principal, pat)?,
                    Named::Session(role, name) => {
                        self.vocab.add_pattern(self.principal, role)?;
                        let key = match self.session {
                            Some(k) => k,
                            None => {
                                let k =
                                    self.vocab
                                        .add_key(SESSION, KeyKind::String, Arity::Single)?;
                                self.session = Some(k);
                                k
                            }
                        };
                        self.vocab
                            .add_pattern(key, Pattern::literal(&name, Case::Sensitive))?;
                        if !self.session_names.contains(&name) {
                            self.session_names.push(name);
                        }
                    }
                    Named::Everything | Named::Nothing => {}
                }
            }
        }
        for cond in &st.conditions {
            self.register_condition(cond, ctx)?;
        }
        Ok(())
    }

    fn register_condition(
        &mut self,
        cond: &Condition,
        ctx: &HashMap<String, ContextKey>,
    ) -> Result<(), CompileError> {
        let base = cond.operator.base;
        let lower = cond.key.to_ascii_lowercase();
        if let Some(d) = derived(&lower) {
            for v in &cond.values {
                if v.template.has_variables() {
                    self.unknown.push(format!(
                        "the key `{}` is compared with a policy variable",
                        cond.key
                    ));
                    continue;
                }
                let Some(g) = template_glob(&v.template, false) else {
                    continue;
                };
                let pat = match d {
                    Derived::PrincipalArn => string_pattern(base, g),
                    Derived::PrincipalAccount => principal_account_pattern(base, g),
                };
                if let Some(p) = pat {
                    self.vocab.add_pattern(self.principal, p)?;
                }
            }
            return Ok(());
        }
        let Some(ck) = ctx.get(&lower) else {
            return Ok(());
        };
        let key = ck.key;
        for v in &cond.values {
            match base.family() {
                OperatorFamily::String
                | OperatorFamily::Arn
                | OperatorFamily::Bool
                | OperatorFamily::Binary => {
                    if ck.kind != KeyKind::String {
                        continue;
                    }
                    if v.template.has_variables() {
                        if ck.multi {
                            self.unknown.push(format!(
                                "the multi-valued key `{}` is compared with a policy variable",
                                cond.key
                            ));
                            continue;
                        }
                        self.atom(
                            AtomTarget::Context(lower.clone()),
                            &v.template,
                            atom_mode(base),
                        );
                        if let Some(g) = template_glob(&v.template, true) {
                            let case = match atom_mode(base) {
                                AtomMode::LiteralIgnoreCase | AtomMode::GlobIgnoreCase => {
                                    Case::Insensitive
                                }
                                _ => Case::Sensitive,
                            };
                            let p = match atom_mode(base) {
                                AtomMode::Arn if !is_star_only(&g) => arn_segments(&g)
                                    .map(|s| Pattern::segmented(':', s, Case::Sensitive)),
                                _ => Some(Pattern::whole(g, case)),
                            };
                            if let Some(p) = p {
                                self.vocab.add_pattern(key, p)?;
                            }
                        }
                        continue;
                    }
                    if let Some(g) = template_glob(&v.template, false)
                        && let Some(p) = string_pattern(base, g)
                    {
                        self.vocab.add_pattern(key, p)?;
                    }
                }
                OperatorFamily::Numeric => {
                    if let Some(d) = Decimal::parse(v.text.trim())
                        && ck.kind == KeyKind::Number
                    {
                        self.vocab.add_number(key, d)?;
                    }
                }
                OperatorFamily::Date => {
                    if let Some(d) = Date::parse(v.text.trim())
                        && ck.kind == KeyKind::Date
                    {
                        self.vocab.add_date(key, d)?;
                    }
                }
                OperatorFamily::Ip => {
                    if let Some(c) = Cidr::parse(v.text.trim())
                        && ck.kind == KeyKind::Ip
                    {
                        self.vocab.add_cidr(key, c)?;
                    }
                }
                OperatorFamily::Null => {}
            }
        }
        Ok(())
    }
}

fn principal_account_pattern(base: OperatorBase, g: Glob) -> Option<Pattern> {
    use OperatorBase::*;
    match base {
        StringEquals | StringNotEquals => Some(account_pattern(literal_of(&g), Case::Sensitive)),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            Some(account_pattern(literal_of(&g), Case::Insensitive))
        }
        StringLike | StringNotLike => Some(account_pattern(g, Case::Sensitive)),
        // An account id has no colon, so an ARN pattern (six components) never matches it, and `*`
        // matches every value.
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            is_star_only(&g).then(|| account_pattern(g, Case::Sensitive))
        }
        _ => None,
    }
}

/// The template as policy text (variables as `${key}`), used to identify atoms.
pub fn render_template(t: &Template) -> String {
    let mut s = String::new();
    for p in &t.parts {
        match p {
            Part::Lit(l) => {
                for c in l.chars() {
                    match c {
                        '*' => s.push_str("${*}"),
                        '?' => s.push_str("${?}"),
                        '$' => s.push_str("${$}"),
                        c => s.push(c),
                    }
                }
            }
            Part::Star => s.push('*'),
            Part::Question => s.push('?'),
            Part::Var { key, default } => {
                s.push_str("${");
                s.push_str(key);
                if let Some(d) = default {
                    s.push_str(", '");
                    s.push_str(d);
                    s.push('\'');
                }
                s.push('}');
            }
        }
    }
    s
}

/// A formula with the statement each piece came from, for reasons.
pub struct CompiledPolicy {
    /// Requests the policy allows (some Allow statement matches, no Deny statement matches).
    pub allowed: Bdd,
    /// Per statement: (index, effect, the requests it matches).
    pub statements: Vec<(usize, Effect, Bdd)>,
}

impl Space {
    fn like(&mut self, key: KeyId, p: &Pattern) -> Result<ClassSet, CompileError> {
        Ok(self.universe.classes_like(key, p)?)
    }

    fn shape_set(
        &mut self,
        f: impl Fn(&Shapes) -> &Option<Pattern>,
    ) -> Result<ClassSet, CompileError> {
        match f(&self.shapes) {
            Some(p) => Ok(self.universe.classes_like(self.principal, p)?),
            None => Ok(self.universe.classes_none(self.principal)?),
        }
    }

    fn iam_callers(&mut self) -> Result<ClassSet, CompileError> {
        if let Some(s) = &self.iam {
            return Ok(s.clone());
        }
        let a = self.shape_set(|s| &s.root)?;
        let b = self.shape_set(|s| &s.user)?;
        let c = self.shape_set(|s| &s.role)?;
        let d = self.shape_set(|s| &s.fed_user)?;
        let s = a.union(&b).union(&c).union(&d);
        self.iam = Some(s.clone());
        Ok(s)
    }

    /// The requests whose caller is an IAM principal (root, user, role session, federated user).
    pub fn iam_caller_formula(&mut self) -> Result<Bdd, CompileError> {
        let s = self.iam_callers()?;
        Ok(self.universe.value_in(&s)?)
    }

    fn valid_callers(&mut self) -> Result<ClassSet, CompileError> {
        let mut s = self.iam_callers()?;
        for f in [
            (|s: &Shapes| &s.service) as fn(&Shapes) -> &Option<Pattern>,
            |s: &Shapes| &s.federated,
            |s: &Shapes| &s.canonical,
            |s: &Shapes| &s.anonymous,
        ] {
            let x = self.shape_set(f)?;
            s = s.union(&x);
        }
        Ok(s)
    }

    fn compile_valid(&mut self) -> Result<Bdd, CompileError> {
        let callers = self.valid_callers()?;
        let mut v = self.universe.value_in(&callers)?;
        let pk = self.universe.present(self.principal)?;
        v = self.universe.and(v, pk)?;
        let ak = self.universe.present(self.action)?;
        v = self.universe.and(v, ak)?;
        let rk = self.universe.present(self.resource)?;
        v = self.universe.and(v, rk)?;
        for i in 0..self.atoms.len() {
            let Some(a) = self.atoms.get(i).cloned() else {
                continue;
            };
            // The atom's key is either absent (false) or "true".
            let t = self.universe.present(a.key)?;
            let over = self.atom_overapprox(&a)?;
            let imp = self.universe.not(t)?;
            let imp = self.universe.or(imp, over)?;
            v = self.universe.and(v, imp)?;
        }
        Ok(v)
    }

    /// The requests where the atom could be true: the target matches the template with variables
    /// read as `*`.
    fn atom_overapprox(&mut self, a: &VarAtom) -> Result<Bdd, CompileError> {
        let g = if a.target == AtomTarget::Resource {
            resource_glob(&a.template, true)
        } else {
            template_glob(&a.template, true)
        };
        let Some(g) = g else {
            return Ok(Bdd::TRUE);
        };
        let (key, case) = match &a.target {
            AtomTarget::Action => (self.action, Case::Insensitive),
            AtomTarget::Resource => (self.resource, Case::Sensitive),
            AtomTarget::Context(k) => match self.context.get(k) {
                Some(ck) => (
                    ck.key,
                    match a.mode {
                        AtomMode::LiteralIgnoreCase | AtomMode::GlobIgnoreCase => Case::Insensitive,
                        _ => Case::Sensitive,
                    },
                ),
                None => return Ok(Bdd::TRUE),
            },
        };
        let p = match a.mode {
            AtomMode::Arn if !is_star_only(&g) => match arn_segments(&g) {
                Some(s) => Pattern::segmented(':', s, Case::Sensitive),
                None => return Ok(Bdd::FALSE),
            },
            _ => Pattern::whole(g, case),
        };
        let s = self.like(key, &p)?;
        Ok(self.universe.value_in(&s)?)
    }

    fn atom_index(&self, target: &AtomTarget, t: &Template, mode: AtomMode) -> Option<KeyId> {
        let text = render_template(t);
        self.atoms
            .iter()
            .find(|a| a.target == *target && a.mode == mode && render_template(&a.template) == text)
            .map(|a| a.key)
    }

    fn atom_true(&mut self, key: KeyId) -> Result<Bdd, CompileError> {
        Ok(self.universe.present(key)?)
    }

    /// Compiles a policy. Statements with Allow and Deny combine as IAM does within one policy.
    pub fn compile_policy(&mut self, p: &Policy) -> Result<CompiledPolicy, CompileError> {
        let mut allow = Bdd::FALSE;
        let mut deny = Bdd::FALSE;
        let mut statements = Vec::new();
        for st in &p.statements {
            let f = self.compile_statement(st)?;
            statements.push((st.index, st.effect, f));
            match st.effect {
                Effect::Allow => allow = self.universe.or(allow, f)?,
                Effect::Deny => deny = self.universe.or(deny, f)?,
            }
        }
        let allowed = self.universe.diff(allow, deny)?;
        Ok(CompiledPolicy {
            allowed,
            statements,
        })
    }

    /// The requests one statement matches (its effect aside).
    pub fn compile_statement(&mut self, st: &Statement) -> Result<Bdd, CompileError> {
        let a = self.compile_clause(
            &st.action,
            self.action,
            Case::Insensitive,
            AtomTarget::Action,
        )?;
        let r = match &st.resource {
            Some(r) => {
                self.compile_clause(r, self.resource, Case::Sensitive, AtomTarget::Resource)?
            }
            None => Bdd::TRUE,
        };
        let p = match &st.principal {
            Some(pc) => self.compile_principal(pc)?,
            None => Bdd::TRUE,
        };
        let mut f = self.universe.and(a, r)?;
        f = self.universe.and(f, p)?;
        for c in &st.conditions {
            let g = self.compile_condition(c)?;
            f = self.universe.and(f, g)?;
        }
        Ok(f)
    }

    fn compile_clause(
        &mut self,
        c: &Clause,
        key: KeyId,
        case: Case,
        target: AtomTarget,
    ) -> Result<Bdd, CompileError> {
        let mut set = self.universe.classes_none(key)?;
        let mut atoms = Bdd::FALSE;
        for t in &c.patterns {
            let glob = if target == AtomTarget::Resource {
                resource_glob(t, false)
            } else {
                template_glob(t, false)
            };
            match glob {
                Some(g) => {
                    let s = self.like(key, &Pattern::whole(g, case))?;
                    set = set.union(&s);
                }
                None => {
                    let mode = if target == AtomTarget::Action {
                        AtomMode::GlobIgnoreCase
                    } else {
                        AtomMode::Glob
                    };
                    if let Some(k) = self.atom_index(&target, t, mode) {
                        let b = self.atom_true(k)?;
                        atoms = self.universe.or(atoms, b)?;
                    }
                }
            }
        }
        let m = self.universe.value_in(&set)?;
        let any = self.universe.or(m, atoms)?;
        if c.negated {
            // The key is always present (see `valid`), so `not` is the complement among values.
            Ok(self.universe.not(any)?)
        } else {
            Ok(any)
        }
    }

    fn named_set(
        &mut self,
        kind: PrincipalKind,
        value: &str,
    ) -> Result<(ClassSet, bool), CompileError> {
        // Returns the classes named, and whether this names every layer of every caller (`*`).
        match named(kind, value) {
            Named::Everything => Ok((self.universe.classes_all(self.principal)?, true)),
            Named::Account(a) => {
                let s = self.like(
                    self.principal,
                    &account_pattern(Glob::literal(&a), Case::Sensitive),
                )?;
                let iam = self.iam_callers()?;
                Ok((s.intersection(&iam), false))
            }
            Named::Literal(p) => Ok((self.like(self.principal, &p)?, false)),
            // A session is not a set of callers alone; `compile_principal` adds it.
            Named::Session(..) | Named::Nothing => {
                Ok((self.universe.classes_none(self.principal)?, false))
            }
        }
    }

    fn compile_principal(&mut self, pc: &PrincipalClause) -> Result<Bdd, CompileError> {
        if pc.any && !pc.negated {
            return Ok(Bdd::TRUE);
        }
        let mut any_named = self.universe.classes_none(self.principal)?;
        let mut accounts = self.universe.classes_none(self.principal)?;
        let mut literals = self.universe.classes_none(self.principal)?;
        let mut everything = pc.any;
        // (the role's callers, "the session name is this one")
        let mut sessions: Vec<(ClassSet, Bdd)> = Vec::new();
        for p in &pc.principals {
            let (s, all) = self.named_set(p.kind, &p.value)?;
            everything |= all;
            any_named = any_named.union(&s);
            match named(p.kind, &p.value) {
                Named::Account(_) => accounts = accounts.union(&s),
                Named::Literal(_) => literals = literals.union(&s),
                Named::Session(role, name) => {
                    let roles = self.like(self.principal, &role)?;
                    let is_name = match self.session {
                        Some(k) => {
                            let set = self.like(k, &Pattern::literal(&name, Case::Sensitive))?;
                            self.universe.value_in(&set)?
                        }
                        None => Bdd::FALSE,
                    };
                    sessions.push((roles, is_name));
                }
                _ => {}
            }
        }
        if !pc.negated {
            let mut f = self.universe.value_in(&any_named)?;
            for (roles, is_name) in &sessions {
                let r = self.universe.value_in(roles)?;
                let one = self.universe.and(r, *is_name)?;
                f = self.universe.or(f, one)?;
            }
            return Ok(f);
        }
        // NotPrincipal: applies unless every layer of the caller is named; a role session's
        // layers are the session, the role and the account.
        if everything {
            return Ok(Bdd::FALSE);
        }
        let mut sessions_named = Bdd::FALSE;
        for (roles, is_name) in &sessions {
            let layers = roles.intersection(&literals).intersection(&accounts);
            let r = self.universe.value_in(&layers)?;
            let one = self.universe.and(r, *is_name)?;
            sessions_named = self.universe.or(sessions_named, one)?;
        }
        let root = self.shape_set(|s| &s.root)?;
        let user = self.shape_set(|s| &s.user)?;
        let fed_user = self.shape_set(|s| &s.fed_user)?;
        let mut single = self.shape_set(|s| &s.service)?;
        for f in [
            (|s: &Shapes| &s.federated) as fn(&Shapes) -> &Option<Pattern>,
            |s: &Shapes| &s.canonical,
        ] {
            let x = self.shape_set(f)?;
            single = single.union(&x);
        }
        let all_named = root
            .intersection(&accounts)
            .union(&user.intersection(&literals).intersection(&accounts))
            .union(&fed_user.intersection(&literals).intersection(&accounts))
            .union(&single.intersection(&literals));
        let applies = all_named.complement();
        let applies = self.universe.value_in(&applies)?;
        Ok(self.universe.diff(applies, sessions_named)?)
    }

    fn compile_condition(&mut self, c: &Condition) -> Result<Bdd, CompileError> {
        let lower = c.key.to_ascii_lowercase();
        let op = c.operator;
        if let Some(d) = derived(&lower) {
            return self.compile_derived(c, d);
        }
        let Some(ck) = self.context.get(&lower).cloned() else {
            return Ok(Bdd::FALSE);
        };
        let key = ck.key;
        if op.base == OperatorBase::Null {
            let mut f = Bdd::FALSE;
            let empty = self.universe.classes_none(key)?;
            for v in &c.values {
                let g = match perimeter_iam::eval::values::parse_bool(&v.text) {
                    Some(true) => self.none_present(&ck, &empty)?,
                    Some(false) => {
                        let n = self.none_present(&ck, &empty)?;
                        self.universe.not(n)?
                    }
                    None => Bdd::FALSE,
                };
                f = self.universe.or(f, g)?;
            }
            return Ok(f);
        }
        let family = op.base.family();
        let kind_ok = match family {
            OperatorFamily::String
            | OperatorFamily::Arn
            | OperatorFamily::Bool
            | OperatorFamily::Binary => ck.kind == KeyKind::String,
            OperatorFamily::Numeric => ck.kind == KeyKind::Number,
            OperatorFamily::Date => ck.kind == KeyKind::Date,
            OperatorFamily::Ip => ck.kind == KeyKind::Ip,
            OperatorFamily::Null => true,
        };
        if !kind_ok {
            // Recorded as unknown in the first pass; any formula will do.
            return Ok(Bdd::FALSE);
        }
        // M: classes whose values pass the positive comparison with some (non-variable) policy value.
        let mut m = self.universe.classes_none(key)?;
        let mut atoms = Bdd::FALSE;
        for v in &c.values {
            match family {
                OperatorFamily::String
                | OperatorFamily::Arn
                | OperatorFamily::Bool
                | OperatorFamily::Binary => {
                    if v.template.has_variables() {
                        let target = AtomTarget::Context(lower.clone());
                        if let Some(k) = self.atom_index(&target, &v.template, atom_mode(op.base)) {
                            let b = self.atom_true(k)?;
                            atoms = self.universe.or(atoms, b)?;
                        }
                        continue;
                    }
                    if let Some(g) = template_glob(&v.template, false)
                        && let Some(p) = string_pattern(op.base, g)
                    {
                        let mut s = self.like(key, &p)?;
                        if family == OperatorFamily::Bool {
                            // `Bool` compares parsed booleans: a policy value that is not a boolean
                            // matches nothing.
                            if perimeter_iam::eval::values::parse_bool(&v.text).is_none() {
                                s = self.universe.classes_none(key)?;
                            }
                        }
                        m = m.union(&s);
                    }
                }
                OperatorFamily::Numeric => {
                    if let Some(d) = Decimal::parse(v.text.trim()) {
                        let s = self.universe.classes_num_cmp(key, cmp_of(op.base), d)?;
                        m = m.union(&s);
                    }
                }
                OperatorFamily::Date => {
                    if let Some(d) = Date::parse(v.text.trim()) {
                        let s = self.universe.classes_date_cmp(key, cmp_of(op.base), d)?;
                        m = m.union(&s);
                    }
                }
                OperatorFamily::Ip => {
                    if let Some(cidr) = Cidr::parse(v.text.trim()) {
                        let s = self.universe.classes_in_cidr(key, cidr)?;
                        m = m.union(&s);
                    }
                }
                OperatorFamily::Null => {}
            }
        }
        let negated = op.base.is_negated();
        if ck.multi {
            if atoms != Bdd::FALSE {
                return Ok(Bdd::FALSE);
            }
            let pass = if negated { m.complement() } else { m };
            let empty = self.universe.classes_none(key)?;
            let none = self.none_present(&ck, &empty)?;
            let f = match (op.qualifier, negated) {
                (Some(SetQualifier::ForAllValues), _) | (None, true) => {
                    self.universe.for_all_values(&pass)?
                }
                (Some(SetQualifier::ForAnyValue), _) | (None, false) => {
                    self.universe.for_any_value(&pass)?
                }
            };
            // Absent or empty: `IfExists` holds; otherwise the rule of the qualifier (already in
            // for_all/for_any).
            return Ok(if op.if_exists {
                self.universe.or(f, none)?
            } else {
                f
            });
        }
        // Single-valued key.
        let present = self.universe.present(key)?;
        let absent = self.universe.not(present)?;
        let mv = self.universe.value_in(&m)?;
        let matched = self.universe.or(mv, atoms)?;
        let absent_result = op.if_exists
            || match op.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => negated,
            };
        let when_present = if negated {
            let nm = self.universe.not(matched)?;
            self.universe.and(present, nm)?
        } else {
            self.universe.and(present, matched)?
        };
        Ok(if absent_result {
            self.universe.or(absent, when_present)?
        } else {
            when_present
        })
    }

    /// True when the key has no value (absent, or a multi-valued key with an empty set).
    fn none_present(&mut self, ck: &ContextKey, empty: &ClassSet) -> Result<Bdd, CompileError> {
        if ck.multi {
            Ok(self.universe.for_all_values(empty)?)
        } else {
            Ok(self.universe.absent(ck.key)?)
        }
    }

    fn compile_derived(&mut self, c: &Condition, d: Derived) -> Result<Bdd, CompileError> {
        let op = c.operator;
        let iam = self.iam_callers()?;
        let present = self.universe.value_in(&iam)?;
        let absent = self.universe.not(present)?;
        if op.base == OperatorBase::Null {
            let mut f = Bdd::FALSE;
            for v in &c.values {
                let g = match perimeter_iam::eval::values::parse_bool(&v.text) {
                    Some(true) => absent,
                    Some(false) => present,
                    None => Bdd::FALSE,
                };
                f = self.universe.or(f, g)?;
            }
            return Ok(f);
        }
        let mut m = self.universe.classes_none(self.principal)?;
        for v in &c.values {
            let Some(g) = template_glob(&v.template, false) else {
                continue;
            };
            let pat = match d {
                Derived::PrincipalArn => string_pattern(op.base, g),
                Derived::PrincipalAccount => principal_account_pattern(op.base, g),
            };
            if let Some(p) = pat {
                let s = self.like(self.principal, &p)?;
                m = m.union(&s);
            }
        }
        let negated = op.base.is_negated();
        let m = m.intersection(&iam);
        let mv = self.universe.value_in(&m)?;
        let when_present = if negated {
            let nm = self.universe.not(mv)?;
            self.universe.and(present, nm)?
        } else {
            mv
        };
        let absent_result = op.if_exists
            || match op.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => negated,
            };
        Ok(if absent_result {
            self.universe.or(absent, when_present)?
        } else {
            when_present
        })
    }
}
