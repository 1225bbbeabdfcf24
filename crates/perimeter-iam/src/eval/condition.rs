//! The `Condition` element against a request context
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>).

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::model::{Condition, ConditionValue, OperatorBase, OperatorFamily, SetQualifier};
use crate::pattern::{Part, Template, arn_like, simple_lower};

use super::values::{Decimal, IpNetwork, decode_base64, parse_bool, parse_date, parse_ip};
use super::{Context, Missing};

/// Evaluates one `operator: {key: values}` test.
///
/// - `Null`: `"true"` holds iff the key is absent, `"false"` iff present (set qualifiers and `IfExists`
///   do not change it).
/// - Key absent (or present with no values): `…IfExists` holds; `ForAllValues` holds; `ForAnyValue`
///   fails; otherwise negated operators hold and positive operators fail.
/// - Key present: each request value is tested against the policy values (OR over policy values; for
///   a negated operator, NOR). Without a qualifier a positive operator needs some request value to
///   match and a negated one needs every request value to match none; `ForAnyValue` needs some request
///   value to pass, `ForAllValues` every one.
pub(crate) fn eval_condition(c: &Condition, ctx: &Context, missing: &mut Missing) -> bool {
    let op = c.operator;
    let values: &[String] = ctx.get(&c.key).map_or(&[], |e| e.values.as_slice());
    let present = !values.is_empty();
    if op.base == OperatorBase::Null {
        if !present {
            missing.note(&c.key, ctx);
        }
        return c.values.iter().any(|v| match parse_bool(&v.text) {
            Some(true) => !present,
            Some(false) => present,
            None => false,
        });
    }
    if !present {
        missing.note(&c.key, ctx);
        if op.if_exists {
            return true;
        }
        return match op.qualifier {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => false,
            None => op.base.is_negated(),
        };
    }
    let negated = op.base.is_negated();
    if c.values.iter().any(|v| v.template.has_variables()) {
        // Substitute variables once per condition; a value whose variable has no value and no
        // default is dropped: it can match nothing.
        let policy: Vec<Cow<'_, Template>> = c
            .values
            .iter()
            .filter_map(|v| resolve(v, ctx, missing))
            .collect();
        combine(op.qualifier, negated, values, |req| {
            policy.iter().any(|p| positive(op.base, req, p)) != negated
        })
    } else {
        combine(op.qualifier, negated, values, |req| {
            c.values.iter().any(|v| positive(op.base, req, &v.template)) != negated
        })
    }
}

/// Combines the per-request-value test over the request's values.
fn combine(
    qualifier: Option<SetQualifier>,
    negated: bool,
    values: &[String],
    passes: impl Fn(&str) -> bool,
) -> bool {
    match qualifier {
        Some(SetQualifier::ForAllValues) => values.iter().all(|v| passes(v)),
        Some(SetQualifier::ForAnyValue) => values.iter().any(|v| passes(v)),
        None if negated => values.iter().all(|v| passes(v)),
        None => values.iter().any(|v| passes(v)),
    }
}

fn resolve<'a>(
    v: &'a ConditionValue,
    ctx: &Context,
    missing: &mut Missing,
) -> Option<Cow<'a, Template>> {
    if !v.template.has_variables() {
        return Some(Cow::Borrowed(&v.template));
    }
    let mut absent: Vec<String> = Vec::new();
    let out = v.template.substitute(&|key| {
        // Only single-valued keys can be variables.
        match ctx.get(key).map(|e| e.values.as_slice()) {
            Some([one]) => Some(one.clone()),
            _ => None,
        }
    });
    for key in v.template.variables() {
        if ctx.get(key).is_none() {
            absent.push(key.to_owned());
        }
    }
    for key in &absent {
        missing.note(key, ctx);
    }
    out.map(Cow::Owned)
}

/// The template's text when it has no wildcards or variables left.
fn text_of(t: &Template) -> Cow<'_, str> {
    match t.parts.as_slice() {
        [] => Cow::Borrowed(""),
        [Part::Lit(s)] => Cow::Borrowed(s.as_str()),
        parts => {
            let mut s = String::new();
            for p in parts {
                match p {
                    Part::Lit(l) => s.push_str(l),
                    Part::Star => s.push('*'),
                    Part::Question => s.push('?'),
                    Part::Var { key, .. } => {
                        s.push_str("${");
                        s.push_str(key);
                        s.push('}');
                    }
                }
            }
            Cow::Owned(s)
        }
    }
}

fn eq_fold(a: &str, b: &str) -> bool {
    let mut x = a.chars().map(simple_lower);
    let mut y = b.chars().map(simple_lower);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

/// The positive comparison of one request value with one policy value: the operator itself for
/// positive operators, its positive counterpart for negated ones.
fn positive(base: OperatorBase, req: &str, pol: &Template) -> bool {
    use OperatorBase::*;
    match base.family() {
        OperatorFamily::String => match base {
            StringEquals | StringNotEquals => req == text_of(pol),
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => eq_fold(req, &text_of(pol)),
            _ => pol.matches(req, false),
        },
        OperatorFamily::Arn => arn_like(pol, req),
        OperatorFamily::Numeric => {
            let (Some(r), Some(p)) = (Decimal::parse(req), Decimal::parse(&text_of(pol))) else {
                return false;
            };
            compare(base, r.cmp(&p))
        }
        OperatorFamily::Date => {
            let (Some(r), Some(p)) = (parse_date(req), parse_date(&text_of(pol))) else {
                return false;
            };
            compare(base, r.cmp(&p))
        }
        OperatorFamily::Bool => match (parse_bool(req), parse_bool(&text_of(pol))) {
            (Some(r), Some(p)) => r == p,
            _ => false,
        },
        OperatorFamily::Binary => match (decode_base64(req), decode_base64(&text_of(pol))) {
            (Some(r), Some(p)) => r == p,
            _ => false,
        },
        OperatorFamily::Ip => match (parse_ip(req), IpNetwork::parse(&text_of(pol))) {
            (Some(r), Some(p)) => p.contains(r),
            _ => false,
        },
        OperatorFamily::Null => false,
    }
}

fn compare(base: OperatorBase, ord: Ordering) -> bool {
    use OperatorBase::*;
    match base {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => ord == Ordering::Equal,
        NumericLessThan | DateLessThan => ord == Ordering::Less,
        NumericLessThanEquals | DateLessThanEquals => ord != Ordering::Greater,
        NumericGreaterThan | DateGreaterThan => ord == Ordering::Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => ord != Ordering::Less,
        _ => false,
    }
}
