import { setTimeout as sleep } from 'node:timers/promises';
import { type CallOptions, type ChannelClient, ChannelError } from './channel/channel-client.js';

/** Answer of a manager that is not the leader: where the leader is, if it knows. */
export interface NotLeaderBody {
  message: string;
  leaderAddr?: string;
}

/** How long to keep looking for the leader (an election takes about a second in labs). */
const findLeaderMs = 10_000;

/**
 * Calls the leader: tries the known managers, following "not the leader" answers (409 with the leader's
 * address) to the leader itself, and tries again for a while during elections. Resolves with the answer and
 * the address that gave it; rejects at once for answers that are not about leadership (a 4xx of the leader).
 */
export async function callLeader<T>(
  client: ChannelClient,
  managers: string[],
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<{ answer: T; addr: string }> {
  const deadline = Date.now() + findLeaderMs;
  let last: unknown = new Error('no manager address is known');
  let hint: string | undefined;
  for (let round = 0; round === 0 || Date.now() < deadline; round++) {
    const queue = [...new Set([...(hint ? [hint] : []), ...managers])];
    hint = undefined;
    for (const addr of queue) {
      try {
        return { answer: await client.call<T>(addr, method, path, body, options), addr };
      } catch (error) {
        last = error;
        if (error instanceof ChannelError && error.status === 409) {
          hint = (error.body as NotLeaderBody)?.leaderAddr;
          if (hint && hint !== addr) break;
        } else if (error instanceof ChannelError && error.status !== 503) {
          throw error;
        }
      }
    }
    if (!hint) await sleep(Math.min(1_000, 100 * 2 ** round));
  }
  throw last;
}
