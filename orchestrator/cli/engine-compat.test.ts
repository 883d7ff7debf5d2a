// Container commands against the engine routes over a real executor (real containers): the same commands run
// with the real docker CLI 28.2.2 and with swarmlab-docker, one after the other on one engine, and after
// masking times their outputs and exit codes must be the same.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { startTestEngine, type TestEngine } from '../api/routes/engine-test-support.js';
import { describeDifference, OutputMasker, renderScreen } from './testing/output-masks.js';

const root = new URL('../../../', import.meta.url).pathname;
const version = spawnSync('docker', ['--version'], { encoding: 'utf8' });
const haveDocker = version.status === 0 && version.stdout.includes('28.2.2');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let engine: TestEngine;

const shellQuote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** Runs the CLI; with `tty`, in a pseudo-terminal of 100 columns, returning the screen it leaves. */
function runCli(command: string, args: string[], input?: string, tty = false): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      tty ? 'script' : command,
      tty
        ? ['-qec', `stty cols 100 rows 30 && ${[command, ...args].map(shellQuote).join(' ')}`, '/dev/null']
        : args,
      {
        env: {
          PATH: process.env.PATH,
          HOME: engine.dir,
          DOCKER_HOST: `unix://${engine.socketPath}`,
          DOCKER_CONFIG: join(engine.dir, '.docker'),
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: tty ? renderScreen(stdout) : stdout,
          stderr,
        }),
    );
    child.stdin?.end(input ?? '');
  });
}

before(async () => {
  if (!haveDocker) return;
  engine = await startTestEngine();
  await engine.run({
    image: 'nginx:latest',
    labels: { 'com.docker.swarm.service.name': 'web', 'com.docker.swarm.task.id': 'task1' },
    networks: [{ name: 'routing-mesh', id: 'netid1', addresses: ['10.0.1.5/24'] }],
  });
  await engine.run({
    image: 'albertogviana/docker-routing-mesh:2.0.0',
    secrets: [{ target: '/run/secrets/my_secret', data: Buffer.from('test\n'), mode: 0o444 }],
  });
  const finished = await engine.run({
    image: 'alpine',
    args: ['sh', '-c', 'echo out; echo err >&2; echo more; exit 4'],
  });
  await engine.executor.wait(finished.id);
});
after(() => engine?.close());

