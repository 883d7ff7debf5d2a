/**
 * @module SimDisk: an in-memory Disk with the failure model of a real one. Data appended but not synced, and
 * directory changes not synced, are lost on a crash; the unsynced tail may survive in part (a torn write),
 * possibly with a sector that never reached the platter. The simulator can also crash a node in the middle
 * of a disk operation.
 */
import { dirname } from 'node:path';
import type { Disk, DiskFile } from '../wal/disk.js';
import type { Prng } from './prng.js';

/** Thrown by SimDisk when the simulator decided the node crashes now. */
export class SimCrash extends Error {
  constructor() {
    super('simulated crash');
  }
}

class MemFile {
  data = Buffer.alloc(0);
  length = 0;
  synced = 0;

  append(b: Uint8Array): void {
    if (this.length + b.byteLength > this.data.length) {
      const next = Buffer.alloc(Math.max(this.data.length * 2, this.length + b.byteLength, 256));
      this.data.copy(next, 0, 0, this.length);
      this.data = next;
    }
    this.data.set(b, this.length);
    this.length += b.byteLength;
  }

  bytes(): Buffer {
    return this.data.subarray(0, this.length);
  }
}

const SECTOR = 512;

/** SimDisk: see the module comment. One instance per simulated node. */
export class SimDisk implements Disk {
  /** Path -> file, as the running process sees it. */
  private current = new Map<string, MemFile>();
  /** Path -> file, as it would be found after a crash (directory entries made durable by syncDir). */
  private durable = new Map<string, MemFile>();
  private readonly dirs = new Set<string>();
  /** Crash (throw SimCrash) after this many more mutating operations; Infinity disables. */
  crashAfterOps = Number.POSITIVE_INFINITY;
  /** Bytes written, for statistics. */
  bytesWritten = 0;
  syncs = 0;

  private maybeCrash(): void {
    if (--this.crashAfterOps < 0) {
      this.crashAfterOps = Number.POSITIVE_INFINITY;
      throw new SimCrash();
    }
  }

  mkdirp(dir: string): void {
    this.dirs.add(dir);
  }

  list(dir: string): string[] {
    const out: string[] = [];
    for (const path of this.current.keys()) if (dirname(path) === dir) out.push(path.slice(dir.length + 1));
    return out.sort();
  }

  exists(path: string): boolean {
    return this.current.has(path) || this.dirs.has(path);
  }

  readFile(path: string): Uint8Array {
    const f = this.current.get(path);
    if (!f) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return Buffer.from(f.bytes());
  }

  openAppend(path: string): DiskFile {
    let f = this.current.get(path);
    if (!f) {
      this.maybeCrash();
      f = new MemFile();
      this.current.set(path, f);
    }
    const file = f;
    let open = true;
    const disk = this;
    return {
      append(data: Uint8Array): void {
        if (!open) throw new Error('append to a closed file');
        disk.maybeCrash();
        file.append(data);
        disk.bytesWritten += data.byteLength;
      },
      sync(): void {
        disk.maybeCrash();
        file.synced = file.length;
        disk.syncs++;
      },
      close(): void {
        open = false;
      },
      get size(): number {
        return file.length;
      },
    };
  }

  rename(from: string, to: string): void {
    const f = this.current.get(from);
    if (!f) throw new Error(`rename: no ${from}`);
    this.maybeCrash();
    this.current.delete(from);
    this.current.set(to, f);
  }

  remove(path: string): void {
    this.maybeCrash();
    this.current.delete(path);
  }

  truncate(path: string, size: number): void {
    const f = this.current.get(path);
    if (!f) throw new Error(`truncate: no ${path}`);
    this.maybeCrash();
    f.length = Math.min(f.length, size);
    f.synced = Math.min(f.synced, f.length);
    // NodeDisk fsyncs after truncating.
    f.synced = f.length;
  }

  syncDir(dir: string): void {
    this.maybeCrash();
    for (const path of [...this.durable.keys()]) if (dirname(path) === dir) this.durable.delete(path);
    for (const [path, f] of this.current) if (dirname(path) === dir) this.durable.set(path, f);
  }

  /**
   * The machine loses power: directory changes not synced are undone, and every file keeps its synced
   * bytes plus a random prefix of the unsynced ones, in which one sector may be missing (zeros).
   */
  crash(rng: Prng): void {
    this.crashAfterOps = Number.POSITIVE_INFINITY;
    const files = new Set(this.durable.values());
    for (const f of files) {
      const unsynced = f.length - f.synced;
      if (unsynced <= 0) continue;
      const keep = rng.chance(0.3) ? 0 : rng.int(unsynced + 1);
      f.length = f.synced + keep;
      if (keep > 0 && rng.chance(0.3)) {
        // A sector inside the kept tail never made it: zero it (only bytes after the synced part).
        const at = f.synced + rng.int(keep);
        const start = Math.max(f.synced, Math.floor(at / SECTOR) * SECTOR);
        const end = Math.min(f.length, (Math.floor(at / SECTOR) + 1) * SECTOR);
        f.data.fill(0, start, end);
      }
      f.synced = f.length;
    }
    this.current = new Map(this.durable);
  }

  /** Total bytes stored (statistics). */
  usage(): number {
    let n = 0;
    for (const f of this.current.values()) n += f.length;
    return n;
  }
}
