//! The normalized policy model that analysis works on, separate from the syntax tree.
//!
//! [`lower_policy`] interprets a [`PolicySyntax`]: effects become [`Effect`], actions and resources become
//! [`Template`]s with wildcards (and, under `Version: 2012-10-17`, variables), condition operators are
//! split into qualifier, base operator and `IfExists`. Anything that leaves the meaning undefined (an
//! invalid effect, an unknown operator) is an ERROR diagnostic; callers that evaluate or decide refuse a
//! policy with errors, as IAM refuses to store it.

use perimeter_json::Span;

use crate::diagnostic::{Diagnostic, Path, PathElement, Severity};
use crate::pattern::Template;
use crate::syntax::{PolicySyntax, PrincipalSyntax, ScalarKind, StatementSyntax, StrList};

/// Which kind of policy a document is; it decides which elements are allowed and required.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    Identity,
    Resource,
    /// An IAM role trust policy (`AWS::IAM::AssumeRolePolicyDocument`): a resource policy on a role.
    RoleTrust,
    ServiceControl,
    ResourceControl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    V2012_10_17,
    V2008_10_17,
    /// No `Version` element: IAM applies 2008-10-17 rules, so variables are literal text.
    Missing,
}

impl Version {
    pub fn supports_variables(self) -> bool {
        self == Version::V2012_10_17
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// `AWS`: account ids, account root ARNs, IAM user/role ARNs, session ARNs, `*`.
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub fn as_aws(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub value: String,
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalClause {
    pub negated: bool,
    /// The string form `"*"`: every principal, anonymous included.
    pub any: bool,
    pub principals: Vec<Principal>,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub negated: bool,
    pub patterns: Vec<Template>,
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// The condition operators of reference_policies_elements_condition_operators.html.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorBase {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// The family an operator belongs to, which decides how values are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

impl OperatorBase {
    pub const ALL: [OperatorBase; 27] = [
        OperatorBase::StringEquals,
        OperatorBase::StringNotEquals,
        OperatorBase::StringEqualsIgnoreCase,
        OperatorBase::StringNotEqualsIgnoreCase,
        OperatorBase::StringLike,
        OperatorBase::StringNotLike,
        OperatorBase::NumericEquals,
        OperatorBase::NumericNotEquals,
        OperatorBase::NumericLessThan,
        OperatorBase::NumericLessThanEquals,
        OperatorBase::NumericGreaterThan,
        OperatorBase::NumericGreaterThanEquals,
        OperatorBase::DateEquals,
        OperatorBase::DateNotEquals,
        OperatorBase::DateLessThan,
        OperatorBase::DateLessThanEquals,
        OperatorBase::DateGreaterThan,
        OperatorBase::DateGreaterThanEquals,
        OperatorBase::Bool,
        OperatorBase::BinaryEquals,
        OperatorBase::IpAddress,
        OperatorBase::NotIpAddress,
        OperatorBase::ArnEquals,
        OperatorBase::ArnLike,
        OperatorBase::ArnNotEquals,
        OperatorBase::ArnNotLike,
        OperatorBase::Null,
    ];

    pub fn name(self) -> &'static str {
        use OperatorBase::*;
        match self {
            StringEquals => "StringEquals",
            StringNotEquals => "StringNotEquals",
            StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            StringLike => "StringLike",
            StringNotLike => "StringNotLike",
            NumericEquals => "NumericEquals",
            NumericNotEquals => "NumericNotEquals",
            NumericLessThan => "NumericLessThan",
            NumericLessThanEquals => "NumericLessThanEquals",
            NumericGreaterThan => "NumericGreaterThan",
            NumericGreaterThanEquals => "NumericGreaterThanEquals",
            DateEquals => "DateEquals",
            DateNotEquals => "DateNotEquals",
            DateLessThan => "DateLessThan",
            DateLessThanEquals => "DateLessThanEquals",
            DateGreaterThan => "DateGreaterThan",
            DateGreaterThanEquals => "DateGreaterThanEquals",
            Bool => "Bool",
            BinaryEquals => "BinaryEquals",
            IpAddress => "IpAddress",
            NotIpAddress => "NotIpAddress",
            ArnEquals => "ArnEquals",
            ArnLike => "ArnLike",
            ArnNotEquals => "ArnNotEquals",
            ArnNotLike => "ArnNotLike",
            Null => "Null",
        }
    }

    pub fn from_name(name: &str) -> Option<OperatorBase> {
        OperatorBase::ALL.into_iter().find(|o| o.name() == name)
    }

    pub fn family(self) -> OperatorFamily {
        use OperatorBase::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => OperatorFamily::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => OperatorFamily::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => OperatorFamily::Date,
            Bool => OperatorFamily::Bool,
            BinaryEquals => OperatorFamily::Binary,
            IpAddress | NotIpAddress => OperatorFamily::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => OperatorFamily::Arn,
            Null => OperatorFamily::Null,
        }
    }

    /// A negated operator matches when the value matches none of the policy values, and matches when
    /// the key is absent.
    pub fn is_negated(self) -> bool {
        use OperatorBase::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether `*` and `?` in policy values are wildcards.
    pub fn uses_wildcards(self) -> bool {
        use OperatorBase::*;
        matches!(
            self,
            StringLike | StringNotLike | ArnEquals | ArnLike | ArnNotEquals | ArnNotLike
        )
    }

    /// Whether policy variables are substituted in values (string and ARN operators only).
    pub fn supports_variables(self) -> bool {
        matches!(self.family(), OperatorFamily::String | OperatorFamily::Arn)
    }
}

/// A parsed condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operator {
    pub qualifier: Option<SetQualifier>,
    pub base: OperatorBase,
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name. Names are case-sensitive, as IAM treats them.
    pub fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (base, if_exists) = match OperatorBase::from_name(rest) {
            Some(b) => (b, false),
            None => (
                OperatorBase::from_name(rest.strip_suffix("IfExists")?)?,
                true,
            ),
        };
        Some(Operator {
            qualifier,
            base,
            if_exists,
        })
    }

    pub fn name(&self) -> String {
        let q = match self.qualifier {
            Some(SetQualifier::ForAllValues) => "ForAllValues:",
            Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
            None => "",
        };
        let e = if self.if_exists { "IfExists" } else { "" };
        format!("{q}{}{e}", self.base.name())
    }
}

/// One policy value of a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionValue {
    /// The value as written (booleans and numbers as their JSON text).
    pub text: String,
    pub kind: ScalarKind,
    /// The value as a pattern: wildcards for `*Like`/`Arn*`, variables for string and ARN operators
    /// under Version 2012-10-17.
    pub template: Template,
}

