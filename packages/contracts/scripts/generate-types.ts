import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Generates src/generated/openapi.ts from openapi/openapi.yaml with openapi-typescript.
 * `--check` fails (exit 1) when the committed file differs from what the document generates.
 */
const root = path.join(__dirname, '..');
const target = path.join(root, 'src', 'generated', 'openapi.ts');
const header =
  '/* eslint-disable */\n// Generated from openapi/openapi.yaml by `pnpm generate`. Do not edit.\n';

function generate(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'openapi-ts-'));
  const out = path.join(dir, 'openapi.ts');
  try {
    execFileSync('openapi-typescript', [path.join(root, 'openapi', 'openapi.yaml'), '-o', out], {
      stdio: 'pipe',
    });
    return header + readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const generated = generate();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing counts as drift
  }
  if (committed !== generated) {
    process.stderr.write(
      'src/generated/openapi.ts is out of date with openapi/openapi.yaml: run `pnpm --filter @npq/contracts generate`\n',
    );
    process.exit(1);
  }
  process.stdout.write('contracts: generated OpenAPI types match the document\n');
} else {
  writeFileSync(target, generated);
  process.stdout.write(`wrote ${path.relative(root, target)}\n`);
}
