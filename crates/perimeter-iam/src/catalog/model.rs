//! The catalog's record types, deserialized from one line of `iam-catalog.jsonl` per service.

use std::cmp::Ordering;

use serde::Deserialize;

use super::matching::{Token, compile_template, is_template, match_tokens};

/// The access level AWS assigns to an action in the Service Authorization Reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum AccessLevel {
    /// `List`
    List,
    /// `Read`
    Read,
    /// `Write`
    Write,
    /// `Permissions management`
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    /// `Tagging`
    Tagging,
}

impl AccessLevel {
    /// The name as AWS writes it (`Permissions management`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "List",
            Self::Read => "Read",
            Self::Write => "Write",
            Self::PermissionsManagement => "Permissions management",
            Self::Tagging => "Tagging",
        }
    }
}

impl std::fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value type of a condition key, as the IAM condition operators see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConditionType {
    /// `String` (string operators)
    String,
    /// `ARN` (ARN and string operators)
    Arn,
    /// `Numeric`
    Numeric,
    /// `Date`
    Date,
    /// `Bool`
    Bool,
    /// `IPAddress`
    IpAddress,
    /// `Binary`
    Binary,
}

impl ConditionType {
    /// The name as the Service Authorization Reference writes it (`ARN`, `IPAddress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Arn => "ARN",
            Self::Numeric => "Numeric",
            Self::Date => "Date",
            Self::Bool => "Bool",
            Self::IpAddress => "IPAddress",
            Self::Binary => "Binary",
        }
    }

    /// Parses a type name; `Long` (used by a few services) is numeric.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "String" => Self::String,
            "ARN" | "Arn" => Self::Arn,
            "Numeric" | "Long" => Self::Numeric,
            "Date" => Self::Date,
            "Bool" | "Boolean" => Self::Bool,
            "IPAddress" => Self::IpAddress,
            "Binary" => Self::Binary,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ConditionType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition key's type: its value type and whether the request context can carry several
/// values for it (a multivalued key, to be used with `ForAnyValue:`/`ForAllValues:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConditionKeyType {
    /// The type of each value.
    pub value_type: ConditionType,
    /// True for multivalued keys (`ArrayOf…` in the catalog, "String (list)" in the AWS docs).
    pub multivalued: bool,
}

impl ConditionKeyType {
    /// Parses the catalog spelling: `String`, `ArrayOfString`, `ARN`, `ArrayOfARN`, …
    pub fn parse(s: &str) -> Option<Self> {
        match s.strip_prefix("ArrayOf") {
            Some(rest) => ConditionType::parse(rest).map(|value_type| Self {
                value_type,
                multivalued: true,
            }),
            None => ConditionType::parse(s).map(|value_type| Self {
                value_type,
                multivalued: false,
            }),
        }
    }
}

impl std::fmt::Display for ConditionKeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.multivalued {
            write!(f, "ArrayOf{}", self.value_type)
        } else {
            write!(f, "{}", self.value_type)
        }
    }
}

/// One AWS service (an IAM service prefix such as `s3`).
#[derive(Debug, Deserialize)]
pub struct Service {
    prefix: &'static str,
    name: &'static str,
    actions: Vec<Action>,
    #[serde(rename = "resourceTypes")]
    resource_types: Vec<ResourceType>,
    #[serde(rename = "conditionKeys")]
    condition_keys: Vec<ConditionKey>,
    /// Indexes into `condition_keys` of keys with a variable part, with their compiled matcher.
    #[serde(skip)]
    pattern_keys: Vec<(usize, Vec<Token>)>,
}

/// One action of a service.
#[derive(Debug, Deserialize)]
pub struct Action {
    #[serde(rename = "n")]
    name: &'static str,
    #[serde(rename = "a")]
    access_level: AccessLevel,
    #[serde(rename = "r", default)]
    resources: Vec<ActionResource>,
    #[serde(rename = "c", default)]
    condition_keys: Vec<&'static str>,
    #[serde(rename = "d", default)]
    dependent_actions: Vec<&'static str>,
}

