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

// The docker-compatible CLI (bin/docker.js) and swarmd (bin/swarmd.js), each bundled from tsc's output into
// one ESM entry plus chunks that load on first use, so they start fast (a lab starts a swarmd per node).
// Bundles sit three levels below the root, as orchestrator/common/package-root.ts expects.
for (const [name, entry] of [
  ['cli', 'docker'],
  ['swarmd', 'swarmd'],
]) {
  rmSync(`${root}dist/bundles/${name}`, { recursive: true, force: true });
  await build({
    entryPoints: {
      [entry]: `${root}dist/orchestrator/${name === 'cli' ? 'cli/main.js' : 'daemon/main.js'}`,
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: `${root}dist/bundles/${name}`,
    // swarmd's CommonJS dependencies (dns-packet, @peculiar/x509) require Node's built-ins.
    banner:
      name === 'swarmd'
        ? {
            js: "import { createRequire as __swarmlabRequire } from 'node:module'; const require = __swarmlabRequire(import.meta.url);",
          }
        : undefined,
    logLevel: 'warning',
  });
}
