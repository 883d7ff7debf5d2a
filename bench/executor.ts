/**
 * `npm run bench:executor`: start time and resident memory of one task container per built-in image, in
 * each sandbox this machine offers. Prints one JSON object on its last line.
 * Targets: a built-in image's task stays at or under 50 MB RSS (its whole process tree). RSS counts node's code,
 * which every container shares; PSS (each process's share) is what a container really adds to a node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../orchestrator/agent/executor/executor.js';
import { processTree, pssOf, rssOf } from '../orchestrator/agent/executor/proc-info.js';
import { detectSandbox } from '../orchestrator/agent/executor/sandbox.js';
import { newId, waitFor } from '../orchestrator/agent/executor/test-support.js';
import { mb } from './support.js';

const images: { image: string; args?: string[]; port?: number }[] = [
  { image: 'albertogviana/docker-routing-mesh:1.0.0', port: 8080 },
  { image: 'albertogviana/docker-routing-mesh:2.0.0', port: 8080 },
  { image: 'nginx', port: 80 },
  { image: 'dockersamples/visualizer', port: 8080 },
  { image: 'alpine', args: ['ping', 'docker.com'] },
  { image: 'redis:3.0.6' },
  { image: 'traefik/whoami', port: 80 },
];

function get(host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => resolve());
    req.end();
  });
}

async function measure(mode: 'bubblewrap' | 'process') {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-'));
  const executor = new Executor({
    containersDir: dir,
    nodeAddr: '127.0.0.1',
    sandbox: mode === 'process' ? 'process' : 'auto',
  });
  const results: Record<
    string,
    { startMs: number; rssMB: number; pssMB: number; rssAfterLoadMB?: number; nodeRssMB: number }
  > = {};
  try {
    for (const spec of images) {
      const id = newId();
      await executor.create({ id, name: `bench.1.${id.slice(0, 25)}`, image: spec.image, args: spec.args });
      const started = process.hrtime.bigint();
      await executor.start(id);
      const startMs = Number(process.hrtime.bigint() - started) / 1e6;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const pid = executor.inspect(id)!.pid!;
      const tree = processTree(pid);
      const rss = tree.reduce((sum, p) => sum + rssOf(p), 0);
      const result: (typeof results)[string] = {
        startMs: Math.round(startMs),
        rssMB: mb(rss),
        pssMB: mb(tree.reduce((sum, p) => sum + pssOf(p), 0)),
        nodeRssMB: mb(rssOf(tree[tree.length - 1])),
      };
      if (spec.port) {
        const mapping = await waitFor('port', () =>
          executor.inspect(id)?.ports.find((p) => p.targetPort === spec.port),
        );
        for (let i = 0; i < 200; i++) await get(mapping.hostAddr, mapping.hostPort);
        result.rssAfterLoadMB = mb(processTree(pid).reduce((sum, p) => sum + rssOf(p), 0));
      }
      results[spec.image] = result;
      await executor.stop(id, 2000);
    }
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

const sandbox = detectSandbox();
const modes: ('bubblewrap' | 'process')[] =
  sandbox.runtime === 'bubblewrap' ? ['bubblewrap', 'process'] : ['process'];
const report: Record<string, unknown> = { bench: 'executor', targetRssMB: 50 };
for (const mode of modes) {
  const results = await measure(mode);
  for (const [image, result] of Object.entries(results))
    console.log(
      `${mode.padEnd(10)} ${image.padEnd(42)} start ${result.startMs} ms, rss ${result.rssMB} MB (pss ${result.pssMB} MB)${result.rssAfterLoadMB ? ` (${result.rssAfterLoadMB} MB after 200 requests)` : ''}`,
    );
  const values = Object.values(results);
  report[mode] = {
    images: results,
    maxRssMB: Math.max(...values.map((v) => Math.max(v.rssMB, v.rssAfterLoadMB ?? 0))),
    medianStartMs: values.map((v) => v.startMs).sort((a, b) => a - b)[Math.floor(values.length / 2)],
  };
}
console.log(JSON.stringify(report));
