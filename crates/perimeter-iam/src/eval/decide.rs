//! The decision pipeline of reference_policies_evaluation-logic.html, step by step.

use super::condition::eval_condition;
use super::glob::Glob;
use super::principal::{Caller, PrincipalMatch, match_principal};
use super::{
    CompiledClause, CompiledPattern, Context, Decision, DecisionDetails, Evaluation, Missing,
    PolicyDocument, PolicySet, PolicyType, Request, StatementRef,
};
use crate::model::Effect;

/// What one group of policies (one type, or one SCP/RCP level) says about the request.
#[derive(Clone, Copy, Debug, Default)]
struct Verdict {
    allow: bool,
    deny: bool,
    /// The strongest principal match among the matching Allow statements (resource policies).
    best: Option<PrincipalMatch>,
}

impl Verdict {
    fn decision(self) -> Decision {
        if self.deny {
            Decision::ExplicitDeny
        } else if self.allow {
            Decision::Allowed
        } else {
            Decision::ImplicitDeny
        }
    }
}

struct Scratch {
    allows: Vec<StatementRef>,
    denies: Vec<StatementRef>,
    missing: Missing,
}

/// Decides one request. Steps (each cites reference_policies_evaluation-logic.html):
///
/// 1. An applicable `Deny` in any policy that takes part is final: `explicitDeny`.
/// 2. SCPs (when given, for IAM principals): every level root → OU → account must have an `Allow`.
/// 3. RCPs (when given): every level must have an `Allow` (`RCPFullAWSAccess` is the usual one).
/// 4. Callers without identity-based policies (anonymous, services, web identities, canonical users)
///    are allowed only by the resource-based policy.
/// 5. Cross-account: both the identity side (identity policy, boundary, session policy) and the
///    resource policy must allow.
/// 6. Same account: a resource-policy grant to the caller itself suffices; a grant to the role of a
///    session still needs the boundary and session policy; a grant to the account needs the identity
///    side too; without a resource grant the identity side decides, except for role trust policies
///    and KMS key policies, which must always allow.
pub fn eval_request(set: &PolicySet, req: &Request) -> Evaluation {
    let mut sc = Scratch {
        allows: Vec::new(),
        denies: Vec::new(),
        missing: Missing::default(),
    };
    let caller = &req.caller;
    let identity_side = caller.has_identity_side();
    let is_root = matches!(caller, Caller::Root { .. });
    let mut details = DecisionDetails::default();

    let identity = identity_side.then(|| {
        let v = eval_group(&set.identity, PolicyType::Identity, 0, req, false, &mut sc);
        details.set(PolicyType::Identity, v.decision());
        v
    });
    let boundary = (identity_side && !is_root && !set.permissions_boundary.is_empty()).then(|| {
        let v = eval_group(
            &set.permissions_boundary,
            PolicyType::PermissionsBoundary,
            0,
            req,
            false,
            &mut sc,
        );
        details.set(PolicyType::PermissionsBoundary, v.decision());
        v
    });
    let session = (identity_side && !is_root && !set.session.is_empty()).then(|| {
        let v = eval_group(&set.session, PolicyType::Session, 0, req, false, &mut sc);
        details.set(PolicyType::Session, v.decision());
        v
    });
    let scp = (identity_side && !set.scp_levels.is_empty()).then(|| {
        let v = eval_levels(&set.scp_levels, PolicyType::ServiceControl, req, &mut sc);
        details.set(PolicyType::ServiceControl, v.decision());
        v
    });
    let rcp = (!set.rcp_levels.is_empty()).then(|| {
        let v = eval_levels(&set.rcp_levels, PolicyType::ResourceControl, req, &mut sc);
        details.set(PolicyType::ResourceControl, v.decision());
        v
    });
    let resource = set.resource.as_ref().map(|doc| {
        let v = eval_group(
            std::slice::from_ref(doc),
            PolicyType::Resource,
            0,
            req,
            true,
            &mut sc,
        );
        details.set(PolicyType::Resource, v.decision());
        v
    });

    let allowed_by_permissions_boundary = boundary.map(|v| v.allow && !v.deny);
    let allowed_by_organizations = scp.map(|v| v.allow && !v.deny);
    let finish = |decision: Decision, sc: Scratch| -> Evaluation {
        let matched = match decision {
            Decision::Allowed => sc.allows,
            Decision::ExplicitDeny => sc.denies,
            Decision::ImplicitDeny => Vec::new(),
        };
        Evaluation {
            decision,
            matched,
            missing_context: sc.missing.keys,
            details,
            allowed_by_permissions_boundary,
            allowed_by_organizations,
        }
    };

    // Step 1: explicit deny anywhere.
    if !sc.denies.is_empty() {
        return finish(Decision::ExplicitDeny, sc);
    }
    // Steps 2 and 3: every SCP and RCP level must allow.
    if scp.is_some_and(|v| !v.allow) || rcp.is_some_and(|v| !v.allow) {
        return finish(Decision::ImplicitDeny, sc);
    }
    let res_grant = resource
        .and_then(|v| v.best)
        .unwrap_or(PrincipalMatch::None);

    // Step 4: no identity side.
    if !identity_side {
        let d = if res_grant > PrincipalMatch::None {
            Decision::Allowed
        } else {
            Decision::ImplicitDeny
        };
        return finish(d, sc);
    }

    // The root user has every identity-based permission in its account; boundaries and session
    // policies do not apply to it.
    let id_allow = is_root || identity.is_some_and(|v| v.allow);
    let pb_ok = boundary.is_none_or(|v| v.allow);
    let sp_ok = session.is_none_or(|v| v.allow);
    let identity_ok = id_allow && pb_ok && sp_ok;

    let caller_account = caller.account();
    let resource_account = req.resource_account(set.resource_owner.as_deref());
    let cross_account = match (caller_account, resource_account) {
        (Some(c), Some(r)) => c != r,
        _ => false,
    };

    let allowed = if cross_account {
        // Step 5.
        res_grant > PrincipalMatch::None && identity_ok
    } else {
        // Step 6.
        match res_grant {
            PrincipalMatch::Direct => true,
            PrincipalMatch::Role => pb_ok && sp_ok,
            PrincipalMatch::Account => identity_ok,
            PrincipalMatch::None => !set.resource_kind.must_allow() && identity_ok,
        }
    };
    let decision = if allowed {
        Decision::Allowed
    } else {
        Decision::ImplicitDeny
    };
    finish(decision, sc)
}

