//! `resourceControlPolicyRestriction` of an external-access finding: whether a resource control policy
//! (RCP) of the organization applies to the finding's resource.
//!
//! Access Analyzer does not apply RCPs to external-access findings: the botocore `accessanalyzer` model
//! documents `APPLICABLE` as "an RCP is present in the organization but IAM Access Analyzer does not
//! include it in the evaluation of effective permissions" (blocked actions stay in the finding),
//! `NOT_APPLICABLE` as "no RCP present in the organization, or no RCP applicable to the resource", and
//! `APPLIED` as "not currently available for external access findings". So this module never changes a
//! finding's access; it only decides the field, per resource:
//!
//! 1. RCPs not collected (no listing file): unknown, the field is left out.
//! 2. The resource's owner is the management account: `NOT_APPLICABLE` ("RCPs don't affect resources
//!    in the management account", AWS Organizations user guide, orgs_manage_policies_rcps.html).
//! 3. The organization's account list is known and does not hold the owner: `NOT_APPLICABLE` (an RCP
//!    "only affects resources that are managed by accounts that are part of the organization", same page).
//! 4. The resource's service is not one RCPs apply to (the catalog's RCP-supported services):
//!    `NOT_APPLICABLE` (the model's own example: an RDS snapshot with an RCP that only impacts S3).
//! 5. Otherwise each customer RCP (the AWS-managed `RCPFullAWSAccess` allows everything and is skipped;
//!    `Allow` is "only supported for the `RCPFullAWSAccess` policy", orgs_manage_policies_rcps_syntax.html,
//!    so only `Deny` statements restrict) applies when one of its targets holds the owner account (the
//!    root; the account; an OU above the account, or an OU whose membership is unknown, counted as
//!    possibly applicable) and one of its `Deny` statements has an `Action`/`NotAction` that matches
//!    some action of the resource's service and a `Resource`/`NotResource` that matches the resource ARN
//!    (or, for an S3 bucket or a DynamoDB table, something under it: objects, indexes, streams).
//!    Conditions are not evaluated (an RCP that denies only under a condition still applies).
//!    Any applying RCP: `APPLICABLE`; else a malformed RCP that could apply: `FAILED_TO_EVALUATE_RCP`;
//!    else an RCP whose files were not collected and could apply: unknown (left out); else `NOT_APPLICABLE`.

use std::collections::{BTreeMap, BTreeSet};

use perimeter_iam::catalog::Catalog;
use perimeter_iam::model::{Clause, Effect};
use perimeter_iam::pattern::{Part, Template};

use crate::model::{
    RcpPart, ResourceControlPolicies, ResourceControlPolicy, ResourceType, Snapshot,
};

/// `ResourceControlPolicyRestriction`, the members perimeter can decide (`APPLIED` is not available
/// for external-access findings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RcpRestriction {
    Applicable,
    FailedToEvaluateRcp,
    NotApplicable,
}

impl RcpRestriction {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RcpRestriction::Applicable => "APPLICABLE",
            RcpRestriction::FailedToEvaluateRcp => "FAILED_TO_EVALUATE_RCP",
            RcpRestriction::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

/// The decision for one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RcpDecision {
    /// `None`: unknown (RCPs, or some RCP's files, not collected); the field is left out.
    pub restriction: Option<RcpRestriction>,
    /// The RCP ids behind the decision: those that apply (`APPLICABLE`), failed to evaluate
    /// (`FAILED_TO_EVALUATE_RCP`) or were not collected (unknown). Empty for `NOT_APPLICABLE`.
    pub policy_ids: Vec<String>,
    /// RCP ids counted as applying only because an OU target's membership is unknown.
    pub assumed_ou_targets: Vec<String>,
    /// Why, in one line.
    pub reason: String,
}

impl RcpDecision {
    fn new(restriction: Option<RcpRestriction>, reason: impl Into<String>) -> RcpDecision {
        RcpDecision {
            restriction,
            policy_ids: Vec::new(),
            assumed_ou_targets: Vec::new(),
            reason: reason.into(),
        }
    }
}

