import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../common/package-root.js';
import { resolveImage } from '../images/catalog.js';
import { InvalidReferenceError } from '../images/reference.js';
import type { RuntimeConfig, RuntimeImage } from '../images/runtime/config.js';
import type { PortMapping } from '../images/runtime/context.js';
import type { BuiltinImage } from '../images/types.js';
import {
  type ContainerPaths,
  containerPaths,
  prepareRootfs,
  secretPath,
  writeSecrets,
} from './container-dir.js';
import { type ExecSession, openExec } from './exec-client.js';
import { effectiveHealthcheck, HealthMonitor, timeoutOutput } from './health.js';
import { LogStore } from './log-store.js';
import { processTree, rssOfTree } from './proc-info.js';
import { bubblewrapArgs, detectSandbox, hostPaths, type SandboxInfo } from './sandbox.js';
import {
  type ContainerConfig,
  type ContainerInfo,
  type ExecOptions,
  ExecutorError,
  type LogEntry,
  type LogOptions,
  type PortSpec,
} from './types.js';

/** Where the node's API socket appears inside containers that bind-mount the docker socket. */
const dockerSocket = '/var/run/docker.sock';
const defaultGraceMs = 10_000;
const startTimeoutMs = 30_000;

/**
 * V8 flags for container runtimes: a small heap, no compiler threads and no JIT keep a built-in image's task
 * (its whole process tree, bubblewrap included) under 50 MB of resident memory, also after serving traffic.
 * Without the JIT an HTTP image serves about a quarter of the requests per second (still thousands); the
 * executor's `jit` option trades the memory back for speed. Measured by `npm run bench:executor`.
 */
export const runtimeNodeFlags = [
  '--max-old-space-size=32',
  '--max-semi-space-size=1',
  '--single-threaded',
  '--jitless',
  // Without it V8 warns on stderr (so in every container's log) that jitless disables WebAssembly.
  '--no-expose-wasm',
];

const signalNumbers: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
};

/** Receives the executor's diagnostics. */
export interface ExecutorLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface ExecutorOptions {
  /** Where container directories live (`<containersDir>/<id>/`). */
  containersDir: string;
  /** The node's address: container ports are mapped to free ports on it. */
  nodeAddr: string;
  /** The node's Engine API socket, bind-mounted where a container asks for `/var/run/docker.sock`. */
  apiSocketPath?: string;
  logger?: ExecutorLogger;
  /** `auto` (default) uses bubblewrap when it works here. */
  sandbox?: 'auto' | 'process';
  /** Bound of each container's log file before rotation (default 10 MiB; two files are kept). */
  logMaxBytes?: number;
  /** Let container runtimes compile JavaScript (faster, about 5 MB more per container). Default false. */
  jit?: boolean;
  /**
   * Where secret files live while their containers do: in memory (a tmpfs, `/dev/shm` by default), never in
   * the node's data directory, as Docker mounts them from a tmpfs.
   */
  secretsDir?: string;
}

/** A directory on a tmpfs for secrets: /dev/shm where Linux has it, else the temp directory. */
export function defaultSecretsDir(): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return join(base, `swarmlab-secrets-${process.getuid?.() ?? 'user'}`);
}

interface Container {
  info: ContainerInfo;
  paths: ContainerPaths;
  image: BuiltinImage;
  config: Omit<ContainerConfig, 'secrets'>;
  logs: LogStore;
  child?: ChildProcess;
  lifeline?: Socket;
  health?: HealthMonitor;
  exited?: Promise<void>;
}

function runtimeImage(image: BuiltinImage): RuntimeImage {
  const { files: _files, ...rest } = image;
  return rest;
}

/** A function, so that TypeScript does not carry a narrowed state across awaits. */
function isRunning(container: Container): boolean {
  return container.info.state === 'running';
}

function now(): string {
  return new Date().toISOString();
}

/** `80/tcp` keys of an image's ExposedPorts. */
function exposedPorts(image: BuiltinImage, extra: PortSpec[] = []): PortSpec[] {
  const ports: PortSpec[] = [];
  const add = (port: PortSpec) => {
    if (!ports.some((p) => p.targetPort === port.targetPort && p.protocol === port.protocol))
      ports.push(port);
  };
  for (const key of Object.keys(image.config.ExposedPorts ?? {})) {
    const [port, protocol = 'tcp'] = key.split('/');
    add({ targetPort: Number(port), protocol: protocol as PortSpec['protocol'] });
  }
  for (const port of extra) add({ targetPort: port.targetPort, protocol: port.protocol ?? 'tcp' });
  return ports;
}

