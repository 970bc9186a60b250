#!/usr/bin/env bash
# The whole test suite (README's second command; .ci/run calls it):
# type check, build (the tests spawn the compiled CLI), layering check, lint, every test file in a tier, then the tiers of scripts/test-tiers.mjs:
# unit + simulator + store tests (SQLite and a real PostgreSQL), the seeded campaigns, and the
# real-cloud tier against ../shared/devcloud, which it brings up itself.
# No tier skips itself: a missing server fails the run and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${TEST_OUT:-$(mktemp -d)}
DEVCLOUD=${DEVCLOUD_DIR:-$ROOT/../shared/devcloud}

step() { printf '\n== %s\n' "$*"; }

step "type check"
npx --no-install tsc --noEmit -p .
step "build (dist/: the compiled CLI that bin/snapwarden.mjs runs and the tests spawn)"
npm run --silent build
step "layering check"
node scripts/check-layers.mjs
step "lint (eslint.config.mjs: promises that nobody awaits)"
npx --no-install eslint .
step "every test file is in a tier"
node scripts/list-tests.mjs --check

# The protection API's tests drive it with the real oslo.policy (Debian's package, what Cinder uses);
# installed before the devcloud starts its own apt-get, so the two never wait on dpkg's lock.
if ! dpkg -s python3-oslo.policy >/dev/null 2>&1 || ! command -v /usr/bin/python3 >/dev/null; then
  step "installing python3-oslo.policy (tests/integration/protection-api-oslo.test.ts)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends python3-oslo.policy || { apt-get update && apt-get install -y --no-install-recommends python3-oslo.policy; }
fi

# The real cloud takes minutes to come up: start it now, use it last.
if [ -z "${SKIP_DEVCLOUD_UP:-}" ]; then
  [ -x "$DEVCLOUD/up.sh" ] || { echo "devcloud not found at $DEVCLOUD (set DEVCLOUD_DIR)"; exit 1; }
  step "starting the devcloud in the background (log: $OUT/devcloud-up.log)"
  ( "$DEVCLOUD/up.sh" >"$OUT/devcloud-up.log" 2>&1; echo $? >"$OUT/devcloud-up.rc" ) &
  UP_PID=$!
fi

step "PostgreSQL for the store suite"
eval "$(bash scripts/start-postgres.sh)"
export PG_URL REQUIRE_PG=1

declare -A took=()
run_tier() { # name (a tier of scripts/test-tiers.mjs)
  local name=$1 files conc start=$SECONDS
  files=$(node scripts/list-tests.mjs --tier "$name")
  conc=$(node scripts/list-tests.mjs --concurrency "$name")
  # An empty tier passed the placement check above, so it may be empty (its folder is not there yet).
  [ -n "$files" ] || { echo "tier $name: no test files"; return 0; }
  # shellcheck disable=SC2086
  node --import tsx --test --test-concurrency="$conc" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$OUT/$name.tap" $files
  local rc=$?
  took[$name]=$((SECONDS - start))
  return $rc
}

status=0
step "unit, simulator, contract (simulator) and store tests"
run_tier unit || status=1
step "campaigns (seeded; they print their figures)"
run_tier campaigns || status=1

if [ -z "${SKIP_DEVCLOUD_UP:-}" ]; then
  step "waiting for the devcloud"
  wait "$UP_PID" || true
  if [ "$(cat "$OUT/devcloud-up.rc" 2>/dev/null)" != 0 ]; then
    tail -20 "$OUT/devcloud-up.log"; echo "devcloud did not come up"; exit 1
  fi
fi
export OS_CLIENT_CONFIG_FILE=${OS_CLIENT_CONFIG_FILE:-/var/lib/devcloud/clouds.yaml}
step "real-cloud tests (devcloud)"
run_tier realcloud || status=1

pass=0; fail=0
for f in "$OUT"/unit.tap "$OUT"/campaigns.tap "$OUT"/realcloud.tap; do
  [ -f "$f" ] || continue
  p=$(grep -E '^# pass [0-9]+' "$f" | tail -1 | awk '{print $3}'); f2=$(grep -E '^# fail [0-9]+' "$f" | tail -1 | awk '{print $3}')
  pass=$((pass + ${p:-0})); fail=$((fail + ${f2:-0}))
done
echo
for name in unit campaigns realcloud; do [ -z "${took[$name]:-}" ] || echo "tier $name: ${took[$name]} s"; done
echo "total: $pass passed, $fail failed in $SECONDS s"
exit $status
