import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../orchestrator/common/process-alive.js';

/** Machine-wide locks on address blocks, shared by every swarmlab process (labs of all users and tests). */
const lockDir = join(tmpdir(), 'swarmlab-address-locks');

/** A block of loopback addresses 127.0.<block>.1..n owned by this process until released. */
export interface AddressBlock {
  addrs: string[];
  /** Cluster port of each node (2377, or distinct ports where only 127.0.0.1 answers). */
  clusterPorts: number[];
  release(): void;
}

function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = Number(readFileSync(path, 'utf8').trim());
  if (owner && processAlive(owner)) return false;
  // The owner is gone: take the stale lock over (rename is atomic, so only one taker wins).
  const mine = `${path}.${process.pid}`;
  try {
    renameSync(path, mine);
  } catch {
    return false;
  }
  rmSync(mine, { force: true });
  return tryLock(path);
}

/** Whether addr:port can be bound now: 'free', 'busy' (in use), or 'unavailable' (no such local address). */
function probe(addr: string, port: number): Promise<'free' | 'busy' | 'unavailable'> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRNOTAVAIL' ? 'unavailable' : 'busy'),
    );
    server.listen(port, addr, () => server.close(() => resolve('free')));
  });
}

/**
 * Finds `count` node addresses for a local lab: a free block 127.0.<b>.1..count (every address of 127/8
 * answers on Linux), each with the cluster port 2377 free. Where only 127.0.0.1 answers, nodes share it
 * and get distinct cluster ports.
 */
export async function allocateAddresses(count: number): Promise<AddressBlock> {
  if (count < 1 || count > 254) throw new Error(`a local lab has 1 to 254 nodes, not ${count}`);
  mkdirSync(lockDir, { recursive: true });
  const start = 1 + Math.floor(Math.random() * 250);
  for (let i = 0; i < 254; i++) {
    const block = 1 + ((start + i) % 254);
    const lock = join(lockDir, `127.0.${block}.0`);
    if (!tryLock(lock)) continue;
    const addrs = Array.from({ length: count }, (_, n) => `127.0.${block}.${n + 1}`);
    const states = await Promise.all(addrs.map((addr) => probe(addr, 2377)));
    if (states.every((s) => s === 'free')) {
      return { addrs, clusterPorts: addrs.map(() => 2377), release: () => rmSync(lock, { force: true }) };
    }
    rmSync(lock, { force: true });
    if (states.includes('unavailable')) return allocateSharedLoopback(count);
  }
  throw new Error(
    'no free loopback address block for a lab: too many labs are running; stop some with "swarmlab lab down"',
  );
}

async function allocateSharedLoopback(count: number): Promise<AddressBlock> {
  const ports: number[] = [];
  for (let port = 12377; ports.length < count && port < 13377; port++) {
    if ((await probe('127.0.0.1', port)) === 'free' && tryLock(join(lockDir, `127.0.0.1:${port}`)))
      ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports on 127.0.0.1 for a lab');
  return {
    addrs: ports.map(() => '127.0.0.1'),
    clusterPorts: ports,
    release: () => {
      for (const port of ports) rmSync(join(lockDir, `127.0.0.1:${port}`), { force: true });
    },
  };
}
