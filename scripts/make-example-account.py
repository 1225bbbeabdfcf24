#!/usr/bin/env python3
"""Generate the bundled example account snapshot (examples/account/) with moto.

Builds a small, realistic account in moto's in-process AWS mock (account 123456789012, us-east-1), then
exports it with the same API calls, file names and JSON form as CloudMapper's `collect` (and
scripts/collect.sh): `<region>/<service>-<command>.json` for calls without parameters and
`<region>/<service>-<command>/<quote_plus(parameter)>` for per-resource calls; ResponseMetadata, Marker
and IsTruncated removed; keys sorted; 4-space indent. The layout is documented in docs/snapshot-format.md.

The EC2 files (`<region>/ec2-*.json`) belong to scripts/make-example-vpc.py and are not written here.

Intended external access:
  * S3 bucket `partner-exchange-123456789012`: bucket policy grants partner account 444455556666 read.
  * IAM role `partner-deploy`: trusts role arn:aws:iam::444455556666:role/deployer with an sts:ExternalId.
  * SNS topic `public-status`: anyone may subscribe (a public status feed).
  * KMS key `partner-envelope`: a grant lets account 444455556666 Decrypt and GenerateDataKey.
Unintended external access:
  * S3 bucket `marketing-assets-123456789012`: public through its ACL (AllUsers READ), no Block Public Access.
  * SQS queue `orders-intake`: Principal `*`, restricted only by aws:UserAgent, which the caller chooses.
  * IAM role `vendor-audit`: trusts the whole foreign account 777788889999 (its root).
Resources without external access (for contrast): a private bucket with Block Public Access, a
service role, a Lambda function invoked by S3 from this account, a secret, an ECR repository, an RDS
snapshot shared with nobody, a DynamoDB table, an EFS file system.

Usage: python3 scripts/make-example-account.py [OUTPUT_DIR]   (default: examples/account)
Requires: moto 5.2.1 and boto3 (pip install 'moto[all]==5.2.1').
"""

import datetime
import io
import json
import os
import re
import sys
import urllib.parse
import zipfile

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.moto_api._internal import mock_random

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTNER = "444455556666"
VENDOR = "777788889999"
# Every timestamp in the export is replaced by this one, so the output is the same on every run.
FIXED_TIME = "2026-01-15T09:30:00+00:00"
# Timestamps inside strings (Lambda LastModified, DynamoDB stream labels and ARNs) are fixed the same way.
TIMESTAMP_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
FIXED_TIME_IN_TEXT = "2026-01-15T09:30:00.000"

# Error codes that mean "this resource has no such configuration": CloudMapper writes no file then.
NO_CONFIG_ERRORS = (
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "RepositoryPolicyNotFoundException",
    "ResourceNotFoundException",
    "PolicyNotFound",
    "NoSuchAccessPointPolicy",
    "PolicyNotFoundException",
)


