import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ContainerRuntime } from '../container-runtime.js';
import { Executor } from './executor.js';
import { detectSandbox } from './sandbox.js';
import { finish, httpGet, newId, waitFor } from './test-support.js';
import type { ContainerConfig, ContainerInfo } from './types.js';

const modes: ('bubblewrap' | 'process')[] =
  detectSandbox().runtime === 'bubblewrap' ? ['bubblewrap', 'process'] : ['process'];
const root = mkdtempSync(join(tmpdir(), 'swarmlab-executor-'));
after(() => rmSync(root, { recursive: true, force: true }));

// The agent drives the executor through its ContainerRuntime interface: this must keep compiling.
const asRuntime = (executor: Executor): ContainerRuntime => executor;

function config(overrides: Partial<ContainerConfig> & { image: string }): ContainerConfig {
  const id = newId();
  return { id, name: `test.1.${id.slice(0, 25)}`, stopGracePeriodMs: 10_000, ...overrides };
}

async function run(
  executor: Executor,
  overrides: Partial<ContainerConfig> & { image: string },
): Promise<ContainerInfo> {
  const created = await executor.create(config(overrides));
  await executor.start(created.id);
  return executor.inspect(created.id)!;
}

async function logsOf(executor: Executor, id: string): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  for await (const entry of executor.logs(id)) {
    if (entry.stream === 'stdout') stdout += entry.data.toString();
    else stderr += entry.data.toString();
  }
  return { stdout, stderr };
}

for (const mode of modes) {
  describe(`containers as ${mode === 'bubblewrap' ? 'bubblewrap sandboxes' : 'plain processes'}`, () => {
    const executor = new Executor({
      containersDir: join(root, mode),
      nodeAddr: '127.0.0.1',
      sandbox: mode === 'process' ? 'process' : 'auto',
    });
    after(() => executor.close());

    test('the executor says how it runs containers', () => {
      assert.equal(executor.info().runtime, mode);
      assert.equal(asRuntime(executor), executor);
    });

    test('a shell command runs with its hostname, environment and secrets, and its output is logged', async () => {
      const info = await run(executor, {
        image: 'alpine',
        args: [
          'sh',
          '-c',
          'hostname; echo "$GREETING"; cat /run/secrets/my_secret /etc/app/pw; echo oops >&2; exit 3',
        ],
        env: ['GREETING=hello swarm'],
        secrets: [
          { target: '/run/secrets/my_secret', data: Buffer.from('test\n'), mode: 0o444, uid: '0', gid: '0' },
          { target: '/etc/app/pw', data: Buffer.from('s3cret\n'), mode: 0o400 },
        ],
      });
      assert.equal(info.runtime, mode);
      const done = await executor.wait(info.id);
      assert.equal(done.state, 'exited');
      assert.equal(done.exitCode, 3);
      const logs = await logsOf(executor, info.id);
      assert.equal(
        logs.stdout.split('\n').slice(0, 4).join('\n'),
        `${info.id.slice(0, 12)}\nhello swarm\ntest\ns3cret`,
      );
      assert.equal(logs.stderr.trim().split('\n').pop(), 'oops');
      const pw = info.mounts.find((m) => m.target === '/etc/app/pw');
      assert.ok(
        pw && !pw.source.startsWith(info.dir),
        'secrets live outside the container directory (on a tmpfs)',
      );
      assert.equal(statSync(pw.source).mode & 0o777, 0o400);
      assert.ok(
        !existsSync(join(info.dir, 'rootfs/etc/app/pw')) ||
          statSync(join(info.dir, 'rootfs/etc/app/pw')).size === 0,
      );
    });

    test('the demo app answers with its hostname; exec reads secrets and the hostname', async () => {
      const info = await run(executor, {
        image: 'albertogviana/docker-routing-mesh:1.0.0',
        secrets: [{ target: '/run/secrets/my_secret', data: Buffer.from('test\n'), mode: 0o444 }],
      });
      const mapping = await waitFor('port 8080', () =>
        executor.inspect(info.id)?.ports.find((p) => p.targetPort === 8080),
      );
      assert.equal(mapping.hostAddr, '127.0.0.1');
      const answer = await httpGet(mapping, '/any/path');
      assert.equal(answer.status, 200);
      assert.equal(answer.body, `The hostname is ${info.id.slice(0, 12)}!`);
      assert.deepEqual(
        await finish(await executor.exec(info.id, { cmd: ['cat', '/run/secrets/my_secret'] })),
        { code: 0, stdout: 'test\n', stderr: '' },
      );
      assert.deepEqual(await finish(await executor.exec(info.id, { cmd: ['hostname'] })), {
        code: 0,
        stdout: `${info.id.slice(0, 12)}\n`,
        stderr: '',
      });
      const missing = await finish(await executor.exec(info.id, { cmd: ['nosuch'] }));
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /executable file not found in \$PATH/);
      const viaShell = await finish(
        await executor.exec(info.id, { cmd: ['sh', '-c', 'wget -qO- localhost:8080/x; exit 5'] }),
      );
      assert.deepEqual(viaShell, { code: 5, stdout: `The hostname is ${info.id.slice(0, 12)}!`, stderr: '' });
      await executor.stop(info.id, 5000);
      assert.equal(executor.inspect(info.id)?.state, 'exited');
    });

    test('exec passes stdin through, and a tty exec runs an interactive shell', async () => {
      const info = await run(executor, { image: 'busybox', args: ['sleep', '600'] });
      const session = await executor.exec(info.id, { cmd: ['sh'], stdin: true, env: ['WHO=exec'] });
      session.stdin!.end('echo "hi $WHO"\ncat /etc/hostname\nexit 7\n');
      assert.deepEqual(await finish(session), {
        code: 7,
        stdout: `hi exec\n${info.id.slice(0, 12)}\n`,
        stderr: '',
      });
      const tty = await executor.exec(info.id, { cmd: ['sh'], stdin: true, tty: true, cols: 100, rows: 30 });
      let screen = '';
      tty.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
      });
      await waitFor('the prompt', () => screen.includes('/ # '));
      tty.stdin!.write('echo typed\r');
      await waitFor('the echo', () => screen.includes('typed\r\n/ # '));
      tty.resize(120, 40);
      tty.stdin!.write('exit 2\r');
      assert.equal(await tty.wait(), 2);
      assert.match(screen, /echo typed\r\ntyped\r\n/);
      await executor.stop(info.id, 2000);
    });
  });
}

