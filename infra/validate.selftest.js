#!/usr/bin/env node
/*
 * Proves that infra/validate.js catches what it claims to: each case copies the files it reads into a
 * scratch repository, breaks one thing, and expects validate.js to fail with a given message (or, for the
 * cases marked ok, to pass). Usage: node infra/validate.selftest.js
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { validate } = require('./validate');

const ROOT = path.join(__dirname, '..');
const SERVICES = ['gateway', 'applications', 'training', 'finance'];

function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npq-validate-'));
  const copy = (rel) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.cpSync(path.join(ROOT, rel), path.join(dir, rel), { recursive: true });
  };
  for (const f of [
    'README.md',
    '.ci/run',
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    '.dockerignore',
    'infra/Dockerfile',
    'infra/compose.yaml',
    'infra/k8s',
    'packages/service-kit/src/config.ts',
    'packages/contracts/openapi/openapi.yaml',
  ])
    copy(f);
  for (const svc of SERVICES) {
    for (const f of ['server', 'worker', 'db', 'seed'])
      if (fs.existsSync(path.join(ROOT, `services/${svc}/src/${f}.ts`))) copy(`services/${svc}/src/${f}.ts`);
  }
  return dir;
}

/** Replaces the first (or, with all, every) occurrence; fails the case if the text is not there. */
function edit(dir, rel, from, to, all = false) {
  const file = path.join(dir, rel);
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(from))
    throw new Error(`self-test setup: ${rel} does not contain ${JSON.stringify(from)}`);
  fs.writeFileSync(file, all ? text.split(from).join(to) : text.replace(from, to));
}

