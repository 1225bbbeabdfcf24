//! Lowering from in-memory files: diagnostics, missing files, encodings, type-specific extras.

use perimeter_account::*;

#[cfg(test)]
fn files(entries: &[(&str, &str)]) -> SnapshotFiles {
    let mut f = SnapshotFiles::new();
    for (path, text) in entries {
        f.insert(*path, text.as_bytes().to_vec());
    }
    f
}

const REGIONS: (&str, &str) = (
    "describe-regions.json",
    r#"{"Regions":[{"RegionName":"us-east-1"}]}"#,
);
const STS: (&str, &str) = (
    "us-east-1/sts-get-caller-identity.json",
    r#"{"Account":"111111111111"}"#,
);

#[cfg(test)]
/// `(files, expected diagnostics as (file, pointer, message substring))`.
fn check(entries: &[(&str, &str)], expected: &[(&str, &str, &str)]) -> Snapshot {
    let snapshot = lower_snapshot(&files(entries));
    let got: Vec<(String, String, String)> = snapshot
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.origin.file.clone(),
                d.origin.pointer.clone(),
                d.message.clone(),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((file, pointer, message), (wf, wp, wm)) in got.iter().zip(expected) {
        assert_eq!(file, wf);
        assert_eq!(pointer, wp);
        assert!(message.contains(wm), "{message} !~ {wm}");
    }
    snapshot
}

#[test]
#[cfg(test)]
fn malformed_file_names_file_and_rest_loads() {
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/sqs-list-queues.json",
                r#"{"QueueUrls": ["https://sqs.us-east-1.amazonaws.com/111111111111/q"]}"#,
            ),
            (
                "us-east-1/sqs-get-queue-attributes/https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F111111111111%2Fq",
                "{\"Attributes\": {",
            ),
            (
                "us-east-1/sns-list-topics.json",
                r#"{"Topics": [{"TopicArn": "arn:aws:sns:us-east-1:111111111111:t"}]}"#,
            ),
        ],
        &[(
            "us-east-1/sqs-get-queue-attributes/https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F111111111111%2Fq",
            "",
            "not JSON",
        )],
    );
    // The queue is still listed (ARN from its URL), without a policy; the topic loads.
    let q = s.resource("arn:aws:sqs:us-east-1:111111111111:q").unwrap();
    assert!(q.policy.is_none());
    assert!(s.resource("arn:aws:sns:us-east-1:111111111111:t").is_some());
    let d = &s.diagnostics[0];
    // The text ends after 16 bytes: line 1, column 16 (0-based), where a value was expected.
    assert_eq!(d.line_column, Some((1, 16)));
}

#[test]
#[cfg(test)]
fn wrong_types_give_json_pointers() {
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/sns-list-topics.json",
                r#"{"Topics": [{"TopicArn": 7.5e0}, {"TopicArn": ["x"]}, {"TopicArn": "arn:aws:sns:us-east-1:111111111111:ok"}]}"#,
            ),
            (
                "us-east-1/sns-get-topic-attributes/arn%3Aaws%3Asns%3Aus-east-1%3A111111111111%3Aok",
                r#"{"Attributes": {"Policy": 12}}"#,
            ),
            (
                "us-east-1/ecr-describe-repositories.json",
                r#"{"repositories": {"not": "a list"}}"#,
            ),
        ],
        &[
            (
                "us-east-1/sns-list-topics.json",
                "/Topics/1/TopicArn",
                "expected a string, found an array",
            ),
            (
                "us-east-1/sns-get-topic-attributes/arn%3Aaws%3Asns%3Aus-east-1%3A111111111111%3Aok",
                "/Attributes/Policy",
                "expected a policy document, found a number",
            ),
            (
                "us-east-1/ecr-describe-repositories.json",
                "/repositories",
                "expected an array, found an object",
            ),
        ],
    );
    assert!(
        s.resource("arn:aws:sns:us-east-1:111111111111:ok")
            .is_some()
    );
}

#[test]
#[cfg(test)]
fn missing_listing_means_not_analysed() {
    let s = check(&[REGIONS, STS], &[]);
    for t in ResourceType::ALL {
        assert!(!s.is_analysed(t), "{t}");
    }
    assert!(s.coverage.contains(&Coverage {
        resource_type: ResourceType::S3Bucket,
        region: "us-east-1".to_owned(),
        status: CoverageStatus::NotAnalysed {
            missing_file: "us-east-1/s3-list-buckets.json".to_owned()
        },
    }));
}

