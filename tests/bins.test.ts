import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};
const run = promisify(execFile);

for (const [name, path] of Object.entries(pkg.bin)) {
  test(`${name} --version prints swarmlab's version`, async () => {
    const { stdout } = await run(process.execPath, [`${root}${path}`, '--version']);
    assert.match(stdout, new RegExp(pkg.version.replaceAll('.', '\\.')));
  });

  test(`${name} --help prints its usage`, async () => {
    const { stdout } = await run(process.execPath, [`${root}${path}`, '--help']);
    assert.match(stdout, /^Usage:/);
  });
}

test('swarmlab rejects an unknown command with a hint and exit code 1', async () => {
  await assert.rejects(
    run(process.execPath, [`${root}bin/swarmlab.js`, 'frobnicate']),
    (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /'frobnicate' is not a swarmlab command/);
      assert.match(err.stderr, /swarmlab --help/);
      return true;
    },
  );
});

test('swarmlab start serves the workshop page', async () => {
  const home = mkdtempSync(join(tmpdir(), 'swarmlab-bins-'));
  const child = spawn(process.execPath, [`${root}bin/swarmlab.js`, 'start', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SWARMLAB_HOME: home },
  });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const url = /http:\/\/\S+/.exec(line.toString())?.[0];
    assert.ok(url, `no URL in "${line}"`);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Microservices and Docker Swarm/);
    const bundle = await fetch(new URL('app.js', url));
    assert.equal(bundle.status, 200);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(home, { recursive: true, force: true });
  }
});
