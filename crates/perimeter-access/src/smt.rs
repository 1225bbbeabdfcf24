//! The same questions as SMT-LIB 2, for z3: the test oracle of the engine.
//!
//! The encoding is written from the policy model directly, not from the compiled decision diagrams,
//! so it is an independent implementation of the request model in `compile`:
//!
//! - action, resource, caller and every string condition key are SMT strings; globs are regular
//!   expressions (`*` = `(re.* re.allchar)`, `?` = `re.allchar`, case-insensitive letters a union of
//!   their case variants); ARN patterns are six components joined by `:`, the first five without
//!   `:`;
//! - numbers are integers scaled by 10^18 (exact decimals), dates integers (milliseconds), IP
//!   addresses integers (IPv4 in `[0, 2^32)`, IPv6 shifted above it);
//! - each condition key has a presence flag; `aws:PrincipalArn` and `aws:PrincipalAccount` are read
//!   off the caller string as in `compile`.
//!
//! Not exported (`None`): policy variables, set operators (`ForAllValues`/`ForAnyValue`), and keys
//! compared as two types. [`run_z3`] runs a batch of questions in one z3 process with push/pop.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use perimeter_iam::arn::{Arn, is_account_id};
use perimeter_iam::model::{
    Clause, Condition, Effect, OperatorBase, OperatorFamily, Policy, PrincipalClause,
    PrincipalKind, Statement,
};
use perimeter_iam::pattern::{Part, Template};
use perimeter_logic::{Cidr, Date, Decimal};

use crate::witness::RequestWitness;

/// A z3 answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtAnswer {
    Sat,
    Unsat,
    Unknown,
}

fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\"\""),
            c if (' '..='~').contains(&c) && c != '\\' => out.push(c),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

fn re_char(c: char, ignore_case: bool) -> String {
    if ignore_case {
        let class = perimeter_logic::glob::fold_class(c);
        if class.len() > 1 {
            let alts: Vec<String> = class
                .iter()
                .map(|x| format!("(str.to_re {})", lit(&x.to_string())))
                .collect();
            return format!("(re.union {})", alts.join(" "));
        }
    }
    format!("(str.to_re {})", lit(&c.to_string()))
}

const ANY: &str = "(re.* re.allchar)";
/// Any character but `:` (0x3a), as two ranges (faster for z3 than a difference).
const NOT_COLON: &str = "(re.union (re.range \"\\u{0}\" \"9\") (re.range \";\" \"\\u{2ffff}\"))";

enum Tok {
    Char(char),
    One,
    Many,
    /// A `*` that matches no `:` (inside an ARN segment of a `Resource` pattern).
    ManyNoColon,
}

fn toks(t: &Template, wildcards: bool) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    for p in &t.parts {
        match p {
            Part::Lit(l) => out.extend(l.chars().map(Tok::Char)),
            Part::Star if wildcards => out.push(Tok::Many),
            Part::Question if wildcards => out.push(Tok::One),
            Part::Star => out.push(Tok::Char('*')),
            Part::Question => out.push(Tok::Char('?')),
            Part::Var { .. } => return None,
        }
    }
    Some(out)
}

