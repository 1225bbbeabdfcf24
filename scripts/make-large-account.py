#!/usr/bin/env python3
"""Writes a large generated account snapshot, in CloudMapper's collect layout, for benchmarking
`perimeter analyze` end to end (issue 4: 10,000 resources with policies and 5,000 roles).

    python3 scripts/make-large-account.py OUT_DIR [--resources 10000] [--roles 5000] [--seed 7]
                                                  [--change-percent P]

Resources cycle through S3 buckets, SQS queues, SNS topics, KMS keys, Lambda functions, Secrets
Manager secrets, ECR repositories, EFS file systems and DynamoDB tables. Each carries a policy of
1-20 statements over a mix of principals (public, foreign accounts and roles, the own account,
service principals) and 0-2 conditions on restricting and attacker-controlled keys, the same mix as
`crates/perimeter-access/examples/external.rs`. Roles get trust policies of the same shape.

`--change-percent P` rewrites the policies of P% of the resources (every (100/P)-th one) with a new
statement id, to measure a rescan. The output is deterministic for a given seed.
"""

import argparse
import json
import os
import random
import urllib.parse

OWN = "111122223333"
REGION = "us-east-1"

PRINCIPALS = [
    "*",
    {"AWS": "444455556666"},
    {"AWS": "arn:aws:iam::777788889999:role/partner"},
    {"AWS": f"arn:aws:iam::{OWN}:root"},
    {"Service": "events.amazonaws.com"},
    {"AWS": ["444455556666", "arn:aws:iam::555566667777:user/u"]},
    {"AWS": "*"},
]