/// What one policy alone says about a request: `explicitDeny` if a Deny statement applies, else
/// `allowed` if an Allow statement applies, else `implicitDeny`, with the statements that applied
/// (Deny statements for `explicitDeny`, Allow statements otherwise) and the missing context keys.
/// `resource_policy` makes statements without `Principal` apply to nobody, as in resource-based
/// policies. This is the per-policy question that policy comparisons (`CheckNoNewAccess`) ask.
pub fn eval_policy(doc: &PolicyDocument, req: &Request, resource_policy: bool) -> Evaluation {
    let mut sc = Scratch {
        allows: Vec::new(),
        denies: Vec::new(),
        missing: Missing::default(),
    };
    let v = eval_group(
        std::slice::from_ref(doc),
        PolicyType::Identity,
        0,
        req,
        resource_policy,
        &mut sc,
    );
    let decision = v.decision();
    let mut details = DecisionDetails::default();
    details.set(
        if resource_policy {
            PolicyType::Resource
        } else {
            PolicyType::Identity
        },
        decision,
    );
    Evaluation {
        decision,
        matched: if v.deny { sc.denies } else { sc.allows },
        missing_context: sc.missing.keys,
        details,
        allowed_by_permissions_boundary: None,
        allowed_by_organizations: None,
    }
}

/// Evaluates SCP or RCP levels: a Deny at any level denies; every level must allow.
fn eval_levels(
    levels: &[Vec<PolicyDocument>],
    ty: PolicyType,
    req: &Request,
    sc: &mut Scratch,
) -> Verdict {
    let mut out = Verdict {
        allow: true,
        deny: false,
        best: None,
    };
    for (level, docs) in levels.iter().enumerate() {
        let v = eval_group(docs, ty, level, req, false, sc);
        out.allow &= v.allow;
        out.deny |= v.deny;
    }
    out
}

fn eval_group(
    docs: &[PolicyDocument],
    ty: PolicyType,
    level: usize,
    req: &Request,
    resource_policy: bool,
    sc: &mut Scratch,
) -> Verdict {
    let mut v = Verdict::default();
    for (pi, doc) in docs.iter().enumerate() {
        for (si, (st, cst)) in doc.policy.statements.iter().zip(&doc.compiled).enumerate() {
            if !clause_matches(
                &cst.action,
                &req.action_folded,
                req.service_hash,
                true,
                &req.context,
                &mut sc.missing,
            ) {
                continue;
            }
            let pm = match &st.principal {
                Some(p) => match_principal(p, &req.caller),
                // A resource-based policy statement without a principal names nobody; in other
                // policies the principal is implied.
                None if resource_policy => PrincipalMatch::None,
                None => PrincipalMatch::Direct,
            };
            if pm == PrincipalMatch::None {
                continue;
            }
            if let Some(r) = &cst.resource
                && !clause_matches(r, &req.resource, 0, false, &req.context, &mut sc.missing)
            {
                continue;
            }
            // Evaluate every condition (no short cut) so that all missing keys are reported.
            let mut holds = true;
            for c in &st.conditions {
                holds &= eval_condition(c, &req.context, &mut sc.missing);
            }
            if !holds {
                continue;
            }
            let r = StatementRef {
                policy_type: ty,
                level,
                policy: pi,
                statement: si,
            };
            match st.effect {
                Effect::Deny => {
                    v.deny = true;
                    sc.denies.push(r);
                }
                Effect::Allow => {
                    v.allow = true;
                    v.best = v.best.max(Some(pm));
                    sc.allows.push(r);
                }
            }
        }
    }
    v
}

/// Whether an `Action`/`NotAction` or `Resource`/`NotResource` clause covers `text`. Patterns with
/// policy variables are substituted from the context; a variable with no value and no default makes
/// that pattern match nothing.
fn clause_matches(
    c: &CompiledClause,
    text: &str,
    service: u64,
    fold: bool,
    ctx: &Context,
    missing: &mut Missing,
) -> bool {
    let any = c.globs.iter().any(|g| match g {
        CompiledPattern::Fixed(glob) => {
            // Actions: a pattern with a literal service only matches requests for that service.
            !(fold && glob.service_hash().is_some_and(|h| h != service))
                && glob.matches(text, false)
        }
        CompiledPattern::Vars(t) => {
            for key in t.variables() {
                missing.note(key, ctx);
            }
            let substituted =
                t.substitute(&|key| match ctx.get(key).map(|e| e.values.as_slice()) {
                    Some([one]) => Some(one.clone()),
                    _ => None,
                });
            let glob = substituted.and_then(|s| {
                if fold {
                    Glob::new(&s, true)
                } else {
                    Glob::resource(&s)
                }
            });
            glob.is_some_and(|g| g.matches(text, false))
        }
    });
    any != c.negated
}