/** Image env, then the container's, by key; HOSTNAME and HOME as a container runtime sets them. */
function mergeEnv(image: string[] = [], container: string[] = [], hostname: string): string[] {
  const env = new Map<string, string>();
  for (const entry of [...image, `HOSTNAME=${hostname}`, ...container]) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    else env.delete(entry);
  }
  if (!env.has('HOME')) env.set('HOME', '/root');
  if (!env.has('PATH')) env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  return [...env].map(([key, value]) => `${key}=${value}`);
}

function validateConfig(config: ContainerConfig): void {
  if (!config || typeof config !== 'object')
    throw new ExecutorError(400, 'container config must be an object');
  if (typeof config.id !== 'string' || !/^[0-9a-f]{64}$/.test(config.id)) {
    throw new ExecutorError(
      400,
      `invalid container id "${String(config.id)}": expected 64 lowercase hex characters`,
    );
  }
  if (typeof config.name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(config.name)) {
    throw new ExecutorError(
      400,
      `Invalid container name (${String(config.name)}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  if (typeof config.image !== 'string' || config.image.length === 0)
    throw new ExecutorError(400, 'an image is required');
  for (const list of [config.cmd, config.args, config.env]) {
    if (list !== undefined && (!Array.isArray(list) || list.some((item) => typeof item !== 'string'))) {
      throw new ExecutorError(400, 'cmd, args and env must be lists of strings');
    }
  }
  for (const mount of config.mounts ?? []) {
    if (mount.type !== 'bind')
      throw new ExecutorError(400, `mount type "${String(mount.type)}" is not supported: use bind mounts`);
    if (!mount.target?.startsWith('/') || !mount.source?.startsWith('/')) {
      throw new ExecutorError(
        400,
        `invalid mount ${mount.source}:${mount.target}: source and target must be absolute paths`,
      );
    }
  }
}

/**
 * Runs task containers on one node: each container is a child process (inside bubblewrap when available)
 * running a built-in image's program. Emits `change` (ContainerInfo) when a container is created, starts,
 * exits, reports a port or changes health, and `remove` (id) when it is removed.
 */
export class Executor extends EventEmitter {
  private readonly containers = new Map<string, Container>();
  private readonly sandbox: SandboxInfo;
  private readonly runtimeMain = join(packageRoot, 'dist/orchestrator/agent/images/runtime/main.js');
  private readonly installRoot = packageRoot;
  /**
   * Short links to the containers' control directories: a unix socket path must fit in 108 bytes, and
   * `<containersDir>/<64 hex id>/control/control.sock` often does not.
   */
  private readonly socketDir: string;
  private readonly secretsDir: string;
  private closed = false;

  constructor(private readonly options: ExecutorOptions) {
    super();
    mkdirSync(options.containersDir, { recursive: true });
    const key = createHash('sha256').update(realpathSync(options.containersDir)).digest('hex').slice(0, 12);
    this.socketDir = join(tmpdir(), `swarmlab-ctl-${key}`);
    mkdirSync(this.socketDir, { recursive: true, mode: 0o700 });
    this.secretsDir = join(options.secretsDir ?? defaultSecretsDir(), key);
    // Containers of an earlier run died with it: the secrets left in memory for them serve nobody.
    rmSync(this.secretsDir, { recursive: true, force: true });
    mkdirSync(this.secretsDir, { recursive: true, mode: 0o700 });
    this.sandbox =
      options.sandbox === 'process'
        ? { runtime: 'process', reason: 'the executor was configured for plain processes' }
        : detectSandbox();
    this.loadExisting();
  }

  /** How containers run here (`docker info` shows it). */
  info(): { runtime: 'bubblewrap' | 'process'; reason?: string } {
    return { runtime: this.sandbox.runtime, reason: this.sandbox.reason };
  }

  /** Containers left by an earlier run of the node: they died with it (no orphans), so they show as exited. */
  private loadExisting(): void {
    for (const id of readdirSync(this.options.containersDir)) {
      const paths = containerPaths(this.options.containersDir, id);
      if (!/^[0-9a-f]{64}$/.test(id) || !existsSync(paths.statePath)) continue;
      try {
        const saved = JSON.parse(readFileSync(paths.statePath, 'utf8')) as {
          info: ContainerInfo;
          config: Omit<ContainerConfig, 'secrets'>;
        };
        const image = resolveImage(saved.config.image);
        if (!image) continue;
        const info = saved.info;
        if (info.state === 'running') {
          info.state = 'exited';
          info.exitCode = 137;
          info.error = 'the node daemon stopped while the container was running';
          info.finishedAt = now();
        }
        info.pid = undefined;
        info.ports = [];
        const logs = new LogStore(paths.logPath, this.options.logMaxBytes);
        logs.close();
        this.containers.set(id, { info, paths, image, config: saved.config, logs });
      } catch (error) {
        this.options.logger?.warn(`ignoring container directory ${paths.dir}: ${(error as Error).message}`);
      }
    }
  }

  private persist(container: Container): void {
    try {
      writeFileSync(
        container.paths.statePath,
        JSON.stringify({ info: container.info, config: container.config }),
        { mode: 0o600 },
      );
    } catch (error) {
      if (existsSync(container.paths.dir))
        this.options.logger?.warn(`cannot save ${container.paths.statePath}: ${(error as Error).message}`);
    }
  }

  private changed(container: Container): void {
    this.persist(container);
    this.emit('change', this.snapshot(container));
  }

  private snapshot(container: Container): ContainerInfo {
    return structuredClone(container.info);
  }

  private get(id: string): Container {
    const container = this.containers.get(id);
    if (!container) throw new ExecutorError(404, `No such container: ${id}`);
    return container;
  }

  /** Prepares a container: resolves its image, writes its directory, secrets and mount points. */
  async create(config: ContainerConfig): Promise<ContainerInfo> {
    if (this.closed) throw new ExecutorError(409, 'the executor is shutting down');
    validateConfig(config);
    if (this.containers.has(config.id)) throw new ExecutorError(409, `container ${config.id} already exists`);
    let image: BuiltinImage | undefined;
    try {
      image = resolveImage(config.image);
    } catch (error) {
      if (error instanceof InvalidReferenceError) throw new ExecutorError(400, error.message);
      throw error;
    }
    if (!image) throw new ExecutorError(404, `No such image: ${config.image}`);
    const imageConfig = image.config;
    const entrypoint = config.cmd?.length ? config.cmd : (imageConfig.Entrypoint ?? []);
    const cmd = config.cmd?.length
      ? (config.args ?? [])
      : config.args?.length
        ? config.args
        : (imageConfig.Cmd ?? []);
    const command = [...entrypoint, ...cmd];
    if (command.length === 0) throw new ExecutorError(400, 'No command specified');
    const hostname = config.hostname || config.id.slice(0, 12);
    const workingDir = config.workingDir || imageConfig.WorkingDir || '/';
    const mounts = (config.mounts ?? []).map((mount) => ({
      source:
        mount.source === dockerSocket && this.options.apiSocketPath
          ? this.options.apiSocketPath
          : mount.source,
      target: mount.target,
      readOnly: mount.readOnly === true,
    }));
    const paths = containerPaths(this.options.containersDir, config.id);
    const secretsHere = join(this.secretsDir, config.id);
    (config.secrets ?? []).forEach((secret, index) => {
      const target = secretPath(secret.target);
      mounts.push({ source: join(secretsHere, String(index)), target, readOnly: true });
    });
    const addresses = (config.networks ?? []).flatMap((n) => n.addresses.map((a) => a.split('/')[0]));
    try {
      prepareRootfs({
        paths,
        image,
        hostname,
        addresses,
        dns: config.dns,
        mounts,
        workingDir,
      });
      writeSecrets(secretsHere, config.secrets ?? []);
    } catch (error) {
      rmSync(paths.dir, { recursive: true, force: true });
      rmSync(secretsHere, { recursive: true, force: true });
      if (error instanceof ExecutorError) throw error;
      throw new ExecutorError(500, `cannot prepare the container's files: ${(error as Error).message}`);
    }
    const info: ContainerInfo = {
      id: config.id,
      name: config.name,
      image: config.image,
      imageDigest: image.digest,
      imageId: image.id,
      command,
      env: mergeEnv(imageConfig.Env, config.env, hostname),
      workingDir,
      hostname,
      labels: { ...(imageConfig.Labels ?? {}), ...(config.labels ?? {}) },
      created: now(),
      state: 'created',
      healthcheck: effectiveHealthcheck(imageConfig.Healthcheck, config.healthcheck),
      exposedPorts: exposedPorts(image, config.ports),
      ports: [],
      mounts,
      networks: config.networks ?? [],
      stopSignal: config.stopSignal || imageConfig.StopSignal || 'SIGTERM',
      stopGracePeriodMs: config.stopGracePeriodMs ?? defaultGraceMs,
      runtime: this.sandbox.runtime,
      dir: paths.dir,
      logPath: paths.logPath,
    };
    const { secrets: _secrets, ...rest } = config;
    const container: Container = {
      info,
      paths,
      image,
      config: rest,
      logs: new LogStore(paths.logPath, this.options.logMaxBytes),
    };
    this.containers.set(config.id, container);
    this.changed(container);
    return this.snapshot(container);
  }

  private runtimeConfig(container: Container): RuntimeConfig {
    const { info, paths, config } = container;
    const sandboxed = this.sandbox.runtime === 'bubblewrap';
    return {
      id: info.id,
      name: info.name,
      hostname: info.hostname,
      image: runtimeImage(container.image),
      argv: info.command,
      env: info.env,
      workingDir: info.workingDir,
      nodeAddr: this.options.nodeAddr,
      dns: config.dns,
      gateway: config.gateway,
      addresses: info.networks.flatMap((n) => n.addresses.map((a) => a.split('/')[0])),
      sandbox: this.sandbox.runtime,
      rootfs: paths.rootfs,
      mounts: info.mounts,
      controlSocket: sandboxed ? '/.swarmlab/control.sock' : this.controlSocket(container),
    };
  }

  /** Starts a created (or exited) container; resolves once its program runs, rejects if it cannot start. */
  async start(id: string): Promise<void> {
    const container = this.get(id);
    if (this.closed) throw new ExecutorError(409, 'the executor is shutting down');
    if (container.info.state === 'running') return;
    const { paths } = container;
    const configPath = join(paths.controlDir, 'config.json');
    this.linkControlDir(container);
    writeFileSync(configPath, JSON.stringify(this.runtimeConfig(container)), { mode: 0o600 });
    const flags = this.options.jit
      ? runtimeNodeFlags.filter((flag) => flag !== '--jitless' && flag !== '--no-expose-wasm')
      : runtimeNodeFlags;
    const nodeArgs = [...flags, this.runtimeMain];
    let command: string;
    let args: string[];
    if (this.sandbox.runtime === 'bubblewrap') {
      command = this.sandbox.bwrapPath!;
      args = [
        ...bubblewrapArgs({
          rootfs: paths.rootfs,
          controlDir: paths.controlDir,
          hostname: container.info.hostname,
          workingDir: container.info.workingDir,
          mounts: container.info.mounts,
          host: hostPaths(this.installRoot),
        }),
        process.execPath,
        ...nodeArgs,
        '/.swarmlab/config.json',
      ];
    } else {
      command = process.execPath;
      args = [...nodeArgs, configPath];
    }
    container.logs.reopen();
    const child = spawn(command, args, {
      cwd: this.sandbox.runtime === 'bubblewrap' ? '/' : paths.rootfs,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    container.child = child;
    const lifeline = child.stdio[3] as Socket;
    container.lifeline = lifeline;
    Object.assign(container.info, {
      state: 'running',
      pid: child.pid,
      startedAt: now(),
      finishedAt: undefined,
      exitCode: undefined,
      error: undefined,
      ports: [],
      // A container with a healthcheck is `starting` from its first moment (the agent waits for `healthy`).
      health: container.info.healthcheck ? { status: 'starting', failingStreak: 0, log: [] } : undefined,
    } satisfies Partial<ContainerInfo>);
    child.stdout!.on('data', (chunk: Buffer) => container.logs.write('stdout', chunk));
    child.stderr!.on('data', (chunk: Buffer) => container.logs.write('stderr', chunk));

    let settleStart: (error?: Error) => void = () => {};
    const started = new Promise<void>((resolve, reject) => {
      settleStart = (error) => (error ? reject(error) : resolve());
    });
    let startError: string | undefined;
    let pending = '';
    lifeline.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (message.type === 'started') settleStart();
        else if (message.type === 'start-error') startError = String(message.message);
        else if (message.type === 'port') {
          const mapping = message as unknown as PortMapping & { type: string };
          container.info.ports = container.info.ports.filter(
            (p) => !(p.targetPort === mapping.targetPort && p.protocol === mapping.protocol),
          );
          container.info.ports.push({
            targetPort: mapping.targetPort,
            protocol: mapping.protocol,
            hostAddr: mapping.hostAddr,
            hostPort: mapping.hostPort,
          });
          this.changed(container);
        } else if (message.type === 'port-closed') {
          container.info.ports = container.info.ports.filter(
            (p) => !(p.targetPort === message.targetPort && p.protocol === message.protocol),
          );
          this.changed(container);
        }
      }
    });
    lifeline.on('error', () => {});

    container.exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        startError = `cannot start the container runtime: ${error.message}`;
      });
      child.once('close', (code, signal) => {
        container.health?.stop();
        container.health = undefined;
        container.logs.close();
        lifeline.destroy();
        Object.assign(container.info, {
          state: 'exited',
          pid: undefined,
          exitCode: code ?? 128 + (signalNumbers[signal ?? 'SIGKILL'] ?? 9),
          finishedAt: now(),
          ports: [],
          error: startError ?? container.info.error,
        } satisfies Partial<ContainerInfo>);
        container.child = undefined;
        container.lifeline = undefined;
        this.changed(container);
        settleStart(
          new ExecutorError(
            500,
            startError ??
              `the container exited (status ${container.info.exitCode}) before its program started`,
          ),
        );
        resolve();
      });
    });
    this.changed(container);

    const timer = setTimeout(
      () =>
        settleStart(new ExecutorError(500, `the container did not start within ${startTimeoutMs / 1000}s`)),
      startTimeoutMs,
    );
    try {
      await started;
    } catch (error) {
      if (container.child) container.child.kill('SIGKILL');
      await container.exited;
      if (error instanceof ExecutorError && startError) {
        throw new ExecutorError(500, `OCI runtime create failed: ${startError}: unknown`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const check = container.info.healthcheck;
    if (check && isRunning(container)) {
      container.info.health = { status: 'starting', failingStreak: 0, log: [] };
      const monitor = new HealthMonitor(
        check,
        (cmd, timeoutMs) => this.probe(container, cmd, timeoutMs),
        (state) => {
          if (container.health !== monitor) return;
          container.info.health = structuredClone(state);
          this.changed(container);
        },
      );
      container.health = monitor;
      monitor.start(new Date(container.info.startedAt!));
      this.changed(container);
    }
  }

  /** Runs one healthcheck probe through exec, killing it after `timeoutMs`. */
  private async probe(
    container: Container,
    cmd: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }> {
    const session = await openExec(this.controlSocket(container), { cmd, stdin: false });
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < 8192) output += chunk.toString('utf8');
    };
    session.stdout.on('data', collect);
    session.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      session.kill('SIGKILL');
    }, timeoutMs);
    const exitCode = await session.wait();
    clearTimeout(timer);
    if (timedOut) return { exitCode: -1, output: timeoutOutput(timeoutMs) };
    return { exitCode, output };
  }

  /** The control socket's path through the container's short link (see `socketDir`). */
  private controlSocket(container: Container): string {
    return join(this.socketLink(container.info.id), 'control.sock');
  }

  private socketLink(id: string): string {
    return join(this.socketDir, id.slice(0, 16));
  }

  private linkControlDir(container: Container): void {
    const link = this.socketLink(container.info.id);
    rmSync(link, { force: true });
    symlinkSync(container.paths.controlDir, link);
  }

  /** Waits until the container has exited (resolves at once when it is not running). */
  async wait(id: string): Promise<ContainerInfo> {
    const container = this.get(id);
    await container.exited;
    return this.snapshot(container);
  }

  /**
   * Stops a running container: its stop signal (image StopSignal or SIGTERM), then SIGKILL when it is still
   * running after `graceMs` (default: its stop grace period).
   */
  async stop(id: string, graceMs?: number): Promise<void> {
    const container = this.get(id);
    const child = container.child;
    if (!child || container.info.state !== 'running') return;
    const grace = graceMs ?? container.info.stopGracePeriodMs;
    const signal = container.info.stopSignal;
    if (signal === 'SIGKILL' || grace <= 0) child.kill('SIGKILL');
    else if (container.lifeline && !container.lifeline.destroyed) {
      container.lifeline.write(`${JSON.stringify({ type: 'signal', signal })}\n`);
    } else child.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(
        () => {
          if (container.child === child) child.kill('SIGKILL');
          resolve();
        },
        Math.max(0, grace),
      );
    });
    await Promise.race([container.exited, killed]);
    clearTimeout(timer);
    await container.exited;
  }

  /** Sends a signal to a running container's main process (`docker kill`). */
  kill(id: string, signal = 'SIGKILL'): void {
    const container = this.get(id);
    if (!container.child || container.info.state !== 'running') {
      throw new ExecutorError(409, `Container ${id} is not running`);
    }
    if (signal === 'SIGKILL' || signal === 'KILL' || signal === '9') container.child.kill('SIGKILL');
    else container.lifeline?.write(`${JSON.stringify({ type: 'signal', signal })}\n`);
  }

  /** Removes a container, killing it first if it still runs: its directory (and secrets) leave the node. */
  async remove(id: string): Promise<void> {
    const container = this.get(id);
    if (container.info.state === 'running') await this.stop(id, 0);
    this.containers.delete(id);
    rmSync(this.socketLink(id), { force: true });
    rmSync(container.paths.dir, { recursive: true, force: true });
    rmSync(join(this.secretsDir, id), { recursive: true, force: true });
    this.emit('remove', id);
  }

  inspect(id: string): ContainerInfo | undefined {
    const container = this.containers.get(id);
    return container ? this.snapshot(container) : undefined;
  }

  /** Every container, oldest first. */
  list(): ContainerInfo[] {
    return [...this.containers.values()]
      .map((c) => this.snapshot(c))
      .sort((a, b) => a.created.localeCompare(b.created));
  }

  /** The container's output, as `docker logs` reads it. */
  logs(id: string, options: LogOptions = {}): AsyncIterable<LogEntry> {
    return this.get(id).logs.read(options);
  }

  /** Runs a command inside a running container. */
  async exec(id: string, options: ExecOptions): Promise<ExecSession> {
    const container = this.get(id);
    if (container.info.state !== 'running') throw new ExecutorError(409, `Container ${id} is not running`);
    if (!Array.isArray(options.cmd) || options.cmd.length === 0)
      throw new ExecutorError(400, 'No exec command specified');
    return openExec(this.controlSocket(container), {
      cmd: options.cmd,
      env: options.env,
      workingDir: options.workingDir,
      tty: options.tty,
      stdin: options.stdin,
      cols: options.cols,
      rows: options.rows,
    });
  }

  /** Counts and resident memory (bytes, whole process tree) of each running container. */
  stats(): { containers: number; running: number; rssBytesById: Record<string, number> } {
    const rssBytesById: Record<string, number> = {};
    let running = 0;
    for (const container of this.containers.values()) {
      if (container.info.state !== 'running' || !container.info.pid) continue;
      running++;
      rssBytesById[container.info.id] = rssOfTree(processTree(container.info.pid));
    }
    return { containers: this.containers.size, running, rssBytesById };
  }

  /** Stops every running container (SIGKILL after at most `graceMs`) and refuses new ones. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.containers.values()]
        .filter((c) => c.info.state === 'running')
        .map((c) => this.stop(c.info.id, Math.min(graceMs, c.info.stopGracePeriodMs)).catch(() => {})),
    );
    rmSync(this.socketDir, { recursive: true, force: true });
    rmSync(this.secretsDir, { recursive: true, force: true });
  }
}