#[test]
#[cfg(test)]
fn gaad_url_encoded_and_embedded_documents() {
    // The raw IAM API URL-encodes documents (RFC 3986); the aws CLI decodes them into objects.
    let gaad = r#"{
      "RoleDetailList": [
        {"RoleName": "raw", "Arn": "arn:aws:iam::111111111111:role/raw",
         "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"},
        {"RoleName": "cli", "Arn": "arn:aws:iam::111111111111:role/cli",
         "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
         "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}],
         "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "PolicyName": "ReadOnlyAccess"}]}
      ],
      "UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::111111111111:user/u", "GroupList": ["g"]}],
      "GroupDetailList": [],
      "Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::111111111111:policy/p", "DefaultVersionId": "v2", "AttachmentCount": 1,
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Version": "2012-10-17", "Statement": [{"Sid": "old"}]}},
                              {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Sid": "new"}]}}]}]
    }"#;
    // No sts file: the account id comes from the IAM ARNs.
    let s = check(
        &[
            REGIONS,
            ("us-east-1/iam-get-account-authorization-details.json", gaad),
        ],
        &[],
    );
    assert_eq!(s.account_id.as_deref(), Some("111111111111"));
    let raw = s.resource("arn:aws:iam::111111111111:role/raw").unwrap();
    let p = raw.policy.as_ref().unwrap();
    assert_eq!(p.encoding, PolicyEncoding::UrlEncoded);
    assert_eq!(p.text, r#"{"Version":"2012-10-17","Statement":[]}"#);
    assert_eq!(
        p.origin.pointer,
        "/RoleDetailList/0/AssumeRolePolicyDocument"
    );
    let cli = s.resource("arn:aws:iam::111111111111:role/cli").unwrap();
    let p = cli.policy.as_ref().unwrap();
    let PolicyEncoding::Embedded { offset } = p.encoding else {
        panic!("{:?}", p.encoding)
    };
    assert_eq!(&gaad[offset..offset + p.text.len()], p.text);
    assert_eq!(p.text, r#"{"Version": "2012-10-17", "Statement": []}"#);
    assert_eq!(s.iam.roles[1].inline_policies.len(), 1);
    assert_eq!(
        s.iam.roles[1].attached_policy_arns,
        vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()]
    );
    assert_eq!(s.iam.users[0].group_names, vec!["g".to_owned()]);
    assert!(
        s.iam.policies[0]
            .document
            .as_ref()
            .unwrap()
            .text
            .contains("new")
    );
    assert!(s.is_analysed(ResourceType::IamRole));
}

#[test]
#[cfg(test)]
fn s3_acl_bpa_access_points_and_location() {
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/s3-list-buckets.json",
                r#"{"Buckets":[{"Name":"b"}],"Owner":{"ID":"owner"}}"#,
            ),
            (
                "us-east-1/s3-get-bucket-location/b",
                r#"{"LocationConstraint":"EU"}"#,
            ),
            (
                "us-east-1/s3-get-bucket-acl/b",
                r#"{"Owner":{"ID":"owner"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}"#,
            ),
            (
                "us-east-1/s3-get-public-access-block/b",
                r#"{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":true,"RestrictPublicBuckets":false}}"#,
            ),
            (
                "us-east-1/s3control-get-public-access-block/111111111111",
                r#"{"PublicAccessBlockConfiguration":{"BlockPublicAcls":false,"IgnorePublicAcls":true,"BlockPublicPolicy":false,"RestrictPublicBuckets":true}}"#,
            ),
            (
                "us-east-1/s3control-list-access-points/111111111111",
                r#"{"AccessPointList":[{"Name":"ap","Bucket":"b","NetworkOrigin":"VPC","VpcConfiguration":{"VpcId":"vpc-1"},"AccessPointArn":"arn:aws:s3:us-east-1:111111111111:accesspoint/ap"}]}"#,
            ),
            (
                "us-east-1/s3control-get-access-point-policy/ap",
                r#"{"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}"}"#,
            ),
        ],
        &[],
    );
    let b = s.resource("arn:aws:s3:::b").unwrap();
    // LocationConstraint `EU` is the legacy name of eu-west-1 (S3 API reference, GetBucketLocation).
    assert_eq!(b.region, "eu-west-1");
    let ResourceExtras::S3Bucket(x) = &b.extras else {
        panic!()
    };
    let g = &x.acl_grants.as_ref().unwrap()[0];
    assert_eq!(
        g.grantee_uri.as_deref(),
        Some("http://acs.amazonaws.com/groups/global/AllUsers")
    );
    assert_eq!(g.origin.pointer, "/Grants/0");
    let bpa = x.bucket_public_access_block.as_ref().unwrap();
    assert!(
        bpa.block_public_acls
            && !bpa.ignore_public_acls
            && bpa.block_public_policy
            && !bpa.restrict_public_buckets
    );
    let abpa = x.account_public_access_block.as_ref().unwrap();
    assert!(!abpa.block_public_acls && abpa.ignore_public_acls && abpa.restrict_public_buckets);
    assert_eq!(x.access_points.len(), 1);
    assert_eq!(x.access_points[0].network_origin, "VPC");
    assert_eq!(x.access_points[0].vpc_id.as_deref(), Some("vpc-1"));
    assert!(x.access_points[0].policy.is_some());
}

