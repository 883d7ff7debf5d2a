import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { LocalProvider } from '../labs/local/local-provider.js';
import type { LabProvider } from '../labs/provider.js';
import { loadLessons } from '../lessons/format/load-lessons.js';
import { createApp } from './app.js';
import { defaultConfig, type WorkshopConfig } from './config.js';
import { prepareRunDir } from './data-dir.js';
import { LabManager } from './labs/lab-manager.js';
import { LessonCatalog } from './lessons/lesson-catalog.js';
import { isLoopbackHost, unguessableId } from './security/access.js';
import { SessionGate } from './security/session-gate.js';
import { handleSocket } from './socket/handlers.js';
import { LearnerSession, type WorkshopServer } from './socket/learner-session.js';
import { ProgressStore } from './store/progress-store.js';

/** A workshop server that is listening. */
export interface RunningWorkshop {
  /** Where browsers open it (with `?token=` when one is required). */
  url: string;
  /** The address and port it listens on. */
  origin: string;
  config: WorkshopConfig;
  labs: LabManager;
  /** Stops everything: sockets, shells, labs' nodes, the database. */
  close(): Promise<void>;
}

export interface WorkshopOverrides extends Partial<WorkshopConfig> {
  /** Lab providers by name; `local` by default. */
  provider?: LabProvider;
}

/** Starts the workshop: HTTP and socket.io server, labs, lessons, checks. */
export async function startWorkshop(overrides: WorkshopOverrides = {}): Promise<RunningWorkshop> {
  const { provider: providerOverride, ...configOverrides } = overrides;
  const config: WorkshopConfig = { ...defaultConfig(), ...configOverrides };
  if (!isLoopbackHost(config.host) && !config.token) config.token = unguessableId();
  const catalog = new LessonCatalog(loadLessons());
  const { runDir, release: releaseRunDir } = prepareRunDir(config.dataDir);
  const store = new ProgressStore(join(config.dataDir, 'progress.db'));
  const provider = providerOverride ?? new LocalProvider({ labsDir: join(runDir, 'nodes') });
  const sessions = new Map<string, LearnerSession>();

  const gate = new SessionGate(store, {
    listenHost: config.host,
    allowedHosts: config.allowedHosts,
    token: config.token,
  });
  const httpServer = createServer(createApp(gate));
  const io: WorkshopServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 1_000_000,
    pingInterval: 10_000,
    pingTimeout: 20_000,
    allowRequest: (req, callback) => callback(null, gate.socketRequestOk(req)),
  });

  const labs = new LabManager({
    provider,
    labsDir: join(runDir, 'labs'),
    dockerCli: config.dockerCli,
    maxLabs: config.maxLabs,
    maxNodes: config.maxNodes,
    idleTimeoutMs: config.idleTimeoutMs,
    onChange: (learnerId, lab) => sessions.get(learnerId)?.labChanged(lab),
    onNotice: (learnerId, message) => {
      const session = sessions.get(learnerId);
      if (session && session.connected > 0) io.to(session.room).emit('notice', { level: 'info', message });
      else session?.holdNotice(message);
    },
  });

  const sessionDeps = {
    io,
    store,
    catalog,
    labs,
    idleTimeoutMs: config.idleTimeoutMs,
    watchIntervalMs: config.watchIntervalMs,
    checkIntervalMs: 1_000,
  };
  io.use((socket, next) => {
    const learnerId = gate.learnerOf(socket.request.headers.cookie);
    if (!learnerId) {
      next(new Error('no session: reload the page'));
      return;
    }
    socket.data.learnerId = learnerId;
    next();
  });
  io.on('connection', (socket) => {
    const { learnerId } = socket.data;
    store.touchLearner(learnerId);
    let session = sessions.get(learnerId);
    if (!session) sessions.set(learnerId, (session = new LearnerSession(learnerId, sessionDeps)));
    handleSocket(socket, session, {
      labs,
      store,
      catalog,
      limits: { minNodes: 1, maxNodes: config.maxNodes, defaultNodes: config.defaultNodes },
      idleTimeoutMs: config.idleTimeoutMs,
    });
    const owner = session;
    socket.on('disconnect', () => {
      // Forget learners with no tab and no lab (their progress stays in the database).
      if (owner.connected === 0 && !labs.labOf(learnerId) && sessions.get(learnerId) === owner) {
        owner.close();
        sessions.delete(learnerId);
      }
    });
  });

  const closeAll = async () => {
    for (const session of sessions.values()) session.close();
    await labs.shutdown();
    store.close();
    releaseRunDir();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
  const { address, port } = httpServer.address() as AddressInfo;
  const origin = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: config.token ? `${origin}/?token=${config.token}` : origin,
    origin,
    config,
    labs,
    close: () => {
      closing ??= (async () => {
        io.disconnectSockets(true);
        await closeAll();
        await new Promise<void>((resolve) => {
          io.close(() => resolve());
          httpServer.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
