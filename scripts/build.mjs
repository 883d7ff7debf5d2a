// Builds everything `npm start` and `npm test` run: the TypeScript of the node side (tsc, to dist/)
// and the browser bundle (esbuild, to dist/web/: app.js and app.css, with xterm.js's stylesheet).
// `npm install` runs it through the prepare script.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const tsc = `${root}node_modules/.bin/tsc`;

execFileSync(tsc, ['-p', `${root}tsconfig.json`], { stdio: 'inherit', cwd: root });

mkdirSync(`${root}dist/web`, { recursive: true });
await build({
  entryPoints: [`${root}web/src/main.ts`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  outfile: `${root}dist/web/app.js`,
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
cpSync(`${root}web/index.html`, `${root}dist/web/index.html`);

// The routing mesh's native relay (optional: without it the mesh relays in JavaScript, more slowly).
const relay = spawnSync(process.execPath, [`${root}orchestrator/mesh/native/build.mjs`, '--if-needed'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'pipe'],
});
if (relay.status !== 0) {
  process.stderr.write(
    `note: the mesh's native relay was not built; the mesh relays in JavaScript.\n${relay.stderr}`,
  );
}

// The docker-compatible CLI (bin/docker.js), bundled from tsc's output into one ESM entry plus chunks that
// load on first use, so `docker version` starts fast. It sits three levels below the root, as the sources
// under dist/orchestrator/* do, so their paths relative to package.json still hold.
rmSync(`${root}dist/bundles/cli`, { recursive: true, force: true });
await build({
  entryPoints: { docker: `${root}dist/orchestrator/cli/main.js` },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: `${root}dist/bundles/cli`,
  logLevel: 'warning',
});
