import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LabHandle, LabProgress, LabProvider } from '../../labs/provider.js';
import type { LabNodeView, LabView } from '../protocol/events.js';
import { unguessableId } from '../security/access.js';
import { Terminal } from '../terminals/terminal.js';
import { LabEnvironment } from './lab-environment.js';

/** A refusal the learner can act on ("You already have a lab: ..."). */
export class LabError extends Error {
  override name = 'LabError';
}

export interface LabManagerOptions {
  provider: LabProvider;
  /** Where labs keep their shells' homes and bin folders. */
  labsDir: string;
  dockerCli: string;
  maxLabs: number;
  maxNodes: number;
  idleTimeoutMs: number;
  /** Called whenever a learner's lab changes (null: it is gone). */
  onChange(learnerId: string, lab: ManagedLab | null): void;
  /** Called when a lab was reclaimed for idleness, or lost a node. */
  onNotice(learnerId: string, message: string): void;
}

/** How long a new shell may take to print its prompt. */
const shellReadyTimeoutMs = 10_000;

/** One learner's lab: its nodes (through the provider's handle), a shell per node, its state for the UI. */
export class ManagedLab {
  readonly id = unguessableId();
  state: LabView['state'] = 'starting';
  nodes: LabNodeView[];
  readonly progress: string[] = [];
  error?: string;
  readonly createdAt = new Date().toISOString();
  lastActivityAt = Date.now();
  readyMs?: number;
  handle?: LabHandle;
  environment?: LabEnvironment;
  /** Terminals by id. */
  readonly terminals = new Map<string, Terminal>();
  /** Settles when the start finished, well or not. */
  starting: Promise<void> = Promise.resolve();

  constructor(
    readonly learnerId: string,
    readonly nodeCount: number,
    readonly provider: string,
  ) {
    this.nodes = Array.from({ length: nodeCount }, (_, i) => ({
      name: `swarm-${i + 1}`,
      addr: '',
      status: 'starting',
    }));
  }

  /** Read through a getter: the state changes while a start awaits. */
  get destroying(): boolean {
    return this.state === 'destroying';
  }

  /** Last time anyone typed into one of its shells or acted on the lab. */
  get lastActive(): number {
    let last = this.lastActivityAt;
    for (const terminal of this.terminals.values()) last = Math.max(last, terminal.lastInputAt);
    return last;
  }

  view(idleTimeoutMs: number): LabView {
    return {
      id: this.id,
      provider: this.provider,
      state: this.state,
      nodes: this.nodes.map((n) => ({ ...n })),
      terminals: [...this.terminals.values()].map((t) => ({ id: t.id, node: t.node })),
      progress: [...this.progress],
      error: this.error,
      createdAt: this.createdAt,
      idleTimeoutMs,
      readyMs: this.readyMs,
    };
  }
}

/**
 * The labs of all learners of this server, one per learner, started through a lab provider. A learner reaches
 * only its own lab and terminals: every lookup goes through the learner id.
 */
export class LabManager {
  private readonly labs = new Map<string, ManagedLab>();
  private readonly reaper: NodeJS.Timeout;

  constructor(private readonly options: LabManagerOptions) {
    this.reaper = setInterval(
      () => void this.reclaimIdle(),
      Math.min(30_000, Math.max(1_000, options.idleTimeoutMs / 4)),
    );
    this.reaper.unref();
  }

  labOf(learnerId: string): ManagedLab | undefined {
    return this.labs.get(learnerId);
  }

  get size(): number {
    return this.labs.size;
  }

  /** The learner's terminal with this id; undefined for anyone else's. */
  terminal(learnerId: string, terminalId: string): Terminal | undefined {
    if (typeof terminalId !== 'string') return undefined;
    return this.labs.get(learnerId)?.terminals.get(terminalId);
  }

  touch(learnerId: string): void {
    const lab = this.labs.get(learnerId);
    if (lab) lab.lastActivityAt = Date.now();
  }

