# shellcheck shell=bash
# Sourced by infra/test-containers.sh. Makes podman usable on this machine kind (root, Debian bookworm, no image
# registry reachable) and builds the base images infra/Dockerfile starts FROM, once (cached in podman's store):
#   localhost/debian-base:bookworm      debootstrap --variant=minbase, plus ca-certificates and tini
#   localhost/npq-node:24.22.3          + the host's Node 24 binary, user node (uid 1000)        (runtime stages)
#   localhost/npq-node-build:24.22.3    + pnpm and the host CA bundle (NODE_EXTRA_CA_CERTS)      (build stage)
# Every step is idempotent: a second run only checks.

NPQ_NODE_VERSION="${NPQ_NODE_VERSION:-24.22.3}"
NPQ_NODE_DIR="${NPQ_NODE_DIR:-/opt/npq-node/v${NPQ_NODE_VERSION}-x64}"
NPQ_BASE_IMAGE=localhost/debian-base:bookworm
NPQ_NODE_IMAGE="localhost/npq-node:${NPQ_NODE_VERSION}"
NPQ_NODE_BUILD_IMAGE="localhost/npq-node-build:${NPQ_NODE_VERSION}"

_log() { printf '[containers] %s\n' "$*" >&2; }

npq_ensure_podman_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v podman-compose >/dev/null || missing+=(podman-compose)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v catatonit >/dev/null || [[ -x /usr/libexec/podman/catatonit ]] || missing+=(catatonit)
  if ((${#missing[@]})); then
    _log "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      podman runc debootstrap podman-compose netavark aardvark-dns iptables catatonit slirp4netns uidmap fuse-overlayfs >/dev/null
  fi
  # crun fails on this kind of machine (hybrid cgroups, restricted rlimits): runc, and ulimits no higher than
  # the hard limits the sandbox allows. netavark (with aardvark-dns) gives compose networks service-name DNS;
  # Debian's podman would otherwise pick CNI, whose plugins are not installed.
  local n
  n="$(ulimit -Hn)"
  local want
  want="$(printf '[engine]\nruntime = "runc"\n\n[network]\nnetwork_backend = "netavark"\n\n[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=32768:32768"]\n' "$n" "$n")"
  if [[ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$want" ]]; then
    mkdir -p /etc/containers
    [[ ! -f /etc/containers/containers.conf ]] || cp /etc/containers/containers.conf /etc/containers/containers.conf.npq-bak
    printf '%s\n' "$want" >/etc/containers/containers.conf
    _log "wrote /etc/containers/containers.conf (runtime runc, nofile=$n)"
  fi
}

# The Debian mirror this machine's apt uses (read at run time, never written into the repo).
_npq_apt_mirror() {
  local m
  m="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)"
  [[ -n "$m" ]] || m="$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)"
  [[ -n "$m" ]] || {
    _log "no Debian mirror found in the apt sources"
    return 1
  }
  printf '%s' "$m"
}

npq_ensure_base_images() {
  local work
  if ! podman image exists "$NPQ_BASE_IMAGE"; then
    local mirror rootfs
    mirror="$(_npq_apt_mirror)"
    rootfs="$(mktemp -d /var/tmp/npq-rootfs.XXXXXX)"
    _log "debootstrap bookworm (minbase, from the apt mirror) -> $NPQ_BASE_IMAGE"
    debootstrap --variant=minbase --include=ca-certificates,tini bookworm "$rootfs" "$mirror" >/var/tmp/npq-debootstrap.log 2>&1 || {
      tail -n 20 /var/tmp/npq-debootstrap.log >&2
      return 1
    }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import -q - "$NPQ_BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
  fi
  if ! podman image exists "$NPQ_NODE_IMAGE"; then
    _log "building $NPQ_NODE_IMAGE (host Node binary)"
    work="$(mktemp -d)"
    cp "$NPQ_NODE_DIR/bin/node" "$work/node"
    cat >"$work/Containerfile" <<CF
FROM $NPQ_BASE_IMAGE
COPY node /usr/local/bin/node
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/sh --create-home node \
 && node --version
ENV NODE_VERSION=$NPQ_NODE_VERSION
CMD ["node"]
CF
    podman build -q -t "$NPQ_NODE_IMAGE" "$work" >/dev/null
    rm -rf "$work"
  fi
  if ! podman image exists "$NPQ_NODE_BUILD_IMAGE"; then
    _log "building $NPQ_NODE_BUILD_IMAGE (pnpm, host CA bundle)"
    work="$(mktemp -d)"
    cp -r "$NPQ_NODE_DIR/lib/node_modules/pnpm" "$work/pnpm"
    cp /etc/ssl/certs/ca-certificates.crt "$work/ca-certificates.crt"
    cat >"$work/Containerfile" <<CF
FROM $NPQ_NODE_IMAGE
COPY pnpm /usr/local/lib/node_modules/pnpm
COPY ca-certificates.crt /usr/local/share/npq-ca-certificates.crt
RUN ln -s ../lib/node_modules/pnpm/pnpm /usr/local/bin/pnpm && pnpm --version
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/npq-ca-certificates.crt
CF
    podman build -q -t "$NPQ_NODE_BUILD_IMAGE" "$work" >/dev/null
    rm -rf "$work"
  fi
}

NPQ_BACKING_IMAGE=localhost/npq-backing:bookworm

# PostgreSQL, Redis and NATS for the compose test (infra/containers/backing.Containerfile).
npq_ensure_backing_image() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  podman image exists "$NPQ_BACKING_IMAGE" && return 0
  _log "building $NPQ_BACKING_IMAGE (postgresql-15, redis-server, nats-server from Debian)"
  podman build -q -f "$dir/backing.Containerfile" -t "$NPQ_BACKING_IMAGE" "$dir" >/dev/null
}
