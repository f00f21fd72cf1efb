#!/usr/bin/env node
/*
 * Validates infra/Dockerfile, infra/compose.yaml and infra/k8s/ without a Docker daemon or a cluster,
 * against each other and against the code they run:
 *   - the configuration schema (packages/service-kit/src/config.ts): every variable set anywhere must be one
 *     the services accept, production secrets must be required, ports must agree;
 *   - the services (services/<svc>/src/{server,worker,db,seed}.ts): every command must run a file that is
 *     built, every process (gateway, three services, three workers, migrations, seeds) must be deployed.
 * Usage: node infra/validate.js [repository root]   (needs the `yaml` package of the root node_modules)
 * Optional: VALIDATE_K8S_RENDERED=<file> validates that multi-document YAML (kubectl kustomize output)
 * instead of the raw files of infra/k8s.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const SERVICES = ['gateway', 'applications', 'training', 'finance'];
const EXTERNAL_SECRETS = new Set(['npq-secrets']); // created by operators, never committed
const OWNED_PREFIXES = ['NPQ_', 'RATE_LIMIT_', 'DQT_', 'GATEWAY_', 'OUTBOX_', 'READ_YOUR_WRITES_'];

/**
 * Checks the infrastructure files of the repository at `ROOT`; `rendered` is an optional path to the
 * `kubectl kustomize` output to check instead of the raw files of infra/k8s. Returns the problems found.
 */