  /** Starts a lab for the learner; resolves when it is ready or failed (the lab's state says which). */
  async start(learnerId: string, nodes: number): Promise<ManagedLab> {
    const { maxNodes, maxLabs } = this.options;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > maxNodes) {
      throw new LabError(`A lab has 1 to ${maxNodes} nodes, not ${nodes}.`);
    }
    if (this.labs.get(learnerId)?.state === 'failed') this.labs.delete(learnerId);
    if (this.labs.has(learnerId)) throw new LabError('You already have a lab: reset or destroy it first.');
    if (this.labs.size >= maxLabs) {
      throw new LabError(
        `This server already runs its maximum of ${maxLabs} labs. Try again later, or ask the instructor.`,
      );
    }
    const lab = new ManagedLab(learnerId, nodes, this.options.provider.name);
    this.labs.set(learnerId, lab);
    this.changed(lab);
    lab.starting = this.bringUp(lab);
    await lab.starting;
    return lab;
  }

  /** Destroys the learner's lab (its shells, then its nodes). */
  async destroy(learnerId: string): Promise<void> {
    const lab = this.labs.get(learnerId);
    if (!lab || lab.state === 'destroying') return;
    lab.state = 'destroying';
    this.changed(lab);
    await lab.starting;
    await this.teardown(lab);
    if (this.labs.get(learnerId) === lab) this.labs.delete(learnerId);
    this.options.onChange(learnerId, null);
  }

  /** A fresh lab of the same size. */
  async reset(learnerId: string): Promise<ManagedLab> {
    const nodes = this.labs.get(learnerId)?.nodeCount;
    if (nodes === undefined) throw new LabError('You have no lab to reset: start one.');
    await this.destroy(learnerId);
    return this.start(learnerId, nodes);
  }

  /** Destroys labs nobody typed into for longer than the idle timeout. */
  async reclaimIdle(now = Date.now()): Promise<string[]> {
    const idle = [...this.labs.values()].filter(
      (lab) =>
        lab.state !== 'destroying' &&
        lab.state !== 'starting' &&
        now - lab.lastActive > this.options.idleTimeoutMs,
    );
    await Promise.all(
      idle.map(async (lab) => {
        await this.destroy(lab.learnerId);
        const minutes = Math.round(this.options.idleTimeoutMs / 60_000);
        this.options.onNotice(
          lab.learnerId,
          `Your lab was idle for ${minutes} minutes and was removed. Start a new one to go on.`,
        );
      }),
    );
    return idle.map((lab) => lab.learnerId);
  }

  /** Destroys every lab (server shutdown). */
  async shutdown(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.labs.keys()].map((learnerId) => this.destroy(learnerId)));
  }

  private changed(lab: ManagedLab): void {
    if (this.labs.get(lab.learnerId) === lab) this.options.onChange(lab.learnerId, lab);
  }

  private onProgress(lab: ManagedLab, event: LabProgress): void {
    switch (event.step) {
      case 'addresses':
        event.addrs.forEach((addr, i) => {
          if (lab.nodes[i]) lab.nodes[i].addr = addr;
        });
        lab.progress.push(`Addresses ${event.addrs[0]} to ${event.addrs.at(-1)}`);
        break;
      case 'node-starting':
        break;
      case 'node-ready': {
        const node = lab.nodes.find((n) => n.name === event.name);
        if (node) node.status = 'up';
        lab.progress.push(`${event.name} is up (${Math.round(event.ms)} ms)`);
        break;
      }
      case 'swarm':
        lab.progress.push(event.message);
        break;
      case 'ready':
        lab.progress.push(`Nodes ready in ${Math.round(event.ms)} ms`);
        break;
    }
    this.changed(lab);
  }

  private async bringUp(lab: ManagedLab): Promise<void> {
    const started = performance.now();
    try {
      const handle = await this.options.provider.create({ nodes: lab.nodeCount }, (event) =>
        this.onProgress(lab, event),
      );
      lab.handle = handle;
      if (lab.destroying) return;
      handle.onNodeExit((name, code) => {
        const node = lab.nodes.find((n) => n.name === name);
        if (!node || lab.state === 'destroying') return;
        node.status = 'down';
        this.changed(lab);
        this.options.onNotice(
          lab.learnerId,
          `${name}'s daemon exited (code ${code}). Reset the lab to get it back.`,
        );
      });
      lab.nodes = handle.lab.nodes.map((n) => ({ name: n.name, addr: n.addr, status: 'up' }));
      lab.environment = new LabEnvironment(
        join(this.options.labsDir, lab.id),
        handle.lab,
        this.options.dockerCli,
      );
      for (const node of handle.lab.nodes) this.openTerminal(lab, node.name);
      const ready = Promise.all([...lab.terminals.values()].map((t) => t.ready));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the shells did not start within ${shellReadyTimeoutMs / 1000}s`)),
          shellReadyTimeoutMs,
        );
      });
      await Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
      if (lab.destroying) return;
      lab.readyMs = performance.now() - started;
      lab.state = 'ready';
      lab.progress.push(`Lab ready in ${Math.round(lab.readyMs)} ms`);
      this.changed(lab);
    } catch (error) {
      if (lab.destroying) return;
      lab.state = 'failed';
      lab.error = `The lab could not start: ${(error as Error).message}`;
      await this.teardown(lab);
      this.changed(lab);
    }
  }

  /** A shell on the node; when it exits (the learner typed `exit`), a new one takes its place. */
  private openTerminal(lab: ManagedLab, nodeName: string): Terminal {
    const node = lab.handle?.lab.nodes.find((n) => n.name === nodeName);
    if (!node || !lab.environment) throw new Error(`no node ${nodeName}`);
    const terminal = new Terminal({ id: unguessableId(), node: nodeName, ...lab.environment.shellOf(node) });
    lab.terminals.set(terminal.id, terminal);
    terminal.onExit(() => {
      lab.terminals.delete(terminal.id);
      terminal.dispose();
      if (lab.state !== 'ready' || this.labs.get(lab.learnerId) !== lab) return;
      setTimeout(() => {
        if (lab.state !== 'ready' || this.labs.get(lab.learnerId) !== lab) return;
        this.openTerminal(lab, nodeName);
        this.changed(lab);
      }, 300);
    });
    return terminal;
  }

  private async teardown(lab: ManagedLab): Promise<void> {
    for (const terminal of lab.terminals.values()) terminal.dispose();
    lab.terminals.clear();
    await lab.handle?.destroy();
    rmSync(join(this.options.labsDir, lab.id), { recursive: true, force: true });
  }
}
