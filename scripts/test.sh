#!/usr/bin/env bash
# Runs every test suite (`pnpm test`: each package's Jest suite, one package at a time) on this machine,
# installing first whatever is missing: pnpm, the Node dependencies, and PostgreSQL, Redis and NATS when
# none is reachable (scripts/ensure-infra.sh). Extra arguments go to `pnpm test`.
# Ends with one summary line over all packages: "Tests: N passed, N failed, N skipped". Then the chaos
# suite's short slice (`pnpm chaos --ci`, docs/operations.md): after the Jest suites, not beside them, since
# on a small machine its processes would starve their timing-sensitive tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Node.js 24 and the pinned pnpm (scripts/ensure-node.sh: fetched from the npm registry when missing).
# shellcheck source=scripts/ensure-node.sh
. "$ROOT/scripts/ensure-node.sh"
npq_ensure_node
npq_ensure_pnpm
echo "==> Installing dependencies (pnpm install --frozen-lockfile)"
pnpm install --frozen-lockfile
echo "==> Checking PostgreSQL, Redis and NATS, and Chromium for the console's browser tests"
bash "$ROOT/scripts/ensure-infra.sh" --with-browser

echo "==> pnpm test"
mkdir -p "$ROOT/.run"
LOG="$ROOT/.run/test.log"
status=0
pnpm test "$@" 2>&1 | tee "$LOG" || status=$?

# Jest prints "Tests:  1 failed, 2 skipped, 40 passed, 43 total" per package; add them up.
# (pnpm may prefix each line with the package, e.g. "services/gateway test: Tests: ...").
sed -E 's/\x1b\[[0-9;]*m//g' "$LOG" | awk '
  match($0, /Tests:[ \t]+[0-9]/) {
    k = split(substr($0, RSTART + 6), f, /[ \t,]+/)
    for (i = 1; i < k; i++) {
      if (f[i] !~ /^[0-9]+$/) continue
      if (f[i + 1] == "passed") p += f[i]
      else if (f[i + 1] == "failed") x += f[i]
      else if (f[i + 1] == "skipped" || f[i + 1] == "todo") s += f[i]
    }
  }
  END { printf "Tests: %d passed, %d failed, %d skipped\n", p, x, s }'
echo "==> pnpm chaos --ci"
pnpm chaos --ci || status=$?
exit "$status"