/// One `operator: {key: values}` test. A statement's conditions all must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    /// The key as written; keys compare case-insensitively.
    pub key: String,
    pub values: Vec<ConditionValue>,
    pub path: Path,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// `None` when the statement has neither `Principal` nor `NotPrincipal` (identity policies).
    pub principal: Option<PrincipalClause>,
    pub action: Clause,
    /// `None` when the statement has neither `Resource` nor `NotResource` (trust policies).
    pub resource: Option<Clause>,
    pub conditions: Vec<Condition>,
    pub span: Span,
    pub path: Path,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// Lowers a syntax tree to the model. Statements whose meaning is undefined (no valid effect, no
/// action) are left out and reported as ERROR diagnostics.
pub fn lower_policy(syntax: &PolicySyntax) -> (Policy, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let version = match &syntax.version {
        None => Version::Missing,
        Some(v) if v.value == "2012-10-17" => Version::V2012_10_17,
        Some(v) if v.value == "2008-10-17" => Version::V2008_10_17,
        Some(v) => {
            diags.push(
                Diagnostic::new(
                    "INVALID_VERSION",
                    Severity::Error,
                    format!(
                        "The policy version `{}` is not valid; use `2012-10-17`.",
                        v.value
                    ),
                )
                .at(v.path.clone(), v.span),
            );
            Version::Missing
        }
    };
    let mut statements = Vec::new();
    for st in &syntax.statements {
        if let Some(s) = lower_statement(st, version, &mut diags) {
            statements.push(s);
        }
    }
    (
        Policy {
            version,
            id: syntax.id.as_ref().map(|i| i.value.clone()),
            statements,
        },
        diags,
    )
}

/// Parses and lowers in one step. On any ERROR, returns every diagnostic instead of a policy.
pub fn parse_and_lower(src: &str) -> Result<Policy, Vec<Diagnostic>> {
    let parsed = crate::syntax::parse_policy(src);
    let mut diags = parsed.diagnostics;
    let Some(syntax) = parsed.syntax else {
        return Err(diags);
    };
    let (policy, more) = lower_policy(&syntax);
    diags.extend(more);
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(policy)
    }
}

fn combination_error(diags: &mut Vec<Diagnostic>, a: &str, b: &str, path: &Path, span: Span) {
    diags.push(
        Diagnostic::new(
            "UNSUPPORTED_ELEMENT_COMBINATION",
            Severity::Error,
            format!("The policy elements `{a}` and `{b}` can not be used in the same statement."),
        )
        .at(path.clone(), span),
    );
}

