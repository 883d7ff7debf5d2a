import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../agent/executor/test-support.js';
import type { ContainerInfo } from '../../agent/executor/types.js';
import { assertEachMatches, assertMatchesDefinition } from '../testing/schema.js';
import { commandText, containersDiskUsage, humanDuration, statusText } from './containers.js';
import { demultiplex, dockerCliAvailable, startTestEngine, type TestEngine } from './engine-test-support.js';

let engine: TestEngine;
let web: ContainerInfo;
let healthy: ContainerInfo;
let finished: ContainerInfo;

before(async () => {
  engine = await startTestEngine();
  web = await engine.run({
    image: 'nginx:latest',
    labels: { 'com.docker.swarm.service.name': 'web', 'com.docker.swarm.task.id': 'task1' },
    networks: [{ name: 'routing-mesh', id: 'netid1', addresses: ['10.0.1.5/24'] }],
  });
  healthy = await engine.run({
    image: 'albertogviana/docker-routing-mesh:2.0.0',
    secrets: [{ target: 'my_secret', data: Buffer.from('test\n') }],
  });
  finished = await engine.run({
    image: 'alpine',
    args: ['sh', '-c', 'echo out; echo err >&2; echo more; exit 4'],
  });
  await engine.executor.wait(finished.id);
});
after(() => engine.close());

test('durations, statuses and commands read as in docker ps', () => {
  assert.equal(humanDuration(300), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(5_500), '5 seconds');
  assert.equal(humanDuration(90_000), 'About a minute');
  assert.equal(humanDuration(3 * 3600_000), '3 hours');
  assert.equal(humanDuration(3 * 86400_000), '3 days');
  assert.equal(
    commandText(['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']),
    "/docker-entrypoint.sh nginx -g 'daemon off;'",
  );
  const base = {
    state: 'running',
    startedAt: new Date(1000).toISOString(),
    created: new Date(0).toISOString(),
  } as ContainerInfo;
  assert.equal(statusText(base, 6_000), 'Up 5 seconds');
  assert.equal(
    statusText({ ...base, health: { status: 'starting', failingStreak: 0, log: [] } }, 6_000),
    'Up 5 seconds (health: starting)',
  );
  assert.equal(
    statusText({ ...base, health: { status: 'healthy', failingStreak: 0, log: [] } }, 6_000),
    'Up 5 seconds (healthy)',
  );
  assert.equal(
    statusText({ ...base, state: 'exited', exitCode: 0, finishedAt: new Date(3000).toISOString() }, 6_000),
    'Exited (0) 3 seconds ago',
  );
});

describe('GET /containers/json', () => {
  test('lists running containers as ContainerSummary, newest first; all=1 adds the exited ones', async () => {
    const running = await engine.json('GET', '/v1.47/containers/json');
    assert.equal(running.status, 200);
    assertEachMatches('ContainerSummary', running.body);
    assert.deepEqual(
      running.body.map((c: { Id: string }) => c.Id),
      [healthy.id, web.id],
    );
    const nginx = running.body[1];
    assert.deepEqual(nginx.Names, [`/${web.name}`]);
    assert.equal(nginx.Image, 'nginx:latest');
    assert.equal(nginx.ImageID, web.imageId);
    assert.equal(nginx.Command, "/docker-entrypoint.sh nginx -g 'daemon off;'");
    assert.equal(nginx.State, 'running');
    assert.match(nginx.Status, /^Up /);
    assert.deepEqual(nginx.Ports, [{ PrivatePort: 80, Type: 'tcp' }]);
    assert.equal(nginx.NetworkSettings.Networks['routing-mesh'].IPAddress, '10.0.1.5');
    const all = await engine.json('GET', '/containers/json?all=1&size=1');
    assertEachMatches('ContainerSummary', all.body);
    assert.equal(all.body.length, 3);
    assert.match(all.body[0].Status, /^Exited \(4\) /);
    assert.ok(all.body[0].SizeRootFs > all.body[0].SizeRw);
  });

  test('filters and limit', async () => {
    const ids = async (query: string) =>
      (await engine.json('GET', `/containers/json?${query}`)).body.map((c: { Id: string }) => c.Id);
    assert.deepEqual(
      await ids(`filters=${encodeURIComponent('{"label":{"com.docker.swarm.service.name=web":true}}')}`),
      [web.id],
    );
    assert.deepEqual(await ids(`filters=${encodeURIComponent('{"status":["exited"]}')}`), [finished.id]);
    assert.deepEqual(await ids(`filters=${encodeURIComponent(JSON.stringify({ name: [healthy.name] }))}`), [
      healthy.id,
    ]);
    assert.deepEqual(
      await ids(`filters=${encodeURIComponent(JSON.stringify({ id: [web.id.slice(0, 8)] }))}`),
      [web.id],
    );
    assert.deepEqual(await ids(`all=1&filters=${encodeURIComponent('{"exited":["4"]}')}`), [finished.id]);
    assert.deepEqual(await ids(`filters=${encodeURIComponent('{"ancestor":["nginx"]}')}`), [web.id]);
    assert.deepEqual(await ids(`filters=${encodeURIComponent('{"is-task":["true"]}')}`), [web.id]);
    assert.deepEqual(await ids('limit=1'), [finished.id]);
    const bad = await engine.json(
      'GET',
      `/containers/json?filters=${encodeURIComponent('{"colour":["red"]}')}`,
    );
    assert.deepEqual(bad, { status: 400, body: { message: "invalid filter 'colour'" } });
    assert.equal(
      (await engine.json('GET', `/containers/json?filters=${encodeURIComponent('{"status":["sleepy"]}')}`))
        .status,
      400,
    );
    assert.equal((await engine.json('GET', '/containers/json?limit=many')).status, 400);
  });
});