#[test]
#[cfg(test)]
fn kms_grants_snapshots_and_organization() {
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/kms-list-keys.json",
                r#"{"Keys":[{"KeyId":"k1","KeyArn":"arn:aws:kms:us-east-1:111111111111:key/k1"}]}"#,
            ),
            (
                "us-east-1/kms-get-key-policy/k1",
                r#"{"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","PolicyName":"default"}"#,
            ),
            (
                "us-east-1/kms-list-grants/k1",
                r#"{"Grants":[{"GrantId":"g1","GranteePrincipal":"arn:aws:iam::222222222222:root","Operations":["Decrypt","Encrypt"],"Constraints":{"EncryptionContextEquals":{"app":"x"}},"IssuingAccount":"arn:aws:iam::111111111111:root"}]}"#,
            ),
            (
                "us-east-1/ec2-describe-snapshots.json",
                r#"{"Snapshots":[{"SnapshotId":"snap-1","OwnerId":"111111111111","Encrypted":false}]}"#,
            ),
            (
                "us-east-1/ec2-describe-snapshot-attribute/snap-1",
                r#"{"CreateVolumePermissions":[{"Group":"all"},{"UserId":"222222222222"}],"SnapshotId":"snap-1"}"#,
            ),
            (
                "us-east-1/rds-describe-db-snapshots.json",
                r#"{"DBSnapshots":[{"DBSnapshotIdentifier":"s1","DBSnapshotArn":"arn:aws:rds:us-east-1:111111111111:snapshot:s1","Encrypted":true,"SnapshotType":"manual"},{"DBSnapshotIdentifier":"auto","SnapshotType":"automated"}]}"#,
            ),
            (
                "us-east-1/rds-describe-db-snapshot-attributes/s1",
                r#"{"DBSnapshotAttributesResult":{"DBSnapshotIdentifier":"s1","DBSnapshotAttributes":[{"AttributeName":"restore","AttributeValues":["333333333333"]}]}}"#,
            ),
            (
                "us-east-1/organizations-describe-organization.json",
                r#"{"Organization":{"Id":"o-abc","MasterAccountId":"111111111111"}}"#,
            ),
            (
                "us-east-1/organizations-list-accounts.json",
                r#"{"Accounts":[{"Id":"111111111111","Name":"a","Status":"ACTIVE"},{"Id":"222222222222","Name":"b","Status":"ACTIVE"}]}"#,
            ),
        ],
        &[],
    );
    let key = s
        .resource("arn:aws:kms:us-east-1:111111111111:key/k1")
        .unwrap();
    let ResourceExtras::KmsKey(k) = &key.extras else {
        panic!()
    };
    assert!(!k.key_policy_missing && !k.grants_missing);
    assert_eq!(
        k.grants[0].operations,
        vec!["Decrypt".to_owned(), "Encrypt".to_owned()]
    );
    assert_eq!(
        k.grants[0]
            .encryption_context_equals
            .get("app")
            .map(String::as_str),
        Some("x")
    );
    let snap = s
        .resource("arn:aws:ec2:us-east-1::snapshot/snap-1")
        .unwrap();
    assert_eq!(snap.owner_account, "111111111111");
    let ResourceExtras::Ec2Snapshot(e) = &snap.extras else {
        panic!()
    };
    assert_eq!(
        e.create_volume_permissions
            .iter()
            .map(|p| p.target.clone())
            .collect::<Vec<_>>(),
        vec![
            ShareTarget::All,
            ShareTarget::Account("222222222222".to_owned())
        ]
    );
    assert_eq!(
        e.create_volume_permissions[1].origin.pointer,
        "/CreateVolumePermissions/1"
    );
    // Automated RDS snapshots cannot be shared and are skipped.
    assert_eq!(
        s.resources
            .iter()
            .filter(|r| r.resource_type == ResourceType::RdsDbSnapshot)
            .count(),
        1
    );
    let rds = s
        .resource("arn:aws:rds:us-east-1:111111111111:snapshot:s1")
        .unwrap();
    let ResourceExtras::RdsSnapshot(r) = &rds.extras else {
        panic!()
    };
    assert_eq!(
        r.restore[0].target,
        ShareTarget::Account("333333333333".to_owned())
    );
    assert_eq!(r.encrypted, Some(true));
    let org = s.organization.as_ref().unwrap();
    assert_eq!(org.id, "o-abc");
    assert_eq!(org.accounts.len(), 2);
}

