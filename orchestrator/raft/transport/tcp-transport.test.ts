import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { randomLoopback } from '../testing/member-process.js';
import { ent } from '../testing/raft-fixture.js';
import { type Message, MessageType, message } from '../types.js';
import { TcpTransport } from './tcp-transport.js';

async function pair(
  opts: { verifyPeer?: (s: net.Socket, id: string) => boolean; dial?: (addr: string) => net.Socket } = {},
) {
  const a = new TcpTransport({ id: 'a', dial: opts.dial });
  const b = new TcpTransport({ id: 'b', verifyPeer: opts.verifyPeer });
  const ha = randomLoopback();
  const hb = randomLoopback();
  const la = await a.listen(ha, 0);
  const lb = await b.listen(hb, 0);
  return { a, b, addrA: `${ha}:${la.port}`, addrB: `${hb}:${lb.port}` };
}

function collect(t: TcpTransport): { got: Message[]; next: (n: number) => Promise<Message[]> } {
  const got: Message[] = [];
  const waiters: (() => void)[] = [];
  t.start((m) => {
    got.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (n: number): Promise<Message[]> => {
    const deadline = Date.now() + 10_000;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${got.length} of ${n} messages arrived`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return got;
  };
  return { got, next };
}

test('TCP transport: messages arrive in order with their entries', async () => {
  const { a, b, addrB } = await pair();
  try {
    collect(a);
    const rx = collect(b);
    a.setPeer('b', addrB);
    for (let i = 1; i <= 100; i++) {
      a.send(
        'b',
        message({ type: MessageType.App, from: 'a', to: 'b', term: 1, index: i, entries: [ent(i, 1)] }),
      );
    }
    const got = await rx.next(100);
    assert.deepEqual(
      got.map((m) => m.index),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assert.equal(new TextDecoder().decode(got[41]!.entries[0]!.data), '42/1');
    assert.ok(a.reachable('b'));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TCP transport: a snapshot far larger than a chunk streams through and is reported sent', async () => {
  const { a, b, addrB } = await pair();
  try {
    const statuses: [string, boolean][] = [];
    a.start(() => {}, { snapshotStatus: (peer, ok) => statuses.push([peer, ok]) });
    const rx = collect(b);
    a.setPeer('b', addrB);
    const data = new Uint8Array(9 << 20);
    for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
    const snap = {
      meta: { index: 10, term: 2, confState: { voters: ['a', 'b'], learners: [], addrs: {} } },
      data,
    };
    a.send('b', message({ type: MessageType.Snap, from: 'a', to: 'b', term: 2, snapshot: snap }));
    a.send('b', message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 2 }));
    const [got, after] = await rx.next(2);
    assert.equal(got!.type, MessageType.Snap);
    assert.equal(got!.snapshot!.data.byteLength, data.byteLength);
    assert.ok(Buffer.from(got!.snapshot!.data).equals(Buffer.from(data)));
    assert.equal(after!.type, MessageType.Heartbeat);
    for (let i = 0; i < 100 && statuses.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(statuses, [['b', true]]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TCP transport: verifyPeer refuses a connection; messages forged for another sender are dropped', async () => {
  const { a, b, addrB } = await pair({ verifyPeer: (_s, id) => id !== 'a' });
  try {
    collect(a);
    const rx = collect(b);
    a.setPeer('b', addrB);
    a.send('b', message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 1 }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.got.length, 0);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  const c = await pair();
  try {
    collect(c.a);
    const rx = collect(c.b);
    c.a.setPeer('b', c.addrB);
    c.a.send('b', message({ type: MessageType.Heartbeat, from: 'mallory', to: 'b', term: 1 }));
    c.a.send('b', message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 1 }));
    const got = await rx.next(1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      got.map((m) => m.from),
      ['a'],
    );
  } finally {
    await Promise.all([c.a.close(), c.b.close()]);
  }
});

test('TCP transport: reconnects after the peer restarts, and learns a joiner address from its hello', async () => {
  const { a, b, addrA, addrB } = await pair();
  const unreachable: string[] = [];
  let b2: TcpTransport | undefined;
  try {
    a.start(() => {}, { unreachable: (p) => unreachable.push(p) });
    const rxB = collect(b);
    a.setPeer('b', addrB);
    a.send('b', message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 1 }));
    await rxB.next(1);
    // b learnt a's address from the hello and can answer without setPeer.
    b.send('a', message({ type: MessageType.HeartbeatResp, from: 'b', to: 'a', term: 1 }));
    await b.close();
    for (let i = 0; i < 100 && unreachable.length === 0; i++) {
      a.send('b', message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 1 }));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(unreachable.slice(0, 1), ['b']);
    const [host, port] = [
      addrB.slice(0, addrB.lastIndexOf(':')),
      Number(addrB.slice(addrB.lastIndexOf(':') + 1)),
    ];
    b2 = new TcpTransport({ id: 'b' });
    await b2.listen(host, port);
    const rx2 = collect(b2);
    for (let i = 0; i < 200 && rx2.got.length === 0; i++) {
      a.send('b', message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 2 }));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(rx2.got.length > 0, 'no message after the peer came back');
    void addrA;
  } finally {
    await Promise.all([a.close(), b.close(), b2?.close()]);
  }
});

test('TCP transport: a custom dialer and accept() carry the traffic (the daemon puts TLS there)', async () => {
  const server = net.createServer();
  const b = new TcpTransport({ id: 'b' });
  server.on('connection', (s) => b.accept(s));
  const host = randomLoopback();
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as net.AddressInfo).port;
  const dialed: string[] = [];
  const a = new TcpTransport({
    id: 'a',
    dial: (addr) => {
      dialed.push(addr);
      return net.connect({ host, port });
    },
  });
  try {
    collect(a);
    const rx = collect(b);
    a.setPeer('b', 'b.example:2377');
    a.send('b', message({ type: MessageType.Heartbeat, from: 'a', to: 'b', term: 1 }));
    await rx.next(1);
    assert.deepEqual(dialed, ['b.example:2377']);
  } finally {
    await Promise.all([a.close(), b.close()]);
    server.close();
  }
});