/// A resource type an action can act on (a row of the action's table in the reference).
#[derive(Debug, Deserialize)]
pub struct ActionResource {
    #[serde(rename = "n")]
    name: &'static str,
    #[serde(rename = "q", default)]
    required: bool,
    #[serde(rename = "c", default)]
    condition_keys: Vec<&'static str>,
    #[serde(rename = "d", default)]
    dependent_actions: Vec<&'static str>,
}

/// A resource type defined by a service, with its ARN format.
#[derive(Debug, Deserialize)]
pub struct ResourceType {
    #[serde(rename = "n")]
    name: &'static str,
    arn: &'static str,
    #[serde(rename = "c", default)]
    condition_keys: Vec<&'static str>,
}

/// A condition key defined by a service.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawConditionKey")]
pub struct ConditionKey {
    name: &'static str,
    key_type: ConditionKeyType,
}

#[derive(Deserialize)]
struct RawConditionKey {
    n: &'static str,
    t: &'static str,
}

impl TryFrom<RawConditionKey> for ConditionKey {
    type Error = String;
    fn try_from(raw: RawConditionKey) -> Result<Self, Self::Error> {
        let key_type = ConditionKeyType::parse(raw.t)
            .ok_or_else(|| format!("unknown condition key type `{}`", raw.t))?;
        Ok(Self {
            name: raw.n,
            key_type,
        })
    }
}

/// Compares `a` and `b` ignoring ASCII case (IAM names are ASCII).
pub(crate) fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

impl Service {
    /// Parses one catalog line and builds the per-service indexes.
    pub(crate) fn from_line(line: &'static str) -> Option<Self> {
        let mut s: Self = serde_json::from_str(line).ok()?;
        s.pattern_keys = s
            .condition_keys
            .iter()
            .enumerate()
            .filter(|(_, k)| is_template(k.name))
            .map(|(i, k)| (i, compile_template(k.name)))
            .collect();
        Some(s)
    }

    /// The service prefix (`s3`), always lower case.
    pub fn prefix(&self) -> &str {
        self.prefix
    }

    /// The service's name (`Amazon S3`).
    pub fn name(&self) -> &str {
        self.name
    }

    /// All actions, sorted by name ignoring case.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The action called `name`, ignoring case.
    pub fn action(&self, name: &str) -> Option<&Action> {
        let i = self
            .actions
            .binary_search_by(|a| cmp_ignore_case(a.name, name))
            .ok()?;
        self.actions.get(i)
    }

    /// All resource types, sorted by name ignoring case.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The resource type called `name`, ignoring case.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        let i = self
            .resource_types
            .binary_search_by(|r| cmp_ignore_case(r.name, name))
            .ok()?;
        self.resource_types.get(i)
    }

    /// All condition keys the service defines, sorted by name ignoring case. Keys with a variable
    /// part are spelled as templates: `aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>`.
    pub fn condition_keys(&self) -> &[ConditionKey] {
        &self.condition_keys
    }

    /// The condition key called `key` (ignoring case): first an exact name, then a template
    /// (`s3:ExistingObjectTag/Project` finds `s3:ExistingObjectTag/<key>`).
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        if let Ok(i) = self
            .condition_keys
            .binary_search_by(|k| cmp_ignore_case(k.name, key))
        {
            return self.condition_keys.get(i);
        }
        let chars: Vec<char> = key.chars().collect();
        self.pattern_keys
            .iter()
            .find(|(_, toks)| match_tokens(toks, &chars, true))
            .and_then(|(i, _)| self.condition_keys.get(*i))
    }

    /// Every condition key the action supports, sorted and without duplicates (ignoring case):
    /// the action-level keys, the keys on each of the action's resource rows, and the keys of
    /// the resource types it lists. Templates are kept as templates.
    pub fn condition_keys_for<'a>(&'a self, action: &'a Action) -> Vec<&'a str> {
        let mut out: Vec<&str> = action.condition_keys.to_vec();
        for r in &action.resources {
            out.extend(r.condition_keys.iter().copied());
            if let Some(rt) = self.resource_type(r.name) {
                out.extend(rt.condition_keys.iter().copied());
            }
        }
        out.sort_by(|a, b| cmp_ignore_case(a, b));
        out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        out
    }
    /// Whether `key` (ignoring case; `s3:ExistingObjectTag/Project` matches the template
    /// `s3:ExistingObjectTag/<key>`) is one of [`Service::condition_keys_for`] the action.
    /// Global keys are not considered here; see `Catalog::action_supports_condition_key`.
    pub fn supports_condition_key(&self, action: &Action, key: &str) -> bool {
        let mut candidates = action.condition_keys.iter().copied();
        if candidates.any(|k| key_matches(k, key)) {
            return true;
        }
        action.resources.iter().any(|r| {
            r.condition_keys.iter().any(|k| key_matches(k, key))
                || self
                    .resource_type(r.name)
                    .is_some_and(|rt| rt.condition_keys.iter().any(|k| key_matches(k, key)))
        })
    }
}

