import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContainerRuntime } from '../agent/container-runtime.js';
import { ApiError, badRequest } from '../api/errors.js';
import { parseLogQuery } from '../api/log-stream.js';
import { Reply, Router, streamed } from '../api/router.js';
import { type ApiHandler, createApiHandler } from '../api/server.js';
import type { PeerIdentity } from '../manager/ca/index.js';
import {
  nodeRemovedError,
  type SessionRequest,
  type TaskStatusUpdate,
} from '../manager/dispatcher/protocol.js';
import type { Manager } from '../manager/manager.js';
import { peerOf } from './channel/channel-server.js';

/** What the channel's endpoints need from the node. */
export interface ChannelHost {
  manager(): Manager | undefined;
  /** The node's own Engine API, for requests other managers forward to this leader. */
  engine: ApiHandler;
  /** This node's containers' logs, for the leader's service and task logs. */
  runtime: ContainerRuntime;
  /** Whether the swarm removed this node (known on managers): its certificate is then answered 403. */
  isRemoved(nodeId: string): boolean;
  log(line: string): void;
}

/** Header marking an Engine API request a manager forwarded to the leader (never forwarded twice). */
export const forwardedHeader = 'x-swarmlab-forwarded';
/** Path prefix of forwarded Engine API requests on the channel. */
export const enginePrefix = '/engine';

function object(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest(`invalid ${what}: expected a JSON object`);
  return body as Record<string, unknown>;
}

/**
 * The node-to-node endpoints of port 2377: join (the only one open to nodes without a certificate),
 * certificate renewal, Raft membership, dispatcher sessions, and Engine API requests forwarded to the leader.
 * Endpoints for the leader answer 409 with the leader's address elsewhere, so callers can follow.
 */
export function channelHandler(host: ChannelHost): ApiHandler {
  /** The calling node, checked at each request: a node removed while connected learns it at once. */
  const requirePeer = (req: IncomingMessage, role?: 'manager'): PeerIdentity => {
    const peer = peerOf(req);
    if (!peer) throw new ApiError(401, 'a certificate of this swarm is required: join the swarm first');
    if (host.isRemoved(peer.nodeId)) throw nodeRemovedError(peer.nodeId);
    if (role && peer.role !== role) throw new ApiError(403, `node ${peer.nodeId} is not a manager`);
    return peer;
  };
  const leader = (): Manager => {
    const manager = host.manager();
    if (!manager) {
      throw new ApiError(
        400,
        'this node is not a manager: join the swarm through a manager\'s address (run "docker node ls" on a manager to see them)',
      );
    }
    if (!manager.isLeader()) {
      const leaderAddr = manager.leaderAddr();
      throw new NotLeader(leaderAddr);
    }
    return manager;
  };
  const router = new Router()
    .post('/join', async (req) => {
      const body = object(await req.json(), 'join request');
      for (const field of ['token', 'csrPem', 'addr', 'clusterAddr', 'hostname']) {
        if (typeof body[field] !== 'string')
          throw badRequest(`invalid join request: ${field} must be a string`);
      }
      return leader().join(body as never);
    })
    .post('/renew', async (req) => {
      const peer = requirePeer(req.raw);
      const body = object(await req.json(), 'renew request');
      if (typeof body.csrPem !== 'string') throw badRequest('invalid renew request: csrPem must be a string');
      return leader().renew(peer, body.csrPem);
    })
    .post('/raft/join', async (req) => {
      const peer = requirePeer(req.raw, 'manager');
      const body = object(await req.json(), 'raft join request');
      if (typeof body.addr !== 'string') throw badRequest('invalid raft join request: addr must be a string');
      await leader().addMember(peer, body.addr);
      return new Reply(200, {});
    })
    .post('/raft/leave', async (req) => {
      const peer = requirePeer(req.raw, 'manager');
      await leader().removeMember(peer.nodeId);
      return new Reply(200, {});
    })
    .get('/agent/logs', async (req) => {
      requirePeer(req.raw, 'manager');
      const container = req.query.get('container') ?? '';
      const query = parseLogQuery(req.query);
      const res = req.res;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      try {
        for await (const line of host.runtime.logs(container, { ...query, signal: req.signal })) {
          const text = `${JSON.stringify({ s: line.stream, t: line.time.toISOString(), d: line.data.toString('base64') })}\n`;
          if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
        }
      } catch (error) {
        host.log(`reading the logs of container ${container} failed: ${(error as Error).message}`);
      } finally {
        res.end();
      }
      return streamed;
    })
    .post('/dispatcher/session', async (req) => {
      const peer = requirePeer(req.raw);
      const body = object(await req.json(), 'session request') as unknown as SessionRequest;
      const dispatcher = leader().dispatcher;
      if (!dispatcher) throw new NotLeader(undefined);
      const res = req.res;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      res.flushHeaders();
      const sessionId = await dispatcher.openSession(
        peer.nodeId,
        body,
        (message) => res.write(`${JSON.stringify(message)}\n`),
        () => res.end(),
      );
      req.raw.on('close', () => dispatcher.detach(peer.nodeId, sessionId));
      return streamed;
    })
    .post('/dispatcher/heartbeat', async (req) => {
      const peer = requirePeer(req.raw);
      const body = object(await req.json(), 'heartbeat');
      const dispatcher = leader().dispatcher;
      if (!dispatcher) throw new NotLeader(undefined);
      return dispatcher.heartbeat(peer.nodeId, String(body.sessionId));
    })
    .post('/dispatcher/status', async (req) => {
      const peer = requirePeer(req.raw);
      const body = object(await req.json(), 'status report');
      if (!Array.isArray(body.updates)) throw badRequest('invalid status report: updates must be a list');
      const dispatcher = leader().dispatcher;
      if (!dispatcher) throw new NotLeader(undefined);
      dispatcher.report(peer.nodeId, String(body.sessionId), body.updates as TaskStatusUpdate[]);
      return {};
    });
  const rpc = createApiHandler({
    router,
    onError: (error, req) => host.log(`channel ${req.method} ${req.url} failed: ${(error as Error).stack}`),
  });
  return async (req: IncomingMessage, res: ServerResponse, upgrade) => {
    if (req.url?.startsWith(`${enginePrefix}/`)) {
      const peer = peerOf(req);
      if (peer?.role !== 'manager' || host.isRemoved(peer.nodeId)) {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(`${JSON.stringify({ message: 'only managers may forward Engine API requests' })}\n`);
        return;
      }
      req.url = req.url.slice(enginePrefix.length);
      req.headers[forwardedHeader] = '1';
      await host.engine(req, res, upgrade);
      return;
    }
    await rpc(req, res, upgrade);
  };
}

/** This manager is not the leader: a 409 whose body says where the leader is. */
class NotLeader extends ApiError {
  constructor(readonly leaderAddr: string | undefined) {
    super(
      409,
      leaderAddr
        ? `not the leader; the leader is ${leaderAddr}`
        : 'not the leader, and no leader is known yet',
      {
        extra: leaderAddr ? { leaderAddr } : {},
      },
    );
  }
}

export { NotLeader };
