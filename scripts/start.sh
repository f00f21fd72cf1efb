#!/usr/bin/env bash
# Starts the whole platform on this machine: installs what it needs (pnpm, Node dependencies; Postgres,
# Redis and NATS when none is reachable), builds, migrates, seeds, then runs the gateway, the four services,
# the four workers and the ops console as children of this script and prints the gateway URL, the console
# URL and tokens.
#
#   bash scripts/start.sh              full start
#   bash scripts/start.sh --no-build   quick restart: skip pnpm install and the build
#
# Every variable of packages/service-kit/src/config.ts is passed through to every process, e.g.
#   NPQ_ADMIN_TOKEN=x RATE_LIMIT_MAX=5 SANDBOX=false bash scripts/start.sh
# Variables of this script only (names outside the platform's prefixes, which the config would reject):
#   START_TIMEOUT_S  seconds to wait for every /health/ready (default 90)
#   STOP_TIMEOUT_S   seconds between SIGTERM and SIGKILL when stopping (default 20)
#   INFRA_TIMEOUT_S  passed to scripts/ensure-infra.sh (default 60)
#
# Ctrl-C (SIGINT) or SIGTERM stops every process this script started (never Postgres, Redis or NATS).
# Logs: .run/logs/<process>.log (JSON lines).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SERVICES=(gateway applications training finance webhooks)
START_TIMEOUT_S="${START_TIMEOUT_S:-90}"
STOP_TIMEOUT_S="${STOP_TIMEOUT_S:-20}"
LOG_DIR="$ROOT/.run/logs"

BUILD=true
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=false ;;
    -h | --help)
      sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