/// The service prefix whose actions act on a resource type (an IAM role's trust policy governs
/// `sts:` actions).
pub fn rcp_service(resource_type: ResourceType) -> &'static str {
    match resource_type {
        ResourceType::S3Bucket => "s3",
        ResourceType::S3ExpressDirectoryBucket => "s3express",
        ResourceType::IamRole => "sts",
        ResourceType::KmsKey => "kms",
        ResourceType::LambdaFunction | ResourceType::LambdaLayerVersion => "lambda",
        ResourceType::SqsQueue => "sqs",
        ResourceType::SnsTopic => "sns",
        ResourceType::SecretsManagerSecret => "secretsmanager",
        ResourceType::EcrRepository => "ecr",
        ResourceType::EfsFileSystem => "elasticfilesystem",
        ResourceType::Ec2Snapshot => "ec2",
        ResourceType::RdsDbSnapshot | ResourceType::RdsDbClusterSnapshot => "rds",
        ResourceType::DynamoDbTable | ResourceType::DynamoDbStream => "dynamodb",
    }
}

/// Types whose finding covers resources under the ARN: S3 objects (`bucket/key`), DynamoDB indexes,
/// streams, backups and exports (`table/T/…`).
fn has_sub_resources(resource_type: ResourceType) -> bool {
    matches!(
        resource_type,
        ResourceType::S3Bucket | ResourceType::DynamoDbTable
    )
}

/// What one RCP says about one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Applies { assumed_ou: bool },
    DoesNotApply,
    NotCollected,
    Failed,
}

/// A customer RCP, parsed once.
struct Prepared<'s> {
    rcp: &'s ResourceControlPolicy,
    /// The `Deny` statements of the parsed content (`None` when not collected or malformed: see
    /// `rcp.content`).
    denies: Option<Vec<Deny>>,
}

/// A `Deny` statement of an RCP, as the decision reads it.
struct Deny {
    /// The services (of those the resource types use) that some action of which the statement's
    /// `Action`/`NotAction` matches.
    services: BTreeSet<&'static str>,
    /// `Resource`/`NotResource`, tokenized once (`None`: the statement has neither).
    resource: Option<ResourceClause>,
}

/// A `Resource` (or, `negated`, `NotResource`) clause, each pattern as `resource_tokens` gives it.
struct ResourceClause {
    negated: bool,
    patterns: Vec<Vec<Tok>>,
}

/// The RCPs of a snapshot, prepared for [`RcpIndex::decide`]. Pure: no I/O.
pub struct RcpIndex<'s> {
    rcps: Option<&'s ResourceControlPolicies>,
    management_account: Option<&'s str>,
    /// The organization's accounts, when `list-accounts` was collected.
    accounts: Option<BTreeSet<&'s str>>,
    prepared: Vec<Prepared<'s>>,
}

