import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CorruptionError } from '../errors.js';
import { ent } from '../testing/raft-fixture.js';
import type { Entry } from '../types.js';
import { NodeDisk } from './disk.js';
import { Wal } from './wal.js';

const disk = new NodeDisk();

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'raft-wal-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const indexes = (es: Entry[]): number[] => es.map((e) => e.index);

function segments(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.wal'));
}

test('WAL: entries and hard state survive a reopen; a later entry at an index replaces the suffix', () => {
  withDir((dir) => {
    const { wal } = Wal.open(disk, dir);
    wal.save({ term: 1, vote: 'a', commit: 0 }, [ent(1, 1), ent(2, 1), ent(3, 1)]);
    wal.save({ term: 2, vote: 'b', commit: 2 }, [ent(3, 2), ent(4, 2)]);
    wal.sync();
    wal.close();
    const { contents } = Wal.open(disk, dir);
    assert.deepEqual(contents.hardState, { term: 2, vote: 'b', commit: 2 });
    assert.deepEqual(
      contents.entries.map((e) => [e.index, e.term, new TextDecoder().decode(e.data)]),
      [
        [1, 1, '1/1'],
        [2, 1, '2/1'],
        [3, 2, '3/2'],
        [4, 2, '4/2'],
      ],
    );
  });
});

test('WAL: a torn last record is cut off at open, and appending continues after it', () => {
  withDir((dir) => {
    const { wal } = Wal.open(disk, dir);
    wal.save({ term: 1, vote: '', commit: 1 }, [ent(1, 1)]);
    wal.save(undefined, [ent(2, 1, 'x'.repeat(1000))]);
    wal.sync();
    wal.close();
    const [seg] = segments(dir);
    const path = join(dir, seg!);
    truncateSync(path, statSync(path).size - 100);
    const logs: string[] = [];
    const reopened = Wal.open(disk, dir, { logger: (l) => logs.push(l) });
    assert.deepEqual(indexes(reopened.contents.entries), [1]);
    assert.match(logs.join('\n'), /torn write/);
    reopened.wal.save(undefined, [ent(2, 1)]);
    reopened.wal.sync();
    reopened.wal.close();
    assert.deepEqual(indexes(Wal.open(disk, dir).contents.entries), [1, 2]);
  });
});

test('WAL: a last record whose sector never reached the disk (zeros) is a torn write too', () => {
  withDir((dir) => {
    const { wal } = Wal.open(disk, dir);
    wal.save(undefined, [ent(1, 1)]);
    wal.save(undefined, [ent(2, 1, 'y'.repeat(2000))]);
    wal.sync();
    wal.close();
    const path = join(dir, segments(dir)[0]!);
    const buf = readFileSync(path);
    buf.fill(0, buf.length - 1024, buf.length - 512);
    writeFileSync(path, buf);
    assert.deepEqual(indexes(Wal.open(disk, dir).contents.entries), [1]);
  });
});

test('WAL: a damaged record in the middle is refused with the file and the byte offset', () => {
  withDir((dir) => {
    const { wal } = Wal.open(disk, dir);
    wal.save(undefined, [ent(1, 1)]);
    wal.save(undefined, [ent(2, 1, 'payload-two')]);
    wal.save(undefined, [ent(3, 1)]);
    wal.sync();
    wal.close();
    const path = join(dir, segments(dir)[0]!);
    const buf = readFileSync(path);
    const at = buf.indexOf('payload-two');
    buf[at] = buf[at]! ^ 0xff;
    writeFileSync(path, buf);
    assert.throws(
      () => Wal.open(disk, dir),
      (err: unknown) => {
        assert.ok(err instanceof CorruptionError);
        assert.equal(err.file, path);
        assert.ok(err.offset > 0 && err.offset < at, `offset ${err.offset}`);
        assert.match(
          err.message,
          new RegExp(`${path}: record checksum mismatch at byte offset ${err.offset}`),
        );
        return true;
      },
    );
  });
});

test('WAL: cut() starts a self-contained segment after a snapshot and deletes older ones', () => {
  withDir((dir) => {
    const { wal } = Wal.open(disk, dir);
    wal.save({ term: 1, vote: '', commit: 3 }, [ent(1, 1), ent(2, 1), ent(3, 1), ent(4, 1)]);
    wal.sync();
    wal.cut({ index: 3, term: 1 }, { term: 1, vote: '', commit: 3 }, [ent(4, 1)]);
    wal.save(undefined, [ent(5, 1)]);
    wal.sync();
    wal.close();
    assert.equal(segments(dir).length, 1);
    const { contents } = Wal.open(disk, dir);
    assert.deepEqual(contents.snapshot, { index: 3, term: 1 });
    assert.deepEqual(indexes(contents.entries), [4, 5]);
  });
});

test('WAL: a snapshot marker that does not match the log resets it (snapshot from the leader)', () => {
  withDir((dir) => {
    const { wal } = Wal.open(disk, dir);
    wal.save(undefined, [ent(1, 1), ent(2, 1), ent(3, 1)]);
    wal.sync();
    wal.cut({ index: 10, term: 4 }, { term: 4, vote: '', commit: 10 }, []);
    wal.save(undefined, [ent(11, 4)]);
    wal.sync();
    wal.close();
    const { contents } = Wal.open(disk, dir);
    assert.deepEqual(contents.snapshot, { index: 10, term: 4 });
    assert.deepEqual(indexes(contents.entries), [11]);
  });
});

test('WAL: segments rotate by size and are read back in order', () => {
  withDir((dir) => {
    const { wal } = Wal.open(disk, dir, { segmentBytes: 4096 });
    for (let i = 1; i <= 50; i++)
      wal.save({ term: 1, vote: '', commit: i - 1 }, [ent(i, 1, 'z'.repeat(200))]);
    wal.sync();
    wal.close();
    assert.ok(segments(dir).length > 2);
    const { contents } = Wal.open(disk, dir, { segmentBytes: 4096 });
    assert.equal(contents.entries.length, 50);
    assert.equal(contents.hardState.commit, 49);
  });
});

test('WAL: payloads pass through the codec (encryption at rest)', () => {
  withDir((dir) => {
    const codec = {
      encode: (b: Uint8Array) => b.map((x) => x ^ 0x77),
      decode: (b: Uint8Array) => b.map((x) => x ^ 0x77),
    };
    const { wal } = Wal.open(disk, dir, { codec });
    wal.save(undefined, [ent(1, 1, 'secret-value')]);
    wal.sync();
    wal.close();
    const raw = readFileSync(join(dir, segments(dir)[0]!));
    assert.equal(raw.indexOf('secret-value'), -1);
    assert.equal(
      new TextDecoder().decode(Wal.open(disk, dir, { codec }).contents.entries[0]!.data),
      'secret-value',
    );
  });
});
