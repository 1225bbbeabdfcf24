//! S3 access points and multi-Region access points (access-analyzer.md §1.2, row "S3 bucket").
//!
//! A request through an access point reaches the bucket only when **both** the access point policy
//! and the bucket policy allow it (S3 user guide, "Configuring IAM policies for using access
//! points": "both the access point and the underlying bucket … must permit the request"; for
//! multi-Region access points, "Multi-Region Access Point permissions": the multi-Region access point
//! policy and the underlying bucket policy must permit it). The bucket policy usually *delegates*:
//! it allows requests whose `s3:DataAccessPointAccount` is the owner account, or whose
//! `s3:DataAccessPointArn` names an access point.
//!
//! The bucket policy's findings (the stratified abstraction of [`super::find_policy_findings`]) are
//! split by their access point labels:
//!
//! - no `s3:DataAccessPoint*` condition: the cube covers direct requests and requests through any
//!   access point alike; it stays a `POLICY` finding;
//! - a label that names the bucket owner's account (`s3:DataAccessPointAccount` = owner, or an
//!   `s3:DataAccessPointArn` whose account field is the owner): the access is only usable through the
//!   owner's access points, so the finding is replaced, for each access point the label matches, by
//!   the *meets* of the access point policy's findings with it (`S3_ACCESS_POINT`, `accessPointArn`);
//! - a label that names another account (or a wildcard account): a cross-account access point,
//!   whose policy Access Analyzer cannot read. Without `RestrictPublicBuckets` the finding is public
//!   when the bucket grant itself is unrestricted; with it, the access is the access point owner
//!   account's (`S3_ACCESS_POINT_ACCOUNT`, `accessPointAccount`) — IAM user guide,
//!   access-analyzer-resources.html: "IAM Access Analyzer generates a public finding when a bucket
//!   delegates access to a cross-account access point and Block Public Access is not enabled … When
//!   you enable Block Public Access, the public finding is resolved and IAM Access Analyzer generates
//!   a cross-account finding for the cross-account access point."
//!
//! The meet of an access point finding `a` and a bucket finding `b` is the cube with the finer
//! principal, both conditions (the bucket's access point keys dropped: the access point satisfies
//! them) and the common actions. It contains every request inside both cubes, so the cover stays
//! sound: a request allowed through an access point is allowed by both policies, so it lies in some
//! `a` and some `b` whose label matches the access point, so in their meet. When the principal or a
//! condition cannot be intersected exactly the meet keeps the access point's side (a superset).
//!
//! Block Public Access: an access point (not VPC-bound) whose policy has a public finding grants
//! nothing external when `RestrictPublicBuckets` is on at the access point, the bucket or the account
//! (S3 user guide, "Blocking public access": the settings of the access point, the bucket and the
//! accounts are all evaluated for a request through an access point). An access point whose network
//! origin is a VPC is never public ("access points with a VPC network origin are always non-public"):
//! its findings carry `aws:SourceVpc` and `isPublic` false.
//!
//! Each access point finding carries a witness built from the two findings' witnesses and kept only
//! when the concrete evaluator allows it under both policies (the access point side with the
//! `s3:DataAccessPointArn`, `s3:DataAccessPointAccount`, `s3:AccessPointNetworkOrigin` keys set).

use std::collections::BTreeMap;

use perimeter_iam::Policy;
use perimeter_iam::arn::{Arn, is_account_id};
use perimeter_iam::eval::{ContextKeyType, ResourcePolicyKind};
use perimeter_logic::{Case, Pattern};

use super::engine::{PolicyFinding, find_policy_findings};
use super::{
    AccessPointDetail, AccessPointInput, ExternalError, ExternalFinding, ExternalResource, Source,
    ZoneOfTrust,
};
use crate::witness::{RequestWitness, Side, replay};

