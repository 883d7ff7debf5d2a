// The workshop server end to end over its real protocol: sessions, labs, shells, flow control, restarts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newSessionCookie, WorkshopClient } from '../server/testing/workshop-client.js';
import { type RunningWorkshop, startWorkshop } from '../server/workshop.js';

const root = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'swarmlab-workshop-'));
let workshop: RunningWorkshop;
const clients: WorkshopClient[] = [];

before(async () => {
  workshop = await startWorkshop({ port: 0, dataDir: join(scratch, 'main') });
});

after(async () => {
  for (const client of clients) client.close();
  await workshop?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function connect(
  origin = workshop.origin,
  options: { cookie?: string; token?: string } = {},
): Promise<WorkshopClient> {
  const client = await WorkshopClient.connect(origin, options);
  clients.push(client);
  return client;
}

/** Pids of processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function get(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page gives a session; sockets need one, from the page itself', async () => {
  const page = await get(workshop.origin, '/');
  assert.equal(page.status, 200);
  const cookie = String(page.headers['set-cookie']);
  assert.match(cookie, /swarmlab_session=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Strict/);

  const rebound = await get(workshop.origin, '/', { host: 'evil.example:4000' });
  assert.equal(rebound.status, 403, 'a foreign Host header (DNS rebinding) is refused');

  await assert.rejects(
    WorkshopClient.connect(workshop.origin, { cookie: 'swarmlab_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
    /no session/,
  );
  const valid = await newSessionCookie(workshop.origin);
  await assert.rejects(
    WorkshopClient.connect(workshop.origin, { cookie: valid, origin: 'http://evil.example' }),
  );
  await assert.rejects(
    WorkshopClient.connect(workshop.origin, { cookie: valid, origin: '', transport: 'polling' }),
  );
  const polling = await WorkshopClient.connect(workshop.origin, {
    cookie: valid,
    origin: '',
    transport: 'polling',
    headers: { 'sec-fetch-site': 'same-origin' },
  });
  assert.equal(
    polling.hello?.lessons.length,
    13,
    "a browser's same-origin polling request carries no Origin",
  );
  polling.close();
});

test('a lab has a shell per node, set up for that node, that no other learner reaches', async () => {
  const learner = await connect();
  assert.equal(learner.hello?.lab, null);
  assert.equal(learner.hello?.lessons.length, 13);
  assert.equal(learner.lesson?.id, 'L1');
  const lab = await learner.startLab(3);
  assert.deepEqual(lab.terminals.map((t) => t.node).sort(), ['swarm-1', 'swarm-2', 'swarm-3']);
  assert.ok(lab.readyMs !== undefined && lab.readyMs > 0);
  await learner.until('the cluster view', () => learner.cluster?.message.includes('No swarm yet'));

  const shell = learner.terminalOf('swarm-2');
  assert.deepEqual(await learner.attach(shell), { ok: true, reset: false, offset: 0 });
  await learner.waitForOutput(shell, /@swarm-2/);
  learner.type(
    shell,
    `echo "node=$SWARM_NODE first=$SWARM_1 host=$DOCKER_HOST name=$(docker info --format '{{.Name}}')"\r`,
  );
  const [, , first, host, name] = await learner.waitForOutput(
    shell,
    /(node=swarm-2) first=(127\.\d+\.\d+\.\d+) host=(unix:\/\/\S+) name=(\S+)/,
  );
  assert.equal(first, lab.nodes[0].addr);
  assert.match(host, /swarm-2\/docker\.sock$/);
  assert.equal(name, 'swarm-2', 'docker in the shell talks to its own node');

  const stranger = await connect();
  assert.equal(stranger.hello?.lab, null, 'another learner has no lab');
  const refused = await stranger.attach(shell);
  assert.equal(refused.ok, false);
  stranger.type(shell, 'echo stranger-was-here\r');
  learner.type(shell, 'echo own-marker\r');
  await learner.waitForOutput(shell, /own-marker\r\n/);
  assert.doesNotMatch(learner.output(shell), /stranger-was-here/);
});

test('a reload finds the same shell with its scrollback; a reconnect gets exactly what it missed', async () => {
  const [owner] = clients.filter((c) => c.lab?.state === 'ready');
  const shell = owner.terminalOf('swarm-2');
  const reloaded = await connect(workshop.origin, { cookie: owner.cookie });
  assert.equal(reloaded.hello?.lab?.id, owner.lab?.id);
  await reloaded.attach(shell, 0);
  await reloaded.waitForOutput(shell, /own-marker/);

  const had = reloaded.output(shell).length;
  reloaded.close();
  owner.type(shell, 'echo missed-while-away\r');
  await owner.waitForOutput(shell, /missed-while-away\r\n/);
  const back = await connect(workshop.origin, { cookie: owner.cookie });
  const reply = await back.attach(shell, had);
  assert.deepEqual(reply, { ok: true, reset: false, offset: had });
  await back.waitForOutput(shell, /missed-while-away\r\n/);
  assert.doesNotMatch(back.output(shell), /own-marker/, 'nothing it already had is sent again');
  back.close();
});

test('a browser that stops acknowledging output pauses the shell; acknowledging resumes it', async () => {
  const [owner] = clients.filter((c) => c.lab?.state === 'ready');
  const shell = owner.terminalOf('swarm-3');
  for (const client of clients) if (client !== owner) client.close();
  const stuck = await connect(workshop.origin, { cookie: owner.cookie });
  await stuck.attach(shell, 0, false);
  owner.close();
  const terminal = workshop.labs.terminal(stuck.learnerId, shell);
  assert.ok(terminal);
  stuck.type(shell, 'yes 0123456789abcdefghijklmnopqrstuvwxyz\r');
  await waitUntil('the shell to pause', () => terminal.isPaused);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const received = stuck.output(shell).length;
  assert.ok(received < 2 * 1024 * 1024, `a stuck browser got at most ~1 MiB of output, not ${received}`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(stuck.output(shell).length, received, 'nothing more while paused');

  stuck.socket.emit('term:ack', shell, received);
  await stuck.until('more output', () => stuck.output(shell).length > received + 1000);
  stuck.type(shell, '\x03');
  stuck.socket.emit('term:ack', shell, 64 * 1024 * 1024);
  stuck.type(shell, 'echo stopped-$((6*7))\r');
  await stuck.until('the shell back at its prompt', () => {
    stuck.socket.emit('term:ack', shell, 64 * 1024 * 1024);
    return /stopped-42/.test(stuck.output(shell).slice(-2000));
  });
  stuck.close();
});

test('destroying a lab ends its nodes and shells', async () => {
  const learner = await connect();
  await learner.startLab(2);
  const lab = workshop.labs.labOf(learner.learnerId);
  assert.ok(lab?.handle);
  const pids = [...lab.handle.lab.nodes.map((n) => n.pid), ...[...lab.terminals.values()].map((t) => t.pid)];
  assert.equal(pids.length, 4);
  learner.socket.emit('lab:destroy');
  await learner.until('the lab to be gone', () => learner.lab === null);
  await waitUntil('every process to exit', () =>
    pids.every((pid) => processesMentioning('').includes(pid) === false),
  );
});

test('idle labs are reclaimed, and the learner is told', async () => {
  const idle = await startWorkshop({ port: 0, dataDir: join(scratch, 'idle'), idleTimeoutMs: 1_500 });
  try {
    const learner = await WorkshopClient.connect(idle.origin);
    await learner.startLab(1);
    await learner.until(
      'the lab to be reclaimed',
      () => learner.lab === null && learner.notices.some((n) => /idle/.test(n)),
      20_000,
    );
    learner.close();
  } finally {
    await idle.close();
  }
});

test('a learner finds its lesson again after a server restart', async () => {
  const dataDir = join(scratch, 'restart');
  const first = await startWorkshop({ port: 0, dataDir });
  const learner = await WorkshopClient.connect(first.origin);
  learner.socket.emit('lesson:open', 'L3');
  await learner.until('lesson L3', () => learner.lesson?.id === 'L3');
  learner.close();
  await first.close();

  const second = await startWorkshop({ port: 0, dataDir });
  try {
    const again = await WorkshopClient.connect(second.origin, { cookie: learner.cookie });
    assert.equal(again.hello?.currentLesson, 'L3');
    assert.equal(again.lesson?.id, 'L3');
    again.close();
  } finally {
    await second.close();
  }
});

test('beyond loopback a token is required; the access link gives a session', async () => {
  const guarded = await startWorkshop({
    port: 0,
    dataDir: join(scratch, 'token'),
    token: 'workshop-token-1',
  });
  try {
    assert.equal(guarded.url, `${guarded.origin}/?token=workshop-token-1`);
    assert.equal((await get(guarded.origin, '/')).status, 401);
    assert.equal((await get(guarded.origin, '/?token=wrong')).status, 401);
    const entry = await get(guarded.origin, '/?token=workshop-token-1');
    assert.equal(entry.status, 303);
    assert.equal(entry.headers.location, '/');
    const learner = await WorkshopClient.connect(guarded.origin, { token: 'workshop-token-1' });
    assert.equal(learner.hello?.lessons.length, 13);
    learner.close();
  } finally {
    await guarded.close();
  }
});

test('no node or shell outlives a server that is killed', async () => {
  const dataDir = join(scratch, 'killed');
  const server = spawn(
    process.execPath,
    [`${root}bin/swarmlab.js`, 'start', '--port', '0', '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const [line] = (await once(server.stdout, 'data')) as [Buffer];
    const origin = /http:\/\/\S+/.exec(line.toString())?.[0];
    assert.ok(origin, `no URL in "${line}"`);
    const learner = await WorkshopClient.connect(origin);
    await learner.startLab(2);
    const children = processesMentioning(dataDir);
    assert.ok(children.length >= 4, `2 nodes and 2 shells run, found ${children.length} processes`);
    learner.close();
    server.kill('SIGKILL');
    await waitUntil('every node and shell to exit', () => processesMentioning(dataDir).length === 0);
  } finally {
    server.kill('SIGKILL');
  }
});
