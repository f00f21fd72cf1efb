#!/usr/bin/env bash
# `podman kube play` smoke test of the rendered production manifests (infra/test-containers.sh step 5):
# every Deployment of `kubectl kustomize infra/k8s/overlays/production` runs with one replica, on the
# images just built, joined to the compose network (npq_default) whose PostgreSQL, Redis and NATS are
# already migrated and seeded; each pod must answer /health/ready on its probe port within 120 s.
# What podman cannot play is adapted, and only that: the Secret (from this run's variables), the images
# (localhost/…:local), container ports (podman would publish them on the host, where replicas collide).
# Usage: kube-smoke.sh WORKDIR   (needs the variables test-containers.sh exports)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$1"
cd "$ROOT"

kubectl kustomize infra/k8s/overlays/production >"$WORK/production.yaml"
RENDERED="$WORK/production.yaml" OUT="$WORK/kube.yaml" node --input-type=module -e "
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
const docs = parseAllDocuments(readFileSync(process.env.RENDERED, 'utf8')).map((d) => d.toJS()).filter(Boolean);
const config = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'npq-config');
const secret = {
  DATABASE_URL: 'postgres://postgres:' + process.env.POSTGRES_PASSWORD + '@postgres:5432/npq',
  NPQ_ADMIN_TOKEN: process.env.NPQ_ADMIN_TOKEN,
  INTERNAL_API_SECRET: process.env.INTERNAL_API_SECRET,
  TOKEN_HMAC_SECRET: process.env.TOKEN_HMAC_SECRET,
  DQT_API_KEY: process.env.DQT_API_KEY,
  CONSOLE_SESSION_SECRET: process.env.CONSOLE_SESSION_SECRET,
};
// A single NATS server here: the stream exists already (compose created it with one replica).
const env = { ...config.data, ...secret, NPQ_STREAM_REPLICAS: '1' };
const out = [];
for (const d of docs.filter((d) => d.kind === 'Deployment')) {
  d.spec.replicas = 1;
  for (const c of d.spec.template.spec.containers) {
    c.image = 'localhost/' + c.image.split('/').pop().replace(/^(gateway|applications|training|finance|webhooks|console)(:.*)?$/, 'npq-\$1') + ':local';
    delete c.envFrom;
    // The Deployment's own values win (the console's gateway URL, say); valueFrom references become values.
    const own = (c.env ?? []).map((e) => (e.valueFrom?.configMapKeyRef ? { name: e.name, value: String(env[e.valueFrom.configMapKeyRef.key]) } : e));
    c.env = [...Object.entries(env).filter(([name]) => !own.some((e) => e.name === name)).map(([name, value]) => ({ name, value: String(value) })), ...own];
    delete c.ports;
    delete c.lifecycle;
  }
  out.push(d);
}
writeFileSync(process.env.OUT, out.map((d) => stringify(d)).join('---\n'));
console.log('  ' + out.length + ' Deployments: ' + out.map((d) => d.metadata.name).join(', '));
"

podman kube play --network npq_default "$WORK/kube.yaml" >"$WORK/kube-play.log" 2>&1 || {
  cat "$WORK/kube-play.log"
  exit 1
}
status=0
for pod in $(podman pod ps --format '{{.Name}}' | grep -E '^(gateway|applications|training|finance|webhooks|console)(-worker)?-pod'); do
  ctr="$(podman ps -a --pod --format '{{.Names}} {{.PodName}}' | awk -v p="$pod" '$2 == p && $1 !~ /infra/ {print $1}' | head -n1)"
  envs="$(podman inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$ctr")"
  port="$(sed -n 's/^WORKER_HTTP_PORT=//p' <<<"$envs" | head -n1)"
  [[ -n "$port" ]] || port="$(sed -n 's/^HEALTH_PORT=//p' <<<"$envs" | head -n1)"
  deadline=$((SECONDS + 120))
  ready=1
  until podman exec "$ctr" node -e "fetch('http://127.0.0.1:$port/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "  $pod: not ready on :$port after 120 s"
      podman logs --tail 20 "$ctr" 2>&1 | cut -c1-300
      status=1
      ready=0
      break
    fi
    sleep 2
  done
  ((ready == 0)) || echo "  $pod ($ctr): ready on :$port"
done
podman kube down "$WORK/kube.yaml" >/dev/null 2>&1 || true
exit $status