# Output never fails the script: after a Ctrl-C the reader of a pipe (| tee) may be gone already.
say() { printf '\033[1m==> %s\033[0m\n' "$*" 2>/dev/null || true; }
warn() { printf '[start] %s\n' "$*" >&2 2>/dev/null || true; }
die() {
  printf '[start] ERROR: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------------------
# Children: name -> pid. Each runs in its own session (setsid) so that a Ctrl-C in the terminal reaches only
# this script, which then stops them in order with one SIGTERM each (a second signal would force-exit them).
NAMES=()
PIDS=()

stop_children() {
  [[ ${#PIDS[@]} -gt 0 ]] || return 0
  local i pid alive deadline
  say "Stopping ${#PIDS[@]} processes (SIGTERM, then SIGKILL after ${STOP_TIMEOUT_S}s)"
  for i in "${!PIDS[@]}"; do
    kill -TERM "${PIDS[$i]}" 2>/dev/null || true
  done
  deadline=$((SECONDS + STOP_TIMEOUT_S))
  while :; do
    alive=()
    for i in "${!PIDS[@]}"; do
      if kill -0 "${PIDS[$i]}" 2>/dev/null; then alive+=("$i"); fi
    done
    [[ ${#alive[@]} -gt 0 ]] || break
    if ((SECONDS >= deadline)); then
      for i in "${alive[@]}"; do
        pid="${PIDS[$i]}"
        warn "${NAMES[$i]} (pid $pid) did not stop in time: SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      done
      break
    fi
    sleep 0.2
  done
  # Reap them so that none is left as a zombie of this shell.
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  say "Stopped"
  PIDS=()
  NAMES=()
}

on_exit() {
  trap '' PIPE
  stop_children
  if [[ -f "$ROOT/.run/start.pid" && "$(cat "$ROOT/.run/start.pid" 2>/dev/null)" == "$$" ]]; then
    rm -f "$ROOT/.run/start.pid"
  fi
}

on_signal() {
  local signal="$1"
  trap '' INT TERM PIPE
  printf "\n" 2>/dev/null || true
  say "Received SIG$signal"
  stop_children
  [[ "$signal" == INT ]] && exit 130
  exit 143
}

trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap on_exit EXIT

if command -v setsid >/dev/null 2>&1; then DETACH=(setsid); else DETACH=(); fi

spawn() {
  local name="$1"
  shift
  local log="$LOG_DIR/$name.log"
  : >"$log"
  # exec: the recorded pid is the node process itself.
  "${DETACH[@]}" bash -c 'exec "$@"' "$name" "$@" >>"$log" 2>&1 </dev/null &
  NAMES+=("$name")
  PIDS+=("$!")
}

show_log_tail() {
  local name="$1"
  echo "---- last lines of .run/logs/$name.log ----" >&2
  tail -n 40 "$LOG_DIR/$name.log" >&2 || true
  echo "--------------------------------------------" >&2
}

# Exits (stopping everything) if one of the children has died.
check_children() {
  local i status
  for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      status=0
      wait "${PIDS[$i]}" 2>/dev/null || status=$?
      warn "${NAMES[$i]} (pid ${PIDS[$i]}) exited with status $status"
      show_log_tail "${NAMES[$i]}"
      unset 'PIDS[i]' 'NAMES[i]'
      PIDS=("${PIDS[@]}")
      NAMES=("${NAMES[@]}")
      stop_children
      exit 1
    fi
  done
}

# HTTP status of a GET (000 when nothing answers). curl if present, otherwise bash's /dev/tcp.
http_status() {
  local host="$1" port="$2" path="$3"
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 3 -w '%{http_code}' "http://$host:$port$path" 2>/dev/null || true
    return 0
  fi
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" "$2" "$0" >&3
    IFS=" " read -r _ code _ <&3 && printf "%s" "$code"' "$host" "$port" "$path" 2>/dev/null || printf '000'
}

port_in_use() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------------
# Configuration this script needs to know about (the processes read the same variables themselves).
GATEWAY_PORT_VALUE="${GATEWAY_PORT:-3000}"
declare -A SERVICE_PORT=(
  [applications]="${APPLICATIONS_PORT:-3001}"
  [training]="${TRAINING_PORT:-3002}"
  [finance]="${FINANCE_PORT:-3003}"
  [webhooks]="${WEBHOOKS_PORT:-3004}"
)
CONSOLE_PORT_VALUE="${CONSOLE_PORT:-3100}"
ADMIN_TOKEN="${NPQ_ADMIN_TOKEN:-dev-admin-token}"
GATEWAY_HOST_VALUE="${GATEWAY_HOST:-0.0.0.0}"
SERVICE_HOST_VALUE="${SERVICE_HOST:-127.0.0.1}"
case "$GATEWAY_HOST_VALUE" in
  0.0.0.0 | :: | "[::]") PUBLIC_HOST=localhost GATEWAY_PROBE_HOST=127.0.0.1 ;;
  *) PUBLIC_HOST="$GATEWAY_HOST_VALUE" GATEWAY_PROBE_HOST="$GATEWAY_HOST_VALUE" ;;
esac
case "$SERVICE_HOST_VALUE" in
  0.0.0.0 | :: | "[::]") PROBE_HOST=127.0.0.1 ;;
  *) PROBE_HOST="$SERVICE_HOST_VALUE" ;;
esac
[[ "$PUBLIC_HOST" == *:* ]] && PUBLIC_HOST="[$PUBLIC_HOST]"
GATEWAY_URL="http://$PUBLIC_HOST:$GATEWAY_PORT_VALUE"
# The gateway, the sandbox seed and the webhooks worker reach the services at <SERVICE>_URL; unless given, it
# follows the port chosen here (otherwise APPLICATIONS_PORT=4001 alone would leave them calling 3001).
URL_HOST="$PROBE_HOST"
[[ "$URL_HOST" == *:* ]] && URL_HOST="[$URL_HOST]"
export APPLICATIONS_URL="${APPLICATIONS_URL:-http://$URL_HOST:${SERVICE_PORT[applications]}}"
export TRAINING_URL="${TRAINING_URL:-http://$URL_HOST:${SERVICE_PORT[training]}}"
export FINANCE_URL="${FINANCE_URL:-http://$URL_HOST:${SERVICE_PORT[finance]}}"
export WEBHOOKS_URL="${WEBHOOKS_URL:-http://$URL_HOST:${SERVICE_PORT[webhooks]}}"
# The console listens where the gateway does (CONSOLE_HOST, default 0.0.0.0) and calls it on loopback.
CONSOLE_HOST_VALUE="${CONSOLE_HOST:-0.0.0.0}"
case "$CONSOLE_HOST_VALUE" in
  0.0.0.0 | :: | "[::]") CONSOLE_PUBLIC_HOST=localhost CONSOLE_PROBE_HOST=127.0.0.1 ;;
  *) CONSOLE_PUBLIC_HOST="$CONSOLE_HOST_VALUE" CONSOLE_PROBE_HOST="$CONSOLE_HOST_VALUE" ;;
esac
[[ "$CONSOLE_PUBLIC_HOST" == *:* ]] && CONSOLE_PUBLIC_HOST="[$CONSOLE_PUBLIC_HOST]"
CONSOLE_URL="http://$CONSOLE_PUBLIC_HOST:$CONSOLE_PORT_VALUE"
export CONSOLE_GATEWAY_URL="${CONSOLE_GATEWAY_URL:-http://$GATEWAY_PROBE_HOST:$GATEWAY_PORT_VALUE}"

mkdir -p "$LOG_DIR"

# Refuse early when another instance (or anything else) holds our ports: the processes would die anyway.
if [[ -f "$ROOT/.run/start.pid" ]] && kill -0 "$(cat "$ROOT/.run/start.pid")" 2>/dev/null; then
  die "scripts/start.sh is already running (pid $(cat "$ROOT/.run/start.pid")); stop it with Ctrl-C or: kill $(cat "$ROOT/.run/start.pid")"
fi
for p in "$GATEWAY_PORT_VALUE" "${SERVICE_PORT[applications]}" "${SERVICE_PORT[training]}" "${SERVICE_PORT[finance]}" "${SERVICE_PORT[webhooks]}" "$CONSOLE_PORT_VALUE" "${CONSOLE_METRICS_PORT:-9465}"; do
  if port_in_use 127.0.0.1 "$p"; then
    die "port $p is already in use (another instance running?); stop it or choose other ports (GATEWAY_PORT, APPLICATIONS_PORT, TRAINING_PORT, FINANCE_PORT, WEBHOOKS_PORT, CONSOLE_PORT, CONSOLE_METRICS_PORT)"
  fi
done
echo $$ >"$ROOT/.run/start.pid"

# ---------------------------------------------------------------------------------------------------------
# Node.js 24 (fetched from the npm registry, pinned and checksum-verified, when the machine's is older) and
# the pinned pnpm; see scripts/ensure-node.sh.
# shellcheck source=scripts/ensure-node.sh
. "$ROOT/scripts/ensure-node.sh"
npq_ensure_node || die "could not provide Node.js $NPQ_NODE_MAJOR"

if [[ "$BUILD" == true ]]; then
  npq_ensure_pnpm || die "could not install pnpm $NPQ_PNPM_VERSION"
  say "Installing dependencies (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile
else
  [[ -d node_modules ]] || die "--no-build: node_modules is missing; run without --no-build first"
  for svc in "${SERVICES[@]}" console; do
    [[ -f "services/$svc/dist/server.js" ]] || die "--no-build: services/$svc/dist is missing; run without --no-build first"
  done
fi

say "Checking PostgreSQL, Redis and NATS"
bash "$ROOT/scripts/ensure-infra.sh"

if [[ "$BUILD" == true ]]; then
  say "Building (pnpm build)"
  pnpm build >"$LOG_DIR/build.log" 2>&1 || {
    tail -n 60 "$LOG_DIR/build.log" >&2
    die "pnpm build failed (full output in .run/logs/build.log)"
  }
fi

say "Migrating (${SERVICES[*]})"
for svc in "${SERVICES[@]}"; do
  node "services/$svc/dist/db.js" migrate >"$LOG_DIR/migrate-$svc.log" 2>&1 || {
    show_log_tail "migrate-$svc"
    die "migrations of $svc failed"
  }
done

say "Seeding"
SEED_JSON=""
for svc in "${SERVICES[@]}"; do
  [[ -f "services/$svc/src/seed.ts" ]] || continue
  [[ -f "services/$svc/dist/seed.js" ]] || die "services/$svc/dist/seed.js is missing: run without --no-build"
  node "services/$svc/dist/seed.js" >"$LOG_DIR/seed-$svc.log" 2>&1 || {
    show_log_tail "seed-$svc"
    die "seeding $svc failed"
  }
  if [[ "$svc" == gateway ]]; then
    SEED_JSON="$(grep -E '^\{"tokens":' "$LOG_DIR/seed-$svc.log" | tail -n 1 || true)"
    [[ -n "$SEED_JSON" ]] || warn "the gateway seed printed no token JSON (see .run/logs/seed-gateway.log)"
  fi
done

say "Starting processes (logs in .run/logs/)"
for svc in applications training finance webhooks; do
  spawn "$svc" node "services/$svc/dist/server.js"
done
spawn gateway node services/gateway/dist/server.js
for svc in applications training finance webhooks; do
  spawn "$svc-worker" node "services/$svc/dist/worker.js"
done
spawn console node services/console/dist/server.js

say "Waiting for /health/ready"
declare -A READY=()
deadline=$((SECONDS + START_TIMEOUT_S))
while :; do
  check_children
  pending=()
  for name in gateway applications training finance webhooks console; do
    [[ -n "${READY[$name]:-}" ]] && continue
    if [[ "$name" == gateway ]]; then
      code="$(http_status "$GATEWAY_PROBE_HOST" "$GATEWAY_PORT_VALUE" /health/ready)"
    elif [[ "$name" == console ]]; then
      code="$(http_status "$CONSOLE_PROBE_HOST" "$CONSOLE_PORT_VALUE" /health/ready)"
    else
      code="$(http_status "$PROBE_HOST" "${SERVICE_PORT[$name]}" /health/ready)"
    fi
    if [[ "$code" == 200 ]]; then READY[$name]=1; else pending+=("$name:$code"); fi
  done
  [[ ${#pending[@]} -eq 0 ]] && break
  if ((SECONDS >= deadline)); then
    for entry in "${pending[@]}"; do
      warn "${entry%%:*} is not ready after ${START_TIMEOUT_S}s (last /health/ready status: ${entry#*:})"
      show_log_tail "${entry%%:*}"
    done
    stop_children
    exit 1
  fi
  sleep 0.5
done
# Workers have no HTTP endpoint: they count as started when they are still running a moment later.
sleep 1
check_children

# ---------------------------------------------------------------------------------------------------------
# Sandbox data (docs/sandbox.md): with SANDBOX=true (the default), every lead provider gets its book of work,
# written through the running services (so it needs them, and the finance worker for payment runs). Waits
# for the worker's cut-off on start first: it moves past statements on, and the seed reopens them.
SANDBOX_JSON=""
if [[ "${SANDBOX:-true}" == true ]]; then
  deadline=$((SECONDS + 15))
  until grep -q 'statement cut-off done' "$LOG_DIR/finance-worker.log" 2>/dev/null || ((SECONDS >= deadline)); do
    sleep 0.2
  done
  say "Seeding the sandbox data (once; a provider whose data is complete is left as it is)"
  if node services/gateway/dist/sandbox-seed.js >"$LOG_DIR/seed-sandbox.log" 2>&1; then
    SANDBOX_JSON="$(grep -E '^\{"sandbox":' "$LOG_DIR/seed-sandbox.log" | tail -n 1 || true)"
  else
    show_log_tail seed-sandbox
    warn "seeding the sandbox data failed (the API runs without it; restart to try again)"
  fi
  check_children
fi

# ---------------------------------------------------------------------------------------------------------
# One line per lead provider: "active<TAB>name<TAB>id<TAB>token" or "revoked<TAB>name<TAB>id<TAB>revoked_at"
# (no empty fields: `read` would collapse them). A revoked bootstrap token stays revoked across restarts, so
# the seed reports no token for it.
TOKENS_TEXT=""
FIRST_TOKEN=""
if [[ -n "$SEED_JSON" ]]; then
  TOKENS_TEXT="$(printf '%s' "$SEED_JSON" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const t of JSON.parse(s).tokens) {
        const [state, value] = t.token ? ["active", t.token] : ["revoked", t.revokedAt ?? "earlier"];
        console.log([state, t.leadProviderName, t.leadProviderId, value].join("\t"));
      }
    });')"
  FIRST_TOKEN="$(printf '%s\n' "$TOKENS_TEXT" | awk -F '\t' '$1 == "active" { print $4; exit }')"
fi

echo
say "NPQ Lead Provider API is running"
cat <<EOF
  Gateway:      $GATEWAY_URL
  Swagger UI:   $GATEWAY_URL/api/docs/v3
  Ops console:  $CONSOLE_URL   (sign in with the admin token; docs/console.md)
  Admin token:  $ADMIN_TOKEN   (NPQ_ADMIN_TOKEN; for /admin/v1 and the console)
  Sandbox:      ${SANDBOX:-true}   Logs: .run/logs/   Processes: gateway, applications, training, finance, webhooks, 4 workers, console

  API tokens (one bootstrap token per lead provider, for /api/v3; all tokens: GET /admin/v1/api-tokens):
EOF
if [[ -n "$TOKENS_TEXT" ]]; then
  REVOKED_ID=""
  while IFS=$'\t' read -r state name id value; do
    if [[ "$state" == active ]]; then
      printf '    %-36s %s\n' "$name" "$value"
    else
      printf '    %-36s (bootstrap token revoked at %s; lead provider id %s)\n' "$name" "$value" "$id"
      REVOKED_ID="${REVOKED_ID:-$id}"
    fi
  done <<<"$TOKENS_TEXT"
  if [[ -n "$REVOKED_ID" ]]; then
    cat <<EOF

  A revoked bootstrap token is never restored, whatever restarts. Issue a new token for such a lead provider
  (shown once, in the answer), e.g.:
    curl -s -X POST -H 'Authorization: Bearer $ADMIN_TOKEN' $GATEWAY_URL/admin/v1/lead-providers/$REVOKED_ID/api-tokens
EOF
  fi
else
  echo "    (none seeded: NODE_ENV=production; create one with POST /admin/v1/lead-providers/{id}/api-tokens)"
fi
cat <<EOF

  Try:
    curl -s $GATEWAY_URL/health/ready
    curl -s -H 'Authorization: Bearer ${FIRST_TOKEN:-<api token>}' $GATEWAY_URL/api/v3/npq-applications
    curl -s -H 'Authorization: Bearer $ADMIN_TOKEN' $GATEWAY_URL/admin/v1/lead-providers
EOF
# One example per major flow, with the sandbox's real ids, as the first lead provider with a token.
if [[ -n "$SANDBOX_JSON" && -n "$FIRST_TOKEN" ]]; then
  FIRST_ID="$(printf '%s\n' "$TOKENS_TEXT" | awk -F '\t' '$1 == "active" { print $3; exit }')"
  FIRST_NAME="$(printf '%s\n' "$TOKENS_TEXT" | awk -F '\t' '$1 == "active" { print $2; exit }')"
  EXAMPLE="$(printf '%s' "$SANDBOX_JSON" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const sb = JSON.parse(s).sandbox; const e = sb.examples[process.argv[1]];
      console.log([e.pendingApplication, e.declarationParticipant, e.declarationCourse, e.deliveryPartner,
        e.outcomeParticipant, sb.seeded.length + " seeded now in " + (sb.durationMs / 1000).toFixed(1) + "s"].join("\t"));
    });' "$FIRST_ID")"
  IFS=$'\t' read -r EX_PENDING EX_PARTICIPANT EX_COURSE EX_PARTNER EX_OUTCOMES EX_SEEDED <<<"$EXAMPLE"
  NOW_UTC="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  AUTH="-H 'Authorization: Bearer $FIRST_TOKEN'"
  cat <<EOF

  Sandbox data (docs/sandbox.md; the same ids on every machine; lead providers: $EX_SEEDED), as $FIRST_NAME:
    # list applications (pending ones to accept or reject, cohorts 2023 to 2026)
    curl -s $AUTH $GATEWAY_URL/api/v3/npq-applications
    # accept a pending application of a capped cohort (funded_place is required there)
    curl -s -X POST $AUTH -H 'Content-Type: application/json' \\
      -d '{"data":{"type":"npq-application-accept","attributes":{"funded_place":true}}}' \\
      $GATEWAY_URL/api/v3/npq-applications/$EX_PENDING/accept
    # create a declaration (retained-1 for an active participant)
    curl -s -X POST $AUTH -H 'Content-Type: application/json' \\
      -d '{"data":{"type":"participant-declaration","attributes":{"participant_id":"$EX_PARTICIPANT","declaration_type":"retained-1","declaration_date":"$NOW_UTC","course_identifier":"$EX_COURSE","delivery_partner_id":"$EX_PARTNER"}}}' \\
      $GATEWAY_URL/api/v3/participant-declarations
    # list statements (open and paid)
    curl -s $AUTH $GATEWAY_URL/api/v3/statements
    # a participant's outcomes
    curl -s $AUTH $GATEWAY_URL/api/v3/participants/npq/$EX_OUTCOMES/outcomes
    # webhooks instead of polling (docs/webhooks.md): a receiver that prints what arrives, in another terminal
    node -e "require('http').createServer((q,s)=>{let b='';q.on('data',d=>b+=d).on('end',()=>{console.log(q.headers['webhook-id'],q.headers['webhook-signature'],b);s.end()})}).listen(9000,'127.0.0.1')"
    # subscribe it (http to a loopback address is allowed in the sandbox; keep the secret to verify signatures),
    # then accept the application above: its application.updated arrives signed within seconds
    curl -s -X POST $AUTH -H 'Content-Type: application/json' \\
      -d '{"data":{"type":"webhook-subscription","attributes":{"url":"http://127.0.0.1:9000/npq-webhooks","event_types":["application.updated","declaration.created"]}}}' \\
      $GATEWAY_URL/api/v3/webhook-subscriptions
    # put this provider's data back as seeded (admin)
    curl -s -X POST -H 'Authorization: Bearer $ADMIN_TOKEN' -H 'Content-Type: application/json' \\
      -d '{"data":{"type":"sandbox-reset","attributes":{"lead_provider_id":"$FIRST_ID"}}}' \\
      $GATEWAY_URL/admin/v1/sandbox/reset
EOF
fi
cat <<EOF

  Press Ctrl-C to stop.
EOF

# Stay in the foreground; if any process dies, show why and stop the others.
while :; do
  died=""
  status=0
  wait -n -p died "${PIDS[@]}" 2>/dev/null || status=$?
  [[ -n "$died" ]] || continue
  for i in "${!PIDS[@]}"; do
    [[ "${PIDS[$i]}" == "$died" ]] || continue
    warn "${NAMES[$i]} (pid $died) exited with status $status"
    show_log_tail "${NAMES[$i]}"
    unset 'PIDS[i]' 'NAMES[i]'
  done
  PIDS=("${PIDS[@]}")
  NAMES=("${NAMES[@]}")
  stop_children
  exit 1
done
