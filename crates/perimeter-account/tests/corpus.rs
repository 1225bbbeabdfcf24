//! The cloudmapper-demo corpus loads as it is (PERIMETER_CORPORA/cloudmapper-demo, see its SOURCE.md).

use std::path::PathBuf;

use perimeter_account::{CoverageStatus, PolicyEncoding, ResourceType, load_snapshot};

#[cfg(test)]
fn corpus() -> Option<PathBuf> {
    match std::env::var_os("PERIMETER_CORPORA") {
        Some(dir) => Some(PathBuf::from(dir).join("cloudmapper-demo")),
        None => {
            println!("PERIMETER_CORPORA is not set: the cloudmapper-demo corpus test did not run");
            None
        }
    }
}

#[test]
#[cfg(test)]
fn cloudmapper_demo_loads_with_public_resources() {
    let Some(dir) = corpus() else { return };
    // The corpus root holds `account-data/demo/`; the loader descends into it.
    let snapshot = load_snapshot(&dir).unwrap();
    assert_eq!(
        snapshot.diagnostics,
        vec![],
        "the demo files are well-formed JSON"
    );
    // sts-get-caller-identity.json: Account 123456789012; describe-regions.json lists only us-east-1.
    assert_eq!(snapshot.account_id.as_deref(), Some("123456789012"));
    assert_eq!(snapshot.regions, vec!["us-east-1".to_owned()]);

    // expected.json / SOURCE.md: the public resource policies are S3 `cloudmapper_demo` (GetObject for
    // `*`), SQS `demo` (SendMessage for `*`), SNS `demo_public`, ECR `cloudmapper`.
    let public = [
        (
            "arn:aws:s3:::cloudmapper_demo",
            ResourceType::S3Bucket,
            "PublicReadGetObject",
        ),
        (
            "arn:aws:sqs:us-east-1:123456789012:demo",
            ResourceType::SqsQueue,
            "sqs:SendMessage",
        ),
        (
            "arn:aws:sns:us-east-1:123456789012:demo_public",
            ResourceType::SnsTopic,
            "SNS:Publish",
        ),
        (
            "arn:aws:ecr:us-east-1:123456789012:repository/cloudmapper",
            ResourceType::EcrRepository,
            "ecr:BatchGetImage",
        ),
    ];
    for (arn, resource_type, needle) in public {
        let r = snapshot
            .resource(arn)
            .unwrap_or_else(|| panic!("{arn} missing"));
        assert_eq!(r.resource_type, resource_type, "{arn}");
        assert_eq!(r.owner_account, "123456789012", "{arn}");
        let policy = r
            .policy
            .as_ref()
            .unwrap_or_else(|| panic!("{arn} has no policy"));
        assert_eq!(policy.encoding, PolicyEncoding::JsonString, "{arn}");
        assert!(policy.text.contains(needle), "{arn}: {}", policy.text);
        // The text is the decoded policy JSON, not the escaped string.
        let v: serde_json::Value = serde_json::from_str(&policy.text).unwrap();
        assert!(v.get("Statement").is_some(), "{arn}");
    }
    let bucket = snapshot.resource("arn:aws:s3:::cloudmapper_demo").unwrap();
    assert_eq!(
        bucket.policy.as_ref().unwrap().origin.file,
        "us-east-1/s3-get-bucket-policy/cloudmapper_demo"
    );
    assert_eq!(bucket.policy.as_ref().unwrap().origin.pointer, "/Policy");
    // get-bucket-location is null, which means us-east-1.
    assert_eq!(bucket.region, "us-east-1");
    let perimeter_account::ResourceExtras::S3Bucket(s3) = &bucket.extras else {
        panic!("no S3 extras")
    };
    // s3-get-bucket-acl/cloudmapper_demo: one FULL_CONTROL grant to the owner.
    let grants = s3.acl_grants.as_ref().unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].permission, "FULL_CONTROL");
    assert_eq!(grants[0].grantee_type, "CanonicalUser");

    // demo_private is present too, with its AWS:SourceOwner condition.
    let private = snapshot
        .resource("arn:aws:sns:us-east-1:123456789012:demo_private")
        .unwrap();
    assert!(
        private
            .policy
            .as_ref()
            .unwrap()
            .text
            .contains("AWS:SourceOwner")
    );

    // The Lambda policy names account 653711331788 in the function ARN's place (a corpus quirk); the
    // function ARN from list-functions is what we key on.
    assert!(
        snapshot
            .resources
            .iter()
            .any(|r| r.resource_type == ResourceType::LambdaFunction && r.policy.is_some())
    );
    // The secret has no ResourcePolicy in get-resource-policy: present, without a policy; its ARN's
    // 13-digit account is not an account id, so the owner is the snapshot's account.
    let secret = snapshot
        .resources
        .iter()
        .find(|r| r.resource_type == ResourceType::SecretsManagerSecret)
        .unwrap();
    assert!(secret.policy.is_none());
    assert_eq!(secret.owner_account, "123456789012");

    // IAM roles from GAAD are AWS::IAM::Role resources with their trust policy (the CLI decodes them to objects).
    let bad_role = snapshot
        .resources
        .iter()
        .find(|r| r.arn == "arn:aws:iam::123456789012:role/bad_role")
        .unwrap();
    assert_eq!(bad_role.resource_type, ResourceType::IamRole);
    assert!(matches!(
        bad_role.policy.as_ref().unwrap().encoding,
        PolicyEncoding::Embedded { .. }
    ));
    assert!(!snapshot.iam.users.is_empty());
    assert!(!snapshot.iam.policies.is_empty());

    // No KMS, EFS, RDS snapshot, DynamoDB or Organizations files in the demo: not analysed.
    for t in [
        ResourceType::KmsKey,
        ResourceType::EfsFileSystem,
        ResourceType::RdsDbSnapshot,
        ResourceType::DynamoDbTable,
    ] {
        assert!(!snapshot.is_analysed(t), "{t}");
    }
    // ec2-describe-snapshots.json is present (and empty): analysed, no resources.
    assert!(snapshot.is_analysed(ResourceType::Ec2Snapshot));
    assert!(
        snapshot
            .coverage
            .iter()
            .any(|c| c.resource_type == ResourceType::KmsKey
                && c.status
                    == CoverageStatus::NotAnalysed {
                        missing_file: "us-east-1/kms-list-keys.json".to_owned()
                    })
    );
    assert!(snapshot.organization.is_none());
}