function validate(ROOT, rendered) {
  const errors = [];
  const notes = [];
  let section = '';
  function fail(msg) {
    errors.push(`[${section}] ${msg}`);
  }
  function check(cond, msg) {
    if (!cond) fail(msg);
    return Boolean(cond);
  }
  function exists(rel) {
    return fs.existsSync(path.join(ROOT, rel));
  }
  function read(rel) {
    return fs.readFileSync(path.join(ROOT, rel), 'utf8');
  }
  const WORKER_SERVICES = SERVICES.filter((s) => exists(`services/${s}/src/worker.ts`));

  // ---------------------------------------------------------------------------------------------------------
  // The configuration schema: variable names, defaults of the ports, the secrets production requires.
  section = 'config';
  const configSrc = read('packages/service-kit/src/config.ts');
  const objectBody = (configSrc.match(/z\s*\.object\(\{([\s\S]*?)\n\s*\}\)/) || [])[1] || '';
  const CONFIG_KEYS = new Set([...objectBody.matchAll(/^\s*([A-Z][A-Z0-9_]+)\s*:/gm)].map((m) => m[1]));
  const PORT_DEFAULTS = {};
  for (const m of objectBody.matchAll(/^\s*([A-Z_]+_PORT)\s*:\s*port\.default\((\d+)\)/gm))
    PORT_DEFAULTS[m[1]] = Number(m[2]);
  const SECRETS = [...objectBody.matchAll(/^\s*([A-Z][A-Z0-9_]+)\s*:.*\.default\(DEV_[A-Z_]+\)/gm)].map(
    (m) => m[1],
  );
  check(
    CONFIG_KEYS.size >= 10,
    `could not read the variables of packages/service-kit/src/config.ts (found ${CONFIG_KEYS.size})`,
  );
  check(
    SECRETS.length >= 3,
    `could not find the secrets (DEV_ defaults) in config.ts (found ${SECRETS.join(', ')})`,
  );
  const SERVICE_PORT_VAR = {
    gateway: 'GATEWAY_PORT',
    applications: 'APPLICATIONS_PORT',
    training: 'TRAINING_PORT',
    finance: 'FINANCE_PORT',
  };
  for (const [svc, v] of Object.entries(SERVICE_PORT_VAR))
    check(PORT_DEFAULTS[v], `config.ts has no default for ${v} (${svc})`);
  notes.push(`config.ts: ${CONFIG_KEYS.size} variables, secrets ${SECRETS.join(', ')}`);

  function checkEnvName(name, where) {
    if (CONFIG_KEYS.has(name)) return;
    if (OWNED_PREFIXES.some((p) => name.startsWith(p)))
      fail(`${where}: ${name} is not a variable of config.ts (the services refuse to start with it)`);
    else fail(`${where}: ${name} is not a variable of config.ts (nothing reads it)`);
  }

  /** What a process command runs: {kind: server|worker|migrate|seed, file} or null. */
  function classifyCommand(cmd) {
    if (!Array.isArray(cmd)) return null;
    const line = cmd.join(' ');
    if (/^node dist\/server\.js$/.test(line)) return { kind: 'server', file: 'server' };
    if (/^node dist\/worker\.js$/.test(line)) return { kind: 'worker', file: 'worker' };
    if (/^node dist\/db\.js migrate$/.test(line)) return { kind: 'migrate', file: 'db' };
    if (/^node dist\/seed\.js$/.test(line)) return { kind: 'seed', file: 'seed' };
    if (
      cmd[0] === 'sh' &&
      cmd[1] === '-c' &&
      /^if \[ -f dist\/seed\.js \]; then node dist\/seed\.js; fi$/.test(cmd[2] || '')
    )
      return { kind: 'seed', file: 'seed', optional: true };
    return null;
  }
  function checkCommandRunsBuiltFile(svc, cmd, where) {
    const c = classifyCommand(cmd);
    if (
      !check(
        c,
        `${where}: unexpected command ${JSON.stringify(cmd)} (expected node dist/server.js, dist/worker.js, dist/db.js migrate or the seed)`,
      )
    )
      return null;
    if (!c.optional)
      check(
        exists(`services/${svc}/src/${c.file}.ts`),
        `${where}: runs dist/${c.file}.js but services/${svc}/src/${c.file}.ts does not exist`,
      );
    return c;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Dockerfile
  section = 'Dockerfile';
  const dockerfile = read('infra/Dockerfile');
  const instructions = [];
  {
    let buf = '';
    let startLine = 0;
    dockerfile.split('\n').forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (buf === '' && /^\s*(#|$)/.test(line)) return;
      if (buf !== '' && /^\s*#/.test(line)) return; // comment inside a continuation
      if (buf === '') startLine = i + 1;
      if (/\\\s*$/.test(line)) {
        buf += line.replace(/\\\s*$/, ' ');
        return;
      }
      buf += line;
      const m = buf.trim().match(/^([A-Za-z]+)\s*([\s\S]*)$/);
      if (m) instructions.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: startLine });
      buf = '';
    });
    check(buf === '', 'ends inside a line continuation');
  }
  const KNOWN_OPS = new Set([
    'FROM',
    'RUN',
    'CMD',
    'LABEL',
    'EXPOSE',
    'ENV',
    'ADD',
    'COPY',
    'ENTRYPOINT',
    'VOLUME',
    'USER',
    'WORKDIR',
    'ARG',
    'ONBUILD',
    'STOPSIGNAL',
    'HEALTHCHECK',
    'SHELL',
  ]);
  const globalArgs = {};
  const stages = [];
  for (const ins of instructions) {
    check(KNOWN_OPS.has(ins.op), `line ${ins.line}: unknown instruction ${ins.op}`);
    if (ins.op === 'FROM') {
      const m = ins.args.match(/^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i);
      if (!check(m, `line ${ins.line}: cannot parse FROM ${ins.args}`)) continue;
      const image = m[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v) =>
        v in globalArgs ? globalArgs[v] : `<unset ${v}>`,
      );
      stages.push({ name: m[2] || `#${stages.length}`, from: image, line: ins.line, ins: [] });
    } else if (stages.length === 0) {
      if (check(ins.op === 'ARG', `line ${ins.line}: ${ins.op} before the first FROM`)) {
        const [k, ...v] = ins.args.split('=');
        globalArgs[k.trim()] = v.join('=').trim();
      }
    } else {
      stages[stages.length - 1].ins.push(ins);
    }
  }
  const stageByName = new Map();
  for (const s of stages) {
    check(!stageByName.has(s.name), `stage ${s.name} is defined twice`);
    stageByName.set(s.name, s);
  }
  const TARGETS = SERVICES.filter((svc) => check(stageByName.has(svc), `no target stage "${svc}"`));
  function chain(stage) {
    const out = [];
    for (let s = stage; s; s = stageByName.get(s.from)) {
      if (out.includes(s)) {
        fail(`stage ${s.name} derives from itself`);
        break;
      }
      out.unshift(s);
    }
    return out; // base first
  }
  function parseExecForm(args) {
    try {
      const v = JSON.parse(args);
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
    } catch {
      return null;
    }
  }
  const rootPkg = JSON.parse(read('package.json'));
  const pnpmVersion = (rootPkg.packageManager || '').replace(/^pnpm@/, '');
  for (const s of stages) {
    if (stageByName.has(s.from)) continue;
    const m = s.from.match(/^([a-z0-9./_-]+)(?::([\w.-]+))?(@sha256:[a-f0-9]{64})?$/);
    if (!check(m, `stage ${s.name}: cannot parse base image ${s.from}`)) continue;
    const [, repo, tag, digest] = m;
    check(
      digest || (tag && tag !== 'latest' && /\d+\.\d+\.\d+/.test(tag)),
      `stage ${s.name}: base image ${s.from} is not pinned (use an exact version tag or a digest)`,
    );
    if (repo === 'node' && tag) {
      const [maj, min] = tag.split(/[.-]/).map(Number);
      check(
        maj > 20 || (maj === 20 && min >= 19),
        `stage ${s.name}: ${s.from} does not satisfy engines.node ${rootPkg.engines && rootPkg.engines.node}`,
      );
    }
  }
  // The build stage: the stage the runtime targets copy from.
  const buildNames = new Set();
  for (const t of TARGETS) {
    for (const s of chain(stageByName.get(t))) {
      for (const ins of s.ins) {
        const m = ins.op === 'COPY' && ins.args.match(/--from=(\S+)/);
        if (m) buildNames.add(m[1]);
      }
    }
  }
  check(
    buildNames.size === 1,
    `the runtime targets should copy from one build stage (found: ${[...buildNames].join(', ') || 'none'})`,
  );
  const buildStage = stageByName.get([...buildNames][0]);
  if (check(buildStage, `build stage ${[...buildNames][0]} does not exist`)) {
    const runs = chain(buildStage).flatMap((s) => s.ins.filter((i) => i.op === 'RUN').map((i) => i.args));
    const all = runs.join('\n');
    check(
      (pnpmVersion && all.includes(`pnpm@${pnpmVersion}`)) ||
        (/pnpm@\$\{?PNPM_VERSION/.test(all) && dockerfile.includes(`PNPM_VERSION=${pnpmVersion}`)),
      `build stage: does not install pnpm ${pnpmVersion} (package.json packageManager)`,
    );
    check(
      /pnpm install [^\n]*--frozen-lockfile/.test(all),
      'build stage: no `pnpm install --frozen-lockfile`',
    );
    check(/pnpm build\b/.test(all), 'build stage: no `pnpm build`');
    check(/pnpm deploy [^\n]*--prod/.test(all), 'build stage: no `pnpm deploy … --prod`');
    for (const svc of SERVICES) {
      check(
        all.includes(`@npq/${svc}`) ||
          (/for svc in [^;]*\b/.test(all) && new RegExp(`for svc in [^;]*\\b${svc}\\b`).test(all)),
        `build stage: no pnpm deploy of @npq/${svc}`,
      );
    }
    for (const ins of buildStage.ins.filter((i) => i.op === 'COPY' && !/--from/.test(i.args))) {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) {
        if (src !== '.')
          check(exists(src), `line ${ins.line}: COPY ${src}: no such file in the build context`);
      }
    }
  }
  for (const t of TARGETS) {
    const c = chain(stageByName.get(t));
    check(
      !c.includes(buildStage),
      `target ${t}: derives from the build stage (dev dependencies and sources would ship)`,
    );
    const ins = c.flatMap((s) => s.ins);
    const users = ins.filter((i) => i.op === 'USER').map((i) => i.args.split(':')[0]);
    const user = users[users.length - 1];
    check(
      user && !['root', '0'].includes(user),
      `target ${t}: runs as ${user || 'root (no USER)'}; must be a non-root user`,
    );
    const env = {};
    for (const i of ins.filter((x) => x.op === 'ENV')) {
      for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g))
        env[m[1]] = m[2].replace(/^"|"$/g, '');
    }
    check(env.NODE_ENV === 'production', `target ${t}: NODE_ENV is not production`);
    for (const k of Object.keys(env)) if (k !== 'NODE_ENV') checkEnvName(k, `target ${t} ENV`);
    for (const i of ins.filter((x) => x.op === 'RUN')) {
      check(
        !/\b(npm (install|i|ci)|pnpm (install|add|i)|yarn( install| add)?|apt-get install)\b/.test(i.args),
        `target ${t} line ${i.line}: installs packages at runtime (${i.args.slice(0, 60)}); production dependencies come from pnpm deploy`,
      );
    }
    const copies = ins.filter((i) => i.op === 'COPY' || i.op === 'ADD');
    for (const i of copies) {
      const m = i.args.match(/--from=\S+\s+(\S+)/);
      check(
        m && m[1].replace(/\/$/, '') === `/out/${t}`,
        `target ${t} line ${i.line}: copies ${i.args}; expected only the deploy tree /out/${t}`,
      );
    }
    check(copies.length > 0, `target ${t}: copies no application`);
    const cmds = ins.filter((i) => i.op === 'CMD');
    const cmd = cmds.length ? parseExecForm(cmds[cmds.length - 1].args) : null;
    check(
      cmd && cmd.join(' ') === 'node dist/server.js',
      `target ${t}: default CMD must be the exec form ["node", "dist/server.js"]`,
    );
    check(
      !ins.some((i) => i.op === 'ENTRYPOINT'),
      `target ${t}: has an ENTRYPOINT (commands such as node dist/worker.js must replace the CMD alone)`,
    );
    checkCommandRunsBuiltFile(t, ['node', 'dist/server.js'], `target ${t}`);
    checkCommandRunsBuiltFile(t, ['node', 'dist/db.js', 'migrate'], `target ${t}`);
    const hc = ins.filter((i) => i.op === 'HEALTHCHECK').pop();
    const portVar = SERVICE_PORT_VAR[t];
    if (check(hc && !/^NONE$/i.test(hc.args), `target ${t}: no HEALTHCHECK`)) {
      check(
        hc.args.includes('/health/ready') || hc.args.includes('/health/live'),
        `target ${t}: HEALTHCHECK does not probe /health/ready or /health/live`,
      );
      check(
        hc.args.includes(portVar) && hc.args.includes(String(PORT_DEFAULTS[portVar])),
        `target ${t}: HEALTHCHECK should use ${portVar} (default ${PORT_DEFAULTS[portVar]})`,
      );
    }
    const exposed = ins
      .filter((i) => i.op === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((p) => Number(p.split('/')[0]));
    check(
      exposed.includes(PORT_DEFAULTS[portVar]),
      `target ${t}: does not EXPOSE ${PORT_DEFAULTS[portVar]} (${portVar})`,
    );
    if (t !== 'gateway')
      check(
        env.SERVICE_HOST === '0.0.0.0',
        `target ${t}: SERVICE_HOST should be 0.0.0.0 in a container (default 127.0.0.1 is unreachable)`,
      );
  }
  check(
    /openapi/.test(dockerfile) && exists('packages/contracts/openapi/openapi.yaml'),
    'the build must check that packages/contracts/openapi/openapi.yaml ships with the contracts package',
  );
  // .dockerignore: keep the context small, but never drop what the build needs.
  {
    const ignore = exists('.dockerignore')
      ? read('.dockerignore')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#'))
      : [];
    check(ignore.length > 0, '.dockerignore is missing or empty');
    for (const p of ['node_modules', 'dist'])
      check(
        ignore.some((l) => l.replace(/^\*\*\//, '') === p),
        `.dockerignore does not exclude ${p}`,
      );
    const needed = [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'tsconfig.base.json',
      'packages',
      'services',
      'packages/contracts/openapi',
      'infra/Dockerfile',
    ];
    for (const n of needed) {
      const hit = ignore.find(
        (l) => !l.startsWith('!') && (l === n || n.startsWith(`${l.replace(/\/$/, '')}/`) || l === `/${n}`),
      );
      check(!hit, `.dockerignore excludes ${n} (pattern ${hit}), which the build needs`);
    }
  }
  notes.push(
    `Dockerfile: ${stages.length} stages, targets ${TARGETS.join(', ')}, build stage ${buildStage && buildStage.name}`,
  );

  // ---------------------------------------------------------------------------------------------------------
  function parseYamlDocs(rel, text) {
    const docs = YAML.parseAllDocuments(text, { merge: true, uniqueKeys: true });
    const out = [];
    for (const d of docs) {
      for (const e of d.errors) fail(`${rel}: ${e.message.split('\n')[0]}`);
      for (const w of d.warnings) fail(`${rel}: ${w.message.split('\n')[0]}`);
      const v = d.toJS({ maxAliasCount: 1000 });
      if (v !== null && v !== undefined) out.push(v);
    }
    return out;
  }
  function urlHostPort(u) {
    try {
      const url = new URL(u);
      const defaults = {
        'http:': 80,
        'https:': 443,
        'postgres:': 5432,
        'postgresql:': 5432,
        'redis:': 6379,
        'nats:': 4222,
      };
      return { host: url.hostname, port: Number(url.port || defaults[url.protocol]) };
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // compose.yaml
  section = 'compose';
  const composeRel = 'infra/compose.yaml';
  const [compose] = parseYamlDocs(composeRel, read(composeRel));
  const COMPOSE_TOP = new Set(['name', 'services', 'volumes', 'networks', 'configs', 'secrets', 'include']);
  const COMPOSE_SERVICE_KEYS = new Set([
    'build',
    'image',
    'command',
    'entrypoint',
    'environment',
    'env_file',
    'depends_on',
    'healthcheck',
    'ports',
    'expose',
    'volumes',
    'restart',
    'stop_grace_period',
    'stop_signal',
    'deploy',
    'init',
    'user',
    'working_dir',
    'networks',
    'profiles',
    'labels',
    'logging',
    'pull_policy',
    'read_only',
    'tmpfs',
    'ulimits',
    'secrets',
    'configs',
    'container_name',
    'hostname',
    'extra_hosts',
    'cap_drop',
    'cap_add',
    'security_opt',
    'scale',
  ]);
  const composeImages = {}; // compose service -> dockerfile target (for app images)
  if (check(compose && typeof compose.services === 'object', 'no services')) {
    for (const k of Object.keys(compose))
      check(COMPOSE_TOP.has(k) || k.startsWith('x-'), `unknown top-level key ${k}`);
    const svcs = compose.services;
    const volumes = new Set(Object.keys(compose.volumes || {}));
    const byKind = { server: [], worker: [], migrate: [], seed: [] };
    // First pass: which services run one of our images (URLs and dependencies refer to them by name).
    for (const [name, s] of Object.entries(svcs)) {
      const target = s.build && typeof s.build === 'object' ? s.build.target : undefined;
      if (TARGETS.includes(target)) composeImages[name] = target;
    }
    for (const [name, s] of Object.entries(svcs)) {
      const where = `service ${name}`;
      for (const k of Object.keys(s))
        check(COMPOSE_SERVICE_KEYS.has(k) || k.startsWith('x-'), `${where}: unknown key ${k}`);
      check(s.image || s.build, `${where}: neither image nor build`);
      if (s.build) {
        const b = typeof s.build === 'string' ? { context: s.build } : s.build;
        const ctx = path.resolve(ROOT, 'infra', b.context || '.');
        check(ctx === ROOT, `${where}: build context ${b.context} is not the repository root`);
        check(
          fs.existsSync(path.join(ctx, b.dockerfile || 'Dockerfile')),
          `${where}: dockerfile ${b.dockerfile} does not exist`,
        );
        if (
          check(
            TARGETS.includes(b.target),
            `${where}: build target ${b.target} is not a Dockerfile target (${TARGETS.join(', ')})`,
          )
        ) {
          check(
            typeof s.image === 'string' && s.image.split(':')[0] === `npq-${b.target}`,
            `${where}: image ${s.image} should be npq-${b.target}:<tag> (target ${b.target})`,
          );
        }
      } else {
        check(
          /^[a-z0-9./_-]+:[\w.-]+$/.test(s.image) && !/:latest$/.test(s.image),
          `${where}: image ${s.image} has no pinned tag`,
        );
      }
      for (const v of s.volumes || []) {
        const src = typeof v === 'string' ? v.split(':')[0] : v.source;
        if (src && !src.startsWith('.') && !src.startsWith('/'))
          check(volumes.has(src), `${where}: volume ${src} is not declared`);
      }
      const deps = s.depends_on || {};
      const depEntries = Array.isArray(deps)
        ? deps.map((d) => [d, { condition: 'service_started' }])
        : Object.entries(deps);
      for (const [dep, spec] of depEntries) {
        if (!check(svcs[dep], `${where}: depends_on ${dep}, which does not exist`)) continue;
        const cond = spec && spec.condition;
        check(
          ['service_started', 'service_healthy', 'service_completed_successfully'].includes(cond),
          `${where}: depends_on ${dep} with unknown condition ${cond}`,
        );
        const d = svcs[dep];
        if (cond === 'service_healthy') {
          const hasOwn = d.healthcheck && !d.healthcheck.disable && d.healthcheck.test;
          const fromImage = composeImages[dep] !== undefined || (d.build && d.build.target);
          const cmdKind = (classifyCommand(d.command) || {}).kind;
          check(
            hasOwn ||
              (fromImage &&
                !(d.healthcheck && d.healthcheck.disable) &&
                (cmdKind === 'server' || d.command === undefined)),
            `${where}: waits for ${dep} to be healthy, but ${dep} has no health check`,
          );
        }
        if (cond === 'service_completed_successfully') {
          check(
            d.restart === 'no' || d.restart === undefined,
            `${where}: waits for ${dep} to complete, but ${dep} restarts (${d.restart})`,
          );
          const k = (classifyCommand(d.command) || {}).kind;
          check(
            k === 'migrate' || k === 'seed',
            `${where}: waits for ${dep} to complete, but ${dep} is not a one-shot (migrate/seed)`,
          );
        }
      }
      if (composeImages[name] !== undefined) {
        const target = composeImages[name];
        const cmd = s.command === undefined ? ['node', 'dist/server.js'] : s.command;
        const c = checkCommandRunsBuiltFile(target, cmd, where);
        if (c) byKind[c.kind].push({ name, target });
        const env = s.environment;
        if (
          check(
            env && typeof env === 'object' && !Array.isArray(env),
            `${where}: environment should be a map`,
          )
        ) {
          for (const k of Object.keys(env)) checkEnvName(k, where);
          check(env.NODE_ENV === 'production', `${where}: NODE_ENV should be production`);
          check(String(env.SANDBOX) === 'false', `${where}: SANDBOX must be false in production`);
          for (const sec of SECRETS)
            check(
              /^\$\{[A-Z_]+:\?[^}]*\}$/.test(String(env[sec] || '')),
              `${where}: ${sec} must be required with \${${sec}:?…}`,
            );
          if (target !== 'gateway')
            check(env.SERVICE_HOST === '0.0.0.0', `${where}: SERVICE_HOST must be 0.0.0.0`);
          for (const [k, v] of Object.entries(env)) {
            if (!/_URL$/.test(k) || String(v).includes('${')) {
              if (k === 'DATABASE_URL') {
                const hp = urlHostPort(String(v).replace(/\$\{[^}]*\}/g, 'x'));
                check(
                  hp && svcs[hp.host],
                  `${where}: DATABASE_URL host ${hp && hp.host} is not a compose service`,
                );
              }
              continue;
            }
            const hp = urlHostPort(String(v));
            if (!check(hp, `${where}: ${k}=${v} is not a URL`)) continue;
            if (k === 'DQT_API_URL') continue;
            if (!check(svcs[hp.host], `${where}: ${k} points at ${hp.host}, which is not a compose service`))
              continue;
            const svcTarget = composeImages[hp.host];
            if (svcTarget) {
              check(
                hp.port === PORT_DEFAULTS[SERVICE_PORT_VAR[svcTarget]],
                `${where}: ${k} uses port ${hp.port}, but ${hp.host} listens on ${PORT_DEFAULTS[SERVICE_PORT_VAR[svcTarget]]}`,
              );
              check(
                (classifyCommand(svcs[hp.host].command) || {}).kind === 'server',
                `${where}: ${k} points at ${hp.host}, which is not an HTTP server`,
              );
            }
          }
        }
        if (c && c.kind !== 'server')
          check(
            s.healthcheck && s.healthcheck.disable === true,
            `${where}: runs ${cmd.join(' ')} (no HTTP): disable the image's HEALTHCHECK`,
          );
      }
      if (name === 'nats' || /^nats:/.test(s.image || '')) {
        const cmd = Array.isArray(s.command) ? s.command : String(s.command || '').split(/\s+/);
        check(cmd.includes('-js') || cmd.includes('--jetstream'), `${where}: NATS without JetStream (-js)`);
        check((s.volumes || []).length > 0, `${where}: JetStream store has no volume`);
      }
    }
    // Every process is deployed.
    const kinds = (kind) => byKind[kind].map((x) => x.target);
    for (const svc of SERVICES) {
      check(
        kinds('server').filter((t) => t === svc).length === 1,
        `no (or more than one) compose service runs the ${svc} server`,
      );
      check(kinds('migrate').includes(svc), `no compose service migrates ${svc}`);
      if (exists(`services/${svc}/src/seed.ts`))
        check(kinds('seed').includes(svc), `no compose service runs the ${svc} seed`);
    }
    for (const svc of WORKER_SERVICES)
      check(
        kinds('worker').filter((t) => t === svc).length === 1,
        `no (or more than one) compose service runs the ${svc} worker`,
      );
    // Seeds run after every migration, one after the other in service order; servers and workers after the seeds.
    const seedOrder = byKind.seed.map((x) => x.target);
    check(
      JSON.stringify(seedOrder) === JSON.stringify(SERVICES.filter((s) => seedOrder.includes(s))),
      `seeds are declared out of order: ${seedOrder.join(', ')}`,
    );
    const reach = (from, seen = new Set()) => {
      for (const d of Object.keys((svcs[from] && svcs[from].depends_on) || {}))
        if (!seen.has(d)) {
          seen.add(d);
          reach(d, seen);
        }
      return seen;
    };
    for (const [name] of Object.entries(svcs))
      check(!reach(name).has(name), `depends_on cycle through ${name}`);
    byKind.seed.forEach((sd, i) => {
      const r = reach(sd.name);
      for (const m of byKind.migrate) check(r.has(m.name), `${sd.name} does not wait for ${m.name}`);
      if (i > 0)
        check(r.has(byKind.seed[i - 1].name), `${sd.name} does not wait for ${byKind.seed[i - 1].name}`);
    });
    const lastSeed = byKind.seed[byKind.seed.length - 1];
    for (const p of [...byKind.server, ...byKind.worker]) {
      const r = reach(p.name);
      for (const m of byKind.migrate) check(r.has(m.name), `${p.name} does not wait for ${m.name}`);
      if (lastSeed) check(r.has(lastSeed.name), `${p.name} does not wait for the seeds (${lastSeed.name})`);
      for (const infra of ['postgres', 'redis', 'nats'])
        check(r.has(infra), `${p.name} does not wait for ${infra}`);
    }
    notes.push(
      `compose: ${Object.keys(svcs).length} services (${Object.entries(byKind)
        .map(([k, v]) => `${v.length} ${k}`)
        .join(', ')})`,
    );
  }

  // ---------------------------------------------------------------------------------------------------------
  // Kubernetes
  section = 'k8s';
  const k8sDir = 'infra/k8s';
  const kust = parseYamlDocs(`${k8sDir}/kustomization.yaml`, read(`${k8sDir}/kustomization.yaml`))[0] || {};
  const listed = new Set(kust.resources || []);
  for (const f of fs.readdirSync(path.join(ROOT, k8sDir))) {
    if (/\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
      check(listed.has(f), `${f} is not listed in kustomization.yaml resources`);
  }
  for (const f of listed)
    check(exists(`${k8sDir}/${f}`), `kustomization.yaml lists ${f}, which does not exist`);
  let objects;
  if (rendered) {
    objects = parseYamlDocs('kubectl kustomize output', fs.readFileSync(rendered, 'utf8'));
  } else {
    objects = [...listed].flatMap((f) =>
      exists(`${k8sDir}/${f}`) ? parseYamlDocs(`${k8sDir}/${f}`, read(`${k8sDir}/${f}`)) : [],
    );
  }
  const seen = new Set();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata && o.metadata.name}`;
    check(
      o.apiVersion && o.kind && o.metadata && o.metadata.name,
      `object without apiVersion/kind/metadata.name: ${JSON.stringify(o).slice(0, 80)}`,
    );
    check(!seen.has(id), `${id} is defined twice`);
    seen.add(id);
  }
  const ofKind = (k) => objects.filter((o) => o.kind === k);
  const configMaps = new Map(ofKind('ConfigMap').map((c) => [c.metadata.name, c]));
  const secrets = new Set([...ofKind('Secret').map((s) => s.metadata.name), ...EXTERNAL_SECRETS]);
  const k8sServices = new Map(ofKind('Service').map((s) => [s.metadata.name, s]));
  for (const cm of configMaps.values()) {
    for (const [k, v] of Object.entries(cm.data || {})) {
      checkEnvName(k, `ConfigMap ${cm.metadata.name}`);
      check(typeof v === 'string', `ConfigMap ${cm.metadata.name}: ${k} must be a string (quote it)`);
    }
    for (const sec of SECRETS)
      check(
        !(sec in (cm.data || {})),
        `ConfigMap ${cm.metadata.name}: ${sec} is a secret; it belongs in the Secret`,
      );
  }
  const envOf = (container) => {
    const env = {};
    for (const ef of container.envFrom || []) {
      if (ef.configMapRef) {
        const cm = configMaps.get(ef.configMapRef.name);
        if (check(cm, `${container.name}: envFrom ConfigMap ${ef.configMapRef.name} does not exist`))
          Object.assign(env, cm.data);
      }
      if (ef.secretRef)
        check(
          secrets.has(ef.secretRef.name),
          `${container.name}: envFrom Secret ${ef.secretRef.name} is neither defined nor a known external secret`,
        );
    }
    for (const e of container.env || []) {
      checkEnvName(e.name, `container ${container.name}`);
      if (e.value !== undefined) env[e.name] = e.value;
    }
    return env;
  };
  const k8sByKind = { server: [], worker: [], migrate: [], seed: [] };
  const workloads = [
    ...ofKind('Deployment'),
    ...ofKind('StatefulSet'),
    ...ofKind('Job'),
    ...ofKind('CronJob'),
  ];
  for (const w of workloads) {
    const id = `${w.kind} ${w.metadata.name}`;
    const tpl = w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec && w.spec.template;
    if (!check(tpl && tpl.spec, `${id}: no pod template`)) continue;
    const pod = tpl.spec;
    check(
      pod.enableServiceLinks === false,
      `${id}: enableServiceLinks must be false (Kubernetes would inject GATEWAY_PORT=tcp://… variables the config rejects)`,
    );
    check(
      pod.securityContext && pod.securityContext.runAsNonRoot === true,
      `${id}: securityContext.runAsNonRoot must be true`,
    );
    if (w.kind !== 'Job' && w.kind !== 'CronJob') {
      const sel = (w.spec.selector && w.spec.selector.matchLabels) || {};
      const labels = (tpl.metadata && tpl.metadata.labels) || {};
      check(
        Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v),
        `${id}: selector does not match the pod labels`,
      );
    } else {
      check(
        ['Never', 'OnFailure'].includes(pod.restartPolicy),
        `${id}: restartPolicy must be Never or OnFailure`,
      );
    }
    const volumeNames = new Set((pod.volumes || []).map((v) => v.name));
    const containers = [...(pod.initContainers || []), ...(pod.containers || [])];
    check((pod.containers || []).length > 0, `${id}: no containers`);
    for (const c of containers) {
      const where = `${id} container ${c.name}`;
      const m = String(c.image || '').match(/^npq-([a-z]+)(?::([\w.-]+))?$/);
      if (
        !check(
          m && TARGETS.includes(m[1]),
          `${where}: image ${c.image} is not one of npq-{${TARGETS.join(',')}}`,
        )
      )
        continue;
      if (rendered)
        check(m[2] && m[2] !== 'latest', `${where}: image ${c.image} has no release tag after kustomize`);
      const target = m[1];
      const cmd = c.command || ['node', 'dist/server.js'];
      check(!c.args, `${where}: use command, not args`);
      const kind = checkCommandRunsBuiltFile(target, cmd, where);
      if (kind)
        k8sByKind[kind.kind].push({
          id,
          name: c.name,
          target,
          init: (pod.initContainers || []).includes(c),
          w,
        });
      const r = c.resources && c.resources.requests;
      check(r && r.cpu && r.memory, `${where}: resources.requests.cpu and .memory are required`);
      for (const vm of c.volumeMounts || [])
        check(volumeNames.has(vm.name), `${where}: mounts volume ${vm.name}, which the pod does not declare`);
      const env = envOf(c);
      check(env.NODE_ENV === 'production', `${where}: NODE_ENV is not production`);
      check(String(env.SANDBOX) === 'false', `${where}: SANDBOX must be false`);
      check(
        (c.envFrom || []).some((e) => e.secretRef),
        `${where}: no Secret in envFrom (production needs ${SECRETS.join(', ')})`,
      );
      if (kind && kind.kind === 'server') {
        check(w.kind === 'Deployment', `${where}: an HTTP server should be a Deployment`);
        const portVar = SERVICE_PORT_VAR[target];
        const port = Number(env[portVar] || PORT_DEFAULTS[portVar]);
        const http = (c.ports || []).find((p) => p.name === 'http');
        check(
          http && http.containerPort === port,
          `${where}: needs a port named http with containerPort ${port} (${portVar})`,
        );
        for (const [probe, p] of [
          ['livenessProbe', '/health/live'],
          ['readinessProbe', '/health/ready'],
        ]) {
          const g = c[probe] && c[probe].httpGet;
          check(
            g && g.path === p && (g.port === 'http' || g.port === port),
            `${where}: ${probe} must GET ${p} on the http port`,
          );
        }
        if (target !== 'gateway')
          check(env.SERVICE_HOST === '0.0.0.0', `${where}: SERVICE_HOST must be 0.0.0.0`);
      } else if (kind) {
        check(
          !c.ports && !c.livenessProbe && !c.readinessProbe,
          `${where}: ${kind.kind} serves no HTTP: no ports or HTTP probes`,
        );
        if (kind.kind === 'worker')
          check(w.kind === 'Deployment', `${where}: a worker should be a Deployment`);
        if (kind.kind === 'migrate' || kind.kind === 'seed')
          check(w.kind === 'Job', `${where}: ${kind.kind} should run in a Job`);
      }
      for (const [k, v] of Object.entries(env)) {
        if (!/^(APPLICATIONS|TRAINING|FINANCE)_URL$/.test(k)) continue;
        const hp = urlHostPort(v);
        const svc = hp && k8sServices.get(hp.host);
        if (!check(svc, `${where}: ${k}=${v} does not name a Service`)) continue;
        const sp = (svc.spec.ports || []).find((p) => p.port === hp.port);
        check(sp, `${where}: ${k} uses port ${hp.port}, which Service ${hp.host} does not expose`);
      }
    }
  }
  for (const svc of k8sServices.values()) {
    const sel = svc.spec && svc.spec.selector;
    const id = `Service ${svc.metadata.name}`;
    if (!check(sel && Object.keys(sel).length, `${id}: no selector`)) continue;
    const matches = ofKind('Deployment').filter((d) =>
      Object.entries(sel).every(([k, v]) => ((d.spec.template.metadata || {}).labels || {})[k] === v),
    );
    if (!check(matches.length === 1, `${id}: selector matches ${matches.length} Deployments (expected 1)`))
      continue;
    const containers = matches[0].spec.template.spec.containers;
    const isServer = containers.some(
      (c) => (classifyCommand(c.command || ['node', 'dist/server.js']) || {}).kind === 'server',
    );
    check(isServer, `${id}: selects ${matches[0].metadata.name}, which serves no HTTP`);
    for (const p of svc.spec.ports || []) {
      const ok = containers.some((c) =>
        (c.ports || []).some(
          (cp) =>
            cp.name === p.targetPort ||
            cp.containerPort === p.targetPort ||
            (p.targetPort === undefined && cp.containerPort === p.port),
        ),
      );
      check(ok, `${id}: targetPort ${p.targetPort} is not a port of ${matches[0].metadata.name}`);
    }
  }
  {
    const kinds = (kind) => k8sByKind[kind].map((x) => x.target);
    for (const svc of SERVICES) {
      check(
        kinds('server').filter((t) => t === svc).length === 1,
        `no (or more than one) Deployment runs the ${svc} server`,
      );
      check(kinds('migrate').includes(svc), `no Job migrates ${svc}`);
      if (exists(`services/${svc}/src/seed.ts`))
        check(kinds('seed').includes(svc), `no Job runs the ${svc} seed`);
    }
    for (const svc of WORKER_SERVICES)
      check(
        kinds('worker').filter((t) => t === svc).length === 1,
        `no (or more than one) Deployment runs the ${svc} worker`,
      );
    // In the Job, containers run in order: every migration, then the seeds in service order.
    const steps = [...k8sByKind.migrate, ...k8sByKind.seed].filter((x) => x.w.kind === 'Job');
    for (const job of new Set(steps.map((s) => s.w))) {
      const order = [...(job.spec.template.spec.initContainers || []), ...job.spec.template.spec.containers]
        .map((c) => classifyCommand(c.command) || {})
        .map((c, i, all) => ({ kind: c.kind, i, all }));
      const lastMigrate = Math.max(...order.filter((o) => o.kind === 'migrate').map((o) => o.i));
      const firstSeed = Math.min(...order.filter((o) => o.kind === 'seed').map((o) => o.i));
      check(
        !(firstSeed < lastMigrate),
        `Job ${job.metadata.name}: a seed runs before every migration is done`,
      );
    }
    const seedOrder = k8sByKind.seed.map((x) => x.target);
    check(
      JSON.stringify(seedOrder) === JSON.stringify(SERVICES.filter((s) => seedOrder.includes(s))),
      `seeds run out of order: ${seedOrder.join(', ')}`,
    );
    notes.push(
      `k8s: ${objects.length} objects (${Object.entries(k8sByKind)
        .map(([k, v]) => `${v.length} ${k}`)
        .join(', ')})`,
    );
  }
  // -------------------------------------------------------------------------------------------------------
  // README: the configuration table lists every variable; the Set-up section has exactly the start and the
  // test command, and CI runs that test command.
  section = 'README';
  if (check(exists('README.md'), 'README.md is missing')) {
    const readme = read('README.md');
    for (const k of CONFIG_KEYS)
      check(
        new RegExp(`^\\|\\s*\`${k}\`[^|]*\\|`, 'm').test(readme),
        `the configuration table has no row for ${k}`,
      );
    const setup = (readme.match(/^## Set-up\n([\s\S]*?)(?=^## )/m) || [])[1] || '';
    const commands = [...setup.matchAll(/^```\w*\n([\s\S]*?)^```/gm)].flatMap((m) =>
      m[1]
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
    if (
      check(
        commands.length === 2,
        `the Set-up section should hold exactly two commands (start, tests); found ${JSON.stringify(commands)}`,
      )
    ) {
      check(
        /scripts\/start\.sh$/.test(commands[0]),
        `the first Set-up command should be the start script, not ${commands[0]}`,
      );
      for (const c of commands)
        check(
          readme.split(c).length - 1 === 1 || c.startsWith('pnpm'),
          `"${c}" should appear once in README.md (found ${readme.split(c).length - 1})`,
        );
      const ci = exists('.ci/run') ? read('.ci/run') : '';
      check(
        ci.split('\n').some((l) => l.trim() === commands[1]),
        `.ci/run does not run the README's test command (${commands[1]})`,
      );
    }
  }

  return { errors, notes };
}

module.exports = { validate };

if (require.main === module) {
  const root = path.resolve(process.argv[2] || path.join(__dirname, '..'));
  const { errors, notes } = validate(root, process.env.VALIDATE_K8S_RENDERED);
  for (const n of notes) console.log(`  ${n}`);
  if (errors.length) {
    // The same problem in many compose services (shared environment) is reported once, with their names.
    const grouped = new Map();
    for (const e of errors) {
      const m = e.match(/^(\[\w+\]) service (\S+): (.*)$/s);
      const key = m ? `${m[1]} ${m[3]}` : e;
      if (!grouped.has(key)) grouped.set(key, { prefix: m && m[1], text: m ? m[3] : e, names: [] });
      if (m) grouped.get(key).names.push(m[2]);
    }
    console.error(`\n${grouped.size} problem(s):`);
    for (const g of grouped.values()) {
      console.error(
        `  - ${g.names.length ? `${g.prefix} service${g.names.length > 1 ? 's' : ''} ${g.names.join(', ')}: ${g.text}` : g.text}`,
      );
    }
    process.exit(1);
  }
  console.log('  infra: Dockerfile, compose.yaml and k8s manifests are consistent');
}
