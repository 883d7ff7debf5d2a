// The Engine API client against a real swarmd process: version negotiation, errors, unreachable daemons.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ConnectionError,
  DaemonError,
  EngineClient,
  encodeFilters,
  parseDaemonHost,
  queryEscape,
} from './engine-client.js';

const root = new URL('../../../../', import.meta.url).pathname;
let dir: string;
let daemon: ChildProcess | undefined;
let socket: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-cli-client-'));
  socket = join(dir, 'docker.sock');
  const addr = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  daemon = spawn(
    process.execPath,
    [
      join(root, 'bin/swarmd.js'),
      '--name',
      'client-test',
      '--addr',
      addr,
      '--data-dir',
      join(dir, 'data'),
      '--api',
      `unix://${socket}`,
    ],
    { stdio: 'ignore' },
  );
  const client = new EngineClient(parseDaemonHost(`unix://${socket}`), { userAgent: 'test' });
  for (let i = 0; i < 300; i++) {
    try {
      await client.ping();
      client.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('swarmd did not answer /_ping');
});

after(() => {
  daemon?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('the API version is negotiated from HEAD /_ping and prefixes every path', async () => {
  const client = new EngineClient(parseDaemonHost(`unix://${socket}`), { userAgent: 'test' });
  try {
    assert.equal(await client.version(), '1.47');
    const version = await client.get<{ ApiVersion?: string; Version?: string }>('/version');
    assert.equal(version.ApiVersion, '1.47');
    assert.ok(client.pinged?.osType);
  } finally {
    client.close();
  }
});

test('DOCKER_API_VERSION skips negotiation', async () => {
  const client = new EngineClient(parseDaemonHost(`unix://${socket}`), {
    userAgent: 'test',
    apiVersion: '1.44',
  });
  try {
    assert.equal(await client.version(), '1.44');
    assert.equal(client.pinged, undefined);
  } finally {
    client.close();
  }
});

test('error answers read "Error response from daemon: <message>"', async () => {
  const client = new EngineClient(parseDaemonHost(`unix://${socket}`), { userAgent: 'test' });
  try {
    await assert.rejects(client.get('/no/such/route'), (err: unknown) => {
      assert.ok(err instanceof DaemonError && err.notFound);
      assert.equal(err.message, 'Error response from daemon: page not found');
      return true;
    });
  } finally {
    client.close();
  }
});

test('an unreachable daemon gives docker\'s "Cannot connect" message', async () => {
  for (const host of [`unix://${join(dir, 'missing.sock')}`, 'tcp://127.0.0.1:1']) {
    const client = new EngineClient(parseDaemonHost(host), { userAgent: 'test' });
    await assert.rejects(client.get('/info'), (err: unknown) => {
      assert.ok(err instanceof ConnectionError);
      assert.equal(
        err.message,
        `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?`,
      );
      return true;
    });
    client.close();
  }
});

test('queries are encoded as Go url.Values, filters as sorted JSON', () => {
  assert.equal(queryEscape('a b/c:d'), 'a+b%2Fc%3Ad');
  assert.equal(
    encodeFilters({ service: { web: true }, '_up-to-date': { true: true } }),
    '{"_up-to-date":{"true":true},"service":{"web":true}}',
  );
  assert.equal(encodeFilters({}), undefined);
  assert.deepEqual(parseDaemonHost('tcp://127.0.0.1:2375'), {
    url: 'tcp://127.0.0.1:2375',
    host: '127.0.0.1',
    port: 2375,
  });
  assert.deepEqual(parseDaemonHost('unix:///var/run/docker.sock'), {
    url: 'unix:///var/run/docker.sock',
    socketPath: '/var/run/docker.sock',
  });
  assert.throws(() => parseDaemonHost('ssh://x'), /unable to parse docker host/);
});