/// `s3:DataAccessPointArn`: the access point a request goes through.
pub const ACCESS_POINT_ARN_KEY: &str = "s3:DataAccessPointArn";
/// `s3:DataAccessPointAccount`: the account that owns that access point.
pub const ACCESS_POINT_ACCOUNT_KEY: &str = "s3:DataAccessPointAccount";
/// `s3:AccessPointNetworkOrigin`: `Internet` or `VPC`.
pub const NETWORK_ORIGIN_KEY: &str = "s3:AccessPointNetworkOrigin";

fn is_ap_key(key: &str) -> bool {
    key.eq_ignore_ascii_case(ACCESS_POINT_ARN_KEY)
        || key.eq_ignore_ascii_case(ACCESS_POINT_ACCOUNT_KEY)
}

fn label<'a>(f: &'a PolicyFinding, key: &str) -> Option<&'a str> {
    f.condition
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?') || s.contains("${")
}

/// The request resource the bucket policy sees for a request to `resource` through the access point
/// `ap_arn`: `<ap>/object/<key>` → `<bucket>/<key>`, `<ap>` → `<bucket>`.
pub fn bucket_resource(ap_arn: &str, bucket_arn: &str, resource: &str) -> Option<String> {
    if resource == ap_arn {
        return Some(bucket_arn.to_owned());
    }
    let key = resource.strip_prefix(ap_arn)?.strip_prefix("/object/")?;
    Some(format!("{bucket_arn}/{key}"))
}

/// The inverse of [`bucket_resource`].
pub fn access_point_resource(ap_arn: &str, bucket_arn: &str, resource: &str) -> Option<String> {
    if resource == bucket_arn {
        return Some(ap_arn.to_owned());
    }
    let key = resource.strip_prefix(bucket_arn)?.strip_prefix('/')?;
    Some(format!("{ap_arn}/object/{key}"))
}

/// Whether a finding of the whole bucket policy is a delegation to access points (it has an
/// access point label), and whether that label may name the owner's access points.
struct Delegation {
    own: bool,
    /// The label names the owner's account literally (so no other account's access point).
    names_owner: bool,
}

fn delegation(f: &PolicyFinding, owner: &str) -> Option<Delegation> {
    let arn = label(f, ACCESS_POINT_ARN_KEY);
    let account = label(f, ACCESS_POINT_ACCOUNT_KEY);
    if arn.is_none() && account.is_none() {
        return None;
    }
    let from_account = account.filter(|a| !has_wildcard(a));
    let from_arn = arn
        .and_then(|a| a.split(':').nth(4))
        .filter(|a| !a.is_empty() && !has_wildcard(a));
    let literal = from_account.or(from_arn);
    let own = literal.is_none_or(|a| a == owner);
    let names_owner = literal == Some(owner);
    Some(Delegation { own, names_owner })
}

fn is_any(p: &BTreeMap<String, String>) -> bool {
    !p.is_empty() && p.values().all(|v| v == "*")
}

/// Public when the access point keys are ignored: any principal and no other condition.
fn public_but_for_access_point(f: &PolicyFinding) -> bool {
    f.is_public || (is_any(&f.principal) && f.condition.keys().all(|k| is_ap_key(k)))
}

fn account_of(principal: &str) -> Option<&str> {
    if is_account_id(principal) {
        return Some(principal);
    }
    Arn::parse(principal)
        .map(|a| a.account)
        .filter(|a| is_account_id(a))
}

/// A principal label containing the intersection of `a` and `b`; `None` when they are disjoint.
fn meet_principal(
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    if is_any(a) || a.is_empty() {
        return Some(b.clone());
    }
    if is_any(b) || b.is_empty() || a == b {
        return Some(a.clone());
    }
    if let (Some(va), Some(vb)) = (a.get("AWS"), b.get("AWS"))
        && a.len() == 1
        && b.len() == 1
        && !has_wildcard(va)
        && !has_wildcard(vb)
    {
        match (account_of(va), account_of(vb)) {
            (Some(x), Some(y)) if x != y => return None,
            (Some(_), Some(_)) if is_account_id(va) => return Some(b.clone()),
            _ => {}
        }
    }
    // Not intersected exactly: the access point's side contains the intersection.
    Some(a.clone())
}