fn re_of(ts: &[Tok], ignore_case: bool, no_colon: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, parts: &mut Vec<String>| {
        if !run.is_empty() {
            parts.push(format!("(str.to_re {})", lit(run)));
            run.clear();
        }
    };
    for t in ts {
        match t {
            Tok::Char(c) => {
                let folds = ignore_case && perimeter_logic::glob::fold_class(*c).len() > 1;
                if folds {
                    flush(&mut run, &mut parts);
                    parts.push(re_char(*c, true));
                } else {
                    run.push(*c);
                }
            }
            Tok::One => {
                flush(&mut run, &mut parts);
                parts.push(if no_colon {
                    NOT_COLON.to_owned()
                } else {
                    "re.allchar".to_owned()
                });
            }
            Tok::Many => {
                flush(&mut run, &mut parts);
                parts.push(if no_colon {
                    format!("(re.* {NOT_COLON})")
                } else {
                    ANY.to_owned()
                });
            }
            Tok::ManyNoColon => {
                flush(&mut run, &mut parts);
                parts.push(format!("(re.* {NOT_COLON})"));
            }
        }
    }
    flush(&mut run, &mut parts);
    match parts.len() {
        0 => "(str.to_re \"\")".to_owned(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("(re.++ {})", parts.join(" ")),
    }
}

/// An ARN pattern: six components, the first five without colons. `None` if fewer than six.
fn re_arn(ts: Vec<Tok>) -> Option<String> {
    if matches!(ts.as_slice(), [Tok::Many]) {
        return Some(ANY.to_owned());
    }
    let mut comps: Vec<Vec<Tok>> = vec![Vec::new()];
    for t in ts {
        if matches!(t, Tok::Char(':')) && comps.len() < 6 {
            comps.push(Vec::new());
        } else if let Some(c) = comps.last_mut() {
            c.push(t);
        }
    }
    if comps.len() != 6 {
        return None;
    }
    let mut parts = Vec::new();
    for (i, c) in comps.iter().enumerate() {
        if i > 0 {
            parts.push("(str.to_re \":\")".to_owned());
        }
        parts.push(re_of(c, false, i < 5));
    }
    Some(format!("(re.++ {})", parts.join(" ")))
}

fn in_re(var: &str, re: &str) -> String {
    format!("(str.in_re {var} {re})")
}

fn or(xs: Vec<String>) -> String {
    match xs.len() {
        0 => "false".to_owned(),
        1 => xs.into_iter().next().unwrap_or_default(),
        _ => format!("(or {})", xs.join(" ")),
    }
}

fn and(xs: Vec<String>) -> String {
    match xs.len() {
        0 => "true".to_owned(),
        1 => xs.into_iter().next().unwrap_or_default(),
        _ => format!("(and {})", xs.join(" ")),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Str,
    Num,
    Date,
    Ip,
}

struct Enc {
    keys: BTreeMap<String, (usize, Sort)>,
}

const P: &str = "principal";

fn shape(account_re: &str, service: &str, resource: &str) -> String {
    format!("(re.++ (str.to_re \"arn:aws:{service}::\") {account_re} (str.to_re \":\") {resource})")
}

fn iam_shapes() -> String {
    let acct = format!("(re.* {NOT_COLON})");
    let root = shape(&acct, "iam", "(str.to_re \"root\")");
    let user = shape(
        &acct,
        "iam",
        &format!("(re.++ (str.to_re \"user/\") {ANY})"),
    );
    let role = shape(
        &acct,
        "iam",
        &format!("(re.++ (str.to_re \"role/\") {ANY})"),
    );
    let fed = shape(
        &acct,
        "sts",
        &format!("(re.++ (str.to_re \"federated-user/\") {ANY})"),
    );
    format!("(re.union {root} {user} {role} {fed})")
}

fn valid_callers() -> String {
    format!(
        "(re.union {} (re.++ (str.to_re \"service/\") {ANY}) (re.++ (str.to_re \"federated/\") {ANY}) (re.++ (str.to_re \"canonical/\") {ANY}) (str.to_re \"anonymous\"))",
        iam_shapes()
    )
}

/// Caller strings whose fifth component matches `account` (a regex without colons).
fn account_re(account: &str) -> String {
    let seg = format!("(re.* {NOT_COLON})");
    format!(
        "(re.++ {seg} (str.to_re \":\") {seg} (str.to_re \":\") {seg} (str.to_re \":\") {seg} (str.to_re \":\") {account} (str.to_re \":\") {ANY})"
    )
}

enum Named {
    Everything,
    Account(String),
    Literal(String),
    /// One session of a role: the role's caller formula and the session-name formula.
    Session(String, String),
    Nothing,
}

/// The session name of a role caller (read only by `Principal` and `NotPrincipal`).
const S: &str = "session";

fn named(kind: PrincipalKind, value: &str) -> Option<Named> {
    Some(match kind {
        PrincipalKind::Aws => {
            if value == "*" {
                return Some(Named::Everything);
            }
            if is_account_id(value) {
                return Some(Named::Account(value.to_owned()));
            }
            let Some(arn) = Arn::parse(value) else {
                return Some(Named::Nothing);
            };
            match arn.service {
                "iam" if arn.resource == "root" => Named::Account(arn.account.to_owned()),
                "iam" if arn.resource.starts_with("user/") => {
                    Named::Literal(format!("(= {P} {})", lit(value)))
                }
                "iam" => match arn.resource.strip_prefix("role/") {
                    Some(rest) => {
                        let name = rest.rsplit('/').next().unwrap_or(rest);
                        Named::Literal(format!(
                            "(= {P} {})",
                            lit(&format!("arn:aws:iam::{}:role/{name}", arn.account))
                        ))
                    }
                    None => Named::Nothing,
                },
                "sts" if arn.resource.starts_with("federated-user/") => {
                    Named::Literal(format!("(= {P} {})", lit(value)))
                }
                "sts" => match arn
                    .resource
                    .strip_prefix("assumed-role/")
                    .and_then(|rest| rest.split_once('/'))
                {
                    Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                        Named::Session(
                            format!(
                                "(= {P} {})",
                                lit(&format!("arn:aws:iam::{}:role/{role}", arn.account))
                            ),
                            format!("(= {S} {})", lit(session)),
                        )
                    }
                    _ => Named::Nothing,
                },
                _ => Named::Nothing,
            }
        }
        PrincipalKind::Service => {
            let t: Vec<Tok> = format!("service/{value}").chars().map(Tok::Char).collect();
            Named::Literal(in_re(P, &re_of(&t, true, false)))
        }
        PrincipalKind::Federated => {
            Named::Literal(format!("(= {P} {})", lit(&format!("federated/{value}"))))
        }
        PrincipalKind::CanonicalUser => {
            Named::Literal(format!("(= {P} {})", lit(&format!("canonical/{value}"))))
        }
    })
}

impl Enc {
    fn var(&self, key: &str) -> Option<(String, String, Sort)> {
        let (i, s) = self.keys.get(&key.to_ascii_lowercase())?;
        Some((format!("k{i}"), format!("k{i}p"), *s))
    }

    /// `fold`: the variable ranges over case-folded strings and pattern characters are folded
    /// (exact for existence: a request and its folded form match the same case-insensitive globs).
    fn clause(&self, c: &Clause, var: &str, fold: bool) -> Option<String> {
        let mut alts = Vec::new();
        for t in &c.patterns {
            let mut ts = toks(t, true)?;
            if var == "resource" {
                // IAM: a `*` crosses `:` only at the end of an ARN segment (followed by `:` or the
                // end of the pattern); elsewhere it matches no `:`.
                let ends_segment: Vec<bool> = (0..ts.len())
                    .map(|i| match ts.get(i + 1) {
                        None | Some(Tok::Many) => true,
                        Some(Tok::Char(c)) => *c == ':',
                        Some(_) => false,
                    })
                    .collect();
                for (tok, end) in ts.iter_mut().zip(ends_segment) {
                    if matches!(tok, Tok::Many) && !end {
                        *tok = Tok::ManyNoColon;
                    }
                }
            }
            if fold {
                for tok in &mut ts {
                    if let Tok::Char(ch) = tok {
                        *ch = perimeter_logic::glob::fold(*ch);
                    }
                }
            }
            alts.push(in_re(var, &re_of(&ts, false, false)));
        }
        let f = or(alts);
        Some(if c.negated { format!("(not {f})") } else { f })
    }

    fn principal(&self, pc: &PrincipalClause) -> Option<String> {
        if pc.any && pc.negated {
            // `NotPrincipal: "*"` names everyone: the statement applies to no one.
            return Some("false".to_owned());
        }
        if pc.any && !pc.negated {
            return Some("true".to_owned());
        }
        let iam = in_re(P, &iam_shapes());
        let mut names = Vec::new();
        let mut accounts = Vec::new();
        let mut literals = Vec::new();
        let mut sessions = Vec::new();
        let mut everything = pc.any;
        for p in &pc.principals {
            match named(p.kind, &p.value)? {
                Named::Everything => everything = true,
                Named::Account(a) => {
                    let t: Vec<Tok> = a.chars().map(Tok::Char).collect();
                    let f = format!(
                        "(and {iam} {})",
                        in_re(P, &account_re(&re_of(&t, false, false)))
                    );
                    names.push(f.clone());
                    accounts.push(f);
                }
                Named::Literal(f) => {
                    names.push(f.clone());
                    literals.push(f);
                }
                Named::Session(role, name) => {
                    names.push(format!("(and {role} {name})"));
                    sessions.push((role, name));
                }
                Named::Nothing => {}
            }
        }
        if !pc.negated {
            return Some(if everything {
                "true".to_owned()
            } else {
                or(names)
            });
        }
        if everything {
            return Some("false".to_owned());
        }
        let acct = or(accounts);
        let lits = or(literals);
        // A role session is fully named when its session, its role and its account all are.
        let sessions_named = or(sessions
            .iter()
            .map(|(role, name)| format!("(and {role} {name} {lits} {acct})"))
            .collect());
        let shape_re =
            |svc: &str, res: &str| in_re(P, &shape(&format!("(re.* {NOT_COLON})"), svc, res));
        let root = shape_re("iam", "(str.to_re \"root\")");
        let user = shape_re("iam", &format!("(re.++ (str.to_re \"user/\") {ANY})"));
        let fed = shape_re(
            "sts",
            &format!("(re.++ (str.to_re \"federated-user/\") {ANY})"),
        );
        let single = in_re(
            P,
            &format!(
                "(re.union (re.++ (str.to_re \"service/\") {ANY}) (re.++ (str.to_re \"federated/\") {ANY}) (re.++ (str.to_re \"canonical/\") {ANY}))"
            ),
        );
        Some(format!(
            "(not (or (and {root} {acct}) (and {user} {lits} {acct}) (and {fed} {lits} {acct}) (and {single} {lits}) {sessions_named}))"
        ))
    }

    fn condition(&self, c: &Condition) -> Option<String> {
        if c.operator.qualifier.is_some() {
            return None;
        }
        let base = c.operator.base;
        let fam = base.family();
        let lower = c.key.to_ascii_lowercase();
        let (x, present, sort) = match lower.as_str() {
            "aws:principalarn" | "aws:principalaccount" => {
                (P.to_owned(), in_re(P, &iam_shapes()), Sort::Str)
            }
            _ => {
                let (v, p, s) = self.var(&c.key)?;
                (v, p, s)
            }
        };
        if base == OperatorBase::Null {
            let mut alts = Vec::new();
            for v in &c.values {
                match perimeter_iam::eval::values::parse_bool(&v.text) {
                    Some(true) => alts.push(format!("(not {present})")),
                    Some(false) => alts.push(present.clone()),
                    None => {}
                }
            }
            return Some(or(alts));
        }
        let mut alts = Vec::new();
        for v in &c.values {
            let m = match fam {
                OperatorFamily::String
                | OperatorFamily::Arn
                | OperatorFamily::Bool
                | OperatorFamily::Binary => {
                    if sort != Sort::Str {
                        return None;
                    }
                    let ts = toks(&v.template, base.uses_wildcards())?;
                    let ic = matches!(
                        base,
                        OperatorBase::StringEqualsIgnoreCase
                            | OperatorBase::StringNotEqualsIgnoreCase
                            | OperatorBase::Bool
                    );
                    if fam == OperatorFamily::Bool
                        && perimeter_iam::eval::values::parse_bool(&v.text).is_none()
                    {
                        continue;
                    }
                    let re = if fam == OperatorFamily::Arn {
                        match re_arn(ts) {
                            Some(r) => r,
                            None => continue,
                        }
                    } else {
                        re_of(&ts, ic, false)
                    };
                    if lower == "aws:principalaccount" {
                        // The account component: a value with a colon never matches.
                        if fam == OperatorFamily::Arn {
                            if re != ANY {
                                continue;
                            }
                            account_re(&format!("(re.* {NOT_COLON})"))
                        } else {
                            let re_nc = re_of(&toks(&v.template, base.uses_wildcards())?, ic, true);
                            account_re(&re_nc)
                        }
                    } else {
                        re
                    }
                    .pipe(|re| in_re(&x, &re))
                }
                OperatorFamily::Numeric => {
                    if sort != Sort::Num {
                        return None;
                    }
                    let Some(d) = Decimal::parse(v.text.trim()) else {
                        continue;
                    };
                    cmp(base, &x, &int_lit(d.raw()))
                }
                OperatorFamily::Date => {
                    if sort != Sort::Date {
                        return None;
                    }
                    let Some(d) = Date::parse(v.text.trim()) else {
                        continue;
                    };
                    cmp(base, &x, &int_lit(i128::from(d.0)))
                }
                OperatorFamily::Ip => {
                    if sort != Sort::Ip {
                        return None;
                    }
                    let Some(cidr) = Cidr::parse(v.text.trim()) else {
                        continue;
                    };
                    let (lo, hi) = if let Some((l, h)) = cidr.v4_range() {
                        (u128::from(l), u128::from(h))
                    } else {
                        let (l, h) = cidr.v6_range()?;
                        (l, h)
                    };
                    let off: u128 = if cidr.v4_range().is_some() {
                        0
                    } else {
                        1 << 32
                    };
                    format!(
                        "(and (<= {} {x}) (<= {x} {}))",
                        uint_lit(lo, off),
                        uint_lit(hi, off)
                    )
                }
                OperatorFamily::Null => continue,
            };
            alts.push(m);
        }
        let any = or(alts);
        let negated = base.is_negated();
        let when_present = if negated {
            format!("(and {present} (not {any}))")
        } else {
            format!("(and {present} {any})")
        };
        Some(if c.operator.if_exists || negated {
            format!("(or (not {present}) {when_present})")
        } else {
            when_present
        })
    }

    fn statement(&self, st: &Statement) -> Option<String> {
        let mut parts = vec![self.clause(&st.action, "action", true)?];
        if let Some(r) = &st.resource {
            parts.push(self.clause(r, "resource", false)?);
        }
        if let Some(pc) = &st.principal {
            parts.push(self.principal(pc)?);
        }
        for c in &st.conditions {
            parts.push(self.condition(c)?);
        }
        Some(and(parts))
    }

    fn allowed(&self, p: &Policy) -> Option<String> {
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        for st in &p.statements {
            let f = self.statement(st)?;
            match st.effect {
                Effect::Allow => allow.push(f),
                Effect::Deny => deny.push(f),
            }
        }
        Some(format!("(and {} (not {}))", or(allow), or(deny)))
    }
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl Pipe for String {}

fn int_lit(v: i128) -> String {
    if v < 0 {
        format!("(- {})", v.unsigned_abs())
    } else {
        v.to_string()
    }
}

fn uint_lit(v: u128, off: u128) -> String {
    // IPv6 values shifted by 2^32 can exceed u128: add in SMT.
    if off == 0 {
        v.to_string()
    } else {
        format!("(+ {v} {off})")
    }
}

fn cmp(base: OperatorBase, x: &str, v: &str) -> String {
    use OperatorBase::*;
    match base {
        NumericLessThan | DateLessThan => format!("(< {x} {v})"),
        NumericLessThanEquals | DateLessThanEquals => format!("(<= {x} {v})"),
        NumericGreaterThan | DateGreaterThan => format!("(> {x} {v})"),
        NumericGreaterThanEquals | DateGreaterThanEquals => format!("(>= {x} {v})"),
        _ => format!("(= {x} {v})"),
    }
}

/// The `CheckNoNewAccess` question (is some request allowed by `new` and not by `existing`?) as one
/// SMT-LIB block between `(push)` and `(pop)`. `identity` restricts callers to IAM principals.
pub fn no_new_access_query(existing: &Policy, new: &Policy, identity: bool) -> Option<String> {
    no_new_access_query_at(existing, new, identity, None)
}

/// The same question with the request fixed to a witness: z3 then only checks that the witness is a
/// model of the question (fast), an independent check of the engine's FAIL.
pub fn no_new_access_query_at(
    existing: &Policy,
    new: &Policy,
    identity: bool,
    pin: Option<&RequestWitness>,
) -> Option<String> {
    let mut keys = BTreeMap::new();
    for p in [existing, new] {
        for st in &p.statements {
            for c in &st.conditions {
                let lower = c.key.to_ascii_lowercase();
                if matches!(lower.as_str(), "aws:principalarn" | "aws:principalaccount") {
                    continue;
                }
                let sort = match c.operator.base.family() {
                    OperatorFamily::Numeric => Some(Sort::Num),
                    OperatorFamily::Date => Some(Sort::Date),
                    OperatorFamily::Ip => Some(Sort::Ip),
                    OperatorFamily::Null => None,
                    _ => Some(Sort::Str),
                };
                let n = keys.len();
                let e = keys
                    .entry(lower)
                    .or_insert((n, sort.unwrap_or(Sort::Str), sort.is_some()));
                if let Some(s) = sort {
                    if e.2 && e.1 != s {
                        return None;
                    }
                    e.1 = s;
                    e.2 = true;
                }
            }
        }
    }
    let enc = Enc {
        keys: keys
            .iter()
            .map(|(k, (i, s, _))| (k.clone(), (*i, *s)))
            .collect(),
    };
    let mut out = String::from(
        "(push 1)\n(declare-const action String)\n(declare-const resource String)\n(declare-const principal String)\n(declare-const session String)\n",
    );
    for (i, s) in enc.keys.values() {
        let sort = match s {
            Sort::Str => "String",
            _ => "Int",
        };
        let _ = writeln!(
            out,
            "(declare-const k{i} {sort})\n(declare-const k{i}p Bool)"
        );
        if *s == Sort::Ip {
            let _ = writeln!(
                out,
                "(assert (and (<= 0 k{i}) (<= k{i} (+ {} {}))))",
                1u128 << 32,
                u128::MAX
            );
        }
    }
    let callers = if identity {
        iam_shapes()
    } else {
        valid_callers()
    };
    let _ = writeln!(out, "(assert {})", in_re(P, &callers));
    let _ = writeln!(out, "(assert {})", enc.allowed(new)?);
    let _ = writeln!(out, "(assert (not {}))", enc.allowed(existing)?);
    if let Some(w) = pin {
        let folded: String = w.action.chars().map(perimeter_logic::glob::fold).collect();
        let _ = writeln!(out, "(assert (= action {}))", lit(&folded));
        let _ = writeln!(out, "(assert (= resource {}))", lit(&w.resource));
        // A role session pins the role's caller string and the session name.
        let (caller, session) = session_caller(&w.caller.0);
        let _ = writeln!(out, "(assert (= principal {}))", lit(&caller));
        if let Some(name) = session {
            let _ = writeln!(out, "(assert (= {S} {}))", lit(&name));
        }
        for (name, (i, sort)) in &enc.keys {
            let entry = w
                .entries
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(name));
            match entry.and_then(|(_, _, vs)| vs.first()) {
                None => {
                    let _ = writeln!(out, "(assert (not k{i}p))");
                }
                Some(v) => {
                    let value = match sort {
                        Sort::Str => lit(v),
                        Sort::Num => int_lit(Decimal::parse(v)?.raw()),
                        Sort::Date => int_lit(i128::from(Date::parse(v)?.0)),
                        Sort::Ip => {
                            let ip: std::net::IpAddr = v.parse().ok()?;
                            match ip {
                                std::net::IpAddr::V4(a) => u32::from(a).to_string(),
                                std::net::IpAddr::V6(a) => uint_lit(u128::from(a), 1 << 32),
                            }
                        }
                    };
                    let _ = writeln!(out, "(assert k{i}p)\n(assert (= k{i} {value}))");
                }
            }
        }
    }
    out.push_str("(check-sat)\n(pop 1)\n");
    Some(out)
}

/// The script for one z3 run (`z3 -in`): the blocks in order, each ending in `(check-sat)`.
pub fn z3_script(blocks: &[String]) -> String {
    let mut script = String::from("(set-logic ALL)\n");
    for b in blocks {
        script.push_str(b);
    }
    script
}

/// Reads z3's answers, one per `(check-sat)`.
pub fn parse_z3_answers(stdout: &str) -> Vec<SmtAnswer> {
    stdout
        .lines()
        .filter_map(|l| match l.trim() {
            "sat" => Some(SmtAnswer::Sat),
            "unsat" => Some(SmtAnswer::Unsat),
            "unknown" | "timeout" => Some(SmtAnswer::Unknown),
            _ => None,
        })
        .collect()
}

/// `arn:aws:sts::ID:assumed-role/ROLE/SESSION` as the caller key `arn:aws:iam::ID:role/ROLE` and
/// the session name; any other caller as itself.
fn session_caller(caller: &str) -> (String, Option<String>) {
    if let Some([arn, p, "sts", region, account, resource]) =
        perimeter_iam::pattern::split_arn(caller)
        && let Some((role, session)) = resource
            .strip_prefix("assumed-role/")
            .and_then(|r| r.split_once('/'))
    {
        return (
            format!("{arn}:{p}:iam:{region}:{account}:role/{role}"),
            Some(session.to_owned()),
        );
    }
    (caller.to_owned(), None)
}