fn lower_statement(
    st: &StatementSyntax,
    version: Version,
    diags: &mut Vec<Diagnostic>,
) -> Option<Statement> {
    let effect = match &st.effect {
        None => {
            diags.push(
                Diagnostic::new(
                    "MISSING_EFFECT",
                    Severity::Error,
                    "Add an `Effect` element to the statement with a value of `Allow` or `Deny`.",
                )
                .at(st.path.clone(), st.span),
            );
            None
        }
        Some(e) if e.value == "Allow" => Some(Effect::Allow),
        Some(e) if e.value == "Deny" => Some(Effect::Deny),
        Some(e) => {
            diags.push(
                Diagnostic::new(
                    "INVALID_EFFECT",
                    Severity::Error,
                    format!(
                        "The effect `{}` is not valid; use `Allow` or `Deny` (case-sensitive).",
                        e.value
                    ),
                )
                .at(e.path.clone(), e.span),
            );
            None
        }
    };

    if st.action.is_some() && st.not_action.is_some() {
        combination_error(diags, "Action", "NotAction", &st.path, st.span);
    }
    if st.resource.is_some() && st.not_resource.is_some() {
        combination_error(diags, "Resource", "NotResource", &st.path, st.span);
    }
    if st.principal.is_some() && st.not_principal.is_some() {
        combination_error(diags, "Principal", "NotPrincipal", &st.path, st.span);
    }

    let action = match (&st.action, &st.not_action) {
        (Some(a), _) => Some(lower_actions(a, false)),
        (None, Some(a)) => Some(lower_actions(a, true)),
        (None, None) => {
            diags.push(
                Diagnostic::new(
                    "MISSING_ACTION",
                    Severity::Error,
                    "Add an `Action` or `NotAction` element to the statement.",
                )
                .at(st.path.clone(), st.span),
            );
            None
        }
    };
    let resource = match (&st.resource, &st.not_resource) {
        (Some(r), _) => Some(lower_resources(r, false, version)),
        (None, Some(r)) => Some(lower_resources(r, true, version)),
        (None, None) => None,
    };
    let principal = match (&st.principal, &st.not_principal) {
        (Some(p), _) => lower_principal(p, false, diags),
        (None, Some(p)) => lower_principal(p, true, diags),
        (None, None) => None,
    };

    let mut conditions = Vec::new();
    if let Some(cond) = &st.condition {
        for block in &cond.operators {
            let Some(operator) = Operator::parse(&block.operator.value) else {
                diags.push(
                    Diagnostic::new(
                        "INVALID_CONDITION_OPERATOR",
                        Severity::Error,
                        format!(
                            "The condition operator `{}` is not valid.",
                            block.operator.value
                        ),
                    )
                    .at(block.operator.path.clone(), block.operator.span),
                );
                continue;
            };
            for k in &block.keys {
                let values = k
                    .values
                    .items
                    .iter()
                    .map(|v| {
                        let (template, _) = Template::parse(
                            &v.value,
                            operator.base.uses_wildcards(),
                            version.supports_variables() && operator.base.supports_variables(),
                        );
                        ConditionValue {
                            text: v.value.clone(),
                            kind: v.kind,
                            template,
                        }
                    })
                    .collect();
                conditions.push(Condition {
                    operator,
                    key: k.key.value.clone(),
                    values,
                    path: k.values.path.clone(),
                    span: k.key.span,
                });
            }
        }
    }

    Some(Statement {
        index: st.index,
        sid: st.sid.as_ref().map(|s| s.value.clone()),
        effect: effect?,
        principal,
        action: action?,
        resource,
        conditions,
        span: st.span,
        path: st.path.clone(),
    })
}

fn lower_actions(list: &StrList, negated: bool) -> Clause {
    Clause {
        negated,
        patterns: list
            .items
            .iter()
            .map(|s| Template::parse(&s.value, true, false).0)
            .collect(),
    }
}

fn lower_resources(list: &StrList, negated: bool, version: Version) -> Clause {
    Clause {
        negated,
        patterns: list
            .items
            .iter()
            .map(|s| Template::parse(&s.value, true, version.supports_variables()).0)
            .collect(),
    }
}

