#!/usr/bin/env bash
# The platform in real containers, end to end (CI runs it; README "Containers" has its duration):
#   1. podman, runc, debootstrap, podman-compose from Debian (installed when missing); the base images
#      built without an image registry and cached (infra/containers/ensure-podman.sh);
#   2. every image built from infra/Dockerfile (gateway, applications, training, finance, webhooks, console);
#   3. the whole system up with compose (infra/compose.yaml): PostgreSQL, Redis, NATS JetStream, the
#      migrations and seeds, two replicas of every service and worker, two gateways, two ops consoles;
#   4. test/containers/check.ts against it: a functional slice of the black-box suite (responses checked
#      against the OpenAPI document), the workers' probes and metrics, then kill-and-restart of one replica
#      of each component under write load, with the no-lost-write / applied-once / outbox / parked checks;
#   5. `podman kube play` of the rendered production manifests (infra/k8s), one replica each: every
#      Deployment's pods start and pass their probes;
#   6. everything torn down; `N passed, M failed` is the last line.
# Needs root (podman as root), the repository's node_modules (pnpm install) and about 2.5 GB of disk.
# KEEP_UP=1 leaves the compose system running (for debugging; tear down with podman-compose down -v).
set -euo pipefail
# The whole script is one compound command, read before it runs: editing the file meanwhile is harmless.
{

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="/opt/npq-node/v24.22.3-x64/bin:$PATH"
START=$SECONDS
PASSED=0
FAILED=0
WORK="$(mktemp -d /var/tmp/npq-containers.XXXXXX)"
COMPOSE=(podman-compose -p npq -f infra/compose.yaml)

say() { printf '\n=== %s (%ss)\n' "$*" "$((SECONDS - START))"; }
pass() {
  PASSED=$((PASSED + 1))
  printf 'ok   %s\n' "$*"
}
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL %s\n' "$*"
}

# Random secrets for this run (the compose file has no defaults for them).
secret() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
export POSTGRES_PASSWORD="$(secret)" NPQ_ADMIN_TOKEN="$(secret)" INTERNAL_API_SECRET="$(secret)"
export TOKEN_HMAC_SECRET="$(secret)" DQT_API_KEY="$(secret)" CONSOLE_SESSION_SECRET="$(secret)"
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# Free loopback ports for what is published (the gateways and the stand-in DQT's request log): other
# processes on the machine may hold the defaults.
read -r GATEWAY_A_PORT GATEWAY_B_PORT DQT_PORT CONSOLE_A_PORT CONSOLE_B_PORT < <(node -e "
const net = require('node:net');
Promise.all([0, 1, 2, 3, 4].map(() => new Promise((ok) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); })))
  .then((ports) => console.log(ports.join(' ')));")
export GATEWAY_A_PORT GATEWAY_B_PORT DQT_PORT CONSOLE_A_PORT CONSOLE_B_PORT

teardown() {
  local rc=$?
  if [[ "${KEEP_UP:-}" != 1 ]]; then
    say "teardown"
    "${COMPOSE[@]}" down -v -t 5 >"$WORK/down.log" 2>&1 || true
    podman kube down "$WORK/kube.yaml" >/dev/null 2>&1 || true
    podman network rm -f npq_default >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  printf '\ninfra/test-containers.sh took %ss\n' "$((SECONDS - START))"
  if [[ $rc -ne 0 && $FAILED -eq 0 ]]; then FAILED=1; fi
  printf '%s passed, %s failed\n' "$PASSED" "$FAILED"
  [[ $FAILED -eq 0 ]] || exit 1
}
trap teardown EXIT

dump_logs() {
  for c in $(podman ps -a --format '{{.Names}}' | grep '^npq[-_]'); do
    echo "--- logs of $c (last 15 lines)"
    podman logs --tail 15 "$c" 2>&1 | cut -c1-400
  done
}

# ---- 1. tools and base images ------------------------------------------------------------------------------
say "podman and base images"
# shellcheck source=infra/containers/ensure-podman.sh
. infra/containers/ensure-podman.sh
npq_ensure_podman_tools
npq_ensure_base_images
npq_ensure_backing_image
pass "podman $(podman --version | awk '{print $3}') with runc; base images $NPQ_NODE_IMAGE, $NPQ_BACKING_IMAGE"

# A previous run that was killed may have left the system up.
"${COMPOSE[@]}" down -v -t 2 >/dev/null 2>&1 || true

# ---- 2. images -------------------------------------------------------------------------------------------
say "images from infra/Dockerfile"
# The build context is a snapshot of the work tree (tracked and untracked files, minus what git ignores), so
# every target sees the same sources and the build stage is built once and reused from the layer cache.
mkdir -p "$WORK/context"
git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$WORK/context" -xf -
for target in gateway applications training finance webhooks console; do
  if podman build -q --format docker -f "$WORK/context/infra/Dockerfile" --target "$target" -t "localhost/npq-$target:local" "$WORK/context" >"$WORK/build-$target.log" 2>&1; then
    pass "image npq-$target ($(podman image inspect --format '{{.Size}}' "localhost/npq-$target:local" | awk '{printf "%d MB", $1/1000000}'))"
  else
    tail -n 30 "$WORK/build-$target.log"
    fail "image npq-$target"
    exit 1
  fi
