#!/usr/bin/env bash
# The main job on the bundled examples: builds perimeter, then
#   1. validates the example policy set (validate-policy),
#   2. simulates requests through the whole decision pipeline (simulate-custom-policy),
#   3. analyzes the example account snapshot (analyze).
# Exit status: 0 when every step ran (findings are the expected output here), 2 on any error.
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --locked -p perimeter-cli || exit 2
p=target/release/perimeter

bold=""; plain=""
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m'; plain=$'\033[0m'; fi
step() {
  printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"
  "$@"
  local rc=$?
  # 0 = clean/PASS, 1 = findings/FAIL: both are results. 2 = error.
  if [ "$rc" -ge 2 ]; then echo "demo: \`$*\` failed with exit code $rc" >&2; exit 2; fi
}

"$p" --version
for f in developer-identity boundary scp-workloads; do
  type=IDENTITY_POLICY
  [ "$f" = scp-workloads ] && type=SERVICE_CONTROL_POLICY
  step "$p" validate-policy --policy-type "$type" --policy-document "file://examples/policies/$f.json" --output table
done
step "$p" validate-policy --policy-type RESOURCE_POLICY --validate-policy-resource-type AWS::S3::Bucket \
  --policy-document file://examples/policies/bucket-policy.json --output table
step "$p" simulate-custom-policy --cli-input-json file://examples/policies/simulate-request.json --output table
if [ -d examples/account ]; then
  step "$p" analyze examples/account --output table
fi
exit 0
