//! Who is asking, and whether a `Principal`/`NotPrincipal` element names them.
//!
//! A caller has *layers*, from the most specific to the account: a role session is the session, the role
//! and the account; an IAM user is the user and the account. A `Principal` element matches when it names
//! any layer; the layer decides how strong the grant is ([`PrincipalMatch`]). A `NotPrincipal` element
//! applies unless it names *every* layer, which is why AWS tells you to list the session ARN, the role
//! ARN and the account together
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>).

use crate::arn::{Arn, is_account_id};
use crate::model::{Principal, PrincipalClause, PrincipalKind};

/// The principal that makes a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// An unsigned request.
    Anonymous,
    /// The root user of an account.
    Root { account: String },
    /// An IAM user (`arn:aws:iam::ID:user/path/name`).
    User { arn: String, account: String },
    /// An IAM role ARN used as the caller (the simulator allows it; real calls come from sessions).
    Role {
        arn: String,
        account: String,
        name: String,
    },
    /// A role session (`arn:aws:sts::ID:assumed-role/ROLE/SESSION`).
    AssumedRole {
        arn: String,
        account: String,
        role_name: String,
    },
    /// A federated user session (`arn:aws:sts::ID:federated-user/NAME`).
    FederatedUser { arn: String, account: String },
    /// An AWS service principal such as `cloudtrail.amazonaws.com`.
    Service(String),
    /// A web identity or SAML provider (`Federated` principals in trust policies).
    Federated(String),
    /// An S3 canonical user id.
    CanonicalUser(String),
}