def serialize(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return FIXED_TIME
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot serialize {type(value)}")


class Exporter:
    def __init__(self, root):
        self.root = root
        self.written = []

    def write(self, rel, data):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            text = json.dumps(data, indent=4, sort_keys=True, default=serialize)
            text = TIMESTAMP_IN_TEXT.sub(lambda m: FIXED_TIME if m.group(0) == FIXED_TIME else FIXED_TIME_IN_TEXT, text)
            f.write(text)
            f.write("\n")
        self.written.append(rel)

    def call(self, client, command, params=None, param_file=None, region=REGION, post=None):
        """Calls `command` (CLI spelling) and writes it in CloudMapper's layout; returns the response."""
        service = client.meta.service_model.service_name
        if service == "s3control":
            service_name = "s3control"
        else:
            service_name = {"s3": "s3"}.get(service, service)
        method = command.replace("-", "_")
        try:
            data = getattr(client, method)(**(params or {}))
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in NO_CONFIG_ERRORS or any(c in str(e) for c in NO_CONFIG_ERRORS):
                return None
            raise
        for key in ("ResponseMetadata", "Marker", "IsTruncated", "NextMarker", "NextToken"):
            data.pop(key, None)
        if post:
            post(data)
        if param_file is None:
            rel = f"{region}/{service_name}-{command}.json"
        else:
            rel = f"{region}/{service_name}-{command}/{urllib.parse.quote_plus(param_file)}"
        self.write(rel, data)
        return data


def policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def build(session):
    s3 = session.client("s3", region_name=REGION)
    iam = session.client("iam", region_name=REGION)
    sns = session.client("sns", region_name=REGION)
    sqs = session.client("sqs", region_name=REGION)
    kms = session.client("kms", region_name=REGION)
    lam = session.client("lambda", region_name=REGION)
    sm = session.client("secretsmanager", region_name=REGION)
    ecr = session.client("ecr", region_name=REGION)
    rds = session.client("rds", region_name=REGION)
    ddb = session.client("dynamodb", region_name=REGION)
    efs = session.client("efs", region_name=REGION)
    org = session.client("organizations", region_name=REGION)

    # --- IAM ---------------------------------------------------------------------------------
    iam.create_role(
        RoleName="partner-deploy",
        Path="/",
        AssumeRolePolicyDocument=policy([{
            "Sid": "PartnerDeployer",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:role/deployer"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "partner-7f3c"}},
        }]),
        Description="Intended: the partner's deployment role may assume this role",
    )
    iam.put_role_policy(
        RoleName="partner-deploy",
        PolicyName="deploy-artifacts",
        PolicyDocument=policy([{
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": f"arn:aws:s3:::partner-exchange-{ACCOUNT}/deploy/*",
        }]),
    )
    iam.create_role(
        RoleName="vendor-audit",
        AssumeRolePolicyDocument=policy([{
            "Sid": "VendorAccount",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
            "Action": "sts:AssumeRole",
        }]),
        Description="Unintended: trusts every principal of the vendor's account",
    )
    iam.create_policy(
        PolicyName="audit-read",
        PolicyDocument=policy([{
            "Effect": "Allow",
            "Action": ["iam:Get*", "iam:List*", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"],
            "Resource": "*",
        }]),
    )
    iam.attach_role_policy(RoleName="vendor-audit", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/audit-read")
    iam.create_role(
        RoleName="orders-processor",
        Path="/service-role/",
        AssumeRolePolicyDocument=policy([{
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }]),
    )
    iam.create_policy(
        PolicyName="orders-queue-consumer",
        PolicyDocument=policy([{
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-intake",
        }]),
    )
    iam.attach_role_policy(
        RoleName="orders-processor", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/orders-queue-consumer"
    )
    iam.create_group(GroupName="developers")
    iam.attach_group_policy(GroupName="developers", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/audit-read")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="developers", UserName="alice")
    iam.put_user_policy(
        UserName="alice",
        PolicyName="assume-partner-deploy",
        PolicyDocument=policy([{
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/partner-deploy",
        }]),
    )

    # --- S3 ----------------------------------------------------------------------------------
    partner_bucket = f"partner-exchange-{ACCOUNT}"
    s3.create_bucket(Bucket=partner_bucket)
    s3.put_bucket_policy(
        Bucket=partner_bucket,
        Policy=policy([{
            "Sid": "PartnerRead",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{partner_bucket}", f"arn:aws:s3:::{partner_bucket}/*"],
        }]),
    )
    s3.put_public_access_block(
        Bucket=partner_bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    marketing_bucket = f"marketing-assets-{ACCOUNT}"
    s3.create_bucket(Bucket=marketing_bucket)
    s3.put_bucket_acl(Bucket=marketing_bucket, ACL="public-read")
    logs_bucket = f"internal-logs-{ACCOUNT}"
    s3.create_bucket(Bucket=logs_bucket)
    s3.put_public_access_block(
        Bucket=logs_bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket=logs_bucket,
        Policy=policy([{
            "Sid": "S3ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{logs_bucket}/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }]),
    )

    s3control = session.client("s3control", region_name=REGION)
    s3control.create_access_point(
        AccountId=ACCOUNT,
        Name="partner-exchange-vpc",
        Bucket=partner_bucket,
        VpcConfiguration={"VpcId": "vpc-0a1b2c3d4e5f60718"},
    )
    s3control.put_access_point_policy(
        AccountId=ACCOUNT,
        Name="partner-exchange-vpc",
        Policy=policy([{
            "Sid": "AppRoleRead",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/service-role/orders-processor"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/partner-exchange-vpc/object/*",
        }]),
    )

    # --- SNS, SQS ----------------------------------------------------------------------------
    topic_arn = sns.create_topic(Name="public-status")["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=topic_arn,
        AttributeName="Policy",
        AttributeValue=json.dumps({
            "Version": "2012-10-17",
            "Id": "public-status-policy",
            "Statement": [
                {
                    "Sid": "OwnerPublish",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "SNS:Publish",
                    "Resource": topic_arn,
                },
                {
                    "Sid": "AnyoneSubscribe",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "SNS:Subscribe",
                    "Resource": topic_arn,
                },
            ],
        }),
    )
    internal_topic = sns.create_topic(Name="internal-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="orders-intake")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-intake"
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={"Policy": policy([{
            "Sid": "PartnerSdkOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"StringLike": {"aws:UserAgent": "*partner-sdk*"}},
        }])},
    )
    sqs.create_queue(QueueName="orders-dlq")
    sns.subscribe(TopicArn=internal_topic, Protocol="sqs", Endpoint=queue_arn)

    # --- KMS ---------------------------------------------------------------------------------
    key = kms.create_key(Description="partner-envelope: envelope encryption for the partner exchange")
    key_id = key["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/partner-envelope", TargetKeyId=key_id)
    kms.create_grant(
        KeyId=key_id,
        GranteePrincipal=f"arn:aws:iam::{PARTNER}:root",
        Operations=["Decrypt", "GenerateDataKey"],
        Name="partner-envelope-decrypt",
    )
    kms.create_key(Description="internal data key")

    # --- Lambda ------------------------------------------------------------------------------
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # A fixed date in the archive keeps CodeSha256 the same on every run.
        info = zipfile.ZipInfo("handler.py", date_time=(2026, 1, 15, 9, 30, 0))
        z.writestr(info, "def handler(event, context):\n    return {'ok': True}\n")
    fn = lam.create_function(
        FunctionName="thumbnailer",
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT}:role/service-role/orders-processor",
        Handler="handler.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    lam.add_permission(
        FunctionName="thumbnailer",
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{marketing_bucket}",
        SourceAccount=ACCOUNT,
    )
    layer = lam.publish_layer_version(LayerName="shared-utils", Content={"ZipFile": buf.getvalue()})

    # --- Secrets Manager, ECR, RDS, DynamoDB, EFS --------------------------------------------
    sm.create_secret(Name="orders-db-password", SecretString="example-only")
    ecr.create_repository(repositoryName="thumbnailer")
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="orders",
        MasterUserPassword="example-only",
        AllocatedStorage=20,
    )
    rds.create_db_snapshot(DBInstanceIdentifier="orders-db", DBSnapshotIdentifier="orders-db-before-migration")
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    fs = efs.create_file_system(CreationToken="shared-home", Tags=[{"Key": "Name", "Value": "shared-home"}])

    # --- Organizations -----------------------------------------------------------------------
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="sandbox", Email="sandbox@example.com")

    return {
        "key_id": key_id,
        "layer_version_arn": layer["LayerVersionArn"],
        "function": fn["FunctionName"],
        "fs_id": fs["FileSystemId"],
    }


def export(session, out):
    e = Exporter(out)
    s3 = session.client("s3", region_name=REGION)
    s3control = session.client("s3control", region_name=REGION)
    iam = session.client("iam", region_name=REGION)
    sts = session.client("sts", region_name=REGION)
    sns = session.client("sns", region_name=REGION)
    sqs = session.client("sqs", region_name=REGION)
    kms = session.client("kms", region_name=REGION)
    lam = session.client("lambda", region_name=REGION)
    sm = session.client("secretsmanager", region_name=REGION)
    ecr = session.client("ecr", region_name=REGION)
    rds = session.client("rds", region_name=REGION)
    ddb = session.client("dynamodb", region_name=REGION)
    efs = session.client("efs", region_name=REGION)
    org = session.client("organizations", region_name=REGION)

    e.write("describe-regions.json", {"Regions": [{"Endpoint": f"ec2.{REGION}.amazonaws.com", "RegionName": REGION, "OptInStatus": "opt-in-not-required"}]})
    e.call(sts, "get-caller-identity")
    e.call(iam, "get-account-authorization-details")

    buckets = e.call(s3, "list-buckets")
    e.call(s3control, "get-public-access-block", {"AccountId": ACCOUNT}, ACCOUNT)
    for b in buckets["Buckets"]:
        name = b["Name"]
        for cmd in ("get-bucket-acl", "get-bucket-policy", "get-bucket-location", "get-public-access-block"):
            e.call(s3, cmd, {"Bucket": name}, name)
    aps = e.call(s3control, "list-access-points", {"AccountId": ACCOUNT}, ACCOUNT)
    for ap in aps.get("AccessPointList", []):
        e.call(s3control, "get-access-point", {"AccountId": ACCOUNT, "Name": ap["Name"]}, ap["Name"])
        e.call(s3control, "get-access-point-policy", {"AccountId": ACCOUNT, "Name": ap["Name"]}, ap["Name"])
        # Not `get-access-point-policy-status`: moto 5.2.1 answers `IsPublic: true` for this policy,
        # which grants one role of the account and is not public (S3 "The meaning of public").
    # Multi-Region access points (none in this account): a global listing, kept in the default Region folder.
    mraps = e.call(s3control, "list-multi-region-access-points", {"AccountId": ACCOUNT}, ACCOUNT)
    for m in (mraps or {}).get("AccessPoints", []):
        e.call(s3control, "get-multi-region-access-point-policy", {"AccountId": ACCOUNT, "Name": m["Name"]}, m["Name"])

    topics = e.call(sns, "list-topics")
    for t in topics["Topics"]:
        e.call(sns, "get-topic-attributes", {"TopicArn": t["TopicArn"]}, t["TopicArn"])

    def fix_sqs(data):
        for k in ("CreatedTimestamp", "LastModifiedTimestamp"):
            if k in data.get("Attributes", {}):
                data["Attributes"][k] = "1768469400"

    queues = e.call(sqs, "list-queues")
    for url in queues.get("QueueUrls", []):
        e.call(sqs, "get-queue-attributes", {"QueueUrl": url, "AttributeNames": ["All"]}, url, post=fix_sqs)

    keys = e.call(kms, "list-keys")
    for k in keys["Keys"]:
        kid = k["KeyId"]
        e.call(kms, "get-key-policy", {"KeyId": kid, "PolicyName": "default"}, kid)
        e.call(kms, "list-grants", {"KeyId": kid}, kid)
        e.call(kms, "describe-key", {"KeyId": kid}, kid)
    e.call(kms, "list-aliases")

    functions = e.call(lam, "list-functions")
    for f in functions["Functions"]:
        e.call(lam, "get-policy", {"FunctionName": f["FunctionName"]}, f["FunctionName"])
    layers = e.call(lam, "list-layers")
    for layer in layers["Layers"]:
        versions = e.call(lam, "list-layer-versions", {"LayerName": layer["LayerName"]}, layer["LayerName"])
        for v in versions["LayerVersions"]:
            arn = v["LayerVersionArn"]
            name, number = arn.rsplit(":", 2)[-2:]
            e.call(lam, "get-layer-version-policy", {"LayerName": layer["LayerName"], "VersionNumber": int(number)}, arn)

    def fix_versions(data):
        # moto draws secret version ids from uuid4, outside its seeded random source.
        for i, secret in enumerate(data.get("SecretList", [])):
            stages = list(secret.get("SecretVersionsToStages", {}).values())
            secret["SecretVersionsToStages"] = {
                f"00000000-0000-4000-8000-{i * 16 + j + 1:012d}": v for j, v in enumerate(stages)
            }

    secrets = e.call(sm, "list-secrets", post=fix_versions)
    for s in secrets["SecretList"]:
        e.call(sm, "get-resource-policy", {"SecretId": s["Name"]}, s["Name"])

    repos = e.call(ecr, "describe-repositories")
    for r in repos["repositories"]:
        e.call(ecr, "get-repository-policy", {"repositoryName": r["repositoryName"]}, r["repositoryName"])

    # Manual snapshots only: automated ones cannot be shared (and moto names them after the clock).
    snaps = e.call(rds, "describe-db-snapshots", {"SnapshotType": "manual"})
    for s in snaps["DBSnapshots"]:
        e.call(rds, "describe-db-snapshot-attributes", {"DBSnapshotIdentifier": s["DBSnapshotIdentifier"]}, s["DBSnapshotIdentifier"])
    cluster_snaps = e.call(rds, "describe-db-cluster-snapshots")
    for s in cluster_snaps["DBClusterSnapshots"]:
        ident = s["DBClusterSnapshotIdentifier"]
        e.call(rds, "describe-db-cluster-snapshot-attributes", {"DBClusterSnapshotIdentifier": ident}, ident)

    tables = e.call(ddb, "list-tables")
    for name in tables["TableNames"]:
        desc = e.call(ddb, "describe-table", {"TableName": name}, name)
        arns = [desc["Table"]["TableArn"]]
        if desc["Table"].get("LatestStreamArn"):
            arns.append(desc["Table"]["LatestStreamArn"])
        for arn in arns:
            try:
                e.call(ddb, "get-resource-policy", {"ResourceArn": arn}, arn)
            except (ClientError, AttributeError, NotImplementedError):
                pass  # moto may not implement DynamoDB resource policies: no file, as for "no policy"

    filesystems = e.call(efs, "describe-file-systems")
    for fs in filesystems["FileSystems"]:
        try:
            e.call(efs, "describe-file-system-policy", {"FileSystemId": fs["FileSystemId"]}, fs["FileSystemId"])
        except (ClientError, NotImplementedError):
            pass

    e.call(org, "describe-organization")
    e.call(org, "list-accounts")
    return e.written


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "examples", "account")
    out = os.path.normpath(out)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT
    # Remove what a previous run wrote (our files only: the EC2 files belong to make-example-vpc.py).
    region_dir = os.path.join(out, REGION)
    if os.path.isdir(region_dir):
        for entry in sorted(os.listdir(region_dir)):
            if entry.startswith("ec2-"):
                continue
            path = os.path.join(region_dir, entry)
            if os.path.isdir(path):
                for child in os.listdir(path):
                    os.remove(os.path.join(path, child))
                os.rmdir(path)
            else:
                os.remove(path)
    mock_random.seed(20260115)
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        build(session)
        written = export(session, out)
    print(f"wrote {len(written)} files under {out}")


if __name__ == "__main__":
    main()