fn lower_principal(
    p: &PrincipalSyntax,
    negated: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<PrincipalClause> {
    match p {
        PrincipalSyntax::Star(s) => {
            if s.value != "*" {
                diags.push(
                    Diagnostic::new(
                        "INVALID_PRINCIPAL_FORMAT",
                        Severity::Error,
                        format!(
                            "The principal `{}` is not valid; write `\"*\"` or an object such as `{{\"AWS\": \"…\"}}`.",
                            s.value
                        ),
                    )
                    .at(s.path.clone(), s.span),
                );
                return None;
            }
            Some(PrincipalClause {
                negated,
                any: true,
                principals: Vec::new(),
            })
        }
        PrincipalSyntax::Map { entries, .. } => {
            let mut principals = Vec::new();
            for (key, values) in entries {
                let kind = match key.value.as_str() {
                    "AWS" => PrincipalKind::Aws,
                    "Service" => PrincipalKind::Service,
                    "Federated" => PrincipalKind::Federated,
                    "CanonicalUser" => PrincipalKind::CanonicalUser,
                    other => {
                        diags.push(
                            Diagnostic::new(
                                "INVALID_PRINCIPAL_KEY",
                                Severity::Error,
                                format!(
                                    "The principal key `{other}` is not valid; use `AWS`, `Service`, `Federated` or `CanonicalUser`."
                                ),
                            )
                            .at(key.path.clone(), key.span),
                        );
                        continue;
                    }
                };
                principals.extend(values.items.iter().map(|v| Principal {
                    kind,
                    value: v.value.clone(),
                }));
            }
            Some(PrincipalClause {
                negated,
                any: false,
                principals,
            })
        }
    }
}

/// The path of a statement element, for diagnostics built from the model.
pub fn element_path(statement: &Statement, element: &str) -> Path {
    let mut p = statement.path.clone();
    p.push(PathElement::Value(element.to_owned()));
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse() {
        let check = |name: &str, expected: Option<(Option<SetQualifier>, OperatorBase, bool)>| {
            let got = Operator::parse(name).map(|o| (o.qualifier, o.base, o.if_exists));
            assert_eq!(got, expected, "{name}");
            if let Some(o) = Operator::parse(name) {
                assert_eq!(o.name(), name);
            }
        };
        check(
            "StringEquals",
            Some((None, OperatorBase::StringEquals, false)),
        );
        check(
            "ForAnyValue:StringLikeIfExists",
            Some((
                Some(SetQualifier::ForAnyValue),
                OperatorBase::StringLike,
                true,
            )),
        );
        check("NullIfExists", Some((None, OperatorBase::Null, true)));
        check(
            "ForAllValues:ArnLike",
            Some((
                Some(SetQualifier::ForAllValues),
                OperatorBase::ArnLike,
                false,
            )),
        );
        check("stringequals", None);
        check("ForAnyValue::StringEquals", None);
        check("x", None);
    }

    #[test]
    fn lowering() {
        let p = parse_and_lower(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","NotAction":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}","Condition":{"StringLike":{"s3:prefix":["home/*"]},"Bool":{"aws:SecureTransport":true}}}]}"#,
        )
        .unwrap();
        let s = &p.statements[0];
        assert!(s.action.negated);
        assert!(s.resource.as_ref().unwrap().patterns[0].has_variables());
        assert_eq!(s.conditions.len(), 2);
        assert!(s.conditions[0].values[0].template.has_wildcards());
        assert_eq!(s.conditions[1].values[0].text, "true");

        // Without a version, variables are literal text.
        let p = parse_and_lower(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}"#,
        )
        .unwrap();
        assert!(!p.statements[0].resource.as_ref().unwrap().patterns[0].has_variables());

        for (src, code) in [
            (
                r#"{"Statement":{"Effect":"allow","Action":"s3:*"}}"#,
                "INVALID_EFFECT",
            ),
            (r#"{"Statement":{"Action":"s3:*"}}"#, "MISSING_EFFECT"),
            (r#"{"Statement":{"Effect":"Allow"}}"#, "MISSING_ACTION"),
            (
                r#"{"Version":"2013-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}"#,
                "INVALID_VERSION",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"a","NotAction":"b"}}"#,
                "UNSUPPORTED_ELEMENT_COMBINATION",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"a","Condition":{"x":{"a":"1"}}}}"#,
                "INVALID_CONDITION_OPERATOR",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"a","Principal":"me"}}"#,
                "INVALID_PRINCIPAL_FORMAT",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"a","Principal":{"Aws":"*"}}}"#,
                "INVALID_PRINCIPAL_KEY",
            ),
        ] {
            let diags = parse_and_lower(src).unwrap_err();
            assert!(diags.iter().any(|d| d.code == code), "{src}: {diags:?}");
        }
    }
}