describe('GET /containers/{id}/json', () => {
  test('finds a container by id, id prefix or name, with Docker inspect shapes', async () => {
    for (const key of [healthy.id, healthy.id.slice(0, 12), healthy.name, `/${healthy.name}`]) {
      const res = await engine.json('GET', `/v1.47/containers/${encodeURIComponent(key)}/json`);
      assert.equal(res.status, 200, key);
      assert.equal(res.body.Id, healthy.id);
    }
    const { body } = await engine.json('GET', `/containers/${healthy.id}/json?size=1`);
    assertMatchesDefinition('ContainerState', body.State);
    assertMatchesDefinition('ContainerConfig', body.Config);
    assertMatchesDefinition('HostConfig', body.HostConfig);
    assertMatchesDefinition('NetworkSettings', body.NetworkSettings);
    assertMatchesDefinition('DriverData', body.GraphDriver);
    assertEachMatches('MountPoint', body.Mounts);
    assert.equal(body.Name, `/${healthy.name}`);
    assert.equal(body.Path, './docker-routing-mesh');
    assert.equal(body.Config.Hostname, healthy.id.slice(0, 12));
    assert.ok(body.Config.Env.includes('APP_VERSION=2.0.0'));
    assert.deepEqual(body.Config.Healthcheck.Test, ['CMD-SHELL', 'wget -qO- localhost:8080/health']);
    assert.equal(body.State.Running, true);
    assert.equal(body.State.Health.Status, 'starting');
    assert.equal(body.Config.Tty, false);
    const port = body.NetworkSettings.Ports['8080/tcp'];
    assert.equal(port[0].HostIp, '127.0.0.1');
    assert.ok(Number(port[0].HostPort) > 0);
    const exited = (await engine.json('GET', `/containers/${finished.id}/json`)).body;
    assert.equal(exited.State.Status, 'exited');
    assert.equal(exited.State.ExitCode, 4);
    assert.equal(exited.State.Health, undefined);
  });

  test('unknown and ambiguous containers get Docker errors', async () => {
    assert.deepEqual(await engine.json('GET', '/containers/nope/json'), {
      status: 404,
      body: { message: 'No such container: nope' },
    });
    assert.match(
      (await engine.json('GET', '/containers//json')).body?.message ?? 'page not found',
      /page not found|No such container/,
    );
  });
});

