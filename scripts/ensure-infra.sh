#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and NATS (with JetStream) are reachable at the endpoints the platform is
# configured with (DATABASE_URL, REDIS_URL, NATS_URL; defaults as in packages/service-kit/src/config.ts).
#
# Idempotent. For each one: reachable -> nothing to do. Not reachable and the address is local -> install
# the Debian package if it is missing (root only), start it, and wait until it answers. Not reachable and
# remote -> fail with a clear message (we never start anything for a remote address).
#
# Needs only bash and coreutils: reachability is tested with bash's /dev/tcp (and pg_isready if present).
#   INFRA_TIMEOUT_S  seconds to wait for each service to answer after starting it (default 60)
#
#   --with-browser   also install Debian's Chromium (/usr/bin/chromium) when it is missing: the ops console's
#                    browser tests drive it through playwright-core (no browser download; scripts/test.sh
#                    passes this flag). CHROMIUM_PATH names another Chromium instead.
set -euo pipefail

WITH_BROWSER=false
for arg in "$@"; do
  case "$arg" in
    --with-browser) WITH_BROWSER=true ;;
    *)
      printf '[ensure-infra] ERROR: unknown argument %s (only --with-browser)\n' "$arg" >&2
      exit 2
      ;;
  esac
done

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/npq}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
INFRA_TIMEOUT_S="${INFRA_TIMEOUT_S:-60}"

log() { printf '[ensure-infra] %s\n' "$*" >&2; }
die() {
  printf '[ensure-infra] ERROR: %s\n' "$*" >&2
  exit 1
}

# Prints "host port" for a URL (scheme://[user[:pass]@]host[:port][/path][?query]); IPv6 in brackets.
# Only the first server of a comma-separated list (NATS_URL may hold several) is used.
endpoint() {
  local url="${1%%,*}" default_port="$2" rest host port
  rest="${url#*://}"
  rest="${rest%%/*}"
  rest="${rest%%\?*}"
  rest="${rest##*@}"
  if [[ "$rest" == \[* ]]; then
    host="${rest%%]*}"
    host="${host#[}"
    port="${rest#*]}"
    port="${port#:}"
  elif [[ "$rest" == *:* ]]; then
    host="${rest%%:*}"
    port="${rest##*:}"
  else
    host="$rest"
    port=""
  fi
  [[ -n "$host" ]] || host=127.0.0.1
  [[ -n "$port" ]] || port="$default_port"
  printf '%s %s\n' "$host" "$port"
}

is_local() {
  case "$1" in
    localhost | 127.* | ::1 | 0.0.0.0 | "$(hostname 2>/dev/null || echo localhost)") return 0 ;;
    *) return 1 ;;
  esac
}

tcp_open() { timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

postgres_ready() {
  tcp_open "$1" "$2" || return 1
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$1" -p "$2" -t 3 >/dev/null 2>&1 || return 1
  fi
}

redis_ready() {
  # A PING must be answered with +PONG (or -NOAUTH: reachable, password in REDIS_URL).
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ "$reply" == "+PONG"* || "$reply" == "-NOAUTH"* ]]' "$1" "$2" 2>/dev/null
}

# NATS greets every client with an INFO line; with JetStream enabled it contains "jetstream":true.
nats_info() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    printf "%s\n" "$line"' "$1" "$2" 2>/dev/null
}
nats_ready() { [[ "$(nats_info "$1" "$2")" == INFO* ]]; }

