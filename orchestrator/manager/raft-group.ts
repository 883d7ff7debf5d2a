/**
 * The managers' Raft group as the manager uses it: the Raft node of `orchestrator/raft` behind the mutual-TLS
 * channel. This is the only module of the manager that knows Raft's API.
 */
import type { TLSSocket } from 'node:tls';
import { connect } from 'node:tls';
import { codec as aeadCodec } from '../common/aead.js';
import { RaftNode, type NodeStatus as RaftStatus } from '../raft/node.js';
import { TcpTransport } from '../raft/transport/tcp-transport.js';
import type { Store } from '../store/store.js';
import { clientTlsOptions, type NodeTlsCredentials, peerIdentity } from './ca/index.js';

export type { RaftStatus };

export interface RaftGroupOptions {
  nodeId: string;
  dataDir: string;
  store: Store;
  credentials: () => NodeTlsCredentials;
  profile: 'lab' | 'swarm';
  dataKey: Buffer;
  /** Where other managers reach this one (`host:2377`). */
  clusterAddr: string;
  /** A new cluster of one member (swarm init). Omitted: restart from disk, or join (empty dir). */
  bootstrap?: boolean;
  log(line: string): void;
}

/** Opens this manager's Raft node, with the store as its state machine and TLS for its connections. */
export async function openRaftGroup(
  options: RaftGroupOptions,
): Promise<{ raft: RaftNode; transport: TcpTransport }> {
  const transport = new TcpTransport({
    id: options.nodeId,
    addr: options.clusterAddr,
    dial: (addr: string, peerId: string) => {
      const at = addr.lastIndexOf(':');
      return connect({
        ...clientTlsOptions(options.credentials(), { role: 'manager', nodeId: peerId }),
        host: addr.slice(0, at),
        port: Number(addr.slice(at + 1)),
        ALPNProtocols: ['swarmlab-raft'],
      });
    },
    verifyPeer: (socket, claimedId) => peerIdentity(socket as TLSSocket)?.nodeId === claimedId,
    logger: options.log,
  });
  const store = options.store;
  const raft = await RaftNode.open({
    id: options.nodeId,
    dataDir: options.dataDir,
    transport,
    stateMachine: {
      apply: (entry) => store.apply(entry.index, entry.data),
      snapshot: () => store.snapshot(),
      restore: (data, meta) => store.restore(data, meta.index),
    },
    ...(options.bootstrap
      ? { bootstrap: { members: [{ id: options.nodeId, addr: options.clusterAddr }] } }
      : {}),
    timing: options.profile,
    codec: aeadCodec(options.dataKey),
    logger: options.log,
  });
  return { raft, transport };
}