test('container commands print the same as docker 28.2.2 against the engine routes', {
  skip: !haveDocker && 'docker 28.2.2 is not on PATH',
  timeout: 300_000,
}, async (t) => {
  const containers = engine.executor.list();
  const byImage = (image: string) => containers.find((c) => c.image.startsWith(image))!;
  const nginx = byImage('nginx');
  const mesh = byImage('albertogviana');
  const alpine = byImage('alpine');
  /** contains: text docker's output must show (that the step does what it is meant to). */
  const steps: Array<{ args: string[]; input?: string; tty?: boolean; contains?: string }> = [
    { args: ['ps'] },
    { args: ['ps', '-a'] },
    { args: ['ps', '-a', '--no-trunc'] },
    { args: ['ps', '-q'] },
    { args: ['ps', '-a', '--filter', 'status=exited', '--format', '{{.Image}} {{.Status}} {{.Command}}'] },
    { args: ['ps', '--filter', 'label=com.docker.swarm.service.name=web', '--format', '{{.Names}}'] },
    {
      args: [
        'ps',
        '--format',
        '{{.Label "com.docker.swarm.task.id"}} {{.Networks}} {{.Mounts}} {{.LocalVolumes}}',
      ],
    },
    { args: ['ps', '-a', '--format', 'table {{.ID}}\t{{.Image}}\t{{.Ports}}\t{{.State}}'] },
    { args: ['ps', '-s'] },
    { args: ['logs', alpine.id.slice(0, 12)] },
    { args: ['logs', '--tail', '1', alpine.name] },
    { args: ['logs', 'nope'] },
    { args: ['exec', mesh.name, 'cat', '/run/secrets/my_secret'] },
    { args: ['exec', mesh.id, 'sh', '-c', 'echo bad >&2; exit 5'] },
    { args: ['exec', '-i', mesh.id, 'sh'], input: 'echo hello from stdin\n' },
    { args: ['exec', mesh.id, 'nope'] },
    { args: ['exec', alpine.id, 'true'] },
    { args: ['exec', nginx.name.slice(0, 5), 'hostname'] },
    { args: ['exec', '-e', 'X=1', '-w', '/tmp', mesh.id, 'sh', '-c', 'echo $X; pwd'] },
    { args: ['exec', '-u', 'nobody', mesh.id, 'id', '-un'] },
    { args: ['exec', mesh.id] },
    { args: ['logs', '--since', '2000-01-01T00:00:00Z', '--until', '2100-01-01', alpine.id] },
    { args: ['logs', '-n', 'all', '--details', alpine.id] },
    { args: ['container', 'ls', '-n', '1'] },
    { args: ['container', 'ls', '-l', '--format', '{{.Image}}'] },
    { args: ['ps', '--filter', 'health=starting', '--format', '{{.Image}}'] },
    { args: ['ps', '--format', 'json'] },
    { args: ['images'] },
    { args: ['image', 'ls', '--digests', '--no-trunc'] },
    { args: ['images', '-q', 'alpine'] },
    { args: ['images', '--format', '{{.Repository}}:{{.Tag}} {{.Containers}} {{.Size}}'] },
    { args: ['images', '--format', 'json', 'nginx'] },
    {
      args: [
        'image',
        'inspect',
        '--format',
        '{{json .Config.Healthcheck}} {{json .Config.Env}}',
        'albertogviana/docker-routing-mesh:2.0.0',
      ],
      contains: 'wget -qO- localhost:8080/health',
    },
    { args: ['image', 'inspect', 'alpine'] },
    { args: ['image', 'inspect', '--format', '{{.Id}} {{.Os}} {{.Nope}}', 'alpine'] },
    { args: ['image', 'inspect', 'nosuch:1', 'NOPE'] },
    { args: ['inspect', '--format', '{{.Name}} {{.State.Status}} {{.Config.Image}}', nginx.id] },
    { args: ['inspect', '--type', 'image', '--format', '{{.RepoTags}}', 'nginx'] },
    { args: ['inspect', 'nosuch'] },
    { args: ['inspect', '--type', 'volume', 'nosuch'] },
    { args: ['inspect', '-s', '--format', '{{.Architecture}}', 'alpine'] },
    { args: ['container', 'inspect', '--format', '{{.State.ExitCode}} {{.Path}}', alpine.id] },
    { args: ['container', 'inspect', 'nosuch'] },
    { args: ['container', 'inspect', alpine.name] },
    { args: ['rmi', 'alpine'] },
    { args: ['rmi', '-f', 'nosuch'] },
    { args: ['image', 'rm', 'nosuch', 'alpine'] },
    { args: ['image', 'prune', '-f'] },
    { args: ['image', 'prune'], input: 'n\n' },
    { args: ['pull', 'alpine'] },
    { args: ['pull', '-q', 'albertogviana/docker-routing-mesh:2.0.0'] },
    { args: ['pull', 'NGINX'] },
    { args: ['pull', '-a', 'nginx:1'] },
    { args: ['exec', '-t', mesh.id, 'sh', '-c', 'echo in a terminal; exit 3'], tty: true },
    {
      args: ['exec', '-it', mesh.id, 'sh', '-c', 'read line; echo "got $line"'],
      input: 'typed\n',
      tty: true,
      contains: 'got typed',
    },
    { args: ['ps', '--format', 'table {{.Names}}\t{{.Status}}'], tty: true },
  ];
  const masks = [new OutputMasker({ addrs: [] }), new OutputMasker({ addrs: [] })];
  const differences: string[] = [];
  for (const step of steps) {
    const a = await runCli('docker', step.args, step.input, step.tty);
    const b = await runCli(process.execPath, [`${root}bin/docker.js`, ...step.args], step.input, step.tty);
    if (step.contains && !a.stdout.includes(step.contains)) {
      differences.push(`docker ${step.args.join(' ')}: no ${JSON.stringify(step.contains)} in\n${a.stdout}`);
    }
    const mask = (run: Run, m: OutputMasker) => ({
      code: run.code,
      stdout: m.mask(run.stdout),
      stderr: m.mask(run.stderr),
    });
    t.diagnostic(
      `docker ${step.args.join(' ')}   -> exit ${a.code}: ${(a.stdout + a.stderr).split('\n')[0]!.slice(0, 100)}`,
    );
    const theirsMasked = mask(a, masks[0]!);
    const oursMasked = mask(b, masks[1]!);
    if (!isDeepStrictEqual(oursMasked, theirsMasked)) {
      differences.push(describeDifference(`docker ${step.args.join(' ')}`, theirsMasked, oursMasked));
    }
  }
  assert.deepEqual(differences, [], differences.join('\n\n'));
});