impl Caller {
    /// Interprets a caller ARN (or a bare account id, meaning the account root user). `None` if it is
    /// not a principal ARN.
    pub fn from_arn(text: &str) -> Option<Caller> {
        if is_account_id(text) {
            return Some(Caller::Root {
                account: text.to_owned(),
            });
        }
        let arn = Arn::parse(text)?;
        if !is_account_id(arn.account) {
            return None;
        }
        let account = arn.account.to_owned();
        match arn.service {
            "iam" => {
                if arn.resource == "root" {
                    Some(Caller::Root { account })
                } else if arn.resource.starts_with("user/") {
                    Some(Caller::User {
                        arn: text.to_owned(),
                        account,
                    })
                } else {
                    arn.resource.strip_prefix("role/").map(|rest| Caller::Role {
                        arn: text.to_owned(),
                        account,
                        name: rest.rsplit('/').next().unwrap_or(rest).to_owned(),
                    })
                }
            }
            "sts" => {
                if let Some(rest) = arn.resource.strip_prefix("assumed-role/") {
                    let (role, session) = rest.split_once('/')?;
                    if role.is_empty() || session.is_empty() {
                        return None;
                    }
                    Some(Caller::AssumedRole {
                        arn: text.to_owned(),
                        account,
                        role_name: role.to_owned(),
                    })
                } else if arn.resource.starts_with("federated-user/") {
                    Some(Caller::FederatedUser {
                        arn: text.to_owned(),
                        account,
                    })
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The account of an IAM principal; `None` for anonymous, service, web-identity and canonical callers.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Root { account }
            | Caller::User { account, .. }
            | Caller::Role { account, .. }
            | Caller::AssumedRole { account, .. }
            | Caller::FederatedUser { account, .. } => Some(account),
            _ => None,
        }
    }

    /// The ARN as `aws:PrincipalArn` reports it (for a session: the role ARN without its path).
    pub fn principal_arn(&self) -> Option<String> {
        match self {
            Caller::Root { account } => Some(format!("arn:aws:iam::{account}:root")),
            Caller::User { arn, .. }
            | Caller::Role { arn, .. }
            | Caller::FederatedUser { arn, .. } => Some(arn.clone()),
            Caller::AssumedRole {
                arn,
                account,
                role_name,
            } => {
                let partition = Arn::parse(arn).map_or("aws", |a| a.partition);
                Some(format!("arn:{partition}:iam::{account}:role/{role_name}"))
            }
            _ => None,
        }
    }

    /// Whether the caller is an IAM principal of an account, with identity-based policies (the
    /// identity side of the decision exists).
    pub fn has_identity_side(&self) -> bool {
        self.account().is_some()
    }

    /// Whether the caller is a session (role or federated user), to which session policies apply.
    pub fn is_session(&self) -> bool {
        matches!(
            self,
            Caller::AssumedRole { .. } | Caller::FederatedUser { .. }
        )
    }
}

/// How strongly a `Principal` element names the caller; the order is the strength.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalMatch {
    /// Not named.
    None,
    /// Only the caller's account is named (`ID` or `arn:aws:iam::ID:root`): the account must delegate
    /// through an identity-based policy.
    Account,
    /// The role of a role session is named: permissions boundaries and session policies still apply.
    Role,
    /// The caller itself is named: an IAM user, a session ARN, a federated user session, a service, a
    /// web identity provider, a canonical user, or everyone (`"*"`, `{"AWS":"*"}`, `NotPrincipal`).
    Direct,
}

/// One layer of a caller's identity.
enum Layer<'a> {
    Anonymous,
    Account(&'a str),
    User(&'a str),
    Role {
        account: &'a str,
        name: &'a str,
        arn: Option<&'a str>,
    },
    Session(&'a str),
    FederatedUser(&'a str),
    Service(&'a str),
    Federated(&'a str),
    Canonical(&'a str),
}

impl Layer<'_> {
    fn strength(&self) -> PrincipalMatch {
        match self {
            Layer::Account(_) => PrincipalMatch::Account,
            Layer::Role { .. } => PrincipalMatch::Role,
            _ => PrincipalMatch::Direct,
        }
    }
}

fn layers(caller: &Caller) -> ([Option<Layer<'_>>; 3], usize) {
    match caller {
        Caller::Anonymous => ([Some(Layer::Anonymous), None, None], 1),
        Caller::Root { account } => ([Some(Layer::Account(account)), None, None], 1),
        Caller::User { arn, account } => (
            [Some(Layer::User(arn)), Some(Layer::Account(account)), None],
            2,
        ),
        Caller::Role { arn, account, name } => (
            [
                Some(Layer::Role {
                    account,
                    name,
                    arn: Some(arn),
                }),
                Some(Layer::Account(account)),
                None,
            ],
            2,
        ),
        Caller::AssumedRole {
            arn,
            account,
            role_name,
        } => (
            [
                Some(Layer::Session(arn)),
                Some(Layer::Role {
                    account,
                    name: role_name,
                    arn: None,
                }),
                Some(Layer::Account(account)),
            ],
            3,
        ),
        Caller::FederatedUser { arn, account } => (
            [
                Some(Layer::FederatedUser(arn)),
                Some(Layer::Account(account)),
                None,
            ],
            2,
        ),
        Caller::Service(s) => ([Some(Layer::Service(s)), None, None], 1),
        Caller::Federated(s) => ([Some(Layer::Federated(s)), None, None], 1),
        Caller::CanonicalUser(s) => ([Some(Layer::Canonical(s)), None, None], 1),
    }
}

/// Whether one principal value names one layer. Principal ARNs are compared exactly (no wildcards are
/// allowed in principal ARNs; the user and role name parts are case-sensitive)
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>).
fn names(p: &Principal, layer: &Layer<'_>) -> bool {
    match p.kind {
        PrincipalKind::Aws => {
            let v = p.value.as_str();
            if v == "*" {
                return true;
            }
            match layer {
                Layer::Account(a) => {
                    v == *a
                        || Arn::parse(v).is_some_and(|arn| {
                            arn.service == "iam" && arn.resource == "root" && arn.account == *a
                        })
                }
                Layer::User(arn) | Layer::Session(arn) | Layer::FederatedUser(arn) => v == *arn,
                Layer::Role { account, name, arn } => {
                    if arn.is_some_and(|a| a == v) {
                        return true;
                    }
                    // A role ARN names the role's sessions; a session ARN carries no path, so the role
                    // is identified by account and name.
                    Arn::parse(v).is_some_and(|pa| {
                        pa.service == "iam"
                            && pa.account == *account
                            && pa
                                .resource
                                .strip_prefix("role/")
                                .is_some_and(|r| r.rsplit('/').next() == Some(*name))
                    })
                }
                _ => false,
            }
        }
        PrincipalKind::Service => {
            matches!(layer, Layer::Service(s) if s.eq_ignore_ascii_case(&p.value))
        }
        PrincipalKind::Federated => matches!(layer, Layer::Federated(s) if *s == p.value),
        PrincipalKind::CanonicalUser => matches!(layer, Layer::Canonical(s) if *s == p.value),
    }
}

/// How a statement's `Principal` or `NotPrincipal` applies to the caller.
pub fn match_principal(clause: &PrincipalClause, caller: &Caller) -> PrincipalMatch {
    let (ls, n) = layers(caller);
    let ls = ls.iter().take(n).flatten();
    if clause.negated {
        // `NotPrincipal: "*"` lists every principal (`"*"` is `{"AWS": "*"}`,
        // reference_policies_elements_principal.html), so the statement applies to no one.
        if clause.any {
            return PrincipalMatch::None;
        }
        // NotPrincipal applies unless every layer of the caller is listed.
        let all_listed = ls
            .clone()
            .all(|l| clause.principals.iter().any(|p| names(p, l)));
        return if all_listed {
            PrincipalMatch::None
        } else {
            PrincipalMatch::Direct
        };
    }
    if clause.any {
        return PrincipalMatch::Direct;
    }
    ls.filter(|l| clause.principals.iter().any(|p| names(p, l)))
        .map(Layer::strength)
        .max()
        .unwrap_or(PrincipalMatch::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Caller::from_arn`, then `account()` and `principal_arn()`
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns>,
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn>:
    /// for a role session, `aws:PrincipalArn` is the role's ARN).
    fn check(arn: &str, expected: Option<(&str, &str)>) {
        let got = Caller::from_arn(arn);
        let got = got.as_ref().map(|c| {
            (
                c.account().unwrap_or_default().to_owned(),
                c.principal_arn().unwrap_or_default(),
            )
        });
        let want = expected.map(|(a, p)| (a.to_owned(), p.to_owned()));
        assert_eq!(got, want, "{arn}");
    }

    #[test]
    fn callers() {
        check(
            "111122223333",
            Some(("111122223333", "arn:aws:iam::111122223333:root")),
        );
        check(
            "arn:aws:iam::111122223333:root",
            Some(("111122223333", "arn:aws:iam::111122223333:root")),
        );
        check(
            "arn:aws:iam::111122223333:user/dev/alice",
            Some(("111122223333", "arn:aws:iam::111122223333:user/dev/alice")),
        );
        check(
            "arn:aws:iam::111122223333:role/app/Builder",
            Some(("111122223333", "arn:aws:iam::111122223333:role/app/Builder")),
        );
        check(
            "arn:aws-cn:sts::111122223333:assumed-role/Builder/s1",
            Some(("111122223333", "arn:aws-cn:iam::111122223333:role/Builder")),
        );
        check(
            "arn:aws:sts::111122223333:federated-user/carol",
            Some((
                "111122223333",
                "arn:aws:sts::111122223333:federated-user/carol",
            )),
        );
        check("arn:aws:sts::111122223333:assumed-role/Builder", None);
        check("arn:aws:iam::111122223333:group/admins", None);
        check("arn:aws:s3:::bucket", None);
        check("arn:aws:iam::aws:policy/ReadOnlyAccess", None);
        check("alice", None);
    }
}