CONDITIONS = [
    ("StringEquals", {"aws:PrincipalOrgID": "o-abc123"}),
    ("IpAddress", {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}),
    ("ArnLike", {"aws:SourceArn": "arn:aws:sns:us-east-1:444455556666:*"}),
    ("StringEquals", {"aws:SourceVpc": "vpc-1234"}),
    ("StringLike", {"aws:UserAgent": "*sdk*"}),
    ("StringLike", {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/app-*"}),
    ("Bool", {"aws:SecureTransport": "true"}),
    ("StringEquals", {"aws:SourceAccount": OWN}),
]

# (kind, actions used in policies)
KINDS = [
    ("s3", ["s3:GetObject", "s3:PutObject", "s3:List*", "s3:*", "s3:Get*"]),
    ("sqs", ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:*"]),
    ("sns", ["sns:Publish", "sns:Subscribe", "sns:*"]),
    ("kms", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:*"]),
    ("lambda", ["lambda:InvokeFunction", "lambda:GetFunction"]),
    ("secret", ["secretsmanager:GetSecretValue", "secretsmanager:*"]),
    ("ecr", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:*"]),
    ("efs", ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]),
    ("dynamodb", ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:*"]),
]


def policy(rng, arn, actions, trust, salt):
    statements = []
    for k in range(1 + rng.randrange(20)):
        st = {
            "Sid": f"S{k}x{salt}",
            "Effect": "Deny" if rng.randrange(10) == 0 else "Allow",
            "Principal": rng.choice(PRINCIPALS),
            "Action": "sts:AssumeRole" if trust else rng.choice(actions),
        }
        if not trust:
            st["Resource"] = [arn, f"{arn}/*"]
        cond = {}
        for _ in range(rng.randrange(3)):
            op, body = rng.choice(CONDITIONS)
            if op not in cond:
                cond[op] = body
        if cond:
            st["Condition"] = cond
        statements.append(st)
    return {"Version": "2012-10-17", "Statement": statements}


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f)


def quote(name):
    return urllib.parse.quote(name, safe="")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--resources", type=int, default=10_000)
    ap.add_argument("--roles", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--change-percent", type=float, default=0.0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    every = int(round(100 / args.change_percent)) if args.change_percent > 0 else 0
    out = args.out
    reg = os.path.join(out, REGION)
    write(os.path.join(out, "describe-regions.json"), {"Regions": [{"RegionName": REGION}]})
    write(
        os.path.join(reg, "sts-get-caller-identity.json"),
        {"Account": OWN, "Arn": f"arn:aws:iam::{OWN}:user/collector", "UserId": "AIDAEXAMPLE"},
    )
    lists = {kind: [] for kind, _ in KINDS}
    for i in range(args.resources):
        kind, actions = KINDS[i % len(KINDS)]
        salt = 1 if every and i % every == 0 else 0
        if kind == "s3":
            name = f"bucket-{i}"
            doc = policy(rng, f"arn:aws:s3:::{name}", actions, False, salt)
            lists[kind].append({"Name": name, "CreationDate": "2026-01-15T09:30:00+00:00"})
            write(os.path.join(reg, "s3-get-bucket-policy", name), {"Policy": json.dumps(doc)})
            write(
                os.path.join(reg, "s3-get-bucket-acl", name),
                {"Owner": {"ID": "c0ffee"}, "Grants": [
                    {"Grantee": {"Type": "CanonicalUser", "ID": "c0ffee"}, "Permission": "FULL_CONTROL"}
                ]},
            )
            write(os.path.join(reg, "s3-get-bucket-location", name), {"LocationConstraint": None})
        elif kind == "sqs":
            url = f"https://sqs.{REGION}.amazonaws.com/{OWN}/queue-{i}"
            arn = f"arn:aws:sqs:{REGION}:{OWN}:queue-{i}"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append(url)
            write(
                os.path.join(reg, "sqs-get-queue-attributes", quote(url)),
                {"Attributes": {"QueueArn": arn, "Policy": json.dumps(doc)}},
            )
        elif kind == "sns":
            arn = f"arn:aws:sns:{REGION}:{OWN}:topic-{i}"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append({"TopicArn": arn})
            write(
                os.path.join(reg, "sns-get-topic-attributes", quote(arn)),
                {"Attributes": {"TopicArn": arn, "Policy": json.dumps(doc)}},
            )
        elif kind == "kms":
            key = f"00000000-0000-4000-8000-{i:012d}"
            arn = f"arn:aws:kms:{REGION}:{OWN}:key/{key}"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append({"KeyId": key, "KeyArn": arn})
            write(os.path.join(reg, "kms-get-key-policy", key), {"Policy": json.dumps(doc)})
            write(os.path.join(reg, "kms-list-grants", key), {"Grants": []})
            write(
                os.path.join(reg, "kms-describe-key", key),
                {"KeyMetadata": {"KeyId": key, "Arn": arn, "KeyManager": "CUSTOMER"}},
            )
        elif kind == "lambda":
            name = f"fn-{i}"
            arn = f"arn:aws:lambda:{REGION}:{OWN}:function:{name}"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append({"FunctionName": name, "FunctionArn": arn})
            write(os.path.join(reg, "lambda-get-policy", name), {"Policy": json.dumps(doc)})
        elif kind == "secret":
            name = f"s-{i}"
            arn = f"arn:aws:secretsmanager:{REGION}:{OWN}:secret:{name}-AbCdEf"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append({"ARN": arn, "Name": name})
            write(
                os.path.join(reg, "secretsmanager-get-resource-policy", name),
                {"ARN": arn, "Name": name, "ResourcePolicy": json.dumps(doc)},
            )
        elif kind == "ecr":
            name = f"repo-{i}"
            arn = f"arn:aws:ecr:{REGION}:{OWN}:repository/{name}"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append({"repositoryName": name, "repositoryArn": arn, "registryId": OWN})
            write(
                os.path.join(reg, "ecr-get-repository-policy", name),
                {"registryId": OWN, "repositoryName": name, "policyText": json.dumps(doc)},
            )
        elif kind == "efs":
            fs = f"fs-{i:08x}"
            arn = f"arn:aws:elasticfilesystem:{REGION}:{OWN}:file-system/{fs}"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append({"FileSystemId": fs, "FileSystemArn": arn, "OwnerId": OWN})
            write(
                os.path.join(reg, "efs-describe-file-system-policy", fs),
                {"FileSystemId": fs, "Policy": json.dumps(doc)},
            )
        elif kind == "dynamodb":
            name = f"t-{i}"
            arn = f"arn:aws:dynamodb:{REGION}:{OWN}:table/{name}"
            doc = policy(rng, arn, actions, False, salt)
            lists[kind].append(name)
            write(
                os.path.join(reg, "dynamodb-describe-table", name),
                {"Table": {"TableName": name, "TableArn": arn}},
            )
            write(
                os.path.join(reg, "dynamodb-get-resource-policy", quote(arn)),
                {"Policy": json.dumps(doc)},
            )
    write(os.path.join(reg, "s3-list-buckets.json"), {"Buckets": lists["s3"]})
    # No access points, listed as such (a missing listing would leave them "not analysed").
    write(os.path.join(reg, "s3control-list-access-points", OWN), {"AccessPointList": []})
    write(os.path.join(reg, "s3control-list-multi-region-access-points", OWN), {"AccessPoints": []})
    write(os.path.join(reg, "sqs-list-queues.json"), {"QueueUrls": lists["sqs"]})
    write(os.path.join(reg, "sns-list-topics.json"), {"Topics": lists["sns"]})
    write(os.path.join(reg, "kms-list-keys.json"), {"Keys": lists["kms"]})
    write(os.path.join(reg, "lambda-list-functions.json"), {"Functions": lists["lambda"]})
    write(os.path.join(reg, "secretsmanager-list-secrets.json"), {"SecretList": lists["secret"]})
    write(os.path.join(reg, "ecr-describe-repositories.json"), {"repositories": lists["ecr"]})
    write(os.path.join(reg, "efs-describe-file-systems.json"), {"FileSystems": lists["efs"]})
    write(os.path.join(reg, "dynamodb-list-tables.json"), {"TableNames": lists["dynamodb"]})
    roles = []
    for i in range(args.roles):
        name = f"role-{i}"
        arn = f"arn:aws:iam::{OWN}:role/{name}"
        roles.append({
            "RoleName": name,
            "Arn": arn,
            "Path": "/",
            "RoleId": f"AROA{i:016d}",
            "AssumeRolePolicyDocument": policy(rng, arn, [], True, 0),
            "RolePolicyList": [],
            "AttachedManagedPolicies": [],
        })
    write(
        os.path.join(reg, "iam-get-account-authorization-details.json"),
        {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": []},
    )


if __name__ == "__main__":
    main()
