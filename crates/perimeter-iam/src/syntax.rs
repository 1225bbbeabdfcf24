//! Policy text → syntax tree with a span and a path for every node.
//!
//! [`parse_policy`] checks the *shape* of the document: JSON syntax, which elements exist, and the JSON
//! type of each. It keeps everything it can, so the validation rules can speak about a policy with a
//! few broken parts. Values are not interpreted here (an `Effect` of `"allow"` is kept as written);
//! that is the job of [`crate::model::lower_policy`] and the rules in [`crate::validate`].

use perimeter_json::{Member, Node, Span, Value};

use crate::diagnostic::{Diagnostic, Path, PathElement, Severity};

/// The JSON type of a scalar that stood where IAM expects text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarKind {
    String,
    Bool,
    Number,
}

/// A scalar with where it came from. Booleans and numbers keep their JSON text (`true`, `10`).
#[derive(Clone, Debug, PartialEq)]
pub struct Str {
    pub value: String,
    pub kind: ScalarKind,
    pub span: Span,
    pub path: Path,
}

/// A string or a list of strings (`Action`, `Resource`, principal values, condition values).
#[derive(Clone, Debug, PartialEq)]
pub struct StrList {
    pub items: Vec<Str>,
    /// Written as a JSON array (as opposed to a single value).
    pub is_array: bool,
    pub span: Span,
    pub path: Path,
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalSyntax {
    /// The string form; valid only as `"*"`.
    Star(Str),
    /// `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}`; the key keeps its own span.
    Map {
        entries: Vec<(Str, StrList)>,
        span: Span,
        path: Path,
    },
}

impl PrincipalSyntax {
    pub fn span(&self) -> Span {
        match self {
            PrincipalSyntax::Star(s) => s.span,
            PrincipalSyntax::Map { span, .. } => *span,
        }
    }
    pub fn path(&self) -> &Path {
        match self {
            PrincipalSyntax::Star(s) => &s.path,
            PrincipalSyntax::Map { path, .. } => path,
        }
    }
}

/// One `"key": values` pair under a condition operator.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionKeySyntax {
    /// The key as written; its span is the key token.
    pub key: Str,
    pub values: StrList,
}

/// One operator block, such as `"StringEquals": {…}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionOperatorSyntax {
    /// The operator as written; its span is the key token.
    pub operator: Str,
    pub keys: Vec<ConditionKeySyntax>,
    pub span: Span,
    pub path: Path,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionSyntax {
    pub operators: Vec<ConditionOperatorSyntax>,
    pub span: Span,
    pub path: Path,
}

/// One statement, with each element as written.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StatementSyntax {
    /// Position in the `Statement` list (0 for a single statement object).
    pub index: usize,
    pub span: Span,
    pub path: Path,
    pub sid: Option<Str>,
    pub effect: Option<Str>,
    pub principal: Option<PrincipalSyntax>,
    pub not_principal: Option<PrincipalSyntax>,
    pub action: Option<StrList>,
    pub not_action: Option<StrList>,
    pub resource: Option<StrList>,
    pub not_resource: Option<StrList>,
    pub condition: Option<ConditionSyntax>,
}

/// A whole policy document.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PolicySyntax {
    pub span: Span,
    pub version: Option<Str>,
    pub id: Option<Str>,
    pub statements: Vec<StatementSyntax>,
    /// The `Statement` member's value span, when present.
    pub statement_span: Option<Span>,
    pub statement_is_array: bool,
}

