# shellcheck shell=bash
# Sourced (not run) by scripts/start.sh, scripts/test.sh and .ci/run: makes `node` on PATH a supported
# Node.js (24 LTS) and `pnpm` the pinned version, for the rest of the calling script.
#
# - A machine whose Node.js is already 24 or later is left exactly as it is.
# - Otherwise the pinned Node 24 is fetched from the npm registry (the `node-linux-<arch>` package carries the
#   official binary and headers; Node's own download site may be unreachable), checked against the pinned
#   SHA-512, unpacked once under NPQ_NODE_HOME (default /opt/npq-node, or ~/.cache/npq-node when not root)
#   and put first on PATH. Nothing else on the machine changes: the system's node stays where it was.
# - pnpm: installed with npm when missing or not the pinned version; without npm, fetched the same way.
#
# Needs bash, curl (or wget), tar and sha512sum (coreutils).

NPQ_NODE_VERSION=24.22.3
NPQ_NODE_MAJOR=24
NPQ_PNPM_VERSION=12.4.2
# `dist.integrity` of each package version in the npm registry, pinned so a tampered download is refused.
declare -A NPQ_NODE_INTEGRITY=(
  [x64]='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
  [arm64]='sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=='
)
NPQ_PNPM_INTEGRITY='sha512-CK3GYTGAJ1x8ntraOdzwjJxhrU5+rzMKTzRh8QKw+QdCNFTRF/mOctR/7wYWBwZE17/8lzpqV/UJCm18NosHyQ=='
NPQ_REGISTRY="${npm_config_registry:-https://registry.npmjs.org}"
NPQ_REGISTRY="${NPQ_REGISTRY%/}"

_npq_node_log() { printf '[ensure-node] %s\n' "$*" >&2; }

_npq_node_die() {
  printf '[ensure-node] ERROR: %s\n' "$*" >&2
  return 1
}

# Downloads a registry tarball to $2 and checks it against the pinned `sha512-<base64>` integrity $3.
_npq_fetch_verified() {
  local url="$1" out="$2" integrity="$3" expected actual
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$out" "$url" || return 1
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$out" "$url" || return 1
  else
    _npq_node_die "neither curl nor wget is installed (apt-get install -y curl)"
    return 1
  fi
  expected="$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -tx1 -v | tr -d ' \n')"
  actual="$(sha512sum "$out" | cut -d' ' -f1)"
  [[ "$expected" == "$actual" ]] || {
    _npq_node_die "checksum mismatch for $url"
    return 1
  }
}

_npq_node_major() {
  command -v node >/dev/null 2>&1 || {
    echo 0
    return
  }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

npq_ensure_node() {
  if (($(_npq_node_major) >= NPQ_NODE_MAJOR)); then
    return 0
  fi
  local arch home dir tmp
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *)
      _npq_node_die "no pinned Node.js for $(uname -m): install Node.js $NPQ_NODE_MAJOR yourself"
      return 1
      ;;
  esac
  if [[ -n "${NPQ_NODE_HOME:-}" ]]; then
    home="$NPQ_NODE_HOME"
  elif [[ "$(id -u)" == 0 ]]; then
    home=/opt/npq-node
  else
    home="${XDG_CACHE_HOME:-$HOME/.cache}/npq-node"
  fi
  dir="$home/v$NPQ_NODE_VERSION-$arch"
  if [[ ! -x "$dir/bin/node" ]]; then
    _npq_node_log "Node.js $(node -v 2>/dev/null || echo '(none)') is older than $NPQ_NODE_MAJOR: installing Node.js $NPQ_NODE_VERSION into $dir"
    mkdir -p "$home" || return 1
    tmp="$(mktemp -d "$home/.download.XXXXXX")" || return 1
    _npq_fetch_verified "$NPQ_REGISTRY/node-linux-$arch/-/node-linux-$arch-$NPQ_NODE_VERSION.tgz" \
      "$tmp/node.tgz" "${NPQ_NODE_INTEGRITY[$arch]}" || {
      rm -rf "$tmp"
      return 1
    }
    mkdir -p "$tmp/unpacked" && tar -xzf "$tmp/node.tgz" -C "$tmp/unpacked" --strip-components=1 || {
      rm -rf "$tmp"
      return 1
    }
    # Renamed into place last, so an interrupted install never leaves a half-unpacked Node behind.
    rm -rf "$dir" && mv "$tmp/unpacked" "$dir" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  # node-gyp builds native addons against these headers instead of downloading them.
  export npm_config_nodedir="$dir"
  hash -r
  _npq_node_log "using Node.js $(node -v) from $dir"
}

npq_ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [[ "$(pnpm -v 2>/dev/null)" == "$NPQ_PNPM_VERSION" ]]; then
    return 0
  fi
  if command -v npm >/dev/null 2>&1; then
    _npq_node_log "installing pnpm $NPQ_PNPM_VERSION (npm install -g)"
    npm install -g "pnpm@$NPQ_PNPM_VERSION" >/dev/null && hash -r && return 0
  fi
  # No npm (or it failed): pnpm is plain JavaScript; fetch its package and run it with our Node.
  local dir="${NPQ_NODE_HOME:-${HOME:-/tmp}/.cache/npq-node}/pnpm-$NPQ_PNPM_VERSION" tmp
  if [[ ! -f "$dir/bin/pnpm.cjs" ]]; then
    mkdir -p "$(dirname "$dir")" || return 1
    tmp="$(mktemp -d "$(dirname "$dir")/.download.XXXXXX")" || return 1
    _npq_fetch_verified "$NPQ_REGISTRY/pnpm/-/pnpm-$NPQ_PNPM_VERSION.tgz" "$tmp/pnpm.tgz" "$NPQ_PNPM_INTEGRITY" || {
      rm -rf "$tmp"
      return 1
    }
    mkdir -p "$tmp/unpacked" && tar -xzf "$tmp/pnpm.tgz" -C "$tmp/unpacked" --strip-components=1 &&
      rm -rf "$dir" && mv "$tmp/unpacked" "$dir" && rm -rf "$tmp" || return 1
  fi
  mkdir -p "$dir/shim" &&
    printf '#!/usr/bin/env bash\nexec node "%s/bin/pnpm.cjs" "$@"\n' "$dir" >"$dir/shim/pnpm" &&
    chmod +x "$dir/shim/pnpm" || return 1
  export PATH="$dir/shim:$PATH"
  hash -r
}
