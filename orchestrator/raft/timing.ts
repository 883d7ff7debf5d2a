/**
 * @module Timing profiles: how long a tick lasts and how many ticks make an election timeout and a heartbeat.
 */
import { RaftError } from './errors.js';

/** Explicit timings. The election timeout is randomised in [electionTicks, 2 * electionTicks) ticks. */
export interface Timing {
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
}

/** A named profile or explicit timings. */
export type TimingOption = 'lab' | 'swarm' | Timing;

/** Named profiles. 'swarm' is Docker Swarm's default; 'lab' fails over in about a second. */
export const timingProfiles: Record<'lab' | 'swarm', Timing> = {
  lab: { tickMs: 100, electionTicks: 10, heartbeatTicks: 1 },
  swarm: { tickMs: 1000, electionTicks: 10, heartbeatTicks: 1 },
};

/** Resolves a TimingOption (default 'lab') and validates it. */
export function resolveTiming(t: TimingOption | undefined): Timing {
  const timing = typeof t === 'string' ? timingProfiles[t] : (t ?? timingProfiles.lab);
  if (!timing)
    throw new RaftError(
      'CONFIG',
      `unknown timing profile "${String(t)}": use 'lab', 'swarm' or explicit ticks`,
    );
  const { tickMs, electionTicks, heartbeatTicks } = timing;
  if (
    !(tickMs > 0) ||
    !Number.isInteger(electionTicks) ||
    !Number.isInteger(heartbeatTicks) ||
    heartbeatTicks <= 0 ||
    electionTicks <= heartbeatTicks
  ) {
    throw new RaftError(
      'CONFIG',
      'invalid raft timing: need tickMs > 0 and integers 0 < heartbeatTicks < electionTicks',
    );
  }
  return { tickMs, electionTicks, heartbeatTicks };
}