/// The result of parsing: the tree (absent only when the text is not a JSON object) and the problems.
#[derive(Clone, Debug)]
pub struct ParsedPolicy {
    pub syntax: Option<PolicySyntax>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a policy document.
pub fn parse_policy(src: &str) -> ParsedPolicy {
    let mut diags = Vec::new();
    let root = match perimeter_json::parse(src) {
        Ok(root) => root,
        Err(e) => {
            let idx = perimeter_json::LineIndex::new(src);
            let pos = idx.position(e.offset);
            diags.push(
                Diagnostic::new(
                    "JSON_SYNTAX_ERROR",
                    Severity::Error,
                    format!(
                        "Fix the JSON syntax error at index {} line {} column {}: {}.",
                        pos.offset,
                        pos.line,
                        pos.column + 1,
                        e.message
                    ),
                )
                .at(Vec::new(), Span::new(e.offset, e.offset)),
            );
            return ParsedPolicy {
                syntax: None,
                diagnostics: diags,
            };
        }
    };
    let syntax = lower_root(&root, &mut diags);
    ParsedPolicy {
        syntax,
        diagnostics: diags,
    }
}

fn shape_error(diags: &mut Vec<Diagnostic>, message: String, path: Path, span: Span) {
    diags.push(Diagnostic::new("INVALID_POLICY_ELEMENT", Severity::Error, message).at(path, span));
}

fn child(path: &Path, el: PathElement) -> Path {
    let mut p = path.clone();
    p.push(el);
    p
}

/// Reports repeated keys in an object: JSON allows them, IAM does not, and a reader would see only one.
fn check_duplicates(members: &[Member], path: &Path, diags: &mut Vec<Diagnostic>) {
    for (i, m) in members.iter().enumerate() {
        if members.iter().take(i).any(|prev| prev.key == m.key) {
            diags.push(
                Diagnostic::new(
                    "PERIMETER_DUPLICATE_KEY",
                    Severity::Error,
                    format!(
                        "The key `{}` appears more than once in the same object; IAM rejects duplicate keys.",
                        m.key
                    ),
                )
                .at(child(path, PathElement::Key(m.key.clone())), m.key_span),
            );
        }
    }
}

fn lower_root(root: &Node, diags: &mut Vec<Diagnostic>) -> Option<PolicySyntax> {
    let Some(members) = root.as_object() else {
        diags.push(
            Diagnostic::new(
                "JSON_SYNTAX_ERROR",
                Severity::Error,
                format!(
                    "A policy document must be a JSON object, not a {}.",
                    root.value.type_name()
                ),
            )
            .at(Vec::new(), root.span),
        );
        return None;
    };
    let root_path: Path = Vec::new();
    check_duplicates(members, &root_path, diags);
    let mut policy = PolicySyntax {
        span: root.span,
        ..PolicySyntax::default()
    };
    let mut saw_statement = false;
    for m in members {
        let path = vec![PathElement::Value(m.key.clone())];
        match m.key.as_str() {
            "Version" => policy.version = scalar_string(&m.value, path, diags),
            "Id" => policy.id = scalar_string(&m.value, path, diags),
            "Statement" => {
                if saw_statement {
                    continue;
                }
                saw_statement = true;
                policy.statement_span = Some(m.value.span);
                match &m.value.value {
                    Value::Object(_) => {
                        if let Some(s) = lower_statement(&m.value, 0, path, diags) {
                            policy.statements.push(s);
                        }
                    }
                    Value::Array(items) => {
                        policy.statement_is_array = true;
                        if items.is_empty() {
                            diags.push(
                                Diagnostic::new(
                                    "MISSING_STATEMENT",
                                    Severity::Error,
                                    "Add at least one statement to the policy.",
                                )
                                .at(path.clone(), m.value.span),
                            );
                        }
                        for (i, item) in items.iter().enumerate() {
                            let p = child(&path, PathElement::Index(i));
                            if let Some(s) = lower_statement(item, i, p, diags) {
                                policy.statements.push(s);
                            }
                        }
                    }
                    other => shape_error(
                        diags,
                        format!(
                            "`Statement` must be an object or an array of objects, not a {}.",
                            other.type_name()
                        ),
                        path,
                        m.value.span,
                    ),
                }
            }
            other => shape_error(
                diags,
                format!("`{other}` is not a policy element; use `Version`, `Id` and `Statement`."),
                vec![PathElement::Key(m.key.clone())],
                m.key_span,
            ),
        }
    }
    if !saw_statement {
        diags.push(
            Diagnostic::new(
                "MISSING_STATEMENT",
                Severity::Error,
                "Add a `Statement` element to the policy.",
            )
            .at(Vec::new(), root.span),
        );
    }
    Some(policy)
}

/// A scalar where IAM wants a string; numbers and booleans are kept with their kind.
fn scalar(node: &Node, path: Path) -> Option<Str> {
    let (value, kind) = match &node.value {
        Value::String(s) => (s.clone(), ScalarKind::String),
        Value::Bool(b) => (b.to_string(), ScalarKind::Bool),
        Value::Number(n) => (n.clone(), ScalarKind::Number),
        _ => return None,
    };
    Some(Str {
        value,
        kind,
        span: node.span,
        path,
    })
}

fn scalar_string(node: &Node, path: Path, diags: &mut Vec<Diagnostic>) -> Option<Str> {
    match &node.value {
        Value::String(s) => Some(Str {
            value: s.clone(),
            kind: ScalarKind::String,
            span: node.span,
            path,
        }),
        other => {
            shape_error(
                diags,
                format!(
                    "This element must be a string, not a {}.",
                    other.type_name()
                ),
                path,
                node.span,
            );
            None
        }
    }
}

/// A string or an array of strings. `allow_scalars` also accepts numbers and booleans (condition values).
fn str_list(
    node: &Node,
    path: Path,
    allow_scalars: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<StrList> {
    let accept = |n: &Node, p: Path| -> Option<Str> {
        match &n.value {
            Value::String(_) => scalar(n, p),
            Value::Bool(_) | Value::Number(_) if allow_scalars => scalar(n, p),
            _ => None,
        }
    };
    match &node.value {
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p = child(&path, PathElement::Index(i));
                if item.value == Value::Null {
                    // IAM accepts and ignores `null` in a list (moto's test_iam_policies
                    // "NullResource" case, created successfully by IAM).
                    diags.push(
                        Diagnostic::new(
                            "PERIMETER_NULL_IN_LIST",
                            Severity::Suggestion,
                            "IAM ignores `null` in this list; remove it.",
                        )
                        .at(p, item.span),
                    );
                    continue;
                }
                match accept(item, p.clone()) {
                    Some(s) => out.push(s),
                    None => shape_error(
                        diags,
                        format!(
                            "A list element here must be a string, not a {}.",
                            item.value.type_name()
                        ),
                        p,
                        item.span,
                    ),
                }
            }
            Some(StrList {
                items: out,
                is_array: true,
                span: node.span,
                path,
            })
        }
        _ => match accept(node, path.clone()) {
            Some(s) => Some(StrList {
                items: vec![s],
                is_array: false,
                span: node.span,
                path,
            }),
            None => {
                shape_error(
                    diags,
                    format!(
                        "This element must be a string or a list of strings, not a {}.",
                        node.value.type_name()
                    ),
                    path,
                    node.span,
                );
                None
            }
        },
    }
}