#[test]
fn dynamodb_tables_without_describe_table_are_not_analysed() {
    // CloudMapper's collect_commands.yaml runs `dynamodb list-tables` only: the policies are unknown.
    let list = (
        "us-east-1/dynamodb-list-tables.json",
        r#"{"TableNames": ["orders"]}"#,
    );
    let s = check(&[REGIONS, STS, list], &[]);
    assert!(!s.is_analysed(ResourceType::DynamoDbTable));
    assert!(s.coverage.iter().any(|c| c.status
        == CoverageStatus::NotAnalysed {
            missing_file: "us-east-1/dynamodb-describe-table/".to_owned()
        }));
    assert!(s.resources.is_empty());
    // With describe-table collected, the table and its stream are resources (no policy file: no policy).
    let describe = (
        "us-east-1/dynamodb-describe-table/orders",
        r#"{"Table": {"TableArn": "arn:aws:dynamodb:us-east-1:111111111111:table/orders", "LatestStreamArn": "arn:aws:dynamodb:us-east-1:111111111111:table/orders/stream/2026-01-15T09:30:00.000"}}"#,
    );
    let s = check(&[REGIONS, STS, list, describe], &[]);
    assert!(
        s.is_analysed(ResourceType::DynamoDbTable) && s.is_analysed(ResourceType::DynamoDbStream)
    );
    assert_eq!(s.resources.len(), 2);
    assert!(s.resources.iter().all(|r| r.policy.is_none()));
    // An empty table list is analysed without any describe-table file.
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/dynamodb-list-tables.json",
                r#"{"TableNames": []}"#,
            ),
        ],
        &[],
    );
    assert!(s.is_analysed(ResourceType::DynamoDbTable));
}

#[test]
fn directory_buckets_need_the_x_s3_suffix() {
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/s3-list-directory-buckets.json",
                r#"{"Buckets": [{"Name": "logs--use1-az4--x-s3", "BucketRegion": "us-east-1"}, {"Name": "plain-bucket"}]}"#,
            ),
            (
                "us-east-1/s3-get-bucket-policy/logs--use1-az4--x-s3",
                r#"{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}"#,
            ),
        ],
        &[(
            "us-east-1/s3-list-directory-buckets.json",
            "/Buckets/1/Name",
            "not a directory bucket name",
        )],
    );
    let b = s
        .resource("arn:aws:s3express:us-east-1:111111111111:bucket/logs--use1-az4--x-s3")
        .unwrap();
    assert_eq!(b.resource_type, ResourceType::S3ExpressDirectoryBucket);
    assert!(b.policy.is_some());
    assert_eq!(s.resources.len(), 1);
}

