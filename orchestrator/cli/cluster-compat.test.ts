// Service commands against the cluster routes and the manager loops (nodes are store objects with simulated
// agents): the same commands run with the real docker CLI 28.2.2 on one cluster and with swarmlab-docker on an
// identical one, and after masking ids and times their outputs and exit codes must be the same.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { Router } from '../api/router.js';
import { registerClusterRoutes } from '../api/routes/cluster.js';
import { registerNetworkRoutes } from '../api/routes/networks.js';
import { registerNodeRoutes } from '../api/routes/nodes.js';
import { registerServiceRoutes } from '../api/routes/services.js';
import { registerSystemRoutes } from '../api/routes/system.js';
import { registerTaskRoutes } from '../api/routes/tasks.js';
import { createApiServer, listenApi } from '../api/server.js';
import { ensureIngressNetwork } from '../manager/allocator/networks.js';
import { defaultSwarmSpec } from '../manager/controlapi/cluster.js';
import { startManagerLoops } from '../manager/loops.js';
import { addNode, localStore, simulateAgents } from '../manager/orchestrator/test-helpers.js';
import { describeDifference, OutputMasker, renderScreen } from './testing/output-masks.js';

const root = new URL('../../../', import.meta.url).pathname;
const version = spawnSync('docker', ['--version'], { encoding: 'utf8' });
const haveDocker = version.status === 0 && version.stdout.includes('28.2.2');

const randomId = (length = 25) =>
  Array.from({ length }, () => '0123456789abcdefghijklmnopqrstuvwxyz'[randomInt(36)]).join('');
const keys = {
  newJoinToken: () => `SWMTKN-1-${randomId(50)}-${randomId(25)}`,
  newUnlockKey: () => `SWMKEY-1-${randomId(43)}`,
};

interface Cluster {
  host: string;
  stop: () => Promise<void>;
}

