import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bootstrapSwarm } from '../bootstrap.js';
import type { Lab, LabHandle, LabNode, LabProgress, LabProvider, LabSpec } from '../provider.js';
import { allocateAddresses } from './addresses.js';

const swarmdBin = fileURLToPath(new URL('../../../bin/swarmd.js', import.meta.url));

/** How long a node may take to answer before the lab start fails. */
const nodeStartTimeoutMs = 20_000;
/** Grace period between SIGTERM and SIGKILL when a lab is destroyed. */
const stopGraceMs = 5_000;

export interface LocalProviderOptions {
  /** Where labs keep their nodes' data directories (default: <tmpdir>/swarmlab-labs). */
  labsDir?: string;
}

/** `$SWARMLAB_HOME/labs`, by default `~/.swarmlab/labs`. */
export function defaultLabsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.SWARMLAB_HOME ?? join(env.HOME ?? tmpdir(), '.swarmlab'), 'labs');
}

export function newLabId(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .padStart(13, '0')
    .slice(-12);
}

/**
 * The embedded default: each node is a swarmd child process of this process, on its own loopback address.
 * Nodes hold a lifeline to this process (their stdin), so they exit when it does, even on kill -9.
 */
export class LocalProvider implements LabProvider {
  readonly name = 'local';
  readonly labsDir: string;

  constructor(options: LocalProviderOptions = {}) {
    this.labsDir = options.labsDir ?? defaultLabsDir();
  }

  async create(spec: LabSpec, progress: (event: LabProgress) => void = () => {}): Promise<LabHandle> {
    const started = performance.now();
    const id = newLabId();
    const dir = join(this.labsDir, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const block = await allocateAddresses(spec.nodes);
    progress({ step: 'addresses', addrs: block.addrs });
    const children = new Map<string, ChildProcess>();
    const exitListeners: ((name: string, code: number | null) => void)[] = [];
    let destroying = false;

    const startNode = (index: number): Promise<LabNode> => {
      const name = `swarm-${index + 1}`;
      const dataDir = join(dir, name);
      children.get(name)?.removeAllListeners('exit');
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const addr = block.addrs[index];
      const port = block.clusterPorts[index];
      const log = openSync(join(dataDir, 'swarmd.log'), 'a');
      progress({ step: 'node-starting', name });
      const nodeStarted = performance.now();
      const child = spawn(
        process.execPath,
        [
          // A small young generation: an idle swarmd stays near 70 MB RSS instead of 85 (bench:converge).
          '--max-semi-space-size=1',
          swarmdBin,
          '--name',
          name,
          '--addr',
          port === 2377 ? addr : `${addr}:${port}`,
          '--data-dir',
          dataDir,
          '--profile',
          spec.profile ?? 'lab',
          '--lifeline',
        ],
        { stdio: ['pipe', 'pipe', log], env: { ...process.env, SWARMLAB_LAB_ID: id } },
      );
      closeSync(log);
      children.set(name, child);
      child.on('exit', (code) => {
        if (!destroying) for (const listener of exitListeners) listener(name, code);
      });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `${name} did not start within ${nodeStartTimeoutMs / 1000}s; see ${dataDir}/swarmd.log`,
              ),
            ),
          nodeStartTimeoutMs,
        );
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited with code ${code} while starting; see ${dataDir}/swarmd.log`));
        });
        const lines = createInterface({ input: child.stdout! });
        lines.once('line', (line) => {
          clearTimeout(timer);
          let ready: { ready?: boolean; api?: string };
          try {
            ready = JSON.parse(line);
          } catch {
            reject(new Error(`${name} printed "${line}" instead of its ready line`));
            return;
          }
          progress({ step: 'node-ready', name, ms: performance.now() - nodeStarted });
          resolve({
            name,
            addr,
            clusterAddr: `${addr}:${port}`,
            dockerHost: ready.api ?? '',
            pid: child.pid ?? 0,
            dataDir,
          });
        });
      });
    };

    const destroy = async () => {
      if (destroying) return;
      destroying = true;
      await Promise.all([...children.values()].map((child) => stopChild(child)));
      block.release();
      rmSync(dir, { recursive: true, force: true });
    };

    let nodes: LabNode[];
    try {
      nodes = await Promise.all(Array.from({ length: spec.nodes }, (_, i) => startNode(i)));
    } catch (error) {
      await destroy();
      throw error;
    }
    const lab: Lab = { id, provider: this.name, nodes, createdAt: new Date().toISOString() };
    if (spec.managers) {
      try {
        await bootstrapSwarm(lab, spec.managers, (message) => progress({ step: 'swarm', message }));
      } catch (error) {
        await destroy();
        throw error;
      }
    }
    progress({ step: 'ready', ms: performance.now() - started });
    return {
      lab,
      onNodeExit: (listener) => exitListeners.push(listener),
      restartNode: async (name) => {
        const index = lab.nodes.findIndex((n) => n.name === name);
        if (index < 0) throw new Error(`no node ${name} in lab ${id}`);
        const old = children.get(name);
        if (old) {
          old.removeAllListeners('exit');
          await stopChild(old);
        }
        const node = await startNode(index);
        lab.nodes[index] = node;
        return node;
      },
      destroy,
    };
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
export function stopChild(child: ChildProcess, graceMs = stopGraceMs): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
