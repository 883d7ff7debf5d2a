import type { IncomingMessage } from 'node:http';
import { createServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import type { ApiHandler } from '../../api/server.js';
import { serverFor } from '../../api/server.js';
import {
  type NodeTlsCredentials,
  type PeerIdentity,
  peerIdentity,
  serverTlsOptions,
} from '../../manager/ca/index.js';

/** ALPN protocol of Raft connections; everything else on the channel is HTTP/1.1. */
export const raftProtocol = 'swarmlab-raft';

const peers = new WeakMap<object, PeerIdentity>();

/** The verified identity of the node that sent a channel request (undefined: no valid certificate). */
export function peerOf(req: IncomingMessage): PeerIdentity | undefined {
  return peers.get(req.socket);
}

export interface ChannelServerOptions {
  host: string;
  port: number;
  credentials: NodeTlsCredentials;
  /** Node-to-node requests (join, dispatcher, raft membership, forwarded API calls). */
  handle: ApiHandler;
  /** A Raft connection from a manager with a valid manager certificate. */
  onRaftSocket(socket: TLSSocket, peer: PeerIdentity): void;
  /** Raft connections of removed nodes are refused even though the CA signed their certificates. */
  isRemoved(nodeId: string): boolean;
  log(line: string): void;
}

/**
 * A node's channel on port 2377: mutual TLS for Raft (by ALPN) and HTTP between nodes. Clients without a
 * certificate (a node joining) get through the handshake, but only the join endpoint serves them; every other
 * handler checks `peerOf(req)` (and whether that node was removed, so it can be told). A client presenting a
 * certificate this swarm's CA did not sign (or an expired one) is disconnected at once.
 */
export class ChannelServer {
  private readonly tls: TlsServer;
  private readonly http;
  private readonly sockets = new Set<TLSSocket>();

  constructor(private readonly options: ChannelServerOptions) {
    this.http = serverFor(options.handle);
    // Other nodes keep connections to this one open between calls; do not close them just as they are reused.
    this.http.keepAliveTimeout = 60_000;
    this.tls = createServer({
      ...serverTlsOptions(options.credentials),
      ALPNProtocols: [raftProtocol, 'http/1.1'],
    });
    this.tls.on('secureConnection', (socket) => this.accept(socket));
    this.tls.on('tlsClientError', () => {});
    this.tls.on('error', (error) => options.log(`channel server error: ${error.message}`));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.tls.once('error', reject);
      this.tls.listen(this.options.port, this.options.host, () => {
        this.tls.off('error', reject);
        resolve();
      });
    });
  }

  /** Serves a renewed certificate from now on. */
  setCredentials(credentials: NodeTlsCredentials): void {
    this.options.credentials = credentials;
    this.tls.setSecureContext(serverTlsOptions(credentials));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.tls.close(() => resolve()));
    this.http.closeAllConnections();
  }

  private accept(socket: TLSSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const peer = peerIdentity(socket, this.options.credentials.rootCertPem);
    if (!peer && socket.getPeerX509Certificate()) {
      this.options.log(
        `refused a connection from ${socket.remoteAddress}: its certificate is not a valid certificate of this swarm's CA (${String(socket.authorizationError ?? 'not a node certificate')})`,
      );
      socket.destroy();
      return;
    }
    if (socket.alpnProtocol === raftProtocol) {
      if (peer?.role !== 'manager' || this.options.isRemoved(peer.nodeId)) {
        socket.destroy();
        return;
      }
      this.options.onRaftSocket(socket, peer);
      return;
    }
    if (peer) peers.set(socket, peer);
    this.http.emit('connection', socket);
  }
}
