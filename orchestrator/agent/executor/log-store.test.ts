import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LogStore } from './log-store.js';

const dir = mkdtempSync(join(tmpdir(), 'swarmlab-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function read(store: LogStore, options: Parameters<LogStore['read']>[0] = {}): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of store.read(options)) lines.push(`${entry.stream}:${entry.data.toString()}`);
  return lines;
}

test("entries are whole lines in Docker's json-file format; a partial line waits for its end", async () => {
  const store = new LogStore(join(dir, 'a.log'));
  store.write('stdout', Buffer.from('one\ntw'));
  assert.deepEqual(await read(store), ['stdout:one\n']);
  store.write('stdout', Buffer.from('o\n'));
  store.write('stderr', Buffer.from('no newline'));
  store.close();
  assert.deepEqual(await read(store), ['stdout:one\n', 'stdout:two\n', 'stderr:no newline']);
  const first = JSON.parse(readFileSync(join(dir, 'a.log'), 'utf8').split('\n')[0]);
  assert.deepEqual(Object.keys(first), ['log', 'stream', 'time']);
  assert.match(first.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('the file stays bounded: it rotates to .1 and two files are kept', async () => {
  const path = join(dir, 'b.log');
  const store = new LogStore(path, 2000);
  for (let i = 0; i < 200; i++) store.write('stdout', Buffer.from(`line ${i}\n`));
  store.close();
  assert.ok(existsSync(`${path}.1`));
  assert.ok(statSync(path).size <= 2000 && statSync(`${path}.1`).size <= 2000);
  const lines = await read(store);
  assert.equal(lines.at(-1), 'stdout:line 199\n');
  assert.ok(lines.length < 200, 'the oldest lines were dropped');
  assert.deepEqual(await read(store, { tail: 2 }), ['stdout:line 198\n', 'stdout:line 199\n']);
});

test('a very long line is cut in 16 KiB entries', async () => {
  const store = new LogStore(join(dir, 'c.log'));
  store.write('stdout', Buffer.alloc(40 * 1024, 'x'));
  store.close();
  assert.deepEqual(
    (await read(store)).map((line) => line.length - 'stdout:'.length),
    [16 * 1024, 16 * 1024, 8 * 1024],
  );
});

test('a follower gets new entries and ends when the log closes or its signal aborts', async () => {
  const store = new LogStore(join(dir, 'd.log'));
  store.write('stdout', Buffer.from('before\n'));
  const followed = read(store, { follow: true });
  setTimeout(() => store.write('stderr', Buffer.from('during\n')), 20);
  setTimeout(() => store.close(), 60);
  assert.deepEqual(await followed, ['stdout:before\n', 'stderr:during\n']);
  const open = new LogStore(join(dir, 'e.log'));
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 30);
  assert.deepEqual(await read(open, { follow: true, signal: abort.signal }), []);
});