APT_UPDATED=false
apt_install() {
  local pkg="$1"
  if [[ "$(id -u)" != 0 ]]; then
    die "$pkg is not installed and this script is not running as root: install it with 'sudo apt-get install $pkg' (or run this script as root), or point the URL at a running server"
  fi
  command -v apt-get >/dev/null 2>&1 || die "$pkg is not installed and apt-get is not available: install $pkg yourself"
  if [[ "$APT_UPDATED" == false ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=true
  fi
  log "apt-get install $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2
}

wait_until() {
  local what="$1" check="$2" host="$3" port="$4" hint="$5" deadline=$((SECONDS + INFRA_TIMEOUT_S))
  until "$check" "$host" "$port"; do
    if ((SECONDS >= deadline)); then
      die "$what did not become reachable at $host:$port within ${INFRA_TIMEOUT_S}s. $hint"
    fi
    sleep 1
  done
  log "$what is up at $host:$port"
}

ensure_postgres() {
  local host port
  read -r host port < <(endpoint "$DATABASE_URL" 5432)
  if postgres_ready "$host" "$port"; then
    log "PostgreSQL is reachable at $host:$port"
    return
  fi
  is_local "$host" || die "PostgreSQL at $host:$port (DATABASE_URL) is not reachable, and it is not a local address, so it is not started here"
  local fresh=false
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    fresh=true
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  if [[ "$fresh" == true ]]; then
    # A fresh Debian cluster asks for passwords on TCP; the development default URL has none (trust, as on
    # the CI machines). Only done for a cluster this script has just installed.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if [[ -f "$hba" ]]; then
      log "fresh cluster: trust authentication for local TCP connections ($hba)"
      sed -i -E 's/^(host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\.0\.0\.1\/32|::1\/128)[[:space:]]+)[a-z0-9-]+/\1trust/' "$hba"
    fi
  fi
  log "starting PostgreSQL $version (cluster main)"
  if [[ "$(id -u)" == 0 ]]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || log "pg_ctlcluster returned non-zero (it may already be starting)"
  else
    pg_ctlcluster "$version" main start >&2 || die "could not start PostgreSQL as $(id -un): run as root, or start it yourself"
  fi
  wait_until PostgreSQL postgres_ready "$host" "$port" "Check /var/log/postgresql/postgresql-$version-main.log and that the cluster listens on port $port."
}

ensure_redis() {
  local host port
  read -r host port < <(endpoint "$REDIS_URL" 6379)
  if redis_ready "$host" "$port"; then
    log "Redis is reachable at $host:$port"
    return
  fi
  is_local "$host" || die "Redis at $host:$port (REDIS_URL) is not reachable, and it is not a local address, so it is not started here"
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  log "starting Redis on port $port"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2 ||
    die "could not start redis-server (see /var/log/redis/ci.log)"
  wait_until Redis redis_ready "$host" "$port" "See /var/log/redis/ci.log."
}

ensure_nats() {
  local host port info
  read -r host port < <(endpoint "$NATS_URL" 4222)
  if info="$(nats_info "$host" "$port")" && [[ "$info" == INFO* ]]; then
    if [[ "$info" != *'"jetstream":true'* ]]; then
      die "NATS at $host:$port is reachable but JetStream is not enabled: restart it with -js (e.g. nats-server -js -sd /var/lib/nats-server)"
    fi
    log "NATS (JetStream) is reachable at $host:$port"
    return
  fi
  is_local "$host" || die "NATS at $host:$port (NATS_URL) is not reachable, and it is not a local address, so it is not started here"
  command -v nats-server >/dev/null 2>&1 || [[ -x /usr/sbin/nats-server ]] || apt_install nats-server
  local bin
  bin="$(command -v nats-server || echo /usr/sbin/nats-server)"
  # The standard port uses the standard store; another port gets its own (two servers must not share one).
  local store=/var/lib/nats-server
  [[ "$port" == 4222 ]] || store="/var/lib/nats-server-$port"
  mkdir -p "$store" 2>/dev/null || true
  log "starting NATS with JetStream on port $port"
  # A pid file per port, so that a nats-server already running on another port does not count.
  start-stop-daemon --start --oknodo --background --pidfile "/run/nats-server-$port.pid" --make-pidfile --exec "$bin" -- \
    -a 127.0.0.1 -p "$port" -js -sd "$store" -l /var/log/nats-server.log >&2 ||
    die "could not start nats-server (see /var/log/nats-server.log)"
  wait_until NATS nats_ready "$host" "$port" "See /var/log/nats-server.log."
  [[ "$(nats_info "$host" "$port")" == *'"jetstream":true'* ]] ||
    die "NATS at $host:$port started without JetStream (another nats-server on that port?)"
}

# Debian's Chromium for the console's Playwright tests (test/console/): installed from Debian's packages only.
ensure_chromium() {
  local bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [[ -x "$bin" ]]; then
    log "Chromium is installed ($bin)"
    return
  fi
  [[ -z "${CHROMIUM_PATH:-}" ]] || die "CHROMIUM_PATH=$bin is not an executable"
  apt_install chromium
  [[ -x "$bin" ]] || die "apt-get installed chromium, but $bin is missing"
}

ensure_postgres
ensure_redis
ensure_nats
[[ "$WITH_BROWSER" == false ]] || ensure_chromium
