import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Executor } from '../agent/executor/executor.js';
import { Router } from '../api/router.js';
import { containersDiskUsage, registerContainerRoutes } from '../api/routes/containers.js';
import { registerDistributionRoutes } from '../api/routes/distribution.js';
import { registerEventRoutes } from '../api/routes/events.js';
import { ExecRegistry, registerExecRoutes } from '../api/routes/exec.js';
import { imagesDiskUsage, registerImageRoutes } from '../api/routes/images.js';
import { registerSwarmLifecycleRoutes } from '../api/routes/swarm.js';
import { registerSystemRoutes } from '../api/routes/system.js';
import { type ApiHandler, createApiHandler, listenApi, serverFor } from '../api/server.js';
import { writeFileAtomicSync } from '../common/atomic-file.js';
import { apiVersion, engineVersion } from '../common/version.js';
import { publishContainerEvents } from '../events/container-events.js';
import { EventsHub } from '../events/events-hub.js';
import { ensureIngressNetwork } from '../manager/allocator/networks.js';
import { startManagerLoops } from '../manager/loops.js';
import { SwarmNode } from '../node/swarm-node.js';
import { clusterDispatch } from './cluster-routes.js';
import { localNetworks } from './local-networks.js';
import type { DaemonOptions } from './options.js';

/** One swarmlab node: the Engine API on its socket, and (later) its part in a swarm. */
export class Daemon {
  readonly router = new Router();
  readonly engineId: string;
  readonly startedAt = new Date();
  readonly swarm: SwarmNode;
  readonly executor: Executor;
  readonly events = new EventsHub();
  private readonly handler: ApiHandler;
  private api: Server | undefined;
  private apiEndpoint: string | undefined;

  constructor(readonly options: DaemonOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.engineId = loadOrCreate(join(options.dataDir, 'engine-id'), () => randomUUID());
    const apiSocketPath = options.api.startsWith('unix://') ? options.api.slice('unix://'.length) : undefined;
    this.executor = new Executor({
      containersDir: join(options.dataDir, 'containers'),
      nodeAddr: options.addr,
      apiSocketPath,
      logger: { info: (line) => this.log(line), warn: (line) => this.log(`warning: ${line}`) },
    });
    const executor = this.executor;
    publishContainerEvents(executor, this.events);
    registerSystemRoutes(this.router, {
      name: options.name,
      engineId: this.engineId,
      dataDir: options.dataDir,
      startedAt: this.startedAt,
      swarmInfo: () => this.swarm.info(),
      swarmHeader: () => this.swarm.pingHeader(),
      containerCounts: () => {
        const all = executor.list();
        const running = all.filter((c) => c.state === 'running').length;
        return { total: all.length, running, paused: 0, stopped: all.length - running };
      },
      imageCount: () => imagesDiskUsage(executor).Images.length,
      runtime: () => {
        const info = executor.info();
        return { name: info.runtime, ...(info.reason ? { note: info.reason } : {}) };
      },
      labels: () => [],
    });
    this.swarm = new SwarmNode({
      name: options.name,
      addr: options.addr,
      clusterPort: options.clusterPort,
      dataDir: options.dataDir,
      profile: options.profile,
      runtime: executor,
      apiSocketPath,
      events: this.events,
      leaderLoops: (store, signal) => startManagerLoops(store, signal, { log: (line) => this.log(line) }),
      initialObjects: async (store) => {
        await ensureIngressNetwork(store);
      },
      log: (line) => this.log(line),
    });
    registerSwarmLifecycleRoutes(this.router, this.swarm);
    const execs = new ExecRegistry();
    registerContainerRoutes(this.router, { executor, execs });
    registerExecRoutes(this.router, { executor, execs });
    registerImageRoutes(this.router, { executor });
    registerDistributionRoutes(this.router);
    registerEventRoutes(this.router, this.events);
    // `docker system prune`: local networks are built in and there is no build cache; containers and images
    // answer their own prune endpoints.
    this.router.post('/networks/prune', () => ({ NetworksDeleted: [] }));
    this.router.post('/build/prune', () => ({ CachesDeleted: [], SpaceReclaimed: 0 }));
    this.router.get('/system/df', () => ({
      ...imagesDiskUsage(executor),
      Containers: containersDiskUsage(executor),
      Volumes: [],
      BuildCache: [],
    }));
    const networks = localNetworks(this.engineId, this.startedAt);
    this.router.fallback(clusterDispatch(this.swarm, () => networks));
    this.handler = createApiHandler({
      router: this.router,
      headers: () => ({
        'Api-Version': apiVersion,
        'Docker-Experimental': 'false',
        Ostype: 'linux',
        Server: `Docker/${engineVersion} (linux)`,
      }),
      onError: (error, req) =>
        this.log(`API ${req.method} ${req.url} failed: ${(error as Error).stack ?? error}`),
    });
    this.swarm.engine = this.handler;
  }

  /** Starts serving the API; resolves with the endpoint it listens on. */
  async start(): Promise<string> {
    await this.swarm.restore();
    this.api = serverFor(this.handler);
    this.apiEndpoint = await listenApi(this.api, this.options.api);
    return this.apiEndpoint;
  }

  async stop(): Promise<void> {
    await this.swarm.stop();
    await this.executor.close();
    const api = this.api;
    this.api = undefined;
    if (api) {
      api.closeAllConnections();
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  }

  log(line: string): void {
    process.stderr.write(`${new Date().toISOString()} swarmd[${this.options.name}] ${line}\n`);
  }
}

function loadOrCreate(path: string, create: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = create();
  writeFileAtomicSync(path, `${value}\n`);
  return value;
}