async function startCluster(configDir: string): Promise<Cluster> {
  const store = localStore();
  const abort = new AbortController();
  const manager = await addNode(store, { hostname: 'swarm-1', role: 'manager' });
  await addNode(store, { hostname: 'swarm-2' });
  await addNode(store, { hostname: 'swarm-3' });
  await ensureIngressNetwork(store);
  await store.update((tx) =>
    tx.create('clusters', {
      ID: randomId(),
      Version: { Index: 1 },
      CreatedAt: new Date().toISOString(),
      UpdatedAt: new Date().toISOString(),
      Spec: defaultSwarmSpec(),
      TLSInfo: { TrustRoot: '', CertIssuerSubject: '', CertIssuerPublicKey: '' },
      RootRotationInProgress: false,
      DefaultAddrPool: ['10.0.0.0/8'],
      SubnetSize: 24,
      DataPathPort: 4789,
      JoinTokens: { Worker: keys.newJoinToken(), Manager: keys.newJoinToken() },
      _rootCA: { certPem: '', keyPem: '' },
      _dataKey: '',
    }),
  );
  const loops = startManagerLoops(store, abort.signal);
  // A "broken" image crashes as soon as it runs (the lessons' automatic rollback).
  simulateAgents(store, abort.signal, {
    onRunning: (task) => (task.Spec.ContainerSpec?.Image?.includes('broken') ? 'failed' : undefined),
  });
  const router = new Router();
  registerSystemRoutes(router, {
    name: 'swarm-1',
    engineId: 'TEST:ENGINE',
    dataDir: configDir,
    swarmInfo: () => ({ NodeID: manager.ID, LocalNodeState: 'active', ControlAvailable: true }),
    swarmHeader: () => 'active/manager',
    containerCounts: () => ({ total: 0, running: 0, paused: 0, stopped: 0 }),
    imageCount: () => 0,
    runtime: () => ({ name: 'processes' }),
    labels: () => [],
    startedAt: new Date(),
  });
  registerNodeRoutes(router, {
    store,
    membership: {
      members: () => [
        { nodeId: manager.ID, addr: '127.0.0.1:2377', leader: true, reachable: true, voter: true },
      ],
      canRemove: () => false,
    },
  });
  registerServiceRoutes(router, { store });
  registerTaskRoutes(router, { store });
  registerNetworkRoutes(router, { store });
  registerClusterRoutes(router, { store, keys });
  const server: Server = createApiServer({ router, headers: () => ({ 'Api-Version': '1.47' }) });
  const host = await listenApi(server, 'tcp://127.0.0.1:0');
  return {
    host,
    stop: async () => {
      abort.abort();
      await loops;
      server.closeAllConnections();
      server.close();
    },
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const shellQuote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Runs the CLI; with `tty` (the terminal's columns, 0 for a terminal without a size), inside a pseudo-terminal
 * (util-linux script), returning the screen it leaves.
 */
function runCli(command: string, args: string[], host: string, config: string, tty?: number): Promise<Run> {
  const size = tty ? `stty cols ${tty} rows 50 && ` : '';
  return new Promise((resolve) => {
    execFile(
      tty === undefined ? command : 'script',
      tty === undefined ? args : ['-qec', size + [command, ...args].map(shellQuote).join(' '), '/dev/null'],
      {
        env: { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false' },
        timeout: 120_000,
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: tty === undefined ? stdout : renderScreen(stdout),
          stderr,
        }),
    );
  });
}

/**
 * placement: hide which node runs a task; unordered: rows sorted by node id (random in each cluster); tty: run
 * in a terminal and compare the screen it leaves (progress bars redrawn in place).
 */
const steps: Array<{
  args: string[];
  placement?: boolean;
  unordered?: boolean;
  tty?: number;
  /** Text docker's output must contain (checks that the step shows what it is meant to). */
  contains?: string;
  /** Lines that depend on timing (whether a poll saw a state before convergence): dropped on both sides. */
  timing?: RegExp;
  /** Run with this config.json (both CLIs). */
  configFile?: Record<string, string>;
}> = [
  { args: ['node', 'ls'] },
  { args: ['swarm', 'join-token', 'worker'] },
  { args: ['swarm', 'join-token', '-q', 'manager'] },
  { args: ['swarm', 'join-token', '--rotate', 'worker'] },
  { args: ['swarm', 'join-token', 'nobody'] },
  { args: ['swarm', 'update', '--cert-expiry', '48h'] },
  { args: ['swarm', 'update', '--cert-expiry', '10m'] },
  { args: ['swarm', 'unlock-key'] },
  { args: ['swarm', 'update', '--autolock=true'] },
  { args: ['swarm', 'unlock-key'] },
  { args: ['swarm', 'unlock-key', '-q', '--rotate'] },
  {
    args: [
      'swarm',
      'update',
      '--autolock=false',
      '--task-history-limit',
      '3',
      '--dispatcher-heartbeat',
      '10s',
    ],
  },
  { args: ['info'] },
  { args: ['system', 'info', '--format', '{{json .Swarm}}'] },
  {
    args: [
      'info',
      '--format',
      '{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}} {{.Swarm.Cluster.Spec.CAConfig.NodeCertExpiry}}',
    ],
  },
  { args: ['service', 'create', '--name', 'web', '--replicas', '3', '-p', '8080:80', 'nginx'] },
  { args: ['service', 'ls'] },
  { args: ['service', 'ps', 'web'], placement: true },
  { args: ['service', 'inspect', '--pretty', 'web'] },
  { args: ['service', 'scale', 'web=5'] },
  {
    args: [
      'service',
      'update',
      '--image',
      'nginx:2',
      '--update-parallelism',
      '2',
      '--update-delay',
      '1s',
      '--no-resolve-image',
      'web',
    ],
  },
  { args: ['service', 'ps', 'web'], placement: true },
  { args: ['service', 'inspect', 'web'] },
  { args: ['service', 'rollback', 'web'] },
  {
    args: [
      'service',
      'inspect',
      '--format',
      '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.UpdateStatus.State}}',
      'web',
    ],
  },
  {
    args: [
      'service',
      'create',
      '--detach',
      '--name',
      'clash',
      '-p',
      '8080:80',
      '--no-resolve-image',
      'nginx',
    ],
  },
  { args: ['network', 'create', '-d', 'overlay', 'routing-mesh'] },
  { args: ['network', 'ls'] },
  { args: ['network', 'inspect', 'routing-mesh'] },
  {
    args: [
      'network',
      'inspect',
      '--format',
      '{{.Name}} {{.Driver}} {{.Scope}} {{json .IPAM.Config}}',
      'ingress',
    ],
  },
  { args: ['network', 'ls', '--filter', 'driver=overlay', '--format', '{{.Name}}\t{{.Scope}}'] },
  {
    args: [
      'service',
      'create',
      '--detach',
      '--name',
      'agent',
      '--mode',
      'global',
      '--env',
      'A=1',
      '--mount',
      'type=volume,source=data,target=/data',
      '--constraint',
      'node.role==worker',
      '--network',
      'routing-mesh',
      '--restart-condition',
      'on-failure',
      '--limit-memory',
      '64m',
      '--no-resolve-image',
      'busybox',
      'sleep',
      '1000',
    ],
  },
  { args: ['service', 'ls', '--filter', 'mode=global'] },
  { args: ['service', 'inspect', '--format', '{{json .Spec.TaskTemplate}}', 'agent'] },
  { args: ['service', 'inspect', '--pretty', 'agent'] },
  { args: ['service', 'inspect', 'agent'] },
  { args: ['service', 'update', '--detach', '--force', 'agent'] },
  {
    args: ['service', 'ps', '--no-trunc', '--format', '{{.Name}} {{.Image}} {{.DesiredState}}', 'agent'],
    unordered: true,
  },
  { args: ['service', 'rm', 'agent'] },
  {
    args: ['service', 'create', '--name', 'ttyweb', '--replicas', '2', '--no-resolve-image', 'nginx'],
    tty: 0,
  },
  { args: ['service', 'scale', 'ttyweb=4'], tty: 150, contains: '4/4: running   [=====' },
  {
    args: [
      'service',
      'update',
      '--image',
      'nginx:3',
      '--update-parallelism',
      '2',
      '--no-resolve-image',
      'ttyweb',
    ],
    tty: 150,
  },
  { args: ['service', 'rollback', 'ttyweb'], tty: 80 },
  { args: ['service', 'ls', '--filter', 'name=ttyweb'], tty: 150 },
  { args: ['service', 'update', '--force', 'ttyweb'], tty: 150 },
  { args: ['service', 'rm', 'ttyweb'] },
  {
    args: [
      'service',
      'create',
      '--name=visualizer',
      '--publish=8000:8080/tcp',
      '--constraint=node.role==manager',
      '--mount=type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock',
      'dockersamples/visualizer',
    ],
  },
  { args: ['service', 'inspect', '--pretty', 'visualizer'] },
  { args: ['service', 'ps', 'visualizer'] },
  { args: ['service', 'create', '--replicas', '1', '--name', 'helloworld', 'alpine', 'ping', 'docker.com'] },
  { args: ['service', 'update', '--image', 'alpine:3', '--detach=false', 'helloworld'] },
  { args: ['service', 'update', '--rollback', 'helloworld'] },
  { args: ['service', 'ls'] },
  { args: ['service', 'rm', 'helloworld', 'visualizer', 'nosuch'] },
  {
    args: [
      'service',
      'create',
      '--name',
      'canary',
      '--replicas',
      '2',
      '--update-failure-action',
      'rollback',
      '--update-monitor',
      '2s',
      '--no-resolve-image',
      'nginx',
    ],
  },
  {
    args: [
      'service',
      'update',
      '--update-failure-action',
      'rollback',
      '--update-monitor',
      '2s',
      '--update-max-failure-ratio',
      '0.5',
      '--image',
      'nginx:3.0.0-broken',
      '--no-resolve-image',
      'canary',
    ],
    contains: 'rollback: update rolled back due to failure or early termination of task',
    // docker prints the rollback's final message only if it saw it before the tasks converged.
    timing: /^rollback: rollback completed\n/m,
  },
  {
    args: ['service', 'inspect', '--format', '{{.UpdateStatus.State}}: {{.UpdateStatus.Message}}', 'canary'],
    contains: 'rollback_completed',
  },
  { args: ['service', 'rm', 'canary'] },
  { args: ['network', 'rm', 'routing-mesh'] },
  { args: ['network', 'rm', 'nosuch'] },
  { args: ['service', 'ls', '--format', '{{json .}}'] },
  { args: ['service', 'ps', '-q', 'nosuch'] },
  { args: ['service', 'inspect', '--format', '{{json .Endpoint.Ports}}', 'web'] },
  { args: ['node', 'inspect', 'self', '--format', '{{json .Description.TLSInfo}}'] },
  {
    args: ['service', 'ls'],
    configFile: { servicesFormat: 'table {{.Name}}\t{{.Replicas}}' },
  },
  { args: ['service', 'ls', '-q'], configFile: { servicesFormat: '{{.Name}}' } },
  { args: ['node', 'ls'], configFile: { nodesFormat: '{{.Hostname}} {{.Status}}' } },
  {
    args: ['service', 'ps', '-q', '--filter', 'desired-state=running', 'web'],
    configFile: { tasksFormat: '{{.Name}}' },
  },
  {
    args: ['service', 'ps', '--filter', 'desired-state=running', 'web'],
    configFile: { tasksFormat: '{{.Name}} {{.DesiredState}}' },
  },
  { args: ['network', 'ls', '--filter', 'name=ingress'], configFile: { networksFormat: 'table {{.Name}}' } },
  {
    args: ['service', 'ps', '--format', 'json', '--filter', 'desired-state=running', 'web'],
    placement: true,
  },
  { args: ['node', 'ls', '--format', 'json'] },
  { args: ['network', 'ls', '--format', 'json', '--filter', 'name=ingress'] },
  {
    args: ['service', 'ls', '--format', 'table {{.Name}}\t{{.Mode}}\t{{.Replicas}}', '--filter', 'name=web'],
  },
  {
    args: [
      'node',
      'inspect',
      '--format',
      '{{.Description.Hostname}} {{.Spec.Role}} {{.ManagerStatus}}',
      'swarm-1',
      'swarm-2',
    ],
  },
  { args: ['node', 'update', '--availability', 'drain', 'swarm-2'] },
  { args: ['node', 'ls'] },
  { args: ['node', 'inspect', '--pretty', 'swarm-2'] },
  { args: ['node', 'inspect', 'self'] },
  { args: ['node', 'inspect', '--format', '{{json .Spec}} {{.Status.State}}', 'swarm-3'] },
  // Which tasks the drained node had depends on the scheduler; that it runs none does not.
  { args: ['node', 'ps', '--filter', 'desired-state=running', 'swarm-2'] },
  { args: ['node', 'update', '--label-add', 'zone=a', 'swarm-3'] },
  {
    args: [
      'node',
      'ls',
      '--filter',
      'node.label=zone=a',
      '--format',
      'table {{.Hostname}}\t{{.Availability}}',
    ],
  },
  { args: ['node', 'promote', 'swarm-3'] },
  { args: ['node', 'ls', '--format', '{{.Hostname}}: {{.ManagerStatus}}'] },
  { args: ['node', 'demote', 'swarm-3'] },
  { args: ['node', 'rm', 'swarm-3'] },
  { args: ['node', 'inspect', 'nosuch'] },
  { args: ['service', 'rm', 'web'] },
  { args: ['service', 'ls', '-q'] },
];

test('service commands print the same as docker 28.2.2 against the cluster routes', {
  skip: !haveDocker && 'docker 28.2.2 is not on PATH',
  timeout: 600_000,
}, async (t) => {
  const config = mkdtempSync(join(tmpdir(), 'swarmlab-cli-compat-'));
  const [theirs, ours] = await Promise.all([startCluster(config), startCluster(config)]);
  const masks = [new OutputMasker({ addrs: [] }), new OutputMasker({ addrs: [] })];
  const differences: string[] = [];
  try {
    for (const step of steps) {
      let stepConfig = config;
      if (step.configFile) {
        stepConfig = join(config, 'formats');
        mkdirSync(stepConfig, { recursive: true });
        writeFileSync(join(stepConfig, 'config.json'), JSON.stringify(step.configFile));
      }
      const [a, b] = await Promise.all([
        runCli('docker', step.args, theirs.host, stepConfig, step.tty),
        runCli(process.execPath, [`${root}bin/docker.js`, ...step.args], ours.host, stepConfig, step.tty),
      ]);
      const sortLines = (text: string) => {
        const kept = step.timing ? text.replace(step.timing, '') : text;
        return step.unordered ? kept.split('\n').sort().join('\n') : kept;
      };
      const mask = (run: Run, m: OutputMasker) => ({
        code: run.code,
        stdout: sortLines(
          m.mask(
            run.stdout.replaceAll(theirs.host, '{host}').replaceAll(ours.host, '{host}'),
            step.placement,
          ),
        ),
        stderr: m.mask(
          run.stderr.replaceAll(theirs.host, '{host}').replaceAll(ours.host, '{host}'),
          step.placement,
        ),
      });
      t.diagnostic(
        `docker ${step.args.join(' ')}   -> exit ${a.code}: ${(a.stdout + a.stderr).split('\n')[0]!.slice(0, 100)}`,
      );
      if (step.contains && !a.stdout.includes(step.contains)) {
        differences.push(
          `docker ${step.args.join(' ')}: no ${JSON.stringify(step.contains)} in\n${a.stdout}`,
        );
      }
      const theirsMasked = mask(a, masks[0]!);
      const oursMasked = mask(b, masks[1]!);
      if (!isDeepStrictEqual(oursMasked, theirsMasked)) {
        differences.push(describeDifference(`docker ${step.args.join(' ')}`, theirsMasked, oursMasked));
      }
    }
  } finally {
    await Promise.all([theirs.stop(), ours.stop()]);
    rmSync(config, { recursive: true, force: true });
  }
  assert.deepEqual(differences, [], differences.join('\n\n'));
});
