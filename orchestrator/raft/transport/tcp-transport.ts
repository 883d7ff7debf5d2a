/**
 * @module TcpTransport: Raft messages over TCP (or TLS: bring your own dial and accepted sockets), one
 * outgoing connection per peer, length-prefixed binary frames, snapshots streamed in chunks of any total size,
 * reconnection with exponential backoff.
 */
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { Reader, Writer } from '../codec/binary.js';
import { decodeMessage, messageSizeHint, writeMessage } from '../codec/message-codec.js';
import type { Message, NodeId } from '../types.js';
import { MessageType } from '../types.js';
import { FrameKind, FrameReader, frame, frameHeader } from './framing.js';
import type { Transport, TransportEvents } from './transport.js';

const PROTOCOL_VERSION = 1;

/** Options of a TcpTransport. */
export interface TcpTransportOptions {
  /** This member's id, sent in the hello frame. */
  id: NodeId;
  /** This member's address (host:port) as peers should dial it; sent in the hello frame. */
  addr?: string;
  /**
   * Opens an outgoing connection to member `id` at `addr` (default: plain TCP). The daemon passes a mutual-TLS
   * dialer here (and can check that the server certificate names `id`).
   */
  dial?: (addr: string, id: NodeId) => net.Socket | tls.TLSSocket;
  /**
   * Vets an incoming connection once its hello names the sender. The daemon checks that the TLS
   * certificate's CN equals `claimedId`. Returning false closes the connection.
   */
  verifyPeer?: (socket: net.Socket | tls.TLSSocket, claimedId: NodeId) => boolean;
  /** Bytes queued to one peer beyond which new messages are dropped (Raft retransmits). Default 64 MiB. */
  maxQueuedBytes?: number;
  /** Size of the frames a snapshot is cut into. Default 1 MiB. */
  snapshotChunkBytes?: number;
  logger?: (line: string) => void;
}

function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  if (i <= 0) throw new Error(`invalid address "${addr}": expected host:port`);
  const host = addr.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`invalid port in address "${addr}"`);
  return { host, port };
}

/** A whole frame holding `m`, encoded in place (no copy into a separate frame buffer). */
function messageFrame(kind: FrameKind, m: Message, withoutSnapshotData = false): Buffer {
  const w = new Writer(messageSizeHint(m) + 5);
  const at = w.reserveU32();
  w.u8(kind);
  writeMessage(w, m, withoutSnapshotData);
  const buf = w.finish();
  buf.writeUInt32LE(buf.length - 4, at);
  return buf;
}

function defaultDial(addr: string): net.Socket {
  const { host, port } = splitHostPort(addr);
  return net.connect({ host, port, noDelay: true });
}

interface QueuedSnapshot {
  head: Buffer;
  data: Uint8Array;
}

