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
  /** Certificates of removed nodes are refused even though the CA signed them. */
  isRemoved(nodeId: string): boolean;
  log(line: string): void;
}

/**
 * A node's channel on port 2377: mutual TLS for Raft (by ALPN) and HTTP between nodes. Clients without a
 * certificate of the cluster (a node joining) get through the handshake, but only the join endpoint serves
 * them; every other handler checks `peerOf(req)`.
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
    const trusted = peer && !this.options.isRemoved(peer.nodeId) ? peer : undefined;
    if (socket.alpnProtocol === raftProtocol) {
      if (trusted?.role !== 'manager') {
        socket.destroy();
        return;
      }
      this.options.onRaftSocket(socket, trusted);
      return;
    }
    if (trusted) peers.set(socket, trusted);
    this.http.emit('connection', socket);
  }
}