const DF = 'infra/Dockerfile';
const CO = 'infra/compose.yaml';
const cases = [
  ['the committed files pass', () => {}, null],
  ['runtime target runs as root', (d) => edit(d, DF, 'USER node', 'USER root'), 'runs as root'],
  ['runtime target has no USER', (d) => edit(d, DF, 'USER node\n', ''), 'root (no USER)'],
  [
    'unpinned base image',
    (d) => edit(d, DF, 'node:20.20.2-bookworm-slim', 'node:20-bookworm-slim'),
    'is not pinned',
  ],
  [
    'missing target',
    (d) => edit(d, DF, 'FROM runtime AS training', 'FROM runtime AS trainer'),
    'no target stage "training"',
  ],
  [
    'package install in a runtime target',
    (d) =>
      edit(
        d,
        DF,
        'COPY --from=build /out/gateway /app',
        'COPY --from=build /out/gateway /app\nRUN npm install',
      ),
    'installs packages at runtime',
  ],
  [
    'runtime target built on the build stage',
    (d) => edit(d, DF, 'FROM runtime AS finance', 'FROM build AS finance'),
    'derives from the build stage',
  ],
  [
    'runtime copies another service',
    (d) => edit(d, DF, 'COPY --from=build /out/training /app', 'COPY --from=build /out/finance /app'),
    'expected only the deploy tree /out/training',
  ],
  [
    'NODE_ENV not production',
    (d) => edit(d, DF, 'ENV NODE_ENV=production', 'ENV NODE_ENV=development'),
    'NODE_ENV is not production',
  ],
  [
    'no HEALTHCHECK',
    (d) =>
      edit(
        d,
        DF,
        'HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \\\n  CMD ["node", "-e", "fetch(\'http://127.0.0.1:\'+(process.env.GATEWAY_PORT||3000)',
        'LABEL x=y\nRUN ["node", "-e", "fetch(\'http://127.0.0.1:\'+(process.env.GATEWAY_PORT||3000)',
      ),
    'target gateway: no HEALTHCHECK',
  ],
  [
    'shell-form CMD',
    (d) => edit(d, DF, 'CMD ["node", "dist/server.js"]', 'CMD node dist/server.js'),
    'default CMD must be the exec form',
  ],
  [
    'pnpm version differs from packageManager',
    (d) => edit(d, DF, 'ARG PNPM_VERSION=12.4.2', 'ARG PNPM_VERSION=9.0.0'),
    'does not install pnpm',
  ],
  [
    '.dockerignore drops the sources',
    (d) => fs.appendFileSync(path.join(d, '.dockerignore'), 'packages\n'),
    'excludes packages',
  ],
  [
    '.dockerignore keeps node_modules',
    (d) => edit(d, '.dockerignore', '**/node_modules\n', ''),
    'does not exclude node_modules',
  ],
  [
    'compose: unknown build target',
    (d) =>
      edit(
        d,
        CO,
        "target: finance }\n    image: npq-finance:${IMAGE_TAG:-local}\n    command: ['node', 'dist/worker.js']",
        "target: financ }\n    image: npq-finance:${IMAGE_TAG:-local}\n    command: ['node', 'dist/worker.js']",
      ),
    'is not a Dockerfile target',
  ],
  [
    'compose: misspelt variable',
    (d) => edit(d, CO, 'RATE_LIMIT_MAX:', 'RATE_LIMT_MAX:'),
    'RATE_LIMT_MAX is not a variable of config.ts',
  ],
  [
    'compose: secret with a default',
    (d) =>
      edit(
        d,
        CO,
        '${TOKEN_HMAC_SECRET:?set TOKEN_HMAC_SECRET}',
        '${TOKEN_HMAC_SECRET:-dev-token-hmac-secret}',
      ),
    'TOKEN_HMAC_SECRET must be required',
  ],
  ['compose: sandbox on', (d) => edit(d, CO, "SANDBOX: 'false'", "SANDBOX: 'true'"), 'SANDBOX must be false'],
  [
    'compose: wrong service port',
    (d) => edit(d, CO, 'TRAINING_URL: http://training:3002', 'TRAINING_URL: http://training:3005'),
    'uses port 3005',
  ],
  [
    'compose: URL to a missing host',
    (d) => edit(d, CO, 'FINANCE_URL: http://finance:3003', 'FINANCE_URL: http://finance-api:3003'),
    'not a compose service',
  ],
  [
    'compose: NATS without JetStream',
    (d) => edit(d, CO, "command: ['-js', ", 'command: ['),
    'NATS without JetStream',
  ],
  [
    'compose: worker runs a file that is not built',
    (d) => edit(d, CO, "command: ['node', 'dist/worker.js']", "command: ['node', 'dist/workers.js']"),
    'unexpected command',
  ],
  [
    'compose: missing worker',
    (d) =>
      edit(
        d,
        CO,
        "target: training }\n    image: npq-training:${IMAGE_TAG:-local}\n    command: ['node', 'dist/worker.js']",
        "target: training }\n    image: npq-training:${IMAGE_TAG:-local}\n    command: ['node', 'dist/server.js']",
      ),
    'runs the training worker',
  ],
  [
    'compose: seed before a migration',
    (d) => edit(d, CO, '      migrate-finance:\n        condition: service_completed_successfully\n', ''),
    'does not wait for migrate-finance',
  ],
  [
    'compose: dependency on nothing',
    (d) =>
      edit(
        d,
        CO,
        '      seed-gateway:\n        condition: service_completed_successfully',
        '      seed-gatewy:\n        condition: service_completed_successfully',
      ),
    'depends_on seed-gatewy, which does not exist',
  ],
  [
    'compose: healthy wait on a worker',
    (d) =>
      edit(
        d,
        CO,
        '      finance:\n        condition: service_healthy',
        '      finance-worker:\n        condition: service_healthy',
      ),
    'has no health check',
  ],
  [
    'compose: duplicate key',
    (d) =>
      edit(
        d,
        CO,
        '  REDIS_URL: redis://redis:6379',
        '  REDIS_URL: redis://redis:6379\n  REDIS_URL: redis://redis:6380',
      ),
    'Map keys must be unique',
  ],
  [
    'k8s: service links on',
    (d) => edit(d, 'infra/k8s/finance.yaml', 'enableServiceLinks: false', 'enableServiceLinks: true'),
    'enableServiceLinks must be false',
  ],
  [
    'k8s: service links unset in the Job',
    (d) => edit(d, 'infra/k8s/migrate-job.yaml', 'enableServiceLinks: false', 'hostNetwork: false'),
    'Job npq-migrate: enableServiceLinks must be false',
  ],
  [
    'k8s: readiness on the wrong path',
    (d) => edit(d, 'infra/k8s/gateway.yaml', 'path: /health/ready', 'path: /healthz'),
    'readinessProbe must GET /health/ready',
  ],
  [
    'k8s: no liveness probe',
    (d) => edit(d, 'infra/k8s/training.yaml', 'livenessProbe:', 'livenesProbe:'),
    'livenessProbe must GET /health/live',
  ],
  [
    'k8s: container port differs from the config',
    (d) => edit(d, 'infra/k8s/applications.yaml', 'containerPort: 3001', 'containerPort: 8080'),
    'containerPort 3001',
  ],
  [
    'k8s: Service selects nothing',
    (d) =>
      edit(
        d,
        'infra/k8s/finance.yaml',
        'spec:\n  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: finance',
        'spec:\n  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: finance-api',
      ),
    'selector matches 0 Deployments',
  ],
  [
    'k8s: misspelt ConfigMap key',
    (d) => edit(d, 'infra/k8s/configmap.yaml', 'RATE_LIMIT_MAX:', 'RATE_LIMIT_MAXX:'),
    'RATE_LIMIT_MAXX is not a variable',
  ],
  [
    'k8s: secret in the ConfigMap',
    (d) => edit(d, 'infra/k8s/configmap.yaml', '  LOG_LEVEL: info', '  LOG_LEVEL: info\n  DQT_API_KEY: oops'),
    'DQT_API_KEY is a secret',
  ],
  [
    'k8s: unknown Secret',
    (d) => edit(d, 'infra/k8s/gateway.yaml', 'name: npq-secrets', 'name: npq-secret'),
    'Secret npq-secret is neither defined',
  ],
  [
    'k8s: missing resource requests',
    (d) =>
      edit(
        d,
        'infra/k8s/training.yaml',
        '            requests:\n              cpu: 50m\n',
        '            requests:\n',
      ),
    'resources.requests.cpu and .memory are required',
  ],
  [
    'k8s: worker replaced by a second server',
    (d) =>
      edit(
        d,
        'infra/k8s/finance.yaml',
        "command: ['node', 'dist/worker.js']",
        "command: ['node', 'dist/server.js']",
      ),
    'runs the finance worker',
  ],
  [
    'k8s: file not in the kustomization',
    (d) =>
      fs.writeFileSync(
        path.join(d, 'infra/k8s/extra.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n',
      ),
    'extra.yaml is not listed',
  ],
  [
    'k8s: seed before the migrations',
    (d) =>
      edit(
        d,
        'infra/k8s/migrate-job.yaml',
        '        - name: migrate-finance',
        '        - name: seed-early\n          image: npq-gateway\n          command: ["sh", "-c", "if [ -f dist/seed.js ]; then node dist/seed.js; fi"]\n          resources: {requests: {cpu: 10m, memory: 64Mi}}\n          envFrom: [{configMapRef: {name: npq-config}}, {secretRef: {name: npq-secrets}}]\n        - name: migrate-finance',
      ),
    'a seed runs before every migration is done',
  ],
  [
    'README: a variable without a row',
    (d) => edit(d, 'README.md', '| `OUTBOX_POLL_MS` |', '| OUTBOX_POLL |'),
    'no row for OUTBOX_POLL_MS',
  ],
  [
    'README: a third Set-up command',
    (d) => edit(d, 'README.md', 'bash scripts/test.sh\n', 'bash scripts/test.sh\npnpm bench\n'),
    'exactly two commands',
  ],
  [
    'CI runs another test command',
    (d) => edit(d, '.ci/run', '\nbash scripts/test.sh\n', '\npnpm test\n'),
    "does not run the README's test command",
  ],
  [
    'a new worker in the code must be deployed',
    (d) => fs.writeFileSync(path.join(d, 'services/gateway/src/worker.ts'), ''),
    'runs the gateway worker',
  ],
  [
    'a new seed in the code needs no manifest change (ok)',
    (d) => fs.writeFileSync(path.join(d, 'services/finance/src/seed.ts'), ''),
    null,
  ],
];

let failed = 0;
for (const [name, mutate, expected] of cases) {
  const dir = scratch();
  let verdict;
  try {
    mutate(dir);
    const { errors } = validate(dir);
    const out = errors.join('\n');
    if (expected === null) verdict = errors.length === 0 ? null : `expected success, got:\n${out}`;
    else if (errors.length === 0) verdict = `expected failure with "${expected}", but validation passed`;
    else if (!out.includes(expected)) verdict = `expected "${expected}" in:\n${out}`;
  } catch (err) {
    verdict = String(err.message);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (verdict) {
    failed++;
    console.error(`  FAIL ${name}: ${verdict}`);
  }
}
console.log(`  self-test: ${cases.length - failed} of ${cases.length} cases behave as expected`);
process.exit(failed ? 1 : 0);