#[test]
#[cfg(test)]
fn multi_region_access_points_status_and_missing_listings() {
    // botocore s3control model: ListMultiRegionAccessPoints → `AccessPoints[]` {Name, Alias,
    // PublicAccessBlock, Regions[] {Bucket, Region, BucketAccountId}};
    // GetMultiRegionAccessPointPolicy → `Policy.Established.Policy`; GetAccessPointPolicyStatus →
    // `PolicyStatus.IsPublic`. A multi-Region access point's ARN is `arn:aws:s3::<account>:accesspoint/<alias>`
    // (S3 user guide, "Multi-Region Access Point ARNs").
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/s3-list-buckets.json",
                r#"{"Buckets":[{"Name":"b"},{"Name":"c"}]}"#,
            ),
            (
                "us-east-1/s3control-list-access-points/111111111111",
                r#"{"AccessPointList":[{"Name":"ap","Bucket":"b","NetworkOrigin":"Internet","AccessPointArn":"arn:aws:s3:us-east-1:111111111111:accesspoint/ap","BucketAccountId":"111111111111"}]}"#,
            ),
            (
                "us-east-1/s3control-get-access-point-policy-status/ap",
                r#"{"PolicyStatus":{"IsPublic":true}}"#,
            ),
            (
                "us-east-1/s3control-list-multi-region-access-points/111111111111",
                r#"{"AccessPoints":[{"Name":"m","Alias":"mfzwi23gnjvgw.mrap",
                    "PublicAccessBlock":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},
                    "Regions":[{"Bucket":"b","Region":"us-east-1","BucketAccountId":"111111111111"},
                               {"Bucket":"elsewhere","Region":"eu-west-1","BucketAccountId":"999999999999"},
                               {"Region":"eu-west-2"}]},
                   {"Name":"broken"}]}"#,
            ),
            (
                "us-east-1/s3control-get-multi-region-access-point-policy/m",
                r#"{"Policy":{"Established":{"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}"}}}"#,
            ),
        ],
        &[
            // A Region entry without its bucket, and an access point without its alias: diagnostics
            // with the file and the JSON pointer; the rest loads.
            (
                "us-east-1/s3control-list-multi-region-access-points/111111111111",
                "/AccessPoints/0/Regions/2",
                "without `Bucket`",
            ),
            (
                "us-east-1/s3control-list-multi-region-access-points/111111111111",
                "/AccessPoints/1",
                "without `Name` or `Alias`",
            ),
        ],
    );
    let b = s.resource("arn:aws:s3:::b").unwrap();
    let ResourceExtras::S3Bucket(x) = &b.extras else {
        panic!()
    };
    // The malformed entries leave the multi-Region listing incomplete: it counts as not collected.
    assert_eq!(
        x.access_point_listings_missing,
        vec!["us-east-1/s3control-list-multi-region-access-points/111111111111".to_owned()]
    );
    assert_eq!(x.access_points.len(), 2);
    let ap = &x.access_points[0];
    assert_eq!(ap.kind, AccessPointKind::Regional);
    assert_eq!(ap.account, "111111111111");
    assert_eq!(ap.policy_is_public, Some(true));
    let m = &x.access_points[1];
    assert_eq!(m.kind, AccessPointKind::MultiRegion);
    assert_eq!(
        m.arn,
        "arn:aws:s3::111111111111:accesspoint/mfzwi23gnjvgw.mrap"
    );
    assert!(m.policy.is_some());
    assert!(
        m.public_access_block
            .as_ref()
            .unwrap()
            .restrict_public_buckets
    );
    // The bucket in another account is not this snapshot's bucket: no warning, no resource.
    assert!(s.resource("arn:aws:s3:::elsewhere").is_none());
    // Bucket `c` has no access points; its Region's listing was collected.
    let c = s.resource("arn:aws:s3:::c").unwrap();
    let ResourceExtras::S3Bucket(x) = &c.extras else {
        panic!()
    };
    assert!(x.access_points.is_empty());
    assert_eq!(x.access_point_listings_missing.len(), 1);

    // Without the listings, the bucket says which files are missing.
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/s3-list-buckets.json",
                r#"{"Buckets":[{"Name":"b"}]}"#,
            ),
        ],
        &[],
    );
    let ResourceExtras::S3Bucket(x) = &s.resource("arn:aws:s3:::b").unwrap().extras else {
        panic!()
    };
    assert_eq!(
        x.access_point_listings_missing,
        vec![
            "us-east-1/s3control-list-access-points/111111111111".to_owned(),
            "us-east-1/s3control-list-multi-region-access-points/111111111111".to_owned(),
        ]
    );
}

#[test]
#[cfg(test)]
fn unreadable_access_point_listing_means_not_analysed() {
    // A listing that is not JSON is a diagnostic naming the file (with line and column), and the
    // bucket's access points count as not collected, so the analysis stays sound.
    let s = check(
        &[
            REGIONS,
            STS,
            (
                "us-east-1/s3-list-buckets.json",
                r#"{"Buckets":[{"Name":"b"}]}"#,
            ),
            ("us-east-1/s3control-list-access-points/111111111111", "{"),
            (
                "us-east-1/s3control-list-multi-region-access-points/111111111111",
                r#"{"AccessPoints":[]}"#,
            ),
        ],
        &[(
            "us-east-1/s3control-list-access-points/111111111111",
            "",
            "not JSON",
        )],
    );
    let ResourceExtras::S3Bucket(x) = &s.resource("arn:aws:s3:::b").unwrap().extras else {
        panic!()
    };
    assert_eq!(
        x.access_point_listings_missing,
        vec!["us-east-1/s3control-list-access-points/111111111111".to_owned()]
    );
}
