// Client-side behaviour compared with the real docker CLI 28.2.2 (when it is on PATH): help texts, usage
// errors, flag value errors and "cannot connect" errors must be byte for byte the same, exit codes too.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
const dockerVersion = spawnSync('docker', ['--version'], { encoding: 'utf8' });
const haveDocker = dockerVersion.status === 0 && dockerVersion.stdout.includes('28.2.2');

interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

function run(command: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        env: {
          ...process.env,
          DOCKER_HOST: 'unix:///nonexistent/swarmlab-compat.sock',
          HOME: process.env.HOME,
        },
      },
      (err, stdout, stderr) => {
        resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
      },
    );
    child.stdin?.end();
  });
}

const helps = [
  '--help',
  'swarm --help',
  'swarm init --help',
  'swarm join --help',
  'swarm join-token --help',
  'swarm leave --help',
  'swarm update --help',
  'swarm unlock --help',
  'swarm unlock-key --help',
  'node --help',
  'node ls --help',
  'node inspect --help',
  'node ps --help',
  'node promote --help',
  'node update --help',
  'node rm --help',
  'service --help',
  'service create --help',
  'service update --help',
  'service ls --help',
  'service ps --help',
  'service inspect --help',
  'service logs --help',
  'service scale --help',
  'service rollback --help',
  'service rm --help',
  'secret create --help',
  'secret ls --help',
  'secret inspect --help',
  'network create --help',
  'network ls --help',
  'network inspect --help',
  'ps --help',
  'container ls --help',
  'exec --help',
  'logs --help',
  'info --help',
  'version --help',
  'system --help',
  'system df --help',
  'system prune --help',
  'help swarm',
  'pull --help',
  'image --help',
  'image pull --help',
  'image ls --help',
  'images --help',
  'image inspect --help',
  'image rm --help',
  'rmi --help',
  'image prune --help',
  'inspect --help',
  'container inspect --help',
  'container --help',
  'events --help',
  'system events --help',
].map((line) => line.split(' '));

const errors: string[][] = [
  ['frob'],
  ['swarm', 'frob'],
  ['swarm'],
  ['node', 'ls', 'extra'],
  ['service', 'create'],
  ['service', 'scale', 'web'],
  ['service', 'ps'],
  ['node', 'ls', '--bogus'],
  ['node', 'ls', '-x'],
  ['node', 'ls', '-h'],
  ['node', 'ls', '--format'],
  ['node', 'ls', '-f'],
  ['service', 'ls', '--filter', 'foo'],
  ['--bogus'],
  ['-H'],
  ['service', '--bogus', 'create'],
  ['swarm', 'join-token'],
  ['swarm', 'join-token', 'foo'],
  ['secret', 'create', 'a', 'b', 'c'],
  ['service', 'create', '--replicas', 'abc', 'nginx'],
  ['service', 'create', '--update-delay', '5', 'nginx'],
  ['service', 'create', '--detach=maybe', 'nginx'],
  ['service', 'create', '-p', 'abc', 'nginx'],
  ['service', 'create', '-p', 'target=80,mode=x', 'nginx'],
  ['service', 'create', '-p', '1.2.3.4:80:80', 'nginx'],
  ['service', 'create', '--limit-memory', '10x', 'nginx'],
  ['service', 'create', '--limit-cpu', '0.0000000001', 'nginx'],
  ['service', 'create', '--mount', 'foo', 'nginx'],
  ['service', 'create', '--mount', 'src=/a,dst=/b,foo=1', 'nginx'],
  ['service', 'create', '--secret', 'mode=abc,source=s', 'nginx'],
  ['service', 'create', '--network', 'a=b', 'nginx'],
  ['service', 'create', '--entrypoint', 'a "b', 'nginx'],
  ['service', 'create', '--placement-pref', 'x=y', 'nginx'],
  ['service', 'create', '--credential-spec', 'x', 'nginx'],
  ['service', 'create', '--mode', 'x', 'nginx'],
  ['service', 'inspect', '--pretty', '--format', 'x', 'web'],
  ['swarm', 'init', '--availability', 'foo'],
  ['swarm', 'init', '--default-addr-pool', 'foo'],
  ['swarm', 'init', '--listen-addr', 'a:b'],
  ['swarm', 'update'],
  ['version', '--format', '{{foo}}'],
  ['info', '--format', '{{foo}}'],
  ['info', '--format', '{{.Name}}'],
  ['info'],
  ['node', 'ls'],
  ['service', 'ls'],
  ['service', 'scale', 'web=abc'],
  ['secret', 'create', 's1', '/nonexistent/file'],
  ['network', 'rm', 'x'],
  ['ps', '-a'],
  ['system', 'df'],
  ['help', 'frob'],
  ['pull'],
  ['pull', 'a', 'b'],
  ['pull', '-a', 'nginx:1'],
  ['pull', 'NGINX'],
  ['pull', 'nginx'],
  ['images', 'a', 'b'],
  ['images'],
  ['inspect'],
  ['inspect', '--type', 'foo', 'x'],
  ['inspect', 'x'],
  ['image', 'inspect'],
  ['image', 'inspect', 'x'],
  ['image', 'prune', '-f'],
  ['rmi'],
  ['rmi', 'x'],
  ['container', 'inspect', 'x'],
  ['image', 'frob'],
  ['events', '--format', '{{.Foo}}'],
  ['events', '--since', 'foo'],
  ['events', '--until', '1s', '--format', '{{json .}}'],
  ['events', 'x'],
];

async function compare(args: string[]): Promise<void> {
  const [theirs, ours] = await Promise.all([
    run('docker', args),
    run(process.execPath, [`${root}bin/docker.js`, ...args]),
  ]);
  assert.deepEqual(ours, theirs, `docker ${args.join(' ')}`);
}

async function inBatches(cases: string[][], size: number): Promise<void> {
  for (let i = 0; i < cases.length; i += size) await Promise.all(cases.slice(i, i + size).map(compare));
}

test(
  'help texts are the same as docker 28.2.2',
  { skip: !haveDocker && 'docker 28.2.2 is not on PATH', timeout: 300_000 },
  () => inBatches(helps, 4),
);

test(
  'usage and client-side errors are the same as docker 28.2.2',
  { skip: !haveDocker && 'docker 28.2.2 is not on PATH', timeout: 300_000 },
  () => inBatches(errors, 4),
);
