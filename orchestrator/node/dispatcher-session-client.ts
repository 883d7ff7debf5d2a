import type { DispatcherClient, SessionStream } from '../agent/dispatcher-client.js';
import { NotLeaderError } from '../agent/dispatcher-client.js';
import type { SessionMessage } from '../manager/dispatcher/protocol.js';
import { type ChannelClient, ChannelError } from './channel/channel-client.js';
import type { NotLeaderBody } from './leader-client.js';

function notLeader(error: unknown): never {
  if (error instanceof ChannelError && error.status === 409 && (error.body as NotLeaderBody)?.leaderAddr) {
    throw new NotLeaderError((error.body as NotLeaderBody).leaderAddr);
  }
  throw error;
}

/** The agent's dispatcher client over the node's channel: a long-lived stream of JSON lines plus POSTs. */
export function channelDispatcherClient(client: () => ChannelClient): DispatcherClient {
  return {
    async openSession(addr, request, signal): Promise<SessionStream> {
      const res = await client()
        .open(addr, 'POST', '/dispatcher/session', request, {
          signal,
          timeoutMs: 10_000,
          expect: { role: 'manager' },
        })
        .catch(notLeader);
      return {
        close: () => res.destroy(),
        async *[Symbol.asyncIterator]() {
          let buffered = '';
          try {
            for await (const chunk of res) {
              buffered += (chunk as Buffer).toString('utf8');
              let end = buffered.indexOf('\n');
              while (end >= 0) {
                const line = buffered.slice(0, end).trim();
                buffered = buffered.slice(end + 1);
                if (line) yield JSON.parse(line) as SessionMessage;
                end = buffered.indexOf('\n');
              }
            }
          } catch (error) {
            if (!res.destroyed) throw error;
          }
        },
      };
    },
    heartbeat: (addr, sessionId) =>
      client()
        .call<{ periodMs: number }>(
          addr,
          'POST',
          '/dispatcher/heartbeat',
          { sessionId },
          { timeoutMs: 10_000 },
        )
        .catch(notLeader),
    report: async (addr, sessionId, updates) => {
      await client()
        .call(addr, 'POST', '/dispatcher/status', { sessionId, updates }, { timeoutMs: 10_000 })
        .catch(notLeader);
    },
  };
}