fn lower_statement(
    node: &Node,
    index: usize,
    path: Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<StatementSyntax> {
    let Some(members) = node.as_object() else {
        shape_error(
            diags,
            format!(
                "A statement must be a JSON object, not a {}.",
                node.value.type_name()
            ),
            path,
            node.span,
        );
        return None;
    };
    check_duplicates(members, &path, diags);
    let mut st = StatementSyntax {
        index,
        span: node.span,
        path: path.clone(),
        ..StatementSyntax::default()
    };
    for m in members {
        let p = child(&path, PathElement::Value(m.key.clone()));
        let v = &m.value;
        match m.key.as_str() {
            "Sid" => st.sid = scalar_string(v, p, diags),
            "Effect" => st.effect = scalar_string(v, p, diags),
            "Principal" => st.principal = principal(v, p, diags),
            "NotPrincipal" => st.not_principal = principal(v, p, diags),
            "Action" => st.action = str_list(v, p, false, diags),
            "NotAction" => st.not_action = str_list(v, p, false, diags),
            "Resource" => st.resource = str_list(v, p, false, diags),
            "NotResource" => st.not_resource = str_list(v, p, false, diags),
            "Condition" => st.condition = condition(v, p, diags),
            other => shape_error(
                diags,
                format!(
                    "`{other}` is not a statement element; use `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`, `Resource`, `NotResource` or `Condition`."
                ),
                child(&path, PathElement::Key(m.key.clone())),
                m.key_span,
            ),
        }
    }
    Some(st)
}

fn principal(node: &Node, path: Path, diags: &mut Vec<Diagnostic>) -> Option<PrincipalSyntax> {
    match &node.value {
        Value::String(_) => scalar(node, path).map(PrincipalSyntax::Star),
        Value::Object(members) => {
            check_duplicates(members, &path, diags);
            let mut entries = Vec::new();
            for m in members {
                let key = Str {
                    value: m.key.clone(),
                    kind: ScalarKind::String,
                    span: m.key_span,
                    path: child(&path, PathElement::Key(m.key.clone())),
                };
                let p = child(&path, PathElement::Value(m.key.clone()));
                if let Some(values) = str_list(&m.value, p, false, diags) {
                    entries.push((key, values));
                }
            }
            Some(PrincipalSyntax::Map {
                entries,
                span: node.span,
                path,
            })
        }
        other => {
            shape_error(
                diags,
                format!(
                    "`Principal` must be `\"*\"` or an object, not a {}.",
                    other.type_name()
                ),
                path,
                node.span,
            );
            None
        }
    }
}

fn condition(node: &Node, path: Path, diags: &mut Vec<Diagnostic>) -> Option<ConditionSyntax> {
    let Some(members) = node.as_object() else {
        shape_error(
            diags,
            format!(
                "`Condition` must be an object of operators, not a {}.",
                node.value.type_name()
            ),
            path,
            node.span,
        );
        return None;
    };
    check_duplicates(members, &path, diags);
    let mut out = ConditionSyntax {
        operators: Vec::new(),
        span: node.span,
        path: path.clone(),
    };
    for m in members {
        let op_path = child(&path, PathElement::Value(m.key.clone()));
        let operator = Str {
            value: m.key.clone(),
            kind: ScalarKind::String,
            span: m.key_span,
            path: child(&path, PathElement::Key(m.key.clone())),
        };
        let Some(keys) = m.value.as_object() else {
            shape_error(
                diags,
                format!(
                    "The condition operator `{}` must map to an object of condition keys, not a {}.",
                    m.key,
                    m.value.value.type_name()
                ),
                op_path,
                m.value.span,
            );
            continue;
        };
        check_duplicates(keys, &op_path, diags);
        let mut block = ConditionOperatorSyntax {
            operator,
            keys: Vec::new(),
            span: m.value.span,
            path: op_path.clone(),
        };
        for k in keys {
            let key_path = child(&op_path, PathElement::Value(k.key.clone()));
            let key = Str {
                value: k.key.clone(),
                kind: ScalarKind::String,
                span: k.key_span,
                path: child(&op_path, PathElement::Key(k.key.clone())),
            };
            if let Some(values) = str_list(&k.value, key_path, true, diags) {
                block.keys.push(ConditionKeySyntax { key, values });
            }
        }
        out.operators.push(block);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(src: &str) -> Vec<&'static str> {
        parse_policy(src)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn shapes() {
        let ok = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;
        assert_eq!(codes(ok), Vec::<&str>::new());
        let p = parse_policy(ok).syntax.unwrap();
        assert_eq!(p.statements.len(), 1);
        assert!(!p.statement_is_array);
        let a = p.statements[0].action.as_ref().unwrap();
        assert_eq!(a.items[0].value, "s3:GetObject");
        assert_eq!(
            &ok[a.items[0].span.start as usize..a.items[0].span.end as usize],
            "\"s3:GetObject\""
        );
        assert_eq!(
            a.path,
            vec![
                PathElement::Value("Statement".into()),
                PathElement::Value("Action".into())
            ]
        );

        for (src, code) in [
            ("not json", "JSON_SYNTAX_ERROR"),
            ("\"This is not a json document\"", "JSON_SYNTAX_ERROR"),
            (r#"{"Version":"2012-10-17"}"#, "MISSING_STATEMENT"),
            (r#"{"Statement":[]}"#, "MISSING_STATEMENT"),
            (r#"{"Statement":["afd"]}"#, "INVALID_POLICY_ELEMENT"),
            (
                r#"{"Statement":{"Effect":"Allow","Action":{}}}"#,
                "INVALID_POLICY_ELEMENT",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":[[]]}}"#,
                "INVALID_POLICY_ELEMENT",
            ),
            (r#"{"Statement":{"Sid":[]}}"#, "INVALID_POLICY_ELEMENT"),
            (
                r#"{"Statement":{"Extra field":"value"}}"#,
                "INVALID_POLICY_ELEMENT",
            ),
            (
                r#"{"Statement":{},"Extra field":"value"}"#,
                "INVALID_POLICY_ELEMENT",
            ),
            (r#"{"Id":{},"Statement":{}}"#, "INVALID_POLICY_ELEMENT"),
            (
                r#"{"Statement":{"Condition":"a"}}"#,
                "INVALID_POLICY_ELEMENT",
            ),
            (
                r#"{"Statement":{"Condition":{"a":"b"}}}"#,
                "INVALID_POLICY_ELEMENT",
            ),
            (
                r#"{"Statement":{"Condition":{"DateGreaterThan":{"a":{}}}}}"#,
                "INVALID_POLICY_ELEMENT",
            ),
            (
                r#"{"Statement":{},"Statement":{}}"#,
                "PERIMETER_DUPLICATE_KEY",
            ),
        ] {
            assert!(codes(src).contains(&code), "{src}: {:?}", codes(src));
        }
    }

    #[test]
    fn condition_values_keep_their_kind() {
        let src = r#"{"Statement":{"Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"s3:max-keys":[10,"20"]}}}}"#;
        let p = parse_policy(src).syntax.unwrap();
        let c = p.statements[0].condition.as_ref().unwrap();
        assert_eq!(
            c.operators[0].keys[0].values.items[0].kind,
            ScalarKind::Bool
        );
        assert_eq!(c.operators[0].keys[0].values.items[0].value, "false");
        assert_eq!(
            c.operators[1].keys[0].values.items[0].kind,
            ScalarKind::Number
        );
        assert_eq!(
            c.operators[1].keys[0].values.items[1].kind,
            ScalarKind::String
        );
    }
}
