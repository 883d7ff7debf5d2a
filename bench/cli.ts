// Start-up time of swarmlab's docker CLI: `docker version` against a real swarmd (two API requests), and
// `docker --help`, each run ~30 times as fresh processes. Prints one JSON line:
// {"versionMs": p50, "versionP99Ms": p99, "helpMs": p50, "helpP99Ms": p99, "runs": n, "against": "swarmd"}.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'bin/docker.js');
const runs = Number(process.env.BENCH_RUNS ?? 30);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 10) / 10;
}

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${result.status}: ${result.stderr.toString().trim()}`);
  }
  return ms;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function startSwarmd(dir: string): Promise<{ host: string; stop: () => void } | undefined> {
  const socket = join(dir, 'docker.sock');
  const addr = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/swarmd.js'),
      '--name',
      'bench-1',
      '--addr',
      addr,
      '--data-dir',
      join(dir, 'data'),
      '--api',
      `unix://${socket}`,
    ],
    { stdio: 'ignore' },
  );
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return undefined;
    if (await ping(socket)) return { host: `unix://${socket}`, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  return undefined;
}

const dir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-cli-'));
const daemon = await startSwarmd(dir);
try {
  const env = { ...process.env, DOCKER_HOST: daemon?.host ?? 'unix:///nonexistent/docker.sock' };
  const versionArgs = daemon ? ['version'] : ['--version'];
  time(versionArgs, env); // warm the file cache
  const version: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < runs; i++) {
    version.push(time(versionArgs, env));
    help.push(time(['--help'], env));
  }
  process.stdout.write(
    `${JSON.stringify({
      versionMs: percentile(version, 50),
      versionP99Ms: percentile(version, 99),
      helpMs: percentile(help, 50),
      helpP99Ms: percentile(help, 99),
      runs,
      against: daemon ? 'swarmd' : '--version',
    })}\n`,
  );
} finally {
  daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
}