done
for target in gateway applications training finance webhooks console; do
  user="$(podman image inspect --format '{{.Config.User}}' "localhost/npq-$target:local")"
  entry="$(podman image inspect --format '{{join .Config.Entrypoint " "}}' "localhost/npq-$target:local")"
  health="$(podman image inspect --format '{{if .Config.Healthcheck}}yes{{end}}' "localhost/npq-$target:local")"
  if [[ "$user" == node && "$entry" == "/usr/bin/tini --" && "$health" == yes ]] &&
    ! podman run --rm --entrypoint sh "localhost/npq-$target:local" -c 'command -v pnpm || command -v npm || ls node_modules/.pnpm | grep -E "^(typescript|jest|eslint|tsx)@"' >/dev/null 2>&1; then
    pass "image npq-$target: user node, tini as PID 1, HEALTHCHECK, no package manager or dev dependencies"
  else
    fail "image npq-$target: user=$user entrypoint=$entry healthcheck=$health (or dev tooling inside)"
  fi
done

# ---- 3. the system up ---------------------------------------------------------------------------------------
wait_healthy() { # container timeout_s
  local deadline=$((SECONDS + $2))
  until podman healthcheck run "$1" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then return 1; fi
    # A container that could not start (a published port taken, say) will not become healthy.
    if [[ "$(podman inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" =~ ^(created|exited|)$ ]] && ((SECONDS > deadline - $2 + 10)); then
      podman inspect --format '{{.State.Error}}' "$1" 2>/dev/null
      return 1
    fi
    sleep 1
  done
}
wait_exit() { # container: its exit code
  podman wait "$1" 2>/dev/null | tail -n1
}

say "compose: PostgreSQL, Redis, NATS"
"${COMPOSE[@]}" up -d postgres redis nats dqt >"$WORK/up.log" 2>&1 || {
  cat "$WORK/up.log"
  exit 1
}
for c in postgres redis nats; do
  wait_healthy "npq-$c" 90 || {
    dump_logs
    fail "$c healthy"
    exit 1
  }
done
pass "postgres, redis and nats (JetStream) containers healthy"

say "compose: migrations, then seeds"
"${COMPOSE[@]}" up -d migrate-gateway migrate-applications migrate-training migrate-finance migrate-webhooks >>"$WORK/up.log" 2>&1
ok=1
for s in gateway applications training finance webhooks; do
  [[ "$(wait_exit "npq-migrate-$s")" == 0 ]] || {
    ok=0
    podman logs --tail 20 "npq-migrate-$s"
  }
done
[[ $ok == 1 ]] && pass "migrations (one container per schema) exited 0" || {
  fail "migrations"
  exit 1
}
"${COMPOSE[@]}" up -d --no-deps seed-gateway seed-finance >>"$WORK/up.log" 2>&1
ok=1
for s in gateway finance; do
  [[ "$(wait_exit "npq-seed-$s")" == 0 ]] || {
    ok=0
    podman logs --tail 20 "npq-seed-$s"
  }
done
[[ $ok == 1 ]] && pass "seeds exited 0" || {
  fail "seeds"
  exit 1
}

say "compose: two replicas of every service and worker, two gateways, two ops consoles"
SERVICES=(applications training finance webhooks applications-worker training-worker finance-worker webhooks-worker
  gateway-a gateway-b console-a console-b)
APPS=()
for svc in applications training finance webhooks applications-worker training-worker finance-worker webhooks-worker; do
  APPS+=("npq_${svc}_1" "npq_${svc}_2")
done
APPS+=(npq-gateway-a npq-gateway-b npq-console-a npq-console-b)
"${COMPOSE[@]}" up -d --no-deps "${SERVICES[@]}" >>"$WORK/up.log" 2>&1 || {
  cat "$WORK/up.log"
  exit 1
}
ok=1
for c in "${APPS[@]}"; do
  wait_healthy "$c" 120 || {
    ok=0
    echo "$c is not healthy"
  }
done
if [[ $ok == 1 ]]; then
  pass "${#APPS[@]} containers healthy (their image's HEALTHCHECK)"
else
  dump_logs
  fail "containers healthy"
  exit 1
fi

# ---- 4. the checks --------------------------------------------------------------------------------------------
say "functional slice, probes and metrics, kill-and-restart under load (test/containers/check.ts)"
export NPQ_GATEWAYS="http://127.0.0.1:$GATEWAY_A_PORT,http://127.0.0.1:$GATEWAY_B_PORT"
export NPQ_DQT_URL="http://127.0.0.1:$DQT_PORT" CHECK_REPORT="$WORK/report.json"
export NPQ_CONSOLES="http://127.0.0.1:$CONSOLE_A_PORT,http://127.0.0.1:$CONSOLE_B_PORT"
(cd test && timeout 900 pnpm exec tsx containers/check.ts) || true
if [[ -f "$WORK/report.json" ]]; then
  read -r p f < <(node -e "const r=require('$WORK/report.json');console.log(r.passed,r.failed)")
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [[ $f -gt 0 ]]; then dump_logs; fi
else
  fail "test/containers/check.ts wrote no report"
fi

# ---- 5. podman kube play of the rendered manifests -------------------------------------------------------------
say "podman kube play: the rendered production Deployments, one replica each"
# The compose services and workers make way; PostgreSQL, Redis and NATS stay for the played pods.
for c in "${APPS[@]}"; do podman rm -f -t 2 "$c" >/dev/null 2>&1 || true; done
if bash infra/k8s/kube-smoke.sh "$WORK"; then
  pass "podman kube play: every rendered Deployment started and became ready"
else
  fail "podman kube play smoke test"
fi

exit 0
}
