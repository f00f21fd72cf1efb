#!/usr/bin/env bash
# Validates the container and deployment files without a Docker daemon or a Kubernetes cluster (CI runs it):
#   1. infra/validate.js: Dockerfile, compose.yaml and infra/k8s checked against each other and against the
#      code (config variables, ports, built entry points, every process deployed, non-root, pinned bases,
#      production secrets required, enableServiceLinks: false, probes, ...);
#   2. infra/validate.selftest.js: proves those checks fail on 40-odd deliberately broken copies;
#   3. `kubectl kustomize infra/k8s` (offline) and the same checks on its output;
#   4. with pinned npm tools (installed once into a cache directory; skipped with a warning if the npm
#      registry cannot be reached): dockerfile-utils lints the Dockerfile, and kubernetes-models checks every
#      rendered object against the Kubernetes API schemas.
# Needs Node and the root node_modules (pnpm install). Takes a few seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
node -e "require('yaml')" 2>/dev/null || {
  echo "infra/validate.sh: the yaml package is missing: run pnpm install first" >&2
  exit 1
}
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "-- consistency checks (infra/validate.js)"
node infra/validate.js
echo "-- self-test of the checks (infra/validate.selftest.js)"
node infra/validate.selftest.js

RENDERED=""
if command -v kubectl >/dev/null 2>&1; then
  echo "-- kubectl kustomize infra/k8s"
  kubectl kustomize infra/k8s >"$TMP/k8s.yaml"
  VALIDATE_K8S_RENDERED="$TMP/k8s.yaml" node infra/validate.js | tail -n 1
  RENDERED="$TMP/k8s.yaml"
else
  echo "-- kubectl not installed: the kustomization is checked as raw files only"
fi

echo "-- schema checks (dockerfile-utils, kubernetes-models)"
TOOLS_VERSION="dockerfile-utils@0.16.3 kubernetes-models@4.5.1"
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/npq-infra-validate/$(printf '%s' "$TOOLS_VERSION" | cksum | cut -d' ' -f1)"
if [[ ! -f "$TOOLS/ready" ]]; then
  mkdir -p "$TOOLS"
  # shellcheck disable=SC2086
  if timeout 120 npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --loglevel=error $TOOLS_VERSION >"$TMP/npm.log" 2>&1; then
    touch "$TOOLS/ready"
  else
    echo "WARNING: could not install $TOOLS_VERSION from the npm registry; schema checks skipped" >&2
    tail -n 5 "$TMP/npm.log" >&2
    exit 0
  fi
fi
[[ -n "$RENDERED" ]] || {
  for f in $(node -e "console.log(require('yaml').parse(require('fs').readFileSync('infra/k8s/kustomization.yaml','utf8')).resources.join(' '))"); do
    cat "infra/k8s/$f"
    printf '\n---\n'
  done >"$TMP/k8s.yaml"
  RENDERED="$TMP/k8s.yaml"
}
TOOLS="$TOOLS" RENDERED="$RENDERED" node - <<'JS'
const path = require('node:path');
const fs = require('node:fs');
const YAML = require('yaml');
const tools = (m) => require(path.join(process.env.TOOLS, 'node_modules', m));
let problems = 0;

const { validate: lintDockerfile } = tools('dockerfile-utils');
for (const d of lintDockerfile(fs.readFileSync('infra/Dockerfile', 'utf8'))) {
  problems++;
  console.error(`  infra/Dockerfile:${d.range.start.line + 1}: ${d.message}`);
}

const MODELS = {
  'v1/ConfigMap': 'v1/ConfigMap', 'v1/Secret': 'v1/Secret', 'v1/Service': 'v1/Service',
  'apps/v1/Deployment': 'apps/v1/Deployment', 'batch/v1/Job': 'batch/v1/Job', 'batch/v1/CronJob': 'batch/v1/CronJob',
};
let objects = 0;
for (const doc of YAML.parseAllDocuments(fs.readFileSync(process.env.RENDERED, 'utf8'))) {
  const o = doc.toJS();
  if (!o) continue;
  objects++;
  const key = `${o.apiVersion}/${o.kind}`;
  if (!MODELS[key]) {
    problems++;
    console.error(`  ${key} ${o.metadata && o.metadata.name}: no schema known here (add it to infra/validate.sh)`);
    continue;
  }
  const Model = tools(`kubernetes-models/${MODELS[key]}`)[o.kind];
  try {
    new Model(o).validate();
  } catch (err) {
    problems++;
    console.error(`  ${key} ${o.metadata.name}: ${String(err.message).split('\n').slice(0, 5).join('; ')}`);
  }
}
if (problems) {
  console.error(`  ${problems} schema problem(s)`);
  process.exit(1);
}
console.log(`  Dockerfile lint clean; ${objects} Kubernetes objects match the API schemas`);
JS
echo "infra: all checks passed"
