// Lints infra/Dockerfile (dockerfile-utils) and validates rendered Kubernetes manifests (kubectl kustomize
// output, one file per argument) against the
// Kubernetes API schemas (kubernetes-models) and KEDA's CRD schemas (@kubernetes-models/keda), then checks
// the few deployment rules this platform depends on (docs/operations.md "Deploy"): every Deployment has
// enableServiceLinks: false (the strict configuration rejects the injected *_PORT variables), runs non-root
// with requests and limits, has a PodDisruptionBudget and exactly one autoscaler (an HPA, or a KEDA
// ScaledObject that owns one). Run by infra/validate.sh.
import { readFileSync } from 'node:fs';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { validate as lintDockerfile } from 'dockerfile-utils';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

const problems = [];
/** The API versions the manifests may use; anything else is reported (add it here on purpose). */
const API = {
  v1: core,
  'apps/v1': apps,
  'autoscaling/v2': autoscaling,
  'batch/v1': batch,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
  'keda.sh/v1alpha1': keda,
};
const modelFor = (apiVersion, kind) => API[apiVersion]?.[kind];

for (const d of lintDockerfile(readFileSync(new URL('./Dockerfile', import.meta.url), 'utf8'))) {
  problems.push(`infra/Dockerfile:${d.range.start.line + 1}: ${d.message}`);
}

for (const file of process.argv.slice(2)) {
  const objects = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter(Boolean);
  const where = (o) => `${file}: ${o.kind} ${o.metadata?.name}`;
  for (const o of objects) {
    const Model = modelFor(o.apiVersion, o.kind);
    if (!Model) {
      problems.push(`${where(o)}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (err) {
      problems.push(`${where(o)}: ${String(err.message).split('\n').slice(0, 6).join('; ')}`);
    }
  }

  const named = (kind) => objects.filter((o) => o.kind === kind);
  const scaled = new Map();
  for (const h of named('HorizontalPodAutoscaler'))
    scaled.set(h.spec.scaleTargetRef.name, (scaled.get(h.spec.scaleTargetRef.name) ?? 0) + 1);
  for (const s of named('ScaledObject'))
    scaled.set(s.spec.scaleTargetRef.name, (scaled.get(s.spec.scaleTargetRef.name) ?? 0) + 1);
  const pdbs = named('PodDisruptionBudget').map((p) => p.spec.selector.matchLabels['app.kubernetes.io/name']);
  for (const d of named('Deployment')) {
    const pod = d.spec.template.spec;
    if (pod.enableServiceLinks !== false) problems.push(`${where(d)}: enableServiceLinks must be false`);
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where(d)}: must run as non-root`);
    for (const c of pod.containers) {
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) {
        problems.push(`${where(d)}: container ${c.name} needs cpu/memory requests and a memory limit`);
      }
      if (!c.readinessProbe || !c.livenessProbe)
        problems.push(`${where(d)}: container ${c.name} needs probes`);
    }
    if (scaled.get(d.metadata.name) !== 1) {
      problems.push(
        `${where(d)}: needs exactly one autoscaler (HPA or ScaledObject), has ${scaled.get(d.metadata.name) ?? 0}`,
      );
    }
    if (!pdbs.includes(d.metadata.labels['app.kubernetes.io/name']))
      problems.push(`${where(d)}: no PodDisruptionBudget`);
  }
  if (named('NetworkPolicy').length === 0) problems.push(`${file}: no NetworkPolicy`);
  console.log(`  ${file}: ${objects.length} objects checked`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`  ${p}`);
  console.error(`${problems.length} problem(s) in the rendered manifests`);
  process.exit(1);
}