fn set_entry(w: &mut RequestWitness, key: &str, value: &str) {
    w.entries.retain(|(n, _, _)| !n.eq_ignore_ascii_case(key));
    w.entries.push((
        key.to_owned(),
        ContextKeyType::String,
        vec![value.to_owned()],
    ));
    w.context.retain(|k, _| !k.eq_ignore_ascii_case(key));
    w.context
        .insert(key.to_owned(), serde_json::Value::String(value.to_owned()));
}

/// Sets the context keys S3 adds to a request through `ap`.
fn through(w: &mut RequestWitness, ap: &AccessPointInput) {
    set_entry(w, ACCESS_POINT_ARN_KEY, &ap.arn);
    set_entry(w, ACCESS_POINT_ACCOUNT_KEY, &ap.account);
    match &ap.vpc_id {
        Some(vpc) => {
            set_entry(w, NETWORK_ORIGIN_KEY, "VPC");
            if !vpc.is_empty() {
                set_entry(w, "aws:SourceVpc", vpc);
            }
        }
        None => set_entry(w, NETWORK_ORIGIN_KEY, "Internet"),
    }
}

struct Pair<'a> {
    bucket_arn: &'a str,
    bucket_policy: &'a Policy,
    ap: &'a AccessPointInput,
    ap_policy: &'a Policy,
}

