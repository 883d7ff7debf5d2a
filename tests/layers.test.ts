// Architecture invariant: dependencies point one way, web -> server -> lessons, labs -> orchestrator.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

/** Which top-level folders each folder may import from (itself always allowed). */
const allowed: Record<string, string[]> = {
  orchestrator: [],
  labs: ['orchestrator'],
  lessons: ['orchestrator'],
  server: ['lessons', 'labs', 'orchestrator'],
  web: ['server'],
  bench: ['orchestrator', 'labs', 'server', 'lessons'],
  tests: ['orchestrator', 'labs', 'server', 'lessons'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

test('imports respect the dependency direction of ARCHITECTURE.md', () => {
  const violations: string[] = [];
  for (const [layer, mayImport] of Object.entries(allowed)) {
    for (const file of sources(join(root, layer))) {
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = relative(root, resolve(file, '..', spec)).split('/')[0];
        if (target !== layer && !mayImport.includes(target)) {
          violations.push(`${relative(root, file)} imports ${spec} (${layer} may not depend on ${target})`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('web/server/protocol is the only server code the browser bundle imports', () => {
  for (const file of sources(join(root, 'web'))) {
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/from\s*'(\.[^']+)'/g)) {
      const target = relative(root, resolve(file, '..', spec));
      if (target.startsWith('server/'))
        assert.match(target, /^server\/protocol\//, `${file} imports ${spec}`);
    }
  }
});