impl<'s> RcpIndex<'s> {
    pub fn new(snapshot: &'s Snapshot) -> RcpIndex<'s> {
        let org = snapshot.organization.as_ref();
        let accounts = org
            .filter(|o| !o.accounts.is_empty())
            .map(|o| o.accounts.iter().map(|a| a.id.as_str()).collect());
        let catalog = Catalog::get();
        let services: BTreeSet<&'static str> =
            ResourceType::ALL.into_iter().map(rcp_service).collect();
        let prepared = snapshot
            .resource_control_policies
            .iter()
            .flat_map(|r| r.policies.iter())
            .filter(|p| !is_full_access(p))
            .map(|rcp| {
                let policy = match &rcp.content {
                    RcpPart::Collected(doc) => perimeter_iam::parse_and_lower(&doc.text).ok(),
                    _ => None,
                };
                let denies = policy.map(|p| {
                    p.statements
                        .iter()
                        .filter(|st| st.effect == Effect::Deny)
                        .map(|st| Deny {
                            services: services
                                .iter()
                                .copied()
                                .filter(|svc| action_clause_hits_service(&st.action, svc, catalog))
                                .collect(),
                            resource: st.resource.as_ref().map(|c| ResourceClause {
                                negated: c.negated,
                                patterns: c.patterns.iter().map(resource_tokens).collect(),
                            }),
                        })
                        .collect()
                });
                Prepared { rcp, denies }
            })
            .collect();
        RcpIndex {
            rcps: snapshot.resource_control_policies.as_ref(),
            management_account: org.and_then(|o| o.management_account_id.as_deref()),
            accounts,
            prepared,
        }
    }

    /// True when the RCP listing was collected.
    pub fn collected(&self) -> bool {
        self.rcps.is_some()
    }

    /// The restriction of the findings of a resource.
    pub fn decide(
        &self,
        resource_type: ResourceType,
        arn: &str,
        owner_account: &str,
    ) -> RcpDecision {
        let Some(rcps) = self.rcps else {
            return RcpDecision::new(None, "resource control policies were not collected");
        };
        if self.management_account == Some(owner_account) {
            return RcpDecision::new(
                Some(RcpRestriction::NotApplicable),
                "RCPs do not affect resources in the management account",
            );
        }
        if let Some(accounts) = &self.accounts
            && !accounts.contains(owner_account)
        {
            return RcpDecision::new(
                Some(RcpRestriction::NotApplicable),
                format!("the owner account `{owner_account}` is not in the organization"),
            );
        }
        let service = rcp_service(resource_type);
        if !Catalog::get().rcp_supported(service) {
            return RcpDecision::new(
                Some(RcpRestriction::NotApplicable),
                format!("RCPs do not apply to `{service}`"),
            );
        }
        let ancestors = Ancestors::of(owner_account, &rcps.parents);
        let mut by_verdict: BTreeMap<u8, Vec<&str>> = BTreeMap::new();
        let mut assumed = Vec::new();
        for p in &self.prepared {
            let v = self.verdict(p, resource_type, service, arn, owner_account, &ancestors);
            let rank = match v {
                Verdict::Applies { assumed_ou } => {
                    if assumed_ou {
                        assumed.push(p.rcp.id.clone());
                    }
                    0
                }
                Verdict::Failed => 1,
                Verdict::NotCollected => 2,
                Verdict::DoesNotApply => continue,
            };
            by_verdict.entry(rank).or_default().push(&p.rcp.id);
        }
        let Some((rank, ids)) = by_verdict.into_iter().next() else {
            return RcpDecision::new(
                Some(RcpRestriction::NotApplicable),
                if self.prepared.is_empty() {
                    "no customer RCP in the organization".to_owned()
                } else {
                    format!(
                        "no RCP that targets account `{owner_account}` denies `{service}` actions on the resource"
                    )
                },
            );
        };
        let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        let (restriction, reason) = match rank {
            0 => (
                Some(RcpRestriction::Applicable),
                format!(
                    "RCP {} applies (not applied to the finding, as Access Analyzer does not)",
                    ids.join(", ")
                ),
            ),
            1 => (
                Some(RcpRestriction::FailedToEvaluateRcp),
                format!("RCP {} is malformed and may apply", ids.join(", ")),
            ),
            _ => (
                None,
                format!(
                    "RCP {} was not fully collected and may apply",
                    ids.join(", ")
                ),
            ),
        };
        if rank != 0 {
            assumed.clear();
        }
        RcpDecision {
            restriction,
            policy_ids: ids,
            assumed_ou_targets: assumed,
            reason,
        }
    }

    /// The notes for stderr about RCPs, given the decisions of the resources that have findings.
    pub fn notes(&self, snapshot: &Snapshot, decided: &[RcpDecision]) -> Vec<String> {
        let mut notes = Vec::new();
        let Some(rcps) = self.rcps else {
            if snapshot.organization.is_some() {
                notes.push(format!(
                    "resource control policies were not collected (no `{}/{}`; listing them needs the management account or a delegated administrator): findings leave out `resourceControlPolicyRestriction`",
                    snapshot.default_region,
                    crate::lower::RCP_LISTING
                ));
            }
            return notes;
        };
        for p in &rcps.policies {
            for part in [p.content.missing(), p.targets.missing()]
                .into_iter()
                .flatten()
            {
                notes.push(format!("RCP {}: `{part}` was not collected", p.id));
            }
        }
        let mut by: BTreeMap<(&'static str, Vec<String>), usize> = BTreeMap::new();
        let mut assumed: BTreeSet<&str> = BTreeSet::new();
        for d in decided {
            if let Some(r) = d.restriction
                && r != RcpRestriction::NotApplicable
            {
                *by.entry((r.as_str(), d.policy_ids.clone())).or_default() += 1;
            } else if d.restriction.is_none() && !d.policy_ids.is_empty() {
                *by.entry(("left out", d.policy_ids.clone())).or_default() += 1;
            }
            assumed.extend(d.assumed_ou_targets.iter().map(String::as_str));
        }
        for ((what, ids), n) in by {
            let why = match what {
                "APPLICABLE" => {
                    "as Access Analyzer does, perimeter does not apply RCPs to external-access findings"
                }
                "FAILED_TO_EVALUATE_RCP" => "the RCP is malformed (see its diagnostic)",
                _ => "the RCP's files were not all collected",
            };
            notes.push(format!(
                "RCP {}: `resourceControlPolicyRestriction` {what} on the findings of {n} resource(s); {why}",
                ids.join(", ")
            ));
        }
        for id in assumed {
            notes.push(format!(
                "RCP {id} targets an OU whose accounts are not known (no `organizations-list-parents/` files up to the root): counted as applying"
            ));
        }
        notes
    }

    fn verdict(
        &self,
        p: &Prepared<'_>,
        resource_type: ResourceType,
        service: &str,
        arn: &str,
        owner_account: &str,
        ancestors: &Ancestors,
    ) -> Verdict {
        // Targets first: an RCP attached elsewhere does not apply whatever it says.
        let targeted = match &p.rcp.targets {
            RcpPart::Collected(targets) => {
                let mut best = Target::No;
                for t in targets {
                    let hit = match t.target_type.as_str() {
                        "ROOT" => Target::Yes,
                        "ACCOUNT" if t.target_id == owner_account => Target::Yes,
                        "ACCOUNT" => Target::No,
                        _ if ancestors.ids.contains(&t.target_id) => Target::Yes,
                        _ if ancestors.complete => Target::No,
                        _ => Target::Maybe,
                    };
                    best = best.max(hit);
                }
                Some(best)
            }
            RcpPart::NotCollected { .. } | RcpPart::Malformed { .. } => None,
        };
        if targeted == Some(Target::No) {
            return Verdict::DoesNotApply;
        }
        let content_says = p.denies.as_ref().map(|denies| {
            denies.iter().any(|deny| {
                deny.services.contains(service)
                    && resource_clause_hits(
                        deny.resource.as_ref(),
                        arn,
                        has_sub_resources(resource_type),
                    )
            })
        });
        match (content_says, targeted) {
            (Some(false), _) => Verdict::DoesNotApply,
            (Some(true), Some(t)) => Verdict::Applies {
                assumed_ou: t == Target::Maybe,
            },
            (Some(true), None) => missing_or_failed(&p.rcp.targets),
            (None, _) => missing_or_failed(&p.rcp.content),
        }
    }
}

fn missing_or_failed<T>(part: &RcpPart<T>) -> Verdict {
    match part {
        RcpPart::Malformed { .. } => Verdict::Failed,
        _ => Verdict::NotCollected,
    }
}

/// `RCPFullAWSAccess`: AWS-managed, attached everywhere, allows everything.
fn is_full_access(p: &ResourceControlPolicy) -> bool {
    p.aws_managed || p.name.as_deref() == Some("RCPFullAWSAccess")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    No,
    Maybe,
    Yes,
}

/// The OUs and root above an account, from `list-parents`.
struct Ancestors {
    ids: BTreeSet<String>,
    /// Every path up from the account reached the root.
    complete: bool,
}

impl Ancestors {
    fn of(
        account: &str,
        parents: &BTreeMap<String, Vec<crate::model::OrganizationParent>>,
    ) -> Ancestors {
        let mut ids = BTreeSet::new();
        let mut complete = true;
        let mut todo = vec![account.to_owned()];
        while let Some(child) = todo.pop() {
            let Some(ps) = parents.get(&child) else {
                complete = false;
                continue;
            };
            for p in ps {
                if ids.insert(p.id.clone()) && p.parent_type != "ROOT" {
                    todo.push(p.id.clone());
                }
            }
        }
        Ancestors { ids, complete }
    }
}

/// Whether an `Action`/`NotAction` clause matches some action of the service (IAM matches actions
/// ignoring case).
fn action_clause_hits_service(clause: &Clause, service: &str, catalog: &Catalog) -> bool {
    let Some(svc) = catalog.service(service) else {
        return false;
    };
    svc.actions().iter().any(|a| {
        let full = format!("{}:{}", svc.prefix(), a.name());
        let matched = clause.patterns.iter().any(|t| t.matches(&full, true));
        matched != clause.negated
    })
}

/// Whether a `Resource`/`NotResource` clause matches the ARN (or, with `subs`, something under it).
/// Policy variables count as matching anything for `Resource` and as excluding nothing for
/// `NotResource`: unknown values never hide an RCP.
fn resource_clause_hits(clause: Option<&ResourceClause>, arn: &str, subs: bool) -> bool {
    let Some(clause) = clause else {
        return true;
    };
    let under = format!("{arn}/");
    let pats = &clause.patterns;
    if clause.negated {
        let exact = |toks: &Vec<Tok>| !toks.contains(&Tok::Var);
        let arn_excluded = pats
            .iter()
            .filter(|t| exact(t))
            .any(|t| could_match(t, arn));
        let subs_excluded = pats
            .iter()
            .filter(|t| exact(t))
            .any(|t| matches_all_under(t, &under));
        !arn_excluded || (subs && !subs_excluded)
    } else {
        pats.iter()
            .any(|t| could_match(t, arn) || (subs && !states_after(t, &under).is_empty()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Char(char),
    /// `?`
    Any,
    /// `*` that may cross a colon.
    Star,
    /// `*` inside an ARN segment: no colon.
    StarNoColon,
    /// A policy variable: any text.
    Var,
}

/// A `Resource` pattern as tokens, with IAM's rule that a `*` ends an ARN segment (followed by a
/// colon, the end, or another `*`) may expand beyond the colon, and any other `*` may not
/// (reference_policies_elements_resource.html).
fn resource_tokens(t: &Template) -> Vec<Tok> {
    let mut toks = Vec::new();
    for p in &t.parts {
        match p {
            Part::Lit(l) => toks.extend(l.chars().map(Tok::Char)),
            Part::Star => toks.push(Tok::Star),
            Part::Question => toks.push(Tok::Any),
            Part::Var { .. } => toks.push(Tok::Var),
        }
    }
    // Left to right: the token after `i` is still as written when `i` is decided.
    for i in 0..toks.len() {
        let last_of_segment = matches!(
            toks.get(i + 1),
            None | Some(Tok::Char(':')) | Some(Tok::Star)
        );
        if let Some(tok @ Tok::Star) = toks.get_mut(i)
            && !last_of_segment
        {
            *tok = Tok::StarNoColon;
        }
    }
    toks
}

/// The positions of the pattern reachable after reading `text` (an NFA run; no recursion).
fn states_after(toks: &[Tok], text: &str) -> BTreeSet<usize> {
    let closure = |set: BTreeSet<usize>| -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for mut i in set {
            loop {
                out.insert(i);
                match toks.get(i) {
                    Some(Tok::Star | Tok::StarNoColon | Tok::Var) => i += 1,
                    _ => break,
                }
            }
        }
        out
    };
    let mut states = closure(BTreeSet::from([0]));
    for c in text.chars() {
        let mut next = BTreeSet::new();
        for &i in &states {
            match toks.get(i) {
                Some(Tok::Char(x)) if *x == c => {
                    next.insert(i + 1);
                }
                Some(Tok::Any) => {
                    next.insert(i + 1);
                }
                Some(Tok::Star | Tok::Var) => {
                    next.insert(i);
                }
                Some(Tok::StarNoColon) if c != ':' => {
                    next.insert(i);
                }
                _ => {}
            }
        }
        if next.is_empty() {
            return next;
        }
        states = closure(next);
    }
    states
}

fn could_match(toks: &[Tok], text: &str) -> bool {
    states_after(toks, text).contains(&toks.len())
}

/// Whether every text that starts with `prefix` matches (the rest of the pattern is `*`s that may
/// cross colons).
fn matches_all_under(toks: &[Tok], prefix: &str) -> bool {
    states_after(toks, prefix).iter().any(|&i| {
        toks.get(i..)
            .is_some_and(|rest| !rest.is_empty() && rest.iter().all(|t| *t == Tok::Star))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(p: &str) -> Vec<Tok> {
        resource_tokens(&Template::parse(p, true, true).0)
    }

    #[test]
    fn resource_patterns() {
        // reference_policies_elements_resource.html: `*` inside a segment does not cross `:`, a
        // trailing `*` of a segment does.
        assert!(could_match(&toks("arn:aws:s3:::*"), "arn:aws:s3:::b"));
        assert!(could_match(&toks("*"), "arn:aws:sqs:us-east-1:1:q"));
        assert!(could_match(
            &toks("arn:aws:sqs:*:*:q"),
            "arn:aws:sqs:us-east-1:1:q"
        ));
        assert!(!could_match(
            &toks("arn:aws:sqs:us-*-1:q"),
            "arn:aws:sqs:us-east:x-1:q"
        ));
        assert!(!could_match(&toks("arn:aws:s3:::other"), "arn:aws:s3:::b"));
        // A variable may be anything.
        assert!(could_match(
            &toks("arn:aws:s3:::${aws:PrincipalAccount}"),
            "arn:aws:s3:::b"
        ));
        // Objects under a bucket.
        assert!(!states_after(&toks("arn:aws:s3:::b/*"), "arn:aws:s3:::b/").is_empty());
        assert!(states_after(&toks("arn:aws:s3:::c/*"), "arn:aws:s3:::b/").is_empty());
        assert!(matches_all_under(
            &toks("arn:aws:s3:::b/*"),
            "arn:aws:s3:::b/"
        ));
        assert!(!matches_all_under(
            &toks("arn:aws:s3:::b/private/*"),
            "arn:aws:s3:::b/"
        ));
        assert!(!matches_all_under(
            &toks("arn:aws:s3:::b"),
            "arn:aws:s3:::b/"
        ));
    }
}