/** An outgoing connection to one peer, with its queue and reconnection state. */
class PeerLink {
  readonly id: NodeId;
  addr: string;
  private socket: net.Socket | undefined;
  private connected = false;
  private closed = false;
  /** Frames and snapshots waiting to be written, in send order. */
  private queue: (Buffer | QueuedSnapshot)[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private backoffMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private reportedDown = false;
  private readonly t: TcpTransport;

  constructor(t: TcpTransport, id: NodeId, addr: string) {
    this.t = t;
    this.id = id;
    this.addr = addr;
    this.connect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  private connect(): void {
    if (this.closed) return;
    let socket: net.Socket;
    try {
      socket = this.t.dialer(this.addr, this.id);
    } catch (err) {
      this.t.log(`raft transport: cannot dial ${this.id} at ${this.addr}: ${(err as Error).message}`);
      this.onDown();
      return;
    }
    this.socket = socket;
    socket.setNoDelay?.(true);
    const secure = 'encrypted' in socket && (socket as tls.TLSSocket).encrypted;
    const ready = (): void => {
      if (this.socket !== socket || this.closed) return;
      this.connected = true;
      this.backoffMs = 0;
      this.reportedDown = false;
      socket.write(this.t.helloFrame());
      this.flush();
    };
    socket.once(secure ? 'secureConnect' : 'connect', ready);
    socket.on('error', () => {});
    socket.on('data', () => {}); // peers never answer on this connection
    socket.once('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.connected = false;
      this.onDown();
    });
  }

  private onDown(): void {
    const lost = this.queue.filter((q) => !Buffer.isBuffer(q)).length;
    this.queue = [];
    this.queuedBytes = 0;
    for (let i = 0; i < lost; i++) this.t.events.snapshotStatus?.(this.id, false);
    if (!this.reportedDown) {
      this.reportedDown = true;
      this.t.events.unreachable?.(this.id);
    }
    if (this.closed) return;
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 25), 2000);
    this.retryTimer = setTimeout(() => this.connect(), this.backoffMs);
    this.retryTimer.unref?.();
  }

  send(frameBuf: Buffer): void {
    if (!this.socket) {
      // Dropped while waiting to reconnect. Raft retransmits.
      if (!this.reportedDown) {
        this.reportedDown = true;
        this.t.events.unreachable?.(this.id);
      }
      return;
    }
    if (this.queuedBytes + this.socket.writableLength > this.t.maxQueuedBytes) return;
    this.queue.push(frameBuf);
    this.queuedBytes += frameBuf.length;
    this.scheduleFlush();
  }

  sendSnapshot(head: Buffer, data: Uint8Array): void {
    if (!this.socket) {
      this.t.events.snapshotStatus?.(this.id, false);
      return;
    }
    this.queue.push({ head, data });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  flush(): void {
    const socket = this.socket;
    if (!socket || !this.connected || this.queue.length === 0) return;
    const queue = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    let frames: Buffer[] = [];
    const writeFrames = (): void => {
      if (frames.length === 0) return;
      socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
      frames = [];
    };
    for (const item of queue) {
      if (Buffer.isBuffer(item)) {
        frames.push(item);
        continue;
      }
      writeFrames();
      this.writeSnapshot(socket, item);
    }
    writeFrames();
  }

  private writeSnapshot(socket: net.Socket, snap: QueuedSnapshot): void {
    // Reported once handed to the kernel in order; the follower's acknowledgement confirms installation.
    const done = (err?: Error | null): void => this.t.events.snapshotStatus?.(this.id, !err);
    const chunk = this.t.snapshotChunkBytes;
    if (snap.data.byteLength === 0) socket.write(snap.head, done);
    else socket.write(snap.head);
    for (let off = 0; off < snap.data.byteLength; off += chunk) {
      const end = Math.min(off + chunk, snap.data.byteLength);
      socket.write(frameHeader(FrameKind.SnapshotChunk, end - off));
      if (end === snap.data.byteLength) socket.write(snap.data.subarray(off, end), done);
      else socket.write(snap.data.subarray(off, end));
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = undefined;
    this.connected = false;
  }
}

/** An incoming snapshot being reassembled. */
interface Assembly {
  msg: Message;
  data: Buffer;
  filled: number;
}

/** TcpTransport: see the module comment. */
export class TcpTransport implements Transport {
  readonly id: NodeId;
  readonly dialer: (addr: string, id: NodeId) => net.Socket | tls.TLSSocket;
  readonly maxQueuedBytes: number;
  readonly snapshotChunkBytes: number;
  events: TransportEvents = {};
  private advertised: string;
  private readonly verifyPeer: TcpTransportOptions['verifyPeer'];
  private readonly logger: (line: string) => void;
  private handler: ((msg: Message) => void) | undefined;
  private readonly peers = new Map<NodeId, PeerLink>();
  /** Addresses learnt from hello frames of members we had no address for (a joining node meets its leader). */
  private readonly learnt = new Map<NodeId, string>();
  private readonly incoming = new Set<net.Socket>();
  private readonly incomingBy = new Map<NodeId, number>();
  private server: net.Server | undefined;
  private closed = false;

  constructor(opts: TcpTransportOptions) {
    this.id = opts.id;
    this.advertised = opts.addr ?? '';
    this.dialer = opts.dial ?? defaultDial;
    this.verifyPeer = opts.verifyPeer;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 64 << 20;
    this.snapshotChunkBytes = opts.snapshotChunkBytes ?? 1 << 20;
    this.logger = opts.logger ?? (() => {});
  }

  log(line: string): void {
    this.logger(line);
  }

  helloFrame(): Buffer {
    return frame(
      FrameKind.Hello,
      new Writer(64).u8(PROTOCOL_VERSION).str(this.id).str(this.advertised).finish(),
    );
  }

  start(handler: (msg: Message) => void, events?: TransportEvents): void {
    this.handler = handler;
    this.events = events ?? {};
  }

  /** Listens on host:port (port 0: any) and adopts every connection; resolves with the bound address. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address() as net.AddressInfo;
    if (!this.advertised) this.advertised = `${host}:${a.port}`;
    return { host, port: a.port };
  }

  /** The address sent in hello frames. */
  get addr(): string {
    return this.advertised;
  }

  /** Adopts an established incoming connection (plain TCP, or TLS after the handshake). */
  accept(socket: net.Socket | tls.TLSSocket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.incoming.add(socket);
    socket.setNoDelay?.(true);
    const reader = new FrameReader();
    let peer: NodeId | undefined;
    let assembly: Assembly | undefined;
    const helloTimer = setTimeout(() => {
      if (!peer) socket.destroy();
    }, 10_000);
    helloTimer.unref?.();
    const fail = (why: string): void => {
      this.log(`raft transport: closing connection from ${peer ?? socket.remoteAddress}: ${why}`);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: { kind: number; payload: Buffer }[];
      try {
        frames = reader.push(chunk);
      } catch (err) {
        fail((err as Error).message);
        return;
      }
      for (const f of frames) {
        if (socket.destroyed) return;
        try {
          if (!peer) {
            if (f.kind !== FrameKind.Hello) return fail('expected a hello frame first');
            const r = new Reader(f.payload);
            const version = r.u8();
            if (version !== PROTOCOL_VERSION) return fail(`unsupported protocol version ${version}`);
            const id = r.str();
            const addr = r.str();
            if (!id) return fail('empty member id in hello');
            if (this.verifyPeer && !this.verifyPeer(socket, id))
              return fail(`peer verification refused id ${id}`);
            peer = id;
            clearTimeout(helloTimer);
            this.incomingBy.set(id, (this.incomingBy.get(id) ?? 0) + 1);
            if (addr && !this.peers.has(id)) this.learnt.set(id, addr);
            continue;
          }
          if (f.kind === FrameKind.Message) {
            this.deliver(peer, decodeMessage(f.payload).msg);
          } else if (f.kind === FrameKind.SnapshotHead) {
            const { msg, snapshotDataLength } = decodeMessage(f.payload, true);
            assembly = { msg, data: Buffer.allocUnsafe(snapshotDataLength), filled: 0 };
            if (snapshotDataLength === 0) assembly = this.completeSnapshot(peer, assembly);
          } else if (f.kind === FrameKind.SnapshotChunk) {
            if (!assembly) return fail('snapshot chunk without a snapshot');
            if (assembly.filled + f.payload.length > assembly.data.length)
              return fail('snapshot chunk beyond its length');
            f.payload.copy(assembly.data, assembly.filled);
            assembly.filled += f.payload.length;
            if (assembly.filled === assembly.data.length) assembly = this.completeSnapshot(peer, assembly);
          } else {
            return fail(`unknown frame kind ${f.kind}`);
          }
        } catch (err) {
          return fail(`bad frame: ${(err as Error).message}`);
        }
      }
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(helloTimer);
      this.incoming.delete(socket);
      if (peer) {
        const n = (this.incomingBy.get(peer) ?? 1) - 1;
        if (n <= 0) this.incomingBy.delete(peer);
        else this.incomingBy.set(peer, n);
      }
    });
  }

  private completeSnapshot(peer: NodeId, a: Assembly): undefined {
    a.msg.snapshot!.data = a.data;
    this.deliver(peer, a.msg);
    return undefined;
  }

  private deliver(peer: NodeId, msg: Message): void {
    // A connection speaks for the member its hello named, and only to us.
    if (msg.from !== peer || msg.to !== this.id) {
      this.log(`raft transport: dropping a message from ${msg.from} to ${msg.to} on ${peer}'s connection`);
      return;
    }
    try {
      this.handler?.(msg);
    } catch (err) {
      this.log(`raft transport: handler failed: ${(err as Error).stack}`);
    }
  }

  private link(to: NodeId): PeerLink | undefined {
    let link = this.peers.get(to);
    if (!link) {
      const addr = this.learnt.get(to);
      if (!addr || this.closed) return undefined;
      link = new PeerLink(this, to, addr);
      this.peers.set(to, link);
    }
    return link;
  }

  send(to: NodeId, msg: Message): void {
    if (this.closed) return;
    const link = this.link(to);
    if (!link) {
      this.events.unreachable?.(to);
      if (msg.type === MessageType.Snap) this.events.snapshotStatus?.(to, false);
      return;
    }
    if (msg.type === MessageType.Snap && msg.snapshot) {
      link.sendSnapshot(messageFrame(FrameKind.SnapshotHead, msg, true), msg.snapshot.data);
    } else {
      link.send(messageFrame(FrameKind.Message, msg));
    }
  }

  /** Writes every queued message now (the leader calls this before its fsync, so both overlap). */
  flush(): void {
    for (const link of this.peers.values()) link.flush();
  }

  setPeer(id: NodeId, addr: string): void {
    if (id === this.id || this.closed) return;
    const link = this.peers.get(id);
    if (link?.addr === addr) return;
    link?.close();
    this.learnt.delete(id);
    this.peers.set(id, new PeerLink(this, id, addr));
  }

  removePeer(id: NodeId): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
    this.learnt.delete(id);
  }

  reachable(id: NodeId): boolean {
    if (id === this.id) return true;
    return (this.peers.get(id)?.isConnected ?? false) || this.incomingBy.has(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const link of this.peers.values()) link.close();
    this.peers.clear();
    for (const s of this.incoming) s.destroy();
    this.incoming.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
