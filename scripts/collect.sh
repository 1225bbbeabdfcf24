#!/usr/bin/env bash
# Collect an account snapshot for `perimeter` with the aws CLI, in CloudMapper's `collect` layout
# (docs/snapshot-format.md). Read-only: every call is a List/Get/Describe.
#
# Usage: scripts/collect.sh [--profile NAME] [--regions us-east-1,eu-west-1] [--account-name NAME] [--out DIR]
#   --out defaults to account-data/<account-name>; --account-name defaults to the account id.
#   Without --regions every enabled Region is collected.
# Needs: aws CLI (v1 or v2) with read access (the SecurityAudit managed policy is enough), and jq.
# Set AWS_ENDPOINT_URL to collect from an emulator (moto_server, LocalStack).
# Organizations' resource control policies (list-policies, describe-policy, list-targets-for-policy,
# list-parents) answer only in the management account or a delegated administrator for Organizations;
# elsewhere the AccessDenied is logged and findings leave out resourceControlPolicyRestriction.
#
# Layout: <out>/describe-regions.json, then per Region <out>/<region>/<service>-<command>.json for calls
# without parameters and <out>/<region>/<service>-<command>/<quote_plus(parameter)> for per-resource
# calls. Global services (IAM, S3, S3 account settings, Organizations, STS) go in the us-east-1 folder
# (us-gov-west-1 / cn-north-1 in those partitions), as CloudMapper does. A call that answers "there is
# no such configuration" (no bucket policy, no key grants file, …) writes no file; any other error is
# logged to <out>/collect-errors.log and the collection goes on.

set -uo pipefail