impl Pair<'_> {
    /// Whether the access point request `w` is allowed by both policies.
    fn allows(&self, w: &RequestWitness, actions: &[String]) -> bool {
        if !actions.iter().any(|a| a.eq_ignore_ascii_case(&w.action)) {
            return false;
        }
        let side = Side::Resource(ResourcePolicyKind::Generic);
        if replay(self.ap_policy, side, w) != Some(true) {
            return false;
        }
        let Some(res) = bucket_resource(&self.ap.arn, self.bucket_arn, &w.resource) else {
            return false;
        };
        let mut b = w.clone();
        b.resource = res;
        replay(self.bucket_policy, side, &b) == Some(true)
    }

    /// A request through the access point allowed by both policies, from the two findings' witnesses.
    fn witness(
        &self,
        a: &PolicyFinding,
        b: &PolicyFinding,
        actions: &[String],
    ) -> Option<RequestWitness> {
        let mut candidates = Vec::new();
        if let Some(wa) = &a.witness {
            let mut w = wa.clone();
            through(&mut w, self.ap);
            candidates.push(w);
        }
        if let Some(wb) = &b.witness
            && let Some(res) = access_point_resource(&self.ap.arn, self.bucket_arn, &wb.resource)
        {
            let mut w = wb.clone();
            w.resource = res;
            through(&mut w, self.ap);
            candidates.push(w);
        }
        if let (Some(wa), Some(wb)) = (&a.witness, &b.witness) {
            // The finer caller, both contexts (the access point side wins a clash).
            let mut w = if is_any(&a.principal) {
                let mut w = wb.clone();
                if let Some(res) = access_point_resource(&self.ap.arn, self.bucket_arn, &w.resource)
                {
                    w.resource = res;
                }
                w
            } else {
                wa.clone()
            };
            for src in [wa, wb] {
                for (n, ty, vs) in &src.entries {
                    if !w.entries.iter().any(|(m, _, _)| m.eq_ignore_ascii_case(n)) {
                        w.entries.push((n.clone(), *ty, vs.clone()));
                    }
                }
                for (k, v) in &src.context {
                    w.context.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            through(&mut w, self.ap);
            candidates.push(w);
        }
        candidates.into_iter().find_map(|mut w| {
            if self.allows(&w, actions) {
                return Some(w);
            }
            // The witness may name another action of the cube (or a bare service prefix), whose
            // resource is the access point itself or an object through it.
            let object = w
                .resource
                .strip_prefix(self.ap.arn.as_str())
                .and_then(|r| r.strip_prefix("/object/"))
                .filter(|k| !k.is_empty())
                .unwrap_or("perimeter-witness")
                .to_owned();
            let resources = [
                w.resource.clone(),
                self.ap.arn.clone(),
                format!("{}/object/{object}", self.ap.arn),
            ];
            for a in actions {
                for res in &resources {
                    w.action.clone_from(a);
                    w.resource.clone_from(res);
                    if self.allows(&w, actions) {
                        return Some(w);
                    }
                }
            }
            None
        })
    }
}

/// `h` contains every request of `g`.
fn covers(h: &ExternalFinding, g: &ExternalFinding) -> bool {
    (is_any(&h.principal) || h.principal == g.principal)
        && h.condition
            .iter()
            .all(|(k, v)| g.condition.get(k) == Some(v))
        && g.action.iter().all(|a| h.action.contains(a))
}

fn finding(
    f: PolicyFinding,
    source_type: &'static str,
    detail: Option<AccessPointDetail>,
) -> ExternalFinding {
    ExternalFinding::from_policy(f, Some(source_type), detail)
}

/// The values S3 gives the access point keys of a request.
enum Through<'a> {
    /// A request straight to the bucket: the keys are absent.
    Direct,
    /// A request through this access point.
    AccessPoint(&'a AccessPointInput),
}

fn is_access_point_condition(key: &str) -> bool {
    is_ap_key(key) || key.eq_ignore_ascii_case(NETWORK_ORIGIN_KEY)
}

/// Whether one condition holds when the access point keys are as `through` says (the concrete
/// evaluator decides, on a one-statement identity policy). `None` when it depends on other keys
/// (policy variables).
fn holds(
    template: &Policy,
    c: &perimeter_iam::model::Condition,
    through: &Through<'_>,
) -> Option<bool> {
    if c.values.iter().any(|v| v.text.contains("${")) {
        return None;
    }
    let mut p = template.clone();
    for st in &mut p.statements {
        st.conditions = vec![c.clone()];
    }
    let mut ctx = perimeter_iam::eval::Context::new();
    if let Through::AccessPoint(ap) = through {
        ctx.insert(
            ACCESS_POINT_ARN_KEY,
            ContextKeyType::String,
            vec![ap.arn.clone()],
        );
        ctx.insert(
            ACCESS_POINT_ACCOUNT_KEY,
            ContextKeyType::String,
            vec![ap.account.clone()],
        );
        let origin = if ap.vpc_id.is_some() {
            "VPC"
        } else {
            "Internet"
        };
        ctx.insert(
            NETWORK_ORIGIN_KEY,
            ContextKeyType::String,
            vec![origin.to_owned()],
        );
    }
    let caller = perimeter_iam::eval::Caller::User {
        arn: "arn:aws:iam::000000000000:user/perimeter".to_owned(),
        account: "000000000000".to_owned(),
    };
    let req = perimeter_iam::eval::Request::new(caller, "s3:GetObject", "*", ctx);
    let set = perimeter_iam::eval::PolicySet {
        identity: vec![perimeter_iam::eval::PolicyDocument::new("condition", p)],
        ..perimeter_iam::eval::PolicySet::default()
    };
    let ev = perimeter_iam::eval::eval_request(&set, &req);
    Some(
        ev.details.get(perimeter_iam::eval::PolicyType::Identity)
            == Some(perimeter_iam::eval::Decision::Allowed),
    )
}

/// The policy as it applies to requests whose access point keys are as `through` says: conditions on
/// those keys are decided (a true one is dropped, a false one drops its statement). Exact, because a
/// statement's conditions are a conjunction and the keys' values are fixed.
fn specialize(policy: &Policy, through: &Through<'_>) -> Option<Policy> {
    let template = perimeter_iam::parse_and_lower(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .ok()?;
    let mut out = policy.clone();
    out.statements.retain_mut(|st| {
        let mut keep = true;
        st.conditions.retain(|c| {
            if !is_access_point_condition(&c.key) {
                return true;
            }
            match holds(&template, c, through) {
                Some(true) => false,
                Some(false) => {
                    keep = false;
                    true
                }
                None => true,
            }
        });
        keep
    });
    Some(out)
}

/// The policy as it applies to requests through access points of accounts other than `owner`:
/// statements that only match the owner's access points are dropped; other access point conditions
/// stay (their keys are then free, which over-approximates).
fn foreign_only(policy: &Policy, owner: &str) -> Policy {
    use perimeter_iam::model::OperatorBase as B;
    let mut out = policy.clone();
    out.statements.retain(|st| {
        !st.conditions.iter().any(|c| {
            let positive = matches!(
                c.operator.base,
                B::StringEquals
                    | B::StringEqualsIgnoreCase
                    | B::StringLike
                    | B::ArnEquals
                    | B::ArnLike
            ) && c.operator.qualifier.is_none()
                && !c.operator.if_exists;
            let own_only = if c.key.eq_ignore_ascii_case(ACCESS_POINT_ACCOUNT_KEY) {
                c.values.iter().all(|v| v.text == owner)
            } else if c.key.eq_ignore_ascii_case(ACCESS_POINT_ARN_KEY) {
                c.values
                    .iter()
                    .all(|v| v.text.split(':').nth(4) == Some(owner))
            } else {
                false
            };
            positive && own_only && !c.values.is_empty()
        })
    });
    out
}

fn mentions_access_point_keys(policy: &Policy) -> bool {
    policy.statements.iter().any(|st| {
        st.conditions
            .iter()
            .any(|c| is_access_point_condition(&c.key))
    })
}

/// Makes a witness name one of the finding's actions (the engine may name a service prefix only when
/// the policy's `Action` is `*`): the first action the policy allows for the same request.
fn fix_witness_action(f: &mut PolicyFinding, policy: &Policy) {
    let Some(w) = &mut f.witness else { return };
    if f.action.iter().any(|a| a.eq_ignore_ascii_case(&w.action)) {
        return;
    }
    let side = Side::Resource(ResourcePolicyKind::Generic);
    let original = w.action.clone();
    for a in &f.action {
        w.action.clone_from(a);
        if replay(policy, side, w) == Some(true) {
            return;
        }
    }
    w.action = original;
}

fn analyse(
    policy: &Policy,
    patterns: &[Pattern],
    zone: &ZoneOfTrust,
) -> Result<Vec<PolicyFinding>, ExternalError> {
    let mut fs = find_policy_findings(policy, patterns, &["s3"], false, zone)?;
    for f in &mut fs {
        fix_witness_action(f, policy);
    }
    Ok(fs)
}

/// A finding through a cross-account access point (its policy is unknown).
fn cross_account(mut g: PolicyFinding, rpb: bool) -> ExternalFinding {
    let arn_label = label(&g, ACCESS_POINT_ARN_KEY).map(str::to_owned);
    let account_label = label(&g, ACCESS_POINT_ACCOUNT_KEY).map(str::to_owned);
    let account = account_label
        .clone()
        .filter(|a| !has_wildcard(a))
        .or_else(|| {
            arn_label
                .as_deref()
                .and_then(|a| a.split(':').nth(4))
                .filter(|a| !a.is_empty() && !has_wildcard(a))
                .map(str::to_owned)
        });
    let arn = arn_label.filter(|a| !has_wildcard(a));
    if rpb {
        // Only the access point owner's principals keep access through it.
        if public_but_for_access_point(&g)
            && let Some(a) = &account
        {
            g.principal = BTreeMap::from([("AWS".to_owned(), a.clone())]);
        }
        g.is_public = false;
    } else {
        g.is_public = public_but_for_access_point(&g);
    }
    g.notes.push(
        "the cross-account access point's policy is not analysed (it is outside the account)"
            .to_owned(),
    );
    finding(
        g,
        "S3_ACCESS_POINT_ACCOUNT",
        Some(AccessPointDetail {
            access_point_arn: arn,
            access_point_account: account,
        }),
    )
}

/// The findings of a bucket policy, with access through access points and multi-Region access
/// points. `fs` are the findings of the whole bucket policy (a sound cover of every request).
pub(super) fn bucket_policy_findings(
    r: &ExternalResource,
    bucket_policy: &Policy,
    mut fs: Vec<PolicyFinding>,
    zone: &ZoneOfTrust,
) -> Result<Vec<ExternalFinding>, ExternalError> {
    let owner = r.owner_account.as_str();
    let rpb = r.block_public_access.restrict_public_buckets;
    for f in &mut fs {
        fix_witness_action(f, bucket_policy);
    }
    let bucket_patterns = vec![
        Pattern::literal(&r.arn, Case::Sensitive),
        Pattern::whole(super::grants::glob_suffix(&r.arn, "/"), Case::Sensitive),
    ];
    let mentions = mentions_access_point_keys(bucket_policy);
    let mut out = Vec::new();
    if !mentions {
        // No access point conditions: the same grants hold directly and through any access point.
        out.extend(fs.iter().cloned().map(|f| finding(f, "POLICY", None)));
    } else if !r.access_points_known {
        // The owner's access points are unknown: the delegation to them is reported as written.
        for f in &fs {
            match delegation(f, owner) {
                Some(d) if !d.own => out.push(cross_account(f.clone(), rpb)),
                Some(_) => {
                    let mut g = finding(f.clone(), "POLICY", None);
                    g.notes.push(
                        "the bucket delegates access to access points that were not collected: the delegation is reported as written"
                            .to_owned(),
                    );
                    out.push(g);
                }
                None => out.push(finding(f.clone(), "POLICY", None)),
            }
        }
        return Ok(out);
    } else {
        // Direct requests: the access point keys are absent.
        if let Some(p) = specialize(bucket_policy, &Through::Direct) {
            out.extend(
                analyse(&p, &bucket_patterns, zone)?
                    .into_iter()
                    .map(|f| finding(f, "POLICY", None)),
            );
        }
        // Requests through other accounts' access points.
        let foreign = foreign_only(bucket_policy, owner);
        for f in analyse(&foreign, &bucket_patterns, zone)? {
            if delegation(&f, owner).is_some_and(|d| d.names_owner) {
                continue; // requests through the owner's own access points
            }
            let g = cross_account(f, rpb);
            let covered = out
                .iter()
                .any(|h| h.source_type == Some("POLICY") && covers(h, &g));
            if !covered {
                out.push(g);
            }
        }
    }
    let mut via = Vec::new();
    for ap in r.access_points.iter().filter(|ap| ap.account == owner) {
        let Some(ap_policy) = &ap.policy else {
            continue;
        };
        let (bucket_side, bfs) = if mentions {
            let Some(p) = specialize(bucket_policy, &Through::AccessPoint(ap)) else {
                continue;
            };
            let bfs = analyse(&p, &bucket_patterns, zone)?;
            (p, bfs)
        } else {
            (bucket_policy.clone(), fs.clone())
        };
        if bfs.is_empty() {
            continue;
        }
        let ap_side = if mentions_access_point_keys(ap_policy) {
            specialize(ap_policy, &Through::AccessPoint(ap)).unwrap_or_else(|| ap_policy.clone())
        } else {
            ap_policy.clone()
        };
        let patterns = vec![
            Pattern::literal(&ap.arn, Case::Sensitive),
            Pattern::whole(
                super::grants::glob_suffix(&ap.arn, "/object/"),
                Case::Sensitive,
            ),
        ];
        let afs = analyse(&ap_side, &patterns, zone)?;
        let vpc = ap.vpc_id.is_some();
        if !vpc && (ap.restrict_public_buckets || rpb) && afs.iter().any(|f| f.is_public) {
            continue;
        }
        let pair = Pair {
            bucket_arn: &r.arn,
            bucket_policy: &bucket_side,
            ap,
            ap_policy: &ap_side,
        };
        let mut mine: Vec<ExternalFinding> = Vec::new();
        for a in &afs {
            for b in &bfs {
                let Some(principal) = meet_principal(&a.principal, &b.principal) else {
                    continue;
                };
                let action: Vec<String> = a
                    .action
                    .iter()
                    .filter(|x| b.action.contains(x))
                    .cloned()
                    .collect();
                if action.is_empty() {
                    continue;
                }
                let mut condition = a.condition.clone();
                for (k, v) in &b.condition {
                    if !is_ap_key(k) {
                        condition.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                if let Some(id) = ap.vpc_id.as_ref().filter(|v| !v.is_empty()) {
                    condition.insert("aws:SourceVpc".to_owned(), id.clone());
                }
                let is_public = !vpc && a.is_public && public_but_for_access_point(b);
                let witness = pair.witness(a, b, &action);
                let mut notes: Vec<String> = a.notes.iter().chain(&b.notes).cloned().collect();
                if witness.is_none() {
                    notes.push(format!(
                        "no request allowed by both the bucket policy and the policy of `{}` was built: the finding may be over-approximated",
                        ap.arn
                    ));
                }
                let g = ExternalFinding {
                    principal,
                    action,
                    condition,
                    is_public,
                    source: Source::Policy {
                        statements: b.statements.clone(),
                    },
                    source_type: Some("S3_ACCESS_POINT"),
                    source_detail: Some(AccessPointDetail {
                        access_point_arn: Some(ap.arn.clone()),
                        access_point_account: None,
                    }),
                    access_point_statements: a.statements.clone(),
                    notes,
                    witness,
                };
                if let Some(same) = mine.iter_mut().find(|h| {
                    h.principal == g.principal
                        && h.condition == g.condition
                        && h.is_public == g.is_public
                }) {
                    for x in g.action {
                        if !same.action.contains(&x) {
                            same.action.push(x);
                        }
                    }
                    same.action.sort();
                    if let Source::Policy { statements } = &mut same.source
                        && let Source::Policy { statements: more } = &g.source
                    {
                        for i in more {
                            if !statements.contains(i) {
                                statements.push(*i);
                            }
                        }
                        statements.sort_unstable();
                    }
                    for i in g.access_point_statements {
                        if !same.access_point_statements.contains(&i) {
                            same.access_point_statements.push(i);
                        }
                    }
                    same.access_point_statements.sort_unstable();
                    if same.witness.is_none() {
                        same.witness = g.witness;
                    }
                    for n in g.notes {
                        if !same.notes.contains(&n) {
                            same.notes.push(n);
                        }
                    }
                } else {
                    mine.push(g);
                }
            }
        }
        via.extend(mine);
    }
    // Drop access point findings whose requests another finding already holds.
    let mut kept: Vec<ExternalFinding> = Vec::new();
    for (i, g) in via.iter().enumerate() {
        let subsumed = out
            .iter()
            .filter(|h| h.source_type == Some("POLICY"))
            .any(|h| covers(h, g))
            || via.iter().enumerate().any(|(j, h)| {
                j != i
                    && h.source_detail == g.source_detail
                    && covers(h, g)
                    && (!covers(g, h) || j < i)
            });
        if !subsumed {
            kept.push(g.clone());
        }
    }
    out.extend(kept);
    Ok(out)
}
