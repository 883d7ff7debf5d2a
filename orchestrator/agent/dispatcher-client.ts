import type { SessionMessage, SessionRequest, TaskStatusUpdate } from '../manager/dispatcher/protocol.js';

/** An open session with a dispatcher: its messages as they come, until the stream ends. */
export interface SessionStream extends AsyncIterable<SessionMessage> {
  close(): void;
}

/** How an agent talks to a manager's dispatcher (over the node's mutual-TLS channel in swarmd). */
export interface DispatcherClient {
  openSession(managerAddr: string, request: SessionRequest, signal: AbortSignal): Promise<SessionStream>;
  heartbeat(managerAddr: string, sessionId: string): Promise<{ periodMs: number }>;
  report(managerAddr: string, sessionId: string, updates: TaskStatusUpdate[]): Promise<void>;
}

/** A dispatcher refused: the manager is not the leader (`leaderAddr` says who is, when known). */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
  constructor(readonly leaderAddr?: string) {
    super(leaderAddr ? `not the leader; the leader is ${leaderAddr}` : 'not the leader');
  }
}