PROFILE_ARGS=()
REGIONS=""
ACCOUNT_NAME=""
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) PROFILE_ARGS=(--profile "$2"); shift 2 ;;
        --regions) REGIONS="$2"; shift 2 ;;
        --account-name) ACCOUNT_NAME="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "collect.sh: unknown argument \`$1\`" >&2; exit 2 ;;
    esac
done

command -v aws >/dev/null || { echo "collect.sh: the aws CLI is not installed" >&2; exit 2; }
command -v jq >/dev/null || { echo "collect.sh: jq is not installed" >&2; exit 2; }

DEFAULT_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
case "$DEFAULT_REGION" in
    us-gov-*) DEFAULT_REGION=us-gov-west-1 ;;
    cn-*) DEFAULT_REGION=cn-north-1 ;;
    *) DEFAULT_REGION=us-east-1 ;;
esac

awscli() { aws "${PROFILE_ARGS[@]}" --output json "$@"; }

ACCOUNT=$(awscli sts get-caller-identity --region "$DEFAULT_REGION" --query Account --output text) || {
    echo "collect.sh: \`aws sts get-caller-identity\` failed: check the credentials" >&2
    exit 2
}
[ -n "$ACCOUNT_NAME" ] || ACCOUNT_NAME="$ACCOUNT"
[ -n "$OUT" ] || OUT="account-data/$ACCOUNT_NAME"
mkdir -p "$OUT"
ERRORS="$OUT/collect-errors.log"
: > "$ERRORS"

# Python's urllib.parse.quote_plus, which CloudMapper uses for per-resource file names.
quote_plus() { jq -rn --arg v "$1" '$v | @uri' | sed 's/%20/+/g'; }

# Errors that mean "no such configuration": no file is written, as CloudMapper does.
NO_CONFIG='NoSuchBucketPolicy|NoSuchPublicAccessBlockConfiguration|RepositoryPolicyNotFoundException|ResourceNotFoundException|PolicyNotFound|NoSuchAccessPointPolicy|AWSOrganizationsNotInUseException|FileSystemPolicyNotFound|NoSuchAccessPoint\b'

# call REL_PATH REGION SERVICE COMMAND [ARGS...]: run the call, write sorted JSON to OUT/REL_PATH.
call() {
    local rel="$1" region="$2"; shift 2
    local dest="$OUT/$rel" tmp err
    [ -s "$dest" ] && return 0   # already collected (re-runs resume)
    mkdir -p "$(dirname "$dest")"
    tmp="$dest.tmp.$$"
    err="$(mktemp)"
    if awscli --region "$region" "$@" > "$tmp" 2> "$err"; then
        if [ -s "$tmp" ]; then
            jq -S 'del(.ResponseMetadata, .Marker, .IsTruncated, .NextMarker, .NextToken)' "$tmp" > "$dest" \
                || { echo "$rel: the output is not JSON" >> "$ERRORS"; rm -f "$dest"; }
        else
            echo '{}' > "$dest"
        fi
    elif grep -Eq "$NO_CONFIG" "$err"; then
        :
    elif [ "$1 $2" = "organizations list-accounts" ] && grep -q AccessDenied "$err"; then
        :   # only the management account may list the accounts
    else
        { printf '%s: ' "$rel"; tr '\n' ' ' < "$err"; echo; } >> "$ERRORS"
    fi
    rm -f "$tmp" "$err"
}

# values FILE JQ_EXPR: one value per line from a collected file (nothing when the file is missing).
values() { [ -f "$OUT/$1" ] && jq -r "$2 // empty" "$OUT/$1"; }

echo "* regions" >&2
if [ -n "$REGIONS" ]; then
    FILTER=$(printf '%s' "$REGIONS" | jq -R 'split(",")')
    awscli --region "$DEFAULT_REGION" ec2 describe-regions \
        | jq -S --argjson keep "$FILTER" '{Regions: [.Regions[] | select(.RegionName as $r | $keep | index($r))]}' \
        > "$OUT/describe-regions.json"
else
    awscli --region "$DEFAULT_REGION" ec2 describe-regions | jq -S '{Regions: .Regions}' > "$OUT/describe-regions.json"
fi
mapfile -t REGION_LIST < <(jq -r '.Regions[].RegionName' "$OUT/describe-regions.json")
D="$DEFAULT_REGION"

echo "* global services ($D)" >&2
call "$D/sts-get-caller-identity.json" "$D" sts get-caller-identity
call "$D/iam-get-account-authorization-details.json" "$D" iam get-account-authorization-details
call "$D/organizations-describe-organization.json" "$D" organizations describe-organization
call "$D/organizations-list-accounts.json" "$D" organizations list-accounts
# Resource control policies (RCPs), their content and targets, and the account's place under its OUs
# (list-parents from the account up to the root; OUs nest at most five levels deep).
RCP_LIST="$D/organizations-list-policies/RESOURCE_CONTROL_POLICY"
call "$RCP_LIST" "$D" organizations list-policies --filter RESOURCE_CONTROL_POLICY
while read -r p; do
    [ -n "$p" ] || continue
    q=$(quote_plus "$p")
    call "$D/organizations-describe-policy/$q" "$D" organizations describe-policy --policy-id "$p"
    call "$D/organizations-list-targets-for-policy/$q" "$D" organizations list-targets-for-policy --policy-id "$p"
done < <(values "$RCP_LIST" '.Policies[]?.Id')
if [ -f "$OUT/$RCP_LIST" ]; then
    child="$ACCOUNT"
    for _ in 1 2 3 4 5 6; do
        rel="$D/organizations-list-parents/$(quote_plus "$child")"
        call "$rel" "$D" organizations list-parents --child-id "$child"
        parent=$(values "$rel" '.Parents[0]?.Id')
        [ -n "$parent" ] && [ "$(values "$rel" '.Parents[0]?.Type')" = ORGANIZATIONAL_UNIT ] || break
        child="$parent"
    done
fi
call "$D/s3control-get-public-access-block/$(quote_plus "$ACCOUNT")" "$D" s3control get-public-access-block --account-id "$ACCOUNT"
# Multi-Region access points: a global listing whose API is served from us-west-2 only (S3 API
# reference, ListMultiRegionAccessPoints); the files go in the default Region folder.
MRAP_REGION=us-west-2
case "$D" in us-gov-*|cn-*) MRAP_REGION="$D" ;; esac
call "$D/s3control-list-multi-region-access-points/$(quote_plus "$ACCOUNT")" "$MRAP_REGION" s3control list-multi-region-access-points --account-id "$ACCOUNT"
while read -r m; do
    [ -n "$m" ] || continue
    q=$(quote_plus "$m")
    call "$D/s3control-get-multi-region-access-point-policy/$q" "$MRAP_REGION" s3control get-multi-region-access-point-policy --account-id "$ACCOUNT" --name "$m"
    call "$D/s3control-get-multi-region-access-point-policy-status/$q" "$MRAP_REGION" s3control get-multi-region-access-point-policy-status --account-id "$ACCOUNT" --name "$m"
done < <(values "$D/s3control-list-multi-region-access-points/$(quote_plus "$ACCOUNT")" '.AccessPoints[]?.Name')
call "$D/s3-list-buckets.json" "$D" s3api list-buckets
while read -r b; do
    [ -n "$b" ] || continue
    q=$(quote_plus "$b")
    call "$D/s3-get-bucket-location/$q" "$D" s3api get-bucket-location --bucket "$b"
    call "$D/s3-get-bucket-policy/$q" "$D" s3api get-bucket-policy --bucket "$b"
    call "$D/s3-get-bucket-acl/$q" "$D" s3api get-bucket-acl --bucket "$b"
    call "$D/s3-get-public-access-block/$q" "$D" s3api get-public-access-block --bucket "$b"
done < <(values "$D/s3-list-buckets.json" '.Buckets[]?.Name')

for R in "${REGION_LIST[@]}"; do
    echo "* $R" >&2
    # S3 access points and directory buckets are regional.
    call "$R/s3control-list-access-points/$(quote_plus "$ACCOUNT")" "$R" s3control list-access-points --account-id "$ACCOUNT"
    while read -r ap; do
        [ -n "$ap" ] || continue
        q=$(quote_plus "$ap")
        call "$R/s3control-get-access-point/$q" "$R" s3control get-access-point --account-id "$ACCOUNT" --name "$ap"
        call "$R/s3control-get-access-point-policy/$q" "$R" s3control get-access-point-policy --account-id "$ACCOUNT" --name "$ap"
        call "$R/s3control-get-access-point-policy-status/$q" "$R" s3control get-access-point-policy-status --account-id "$ACCOUNT" --name "$ap"
    done < <(values "$R/s3control-list-access-points/$(quote_plus "$ACCOUNT")" '.AccessPointList[]?.Name')
    call "$R/s3-list-directory-buckets.json" "$R" s3api list-directory-buckets
    while read -r b; do
        [ -n "$b" ] || continue
        call "$R/s3-get-bucket-policy/$(quote_plus "$b")" "$R" s3api get-bucket-policy --bucket "$b"
    done < <(values "$R/s3-list-directory-buckets.json" '.Buckets[]?.Name')

    call "$R/sqs-list-queues.json" "$R" sqs list-queues
    while read -r u; do
        [ -n "$u" ] || continue
        call "$R/sqs-get-queue-attributes/$(quote_plus "$u")" "$R" sqs get-queue-attributes --queue-url "$u" --attribute-names All
    done < <(values "$R/sqs-list-queues.json" '.QueueUrls[]?')

    call "$R/sns-list-topics.json" "$R" sns list-topics
    while read -r t; do
        [ -n "$t" ] || continue
        call "$R/sns-get-topic-attributes/$(quote_plus "$t")" "$R" sns get-topic-attributes --topic-arn "$t"
    done < <(values "$R/sns-list-topics.json" '.Topics[]?.TopicArn')

    call "$R/kms-list-keys.json" "$R" kms list-keys
    while read -r k; do
        [ -n "$k" ] || continue
        q=$(quote_plus "$k")
        call "$R/kms-describe-key/$q" "$R" kms describe-key --key-id "$k"
        call "$R/kms-get-key-policy/$q" "$R" kms get-key-policy --key-id "$k" --policy-name default
        call "$R/kms-list-grants/$q" "$R" kms list-grants --key-id "$k"
    done < <(values "$R/kms-list-keys.json" '.Keys[]?.KeyId')

    call "$R/lambda-list-functions.json" "$R" lambda list-functions
    while read -r f; do
        [ -n "$f" ] || continue
        call "$R/lambda-get-policy/$(quote_plus "$f")" "$R" lambda get-policy --function-name "$f"
    done < <(values "$R/lambda-list-functions.json" '.Functions[]?.FunctionName')
    call "$R/lambda-list-layers.json" "$R" lambda list-layers
    while read -r l; do
        [ -n "$l" ] || continue
        call "$R/lambda-list-layer-versions/$(quote_plus "$l")" "$R" lambda list-layer-versions --layer-name "$l"
        while read -r arn; do
            [ -n "$arn" ] || continue
            call "$R/lambda-get-layer-version-policy/$(quote_plus "$arn")" "$R" lambda get-layer-version-policy \
                --layer-name "$l" --version-number "${arn##*:}"
        done < <(values "$R/lambda-list-layer-versions/$(quote_plus "$l")" '.LayerVersions[]?.LayerVersionArn')
    done < <(values "$R/lambda-list-layers.json" '.Layers[]?.LayerName')

    call "$R/secretsmanager-list-secrets.json" "$R" secretsmanager list-secrets
    while read -r s; do
        [ -n "$s" ] || continue
        call "$R/secretsmanager-get-resource-policy/$(quote_plus "$s")" "$R" secretsmanager get-resource-policy --secret-id "$s"
    done < <(values "$R/secretsmanager-list-secrets.json" '.SecretList[]?.Name')

    call "$R/ecr-describe-repositories.json" "$R" ecr describe-repositories
    while read -r r; do
        [ -n "$r" ] || continue
        call "$R/ecr-get-repository-policy/$(quote_plus "$r")" "$R" ecr get-repository-policy --repository-name "$r"
    done < <(values "$R/ecr-describe-repositories.json" '.repositories[]?.repositoryName')

    call "$R/efs-describe-file-systems.json" "$R" efs describe-file-systems
    while read -r fs; do
        [ -n "$fs" ] || continue
        call "$R/efs-describe-file-system-policy/$(quote_plus "$fs")" "$R" efs describe-file-system-policy --file-system-id "$fs"
    done < <(values "$R/efs-describe-file-systems.json" '.FileSystems[]?.FileSystemId')

    call "$R/ec2-describe-snapshots.json" "$R" ec2 describe-snapshots --owner-ids self
    while read -r snap; do
        [ -n "$snap" ] || continue
        call "$R/ec2-describe-snapshot-attribute/$(quote_plus "$snap")" "$R" ec2 describe-snapshot-attribute \
            --snapshot-id "$snap" --attribute createVolumePermission
    done < <(values "$R/ec2-describe-snapshots.json" '.Snapshots[]?.SnapshotId')

    call "$R/rds-describe-db-snapshots.json" "$R" rds describe-db-snapshots --snapshot-type manual
    while read -r snap; do
        [ -n "$snap" ] || continue
        call "$R/rds-describe-db-snapshot-attributes/$(quote_plus "$snap")" "$R" rds describe-db-snapshot-attributes \
            --db-snapshot-identifier "$snap"
    done < <(values "$R/rds-describe-db-snapshots.json" '.DBSnapshots[]?.DBSnapshotIdentifier')
    call "$R/rds-describe-db-cluster-snapshots.json" "$R" rds describe-db-cluster-snapshots --snapshot-type manual
    while read -r snap; do
        [ -n "$snap" ] || continue
        call "$R/rds-describe-db-cluster-snapshot-attributes/$(quote_plus "$snap")" "$R" rds describe-db-cluster-snapshot-attributes \
            --db-cluster-snapshot-identifier "$snap"
    done < <(values "$R/rds-describe-db-cluster-snapshots.json" '.DBClusterSnapshots[]?.DBClusterSnapshotIdentifier')

    call "$R/dynamodb-list-tables.json" "$R" dynamodb list-tables
    while read -r t; do
        [ -n "$t" ] || continue
        q=$(quote_plus "$t")
        call "$R/dynamodb-describe-table/$q" "$R" dynamodb describe-table --table-name "$t"
        while read -r arn; do
            [ -n "$arn" ] || continue
            call "$R/dynamodb-get-resource-policy/$(quote_plus "$arn")" "$R" dynamodb get-resource-policy --resource-arn "$arn"
        done < <(values "$R/dynamodb-describe-table/$q" '.Table | (.TableArn, .LatestStreamArn)')
    done < <(values "$R/dynamodb-list-tables.json" '.TableNames[]?')
done

n=$(find "$OUT" -type f ! -name collect-errors.log | wc -l)
e=$(wc -l < "$ERRORS")
echo "collected $n files into $OUT ($e errors, see $ERRORS)" >&2
