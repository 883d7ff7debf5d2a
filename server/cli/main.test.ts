// `swarmlab lab ...`, `lessons ls` and `--version` must start without the workshop server: loading express,
// socket.io, SQLite and node-pty triples the CLI's start-up. Each case runs the real CLI entry in a fresh node
// and lists the packages it loaded.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const mainUrl = new URL('./main.js', import.meta.url).href;
const workshopUrl = new URL('../workshop.js', import.meta.url).href;
const home = mkdtempSync(join(tmpdir(), 'swarmlab-cli-main-'));
after(() => rmSync(home, { recursive: true, force: true }));

const serverPackages = /\/node_modules\/(express|socket\.io|better-sqlite3|node-pty)\//;

/** Runs `swarmlab <argv>` (or imports `extra` first) and returns the server packages loaded once it is done. */
async function serverPackagesLoaded(argv: string[], extra?: string): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    ${extra ? `await import(${JSON.stringify(extra)});` : ''}
    const { main } = await import(${JSON.stringify(mainUrl)});
    process.once('beforeExit', () => process.stderr.write('loaded:' + JSON.stringify(Object.keys(require.cache)) + '\\n'));
    main(${JSON.stringify(argv)});`;
  const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, SWARMLAB_HOME: home },
  });
  const line = stderr.split('\n').find((l) => l.startsWith('loaded:'));
  assert.ok(line, `the CLI did not finish: ${stderr}`);
  const paths = JSON.parse(line.slice('loaded:'.length)) as string[];
  return [...new Set(paths.flatMap((p) => serverPackages.exec(p)?.[1] ?? []))];
}

for (const argv of [
  ['--version'],
  ['lab', 'ls'],
  ['lab', 'up', '--help'],
  ['lessons', 'ls'],
  ['start', '--help'],
]) {
  test(`swarmlab ${argv.join(' ')} loads none of the workshop server's packages`, async () => {
    assert.deepEqual(await serverPackagesLoaded(argv), []);
  });
}

test('the check sees the workshop server when it is loaded', async () => {
  const loaded = await serverPackagesLoaded(['--version'], workshopUrl);
  assert.ok(loaded.includes('express') && loaded.includes('socket.io'), `loaded: ${loaded.join(', ')}`);
});
