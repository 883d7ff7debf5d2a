import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CorruptionError } from '../errors.js';
import { NodeDisk } from '../wal/disk.js';
import { Snapshotter } from './snapshotter.js';

test('snapshots round-trip, are pruned, and a damaged one is refused naming its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raft-snap-'));
  try {
    const s = new Snapshotter(new NodeDisk(), dir);
    const meta = (index: number) => ({
      index,
      term: 2,
      confState: { voters: ['a'], learners: [], addrs: { a: 'h:1' } },
    });
    s.save({ meta: meta(5), data: new TextEncoder().encode('five') });
    s.save({ meta: meta(9), data: new Uint8Array(3 << 20).fill(7) });
    const loaded = s.load(9, 2);
    assert.deepEqual(loaded.meta, meta(9));
    assert.equal(loaded.data.byteLength, 3 << 20);
    s.prune(9);
    assert.equal(readdirSync(dir).length, 1);
    const [file] = readdirSync(dir);
    const buf = readFileSync(join(dir, file!));
    buf[buf.length - 10] = buf[buf.length - 10]! ^ 1;
    writeFileSync(join(dir, file!), buf);
    assert.throws(
      () => s.load(9, 2),
      (err: unknown) => err instanceof CorruptionError && err.file === join(dir, file!),
    );
    assert.throws(() => s.load(5, 2), /missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
