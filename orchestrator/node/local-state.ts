import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../common/atomic-file.js';
import type { NodeRole } from '../store/objects.js';

/** What a node remembers of its swarm across restarts (certificates and keys live beside it). */
export interface LocalSwarmState {
  format: 1;
  nodeId: string;
  clusterId: string;
  /** The role of this node's current certificate. */
  role: NodeRole;
  /** Managers to reach the swarm through, leader first when known. */
  managers: { nodeId: string; addr: string }[];
  /**
   * The key that encrypts this manager's Raft data at rest (base64). Plain when autolock is off; sealed with
   * the key-encryption key derived from the unlock key when it is on.
   */
  dataKey?: string;
  sealedDataKey?: string;
}

/** The directory layout of a node's swarm state under its data dir. */
export class SwarmDirs {
  readonly root: string;
  readonly certificates: string;
  readonly raft: string;
  readonly containers: string;
  private readonly statePath: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'swarm');
    this.certificates = join(this.root, 'certificates');
    this.raft = join(this.root, 'raft');
    this.containers = join(dataDir, 'containers');
    this.statePath = join(this.root, 'state.json');
  }

  read(): LocalSwarmState | undefined {
    if (!existsSync(this.statePath)) return undefined;
    return JSON.parse(readFileSync(this.statePath, 'utf8')) as LocalSwarmState;
  }

  write(state: LocalSwarmState): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.statePath, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Forgets the swarm (leave): state, certificates and Raft data. */
  erase(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Removes only the Raft data (a demoted manager). */
  eraseRaft(): void {
    rmSync(this.raft, { recursive: true, force: true });
  }
}
