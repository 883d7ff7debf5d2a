import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ent } from '../testing/raft-fixture.js';
import { EntryType, MessageType, message } from '../types.js';
import { decodeMessage, encodeMessage } from './message-codec.js';

test('messages round-trip through the binary encoding, large indexes included', () => {
  const m = message({
    type: MessageType.App,
    from: 'node-a',
    to: 'node-b',
    term: 2 ** 40 + 3,
    logTerm: 7,
    index: 2 ** 52,
    commit: 12,
    reject: true,
    rejectHint: 9,
    transfer: true,
    context: new TextEncoder().encode('ctx'),
    entries: [ent(1, 2), { index: 2, term: 2, type: EntryType.ConfChange, data: new Uint8Array([1, 2, 3]) }],
  });
  const plain = (x: unknown): unknown => {
    if (x instanceof Uint8Array) return [...x];
    if (Array.isArray(x)) return x.map(plain);
    if (x && typeof x === 'object')
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
    return x;
  };
  assert.deepEqual(plain(decodeMessage(encodeMessage(m)).msg), plain(m));
});

test('a snapshot message can travel without its data, which follows separately', () => {
  const snap = {
    meta: { index: 5, term: 2, confState: { voters: ['a'], learners: ['b'], addrs: { a: 'x:1', b: 'y:2' } } },
    data: new Uint8Array(10).fill(1),
  };
  const m = message({ type: MessageType.Snap, from: 'a', to: 'b', term: 2, snapshot: snap });
  const full = decodeMessage(encodeMessage(m)).msg;
  assert.deepEqual(full.snapshot?.meta, snap.meta);
  assert.equal(full.snapshot?.data.byteLength, 10);
  const head = decodeMessage(encodeMessage(m, true), true);
  assert.equal(head.snapshotDataLength, 10);
  assert.equal(head.msg.snapshot?.data.byteLength, 0);
});

test('truncated or unknown input is rejected, not misread', () => {
  const bytes = encodeMessage(message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 1 }));
  assert.throws(() => decodeMessage(bytes.subarray(0, bytes.length - 3)), /truncated/);
  const bad = Buffer.from(bytes);
  bad[0] = 200;
  assert.throws(() => decodeMessage(bad), /unknown message type/);
});
