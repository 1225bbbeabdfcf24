//! One diagnostic model for every problem found in a policy.
//!
//! The shape follows Access Analyzer's `ValidatePolicyFinding`: a severity (`findingType`), an issue code,
//! a message and locations. A location is a path through the policy (`Statement`, `0`, `Action`, …) plus
//! the byte span of the text it designates; renderers turn spans into AWS positions with
//! `perimeter_json::LineIndex`.

use perimeter_json::Span;

/// The severity of a finding, as Access Analyzer's `findingType` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Part of the policy is not functional, or the policy cannot be used at all.
    Error,
    /// The policy grants more access than is probably intended.
    SecurityWarning,
    /// Not a security problem, but against best practice.
    Warning,
    /// Stylistic; no effect on access.
    Suggestion,
}

impl Severity {
    /// The API spelling (`ERROR`, `SECURITY_WARNING`, `WARNING`, `SUGGESTION`).
    pub fn as_aws(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::SecurityWarning => "SECURITY_WARNING",
            Severity::Warning => "WARNING",
            Severity::Suggestion => "SUGGESTION",
        }
    }
}

/// One step of a path through a policy document, as in Access Analyzer's `PathElement` union.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathElement {
    /// An array index.
    Index(usize),
    /// The key token itself of an object member.
    Key(String),
    /// The value of the object member with this key.
    Value(String),
}

/// A path from the document root.
pub type Path = Vec<PathElement>;

/// Where a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    pub path: Path,
    pub span: Span,
}

/// A problem found in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// AWS's issue code where the check is AWS's, else a `PERIMETER_*` code.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub locations: Vec<Location>,
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            locations: Vec::new(),
        }
    }

    pub fn at(mut self, path: Path, span: Span) -> Diagnostic {
        self.locations.push(Location { path, span });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders a path as a JSON pointer (`/Statement/0/Action`), for messages and SARIF.
pub fn path_to_pointer(path: &[PathElement]) -> String {
    let mut out = String::new();
    for el in path {
        out.push('/');
        match el {
            PathElement::Index(i) => out.push_str(&i.to_string()),
            PathElement::Key(k) | PathElement::Value(k) => {
                out.push_str(&perimeter_json::escape_pointer_token(k))
            }
        }
    }
    out
}