describe('GET /containers/{id}/logs', () => {
  test("answers Docker's multiplexed frames with tail, streams and timestamps", async () => {
    const res = await engine.call('GET', `/v1.47/containers/${finished.id}/logs?stdout=1&stderr=1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    // stdout and stderr come through two pipes: their relative order is not kept (neither in Docker).
    const frames = demultiplex(res.body);
    assert.deepEqual(
      frames.filter((f) => f.stream === 1).map((f) => f.text),
      ['out\n', 'more\n'],
    );
    assert.deepEqual(
      frames.filter((f) => f.stream === 2).map((f) => f.text),
      ['err\n'],
    );
    const onlyOut = demultiplex(
      (await engine.call('GET', `/containers/${finished.id}/logs?stdout=1&tail=1`)).body,
    );
    assert.deepEqual(onlyOut, [{ stream: 1, text: 'more\n' }]);
    const stamped = demultiplex(
      (await engine.call('GET', `/containers/${finished.id}/logs?stderr=1&timestamps=1`)).body,
    );
    assert.match(stamped[0].text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err\n$/);
    const none = await engine.json('GET', `/containers/${finished.id}/logs`);
    assert.equal(none.status, 400);
    assert.match(none.body.message, /at least one stream/);
    assert.equal((await engine.json('GET', `/containers/${finished.id}/logs?stdout=1&tail=x`)).status, 400);
    assert.equal((await engine.json('GET', '/containers/nope/logs?stdout=1')).status, 404);
  });

  test('follow streams until the container exits', async () => {
    const ticker = await engine.run({
      image: 'busybox',
      args: ['sh', '-c', 'echo one; sleep 0.5; echo two'],
    });
    const res = await engine.call('GET', `/containers/${ticker.id}/logs?stdout=1&follow=1`);
    assert.deepEqual(
      demultiplex(res.body).map((f) => f.text),
      ['one\n', 'two\n'],
    );
  });
});

describe('stop, kill, remove and prune', () => {
  test('a running container cannot be removed without force; prune removes only stopped ones', async () => {
    const victim = await engine.run({ image: 'alpine', args: ['sleep', '600'] });
    const refused = await engine.json('DELETE', `/containers/${victim.id}`);
    assert.equal(refused.status, 409);
    assert.match(
      refused.body.message,
      /container is running: stop the container before removing or force remove/,
    );
    assert.equal((await engine.call('POST', `/containers/${victim.id}/stop?t=2`)).status, 204);
    assert.equal((await engine.call('POST', `/containers/${victim.id}/stop`)).status, 304);
    const waited = await engine.json('POST', `/containers/${victim.id}/wait`);
    assert.equal(waited.body.StatusCode, 143);
    const pruned = await engine.json('POST', '/v1.47/containers/prune');
    assert.equal(pruned.status, 200);
    assert.ok(pruned.body.ContainersDeleted.includes(victim.id));
    assert.ok(pruned.body.ContainersDeleted.includes(finished.id));
    assert.ok(!pruned.body.ContainersDeleted.includes(web.id));
    assert.equal(typeof pruned.body.SpaceReclaimed, 'number');
    assert.equal(engine.executor.inspect(victim.id), undefined);
    const killed = await engine.run({ image: 'alpine', args: ['sleep', '600'] });
    assert.equal((await engine.call('POST', `/containers/${killed.id}/kill?signal=TERM`)).status, 204);
    await waitFor('exit', () => engine.executor.inspect(killed.id)?.state === 'exited');
    assert.equal(engine.executor.inspect(killed.id)?.exitCode, 143);
    const forced = await engine.run({ image: 'alpine', args: ['sleep', '600'] });
    assert.equal((await engine.call('DELETE', `/containers/${forced.id}?force=1`)).status, 204);
    assert.equal(engine.executor.inspect(forced.id), undefined);
  });

  test('system df lists every container with its sizes', () => {
    const usage = containersDiskUsage(engine.executor);
    assertEachMatches('ContainerSummary', usage);
    assert.ok(usage.every((c) => typeof c.SizeRw === 'number'));
  });
});

describe('the docker CLI', { skip: !dockerCliAvailable() && 'the docker CLI is not installed' }, () => {
  test('docker ps shows the running containers as Docker does', async () => {
    const ps = await engine.docker(['ps']);
    assert.equal(ps.code, 0, ps.stderr);
    const lines = ps.stdout.trim().split('\n');
    assert.match(lines[0], /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    const nginx = lines.find((line) => line.includes(web.name))!;
    assert.ok(nginx.startsWith(web.id.slice(0, 12)));
    assert.match(nginx, /nginx:latest\s+"\/docker-entrypoint\.…"\s+\S.* ago\s+Up .*80\/tcp\s+web\.1\./);
    const names = await engine.docker(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
    assert.match(names.stdout, new RegExp(`${healthy.name} Up .*\\((health: starting|healthy)\\)`));
  });

  test('docker logs and docker inspect', async () => {
    const alpine = await engine.run({
      image: 'alpine',
      args: ['sh', '-c', 'echo to-stdout; echo to-stderr >&2'],
    });
    await engine.executor.wait(alpine.id);
    const logs = await engine.docker(['logs', alpine.id.slice(0, 12)]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'to-stdout\n');
    assert.equal(logs.stderr, 'to-stderr\n');
    const tail = await engine.docker(['logs', '--tail', '1', '-t', alpine.name]);
    assert.match(tail.stderr, /^\S+Z to-stderr\n$/);
    const inspect = await engine.docker([
      'inspect',
      '--format',
      '{{.Config.Hostname}} {{.State.Status}} {{.State.ExitCode}}',
      alpine.id,
    ]);
    assert.equal(inspect.stdout, `${alpine.id.slice(0, 12)} exited 0\n`);
    const missing = await engine.docker(['logs', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such container: nope/);
  });
});
