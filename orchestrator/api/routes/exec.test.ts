import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../agent/executor/test-support.js';
import type { ContainerInfo } from '../../agent/executor/types.js';
import { assertMatchesDefinition } from '../testing/schema.js';
import { demultiplex, dockerCliAvailable, startTestEngine, type TestEngine } from './engine-test-support.js';

let engine: TestEngine;
let app: ContainerInfo;

before(async () => {
  engine = await startTestEngine();
  app = await engine.run({
    image: 'albertogviana/docker-routing-mesh:2.0.0',
    secrets: [{ target: '/run/secrets/my_secret', data: Buffer.from('test\n'), mode: 0o444 }],
  });
});
after(() => engine.close());

/** Starts an exec over an upgraded connection, as the docker CLI does; returns everything it sent back. */
function startUpgraded(
  execId: string,
  body: unknown,
  stdin?: string,
): Promise<{ head: string; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(engine.socketPath);
    const payload = JSON.stringify(body);
    socket.write(
      `POST /v1.47/exec/${execId}/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
    if (stdin !== undefined) socket.end(stdin);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, end).toString(), data: all.subarray(end + 4) });
    });
  });
}

describe('exec through the Engine API', () => {
  test('create, start over an upgraded connection, inspect the exit code', async () => {
    const created = await engine.json('POST', `/v1.47/containers/${app.id.slice(0, 12)}/exec`, {
      AttachStdout: true,
      AttachStderr: true,
      Cmd: ['sh', '-c', 'cat /run/secrets/my_secret; hostname; echo problem >&2; exit 3'],
    });
    assert.equal(created.status, 201);
    assert.match(created.body.Id, /^[0-9a-f]{64}$/);
    const before = await engine.json('GET', `/exec/${created.body.Id}/json`);
    assert.equal(before.body.Running, false);
    const { head, data } = await startUpgraded(created.body.Id, { Detach: false, Tty: false });
    assert.match(head, /^HTTP\/1\.1 101 UPGRADED/);
    assert.deepEqual(demultiplex(data), [
      { stream: 1, text: 'test\n' },
      { stream: 1, text: `${app.id.slice(0, 12)}\n` },
      { stream: 2, text: 'problem\n' },
    ]);
    const inspected = await waitFor('the exit code', async () => {
      const res = await engine.json('GET', `/v1.47/exec/${created.body.Id}/json`);
      return res.body.Running ? undefined : res.body;
    });
    assert.equal(inspected.ExitCode, 3);
    assert.equal(inspected.ContainerID, app.id);
    assertMatchesDefinition('ProcessConfig', inspected.ProcessConfig);
    assert.deepEqual(inspected.ProcessConfig, {
      arguments: ['-c', 'cat /run/secrets/my_secret; hostname; echo problem >&2; exit 3'],
      entrypoint: 'sh',
      privileged: false,
      tty: false,
      user: '',
    });
    const again = await engine.json('POST', `/exec/${created.body.Id}/start`, { Detach: false });
    assert.equal(again.status, 409);
  });

  test('stdin reaches the command after the request body; a tty exec answers raw', async () => {
    const created = await engine.json('POST', `/containers/${app.id}/exec`, {
      AttachStdin: true,
      AttachStdout: true,
      Cmd: ['cat'],
    });
    const { data } = await startUpgraded(created.body.Id, { Detach: false, Tty: false }, 'from stdin\n');
    assert.deepEqual(demultiplex(data), [{ stream: 1, text: 'from stdin\n' }]);
    const tty = await engine.json('POST', `/containers/${app.id}/exec`, {
      AttachStdout: true,
      Tty: true,
      Cmd: ['echo', 'raw'],
    });
    const raw = await startUpgraded(tty.body.Id, { Tty: true, ConsoleSize: [24, 80] });
    assert.equal(raw.data.toString(), 'raw\r\n');
  });

  test('a plain (not upgraded) start streams the output in the response', async () => {
    const created = await engine.json('POST', `/containers/${app.id}/exec`, {
      AttachStdout: true,
      Cmd: ['hostname'],
    });
    const res = await engine.call('POST', `/exec/${created.body.Id}/start`, { Detach: false });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    assert.deepEqual(demultiplex(res.body), [{ stream: 1, text: `${app.id.slice(0, 12)}\n` }]);
  });

  test('a detached exec returns at once and runs on', async () => {
    const created = await engine.json('POST', `/containers/${app.id}/exec`, {
      Cmd: ['sh', '-c', 'sleep 0.3; echo done > /tmp/detached'],
    });
    const res = await engine.call('POST', `/exec/${created.body.Id}/start`, { Detach: true });
    assert.equal(res.status, 200);
    await waitFor(
      'the detached exec to finish',
      async () => !(await engine.json('GET', `/exec/${created.body.Id}/json`)).body.Running,
    );
    const check = await engine.json('POST', `/containers/${app.id}/exec`, {
      AttachStdout: true,
      Cmd: ['cat', '/tmp/detached'],
    });
    const out = await engine.call('POST', `/exec/${check.body.Id}/start`, {});
    assert.deepEqual(demultiplex(out.body), [{ stream: 1, text: 'done\n' }]);
  });

  test('bad requests get clear errors', async () => {
    assert.deepEqual(await engine.json('POST', `/containers/${app.id}/exec`, { Cmd: [] }), {
      status: 400,
      body: { message: 'No exec command specified' },
    });
    assert.equal((await engine.json('POST', `/containers/${app.id}/exec`, { Cmd: [1, 2] })).status, 400);
    assert.equal(
      (await engine.json('POST', `/containers/${app.id}/exec`, { Cmd: ['ls'], WorkingDir: 'relative' }))
        .status,
      400,
    );
    assert.equal((await engine.json('POST', '/containers/nope/exec', { Cmd: ['ls'] })).status, 404);
    assert.equal((await engine.json('GET', '/exec/nope/json')).status, 404);
    assert.equal((await engine.json('POST', '/exec/nope/start', {})).status, 404);
    const created = await engine.json('POST', `/containers/${app.id}/exec`, { Cmd: ['ls'] });
    assert.equal((await engine.json('POST', `/exec/${created.body.Id}/resize?h=x&w=3`)).status, 400);
    const stopped = await engine.run({ image: 'alpine', args: ['true'] });
    await engine.executor.wait(stopped.id);
    const refused = await engine.json('POST', `/containers/${stopped.id}/exec`, { Cmd: ['ls'] });
    assert.equal(refused.status, 409);
    assert.match(refused.body.message, /is not running/);
  });
});

describe('docker exec', { skip: !dockerCliAvailable() && 'the docker CLI is not installed' }, () => {
  test('prints the secret and the hostname, and exits with the command status', async () => {
    const secret = await engine.docker(['exec', app.id.slice(0, 12), 'cat', '/run/secrets/my_secret']);
    assert.deepEqual(secret, { code: 0, stdout: 'test\n', stderr: '' });
    const hostname = await engine.docker(['exec', app.name, 'hostname']);
    assert.equal(hostname.stdout, `${app.id.slice(0, 12)}\n`);
    const failing = await engine.docker(['exec', app.id, 'sh', '-c', 'echo bad >&2; exit 5']);
    assert.deepEqual(failing, { code: 5, stdout: '', stderr: 'bad\n' });
    const interactive = await engine.docker(['exec', '-i', app.id, 'sh'], 'echo "$APP_VERSION"\n');
    assert.equal(interactive.stdout, '2.0.0\n');
    const missing = await engine.docker(['exec', app.id, 'nope']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /executable file not found in \$PATH/);
  });

  test('docker exec -it gives an interactive shell in a terminal', async (t) => {
    let pty: typeof import('node-pty');
    try {
      pty = createRequire(import.meta.url)('node-pty');
    } catch {
      t.skip('node-pty is not available');
      return;
    }
    const term = pty.spawn('docker', ['exec', '-it', app.id.slice(0, 12), 'sh'], {
      cols: 100,
      rows: 30,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: engine.dir,
        DOCKER_HOST: `unix://${engine.socketPath}`,
        DOCKER_CONFIG: `${engine.dir}/.docker`,
      },
    });
    let screen = '';
    term.onData((data) => {
      screen += data;
    });
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor('the prompt', () => screen.includes('/app # '), 20_000);
    term.write('echo in-a-terminal\r');
    await waitFor('the output', () => /in-a-terminal\r\n.*in-a-terminal\r\n/s.test(screen), 20_000);
    term.write('exit 6\r');
    assert.equal(await exited, 6);
  });
});
