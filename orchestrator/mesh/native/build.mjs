// Builds the mesh's native relay (relay.c) with node-gyp, as npm builds node-pty: needs make and a C compiler,
// and the node headers (found next to node, or where npm's `nodedir` says; nothing is downloaded).
// `node orchestrator/mesh/native/build.mjs [--if-needed]`; without the addon the mesh relays in JavaScript.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
const addon = join(here, 'build/Release/mesh_relay.node');
const sources = ['relay.c', 'binding.gyp'].map((f) => join(here, f));

if (process.argv.includes('--if-needed') && existsSync(addon)) {
  const built = statSync(addon).mtimeMs;
  if (sources.every((f) => statSync(f).mtimeMs <= built)) process.exit(0);
}

const prefix = dirname(dirname(process.execPath));
const candidates = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].filter(Boolean);
const nodeGyp = candidates.find((path) => existsSync(path));
if (!nodeGyp) {
  console.error(
    'mesh native relay: node-gyp not found (it comes with npm); the mesh will relay in JavaScript',
  );
  process.exit(1);
}
const nodedir =
  process.env.npm_config_nodedir ??
  (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);
const args = [nodeGyp, 'rebuild', '--loglevel=warn', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('mesh native relay: build failed; the mesh will relay in JavaScript');
  process.exit(1);
}
