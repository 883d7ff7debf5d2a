/**
 * @module Disk: the synchronous file operations the WAL and the snapshot store use. NodeDisk is the real one
 * (node:fs, fdatasync); the simulator supplies one that loses unsynced writes on a crash.
 */
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';

/** An open file that is only appended to. */
export interface DiskFile {
  append(data: Uint8Array): void;
  /** Makes everything appended so far durable (fdatasync). */
  sync(): void;
  close(): void;
  readonly size: number;
}

/** Synchronous file operations. Paths are absolute or relative to the process; names are plain file names. */
export interface Disk {
  mkdirp(dir: string): void;
  /** File names in `dir`, sorted. */
  list(dir: string): string[];
  exists(path: string): boolean;
  readFile(path: string): Uint8Array;
  /** Opens for appending, creating the file if needed. */
  openAppend(path: string): DiskFile;
  rename(from: string, to: string): void;
  remove(path: string): void;
  truncate(path: string, size: number): void;
  /** Makes the directory's entries (creations, renames, removals) durable. */
  syncDir(dir: string): void;
}

/** Writes a whole file so that after a crash it is either absent or complete: temp file, fsync, rename, fsync dir. */
export function writeFileDurably(disk: Disk, path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  if (disk.exists(tmp)) disk.remove(tmp);
  const f = disk.openAppend(tmp);
  f.append(data);
  f.sync();
  f.close();
  disk.rename(tmp, path);
  disk.syncDir(dirname(path));
}

class NodeFile implements DiskFile {
  private fd: number;
  size: number;

  constructor(path: string) {
    this.fd = fs.openSync(path, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  append(data: Uint8Array): void {
    let off = 0;
    while (off < data.byteLength) off += fs.writeSync(this.fd, data, off, data.byteLength - off);
    this.size += data.byteLength;
  }

  sync(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** NodeDisk: the real file system. */
export class NodeDisk implements Disk {
  mkdirp(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
  }

  list(dir: string): string[] {
    return fs.readdirSync(dir).sort();
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  readFile(path: string): Uint8Array {
    return fs.readFileSync(path);
  }

  openAppend(path: string): DiskFile {
    return new NodeFile(path);
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }

  remove(path: string): void {
    fs.rmSync(path, { force: true });
  }

  truncate(path: string, size: number): void {
    fs.truncateSync(path, size);
    const fd = fs.openSync(path, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  syncDir(dir: string): void {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Joins a directory and a file name (re-exported so callers need no node:path). */
export function pathJoin(dir: string, name: string): string {
  return join(dir, name);
}