describe('container lifecycle', () => {
  const executor = new Executor({ containersDir: join(root, 'lifecycle'), nodeAddr: '127.0.0.1' });
  after(() => executor.close());

  test("an unknown image is refused with Docker's text; a missing command fails the start", async () => {
    await assert.rejects(executor.create(config({ image: 'nope:1' })), { message: 'No such image: nope:1' });
    await assert.rejects(executor.create(config({ image: 'Bad Ref' })), /invalid reference format/);
    const info = await executor.create(config({ image: 'alpine', args: ['nosuchprogram'] }));
    await assert.rejects(executor.start(info.id), /executable file not found in \$PATH/);
    const after = executor.inspect(info.id)!;
    assert.equal(after.state, 'exited');
    assert.equal(after.exitCode, 127);
    assert.match(after.error ?? '', /executable file not found/);
  });

  test('stop sends SIGTERM; a program that ignores it is killed after the grace period', async () => {
    const polite = await run(executor, { image: 'alpine', args: ['sleep', '600'] });
    const started = Date.now();
    await executor.stop(polite.id, 10_000);
    assert.equal(executor.inspect(polite.id)?.exitCode, 143);
    assert.ok(Date.now() - started < 8000);

    const stubborn = await run(executor, {
      image: 'alpine',
      args: ['sh', '-c', "trap '' TERM; echo trapped; sleep 600"],
    });
    await waitFor('the trap', async () => (await logsOf(executor, stubborn.id)).stdout.includes('trapped'));
    const before = Date.now();
    await executor.stop(stubborn.id, 700);
    const elapsed = Date.now() - before;
    assert.equal(executor.inspect(stubborn.id)?.exitCode, 137);
    assert.ok(elapsed >= 650, `killed after the grace period (${elapsed} ms)`);
  });

  test("nginx stops on its image's stop signal (SIGQUIT) and exits 0", async () => {
    const info = await run(executor, { image: 'nginx' });
    assert.equal(info.stopSignal, 'SIGQUIT');
    const mapping = await waitFor('port 80', () =>
      executor.inspect(info.id)?.ports.find((p) => p.targetPort === 80),
    );
    const page = await httpGet(mapping);
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Welcome to nginx!<\/h1>/);
    assert.equal(page.headers.server, 'nginx/1.27.4');
    await executor.stop(info.id, 5000);
    const done = executor.inspect(info.id)!;
    assert.equal(done.exitCode, 0);
    const logs = await logsOf(executor, info.id);
    assert.match(logs.stdout, /^\/docker-entrypoint\.sh: /);
    assert.match(logs.stdout, /"GET \/ HTTP\/1\.1" 200 \d+/);
    assert.match(logs.stderr, /signal 3 \(SIGQUIT\) received, shutting down/);
  });

  test('2.0.0 turns healthy through its image healthcheck', async () => {
    const info = await run(executor, { image: 'albertogviana/docker-routing-mesh:2.0.0' });
    assert.deepEqual(info.healthcheck, {
      test: ['CMD-SHELL', 'wget -qO- localhost:8080/health'],
      intervalMs: 10_000,
      timeoutMs: 30_000,
      retries: 3,
      startPeriodMs: 0,
      startIntervalMs: 5000,
    });
    assert.equal(info.health?.status, 'starting');
    const healthy = await waitFor(
      'healthy',
      () => (executor.inspect(info.id)?.health?.status === 'healthy' ? executor.inspect(info.id) : undefined),
      40_000,
    );
    assert.equal(healthy.health?.failingStreak, 0);
    assert.deepEqual(healthy.health?.log[0].exitCode, 0);
    assert.equal(healthy.health?.log[0].output, '{"version":"2.0.0","status":"OK"}');
    const mapping = healthy.ports[0];
    assert.equal((await httpGet(mapping, '/health')).body, '{"version":"2.0.0","status":"OK"}');
    await executor.stop(info.id, 2000);
  });

  test('a failing check makes a container unhealthy after its retries; a hung one times out', async () => {
    const changes: string[] = [];
    const info = await run(executor, {
      image: 'alpine',
      args: ['sleep', '600'],
      healthcheck: { Test: ['CMD-SHELL', 'echo checking; exit 1'], Interval: 150e6, Retries: 2 },
    });
    executor.on('change', (c: ContainerInfo) => {
      if (c.id === info.id && c.health) changes.push(`${c.health.status}/${c.health.failingStreak}`);
    });
    const sick = await waitFor('unhealthy', () =>
      executor.inspect(info.id)?.health?.status === 'unhealthy' ? executor.inspect(info.id) : undefined,
    );
    assert.ok(sick.health!.failingStreak >= 2);
    assert.equal(sick.health!.log.at(-1)?.output, 'checking\n');
    assert.equal(sick.health!.log.at(-1)?.exitCode, 1);
    assert.ok(changes.includes('starting/1'), changes.join(' '));
    await waitFor('six probes', () => sick.health && executor.inspect(info.id)!.health!.failingStreak >= 6);
    assert.equal(executor.inspect(info.id)!.health!.log.length, 5);
    await executor.stop(info.id, 1000);

    const hung = await run(executor, {
      image: 'alpine',
      args: ['sleep', '600'],
      healthcheck: { Test: ['CMD', 'sleep', '10'], Interval: 100e6, Timeout: 300e6, Retries: 1 },
    });
    const timedOut = await waitFor('a timed-out probe', () =>
      executor.inspect(hung.id)?.health?.status === 'unhealthy' ? executor.inspect(hung.id) : undefined,
    );
    assert.deepEqual(
      [timedOut.health!.log[0].exitCode, timedOut.health!.log[0].output],
      [-1, 'Health check exceeded timeout (300ms)'],
    );
    await executor.stop(hung.id, 1000);
  });

  test('NONE in the container disables the image healthcheck', async () => {
    const info = await executor.create(
      config({ image: 'albertogviana/docker-routing-mesh:2.0.0', healthcheck: { Test: ['NONE'] } }),
    );
    assert.equal(info.healthcheck, undefined);
    await executor.remove(info.id);
  });

  test('logs: tail, since, streams and follow until the container exits', async () => {
    const info = await run(executor, {
      image: 'alpine',
      args: [
        'sh',
        '-c',
        'for i in 1 2 3 4 5; do echo line $i; done; sleep 0.3; echo warn >&2; sleep 0.6; echo late; sleep 0.4',
      ],
    });
    await waitFor('the warning', async () => (await logsOf(executor, info.id)).stderr.includes('warn'));
    const tail: string[] = [];
    for await (const entry of executor.logs(info.id, { tail: 2, stderr: false }))
      tail.push(entry.data.toString());
    assert.deepEqual(tail, ['line 4\n', 'line 5\n']);
    const followed: string[] = [];
    for await (const entry of executor.logs(info.id, { follow: true, tail: 1 }))
      followed.push(`${entry.stream}:${entry.data}`);
    assert.deepEqual(followed, ['stderr:warn\n', 'stdout:late\n']);
    const future: string[] = [];
    for await (const entry of executor.logs(info.id, { since: new Date(Date.now() + 60_000) }))
      future.push(entry.data.toString());
    assert.deepEqual(future, []);
  });

  test('remove deletes the container directory, secrets included', async () => {
    const info = await run(executor, {
      image: 'alpine',
      args: ['sleep', '600'],
      secrets: [{ target: 'x', data: Buffer.from('gone soon') }],
    });
    assert.ok(existsSync(join(info.dir, 'rootfs/run/secrets/x')));
    await executor.remove(info.id);
    assert.equal(existsSync(info.dir), false);
    assert.equal(executor.inspect(info.id), undefined);
  });

  test('redis answers RESP and reports its version', async () => {
    const info = await run(executor, { image: 'redis:3.0.6' });
    const mapping = await waitFor('port 6379', () =>
      executor.inspect(info.id)?.ports.find((p) => p.targetPort === 6379),
    );
    const socket = connect(mapping.hostPort, mapping.hostAddr);
    const replies: string[] = [];
    socket.on('data', (chunk: Buffer) => replies.push(chunk.toString()));
    socket.write(
      '*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n41\r\n*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n',
    );
    socket.write(
      '*2\r\n$6\r\nEXISTS\r\n$1\r\nk\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n$4\r\nINFO\r\n',
    );
    await waitFor('eight replies', () => replies.join('').includes('redis_version'));
    const text = replies.join('');
    assert.ok(text.startsWith('+PONG\r\n+OK\r\n:42\r\n$2\r\n42\r\n:1\r\n:1\r\n$2\r\nhi\r\n$'), text);
    assert.match(text, /redis_version:3\.0\.6\r\n/);
    socket.end('*1\r\n$4\r\nQUIT\r\n');
    const cli = await finish(await executor.exec(info.id, { cmd: ['redis-cli', 'ping'] }));
    assert.deepEqual(cli, { code: 0, stdout: 'PONG\n', stderr: '' });
    await executor.stop(info.id, 2000);
    assert.equal(executor.inspect(info.id)?.exitCode, 0);
  });

  test('whoami prints the hostname, addresses, remote address and the request', async () => {
    const info = await run(executor, {
      image: 'traefik/whoami',
      networks: [{ name: 'routing-mesh', id: 'n1', addresses: ['10.0.3.7/24'] }],
    });
    const mapping = await waitFor('port 80', () =>
      executor.inspect(info.id)?.ports.find((p) => p.targetPort === 80),
    );
    const { body } = await httpGet(mapping, '/who?x=1', { 'X-Custom': 'yes' });
    assert.match(
      body,
      new RegExp(
        `^Hostname: ${info.id.slice(0, 12)}\nIP: 127\\.0\\.0\\.1\nIP: 10\\.0\\.3\\.7\nRemoteAddr: 127\\.0\\.0\\.1:\\d+\nGET /who\\?x=1 HTTP/1\\.1\r\nHost: 127\\.0\\.0\\.1:\\d+\r\n`,
      ),
    );
    assert.match(body, /X-Custom: yes\r\n/);
    await executor.stop(info.id, 2000);
  });

  test('the broken tag exits non-zero a second after it starts', async () => {
    const info = await run(executor, { image: 'albertogviana/docker-routing-mesh:3.0.0-broken' });
    const done = await executor.wait(info.id);
    assert.equal(done.exitCode, 2);
    assert.match((await logsOf(executor, info.id)).stderr, /^panic: /);
  });

  test('a restarted executor shows the containers of its previous run as exited', async () => {
    const dir = join(root, 'restart');
    const first = new Executor({ containersDir: dir, nodeAddr: '127.0.0.1' });
    const info = await run(first, { image: 'alpine', args: ['sleep', '600'] });
    const second = new Executor({ containersDir: dir, nodeAddr: '127.0.0.1' });
    const seen = second.inspect(info.id)!;
    assert.equal(seen.state, 'exited');
    assert.equal(seen.exitCode, 137);
    await first.close();
    await second.remove(info.id);
  });

  test('stats report each running container and its resident memory', async () => {
    const info = await run(executor, { image: 'alpine', args: ['sleep', '600'] });
    const stats = executor.stats();
    assert.ok(stats.running >= 1);
    assert.ok(stats.rssBytesById[info.id] > 1024 * 1024);
    await executor.stop(info.id, 1000);
  });
});