/// Whether `key` is the condition key `candidate` (ignoring case) or matches it as a template.
fn key_matches(candidate: &str, key: &str) -> bool {
    if candidate.eq_ignore_ascii_case(key) {
        return true;
    }
    if !is_template(candidate) {
        return false;
    }
    // cheap filter: the literal text before the first placeholder must be a prefix of the key
    let head_len = candidate.find(['$', '<']).unwrap_or(candidate.len());
    let head = candidate.get(..head_len).unwrap_or_default();
    let key_head = key.get(..head_len.min(key.len())).unwrap_or_default();
    if !head.eq_ignore_ascii_case(key_head) {
        return false;
    }
    let chars: Vec<char> = key.chars().collect();
    match_tokens(&compile_template(candidate), &chars, true)
}

impl Action {
    /// The action name as AWS spells it (`GetObject`).
    pub fn name(&self) -> &str {
        self.name
    }

    /// The access level.
    pub fn access_level(&self) -> AccessLevel {
        self.access_level
    }

    /// The resource types the action can act on, in the reference's order. An action with none
    /// supports only `"Resource": "*"`.
    pub fn resources(&self) -> &[ActionResource] {
        &self.resources
    }

    /// The resource types marked required (`*` in the reference).
    pub fn required_resources(&self) -> impl Iterator<Item = &ActionResource> {
        self.resources.iter().filter(|r| r.required)
    }

    /// The condition keys on the action's own row (not tied to a resource type).
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }

    /// Dependent actions listed on the action's own row (`iam:PassRole`, …).
    pub fn dependent_actions(&self) -> &[&'static str] {
        &self.dependent_actions
    }

    /// Dependent actions of the action row and of every resource row, sorted and deduplicated.
    pub fn all_dependent_actions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.dependent_actions.to_vec();
        for r in &self.resources {
            out.extend(r.dependent_actions.iter().copied());
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl ActionResource {
    /// The resource type's name (`object`); look it up with [`Service::resource_type`].
    pub fn name(&self) -> &str {
        self.name
    }

    /// Whether the reference marks the resource type as required for the action.
    pub fn required(&self) -> bool {
        self.required
    }

    /// Condition keys on this row.
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }

    /// Dependent actions on this row.
    pub fn dependent_actions(&self) -> &[&'static str] {
        &self.dependent_actions
    }
}

impl ResourceType {
    /// The resource type's name (`bucket`).
    pub fn name(&self) -> &str {
        self.name
    }

    /// The ARN format, with placeholders: `arn:${Partition}:s3:::${BucketName}`.
    pub fn arn_format(&self) -> &str {
        self.arn
    }

    /// Condition keys the resource type supports.
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }
}

impl ConditionKey {
    /// The key's name as the catalog spells it (a template for keys with a variable part).
    pub fn name(&self) -> &str {
        self.name
    }

    /// The key's type.
    pub fn key_type(&self) -> ConditionKeyType {
        self.key_type
    }

    /// Whether the name has a variable part (`${TagKey}`, `<key>`).
    pub fn is_template(&self) -> bool {
        is_template(self.name)
    }
}
