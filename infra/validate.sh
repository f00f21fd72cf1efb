#!/usr/bin/env bash
# Checks the container and deployment files without a cluster (CI runs it, in seconds):
#   1. `kubectl kustomize` renders infra/k8s/overlays/sandbox and production;
#   2. infra/check-deployment.mjs lints infra/Dockerfile (dockerfile-utils) and validates every rendered
#      object against the Kubernetes API schemas (kubernetes-models) and KEDA's (@kubernetes-models/keda),
#      plus the deployment rules it lists.
# That the images build and the system runs is infra/test-containers.sh's job (it also plays the rendered
# Deployments with `podman kube play`). Needs the root node_modules (pnpm install) and kubectl (Debian's
# kubernetes-client is installed when no kubectl is on the PATH).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

if ! command -v kubectl >/dev/null 2>&1; then
  echo "-- kubectl missing: apt-get install kubernetes-client"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null
fi

echo "-- kubectl kustomize infra/k8s/overlays/{sandbox,production}"
for overlay in sandbox production; do
  kubectl kustomize "infra/k8s/overlays/$overlay" >"$TMP/$overlay.yaml"
done

echo "-- Dockerfile lint (dockerfile-utils), schemas (kubernetes-models, @kubernetes-models/keda), deployment rules"
node infra/check-deployment.mjs "$TMP/sandbox.yaml" "$TMP/production.yaml"
echo "infra: all checks passed"
